"""What the page blueprints share: components, the division tree with health colours.

The division tree and the dashboard's counts are built over the whole city (about
5,500 nodes: 70-80 ms of CPU per page, measured by ``bench/bench_console.py``
and cProfile); they are kept per application (:func:`cached`) while a
fingerprint of the rows they are made of (count and newest id of nodes and
departments, count and newest update of alarms) is unchanged, and for at most
:data:`CACHE_SECONDS`, so a node edited in place shows within that time and an
added node, department or any alarm change at once.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import current_app, g
from sqlalchemy import func, select

from inventory.choices import DIVISION_ROLE_LEVEL
from inventory.models import Department, Node
from inventory.service import Inventory
from monitoring.models import Alarm
from monitoring.service import Monitoring

T = TypeVar("T")
#: the longest a cached tree or count is reused although its fingerprint did not change
CACHE_SECONDS = 5.0
_CACHE_LOCK = threading.Lock()

DIVISION_ROLES = {r.value for r in DIVISION_ROLE_LEVEL}
LEVELS = ("city", "county", "township", "village")


def inventory() -> Inventory:
    found: Inventory = current_app.extensions["egovnet"]["inventory"]
    return found


def monitoring() -> Monitoring:
    found: Monitoring = current_app.extensions["egovnet"]["monitoring"]
    return found


def health_of(status: str, severities: list[str]) -> str:
    """``down`` (a critical alarm), ``degraded`` (another alarm), ``ok``, or ``unknown``.

    >>> health_of("active", ["minor"]), health_of("planned", []), health_of("active", [])
    ('degraded', 'unknown', 'ok')
    """
    if "critical" in severities:
        return "down"
    if severities:
        return "degraded"
    return "ok" if status == "active" else "unknown"


WORST = {"down": 3, "degraded": 2, "ok": 1, "unknown": 0}


@dataclass
class TreeNode:
    code: str
    name: str
    level: str
    role: str
    status: str
    health: str
    children: list[TreeNode] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    worst: str = "unknown"
    alarms: int = 0


def fingerprint() -> tuple[Any, ...]:
    """What changes when the tree or the counts could: one small query per table, per request."""
    found = g.get("egovnet_fingerprint")
    if found is None:
        with inventory().sessions() as session:
            nodes = session.execute(select(func.count(), func.max(Node.id))).one()
            departments = session.execute(
                select(func.count(), func.max(Department.id)).select_from(Department)
            ).one()
            alarms = session.execute(
                select(func.count(), func.max(Alarm.id), func.max(Alarm.updated_at))
            ).one()
        found = (tuple(nodes), tuple(departments), tuple(alarms))
        g.egovnet_fingerprint = found
    return tuple(found)


def cached(name: str, build: Callable[[], T]) -> T:
    """``build()``, reused while :func:`fingerprint` holds and for :data:`CACHE_SECONDS` at most.

    The value is shared by concurrent requests: callers only read it.
    """
    store: dict[str, tuple[Any, float, Any]] = current_app.extensions.setdefault(
        "egovnet.page_cache", {}
    )
    key, now = fingerprint(), time.monotonic()
    with _CACHE_LOCK:
        hit = store.get(name)
    if hit is not None and hit[0] == key and now - hit[1] < CACHE_SECONDS:
        value: T = hit[2]
        return value
    made = build()
    with _CACHE_LOCK:
        store[name] = (key, now, made)
    return made


def division_tree() -> list[TreeNode]:
    """The division hierarchy with counts below each node and the worst health of its subtree.

    Shared between requests (:func:`cached`): do not modify it.
    """
    return cached("division_tree", build_division_tree)


def build_division_tree() -> list[TreeNode]:
    """:func:`division_tree`, computed."""
    inv = inventory()
    open_by_node = monitoring().alarm_store().open_by_node()
    with inv.sessions() as session:
        rows = session.execute(
            select(
                Node.id, Node.code, Node.name, Node.level, Node.role, Node.status, Node.parent_id
            )
        ).all()
        departments = Counter(session.execute(select(Department.home_node_id)).scalars())
    by_id = {r.id: r for r in rows}
    made: dict[int, TreeNode] = {}
    for r in rows:
        if r.role in DIVISION_ROLES:
            severities = open_by_node.get(r.code, [])
            made[r.id] = TreeNode(
                r.code, r.name, r.level, r.role, r.status, health_of(r.status, severities)
            )
            made[r.id].alarms = len(severities)

    def division_above(r: Any) -> int | None:
        up: int | None = r.parent_id
        while up is not None and up not in made:
            up = by_id[up].parent_id
        return up

    roots: list[TreeNode] = []
    for r in rows:
        if r.id in made:
            parent = division_above(r)
            if parent is None:
                roots.append(made[r.id])
            else:
                made[parent].children.append(made[r.id])
        else:  # a site device: its alarms count for the division it hangs under
            parent = division_above(r)
            if parent is not None and open_by_node.get(r.code):
                here = made[parent]
                here.alarms += len(open_by_node[r.code])
                mine = health_of("active", open_by_node[r.code])
                if WORST[mine] > WORST[here.health]:
                    here.health = mine
    for node_id, count in departments.items():
        target = (
            node_id
            if node_id in made
            else (division_above(by_id[node_id]) if node_id in by_id else None)
        )
        if target is not None:
            made[target].counts["departments"] += count

    def finish(n: TreeNode) -> None:
        n.children.sort(key=lambda c: c.code)
        n.worst = n.health
        for kid in n.children:
            finish(kid)
            n.counts[kid.level] += 1
            n.counts.update(kid.counts)
            n.alarms += kid.alarms
            if WORST[kid.worst] > WORST[n.worst]:
                n.worst = kid.worst

    for root in roots:
        finish(root)
    roots.sort(key=lambda c: c.code)
    return roots


def find(roots: list[TreeNode], code: str) -> TreeNode | None:
    stack = list(roots)
    while stack:
        n = stack.pop()
        if n.code == code:
            return n
        stack.extend(n.children)
    return None
