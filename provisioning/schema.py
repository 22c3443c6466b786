"""Provisioning's own tables: Alembic history in ``provisioning/migrations``.

Version table ``alembic_version_provisioning``, beside the inventory's and
monitoring's; :func:`upgrade` is called where the application upgrades its
schemas (``web.serve``, ``web.demo``) and by the commands that use the tables.
"""

from __future__ import annotations

from pathlib import Path

from inventory.db import MigrationChain

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_provisioning"
CHAIN = MigrationChain(MIGRATIONS, VERSION_TABLE)
_alembic_config = CHAIN.config
#: The provisioning schema revision in the database (None before the first upgrade).
current_revision = CHAIN.current_revision
#: Bring the provisioning tables to the newest migration (no-op when already there).
upgrade = CHAIN.upgrade
