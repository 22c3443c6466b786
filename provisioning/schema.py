"""Provisioning's own tables: Alembic history in ``provisioning/migrations``.

Version table ``alembic_version_provisioning``, beside the inventory's and
monitoring's; :func:`upgrade` is called where the application upgrades its
schemas (``web.serve``, ``web.demo``) and by the commands that use the tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from inventory.db import schema_is_current

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_provisioning"


def _alembic_config(engine: Engine) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def current_revision(engine: Engine) -> str | None:
    """The provisioning schema revision in the database (None before the first upgrade)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the provisioning tables to the newest migration (no-op when already there)."""
    if schema_is_current(engine, MIGRATIONS / "versions", VERSION_TABLE):
        return
    from alembic import command
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()
    if current_revision(engine) == head:
        return
    command.upgrade(_alembic_config(engine), "head")
