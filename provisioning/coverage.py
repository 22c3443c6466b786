"""Coverage: how far the extranet reaches, planned vs connected, per county and per level.

Definitions (from the inventory alone; see docs/PROVISIONING.md):

* a *planned node* is a division node (city core, county aggregation, township
  router, village CPE) of the extranet that is not retired;
* a planned node is *connected* when its status is ``active`` and its uplink is
  present: an ``uplink`` link joins it to its parent (the city core, which has no
  parent, needs any uplink, e.g. the egress firewall's);
* a *planned department* is any department of the inventory; it is *connected*
  when it is attached with an allocation on an active node: a subnet is
  allocated to it, the node holding that subnet is ``active`` and so is the
  department's home node.

Counties group by the county-level unit above a node (the city's own nodes and
departments form the city's group); levels by the node's level. The daily
history lives in ``provisioning_coverage_snapshots`` (one row per day and group,
re-taking a day replaces it).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, select

from inventory.choices import DIVISION_ROLE_LEVEL, LEVEL_ORDER, Role
from inventory.db import transaction
from inventory.state import load_state

from .context import State
from .models import CoverageSnapshot

GROUPINGS = ("county", "level")
TOTAL = "total"


@dataclass(frozen=True)
class CoverageRow:
    """Planned and connected counts of one group."""

    key: str
    name: str
    nodes_planned: int
    nodes_connected: int
    departments_planned: int
    departments_connected: int

    @property
    def nodes_percent(self) -> float:
        return percent(self.nodes_connected, self.nodes_planned)

    @property
    def departments_percent(self) -> float:
        return percent(self.departments_connected, self.departments_planned)

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "nodes_percent": self.nodes_percent,
            "departments_percent": self.departments_percent,
        }


def percent(part: int, whole: int) -> float:
    """``part`` of ``whole`` in percent, one decimal; 0 of 0 is 0.

    >>> percent(1, 3), percent(0, 0)
    (33.3, 0.0)
    """
    return round(100.0 * part / whole, 1) if whole else 0.0


def _division(node: Any) -> bool:
    return (
        node.network == "extranet"
        and node.status != "retired"
        and node.role in {r.value for r in DIVISION_ROLE_LEVEL}
    )


def _uplinked(state: State) -> set[str]:
    """Nodes with an uplink to their parent (the root: any uplink)."""
    nodes = state["nodes"]
    out: set[str] = set()
    for link in state["links"].values():
        if link.kind != "uplink":
            continue
        for me, other in ((link.a_node, link.b_node), (link.b_node, link.a_node)):
            node = nodes.get(me)
            if node is not None and (node.parent == other or node.parent is None):
                out.add(me)
    return out


def _county_of(state: State, code: str) -> str | None:
    """The county-level node above (or at) ``code``; None for the city's own nodes."""
    nodes = state["nodes"]
    current: str | None = code
    while current is not None and current in nodes:
        if nodes[current].level == "county":
            return current
        current = nodes[current].parent
    return None


def _root(state: State) -> tuple[str, str]:
    for code in sorted(state["nodes"]):
        node = state["nodes"][code]
        if node.parent is None and node.role == Role.CORE.value and node.network == "extranet":
            return code, node.name
    return "city", "city"


def coverage(state: State, by: str = "county") -> list[CoverageRow]:
    """Coverage rows of ``state`` grouped ``by`` county or level, then the total row."""
    if by not in GROUPINGS:
        raise ValueError(f"by: {by!r} is not one of {', '.join(GROUPINGS)}")
    nodes = state["nodes"]
    uplinked = _uplinked(state)
    city, city_name = _root(state)

    def group(code: str) -> str:
        if by == "level":
            return str(nodes[code].level)
        return _county_of(state, code) or city

    counts: dict[str, list[int]] = {}

    def add(key: str, index: int) -> None:
        counts.setdefault(key, [0, 0, 0, 0])[index] += 1

    for code, node in nodes.items():
        if not _division(node):
            continue
        add(group(code), 0)
        if node.status == "active" and code in uplinked:
            add(group(code), 1)
    held: dict[str, str] = {}
    for p in state["prefixes"].values():
        if p.role == "subnet" and p.department and p.node:
            held.setdefault(p.department, p.node)
    for code, dept in state["departments"].items():
        home = nodes.get(dept.node)
        if home is None:
            continue
        add(group(dept.node), 2)
        where = held.get(code)
        attached = nodes.get(where) if where else None
        if attached is not None and attached.status == "active" and home.status == "active":
            add(group(dept.node), 3)
    order: list[str]
    names: dict[str, str]
    if by == "level":
        order = [str(lvl.value) for lvl in LEVEL_ORDER if lvl.value in counts]
        names = {k: k for k in order}
    else:
        order = sorted(counts, key=lambda k: (k != city, k))
        names = {k: (city_name if k == city else nodes[k].name) for k in order}
    rows = [CoverageRow(k, names[k], *counts[k]) for k in order]
    total = [sum(r[i] for r in counts.values()) for i in range(4)]
    return [*rows, CoverageRow(TOTAL, TOTAL, *total)]


