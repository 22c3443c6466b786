"""The syslog outbox: findings and alarms queued in the database, delivered to every collector.

A message is queued in the transaction that records the finding, one row per
configured collector, so a crash or an unreachable collector never loses it.
:meth:`Outbox.deliver` sends what is due, marks what a collector took, and
on failure logs the error and backs off (``security.syslog_retry_seconds``,
doubling, at most an hour) — the message stays queued until it is taken.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from inventory.db import transaction

from .models import OutboxMessage
from .syslog import SYSLOG_SEVERITY, DeliveryError, format_message, send, structured_data

if TYPE_CHECKING:
    from .findings import FindingView
    from .settings import SecuritySettings

log = logging.getLogger(__name__)
MAX_BACKOFF = 3600.0
BATCH = 500


@dataclass
class DeliveryStats:
    sent: int = 0
    failed: int = 0
    pending: int = 0


def finding_message(view: FindingView, event: str, settings: SecuritySettings) -> bytes:
    """The RFC 5424 message of a new or reopened finding."""
    sd = structured_data(
        "finding",
        {
            "id": view.id,
            "event": event,
            "check": view.check,
            "node": view.node,
            "department": view.department,
            "county": view.county,
            "severity": view.severity,
            "state": view.state,
            "key": view.key,
        },
    )
    where = view.node or "network"
    return format_message(
        facility=settings.syslog_facility,
        severity=SYSLOG_SEVERITY.get(view.severity, 5),
        hostname=settings.syslog_hostname,
        app_name="egovnet",
        msgid="FINDING",
        sd=sd,
        msg=f"{view.check} {view.severity} {where}: {view.title}",
        timestamp=view.updated_at,
    )


def alarm_message(alarm: Mapping[str, Any], event: str, settings: SecuritySettings) -> bytes:
    """The RFC 5424 message of a monitoring alarm (``alarm``: its JSON form)."""
    departments = alarm.get("departments") or []
    sd = structured_data(
        "alarm",
        {
            "id": alarm.get("id"),
            "event": event,
            "rule": alarm.get("rule"),
            "node": alarm.get("node"),
            "department": ",".join(departments) if departments else None,
            "severity": alarm.get("severity"),
            "object": alarm.get("object") or alarm.get("object_key"),
        },
    )
    return format_message(
        facility=settings.syslog_facility,
        severity=SYSLOG_SEVERITY.get(str(alarm.get("severity")), 4),
        hostname=settings.syslog_hostname,
        app_name="egovnet",
        msgid="ALARM",
        sd=sd,
        msg=f"{alarm.get('rule')} {event} {alarm.get('node')}: {alarm.get('message', '')}",
    )


class Outbox:
    """Queued syslog messages of one database, for the configured collectors."""

    def __init__(self, sessions: sessionmaker[Session], settings: SecuritySettings) -> None:
        self.sessions = sessions
        self.settings = settings

    def _enqueue(
        self, session: Session, kind: str, ref: str, message: bytes, now: datetime
    ) -> None:
        for collector in self.settings.collectors:
            session.add(
                OutboxMessage(
                    collector=str(collector),
                    kind=kind,
                    ref=ref,
                    message=message.decode(),
                    attempts=0,
                    created_at=now,
                    next_attempt_at=now,
                )
            )

    def enqueue_finding(
        self, session: Session, view: FindingView, event: str, now: datetime
    ) -> None:
        self._enqueue(
            session, "finding", str(view.id), finding_message(view, event, self.settings), now
        )

    def enqueue_alarm(self, alarm: Mapping[str, Any], event: str) -> None:
        """Queue an alarm (raised/cleared) in its own transaction."""
        now = datetime.now(UTC)
        message = alarm_message(alarm, event, self.settings)
        with transaction(self.sessions) as session:
            self._enqueue(session, "alarm", str(alarm.get("id")), message, now)

    def pending(self) -> int:
        with self.sessions() as session:
            return int(
                session.execute(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.sent_at.is_(None))
                ).scalar_one()
            )

    def deliver(self, *, now: datetime | None = None, force: bool = False) -> DeliveryStats:
        """Send every due message (all pending ones with ``force``), oldest first per collector."""
        moment = now or datetime.now(UTC)
        known = {str(c): c for c in self.settings.collectors}
        stats = DeliveryStats()
        with transaction(self.sessions) as session:
            stmt = (
                select(OutboxMessage)
                .where(OutboxMessage.sent_at.is_(None))
                .order_by(OutboxMessage.id)
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            )
            if not force:
                stmt = stmt.where(OutboxMessage.next_attempt_at <= moment)
            rows = list(session.execute(stmt).scalars())
            by_collector: dict[str, list[OutboxMessage]] = {}
            for row in rows:
                by_collector.setdefault(row.collector, []).append(row)
            for name, batch in by_collector.items():
                collector = known.get(name)
                if collector is None:
                    continue  # no longer configured: kept, not sent
                try:
                    send(
                        collector,
                        [r.message.encode() for r in batch],
                        timeout=self.settings.syslog_timeout,
                    )
                except DeliveryError as exc:
                    log.warning(
                        "syslog delivery to %s failed (%d queued): %s", name, len(batch), exc
                    )
                    for r in batch:
                        r.attempts += 1
                        r.last_error = str(exc)
                        delay = min(
                            self.settings.syslog_retry_seconds * 2 ** (r.attempts - 1), MAX_BACKOFF
                        )
                        r.next_attempt_at = moment + timedelta(seconds=delay)
                    stats.failed += len(batch)
                    continue
                for r in batch:
                    r.attempts += 1
                    r.sent_at = moment
                    r.last_error = None
                stats.sent += len(batch)
        stats.pending = self.pending()
        return stats


class SyslogAlarmNotifier:
    """A monitoring alarm notifier (``send(event)``) that forwards alarms as syslog.

    Duck-typed on monitoring's ``AlarmEvent`` (``kind``, ``alarm.to_json()``):
    security does not import monitoring; the composition root adds it to the
    alarm evaluator's notifiers. The alarm is queued first, then delivery is
    tried; a collector that is down keeps it queued for the next retry.
    """

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    def send(self, event: Any) -> None:
        self.outbox.enqueue_alarm(event.alarm.to_json(), str(event.kind))
        stats = self.outbox.deliver()
        if stats.failed:
            log.warning("syslog: alarm %s queued, collector unreachable", event.alarm.id)
