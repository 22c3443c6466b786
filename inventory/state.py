"""The inventory as records: load from the database, validate as a whole, compute parents.

A *state* maps each kind to ``{key: record}``. Imports merge the file's records
into the database's state and validate the result before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .addresses import parse_prefix, span
from .choices import POOL_ROLES, Role, ZoneKind
from .errors import ProblemList, ValidationError
from .models import Department, Link, Node, Prefix, RouteDistinguisher, Vlan, Zone
from .records import (
    KINDS,
    DepartmentRec,
    LinkRec,
    NodeRec,
    PrefixRec,
    RdRec,
    VlanRec,
    Where,
    ZoneRec,
)
from .rules import (
    NodeFacts,
    check_department,
    check_link,
    check_node,
    check_single_egress,
    check_zone,
)

State = dict[str, dict[str, Any]]


def empty_state() -> State:
    return {kind: {} for kind in KINDS}


@dataclass
class DbIds:
    """Database ids of the loaded rows, by kind and key."""

    ids: dict[str, dict[str, int]] = field(default_factory=lambda: {k: {} for k in KINDS})
    prefix_parent: dict[str, str | None] = field(default_factory=dict)


def load_state(session: Session) -> tuple[State, DbIds]:
    """Read the whole inventory into records (one query per kind)."""
    state = empty_state()
    ids = DbIds()
    node_code: dict[int, str] = {}
    zone_code: dict[int, str] = {}
    dept_code: dict[int, str] = {}

    node_rows = session.execute(select(Node.__table__)).all()
    node_code = {r.id: r.code for r in node_rows}
    for r in node_rows:
        state["nodes"][r.code] = NodeRec(
            code=r.code,
            name=r.name,
            level=r.level,
            role=r.role,
            parent=node_code.get(r.parent_id) if r.parent_id else None,
            network=r.network,
            platform=r.platform,
            mgmt_address=r.mgmt_address,
            ssh_port=r.ssh_port,
            snmp_port=r.snmp_port,
            credentials=r.credential_ref,
            status=r.status,
            mlps_level=r.mlps_level,
        )
        ids.ids["nodes"][r.code] = r.id
    for r in session.execute(select(Zone.__table__)).all():
        zone_code[r.id] = r.code
        state["zones"][r.code] = ZoneRec(
            code=r.code,
            name=r.name,
            kind=r.kind,
            system=r.system,
            rd=r.rd,
            import_targets=tuple(r.import_targets.split()),
            export_targets=tuple(r.export_targets.split()),
        )
        ids.ids["zones"][r.code] = r.id
    for r in session.execute(select(Department.__table__)).all():
        dept_code[r.id] = r.code
        state["departments"][r.code] = DepartmentRec(
            code=r.code,
            name=r.name,
            level=r.level,
            node=node_code[r.home_node_id],
            site=node_code[r.site_node_id] if r.site_node_id else None,
            public=r.uses_public,
            private_zone=zone_code[r.private_zone_id] if r.private_zone_id else None,
            internet=r.internet,
            mlps_level=r.mlps_level,
        )
        ids.ids["departments"][r.code] = r.id
    for r in session.execute(select(Link.__table__)).all():
        rec = LinkRec(
            a_node=node_code[r.a_node_id],
            a_interface=r.a_interface,
            b_node=node_code[r.b_node_id],
            b_interface=r.b_interface,
            kind=r.kind,
            bandwidth_mbps=r.bandwidth_mbps,
        )
        state["links"][rec.key] = rec
        ids.ids["links"][rec.key] = r.id
    link_key = {link_id: key for key, link_id in ids.ids["links"].items()}
    prefix_rows = session.execute(select(Prefix.__table__)).all()
    prefix_by_id = {r.id: r.prefix for r in prefix_rows}
    for r in prefix_rows:
        state["prefixes"][r.prefix] = PrefixRec(
            prefix=r.prefix,
            role=r.role,
            node=node_code.get(r.node_id) if r.node_id else None,
            department=dept_code.get(r.department_id) if r.department_id else None,
            link=link_key.get(r.link_id) if r.link_id else None,
            description=r.description,
        )
        ids.ids["prefixes"][r.prefix] = r.id
        ids.prefix_parent[r.prefix] = prefix_by_id.get(r.parent_id) if r.parent_id else None
    for r in session.execute(select(Vlan.__table__)).all():
        vlan = VlanRec(
            node=node_code[r.node_id],
            vid=r.vid,
            name=r.name,
            department=dept_code.get(r.department_id) if r.department_id else None,
        )
        state["vlans"][vlan.key] = vlan
        ids.ids["vlans"][vlan.key] = r.id
    for r in session.execute(select(RouteDistinguisher.__table__)).all():
        rd = RdRec(
            value=r.value,
            node=node_code.get(r.node_id) if r.node_id else None,
            zone=zone_code.get(r.zone_id) if r.zone_id else None,
        )
        state["route_distinguishers"][rd.key] = rd
        ids.ids["route_distinguishers"][rd.key] = r.id
    return state, ids


def facts(rec: NodeRec) -> NodeFacts:
    return NodeFacts(rec.code, rec.name, rec.level, rec.role, rec.network)


class Problems:
    """Collects ``where: message`` lines, placed at the file row that causes each.

    A problem is placed at its own row when that came from a file, else at the
    first of ``refs`` (the rows it involves) that did; a database row that
    points at a row ``--prune`` deletes is placed at the section of the file
    that lacks it. Only a problem of database rows alone says ``database``.
    """

    def __init__(
        self,
        where: dict[tuple[str, str], Where],
        pruned: dict[tuple[str, str], Where] | None = None,
    ) -> None:
        self.where = where
        self.pruned = pruned or {}
        self.lines = ProblemList()

    def add(
        self, kind: str, key: str, message: str, refs: Iterable[tuple[str, str | None]] = ()
    ) -> None:
        if self.lines.full:
            self.lines.more += 1
            return
        involved = [(kind, key), *((k, r) for k, r in refs if r is not None)]
        place = next((self.where[i] for i in involved if i in self.where), None)
        if place is None:
            for ref_kind, ref_key in involved:
                section = self.pruned.get((ref_kind, ref_key))
                if section is not None:
                    place = section
                    singular = "prefix" if ref_kind == "prefixes" else ref_kind[:-1]
                    message += (
                        f" (--prune deletes {singular} {ref_key}: not in this file's {ref_kind})"
                    )
                    break
        self.lines.append(f"{place if place else 'database'}: {message}")


def node_depths(nodes: dict[str, NodeRec], problems: Problems) -> dict[str, int]:
    """Depth of every node in the parent tree; reports unknown parents and cycles."""
    depth: dict[str, int] = {}
    for code in nodes:
        chain: list[str] = []
        current: str | None = code
        while current is not None and current not in depth:
            if current in chain:
                problems.add("nodes", code, f"node {code}: parent chain loops through {current}")
                break
            chain.append(current)
            parent = nodes[current].parent
            if parent is not None and parent not in nodes:
                problems.add(
                    "nodes",
                    current,
                    f"node {current}: parent {parent!r} does not exist",
                    [("nodes", parent)],
                )
                parent = None
            current = parent
        base = depth[current] + 1 if current is not None and current in depth else 0
        for offset, member in enumerate(reversed(chain)):
            depth.setdefault(member, base + offset)
    return depth


def prefix_parents(
    prefixes: dict[str, PrefixRec], problems: Problems, deleted: Iterable[str] = ()
) -> dict[str, str | None]:
    """Each prefix's smallest containing pool; reports overlaps and allocations outside pools."""
    items = []
    for key, rec in prefixes.items():
        first, last = span(parse_prefix(rec.prefix))
        items.append((first, -last, key, last, rec.role in POOL_ROLES))
    items.sort()
    parents: dict[str, str | None] = {}
    stack: list[tuple[int, str, bool]] = []  # (last, key, is_pool)
    for first, _neg, key, last, is_pool in items:
        while stack and stack[-1][0] < first:
            stack.pop()
        if stack:
            _, outer, outer_is_pool = stack[-1]
            if not outer_is_pool:
                problems.add(
                    "prefixes",
                    key,
                    f"prefix {key} overlaps allocation {outer}",
                    [("prefixes", outer)],
                )
                parents[key] = None
                continue
            parents[key] = outer
        else:
            parents[key] = None
            if not is_pool:
                net = parse_prefix(key)
                gone = [d for d in deleted if net.subnet_of(parse_prefix(d))]
                problems.add(
                    "prefixes",
                    key,
                    f"prefix {key} ({prefixes[key].role}) is not inside any pool",
                    [("prefixes", d) for d in gone],
                )
        stack.append((last, key, is_pool))
    return parents


