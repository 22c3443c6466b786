"""Per-device MIB view: a global sorted column list plus per-device rows.

The MIB is described once as sorted :data:`COLUMNS` (scalars are one-row
columns with index ``.0``). A :class:`DeviceMib` only holds each table's
sorted row indexes (with their pre-encoded OID suffixes) and the row objects,
so GETNEXT is two bisects and 5,500 devices cost a few kilobytes each. Values
are computed when asked: status, uptime and counters come from the
:class:`~lab.model.DeviceRuntime` at request time. Tables served: system,
interfaces (ifNumber, ifTable), ifXTable, inetCidrRouteTable and
ipCidrRouteTable, ipNetToMediaTable and ipNetToPhysicalTable (ARP), and
LLDP-MIB local system, lldpLocPortTable and lldpRemTable.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from lab.model import DeviceRuntime, InterfaceCounters, LabNetwork, chassis_mac
from lab.snmp import columns
from lab.snmp.platforms import SnmpPlatform, platform
from lab.snmp.rows import (
    ArpRow,
    IfRow,
    LldpRow,
    RouteRow,
    build_arp_rows,
    build_if_rows,
    build_lldp_rows,
    build_routes,
    parse_mac,
)
from snmpcodec.ber import (
    END_OF_MIB_VIEW,
    NO_SUCH_INSTANCE,
    NO_SUCH_OBJECT,
    Oid,
    encode_arcs,
    encode_oid_content,
)

ValueFn = Callable[["Poll", Any], bytes]


@dataclass(frozen=True)
class Column:
    """One MIB column (or scalar object) and how to read it."""

    oid: Oid
    table: str
    value: ValueFn
    content: bytes


def _columns() -> tuple[Column, ...]:
    cols = [
        Column(oid, table, fn, encode_oid_content(oid)) for oid, table, fn in columns.DEFINITIONS
    ]
    cols.sort(key=lambda c: c.oid)
    for before, after in pairwise(cols):
        if after.oid[: len(before.oid)] == before.oid:
            raise AssertionError(f"column {before.oid} overlaps {after.oid}")
    return tuple(cols)


COLUMNS = _columns()
COLUMN_OIDS = [c.oid for c in COLUMNS]


@dataclass
class Table:
    """Rows of one table on one device, sorted by index."""

    indexes: list[Oid]
    suffixes: list[bytes]
    rows: list[Any]
    positions: dict[Oid, int]
    #: When set, a row exists only while ``present(poll, row)`` is true.
    present: Callable[[Poll, Any], bool] | None = None

    @classmethod
    def of(
        cls, items: list[tuple[Oid, Any]], present: Callable[[Poll, Any], bool] | None = None
    ) -> Table:
        """A table from ``(index, row)`` pairs; the first of duplicate indexes wins."""
        unique: dict[Oid, Any] = {}
        for index, row in items:
            unique.setdefault(index, row)
        ordered = sorted(unique.items())
        indexes = [index for index, _ in ordered]
        return cls(
            indexes=indexes,
            suffixes=[encode_arcs(index) for index in indexes],
            rows=[row for _, row in ordered],
            positions={index: pos for pos, index in enumerate(indexes)},
            present=present,
        )


def _lldp_present(poll: Poll, row: LldpRow) -> bool:
    return poll.oper_up(row.local.name)


class DeviceMib:
    """The OID view of one emulated device."""

    def __init__(self, runtime: DeviceRuntime, network: LabNetwork, contact: str | None) -> None:
        spec = runtime.spec
        self.runtime = runtime
        self.platform: SnmpPlatform = platform(spec.platform)
        self.sys_descr = self.platform.describe(spec.model, spec.hostname).encode()
        self.contact = (self.platform.default_contact if contact is None else contact).encode()
        self.location = (spec.location or self.platform.default_location).encode()
        self.if_rows = build_if_rows(spec, self.platform)
        self.routes = build_routes(spec)
        self.lldp_rows = build_lldp_rows(spec, network)
        self.arp_rows: list[ArpRow] = build_arp_rows(spec, network)
        self.chassis_mac = parse_mac(chassis_mac(spec))
        #: ifName -> (oper up, boot time, ifLastChange ticks) as last observed. The model
        #: keeps no change times, so a change is dated when the agent first sees it.
        self.last_change: dict[str, tuple[bool, float, int]] = {
            r.iface.name: (runtime.oper_up(r.iface.name), runtime.boot_time, 0)
            for r in self.if_rows
        }
        self.tables: dict[str, Table] = {
            "scalar": Table.of([((0,), None)]),
            "if": Table.of([((r.iface.index,), r) for r in self.if_rows]),
            "if_hc": Table.of(
                [((r.iface.index,), r) for r in self.if_rows] if spec.counters64 else []
            ),
            "lldp_loc": Table.of([((r.iface.index,), r) for r in self.if_rows if r.kind.connector]),
            "lldp_rem": Table.of(
                [((0, r.local.index, 1), r) for r in self.lldp_rows], present=_lldp_present
            ),
            "inet_cidr": Table.of([(r.inet_index, r) for r in self.routes]),
            "ip_cidr": Table.of([(r.ip_index, r) for r in self.routes]),
            "arp_media": Table.of([(r.media_index, r) for r in self.arp_rows]),
            "arp_physical": Table.of([(r.physical_index, r) for r in self.arp_rows]),
        }

    # -- lookups ---------------------------------------------------------------
    def get(self, poll: Poll, oid: Oid) -> tuple[bytes, bytes]:
        """GET one OID: ``(oid content, value TLV)``, value may be an exception."""
        pos = bisect_right(COLUMN_OIDS, oid) - 1
        if pos < 0 or oid[: len(COLUMN_OIDS[pos])] != COLUMN_OIDS[pos]:
            return encode_oid_content(oid), NO_SUCH_OBJECT
        column = COLUMNS[pos]
        table = self.tables[column.table]
        row_pos = table.positions.get(oid[len(column.oid) :])
        if row_pos is None:
            return encode_oid_content(oid), NO_SUCH_INSTANCE
        row = table.rows[row_pos]
        if table.present is not None and not table.present(poll, row):
            return encode_oid_content(oid), NO_SUCH_INSTANCE
        return column.content + table.suffixes[row_pos], column.value(poll, row)

    def next(self, poll: Poll, oid: Oid) -> tuple[Oid, bytes, bytes]:
        """GETNEXT one OID: ``(next oid, oid content, value TLV or endOfMibView)``."""
        pos = bisect_right(COLUMN_OIDS, oid) - 1
        if pos >= 0 and oid[: len(COLUMN_OIDS[pos])] == COLUMN_OIDS[pos]:
            found = self._first_row(poll, COLUMNS[pos], oid[len(COLUMN_OIDS[pos]) :])
            if found is not None:
                return found
        for column in COLUMNS[pos + 1 :]:
            found = self._first_row(poll, column, None)
            if found is not None:
                return found
        return oid, encode_oid_content(oid), END_OF_MIB_VIEW

    def _first_row(
        self, poll: Poll, column: Column, after: Oid | None
    ) -> tuple[Oid, bytes, bytes] | None:
        table = self.tables[column.table]
        start = 0 if after is None else bisect_right(table.indexes, after)
        for row_pos in range(start, len(table.indexes)):
            row = table.rows[row_pos]
            if table.present is not None and not table.present(poll, row):
                continue
            return (
                column.oid + table.indexes[row_pos],
                column.content + table.suffixes[row_pos],
                column.value(poll, row),
            )
        return None


class Poll:
    """One request against one device: caches runtime reads for its duration."""

    __slots__ = ("_counters", "_oper", "_uptime", "mib", "runtime")

    def __init__(self, mib: DeviceMib) -> None:
        self.mib = mib
        self.runtime = mib.runtime
        self._counters: dict[str, InterfaceCounters] = {}
        self._oper: dict[str, bool] = {}
        self._uptime: int | None = None

    def uptime(self) -> int:
        """sysUpTime in ticks, read once per request."""
        if self._uptime is None:
            self._uptime = self.runtime.uptime_ticks()
        return self._uptime

    def counters(self, name: str) -> InterfaceCounters:
        """Interface counters, read once per request."""
        found = self._counters.get(name)
        if found is None:
            found = self._counters[name] = self.runtime.counters(name)
        return found

    def oper_up(self, name: str) -> bool:
        """Operational state; records ifLastChange when it differs from the last seen."""
        found = self._oper.get(name)
        if found is not None:
            return found
        up = self._oper[name] = self.runtime.oper_up(name)
        boot = self.runtime.boot_time
        seen = self.mib.last_change.get(name)
        if seen is None or seen[1] != boot:
            self.mib.last_change[name] = (up, boot, 0)
        elif seen[0] != up:
            self.mib.last_change[name] = (up, boot, self.uptime())
        return up

    def last_change(self, name: str) -> int:
        """ifLastChange: uptime when the agent first saw the current oper state."""
        self.oper_up(name)
        return self.mib.last_change[name][2]


__all__ = ["COLUMNS", "Column", "DeviceMib", "IfRow", "LldpRow", "Poll", "RouteRow", "Table"]
