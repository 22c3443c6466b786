"""The inventory as one object: what the CLI, the console and other packages call."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from . import bundle, db
from .accounts import Accounts
from .audit import AuditLog
from .choices import DIVISION_ROLE_LEVEL, LEVEL_ORDER, AllocationKind, Role
from .credentials import CredentialStore, encrypted_rows, load_key
from .errors import NotFoundError
from .ipam import Allocation, Ipam
from .models import Department, Link, Node, Prefix, RouteDistinguisher, Vlan, Zone
from .seed import build_city, example_divisions, read_divisions
from .settings import InventorySettings


def _plural(n: int, word: str) -> str:
    """``1 department``, ``2 departments``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@dataclass(frozen=True)
class ManagementAccess:
    """How a device is reached: address, ports and the name of its credential set."""

    address: str | None
    ssh_port: int
    snmp_port: int
    credential_ref: str | None


@dataclass(frozen=True)
class TreeLine:
    """One line of ``inventory tree``."""

    depth: int
    code: str
    name: str
    role: str
    platform: str | None
    status: str
    summary: str


class Inventory:
    """Facade over the inventory database (engine created here, connected lazily)."""

    def __init__(self, settings: InventorySettings) -> None:
        self.settings = settings
        self.engine: Engine = db.make_engine(settings.database_url)
        self.sessions: sessionmaker[Session] = db.make_session_factory(self.engine)
        self._credentials: CredentialStore | None = None
        self.accounts = Accounts(self.sessions)
        self.audit = AuditLog(self.sessions)

    def ensure_schema(self) -> None:
        """Create or upgrade the tables (Alembic); cheap when already current."""
        db.upgrade(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()

    @property
    def credentials(self) -> CredentialStore:
        if self._credentials is None:
            key = load_key(
                self.settings.secret_key,
                self.settings.secret_key_file,
                may_create=encrypted_rows(self.sessions) == 0,
            )
            store = CredentialStore(self.sessions, key)
            store.verify()
            self._credentials = store
        return self._credentials

    # -- import / export / seed ------------------------------------------------
    def import_path(self, path: Path, *, prune: bool = False, dry_run: bool = False) -> bundle.Plan:
        return bundle.import_state(
            self.sessions, bundle.read_path(path), prune=prune, dry_run=dry_run
        )

    def import_parsed(
        self, parsed: bundle.Parsed, *, prune: bool = False, dry_run: bool = False
    ) -> bundle.Plan:
        return bundle.import_state(self.sessions, parsed, prune=prune, dry_run=dry_run)

    def export_yaml(self) -> bytes:
        return bundle.export_yaml(bundle.export_state(self.sessions))

    def export_csv(self) -> dict[str, bytes]:
        return bundle.export_csv(bundle.export_state(self.sessions))

    def seed(self, divisions: Path | None = None, villages_per_township: int = 18) -> bundle.Plan:
        rows = read_divisions(divisions) if divisions else example_divisions()
        parsed = build_city(rows, self.settings.ipam, villages_per_township)
        return self.import_parsed(parsed)

    def is_empty(self) -> bool:
        with self.sessions() as session:
            return session.execute(select(func.count()).select_from(Node)).scalar_one() == 0

    def set_management(self, updates: dict[str, ManagementAccess]) -> dict[str, ManagementAccess]:
        """Point nodes at new management endpoints; returns what they had before."""
        with db.transaction(self.sessions) as session:
            rows = session.execute(select(Node).where(Node.code.in_(list(updates)))).scalars().all()
            missing = sorted(set(updates) - {r.code for r in rows})
            if missing:
                raise NotFoundError(f"node(s) {', '.join(missing[:5])} do not exist")
            before = {}
            for row in rows:
                before[row.code] = ManagementAccess(
                    row.mgmt_address, row.ssh_port, row.snmp_port, row.credential_ref
                )
                new = updates[row.code]
                row.mgmt_address, row.ssh_port = new.address, new.ssh_port
                row.snmp_port, row.credential_ref = new.snmp_port, new.credential_ref
            return before

    # -- IPAM ------------------------------------------------------------------------
    def allocate(
        self,
        node_code: str,
        kind: AllocationKind,
        size: int | None = None,
        department: str | None = None,
        zone: str | None = None,
    ) -> Allocation:
        with db.transaction(self.sessions) as session:
            node = self._node(session, node_code)
            dept = (
                self._by_code(session, Department, department, "department") if department else None
            )
            zone_row = self._by_code(session, Zone, zone, "zone") if zone else None
            return Ipam(session, self.settings.ipam).allocate(node, kind, size, zone_row, dept)

    def release(self, kind: AllocationKind, value: str, node_code: str | None = None) -> Allocation:
        with db.transaction(self.sessions) as session:
            node = self._node(session, node_code) if node_code else None
            return Ipam(session, self.settings.ipam).release(kind, value, node)

    # -- reading -----------------------------------------------------------------------
    def _node(self, session: Session, code: str) -> Node:
        node: Node = self._by_code(session, Node, code, "node")
        return node

    @staticmethod
    def _by_code(session: Session, model: Any, code: str, what: str) -> Any:
        row = session.execute(select(model).where(model.code == code)).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"{what} {code!r} does not exist")
        return row

    def stats(self) -> dict[str, Any]:
        """Counts per level, role, platform, status; departments; links; allocations."""
        with self.sessions() as session:

            def grouped(column: Any) -> dict[str, int]:
                rows = session.execute(select(column, func.count()).group_by(column)).all()
                return {str(k): int(v) for k, v in sorted(rows, key=lambda r: str(r[0]))}

            divisions = {
                str(level): int(n)
                for level, n in session.execute(
                    select(Node.level, func.count())
                    .where(
                        Node.role.in_([r.value for r in DIVISION_ROLE_LEVEL]),
                        Node.network == "extranet",
                    )
                    .group_by(Node.level)
                )
            }
            devices = session.execute(
                select(func.count()).select_from(Node).where(Node.platform.is_not(None))
            ).scalar_one()
            return {
                "nodes": {
                    "total": sum(grouped(Node.level).values()),
                    "by_level": grouped(Node.level),
                    "by_role": grouped(Node.role),
                    "by_platform": grouped(Node.platform),
                    "by_status": grouped(Node.status),
                    "by_network": grouped(Node.network),
                },
                "divisions": {level.value: divisions.get(level.value, 0) for level in LEVEL_ORDER},
                "devices": int(devices),
                "departments": {
                    "total": sum(grouped(Department.level).values()),
                    "by_level": grouped(Department.level),
                },
                "links": {"total": sum(grouped(Link.kind).values()), "by_kind": grouped(Link.kind)},
                "zones": grouped(Zone.kind),
                "allocations": {
                    "prefixes": grouped(Prefix.role),
                    "vlans": session.execute(select(func.count()).select_from(Vlan)).scalar_one(),
                    "route_distinguishers": session.execute(
                        select(func.count()).select_from(RouteDistinguisher)
                    ).scalar_one(),
                },
            }

    def tree(self, depth: int | None = None) -> list[TreeLine]:
        """The division hierarchy, site devices summarised, down to ``depth`` (city = 0)."""
        with self.sessions() as session:
            nodes = session.execute(
                select(
                    Node.id,
                    Node.code,
                    Node.name,
                    Node.role,
                    Node.platform,
                    Node.status,
                    Node.parent_id,
                    Node.level,
                )
            ).all()
            dept_count = Counter(session.execute(select(Department.home_node_id)).scalars())
        children: dict[int | None, list[Any]] = defaultdict(list)
        for n in nodes:
            children[n.parent_id].append(n)
        for kids in children.values():
            kids.sort(key=lambda n: n.code)

        def shown(n: Any) -> bool:
            return (
                Role(n.role) in DIVISION_ROLE_LEVEL
                or n.role in (Role.EGRESS_FIREWALL, Role.ISP)
                or n.parent_id is None
            )

        below: dict[int, Counter[str]] = {}

        def count(n: Any) -> Counter[str]:
            total: Counter[str] = Counter()
            for kid in children[n.id]:
                if Role(kid.role) in DIVISION_ROLE_LEVEL:
                    total[kid.level] += 1
                else:
                    total["sites"] += 1
                total.update(count(kid))
            total["departments"] += dept_count.get(n.id, 0)
            below[n.id] = total
            return total

        for root in children[None]:
            count(root)

        def summary(n: Any, hidden: bool) -> str:
            c = below[n.id]
            own_sites = sum(1 for kid in children[n.id] if not shown(kid))
            parts = []
            if hidden:
                for level, word in (
                    ("county", "counties"),
                    ("township", "townships"),
                    ("village", "villages"),
                ):
                    if c[level]:
                        parts.append(f"{c[level]} {word if c[level] > 1 else level}")
                parts.append(_plural(c["departments"], "department"))
            elif dept_count.get(n.id):
                parts.append(_plural(dept_count[n.id], "department"))
            if own_sites:
                parts.append(_plural(own_sites, "site device"))
            return ", ".join(parts)

        lines: list[TreeLine] = []

        def walk(n: Any, level: int) -> None:
            visible = [k for k in children[n.id] if shown(k)]
            hidden = depth is not None and level >= depth and bool(visible)
            lines.append(
                TreeLine(level, n.code, n.name, n.role, n.platform, n.status, summary(n, hidden))
            )
            if not hidden:
                for kid in visible:
                    walk(kid, level + 1)

        for root in children[None]:
            walk(root, 0)
        return lines

    def show(self, code: str) -> dict[str, Any]:
        """Everything about one node (or department): attributes, place, links, allocations."""
        with self.sessions() as session:
            node = session.execute(select(Node).where(Node.code == code)).scalar_one_or_none()
            if node is None:
                dept = session.execute(
                    select(Department).where(Department.code == code)
                ).scalar_one_or_none()
                if dept is None:
                    raise NotFoundError(f"no node or department has code {code!r}")
                return {
                    "department": dept.code,
                    "name": dept.name,
                    "level": dept.level,
                    "node": dept.home_node.code,
                    "site": dept.site_node.code if dept.site_node else None,
                    "public": dept.uses_public,
                    "internet": dept.internet,
                    "private_zone": dept.private_zone.code if dept.private_zone else None,
                    "mlps_level": dept.mlps_level,
                    "prefixes": list(
                        session.execute(
                            select(Prefix.prefix).where(Prefix.department_id == dept.id)
                        ).scalars()
                    ),
                    "vlans": list(
                        session.execute(
                            select(Vlan.vid).where(Vlan.department_id == dept.id)
                        ).scalars()
                    ),
                }
            path = []
            up = node.parent
            while up is not None:
                path.append(f"{up.code} {up.name}")
                up = up.parent
            links = (
                session.execute(
                    select(Link).where((Link.a_node_id == node.id) | (Link.b_node_id == node.id))
                )
                .scalars()
                .all()
            )
            return {
                "node": node.code,
                "name": node.name,
                "level": node.level,
                "role": node.role,
                "network": node.network,
                "platform": node.platform,
                "status": node.status,
                "mgmt_address": node.mgmt_address,
                "ssh_port": node.ssh_port,
                "snmp_port": node.snmp_port,
                "credentials": node.credential_ref,
                "mlps_level": node.mlps_level,
                "parents": path,
                "children": len(node.children),
                "departments": [
                    f"{d.code} {d.name}"
                    for d in session.execute(
                        select(Department)
                        .where(Department.home_node_id == node.id)
                        .order_by(Department.code)
                    ).scalars()
                ],
                "links": sorted(
                    f"{lk.a_node.code}:{lk.a_interface} -- {lk.b_node.code}:{lk.b_interface} "
                    f"({lk.kind}, {lk.bandwidth_mbps} Mb/s)"
                    for lk in links
                ),
                "prefixes": [
                    f"{p.prefix} {p.role}"
                    for p in session.execute(
                        select(Prefix).where(Prefix.node_id == node.id).order_by(Prefix.first)
                    ).scalars()
                ],
                "vlans": [
                    f"{v.vid} {v.name}"
                    for v in session.execute(
                        select(Vlan).where(Vlan.node_id == node.id).order_by(Vlan.vid)
                    ).scalars()
                ],
            }
