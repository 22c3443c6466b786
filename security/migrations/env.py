"""Alembic environment of security: the caller's engine, its own version table."""

from __future__ import annotations

from alembic import context

from inventory.db import run_env
from security.models import Base

run_env(context, Base.metadata, version_table="alembic_version_security", prefix="security_")
