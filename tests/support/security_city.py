"""Clean device configurations for a seeded inventory, as each platform prints them.

Used by the security tests and ``bench/bench_policy.py``: a network that obeys
the four invariants and passes the 等保 baseline, so a violation written into
one line of one file is the only thing a check may report.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from inventory.platforms import PLATFORMS
from inventory.seed import build_city, example_divisions
from inventory.settings import IpamSettings
from security.network import NetworkContext, context_from_state

INTRANET_BLOCK = ipaddress.IPv4Network("10.200.0.0/16")
ISP_NET = ipaddress.IPv4Network("203.0.113.0/30")


@dataclass
class Spec:
    """What a device's configuration holds."""

    code: str
    platform: str
    role: str
    mgmt: ipaddress.IPv4Network
    interfaces: list[tuple[str, str, str | None]] = field(default_factory=list)  # name, a/len, vrf
    vrfs: list[tuple[str, str, str]] = field(default_factory=list)  # name, rd, rt
    routes: list[tuple[str | None, str, str]] = field(default_factory=list)  # vrf, prefix/len, nh
    nat_interface: str | None = None


def _dotted(prefix: str) -> tuple[str, str, int]:
    iface = ipaddress.IPv4Interface(prefix)
    return str(iface.ip), str(iface.netmask), iface.network.prefixlen


def _hosts(mgmt: ipaddress.IPv4Network) -> tuple[str, str, str, str]:
    """syslog, NTP, network, wildcard of the management subnet."""
    base = mgmt.network_address
    return str(base + 11), str(base + 12), str(base), str(mgmt.hostmask)


def huawei(spec: Spec, v8: bool) -> str:
    syslog, ntp, mnet, wild = _hosts(spec.mgmt)
    head = "!Software Version V800R021C00SPC100" if v8 else "[V200R010C00SPC600]"
    out = [head, "#", f"sysname {spec.code}", "#"]
    for name, rd, rt in spec.vrfs:
        out += [
            f"ip vpn-instance {name}",
            " ipv4-family",
            f"  route-distinguisher {rd}",
            f"  vpn-target {rt} export-extcommunity",
            f"  vpn-target {rt} import-extcommunity",
            "#",
        ]
    out += [
        "acl number 2000",
        f" rule 5 permit source {spec.mgmt.supernet(new_prefix=8).network_address} 0.255.255.255",
        "#",
        "acl number 2001",
        f" rule 5 permit source {mnet} {wild}",
        "#",
        "aaa",
        " local-user netops password irreversible-cipher $1c$Xh3W$kq0P1$",
        " local-user netops privilege level 15",
        " local-user netops service-type ssh",
        " local-aaa-user wrong-password retry-interval 5 retry-time 3 block-time 30",
        "#",
    ]
    for name, address, vrf in spec.interfaces:
        out.append(f"interface {name}")
        if vrf:
            out.append(f" ip binding vpn-instance {vrf}")
        ip, mask, _ = _dotted(address)
        out.append(f" ip address {ip} {mask}")
        if name == spec.nat_interface:
            out.append(" nat outbound 2000")
        out.append("#")
    for vrf, prefix, nh in spec.routes:
        ip, mask, _ = _dotted(prefix)
        table = f"vpn-instance {vrf} " if vrf else ""
        out.append(f"ip route-static {table}{ip} {mask} {nh}")
    out += [
        "#",
        "snmp-agent",
        "snmp-agent sys-info version v3",
        "snmp-agent group v3 NMS privacy acl 2001",
    ]
    if v8:  # CE prints the v3 user over four lines
        out += [
            "snmp-agent usm-user v3 nms",
            "snmp-agent usm-user v3 nms group NMS",
            "snmp-agent usm-user v3 nms authentication-mode sha cipher %^%#a1b2%^%#",
            "snmp-agent usm-user v3 nms privacy-mode aes128 cipher %^%#c3d4%^%#",
            "snmp-agent usm-user v3 nms acl 2001",
        ]
    else:
        out.append(
            "snmp-agent usm-user v3 nms NMS authentication-mode sha cipher %^%#a1b2%^%#"
            " privacy-mode aes128 cipher %^%#c3d4%^%# acl 2001"
        )
    out += [
        "#",
        "stelnet server enable",
        *(["telnet server disable"] if v8 else []),
        "#",
        f"info-center loghost {syslog}",
        f"{'ntp' if v8 else 'ntp-service'} unicast-server {ntp}",
        "#",
        'header login information "Authorized access only"',
        "#",
    ]
    if spec.role == "egress-firewall":
        out += [
            "security-policy",
            " rule name extranet-to-internet",
            "  source-zone trust",
            "  destination-zone untrust",
            "  action permit",
            "  policy logging",
            " rule name deny-all",
            "  action deny",
            "  policy logging",
            "#",
        ]
    out += [
        "user-interface vty 0 4",
        " authentication-mode aaa",
        " protocol inbound ssh",
        " idle-timeout 10 0",
        " acl 2001 inbound",
        "#",
        "return",
    ]
    return "\n".join(out) + "\n"


