"""``egovnet lab up/status/fault/down`` as a user runs it: a real lab process, real SSH and SNMP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from netmiko import ConnectHandler

from lab.topology import select

NETMIKO_TYPE = {
    "huawei_vrp5": "huawei",
    "huawei_vrp8": "huawei_vrpv8",
    "h3c_comware7": "hp_comware",
    "cisco_ios": "cisco_ios",
}
IF_OPER = "1.3.6.1.2.1.2.2.1.8"
IF_HC_IN = "1.3.6.1.2.1.31.1.1.1.6"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"


def snmp(lab: dict[str, Any], code: str, *oids: str, tool: str = "snmpget") -> dict[str, str]:
    dev = next(d for d in lab["devices"] if d["code"] == code)
    out = subprocess.run(
        [
            tool,
            "-v2c",
            "-c",
            lab["credentials"]["snmp_community"],
            "-On",
            "-t",
            "1",
            "-r",
            "1",
            f"{dev['host']}:{dev['snmp_port']}",
            *oids,
        ],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "MIBS": ""},
    )
    if out.returncode:
        raise AssertionError(out.stderr)
    return dict(line.split(" = ", 1) for line in out.stdout.splitlines() if " = " in line)


@pytest.fixture(scope="module")
def lab_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One small lab for the module, driven through the real ``egovnet`` executable."""
    base = tmp_path_factory.mktemp("lab")
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVNET_")}
    base_env.update(
        EGOVNET_INSTANCE=str(base / "instance"), EGOVNET_DATABASE_URL=f"sqlite:///{base}/db.sqlite"
    )
    egovnet = str(Path(sys.executable).parent / "egovnet")

    def run(
        *args: str, check: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [egovnet, *args],
            env={**base_env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and result.returncode:
            raise AssertionError(f"egovnet {' '.join(args)}: {result.stdout}{result.stderr}")
        return result

    up = run("lab", "up", "--size", "small", "--clock-factor", "10")
    status = json.loads(run("lab", "status", "--json").stdout)
    yield {"run": run, "up": up.stdout, "status": status, "state": base / "instance" / "lab"}
    run("lab", "down", check=False)


def _device(lab: dict[str, Any], platform: str) -> dict[str, Any]:
    return next(d for d in lab["status"]["devices"] if d["platform"] == platform)


def test_up_prints_a_summary_and_records_endpoints_in_the_lab_database_only(
    lab_env: dict[str, Any],
) -> None:
    assert "the inventory is empty: the lab runs on the example city" in lab_env["up"]
    status = lab_env["status"]
    platforms = {d["platform"] for d in status["devices"]}
    assert platforms == {"huawei_vrp5", "huawei_vrp8", "h3c_comware7", "cisco_ios"}
    assert 15 <= len(status["devices"]) <= 25
    assert status["database"] == f"sqlite:///{lab_env['state'].resolve()}/lab.db"
    assert f"lab database: {status['database']}" in lab_env["up"]
    core = next(d for d in status["devices"] if d["code"] == "4113")
    on_lab = {"EGOVNET_DATABASE_URL": status["database"]}
    node = json.loads(lab_env["run"]("inventory", "show", "4113", "--json", env=on_lab).stdout)
    assert (node["mgmt_address"], node["ssh_port"], node["snmp_port"], node["credentials"]) == (
        "127.0.0.1",
        core["ssh_port"],
        core["snmp_port"],
        "lab",
    )
    # the operator's inventory was only read: still empty
    stats = json.loads(lab_env["run"]("inventory", "stats", "--json").stdout)
    assert stats["devices"] == 0
    # the lab's throwaway credentials are shown by status, and nowhere in the inventory export
    export = lab_env["run"]("inventory", "export", env=on_lab).stdout
    assert status["credentials"]["password"] not in export
    assert status["credentials"]["snmp_community"] not in export


def test_a_poll_of_the_lab_database_reaches_every_lab_device(lab_env: dict[str, Any]) -> None:
    status = lab_env["status"]
    out = lab_env["run"](
        "poll", "--once", "--no-write", env={"EGOVNET_DATABASE_URL": status["database"]}
    ).stdout
    n = len(status["devices"])
    assert f"{n}/{n} devices answered" in out


def test_vrp8_description_change_commit_and_display(lab_env: dict[str, Any]) -> None:
    dev = _device(lab_env, "huawei_vrp8")
    creds = lab_env["status"]["credentials"]
    conn = ConnectHandler(
        device_type="huawei_vrpv8",
        host=dev["host"],
        port=dev["ssh_port"],
        username=creds["username"],
        password=creds["password"],
        fast_cli=True,
    )
    try:
        conn.send_config_set(
            ["interface GE1/0/1", "description set-by-netmiko"], exit_config_mode=False
        )
        conn.commit()
        conn.exit_config_mode()
        running = conn.send_command("display current-configuration interface GE1/0/1")
    finally:
        conn.disconnect()
    assert "description set-by-netmiko" in running


def test_counters_move_and_a_shut_interface_is_down(lab_env: dict[str, Any]) -> None:
    dev = _device(lab_env, "huawei_vrp5")
    first = snmp(lab_env["status"], dev["code"], f"{IF_HC_IN}.1")
    time.sleep(1.0)
    second = snmp(lab_env["status"], dev["code"], f"{IF_HC_IN}.1")
    value = lambda d: int(next(iter(d.values())).split(": ")[1])  # noqa: E731
    assert value(second) > value(first)
    creds = lab_env["status"]["credentials"]
    name = snmp(lab_env["status"], dev["code"], "1.3.6.1.2.1.31.1.1.1.1.1")
    ifname = next(iter(name.values())).split('"')[1]
    conn = ConnectHandler(
        device_type="huawei",
        host=dev["host"],
        port=dev["ssh_port"],
        username=creds["username"],
        password=creds["password"],
        fast_cli=True,
    )
    try:
        conn.send_config_set([f"interface {ifname}", "shutdown"])
    finally:
        conn.disconnect()
    assert snmp(lab_env["status"], dev["code"], f"{IF_OPER}.1") == {
        f".{IF_OPER}.1": "INTEGER: down(2)"
    } or list(snmp(lab_env["status"], dev["code"], f"{IF_OPER}.1").values()) == ["INTEGER: 2"]


def test_fault_link_down_reboot_unreachable(lab_env: dict[str, Any]) -> None:
    run, status = lab_env["run"], lab_env["status"]
    dev = _device(lab_env, "h3c_comware7")
    code = dev["code"]
    name = next(iter(snmp(status, code, "1.3.6.1.2.1.31.1.1.1.1.1").values())).split('"')[1]
    out = run("lab", "fault", code, "--link-down", name).stdout
    assert out.strip() == f"{code}: link {name} down"
    assert list(snmp(status, code, f"{IF_OPER}.1").values()) == ["INTEGER: 2"]
    run("lab", "fault", code, "--link-up", name)
    assert list(snmp(status, code, f"{IF_OPER}.1").values()) == ["INTEGER: 1"]
    before = snmp(status, code, SYS_UPTIME)
    run("lab", "fault", code, "--reboot")
    after = snmp(status, code, SYS_UPTIME)
    ticks = lambda d: int(next(iter(d.values())).split("(")[1].split(")")[0])  # noqa: E731
    assert ticks(after) < ticks(before)
    run("lab", "fault", code, "--unreachable", "silent")
    with pytest.raises(AssertionError, match="Timeout"):
        snmp(status, code, SYS_UPTIME)
    sock = socket.create_connection((dev["host"], dev["ssh_port"]), timeout=5)
    sock.settimeout(1.0)
    with pytest.raises(TimeoutError):
        sock.recv(100)  # accepts, never answers (no SSH banner)
    sock.close()
    run("lab", "fault", code, "--unreachable", "refused")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((dev["host"], dev["ssh_port"]), timeout=5)
    run("lab", "fault", code, "--clear")
    assert snmp(status, code, SYS_UPTIME)
    socket.create_connection((dev["host"], dev["ssh_port"]), timeout=5).close()


def test_fault_refuse_auth_and_reject_line(lab_env: dict[str, Any]) -> None:
    run, status = lab_env["run"], lab_env["status"]
    dev = _device(lab_env, "cisco_ios")
    creds = status["credentials"]
    run("lab", "fault", dev["code"], "--refuse-auth")
    from netmiko.exceptions import NetmikoAuthenticationException

    with pytest.raises(NetmikoAuthenticationException):
        ConnectHandler(
            device_type="cisco_ios",
            host=dev["host"],
            port=dev["ssh_port"],
            username=creds["username"],
            password=creds["password"],
            fast_cli=True,
        )
    run("lab", "fault", dev["code"], "--clear", "--reject-line", "ip domain name lab.example")
    conn = ConnectHandler(
        device_type="cisco_ios",
        host=dev["host"],
        port=dev["ssh_port"],
        username=creds["username"],
        password=creds["password"],
        fast_cli=True,
    )
    try:
        out = conn.send_config_set(["ip domain name lab.example"])
        running = conn.send_command("show running-config")
    finally:
        conn.disconnect()
    assert "% Invalid input detected at '^' marker." in out
    assert "ip domain name lab.example" not in running
    log = run("lab", "log", dev["code"]).stdout
    assert "ip domain name lab.example" in log
    bad = run("lab", "fault", "no-such-device", "--reboot", check=False)
    assert bad.returncode == 1 and "error: device 'no-such-device' is not in the lab" in bad.stderr


def test_second_up_is_refused(lab_env: dict[str, Any]) -> None:
    again = lab_env["run"]("lab", "up", check=False)
    assert again.returncode == 1
    assert "a lab is already running" in again.stderr


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_select_small_city_has_every_platform(inventory: Any) -> None:
    from inventory import bundle

    inventory.seed(None, villages_per_township=3)
    state = bundle.export_state(inventory.sessions)
    codes = select(state, "small")
    assert {state["nodes"][c].platform for c in codes} == {
        "huawei_vrp5",
        "huawei_vrp8",
        "h3c_comware7",
        "cisco_ios",
    }
    county = select(state, "county")
    assert "411302" in county and "411303" not in county
    assert (
        len(select(state, "city")) == inventory.stats()["devices"] - 2
    )  # less the intranet devices


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_down_leaves_nothing_behind_and_the_inventory_never_changes(
    tmp_path: Path, sqlite_url: str, instance_path: Path, run: Callable[..., Result]
) -> None:
    assert run("inventory", "seed", "--villages-per-township", "2").exit_code == 0
    before = run("inventory", "export").output
    state = tmp_path / "lab-state"
    up = run("lab", "up", "--state-dir", str(state))
    assert up.exit_code == 0, up.output
    assert "the inventory is empty" not in up.output
    doc = json.loads((state / "lab.json").read_text())
    pid = doc["pid"]
    ports = [p for d in doc["devices"].values() for p in (d["ssh_port"], d["snmp_port"])]
    assert run("inventory", "export").output == before  # the lab only read it
    down = run("lab", "down", "--state-dir", str(state))
    assert down.output.strip() == "lab down"
    assert not state.exists()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not subprocess.run(["pgrep", "-f", f"lab.runner {state}"], capture_output=True).stdout
    sockets = subprocess.run(
        ["ss", "-H", "-a", "-n", "-p", "-t", "-u"], capture_output=True, text=True
    ).stdout
    assert f"pid={pid}," not in sockets  # no socket of the lab process is left
    held = [
        line
        for line in sockets.splitlines()
        for port in ports
        if f"127.0.0.1:{port} " in line and "LISTEN" in line
    ]
    assert not [h for h in held if "lab.runner" in h]
    assert run("inventory", "export").output == before
    node = json.loads(run("inventory", "show", "4113", "--json").output)
    assert node["credentials"] == "default" and node["ssh_port"] == 22
    assert run("lab", "down", "--state-dir", str(state)).output.strip() == "no lab was running"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_up_refuses_a_lab_database_that_is_the_inventory_or_holds_live_devices(
    tmp_path: Path, sqlite_url: str, instance_path: Path, run: Callable[..., Result]
) -> None:
    assert run("inventory", "seed", "--villages-per-township", "1").exit_code == 0
    before = run("inventory", "export").output
    state = tmp_path / "lab-state"
    same = run("lab", "up", "--state-dir", str(state), "--lab-database", sqlite_url)
    assert same.exit_code == 1
    assert "is the inventory's own database: the lab never writes the inventory" in same.output
    # another operator database (active devices reachable outside a lab) is refused too
    other = f"sqlite:///{tmp_path}/other.db"
    env = {"EGOVNET_DATABASE_URL": other, "EGOVNET_INSTANCE": str(tmp_path / "other")}
    seeded = subprocess.run(
        [str(Path(sys.executable).parent / "egovnet"), "inventory", "seed"],
        env={**{k: v for k, v in os.environ.items() if not k.startswith("EGOVNET_")}, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert seeded.returncode == 0, seeded.stderr
    live = run("lab", "up", "--state-dir", str(state), "--lab-database", other)
    assert live.exit_code == 1
    assert "active device(s) reachable outside a lab" in live.output
    assert "\n" not in live.output.strip() and "Traceback" not in live.output
    bad = run("lab", "up", "--state-dir", str(state), "--lab-database", "nonsense://x")
    assert bad.exit_code == 2 and bad.output.startswith("error: lab database 'nonsense://x'")
    assert not state.exists()
    assert run("inventory", "export").output == before
    # an empty database is fine, and an earlier lab's one can be reused
    mine = f"sqlite:///{tmp_path}/mine.db"
    for _ in range(2):
        up = run("lab", "up", "--state-dir", str(state), "--lab-database", mine)
        assert up.exit_code == 0, up.output
        assert run("lab", "down", "--state-dir", str(state)).exit_code == 0
    assert (tmp_path / "mine.db").exists()  # an explicit lab database is the caller's to remove
    assert run("inventory", "export").output == before
