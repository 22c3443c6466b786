"""Findings in the database: record (deduplicated), lifecycle, list, export; security's migrations.

A finding is identified by ``(check, node, key)``: recording it again updates
``last_seen`` and ``seen_count``, never adds a row. Lifecycle::

    open -> acknowledged -> fixed -> verified
      \\________\\______________\\-> false_positive (with a reason)

``ack``, ``fix`` and ``false-positive`` are done by an account with
``findings.manage`` and audited (hash-chained log, same transaction).
``verified`` is set only by a re-check: when the check that produced a
finding runs again on its node and no longer finds it, an ``open``,
``acknowledged`` or ``fixed`` finding becomes ``verified``. A ``fixed`` or
``verified`` finding that is found again is reopened (``open``, ``reopened``
counted); a false positive stays one. New and reopened findings are queued in
the syslog outbox in the same transaction (:mod:`security.outbox`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from inventory.db import MigrationChain, lock, make_session_factory, transaction

from .errors import SecurityError
from .models import SEVERITIES, STATES, Finding
from .outbox import Outbox
from .scope import NodeRef

if TYPE_CHECKING:
    from inventory.audit import Actor, AuditLog

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_security"
CHAIN = MigrationChain(MIGRATIONS, VERSION_TABLE)
_alembic_config = CHAIN.config
#: The security schema revision in the database (None before the first upgrade).
current_revision = CHAIN.current_revision
#: Bring the security tables to the newest migration (no-op when already there).
upgrade = CHAIN.upgrade
#: states a re-check that no longer finds the finding turns into ``verified``
UNRESOLVED = ("open", "acknowledged", "fixed")
#: allowed manual transitions: command -> (states it starts from, state it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "ack": (("open",), "acknowledged"),
    "fix": (("open", "acknowledged"), "fixed"),
    "false-positive": (("open", "acknowledged", "fixed"), "false_positive"),
}
MANAGE = "findings.manage"


class FindingRecord(TypedDict):
    """The common shape every producer (baseline, probes, inspection) hands over."""

    check: str
    severity: str
    node: str | None
    department: str | None
    key: str
    title: str
    evidence: Any
    fix: str | None


class FindingError(SecurityError):
    """A finding operation was refused (unknown id, bad transition, missing reason)."""


class NotAllowed(FindingError):
    """The acting account lacks ``findings.manage``."""


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back: they were stored as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _iso(moment: datetime | None) -> str | None:
    aware = _aware(moment)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z") if aware else None


@dataclass(frozen=True)
class FindingView:
    """A finding detached from the session (what the CLI, the export and syslog see)."""

    id: int
    check: str
    source: str
    node: str | None
    key: str
    department: str | None
    county: str | None
    severity: str
    title: str
    evidence: Any
    fix: str | None
    state: str
    reason: str | None
    seen_count: int
    reopened: int
    first_seen: datetime
    last_seen: datetime
    updated_at: datetime
    changed_by: str | None

    @classmethod
    def of(cls, row: Finding) -> FindingView:
        return cls(
            id=row.id,
            check=row.check,
            source=row.source,
            node=row.node or None,
            key=row.key,
            department=row.department,
            county=row.county,
            severity=row.severity,
            title=row.title,
            evidence=json.loads(row.evidence),
            fix=row.fix,
            state=row.state,
            reason=row.reason,
            seen_count=row.seen_count,
            reopened=row.reopened,
            first_seen=_aware(row.first_seen) or row.first_seen,
            last_seen=_aware(row.last_seen) or row.last_seen,
            updated_at=_aware(row.updated_at) or row.updated_at,
            changed_by=row.changed_by,
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (times in ISO 8601 UTC); the export's line format."""
        return {
            "id": self.id,
            "check": self.check,
            "severity": self.severity,
            "node": self.node,
            "department": self.department,
            "county": self.county,
            "key": self.key,
            "title": self.title,
            "evidence": self.evidence,
            "fix": self.fix,
            "state": self.state,
            "reason": self.reason,
            "source": self.source,
            "seen_count": self.seen_count,
            "reopened": self.reopened,
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
            "updated_at": _iso(self.updated_at),
            "changed_by": self.changed_by,
        }


@dataclass
class RecordResult:
    """What recording one target's findings did."""

    new: list[int]
    reopened: list[int]
    seen: list[int]
    verified: list[int]


