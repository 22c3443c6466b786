"""Minimal, fast BER for the SNMP subset both ends speak.

The manager (:mod:`monitoring.snmp.client`) sends GET/GETBULK requests and
reads responses; the lab's agent (:mod:`lab.snmp`) reads requests and writes
responses. OIDs stay as their BER *content octets* (``bytes``) on the
manager's hot path: a column's rows are recognised with ``startswith`` on the
column prefix and only the index suffix is decoded, which keeps a
240-var-bind response in the hundreds of microseconds where pyasn1 needs
milliseconds. The agent writes values as complete TLV ``bytes`` so that a
response is a join of small pieces.

Every decoder raises only :class:`~snmpcodec.errors.SnmpDecodeError`, with
lengths checked against the enclosing TLV and OIDs bounded (RFC 2578).

>>> oid_bytes("1.3.6.1.2.1.1.3.0").hex()
'2b06010201010300'
>>> oid_text(oid_bytes("1.3.6.1.4.1.2011.200000"))
'1.3.6.1.4.1.2011.200000'
>>> decode_arcs(oid_bytes("1.3.6.1.2.1.2.2.1.8.130")[len(oid_bytes("1.3.6.1.2.1.2.2.1.8")):])
(130,)
>>> encode_oid((1, 3, 6, 1, 2, 1, 1, 5, 0)).hex()
'06082b06010201010500'
>>> decode_oid(encode_oid((1, 3, 6, 1, 4, 1, 2011, 200000))[2:])
(1, 3, 6, 1, 4, 1, 2011, 200000)
>>> encode_unsigned(TAG_COUNTER32, 2**32 - 1).hex()
'410500ffffffff'
>>> encode_integer(-1).hex()
'0201ff'
"""

from __future__ import annotations

from collections.abc import Sequence

from snmpcodec.errors import SnmpCodecError, SnmpDecodeError

TAG_INTEGER = 0x02
TAG_OCTET_STRING = 0x04
TAG_NULL = 0x05
TAG_OID = 0x06
TAG_SEQUENCE = 0x30
TAG_IPADDRESS = 0x40
TAG_COUNTER32 = 0x41
TAG_GAUGE32 = 0x42
TAG_TIMETICKS = 0x43
TAG_OPAQUE = 0x44
TAG_COUNTER64 = 0x46
TAG_NO_SUCH_OBJECT = 0x80
TAG_NO_SUCH_INSTANCE = 0x81
TAG_END_OF_MIB_VIEW = 0x82

TAG_GET = 0xA0
TAG_GETNEXT = 0xA1
TAG_RESPONSE = 0xA2
TAG_SET = 0xA3
TAG_GETBULK = 0xA5
TAG_REPORT = 0xA8

#: Tags whose value is a non-negative integer.
UNSIGNED_TAGS = frozenset((TAG_COUNTER32, TAG_GAUGE32, TAG_TIMETICKS, TAG_COUNTER64))
#: The v2 exception values (no value at that OID / past the end of the view).
EXCEPTION_TAGS = frozenset((TAG_NO_SUCH_OBJECT, TAG_NO_SUCH_INSTANCE, TAG_END_OF_MIB_VIEW))

#: Complete TLVs of NULL and of the v2 exception values.
NULL = b"\x05\x00"
NO_SUCH_OBJECT = b"\x80\x00"
NO_SUCH_INSTANCE = b"\x81\x00"
END_OF_MIB_VIEW = b"\x82\x00"
UINT32_MAX = 2**32 - 1

#: RFC 2578 3.5: at most 128 sub-identifiers, each 32 bits (5 octets in base 128).
MAX_OID_ARCS = 128
MAX_ARC_OCTETS = 5
MAX_OID_OCTETS = MAX_OID_ARCS * MAX_ARC_OCTETS
#: An INTEGER or an unsigned value: Counter64 needs 8 octets plus a leading zero.
MAX_INTEGER_OCTETS = 9

#: An OID as a tuple of arcs (the agent's MIB is keyed by these).
Oid = tuple[int, ...]
#: A decoded value: an int (INTEGER and the unsigned types), bytes (strings,
#: IpAddress, Opaque) or None (NULL and the exception values; see the tag).
Value = int | bytes | None
#: One var-bind of a response: OID content octets, value tag, value.
VarBind = tuple[bytes, int, Value]


