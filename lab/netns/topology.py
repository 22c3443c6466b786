"""Plain-data topology for the namespace lab, and the static routes it implies.

A topology is a list of nodes (one network namespace each) and point-to-point
links (one veth pair each). The lab derives static routes from it:

* every **extranet** node gets a route to every extranet link subnet and
  loopback it is not connected to, via the neighbour on the shortest path;
* every extranet node's default route leads towards the single egress; the
  egress's default route points at its internet-zone neighbour (the "ISP");
* **internet** and **intranet** nodes get connected routes only, so the
  internet host cannot reach the extranet except through the egress's NAT,
  and an intranet node without links reaches nothing.

The description is not policed against the product's rules (an intranet node
*may* be given a link, to build a deliberately broken lab).
"""

from __future__ import annotations

import ipaddress
import re
from collections import deque
from dataclasses import dataclass, field

from lab.netns.errors import TopologyError

EXTRANET = "extranet"
INTERNET = "internet"
INTRANET = "intranet"
ZONES = frozenset({EXTRANET, INTERNET, INTRANET})

#: The role that marks the single internet egress (NAT and the default route's target).
EGRESS_ROLE = "egress"

#: Node codes become namespace and interface name suffixes (15-char Linux limit
#: minus a 7-char lab prefix), hence short lowercase alphanumerics.
CODE_PATTERN = re.compile(r"^[a-z0-9]{1,8}$")


@dataclass(frozen=True)
class NetnsNode:
    """One node of the lab: a network namespace running its own snmpd."""

    code: str
    role: str
    zone: str = EXTRANET
    #: sysName reported by the node's snmpd (defaults to ``code``).
    sys_name: str = ""
    #: Optional /32 on the node's loopback, e.g. ``"10.254.1.1/32"``.
    loopback: str | None = None

    @property
    def name(self) -> str:
        """sysName of the node."""
        return self.sys_name or self.code


@dataclass(frozen=True)
class NetnsLink:
    """A point-to-point link (veth pair) between nodes ``a`` and ``b``."""

    a: str
    b: str
    a_address: str  # "10.254.0.1/30"
    b_address: str  # "10.254.0.2/30"

    @property
    def label(self) -> str:
        """Human label of the link, ``"a-b"``."""
        return f"{self.a}-{self.b}"

    def ends(self) -> tuple[str, str]:
        """The two node codes."""
        return (self.a, self.b)

    def address_of(self, code: str) -> str:
        """The interface address (with prefix length) of node ``code`` on this link."""
        if code == self.a:
            return self.a_address
        if code == self.b:
            return self.b_address
        raise TopologyError(f"link {self.label}: node {code!r} is not an end of it")

    def peer_of(self, code: str) -> str:
        """The node at the other end from ``code``."""
        if code == self.a:
            return self.b
        if code == self.b:
            return self.a
        raise TopologyError(f"link {self.label}: node {code!r} is not an end of it")

    def subnet(self) -> ipaddress.IPv4Network:
        """The link's subnet.

        >>> NetnsLink("x", "y", "10.254.0.5/30", "10.254.0.6/30").subnet()
        IPv4Network('10.254.0.4/30')
        """
        return ipaddress.IPv4Interface(self.a_address).network


@dataclass(frozen=True)
class StaticRoute:
    """A route a node gets: ``prefix`` via next hop ``via`` (an IPv4 address)."""

    prefix: str  # "10.254.0.8/30" or "default"
    via: str


