"""Column definitions: OID, table and value function for every served object.

Each value function takes the request's :class:`~lab.snmp.mib.Poll` and a row
and returns a complete BER TLV.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lab.snmp.rows import ArpRow, IfRow, LldpRow, RouteRow
from snmpcodec.ber import (
    TAG_COUNTER32,
    TAG_COUNTER64,
    TAG_GAUGE32,
    TAG_IPADDRESS,
    TAG_TIMETICKS,
    UINT32_MAX,
    Oid,
    encode_integer,
    encode_octets,
    encode_oid,
    encode_unsigned,
    tlv,
)

if TYPE_CHECKING:
    from lab.snmp.mib import Poll

Fn = Callable[["Poll", Any], bytes]
M32 = 0xFFFFFFFF
ZERO_DOT_ZERO = encode_oid((0, 0))
ZERO_C32 = encode_unsigned(TAG_COUNTER32, 0)
ZERO_C64 = encode_unsigned(TAG_COUNTER64, 0)
ZERO_TICKS = encode_unsigned(TAG_TIMETICKS, 0)
#: LLDP system capabilities BITS: bridge(2) and router(4).
LLDP_CAPS = encode_octets(b"\x28")

SYSTEM = (1, 3, 6, 1, 2, 1, 1)
IF_TABLE = (1, 3, 6, 1, 2, 1, 2, 2, 1)
IFX_TABLE = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1)
IP_FORWARD = (1, 3, 6, 1, 2, 1, 4, 24)
LLDP_LOCAL = (1, 0, 8802, 1, 1, 2, 1, 3)
LLDP_REM = (1, 0, 8802, 1, 1, 2, 1, 4, 1, 1)
IP_NET_TO_MEDIA = (1, 3, 6, 1, 2, 1, 4, 22, 1)
IP_NET_TO_PHYSICAL = (1, 3, 6, 1, 2, 1, 4, 35, 1)


def _const(value: bytes) -> Fn:
    return lambda _poll, _row: value


def _int(attr: str) -> Fn:
    return lambda _poll, row: encode_integer(getattr(row, attr))


def _octets(attr: str) -> Fn:
    return lambda _poll, row: encode_octets(getattr(row, attr))


def _c32(attr: str) -> Fn:
    return lambda poll, row: encode_unsigned(
        TAG_COUNTER32, getattr(poll.counters(row.iface.name), attr) & M32
    )


def _c64(attr: str) -> Fn:
    return lambda poll, row: encode_unsigned(
        TAG_COUNTER64, getattr(poll.counters(row.iface.name), attr)
    )


def _admin(poll: Poll, row: IfRow) -> bytes:
    return encode_integer(1 if poll.runtime.admin_up(row.iface.name) else 2)


def _oper(poll: Poll, row: IfRow) -> bytes:
    return encode_integer(1 if poll.oper_up(row.iface.name) else 2)


def _speed(_poll: Poll, row: IfRow) -> bytes:
    return encode_unsigned(TAG_GAUGE32, min(row.speed_bps, UINT32_MAX))


def _high_speed(_poll: Poll, row: IfRow) -> bytes:
    return encode_unsigned(TAG_GAUGE32, min(row.speed_bps // 1_000_000, UINT32_MAX))


def _last_change(poll: Poll, row: IfRow) -> bytes:
    return encode_unsigned(TAG_TIMETICKS, poll.last_change(row.iface.name) & M32)


def _uptime(poll: Poll, _row: None) -> bytes:
    return encode_unsigned(TAG_TIMETICKS, poll.uptime() & M32)


def _sys(attr: str) -> Fn:
    return lambda poll, _row: encode_octets(getattr(poll.mib, attr))


def _sys_name(poll: Poll, _row: None) -> bytes:
    return encode_octets(poll.runtime.spec.hostname.encode())


def _sys_oid(poll: Poll, _row: None) -> bytes:
    return encode_oid(poll.mib.platform.sys_object_id)


def _if_number(poll: Poll, _row: None) -> bytes:
    return encode_integer(len(poll.mib.if_rows))


def _route_number(poll: Poll, _row: None) -> bytes:
    return encode_unsigned(TAG_GAUGE32, len(poll.mib.tables["inet_cidr"].rows))


def _route_age(poll: Poll, _row: RouteRow) -> bytes:
    return encode_unsigned(TAG_GAUGE32, poll.uptime() // 100)


def _ip(attr: str) -> Fn:
    return lambda _poll, row: tlv(TAG_IPADDRESS, getattr(row, attr))


def _metric1(_poll: Poll, row: RouteRow) -> bytes:
    return encode_integer(row.route.metric)


def _inet_dest(_poll: Poll, row: RouteRow) -> bytes:
    return encode_octets(row.dest)


def _lldp_loc(attr: str) -> Fn:
    return lambda poll, _row: encode_octets(getattr(poll.mib, attr))


def _chassis(poll: Poll, _row: None) -> bytes:
    return encode_octets(poll.mib.chassis_mac)


def _loc_port_desc(_poll: Poll, row: IfRow) -> bytes:
    return encode_octets(row.alias)


def _rem(attr: str) -> Fn:
    def value(_poll: Poll, row: LldpRow) -> bytes:
        return encode_octets(getattr(row, attr))

    return value


MINUS_ONE = encode_integer(-1)
_IF: list[tuple[int, Fn]] = [
    (1, lambda _p, row: encode_integer(row.iface.index)),
    (2, _octets("descr")),
    (3, lambda _p, row: encode_integer(row.kind.if_type)),
    (4, lambda _p, row: encode_integer(row.kind.mtu)),
    (5, _speed),
    (6, _octets("mac")),
    (7, _admin),
    (8, _oper),
    (9, _last_change),
    (10, _c32("in_octets")),
    (11, _c32("in_ucast_pkts")),
    (13, _c32("in_discards")),
    (14, _c32("in_errors")),
    (15, _const(ZERO_C32)),
    (16, _c32("out_octets")),
    (17, _c32("out_ucast_pkts")),
    (19, _c32("out_discards")),
    (20, _c32("out_errors")),
]
_IFX: list[tuple[int, Fn]] = [
    (1, _octets("name")),
    (2, _const(ZERO_C32)),
    (3, _const(ZERO_C32)),
    (4, _const(ZERO_C32)),
    (5, _const(ZERO_C32)),
    (6, _c64("in_octets")),
    (7, _c64("in_ucast_pkts")),
    (8, _const(ZERO_C64)),
    (9, _const(ZERO_C64)),
    (10, _c64("out_octets")),
    (11, _c64("out_ucast_pkts")),
    (12, _const(ZERO_C64)),
    (13, _const(ZERO_C64)),
    (14, _const(encode_integer(1))),
    (15, _high_speed),
    (16, _const(encode_integer(2))),
    (17, lambda _p, row: encode_integer(1 if row.kind.connector else 2)),
    (18, _octets("alias")),
    (19, _const(ZERO_TICKS)),
]
_INET_CIDR: list[tuple[int, Fn]] = [
    (7, _int("if_index")),
    (8, _int("route_type")),
    (9, _int("proto")),
    (10, _route_age),
    (11, _const(encode_unsigned(TAG_GAUGE32, 0))),
    (12, _metric1),
    (13, _const(MINUS_ONE)),
    (14, _const(MINUS_ONE)),
    (15, _const(MINUS_ONE)),
    (16, _const(MINUS_ONE)),
    (17, _const(encode_integer(1))),
]
_IP_CIDR: list[tuple[int, Fn]] = [
    (1, _ip("dest")),
    (2, _ip("mask")),
    (3, _const(encode_integer(0))),
    (4, _ip("next_hop")),
    (5, _int("if_index")),
    (6, _int("route_type")),
    (7, _int("proto")),
    (8, _route_age),
    (9, _const(ZERO_DOT_ZERO)),
    (10, _const(encode_integer(0))),
    (11, _metric1),
    (12, _const(MINUS_ONE)),
    (13, _const(MINUS_ONE)),
    (14, _const(MINUS_ONE)),
    (15, _const(MINUS_ONE)),
    (16, _const(encode_integer(1))),
]
_LLDP_REM: list[tuple[int, Fn]] = [
    (4, _const(encode_integer(4))),  # chassis id subtype macAddress(4)
    (5, _rem("chassis")),
    (6, _const(encode_integer(5))),  # port id subtype interfaceName(5)
    (7, _rem("port_id")),
    (8, _rem("port_desc")),
    (9, _rem("sys_name")),
    (10, _rem("sys_desc")),
    (11, _const(LLDP_CAPS)),
    (12, _const(LLDP_CAPS)),
]
_LLDP_LOC_PORT: list[tuple[int, Fn]] = [
    (2, _const(encode_integer(5))),
    # interfaceName as the device advertises it: ifName (IOS: the short Gi0/1).
    (3, _octets("name")),
    (4, _loc_port_desc),
]


def _arp_mac(_poll: Poll, row: ArpRow) -> bytes:
    return encode_octets(row.mac)


def _arp_ip(_poll: Poll, row: ArpRow) -> bytes:
    return tlv(TAG_IPADDRESS, row.address)


_ARP_DYNAMIC = encode_integer(3)
_IP_NET_TO_MEDIA: list[tuple[int, Fn]] = [
    (1, lambda _p, row: encode_integer(row.if_index)),
    (2, _arp_mac),
    (3, _arp_ip),
    (4, _const(_ARP_DYNAMIC)),
]
_IP_NET_TO_PHYSICAL: list[tuple[int, Fn]] = [
    (4, _arp_mac),
    (5, _const(ZERO_TICKS)),
    (6, _const(_ARP_DYNAMIC)),
    (7, _const(encode_integer(1))),  # reachable
    (8, _const(encode_integer(1))),  # active
]

DEFINITIONS: list[tuple[Oid, str, Fn]] = [
    ((*SYSTEM, 1), "scalar", _sys("sys_descr")),
    ((*SYSTEM, 2), "scalar", _sys_oid),
    ((*SYSTEM, 3), "scalar", _uptime),
    ((*SYSTEM, 4), "scalar", _sys("contact")),
    ((*SYSTEM, 5), "scalar", _sys_name),
    ((*SYSTEM, 6), "scalar", _sys("location")),
    ((*SYSTEM, 7), "scalar", _const(encode_integer(78))),
    ((1, 3, 6, 1, 2, 1, 2, 1), "scalar", _if_number),
    ((*IP_FORWARD, 3), "scalar", _route_number),
    ((*IP_FORWARD, 6), "scalar", _route_number),
    ((*LLDP_LOCAL, 1), "scalar", _const(encode_integer(4))),
    ((*LLDP_LOCAL, 2), "scalar", _chassis),
    ((*LLDP_LOCAL, 3), "scalar", _sys_name),
    ((*LLDP_LOCAL, 4), "scalar", _lldp_loc("sys_descr")),
    ((*LLDP_LOCAL, 5), "scalar", _const(LLDP_CAPS)),
    ((*LLDP_LOCAL, 6), "scalar", _const(LLDP_CAPS)),
]
DEFINITIONS += [((*IF_TABLE, n), "if", fn) for n, fn in _IF]
#: ifXTable's 64-bit counter columns live in their own table: empty on a device
#: whose spec has ``counters64=False`` (old gear with 32-bit counters only).
HC_COLUMNS = frozenset(range(6, 14))
DEFINITIONS += [((*IFX_TABLE, n), "if_hc" if n in HC_COLUMNS else "if", fn) for n, fn in _IFX]
DEFINITIONS += [((*IP_FORWARD, 4, 1, n), "ip_cidr", fn) for n, fn in _IP_CIDR]
DEFINITIONS += [((*IP_FORWARD, 7, 1, n), "inet_cidr", fn) for n, fn in _INET_CIDR]
DEFINITIONS += [((*LLDP_LOCAL, 7, 1, n), "lldp_loc", fn) for n, fn in _LLDP_LOC_PORT]
DEFINITIONS += [((*LLDP_REM, n), "lldp_rem", fn) for n, fn in _LLDP_REM]
DEFINITIONS += [((*IP_NET_TO_MEDIA, n), "arp_media", fn) for n, fn in _IP_NET_TO_MEDIA]
DEFINITIONS += [((*IP_NET_TO_PHYSICAL, n), "arp_physical", fn) for n, fn in _IP_NET_TO_PHYSICAL]