# -- writing ----------------------------------------------------------------
def encode_length(length: int) -> bytes:
    """Definite-form length octets."""
    if length < 0x80:
        return bytes((length,))
    if length < 0x100:
        return bytes((0x81, length))
    if length < 0x10000:
        return bytes((0x82, length >> 8, length & 0xFF))
    return b"\x83" + length.to_bytes(3, "big")


def tlv(tag: int, content: bytes) -> bytes:
    """One complete TLV."""
    return bytes((tag,)) + encode_length(len(content)) + content


def encode_integer(value: int) -> bytes:
    """A signed INTEGER (two's complement, minimal length)."""
    size = ((value + (value < 0)).bit_length() + 8) // 8
    return bytes((TAG_INTEGER, size)) + value.to_bytes(size, "big", signed=True)


def encode_unsigned(tag: int, value: int) -> bytes:
    """Counter32, Gauge32, TimeTicks or Counter64 (non-negative, minimal length)."""
    size = value.bit_length() // 8 + 1
    return bytes((tag, size)) + value.to_bytes(size, "big")


def encode_octets(value: bytes) -> bytes:
    """An OCTET STRING."""
    return tlv(TAG_OCTET_STRING, value)


def encode_ipaddress(dotted: str) -> bytes:
    """An IpAddress from dotted-quad text."""
    return tlv(TAG_IPADDRESS, bytes(int(part) for part in dotted.split(".")))


def oid_bytes(dotted: str | Sequence[int]) -> bytes:
    """Content octets of an OID given as ``"1.3.6..."`` or a sequence of arcs."""
    if isinstance(dotted, str):
        return encode_oid_content([int(a) for a in dotted.strip(".").split(".")])
    return encode_oid_content(dotted)


def encode_oid_content(oid: Sequence[int]) -> bytes:
    """Content octets of an OID given as arcs (first two arcs combined; no tag, no length)."""
    if len(oid) < 2:
        raise SnmpCodecError(f"OID {tuple(oid)!r} needs at least two arcs")
    return encode_arcs((oid[0] * 40 + oid[1], *oid[2:]))


def encode_oid(oid: Sequence[int]) -> bytes:
    """A complete OBJECT IDENTIFIER TLV."""
    return tlv(TAG_OID, encode_oid_content(oid))


def encode_arcs(arcs: Sequence[int]) -> bytes:
    """Base-128 content octets of OID arcs (no first-two-arcs rule; also for index suffixes).

    >>> encode_arcs((43, 6, 1, 300)).hex()
    '2b0601822c'
    """
    out = bytearray()
    for arc in arcs:
        if arc < 0x80:
            out.append(arc)
            continue
        chunk = bytearray((arc & 0x7F,))
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        chunk.reverse()
        out += chunk
    return bytes(out)


def null_varbind(oid: bytes) -> bytes:
    """A request var-bind ``{oid, NULL}`` from OID content octets."""
    content = b"\x06" + encode_length(len(oid)) + oid + b"\x05\x00"
    return b"\x30" + encode_length(len(content)) + content


def request_pdu(tag: int, request_id: int, first: int, second: int, oids: Sequence[bytes]) -> bytes:
    """A GET/GETNEXT (``first``/``second`` = 0) or GETBULK (non-repeaters, max-repetitions) PDU."""
    body = b"".join(null_varbind(oid) for oid in oids)
    return tlv(
        tag,
        encode_integer(request_id)
        + encode_integer(first)
        + encode_integer(second)
        + b"\x30"
        + encode_length(len(body))
        + body,
    )


def v2c_message(community: bytes, pdu: bytes) -> bytes:
    """An SNMPv2c message around ``pdu``."""
    body = b"\x02\x01\x01" + encode_octets(community) + pdu
    return b"\x30" + encode_length(len(body)) + body


# -- reading ----------------------------------------------------------------
def read_tlv(data: bytes, pos: int) -> tuple[int, int, int]:
    """``(tag, content_start, content_end)`` of the TLV at ``pos``."""
    try:
        tag = data[pos]
        first = data[pos + 1]
    except IndexError as exc:
        raise SnmpDecodeError(f"truncated TLV at offset {pos}") from exc
    pos += 2
    if first & 0x80:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise SnmpDecodeError(f"unsupported length form at offset {pos - 1}")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    else:
        length = first
    end = pos + length
    if end > len(data):
        raise SnmpDecodeError(f"TLV at offset {pos} overruns the datagram")
    return tag, pos, end


