"""Database tables of provisioning (configuration backups), with their own metadata and
Alembic history (``provisioning/migrations``, version table ``alembic_version_provisioning``).

Rows refer to nodes by their stable codes, not by foreign keys, so the inventory never
depends on provisioning. A backup's text holds device secrets: it is stored encrypted
(Fernet, the inventory's secret key) and identified by a keyed digest (HMAC-SHA256), never
in clear.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, MetaData, String, Text, UniqueConstraint
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