def comware(spec: Spec) -> str:
    syslog, ntp, mnet, wild = _hosts(spec.mgmt)
    out = ["#", " version 7.1.064, Release 0427P22", "#", f" sysname {spec.code}", "#"]
    out += [
        " password-control enable",
        " password-control login-attempt 3 exceed lock-time 30",
        "#",
    ]
    for name, rd, rt in spec.vrfs:
        out += [
            f"ip vpn-instance {name}",
            f" route-distinguisher {rd}",
            f" vpn-target {rt} import-extcommunity",
            f" vpn-target {rt} export-extcommunity",
            "#",
        ]
    for name, address, vrf in spec.interfaces:
        out.append(f"interface {name}")
        if not name.startswith(("LoopBack", "Vlan-interface")):
            out.append(" port link-mode route")
        if vrf:
            out.append(f" ip binding vpn-instance {vrf}")
        ip, mask, _ = _dotted(address)
        out.append(f" ip address {ip} {mask}")
        if name == spec.nat_interface:
            out.append(" nat outbound 2000")
        out.append("#")
    for vrf, prefix, nh in spec.routes:
        ip, _, length = _dotted(prefix)
        table = f"vpn-instance {vrf} " if vrf else ""
        out.append(f" ip route-static {table}{ip} {length} {nh}")
    out += [
        "#",
        "acl basic 2000",
        f" rule 5 permit source {spec.mgmt.supernet(new_prefix=8).network_address} 0.255.255.255",
        "#",
        "acl basic 2001",
        f" rule 5 permit source {mnet} {wild}",
        "#",
        " ssh server enable",
        " ssh server acl 2001",
        "#",
        " snmp-agent",
        " snmp-agent sys-info version v3",
        " snmp-agent group v3 NMS privacy acl 2001",
        " snmp-agent usm-user v3 nms NMS cipher authentication-mode sha $c$3$a1b2"
        " privacy-mode aes128 $c$3$c3d4 acl 2001",
        "#",
        f" info-center loghost {syslog}",
        "#",
        " ntp-service enable",
        f" ntp-service unicast-server {ntp}",
        "#",
        " header login %Authorized access only%",
        "#",
    ]
    if spec.role == "egress-firewall":
        out += [
            "security-policy ip",
            " rule 0 name extranet-to-internet",
            "  action pass",
            "  logging enable",
            " rule 100 name deny-all",
            "  action drop",
            "  logging enable",
            "#",
        ]
    out += [
        "line vty 0 63",
        " authentication-mode scheme",
        " protocol inbound ssh",
        " idle-timeout 10 0",
        "#",
        "local-user netops class manage",
        " password hash $h$6$Zk9w$Q2Fq",
        " service-type ssh",
        " authorization-attribute user-role network-admin",
        "#",
        "return",
    ]
    return "\n".join(out) + "\n"


