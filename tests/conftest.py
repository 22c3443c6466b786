"""Shared fixtures: a real database (SQLite file and PostgreSQL), the app, the CLI.

PostgreSQL: ``EGOVNET_TEST_POSTGRES_URL`` (alias: the older ``EGOVNET_TEST_PG_URL``)
names an admin URL of a server to use; without it the session starts its own
throwaway server (Debian's ``postgresql`` package: ``initdb`` + ``pg_ctl`` in a
temporary folder, on a free loopback port) and stops it at the end.

Under ``CI`` every skipped test is a failure (one hook, below): CI must never pass
by skipping.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.cli import ScriptInfo

from web.app import create_app
from web.cli import cli

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DIVISIONS_CSV = SHARED / "data" / "nanyang-divisions.csv"

# -- CI: a skip is a failure ---------------------------------------------------------

#: Test ids (``item.nodeid``) allowed to skip under ``CI``, each with the reviewed reason.
#: Empty on purpose: everything the suite needs is installed by ``make setup``.
CI_ALLOWED_SKIPS: dict[str, str] = {}


class _SkipsFailUnderCI:
    """Turn every skip (marker, ``pytest.skip`` in a fixture or test, doctest ``+SKIP``)
    into a failure. Registered as a plugin object so that it also covers the doctests
    outside ``tests/`` (a conftest's own hooks only see the items below it)."""

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        allowed = item.nodeid in CI_ALLOWED_SKIPS
        if report.skipped and not hasattr(report, "wasxfail") and not allowed:
            longrepr = report.longrepr
            reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
            report.outcome = "failed"
            report.longrepr = f"skipped under CI (CI is set, so a skip is a failure): {reason}"
        return report


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("CI"):
        config.pluginmanager.register(_SkipsFailUnderCI(), "egovnet-skips-fail-under-ci")


# -- PostgreSQL ----------------------------------------------------------------------


@dataclass(frozen=True)
class PostgresServer:
    """The server the PostgreSQL tests use: an admin URL, and whether the session owns it."""

    admin_url: str
    own: bool
    port: int | None = None
    data_dir: Path | None = None


#: Read at import: fixtures such as ``instance_path`` clear ``EGOVNET_*`` for each test.
GIVEN_POSTGRES_URL = os.environ.get("EGOVNET_TEST_POSTGRES_URL") or os.environ.get(
    "EGOVNET_TEST_PG_URL"
)


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _postgres_bindir() -> Path | None:
    """Debian's newest PostgreSQL server binaries, or ``pg_ctl`` on the PATH."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl and shutil.which("initdb") else None


def _server_user() -> pwd.struct_passwd | None:
    """initdb refuses root: run the server as ``postgres`` (or ``nobody``) when root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    pytest.fail("running as root and neither a 'postgres' nor a 'nobody' user exists")


def _as(user: pwd.struct_passwd | None, argv: list[str]) -> list[str]:
    return argv if user is None else ["runuser", "-u", user.pw_name, "--", *argv]


def _run(argv: list[str], what: str) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()
        raise RuntimeError(f"{what} failed (exit {done.returncode}): {output[-2000:]}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The PostgreSQL server for the session: the given one, or our own throwaway one."""
    given = GIVEN_POSTGRES_URL
    if given:
        yield PostgresServer(given, own=False)
        return
    bindir = _postgres_bindir()
    if bindir is None:
        pytest.skip(
            "PostgreSQL server binaries not found: install the Debian package 'postgresql'"
            " (make setup) or set EGOVNET_TEST_POSTGRES_URL"
        )
    user = _server_user()
    # Not under pytest's tmp_path: that folder is root-only, and the server runs as `user`.
    root = Path(tempfile.mkdtemp(prefix="egovnet-test-pg-"))
    data, log = root / "data", root / "server.log"
    if user is not None:
        os.chown(root, user.pw_uid, user.pw_gid)
    initdb = [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"]
    pg_ctl = [str(bindir / "pg_ctl"), "-D", str(data), "-w", "-t", "60"]
    port = 0
    try:
        _run(_as(user, [*initdb, "-E", "UTF8", "--locale=C", "--no-sync"]), "initdb")
        for attempt in range(5):  # a free port can be taken before the server binds it
            port = _free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {port} -k {root}"
                " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            try:
                _run(_as(user, [*pg_ctl, "-l", str(log), "-o", options, "start"]), "pg_ctl start")
                break
            except RuntimeError:
                if attempt == 4:
                    raise
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"throwaway PostgreSQL did not start: {exc}\n{tail}")
    try:
        yield PostgresServer(
            f"postgresql://postgres@127.0.0.1:{port}/postgres", own=True, port=port, data_dir=data
        )
    finally:
        stop = _as(user, [*pg_ctl, "-m", "immediate", "stop"])
        subprocess.run(stop, capture_output=True, timeout=120, check=False)
        shutil.rmtree(root, ignore_errors=True)


def _pg_connect(admin_url: str) -> Any:
    import psycopg2

    try:
        conn = psycopg2.connect(admin_url, connect_timeout=5)
    except psycopg2.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {admin_url}: {str(exc).strip()}")
    conn.autocommit = True
    return conn


@pytest.fixture
def postgres_database(postgres_server: PostgresServer) -> Iterator[Callable[[], str]]:
    """Make fresh, uniquely named PostgreSQL databases (URLs), dropped afterwards."""
    conn = _pg_connect(postgres_server.admin_url)
    names: list[str] = []
    base = postgres_server.admin_url.rsplit("/", 1)[0].split("://", 1)[1]

    def create() -> str:
        name = f"egovnet_test_{uuid.uuid4().hex[:12]}"
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        names.append(name)
        return f"postgresql+psycopg2://{base}/{name}"

    try:
        yield create
    finally:
        with conn.cursor() as cur:
            for name in names:
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()


@pytest.fixture
def postgres_url(postgres_database: Callable[[], str]) -> str:
    """A fresh, uniquely named PostgreSQL database, dropped afterwards."""
    return postgres_database()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each inventory test runs on a SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/egovnet.db"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def empty_database_url(database_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A second, empty database of the same kind as ``database_url``."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path}/empty.db"
    create: Callable[[], str] = request.getfixturevalue("postgres_database")
    return create()


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
