"""Detections on crafted captures: exactly the expected findings, none on clean traffic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from inspect_pcaps import (
    DEVICE,
    HOST,
    clean,
    inspect,
    keys,
    plan,
    snmp_get,
    sweep,
    syn_scan,
    tcp_session,
    write,
)
from scapy.all import ICMP, IP, TCP, UDP, Raw

from security.inspect.engine import Inspector
from security.inspect.owners import OwnerIndex
from security.inspect.points import POINTS, Thresholds


def test_clean_traffic_makes_no_finding_at_any_extranet_point(tmp_path: Path) -> None:
    path = write(tmp_path / "clean.pcap", clean())
    for at in ("egress", "core", "county", "township", "village", "access"):
        inspector = inspect(path, at)
        assert inspector.findings() == [], at
        assert inspector.packets == len(clean()) and inspector.undecoded == 0


def test_telnet_session_is_one_finding_with_both_directions_counted(tmp_path: Path) -> None:
    pkts = tcp_session(HOST, DEVICE, 40000, 23, b"admin\r\n") + tcp_session(
        HOST, DEVICE, 40001, 23, b"show run\r\n"
    )
    inspector = inspect(write(tmp_path / "t.pcap", pkts))
    [finding] = inspector.findings()
    record = finding.to_record()
    assert set(record) == {
        "check", "severity", "node", "department", "key", "title", "evidence", "fix",
    }  # fmt: skip
    assert record["check"] == "inspect.plaintext-management"
    assert record["key"] == f"{HOST}>{DEVICE}/tcp23"
    assert record["severity"] == "medium"
    ev = record["evidence"]
    assert (ev["flows"], ev["packets"], ev["point"], ev["protocol"]) == (2, 10, "county", "telnet")
    assert ev["first_seen"] == "2026-01-01T00:00:00.000000Z"
    assert ev["last_seen"] == "2026-01-01T00:00:00.090000Z"


def test_telnet_syn_without_payload_is_not_plaintext(tmp_path: Path) -> None:
    pkts = [IP(src=HOST, dst=DEVICE) / TCP(sport=40000, dport=23, flags="S")]
    assert keys(inspect(write(tmp_path / "t.pcap", pkts))) == []


def test_http_and_ftp_count_only_towards_devices(tmp_path: Path) -> None:
    pkts = tcp_session(HOST, DEVICE, 40000, 80, b"GET / HTTP/1.1\r\n\r\n")
    pkts += tcp_session(HOST, DEVICE, 40001, 21, b"USER admin\r\n")
    pkts += tcp_session(HOST, "10.113.0.9", 40002, 80, b"GET / HTTP/1.1\r\n\r\n")  # a web server
    assert keys(inspect(write(tmp_path / "h.pcap", pkts))) == [
        ("inspect.plaintext-management", f"{HOST}>{DEVICE}/tcp21"),
        ("inspect.plaintext-management", f"{HOST}>{DEVICE}/tcp80"),
    ]


def test_snmp_v2c_public_and_a_secret_community(tmp_path: Path) -> None:
    pkts = [
        IP(src=HOST, dst=DEVICE) / UDP(sport=40000, dport=161) / snmp_get("public"),
        IP(src=DEVICE, dst=HOST) / UDP(sport=161, dport=40000) / snmp_get("public"),
        IP(src=HOST, dst=DEVICE) / UDP(sport=40001, dport=161) / snmp_get("Sup3r-s3cret", 0),
    ]
    inspector = inspect(write(tmp_path / "s.pcap", pkts))
    records = [f.to_record() for f in inspector.findings()]
    assert [(r["check"], r["key"]) for r in records] == [
        ("inspect.default-snmp-community", f"{HOST}>{DEVICE}/udp161"),
        ("inspect.plaintext-management", f"{HOST}>{DEVICE}/udp161"),
    ]
    default, plain = records
    assert default["evidence"]["community"] == "public"
    assert default["evidence"]["flows"] == 1 and default["evidence"]["packets"] == 2
    assert plain["evidence"]["communities"] == ["******", "public"]
    assert plain["evidence"]["versions"] == ["v1", "v2c"]
    assert plain["evidence"]["flows"] == 2
    assert "Sup3r-s3cret" not in json.dumps(records)


def test_other_default_communities_are_flagged_but_masked(tmp_path: Path) -> None:
    pkts = [IP(src=HOST, dst=DEVICE) / UDP(sport=40000, dport=161) / snmp_get("huawei")]
    records = [f.to_record() for f in inspect(write(tmp_path / "s.pcap", pkts)).findings()]
    assert [r["check"] for r in records] == [
        "inspect.default-snmp-community",
        "inspect.plaintext-management",
    ]
    assert "huawei" not in json.dumps(records)


@pytest.mark.parametrize("count, found", [(14, False), (15, True)])
def test_port_scan_threshold(tmp_path: Path, count: int, found: bool) -> None:
    pkts = syn_scan("10.112.9.9", "10.112.8.8", range(1000, 1000 + count))
    pkts += [  # the target answers with resets: still one probe per port
        IP(src="10.112.8.8", dst="10.112.9.9") / TCP(sport=p, dport=45000, flags="RA")
        for p in range(1000, 1000 + count)
    ]
    inspector = inspect(write(tmp_path / "scan.pcap", pkts))
    expected = [("inspect.port-scan", "10.112.9.9>10.112.8.8/tcp*")] if found else []
    assert keys(inspector) == expected
    if found:
        ev = inspector.findings()[0].to_record()["evidence"]
        assert (ev["count"], ev["threshold"], ev["flows"], ev["packets"]) == (15, 15, 15, 30)
        assert ev["ports"] == list(range(1000, 1015))


def test_port_scan_slower_than_the_window_is_not_a_scan(tmp_path: Path) -> None:
    pkts = syn_scan("10.112.9.9", "10.112.8.8", range(1000, 1020))
    path = write(tmp_path / "slow.pcap", pkts, step=20.0)  # 20 probes over 380 s
    assert keys(inspect(path, thresholds=Thresholds(window=100.0))) == []
    assert keys(inspect(path, thresholds=Thresholds(window=400.0))) == [
        ("inspect.port-scan", "10.112.9.9>10.112.8.8/tcp*")
    ]


@pytest.mark.parametrize("count, found", [(24, False), (25, True)])
def test_host_sweep_threshold(tmp_path: Path, count: int, found: bool) -> None:
    hosts = [f"10.112.6.{h}" for h in range(1, count + 1)]
    pkts = sweep("10.112.7.7", hosts) + [
        IP(src=h, dst="10.112.7.7") / ICMP(type=0, id=7) for h in hosts[:3]
    ]
    inspector = inspect(write(tmp_path / "sweep.pcap", pkts))
    assert keys(inspector) == ([("inspect.host-sweep", "10.112.7.7>*/icmp8")] if found else [])


def test_egress_bypass_only_away_from_the_egress(tmp_path: Path) -> None:
    pkts = tcp_session(HOST, "203.0.113.10", 40000, 443, b"hello")
    path = write(tmp_path / "b.pcap", pkts)
    assert keys(inspect(path, "egress")) == []
    assert keys(inspect(path, "county")) == [
        ("inspect.egress-bypass", f"{HOST}>203.0.113.10/tcp443")
    ]
    [finding] = inspect(path, "township").findings()
    assert finding.flows == 1 and finding.packets == 5 and finding.point == "township"


def test_intranet_addresses_and_zone_crossings(tmp_path: Path) -> None:
    pkts = [
        IP(src="10.200.0.1", dst="10.200.0.2")
        / UDP(sport=1000, dport=2000),  # leaked onto extranet
        IP(src="10.200.0.1", dst=HOST) / UDP(sport=1000, dport=2000),  # intranet meets extranet
        IP(src="10.200.0.1", dst="203.0.113.7") / UDP(sport=1000, dport=2000),  # meets internet
    ]
    path = write(tmp_path / "i.pcap", pkts)
    assert keys(inspect(path, "county")) == [
        ("inspect.intranet-on-extranet", "10.200.0.1>10.200.0.2/udp2000"),
        ("inspect.zone-crossing", f"10.200.0.1>{HOST}/udp2000"),
        ("inspect.zone-crossing", "10.200.0.1>203.0.113.7/udp2000"),
    ]
    # on the intranet itself, intranet traffic is legal; the other two are still crossings
    assert keys(inspect(path, "intranet")) == [
        ("inspect.zone-crossing", f"10.200.0.1>{HOST}/udp2000"),
        ("inspect.zone-crossing", "10.200.0.1>203.0.113.7/udp2000"),
    ]


def test_extranet_traffic_seen_on_the_intranet(tmp_path: Path) -> None:
    path = write(tmp_path / "x.pcap", tcp_session(HOST, "10.113.0.9", 40000, 443, b"x"))
    assert keys(inspect(path, "intranet")) == [
        ("inspect.zone-crossing", f"{HOST}>10.113.0.9/tcp443")
    ]
    [finding] = inspect(path, "intranet").findings()
    assert finding.title == f"extranet traffic from {HOST} to 10.113.0.9 seen on the intranet"


def test_findings_name_node_and_department_through_ipam(tmp_path: Path) -> None:
    owners = OwnerIndex(
        [
            ("10.112.0.0/13", None, None),
            ("10.112.1.0/27", "411302001-AS", "411302001-BMFW"),
            ("10.111.0.1/32", "411302", None),
        ]
    )
    pkts = tcp_session(HOST, DEVICE, 40000, 23, b"x") + syn_scan(HOST, "10.112.8.8", range(1, 16))
    inspector = Inspector(plan(), POINTS["county"], owners)
    from security.inspect.pcapio import PacketStream

    inspector.read(PacketStream(write(tmp_path / "o.pcap", pkts)))
    plain, scan = (f.to_record() for f in inspector.findings())
    assert (plain["node"], plain["department"]) == ("411302", None)  # the device
    assert plain["evidence"]["src_department"] == "411302001-BMFW"
    assert (scan["node"], scan["department"]) == ("411302001-AS", "411302001-BMFW")  # the scanner


def test_server_side_only_capture_keeps_client_to_server_keys(tmp_path: Path) -> None:
    pkts = [IP(src=DEVICE, dst=HOST) / TCP(sport=23, dport=40000, flags="PA") / Raw(b"login: ")]
    assert keys(inspect(write(tmp_path / "r.pcap", pkts))) == [
        ("inspect.plaintext-management", f"{HOST}>{DEVICE}/tcp23")
    ]


def test_flow_cap_counts_what_it_cannot_attribute(tmp_path: Path) -> None:
    pkts = [IP(src=HOST, dst="10.113.0.9") / UDP(sport=40000 + i, dport=53) for i in range(10)]
    inspector = inspect(write(tmp_path / "cap.pcap", pkts), thresholds=Thresholds(max_flows=4))
    assert (len(inspector.flows), inspector.unattributed, inspector.packets) == (4, 6, 10)


def test_answered_udp_and_tcp_with_data_are_not_probes(tmp_path: Path) -> None:
    # a resolver asking 30 servers, each answering; a client fetching from 20 ports
    pkts = []
    for i in range(1, 31):
        server = f"10.113.5.{i}"
        pkts += [
            IP(src=HOST, dst=server) / UDP(sport=41000 + i, dport=53) / Raw(b"q"),
            IP(src=server, dst=HOST) / UDP(sport=53, dport=41000 + i) / Raw(b"a"),
        ]
    for port in range(3000, 3020):
        pkts += tcp_session(HOST, "10.113.0.9", 42000 + port - 3000, port, b"GET")
    assert keys(inspect(write(tmp_path / "busy.pcap", pkts))) == []
    unanswered = [
        IP(src=HOST, dst=f"10.113.5.{i}") / UDP(sport=41000 + i, dport=53) for i in range(1, 31)
    ]
    assert keys(inspect(write(tmp_path / "sweep.pcap", unanswered))) == [
        ("inspect.host-sweep", f"{HOST}>*/udp53")
    ]


def test_inspect_file_is_the_campaigns_entry_point(tmp_path: Path) -> None:
    from security.inspect.engine import inspect_file

    path = write(tmp_path / "t.pcap", tcp_session(HOST, DEVICE, 40000, 23, b"admin\r\n"))
    inspector = inspect_file(path, POINTS["county"], plan())
    assert (
        keys(inspector)
        == keys(inspect(path))
        == [("inspect.plaintext-management", f"{HOST}>{DEVICE}/tcp23")]
    )