@dataclass(frozen=True)
class NetnsTopology:
    """Nodes and links of one lab (plain data; see :func:`small_topology`)."""

    nodes: tuple[NetnsNode, ...]
    links: tuple[NetnsLink, ...] = field(default_factory=tuple)

    def node(self, code: str) -> NetnsNode:
        """The node with ``code`` (raises :class:`TopologyError` naming the known ones)."""
        for node in self.nodes:
            if node.code == code:
                return node
        known = ", ".join(n.code for n in self.nodes)
        raise TopologyError(f"unknown node {code!r} (known: {known})")

    def link(self, a: str, b: str) -> NetnsLink:
        """The link joining ``a`` and ``b`` (in either order)."""
        for link in self.links:
            if {link.a, link.b} == {a, b}:
                return link
        raise TopologyError(f"no link between {a!r} and {b!r}")

    def links_of(self, code: str) -> list[NetnsLink]:
        """Links with ``code`` at one end."""
        return [link for link in self.links if code in link.ends()]

    def egress(self) -> NetnsNode | None:
        """The single egress node, or None when the topology has none."""
        found = [n for n in self.nodes if n.role == EGRESS_ROLE]
        return found[0] if found else None

    def address(self, code: str) -> str | None:
        """The node's reference address: its loopback, else its first link address.

        None for a node with neither (an isolated intranet host without loopback).
        """
        node = self.node(code)
        if node.loopback:
            return str(ipaddress.IPv4Interface(node.loopback).ip)
        for link in self.links_of(code):
            return str(ipaddress.IPv4Interface(link.address_of(code)).ip)
        return None

    def validate(self) -> None:
        """Check codes, zones, addresses and links; raise :class:`TopologyError`."""
        seen: set[str] = set()
        for node in self.nodes:
            if not CODE_PATTERN.match(node.code):
                raise TopologyError(f"node {node.code!r}: code must match {CODE_PATTERN.pattern}")
            if node.code in seen:
                raise TopologyError(f"node {node.code!r}: duplicate code")
            seen.add(node.code)
            if node.zone not in ZONES:
                raise TopologyError(
                    f"node {node.code!r}: zone {node.zone!r} not one of {sorted(ZONES)}"
                )
            if node.loopback is not None:
                _interface(node.loopback, f"node {node.code!r} loopback")
        egresses = [n.code for n in self.nodes if n.role == EGRESS_ROLE]
        if len(egresses) > 1:
            raise TopologyError(f"more than one egress node: {egresses}")
        pairs: set[frozenset[str]] = set()
        for link in self.links:
            where = f"link {link.label}"
            for end in link.ends():
                if end not in seen:
                    raise TopologyError(f"{where}: unknown node {end!r}")
            if link.a == link.b:
                raise TopologyError(f"{where}: both ends are the same node")
            pair = frozenset(link.ends())
            if pair in pairs:
                raise TopologyError(f"{where}: parallel links are not supported")
            pairs.add(pair)
            a = _interface(link.a_address, f"{where} a_address")
            b = _interface(link.b_address, f"{where} b_address")
            if a.network != b.network or a.ip == b.ip:
                raise TopologyError(
                    f"{where}: {link.a_address} and {link.b_address} "
                    "must be distinct hosts of one subnet"
                )

    def routes(self) -> dict[str, list[StaticRoute]]:
        """Static routes per node code (connected routes are implicit)."""
        self.validate()
        extranet = {n.code for n in self.nodes if n.zone == EXTRANET}
        egress = self.egress()
        result: dict[str, list[StaticRoute]] = {n.code: [] for n in self.nodes}
        for code in sorted(extranet):
            first_hop = self._first_hops(code, extranet)
            connected = {link.subnet() for link in self.links_of(code)}
            routes = result[code]
            for link in self.links:
                if not extranet.issuperset(link.ends()) or link.subnet() in connected:
                    continue
                reachable = [end for end in link.ends() if end in first_hop]
                if reachable:
                    nearer = min(reachable, key=lambda end: first_hop[end][1])
                    routes.append(StaticRoute(str(link.subnet()), first_hop[nearer][0]))
            for other in self.nodes:
                if other.code != code and other.loopback and other.code in first_hop:
                    routes.append(StaticRoute(other.loopback, first_hop[other.code][0]))
            if egress is None:
                continue
            if code == egress.code:
                isp = [
                    link
                    for link in self.links_of(code)
                    if self.node(link.peer_of(code)).zone == INTERNET
                ]
                if isp:
                    peer = isp[0].address_of(isp[0].peer_of(code))
                    routes.append(StaticRoute("default", _host(peer)))
            elif egress.code in first_hop:
                routes.append(StaticRoute("default", first_hop[egress.code][0]))
        return result

    def _first_hops(self, source: str, allowed: set[str]) -> dict[str, tuple[str, int]]:
        """For every node reachable over ``allowed`` nodes: (next-hop address, distance)."""
        hops: dict[str, tuple[str, int]] = {}
        queue: deque[tuple[str, str, int]] = deque()
        for link in self.links_of(source):
            peer = link.peer_of(source)
            if peer in allowed and peer not in hops:
                hops[peer] = (_host(link.address_of(peer)), 1)
                queue.append((peer, hops[peer][0], 1))
        while queue:
            code, via, dist = queue.popleft()
            for link in self.links_of(code):
                peer = link.peer_of(code)
                if peer in allowed and peer != source and peer not in hops:
                    hops[peer] = (via, dist + 1)
                    queue.append((peer, via, dist + 1))
        return hops


