"""A hostile agent on UDP costs only its own device: the round completes for every other one.

The hostile agent is a real UDP server. For the v2c cases it relays each request to a
real lab agent and rewrites the real answer (a var-bind whose OID runs past the
datagram, ``ifHCInOctets`` as INTEGER -1, a 64 KB OID arc, a stray undecodable
datagram sent before the answer); for the v3 cases it answers discovery itself with a
report whose engine clock is out of range, or an unauthenticated response with a
broken var-bind.
"""

from __future__ import annotations

import select
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from poller_support import LOOPBACK, AgentLab, agent_lab, poll_twice
from sqlalchemy import create_engine

from monitoring.alarms import AlarmEvaluator
from monitoring.poller import Poller
from monitoring.rules import DEVICE_UNREACHABLE, AlarmThresholds
from monitoring.snmp import SnmpAuth
from monitoring.store import AlarmStore
from monitoring.targets import PollTarget
from snmpcodec.ber import (
    TAG_INTEGER,
    TAG_RESPONSE,
    TAG_SEQUENCE,
    decode_response_pdu,
    encode_integer,
    oid_bytes,
    read_integer,
    read_octets,
    tlv,
    v2c_message,
    v2c_pdu_offset,
)
from snmpcodec.usm import decode_v3, encode_v3, scoped_pdu

HC_IN_OCTETS = oid_bytes("1.3.6.1.2.1.31.1.1.1.6")


def _pdu(request_id: int, body: bytes) -> bytes:
    return tlv(
        TAG_RESPONSE,
        encode_integer(request_id) + encode_integer(0) + encode_integer(0) + tlv(0x30, body),
    )


def _vb(oid: bytes, value: bytes) -> bytes:
    return tlv(0x30, tlv(0x06, oid) + value)


def _community(data: bytes) -> bytes:
    start = data.index(b"\x02\x01\x01") + 3
    return read_octets(data, start)[0]


# -- rewrites of a real v2c answer -------------------------------------------------
def oid_overrun(answer: bytes) -> list[bytes]:
    rid = decode_response_pdu(answer, v2c_pdu_offset(answer))[1]
    broken = b"\x30\x06\x06\x7f\x2b\x06\x01\x02"  # the OID claims 127 octets
    return [v2c_message(_community(answer), _pdu(rid, broken))]


def counter_as_integer(answer: bytes) -> list[bytes]:
    _, rid, _, _, binds = decode_response_pdu(answer, v2c_pdu_offset(answer))
    body = b""
    for oid, tag, value in binds:
        if oid.startswith(HC_IN_OCTETS):
            body += _vb(oid, encode_integer(-1))
        elif isinstance(value, int):
            raw = value.to_bytes(9, "big", signed=tag == TAG_INTEGER).lstrip(b"\x00") or b"\x00"
            if tag != TAG_INTEGER and raw[0] & 0x80:
                raw = b"\x00" + raw
            body += _vb(oid, tlv(tag, raw) if tag != TAG_INTEGER else encode_integer(value))
        elif value is None:
            body += _vb(oid, bytes((tag, 0)))
        else:
            body += _vb(oid, tlv(tag, value))
    return [v2c_message(_community(answer), _pdu(rid, body))]


def huge_arc(answer: bytes) -> list[bytes]:
    rid = decode_response_pdu(answer, v2c_pdu_offset(answer))[1]
    arc = b"\x2b" + b"\x81" * 60_000 + b"\x01"
    oid = b"\x06\x83" + len(arc).to_bytes(3, "big") + arc
    vb = b"\x30\x83" + (len(oid) + 2).to_bytes(3, "big") + oid + b"\x05\x00"
    return [v2c_message(_community(answer), _pdu(rid, vb))]


def stray_first(answer: bytes) -> list[bytes]:
    return [bytes.fromhex("3084000000020201"), b"\x30\x03\x02\x01", answer]


# -- v3 answers made up by the hostile agent ---------------------------------------
def _v3_msg_id(request: bytes) -> int:
    start = request.index(b"\x30", 4)  # msgGlobalData
    _, pos = _seq(request, start)
    return read_integer(request, pos)[0]


def _seq(data: bytes, pos: int) -> tuple[int, int]:
    assert data[pos] == TAG_SEQUENCE
    first = data[pos + 1]
    header = 2 + (first & 0x7F if first & 0x80 else 0)
    return pos, pos + header


def _report(msg_id: int, boots: int, clock: int) -> bytes:
    report = tlv(
        0xA8,
        encode_integer(msg_id)
        + encode_integer(0)
        + encode_integer(0)
        + tlv(0x30, _vb(oid_bytes("1.3.6.1.6.3.15.1.1.4.0"), b"\x41\x01\x01")),
    )
    return encode_v3(
        msg_id, 0, b"\x80hostile", boots, clock, None, b"", scoped_pdu(b"", b"", report)
    )


def v3_clock(boots: int, clock: int) -> Callable[[bytes], list[bytes]]:
    def answer(request: bytes) -> list[bytes]:
        return [_report(_v3_msg_id(request), boots, clock)]

    return answer


