"""Shared fixtures: a real database (SQLite file and PostgreSQL), the app, the CLI."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.cli import ScriptInfo

from web.app import create_app
from web.cli import cli

PG_ADMIN_URL = os.environ.get(
    "EGOVNET_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DIVISIONS_CSV = SHARED / "data" / "nanyang-divisions.csv"


def _pg_connect() -> Any:
    import psycopg2

    try:
        conn = psycopg2.connect(PG_ADMIN_URL, connect_timeout=5)
    except psycopg2.OperationalError as exc:
        message = f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {str(exc).strip()}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set: a missing PostgreSQL is a failure)")
        pytest.skip(message)
    conn.autocommit = True
    return conn


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, uniquely named PostgreSQL database, dropped afterwards."""
    name = f"egovnet_test_{uuid.uuid4().hex[:12]}"
    conn = _pg_connect()
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"postgresql+psycopg2://{base.split('://', 1)[1]}/{name}"
    finally:
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each inventory test runs on a SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/egovnet.db"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/egovnet.db"


@pytest.fixture
def instance_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "instance"
    for key in list(os.environ):
        if key.startswith("EGOVNET_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("EGOVNET_INSTANCE", str(path))
    return path


@pytest.fixture
def app(database_url: str, instance_path: Path) -> Iterator[Flask]:
    app = create_app({"database.url": database_url})
    yield app
    app.extensions["egovnet"]["inventory"].dispose()


@pytest.fixture
def inventory(app: Flask) -> Any:
    inv = app.extensions["egovnet"]["inventory"]
    inv.ensure_schema()
    return inv


@pytest.fixture
def run(app: Flask) -> Callable[..., Result]:
    """Invoke ``egovnet ...`` in-process against the test app."""
    runner = app.test_cli_runner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(cli, list(args), input=input, obj=ScriptInfo(create_app=lambda: app))

    return invoke
