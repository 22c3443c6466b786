"""Capture files: our streaming reader judged against scapy's writers and parsers."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from inspect_pcaps import DEVICE, ETH, HOST, clean, snmp_get, tcp_session, write
from scapy.all import IP, UDP, Ether, IPv6, Raw, raw, wrpcap
from scapy.layers.l2 import CookedLinux, Dot1Q
from scapy.utils import PcapNgWriter, RawPcapNgWriter  # noqa: F401 - scapy's pcapng writer

from security.errors import CaptureError
from security.inspect.decode import address_text, decode
from security.inspect.pcapio import PacketStream, PcapWriter


def _frames() -> list[bytes]:
    return [raw(ETH / p) for p in clean()]


def _decoded(path: Path, chunk: int | None = None) -> list[tuple[float, tuple[int, ...] | None]]:
    stream = PacketStream(path) if chunk is None else PacketStream(path, chunk=chunk)
    out = []
    for ts, b, o, n, lt in stream:
        d = decode(b, o, n, lt)
        # payload offsets are positions in the reader's buffer: compare the rest
        out.append((round(ts, 6), None if d is None else d[:6] + d[7:]))
    return out


def test_our_writer_is_read_back_by_scapy(tmp_path: Path) -> None:
    from scapy.utils import rdpcap

    path = write(tmp_path / "w.pcap", clean())
    read = rdpcap(str(path))
    assert [bytes(p) for p in read] == _frames()
    assert float(read[1].time) == pytest.approx(1_767_225_600.01)


def test_scapy_pcap_and_pcapng_files_read_the_same_as_ours(tmp_path: Path) -> None:
    pkts = [ETH / p for p in clean()]
    for i, p in enumerate(pkts):
        p.time = 1_767_225_600 + i * 0.5
    wrpcap(str(tmp_path / "s.pcap"), pkts)
    writer = PcapNgWriter(str(tmp_path / "s.pcapng"))
    for p in pkts:
        writer.write(p)
    writer.close()
    ours = _decoded(write(tmp_path / "o.pcap", clean(), step=0.5))
    assert _decoded(tmp_path / "s.pcap") == ours
    assert _decoded(tmp_path / "s.pcapng") == ours
    stream = PacketStream(tmp_path / "s.pcapng")
    assert sum(1 for _ in stream) == len(pkts) and stream.format == "pcapng"


def test_decoder_agrees_with_scapy_on_every_layer_combination() -> None:
    cases = [
        Ether() / IP(src=HOST, dst=DEVICE) / UDP(sport=5, dport=161) / snmp_get("public"),
        Ether() / Dot1Q(vlan=10) / IP(src=HOST, dst=DEVICE) / UDP(sport=5, dport=6),
        Ether()
        / Dot1Q(vlan=10)
        / Dot1Q(vlan=20)
        / IP(src=HOST, dst=DEVICE)
        / UDP(sport=5, dport=6),
        Ether() / IPv6(src="2001:db8::1", dst="2001:db8::2") / UDP(sport=7, dport=8) / Raw(b"x"),
        *[Ether() / p for p in tcp_session(HOST, DEVICE, 40000, 23, b"hi")],
    ]
    for pkt in cases:
        data = raw(pkt)
        d = decode(data, 0, len(data), 1)
        assert d is not None
        ip = pkt.getlayer(IP) or pkt.getlayer(IPv6)
        l4 = ip.payload
        assert (address_text(d[0]), address_text(d[1])) == (ip.src, ip.dst)
        assert (d[3], d[4]) == (l4.sport, l4.dport)
        assert d[7] == len(bytes(l4.payload))
    sll = raw(CookedLinux(proto=0x0800) / IP(src=HOST, dst=DEVICE) / UDP(sport=1, dport=2))
    assert (
        decode(sll, 0, len(sll), 113)[:5]
        == decode(raw(IP(src=HOST, dst=DEVICE) / UDP(sport=1, dport=2)), 0, 28, 101)[:5]
    )  # type: ignore[index]


def test_small_chunks_give_the_same_packets(tmp_path: Path) -> None:
    path = write(tmp_path / "w.pcap", clean() * 50)
    assert _decoded(path, chunk=1) == _decoded(path)


def test_nanosecond_and_big_endian_pcaps(tmp_path: Path) -> None:
    frame = _frames()[0]
    for magic, order, frac in ((0xA1B23C4D, "<", 5), (0xA1B2C3D4, ">", 5)):
        path = tmp_path / f"{magic:x}{order == '>'}.pcap"
        head = struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, 65535, 1)
        rec = struct.pack(order + "IIII", 100, frac, len(frame), len(frame)) + frame
        path.write_bytes(head + rec)
        [(ts, buf, off, n, lt)] = list(PacketStream(path))
        unit = 1e-9 if magic == 0xA1B23C4D else 1e-6
        assert ts == pytest.approx(100 + 5 * unit) and buf[off : off + n] == frame and lt == 1


def test_truncated_last_record_ends_the_stream(tmp_path: Path) -> None:
    path = write(tmp_path / "w.pcap", clean())
    data = path.read_bytes()
    path.write_bytes(data[:-7])
    stream = PacketStream(path)
    assert len(list(stream)) == len(clean()) - 1
    assert stream.truncated == 1


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty file"),
        (b"GET / HTTP/1.1\r\n", "not a pcap or pcapng capture (magic 0x47455420)"),
        (b"\xd4\xc3\xb2\xa1\x02\x00", "pcap header cut short"),
        (struct.pack("<IHHiIII", 0xA1B2C3D4, 3, 0, 0, 0, 0, 1), "pcap version 3 is not 2"),
        (
            struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 0, 1)
            + struct.pack("<IIII", 0, 0, 1 << 30, 0),
            "offset 24: record 1 claims 1073741824 bytes",
        ),
        (b"\x0a\x0d\x0d\x0a\x1c\x00\x00\x00\x00\x00\x00\x00", "bad byte-order magic"),
        (
            b"\x0a\x0d\x0d\x0a" + struct.pack("<I", 7) + b"\x4d\x3c\x2b\x1a" + b"\x00" * 16,
            "impossible length 7",
        ),
    ],
)
def test_bad_files_are_clear_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.pcap"
    path.write_bytes(content)
    with pytest.raises(CaptureError) as err:
        list(PacketStream(path))
    assert message in str(err.value) and str(path) in str(err.value)


def test_pcapng_packet_on_an_undescribed_interface(tmp_path: Path) -> None:
    shb = (
        b"\x0a\x0d\x0d\x0a"
        + struct.pack("<I", 28)
        + b"\x4d\x3c\x2b\x1a"
        + struct.pack("<HHq", 1, 0, -1)
        + struct.pack("<I", 28)
    )
    epb = struct.pack("<IIIIIII", 6, 32, 3, 0, 0, 0, 0) + struct.pack("<I", 32)
    path = tmp_path / "x.pcapng"
    path.write_bytes(shb + epb)
    with pytest.raises(CaptureError, match="interface 3, but only 0 interface"):
        list(PacketStream(path))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="cannot read"):
        list(PacketStream(tmp_path / "nope.pcap"))


def test_writer_refuses_an_unwritable_path(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="cannot write"):
        PcapWriter(tmp_path / "no" / "such" / "dir.pcap")


def test_reading_is_a_stream_in_bounded_memory(tmp_path: Path) -> None:
    import tracemalloc

    from inspect_pcaps import plan

    from security.inspect.engine import Inspector
    from security.inspect.points import POINTS

    frames = _frames()
    path = tmp_path / "big.pcap"
    with PcapWriter(path) as writer:
        for i in range(150_000):
            writer.write(1000.0 + i * 1e-3, frames[i % len(frames)])
    size = path.stat().st_size
    assert size > 10_000_000  # 20 times the chunk
    inspector = Inspector(plan(), POINTS["county"])
    tracemalloc.start()
    try:
        inspector.read(PacketStream(path, chunk=512 * 1024))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert inspector.packets == 150_000
    assert peak < 3 * 1024 * 1024, f"peak {peak} bytes while reading {size} bytes"


def test_wiresharks_pcapng_reads_the_same_as_our_pcap(tmp_path: Path) -> None:
    import subprocess

    ours = write(tmp_path / "o.pcap", clean() * 3, step=0.25)
    ng = tmp_path / "o.pcapng"
    subprocess.run(["editcap", "-F", "pcapng", str(ours), str(ng)], check=True, capture_output=True)
    assert ng.read_bytes()[:4] == b"\x0a\x0d\x0d\x0a"
    assert _decoded(ng) == _decoded(ours)
    nano = tmp_path / "o.ns.pcap"
    subprocess.run(
        ["editcap", "-F", "nsecpcap", str(ours), str(nano)], check=True, capture_output=True
    )
    assert _decoded(nano) == _decoded(ours)
