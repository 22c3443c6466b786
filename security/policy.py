"""The four invariants of the extranet (DOMAIN.md §1) on a network model.

1. ``single-egress``: exactly one node holds the egress role; only it has an
   ISP-facing interface, NAT outbound or a default route to a non-extranet next
   hop; every other default route (in every VRF) leads towards the egress.
2. ``zone-isolation``: no interface, static route or route target joins two
   zones or department VPNs (the egress firewall's own routing excepted).
3. ``intranet-air-gap``: no link, shared subnet or route between intranet
   nodes or blocks and anything else.
4. ``unified-management``: vty logins, SNMP, syslog and NTP only with the city
   management subnet.

:func:`check_network` gives every violation of a :class:`NetworkModel`;
:func:`check_change` is the provisioning gate: the model after proposed
configurations replace some devices' ones, and what the change introduces.
Per-device results are cached on the model, so a change re-checks only the
devices it touches plus the network-wide relations (egress count, route
targets, shared subnets, default-route paths).
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .model import Acl, Device, Src, parse_device
from .network import EGRESS_ROLE, NetworkContext
from .redact import redact

INVARIANTS: dict[str, str] = {
    "single-egress": "exactly one unified internet egress",
    "zone-isolation": "zones and department VPNs are separate routing domains",
    "intranet-air-gap": "the government intranet is physically isolated",
    "unified-management": "management only from the city management subnet",
}
_ORDER = {name: i for i, name in enumerate(INVARIANTS)}


@dataclass(frozen=True, slots=True)
class Evidence:
    """A configuration line (1-based, secrets masked) of a device's file."""

    source: str
    line: int
    text: str

    @classmethod
    def of(cls, device: Device, src: Src) -> Evidence:
        return cls(device.source, src.line, redact(src.text))


@dataclass(frozen=True, slots=True)
class Violation:
    invariant: str
    device: str | None
    why: str
    lines: tuple[Evidence, ...] = ()
    observations: tuple[str, ...] = ()

    def sort_key(self) -> tuple[Any, ...]:
        first = self.lines[0].line if self.lines else 0
        return (_ORDER[self.invariant], self.device or "", first, self.why)

    def signature(self) -> tuple[str, str | None, str]:
        """What identifies the violation across line renumbering (the change gate)."""
        return (self.invariant, self.device, self.why)

    def to_dict(self) -> dict[str, Any]:
        return {
            "invariant": self.invariant,
            "device": self.device,
            "why": self.why,
            "lines": [{"file": e.source, "line": e.line, "text": e.text} for e in self.lines],
            "observations": list(self.observations),
        }


@dataclass(frozen=True)
class Verdict:
    """Every violation (sorted, deterministic); for a change also what it introduces."""

    violations: tuple[Violation, ...]
    introduced: tuple[Violation, ...] = ()
    devices: int = 0

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def allowed(self) -> bool:
        """The gate's answer: the change introduces no violation."""
        return not self.introduced

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "devices": self.devices,
            "violations": [v.to_dict() for v in self.violations],
            "introduced": [v.to_dict() for v in self.introduced],
        }


@dataclass
class NetworkModel:
    """Device models by name, with the context they are judged in."""

    context: NetworkContext
    devices: dict[str, Device] = field(default_factory=dict)
    _local: dict[str, tuple[int, tuple[Violation, ...]]] = field(default_factory=dict, repr=False)

    def with_devices(self, changed: Mapping[str, Device]) -> NetworkModel:
        """A copy with some devices replaced (the per-device cache is shared)."""
        devices = dict(self.devices)
        devices.update(changed)
        return NetworkModel(self.context, devices, self._local)


def build_model(
    configs: Mapping[str, str], context: NetworkContext, platforms: Mapping[str, str] | None = None
) -> NetworkModel:
    """Parse ``configs`` (device name -> text); platform from ``platforms``, the context or the text."""
    model = NetworkModel(context)
    for name, text in configs.items():
        platform = (platforms or {}).get(name) or context.node(name).platform
        model.devices[name] = parse_device(text, platform, name=name)
    return model


