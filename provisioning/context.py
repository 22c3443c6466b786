"""The data a template renders: one :class:`NodeContext` per device, built from the inventory.

Addressing follows the lab's derivation (so intended and emulated devices agree):
the child end of an uplink takes the first host of the link's point-to-point
prefix, the parent end the second; a node's own subnets get the first host as
gateway. The routing design, city-wide:

* underlay in the global table: OSPF over uplinks and the loopback, a static
  default route towards the parent (the core's towards the egress firewall,
  the egress firewall's towards the ISP);
* overlay: one VPN instance per zone with the inventory's RD and route targets,
  MPLS LDP on the uplinks, iBGP VPNv4 to the parent's loopback; every parent
  reflects to its children;
* departments attach at their site switch (or their home node when they have
  no site): their VLAN, a VLAN interface holding the first host of their subnet
  bound to their private zone (or the public zone), access ports, an optional
  DHCP relay;
* the public zone reaches the internet only through the egress firewall: the
  core's public-zone default route points at it; the egress does source NAT
  and a zone policy that permits departments allowed the internet and ends in
  a logged deny.
"""

from __future__ import annotations

import ipaddress
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from inventory.naming import sysname
from inventory.platforms import PLATFORMS, facts

from .errors import UnknownNodeError, UnknownPlatformError
from .settings import RenderSettings

State = Mapping[str, Mapping[str, Any]]

#: Roles that run the routed overlay (VPN instances, MPLS, BGP).
ROUTED_ROLES = frozenset({"core", "aggregation", "township-router", "village-cpe", "access-switch"})


@dataclass(frozen=True)
class Net:
    """An address with its network: ``10.110.0.1`` in ``10.110.0.0/30``."""

    ip: str
    prefixlen: int

    @cached_property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Interface(f"{self.ip}/{self.prefixlen}").network

    @cached_property
    def mask(self) -> str:
        """Dotted mask (``255.255.255.252``), as VRP, Comware and IOS print it."""
        return str(self.network.netmask)

    @cached_property
    def wildcard(self) -> str:
        return str(self.network.hostmask)

    @cached_property
    def net(self) -> str:
        return str(self.network.network_address)


def _net(prefix: str) -> Net:
    network = ipaddress.IPv4Network(prefix)
    return Net(str(network.network_address), network.prefixlen)


@dataclass(frozen=True)
class Interface:
    """One interface of the rendered device."""

    name: str
    #: uplink, downlink, isp, lan, svi, access, loopback
    kind: str
    description: str = ""
    address: Net | None = None
    vrf: str | None = None
    #: Runs the underlay (OSPF) and MPLS LDP.
    core_facing: bool = False
    access_vlan: int | None = None
    dhcp_relay: str | None = None
    #: Egress firewall zone (trust, untrust) and NAT outbound on the ISP side.
    zone: str | None = None
    nat: bool = False


@dataclass(frozen=True)
class Vrf:
    name: str
    description: str
    rd: str
    import_targets: tuple[str, ...]
    export_targets: tuple[str, ...]


@dataclass(frozen=True)
class Route:
    destination: Net
    next_hop: str
    vrf: str | None = None
    #: The next hop is in the global table (a leak towards the egress firewall).
    next_hop_global: bool = False


@dataclass(frozen=True)
class Vlan:
    vid: int
    name: str
    description: str


@dataclass(frozen=True)
class BgpPeer:
    address: str
    description: str
    client: bool


@dataclass(frozen=True)
class EgressPermit:
    rule: int
    source: Net
    department: str


@dataclass(frozen=True)
class Egress:
    inside: str
    outside: str
    nat_start: str
    nat_end: str
    internal: tuple[Net, ...]
    permits: tuple[EgressPermit, ...]
    deny_rule: int


