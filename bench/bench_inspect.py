"""Packet inspection: ours vs ``tshark -r`` with equivalent display filters, same capture.

    nice -n 10 .venv/bin/python bench/bench_inspect.py [--packets 1000000] [--per-family]
    .venv/bin/python bench/bench_inspect.py --smoke      # 20,000 packets, seconds

The capture is crafted with scapy (a few thousand distinct packets: TCP
sessions with payload, UDP, DNS-like and SNMP v2c exchanges, Telnet and HTTP
to devices, a SYN scan, an ICMP sweep, internet and intranet addresses),
cycled to the packet count with rising timestamps and written with our pcap
writer; it is cached under the temp dir (``egovnet-bench-inspect``), keyed by
the count and the generator version.

Fairness: tshark is given ONE combined display filter that selects every
packet any of our detections looks at (one pass, the most favourable setup
for it) and prints only frame numbers (``-T fields -e frame.number``) to
/dev/null: it dissects every packet and evaluates the filter, but does none
of our aggregation (flows, thresholds, ownership), which we do. With
``--per-family`` it also runs one pass per detection family and reports the
sum. Both sides are timed on wall clock, one after the other, in the same run.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from security.inspect.engine import Inspector  # noqa: E402
from security.inspect.pcapio import PacketStream, PcapWriter  # noqa: E402
from security.inspect.points import POINTS, AddressPlan  # noqa: E402

GENERATOR_VERSION = 1
EXTRANET = ("10.112.0.0/13", "10.111.0.0/17", "10.110.0.0/16", "10.111.255.0/24")
INTRANET = ("10.200.0.0/16",)
DEVICES = ("10.111.0.0/17",)

FAMILIES = {
    "plaintext": "(tcp.port in {21, 23} && tcp.len > 0) || (http && ip.dst in {DEV}) || snmp",
    "snmp-community": "snmp.community",
    "scan": "(tcp.flags.syn == 1 && tcp.flags.ack == 0) || icmp.type == 8 || udp",
    "intranet": "ip.addr in {INTRA}",
    "bypass": "(ip.src in {EXT} && !(ip.dst in {EXT})) || (ip.dst in {EXT} && !(ip.src in {EXT}))",
}


def _set(nets: tuple[str, ...]) -> str:
    return ", ".join(nets)


def display_filter(family: str | None = None) -> str:
    parts = [FAMILIES[family]] if family else list(FAMILIES.values())
    text = " || ".join(f"({p})" for p in parts)
    return (
        text.replace("{DEV}", "{" + _set(DEVICES) + "}")
        .replace("{INTRA}", "{" + _set(INTRANET) + "}")
        .replace("{EXT}", "{" + _set(EXTRANET) + "}")
    )


def templates() -> list[bytes]:
    """Distinct frames crafted with scapy."""
    from scapy.all import ICMP, IP, TCP, UDP, Ether, Raw, raw
    from scapy.asn1.asn1 import ASN1_OID
    from scapy.layers.snmp import SNMP, SNMPget, SNMPvarbind

    out: list[bytes] = []
    eth = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    for i in range(600):  # ordinary extranet TCP sessions with payload, both directions
        a, b = f"10.112.{i % 200}.{10 + i % 40}", f"10.113.{i % 50}.{20 + i % 30}"
        sp = 30000 + i
        out.append(raw(eth / IP(src=a, dst=b) / TCP(sport=sp, dport=443, flags="S")))
        out.append(raw(eth / IP(src=b, dst=a) / TCP(sport=443, dport=sp, flags="SA")))
        out.append(
            raw(eth / IP(src=a, dst=b) / TCP(sport=sp, dport=443, flags="PA") / Raw(b"x" * 200))
        )
        out.append(
            raw(eth / IP(src=b, dst=a) / TCP(sport=443, dport=sp, flags="PA") / Raw(b"y" * 900))
        )
    for i in range(300):  # UDP (DNS-like) inside the extranet
        a = f"10.112.{i % 100}.{50 + i % 50}"
        out.append(
            raw(
                eth
                / IP(src=a, dst="10.111.255.53")
                / UDP(sport=40000 + i, dport=53)
                / Raw(b"q" * 30)
            )
        )
        out.append(
            raw(
                eth
                / IP(src="10.111.255.53", dst=a)
                / UDP(sport=53, dport=40000 + i)
                / Raw(b"r" * 80)
            )
        )
    oid = ASN1_OID("1.3.6.1.2.1.1.5.0")
    for i in range(100):  # SNMP v2c to devices, some with the default community
        community = "public" if i % 4 == 0 else "n0tdefault"
        pdu = SNMP(community=community, PDU=SNMPget(varbindlist=[SNMPvarbind(oid=oid)]))
        out.append(
            raw(
                eth
                / IP(src="10.111.255.10", dst=f"10.111.0.{i + 1}")
                / UDP(sport=50000 + i, dport=161)
                / pdu
            )
        )
    for i in range(50):  # Telnet and HTTP to devices
        dev = f"10.111.1.{i + 1}"
        out.append(
            raw(
                eth
                / IP(src="10.112.5.5", dst=dev)
                / TCP(sport=33000 + i, dport=23, flags="PA")
                / Raw(b"admin\r\n")
            )
        )
        out.append(
            raw(
                eth
                / IP(src="10.112.5.6", dst=dev)
                / TCP(sport=34000 + i, dport=80, flags="PA")
                / Raw(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            )
        )
    for port in range(1, 200):  # a SYN scan
        out.append(
            raw(
                eth
                / IP(src="10.112.9.9", dst="10.112.8.8")
                / TCP(sport=55555, dport=port, flags="S")
            )
        )
    for h in range(1, 100):  # an ICMP sweep
        out.append(raw(eth / IP(src="10.112.7.7", dst=f"10.112.6.{h}") / ICMP()))
    for i in range(100):  # internet away from the egress, intranet leaks
        out.append(
            raw(
                eth
                / IP(src=f"10.112.3.{i + 1}", dst="203.0.113.10")
                / TCP(sport=36000 + i, dport=443, flags="S")
            )
        )
        out.append(
            raw(eth / IP(src="10.200.1.1", dst=f"10.200.2.{i + 1}") / UDP(sport=1000, dport=2000))
        )
    return out


def capture(packets: int) -> Path:
    """The cached capture of ``packets`` packets (built on first use)."""
    folder = Path(tempfile.gettempdir()) / "egovnet-bench-inspect"
    folder.mkdir(exist_ok=True)
    path = folder / f"mix-v{GENERATOR_VERSION}-{packets}.pcap"
    if path.exists():
        return path
    frames = templates()
    tmp = path.with_suffix(".tmp")
    with PcapWriter(tmp) as writer:
        t = 1_767_225_600.0
        for i in range(packets):
            writer.write(t + i * 1e-4, frames[i % len(frames)])
    os.replace(tmp, path)
    return path


def decoders(path: Path, sample: int) -> None:
    """Decoding alone (CPU time): ours, scapy's ``Ether()``, dpkt when importable."""
    import itertools

    from security.inspect.decode import decode

    t = time.process_time()
    for _ts, buf, off, caplen, linktype in itertools.islice(PacketStream(path), sample):
        decode(buf, off, caplen, linktype)
    ours_rate = sample / (time.process_time() - t)
    print(f"decode : ours  {ours_rate:,.0f} packets/s (CPU, read + decode, {sample} packets)")
    from scapy.layers.l2 import Ether
    from scapy.utils import RawPcapReader

    small = max(sample // 50, 100)
    t = time.process_time()
    for data, _meta in itertools.islice(RawPcapReader(str(path)), small):
        Ether(data)
    print(
        f"decode : scapy {small / (time.process_time() - t):,.0f} packets/s (RawPcapReader + Ether())"
    )
    try:
        import dpkt  # type: ignore[import-not-found]
    except ImportError:
        print("decode : dpkt  not installed (pip install dpkt to compare)")
        return
    t = time.process_time()
    with path.open("rb") as fh:
        for _ts, data in itertools.islice(dpkt.pcap.Reader(fh), sample // 5):
            ip = dpkt.ethernet.Ethernet(data).data
            if isinstance(ip, dpkt.ip.IP):
                (ip.src, ip.dst, ip.p, getattr(ip.data, "sport", 0), getattr(ip.data, "dport", 0))
    print(
        f"decode : dpkt  {sample // 5 / (time.process_time() - t):,.0f} packets/s (dpkt {dpkt.__version__})"
    )


def owners(prefixes: int = 6000) -> None:
    """Address -> owner: our longest-prefix match vs a linear ``ipaddress`` scan."""
    import random

    from security.inspect.owners import OwnerIndex

    nets = [
        ipaddress.ip_network(f"10.{112 + i // 2000}.{(i % 2000) // 8}.{(i % 8) * 32}/27")
        for i in range(prefixes)
    ]
    index = OwnerIndex((str(n), f"N{i}", None) for i, n in enumerate(nets))
    sample = [int(n.network_address) + 5 for n in random.Random(1).sample(nets, 500)]
    t = time.process_time()
    for value in sample:
        index.owner(value)
    lpm = (time.process_time() - t) / len(sample)
    t = time.process_time()
    for value in sample[:20]:
        address = ipaddress.ip_address(value)
        max((n for n in nets if address in n), key=lambda n: n.prefixlen, default=None)
    scan = (time.process_time() - t) / 20
    print(
        f"owners : {prefixes} prefixes: LPM {lpm * 1e6:.1f} us/address, linear scan {scan * 1e6:,.0f} us/address"
    )
    texts = [str(ipaddress.ip_address(v)) for v in sample]
    try:
        import pytricia  # type: ignore[import-not-found]
    except ImportError:
        print("owners : pytricia not installed (pip install pytricia to compare)")
    else:
        tree = pytricia.PyTricia(32)
        for i, n in enumerate(nets):
            tree[str(n)] = f"N{i}"
        t = time.process_time()
        for text in texts:
            tree.get(text)
        print(
            f"owners : pytricia {(time.process_time() - t) / len(texts) * 1e6:.1f} us/address (C, from text)"
        )
    try:
        import radix  # type: ignore[import-not-found]
    except ImportError:
        print("owners : py-radix not installed (pip install py-radix to compare)")
    else:
        rtree = radix.Radix()
        for i, n in enumerate(nets):
            rtree.add(str(n)).data["owner"] = f"N{i}"
        t = time.process_time()
        for text in texts:
            rtree.search_best(text)
        print(
            f"owners : py-radix {(time.process_time() - t) / len(texts) * 1e6:.1f} us/address (C, from text)"
        )


def ours(path: Path) -> tuple[float, float, int, int]:
    plan = AddressPlan(
        extranet=tuple(ipaddress.ip_network(n) for n in EXTRANET),
        intranet=tuple(ipaddress.ip_network(n) for n in INTRANET),
        devices=tuple(ipaddress.ip_network(n) for n in DEVICES),
    )
    start, cpu = time.perf_counter(), time.process_time()
    inspector = Inspector(plan, POINTS["county"])
    inspector.read(PacketStream(path))
    findings = inspector.findings()
    return time.perf_counter() - start, time.process_time() - cpu, inspector.packets, len(findings)


def tshark(path: Path, dfilter: str) -> tuple[float, float]:
    """Wall and CPU seconds of one tshark pass."""
    binary = shutil.which("tshark")
    assert binary is not None
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [binary, "-n", "-r", str(path), "-Y", dfilter, "-T", "fields", "-e", "frame.number"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=True,
        env={**os.environ, "HOME": tempfile.gettempdir()},
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packets", type=int, default=1_000_000)
    parser.add_argument("--per-family", action="store_true", help="also one tshark pass per family")
    parser.add_argument("--smoke", action="store_true", help="20,000 packets")
    args = parser.parse_args()
    packets = 20_000 if args.smoke else args.packets
    started = time.perf_counter()
    path = capture(packets)
    print(
        f"capture: {path} ({path.stat().st_size / 1e6:.1f} MB, ready in {time.perf_counter() - started:.1f} s)"
    )
    decoders(path, min(packets, 200_000))
    owners()
    seconds, cpu, seen, findings = ours(path)
    assert seen == packets, (seen, packets)
    print(
        f"ours   : {packets} packets in {seconds:.2f} s (CPU {cpu:.2f} s) = "
        f"{packets / seconds:,.0f} packets/s, {findings} findings"
    )
    if shutil.which("tshark") is None:
        print("tshark : not installed (apt-get install tshark); no ratio")
        return 0
    t, tcpu = tshark(path, display_filter())
    print(
        f"tshark : {packets} packets in {t:.2f} s (CPU {tcpu:.2f} s) = "
        f"{packets / t:,.0f} packets/s (one combined filter)"
    )
    print(f"ratio  : ours / tshark = {t / seconds:.2f}x (wall), {tcpu / cpu:.2f}x (CPU)")
    if args.per_family:
        total = total_cpu = 0.0
        for family in FAMILIES:
            ft, fcpu = tshark(path, display_filter(family))
            total += ft
            total_cpu += fcpu
            print(f"tshark {family:15s}: {ft:.2f} s (CPU {fcpu:.2f} s)")
        print(
            f"tshark per family: {total:.2f} s (CPU {total_cpu:.2f} s) in {len(FAMILIES)} passes; "
            f"ratio {total / seconds:.2f}x (wall), {total_cpu / cpu:.2f}x (CPU)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