def ios(spec: Spec) -> str:
    syslog, ntp, mnet, wild = _hosts(spec.mgmt)
    out = [
        "Building configuration...",
        "",
        "Current configuration : 4096 bytes",
        "!",
        "version 15.2",
        "service password-encryption",
        "!",
        f"hostname {spec.code}",
        "!",
        "enable secret 9 $9$Zk9w$Q2Fq",
        "!",
        "aaa new-model",
        "aaa local authentication attempts max-fail 3",
        "login block-for 1800 attempts 3 within 60",
        "!",
    ]
    for name, rd, rt in spec.vrfs:
        out += [
            f"vrf definition {name}",
            f" rd {rd}",
            " address-family ipv4",
            f"  route-target export {rt}",
            f"  route-target import {rt}",
            " exit-address-family",
            "!",
        ]
    out += ["username netops privilege 15 secret 9 $9$Zk9w$Q2Fq", "!", "ip ssh version 2", "!"]
    for name, address, vrf in spec.interfaces:
        out.append(f"interface {name}")
        if vrf:
            out.append(f" vrf forwarding {vrf}")
        ip, mask, _ = _dotted(address)
        out.append(f" ip address {ip} {mask}")
        if name == spec.nat_interface:
            out.append(" ip nat outside")
        out.append("!")
    out += ["no ip http server", "no ip http secure-server", "!"]
    if spec.nat_interface:
        out.append(f"ip nat inside source list 2000 interface {spec.nat_interface} overload")
    for vrf, prefix, nh in spec.routes:
        ip, mask, _ = _dotted(prefix)
        table = f"vrf {vrf} " if vrf else ""
        out.append(f"ip route {table}{ip} {mask} {nh}")
    out += [
        "!",
        f"access-list 10 permit {mnet} {wild}",
        "access-list 10 deny   any log",
        "!",
        "snmp-server group NMS v3 priv access 10",
        f"logging host {syslog}",
        "!",
        "banner login ^C",
        "Authorized access only",
        "^C",
        "!",
    ]
    if spec.role == "egress-firewall":
        out += [
            "policy-map type inspect EXTRANET-TO-INTERNET",
            " class type inspect EXTRANET",
            "  inspect",
            " class class-default",
            "  drop log",
            "!",
        ]
    out += [
        "line vty 0 4",
        " access-class 10 in",
        " exec-timeout 10 0",
        " login authentication default",
        " transport input ssh",
        "!",
        f"ntp server {ntp}",
        "end",
    ]
    return "\n".join(out) + "\n"


def render(spec: Spec) -> str:
    """The clean configuration of ``spec`` in its platform's syntax."""
    if spec.platform == "h3c_comware7":
        return comware(spec)
    if spec.platform == "cisco_ios":
        return ios(spec)
    return huawei(spec, spec.platform == "huawei_vrp8")


