"""Property-based fuzzing of the SNMP decoders: hostile bytes raise only SnmpDecodeError.

Hypothesis drives random datagrams and mutations (bit flips, truncation, inserted
bytes, length rewrites) of valid v2c and v3 messages through every decode path the
poller uses on received datagrams: the request-id/msgID matcher, the v2c response decoder,
the v3 message decoder, scoped-PDU opening and OID arcs. The budget is bounded
(``max_examples``) so that ``make test`` stays fast.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snmpcodec.ber import (
    TAG_COUNTER64,
    TAG_INTEGER,
    TAG_OCTET_STRING,
    TAG_RESPONSE,
    decode_arcs,
    decode_oid,
    decode_response_pdu,
    encode_arcs,
    encode_integer,
    encode_oid,
    oid_bytes,
    read_varbind_oids,
    tlv,
    v2c_message,
    v2c_pdu_offset,
)
from snmpcodec.errors import SnmpDecodeError
from snmpcodec.usm import (
    FLAG_AUTH,
    FLAG_PRIV,
    LocalizedUser,
    decode_v3,
    encode_v3,
    message_key,
    open_scoped_pdu,
    scoped_pdu,
)

FUZZ = settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
USER = LocalizedUser.create("nms", "sha", "aes128", "authkey-lab", "privkey-lab", b"\x80engine")

arcs = st.lists(st.integers(0, 2**32 - 1), min_size=2, max_size=20)
values = st.one_of(
    st.integers(-(2**31), 2**31 - 1).map(lambda v: encode_integer(v)),
    st.integers(0, 2**64 - 1).map(
        lambda v: tlv(TAG_COUNTER64, v.to_bytes(9, "big").lstrip(b"\x00") or b"\x00")
    ),
    st.binary(max_size=40).map(lambda b: tlv(TAG_OCTET_STRING, b)),
    st.just(b"\x05\x00"),
)
varbinds = st.lists(st.tuples(arcs, values), max_size=12)


def _response(request_id: int, binds: list[tuple[list[int], bytes]]) -> bytes:
    body = b"".join(tlv(0x30, tlv(0x06, encode_arcs(a)) + v) for a, v in binds)
    return tlv(
        TAG_RESPONSE,
        encode_integer(request_id) + encode_integer(0) + encode_integer(0) + tlv(0x30, body),
    )


def _decode_v2c(data: bytes) -> object:
    message_key(data)
    return decode_response_pdu(data, v2c_pdu_offset(data))


def _decode_v3(data: bytes) -> object:
    message_key(data)
    message = decode_v3(data)
    plain = message.payload
    if message.flags & FLAG_PRIV:
        plain = USER.decrypt(message.boots, message.time, message.priv_params, plain)
    if message.flags & FLAG_AUTH:
        USER.digest(message.zeroed(data))
    _, pos = open_scoped_pdu(plain)
    return decode_response_pdu(plain, pos)


def _only_decode_errors(decoder: Callable[[bytes], object], data: bytes) -> None:
    with contextlib.suppress(SnmpDecodeError):
        decoder(data)


@st.composite
def mutated(draw: st.DrawFn, message: bytes) -> bytes:
    data = bytearray(message)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "set", "truncate", "insert", "delete"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set":
            data[at] = draw(st.sampled_from([0x00, 0x7F, 0x80, 0x81, 0x82, 0x84, 0xFF]))
        elif kind == "truncate":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        else:
            del data[at : at + draw(st.integers(1, 8))]
    return bytes(data)


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_raise_only_decode_errors(data: bytes) -> None:
    _only_decode_errors(_decode_v2c, data)
    _only_decode_errors(_decode_v3, data)
    _only_decode_errors(decode_arcs, data)
    # the agent's side: a request's var-bind OIDs, OIDs as arcs
    _only_decode_errors(lambda d: read_varbind_oids(d, 0, len(d)), data)
    _only_decode_errors(decode_oid, data)


@FUZZ
@given(arcs)
def test_oids_round_trip_through_both_ends(found: list[int]) -> None:
    oid = (1, 3, *found)
    assert decode_oid(oid_bytes(oid)) == oid
    assert encode_oid(oid) == tlv(0x06, oid_bytes(oid))
    request = tlv(0x30, tlv(0x06, oid_bytes(oid)) + b"\x05\x00")
    assert read_varbind_oids(request, 0, len(request)) == [oid]


@FUZZ
@given(st.integers(0, 2**31 - 1), varbinds, st.data())
def test_mutated_v2c_responses(request_id: int, binds: list, data: st.DataObject) -> None:
    message = v2c_message(b"public", _response(request_id, binds))
    tag, rid, _, _, decoded = _decode_v2c(message)  # type: ignore[misc]
    assert (tag, rid, len(decoded)) == (TAG_RESPONSE, request_id, len(binds))
    assert message_key(message) == request_id
    _only_decode_errors(_decode_v2c, data.draw(mutated(message)))


@FUZZ
@given(
    st.integers(0, 2**31 - 1),
    st.integers(0, 2**31 - 1),
    st.integers(0, 2**31 - 1),
    st.sampled_from([0, FLAG_AUTH, FLAG_AUTH | FLAG_PRIV]),
    varbinds,
    st.data(),
)
def test_mutated_v3_responses(
    msg_id: int, boots: int, clock: int, flags: int, binds: list, data: st.DataObject
) -> None:
    scoped = scoped_pdu(b"\x80engine", b"", _response(msg_id, binds))
    message = encode_v3(
        msg_id, flags, b"\x80engine", boots, clock, USER if flags else None, b"nms", scoped, 7
    )
    assert len(_decode_v3(message)[4]) == len(binds)  # type: ignore[index]
    assert message_key(message) == msg_id
    _only_decode_errors(_decode_v3, data.draw(mutated(message)))


@FUZZ
@given(st.sampled_from([-1, 2**31, 2**32, 2**40, -(2**63)]), st.booleans())
def test_engine_clock_outside_31_bits_is_a_decode_error(bad: int, in_boots: bool) -> None:
    boots, clock = (bad, 0) if in_boots else (0, bad)
    report = encode_v3(
        1, 0, b"\x80engine", boots, clock, None, b"", scoped_pdu(b"", b"", _response(1, []))
    )
    try:
        decode_v3(report)
    except SnmpDecodeError as exc:
        assert "outside 0..2^31-1" in str(exc)
    else:
        raise AssertionError("an out-of-range engine clock was accepted")


@FUZZ
@given(arcs)
def test_arcs_round_trip(found: list[int]) -> None:
    assert decode_arcs(encode_arcs(found)) == tuple(found)


def test_known_crashers() -> None:
    # a var-bind whose OID length runs past the datagram
    bad = v2c_message(b"c", _response(5, [([1, 3, 6], b"\x05\x00")]))
    cut = bad[:-4] + b"\x06\x7f\x01\x02"
    for data in (cut, bytes.fromhex("3084000000020201"), b"\x30\x82\xff\xff"):
        _only_decode_errors(_decode_v2c, data)
        _only_decode_errors(_decode_v3, data)
    assert message_key(bytes.fromhex("3084000000020201")) is None


def test_a_64_kb_oid_arc_is_refused_without_building_it() -> None:
    arc = b"\x81" * 65_000 + b"\x01"
    oid = b"\x06\x83" + len(arc).to_bytes(3, "big") + arc
    vb = b"\x30\x83" + (len(oid) + 2).to_bytes(3, "big") + oid + b"\x05\x00"
    pdu = tlv(
        TAG_RESPONSE,
        encode_integer(1) + encode_integer(0) + encode_integer(0) + tlv(0x30, vb),
    )
    message = v2c_message(b"c", pdu)
    started = time.process_time()
    for _ in range(20):
        _only_decode_errors(_decode_v2c, message)
        _only_decode_errors(decode_arcs, arc)
    # not a timing assertion: recorded so that a regression shows in the test output
    print(f"20 hostile 64 KB arcs decoded in {time.process_time() - started:.4f} s of CPU")
    assert decode_arcs(oid_bytes("1.3.6.1")) == (43, 6, 1)


def test_integer_tag_constant() -> None:
    assert encode_integer(-1)[0] == TAG_INTEGER
