"""The invariants as one configuration shows them on its own (cached per device).

Network-wide relations (egress count, links, route targets, shared subnets,
default-route paths) are in :mod:`security.policy`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from .model import Acl, Device, Src
from .network import EGRESS_ROLE, NetworkContext
from .syntax import SYNTAXES
from .violations import Evidence, Violation


# -- per-device checks ---------------------------------------------------------------------
def _ev(device: Device, *srcs: Src | None) -> tuple[Evidence, ...]:
    return tuple(Evidence.of(device, s) for s in dict.fromkeys(srcs) if s is not None)


def _single_egress_local(d: Device, ctx: NetworkContext) -> Iterable[Violation]:
    node = ctx.node(d.name)
    if node.role == EGRESS_ROLE or node.network != "extranet":
        return  # the intranet is judged by its air gap
    inv = "single-egress"
    for iface in d.interfaces.values():
        for nat in iface.nat_outbound:
            yield Violation(
                inv,
                d.name,
                f"NAT outbound on {iface.name}: only the unified egress translates to the internet",
                _ev(d, iface.src, nat.src),
            )
        for addr, src in iface.addresses:
            if not ctx.in_extranet(addr.network) and not ctx.in_intranet(addr.network):
                yield Violation(
                    inv,
                    d.name,
                    f"{iface.name} is addressed {addr} outside the extranet blocks: an ISP-facing"
                    " interface off the unified egress",
                    _ev(d, iface.src, src),
                )
    for route in d.default_routes():
        table = f"vpn-instance/VRF {route.vrf}" if route.vrf else "the global table"
        if route.next_hop is not None and not ctx.in_extranet(route.next_hop):
            if ctx.in_intranet(route.next_hop):
                continue  # reported as an intranet route
            yield Violation(
                inv,
                d.name,
                f"default route in {table} to {route.next_hop}, a non-extranet next hop:"
                " a local internet breakout",
                _ev(d, route.src),
            )
        elif (
            route.next_hop is None
            and route.interface
            and not route.interface.upper().startswith("NULL")
        ):
            out = d.interfaces.get(route.interface)
            if out is None or not any(ctx.in_extranet(a.network) for a, _ in out.addresses):
                yield Violation(
                    inv,
                    d.name,
                    f"default route in {table} out of {route.interface}, which is not an"
                    " extranet link: it cannot lead towards the unified egress",
                    _ev(d, route.src),
                )


def _zone_isolation_local(d: Device, ctx: NetworkContext) -> Iterable[Violation]:
    if ctx.node(d.name).role == EGRESS_ROLE:
        return  # the egress firewall routes between zones under its explicit policy
    for route in d.routes:
        if route.next_hop_vrf is None or route.next_hop_vrf == (route.vrf or ""):
            continue
        here = route.vrf or "the global table"
        there = route.next_hop_vrf or "the global table"
        yield Violation(
            "zone-isolation",
            d.name,
            f"static route {route.prefix} in {here} resolves its next hop in {there}:"
            " it joins two routing domains",
            _ev(d, route.src),
        )


def _air_gap_local(d: Device, ctx: NetworkContext) -> Iterable[Violation]:
    inv = "intranet-air-gap"
    intranet = ctx.node(d.name).network == "intranet"
    for iface in d.interfaces.values():
        for addr, src in iface.addresses:
            if intranet and ctx.in_extranet(addr.network):
                yield Violation(
                    inv,
                    d.name,
                    f"intranet node has {iface.name} addressed {addr} in the extranet blocks",
                    _ev(d, iface.src, src),
                )
            elif not intranet and ctx.in_intranet(addr.network):
                yield Violation(
                    inv,
                    d.name,
                    f"{iface.name} is addressed {addr} in an intranet block: a link into the"
                    " government intranet",
                    _ev(d, iface.src, src),
                )
    if intranet:
        return
    for route in d.routes:
        if (route.next_hop is not None and ctx.in_intranet(route.next_hop)) or (
            route.prefix.prefixlen > 0 and ctx.in_intranet(route.prefix)
        ):
            yield Violation(
                inv,
                d.name,
                f"static route {route.prefix} via {route.next_hop or route.interface} reaches an"
                " intranet block",
                _ev(d, route.src),
            )


def acl_permits_outside(acl: Acl, allowed: ipaddress.IPv4Network) -> list[Src]:
    """Lines of permit rules that let in sources outside ``allowed`` (earlier denies honoured)."""
    out: list[Src] = []
    denied: list[ipaddress.IPv4Network] = []
    for rule in acl.rules:
        source = rule.source or ipaddress.IPv4Network("0.0.0.0/0")
        if rule.action == "deny":
            denied.append(source)
            continue
        if source.subnet_of(allowed):
            continue
        if any(source.subnet_of(d) for d in denied):
            continue
        out.append(rule.src)
    return out


def _acl_problem(
    d: Device, ctx: NetworkContext, acl_name: str | None, what: str, at: Src, acl_src: Src | None
) -> Violation | None:
    inv = "unified-management"
    if acl_name is None:
        return Violation(
            inv,
            d.name,
            f"{what} is not restricted by an ACL: reachable from any address, not only the"
            f" management subnet {ctx.management}",
            _ev(d, at),
        )
    acl = d.acls.get(acl_name)
    if acl is None:
        return Violation(
            inv,
            d.name,
            f"{what} refers to ACL {acl_name}, which is not defined (the device then permits all)",
            _ev(d, at, acl_src),
        )
    bad = acl_permits_outside(acl, ctx.management)
    if bad:
        return Violation(
            inv,
            d.name,
            f"{what} uses ACL {acl_name}, which permits sources outside the management subnet"
            f" {ctx.management}",
            _ev(d, acl_src or at, acl.src, *bad),
        )
    return None


def _management_local(
    d: Device,
    ctx: NetworkContext,
    default_protocols: tuple[str, ...],
    users_in_config: bool = True,
) -> Iterable[Violation]:
    if ctx.node(d.name).network != "extranet":
        return
    m = d.management
    ssh_acl = m.ssh_acl
    for vty in m.vty:
        protocols = vty.protocols if vty.protocols is not None else default_protocols
        if not protocols:
            continue
        acl, acl_src = vty.acl, vty.acl_src
        if acl is None and ssh_acl is not None and protocols == ("ssh",):
            acl, acl_src = ssh_acl
        problem = _acl_problem(d, ctx, acl, f"vty login ({vty.src.text})", vty.src, acl_src)
        if problem:
            yield problem
    global_acl = m.snmp_acl
    groups = {g[0]: g for g in m.snmp_groups}
    for community in m.communities:
        acl = community.acl or (global_acl[0] if global_acl else None)
        problem = _acl_problem(
            d,
            ctx,
            acl,
            "SNMP community",
            community.src,
            community.src if community.acl else (global_acl[1] if global_acl else None),
        )
        if problem:
            yield problem
    for user in m.snmp_users:
        group_acl = None
        for srcline in user.srcs:
            words = srcline.text.split()
            for g in words[4:6]:
                if g in groups and groups[g][2]:
                    group_acl = groups[g]
        acl = (
            user.acl
            or (group_acl[2] if group_acl else None)
            or (global_acl[0] if global_acl else None)
        )
        acl_src = (
            user.srcs[0]
            if user.acl
            else group_acl[3]
            if group_acl
            else global_acl[1]
            if global_acl
            else None
        )
        problem = _acl_problem(d, ctx, acl, f"SNMPv3 user {user.name}", user.srcs[0], acl_src)
        if problem:
            yield problem
    if not users_in_config and not global_acl:
        # the users of a group are not in the text (IOS): a group without an ACL lets them
        # in from anywhere
        for name, _level, group_acl_name, group_src in m.snmp_groups:
            problem = _acl_problem(
                d, ctx, group_acl_name, f"SNMPv3 group {name}", group_src, group_src
            )
            if problem:
                yield problem
    for what, servers in (("syslog host", m.syslog), ("NTP server", m.ntp)):
        for address, src in servers:
            if address not in ctx.management:
                yield Violation(
                    "unified-management",
                    d.name,
                    f"{what} {address} is outside the management subnet {ctx.management}",
                    _ev(d, src),
                )


def device_violations(d: Device, ctx: NetworkContext) -> tuple[Violation, ...]:
    """Violations that one configuration shows on its own."""
    syntax = SYNTAXES[d.platform]
    defaults = syntax.vty_default_protocols
    if ctx.node(d.name).network == "internet":
        return ()
    found = [
        *_single_egress_local(d, ctx),
        *_zone_isolation_local(d, ctx),
        *_air_gap_local(d, ctx),
        *_management_local(d, ctx, defaults, syntax.snmp_users_in_config),
    ]
    return tuple(found)
