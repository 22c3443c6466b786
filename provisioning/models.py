"""Database tables of provisioning, with their own metadata and Alembic history.

Provisioning keeps its tables beside the inventory's in the same database but
owns them: its own declarative :class:`Base`, its own migrations
(``provisioning/migrations``, version table ``alembic_version_provisioning``).
Rows refer to inventory objects by their stable codes, not by foreign keys, so
the inventory never depends on provisioning. A backup's text holds device
secrets: it is stored encrypted (Fernet, the inventory's secret key) and
identified by a keyed digest (HMAC-SHA256), never in clear.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from inventory.models import NAMING  # one naming convention for every table


class Base(DeclarativeBase):
    """Declarative base of the provisioning tables (not the inventory's)."""

    metadata = MetaData(naming_convention=NAMING)


class ConfigVersion(Base):
    """One stored running configuration of a node: stored only when it changed."""

    __tablename__ = "provisioning_config_versions"
    __table_args__ = (UniqueConstraint("node", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    platform: Mapped[str] = mapped_column(String(32))
    #: HMAC-SHA256 (inventory secret key) of the text without volatile header lines.
    digest: Mapped[str] = mapped_column(String(64))
    #: Fernet token of the raw text as the device printed it.
    ciphertext: Mapped[str] = mapped_column(Text)
    lines: Mapped[int] = mapped_column(Integer)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: The last backup that found this same text.
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CoverageSnapshot(Base):
    """Coverage of one group (a county or a level) on one day; one row per day and group."""

    __tablename__ = "provisioning_coverage_snapshots"
    __table_args__ = (
        UniqueConstraint("day", "grouping", "group_key", name="uq_provisioning_coverage_day_group"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    #: ``county`` or ``level``
    grouping: Mapped[str] = mapped_column(String(16))
    #: the county's code (``city`` for the city's own nodes) or the level
    group_key: Mapped[str] = mapped_column(String(64))
    group_name: Mapped[str] = mapped_column(String(200))
    nodes_planned: Mapped[int] = mapped_column(Integer)
    nodes_connected: Mapped[int] = mapped_column(Integer)
    departments_planned: Mapped[int] = mapped_column(Integer)
    departments_connected: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime] = mapped_column(DateTime)


class Change(Base):
    """A change: intended configurations of some devices, their diffs, approval and push."""

    __tablename__ = "provisioning_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    #: ``onboarding``, ``manual``... (who made it and why)
    kind: Mapped[str] = mapped_column(String(32))
    author: Mapped[str] = mapped_column(String(128))
    created: Mapped[datetime] = mapped_column(DateTime)
    #: draft, checked, approved, pushing, confirmed, rolled_back, failed
    state: Mapped[str] = mapped_column(String(16), index=True)
    approver: Mapped[str | None] = mapped_column(String(128), nullable=True)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ChangeDevice(Base):
    """One device of a change: what it gets, and where its push stands (written ahead)."""

    __tablename__ = "provisioning_change_devices"
    __table_args__ = (UniqueConstraint("change_id", "node"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_id: Mapped[int] = mapped_column(
        ForeignKey("provisioning_changes.id", ondelete="CASCADE"), index=True
    )
    node: Mapped[str] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(String(32))
    #: Full intended configuration, secrets masked (as onboarding and render print it).
    intended: Mapped[str] = mapped_column(Text)
    #: The running configuration the diff was computed from, secrets masked.
    running: Mapped[str] = mapped_column(Text)
    #: ``device`` (read over SSH) or ``given``.
    source: Mapped[str] = mapped_column(String(16))
    diff: Mapped[list[str]] = mapped_column(JSON, default=list)
    commands: Mapped[list[str]] = mapped_column(JSON, default=list)
    rollback: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: pending, skipped, committing, committed, confirming, confirmed, rolling_back,
    #: rolled_back, reverting, failed
    state: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class ChangeEvent(Base):
    """Who moved a change (or one of its devices) from which state to which, and when."""

    __tablename__ = "provisioning_change_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_id: Mapped[int] = mapped_column(
        ForeignKey("provisioning_changes.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(128))
    #: what happened: ``create``, ``check``, ``approve``, ``push``, ``device``...
    action: Mapped[str] = mapped_column(String(32))
    #: the device's node code for a device event, else None
    node: Mapped[str | None] = mapped_column(String(64), nullable=True)
    from_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_state: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
