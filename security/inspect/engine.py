"""The inspection engine: packets into a flow table, connections into findings.

Per packet the work is a header decode and one flow-table update keyed by the
5-tuple (source, destination, protocol, ports); everything else (zones,
ownership, plaintext management, SNMP communities, scans) is decided once per
connection when the findings are asked for. Memory is bounded by the number of
distinct flows, capped by :attr:`Thresholds.max_flows` (packets of flows beyond
the cap are counted in :attr:`Inspector.unattributed`, never silently lost),
never by the number of packets.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .decode import ICMP, ICMP6, TCP, UDP, address_text, decode, snmp_community
from .findings import KINDS, Finding
from .owners import OwnerIndex
from .pcapio import PacketStream
from .points import (
    CLEAR_DEFAULT_COMMUNITIES,
    EXTRANET,
    INTERNET,
    INTRANET,
    OTHER_DEFAULT_COMMUNITIES,
    AddressPlan,
    CapturePoint,
    Thresholds,
)

MASK = "******"
SNMP_PORTS = frozenset((161, 162))
#: TCP ports whose payload is plaintext management: port -> (protocol, only towards devices)
PLAINTEXT_TCP: dict[int, tuple[str, bool]] = {
    23: ("telnet", False),
    21: ("ftp", True),
    80: ("http", True),
    8080: ("http", True),
}
#: Ports that name the server end of a connection seen without its handshake.
SERVER_PORTS = frozenset((21, 22, 23, 25, 53, 80, 123, 161, 162, 443, 514, 830, 8080, 8443))
_ICMP_REPLY = {(ICMP, 8): 0, (ICMP, 0): 8, (ICMP6, 128): 129, (ICMP6, 129): 128}
_ICMP_REQUEST = frozenset(((ICMP, 8), (ICMP6, 128)))
_PROTO_NAMES = {TCP: "tcp", UDP: "udp", ICMP: "icmp", ICMP6: "icmpv6"}

# flow value slots
_PKTS, _FIRST, _LAST, _FLAGS, _BYTES, _FIRST_FLAGS, _PEEK = range(7)


def redact_community(community: bytes) -> str:
    """The community as findings may show it: the factory defaults in clear, else masked.

    >>> redact_community(b"public"), redact_community(b"s3cret")
    ('public', '******')
    """
    text = community.decode("latin-1")
    return text if text in CLEAR_DEFAULT_COMMUNITIES else MASK


@dataclass(slots=True)
class Connection:
    """Both directions of one 5-tuple, client first."""

    client: int
    server: int
    proto: int
    cport: int
    sport: int
    packets: int
    first: float
    last: float
    payload: int
    initiated: bool
    snmp: tuple[str, bytes] | None
    answered: bool = False

    @property
    def probe(self) -> bool:
        """A failed or unanswered attempt, as Zeek's scan detection counts them.

        TCP: opened with a SYN and no payload either way (unanswered, reset,
        or closed without data); UDP: no answer; ICMP: an echo request.
        """
        if not self.initiated:
            return False
        if self.proto == TCP:
            return not self.payload
        if self.proto == UDP:
            return not self.answered
        return True

    @property
    def service(self) -> str:
        name = _PROTO_NAMES.get(self.proto)
        if name is None:
            return f"ip{self.proto}"
        if self.proto in (ICMP, ICMP6):
            return f"{name}{self.cport}"  # the client's message type (8: echo request)
        return f"{name}{self.sport}"


class Inspector:
    """Feed packets (:meth:`read` a capture, :meth:`feed` live ones), then :meth:`findings`."""

    def __init__(
        self,
        plan: AddressPlan,
        point: CapturePoint,
        owners: OwnerIndex | None = None,
        thresholds: Thresholds | None = None,
    ) -> None:
        self.plan = plan
        self.point = point
        self.owners = owners if owners is not None else OwnerIndex()
        self.thresholds = thresholds if thresholds is not None else Thresholds()
        self.flows: dict[tuple[int, int, int, int, int], list[Any]] = {}
        self.packets = 0
        self.undecoded = 0
        self.unattributed = 0
        self.truncated = 0

    # -- packets -------------------------------------------------------------------------
    def feed(self, ts: float, buf: bytes, off: int, caplen: int, linktype: int) -> None:
        """One packet (live capture); the same logic as :meth:`read`'s loop."""
        self.packets += 1
        d = decode(buf, off, caplen, linktype)
        if d is None:
            self.undecoded += 1
            return
        key = d[:5]
        v = self.flows.get(key)
        if v is None:
            if len(self.flows) >= self.thresholds.max_flows:
                self.unattributed += 1
                return
            self.flows[key] = _new_flow(ts, d, buf)
        else:
            v[0] += 1
            v[2] = ts
            v[3] |= d[5]
            v[4] += d[7]

    def read(self, stream: PacketStream | Iterable[tuple[float, bytes, int, int, int]]) -> None:
        """Every packet of a capture stream (the hot loop; see :meth:`feed`)."""
        flows = self.flows
        get = flows.get
        cap = self.thresholds.max_flows
        packets = undecoded = unattributed = 0
        for ts, buf, off, caplen, linktype in stream:
            packets += 1
            d = decode(buf, off, caplen, linktype)
            if d is None:
                undecoded += 1
                continue
            key = d[:5]
            v = get(key)
            if v is None:
                if len(flows) >= cap:
                    unattributed += 1
                    continue
                flows[key] = _new_flow(ts, d, buf)
            else:
                v[0] += 1
                v[2] = ts
                v[3] |= d[5]
                v[4] += d[7]
        self.packets += packets
        self.undecoded += undecoded
        self.unattributed += unattributed
        self.truncated += getattr(stream, "truncated", 0)

    # -- connections ---------------------------------------------------------------------
    def connections(self) -> list[Connection]:
        """Both directions of every flow joined, oriented client -> server, sorted."""
        flows = self.flows
        out: list[Connection] = []
        for key, v in flows.items():
            rkey = _reverse(key)
            r = flows.get(rkey) if rkey is not None else None
            if r is not None and rkey is not None and not _is_initiator(key, v, rkey, r):
                continue  # folded in when its initiator is visited
            client, server, proto, cport, sport = key
            packets, first, last, payload = v[_PKTS], v[_FIRST], v[_LAST], v[_BYTES]
            snmp = v[_PEEK]
            if r is not None:
                packets += r[_PKTS]
                first, last = min(first, r[_FIRST]), max(last, r[_LAST])
                payload += r[_BYTES]
                snmp = snmp or r[_PEEK]
            elif sport not in SERVER_PORTS and cport in SERVER_PORTS and proto in (TCP, UDP):
                # only the server's side was seen: keep the client -> server orientation
                client, server, cport, sport = server, client, sport, cport
            out.append(
                Connection(
                    client,
                    server,
                    proto,
                    cport,
                    sport,
                    packets,
                    first,
                    last,
                    payload,
                    _initiates(key, v) and (client, cport) == (key[0], key[3]),
                    snmp,
                    r is not None,
                )
            )
        out.sort(key=lambda c: (c.first, c.client, c.server, c.proto, c.cport, c.sport))
        return out

    # -- findings ------------------------------------------------------------------------
    def findings(self) -> list[Finding]:
        """The findings of everything fed so far, sorted by kind and key."""
        found: dict[tuple[str, str, str, str], Finding] = {}
        probes: list[Connection] = []
        for conn in self.connections():
            for kind, details in self._judge(conn):
                self._add(found, kind, conn, details)
            if conn.probe:
                probes.append(conn)
        self._scans(found, probes)
        for f in found.values():
            for name, value in list(f.details.items()):
                if isinstance(value, set):
                    f.details[name] = sorted(value)
        return sorted(found.values(), key=lambda f: (f.kind, f.src, f.dst, f.service))

    def _judge(self, c: Connection) -> list[tuple[str, dict[str, Any]]]:
        plan, point = self.plan, self.point
        zc, zs = plan.zone(c.client), plan.zone(c.server)
        out: list[tuple[str, dict[str, Any]]] = []
        zones = {zc, zs}
        if INTRANET in zones and zones & {EXTRANET, INTERNET}:
            out.append(("zone-crossing", {"zones": f"{zc}>{zs}"}))
        elif INTRANET in zones and point.network == EXTRANET:
            out.append(("intranet-on-extranet", {}))
        elif point.network == INTRANET and zones & {EXTRANET, INTERNET}:
            out.append(("zone-crossing", {"zones": f"{zc}>{zs}"}))
        elif point.network == EXTRANET and not point.egress and zones == {EXTRANET, INTERNET}:
            out.append(("egress-bypass", {}))
        if c.proto == TCP and c.payload and c.sport in PLAINTEXT_TCP:
            protocol, devices_only = PLAINTEXT_TCP[c.sport]
            if not devices_only or plan.is_device(c.server):
                out.append(("plaintext-management", {"protocol": protocol}))
        elif c.proto == UDP and c.snmp is not None and c.snmp[0] != "v3":
            version, community = c.snmp
            shown = redact_community(community)
            out.append(
                (
                    "plaintext-management",
                    {"protocol": f"snmp {version}", "versions": {version}, "communities": {shown}},
                )
            )
            text = community.decode("latin-1")
            if text in CLEAR_DEFAULT_COMMUNITIES or text in OTHER_DEFAULT_COMMUNITIES:
                out.append(("default-snmp-community", {"community": shown, "versions": {version}}))
        return out

    def _add(
        self,
        found: dict[tuple[str, str, str, str], Finding],
        kind: str,
        conn: Connection,
        details: dict[str, Any],
        *,
        dst: str | None = None,
        service: str | None = None,
        flows: int = 1,
        packets: int | None = None,
    ) -> Finding:
        src_text = address_text(conn.client)
        dst_text = dst if dst is not None else address_text(conn.server)
        svc = service if service is not None else conn.service
        key = (kind, src_text, dst_text, svc)
        f = found.get(key)
        if f is None:
            f = found[key] = self._new_finding(kind, conn, src_text, dst_text, svc, details)
        else:
            for name, value in details.items():
                if isinstance(value, set):
                    f.details.setdefault(name, set()).update(value)
        f.add(flows, conn.packets if packets is None else packets, conn.first, conn.last)
        return f

    def _new_finding(
        self, kind: str, c: Connection, src: str, dst: str, service: str, details: dict[str, Any]
    ) -> Finding:
        plan = self.plan
        src_owner = self.owners.owner(c.client)
        dst_owner = self.owners.owner(c.server) if dst != "*" else (None, None)
        if kind in ("plaintext-management", "default-snmp-community"):
            owner = dst_owner if dst_owner != (None, None) else src_owner
        elif kind in ("egress-bypass", "zone-crossing"):
            owner = src_owner if plan.zone(c.client) == EXTRANET else dst_owner
            if owner == (None, None):
                owner = src_owner if owner is dst_owner else dst_owner
        elif kind == "intranet-on-extranet":
            owner = src_owner if src_owner != (None, None) else dst_owner
        else:
            owner = src_owner
        values = {
            "src": src,
            "dst": dst,
            "service": service,
            "a_zone": plan.zone(c.client),
            "b_zone": plan.zone(c.server),
            "ext": src if plan.zone(c.client) == EXTRANET else dst,
            "other": dst if plan.zone(c.client) == EXTRANET else src,
            "addr": src if plan.zone(c.client) == INTRANET else dst,
            "protocol": details.get("protocol", ""),
            "community": details.get("community", ""),
            "count": details.get("count", 0),
            "window": self.thresholds.window,
        }
        evidence = {
            "service": service,
            "src_node": src_owner[0],
            "src_department": src_owner[1],
            "dst_node": dst_owner[0],
            "dst_department": dst_owner[1],
            **{k: (set(v) if isinstance(v, set) else v) for k, v in details.items()},
        }
        title = KINDS[kind][1].format(**values)
        if kind == "zone-crossing" and INTRANET not in (values["a_zone"], values["b_zone"]):
            title = f"{values['a_zone']} traffic from {src} to {dst} seen on the intranet"
        return Finding(
            kind=kind,
            src=src,
            dst=dst,
            service=service,
            point=self.point.name,
            title=title,
            node=owner[0],
            department=owner[1],
            details=evidence,
        )

    def _scans(
        self, found: dict[tuple[str, str, str, str], Finding], probes: list[Connection]
    ) -> None:
        """Zeek-like port scans and host sweeps over the connection initiations."""
        t = self.thresholds
        by_pair: dict[tuple[int, int, int], list[Connection]] = defaultdict(list)
        by_service: dict[tuple[int, int, int], list[Connection]] = defaultdict(list)
        for c in probes:
            if c.proto in (TCP, UDP):
                by_pair[(c.client, c.server, c.proto)].append(c)
            by_service[(c.client, c.proto, c.sport)].append(c)
        for (_client, _server, proto), conns in sorted(by_pair.items()):
            count = _max_distinct(conns, lambda c: c.sport, t.window)
            if count >= t.scan_ports:
                name = _PROTO_NAMES[proto]
                self._fold(found, "port-scan", conns, count, t.scan_ports, service=f"{name}*")
        for (_client, _proto, _port), conns in sorted(by_service.items()):
            count = _max_distinct(conns, lambda c: c.server, t.window)
            if count >= t.sweep_hosts:
                self._fold(found, "host-sweep", conns, count, t.sweep_hosts, dst="*")

    def _fold(
        self,
        found: dict[tuple[str, str, str, str], Finding],
        kind: str,
        conns: list[Connection],
        count: int,
        threshold: int,
        *,
        service: str | None = None,
        dst: str | None = None,
    ) -> None:
        details = {"count": count, "threshold": threshold, "window": self.thresholds.window}
        first = conns[0]
        f = self._add(found, kind, first, details, dst=dst, service=service)
        for c in conns[1:]:
            f.add(1, c.packets, c.first, c.last)
        if kind == "port-scan":
            f.details["ports"] = sorted({c.sport for c in conns})[:64]
        else:
            f.details["hosts"] = sorted({c.server for c in conns})[:64]
            f.details["hosts"] = [address_text(h) for h in f.details["hosts"]]


