"""Database tables of security: campaigns, their runs and targets, findings, the syslog outbox.

Security keeps its tables beside the inventory's in the same database but owns
them: its own declarative :class:`Base` and Alembic history
(``security/migrations``, version table ``alembic_version_security``). Rows
refer to inventory objects by their codes, not by foreign keys, so the
inventory never depends on security. APScheduler's job table
(``security_apscheduler_jobs``) is created by APScheduler's own job store.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from inventory.models import NAMING

#: the states of a finding
STATES = ("open", "acknowledged", "fixed", "verified", "false_positive")
SEVERITIES = ("high", "medium", "low")


class Base(DeclarativeBase):
    """Declarative base of the security tables (not the inventory's)."""

    metadata = MetaData(naming_convention=NAMING)


class Campaign(Base):
    """Checks x scope x schedule."""

    __tablename__ = "security_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    #: registry names of the checks, comma-separated
    checks: Mapped[str] = mapped_column(Text)
    #: the scope expression as given (``county:411302,level:township``)
    scope: Mapped[str] = mapped_column(Text)
    #: a five-field crontab, or NULL for a campaign that runs once
    cron: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CampaignRun(Base):
    """One run of a campaign; ``state`` is ``running`` until every target is done."""

    __tablename__ = "security_campaign_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("security_campaigns.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))
    trigger: Mapped[str] = mapped_column(String(16))  # cli, schedule
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resumed: Mapped[int] = mapped_column(Integer, default=0)
    #: ``host:pid`` of the process working on the run, and when it last finished a target
    owner: Mapped[str | None] = mapped_column(String(300))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RunTarget(Base):
    """Progress of one (check, node) of a run: ``pending``, ``done`` or ``error``."""

    __tablename__ = "security_run_targets"
    __table_args__ = (Index("uq_security_run_targets", "run_id", "check", "node", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("security_campaign_runs.id"), index=True)
    check: Mapped[str] = mapped_column(String(64))
    node: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    found: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Finding(Base):
    """A finding; identity ``(check, node, key)`` (``node`` is '' for network-wide findings)."""

    __tablename__ = "security_findings"
    __table_args__ = (
        Index("uq_security_findings_identity", "check", "node", "key", unique=True),
        Index("ix_security_findings_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    check: Mapped[str] = mapped_column(String(64))
    #: the campaign check (registry name) that produced it: a re-check by that source verifies
    source: Mapped[str] = mapped_column(String(64))
    node: Mapped[str] = mapped_column(String(64), default="")
    key: Mapped[str] = mapped_column(String(500))
    department: Mapped[str | None] = mapped_column(String(64), index=True)
    county: Mapped[str | None] = mapped_column(String(64), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text)  # JSON
    fix: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    seen_count: Mapped[int] = mapped_column(Integer, default=1)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: the last change of any kind (seen, state): what ``findings export --since`` compares
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    changed_by: Mapped[str | None] = mapped_column(String(100))


class OutboxMessage(Base):
    """A syslog message to deliver to one collector; kept until it was sent."""

    __tablename__ = "security_syslog_outbox"
    __table_args__ = (Index("ix_security_syslog_outbox_pending", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    collector: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))  # finding, alarm
    ref: Mapped[str] = mapped_column(String(100))  # finding id, alarm id
    message: Mapped[str] = mapped_column(Text)  # the RFC 5424 message (UTF-8 text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
