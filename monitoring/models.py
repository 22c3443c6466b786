"""Database tables of monitoring (alarms), with their own metadata and Alembic history.

Monitoring keeps its tables beside the inventory's in the same database but
owns them: its own declarative :class:`Base`, its own migrations
(``monitoring/migrations``, version table ``alembic_version_monitoring``).
Rows refer to inventory objects by their stable codes and labels, not by
foreign keys, so the inventory never depends on monitoring.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, Index, MetaData, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from inventory.models import NAMING  # one naming convention for every table


class Base(DeclarativeBase):
    """Declarative base of the monitoring tables (not the inventory's)."""

    metadata = MetaData(naming_convention=NAMING)


class Alarm(Base):
    """One alarm: a rule that held for one object from ``started_at`` until ``ended_at``.

    At most one alarm per ``(rule, object_key)`` is open (``ended_at`` NULL),
    enforced by a partial unique index.
    """

    __tablename__ = "monitoring_alarms"
    __table_args__ = (
        Index(
            "uq_monitoring_alarms_open",
            "rule",
            "object_key",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        Index("ix_monitoring_alarms_started_at", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(32))
    #: ``node``, ``link`` or ``interface``.
    object_kind: Mapped[str] = mapped_column(String(16))
    #: The node code, link label or ``node:interface``.
    object_key: Mapped[str] = mapped_column(String(300))
    severity: Mapped[str] = mapped_column(String(16))
    node: Mapped[str] = mapped_column(String(64), index=True)
    interface: Mapped[str | None] = mapped_column(String(64))
    link: Mapped[str | None] = mapped_column(String(300))
    #: Codes of the departments attached at the node(s), comma-separated.
    departments: Mapped[str] = mapped_column(Text, default="")
    message: Mapped[str] = mapped_column(Text, default="")
    #: The measured value that raised the alarm (%, changes, polls), when there is one.
    value: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: Who acknowledged the alarm in the console, and when (migration m0002).
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
