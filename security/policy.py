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

import gc
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .invariants import _ev, acl_permits_outside, device_violations
from .model import Device, Src, parse_device, paused_gc
from .network import EGRESS_ROLE, NetworkContext
from .violations import INVARIANTS, Evidence, Violation

__all__ = [
    "INVARIANTS",
    "Evidence",
    "NetworkModel",
    "Verdict",
    "Violation",
    "acl_permits_outside",
    "build_model",
    "check_change",
    "check_network",
]


CacheKey = tuple[str, str | None, int, str]


class DeviceCache(Protocol):
    """Parsed models by (name, platform, hash, text): a dict or a ``ModelCache``."""

    def get(self, key: CacheKey, /) -> Device | None: ...

    def __setitem__(self, key: CacheKey, device: Device, /) -> None: ...


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


@dataclass(frozen=True, slots=True)
class _Facts:
    """What one device contributes to the checks, computed once per Device object."""

    device_id: int
    local: tuple[Violation, ...]
    #: ((network int, prefix length), interface, vrf, line) of each non-/32 address
    subnets: tuple[tuple[tuple[int, int], str, str | None, Src], ...]
    addresses: tuple[int, ...]
    exports: tuple[tuple[str, str], ...]  # (route target, vrf)


def _facts(d: Device, ctx: NetworkContext) -> _Facts:
    subnets = []
    addresses = []
    for iface in d.interfaces.values():
        for addr, src in iface.addresses:
            addresses.append(int(addr.ip))
            length = addr.network.prefixlen
            if length < 32:
                key = (int(addr.ip) & (0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF, length)
                subnets.append((key, iface.name, iface.vrf, src))
    exports = tuple((t.value, v.name) for v in d.vrfs.values() for t in v.exports())
    return _Facts(id(d), device_violations(d, ctx), tuple(subnets), tuple(addresses), exports)


@dataclass
class NetworkModel:
    """Device models by name, with the context they are judged in.

    Per-device results are cached by Device object (``_facts``, shared by the
    copies :meth:`with_devices` makes), and the verdict by the set of Device objects.
    """

    context: NetworkContext
    devices: dict[str, Device] = field(default_factory=dict)
    _facts: dict[str, _Facts] = field(default_factory=dict, repr=False)
    _verdict: tuple[dict[str, int], Verdict] | None = field(default=None, repr=False)
    _relations: _Relations | None = field(default=None, repr=False)
    _parent: NetworkModel | None = field(default=None, repr=False)
    #: facts of the parent's devices that this copy replaced (for incremental checks)
    _old_facts: dict[str, _Facts] = field(default_factory=dict, repr=False)

    def with_devices(self, changed: Mapping[str, Device]) -> NetworkModel:
        """A copy with some devices replaced; checking it re-checks only those devices."""
        devices = dict(self.devices)
        devices.update(changed)
        if self._relations is None:
            check_network(self)
        old = {n: self.facts(n) for n in changed if n in self.devices}
        facts = {n: f for n, f in self._facts.items() if n not in changed}
        return NetworkModel(self.context, devices, facts, None, None, self, old)

    def facts(self, name: str) -> _Facts:
        d = self.devices[name]
        cached = self._facts.get(name)
        if cached is None or cached.device_id != id(d):
            cached = _facts(d, self.context)
            self._facts[name] = cached
        return cached


def build_model(
    configs: Mapping[str, str],
    context: NetworkContext,
    platforms: Mapping[str, str] | None = None,
    cache: DeviceCache | None = None,
    *,
    freeze: bool = False,
) -> NetworkModel:
    """Parse ``configs`` (device name -> text); platform from ``platforms``, the context or the text.

    ``cache`` (name, platform, hash, text) -> Device lets a re-check parse only changed texts:
    a dict in memory, or a :class:`security.modelcache.ModelCache` on disk.
    ``freeze`` collects the parse garbage once, then moves every live object out of the
    cyclic collector's sight (``gc.freeze``): a process that keeps a city's model (the
    CLI, the gate) then never pauses for a full rescan of it (measured: 1 s stalls).
    The models hold no reference cycles, so dropping one later still frees it.
    """
    model = NetworkModel(context)
    with paused_gc():
        for name, text in configs.items():
            platform = (platforms or {}).get(name) or context.node(name).platform
            key = (name, platform, hash(text), text)
            device = cache.get(key) if cache is not None else None
            if device is None:
                device = parse_device(text, platform, name=name)
                if cache is not None:
                    cache[key] = device
            model.devices[name] = device
    flush = getattr(cache, "flush", None)
    if flush is not None:
        flush()
    if freeze:
        gc.collect()
        gc.freeze()
    return model


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
            inside, other = (a, b) if a.network == "intranet" else (b, a)
            yield Violation(
                "intranet-air-gap",
                inside.name,
                f"inventory link {label} joins an intranet node to a {other.network} node",
                observations=(f"link {label} ({link.kind})",),
            )
        if link.kind == "isp" and not ({link.a, link.b} & egress):
            yield Violation(
                "single-egress",
                link.a,
                f"inventory ISP link {label} is not on the unified egress",
                observations=(f"link {label} ({link.kind})",),
            )


def _rt_owners(model: NetworkModel) -> dict[str, frozenset[str]]:
    """Route target -> the zones (declared) or VRFs (observed exports) it belongs to."""
    ctx = model.context
    owners: dict[str, set[str]] = defaultdict(set)
    if ctx.zones:
        for zone in ctx.zones.values():
            for value in zone.targets:
                owners[value].add(zone.code)
    else:
        for name in model.devices:
            for value, vrf_name in model.facts(name).exports:
                owners[value].add(vrf_name)
    return {k: frozenset(v) for k, v in owners.items()}


def _rt_device(
    model: NetworkModel, name: str, owners: Mapping[str, frozenset[str]]
) -> tuple[Violation, ...]:
    ctx = model.context
    declared = bool(ctx.zones)
    d = model.devices[name]
    out = []
    for vrf in d.vrfs.values():
        for rt in vrf.targets:
            found = owners.get(rt.value)
            if not found or found == {vrf.name}:
                continue
            if rt.direction == "export" and (not declared or vrf.name not in ctx.zones):
                continue
            others = sorted(found - {vrf.name})
            verb = "imports" if rt.direction == "import" else "exports with"
            out.append(
                Violation(
                    "zone-isolation",
                    name,
                    f"vpn-instance/VRF {vrf.name} {verb} route target {rt.value} of"
                    f" {', '.join(others)}: it joins two zones",
                    _ev(d, vrf.src, rt.src),
                )
            )
    return tuple(out)


End = tuple[str, str, "str | None", Src]


def _subnet(model: NetworkModel, key: tuple[int, int], ends: list[End]) -> tuple[Violation, ...]:
    """Violations of the devices sharing one subnet (a link): air gap, VRFs joined."""
    if len(ends) < 2:
        return ()
    ctx = model.context
    networks = {ctx.node(e[0]).network for e in ends}
    vrfs = sorted({e[2] for e in ends if e[2]})
    if len(networks) == 1 and len(vrfs) < 2:
        return ()
    ends = sorted(ends)
    value = key[0]
    net = f"{value >> 24 & 255}.{value >> 16 & 255}.{value >> 8 & 255}.{value & 255}/{key[1]}"
    evidence = tuple(Evidence.of(model.devices[e[0]], e[3]) for e in ends)
    out = []
    if "intranet" in networks and len(networks) > 1:
        inside = [e for e in ends if ctx.node(e[0]).network == "intranet"]
        out.append(
            Violation(
                "intranet-air-gap",
                inside[0][0],
                f"subnet {net} joins intranet and non-intranet nodes: "
                + ", ".join(f"{e[0]}:{e[1]}" for e in ends),
                evidence,
            )
        )
    if len(vrfs) > 1 and not any(ctx.node(e[0]).role == EGRESS_ROLE for e in ends):
        out.append(
            Violation(
                "zone-isolation",
                ends[0][0],
                f"subnet {net} joins vpn-instances/VRFs {', '.join(vrfs)}: "
                + ", ".join(f"{e[0]}:{e[1]} ({e[2] or 'global'})" for e in ends),
                evidence,
            )
        )
    return tuple(out)


def _towards(model: NetworkModel, name: str, owner: Mapping[int, str]) -> tuple[Violation, ...]:
    """A device's default routes lead to the neighbour on the tree path to the egress."""
    ctx = model.context
    egress = ctx.egress_nodes()
    d = model.devices[name]
    routes = d.default_routes()
    if len(egress) != 1 or name == egress[0] or not routes or ctx.node(name).network != "extranet":
        return ()
    path_up = [egress[0], *ctx.ancestors(egress[0])]  # egress, its parent, ... top
    expected = path_up[path_up.index(name) - 1] if name in path_up else ctx.node(name).parent
    if not expected:
        return ()
    out = []
    for route in routes:
        hop = owner.get(int(route.next_hop)) if route.next_hop is not None else None
        if hop is None or hop == expected:
            continue
        out.append(
            Violation(
                "single-egress",
                name,
                f"default route to {route.next_hop} ({hop}) leads away from the unified egress"
                f" {egress[0]}: the next hop towards it is {expected}",
                _ev(d, route.src),
            )
        )
    return tuple(out)


def _hops(d: Device) -> tuple[int, ...]:
    return tuple(int(r.next_hop) for r in d.default_routes() if r.next_hop is not None)


@dataclass
class _Relations:
    """Network-wide indexes and the violations found in them, by subject."""

    ids: dict[str, int]
    members: dict[tuple[int, int], list[End]]
    owner: dict[int, str]
    hops: dict[int, set[str]]  # default-route next hop -> devices using it
    rt_owners: dict[str, frozenset[str]]
    subnet_v: dict[tuple[int, int], tuple[Violation, ...]]
    towards_v: dict[str, tuple[Violation, ...]]
    rt_v: dict[str, tuple[Violation, ...]]


def _relations(model: NetworkModel) -> _Relations:
    members: dict[tuple[int, int], list[End]] = defaultdict(list)
    owner: dict[int, str] = {}
    hops: dict[int, set[str]] = defaultdict(set)
    for name, d in model.devices.items():
        facts = model.facts(name)
        for key, iface, vrf, src in facts.subnets:
            members[key].append((name, iface, vrf, src))
        for address in facts.addresses:
            owner[address] = name
        for hop in _hops(d):
            hops[hop].add(name)
    owners = _rt_owners(model)
    subnet_v = {k: v for k, ends in members.items() if (v := _subnet(model, k, ends))}
    towards_v = {n: v for n in model.devices if (v := _towards(model, n, owner))}
    rt_v = {n: v for n in model.devices if (v := _rt_device(model, n, owners))}
    ids = {n: id(d) for n, d in model.devices.items()}
    return _Relations(ids, dict(members), owner, dict(hops), owners, subnet_v, towards_v, rt_v)


def _relations_after(model: NetworkModel, base: _Relations, changed: set[str]) -> _Relations:
    """``base`` updated for the ``changed`` devices only (the change gate's fast path)."""
    before = {n: base_facts for n in changed if (base_facts := model._old_facts.get(n))}
    members = dict(base.members)
    owner = dict(base.owner)
    hops = dict(base.hops)
    parent_devices = model._parent.devices if model._parent is not None else {}
    keys: set[tuple[int, int]] = set()
    addresses: set[int] = set()
    for name in changed:
        old = before.get(name)
        if old is not None:
            for key, *_ in old.subnets:
                members[key] = [e for e in members.get(key, []) if e[0] != name]
                keys.add(key)
            for address in old.addresses:
                if owner.get(address) == name:
                    del owner[address]
                addresses.add(address)
        if name in parent_devices:
            for hop in _hops(parent_devices[name]):
                hops[hop] = hops.get(hop, set()) - {name}
        if name not in model.devices:
            continue
        facts = model.facts(name)
        for key, iface, vrf, src in facts.subnets:
            members[key] = [*members.get(key, []), (name, iface, vrf, src)]
            keys.add(key)
        for address in facts.addresses:
            owner[address] = name
            addresses.add(address)
        for hop in _hops(model.devices[name]):
            hops[hop] = hops.get(hop, set()) | {name}
    subnet_v = dict(base.subnet_v)
    for key in keys:
        found = _subnet(model, key, members.get(key, []))
        if found:
            subnet_v[key] = found
        else:
            subnet_v.pop(key, None)
    affected = set(changed)
    for address in addresses:
        affected |= hops.get(address, set())
    towards_v = dict(base.towards_v)
    for name in affected:
        found = _towards(model, name, owner) if name in model.devices else ()
        if found:
            towards_v[name] = found
        else:
            towards_v.pop(name, None)
    exports_moved = any(
        (before[n].exports if n in before else ()) != model.facts(n).exports
        for n in changed
        if n in model.devices
    )
    if exports_moved and not model.context.zones:
        owners = _rt_owners(model)
        rt_v = {n: v for n in model.devices if (v := _rt_device(model, n, owners))}
    else:
        owners = base.rt_owners
        rt_v = dict(base.rt_v)
        for name in changed:
            found = _rt_device(model, name, owners) if name in model.devices else ()
            if found:
                rt_v[name] = found
            else:
                rt_v.pop(name, None)
    ids = {n: id(d) for n, d in model.devices.items()}
    return _Relations(ids, members, owner, hops, owners, subnet_v, towards_v, rt_v)


def check_network(model: NetworkModel) -> Verdict:
    """Every violation of the four invariants in ``model``, sorted."""
    with paused_gc():
        return _check_network(model)


def _check_network(model: NetworkModel) -> Verdict:
    ids = {n: id(d) for n, d in model.devices.items()}
    if model._verdict is not None and model._verdict[0] == ids:
        return model._verdict[1]
    parent = model._parent
    if (
        parent is not None
        and parent._relations is not None
        and parent._relations.ids.keys() == ids.keys()
    ):
        changed = {n for n, i in ids.items() if parent._relations.ids[n] != i}
        relations = _relations_after(model, parent._relations, changed)
    else:
        relations = _relations(model)
    model._relations = relations
    found: list[Violation] = []
    for name in model.devices:
        found.extend(model.facts(name).local)
    found += _egress_count(model)
    found += _links(model)
    for group in (relations.subnet_v, relations.towards_v, relations.rt_v):
        for violations in group.values():
            found.extend(violations)
    verdict = Verdict(tuple(sorted(found, key=Violation.sort_key)), devices=len(model.devices))
    model._verdict = (ids, verdict)
    return verdict


def check_change(
    model_before: NetworkModel, proposed_configs: Mapping[str, str | Device]
) -> Verdict:
    """The gate: check the model after ``proposed_configs`` (device -> full post-change text).

    ``Verdict.violations`` are those of the post-change network, ``introduced``
    those the change adds (compared by invariant, device and reason, so moved
    lines do not count); :attr:`Verdict.allowed` is the gate's answer. Only the
    proposed devices are parsed and checked again; the network-wide relations
    are recomputed from cached per-device facts.
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