def v3_unauthenticated_broken(request: bytes) -> list[bytes]:
    message = decode_v3(request)
    if not message.engine_id:  # discovery: a sane report
        return [_report(message.msg_id, 1, 100)]
    broken = _pdu(message.msg_id, b"\x30\x05\x06\x09\x2b\x06\x01")
    scoped = scoped_pdu(b"\x80hostile", b"", broken)
    return [encode_v3(message.msg_id, 0, b"\x80hostile", 1, 100, None, b"nms", scoped)]


class HostileAgent:
    """One UDP socket per misbehaviour, served by a thread; v2c ones relay to ``upstream``."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.modes: dict[str, tuple[socket.socket, Callable[[bytes], list[bytes]], bool]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def add(self, name: str, answer: Callable[[bytes], list[bytes]], *, relay: bool) -> int:
        """A socket answering with ``answer``; add them all before the agent starts."""
        assert not self._thread.is_alive()
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        self.modes[name] = (sock, answer, relay)
        return int(sock.getsockname()[1])

    def _relay(self, request: bytes) -> bytes | None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as up:
            up.settimeout(5.0)
            up.sendto(request, ("127.0.0.1", self.upstream))
            try:
                return up.recv(65535)
            except TimeoutError:
                return None

    def _serve(self) -> None:
        socks = {sock: (answer, relay) for sock, answer, relay in self.modes.values()}
        while not self._stop.is_set():
            ready, _, _ = select.select(list(socks), [], [], 0.1)
            for sock in ready:
                request, addr = sock.recvfrom(65535)
                answer, relay = socks[sock]
                source = self._relay(request) if relay else request
                if source is None:
                    continue
                for datagram in answer(source):
                    sock.sendto(datagram, addr)

    def __enter__(self) -> HostileAgent:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        for sock, _, _ in self.modes.values():
            sock.close()


@pytest.fixture(scope="module")
def lab() -> Iterator[AgentLab]:
    with agent_lab(5) as running:  # D00004 is the hostile relay's upstream
        yield running


V2C = {
    "oid-overrun": oid_overrun,
    "counter-integer": counter_as_integer,
    "huge-arc": huge_arc,
    "stray-datagram": stray_first,
}
V3 = {
    "boots-negative": v3_clock(-1, 0),
    "boots-2e32": v3_clock(2**32, 0),
    "time-2e40": v3_clock(1, 2**40),
    "unauthenticated-broken": v3_unauthenticated_broken,
}


def test_a_round_completes_for_every_healthy_device(lab: AgentLab, tmp_path: Path) -> None:
    healthy = [t for t in lab.targets("v2c") if t.code != "D00004"] + [
        PollTarget(code=f"{t.code}-v3", host=t.host, port=t.port, level=t.level, auth=t.auth)
        for t in lab.targets("v3")
        if t.code != "D00004"
    ]
    hostile = HostileAgent(upstream=lab.endpoints["D00004"].port)
    bad: list[PollTarget] = []
    for name, answer in V2C.items():
        port = hostile.add(name, answer, relay=True)
        bad.append(PollTarget(name, "127.0.0.1", port, "village", SnmpAuth.v2c("c4")))
    for name, answer in V3.items():
        port = hostile.add(name, answer, relay=False)
        auth = SnmpAuth.v3("nms", "authkey-lab", "privkey-lab")
        bad.append(PollTarget(name, "127.0.0.1", port, "village", auth))
    with hostile:
        # the relay serves one datagram at a time: a timeout that a loaded machine keeps
        poller = Poller([*healthy, *bad], settings=replace(LOOPBACK, timeout=3.0))
        first, second = poll_twice(poller)
    for result in (first, second):
        polls = result.by_code()
        assert all(polls[t.code].ok for t in healthy), [p.error for p in result.failed]
        # the stray datagram is ignored and the real answer read; a counter sent as
        # INTEGER is not a counter: the device answers, without octet counters
        assert polls["stray-datagram"].ok
        assert polls["counter-integer"].ok
        assert all(r.in_octets is None for r in polls["counter-integer"].interfaces)
        for name in ("oid-overrun", "huge-arc", *V3):
            poll = polls[name]
            assert not poll.ok and poll.error_code == "bad_reply", (name, poll.error)
            assert poll.error and "snmp://127.0.0.1:" in poll.error, poll.error
    assert second.by_code()["counter-integer"].records
    # a bad reply raises the device alarm, naming the device and the reason
    store = AlarmStore(create_engine(f"sqlite:///{tmp_path}/alarms.db"))
    store.ensure_schema()
    events = AlarmEvaluator(store, AlarmThresholds(unreachable_polls=2)).evaluate(first)
    assert not events
    events = AlarmEvaluator(store, AlarmThresholds(unreachable_polls=1)).evaluate(second)
    raised = {e.alarm.node: e.alarm for e in events if e.alarm.rule == DEVICE_UNREACHABLE}
    assert set(raised) == {"oid-overrun", "huge-arc", *V3}
    assert "sent a bad SNMP reply" in raised["oid-overrun"].message
