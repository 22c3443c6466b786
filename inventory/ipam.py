"""Hierarchical IPAM on the database: pools, allocate-next-free, release.

Pools nest as the hierarchy does (city block → county pool → township pool →
node subnets); a node's subnet comes from the pool of its division, and
missing pools are carved from their parent on first use. Loopbacks and
point-to-point subnets come from their own pools; VLANs from the node's range;
route distinguishers from the city's range.

Every allocation runs in one transaction holding the ``ipam`` lock (a row
lock on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so concurrent processes
never receive the same block; unique constraints back this up.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .addresses import AddressSpace, parse_prefix, span
from .choices import DIVISION_ROLE_LEVEL, AllocationKind, Level, Network, PrefixRole, Role
from .db import lock
from .errors import IpamError, NotFoundError, OverlapError, PoolExhaustedError
from .models import Department, Node, Prefix, RouteDistinguisher, Vlan, Zone
from .settings import IpamSettings


@dataclass(frozen=True)
class Allocation:
    """What an allocation handed out."""

    kind: str
    value: str
    node: str | None
    pool: str | None = None


def _label(node: Node) -> str:
    return f"{node.code} ({node.name})"


def division_of(node: Node) -> Node:
    """The division node whose pool serves ``node`` (itself or the site's parent)."""
    current = node
    while Role(current.role) not in DIVISION_ROLE_LEVEL and current.parent is not None:
        current = current.parent
    return current


class Ipam:
    """IPAM operations inside a caller's session (the caller owns the transaction)."""

    def __init__(self, session: Session, settings: IpamSettings) -> None:
        self.session = session
        self.settings = settings

    # -- pools -----------------------------------------------------------------
    def _top_pool(self, role: PrefixRole, net: ipaddress.IPv4Network, description: str) -> Prefix:
        pool = self.session.execute(
            select(Prefix).where(Prefix.prefix == str(net))
        ).scalar_one_or_none()
        if pool is not None:
            if not pool.is_pool:
                raise OverlapError(f"{net} ({description}) exists as an allocation, not a pool")
            return pool
        first, last = span(net)
        clash = self.session.execute(
            select(Prefix.prefix).where(Prefix.first <= last, Prefix.last >= first).limit(1)
        ).scalar_one_or_none()
        if clash is not None:
            raise OverlapError(f"{description} {net} overlaps existing prefix {clash}")
        pool = Prefix(
            prefix=str(net),
            first=first,
            last=last,
            is_pool=True,
            role=role.value,
            description=description,
        )
        self.session.add(pool)
        self.session.flush()
        return pool

    def _child_pool(self, parent: Prefix, role: PrefixRole, node: Node, length: int) -> Prefix:
        existing = self.session.execute(
            select(Prefix).where(Prefix.role == role.value, Prefix.node_id == node.id)
        ).scalar_one_or_none()
        if existing is not None:
            return existing
        net = self._carve(parent, length, f"{role.value} of {_label(node)}")
        pool = Prefix(
            prefix=str(net),
            first=span(net)[0],
            last=span(net)[1],
            is_pool=True,
            role=role.value,
            parent_id=parent.id,
            node_id=node.id,
            description=f"{role.value} {node.name}",
        )
        self.session.add(pool)
        self.session.flush()
        return pool

    def pool_for_subnet(self, node: Node) -> Prefix:
        """The pool a node's subnets come from, created along the hierarchy if missing."""
        division = division_of(node)
        city_block = self._top_pool(PrefixRole.CITY_BLOCK, self.settings.city_block, "city block")
        level = Level(division.level)
        if level is Level.CITY:
            return city_block
        county = division
        while county.level != Level.COUNTY and county.parent is not None:
            county = county.parent
        county_pool = self._child_pool(
            city_block, PrefixRole.COUNTY_POOL, county, self.settings.county_pool_length
        )
        if level is Level.COUNTY:
            return county_pool
        township = division if level is Level.TOWNSHIP else division.parent
        if township is None:
            raise IpamError(f"node {_label(node)} has no township above it")
        return self._child_pool(
            county_pool, PrefixRole.TOWNSHIP_POOL, township, self.settings.township_pool_length
        )

    def _carve(self, pool: Prefix, length: int, what: str) -> ipaddress.IPv4Network:
        used = self.session.execute(
            select(Prefix.first, Prefix.last).where(Prefix.parent_id == pool.id)
        ).all()
        space = AddressSpace(parse_prefix(pool.prefix), [(f, last) for f, last in used])
        net = space.allocate(length)
        if net is None:
            where = f" ({pool.description})" if pool.description else ""
            raise PoolExhaustedError(
                f"pool {pool.prefix}{where} is exhausted: no free /{length} for {what}"
            )
        return net

    # -- allocations -------------------------------------------------------------
    def allocate(
        self,
        node: Node,
        kind: AllocationKind,
        size: int | None = None,
        zone: Zone | None = None,
        department: Department | None = None,
    ) -> Allocation:
        """Allocate the next free resource of ``kind`` for ``node``.

        Prefixes and route distinguishers belong to the extranet: intranet and
        internet nodes are refused (a VLAN comes from the node's own range).
        """
        if kind is not AllocationKind.VLAN and node.network != Network.EXTRANET.value:
            raise IpamError(
                f"node {_label(node)} is on the {node.network}, not the extranet: it never "
                f"draws from the extranet's pools ({kind.value} refused)"
            )
        lock(self.session, "ipam")
        if kind is AllocationKind.VLAN:
            return self._allocate_vlan(node, department)
        if kind is AllocationKind.RD:
            return self._allocate_rd(node, zone)
        if kind is AllocationKind.LOOPBACK:
            pool = self._top_pool(
                PrefixRole.LOOPBACK_POOL, self.settings.loopback_pool, "loopback pool"
            )
            role, length = PrefixRole.LOOPBACK, 32
        elif kind is AllocationKind.P2P:
            pool = self._top_pool(
                PrefixRole.TRANSIT_POOL, self.settings.transit_pool, "transit pool"
            )
            role, length = PrefixRole.P2P, size or self.settings.transit_length
        else:
            pool = self.pool_for_subnet(node)
            role, length = PrefixRole.SUBNET, size or self.settings.subnet_length(node.role)
        if not pool.is_pool or length < parse_prefix(pool.prefix).prefixlen or length > 32:
            raise IpamError(
                f"--size {length}: must be between /{parse_prefix(pool.prefix).prefixlen} and /32"
            )
        net = self._carve(pool, length, f"node {_label(node)}")
        first, last = span(net)
        self.session.add(
            Prefix(
                prefix=str(net),
                first=first,
                last=last,
                is_pool=False,
                role=role.value,
                parent_id=pool.id,
                node_id=node.id,
                department_id=department.id if department else None,
                description=f"{role.value} {node.code}",
            )
        )
        self.session.flush()
        return Allocation(kind=kind.value, value=str(net), node=node.code, pool=pool.prefix)

    def _allocate_vlan(self, node: Node, department: Department | None) -> Allocation:
        low, high = self.settings.vlan_range
        used = set(self.session.execute(select(Vlan.vid).where(Vlan.node_id == node.id)).scalars())
        vid = next((v for v in range(low, high + 1) if v not in used), None)
        if vid is None:
            raise PoolExhaustedError(f"node {_label(node)}: VLAN range {low}-{high} is exhausted")
        self.session.add(
            Vlan(
                node_id=node.id,
                vid=vid,
                name=f"VLAN{vid}",
                department_id=department.id if department else None,
            )
        )
        self.session.flush()
        return Allocation(kind="vlan", value=str(vid), node=node.code)

    def _allocate_rd(self, node: Node | None, zone: Zone | None) -> Allocation:
        low, high = self.settings.rd_range
        used = set(self.session.execute(select(RouteDistinguisher.number)).scalars())
        number = next((n for n in range(low, high + 1) if n not in used), None)
        if number is None:
            raise PoolExhaustedError(f"route distinguisher range {low}-{high} is exhausted")
        value = f"{self.settings.rd_asn}:{number}"
        self.session.add(
            RouteDistinguisher(
                value=value,
                number=number,
                node_id=node.id if node else None,
                zone_id=zone.id if zone else None,
            )
        )
        self.session.flush()
        return Allocation(kind="rd", value=value, node=node.code if node else None)

    # -- release -----------------------------------------------------------------
    def release(self, kind: AllocationKind, value: str, node: Node | None = None) -> Allocation:
        """Give back an allocation; pools with children and unknown values are refused."""
        lock(self.session, "ipam")
        if kind is AllocationKind.VLAN:
            if node is None:
                raise IpamError("releasing a VLAN needs --node")
            try:
                vid = int(value)
            except ValueError:
                raise IpamError(f"VLAN {value!r} is not a number") from None
            gone = self.session.execute(  # type: ignore[attr-defined]
                delete(Vlan).where(Vlan.node_id == node.id, Vlan.vid == vid)
            ).rowcount
            if not gone:
                raise NotFoundError(f"VLAN {vid} is not allocated on node {_label(node)}")
            return Allocation(kind="vlan", value=str(vid), node=node.code)
        if kind is AllocationKind.RD:
            gone = self.session.execute(  # type: ignore[attr-defined]
                delete(RouteDistinguisher).where(RouteDistinguisher.value == value)
            ).rowcount
            if not gone:
                raise NotFoundError(f"route distinguisher {value} is not allocated")
            return Allocation(kind="rd", value=value, node=node.code if node else None)
        try:
            net = parse_prefix(value)
        except ValueError as exc:
            raise IpamError(str(exc)) from None
        row = self.session.execute(
            select(Prefix).where(Prefix.prefix == str(net))
        ).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"prefix {net} is not allocated")
        if node is not None and row.node_id != node.id:
            raise IpamError(f"prefix {net} does not belong to node {_label(node)}")
        children = self.session.execute(
            select(func.count()).select_from(Prefix).where(Prefix.parent_id == row.id)
        ).scalar_one()
        if children:
            raise IpamError(f"pool {net} still holds {children} prefix(es); release them first")
        owner = row.node.code if row.node else None
        self.session.delete(row)
        self.session.flush()
        return Allocation(kind=kind.value, value=str(net), node=owner)
