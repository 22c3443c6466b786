"""The lab's devices, derived from the inventory.

Reads the inventory as records (the same records an export writes) and turns
each selected node into a :class:`~lab.model.LabDeviceSpec`: interfaces from
its links (addresses from the link's point-to-point prefix), a loopback with
its management address, a LAN port for its subnet, spare ports up to 24, a
routing table that sends every default route towards the unified egress, and
a traffic profile per link derived deterministically from its code, so the
same inventory always gives the same lab.

A port's speed is the hardware's (the platform's port layout in
:mod:`inventory.platforms`: 1000 Mb/s on a GE port); the link's
``bandwidth_mbps`` is the contracted rate, which the devices carry as the
interface ``bandwidth`` (and the poller measures utilisation against).
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from inventory.naming import sysname
from inventory.platforms import facts

from .errors import LabError
from .model import LabDeviceSpec, LabInterface, LabRoute, SnmpCredentials, TrafficProfile

SIZES = ("small", "county", "city")
PORTS_PER_DEVICE = 24
ISP_SIDE = ipaddress.IPv4Network("203.0.113.0/30")  # documentation range, egress <-> ISP


@dataclass(frozen=True)
class LabCredentials:
    """Throwaway credentials of one lab (the only secrets egovnet may print)."""

    username: str
    password: str
    community: str
    v3_user: str
    v3_auth_key: str
    v3_priv_key: str

    def snmp(self) -> SnmpCredentials:
        return SnmpCredentials(self.community, self.v3_user, self.v3_auth_key, self.v3_priv_key)


def _fraction(key: str) -> float:
    """A stable number in [0, 1) derived from ``key``.

    >>> _fraction("x") == _fraction("x")
    True
    """
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def _profile(key: str, mbps: int, towards_child: bool) -> TrafficProfile:
    """Offered load on one end of a link: 5-60 % downstream, 40 % of that upstream."""
    share = 0.05 + 0.55 * _fraction(key)
    down = share * mbps * 1_000_000
    up = 0.4 * down
    # about one link in 150 has a bad cable: 1.5 % input errors
    errors = 15_000.0 if _fraction(key + "/errors") < 1 / 150 else 0.0
    if towards_child:  # the parent's end sends downstream
        return TrafficProfile(in_bps=up, out_bps=down, in_errors_ppm=errors)
    return TrafficProfile(in_bps=down, out_bps=up, in_errors_ppm=errors)


def _mac(code: str, index: int) -> str:
    digest = hashlib.sha256(f"{code}/{index}".encode()).digest()
    return "00:e0:fc:" + ":".join(f"{b:02x}" for b in digest[:3])


def select(state: dict[str, dict[str, Any]], size: str) -> list[str]:
    """Codes of the nodes a lab of ``size`` emulates (devices with a platform only).

    small: the city core, the egress, two counties with two townships each and two
    villages per township, one department switch per county and at the city, plus
    extra nodes until every platform is present. county: the core, the egress and
    the first county's whole subtree. city: every device.
    """
    if size not in SIZES:
        raise LabError(f"unknown lab size {size!r} (known: {', '.join(SIZES)})")
    nodes = state["nodes"]
    devices = {c: n for c, n in nodes.items() if n.platform and n.network == "extranet"}
    if size == "city":
        return sorted(devices)
    children: dict[str | None, list[str]] = defaultdict(list)
    for code in sorted(devices):
        children[devices[code].parent].append(code)
    roots = [c for c in children[None] if devices[c].role == "core"]
    if not roots:
        raise LabError("the inventory has no extranet city core: seed or import a city first")
    city = roots[0]
    chosen = [city] + [c for c in children[city] if devices[c].role == "egress-firewall"]
    counties = [c for c in children[city] if devices[c].role == "aggregation"]

    def sites(code: str, limit: int) -> list[str]:
        return [c for c in children[code] if devices[c].role == "access-switch"][:limit]

    def subtree(code: str) -> list[str]:
        out = [code]
        for kid in children[code]:
            out += subtree(kid)
        return out

    if size == "county":
        return sorted(chosen + (subtree(counties[0]) if counties else []))
    chosen += sites(city, 1)
    for county in counties[:2]:
        chosen += [county, *sites(county, 1)]
        towns = [c for c in children[county] if devices[c].role == "township-router"][:2]
        for town in towns:
            chosen.append(town)
            chosen += [c for c in children[town] if devices[c].role == "village-cpe"][:2]
    missing = {n.platform for n in devices.values()} - {devices[c].platform for c in chosen}
    for platform in sorted(missing):
        extra = next(c for c in sorted(devices) if devices[c].platform == platform)
        chain = []
        while extra is not None and extra not in chosen:
            chain.append(extra)
            extra = devices[extra].parent
        chosen += chain
    return sorted(set(chosen))


def _port_order(link: Any, code: str) -> tuple[int, ...]:
    """Order a node's links by its own interface name, numerically (GE1/0/2 before GE1/0/10)."""
    name = link.a_interface if link.a_node == code else link.b_interface
    return tuple(int(n) for n in re.findall(r"\d+", name))


def _hosts(prefix: str) -> list[str]:
    net = ipaddress.IPv4Network(prefix)
    if net.prefixlen >= 31:
        return [str(a) for a in net]
    return [str(a) for a in net.hosts()]


