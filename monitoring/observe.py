"""Whole SNMP table columns of many nodes, for checks outside monitoring (security).

``observe_tables(inventory, codes, columns)`` resolves each node's SNMP
target from the inventory (:func:`monitoring.targets.load_targets`: address,
port, v3 or v2c credentials), walks the named columns with
:meth:`~monitoring.snmp.client.SnmpClient.walk_columns` over one UDP socket,
``width`` agents at a time, and returns per node either ``{column name: {index
suffix (OID content octets): (tag, value)}}`` or the exception that prevented
it (no target, timeout, agent error): one bad agent never costs the others.

Which columns mean what is the caller's knowledge (security decodes routes,
LLDP neighbours and ARP entries); the composition root exposes this function
as the component ``"observer"``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any

from monitoring.errors import MonitoringError
from monitoring.snmp.client import SnmpClient
from monitoring.targets import PollTarget, load_targets
from snmpcodec.ber import Value, oid_bytes

#: column name -> {index suffix: (tag, value)}
RawTables = dict[str, dict[bytes, tuple[int, Value]]]


class ObserveError(MonitoringError):
    """A node's tables could not be read (names the node)."""


async def _walk(
    client: SnmpClient,
    target: PollTarget,
    columns: Mapping[str, str],
    max_repetitions: int,
) -> RawTables:
    names = list(columns)
    walk = await client.walk_columns(
        target.host,
        target.port,
        target.auth,
        [],
        [oid_bytes(columns[n]) for n in names],
        max_repetitions=max_repetitions,
        max_requests=256,
    )
    return dict(zip(names, walk.columns, strict=True))


async def walk_targets(
    targets: Iterable[PollTarget],
    columns: Mapping[str, str],
    *,
    timeout: float = 2.0,
    retries: int = 1,
    width: int = 64,
    max_repetitions: int = 24,
) -> dict[str, RawTables | Exception]:
    """Walk ``columns`` (name -> dotted OID) on every target; per node tables or its error."""
    out: dict[str, RawTables | Exception] = {}
    gate = asyncio.Semaphore(max(1, width))
    async with SnmpClient(timeout=timeout, retries=retries) as client:

        async def one(target: PollTarget) -> None:
            async with gate:
                try:
                    out[target.code] = await _walk(client, target, columns, max_repetitions)
                except Exception as exc:  # one bad agent never costs the others
                    out[target.code] = ObserveError(f"{target.code}: {exc}")

        await asyncio.gather(*(one(t) for t in targets))
    return out


def observe_tables(
    inventory: Any,
    codes: Iterable[str],
    columns: Mapping[str, str],
    *,
    timeout: float = 2.0,
    retries: int = 1,
    width: int = 64,
) -> dict[str, RawTables | Exception]:
    """Node code -> its walked columns, or why not (see the module docstring)."""
    wanted = list(dict.fromkeys(codes))
    targets = load_targets(inventory, statuses=None, codes=wanted)
    found = asyncio.run(
        walk_targets(targets, columns, timeout=timeout, retries=retries, width=width)
    )
    missing = "no SNMP target (platform, management address or credentials)"
    return {
        code: found[code] if code in found else ObserveError(f"{code}: {missing}")
        for code in wanted
    }