@dataclass(frozen=True)
class NodeContext:
    """Everything one device's template needs; built by :class:`CityIndex`."""

    code: str
    name: str
    sysname: str
    role: str
    level: str
    platform: str
    settings: RenderSettings
    loopback: Interface | None
    interfaces: tuple[Interface, ...]
    vlans: tuple[Vlan, ...]
    vrfs: tuple[Vrf, ...]
    routes: tuple[Route, ...]
    bgp_peers: tuple[BgpPeer, ...]
    egress: Egress | None
    #: The management subnet, the NMS, syslog and NTP addresses.
    mgmt: Net = field(default_factory=lambda: _net("10.111.255.0/24"))
    nms: str = ""
    syslog: str = ""
    ntp: str = ""

    @property
    def routed(self) -> bool:
        return self.role in ROUTED_ROLES and self.loopback is not None

    @property
    def router_id(self) -> str:
        return self.loopback.address.ip if self.loopback and self.loopback.address else ""

    @property
    def ospf_interfaces(self) -> tuple[Interface, ...]:
        """Interfaces in the underlay (none without a loopback: OSPF needs a router id)."""
        if self.loopback is None:
            return ()
        return (*(i for i in self.interfaces if i.core_facing), self.loopback)

    @property
    def svis(self) -> tuple[Interface, ...]:
        return tuple(i for i in self.interfaces if i.kind == "svi")

    @property
    def ports(self) -> tuple[Interface, ...]:
        return tuple(i for i in self.interfaces if i.kind not in ("svi", "loopback"))

    @property
    def dhcp(self) -> bool:
        return any(i.dhcp_relay for i in self.interfaces)