def _interface(text: str, where: str) -> ipaddress.IPv4Interface:
    try:
        return ipaddress.IPv4Interface(text)
    except ValueError as exc:
        raise TopologyError(f"{where}: {text!r} is not an IPv4 address/prefix") from exc


def _host(address: str) -> str:
    """Address without the prefix length.

    >>> _host("10.254.0.1/30")
    '10.254.0.1'
    """
    return str(ipaddress.IPv4Interface(address).ip)


def small_topology() -> NetnsTopology:
    """The default lab: 11 namespaces following the city hierarchy.

    City core ``cty`` behind the egress firewall ``egr`` (NAT towards the
    internet host ``inet`` on 198.51.100.0/30, a documentation range), two
    counties (宛城区 ``c02``, 卧龙区 ``c03``), three townships, two villages
    and an isolated intranet host ``intra``. Extranet links are /30s from
    10.254.0.0/24, loopbacks /32s from 10.254.1.0/24; these exist only inside
    the lab's namespaces.
    """
    nodes = (
        NetnsNode("egr", EGRESS_ROLE, EXTRANET, "nanyang-egress-fw", "10.254.1.1/32"),
        NetnsNode("cty", "city_core", EXTRANET, "nanyang-core", "10.254.1.2/32"),
        NetnsNode("c02", "county", EXTRANET, "wancheng-411302", "10.254.1.3/32"),
        NetnsNode("c03", "county", EXTRANET, "wolong-411303", "10.254.1.4/32"),
        NetnsNode("t021", "township", EXTRANET, "wancheng-t021", "10.254.1.5/32"),
        NetnsNode("t022", "township", EXTRANET, "wancheng-t022", "10.254.1.6/32"),
        NetnsNode("t031", "township", EXTRANET, "wolong-t031", "10.254.1.7/32"),
        NetnsNode("v0211", "village", EXTRANET, "wancheng-v0211", "10.254.1.8/32"),
        NetnsNode("v0311", "village", EXTRANET, "wolong-v0311", "10.254.1.9/32"),
        NetnsNode("inet", "internet_host", INTERNET, "internet-host"),
        NetnsNode("intra", "intranet_host", INTRANET, "intranet-host", "10.254.2.1/32"),
    )
    pairs = [
        ("cty", "egr"),
        ("cty", "c02"),
        ("cty", "c03"),
        ("c02", "t021"),
        ("c02", "t022"),
        ("c03", "t031"),
        ("t021", "v0211"),
        ("t031", "v0311"),
    ]
    links = [
        NetnsLink(a, b, f"10.254.0.{4 * i + 1}/30", f"10.254.0.{4 * i + 2}/30")
        for i, (a, b) in enumerate(pairs)
    ]
    links.append(NetnsLink("egr", "inet", "198.51.100.1/30", "198.51.100.2/30"))
    return NetnsTopology(nodes, tuple(links))