def expect(data: bytes, pos: int, tag: int) -> tuple[int, int]:
    """Content bounds of a TLV that must carry ``tag``."""
    got, start, end = read_tlv(data, pos)
    if got != tag:
        raise SnmpDecodeError(f"expected tag 0x{tag:02x} at offset {pos}, found 0x{got:02x}")
    return start, end


def read_integer(data: bytes, pos: int) -> tuple[int, int]:
    """Read an INTEGER TLV; return ``(value, next_pos)``."""
    start, end = expect(data, pos, TAG_INTEGER)
    if end == start or end - start > MAX_INTEGER_OCTETS:
        raise SnmpDecodeError(f"bad INTEGER length at offset {start}")
    return int.from_bytes(data[start:end], "big", signed=True), end


def read_octets(data: bytes, pos: int) -> tuple[bytes, int]:
    """Read an OCTET STRING TLV; return ``(value, next_pos)``."""
    start, end = expect(data, pos, TAG_OCTET_STRING)
    return data[start:end], end


def decode_arcs(content: bytes) -> tuple[int, ...]:
    """Arcs of OID content octets *without* the first-two-arcs rule (an index suffix).

    An arc is at most :data:`MAX_ARC_OCTETS` octets (RFC 2578: sub-identifiers are
    32-bit) and an OID at most :data:`MAX_OID_ARCS` arcs, so a hostile 64 KB arc is
    refused in linear time instead of being built into a huge integer.

    >>> decode_arcs(bytes.fromhex("8fffffff7f"))
    (4294967295,)
    >>> decode_arcs(b"\\x81" * 6 + b"\\x01")
    Traceback (most recent call last):
    ...
    snmpcodec.errors.SnmpDecodeError: OBJECT IDENTIFIER arc longer than 5 octets
    """
    if len(content) > MAX_OID_OCTETS:
        raise SnmpDecodeError(f"OBJECT IDENTIFIER of {len(content)} octets is too long")
    arcs: list[int] = []
    value = 0
    octets = 0
    for byte in content:
        value = (value << 7) | (byte & 0x7F)
        octets += 1
        if not byte & 0x80:
            arcs.append(value)
            value = 0
            octets = 0
        elif octets >= MAX_ARC_OCTETS:
            raise SnmpDecodeError(f"OBJECT IDENTIFIER arc longer than {MAX_ARC_OCTETS} octets")
    if content and content[-1] & 0x80:
        raise SnmpDecodeError("truncated OBJECT IDENTIFIER arc")
    if len(arcs) > MAX_OID_ARCS:
        raise SnmpDecodeError(f"OBJECT IDENTIFIER of {len(arcs)} arcs is too long")
    return tuple(arcs)


