"""Onboarding a department at a node, or one kind of department at many nodes (a wave).

A plan is: allocate in IPAM (the department's VLAN on its node, its subnet from
the node's pool, an RD for a private zone that has none) → render every device
whose intended configuration changes (the node the department attaches at, its
parents when they carry a new VPN, the egress firewall when the department
reaches the internet) → per-device diff and remediation against the running
configuration (read over SSH, or given) → the policy gate
(:func:`security.policy.check_change`) on the post-change network.

Allocation is transactional: planning allocates inside a transaction and rolls
it back, so a dry run or a refused plan leaves the database as it was. A
committed plan allocates again in a new transaction, checks that it got the
same resources as the plan it showed, and commits with its audit row; the
change itself (approval, push) is :mod:`provisioning.changes`' work.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.choices import DIVISION_ROLE_LEVEL, AllocationKind, Role
from inventory.errors import InventoryError, IpamError, ValidationError
from inventory.ipam import Ipam
from inventory.models import Department, Node, Prefix, Zone
from inventory.rules import NodeFacts, check_department
from inventory.state import load_state

from .context import State
from .errors import ProvisioningError
from .kinds import (
    OnboardingInputError,
    Zones,
    default_zones,
    find_kind,
    kind_of_code,
    parse_zones,
)
from .render import Renderer
from .settings import RenderSettings

__all__ = [
    "Allocated",
    "DeviceDiff",
    "IncompletePlan",
    "OnboardingInputError",
    "OnboardingPlan",
    "OnboardingRefused",
    "PolicyRefused",
    "plan_onboarding",
    "plan_wave",
]


class OnboardingRefused(ProvisioningError):
    """The inventory refuses the request (intranet node, exhausted pool...): nothing changed."""


class PolicyRefused(ProvisioningError):
    """The policy gate refuses the plan; nothing was allocated. ``plan`` holds the verdict."""

    def __init__(self, plan: OnboardingPlan) -> None:
        reasons = "; ".join(v.why for v in plan.verdict.introduced[:3])
        super().__init__(f"the policy gate refuses the plan: {reasons}")
        self.plan = plan


class IncompletePlan(ProvisioningError):
    """Some affected device could not be read: the plan is shown, nothing is allocated."""

    def __init__(self, message: str, plan: OnboardingPlan) -> None:
        super().__init__(message)
        self.plan = plan


@dataclass(frozen=True)
class Request:
    department: str
    node: str
    zones: Zones | None


@dataclass(frozen=True)
class Allocated:
    """What one department received."""

    department: str
    name: str
    node: str
    #: The device the department's VLAN interface lives on (its site switch, else ``node``).
    attach: str
    vlan: int
    subnet: str
    zones: tuple[str, ...]
    #: The department record was created by this plan (a kind at a node).
    new: bool
    rd: str | None = None


@dataclass(frozen=True)
class DeviceDiff:
    """One affected device: its diff from running to intended and the commands."""

    node: str
    platform: str
    role: str
    #: ``device`` (read over SSH), ``given``, or ``new`` (a planned device: nothing runs yet).
    source: str
    intended: str = field(repr=False)
    diff: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()
    #: Why the running configuration could not be read (the other devices still are).
    error: str | None = None


@dataclass(frozen=True)
class OnboardingPlan:
    """A plan for one or many departments: allocations, per-device diffs, the verdict."""

    targets: tuple[Allocated, ...]
    devices: tuple[DeviceDiff, ...]
    verdict: Any
    #: Departments already onboarded (nothing to do).
    skipped: tuple[str, ...] = ()
    #: Departments the inventory refused, with the reason (a wave continues without them).
    refused: tuple[tuple[str, str], ...] = ()
    committed: bool = False

    @property
    def allowed(self) -> bool:
        return bool(self.verdict.allowed)

    @property
    def complete(self) -> bool:
        """Every affected device's running configuration was read."""
        return all(d.error is None for d in self.devices)

    @property
    def intended(self) -> dict[str, str]:
        """Node code → full intended configuration of each affected device (secrets masked)."""
        return {d.node: d.intended for d in self.devices}

    def to_dict(self) -> dict[str, Any]:
        return {
            "committed": self.committed,
            "allowed": self.allowed,
            "targets": [asdict(t) for t in self.targets],
            "skipped": list(self.skipped),
            "refused": [{"department": d, "reason": r} for d, r in self.refused],
            "devices": [
                {
                    "node": d.node,
                    "platform": d.platform,
                    "role": d.role,
                    "source": d.source,
                    "diff": list(d.diff),
                    "commands": list(d.commands),
                    "error": d.error,
                }
                for d in self.devices
            ],
            "verdict": self.verdict.to_dict(),
        }


