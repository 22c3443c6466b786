"""Poll targets read from the inventory: address, credentials, place in the hierarchy, links.

A target is a node with a platform, a management address and (by default)
status ``active``. Its ``credential_ref`` is resolved through the encrypted
:class:`~inventory.credentials.CredentialStore`: SNMPv3 authPriv when the set
has a v3 user, else v2c with the community. Nodes that cannot be polled are
skipped with a warning that names the node and the reason, never a secret.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import aliased

from inventory.credentials import CredentialSet, CredentialStore
from inventory.errors import CredentialError
from inventory.models import Link, Node
from inventory.service import Inventory
from monitoring.errors import MonitoringError
from monitoring.snmp.client import SnmpAuth
from monitoring.snmp.errors import SnmpConfigError

log = logging.getLogger(__name__)

#: Default poll interval per level, seconds.
DEFAULT_INTERVALS: Mapping[str, float] = {
    "city": 60.0,
    "county": 60.0,
    "township": 60.0,
    "village": 60.0,
}
#: Shard of nodes above the county level (city core, egress).
CITY_SHARD = "city"


class TargetError(MonitoringError):
    """A node cannot be turned into a poll target (names the node)."""


@dataclass(frozen=True)
class PollTarget:
    """Everything the poller needs about one device. ``repr`` shows no secret."""

    code: str
    host: str
    port: int
    level: str
    auth: SnmpAuth
    county: str | None = None
    township: str | None = None
    role: str | None = None
    platform: str | None = None
    #: Interface name → link label (``a:if -- b:if``) from the links table.
    links: Mapping[str, str] = field(default_factory=dict)
    #: Interface name → the link's contracted rate in bit/s (``Link.bandwidth_mbps``):
    #: utilisation is measured against it, not against the port's speed.
    contracted: Mapping[str, int] = field(default_factory=dict)
    interval_s: float = 60.0

    @property
    def shard(self) -> str:
        """The shard this target is polled in: its county code, or ``city``."""
        return self.county or CITY_SHARD


#: Long interface type names and the short forms devices report as ifName.
_SHORT_TYPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Ten-GigabitEthernet", ("XGE",)),
    ("TenGigabitEthernet", ("Te",)),
    ("XGigabitEthernet", ("XGE",)),
    ("GigabitEthernet", ("Gi", "GE")),
    ("FastEthernet", ("Fa",)),
    ("Ethernet", ("Eth", "Et")),
    ("LoopBack", ("Loop", "Lo")),
    ("Loopback", ("Lo",)),
)


def interface_aliases(name: str) -> tuple[str, ...]:
    """The inventory's interface name and the short forms an agent may report as ifName.

    Cisco reports ``Gi0/1`` for ``GigabitEthernet0/1``; links are matched by any form.

    >>> interface_aliases("GigabitEthernet0/1")
    ('GigabitEthernet0/1', 'Gi0/1', 'GE0/1')
    >>> interface_aliases("GE1/0/1")
    ('GE1/0/1',)
    """
    for long, shorts in _SHORT_TYPES:
        if name.startswith(long) and name[len(long) : len(long) + 1].isdigit():
            return (name, *(short + name[len(long) :] for short in shorts))
    return (name,)


def link_label(a_node: str, a_interface: str, b_node: str, b_interface: str) -> str:
    """The label of a link, as the ``link`` tag carries it.

    >>> link_label("411302", "GigabitEthernet1/0/1", "4113", "GE1/0/2")
    '411302:GigabitEthernet1/0/1 -- 4113:GE1/0/2'
    """
    return f"{a_node}:{a_interface} -- {b_node}:{b_interface}"


def auth_from_credentials(name: str, creds: CredentialSet, context: str = "") -> SnmpAuth:
    """SNMPv3 authPriv if the set has a v3 user, else v2c; TargetError names the set."""
    try:
        if creds.snmp_v3_user:
            return SnmpAuth.v3(
                creds.snmp_v3_user,
                creds.snmp_v3_auth_key,
                creds.snmp_v3_priv_key,
                creds.snmp_v3_auth_protocol or "sha",
                creds.snmp_v3_priv_protocol or "aes128",
                context,
            )
        if creds.snmp_community:
            return SnmpAuth.v2c(creds.snmp_community)
    except SnmpConfigError as exc:
        raise TargetError(f"credential set {name!r}: {exc}") from None
    raise TargetError(f"credential set {name!r} has neither an SNMPv3 user nor a community")


@dataclass(frozen=True)
class NodeRow:
    """The columns of a node the poller needs, detached from the session."""

    id: int
    code: str
    level: str
    role: str
    parent_id: int | None
    platform: str | None
    mgmt_address: str | None
    snmp_port: int
    credential_ref: str | None
    status: str

    @classmethod
    def of(cls, node: Node) -> NodeRow:
        return cls(
            node.id,
            node.code,
            node.level,
            node.role,
            node.parent_id,
            node.platform,
            node.mgmt_address,
            node.snmp_port,
            node.credential_ref,
            node.status,
        )


def ancestor_codes(node: NodeRow, by_id: Mapping[int, NodeRow]) -> tuple[str | None, str | None]:
    """``(county code, township code)``: the nearest division nodes at or above ``node``."""
    county = township = None
    current: NodeRow | None = node
    while current is not None:
        if current.level == "township" and current.role == "township-router" and township is None:
            township = current.code
        if current.level == "county" and current.role == "aggregation" and county is None:
            county = current.code
        current = by_id.get(current.parent_id) if current.parent_id is not None else None
    return county, township


def load_targets(
    inventory: Inventory,
    credentials: CredentialStore | None = None,
    *,
    statuses: Iterable[str] | None = ("active",),
    intervals: Mapping[str, float] | None = None,
    codes: Iterable[str] | None = None,
) -> list[PollTarget]:
    """Poll targets for the inventory's pollable nodes, sorted by shard then code.

    ``statuses=None`` takes every status; ``codes`` limits to those nodes;
    ``intervals`` maps a level to its poll interval (default 60 s each).
    """
    store = credentials if credentials is not None else inventory.credentials
    wanted_status = set(statuses) if statuses is not None else None
    wanted_codes = set(codes) if codes is not None else None
    levels = {**DEFAULT_INTERVALS, **(intervals or {})}
    a_node, b_node = aliased(Node), aliased(Node)
    # Read everything, then close the session: the credential store opens its own
    # (and SQLite takes a write lock per transaction in this inventory).
    with inventory.sessions() as session:
        nodes = [NodeRow.of(n) for n in session.execute(select(Node)).scalars()]
        rows = session.execute(
            select(
                a_node.code, Link.a_interface, b_node.code, Link.b_interface, Link.bandwidth_mbps
            )
            .join(a_node, Link.a_node_id == a_node.id)
            .join(b_node, Link.b_node_id == b_node.id)
        ).all()
    by_id = {n.id: n for n in nodes}
    links: dict[str, dict[str, str]] = {}
    contracted: dict[str, dict[str, int]] = {}
    for a_code, a_if, b_code, b_if, mbps in rows:
        label = link_label(a_code, a_if, b_code, b_if)
        for code, name in ((a_code, a_if), (b_code, b_if)):
            for alias in interface_aliases(name):
                links.setdefault(code, {})[alias] = label
                if mbps:
                    contracted.setdefault(code, {})[alias] = int(mbps) * 1_000_000
    cache: dict[str, SnmpAuth | TargetError] = {}
    targets: list[PollTarget] = []
    skipped: dict[str, list[str]] = {}
    for node in nodes:
        if wanted_codes is not None and node.code not in wanted_codes:
            continue
        if wanted_status is not None and node.status not in wanted_status:
            continue
        if not node.platform or not node.mgmt_address:
            continue
        try:
            auth = _resolve(store, node, cache)
        except TargetError as exc:
            skipped.setdefault(str(exc), []).append(node.code)
            continue
        county, township = ancestor_codes(node, by_id)
        targets.append(
            PollTarget(
                code=node.code,
                host=node.mgmt_address,
                port=node.snmp_port,
                level=node.level,
                auth=auth,
                county=county,
                township=township,
                role=node.role,
                platform=node.platform,
                links=links.get(node.code, {}),
                contracted=contracted.get(node.code, {}),
                interval_s=float(levels.get(node.level, 60.0)),
            )
        )
    for reason, codes in skipped.items():
        shown = ", ".join(codes[:5]) + (f" and {len(codes) - 5} more" if len(codes) > 5 else "")
        log.warning("%d node(s) not polled: %s (%s)", len(codes), reason, shown)
    targets.sort(key=lambda t: (t.shard, t.code))
    return targets


def _resolve(
    store: CredentialStore, node: NodeRow, cache: dict[str, SnmpAuth | TargetError]
) -> SnmpAuth:
    name = node.credential_ref
    if not name:
        raise TargetError("it names no credential set")
    found = cache.get(name)
    if found is None:
        try:
            found = auth_from_credentials(name, store.get(name))
        except CredentialError as exc:
            found = TargetError(str(exc))
        except TargetError as exc:
            found = exc
        cache[name] = found
    if isinstance(found, TargetError):
        raise found
    return found


def shard_targets(targets: Iterable[PollTarget]) -> dict[str, list[PollTarget]]:
    """Targets grouped by shard (county code, or ``city``), in a stable order.

    A later version hands each shard to a worker machine; today one
    :class:`~monitoring.service.MonitorService` polls them all.
    """
    shards: dict[str, list[PollTarget]] = {}
    for target in targets:
        shards.setdefault(target.shard, []).append(target)
    return dict(sorted(shards.items()))
