"""SQLAlchemy models of the inventory.

Secrets never live here: a node names its credentials (``credential_ref``);
the encrypted store in :mod:`inventory.credentials` resolves the name when a
device is contacted.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from .codes import check_code

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Node(Base):
    """A device in the hierarchy (a division's router, the egress, a site's switch...)."""

    __tablename__ = "nodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("nodes.id", ondelete="RESTRICT"), index=True
    )
    network: Mapped[str] = mapped_column(String(16), default="extranet")
    role: Mapped[str] = mapped_column(String(32))
    platform: Mapped[str | None] = mapped_column(String(32))
    mgmt_address: Mapped[str | None] = mapped_column(String(64))
    ssh_port: Mapped[int] = mapped_column(Integer, default=22)
    snmp_port: Mapped[int] = mapped_column(Integer, default=161)
    credential_ref: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="planned")
    #: 等保 level (2 or 3); NULL: inherited from the parent, else the setting's default.
    mlps_level: Mapped[int | None] = mapped_column(Integer)

    parent: Mapped[Node | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Node]] = relationship(back_populates="parent")

    @validates("code")
    def _check_code(self, _key: str, code: str) -> str:
        return check_code(code)


class Zone(Base):
    """A routing domain: the public zone, the internet-access zone, or a private VPN."""

    __tablename__ = "zones"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    system: Mapped[str | None] = mapped_column(String(200))
    rd: Mapped[str | None] = mapped_column(String(32), unique=True)
    import_targets: Mapped[str] = mapped_column(Text, default="")
    export_targets: Mapped[str] = mapped_column(Text, default="")


class Department(Base):
    """A government department attached at a node (横向覆盖)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    home_node_id: Mapped[int] = mapped_column(
        ForeignKey("nodes.id", ondelete="RESTRICT"), index=True
    )
    site_node_id: Mapped[int | None] = mapped_column(
        ForeignKey("nodes.id", ondelete="RESTRICT"), index=True
    )
    uses_public: Mapped[bool] = mapped_column(Boolean, default=True)
    private_zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id", ondelete="RESTRICT"))
    internet: Mapped[bool] = mapped_column(Boolean, default=False)
    #: 等保 level of the department's system (2 or 3); NULL: its site's or home node's.
    mlps_level: Mapped[int | None] = mapped_column(Integer)

    home_node: Mapped[Node] = relationship(foreign_keys=[home_node_id])
    site_node: Mapped[Node | None] = relationship(foreign_keys=[site_node_id])
    private_zone: Mapped[Zone | None] = relationship()

    @validates("code")
    def _check_code(self, _key: str, code: str) -> str:
        return check_code(code)


class Link(Base):
    """A link between two node interfaces."""

    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint("a_node_id", "a_interface", name="uq_links_a_end"),
        UniqueConstraint("b_node_id", "b_interface", name="uq_links_b_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    a_node_id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="RESTRICT"))
    a_interface: Mapped[str] = mapped_column(String(64))
    b_node_id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="RESTRICT"), index=True)
    b_interface: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    bandwidth_mbps: Mapped[int] = mapped_column(Integer, default=1000)

    a_node: Mapped[Node] = relationship(foreign_keys=[a_node_id])
    b_node: Mapped[Node] = relationship(foreign_keys=[b_node_id])


class Prefix(Base):
    """An IPv4 pool or allocation; ``first``/``last`` make containment queries cheap."""

    __tablename__ = "prefixes"
    __table_args__ = (Index("ix_prefixes_range", "first", "last"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(64), unique=True)
    first: Mapped[int] = mapped_column(BigInteger)
    last: Mapped[int] = mapped_column(BigInteger)
    is_pool: Mapped[bool] = mapped_column(Boolean, default=False)
    role: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("prefixes.id", ondelete="RESTRICT"), index=True
    )
    node_id: Mapped[int | None] = mapped_column(
        ForeignKey("nodes.id", ondelete="RESTRICT"), index=True
    )
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT")
    )
    link_id: Mapped[int | None] = mapped_column(ForeignKey("links.id", ondelete="RESTRICT"))
    description: Mapped[str] = mapped_column(String(200), default="")

    node: Mapped[Node | None] = relationship()


class Vlan(Base):
    """A VLAN id allocated on a node."""

    __tablename__ = "vlans"
    __table_args__ = (UniqueConstraint("node_id", "vid", name="uq_vlans_node_vid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="RESTRICT"))
    vid: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64), default="")
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT")
    )

    node: Mapped[Node] = relationship()


class RouteDistinguisher(Base):
    """An allocated route distinguisher ``ASN:number``."""

    __tablename__ = "route_distinguishers"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[str] = mapped_column(String(32), unique=True)
    number: Mapped[int] = mapped_column(Integer)
    node_id: Mapped[int | None] = mapped_column(ForeignKey("nodes.id", ondelete="RESTRICT"))
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id", ondelete="RESTRICT"))


class Credential(Base):
    """An encrypted credential set; only the name is ever shown."""

    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    ciphertext: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


class Lock(Base):
    """Named rows locked with SELECT ... FOR UPDATE to serialise allocators."""

    __tablename__ = "locks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)


# -- accounts, audit and login sessions (see inventory.accounts, inventory.audit) ------------


class User(Base):
    """An account of the console and the CLI; ``expires_on`` set = a contractor."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str | None] = mapped_column(String(64))
    expires_on: Mapped[date | None] = mapped_column(Date)
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str | None] = mapped_column(String(8))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ApiToken(Base):
    """An API token of a user: only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)


class AuditEntry(Base):
    """One row of the append-only, hash-chained audit log."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    contractor: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(8))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(300))
    details: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class LoginSession(Base):
    """A server-side login session of the console (the cookie holds only ``id``)."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    data: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen: Mapped[datetime] = mapped_column(DateTime, index=True)