# -- allocation (inside the caller's transaction) ------------------------------------------
def _facts(node: Node) -> NodeFacts:
    return NodeFacts(node.code, node.name, node.level, node.role, node.network)


def _one(session: Session, model: Any, code: str) -> Any:
    return session.execute(select(model).where(model.code == code)).scalar_one_or_none()


def _allocate(session: Session, ipam: Ipam, req: Request) -> Allocated | None:
    """Attach one department; None when it is already onboarded."""
    node: Node | None = _one(session, Node, req.node)
    if node is None:
        raise OnboardingInputError(f"--at: node {req.node!r} does not exist")
    if Role(node.role) not in DIVISION_ROLE_LEVEL:
        raise OnboardingRefused(
            f"node {node.code} ({node.name}) is a {node.role}: departments attach at a "
            "city, county, township or village node"
        )
    if node.network != "extranet":
        raise OnboardingRefused(
            f"node {node.code} ({node.name}) is on the {node.network}: departments attach "
            "to the extranet (the intranet is physically isolated)"
        )
    dept: Department | None = _one(session, Department, req.department)
    if dept is not None:
        if dept.home_node_id != node.id:
            raise OnboardingRefused(
                f"department {dept.code} ({dept.name}) belongs to node {dept.home_node.code}, "
                f"not {node.code}"
            )
        held = session.execute(
            select(Prefix.prefix).where(Prefix.department_id == dept.id, Prefix.role == "subnet")
        ).first()
        if held is not None:
            return None
        zones = req.zones or Zones(
            dept.uses_public, dept.internet, dept.private_zone.code if dept.private_zone else None
        )
        name = dept.name
    else:
        kind = kind_of_code(req.department, node.code)
        if kind is None:
            raise OnboardingInputError(
                f"--department: {req.department!r} does not exist and does not name a kind "
                f"at {node.code} (NODE-KIND, e.g. {node.code}-BMFW); import the department first"
            )
        zones = req.zones or default_zones(kind)
        name = f"{node.name}{kind.name}"
    zone: Zone | None = _one(session, Zone, zones.private) if zones.private else None
    if zones.private and zone is None:
        raise OnboardingInputError(f"--zones: zone {zones.private!r} does not exist")
    site = dept.site_node if dept is not None else None
    try:
        check_department(
            req.department,
            name,
            node.level,
            _facts(node),
            _facts(site) if site else None,
            zone.kind if zone else None,
        )
    except ValidationError as exc:
        raise OnboardingRefused(exc.message) from None
    new = dept is None
    if dept is None:
        dept = Department(code=req.department, name=name, level=node.level, home_node=node)
        session.add(dept)
    dept.uses_public, dept.internet = zones.public, zones.internet
    dept.private_zone = zone
    session.flush()
    try:
        rd = None
        if zone is not None and not zone.rd:
            rd = ipam.allocate(node, AllocationKind.RD, zone=zone).value
            zone.rd, zone.import_targets, zone.export_targets = rd, rd, rd
        vlan = ipam.allocate(node, AllocationKind.VLAN, department=dept)
        attach = site or node
        subnet = ipam.allocate(
            attach,
            AllocationKind.PREFIX,
            ipam.settings.subnet_length(Role.ACCESS_SWITCH.value),
            department=dept,
        )
    except IpamError as exc:
        raise OnboardingRefused(f"department {req.department}: {exc}") from None
    session.flush()
    return Allocated(
        department=dept.code,
        name=name,
        node=node.code,
        attach=attach.code,
        vlan=int(vlan.value),
        subnet=subnet.value,
        zones=tuple(zones.names()),
        new=new,
        rd=rd,
    )


@dataclass
class _Outcome:
    before: State
    after: State
    targets: list[Allocated]
    skipped: list[str]
    refused: list[tuple[str, str]]


