"""GET, GETNEXT, GETBULK and SET handling against a :class:`DeviceMib` (RFC 3416)."""

from __future__ import annotations

from dataclasses import dataclass

from lab.snmp.mib import DeviceMib, Poll
from snmpcodec.ber import (
    END_OF_MIB_VIEW,
    NULL,
    TAG_GET,
    TAG_GETBULK,
    TAG_GETNEXT,
    TAG_RESPONSE,
    TAG_SEQUENCE,
    TAG_SET,
    Oid,
    encode_integer,
    encode_length,
    encode_oid_content,
    expect,
    read_integer,
    read_tlv,
    read_varbind_oids,
    tlv,
)
from snmpcodec.errors import SnmpDecodeError

TOO_BIG = 1
NO_ACCESS = 6
GEN_ERR = 5
REQUEST_PDUS = (TAG_GET, TAG_GETNEXT, TAG_GETBULK, TAG_SET)


@dataclass(frozen=True)
class Request:
    """A decoded request PDU."""

    tag: int
    request_id: int
    #: error-status / non-repeaters.
    first: int
    #: error-index / max-repetitions.
    second: int
    oids: list[Oid]


def decode_pdu(data: bytes, pos: int) -> tuple[Request, int]:
    """Decode the PDU at ``pos``; return it and the offset after it."""
    tag, start, end = read_tlv(data, pos)
    if tag not in REQUEST_PDUS:
        raise SnmpDecodeError(f"PDU type 0x{tag:02x} is not a request")
    request_id, cur = read_integer(data, start)
    first, cur = read_integer(data, cur)
    second, cur = read_integer(data, cur)
    vb_start, vb_end = expect(data, cur, TAG_SEQUENCE)
    return Request(tag, request_id, first, second, read_varbind_oids(data, vb_start, vb_end)), end


def read_request_id(data: bytes, pos: int) -> int:
    """Best-effort request-id of the PDU at ``pos`` (0 if unreadable)."""
    try:
        _, start, _ = read_tlv(data, pos)
        return read_integer(data, start)[0]
    except SnmpDecodeError:
        return 0


def _varbind(oid_content: bytes, value: bytes) -> bytes:
    content = b"\x06" + encode_length(len(oid_content)) + oid_content + value
    return b"\x30" + encode_length(len(content)) + content


def response_pdu(
    request_id: int, varbinds: list[bytes], status: int = 0, index: int = 0, tag: int = TAG_RESPONSE
) -> bytes:
    """A Response (or Report) PDU from encoded var-binds."""
    body = b"".join(varbinds)
    return tlv(
        tag,
        encode_integer(request_id)
        + encode_integer(status)
        + encode_integer(index)
        + b"\x30"
        + encode_length(len(body))
        + body,
    )


def answer(mib: DeviceMib, request: Request, budget: int) -> bytes:
    """The Response PDU for ``request``; var-binds never exceed ``budget`` octets."""
    poll = Poll(mib)
    if request.tag == TAG_SET:
        echo = [_varbind(encode_oid_content(oid), NULL) for oid in request.oids]
        return response_pdu(request.request_id, echo, NO_ACCESS, 1 if echo else 0)
    if request.tag == TAG_GET:
        varbinds = [_varbind(*mib.get(poll, oid)) for oid in request.oids]
    elif request.tag == TAG_GETNEXT:
        varbinds = [_varbind(*mib.next(poll, oid)[1:]) for oid in request.oids]
    else:
        return response_pdu(request.request_id, *_bulk(mib, poll, request, budget))
    if sum(len(vb) for vb in varbinds) > budget:
        return response_pdu(request.request_id, [], TOO_BIG, 0)
    return response_pdu(request.request_id, varbinds)


def _bulk(mib: DeviceMib, poll: Poll, request: Request, budget: int) -> tuple[list[bytes], int]:
    oids = request.oids
    non_repeaters = min(max(request.first, 0), len(oids))
    repetitions = max(request.second, 0)
    out: list[bytes] = []
    used = 0
    for oid in oids[:non_repeaters]:
        vb = _varbind(*mib.next(poll, oid)[1:])
        used += len(vb)
        out.append(vb)
    if used > budget:
        return [], TOO_BIG
    cursor = list(oids[non_repeaters:])
    if not cursor:
        return out, 0
    for _ in range(repetitions):
        ended = 0
        for col, oid in enumerate(cursor):
            next_oid, content, value = mib.next(poll, oid)
            vb = _varbind(content, value)
            used += len(vb)
            if used > budget:
                return out, 0
            out.append(vb)
            cursor[col] = next_oid
            ended += value == END_OF_MIB_VIEW
        if ended == len(cursor):
            break
    return out, 0
