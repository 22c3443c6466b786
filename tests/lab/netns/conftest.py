"""Fixtures for the network-namespace lab tests: one real lab per module, Net-SNMP client."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lab.netns import DEFAULT_CREDENTIALS, LabPrivilegeError, NetnsLab, small_topology
from lab.netns._sys import require_root


def _need_root() -> None:
    try:
        require_root()
    except LabPrivilegeError as exc:
        pytest.skip(f"netns lab unavailable: {exc}")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NetnsLab]:
    """The default small topology, up for the whole test module."""
    _need_root()
    with NetnsLab(small_topology(), state_root=tmp_path_factory.mktemp("netns")) as running:
        yield running


@pytest.fixture(scope="module")
def snmp_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for Net-SNMP clients: own persistent dir, no MIB loading."""
    home = tmp_path_factory.mktemp("snmp-client")
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SNMP_PERSISTENT_DIR": str(home),
        "SNMPCONFPATH": str(home),
        "MIBS": "",
        "MIBDIRS": str(home),
    }


SnmpGet = Callable[..., str]


@pytest.fixture(scope="module")
def snmpget(snmp_env: dict[str, str]) -> SnmpGet:
    """``snmpget(endpoint, oid, v3=False)``: one value via the real Net-SNMP client."""

    def get(endpoint: tuple[str, int], oid: str, *, v3: bool = False) -> str:
        creds = DEFAULT_CREDENTIALS
        if v3:
            auth = [
                "-v3",
                "-l",
                "authPriv",
                "-u",
                creds.v3_user,
                "-a",
                "SHA",
                "-A",
                creds.v3_auth_key,
                "-x",
                "AES",
                "-X",
                creds.v3_priv_key,
            ]
        else:
            auth = ["-v2c", "-c", creds.community]
        host, port = endpoint
        proc = subprocess.run(
            ["snmpget", *auth, "-On", "-Oqv", "-t", "2", "-r", "1", f"udp:{host}:{port}", oid],
            capture_output=True,
            text=True,
            env=snmp_env,
            timeout=20,
            check=False,
        )
        assert proc.returncode == 0, f"snmpget {host}:{port} {oid}: {proc.stderr}"
        return proc.stdout.strip().strip('"')

    return get


def _wait_for(what: str, probe: Callable[[], bool], limit: float = 20.0) -> None:
    deadline = time.monotonic() + limit
    while not probe():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: condition not reached after {limit} s")
        time.sleep(0.25)


@pytest.fixture(scope="session")
def wait_for() -> Callable[..., None]:
    """``wait_for(what, probe, limit=20)``: poll until true (snmpd caches ifTable ~3-5 s)."""
    return _wait_for


@pytest.fixture()
def state_root(tmp_path: Path) -> Path:
    """A fresh state root for tests that run their own lab."""
    _need_root()
    return tmp_path
