"""``egovnet inspect`` as a user runs it (real processes): exit codes, JSON, the inventory plan."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from inspect_pcaps import DEVICE, HOST, clean, snmp_get, tcp_session, write
from scapy.all import IP, UDP

EGOVNET = Path(sys.executable).with_name("egovnet")
PLAN = ["--extranet", "10.112.0.0/13", "--management", "10.111.255.0/24",
        "--intranet", "10.200.0.0/16", "--devices", "10.111.0.0/17"]  # fmt: skip


def egovnet(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVNET_")} | (env or {})
    env["EGOVNET_INSTANCE"] = str(cwd / "instance")
    return subprocess.run(
        [str(EGOVNET), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_clean_capture_exits_0(tmp_path: Path) -> None:
    pcap = write(tmp_path / "clean.pcap", clean())
    proc = egovnet("inspect", str(pcap), "--at", "county", *PLAN, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == f"0 finding(s) in {len(clean())} packet(s) at county (0 undecoded)\n"
    assert not (tmp_path / "instance").exists()  # the inventory was never opened


def test_findings_exit_1_with_json_and_text(tmp_path: Path) -> None:
    pkts = tcp_session(HOST, DEVICE, 40000, 23, b"admin\r\n")
    pkts.append(IP(src=HOST, dst=DEVICE) / UDP(sport=40001, dport=161) / snmp_get("n0t-public"))
    pcap = write(tmp_path / "bad.pcap", pkts)
    proc = egovnet("inspect", str(pcap), "--at", "county", "--json", *PLAN, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert (report["packets"], report["point"], report["source"]) == (6, "county", str(pcap))
    assert [f["key"] for f in report["findings"]] == [
        f"{HOST}>{DEVICE}/tcp23",
        f"{HOST}>{DEVICE}/udp161",
    ]
    assert "n0t-public" not in proc.stdout
    text = egovnet("inspect", str(pcap), "--at", "county", *PLAN, cwd=tmp_path)
    assert text.returncode == 1
    assert text.stdout.splitlines()[0] == (
        f"medium inspect.plaintext-management {HOST}>{DEVICE}/tcp23: plaintext management "
        f"(telnet) from {HOST} to {DEVICE} (1 flow(s), 5 packet(s))"
    )


def test_thresholds_are_options(tmp_path: Path) -> None:
    pkts = [IP(src=HOST, dst=DEVICE) / UDP(sport=40000, dport=p) for p in range(1, 6)]
    pcap = write(tmp_path / "scan.pcap", pkts)
    assert egovnet("inspect", str(pcap), "--at", "core", *PLAN, cwd=tmp_path).returncode == 0
    proc = egovnet("inspect", str(pcap), "--at", "core", "--scan-ports", "5", *PLAN, cwd=tmp_path)
    assert proc.returncode == 1 and f"{HOST}>{DEVICE}/udp*" in proc.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--at", "county", *PLAN], "not a pcap or pcapng capture (magic 0x68656c6c)"),
        (
            ["--at", "county", "--extranet", "10.0.0.0/33"],
            "--extranet: '10.0.0.0/33' is not a network",
        ),
        (
            ["--at", "county", "--extranet", "10.0.0.0/8", "--intranet", "10.200.0.0/16"],
            "intranet block 10.200.0.0/16 overlaps extranet block 10.0.0.0/8",
        ),
        (["--at", "county", "--scan-ports", "1", *PLAN], "--scan-ports: must be at least 2, got 1"),
        (["--at", "county", "--window", "0", *PLAN], "--window: must be a positive number"),
        (["--at", "county", "--max-flows", "0", *PLAN], "--max-flows: must be positive, got 0"),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    bad = tmp_path / "bad.pcap"
    bad.write_bytes(b"hello, not a capture")
    line = one_line_error(egovnet("inspect", str(bad), *args, cwd=tmp_path))
    assert message in line


def test_unknown_point_is_a_usage_error(tmp_path: Path) -> None:
    pcap = write(tmp_path / "clean.pcap", clean())
    proc = egovnet("inspect", str(pcap), "--at", "nowhere", *PLAN, cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "Invalid value for '--at': 'nowhere' is not one of 'egress', 'core'" in proc.stderr


def test_missing_file_is_exit_2(tmp_path: Path) -> None:
    line = one_line_error(
        egovnet("inspect", str(tmp_path / "no.pcap"), "--at", "county", *PLAN, cwd=tmp_path)
    )
    assert "no.pcap: cannot read" in line


def test_inventory_plan_maps_addresses_to_node_and_department(tmp_path: Path) -> None:
    seeded = egovnet("inventory", "seed", cwd=tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    exported = egovnet("inventory", "show", "4113-SWB-AS", "--json", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    node = json.loads(exported.stdout)
    host = "10.112.0.5"  # in 4113-SWB-AS's /27 (市委办公室)
    device = node.get("mgmt_address") or "10.111.0.2"
    pkts = tcp_session(host, device, 40000, 23, b"admin\r\n")
    pkts += tcp_session(host, "203.0.113.9", 40001, 443, b"x")
    pcap = write(tmp_path / "inv.pcap", pkts)
    proc = egovnet("inspect", str(pcap), "--at", "access", "--json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    records = {r["check"]: r for r in json.loads(proc.stdout)["findings"]}
    bypass = records["inspect.egress-bypass"]
    assert (bypass["node"], bypass["department"]) == ("4113-SWB-AS", "4113-SWB")
    plain = records["inspect.plaintext-management"]
    assert plain["node"] == "4113-SWB-AS"  # the device: its management address
    assert plain["evidence"]["src_department"] == "4113-SWB"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--iface", "nope0"], "--iface: no interface 'nope0' here (known: "),
        (["--iface", "lo", "--bpf", "tcp port"], "--bpf: 'tcp port' is not a valid filter"),
        (["--iface", "lo", "--write", "/nonexistent/x.pcap"], "/nonexistent/x.pcap: cannot write"),
        (["--iface", "lo", "--seconds", "0"], "--seconds must be positive"),
    ],
)
def test_capture_bad_input_is_one_line_exit_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    if "--seconds" not in args:
        args = [*args, "--seconds", "1"]
    line = one_line_error(egovnet("capture", "--at", "county", *args, *PLAN, cwd=tmp_path))
    assert message in line


def test_capture_without_privileges_is_a_clear_error(tmp_path: Path) -> None:
    # root without the capabilities a packet socket needs (files stay readable)
    drop = ["setpriv", "--bounding-set", "-net_raw,-net_admin"]
    argv = [*(drop if os.geteuid() == 0 else []), str(EGOVNET), "capture", "--iface", "lo"]
    argv += ["--at", "county", "--seconds", "1", *PLAN]
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVNET_")}
    proc = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert one_line_error(proc) == "Error: --iface lo: cannot capture: Operation not permitted"


def test_inventory_plan_takes_the_intranet_blocks_from_the_setting(tmp_path: Path) -> None:
    """Without --intranet, ``ipam.intranet_blocks`` (EGOVNET_IPAM_INTRANET_BLOCKS here) is the
    intranet: an intranet address met on the extranet is found; without the setting it is
    just the internet (an egress bypass)."""
    seeded = egovnet("inventory", "seed", cwd=tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    host, intranet_host = "10.112.0.5", "10.200.3.4"
    pcap = write(tmp_path / "nw.pcap", tcp_session(host, intranet_host, 40000, 445, b"x"))
    args = ["inspect", str(pcap), "--at", "access", "--json"]

    plain = egovnet(*args, cwd=tmp_path)
    assert plain.returncode == 1, plain.stderr
    assert [f["check"] for f in json.loads(plain.stdout)["findings"]] == ["inspect.egress-bypass"]

    env = {"EGOVNET_IPAM_INTRANET_BLOCKS": "10.200.0.0/16, 10.201.0.0/16"}
    configured = egovnet(*args, cwd=tmp_path, env=env)
    assert configured.returncode == 1, configured.stderr
    (crossing,) = json.loads(configured.stdout)["findings"]
    assert crossing["check"] == "inspect.zone-crossing"
    assert (crossing["node"], crossing["department"]) == ("4113-SWB-AS", "4113-SWB")
    # --intranet adds to the setting (the same block twice is one)
    both = egovnet(
        *args, "--intranet", "10.200.0.0/16", "--intranet", "10.9.0.0/16", cwd=tmp_path, env=env
    )
    assert json.loads(both.stdout)["findings"] == json.loads(configured.stdout)["findings"]
