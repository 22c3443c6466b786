"""Header decoding for bulk inspection: link layer, IPv4/IPv6, TCP/UDP/ICMP, payload peeks.

Hand-rolled with precompiled :mod:`struct` formats over the capture buffer,
without copying a packet. Measured by ``bench/bench_inspect.py`` on its 1 M
packet capture (docs/BENCHMARKS.md, CPU time, read + decode): this decoder
about 400,000-650,000 packets/s, dpkt 1.9.8 (pure Python, one object per
layer) about 80,000-100,000, scapy (``RawPcapReader`` + ``Ether()``) about
6,000-19,000. scapy stays the tool for live capture (``AsyncSniffer``) and for
crafting test traffic; dpkt is not a dependency.

Addresses are integers: IPv4 as is, IPv6 with bit 128 set (:data:`V6`) so the
two families never collide in a flow key. Every decoder returns ``None`` for
what it cannot read (too short, wrong version, lengths that overrun the
capture); it never raises on packet content.

>>> from security.inspect.pcapio import LINKTYPE_RAW
>>> pkt = bytes.fromhex("4500001c000100004011f6c90a7000010a7000020035003500080000")
>>> decode(pkt, 0, len(pkt), LINKTYPE_RAW)
(175112193, 175112194, 17, 53, 53, 0, 28, 0)
>>> address_text(175112193)
'10.112.0.1'
"""

from __future__ import annotations

import ipaddress
import struct

from snmpcodec.ber import TAG_SEQUENCE, expect, read_integer, read_octets
from snmpcodec.errors import SnmpCodecError

from .pcapio import (
    LINKTYPE_ETHERNET,
    LINKTYPE_IPV4,
    LINKTYPE_IPV6,
    LINKTYPE_LINUX_SLL,
    LINKTYPE_LINUX_SLL2,
    LINKTYPE_LOOP,
    LINKTYPE_NULL,
    LINKTYPE_RAW,
)

#: Tag bit of IPv6 addresses in flow keys.
V6 = 1 << 128

TCP = 6
UDP = 17
ICMP = 1
ICMP6 = 58

_H = struct.Struct("!H").unpack_from
_II = struct.Struct("!II").unpack_from
_HH = struct.Struct("!HH").unpack_from
_QQ = struct.Struct("!QQ").unpack_from
_NULL_LE = struct.Struct("<I").unpack_from
_IPV6_EXT = frozenset((0, 43, 60))  # hop-by-hop, routing, destination options
_IP_TYPES = {0x0800: 4, 0x86DD: 6}
_VLAN = frozenset((0x8100, 0x88A8, 0x9100))

#: One decoded packet: (src, dst, proto, sport, dport, tcp flags, payload offset, payload length)
Decoded = tuple[int, int, int, int, int, int, int, int]


def network_offset(buf: bytes, off: int, end: int, linktype: int) -> tuple[int, int] | None:
    """(IP version, offset of the IP header) of a frame of ``linktype``, or None."""
    if linktype == LINKTYPE_ETHERNET:
        pos = off + 12
        for _ in range(3):
            if pos + 2 > end:
                return None
            (etype,) = _H(buf, pos)
            if etype in _VLAN:
                pos += 4
                continue
            version = _IP_TYPES.get(etype)
            return (version, pos + 2) if version else None
        return None
    if linktype in (LINKTYPE_RAW, 12, 14, LINKTYPE_IPV4, LINKTYPE_IPV6):
        if off >= end:
            return None
        version = buf[off] >> 4
        return (version, off) if version in (4, 6) else None
    if linktype == LINKTYPE_LINUX_SLL:
        if off + 16 > end:
            return None
        version = _IP_TYPES.get(_H(buf, off + 14)[0])
        return (version, off + 16) if version else None
    if linktype == LINKTYPE_LINUX_SLL2:
        if off + 20 > end:
            return None
        version = _IP_TYPES.get(_H(buf, off)[0])
        return (version, off + 20) if version else None
    if linktype in (LINKTYPE_NULL, LINKTYPE_LOOP):
        if off + 4 > end:
            return None
        family = _NULL_LE(buf, off)[0]
        if family > 0xFFFF:  # written in network order
            family >>= 24
        version = 4 if family == 2 else 6 if family in (10, 24, 28, 30) else 0
        return (version, off + 4) if version else None
    return None