def _port_key(name: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", name))


def _port_as(name: str, slug: str) -> str:
    """The port of platform ``slug`` numbered like ``name`` (its last number).

    >>> _port_as("GigabitEthernet0/0/3", "huawei_vrp8")
    'GE1/0/3'
    """
    numbers = re.findall(r"\d+", name)
    return facts(slug).port_name(int(numbers[-1])) if numbers else name


def _hosts(prefix: str) -> list[str]:
    net = ipaddress.IPv4Network(prefix)
    if net.prefixlen >= 31:
        return [str(a) for a in net]
    return [str(a) for a in net.hosts()]


class CityIndex:
    """The inventory's records indexed once, so rendering a whole city stays linear."""

    def __init__(self, state: State, settings: RenderSettings) -> None:
        self.state = state
        self.settings = settings
        self.nodes: Mapping[str, Any] = state["nodes"]
        self.links_of: dict[str, list[Any]] = defaultdict(list)
        for link in state["links"].values():
            self.links_of[link.a_node].append(link)
            self.links_of[link.b_node].append(link)
        self.p2p: dict[str, str] = {}
        self.subnets: dict[str, list[str]] = defaultdict(list)
        self.dept_subnet: dict[str, str] = {}
        for p in sorted(state["prefixes"].values(), key=lambda p: ipaddress.IPv4Network(p.prefix)):
            if p.link:
                self.p2p[p.link] = p.prefix
            if p.role == "subnet" and p.department:
                self.dept_subnet[p.department] = p.prefix
            elif p.role == "subnet" and p.node:
                self.subnets[p.node].append(p.prefix)
        self.dept_vlan: dict[str, Any] = {
            v.department: v for v in state["vlans"].values() if v.department
        }
        self.attached: dict[str, list[Any]] = defaultdict(list)
        for dept in sorted(state["departments"].values(), key=lambda d: d.code):
            self.attached[dept.site or dept.node].append(dept)
        self.children: dict[str, list[str]] = defaultdict(list)
        for code in sorted(self.nodes):
            parent = self.nodes[code].parent
            if parent:
                self.children[parent].append(code)
        zones = sorted(state["zones"].values(), key=lambda z: z.code)
        self.zones = {z.code: z for z in zones}
        public = [z.code for z in zones if z.kind == "public"]
        self.public_zone: str | None = public[0] if public else None
        # private zones used in each node's subtree (a parent carries its children's VPNs)
        self.subtree_zones: dict[str, set[str]] = defaultdict(set)
        for dept in state["departments"].values():
            if not dept.private_zone:
                continue
            up: str | None = dept.site or dept.node
            while up is not None and up in self.nodes:
                self.subtree_zones[up].add(dept.private_zone)
                up = self.nodes[up].parent

    def devices(self) -> list[str]:
        """Codes of every node the renderer can render (extranet devices with a platform)."""
        return sorted(c for c, n in self.nodes.items() if self._renderable(n))

    @staticmethod
    def _renderable(node: Any) -> bool:
        return bool(node.platform) and node.network == "extranet" and node.role != "isp"

    def context(self, code: str, platform: str | None = None) -> NodeContext:
        """The context of node ``code`` (rendered as ``platform`` when given)."""
        node = self.nodes.get(code)
        if node is None:
            raise UnknownNodeError(f"unknown node {code!r}")
        if not self._renderable(node):
            raise UnknownNodeError(
                f"node {code!r} is not an extranet device with a platform (nothing to render)"
            )
        slug = platform or node.platform
        if slug not in PLATFORMS:
            raise UnknownPlatformError(
                f"unknown platform {slug!r} (known: {', '.join(sorted(PLATFORMS))})"
            )
        s = self.settings
        interfaces, hops = self._links(code)
        if slug != node.platform:
            interfaces = [replace(i, name=_port_as(i.name, slug)) for i in interfaces]
        used = {i.name for i in interfaces}
        pf = facts(slug)
        port = 1

        def next_port() -> str:
            nonlocal port
            while pf.port_name(port) in used:
                port += 1
            name = pf.port_name(port)
            used.add(name)
            return name

        for subnet in self.subnets.get(code, []):
            interfaces.append(
                Interface(
                    name=next_port(),
                    kind="lan",
                    description=f"LAN {subnet}",
                    address=Net(_hosts(subnet)[0], ipaddress.IPv4Network(subnet).prefixlen),
                    vrf=self.public_zone,
                )
            )
        vlans: list[Vlan] = []
        dept_zones: set[str] = set()
        for dept in self.attached.get(code, []):
            vlan, dept_net = self.dept_vlan.get(dept.code), self.dept_subnet.get(dept.code)
            if vlan is None or dept_net is None:
                continue
            dept_zone = dept.private_zone or self.public_zone
            if dept_zone:
                dept_zones.add(dept_zone)
            vlans.append(Vlan(vlan.vid, vlan.name or f"VLAN{vlan.vid}", dept.code))
            interfaces.append(
                Interface(
                    name=pf.svi.format(n=vlan.vid),
                    kind="svi",
                    description=f"{dept.code} {dept.name}"[:80],
                    address=Net(_hosts(dept_net)[0], ipaddress.IPv4Network(dept_net).prefixlen),
                    vrf=dept_zone,
                    dhcp_relay=s.host(s.dhcp_host) if s.dhcp_host else None,
                )
            )
            for _ in range(s.access_ports):
                interfaces.append(
                    Interface(
                        name=next_port(),
                        kind="access",
                        description=f"{dept.code} access",
                        access_vlan=vlan.vid,
                    )
                )
        loopback = (
            Interface(
                name=pf.loopback,
                kind="loopback",
                description="management",
                address=Net(node.mgmt_address, 32),
            )
            if node.mgmt_address
            else None
        )
        routed = node.role in ROUTED_ROLES and loopback is not None
        vrfs = self._vrfs(code, dept_zones) if routed else ()
        egress = self._egress(interfaces) if node.role == "egress-firewall" else None
        routes = self._routes(node, hops, egress)
        svis = sorted((i for i in interfaces if i.kind == "svi"), key=lambda i: _port_key(i.name))
        physical = sorted(
            (i for i in interfaces if i.kind != "svi"), key=lambda i: _port_key(i.name)
        )
        mgmt = _net(str(s.management_subnet))
        return NodeContext(
            code=code,
            name=node.name,
            sysname=sysname(code, s.sysname_prefix),
            role=node.role,
            level=node.level,
            platform=slug,
            settings=s,
            loopback=loopback,
            interfaces=tuple(svis + physical),
            vlans=tuple(sorted(vlans, key=lambda v: v.vid)),
            vrfs=vrfs,
            routes=routes,
            bgp_peers=self._peers(code) if routed else (),
            egress=egress,
            mgmt=mgmt,
            nms=s.host(s.nms_host),
            syslog=s.host(s.syslog_host),
            ntp=s.host(s.ntp_host),
        )

    def _links(self, code: str) -> tuple[list[Interface], dict[str, str]]:
        """Interfaces on links and the next hops: ``parent``, ``isp``, ``egress``."""
        interfaces: list[Interface] = []
        hops: dict[str, str] = {}
        for link in sorted(self.links_of.get(code, []), key=lambda lk: lk.key):
            mine = link.a_interface if link.a_node == code else link.b_interface
            peer = link.b_node if link.a_node == code else link.a_node
            peer_node = self.nodes.get(peer)
            description = f"to {peer} {peer_node.name if peer_node else ''}".strip()[:80]
            if link.kind == "isp":
                isp = _hosts(str(self.settings.isp_network))
                hops["isp"] = isp[0]
                interfaces.append(
                    Interface(
                        name=mine,
                        kind="isp",
                        description=description,
                        address=Net(isp[1], self.settings.isp_network.prefixlen),
                        zone="untrust",
                        nat=True,
                    )
                )
                continue
            prefix = self.p2p.get(link.key)
            if prefix is None or link.kind != "uplink":
                continue
            a_host, b_host = _hosts(prefix)[:2]
            child_end = link.a_node == code
            mine_ip, peer_ip = (a_host, b_host) if child_end else (b_host, a_host)
            if child_end:
                hops["parent"] = peer_ip
            elif peer_node is not None and peer_node.role == "egress-firewall":
                hops["egress"] = peer_ip
            role = self.nodes[code].role
            interfaces.append(
                Interface(
                    name=mine,
                    kind="uplink" if child_end else "downlink",
                    description=description,
                    address=Net(mine_ip, ipaddress.IPv4Network(prefix).prefixlen),
                    core_facing=True,
                    zone="trust" if role == "egress-firewall" else None,
                )
            )
        return interfaces, hops

    def _vrfs(self, code: str, dept_zones: set[str]) -> tuple[Vrf, ...]:
        names = set(dept_zones) | self.subtree_zones.get(code, set())
        if self.public_zone:
            names.add(self.public_zone)
        out = []
        for name in sorted(names):
            zone = self.zones.get(name)
            if zone is None or not zone.rd:
                continue
            out.append(
                Vrf(
                    name=zone.code,
                    description=zone.code,
                    rd=zone.rd,
                    import_targets=tuple(zone.import_targets),
                    export_targets=tuple(zone.export_targets),
                )
            )
        return tuple(out)

    def _routes(self, node: Any, hops: dict[str, str], egress: Egress | None) -> tuple[Route, ...]:
        """Static routes: the default towards the parent (core: egress; egress: ISP)."""
        default = _net("0.0.0.0/0")
        routes: list[Route] = []
        if node.role == "core" and "egress" in hops:
            routes.append(Route(default, hops["egress"]))
            if self.public_zone:
                routes.append(
                    Route(default, hops["egress"], vrf=self.public_zone, next_hop_global=True)
                )
        elif node.role == "egress-firewall" and "isp" in hops:
            routes.append(Route(default, hops["isp"]))
            if egress is not None and "parent" in hops:
                routes += [Route(net, hops["parent"]) for net in egress.internal]
        elif "parent" in hops:
            routes.append(Route(default, hops["parent"]))
        return tuple(routes)

    def _peers(self, code: str) -> tuple[BgpPeer, ...]:
        peers: list[BgpPeer] = []
        parent = self.nodes[code].parent
        parent_node = self.nodes.get(parent) if parent else None
        if parent_node is not None and parent_node.mgmt_address:
            peers.append(BgpPeer(parent_node.mgmt_address, f"to {parent}", client=False))
        for child in self.children.get(code, []):
            kid = self.nodes[child]
            if self._renderable(kid) and kid.role in ROUTED_ROLES and kid.mgmt_address:
                peers.append(BgpPeer(kid.mgmt_address, f"to {child}", client=True))
        return tuple(sorted(peers, key=lambda p: ipaddress.IPv4Address(p.address)))

    def _egress(self, interfaces: list[Interface]) -> Egress | None:
        inside = next((i for i in interfaces if i.kind == "uplink"), None)
        outside = next((i for i in interfaces if i.kind == "isp"), None)
        if inside is None or outside is None:
            return None
        s = self.settings
        internal = tuple(
            _net(str(n))
            for n in sorted(
                {
                    ipaddress.IPv4Network(p.prefix)
                    for p in self.state["prefixes"].values()
                    if p.role in ("city-block", "loopback-pool", "transit-pool", "management")
                }
            )
        )
        permits: list[EgressPermit] = []
        for dept in sorted(self.state["departments"].values(), key=lambda d: d.code):
            subnet = self.dept_subnet.get(dept.code)
            if dept.internet and not dept.private_zone and subnet:
                permits.append(EgressPermit(5 * (len(permits) + 1), _net(subnet), dept.code))
        return Egress(
            inside=inside.name,
            outside=outside.name,
            nat_start=s.nat_pool[0],
            nat_end=s.nat_pool[1],
            internal=internal,
            permits=tuple(permits),
            deny_rule=5 * (len(permits) + 1),
        )
