"""Fuzzing every decoder: random bytes, truncated and mutated real packets, malformed files.

Never a traceback: a bad packet is counted as undecoded and costs nothing else;
a bad file is a :class:`CaptureError` naming it.
"""

from __future__ import annotations

import struct
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from inspect_pcaps import DEVICE, ETH, HOST, clean, plan, snmp_get, tcp_session
from scapy.all import IP, UDP, IPv6, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, raw
from scapy.layers.l2 import Dot1Q

from security.errors import CaptureError
from security.inspect.decode import decode, snmp_community
from security.inspect.engine import Inspector
from security.inspect.pcapio import PacketStream, PcapWriter
from security.inspect.points import POINTS

LINKTYPES = (0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 9999)
REAL = [
    raw(ETH / p)
    for p in [
        *clean(),
        *tcp_session(HOST, DEVICE, 40000, 23, b"admin\r\n"),
        IP(src=HOST, dst=DEVICE) / UDP(sport=1, dport=161) / snmp_get("public"),
        IPv6(src="2001:db8::1", dst="2001:db8::2") / IPv6ExtHdrHopByHop() / UDP(sport=3, dport=161),
        IPv6(src="2001:db8::1", dst="2001:db8::2") / IPv6ExtHdrFragment(offset=3) / UDP(),
    ]
] + [raw(ETH / Dot1Q(vlan=5) / IP(src=HOST, dst=DEVICE) / UDP(sport=1, dport=2))]
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _inspect_frames(frames: list[bytes]) -> Inspector:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.pcap"
        with PcapWriter(path) as writer:
            for i, frame in enumerate(frames):
                writer.write(1000.0 + i, frame)
        inspector = Inspector(plan(), POINTS["county"])
        inspector.read(PacketStream(path))
        for f in inspector.findings():
            f.to_record()
    return inspector


@FUZZ
@given(data=st.binary(max_size=200), linktype=st.sampled_from(LINKTYPES), pad=st.integers(0, 8))
def test_random_bytes_never_raise(data: bytes, linktype: int, pad: int) -> None:
    buf = b"\xff" * pad + data + b"\xee" * 3  # the frame sits inside a larger buffer
    d = decode(buf, pad, len(data), linktype)
    if d is not None:
        assert d[7] >= 0 and pad <= d[6] <= pad + len(data) + 8
    snmp_community(data)


@FUZZ
@given(
    index=st.integers(0, len(REAL) - 1),
    cut=st.integers(0, 120),
    flips=st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)), max_size=6),
)
def test_truncated_and_mutated_real_packets_never_cost_the_rest(
    index: int, cut: int, flips: list[tuple[int, int]]
) -> None:
    frame = bytearray(REAL[index][: len(REAL[index]) - cut if cut < len(REAL[index]) else 0])
    for pos, value in flips:
        if pos < len(frame):
            frame[pos] = value
    good = tcp_session(HOST, DEVICE, 41000, 23, b"x")
    frames = [bytes(frame)] + [raw(ETH / p) for p in good]
    inspector = _inspect_frames(frames)
    assert inspector.packets == len(frames)
    keys = {f.key for f in inspector.findings()}
    assert f"{HOST}>{DEVICE}/tcp23" in keys  # the session after the bad packet is judged


@FUZZ
@given(data=st.binary(max_size=400))
def test_random_files_are_streams_or_clear_errors(data: bytes) -> None:
    for head in (b"", b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00" + b"\x00" * 16, b"\x0a\x0d\x0d\x0a"):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "x.pcap"
            path.write_bytes(head + data)
            inspector = Inspector(plan(), POINTS["county"])
            try:
                inspector.read(PacketStream(path))
            except CaptureError as exc:
                assert str(path) in str(exc)
            inspector.findings()


@FUZZ
@given(
    fields=st.tuples(
        st.integers(0, 2**32 - 1),
        st.integers(0, 2**32 - 1),
        st.integers(0, 600),
        st.integers(0, 2**32 - 1),
    ),
    body=st.binary(max_size=64),
)
def test_malformed_record_headers(fields: tuple[int, int, int, int], body: bytes) -> None:
    head = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.pcap"
        path.write_bytes(head + struct.pack("<IIII", *fields) + body)
        stream = PacketStream(path)
        try:
            packets = list(stream)
        except CaptureError as exc:
            assert "the file is damaged" in str(exc)
            assert fields[2] > 262144 or len(body) >= fields[2] + 16  # this or a later record
            return
        assert fields[2] <= 262144
        if fields[2] <= len(body):
            assert packets[0][3] == fields[2]
        else:
            assert packets == [] and stream.truncated == 1


@FUZZ
@given(
    blocks=st.lists(
        st.tuples(st.sampled_from([1, 3, 6, 5, 0x0A0D0D0A, 99]), st.binary(max_size=48)), max_size=6
    ),
    big_endian=st.booleans(),
)
def test_malformed_pcapng_blocks(blocks: list[tuple[int, bytes]], big_endian: bool) -> None:
    order = ">" if big_endian else "<"
    magic = b"\x1a\x2b\x3c\x4d" if big_endian else b"\x4d\x3c\x2b\x1a"
    out = (
        b"\x0a\x0d\x0d\x0a"
        + struct.pack(order + "I", 28)
        + magic
        + struct.pack(order + "HHq", 1, 0, -1)
        + struct.pack(order + "I", 28)
    )
    for kind, body in blocks:
        body += b"\x00" * (-len(body) % 4)
        length = 12 + len(body)
        out += struct.pack(order + "II", kind, length) + body + struct.pack(order + "I", length)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.pcapng"
        path.write_bytes(out)
        inspector = Inspector(plan(), POINTS["county"])
        try:
            inspector.read(PacketStream(path))
        except CaptureError as exc:
            assert str(path) in str(exc)
        inspector.findings()
