"""The four invariants on the running network: fetched configurations plus SNMP observations.

Inputs, both untrusted:

* the running configuration of each device (fetched over SSH by the
  ``fetcher`` component: ``provisioning.fetch.fetch_running``), checked like
  any configuration (:func:`security.policy.check_network`);
* SNMP tables of each device (walked by the ``observer`` component:
  ``monitoring.observe.observe_tables``, columns :data:`COLUMNS`), decoded
  here into routes (ipCidrRouteTable, inetCidrRouteTable), LLDP neighbours
  (lldpRemTable with lldpLocPortTable) and ARP entries (ipNetToMediaTable,
  ipNetToPhysicalTable). A row that cannot be decoded is skipped and counted,
  never an exception (fuzzed: tests/security/test_running_fuzz.py).

Observation-based violations (each names the table, the row index and the value):

* ``single-egress``: a default route observed at a non-egress device whose
  next hop is outside the extranet blocks;
* ``intranet-air-gap``: an LLDP neighbour that is an intranet node seen from a
  non-intranet one (or the reverse); an ARP entry for an intranet address on
  an extranet device, or for an extranet address on an intranet device;
* ``zone-isolation``: an LLDP neighbour that is not in the inventory, or not
  linked to this device in the inventory's link set (an undocumented link can
  join zones or bypass the egress).

``security`` imports neither ``provisioning`` nor ``monitoring``: both
collectors are passed in as callables.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from snmpcodec.ber import TAG_OCTET_STRING, decode_arcs
from snmpcodec.errors import SnmpDecodeError

from .errors import SecurityError
from .network import EGRESS_ROLE, NetworkContext
from .violations import Violation

IPv4 = ipaddress.IPv4Address

#: The columns walked on every device (name -> OID); their index carries the rest.
COLUMNS: dict[str, str] = {
    "ipCidrRouteIfIndex": "1.3.6.1.2.1.4.24.4.1.5",
    "inetCidrRouteIfIndex": "1.3.6.1.2.1.4.24.7.1.7",
    "lldpLocPortId": "1.0.8802.1.1.2.1.3.7.1.3",
    "lldpRemSysName": "1.0.8802.1.1.2.1.4.1.1.9",
    "lldpRemPortId": "1.0.8802.1.1.2.1.4.1.1.7",
    "ipNetToMediaPhysAddress": "1.3.6.1.2.1.4.22.1.2",
    "ipNetToPhysicalPhysAddress": "1.3.6.1.2.1.4.35.1.4",
}

#: column name -> {index suffix (OID content octets): (tag, value)}
RawTables = Mapping[str, Mapping[bytes, tuple[int, Any]]]
Fetcher = Callable[[Iterable[str]], Mapping[str, "str | Exception"]]
Observer = Callable[[Iterable[str], Mapping[str, str]], Mapping[str, "RawTables | Exception"]]


@dataclass(frozen=True, slots=True)
class Observation:
    """One SNMP row: the table, its index (dotted) and the value as text."""

    table: str
    index: str
    value: str

    def __str__(self) -> str:
        return f"{self.table} {self.index} = {self.value}"


@dataclass(frozen=True, slots=True)
class Route:
    prefix: ipaddress.IPv4Network
    next_hop: IPv4
    observation: Observation


@dataclass(frozen=True, slots=True)
class Neighbour:
    local_port: str
    sys_name: str
    port: str
    observation: Observation


@dataclass(frozen=True, slots=True)
class ArpEntry:
    address: IPv4
    mac: str
    if_index: int
    observation: Observation


@dataclass(frozen=True)
class Observed:
    """What SNMP showed of one device, decoded; ``skipped`` counts undecodable rows."""

    routes: tuple[Route, ...] = ()
    neighbours: tuple[Neighbour, ...] = ()
    arp: tuple[ArpEntry, ...] = ()
    skipped: int = 0


def _dotted(arcs: Iterable[int]) -> str:
    return ".".join(map(str, arcs))


def _text(value: Any) -> str:
    """An OCTET STRING as text (UTF-8, else hex), without control characters.

    >>> _text(b"NY-411302001"), _text(b"\\xff\\x00"), _text(7)
    ('NY-411302001', 'ff00', '7')
    """
    if isinstance(value, bytes):
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            return value.hex()
        if text.isprintable():
            return text
        return value.hex()
    return str(value)


def _mac(value: Any) -> str:
    """Six octets as ``00:11:22:33:44:55``; anything else as hex."""
    if isinstance(value, bytes):
        return ":".join(f"{b:02x}" for b in value) if len(value) == 6 else value.hex()
    return str(value)


def _ipv4(arcs: tuple[int, ...]) -> IPv4:
    if len(arcs) != 4 or any(not 0 <= a <= 255 for a in arcs):
        raise ValueError(f"not an IPv4 address: {_dotted(arcs)}")
    return IPv4(bytes(arcs))


def decode_ip_cidr(rows: Mapping[bytes, tuple[int, Any]]) -> tuple[list[Route], int]:
    """ipCidrRouteTable rows (index dest.mask.tos.nexthop) -> routes, undecodable count."""
    out: list[Route] = []
    bad = 0
    for suffix, (_tag, value) in rows.items():
        try:
            arcs = decode_arcs(suffix)
            if len(arcs) != 13:
                raise ValueError("index is not dest.mask.tos.nexthop")
            dest, mask, hop = _ipv4(arcs[0:4]), _ipv4(arcs[4:8]), _ipv4(arcs[9:13])
            prefix = ipaddress.IPv4Network(f"{dest}/{mask}", strict=False)
        except (SnmpDecodeError, ValueError):
            bad += 1
            continue
        obs = Observation("ipCidrRouteTable", _dotted(arcs), f"ifIndex {_text(value)}")
        out.append(Route(prefix, hop, obs))
    return out, bad


def _inet_index(arcs: tuple[int, ...]) -> tuple[int, tuple[int, ...], int, int, tuple[int, ...]]:
    """(destType, dest, pfxLen, nextHopType, nextHop) of an inetCidrRouteTable index.

    >>> _inet_index((1, 4, 0, 0, 0, 0, 0, 2, 0, 0, 1, 4, 10, 0, 2, 254))
    (1, (0, 0, 0, 0), 0, 1, (10, 0, 2, 254))
    """
    pos = 0

    def take(n: int) -> tuple[int, ...]:
        nonlocal pos
        if n < 0 or pos + n > len(arcs):
            raise ValueError("index too short")
        part = arcs[pos : pos + n]
        pos += n
        return part

    dtype, dlen = take(2)
    dest = take(dlen)
    (plen,) = take(1)
    (policy_len,) = take(1)
    take(policy_len)
    htype, hlen = take(2)
    hop = take(hlen)
    if pos != len(arcs):
        raise ValueError("index too long")
    return dtype, dest, plen, htype, hop


def decode_inet_cidr(rows: Mapping[bytes, tuple[int, Any]]) -> tuple[list[Route], int]:
    """inetCidrRouteTable rows (RFC 4292 index) -> IPv4 routes, undecodable count.

    Index: destType, dest (length-prefixed), pfxLen, policy (length-prefixed
    OID), nextHopType, nextHop (length-prefixed). IPv6 rows are ignored.
    """
    out: list[Route] = []
    bad = 0
    for suffix, (_tag, value) in rows.items():
        try:
            arcs = decode_arcs(suffix)
            dtype, dest_arcs, plen, htype, hop_arcs = _inet_index(arcs)
            if dtype != 1:
                continue  # not IPv4
            if plen > 32:
                raise ValueError("prefix length over 32")
            dest = _ipv4(dest_arcs)
            hop = _ipv4(hop_arcs) if htype == 1 else IPv4(0)
            prefix = ipaddress.IPv4Network(f"{dest}/{plen}", strict=False)
        except (SnmpDecodeError, ValueError):
            bad += 1
            continue
        obs = Observation("inetCidrRouteTable", _dotted(arcs), f"ifIndex {_text(value)}")
        out.append(Route(prefix, hop, obs))
    return out, bad


def decode_lldp(
    sys_names: Mapping[bytes, tuple[int, Any]],
    ports: Mapping[bytes, tuple[int, Any]],
    local_ports: Mapping[bytes, tuple[int, Any]],
) -> tuple[list[Neighbour], int]:
    """lldpRemTable rows (index timeMark.localPortNum.remIndex) -> neighbours, bad count."""
    local: dict[int, str] = {}
    for suffix, (_tag, value) in local_ports.items():
        try:
            arcs = decode_arcs(suffix)
        except SnmpDecodeError:
            continue
        if len(arcs) == 1:
            local[arcs[0]] = _text(value)
    out: list[Neighbour] = []
    bad = 0
    for suffix, (tag, value) in sys_names.items():
        try:
            arcs = decode_arcs(suffix)
        except SnmpDecodeError:
            bad += 1
            continue
        if len(arcs) != 3 or tag != TAG_OCTET_STRING:
            bad += 1
            continue
        name = _text(value)
        port = ports.get(suffix)
        port_text = _text(port[1]) if port is not None else ""
        local_port = local.get(arcs[1], f"port {arcs[1]}")
        obs = Observation("lldpRemTable", _dotted(arcs), f"lldpRemSysName {name!r}")
        out.append(Neighbour(local_port, name, port_text, obs))
    return out, bad


def decode_arp(
    media: Mapping[bytes, tuple[int, Any]], physical: Mapping[bytes, tuple[int, Any]]
) -> tuple[list[ArpEntry], int]:
    """ipNetToMediaTable (ifIndex.a.b.c.d) and ipNetToPhysicalTable
    (ifIndex.type.len.address) rows -> ARP entries (one per interface and address)."""
    seen: dict[tuple[int, IPv4], ArpEntry] = {}
    bad = 0
    for table, rows, width in (
        ("ipNetToMediaTable", media, 5),
        ("ipNetToPhysicalTable", physical, 7),
    ):
        for suffix, (_tag, value) in rows.items():
            try:
                arcs = decode_arcs(suffix)
                if len(arcs) != width:
                    if width == 7 and len(arcs) >= 3 and arcs[1] != 1:
                        continue  # IPv6 or other address type
                    raise ValueError("unexpected index")
                if width == 7 and arcs[1:3] != (1, 4):
                    raise ValueError("not ipv4(1).4")
                address = _ipv4(arcs[-4:])
            except (SnmpDecodeError, ValueError):
                bad += 1
                continue
            key = (arcs[0], address)
            if key not in seen:
                mac = _mac(value)
                obs = Observation(table, _dotted(arcs), mac)
                seen[key] = ArpEntry(address, mac, arcs[0], obs)
    return list(seen.values()), bad


def decode_tables(tables: RawTables) -> Observed:
    """Decode one device's walked :data:`COLUMNS`; missing columns are empty."""

    def col(name: str) -> Mapping[bytes, tuple[int, Any]]:
        return tables.get(name) or {}

    routes_a, bad_a = decode_ip_cidr(col("ipCidrRouteIfIndex"))
    routes_b, bad_b = decode_inet_cidr(col("inetCidrRouteIfIndex"))
    # the same route in both tables counts once
    routes: dict[tuple[ipaddress.IPv4Network, IPv4], Route] = {}
    for r in routes_a + routes_b:
        routes.setdefault((r.prefix, r.next_hop), r)
    neighbours, bad_n = decode_lldp(
        col("lldpRemSysName"), col("lldpRemPortId"), col("lldpLocPortId")
    )
    arp, bad_arp = decode_arp(col("ipNetToMediaPhysAddress"), col("ipNetToPhysicalPhysAddress"))
    return Observed(
        tuple(routes.values()), tuple(neighbours), tuple(arp), bad_a + bad_b + bad_n + bad_arp
    )