def _run(
    inventory: Any,
    requests: Sequence[Request],
    *,
    commit: bool,
    keep_going: bool,
    audit: tuple[Any, str, str, dict[str, Any]] | None = None,
) -> _Outcome:
    """Allocate every request in one transaction; roll back unless ``commit``."""
    session: Session = inventory.sessions()
    try:
        session.begin()
        before = load_state(session)[0]
        ipam = Ipam(session, inventory.settings.ipam)
        out = _Outcome(before, before, [], [], [])
        for req in requests:
            nested = session.begin_nested()
            try:
                got = _allocate(session, ipam, req)
            except (OnboardingRefused, OnboardingInputError) as exc:
                nested.rollback()
                if not keep_going:
                    raise
                out.refused.append((req.department, str(exc)))
                continue
            nested.commit()
            if got is None:
                out.skipped.append(req.department)
            else:
                out.targets.append(got)
        session.flush()
        out.after = load_state(session)[0]
        if commit and audit is not None and out.targets:
            actor, action, target, details = audit
            details = {**details, "departments": [asdict(t) for t in out.targets]}
            inventory.audit.append(actor, action, target, details, session=session)
        if commit:
            session.commit()
        else:
            session.rollback()
        return out
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# -- rendering, diffs, the gate -------------------------------------------------------------
def _candidates(state: State, targets: Iterable[Allocated]) -> list[str]:
    """Devices a target can change: where it attaches and every node above, the egress."""
    nodes = state["nodes"]
    out: dict[str, None] = {}
    for t in targets:
        for start in (t.attach, t.node):
            code: str | None = start
            while code is not None and code in nodes:
                out[code] = None
                code = nodes[code].parent
    for code, node in nodes.items():
        if node.role == Role.EGRESS_FIREWALL.value:
            out[code] = None
    return list(out)


def _running_texts(
    inventory: Any,
    devices: Sequence[tuple[str, str]],
    given: Mapping[str, str] | None,
    width: int,
    planned: set[str],
) -> dict[str, tuple[str, str | None, str]]:
    """code → (source, error, text) for each (code, platform); SSH reads run ``width`` at a time.

    A ``planned`` device (not installed yet) has no running configuration: its whole
    intended configuration is its diff (source ``new``).
    """
    from .device import read_running

    out: dict[str, tuple[str, str | None, str]] = {}
    todo = []
    for code, platform in devices:
        if given is not None and code in given:
            out[code] = ("given", None, given[code])
        elif code in planned:
            out[code] = ("new", None, "")
        else:
            todo.append((code, platform))

    def read(item: tuple[str, str]) -> tuple[str, tuple[str, str | None, str]]:
        code, platform = item
        try:
            return code, ("device", None, read_running(inventory, code, platform))
        except (ProvisioningError, InventoryError) as exc:
            return code, ("device", str(exc), "")

    if todo:
        with ThreadPoolExecutor(max_workers=max(1, min(width, len(todo)))) as pool:
            out.update(dict(pool.map(read, todo)))
    return out


