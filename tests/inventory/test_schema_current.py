"""The start-up check "is the schema current?" agrees with Alembic, without importing it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from inventory import db
from monitoring import store

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "migrations", [db.MIGRATIONS, store.MIGRATIONS], ids=["inventory", "monitoring"]
)
def test_head_read_from_the_files_is_alembics_head(migrations: Path) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations))
    assert db.migration_head(migrations / "versions") == (
        ScriptDirectory.from_config(cfg).get_current_head()
    )


def test_heads_that_cannot_be_read_defer_to_alembic(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text('revision = "a"\ndown_revision = None\n')
    (tmp_path / "b.py").write_text('revision = "b"\ndown_revision = None\n')  # two heads
    assert db.migration_head(tmp_path) is None
    (tmp_path / "b.py").write_text('revision = "b"\ndown_revision = ("a", "x")\n')  # a merge
    assert db.migration_head(tmp_path) is None
    (tmp_path / "b.py").write_text('revision: str = "b"\ndown_revision: str | None = "a"\n')
    assert db.migration_head(tmp_path) == "b"


def test_schema_is_current_follows_upgrades(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    versions = db.MIGRATIONS / "versions"
    assert not db.schema_is_current(engine, versions, "alembic_version")  # no table yet
    db.upgrade(engine)
    assert db.schema_is_current(engine, versions, "alembic_version")
    assert not db.schema_is_current(engine, store.MIGRATIONS / "versions", store.VERSION_TABLE)
    store.upgrade(engine)
    assert db.schema_is_current(engine, store.MIGRATIONS / "versions", store.VERSION_TABLE)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'old'")
    assert not db.schema_is_current(engine, versions, "alembic_version")
    engine.dispose()


def test_a_current_database_command_does_not_import_alembic(tmp_path: Path) -> None:
    env = {
        "EGOVNET_INSTANCE": str(tmp_path / "i"),
        "EGOVNET_DATABASE_URL": f"sqlite:///{tmp_path}/d.db",
    }
    probe = (
        "import sys; from web.cli import main; sys.argv = ['egovnet', 'inventory', 'stats']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('alembic' in sys.modules, 'monitoring.poller' in sys.modules)"
    )
    first = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().splitlines()[-1] == "True False"  # it created the schema
    again = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().splitlines()[-1] == "False False", again.stdout
