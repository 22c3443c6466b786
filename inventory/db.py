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


def _alembic_config(engine: Engine) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


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


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (no-op when already there)."""
    if schema_is_current(engine, MIGRATIONS / "versions", "alembic_version"):
        return
    if current_revision(engine) == head_revision(engine):
        return
    from alembic import command

    command.upgrade(_alembic_config(engine), "head")
