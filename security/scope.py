"""Campaign scopes: which nodes a campaign covers, read from the inventory.

A scope is comma-separated terms ``kind:value`` with kinds ``level``,
``county``, ``role`` and ``node``, or the single word ``all``. Terms of one kind
are alternatives (``node:A,node:B``: either node); different kinds must all
hold (``county:411302,level:township``: the townships of 宛城区). ``county:C``
covers the county node ``C`` and everything below it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import SecurityError

KINDS = ("level", "county", "role", "node")


class ScopeError(SecurityError):
    """A scope expression cannot be understood, or names nothing."""


@dataclass(frozen=True)
class Scope:
    """Parsed terms, by kind (an empty scope is ``all``)."""

    terms: Mapping[str, frozenset[str]]

    def __str__(self) -> str:
        if not self.terms:
            return "all"
        return ",".join(f"{k}:{v}" for k in KINDS for v in sorted(self.terms.get(k, ())))


def parse_scope(text: str) -> Scope:
    """Parse a scope expression.

    >>> str(parse_scope("level:township, county:411302"))
    'level:township,county:411302'
    >>> parse_scope("all").terms
    {}
    >>> parse_scope("town:1")
    Traceback (most recent call last):
    ...
    security.scope.ScopeError: scope term 'town:1': kind must be one of level, county, role, node
    """
    stripped = text.strip()
    if stripped == "all":
        return Scope({})
    terms: dict[str, set[str]] = defaultdict(set)
    parts = [p.strip() for p in stripped.split(",")]
    if not stripped or any(not p for p in parts):
        raise ScopeError(f"scope {text!r}: empty term (give kind:value terms or 'all')")
    for part in parts:
        kind, sep, value = part.partition(":")
        kind, value = kind.strip(), value.strip()
        if not sep or not value:
            raise ScopeError(f"scope term {part!r}: expected kind:value")
        if kind not in KINDS:
            raise ScopeError(f"scope term {part!r}: kind must be one of {', '.join(KINDS)}")
        if any(c.isspace() for c in value):
            raise ScopeError(f"scope term {part!r}: a value has no spaces")
        terms[kind].add(value)
    return Scope({k: frozenset(v) for k, v in terms.items()})


@dataclass(frozen=True)
class NodeRef:
    """What a campaign needs to know of one node."""

    code: str
    level: str
    role: str
    platform: str | None
    status: str
    mgmt_address: str | None
    ssh_port: int
    snmp_port: int
    county: str | None
    ancestry: tuple[str, ...]  # itself first
    departments: tuple[str, ...]

    @property
    def department(self) -> str | None:
        """The owning department: the first (by code) attached at this node."""
        return self.departments[0] if self.departments else None


def load_nodes(session: Session) -> dict[str, NodeRef]:
    """Every node of the inventory, with its county and departments."""
    from inventory.models import Department, Node

    rows = session.execute(
        select(
            Node.id,
            Node.code,
            Node.level,
            Node.role,
            Node.platform,
            Node.status,
            Node.mgmt_address,
            Node.ssh_port,
            Node.snmp_port,
            Node.parent_id,
        )
    ).all()
    by_id = {r.id: r for r in rows}
    depts: dict[int, set[str]] = defaultdict(set)
    for code, home, site in session.execute(
        select(Department.code, Department.home_node_id, Department.site_node_id)
    ).all():
        depts[site if site is not None else home].add(code)
    out: dict[str, NodeRef] = {}
    for r in rows:
        chain: list[Any] = []
        cur: Any = r
        while cur is not None and len(chain) < 64:
            chain.append(cur)
            cur = by_id.get(cur.parent_id) if cur.parent_id is not None else None
        county = next((c.code for c in chain if c.level == "county"), None)
        out[r.code] = NodeRef(
            code=r.code,
            level=r.level,
            role=r.role,
            platform=r.platform,
            status=r.status,
            mgmt_address=r.mgmt_address,
            ssh_port=r.ssh_port,
            snmp_port=r.snmp_port,
            county=county,
            ancestry=tuple(c.code for c in chain),
            departments=tuple(sorted(depts.get(r.id, ()))),
        )
    return out


def select_nodes(scope: Scope, nodes: Mapping[str, NodeRef]) -> list[str]:
    """Codes of ``nodes`` in ``scope``, sorted; ScopeError for an unknown node or county."""
    for kind in ("node", "county"):
        unknown = sorted(scope.terms.get(kind, frozenset()) - set(nodes))
        if unknown:
            raise ScopeError(f"scope {kind}:{unknown[0]}: no such node in the inventory")
    out = []
    for code, ref in nodes.items():
        if all(_holds(kind, values, ref) for kind, values in scope.terms.items()):
            out.append(code)
    return sorted(out)


def _holds(kind: str, values: Iterable[str], ref: NodeRef) -> bool:
    wanted = set(values)
    if kind == "node":
        return ref.code in wanted
    if kind == "level":
        return ref.level in wanted
    if kind == "role":
        return ref.role in wanted
    return bool(wanted & set(ref.ancestry))  # county: the county node and below
