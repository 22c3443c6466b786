"""Minimal, fast BER for the SNMP subset the lab agent speaks.

Only what an agent needs: reading TLVs of a request, and writing INTEGER,
OCTET STRING, NULL, OBJECT IDENTIFIER, SEQUENCE, the SNMP application types
and the v2 exception values. Values are written as complete TLV ``bytes`` so
responses are joins of small pieces; pyasn1 (pysnmp's codec) costs
milliseconds per 144-var-bind message, this costs tens of microseconds.

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

from lab.snmp.errors import BerError

# The primitives the poller's client and the lab's agent share live in the product
# (the lab may depend on monitoring, never the other way round).
from snmpcodec.ber import (
    encode_arcs,
)
from snmpcodec.ber import (
    encode_length as encode_length,
)
from snmpcodec.ber import (
    encode_octets as encode_octets,
)
from snmpcodec.ber import (
    expect as expect,
)
from snmpcodec.ber import (
    read_integer as read_integer,
)
from snmpcodec.ber import (
    read_octets as read_octets,
)
from snmpcodec.ber import (
    read_tlv as read_tlv,
)
from snmpcodec.ber import (
    tlv as tlv,
)

TAG_INTEGER = 0x02
TAG_OCTET_STRING = 0x04
TAG_NULL = 0x05
TAG_OID = 0x06
TAG_SEQUENCE = 0x30
TAG_IPADDRESS = 0x40
TAG_COUNTER32 = 0x41
TAG_GAUGE32 = 0x42
TAG_TIMETICKS = 0x43
TAG_COUNTER64 = 0x46

TAG_GET = 0xA0
TAG_GETNEXT = 0xA1
TAG_RESPONSE = 0xA2
TAG_SET = 0xA3
TAG_GETBULK = 0xA5
TAG_REPORT = 0xA8

NULL = b"\x05\x00"
NO_SUCH_OBJECT = b"\x80\x00"
NO_SUCH_INSTANCE = b"\x81\x00"
END_OF_MIB_VIEW = b"\x82\x00"

UINT32_MAX = 2**32 - 1
UINT64_MOD = 2**64

Oid = tuple[int, ...]


# -- writing ----------------------------------------------------------------


def encode_integer(value: int, tag: int = TAG_INTEGER) -> bytes:
    """A signed INTEGER (two's complement, minimal length)."""
    size = ((value + (value < 0)).bit_length() + 8) // 8
    content = value.to_bytes(size, "big", signed=True)
    return bytes((tag, size)) + content


def encode_unsigned(tag: int, value: int) -> bytes:
    """Counter32, Gauge32, TimeTicks or Counter64 (non-negative, minimal length)."""
    size = value.bit_length() // 8 + 1
    return bytes((tag, size)) + value.to_bytes(size, "big")


def encode_oid_content(oid: Oid) -> bytes:
    """The content octets of an OBJECT IDENTIFIER (no tag, no length)."""
    if len(oid) < 2:
        raise BerError(f"OID {oid!r} needs at least two arcs")
    return encode_suffix_content((oid[0] * 40 + oid[1], *oid[2:]))


def encode_suffix_content(arcs: Oid) -> bytes:
    """Content octets of OID arcs appended after a prefix (no first-two-arcs rule)."""
    return encode_arcs(arcs)


def encode_oid(oid: Oid) -> bytes:
    """A complete OBJECT IDENTIFIER TLV."""
    return tlv(TAG_OID, encode_oid_content(oid))


def encode_ipaddress(dotted: str) -> bytes:
    """An IpAddress from dotted-quad text."""
    return tlv(TAG_IPADDRESS, bytes(int(part) for part in dotted.split(".")))


# -- reading ----------------------------------------------------------------


def decode_integer(data: bytes, start: int, end: int) -> int:
    """A signed INTEGER's value from its content bounds."""
    if end - start > 9 or end == start:
        raise BerError(f"bad INTEGER length at offset {start}")
    return int.from_bytes(data[start:end], "big", signed=True)


def decode_oid(content: bytes) -> Oid:
    """An OID tuple from content octets."""
    if not content:
        raise BerError("empty OBJECT IDENTIFIER")
    arcs: list[int] = []
    value = 0
    for byte in content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    if content[-1] & 0x80:
        raise BerError("truncated OBJECT IDENTIFIER arc")
    first = arcs[0]
    head = (first // 40, first % 40) if first < 80 else (2, first - 80)
    return (*head, *arcs[1:])


def read_varbind_oids(data: bytes, start: int, end: int) -> list[Oid]:
    """The OIDs of a VarBindList (values are ignored: requests carry NULLs)."""
    oids: list[Oid] = []
    pos = start
    while pos < end:
        vb_start, vb_end = expect(data, pos, TAG_SEQUENCE)
        oid_start, oid_end = expect(data, vb_start, TAG_OID)
        oids.append(decode_oid(data[oid_start:oid_end]))
        pos = vb_end
    return oids