def decode(buf: bytes, off: int, caplen: int, linktype: int) -> Decoded | None:
    """The flow fields of the frame at ``buf[off:off+caplen]``, or None when unreadable.

    Non-first IPv4 fragments and unknown transports keep the addresses with
    ports 0; ICMP gives (type, code) as (sport, dport).
    """
    end = off + caplen
    found = network_offset(buf, off, end, linktype)
    if found is None:
        return None
    version, o = found
    if version == 4:
        if o + 20 > end:
            return None
        vihl = buf[o]
        ihl = (vihl & 15) * 4
        if vihl >> 4 != 4 or ihl < 20 or o + ihl > end:
            return None
        total = _H(buf, o + 2)[0]
        if total >= ihl:
            end = min(end, o + total)
        proto = buf[o + 9]
        src, dst = _II(buf, o + 12)
        if _H(buf, o + 6)[0] & 0x1FFF:  # not the first fragment: no transport header
            return src, dst, proto, 0, 0, 0, end, 0
        t = o + ihl
    elif version == 6:
        if o + 40 > end or buf[o] >> 4 != 6:
            return None
        end = min(end, o + 40 + _H(buf, o + 4)[0])
        proto = buf[o + 6]
        hi, lo = _QQ(buf, o + 8)
        src = V6 | (hi << 64) | lo
        hi, lo = _QQ(buf, o + 24)
        dst = V6 | (hi << 64) | lo
        t = o + 40
        for _ in range(4):
            if proto in _IPV6_EXT:
                if t + 2 > end:
                    return src, dst, proto, 0, 0, 0, end, 0
                proto, t = buf[t], t + 8 + buf[t + 1] * 8
            elif proto == 44:  # fragment header
                if t + 8 > end:
                    return src, dst, proto, 0, 0, 0, end, 0
                frag = _H(buf, t + 2)[0] >> 3
                proto, t = buf[t], t + 8
                if frag:
                    return src, dst, proto, 0, 0, 0, end, 0
            else:
                break
    else:
        return None
    if proto == TCP:
        if t + 20 > end:
            return src, dst, proto, 0, 0, 0, end, 0
        sport, dport = _HH(buf, t)
        data = t + (buf[t + 12] >> 4) * 4
        return src, dst, TCP, sport, dport, buf[t + 13], data, max(end - data, 0)
    if proto == UDP:
        if t + 8 > end:
            return src, dst, proto, 0, 0, 0, end, 0
        sport, dport = _HH(buf, t)
        return src, dst, UDP, sport, dport, 0, t + 8, end - t - 8
    if proto in (ICMP, ICMP6):
        if t + 2 > end:
            return src, dst, proto, 0, 0, 0, end, 0
        return src, dst, proto, buf[t], buf[t + 1], 0, t + 4, max(end - t - 4, 0)
    return src, dst, proto, 0, 0, 0, end, 0


def snmp_community(payload: bytes) -> tuple[str, bytes] | None:
    """(version, community) of an SNMPv1/v2c message, ``("v3", b"")`` for v3, else None.

    >>> from snmpcodec.ber import v2c_message
    >>> snmp_community(v2c_message(b"public", b"\\xa0\\x00"))
    ('v2c', b'public')
    >>> snmp_community(b"\\x30\\x03\\x02\\x01\\x03")
    ('v3', b'')
    >>> snmp_community(b"GET / HTTP/1.1") is None
    True
    """
    try:
        if not payload or payload[0] != TAG_SEQUENCE:
            return None
        start, _end = expect(payload, 0, TAG_SEQUENCE)
        version, pos = read_integer(payload, start)
        if version == 3:
            return "v3", b""
        if version not in (0, 1):
            return None
        community, _pos = read_octets(payload, pos)
    except SnmpCodecError:
        return None
    return ("v1" if version == 0 else "v2c"), community


def address_text(value: int) -> str:
    """Text of a flow-key address (IPv6 when tagged with :data:`V6`).

    >>> address_text(V6 | 1)
    '::1'
    """
    if value & V6:
        return str(ipaddress.IPv6Address(value ^ V6))
    return str(ipaddress.IPv4Address(value))


def address_value(text: str) -> int:
    """Flow-key integer of an address text (inverse of :func:`address_text`).

    >>> address_value("10.112.0.1")
    175112193
    """
    addr = ipaddress.ip_address(text)
    return int(addr) | (V6 if addr.version == 6 else 0)