# -- checks ------------------------------------------------------------------------
def resolve_name(sys_name: str, context: NetworkContext, names: Mapping[str, str]) -> str | None:
    """The inventory node an LLDP system name stands for, or None.

    ``names`` maps known host names (the fetched configurations' ``sysname``)
    to codes; else the name itself, or its part after a ``-`` (``NY-411302001``:
    the city's prefix), must be a node code.

    >>> from security.network import NodeInfo
    >>> ctx = NetworkContext(nodes={"411302-RSJ-AS": NodeInfo("411302-RSJ-AS")})
    >>> resolve_name("NY-411302-RSJ-AS", ctx, {}), resolve_name("PRINTER", ctx, {})
    ('411302-RSJ-AS', None)
    """
    if sys_name in names:
        return names[sys_name]
    if sys_name in context.nodes:
        return sys_name
    pos = sys_name.find("-")
    while pos != -1:
        candidate = sys_name[pos + 1 :]
        if candidate in context.nodes:
            return candidate
        pos = sys_name.find("-", pos + 1)
    return None


def observed_violations(
    code: str,
    observed: Observed,
    context: NetworkContext,
    names: Mapping[str, str] | None = None,
) -> list[Violation]:
    """Violations shown by one device's SNMP observations (see the module docstring)."""
    info = context.node(code)
    out: list[Violation] = []
    if info.role != EGRESS_ROLE:
        for route in observed.routes:
            hop = route.next_hop
            if route.prefix.prefixlen == 0 and int(hop) and not context.in_extranet(hop):
                out.append(
                    Violation(
                        "single-egress",
                        code,
                        f"observed default route to {hop}, outside the extranet, "
                        f"on a device that is not the {EGRESS_ROLE}",
                        observations=(str(route.observation),),
                    )
                )
    linked: set[str] = set()
    for link in context.links:
        if link.a == code:
            linked.add(link.b)
        elif link.b == code:
            linked.add(link.a)
    intranet = info.network == "intranet"
    for n in observed.neighbours:
        peer = resolve_name(n.sys_name, context, names or {})
        where = f"on {n.local_port}" + (f" (its port {n.port})" if n.port else "")
        if peer is not None and (context.node(peer).network == "intranet") != intranet:
            inside, other = (code, peer) if intranet else (peer, code)
            out.append(
                Violation(
                    "intranet-air-gap",
                    code,
                    f"LLDP neighbour {n.sys_name!r} {where}: intranet node {inside} "
                    f"is adjacent to non-intranet node {other}",
                    observations=(str(n.observation),),
                )
            )
        elif peer is None:
            out.append(
                Violation(
                    "zone-isolation",
                    code,
                    f"LLDP neighbour {n.sys_name!r} {where} is not in the inventory",
                    observations=(str(n.observation),),
                )
            )
        elif peer not in linked and context.links:
            out.append(
                Violation(
                    "zone-isolation",
                    code,
                    f"LLDP neighbour {peer} {where} has no link to {code} in the inventory",
                    observations=(str(n.observation),),
                )
            )
    for entry in observed.arp:
        if intranet != context.in_intranet(entry.address) and (
            not intranet or context.in_extranet(entry.address)
        ):
            kind, where = ("extranet", "intranet") if intranet else ("intranet", "extranet")
            out.append(
                Violation(
                    "intranet-air-gap",
                    code,
                    f"ARP entry for {kind} address {entry.address} ({entry.mac}) "
                    f"on {where} device {code}",
                    observations=(str(entry.observation),),
                )
            )
    return out


