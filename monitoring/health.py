"""Link and node health read back from InfluxDB: status, utilisation, errors, availability.

**Availability** of a node over a period is the share of its poll intervals
in which the device answered SNMP (``device.up = 1``); of a link, the share in
which the link was up (``link.up = 1``: an end was polled and every polled end
was oper up). The number of intervals expected is the period divided by the
node's poll interval (``monitoring.intervals``). An interval without any
point (no poll happened, the poller was down, the point was lost) is
*unknown*, not down: availability is the share of the *monitored* intervals
(those with a point) that were up, and the monitored fraction (monitored /
expected) is reported beside it, so 20 s of monitoring shows "100 % over
0.02 % monitored", not "0.02 % available". The points are summed and counted
per chunk (an hour for periods up to two
days, a day beyond) and each chunk's count (monitored) is capped at the number of intervals
the chunk touches (whole intervals, so the hour cut by "now" still counts the
poll of its last seconds) and its sum (available) at that count, so a poll that lands twice in one interval (jitter) cannot
make up for a missing one elsewhere. Roll-ups (township, county, level) sum
the available, monitored and expected intervals of their nodes: a node polled twice as
often weighs twice as much.

Every query bounds both ends of its time range and groups by time in hours
or days only (a 30-day period at 60 s intervals would be 43,200 buckets per
series, far beyond ``max-select-buckets``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from monitoring.influx import InfluxClient, Series, quote_ident, quote_literal, time_range

if TYPE_CHECKING:
    from monitoring.lookup import NodeInfo

NS = 1_000_000_000
HOUR_NS = 3600 * NS
DAY_NS = 86_400 * NS


@dataclass(frozen=True)
class Availability:
    """Available, expected and monitored poll intervals over a period.

    ``monitored`` None means every expected interval was monitored.
    """

    available: float
    expected: float
    monitored: float | None = None

    @property
    def monitored_intervals(self) -> float:
        """Intervals with a point (up or down)."""
        return self.expected if self.monitored is None else self.monitored

    @property
    def pct(self) -> float | None:
        """Availability over the monitored time, in percent (None when nothing was monitored).

        >>> Availability(27, 30).pct, Availability(9, 3600, 10).pct
        (90.0, 90.0)
        """
        monitored = self.monitored_intervals
        if monitored <= 0:
            return None
        return min(100.0, 100.0 * self.available / monitored)

    @property
    def monitored_pct(self) -> float | None:
        """Share of the expected intervals that were monitored, in percent.

        >>> Availability(9, 3600, 36).monitored_pct
        1.0
        """
        if self.expected <= 0:
            return None
        return min(100.0, 100.0 * self.monitored_intervals / self.expected)

    def __add__(self, other: Availability) -> Availability:
        return Availability(
            self.available + other.available,
            self.expected + other.expected,
            self.monitored_intervals + other.monitored_intervals,
        )


ZERO = Availability(0.0, 0.0)


def _ns(moment: datetime | int) -> int:
    if isinstance(moment, int):
        return moment
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: add a tzinfo")
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * NS + delta.microseconds * 1000


def chunk_ns(start_ns: int, end_ns: int) -> int:
    """The chunk availability sums over: an hour up to two days, else a day.

    >>> chunk_ns(0, 86_400 * 10**9) == HOUR_NS, chunk_ns(0, 30 * 86_400 * 10**9) == DAY_NS
    (True, True)
    """
    return HOUR_NS if end_ns - start_ns <= 2 * DAY_NS else DAY_NS


def _chunk_literal(chunk: int) -> str:
    return "1h" if chunk == HOUR_NS else "1d"


def capped(
    sums: Iterable[tuple[int, float | None, float | None]],
    start_ns: int,
    end_ns: int,
    chunk: int,
    interval_s: float,
) -> Availability:
    """Availability from ``(chunk start ns, sum of up, count of up)`` per chunk, capped per chunk.

    >>> capped([(0, 30.0, 30.0), (3600 * 10**9, 31.0, 31.0)], 0, 2 * 3600 * 10**9, HOUR_NS, 120.0)
    Availability(available=60.0, expected=60.0, monitored=60.0)
    """
    interval_ns = interval_s * NS
    available = 0.0
    monitored = 0.0
    for bucket, total, count in sums:
        overlap = min(bucket + chunk, end_ns) - max(bucket, start_ns)
        if count is None or overlap <= 0:
            continue
        # whole intervals: a chunk cut by the period's end still holds its last poll
        seen = min(float(count), float(math.ceil(overlap / interval_ns)))
        monitored += seen
        available += min(float(total or 0.0), seen)
    return Availability(available, (end_ns - start_ns) / interval_ns, monitored)


@dataclass(frozen=True)
class Usage:
    """Utilisation, errors and discards over a period (None when nothing was measured)."""

    util_mean_pct: float | None
    util_max_pct: float | None
    errors: int | None
    discards: int | None
    points: int


@dataclass(frozen=True)
class Status:
    """The newest point of a node or link: when, whether up, and its other fields."""

    time: datetime
    up: bool
    fields: Mapping[str, Any]


class HealthReader:
    """Health queries over one InfluxDB database."""

    def __init__(self, client: InfluxClient) -> None:
        self.client = client

    # -- availability --------------------------------------------------------------------
    def _sums(
        self, measurement: str, tag: str, value: str | None, start_ns: int, end_ns: int, chunk: int
    ) -> dict[str, list[tuple[int, float | None, float | None]]]:
        where = time_range(start_ns, end_ns)
        if value is not None:
            where = f"{quote_ident(tag)} = {quote_literal(value)} AND {where}"
        statement = (  # identifiers, literals and times quoted by the helpers
            f'SELECT sum("up"), count("up") FROM {quote_ident(measurement)} WHERE {where} '  # noqa: S608
            f"GROUP BY time({_chunk_literal(chunk)}), {quote_ident(tag)} fill(none)"
        )
        out: dict[str, list[tuple[int, float | None, float | None]]] = {}
        for series in self.client.query_series(statement):
            key = series.tags.get(tag, "")
            out.setdefault(key, []).extend((int(row[0]), row[1], row[2]) for row in series.values)
        return out

    def availability(
        self,
        measurement: str,
        tag: str,
        value: str,
        start: datetime | int,
        end: datetime | int,
        interval_s: float,
    ) -> Availability:
        """Availability of the ``measurement`` series whose ``tag`` is ``value``."""
        start_ns, end_ns = _ns(start), _ns(end)
        chunk = chunk_ns(start_ns, end_ns)
        sums = self._sums(measurement, tag, value, start_ns, end_ns, chunk).get(value, [])
        return capped(sums, start_ns, end_ns, chunk, interval_s)

    def node_availability(
        self, code: str, start: datetime | int, end: datetime | int, interval_s: float
    ) -> Availability:
        """Share of poll intervals in which node ``code`` answered."""
        return self.availability("device", "node", code, start, end, interval_s)

    def link_availability(
        self, label: str, start: datetime | int, end: datetime | int, interval_s: float
    ) -> Availability:
        """Share of poll intervals in which link ``label`` was up."""
        return self.availability("link", "link", label, start, end, interval_s)

    def nodes_availability(
        self, nodes: Iterable[NodeInfo], start: datetime | int, end: datetime | int
    ) -> dict[str, Availability]:
        """Availability of each node (one query for all); a node without points: nothing monitored."""
        start_ns, end_ns = _ns(start), _ns(end)
        chunk = chunk_ns(start_ns, end_ns)
        sums = self._sums("device", "node", None, start_ns, end_ns, chunk)
        return {
            n.code: capped(sums.get(n.code, []), start_ns, end_ns, chunk, n.interval_s)
            for n in nodes
        }

    # -- status and usage ------------------------------------------------------------------
    def _last(
        self, measurement: str, tag: str, value: str, now: datetime, lookback: timedelta
    ) -> Status | None:
        statement = (
            f"SELECT * FROM {quote_ident(measurement)} "  # noqa: S608 - quoted by the helpers
            f"WHERE {quote_ident(tag)} = {quote_literal(value)} AND "
            f"{time_range(now - lookback, now + timedelta(seconds=1))} ORDER BY time DESC LIMIT 1"
        )
        rows = [row for s in self.client.query_series(statement) for row in s.rows()]
        if not rows:
            return None
        row = rows[0]
        moment = datetime.fromtimestamp(int(row.pop("time")) / NS, tz=UTC)
        return Status(moment, row.get("up") == 1, {k: v for k, v in row.items() if v is not None})

    def node_status(self, code: str, now: datetime, lookback: timedelta) -> Status | None:
        """The newest ``device`` point of ``code`` within ``lookback`` (None: no poll seen)."""
        return self._last("device", "node", code, now, lookback)

    def link_status(self, label: str, now: datetime, lookback: timedelta) -> Status | None:
        """The newest ``link`` point of ``label`` within ``lookback``."""
        return self._last("link", "link", label, now, lookback)

    def link_usage(self, label: str, start: datetime | int, end: datetime | int) -> Usage:
        """Utilisation (the busiest direction), errors and discards of a link."""
        statement = (
            'SELECT mean("util_max_pct"), max("util_max_pct"), sum("errors"), sum("discards"), '  # noqa: S608
            f'count("up") FROM "link" WHERE "link" = {quote_literal(label)} AND '
            f"{time_range(start, end)}"
        )
        return _usage(self.client.query_series(statement))

    def interface_usage(
        self, code: str, start: datetime | int, end: datetime | int
    ) -> dict[str, Usage]:
        """Per interface of node ``code``: utilisation (busier direction), errors, discards."""
        statement = (
            'SELECT mean("util_in_pct"), max("util_in_pct"), mean("util_out_pct"), '  # noqa: S608
            'max("util_out_pct"), sum("in_errors"), sum("out_errors"), sum("in_discards"), '
            'sum("out_discards"), count("oper_up") FROM "interface" WHERE '
            f'"node" = {quote_literal(code)} AND {time_range(start, end)} GROUP BY "interface"'
        )
        out: dict[str, Usage] = {}
        for series in self.client.query_series(statement):
            for row in series.values:
                _, m_in, x_in, m_out, x_out, e_in, e_out, d_in, d_out, count = row
                out[series.tags.get("interface", "")] = Usage(
                    util_mean_pct=_max(m_in, m_out),
                    util_max_pct=_max(x_in, x_out),
                    errors=_sum(e_in, e_out),
                    discards=_sum(d_in, d_out),
                    points=int(count or 0),
                )
        return out

    def link_series(
        self, labels: Iterable[str], start: datetime | int, end: datetime | int, bucket_s: int
    ) -> dict[str, list[tuple[int, float | None, float | None]]]:
        """Per link label: ``(time ns, mean util_max_pct, mean up)`` per ``bucket_s`` bucket.

        For charts: one query for all the labels; empty buckets are left out.
        """
        wanted = sorted(set(labels))
        if not wanted:
            return {}
        which = " OR ".join(f'"link" = {quote_literal(label)}' for label in wanted)
        statement = (
            'SELECT mean("util_max_pct"), mean("up") FROM "link" '  # noqa: S608 - quoted
            f"WHERE ({which}) AND {time_range(start, end)} "
            f'GROUP BY time({max(1, int(bucket_s))}s), "link" fill(none)'
        )
        out: dict[str, list[tuple[int, float | None, float | None]]] = {}
        for series in self.client.query_series(statement):
            key = series.tags.get("link", "")
            out.setdefault(key, []).extend(
                (
                    int(row[0]),
                    None if row[1] is None else float(row[1]),
                    None if row[2] is None else float(row[2]),
                )
                for row in series.values
            )
        return out


def _max(*values: Any) -> float | None:
    found = [float(v) for v in values if v is not None]
    return max(found) if found else None


def _sum(*values: Any) -> int | None:
    found = [int(v) for v in values if v is not None]
    return sum(found) if found else None


def _usage(series: list[Series]) -> Usage:
    rows = [row for s in series for row in s.values]
    if not rows:
        return Usage(None, None, None, None, 0)
    _, mean, peak, errors, discards, count = rows[0]
    return Usage(
        util_mean_pct=None if mean is None else float(mean),
        util_max_pct=None if peak is None else float(peak),
        errors=None if errors is None else int(errors),
        discards=None if discards is None else int(discards),
        points=int(count or 0),
    )


def rollup(
    per_node: Mapping[str, Availability], nodes: Mapping[str, NodeInfo], by: str
) -> dict[str, Availability]:
    """Sum node availabilities by ``county``, ``township`` or ``level`` (nodes without one skipped).

    >>> from monitoring.lookup import NodeInfo
    >>> info = {c: NodeInfo(c, c, "village", "village-cpe", "active", "411302", None, 60.0, True)
    ...         for c in ("a", "b")}
    >>> rollup({"a": Availability(27, 30), "b": Availability(30, 30)}, info, "county")
    {'411302': Availability(available=57.0, expected=60.0, monitored=60.0)}
    """
    if by not in ("county", "township", "level"):
        raise ValueError(f"roll-up by {by!r}: use county, township or level")
    out: dict[str, Availability] = {}
    for code, availability in per_node.items():
        node = nodes.get(code)
        key = getattr(node, by) if node is not None else None
        if key:
            out[key] = out.get(key, ZERO) + availability
    return dict(sorted(out.items()))
