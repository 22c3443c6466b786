"""Static per-device rows derived from a :class:`~lab.model.LabDeviceSpec`."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from lab.model import (
    LabArp,
    LabDeviceSpec,
    LabInterface,
    LabNetwork,
    LabRoute,
    arp_table,
    chassis_mac,
    routing_table,
    stable_mac,
)
from lab.snmp.errors import SnmpLabError
from lab.snmp.platforms import IfKind, SnmpPlatform, if_kind, if_name, platform
from snmpcodec.ber import Oid


@dataclass(frozen=True)
class IfRow:
    """One ifTable/ifXTable row."""

    iface: LabInterface
    kind: IfKind
    name: bytes
    descr: bytes
    alias: bytes
    mac: bytes
    #: ifSpeed/ifHighSpeed in bit/s: the port's speed, or (Cisco) its configured bandwidth.
    speed_bps: int = 0


#: IANAipRouteProtocol by the model's protocol name (same numbers in IpCidrRouteProto).
ROUTE_PROTOCOLS = {"direct": 2, "local": 2, "static": 3, "rip": 8, "isis": 9, "ospf": 13, "bgp": 14}


@dataclass(frozen=True)
class RouteRow:
    """One route, with its inetCidrRouteTable and ipCidrRouteTable indexes."""

    route: LabRoute
    dest: bytes
    mask: bytes
    prefix_len: int
    next_hop: bytes
    if_index: int
    #: inetCidrRouteType / ipCidrRouteType: local(3) for direct, remote(4) otherwise.
    route_type: int
    proto: int
    inet_index: Oid
    ip_index: Oid


@dataclass(frozen=True)
class LldpRow:
    """One LLDP neighbour seen on a local interface."""

    local: LabInterface
    chassis: bytes
    port_id: bytes
    port_desc: bytes
    sys_name: bytes
    sys_desc: bytes


@dataclass(frozen=True)
class ArpRow:
    """One ARP entry, with its ipNetToMediaTable and ipNetToPhysicalTable indexes."""

    entry: LabArp
    if_index: int
    address: bytes
    mac: bytes
    media_index: Oid
    physical_index: Oid


def parse_mac(text: str) -> bytes:
    """Six octets from ``00:11:22:33:44:55``, ``0011-2233-4455`` or ``0011.2233.4455``.

    >>> parse_mac("0011-2233-4455").hex()
    '001122334455'
    """
    digits = "".join(ch for ch in text if ch not in ":-.")
    try:
        raw = bytes.fromhex(digits)
    except ValueError:
        raw = b""
    if len(raw) != 6:
        raise SnmpLabError(f"bad MAC address {text!r}")
    return raw


def build_if_rows(spec: LabDeviceSpec, plat: SnmpPlatform) -> list[IfRow]:
    """ifTable rows of ``spec`` in ifIndex order."""
    rows = []
    for iface in sorted(spec.interfaces, key=lambda i: i.index):
        kind = if_kind(iface.name)
        try:
            mac = parse_mac(iface.mac) if kind.has_mac else b""
        except SnmpLabError as exc:
            raise SnmpLabError(f"{spec.code}: interface {iface.name}: {exc}") from None
        rows.append(
            IfRow(
                iface=iface,
                kind=kind,
                name=if_name(plat, iface.name).encode(),
                descr=iface.name.encode(),
                alias=iface.description.encode(),
                mac=mac,
                speed_bps=(
                    iface.bandwidth_bps
                    if plat.speed_follows_bandwidth and iface.bandwidth_bps
                    else iface.speed_bps
                ),
            )
        )
    return rows


def build_routes(spec: LabDeviceSpec) -> list[RouteRow]:
    """Route rows of ``spec`` (all VRFs; the first of equal indexes wins later)."""
    by_name = {i.name: i.index for i in spec.interfaces}
    rows = []
    for route in routing_table(spec):
        try:
            net = ipaddress.IPv4Network(route.prefix, strict=False)
            hop = ipaddress.IPv4Address(route.next_hop)
        except ValueError as exc:
            raise SnmpLabError(f"{spec.code}: route {route.prefix}: {exc}") from None
        direct = route.protocol in ("direct", "local") or int(hop) == 0
        dest = net.network_address.packed
        hop_bytes = hop.packed
        # RFC 4292: non-remote routes have nextHopType unknown(0) and an empty next hop.
        inet_hop: Oid = (0, 0) if direct else (1, 4, *hop_bytes)
        rows.append(
            RouteRow(
                route=route,
                dest=dest,
                mask=net.netmask.packed,
                prefix_len=net.prefixlen,
                next_hop=hop_bytes,
                if_index=by_name.get(route.interface, 0),
                route_type=3 if direct else 4,
                proto=ROUTE_PROTOCOLS.get(route.protocol, 1),
                inet_index=(1, 4, *dest, net.prefixlen, 2, 0, 0, *inet_hop),
                ip_index=(*dest, *net.netmask.packed, 0, *hop_bytes),
            )
        )
    return rows


def build_lldp_rows(spec: LabDeviceSpec, network: LabNetwork) -> list[LldpRow]:
    """One LLDP neighbour per interface that has a peer."""
    rows = []
    for iface in spec.interfaces:
        if not iface.peer_device:
            continue
        peer_port = iface.peer_interface or ""
        peer = network.devices.get(iface.peer_device)
        if peer is None:
            rows.append(
                LldpRow(
                    local=iface,
                    chassis=parse_mac(stable_mac(iface.peer_device)),
                    port_id=peer_port.encode(),
                    port_desc=peer_port.encode(),
                    sys_name=iface.peer_device.encode(),
                    sys_desc=b"",
                )
            )
            continue
        pspec = peer.spec
        remote = {i.name: i for i in pspec.interfaces}.get(peer_port)
        chassis = parse_mac(chassis_mac(pspec))
        pplat = platform(pspec.platform)
        rows.append(
            LldpRow(
                local=iface,
                chassis=chassis,
                port_id=if_name(pplat, peer_port).encode(),
                port_desc=(
                    remote.description if remote and remote.description else peer_port
                ).encode(),
                sys_name=pspec.hostname.encode(),
                sys_desc=pplat.describe(pspec.model, pspec.hostname).encode(),
            )
        )
    return rows


def build_arp_rows(spec: LabDeviceSpec, network: LabNetwork) -> list[ArpRow]:
    """ARP rows of ``spec`` (:func:`lab.model.arp_table`) on its interfaces."""
    by_name = {i.name: i.index for i in spec.interfaces}

    def peer_spec(code: str) -> LabDeviceSpec | None:
        runtime = network.devices.get(code)
        return runtime.spec if runtime is not None else None

    rows = []
    for entry in arp_table(spec, peer_spec):
        try:
            address = ipaddress.IPv4Address(entry.address).packed
            mac = parse_mac(entry.mac)
        except (ValueError, SnmpLabError) as exc:
            raise SnmpLabError(f"{spec.code}: ARP entry {entry.address}: {exc}") from None
        if_index = by_name.get(entry.interface)
        if if_index is None:
            raise SnmpLabError(f"{spec.code}: ARP entry {entry.address}: no {entry.interface}")
        rows.append(
            ArpRow(
                entry=entry,
                if_index=if_index,
                address=address,
                mac=mac,
                media_index=(if_index, *address),
                physical_index=(if_index, 1, 4, *address),
            )
        )
    return rows