# -- per-device checks ---------------------------------------------------------------------
def _ev(device: Device, *srcs: Src | None) -> tuple[Evidence, ...]:
    return tuple(Evidence.of(device, s) for s in dict.fromkeys(srcs) if s is not None)


def _single_egress_local(d: Device, ctx: NetworkContext) -> Iterable[Violation]:
    if ctx.node(d.name).role == EGRESS_ROLE:
        return
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
    d: Device, ctx: NetworkContext, default_protocols: tuple[str, ...]
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
    from .syntax import SYNTAXES

    defaults = SYNTAXES[d.platform].vty_default_protocols
    if ctx.node(d.name).network == "internet":
        return ()
    found = [
        *_single_egress_local(d, ctx),
        *_zone_isolation_local(d, ctx),
        *_air_gap_local(d, ctx),
        *_management_local(d, ctx, defaults),
    ]
    return tuple(found)


# -- network-wide checks ----------------------------------------------------------------
def _egress_count(model: NetworkModel) -> Iterable[Violation]:
    ctx = model.context
    if not ctx.nodes:
        return
    egress = ctx.egress_nodes()
    if len(egress) != 1:
        yield Violation(
            "single-egress",
            None,
            f"exactly one node must hold the {EGRESS_ROLE} role; found {len(egress)}"
            + (f": {', '.join(egress)}" if egress else ""),
        )


def _links(model: NetworkModel) -> Iterable[Violation]:
    ctx = model.context
    egress = set(ctx.egress_nodes())
    for link in ctx.links:
        a, b = ctx.node(link.a), ctx.node(link.b)
        label = f"{link.a}:{link.a_interface} -- {link.b}:{link.b_interface}"
        if (a.network == "intranet") != (b.network == "intranet"):
            yield Violation(
                "intranet-air-gap",
                link.a if a.network == "intranet" else link.b,
                f"inventory link {label} joins an intranet node to a {b.network if a.network == 'intranet' else a.network} node",
                observations=(f"link {label} ({link.kind})",),
            )
        if link.kind == "isp" and not ({link.a, link.b} & egress):
            yield Violation(
                "single-egress",
                link.a,
                f"inventory ISP link {label} is not on the unified egress",
                observations=(f"link {label} ({link.kind})",),
            )


def _route_targets(model: NetworkModel) -> Iterable[Violation]:
    ctx = model.context
    owners: dict[str, set[str]] = defaultdict(set)
    declared = bool(ctx.zones)
    if declared:
        for zone in ctx.zones.values():
            for value in zone.targets:
                owners[value].add(zone.code)
    else:
        for d in model.devices.values():
            for vrf in d.vrfs.values():
                for export in vrf.exports():
                    owners[export.value].add(vrf.name)
    for name in sorted(model.devices):
        d = model.devices[name]
        for vrf in d.vrfs.values():
            for rt in vrf.targets:
                others = sorted(owners.get(rt.value, set()) - {vrf.name})
                if not others or (rt.direction == "export" and not declared):
                    continue
                if rt.direction == "export" and vrf.name not in ctx.zones:
                    continue
                verb = "imports" if rt.direction == "import" else "exports with"
                yield Violation(
                    "zone-isolation",
                    name,
                    f"vpn-instance/VRF {vrf.name} {verb} route target {rt.value} of"
                    f" {', '.join(others)}: it joins two zones",
                    _ev(d, vrf.src, rt.src),
                )