def validate(
    state: State,
    where: dict[tuple[str, str], Where],
    pruned: dict[tuple[str, str], Where] | None = None,
) -> tuple[list[str], dict[str, int], dict[str, str | None]]:
    """Check every rule over the whole state; return problems, node depths and prefix parents.

    ``pruned`` maps what ``--prune`` deletes to the file section that lacks it.
    """
    problems = Problems(where, pruned)
    nodes: dict[str, NodeRec] = state["nodes"]
    zones: dict[str, ZoneRec] = state["zones"]
    departments: dict[str, DepartmentRec] = state["departments"]

    def guard(kind: str, key: str, refs: list[tuple[str, str | None]], fn: Any, *args: Any) -> None:
        try:
            fn(*args)
        except ValidationError as exc:
            problems.add(kind, key, exc.message, refs)

    singletons: dict[str, str] = {}
    for code, zone_rec in zones.items():
        guard(
            "zones",
            code,
            [],
            check_zone,
            code,
            zone_rec.kind,
            zone_rec.system,
            zone_rec.rd,
            [*zone_rec.import_targets, *zone_rec.export_targets],
        )
        if zone_rec.kind in (ZoneKind.PUBLIC, ZoneKind.INTERNET_ACCESS):
            if zone_rec.kind in singletons:
                problems.add(
                    "zones",
                    code,
                    f"zone {code}: a second {zone_rec.kind} zone; "
                    f"{singletons[zone_rec.kind]} is already the city's {zone_rec.kind} zone",
                    [("zones", singletons[zone_rec.kind])],
                )
            singletons.setdefault(zone_rec.kind, code)
    rd_owner: dict[str, str] = {}
    for code, zone_rec in zones.items():
        if zone_rec.rd:
            if zone_rec.rd in rd_owner:
                problems.add(
                    "zones",
                    code,
                    f"zone {code}: rd {zone_rec.rd} is already used by zone {rd_owner[zone_rec.rd]}",
                    [("zones", rd_owner[zone_rec.rd])],
                )
            rd_owner.setdefault(zone_rec.rd, code)

    depths = node_depths(nodes, problems)
    egress: str | None = None
    for code in sorted(nodes, key=lambda c: (where.get(("nodes", c), Where("", 0)).line, c)):
        rec = nodes[code]
        parent = nodes.get(rec.parent) if rec.parent else None
        guard(
            "nodes",
            code,
            [("nodes", rec.parent)],
            check_node,
            facts(rec),
            facts(parent) if parent else None,
        )
        if rec.role == Role.EGRESS_FIREWALL:
            guard("nodes", code, [("nodes", egress)], check_single_egress, facts(rec), egress)
            egress = egress or code

    for code, dept in departments.items():
        home = nodes.get(dept.node)
        if home is None:
            problems.add(
                "departments",
                code,
                f"department {code}: node {dept.node!r} does not exist",
                [("nodes", dept.node)],
            )
            continue
        site = nodes.get(dept.site) if dept.site else None
        if dept.site and site is None:
            problems.add(
                "departments",
                code,
                f"department {code}: site {dept.site!r} does not exist",
                [("nodes", dept.site)],
            )
            continue
        zone = zones.get(dept.private_zone) if dept.private_zone else None
        if dept.private_zone and zone is None:
            problems.add(
                "departments",
                code,
                f"department {code}: private_zone {dept.private_zone!r} does not exist",
                [("zones", dept.private_zone)],
            )
            continue
        guard(
            "departments",
            code,
            [("nodes", dept.node), ("nodes", dept.site), ("zones", dept.private_zone)],
            check_department,
            code,
            dept.name,
            dept.level,
            facts(home),
            facts(site) if site else None,
            zone.kind if zone else None,
        )

    endpoints: dict[tuple[str, str], tuple[str, str]] = {}  # end -> (link key, label)
    for key, link in state["links"].items():
        a, b = nodes.get(link.a_node), nodes.get(link.b_node)
        ends: list[tuple[str, str | None]] = [("nodes", link.a_node), ("nodes", link.b_node)]
        missing = [n for n, rec in ((link.a_node, a), (link.b_node, b)) if rec is None]
        if missing:
            problems.add(
                "links",
                key,
                f"link {link.label}: node {missing[0]!r} does not exist",
                [("nodes", missing[0])],
            )
            continue
        assert a is not None and b is not None  # noqa: S101 - narrowed above
        guard("links", key, ends, check_link, link.label, link.kind, facts(a), facts(b))
        for end in ((link.a_node, link.a_interface), (link.b_node, link.b_interface)):
            if end in endpoints:
                problems.add(
                    "links",
                    key,
                    f"link {link.label}: interface {end[0]}:{end[1]} "
                    f"is already used by link {endpoints[end][1]}",
                    [("links", endpoints[end][0])],
                )
            endpoints.setdefault(end, (key, link.label))

    deleted = [k for kind, k in (pruned or {}) if kind == "prefixes"]
    parents = prefix_parents(state["prefixes"], problems, deleted)
    for key, pfx in state["prefixes"].items():
        _refs(
            problems, "prefixes", key, f"prefix {key}", nodes, pfx.node, departments, pfx.department
        )
        if pfx.link is not None and pfx.link not in state["links"]:
            problems.add(
                "prefixes",
                key,
                f"prefix {key}: link {pfx.link!r} does not exist",
                [("links", pfx.link)],
            )
    for key, vlan in state["vlans"].items():
        _refs(problems, "vlans", key, f"vlan {key}", nodes, vlan.node, departments, vlan.department)
    for key, rd in state["route_distinguishers"].items():
        _refs(problems, "route_distinguishers", key, f"rd {key}", nodes, rd.node, {}, None)
        if rd.zone and rd.zone not in zones:
            problems.add(
                "route_distinguishers",
                key,
                f"rd {key}: zone {rd.zone!r} does not exist",
                [("zones", rd.zone)],
            )
        number = rd.value.partition(":")[2]
        if not number.isdigit() or not rd.value.partition(":")[0].isdigit():
            problems.add(
                "route_distinguishers", key, f"rd {key}: value is not of the form ASN:NUMBER"
            )
    return problems.lines, depths, parents


def _refs(
    problems: Problems,
    kind: str,
    key: str,
    label: str,
    nodes: dict[str, Any],
    node: str | None,
    departments: dict[str, Any],
    department: str | None,
) -> None:
    if node is not None and node not in nodes:
        problems.add(kind, key, f"{label}: node {node!r} does not exist", [("nodes", node)])
    if department is not None and department not in departments:
        problems.add(
            kind,
            key,
            f"{label}: department {department!r} does not exist",
            [("departments", department)],
        )


def sort_key(kind: str, rec: Any) -> Any:
    """Stable export order of each kind."""
    if kind == "prefixes":
        net = parse_prefix(rec.prefix)
        return (int(net.network_address), net.prefixlen)
    if kind == "vlans":
        return (rec.node, rec.vid)
    if kind == "route_distinguishers":
        asn, _, number = rec.value.partition(":")
        return (int(asn) if asn.isdigit() else 0, int(number) if number.isdigit() else 0, rec.value)
    return rec.key


def ordered(state: State, kind: str) -> Iterable[Any]:
    return sorted(state[kind].values(), key=lambda rec: sort_key(kind, rec))
