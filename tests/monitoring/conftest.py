"""Fixtures for monitoring tests: real influxd servers (Debian 1.6.7) on 127.0.0.1.

If influxd is missing the tests that need it are skipped (under ``CI`` the root
conftest's hook makes that skip a failure).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from influx_peers import HttpPeer, SettingsFactory

from lab.influx import LAB_ADMIN_PASSWORD, LAB_ADMIN_USER, InfluxServer, find_influxd
from monitoring.influx import InfluxClient, InfluxSettings

_databases = itertools.count(1)


def _require_influxd() -> None:
    if find_influxd() is None:
        pytest.skip("influxd not found: install the Debian package 'influxdb' (1.6+)")


def start_influxd(root: Path, *, auth_enabled: bool = False) -> InfluxServer:
    """Start a lab influxd in ``root`` (skips or fails when influxd is missing)."""
    _require_influxd()
    server = InfluxServer(root, auth_enabled=auth_enabled, max_select_buckets=10_000)
    server.start()
    return server


@pytest.fixture(scope="session")
def influxd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InfluxServer]:
    """One influxd for the session, auth disabled."""
    server = start_influxd(tmp_path_factory.mktemp("influxd"))
    yield server
    server.remove()


@pytest.fixture(scope="session")
def influx_url(influxd: InfluxServer) -> str:
    """Base URL of the session influxd."""
    return influxd.url


@pytest.fixture(scope="session")
def influxd_auth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InfluxServer]:
    """One influxd with ``auth-enabled = true`` and the lab admin user."""
    server = start_influxd(tmp_path_factory.mktemp("influxd-auth"), auth_enabled=True)
    yield server
    server.remove()


@pytest.fixture
def own_influxd(tmp_path: Path) -> Iterator[InfluxServer]:
    """A private influxd the test may kill, pause and restart."""
    server = start_influxd(tmp_path / "influxd")
    yield server
    server.remove()


@pytest.fixture
def new_settings(tmp_path: Path) -> SettingsFactory:
    """Make settings for ``url`` with a database name no other test uses."""

    def make(url: str, **overrides: Any) -> InfluxSettings:
        values: dict[str, Any] = {
            "url": url,
            "database": f"t{next(_databases)}",
            "spool_dir": tmp_path / "spool",
            "timeout": 5.0,
        }
        values.update(overrides)
        return InfluxSettings(**values)

    return make


@pytest.fixture
def influx_settings(influx_url: str, new_settings: SettingsFactory) -> InfluxSettings:
    """Settings for a fresh, created database on the session influxd."""
    settings = new_settings(influx_url)
    client = InfluxClient(settings)
    client.create_database()
    client.close()
    return settings


@pytest.fixture
def influx_client(influx_settings: InfluxSettings) -> Iterator[InfluxClient]:
    """A client on a fresh database."""
    client = InfluxClient(influx_settings)
    yield client
    client.close()


@pytest.fixture
def admin_credentials() -> tuple[str, str]:
    """The lab admin of :func:`influxd_auth` (throwaway lab values)."""
    return LAB_ADMIN_USER, LAB_ADMIN_PASSWORD


@pytest.fixture
def http_peer() -> Iterator[HttpPeer]:
    """A recording HTTP server (see :class:`HttpPeer`)."""
    peer = HttpPeer()
    peer.start()
    yield peer
    peer.stop()
