"""Alembic environment of security: its own version table, the caller's engine."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from security.models import Base

VERSION_TABLE = "alembic_version_security"

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run the migrations on the engine handed over by :func:`security.store.upgrade`."""
    engine = config.attributes.get("engine")
    if engine is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table=VERSION_TABLE,
            include_name=lambda name, type_, _parents: (
                type_ != "table" or name is None or name.startswith("security_")
            ),
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