@dataclass
class RunningReport:
    """The verdict on the running network, and the devices that could not be read."""

    violations: tuple[Violation, ...]
    devices: int
    unreachable: dict[str, str] = field(default_factory=dict)
    skipped_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.violations

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "devices": self.devices,
            "violations": [v.to_dict() for v in self.violations],
            "unreachable": [{"device": c, "error": m} for c, m in sorted(self.unreachable.items())],
            "skipped_rows": self.skipped_rows,
        }


def check_running(
    codes: Iterable[str],
    context: NetworkContext,
    fetcher: Fetcher,
    observer: Observer,
) -> RunningReport:
    """Fetch, observe and judge ``codes`` (see the module docstring).

    A device whose configuration cannot be read or parsed, or whose SNMP
    tables cannot be walked, is listed in ``unreachable`` (with what failed);
    what could be read of it is still judged, and the others never suffer.
    """
    from .model import parse_device
    from .policy import NetworkModel, check_network

    wanted = list(dict.fromkeys(codes))
    texts = fetcher(wanted)
    tables = observer(wanted, COLUMNS)
    model = NetworkModel(context)
    unreachable: dict[str, list[str]] = {}
    for code in wanted:
        text = texts.get(code)
        if isinstance(text, str):
            try:
                model.devices[code] = parse_device(
                    text, context.node(code).platform, name=code, source=f"{code}:running"
                )
            except SecurityError as exc:  # a bad text costs only its device
                unreachable.setdefault(code, []).append(f"configuration: {exc}")
        else:
            unreachable.setdefault(code, []).append(f"configuration: {text}")
    names = {d.hostname: code for code, d in model.devices.items() if d.hostname}
    violations = list(check_network(model).violations)
    skipped = 0
    for code in wanted:
        raw = tables.get(code)
        if raw is None or isinstance(raw, Exception):
            unreachable.setdefault(code, []).append(f"SNMP: {raw}")
            continue
        observed = decode_tables(raw)
        skipped += observed.skipped
        violations += observed_violations(code, observed, context, names)
    violations.sort(key=Violation.sort_key)
    return RunningReport(
        tuple(violations),
        len(wanted),
        {code: "; ".join(why) for code, why in unreachable.items()},
        skipped,
    )
