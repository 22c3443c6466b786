"""Monthly availability report: per county and per level, as CSV and as an SVG bar chart.

The availability definition is :mod:`monitoring.health`'s. The nodes counted
are the inventory's nodes expected to be polled (status active, a platform
and a management address) as the inventory stands when the report is made;
a node without any point in the month is unmonitored (it lowers the
monitored fraction, not the availability; both are reported). Month boundaries are
local midnights in ``tz`` (default Asia/Shanghai).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from monitoring.errors import MonitoringError
from monitoring.health import Availability, HealthReader, rollup

if TYPE_CHECKING:
    from monitoring.lookup import NodeInfo

#: Levels in hierarchy order, with the names a report shows.
LEVEL_NAMES: Mapping[str, str] = {
    "city": "市级",
    "county": "县级",
    "township": "乡镇级",
    "village": "村级",
}
DEFAULT_TZ = "Asia/Shanghai"
CSV_HEADER = (
    "group",
    "code",
    "name",
    "nodes",
    "expected_intervals",
    "available_intervals",
    "availability_pct",
    "monitored_intervals",
    "monitored_pct",
)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class ReportError(MonitoringError):
    """A report cannot be made (bad month, unknown time zone)."""


@dataclass(frozen=True)
class ReportRow:
    """One line of the report: a county, a level, or the whole city (``total``)."""

    group: str
    code: str
    name: str
    nodes: int
    availability: Availability

    @property
    def pct(self) -> float | None:
        """Availability in percent."""
        return self.availability.pct


@dataclass(frozen=True)
class AvailabilityReport:
    """The rows of one month's report."""

    month: str
    title: str
    rows: tuple[ReportRow, ...]

    def group(self, name: str) -> list[ReportRow]:
        """Rows of one group (``county``, ``level`` or ``total``)."""
        return [r for r in self.rows if r.group == name]


def month_bounds(month: str, tz: str = DEFAULT_TZ) -> tuple[datetime, datetime]:
    """Start and end of ``YYYY-MM`` in ``tz`` (aware datetimes).

    >>> [d.isoformat() for d in month_bounds("2024-12")]
    ['2024-12-01T00:00:00+08:00', '2025-01-01T00:00:00+08:00']
    """
    found = _MONTH.match(month)
    if not found or not 1 <= int(found[2]) <= 12:
        raise ReportError(f"--month {month!r}: expected YYYY-MM, e.g. 2024-05")
    try:
        zone = ZoneInfo(tz)
    except (KeyError, ValueError) as exc:
        raise ReportError(f"time zone {tz!r} is unknown") from exc
    year, number = int(found[1]), int(found[2])
    start = datetime(year, number, 1, tzinfo=zone)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=zone)
    return start, end


def _number(value: float) -> str:
    """Intervals as an integer when whole, else with 3 decimals.

    >>> _number(43200.0), _number(12.5)
    ('43200', '12.500')
    """
    return str(int(value)) if float(value).is_integer() else f"{value:.3f}"


def availability_report(
    reader: HealthReader,
    nodes: Mapping[str, NodeInfo],
    county_names: Mapping[str, str],
    month: str,
    *,
    tz: str = DEFAULT_TZ,
    city: str = "",
) -> AvailabilityReport:
    """Compute the month's availability per county, per level and in total."""
    start, end = month_bounds(month, tz)
    polled = {code: node for code, node in nodes.items() if node.polled}
    per_node = reader.nodes_availability(polled.values(), start, end)
    rows: list[ReportRow] = []
    counts: dict[tuple[str, str], int] = {}
    for node in polled.values():
        for group in ("county", "level"):
            key = getattr(node, group)
            if key:
                counts[(group, key)] = counts.get((group, key), 0) + 1
    for code, availability in rollup(per_node, polled, "county").items():
        name = county_names.get(code, code)
        rows.append(ReportRow("county", code, name, counts[("county", code)], availability))
    by_level = rollup(per_node, polled, "level")
    for level in sorted(
        by_level, key=lambda lv: (list(LEVEL_NAMES).index(lv) if lv in LEVEL_NAMES else 99, lv)
    ):
        rows.append(
            ReportRow(
                "level",
                level,
                LEVEL_NAMES.get(level, level),
                counts[("level", level)],
                by_level[level],
            )
        )
    total = sum(per_node.values(), Availability(0.0, 0.0))
    rows.append(ReportRow("total", "", city or "total", len(polled), total))
    title = f"{city}电子政务外网 {month} 月度可用率" if city else f"{month} 月度可用率"
    return AvailabilityReport(month, title, tuple(rows))


def to_csv(report: AvailabilityReport) -> str:
    """The report as CSV (UTF-8 text, ``\\n`` line ends, header first)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in report.rows:
        pct = row.pct
        writer.writerow(
            (
                row.group,
                row.code,
                row.name,
                row.nodes,
                _number(row.availability.expected),
                _number(row.availability.available),
                "" if pct is None else f"{pct:.3f}",
                _number(row.availability.monitored_intervals),
                ""
                if row.availability.monitored_pct is None
                else f"{row.availability.monitored_pct:.3f}",
            )
        )
    return out.getvalue()


def bars(rows: Sequence[ReportRow]) -> list[tuple[str, float]]:
    """``(label, percent)`` per row for a chart, the label with the monitored fraction.

    Rows without a monitored interval are skipped.
    """
    out: list[tuple[str, float]] = []
    for row in rows:
        pct, monitored = row.pct, row.availability.monitored_pct
        if pct is None:
            continue
        label = row.name if monitored is None else f"{row.name} (监测 {monitored:.1f}%)"
        out.append((label, pct))
    return out