def city_specs(state: Mapping[str, Mapping[str, Any]], ipam: IpamSettings) -> dict[str, Spec]:
    """A Spec per extranet and intranet node with a platform."""
    nodes = state["nodes"]
    p2p: dict[str, str] = {}
    subnets: dict[str, str] = {}
    loopbacks: dict[str, str] = {}
    for rec in state["prefixes"].values():
        if rec.role == "p2p" and rec.link:
            p2p[rec.link] = rec.prefix
        elif rec.role == "subnet" and rec.node:
            subnets[rec.node] = rec.prefix
        elif rec.role == "loopback" and rec.node:
            loopbacks[rec.node] = rec.prefix
    public = state["zones"].get("ZW-GGQ")
    specs: dict[str, Spec] = {}
    for rec in nodes.values():
        if rec.platform and rec.network in ("extranet", "intranet"):
            specs[rec.code] = Spec(rec.code, rec.platform, rec.role, ipam.management_subnet)
    intranet_nets = INTRANET_BLOCK.subnets(new_prefix=30)
    parent_address: dict[str, str] = {}
    for key, link in state["links"].items():
        a, b = specs.get(link.a_node), specs.get(link.b_node)
        if link.kind == "isp" and a is not None:
            net = ISP_NET
            a.interfaces.append(
                (link.a_interface, f"{net.network_address + 2}/{net.prefixlen}", None)
            )
            a.nat_interface = link.a_interface
            a.routes.append((None, "0.0.0.0/0", str(net.network_address + 1)))
            continue
        if link.kind == "intranet":
            net = next(intranet_nets)
        elif key in p2p:
            net = ipaddress.IPv4Network(p2p[key])
        else:
            continue
        hosts = list(net.hosts())
        if a is not None:
            a.interfaces.append((link.a_interface, f"{hosts[0]}/{net.prefixlen}", None))
        if b is not None:
            b.interfaces.append((link.b_interface, f"{hosts[1]}/{net.prefixlen}", None))
        parent_address[link.a_node] = str(hosts[1])
        if (
            nodes[link.b_node].role == "egress-firewall"
            or nodes[link.a_node].role == "egress-firewall"
        ):
            # the core's default route leads to the egress, its child
            egress, core = (
                (link.a_node, link.b_node)
                if nodes[link.a_node].role == "egress-firewall"
                else (link.b_node, link.a_node)
            )
            if core in specs:
                host = hosts[0] if egress == link.a_node else hosts[1]
                specs[core].routes.append((None, "0.0.0.0/0", str(host)))
    for code, spec in specs.items():
        facts = PLATFORMS[spec.platform]
        if code in loopbacks:
            spec.interfaces.append((facts.loopback, loopbacks[code], None))
        if code in subnets:
            net = ipaddress.IPv4Network(subnets[code])
            vrf = "ZW-GGQ" if spec.role in ("aggregation", "township-router", "core") else None
            spec.interfaces.append(
                (facts.svi.format(n=100), f"{net.network_address + 1}/{net.prefixlen}", vrf)
            )
            if vrf and public is not None and not spec.vrfs:
                spec.vrfs.append((vrf, public.rd or "65001:100", public.export_targets[0]))
        if (
            spec.role in ("aggregation", "township-router", "core")
            and public is not None
            and not spec.vrfs
        ):
            spec.vrfs.append(("ZW-GGQ", public.rd or "65001:100", public.export_targets[0]))
        is_top = nodes[code].parent is None or spec.role == "egress-firewall"
        if code in parent_address and not is_top and nodes[code].network == "extranet":
            spec.routes.append((None, "0.0.0.0/0", parent_address[code]))
    return specs


@dataclass
class City:
    configs: dict[str, str]
    context: NetworkContext
    specs: dict[str, Spec]


def city(divisions: Any = None, villages_per_township: int = 2) -> City:
    """A whole clean city (the built-in example divisions unless given)."""
    ipam = IpamSettings()
    parsed = build_city(divisions or example_divisions(), ipam, villages_per_township)
    specs = city_specs(parsed.state, ipam)
    context = context_from_state(parsed.state, ipam, intranet_blocks=(INTRANET_BLOCK,))
    return City({code: render(s) for code, s in specs.items()}, context, specs)


def by_role(specs: Mapping[str, Spec]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for code, s in sorted(specs.items()):
        out[s.role].append(code)
    return out


def network_yaml(c: City, files: Mapping[str, str] | None = None) -> dict[str, Any]:
    """NETWORK.yaml content for the city's configuration files (``code.cfg``)."""
    files = files or {code: f"{code}.cfg" for code in c.configs}
    ctx = c.context
    devices: dict[str, Any] = {}
    for code, file in files.items():
        node = ctx.node(code)
        entry: dict[str, Any] = {"role": node.role}
        if node.network != "extranet":
            entry["network"] = node.network
        if node.parent and node.parent in files:
            entry["parent"] = files[node.parent]
        if node.department:
            entry["department"] = node.department
        if code != file.rsplit(".", 1)[0]:
            entry["name"] = code
        devices[file] = entry
    return {
        "city_block": str(ctx.city_block),
        "management_subnet": str(ctx.management),
        "extranet_blocks": [str(b) for b in ctx.extranet_blocks],
        "intranet_blocks": [str(b) for b in ctx.intranet_blocks],
        "level": 3,
        "zones": {z.code: {"kind": z.kind, "targets": list(z.targets)} for z in ctx.zones.values()},
        "devices": devices,
    }
