"""What health, alarms and reports need from the inventory: nodes, links, departments, names.

Read-only queries over :class:`~inventory.service.Inventory`; results are
frozen dataclasses detached from the session.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import aliased

from inventory.models import Department, Link, Node
from inventory.service import Inventory
from monitoring.targets import (
    DEFAULT_INTERVALS,
    NodeRow,
    ancestor_codes,
    interface_aliases,
    link_label,
)


@dataclass(frozen=True)
class NodeInfo:
    """A node as health and reports see it: identity, place in the hierarchy, poll interval."""

    code: str
    name: str
    level: str
    role: str
    status: str
    county: str | None
    township: str | None
    interval_s: float
    polled: bool


@dataclass(frozen=True)
class LinkInfo:
    """An inventory link and its label (``a:if -- b:if``, the ``link`` tag)."""

    label: str
    a_node: str
    a_interface: str
    b_node: str
    b_interface: str
    kind: str

    def ends(self) -> tuple[str, str]:
        """``a:if`` and ``b:if``."""
        return f"{self.a_node}:{self.a_interface}", f"{self.b_node}:{self.b_interface}"


def nodes(
    inventory: Inventory,
    *,
    intervals: Mapping[str, float] | None = None,
    statuses: Iterable[str] | None = ("active",),
) -> dict[str, NodeInfo]:
    """Every node by code; ``polled`` is True for nodes the poller is expected to poll.

    A node is expected to be polled when its status is in ``statuses`` and it
    has a platform and a management address (credentials are not checked).
    """
    levels = {**DEFAULT_INTERVALS, **(intervals or {})}
    wanted = set(statuses) if statuses is not None else None
    with inventory.sessions() as session:
        found = list(session.execute(select(Node)).scalars())
        rows = [NodeRow.of(n) for n in found]
        names = {n.code: n.name for n in found}
    by_id = {r.id: r for r in rows}
    out: dict[str, NodeInfo] = {}
    for row in rows:
        county, township = ancestor_codes(row, by_id)
        out[row.code] = NodeInfo(
            code=row.code,
            name=names[row.code],
            level=row.level,
            role=row.role,
            status=row.status,
            county=county,
            township=township,
            interval_s=float(levels.get(row.level, 60.0)),
            polled=bool(
                row.platform and row.mgmt_address and (wanted is None or row.status in wanted)
            ),
        )
    return out


def links(inventory: Inventory) -> list[LinkInfo]:
    """Every inventory link."""
    a_node, b_node = aliased(Node), aliased(Node)
    with inventory.sessions() as session:
        rows = session.execute(
            select(a_node.code, Link.a_interface, b_node.code, Link.b_interface, Link.kind)
            .join(a_node, Link.a_node_id == a_node.id)
            .join(b_node, Link.b_node_id == b_node.id)
        ).all()
    return [LinkInfo(link_label(a, ai, b, bi), a, ai, b, bi, kind) for a, ai, b, bi, kind in rows]


def find_link(inventory: Inventory, key: str) -> LinkInfo | None:
    """The link whose label is ``key``, or one of whose ends is ``key`` (``node:interface``).

    Interface short forms (``Gi0/1`` for ``GigabitEthernet0/1``) match too.
    """
    key = key.strip()
    for link in links(inventory):
        if key == link.label:
            return link
        for node, interface in ((link.a_node, link.a_interface), (link.b_node, link.b_interface)):
            if key in {f"{node}:{alias}" for alias in interface_aliases(interface)}:
                return link
    return None


def departments_by_node(inventory: Inventory) -> dict[str, tuple[str, ...]]:
    """Codes of the departments attached at each node (home node or site node)."""
    home, site = aliased(Node), aliased(Node)
    with inventory.sessions() as session:
        rows = session.execute(
            select(Department.code, home.code, site.code)
            .join(home, Department.home_node_id == home.id)
            .outerjoin(site, Department.site_node_id == site.id)
        ).all()
    out: dict[str, set[str]] = {}
    for department, home_code, site_code in rows:
        for code in (home_code, site_code):
            if code:
                out.setdefault(code, set()).add(department)
    return {code: tuple(sorted(found)) for code, found in out.items()}


def county_names(inventory: Inventory) -> dict[str, str]:
    """Names of the county-level divisions by code (their aggregation nodes' names)."""
    with inventory.sessions() as session:
        rows = session.execute(
            select(Node.code, Node.name).where(Node.level == "county", Node.role == "aggregation")
        ).all()
    return {code: name for code, name in rows}
