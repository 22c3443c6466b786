"""Alembic environment of inventory: the caller's engine, the default version table."""

from __future__ import annotations

from alembic import context

from inventory.db import run_env
from inventory.models import Base

run_env(context, Base.metadata)
