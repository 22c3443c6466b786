"""The audit log: append-only and hash-chained, so that editing or deleting a row is detected.

Each row's ``hash`` is SHA-256 over the previous row's hash and the canonical
JSON (sorted keys, no spaces, UTF-8) of the row's own fields, its ``id``
included; ids are consecutive from 1. :func:`verify` walks the rows in id
order and names the first row whose id, link or hash is wrong: an edited
row fails its own hash, a deleted row leaves a gap in the ids, a row
re-inserted with a forged hash breaks the next row's link. Deleting the
*newest* rows is seen only against a head known from before
(``egovnet audit verify --head N:HASH``, as printed by an earlier verify):
record it somewhere else (a ticket, the daily report) to close that gap.

Appends serialise on the ``audit`` lock row, so concurrent writers
(console, CLI, scheduler) never fork the chain. Triggers refuse UPDATE and
DELETE in the database itself (migration 0002).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from . import db
from .models import AuditEntry

GENESIS = "0" * 64
#: the fields the hash covers, in the order a row is shown
FIELDS = (
    "id",
    "at",
    "actor",
    "role",
    "contractor",
    "source",
    "action",
    "target",
    "details",
    "prev_hash",
)


@dataclass(frozen=True)
class Actor:
    """Who acts: an account name and role; ``contractor`` marks 外包 accounts."""

    name: str
    role: str
    contractor: bool = False


def canonical(value: Any) -> str:
    """Canonical JSON.

    >>> canonical({"b": 1, "a": "县"})
    '{"a":"县","b":1}'
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def row_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """SHA-256 of the previous hash followed by the canonical JSON of ``fields``."""
    body = {k: fields[k] for k in FIELDS}
    return hashlib.sha256((prev_hash + canonical(body)).encode()).hexdigest()


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: str
    actor: str
    role: str
    contractor: bool
    source: str
    action: str
    target: str
    details: dict[str, Any]
    prev_hash: str
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in (*FIELDS, "hash")}


@dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`AuditLog.verify`."""

    ok: bool
    rows: int
    head_id: int
    head_hash: str
    broken_id: int | None = None
    reason: str = ""

    @property
    def head(self) -> str:
        return f"{self.head_id}:{self.head_hash}"


def _fields(row: AuditEntry) -> dict[str, Any]:
    return {
        "id": row.id,
        "at": row.at,
        "actor": row.actor,
        "role": row.role,
        "contractor": bool(row.contractor),
        "source": row.source,
        "action": row.action,
        "target": row.target,
        "details": row.details,
        "prev_hash": row.prev_hash,
    }


class AuditLog:
    """The ``audit_log`` table."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory

    def append(
        self,
        actor: Actor,
        action: str,
        target: str,
        details: Mapping[str, Any] | None = None,
        *,
        source: str = "cli",
        session: Session | None = None,
        now: datetime | None = None,
    ) -> AuditRow:
        """Append one row (in ``session``'s transaction when given, so it commits with the write)."""
        if session is not None:
            return self._append(session, actor, action, target, details, source, now)
        with db.transaction(self._factory) as own:
            return self._append(own, actor, action, target, details, source, now)

    def _append(
        self,
        session: Session,
        actor: Actor,
        action: str,
        target: str,
        details: Mapping[str, Any] | None,
        source: str,
        now: datetime | None,
    ) -> AuditRow:
        db.lock(session, "audit")
        last = session.execute(
            select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
        ).one_or_none()
        prev_id, prev_hash = (last[0], last[1]) if last is not None else (0, GENESIS)
        moment = (now or datetime.now(UTC)).astimezone(UTC)
        fields: dict[str, Any] = {
            "id": prev_id + 1,
            "at": moment.isoformat(timespec="microseconds"),
            "actor": actor.name,
            "role": actor.role,
            "contractor": actor.contractor,
            "source": source,
            "action": action,
            "target": target[:300],
            "details": canonical(dict(details or {})),
            "prev_hash": prev_hash,
        }
        digest = row_hash(prev_hash, fields)
        session.add(AuditEntry(**fields, hash=digest))
        session.flush()
        return _view(fields, digest)

    def rows(
        self,
        *,
        limit: int | None = 100,
        actor: str | None = None,
        action: str | None = None,
        contractor_only: bool = False,
    ) -> list[AuditRow]:
        """Rows, newest first."""
        stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
        if actor:
            stmt = stmt.where(AuditEntry.actor == actor)
        if action:
            stmt = stmt.where(AuditEntry.action.startswith(action))
        if contractor_only:
            stmt = stmt.where(AuditEntry.contractor.is_(True))
        if limit is not None:
            stmt = stmt.limit(limit)
        with self._factory() as session:
            return [_view(_fields(r), r.hash) for r in session.execute(stmt).scalars()]

    def verify(self, *, head: str | None = None) -> Verdict:
        """Walk the chain; ``head`` ``N:HASH`` (an earlier verdict's head) must still be in it."""
        prev_id, prev_hash, count = 0, GENESIS, 0
        want_id, want_hash = None, None
        if head:
            number, _, digest = head.partition(":")
            want_id, want_hash = int(number), digest
        seen_head = want_id is None
        with self._factory() as session:
            for row in session.execute(
                select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=1000)
            ).scalars():
                fields = _fields(row)
                if row.id != prev_id + 1:
                    return Verdict(
                        False,
                        count,
                        prev_id,
                        prev_hash,
                        prev_id + 1,
                        f"row {prev_id + 1} is missing (the next row is {row.id})",
                    )
                if row.prev_hash != prev_hash:
                    return Verdict(
                        False,
                        count,
                        prev_id,
                        prev_hash,
                        row.id,
                        f"row {row.id} does not link to row {prev_id} (previous hash differs)",
                    )
                if row_hash(prev_hash, fields) != row.hash:
                    return Verdict(
                        False,
                        count,
                        prev_id,
                        prev_hash,
                        row.id,
                        f"row {row.id} was modified (its hash does not match its content)",
                    )
                if row.id == want_id:
                    if row.hash != want_hash:
                        return Verdict(
                            False,
                            count,
                            prev_id,
                            prev_hash,
                            row.id,
                            f"row {row.id} is not the row of the given head",
                        )
                    seen_head = True
                prev_id, prev_hash, count = row.id, row.hash, count + 1
        if not seen_head:
            return Verdict(
                False,
                count,
                prev_id,
                prev_hash,
                want_id,
                f"the given head row {want_id} is gone: the newest rows were deleted",
            )
        return Verdict(True, count, prev_id, prev_hash)


def _view(fields: Mapping[str, Any], digest: str) -> AuditRow:
    try:
        details = json.loads(fields["details"])
    except ValueError:
        details = {"unparsed": fields["details"]}
    return AuditRow(
        **{k: v for k, v in fields.items() if k != "details"},
        details=details if isinstance(details, dict) else {"value": details},
        hash=digest,
    )
