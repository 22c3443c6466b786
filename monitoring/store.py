"""Alarms in the database: open (deduplicated), clear, list; monitoring's own migrations."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from inventory.db import MigrationChain, make_session_factory, transaction
from monitoring.models import Alarm

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_monitoring"
CHAIN = MigrationChain(MIGRATIONS, VERSION_TABLE)
_alembic_config = CHAIN.config
#: The monitoring schema revision in the database (None before the first upgrade).
current_revision = CHAIN.current_revision
#: Bring the monitoring tables to the newest migration (no-op when already there).
upgrade = CHAIN.upgrade


def _storable(alarm_id: int) -> bool:
    """Whether ``alarm_id`` fits the id column (a larger one names no alarm; found by schemathesis).

    >>> _storable(7), _storable(2**63), _storable(-1)
    (True, False, False)
    """
    return 0 < alarm_id < 2**63


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back: they were stored as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class AlarmView:
    """An alarm detached from the session (what the CLI, notifiers and tests see)."""

    id: int
    rule: str
    object_kind: str
    object_key: str
    severity: str
    node: str
    interface: str | None
    link: str | None
    departments: tuple[str, ...]
    message: str
    value: float | None
    started_at: datetime
    ended_at: datetime | None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None

    @property
    def open(self) -> bool:
        """True while the condition holds."""
        return self.ended_at is None

    @classmethod
    def of(cls, row: Alarm) -> AlarmView:
        started = _aware(row.started_at)
        assert started is not None  # noqa: S101 - the column is NOT NULL
        return cls(
            id=row.id,
            rule=row.rule,
            object_kind=row.object_kind,
            object_key=row.object_key,
            severity=row.severity,
            node=row.node,
            interface=row.interface,
            link=row.link,
            departments=tuple(d for d in row.departments.split(",") if d),
            message=row.message,
            value=row.value,
            started_at=started,
            ended_at=_aware(row.ended_at),
            acknowledged_by=row.acknowledged_by,
            acknowledged_at=_aware(row.acknowledged_at),
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (times in ISO 8601 UTC)."""
        return {
            "id": self.id,
            "rule": self.rule,
            "severity": self.severity,
            "object_kind": self.object_kind,
            "object": self.object_key,
            "node": self.node,
            "interface": self.interface,
            "link": self.link,
            "departments": list(self.departments),
            "message": self.message,
            "value": self.value,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "open": self.open,
            "acknowledged_by": self.acknowledged_by,
            "acknowledged_at": self.acknowledged_at.isoformat() if self.acknowledged_at else None,
        }


@dataclass(frozen=True)
class AlarmDraft:
    """What an evaluator wants open: the rule, the object and what to say about it."""

    rule: str
    object_kind: str
    object_key: str
    severity: str
    node: str
    message: str
    interface: str | None = None
    link: str | None = None
    departments: tuple[str, ...] = ()
    value: float | None = None


class AlarmStore:
    """The ``monitoring_alarms`` table through the inventory's engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions: sessionmaker[Session] = make_session_factory(engine)

    def ensure_schema(self) -> None:
        """Create or upgrade the monitoring tables."""
        upgrade(self.engine)

    def open_keys(self) -> set[tuple[str, str]]:
        """``(rule, object_key)`` of every open alarm."""
        with self.sessions() as session:
            rows = session.execute(
                select(Alarm.rule, Alarm.object_key).where(Alarm.ended_at.is_(None))
            ).all()
        return {(rule, key) for rule, key in rows}

    def open(self, draft: AlarmDraft, started_at: datetime) -> AlarmView | None:
        """Open an alarm for ``draft``; None when one is already open for that rule and object."""
        try:
            with transaction(self.sessions) as session:
                found = session.execute(
                    select(Alarm).where(
                        Alarm.rule == draft.rule,
                        Alarm.object_key == draft.object_key,
                        Alarm.ended_at.is_(None),
                    )
                ).scalar_one_or_none()
                if found is not None:
                    return None
                row = Alarm(
                    rule=draft.rule,
                    object_kind=draft.object_kind,
                    object_key=draft.object_key,
                    severity=draft.severity,
                    node=draft.node,
                    interface=draft.interface,
                    link=draft.link,
                    departments=",".join(draft.departments),
                    message=draft.message,
                    value=draft.value,
                    started_at=started_at,
                    ended_at=None,
                    updated_at=started_at,
                )
                session.add(row)
                session.flush()
                return AlarmView.of(row)
        except IntegrityError:  # a concurrent evaluator opened it first
            return None

    def clear(self, rule: str, object_key: str, ended_at: datetime) -> AlarmView | None:
        """Close the open alarm of ``rule`` on ``object_key``; None when none is open."""
        with transaction(self.sessions) as session:
            row = session.execute(
                select(Alarm).where(
                    Alarm.rule == rule, Alarm.object_key == object_key, Alarm.ended_at.is_(None)
                )
            ).scalar_one_or_none()
            if row is None:
                return None
            row.ended_at = max(ended_at, _aware(row.started_at) or ended_at)
            row.updated_at = ended_at
            session.flush()
            return AlarmView.of(row)

    def acknowledge(self, alarm_id: int, by: str, at: datetime) -> AlarmView | None:
        """Mark alarm ``alarm_id`` acknowledged by ``by``; None when no such alarm.

        Acknowledging twice keeps the first acknowledgement.
        """
        if not _storable(alarm_id):
            return None
        with transaction(self.sessions) as session:
            row = session.get(Alarm, alarm_id)
            if row is None:
                return None
            if row.acknowledged_by is None:
                row.acknowledged_by, row.acknowledged_at = by, at
            session.flush()
            return AlarmView.of(row)

    def get(self, alarm_id: int) -> AlarmView | None:
        if not _storable(alarm_id):
            return None
        with self.sessions() as session:
            row = session.get(Alarm, alarm_id)
            return AlarmView.of(row) if row is not None else None

    def open_by_node(self) -> dict[str, list[str]]:
        """Severities of the open alarms of each node (for health colours)."""
        with self.sessions() as session:
            rows = session.execute(
                select(Alarm.node, Alarm.severity).where(Alarm.ended_at.is_(None))
            ).all()
        out: dict[str, list[str]] = {}
        for node, severity in rows:
            out.setdefault(node, []).append(severity)
        return out

    def alarms(
        self,
        *,
        open_only: bool = False,
        limit: int | None = None,
        node: str | None = None,
        closed_only: bool = False,
    ) -> list[AlarmView]:
        """Alarms, newest first (only open ones when ``open_only``, of ``node`` when given)."""
        stmt = select(Alarm).order_by(Alarm.started_at.desc(), Alarm.id.desc())
        if open_only:
            stmt = stmt.where(Alarm.ended_at.is_(None))
        if closed_only:
            stmt = stmt.where(Alarm.ended_at.is_not(None))
        if node is not None:
            stmt = stmt.where(Alarm.node == node)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.sessions() as session:
            return [AlarmView.of(row) for row in session.execute(stmt).scalars()]

    def __iter__(self) -> Iterator[AlarmView]:
        return iter(self.alarms())