def _new_flow(ts: float, d: tuple[int, ...], buf: bytes) -> list[Any]:
    peek = None
    if d[2] == UDP and d[7] and (d[4] in SNMP_PORTS or d[3] in SNMP_PORTS):
        peek = snmp_community(buf[d[6] : d[6] + d[7]])
    return [1, ts, ts, d[5], d[7], d[5], peek]


def _reverse(key: tuple[int, int, int, int, int]) -> tuple[int, int, int, int, int] | None:
    src, dst, proto, sport, dport = key
    if proto in (ICMP, ICMP6):
        reply = _ICMP_REPLY.get((proto, sport))
        return None if reply is None else (dst, src, proto, reply, dport)
    return (dst, src, proto, dport, sport)


def _initiates(key: tuple[int, int, int, int, int], v: list[Any]) -> bool:
    """The flow's first packet opens a connection (TCP SYN, UDP, ICMP echo request)."""
    proto = key[2]
    if proto == TCP:
        return bool(v[_FIRST_FLAGS] & 0x12 == 0x02)
    if proto == UDP:
        return True
    return (proto, key[3]) in _ICMP_REQUEST


def _is_initiator(
    key: tuple[int, int, int, int, int],
    v: list[Any],
    rkey: tuple[int, int, int, int, int],
    r: list[Any],
) -> bool:
    """Of two directions of a connection, is ``key`` the client's? (deterministic)"""
    mine, theirs = _initiates(key, v), _initiates(rkey, r)
    if key[2] in (TCP, ICMP, ICMP6) and mine != theirs:
        return mine
    if key[2] in (TCP, UDP):
        to_server, from_server = key[4] in SERVER_PORTS, key[3] in SERVER_PORTS
        if to_server != from_server:
            return to_server
    if v[_FIRST] != r[_FIRST]:
        return bool(v[_FIRST] < r[_FIRST])
    return key < rkey


def _max_distinct(conns: list[Connection], attr: Any, window: float) -> int:
    """Most distinct ``attr`` values among connections starting within ``window`` seconds."""
    conns.sort(key=lambda c: c.first)
    counts: dict[Any, int] = defaultdict(int)
    best = lo = 0
    for c in conns:
        counts[attr(c)] += 1
        while c.first - conns[lo].first > window:
            old = attr(conns[lo])
            counts[old] -= 1
            if not counts[old]:
                del counts[old]
            lo += 1
        best = max(best, len(counts))
    return best


def inspect_file(
    path: str | Any,
    point: CapturePoint,
    plan: AddressPlan,
    owners: OwnerIndex | None = None,
    thresholds: Thresholds | None = None,
) -> Inspector:
    """Read a whole capture file into a new inspector (``.findings()`` for the results).

    Raises :class:`~security.errors.CaptureError` for a file that is not a usable capture.
    """
    inspector = Inspector(plan, point, owners, thresholds)
    inspector.read(PacketStream(path))
    return inspector
