"""Real traffic in network namespaces, captured live with ``egovnet capture`` and inspected
again offline with ``egovnet inspect`` on the written pcap: exactly the expected findings.

The lab: egress ``egr`` (NAT to the internet host ``inet``), city core ``cty``, county
router ``c02`` (the capture point: its veth towards the department), a department host
``dep``, and an "ISP" host ``isp`` wired to the county router, which masquerades towards
it (a local breakout). The county router's loopback is a device management address with
a Telnet listener, an HTTP server and the lab's snmpd (community ``public``).
"""

from __future__ import annotations

import ipaddress
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lab.model import SnmpCredentials
from lab.netns import (
    EGRESS_ROLE,
    EXTRANET,
    INTERNET,
    LabPrivilegeError,
    NetnsLab,
    NetnsLink,
    NetnsNode,
    NetnsTopology,
)
from lab.netns._sys import require_root

EGOVNET = Path(sys.executable).with_name("egovnet")
TRAFFIC = str(Path(__file__).with_name("netns_traffic.py"))
PLAN = [
    "--extranet", "10.254.0.0/16",
    "--intranet", "10.200.0.0/16",
    "--devices", "10.254.1.0/24",
]  # fmt: skip
LEAK = "10.200.0.5"


def topology() -> NetnsTopology:
    nodes = (
        NetnsNode("egr", EGRESS_ROLE, EXTRANET, "egress", "10.254.1.1/32"),
        NetnsNode("cty", "city_core", EXTRANET, "core", "10.254.1.2/32"),
        NetnsNode("c02", "county", EXTRANET, "county", "10.254.1.3/32"),
        NetnsNode("dep", "host", EXTRANET, "department-host", "10.254.1.10/32"),
        NetnsNode("inet", "internet_host", INTERNET, "internet"),
        NetnsNode("isp", "internet_host", INTERNET, "isp"),
    )
    links = (
        NetnsLink("cty", "egr", "10.254.0.1/30", "10.254.0.2/30"),
        NetnsLink("cty", "c02", "10.254.0.5/30", "10.254.0.6/30"),
        NetnsLink("c02", "dep", "10.254.0.9/30", "10.254.0.10/30"),
        NetnsLink("egr", "inet", "198.51.100.1/30", "198.51.100.2/30"),
        NetnsLink("c02", "isp", "203.0.113.1/30", "203.0.113.2/30"),
    )
    return NetnsTopology(nodes, links)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NetnsLab]:
    try:
        require_root()
    except LabPrivilegeError as exc:
        pytest.skip(f"netns lab unavailable: {exc}")
    creds = SnmpCredentials("public", "nms", "authkey-lab", "privkey-lab")
    with NetnsLab(topology(), state_root=tmp_path_factory.mktemp("netns"), credentials=creds) as up:
        # the county router breaks out locally: NAT towards the ISP host
        nat = (
            "table ip breakout {\n chain post {\n  type nat hook postrouting priority 100;\n"
            f'  oifname "{up.ifname("c02", "isp")}" masquerade\n }}\n}}\n'
        )
        up.exec("c02", ["nft", "-f", "-"], stdin=nat)
        server = subprocess.Popen(
            ["ip", "netns", "exec", up.netns("c02"), sys.executable, TRAFFIC, "serve", "10.254.1.3", "23", "80", "8443"],
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        try:
            assert server.stdout is not None and server.stdout.readline().strip() == "ready"
            up.exec("dep", ["ip", "addr", "add", f"{LEAK}/32", "dev", "lo"])
            yield up
        finally:
            server.kill()
            server.wait()


def _egovnet(*args: str, netns: str | None = None, **kw: object) -> list[str]:
    argv = [str(EGOVNET), *args]
    return ["ip", "netns", "exec", netns, *argv] if netns else argv


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVNET_")}
    env["EGOVNET_INSTANCE"] = str(tmp / "instance")
    return env


def capture(
    lab: NetnsLab, tmp: Path, name: str, traffic: list[tuple[str, list[str], bool]]
) -> tuple[int, dict[str, object], Path]:
    """Run ``egovnet capture`` on c02's department veth while ``traffic`` runs; its report."""
    pcap = tmp / f"{name}.pcap"
    argv = _egovnet(
        "capture", "--iface", lab.ifname("c02", "dep"), "--at", "county", "--seconds", "90",
        "--bpf", "ip", "--write", str(pcap), "--json", *PLAN, netns=lab.netns("c02"),
    )  # fmt: skip
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(tmp)
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert line.startswith("capturing on"), line + proc.stderr.read()
    started = time.monotonic()
    for node, command, check in traffic:
        lab.exec(node, command, timeout=30, check=check)
    assert time.monotonic() - started < 80, "traffic took longer than the capture window"
    time.sleep(0.5)  # the last answers
    proc.send_signal(signal.SIGINT)  # ends the capture early; it still reports
    out, err = proc.communicate(timeout=60)
    assert err == "", err
    return proc.returncode, json.loads(out), pcap


def _py(*args: str) -> list[str]:
    return [sys.executable, TRAFFIC, *args]


def test_violating_traffic_gives_exactly_the_expected_findings(
    lab: NetnsLab, tmp_path: Path
) -> None:
    dep = str(ipaddress.IPv4Interface(lab.topology.link("c02", "dep").address_of("dep")).ip)
    device, core = "10.254.1.3", "10.254.1.2"
    snmp = [
        "snmpget",
        "-v2c",
        "-c",
        "public",
        "-t",
        "2",
        "-r",
        "0",
        "-On",
        device,
        "1.3.6.1.2.1.1.5.0",
    ]
    traffic = [
        ("dep", _py("telnet", device), True),
        ("dep", _py("http", device), True),
        ("dep", snmp, True),
        ("dep", _py("scan", core, "2000", "2019"), True),
        ("dep", _py("sweep", "10.254.3", "30"), True),
        ("dep", ["ping", "-n", "-q", "-c", "2", "-i", "0.2", "203.0.113.2"], True),
        # the intranet address leaks onto the extranet; nothing answers it
        (
            "dep",
            ["ping", "-n", "-q", "-c", "2", "-i", "0.2", "-W", "1", "-I", LEAK, "10.200.0.9"],
            False,
        ),
    ]
    code, report, pcap = capture(lab, tmp_path, "bad", traffic)
    assert code == 1, report
    records = report["findings"]
    assert isinstance(records, list)
    assert [(r["check"], r["key"]) for r in records] == [
        ("inspect.default-snmp-community", f"{dep}>{device}/udp161"),
        ("inspect.egress-bypass", f"{dep}>203.0.113.2/icmp8"),
        ("inspect.host-sweep", f"{dep}>*/icmp8"),
        ("inspect.intranet-on-extranet", f"{LEAK}>10.200.0.9/icmp8"),
        ("inspect.plaintext-management", f"{dep}>{device}/tcp23"),
        ("inspect.plaintext-management", f"{dep}>{device}/tcp80"),
        ("inspect.plaintext-management", f"{dep}>{device}/udp161"),
        ("inspect.port-scan", f"{dep}>{core}/tcp*"),
    ]
    by = {(r["check"], r["key"]): r["evidence"] for r in records}
    bypass = by[("inspect.egress-bypass", f"{dep}>203.0.113.2/icmp8")]
    assert (bypass["flows"], bypass["packets"]) == (1, 4)  # two echoes, two NATed replies
    assert by[("inspect.default-snmp-community", f"{dep}>{device}/udp161")]["community"] == "public"
    scan = by[("inspect.port-scan", f"{dep}>{core}/tcp*")]
    assert scan["ports"] == list(range(2000, 2020)) and scan["packets"] == 40  # SYN + RST each
    assert by[("inspect.host-sweep", f"{dep}>*/icmp8")]["count"] == 31  # 30 + the ISP host
    telnet = by[("inspect.plaintext-management", f"{dep}>{device}/tcp23")]
    assert telnet["flows"] == 1 and telnet["packets"] >= 6

    offline = subprocess.run(
        _egovnet("inspect", str(pcap), "--at", "county", "--json", *PLAN),
        capture_output=True, text=True, env=_env(tmp_path), timeout=120,
    )  # fmt: skip
    assert offline.returncode == 1, offline.stderr
    again = json.loads(offline.stdout)
    assert again["packets"] == report["packets"]
    assert again["findings"] == records


def test_clean_traffic_gives_no_finding(lab: NetnsLab, tmp_path: Path) -> None:
    device = "10.254.1.3"
    v3 = [
        "snmpget", "-v3", "-l", "authPriv", "-u", "nms", "-a", "SHA", "-A", "authkey-lab",
        "-x", "AES", "-X", "privkey-lab", "-t", "2", "-r", "0", device, "1.3.6.1.2.1.1.5.0",
    ]  # fmt: skip
    traffic = [
        ("dep", ["ping", "-n", "-q", "-c", "3", "-i", "0.2", "10.254.1.2"], True),
        ("dep", _py("telnet", device, "8443"), True),
        ("dep", v3, True),
    ]
    code, report, pcap = capture(lab, tmp_path, "clean", traffic)
    assert (code, report["findings"]) == (0, [])
    assert isinstance(report["packets"], int) and report["packets"] >= 12
    offline = subprocess.run(
        _egovnet("inspect", str(pcap), "--at", "county", *PLAN),
        capture_output=True, text=True, env=_env(tmp_path), timeout=120,
    )  # fmt: skip
    assert offline.returncode == 0, offline.stdout + offline.stderr
    assert offline.stdout.startswith("0 finding(s) in ")


#: the netns lab as an inventory: the county router c02 (its loopback is its management
#: address) and the department behind it (the c02-dep link is its subnet)
CITY = """\
version: 1
nodes:
- {code: '4113', name: 南阳市, level: city, role: core, status: active}
- {code: '411302', name: 宛城区, level: county, role: aggregation, parent: '4113', platform: huawei_vrp5, status: active, mgmt_address: 10.254.1.3}
departments:
- {code: 411302-RSJ, name: 宛城区人社局, level: county, node: '411302'}
prefixes:
- {prefix: 10.254.0.0/24, role: city-block}
- {prefix: 10.254.0.8/30, role: subnet, node: '411302', department: 411302-RSJ}
"""


def _packet_sockets(lab: NetnsLab, node: str) -> int:
    """Packet sockets open in ``node``'s namespace (a capture that has started holds one)."""
    return len(lab.exec(node, ["cat", "/proc/net/packet"]).stdout.splitlines()) - 1


def test_a_capture_window_campaign_makes_owned_findings(lab: NetnsLab, tmp_path: Path) -> None:
    """Campaign check ``inspect.capture`` run by ``egovnet campaign run`` inside the county
    router's namespace: the detections of its window become findings owned (through IPAM)
    by the county node and its department; a quiet window verifies them."""
    seconds = 20.0
    env = _env(tmp_path) | {
        "EGOVNET_IPAM_CITY_BLOCK": "10.254.0.0/24",
        "EGOVNET_IPAM_LOOPBACK_POOL": "10.254.1.0/24",
        "EGOVNET_IPAM_INTRANET_BLOCKS": "10.200.0.0/16",
        "EGOVNET_SECURITY_CAPTURE_IFACE": lab.ifname("c02", "dep"),
        "EGOVNET_SECURITY_CAPTURE_POINT": "county",
        "EGOVNET_SECURITY_CAPTURE_SECONDS": str(seconds),
        "EGOVNET_SECURITY_CAPTURE_BPF": "ip",
    }

    def egovnet(*args: str, netns: str | None = None, **kw: Any) -> Any:
        return subprocess.run(
            _egovnet(*args, netns=netns), capture_output=True, text=True, env=env, timeout=120, **kw
        )

    city = tmp_path / "city.yaml"
    city.write_text(CITY, encoding="utf-8")
    for args in (
        ("inventory", "import", str(city)),
        ("campaign", "create", "window", "--checks", "inspect.capture", "--scope", "all", "--once"),
    ):
        done = egovnet(*args)
        assert done.returncode == 0, done.stdout + done.stderr
    dep = str(ipaddress.IPv4Interface(lab.topology.link("c02", "dep").address_of("dep")).ip)
    device = "10.254.1.3"
    before = _packet_sockets(lab, "c02")
    run = subprocess.Popen(
        _egovnet("campaign", "run", "window", netns=lab.netns("c02")),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while _packet_sockets(lab, "c02") <= before:
        assert run.poll() is None, run.communicate()
        assert time.monotonic() < deadline, "the capture did not start"
        time.sleep(0.1)
    started = time.monotonic()
    snmp = ["snmpget", "-v2c", "-c", "public", "-t", "2", "-r", "0", device, "1.3.6.1.2.1.1.5.0"]
    for command, check in (
        (_py("telnet", device), True),
        (snmp, True),
        (["ping", "-n", "-q", "-c", "2", "-i", "0.2", "203.0.113.2"], True),
        (["ping", "-n", "-q", "-c", "2", "-i", "0.2", "-W", "1", "-I", LEAK, "10.200.0.9"], False),
    ):
        lab.exec("dep", command, timeout=30, check=check)
    assert time.monotonic() - started < seconds - 2, "traffic took longer than the window"
    out, err = run.communicate(timeout=120)
    assert run.returncode == 0, out + err
    # targets: the city and the county node (the run counts the findings of its targets)
    assert out.startswith("campaign window run 1: 2/2 targets, 0 error(s), 4 finding(s)"), out

    listed = egovnet("findings", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    found = {(f["check"], f["node"], f["department"], f["key"]) for f in json.loads(listed.stdout)}
    owned = ("411302", "411302-RSJ")
    assert found == {
        ("inspect.default-snmp-community", *owned, f"{dep}>{device}/udp161"),
        ("inspect.plaintext-management", *owned, f"{dep}>{device}/tcp23"),
        ("inspect.plaintext-management", *owned, f"{dep}>{device}/udp161"),
        ("inspect.egress-bypass", *owned, f"{dep}>203.0.113.2/icmp8"),
        # no node owns the leaked intranet addresses: a network-wide finding
        ("inspect.intranet-on-extranet", None, None, f"{LEAK}>10.200.0.9/icmp8"),
    }
    records = json.loads(listed.stdout)
    assert all(r["evidence"]["point"] == "county" for r in records)
    assert all(r["evidence"]["iface"] == lab.ifname("c02", "dep") for r in records)
    assert all(r["state"] == "open" for r in records)

    # a quiet window: nothing seen again, every finding verified by the re-check
    env["EGOVNET_SECURITY_CAPTURE_SECONDS"] = "1"
    again = egovnet("campaign", "run", "window", netns=lab.netns("c02"))
    assert again.returncode == 0 and "0 finding(s)" in again.stdout, again.stdout + again.stderr
    states = {f["state"] for f in json.loads(egovnet("findings", "list", "--json").stdout)}
    assert states == {"verified"}
