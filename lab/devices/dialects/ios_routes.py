"""Cisco IOS routing table: built from the running configuration and interface states.

Connected (``C``) and local (``L``) routes come from the addresses of interfaces
that are up, so a ``shutdown`` removes them; static routes (``S``, ``S*`` for the
default only, ``[1/0]`` unless a distance is configured) from the ``ip route``
lines whose next hop is reachable over a connected route or whose interface is
up. ``show ip route`` groups subnets under their classful network as IOS 15
does (``10.0.0.0/8 is variably subnetted, 3 subnets, 2 masks``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lab.devices.dialects.common import interface_names, interface_state

if TYPE_CHECKING:
    from lab.devices.device import LabDevice

CODES_LEGEND = (
    "Codes: L - local, C - connected, S - static, R - RIP, M - mobile, B - BGP\n"
    "       D - EIGRP, EX - EIGRP external, O - OSPF, IA - OSPF inter area \n"
    "       N1 - OSPF NSSA external type 1, N2 - OSPF NSSA external type 2\n"
    "       E1 - OSPF external type 1, E2 - OSPF external type 2\n"
    "       i - IS-IS, su - IS-IS summary, L1 - IS-IS level-1, L2 - IS-IS level-2\n"
    "       ia - IS-IS inter area, * - candidate default, U - per-user static route\n"
    "       o - ODR, P - periodic downloaded static route, H - NHRP, l - LISP\n"
    "       a - application route\n"
    "       + - replicated route, % - next hop override, p - overrides from PfR\n"
)
DEFAULT = ipaddress.IPv4Network("0.0.0.0/0")


@dataclass(frozen=True)
class IosRoute:
    """One installed route."""

    network: ipaddress.IPv4Network
    code: str  # C, L, S
    next_hop: str | None
    interface: str | None
    distance: int = 0
    metric: int = 0

    @property
    def known_via(self) -> str:
        return "static" if self.code == "S" else "connected"


def interface_vrf(device: LabDevice, name: str) -> str | None:
    """The VRF an interface is bound to (``vrf forwarding X``), None for the global table."""
    node = device.running.child(f"interface {name}")
    if node:
        for child in node.children:
            words = child.text.split()
            if words[:2] == ["vrf", "forwarding"] or words[:3] == ["ip", "vrf", "forwarding"]:
                return words[-1]
    return None


def _addresses(device: LabDevice, name: str) -> list[ipaddress.IPv4Interface]:
    node = device.running.child(f"interface {name}")
    found = []
    for child in node.children if node else []:
        words = child.text.split()
        if words[:2] == ["ip", "address"] and len(words) >= 4:
            found.append(ipaddress.IPv4Interface(f"{words[2]}/{words[3]}"))
    return found


def _static(words: list[str]) -> tuple[str | None, list[str]] | None:
    """(vrf, rest) of an ``ip route`` line."""
    if words[:2] != ["ip", "route"]:
        return None
    if len(words) > 3 and words[2] == "vrf":
        return words[3], words[4:]
    return None, words[2:]


def rib(device: LabDevice, vrf: str | None = None) -> list[IosRoute]:
    """Installed routes of one table, sorted as IOS prints them."""
    routes: dict[tuple[ipaddress.IPv4Network, str], IosRoute] = {}
    connected: list[tuple[ipaddress.IPv4Network, str]] = []
    for name in interface_names(device):
        if interface_vrf(device, name) != vrf or not interface_state(device, name)[1]:
            continue
        for addr in _addresses(device, name):
            routes[(addr.network, "C")] = IosRoute(addr.network, "C", None, name)
            connected.append((addr.network, name))
            if addr.network.prefixlen < 32:
                host = ipaddress.IPv4Network(f"{addr.ip}/32")
                routes[(host, "L")] = IosRoute(host, "L", None, name)
    for node in device.running.children:
        parsed = _static(node.text.split())
        if parsed is None or parsed[0] != vrf or len(parsed[1]) < 3:
            continue
        rest = parsed[1]
        try:
            net = ipaddress.IPv4Network(f"{rest[0]}/{rest[1]}")
        except ValueError:
            continue
        target, extra = rest[2], rest[3:]
        distance = next((int(w) for w in extra if w.isdigit()), 1)
        hop: str | None
        if target[0].isdigit():
            hop, via = target, None
            if not any(ipaddress.IPv4Address(hop) in c for c, _ in connected):
                continue
        else:
            hop, via = None, target
            if not target.startswith("Null") and not interface_state(device, target)[1]:
                continue
        if (net, "C") not in routes:
            routes[(net, "S")] = IosRoute(net, "S", hop, via, distance, 0)
    return sorted(
        routes.values(), key=lambda r: (int(r.network.network_address), r.network.prefixlen)
    )


def _classful(net: ipaddress.IPv4Network) -> ipaddress.IPv4Network:
    first = int(net.network_address) >> 24
    length = 8 if first < 128 else 16 if first < 192 else 24
    return ipaddress.IPv4Network(f"{net.network_address}/{length}", strict=False)


def _code(route: IosRoute) -> str:
    return "S*" if route.code == "S" and route.network == DEFAULT else route.code


def _entry(route: IosRoute, shown: str, width: int) -> str:
    head = f"{_code(route):<{width}}{shown}"
    if route.next_hop:
        return f"{head} [{route.distance}/{route.metric}] via {route.next_hop}"
    return f"{head} is directly connected, {route.interface}"


def gateway_line(routes: list[IosRoute]) -> str:
    """``Gateway of last resort is ...``."""
    default = next((r for r in routes if r.network == DEFAULT), None)
    if default is None:
        return "Gateway of last resort is not set"
    return f"Gateway of last resort is {default.next_hop or '0.0.0.0'} to network 0.0.0.0"


def show_ip_route(device: LabDevice, vrf: str | None = None) -> str:
    """``show ip route [vrf X]``."""
    routes = rib(device, vrf)
    out = [f"\nRouting Table: {vrf}"] if vrf else []
    out += [CODES_LEGEND, gateway_line(routes), ""]
    groups: dict[ipaddress.IPv4Network, list[IosRoute]] = {}
    for route in routes:
        major = _classful(route.network)
        if route.network.prefixlen <= major.prefixlen:
            out.append(_entry(route, str(route.network), 6))
            continue
        groups.setdefault(major, [])
        if not groups[major]:
            out.append(f"@{major}")  # placeholder replaced below
        groups[major].append(route)
    lines: list[str] = []
    for line in out:
        if not line.startswith("@"):
            lines.append(line)
            continue
        major = ipaddress.IPv4Network(line[1:])
        members = groups[major]
        masks = sorted({r.network.prefixlen for r in members})
        if len(masks) > 1:
            lines.append(
                f"      {major} is variably subnetted, {len(members)} subnets, {len(masks)} masks"
            )
            lines += [_entry(r, str(r.network), 9) for r in members]
        else:
            lines.append(
                f"      {major.network_address}/{masks[0]} is subnetted, {len(members)} subnets"
            )
            lines += [_entry(r, str(r.network.network_address), 9) for r in members]
    return "\n".join(lines) + "\n"


def lookup(device: LabDevice, address: str, mask: str | None, vrf: str | None = None) -> str:
    """``show ip route [vrf X] A [M]``: the routing entry IOS prints for a prefix or address."""
    routes = rib(device, vrf)
    found: IosRoute | None = None
    if mask is not None:
        try:
            net = ipaddress.IPv4Network(f"{address}/{mask}")
        except ValueError:
            return "%Inconsistent address and mask\n"
        found = next((r for r in routes if r.network == net), None)
        if found is None:
            return "% Network not in table\n" if net.prefixlen <= 16 else "% Subnet not in table\n"
    else:
        ip = ipaddress.IPv4Address(address)
        matching = [r for r in routes if ip in r.network]
        if not matching:
            return "% Network not in table\n"
        found = max(matching, key=lambda r: r.network.prefixlen)
    net = found.network
    supernet = ", supernet" if net.prefixlen < _classful(net).prefixlen else ""
    lines = [f"Routing entry for {net}{supernet}"]
    if found.code == "S":
        default = ", candidate default path" if net == DEFAULT else ""
        lines.append(
            f'  Known via "static", distance {found.distance}, metric {found.metric}{default}'
        )
    else:
        how = " (connected, via interface)" if found.code == "C" else " (connected)"
        lines.append(f'  Known via "connected", distance 0, metric 0{how}')
    if vrf:
        lines.append(f"  Routing Table: {vrf}")
    lines.append("  Routing Descriptor Blocks:")
    if found.next_hop:
        lines.append(f"  * {found.next_hop}")
    elif found.code == "S":
        lines.append(f"  * directly connected, via {found.interface}")
    else:
        lines.append(f"  * directly connected, via {found.interface}")
    lines.append(f"      Route metric is {found.metric}, traffic share count is 1")
    return "\n".join(lines) + "\n"