def validate_record(record: Mapping[str, Any]) -> FindingRecord:
    """A record checked field by field; FindingError names the field."""
    for name in ("check", "key", "title"):
        value = record.get(name)
        if not isinstance(value, str) or not value.strip():
            raise FindingError(f"finding record: {name} must be a non-empty string")
    if record.get("severity") not in SEVERITIES:
        raise FindingError(f"finding record: severity must be one of {', '.join(SEVERITIES)}")
    for name in ("node", "department", "fix"):
        if record.get(name) is not None and not isinstance(record.get(name), str):
            raise FindingError(f"finding record: {name} must be a string or null")
    try:
        json.dumps(record.get("evidence"))
    except (TypeError, ValueError):
        raise FindingError("finding record: evidence must be JSON") from None
    if len(str(record["key"])) > 500 or len(str(record["check"])) > 64:
        raise FindingError("finding record: key (500) or check (64) too long")
    return FindingRecord(
        check=record["check"],
        severity=record["severity"],
        node=record.get("node"),
        department=record.get("department"),
        key=record["key"],
        title=record["title"],
        evidence=record.get("evidence"),
        fix=record.get("fix"),
    )


class FindingStore:
    """Findings over the application database (its own tables, inventory beside it)."""

    def __init__(
        self,
        engine: Engine,
        *,
        audit: AuditLog | None = None,
        outbox: Outbox | None = None,
        sessions: sessionmaker[Session] | None = None,
    ) -> None:
        self.engine = engine
        self.sessions = sessions or make_session_factory(engine)
        self.audit = audit
        self.outbox = outbox

    def ensure_schema(self) -> None:
        upgrade(self.engine)

    # -- recording -----------------------------------------------------------
    def record(
        self,
        source: str,
        node: str | None,
        records: Iterable[Mapping[str, Any]],
        *,
        nodes: Mapping[str, NodeRef] | None = None,
        actor: Actor | None = None,
        now: datetime | None = None,
        session: Session | None = None,
    ) -> RecordResult:
        """Record what ``source`` found on ``node`` (None: network-wide) in one transaction.

        Findings of ``source`` on ``node`` that are not among ``records`` were
        re-checked and are gone: unresolved ones become ``verified``.
        """
        checked = [validate_record(r) for r in records]
        if session is not None:
            return self._record(session, source, node, checked, nodes or {}, actor, now)
        with transaction(self.sessions) as own:
            return self._record(own, source, node, checked, nodes or {}, actor, now)

    def _record(
        self,
        session: Session,
        source: str,
        node: str | None,
        records: Sequence[FindingRecord],
        nodes: Mapping[str, NodeRef],
        actor: Actor | None,
        now: datetime | None,
    ) -> RecordResult:
        moment = now or datetime.now(UTC)
        lock(session, "security_findings")
        result = RecordResult([], [], [], [])
        seen_ids: set[int] = set()
        for rec in records:
            code = rec["node"] if rec["node"] is not None else node
            ref = nodes.get(code) if code else None
            department = rec["department"] or (ref.department if ref else None)
            row = session.execute(
                select(Finding).where(
                    Finding.check == rec["check"],
                    Finding.node == (code or ""),
                    Finding.key == rec["key"],
                )
            ).scalar_one_or_none()
            if row is None:
                row = Finding(
                    check=rec["check"],
                    source=source,
                    node=code or "",
                    key=rec["key"],
                    department=department,
                    county=ref.county if ref else None,
                    severity=rec["severity"],
                    title=rec["title"],
                    evidence=json.dumps(rec["evidence"], ensure_ascii=False, sort_keys=True),
                    fix=rec["fix"],
                    state="open",
                    seen_count=1,
                    reopened=0,
                    first_seen=moment,
                    last_seen=moment,
                    updated_at=moment,
                )
                session.add(row)
                session.flush()
                result.new.append(row.id)
                self._forward(session, row, "new", moment)
            else:
                if row.id in seen_ids:
                    continue  # the same finding twice in one batch
                row.seen_count += 1
                row.last_seen = moment
                row.updated_at = moment
                row.severity = rec["severity"]
                row.title = rec["title"]
                row.evidence = json.dumps(rec["evidence"], ensure_ascii=False, sort_keys=True)
                row.fix = rec["fix"]
                row.department = department or row.department
                if row.state in ("fixed", "verified"):
                    before = row.state
                    row.state = "open"
                    row.reopened += 1
                    row.changed_by = actor.name if actor else f"recheck:{source}"
                    result.reopened.append(row.id)
                    self._audit(session, actor, "finding.reopen", row, {"from": before}, moment)
                    self._forward(session, row, "reopened", moment)
                else:
                    result.seen.append(row.id)
            seen_ids.add(row.id)
        gone = session.execute(
            select(Finding).where(
                Finding.source == source,
                Finding.node == (node or ""),
                Finding.state.in_(UNRESOLVED),
                Finding.id.not_in(seen_ids) if seen_ids else Finding.id.is_not(None),
            )
        ).scalars()
        for row in gone:
            before = row.state
            row.state = "verified"
            row.updated_at = moment
            row.changed_by = actor.name if actor else f"recheck:{source}"
            result.verified.append(row.id)
            self._audit(session, actor, "finding.verify", row, {"from": before}, moment)
        return result

    def _forward(self, session: Session, row: Finding, event: str, moment: datetime) -> None:
        if self.outbox is not None:
            self.outbox.enqueue_finding(session, FindingView.of(row), event, moment)

    def _audit(
        self,
        session: Session,
        actor: Actor | None,
        action: str,
        row: Finding,
        details: dict[str, Any],
        moment: datetime,
    ) -> None:
        if self.audit is None:
            return
        from inventory.audit import Actor as AuditActor

        who = actor or AuditActor(f"recheck:{row.source}", "system")
        body = {"check": row.check, "node": row.node or None, "state": row.state, **details}
        self.audit.append(
            who, action, f"finding:{row.id}", body, source="security", session=session
        )

    # -- lifecycle -----------------------------------------------------------
    def transition(
        self,
        finding_id: int,
        command: str,
        actor: Actor,
        *,
        reason: str | None = None,
        source: str = "cli",
    ) -> FindingView:
        """Apply ``ack``, ``fix`` or ``false-positive`` as ``actor`` (audited, via ``source``)."""
        from inventory.accounts import PERMISSIONS

        if command not in TRANSITIONS:
            raise FindingError(f"unknown transition {command!r}")
        if actor.role not in {str(r) for r in PERMISSIONS.get(MANAGE, frozenset())}:
            raise NotAllowed(f"{actor.name} ({actor.role}) lacks {MANAGE}")
        starts, target = TRANSITIONS[command]
        if command == "false-positive" and not (reason and reason.strip()):
            raise FindingError("a false positive needs a reason (--reason)")
        moment = datetime.now(UTC)
        with transaction(self.sessions) as session:
            row = session.get(Finding, finding_id, with_for_update=True)
            if row is None:
                raise FindingError(f"finding {finding_id} does not exist")
            if row.state not in starts:
                raise FindingError(
                    f"finding {finding_id} is {row.state}: {command} needs {' or '.join(starts)}"
                )
            before = row.state
            row.state = target
            row.updated_at = moment
            row.changed_by = actor.name
            if reason:
                row.reason = reason.strip()
            details: dict[str, Any] = {"from": before}
            if reason:
                details["reason"] = reason.strip()
            if self.audit is not None:
                self.audit.append(
                    actor,
                    f"finding.{command}",
                    f"finding:{row.id}",
                    {"check": row.check, "node": row.node or None, "state": target, **details},
                    source=source,
                    session=session,
                )
            return FindingView.of(row)

    # -- reading -------------------------------------------------------------
    def get(self, finding_id: int) -> FindingView:
        with self.sessions() as session:
            row = session.get(Finding, finding_id)
            if row is None:
                raise FindingError(f"finding {finding_id} does not exist")
            return FindingView.of(row)

    def list(
        self,
        *,
        state: str | None = None,
        county: str | None = None,
        node: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
        severity: str | None = None,
        department: str | None = None,
        check: str | None = None,
        nodes: Iterable[str] | None = None,
        newest_first: bool = False,
    ) -> list[FindingView]:
        """Findings, oldest change first (``since``: changed at or after it).

        ``nodes`` keeps the findings of those nodes only (a scoped account's subtree);
        ``newest_first`` turns the order round (what a console list shows).
        """
        if state is not None and state not in STATES:
            raise FindingError(f"state must be one of {', '.join(STATES)}")
        if newest_first:
            stmt = select(Finding).order_by(Finding.updated_at.desc(), Finding.id.desc())
        else:
            stmt = select(Finding).order_by(Finding.updated_at, Finding.id)
        if severity is not None:
            stmt = stmt.where(Finding.severity == severity)
        if department is not None:
            stmt = stmt.where(Finding.department == department)
        if check is not None:
            stmt = stmt.where(Finding.check == check)
        if nodes is not None:
            stmt = stmt.where(Finding.node.in_(list(nodes)))
        if state is not None:
            stmt = stmt.where(Finding.state == state)
        if county is not None:
            stmt = stmt.where(Finding.county == county)
        if node is not None:
            stmt = stmt.where(Finding.node == node)
        if since is not None:
            stmt = stmt.where(Finding.updated_at >= since.astimezone(UTC))
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.sessions() as session:
            return [FindingView.of(r) for r in session.execute(stmt).scalars()]

    def iter_export(self, since: datetime) -> Iterator[FindingView]:
        """Findings changed at or after ``since`` (the JSON feed)."""
        yield from self.list(since=since)

    def counts(self) -> dict[tuple[str, str, str], dict[str, int]]:
        """Unresolved findings by (check, county, severity) and state."""
        out: dict[tuple[str, str, str], dict[str, int]] = {}
        with self.sessions() as session:
            rows = session.execute(
                select(Finding.check, Finding.county, Finding.severity, Finding.state, func.count())
                .where(Finding.state.in_(UNRESOLVED))
                .group_by(Finding.check, Finding.county, Finding.severity, Finding.state)
            ).all()
        for check, county, severity, state, n in rows:
            key = (check, county or "none", severity)
            out.setdefault(key, dict.fromkeys(UNRESOLVED, 0))[state] = int(n)
        return out