def build_specs(
    state: dict[str, dict[str, Any]], codes: Iterable[str], creds: LabCredentials
) -> list[LabDeviceSpec]:
    """One spec per selected node; peers outside the selection stay as unemulated neighbours."""
    nodes = state["nodes"]
    selected = list(codes)
    links_of: dict[str, list[Any]] = defaultdict(list)
    for link in state["links"].values():
        links_of[link.a_node].append(link)
        links_of[link.b_node].append(link)
    p2p = {p.link: p.prefix for p in state["prefixes"].values() if p.link}
    by_node: dict[str, list[Any]] = defaultdict(list)
    for prefix in state["prefixes"].values():
        if prefix.node:
            by_node[prefix.node].append(prefix)
    specs = []
    for code in selected:
        node = nodes[code]
        platform = facts(node.platform)
        fmt = platform.port
        interfaces: list[LabInterface] = []
        routes: list[LabRoute] = []
        used = set()
        uplink_hop: tuple[str, str] | None = None
        child_hops: list[tuple[str, str, str]] = []  # (child code, next hop, interface)
        for link in sorted(links_of[code], key=lambda lk: _port_order(lk, code)):
            mine, theirs = (
                (link.a_interface, link.b_interface)
                if link.a_node == code
                else (link.b_interface, link.a_interface)
            )
            peer = link.b_node if link.a_node == code else link.a_node
            used.add(mine)
            address = None
            if link.key in p2p:
                a_host, b_host = _hosts(p2p[link.key])[:2]
                net = ipaddress.IPv4Network(p2p[link.key])
                mine_ip, peer_ip = (a_host, b_host) if link.a_node == code else (b_host, a_host)
                address = f"{mine_ip}/{net.prefixlen}"
                if link.kind == "uplink" and link.a_node == code:
                    uplink_hop = (peer_ip, mine)
                elif link.kind == "uplink":
                    child_hops.append((peer, peer_ip, mine))
            elif link.kind == "isp":
                isp_self, isp_peer = _hosts(str(ISP_SIDE))[1], _hosts(str(ISP_SIDE))[0]
                address = f"{isp_self}/{ISP_SIDE.prefixlen}"
                uplink_hop = (isp_peer, mine)
            peer_node = nodes.get(peer)
            interfaces.append(
                LabInterface(
                    name=mine,
                    index=len(interfaces) + 1,
                    description=f"to {peer} {peer_node.name if peer_node else ''}".strip()[:80],
                    address=address,
                    speed_bps=platform.port_speed(mine) or platform.port_bps,
                    bandwidth_bps=link.bandwidth_mbps * 1_000_000,
                    mac=_mac(code, len(interfaces) + 1),
                    peer_device=peer,
                    peer_interface=theirs,
                    profile=_profile(
                        link.key, link.bandwidth_mbps, towards_child=link.b_node == code
                    ),
                )
            )
        subnets = [p for p in by_node[code] if p.role == "subnet"]
        port = 1
        for subnet in subnets:
            while fmt.format(n=port) in used:
                port += 1
            name = fmt.format(n=port)
            used.add(name)
            gateway = _hosts(subnet.prefix)[0]
            interfaces.append(
                LabInterface(
                    name=name,
                    index=len(interfaces) + 1,
                    description=f"LAN {subnet.prefix}",
                    address=f"{gateway}/{ipaddress.IPv4Network(subnet.prefix).prefixlen}",
                    speed_bps=platform.port_speed(name) or platform.port_bps,
                    mac=_mac(code, len(interfaces) + 1),
                    profile=_profile(subnet.prefix, 100, towards_child=True),
                )
            )
        while len(interfaces) < PORTS_PER_DEVICE - 1:
            while fmt.format(n=port) in used:
                port += 1
            name = fmt.format(n=port)
            used.add(name)
            interfaces.append(
                LabInterface(
                    name=name,
                    index=len(interfaces) + 1,
                    speed_bps=platform.port_speed(name) or platform.port_bps,
                    mac=_mac(code, len(interfaces) + 1),
                    connected=False,
                )
            )
        if node.mgmt_address:
            interfaces.append(
                LabInterface(
                    name=platform.loopback,
                    index=len(interfaces) + 1,
                    description="management",
                    address=f"{node.mgmt_address}/32",
                    mac=_mac(code, 0),
                )
            )
        if uplink_hop:
            routes.append(LabRoute("0.0.0.0/0", uplink_hop[0], uplink_hop[1], "static"))
        for child, hop, via in child_hops:
            for prefix in by_node.get(child, []):
                if prefix.role in ("county-pool", "township-pool", "subnet", "loopback"):
                    routes.append(LabRoute(prefix.prefix, hop, via, "static", metric=60))
        specs.append(
            LabDeviceSpec(
                code=code,
                hostname=sysname(code),
                platform=node.platform,
                role=node.role,
                interfaces=tuple(interfaces),
                routes=tuple(routes),
                username=creds.username,
                password=creds.password,
                snmp=creds.snmp(),
                model=platform.model,
                serial="21023" + hashlib.sha256(code.encode()).hexdigest()[:15].upper(),
                location=node.name,
            )
        )
    return specs
