"""Property-based fuzzing of the lab agent's request path: hostile bytes never escape.

Every datagram goes through :meth:`SnmpEndpoint.handle`; whatever it is, the
agent either answers, stays silent, or raises only the errors
``datagram_received`` counts as snmpInASNParseErrs (the codec's or the lab's),
never an ``IndexError`` or ``ValueError`` that would reach asyncio's handler.
Valid v2c and v3 requests are mutated (bit flips, truncation, inserted and
deleted bytes). The budget is bounded (``max_examples``).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lab.snmp import SnmpAgent, SnmpEndpoint
from lab.snmp.errors import SnmpLabError
from lab.snmp.sample import sample_network
from snmpcodec.ber import TAG_GETBULK, encode_integer, encode_octets, oid_bytes, request_pdu, tlv
from snmpcodec.errors import SnmpCodecError
from snmpcodec.usm import (
    FLAG_AUTH,
    FLAG_PRIV,
    FLAG_REPORTABLE,
    LocalizedUser,
    decode_v3,
    encode_v3,
    scoped_pdu,
)

FUZZ = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
ENDPOINT = SnmpEndpoint(SnmpAgent(sample_network(2, 4)), ["D00000", "D00001"], "127.0.0.1", 0, "f")
USER = LocalizedUser.create("nms", "sha", "aes", "authkey-lab", "privkey-lab", ENDPOINT.engine_id)
COLUMNS = [oid_bytes("1.3.6.1.2.1.2.2.1.8"), oid_bytes("1.3.6.1.2.1.31.1.1.1.6")]


def _v2c(request_id: int) -> bytes:
    body = encode_integer(1) + encode_octets(b"c0")
    body += request_pdu(TAG_GETBULK, request_id, 0, 8, COLUMNS)
    return tlv(0x30, body)


def _v3(msg_id: int, flags: int) -> bytes:
    pdu = request_pdu(TAG_GETBULK, msg_id, 0, 8, COLUMNS)
    scoped = scoped_pdu(ENDPOINT.engine_id, b"d1", pdu)
    return encode_v3(
        msg_id, flags | FLAG_REPORTABLE, ENDPOINT.engine_id, ENDPOINT.engine_boots,
        ENDPOINT.engine_time(), USER, b"nms", scoped, 7,
    )  # fmt: skip


def _handled(data: bytes) -> bytes | None:
    try:
        return ENDPOINT.handle(data)
    except (SnmpCodecError, SnmpLabError):
        return None


@st.composite
def mutated(draw: st.DrawFn, message: bytes) -> bytes:
    data = bytearray(message)
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["flip", "set", "truncate", "insert", "delete"]))
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


def test_valid_requests_are_answered() -> None:
    assert _handled(_v2c(5))
    reply = _handled(_v3(6, FLAG_AUTH | FLAG_PRIV))
    assert reply is not None and decode_v3(reply).msg_id == 6


@FUZZ
@given(st.binary(max_size=300))
def test_random_datagrams(data: bytes) -> None:
    _handled(data)


@FUZZ
@given(st.integers(0, 2**31 - 1), st.data())
def test_mutated_v2c_requests(request_id: int, data: st.DataObject) -> None:
    _handled(data.draw(mutated(_v2c(request_id))))


@FUZZ
@given(st.integers(0, 2**31 - 1), st.sampled_from([FLAG_AUTH, FLAG_AUTH | FLAG_PRIV]), st.data())
def test_mutated_v3_requests(msg_id: int, flags: int, data: st.DataObject) -> None:
    _handled(data.draw(mutated(_v3(msg_id, flags))))