def _shared_subnets(model: NetworkModel) -> Iterable[Violation]:
    ctx = model.context
    members: dict[ipaddress.IPv4Network, list[tuple[str, str, str | None, Src]]] = defaultdict(list)
    for name, d in model.devices.items():
        for iface, addr, src in d.addresses():
            if addr.network.prefixlen < 32:
                members[addr.network].append((name, iface.name, iface.vrf, src))
    for net in sorted(members):
        ends = members[net]
        if len(ends) < 2:
            continue
        ends.sort()
        networks = {ctx.node(e[0]).network for e in ends}
        if "intranet" in networks and len(networks) > 1:
            inside = [e for e in ends if ctx.node(e[0]).network == "intranet"]
            yield Violation(
                "intranet-air-gap",
                inside[0][0],
                f"subnet {net} joins intranet and non-intranet nodes: "
                + ", ".join(f"{e[0]}:{e[1]}" for e in ends),
                tuple(Evidence.of(model.devices[e[0]], e[3]) for e in ends),
            )
        vrfs = sorted({e[2] for e in ends if e[2]})
        if len(vrfs) > 1 and not any(ctx.node(e[0]).role == EGRESS_ROLE for e in ends):
            yield Violation(
                "zone-isolation",
                ends[0][0],
                f"subnet {net} joins vpn-instances/VRFs {', '.join(vrfs)}: "
                + ", ".join(f"{e[0]}:{e[1]} ({e[2] or 'global'})" for e in ends),
                tuple(Evidence.of(model.devices[e[0]], e[3]) for e in ends),
            )


def _towards_egress(model: NetworkModel) -> Iterable[Violation]:
    """Every default route's next hop is the neighbour on the tree path to the egress."""
    ctx = model.context
    egress = ctx.egress_nodes()
    if len(egress) != 1:
        return
    path_up = [egress[0], *ctx.ancestors(egress[0])]  # egress, its parent, ... top
    owner: dict[ipaddress.IPv4Address, str] = {}
    for name, d in model.devices.items():
        for _iface, addr, _src in d.addresses():
            owner[addr.ip] = name
    for name in sorted(model.devices):
        if name == egress[0] or ctx.node(name).network != "extranet":
            continue
        if name in path_up:
            expected = path_up[path_up.index(name) - 1]
        else:
            expected = ctx.node(name).parent or ""
        if not expected:
            continue
        d = model.devices[name]
        for route in d.default_routes():
            hop = owner.get(route.next_hop) if route.next_hop is not None else None
            if hop is None or hop == expected:
                continue
            yield Violation(
                "single-egress",
                name,
                f"default route to {route.next_hop} ({hop}) leads away from the unified egress"
                f" {egress[0]}: the next hop towards it is {expected}",
                _ev(d, route.src),
            )


def check_network(model: NetworkModel) -> Verdict:
    """Every violation of the four invariants in ``model``, sorted."""
    found: list[Violation] = []
    ctx = model.context
    for name, d in model.devices.items():
        cached = model._local.get(name)
        if cached is None or cached[0] != id(d):
            cached = (id(d), device_violations(d, ctx))
            model._local[name] = cached
        found.extend(cached[1])
    found += _egress_count(model)
    found += _links(model)
    found += _route_targets(model)
    found += _shared_subnets(model)
    found += _towards_egress(model)
    return Verdict(tuple(sorted(found, key=Violation.sort_key)), devices=len(model.devices))


def check_change(
    model_before: NetworkModel, proposed_configs: Mapping[str, str | Device]
) -> Verdict:
    """The gate: check the model after ``proposed_configs`` (device -> full post-change text).

    ``Verdict.violations`` are those of the post-change network, ``introduced``
    those the change adds (compared by invariant, device and reason, so moved
    lines do not count); :attr:`Verdict.allowed` is the gate's answer.
    """
    changed: dict[str, Device] = {}
    for name, proposed in proposed_configs.items():
        if isinstance(proposed, Device):
            changed[name] = proposed
            continue
        before = model_before.devices.get(name)
        platform = before.platform if before else model_before.context.node(name).platform
        changed[name] = parse_device(proposed, platform, name=name, source=f"{name} (proposed)")
    before_verdict = check_network(model_before)
    after = check_network(model_before.with_devices(changed))
    seen = {v.signature() for v in before_verdict.violations}
    introduced = tuple(v for v in after.violations if v.signature() not in seen)
    return Verdict(after.violations, introduced, after.devices)