def decode_oid(content: bytes) -> Oid:
    """The arcs of an OBJECT IDENTIFIER from its content octets (first two arcs split)."""
    arcs = decode_arcs(content)
    if not arcs:
        raise SnmpDecodeError("empty OBJECT IDENTIFIER")
    first = arcs[0]
    head = (first // 40, first % 40) if first < 80 else (2, first - 80)
    return (*head, *arcs[1:])


def oid_text(content: bytes) -> str:
    """Dotted text of OID content octets."""
    return ".".join(map(str, decode_oid(content)))


def read_varbind_oids(data: bytes, start: int, end: int) -> list[Oid]:
    """The OIDs of a request's VarBindList spanning ``start:end`` (values are ignored)."""
    oids: list[Oid] = []
    pos = start
    while pos < end:
        vb_start, vb_end = expect(data, pos, TAG_SEQUENCE)
        if vb_end > end:
            raise SnmpDecodeError(f"var-bind at offset {pos} overruns its list")
        oid_start, oid_end = expect(data, vb_start, TAG_OID)
        oids.append(decode_oid(data[oid_start:oid_end]))
        pos = vb_end
    return oids


def decode_varbinds(data: bytes, start: int, end: int) -> list[VarBind]:
    """Every var-bind of a VarBindList whose content spans ``start:end``.

    Raises only :class:`SnmpDecodeError`: every length is checked against its
    enclosing TLV, so a var-bind whose OID runs past the datagram is refused.
    """
    if end > len(data) or start > end:
        raise SnmpDecodeError(f"var-bind list {start}:{end} overruns the datagram")
    try:
        return _decode_varbinds(data, start, end)
    except IndexError:
        raise SnmpDecodeError(f"truncated var-bind list at offset {start}") from None


def _decode_varbinds(data: bytes, start: int, end: int) -> list[VarBind]:
    out: list[VarBind] = []
    append = out.append
    pos = start
    while pos < end:
        # SEQUENCE header (short or 0x81/0x82 long form)
        if data[pos] != TAG_SEQUENCE:
            raise SnmpDecodeError(f"expected a var-bind SEQUENCE at offset {pos}")
        length = data[pos + 1]
        if length & 0x80:
            _, vb_start, vb_end = read_tlv(data, pos)
        else:
            vb_start, vb_end = pos + 2, pos + 2 + length
        if vb_end > end:
            raise SnmpDecodeError(f"var-bind at offset {pos} overruns its list")
        if data[vb_start] != TAG_OID:
            raise SnmpDecodeError(f"expected an OID at offset {vb_start}")
        oid_len = data[vb_start + 1]
        if oid_len & 0x80:
            _, o_start, o_end = read_tlv(data, vb_start)
        else:
            o_start, o_end = vb_start + 2, vb_start + 2 + oid_len
        if o_end + 2 > vb_end:
            raise SnmpDecodeError(f"OID at offset {vb_start} overruns its var-bind")
        if o_end - o_start > MAX_OID_OCTETS:
            raise SnmpDecodeError(f"OID of {o_end - o_start} octets at offset {vb_start}")
        tag = data[o_end]
        v_len = data[o_end + 1]
        if v_len & 0x80:
            _, v_start, v_end = read_tlv(data, o_end)
        else:
            v_start, v_end = o_end + 2, o_end + 2 + v_len
        if v_end > vb_end:
            raise SnmpDecodeError(f"var-bind at offset {pos} overruns its list")
        value: Value
        if tag in UNSIGNED_TAGS:
            if v_end - v_start > MAX_INTEGER_OCTETS or v_end == v_start:
                raise SnmpDecodeError(f"bad unsigned value length at offset {v_start}")
            value = int.from_bytes(data[v_start:v_end], "big")
        elif tag == TAG_INTEGER:
            if v_end - v_start > MAX_INTEGER_OCTETS or v_end == v_start:
                raise SnmpDecodeError(f"bad INTEGER length at offset {v_start}")
            value = int.from_bytes(data[v_start:v_end], "big", signed=True)
        elif tag in (TAG_NULL, TAG_NO_SUCH_OBJECT, TAG_NO_SUCH_INSTANCE, TAG_END_OF_MIB_VIEW):
            value = None
        else:
            value = data[v_start:v_end]
        append((data[o_start:o_end], tag, value))
        pos = vb_end
    return out


def decode_response_pdu(data: bytes, pos: int) -> tuple[int, int, int, int, list[VarBind]]:
    """``(tag, request_id, error_status, error_index, varbinds)`` of the PDU at ``pos``."""
    tag, start, _ = read_tlv(data, pos)
    if tag not in (TAG_RESPONSE, TAG_REPORT):
        raise SnmpDecodeError(f"expected a Response or Report PDU, found tag 0x{tag:02x}")
    request_id, cur = read_integer(data, start)
    status, cur = read_integer(data, cur)
    index, cur = read_integer(data, cur)
    vb_start, vb_end = expect(data, cur, TAG_SEQUENCE)
    return tag, request_id, status, index, decode_varbinds(data, vb_start, vb_end)


def v2c_request_id(data: bytes) -> int | None:
    """The request-id of an SNMPv1/v2c message (None when unreadable): used to match replies."""
    try:
        start, _ = expect(data, 0, TAG_SEQUENCE)
        _, cur = read_integer(data, start)
        _, cur = read_octets(data, cur)
        _, p_start, _ = read_tlv(data, cur)
        return read_integer(data, p_start)[0]
    except SnmpDecodeError:
        return None


def v2c_pdu_offset(data: bytes) -> int:
    """Offset of the PDU in an SNMPv1/v2c message (after version and community)."""
    start, _ = expect(data, 0, TAG_SEQUENCE)
    _, cur = read_integer(data, start)
    _, cur = read_octets(data, cur)
    return cur
