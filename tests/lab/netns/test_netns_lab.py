"""The real-kernel lab: snmpd per namespace, reachability, counters, faults (one lab)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from lab.netns import EXTRANET, NetnsLab
from lab.netns import snmpd as agent

SnmpGet = Callable[..., str]
WaitFor = Callable[..., None]


def _codes(lab: NetnsLab, zone: str | None = None) -> list[str]:
    return [n.code for n in lab.topology.nodes if zone is None or n.zone == zone]


def test_every_snmpd_answers_v2c_and_v3_from_the_host(lab: NetnsLab, snmpget: SnmpGet) -> None:
    for node in lab.topology.nodes:
        endpoint = lab.snmp_endpoint(node.code)
        assert endpoint[0] == "127.0.0.1"
        assert snmpget(endpoint, agent.OID_SYS_NAME) == node.name
        assert snmpget(endpoint, agent.OID_SYS_NAME, v3=True) == node.name


def test_snmpd_answers_inside_its_namespace_and_rejects_a_wrong_community(
    lab: NetnsLab,
) -> None:
    base = ["snmpget", "-On", "-Oqv", "-t", "1", "-r", "0", "-v2c"]
    good = lab.exec("c02", [*base, "-c", "public-lab", "10.254.1.3", agent.OID_SYS_NAME])
    assert good.stdout.strip().strip('"') == "wancheng-411302"
    bad = lab.exec("c02", [*base, "-c", "public", "10.254.1.3", agent.OID_SYS_NAME], check=False)
    assert bad.returncode != 0 and "Timeout" in bad.stderr


def test_snmpd_keeps_its_state_in_the_lab_dir(lab: NetnsLab) -> None:
    for code in _codes(lab):
        node_dir = lab.state_dir / "nodes" / code
        persisted = (node_dir / "persistent" / "snmpd.conf").read_text()
        assert "usmUser" in persisted  # createUser was localized into our persistent dir
        cmd = Path(f"/proc/{lab.snmpd_pid(code)}/cmdline").read_bytes().split(b"\0")
        assert cmd[:2] == [b"/usr/sbin/snmpd", b"-f"]
        assert str(node_dir / "snmpd.conf").encode() in cmd


def test_extranet_nodes_reach_each_other(lab: NetnsLab) -> None:
    extranet = _codes(lab, EXTRANET)
    for src in extranet:
        for dst in extranet:
            if src != dst:
                assert lab.ping(src, dst, count=1, interval=0.01).ok, f"{src} -> {dst}"


def test_county_reaches_city_through_its_uplink(lab: NetnsLab) -> None:
    assert lab.ping("c02", "cty").received == 3
    assert f"dev {lab.ifname('c02', 'cty')}" in lab.route_get("c02", lab.address("cty"))


def test_intranet_host_reaches_nothing_and_nothing_reaches_it(lab: NetnsLab) -> None:
    links = lab.exec("intra", ["ip", "-o", "link", "show"]).stdout.splitlines()
    assert [line.split(":")[1].strip() for line in links] == ["lo"]
    for other in _codes(lab):
        if other != "intra" and lab.topology.address(other):
            result = lab.ping("intra", other, count=1)
            assert not result.ok and "unreachable" in result.error, other
            assert not lab.ping(other, "intra", count=1, wait=0.3).ok, other


def test_internet_only_through_the_egress(lab: NetnsLab) -> None:
    inet = lab.address("inet")
    egress_side = lab.topology.link("cty", "egr").address_of("egr").split("/")[0]
    assert lab.ping("v0311", "inet").ok
    assert f"via {egress_side}" in lab.route_get("cty", inet)
    # The internet host has no route into the extranet at all ...
    back = lab.ping("inet", "cty", count=1)
    assert not back.ok and "unreachable" in back.error
    # ... and when given one, the egress still refuses new inbound connections.
    ns = lab.netns("inet")
    subprocess.run(
        ["ip", "-n", ns, "route", "add", "10.254.0.0/16", "via", "198.51.100.1"], check=True
    )
    try:
        assert not lab.ping("inet", "cty", count=2, wait=0.3).ok
    finally:
        subprocess.run(["ip", "-n", ns, "route", "del", "10.254.0.0/16"], check=True)
    # Without the city-egress link the internet is gone for everyone below.
    lab.link_down(("cty", "egr"))
    try:
        assert not lab.ping("c02", "inet", count=2, wait=0.3).ok
    finally:
        lab.link_up(("cty", "egr"))
        lab.wait_links(True, link=("cty", "egr"))
    assert lab.ping("c02", "inet").ok


def test_egress_masquerades_towards_the_internet(lab: NetnsLab) -> None:
    listener = subprocess.Popen(
        [
            "ip",
            "netns",
            "exec",
            lab.netns("inet"),
            sys.executable,
            "-c",
            "import socket,sys;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);"
            "s.bind(('0.0.0.0',40999));s.settimeout(10);print('ready',flush=True);"
            "print(s.recvfrom(100)[1][0],flush=True)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert listener.stdout is not None and listener.stdout.readline().strip() == "ready"
        lab.blast("t021", lab.address("inet"), rate=50, duration=0.1, port=40999)
        seen, _ = listener.communicate(timeout=15)
    finally:
        if listener.poll() is None:
            listener.kill()
            listener.communicate()
    assert seen.strip() == lab.topology.link("egr", "inet").address_of("egr").split("/")[0]


def test_traffic_moves_kernel_and_snmp_counters_consistently(
    lab: NetnsLab, snmpget: SnmpGet, wait_for: WaitFor
) -> None:
    out_if, in_if = lab.ifname("c02", "cty"), lab.ifname("cty", "c02")
    out_oid = f"{agent.OID_IF_HC_OUT_OCTETS}.{lab.ifindex('c02', out_if)}"
    in_oid = f"{agent.OID_IF_HC_IN_OCTETS}.{lab.ifindex('cty', in_if)}"
    before = lab.link_counters("c02", out_if)
    snmp_before = int(snmpget(lab.snmp_endpoint("c02"), out_oid))

    sent = lab.blast("c02", "cty", rate=4000, duration=1.0, size=1200)

    assert sent.sent == 4000 and sent.send_errors == 0
    assert sent.received >= sent.sent * 0.9  # the sink is a Python process on a busy box
    after = lab.link_counters("c02", out_if)
    kernel_delta = after.tx_bytes - before.tx_bytes
    assert sent.frame_bytes_sent <= kernel_delta <= sent.frame_bytes_sent * 1.01
    # snmpd serves cached counters: poll until its view catches up with the kernel.
    wait_for(
        "ifHCOutOctets catches up",
        lambda: int(snmpget(lab.snmp_endpoint("c02"), out_oid)) >= after.tx_bytes,
    )
    snmp_after = int(snmpget(lab.snmp_endpoint("c02"), out_oid))
    assert snmp_after - snmp_before >= sent.frame_bytes_sent
    assert abs(snmp_after - lab.link_counters("c02", out_if).tx_bytes) < 20_000
    rx = lab.link_counters("cty", in_if).rx_bytes
    wait_for(
        "ifHCInOctets catches up",
        lambda: int(snmpget(lab.snmp_endpoint("cty"), in_oid)) >= rx,
    )
    assert abs(int(snmpget(lab.snmp_endpoint("cty"), in_oid)) - rx) < 20_000


def test_loss_drops_about_the_configured_share(lab: NetnsLab) -> None:
    link = ("c02", "t021")
    lab.set_loss(link, 30, from_node="c02")
    try:
        one_way = lab.ping("c02", "t021", count=400, interval=0.002, wait=0.5)
        lab.set_loss(link, 20)  # both directions: a ping survives with 0.8 * 0.8
        both_ways = lab.ping("c02", "t021", count=400, interval=0.002, wait=0.5)
    finally:
        lab.set_loss(link, 0)
    # Binomial, n=400: standard deviation ~0.024; bounds are about 5 sigma.
    assert 0.18 <= one_way.loss <= 0.42, one_way
    assert 0.24 <= both_ways.loss <= 0.48, both_ways
    assert lab.ping("c02", "t021", count=100, interval=0.002).loss == 0.0


def test_link_down_shows_as_if_oper_status_down(
    lab: NetnsLab, snmpget: SnmpGet, wait_for: WaitFor
) -> None:
    link = ("cty", "c03")
    ifname = lab.ifname("cty", "c03")
    index = lab.ifindex("cty", ifname)
    oper = f"{agent.OID_IF_OPER_STATUS}.{index}"
    admin = f"{agent.OID_IF_ADMIN_STATUS}.{index}"
    endpoint = lab.snmp_endpoint("cty")
    assert snmpget(endpoint, oper) == "1"
    lab.link_down(link, end="c03")  # far end fails: our side stays admin up
    try:
        lab.wait_links(False, link=link)
        wait_for("ifOperStatus down(2)", lambda: snmpget(endpoint, oper) == "2")
        assert snmpget(endpoint, admin) == "1"
        assert not lab.ping("cty", "c03", count=1, wait=0.3).ok
        lab.link_down(link)
        wait_for("ifAdminStatus down(2)", lambda: snmpget(endpoint, admin) == "2")
        assert snmpget(endpoint, oper) == "2"
    finally:
        lab.link_up(link)
    lab.wait_links(True, link=link)
    wait_for("ifOperStatus up(1)", lambda: snmpget(endpoint, oper) == "1")
    assert lab.ping("v0311", "cty").ok


@pytest.mark.parametrize("bad", [-1, 101])
def test_loss_outside_range_is_refused(lab: NetnsLab, bad: float) -> None:
    from lab.netns import LabError

    with pytest.raises(LabError, match=r"outside 0\.\.100"):
        lab.set_loss(("cty", "c02"), bad)


def test_scapy_captures_lab_traffic_inside_a_namespace(lab: NetnsLab) -> None:
    iface = lab.ifname("cty", "c02")
    code = (
        "from scapy.all import sniff, IP, UDP\n"
        f"pk = sniff(iface={iface!r}, count=3, timeout=15,\n"
        "           lfilter=lambda p: UDP in p and p[UDP].dport == 40123,\n"
        "           started_callback=lambda: print('ready', flush=True))\n"
        "print(len(pk), pk[0][IP].src if pk else '-', flush=True)\n"
    )
    sniffer = subprocess.Popen(
        ["ip", "netns", "exec", lab.netns("cty"), sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert sniffer.stdout is not None and sniffer.stdout.readline().strip() == "ready"
        lab.blast("c02", "cty", rate=100, duration=0.1, port=40123)
        out, _ = sniffer.communicate(timeout=30)
    finally:
        if sniffer.poll() is None:
            sniffer.kill()
            sniffer.communicate()
    assert out.split() == ["3", lab.topology.link("cty", "c02").address_of("c02").split("/")[0]]
