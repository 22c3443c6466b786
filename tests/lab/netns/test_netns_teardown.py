"""Teardown removes every namespace, veth, nftables table and process a lab created."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lab.model import SnmpCredentials
from lab.netns import (
    EXTRANET,
    INTRANET,
    LabError,
    LabPrivilegeError,
    NetnsLab,
    NetnsLink,
    NetnsNode,
    NetnsTopology,
    leftovers,
)

TINY = NetnsTopology(
    (
        NetnsNode("core", "city_core", EXTRANET, loopback="10.254.1.1/32"),
        NetnsNode("cnty", "county", EXTRANET, loopback="10.254.1.2/32"),
        NetnsNode("intra", "intranet_host", INTRANET),
    ),
    (NetnsLink("core", "cnty", "10.254.0.1/30", "10.254.0.2/30"),),
)


def _pgrep(pattern: str) -> list[str]:
    proc = subprocess.run(["pgrep", "-af", pattern], capture_output=True, text=True, check=False)
    return proc.stdout.splitlines()


def _assert_nothing_left(prefix: str, state_dir: Path, pids: list[int]) -> None:
    assert leftovers(prefix) == []
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True)
    assert prefix not in netns.stdout
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True)
    assert prefix not in links.stdout
    assert _pgrep(str(state_dir)) == []
    for pid in pids:
        stat = Path(f"/proc/{pid}/stat")
        assert not stat.exists() or " Z " in stat.read_text()
    assert not state_dir.exists()
    tables = subprocess.run(["nft", "list", "tables"], capture_output=True, text=True, check=True)
    assert "egnetlab" not in tables.stdout and "egnetnat" not in tables.stdout


def test_down_leaves_nothing(state_root: Path) -> None:
    lab = NetnsLab(TINY, state_root=state_root).up()
    prefix, state_dir = lab.prefix, lab.state_dir
    pids = list(lab.state.pids.values())
    assert len(pids) == 4  # three snmpd and the relay
    nft = subprocess.run(
        ["ip", "netns", "exec", lab.netns("core"), "nft", "list", "tables"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "egnetlab" in nft.stdout
    assert len(_pgrep(str(state_dir))) == 4
    assert lab.ping("cnty", "core").ok
    removed = lab.down()
    assert f"netns {prefix}core" in removed
    _assert_nothing_left(prefix, state_dir, pids)
    assert lab.down() == []  # idempotent


def test_down_from_another_process(state_root: Path) -> None:
    lab = NetnsLab(TINY, state_root=state_root).up()
    prefix, state_dir = lab.prefix, lab.state_dir
    pids = list(lab.state.pids.values())
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "lab.netns", "down", str(state_dir)],
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).parents[3],
        )
        assert proc.returncode == 0, proc.stderr
        assert f"netns {prefix}cnty" in proc.stdout
    finally:
        lab.down()  # reaps our children; nothing else left to remove
    _assert_nothing_left(prefix, state_dir, pids)


def test_two_labs_coexist_and_go_independently(state_root: Path) -> None:
    first = NetnsLab(TINY, state_root=state_root).up()
    try:
        with NetnsLab(TINY, state_root=state_root) as second:
            assert first.prefix != second.prefix
            # Same addresses in both labs: each lives in its own namespaces.
            assert first.ping("cnty", "core").ok and second.ping("cnty", "core").ok
            assert first.snmp_endpoint("core") != second.snmp_endpoint("core")
            second_prefix = second.prefix
        assert leftovers(second_prefix) == []
        assert first.ping("cnty", "core").ok
    finally:
        first.down()


def test_failed_up_cleans_up_after_itself(state_root: Path) -> None:
    # Too-short v3 passphrases fail when the agents start, after the network exists.
    short = SnmpCredentials("c", "u", "short", "short")
    lab = NetnsLab(TINY, state_root=state_root, credentials=short)
    with pytest.raises(LabError, match="passphrase needs 8"):
        lab.up()
    assert list(state_root.iterdir()) == []
    assert lab.down() == []


def test_non_root_is_refused_clearly() -> None:
    if os.geteuid() != 0:
        with pytest.raises(LabPrivilegeError, match="needs root"):
            NetnsLab().up()
        return
    # Drop to nobody in a forked child so the check runs for real.
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        message = b"no error"
        try:
            os.setgid(65534)
            os.setuid(65534)
            NetnsLab().up()
        except LabPrivilegeError as exc:
            message = str(exc).encode()
        finally:
            os.write(write_end, message)
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        message = pipe.read().decode()
    os.waitpid(pid, 0)
    assert "needs root" in message and "uid 65534" in message