def _compare(platform: str, running: str, intended: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The contextual diff and the remediation commands, each text parsed once."""
    from hier_config import WorkflowRemediation

    from .remediation import tree

    ran, wanted = tree(platform, running), tree(platform, intended)
    diff = tuple(ran.unified_diff(wanted))
    commands = WorkflowRemediation(ran, wanted).remediation_config.dump_simple(
        sectional_exiting=True
    )
    return diff, tuple(commands)


def _gate(inventory: Any, renderer: Renderer, after: State, proposed: Mapping[str, str]) -> Any:
    """The verdict on the post-change network; the rest of the city as the inventory intends it
    (``renderer`` renders the inventory before the change)."""
    from security.network import context_from_state
    from security.policy import build_model, check_change

    before = renderer.index.state
    current = {code: renderer.render(code).text for code in renderer.devices()}
    context = context_from_state(after, inventory.settings.ipam)
    model = build_model(current, context, {c: before["nodes"][c].platform for c in current})
    return check_change(model, proposed)


def _plan(
    inventory: Any,
    requests: Sequence[Request],
    *,
    running: Mapping[str, str] | None,
    commit: bool,
    keep_going: bool,
    actor: Any,
    audit_target: str,
    ssh_width: int,
) -> OnboardingPlan:
    out = _run(inventory, requests, commit=False, keep_going=keep_going)
    settings = RenderSettings.from_ipam(inventory.settings.ipam)
    before, after = Renderer(out.before, settings), Renderer(out.after, settings)
    renderable = set(after.devices())
    changed = []
    for code in _candidates(out.after, out.targets):
        if code not in renderable:
            continue
        new = after.render(code)
        old = before.render(code).text if code in out.before["nodes"] else ""
        if new.text != old:
            changed.append(new)
    planned = {c for c, n in out.after["nodes"].items() if n.status == "planned"}
    texts = _running_texts(
        inventory, [(r.node, r.platform) for r in changed], running, ssh_width, planned
    )
    devices = []
    for rendered in changed:
        source, error, text = texts[rendered.node]
        diff: tuple[str, ...] = ()
        commands: tuple[str, ...] = ()
        if error is None:
            diff, commands = _compare(rendered.platform, text, rendered.text)
        devices.append(
            DeviceDiff(
                rendered.node,
                rendered.platform,
                rendered.role,
                source,
                rendered.text,
                diff,
                commands,
                error,
            )
        )
    if changed:
        verdict = _gate(inventory, before, out.after, {r.node: r.text for r in changed})
    else:  # nothing changes on any device: nothing for the gate to judge
        from security.policy import Verdict

        verdict = Verdict(())
    plan = OnboardingPlan(
        tuple(out.targets),
        tuple(devices),
        verdict,
        tuple(out.skipped),
        tuple(out.refused),
    )
    if not commit or not out.targets:
        return plan
    if not verdict.allowed:
        raise PolicyRefused(plan)
    unread = [d.node for d in devices if d.error is not None]
    if unread:
        raise IncompletePlan(
            f"the running configuration of {', '.join(unread[:5])} could not be read", plan
        )
    details = {"zones": sorted({z for t in out.targets for z in t.zones})}
    audit = (actor, "provisioning.onboard", audit_target, details)
    done = _run(inventory, requests, commit=True, keep_going=keep_going, audit=audit)
    if done.targets != out.targets:
        # the rows are committed: what they are is what the change must carry
        raise OnboardingRefused(
            "the inventory changed while planning: the allocations differ from the plan shown; "
            "release them or re-run the plan"
        )
    return replace(plan, committed=True)


# -- the two entry points --------------------------------------------------------------------
def plan_onboarding(
    inventory: Any,
    *,
    department: str,
    at: str,
    zones: Sequence[str] | str | None = None,
    running: Mapping[str, str] | None = None,
    commit: bool = False,
    actor: Any = None,
    ssh_width: int = 8,
) -> OnboardingPlan:
    """Plan the onboarding of ``department`` at node ``at``.

    ``zones``: ``public``, ``internet`` (through the unified egress) and at most one
    private VPN by code; default: the department record's own, or for a new
    department of a known kind (code ``AT-KIND``) its business VPN or the public
    zone. ``running``: node code → running configuration (else read over SSH).
    With ``commit`` the allocations are kept (after the gate allowed the plan) and
    audited as ``actor``; otherwise the database is unchanged.
    """
    chosen = parse_zones(zones) if zones is not None else None
    return _plan(
        inventory,
        [Request(department, at, chosen)],
        running=running,
        commit=commit,
        keep_going=False,
        actor=actor,
        audit_target=department,
        ssh_width=ssh_width,
    )


def wave_nodes(inventory: Any, *, level: str | None, county: str | None) -> list[Any]:
    """The division nodes of a wave: every node of ``level`` (in ``county`` when given)."""
    from inventory.choices import Level, parse_choice

    if level is None and county is None:
        raise OnboardingInputError("a wave needs --level or --county")
    try:
        want = parse_choice(Level, level or Level.TOWNSHIP.value, "--level")
    except ValueError as exc:
        raise OnboardingInputError(str(exc)) from None
    with inventory.sessions() as session:
        state = load_state(session)[0]
    nodes = state["nodes"]
    if county is not None:
        root = nodes.get(county)
        if root is None or root.level != "county":
            raise OnboardingInputError(f"--county: {county!r} is not a county-level node")
    picked = []
    for code in sorted(nodes):
        rec = nodes[code]
        if rec.level != want.value or rec.network != "extranet" or rec.status == "retired":
            continue
        if Role(rec.role) not in DIVISION_ROLE_LEVEL:
            continue
        if county is not None:
            up: str | None = code
            while up is not None and up != county:
                up = nodes[up].parent if up in nodes else None
            if up is None:
                continue
        picked.append(rec)
    return picked


def plan_wave(
    inventory: Any,
    *,
    kind: str,
    level: str | None = None,
    county: str | None = None,
    zones: Sequence[str] | str | None = None,
    running: Mapping[str, str] | None = None,
    commit: bool = False,
    actor: Any = None,
    ssh_width: int = 8,
) -> OnboardingPlan:
    """One kind of department at every node of ``level`` (default township) or ``county``.

    Departments already onboarded are skipped (a re-run is idempotent); a node the
    inventory refuses is listed in ``refused`` and costs the others nothing.
    """
    found = find_kind(kind)
    chosen = parse_zones(zones) if zones is not None else None
    nodes = wave_nodes(inventory, level=level, county=county)
    requests = [Request(f"{n.code}-{found.abbr}", n.code, chosen) for n in nodes]
    return _plan(
        inventory,
        requests,
        running=running,
        commit=commit,
        keep_going=True,
        actor=actor,
        audit_target=f"wave {found.abbr} {county or level or 'township'}",
        ssh_width=ssh_width,
    )
