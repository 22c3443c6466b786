"""Crafting inspection traffic with scapy, written as real pcap files (tests of security.inspect)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from scapy.all import ICMP, IP, TCP, UDP, Ether, Raw, raw
from scapy.asn1.asn1 import ASN1_OID
from scapy.layers.snmp import SNMP, SNMPget, SNMPvarbind
from scapy.packet import Packet

from security.inspect.engine import Inspector
from security.inspect.pcapio import PacketStream, PcapWriter
from security.inspect.points import POINTS, AddressPlan, Thresholds

EXTRANET = ("10.112.0.0/13", "10.111.0.0/17", "10.111.255.0/24")
INTRANET = ("10.200.0.0/16",)
DEVICES = ("10.111.0.0/17",)
HOST = "10.112.1.5"
DEVICE = "10.111.0.1"
ETH = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")


def plan() -> AddressPlan:
    return AddressPlan(
        extranet=tuple(ipaddress.ip_network(n) for n in EXTRANET),
        intranet=tuple(ipaddress.ip_network(n) for n in INTRANET),
        devices=tuple(ipaddress.ip_network(n) for n in DEVICES),
    )


def snmp_get(community: str, version: int = 1) -> Packet:
    oid = ASN1_OID("1.3.6.1.2.1.1.5.0")
    return SNMP(
        version=version, community=community, PDU=SNMPget(varbindlist=[SNMPvarbind(oid=oid)])
    )


def tcp_session(client: str, server: str, cport: int, sport: int, data: bytes) -> list[Packet]:
    """Handshake, one request with ``data``, one answer."""
    return [
        IP(src=client, dst=server) / TCP(sport=cport, dport=sport, flags="S", seq=100),
        IP(src=server, dst=client) / TCP(sport=sport, dport=cport, flags="SA", seq=500, ack=101),
        IP(src=client, dst=server) / TCP(sport=cport, dport=sport, flags="A", seq=101, ack=501),
        IP(src=client, dst=server) / TCP(sport=cport, dport=sport, flags="PA", seq=101) / Raw(data),
        IP(src=server, dst=client)
        / TCP(sport=sport, dport=cport, flags="PA", seq=501)
        / Raw(b"ok"),
    ]


def syn_scan(src: str, dst: str, ports: range) -> list[Packet]:
    return [IP(src=src, dst=dst) / TCP(sport=45000, dport=p, flags="S") for p in ports]


def sweep(src: str, hosts: list[str]) -> list[Packet]:
    return [IP(src=src, dst=h) / ICMP(id=7, seq=i) for i, h in enumerate(hosts)]


def clean() -> list[Packet]:
    """Extranet-internal traffic: HTTPS between hosts, SSH and SNMPv3 to a device, pings."""
    pkts = tcp_session(HOST, "10.113.0.9", 40100, 443, b"\x16\x03\x01tls")
    pkts += tcp_session("10.111.255.10", DEVICE, 40200, 22, b"SSH-2.0-OpenSSH_9")
    pkts += [IP(src="10.111.255.10", dst=DEVICE) / UDP(sport=40300, dport=161) / snmp_get("x", 3)]
    pkts += [IP(src=HOST, dst="10.113.0.9") / ICMP(), IP(src="10.113.0.9", dst=HOST) / ICMP(type=0)]
    pkts += [IP(src=HOST, dst="10.111.255.53") / UDP(sport=40400, dport=53) / Raw(b"q" * 20)]
    return pkts


def write(
    path: Path, packets: list[Packet], start: float = 1_767_225_600.0, step: float = 0.01
) -> Path:
    """Ethernet-framed packets with rising timestamps, to a pcap."""
    with PcapWriter(path) as writer:
        for i, pkt in enumerate(packets):
            writer.write(start + i * step, raw(ETH / pkt))
    return path


def inspect(path: Path, at: str = "county", thresholds: Thresholds | None = None) -> Inspector:
    inspector = Inspector(plan(), POINTS[at], thresholds=thresholds)
    inspector.read(PacketStream(path))
    return inspector


def keys(inspector: Inspector) -> list[tuple[str, str]]:
    """(check, key) of every finding, in report order."""
    return [(r["check"], r["key"]) for r in (f.to_record() for f in inspector.findings())]
