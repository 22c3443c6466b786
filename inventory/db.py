"""Engine, sessions and schema migrations.

SQLite: every transaction starts with ``BEGIN IMMEDIATE`` so two writers
serialise on the database lock instead of failing at commit; foreign keys on;
WAL journal. PostgreSQL: allocators lock a row of ``locks`` (``SELECT ... FOR
UPDATE``) instead.

Alembic is imported only to migrate: whether the schema is current is read
with one query against the version table and the revisions named in the
migration files (:func:`schema_is_current`), because importing Alembic cost
about 0.18 s of every database command's start-up (``python -X importtime``,
docs/BENCHMARKS.md).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .models import Lock

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    """Create an engine for ``url`` with the per-dialect settings above."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        # SQLAlchemy 2.1 defaults to psycopg 3; egovnet ships psycopg2
        parsed = parsed.set(drivername="postgresql+psycopg2")
        url = parsed.render_as_string(hide_password=False)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextlib.contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


def lock(session: Session, name: str) -> None:
    """Serialise with other writers of ``name`` until the transaction ends.

    The migration creates the known lock rows; an unknown name is created
    once, tolerating a concurrent creator.
    """
    stmt = select(Lock).where(Lock.name == name).with_for_update()
    if session.execute(stmt).scalar_one_or_none() is None:
        try:
            with session.begin_nested():
                session.add(Lock(name=name))
        except IntegrityError:
            pass
        session.execute(stmt)


_REVISION = re.compile(r"""^revision(?:\s*:\s*str)?\s*=\s*['"]([^'"]+)['"]""", re.MULTILINE)
_DOWN = re.compile(
    r"""^down_revision(?:\s*:[^=]+)?\s*=\s*(None|['"]([^'"]+)['"])\s*$""", re.MULTILINE
)


def migration_head(versions: Path) -> str | None:
    """The single head revision named by the migration files in ``versions``, or None.

    None when the files are not the plain ``revision = "..."`` /
    ``down_revision = "..." | None`` form, or there is not exactly one head:
    the caller then asks Alembic.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        rev, down = _REVISION.findall(source), _DOWN.findall(source)
        if len(rev) != 1 or len(down) != 1:
            return None
        revisions.add(rev[0])
        if down[0][0] != "None":
            parents.add(down[0][1])
    heads = revisions - parents
    return next(iter(heads)) if len(heads) == 1 and parents <= revisions else None


def schema_is_current(engine: Engine, versions: Path, version_table: str) -> bool:
    """True when ``version_table`` holds exactly the head revision of ``versions``."""
    head = migration_head(versions)
    if head is None:
        return False
    with engine.connect() as conn:
        if not conn.dialect.has_table(conn, version_table):
            return False
        rows = conn.execute(text(f"SELECT version_num FROM {version_table}")).all()  # noqa: S608 - a constant
    return [r[0] for r in rows] == [head]


class MigrationChain:
    """One component's Alembic history: its folder and its own version table.

    Every component (inventory, monitoring, provisioning, security) owns its
    tables and migrates them with this one implementation; ``upgrade`` asks
    Alembic only when :func:`schema_is_current` says the table is behind.
    """

    def __init__(self, migrations: Path, version_table: str = "alembic_version") -> None:
        self.migrations = migrations
        self.version_table = version_table

    def config(self, engine: Engine) -> AlembicConfig:
        """An Alembic config whose env.py runs on ``engine`` (see :func:`run_env`)."""
        from alembic.config import Config as AlembicConfig

        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(self.migrations))
        cfg.attributes["engine"] = engine
        return cfg

    def current_revision(self, engine: Engine) -> str | None:
        """The revision in the database (None before the first upgrade)."""
        from alembic.runtime.migration import MigrationContext

        with engine.connect() as conn:
            opts = {"version_table": self.version_table}
            return MigrationContext.configure(conn, opts=opts).get_current_revision()

    def head_revision(self, engine: Engine) -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self.config(engine)).get_current_head()

    def upgrade(self, engine: Engine) -> None:
        """Bring the tables to the newest migration (no-op when already there)."""
        if schema_is_current(engine, self.migrations / "versions", self.version_table):
            return
        if self.current_revision(engine) == self.head_revision(engine):
            return
        from alembic import command

        command.upgrade(self.config(engine), "head")


def run_env(
    context: Any, metadata: Any, *, version_table: str = "alembic_version", prefix: str = ""
) -> None:
    """The body of every component's ``migrations/env.py``.

    The engine is the caller's (:meth:`MigrationChain.config`); the version
    table is the component's; autogenerate sees only tables named ``prefix*``
    (each component's tables carry its name), so one component never drops
    another's.
    """
    config = context.config
    engine = config.attributes.get("engine")
    if engine is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table=version_table,
            include_name=lambda name, type_, _parents: (
                not prefix or type_ != "table" or name is None or name.startswith(prefix)
            ),
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


CHAIN = MigrationChain(MIGRATIONS)


def _alembic_config(engine: Engine) -> AlembicConfig:
    return CHAIN.config(engine)


def current_revision(engine: Engine) -> str | None:
    return CHAIN.current_revision(engine)


def head_revision(engine: Engine) -> str | None:
    return CHAIN.head_revision(engine)


def upgrade(engine: Engine) -> None:
    """Bring the inventory schema to the newest migration (no-op when already there)."""
    CHAIN.upgrade(engine)