def current(inventory: Any, by: str = "county") -> list[CoverageRow]:
    """The coverage of the inventory now."""
    with inventory.sessions() as session:
        state = load_state(session)[0]
    return coverage(state, by)


# -- history --------------------------------------------------------------------------------
@dataclass(frozen=True)
class HistoryRow:
    day: date
    row: CoverageRow

    def to_dict(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), **self.row.to_dict()}


def snapshot(inventory: Any, day: date | None = None) -> list[HistoryRow]:
    """Record the coverage of ``day`` (default today, UTC) for both groupings; idempotent."""
    from .schema import upgrade

    upgrade(inventory.engine)
    day = day or datetime.now(UTC).date()
    with inventory.sessions() as session:
        state = load_state(session)[0]
    now = datetime.now(UTC).replace(tzinfo=None)
    out: list[HistoryRow] = []
    with transaction(inventory.sessions) as session:
        session.execute(delete(CoverageSnapshot).where(CoverageSnapshot.day == day))
        for by in GROUPINGS:
            for row in coverage(state, by):
                session.add(
                    CoverageSnapshot(
                        day=day,
                        grouping=by,
                        group_key=row.key,
                        group_name=row.name,
                        nodes_planned=row.nodes_planned,
                        nodes_connected=row.nodes_connected,
                        departments_planned=row.departments_planned,
                        departments_connected=row.departments_connected,
                        taken_at=now,
                    )
                )
                if by == "county":
                    out.append(HistoryRow(day, row))
    return out


def history(inventory: Any, by: str = "county") -> list[HistoryRow]:
    """Every recorded day's rows of grouping ``by``, oldest first (total last in each day)."""
    from .schema import upgrade

    if by not in GROUPINGS:
        raise ValueError(f"by: {by!r} is not one of {', '.join(GROUPINGS)}")
    upgrade(inventory.engine)
    with inventory.sessions() as session:
        rows = session.execute(
            select(CoverageSnapshot)
            .where(CoverageSnapshot.grouping == by)
            .order_by(CoverageSnapshot.day, CoverageSnapshot.id)
        ).scalars()
        return [
            HistoryRow(
                r.day,
                CoverageRow(
                    r.group_key,
                    r.group_name,
                    r.nodes_planned,
                    r.nodes_connected,
                    r.departments_planned,
                    r.departments_connected,
                ),
            )
            for r in rows
        ]


# -- output -----------------------------------------------------------------------------------
COLUMNS = (
    "group",
    "name",
    "nodes_planned",
    "nodes_connected",
    "nodes_percent",
    "departments_planned",
    "departments_connected",
    "departments_percent",
)


def _cells(row: CoverageRow) -> list[Any]:
    return [
        row.key,
        row.name,
        row.nodes_planned,
        row.nodes_connected,
        row.nodes_percent,
        row.departments_planned,
        row.departments_connected,
        row.departments_percent,
    ]


def to_csv(rows: Sequence[CoverageRow | HistoryRow]) -> str:
    """CSV with a header; history rows get a leading ``day`` column."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    dated = bool(rows) and isinstance(rows[0], HistoryRow)
    writer.writerow((["day"] if dated else []) + list(COLUMNS))
    for item in rows:
        if isinstance(item, HistoryRow):
            writer.writerow([item.day.isoformat(), *_cells(item.row)])
        else:
            writer.writerow(_cells(item))
    return buffer.getvalue()


def to_table(rows: Iterable[CoverageRow | HistoryRow]) -> list[str]:
    """Aligned text lines (``nodes 12/20 60.0%``)."""
    lines = []
    for item in rows:
        day = f"{item.day.isoformat()}  " if isinstance(item, HistoryRow) else ""
        row = item.row if isinstance(item, HistoryRow) else item
        label = row.key if row.key == row.name else f"{row.key} {row.name}"
        lines.append(
            f"{day}{label:<24} nodes {row.nodes_connected:>5}/{row.nodes_planned:<5} "
            f"{row.nodes_percent:5.1f}%  departments {row.departments_connected:>5}/"
            f"{row.departments_planned:<5} {row.departments_percent:5.1f}%"
        )
    return lines
