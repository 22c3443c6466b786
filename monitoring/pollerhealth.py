"""The poller's own health: one ``poller`` point per scheduled round, and reading it back.

A round that lags (devices started late because the in-flight budget was
exhausted, or the interval ended before every device was polled) reports it
here, so that the poller's overload is visible as such and never as devices
being down (see docs/MONITORING_SCHEMA.md, measurement ``poller``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from monitoring.influx import InfluxClient, quote_ident, time_range
from monitoring.lineprotocol import to_line

if TYPE_CHECKING:
    from monitoring.poller import PollRound

MEASUREMENT = "poller"
#: The fields of a ``poller`` point, in the order they are written.
FIELDS = (
    "devices",
    "ok",
    "failed",
    "not_polled",
    "timeouts",
    "requests",
    "points",
    "duration_s",
    "lag_s",
    "interval_s",
    "budget",
)


def round_line(result: PollRound, time_ns: int) -> str:
    """The ``poller`` point of one round (its own point not counted in ``points``)."""
    fields: dict[str, int | float] = {
        "devices": len(result.polls),
        "ok": result.ok,
        "failed": len(result.failed),
        "not_polled": len(result.not_polled),
        "timeouts": result.timeouts,
        "requests": result.requests,
        "points": result.points,
        "duration_s": float(result.duration_s),
        "lag_s": float(result.lag_s),
        "interval_s": float(result.interval_s or 0.0),
        "budget": result.budget,
    }
    return to_line(MEASUREMENT, {"shard": result.shard or "all"}, fields, time_ns)


@dataclass(frozen=True)
class ShardHealth:
    """The poller's health for one shard over a time range."""

    shard: str
    rounds: int
    last: datetime | None
    devices: int
    ok: int
    failed: int
    not_polled: int
    timeouts: int
    max_lag_s: float
    max_duration_s: float
    interval_s: float
    budget: int

    def line(self) -> str:
        """One line for ``egovnet health --poller``."""
        when = self.last.isoformat(timespec="seconds") if self.last else "never"
        state = "LAGGING" if self.not_polled or self.max_lag_s > 0.5 * self.interval_s else "OK"
        return (
            f"shard {self.shard:<8} {state:<7} {self.rounds:4d} rounds, last {when}; "
            f"last round {self.ok}/{self.devices} ok, {self.failed} failed, "
            f"{self.not_polled} not polled; in the range {self.timeouts} timeouts, "
            f"max lag {self.max_lag_s:.1f} s, max round {self.max_duration_s:.1f} s "
            f"of {self.interval_s:g} s; budget {self.budget}"
        )


def _num(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def read(client: InfluxClient, now: datetime, lookback: timedelta) -> list[ShardHealth]:
    """Per shard: the last round and the sums/maxima over ``lookback`` before ``now``."""
    where = time_range(now - lookback, now)
    table = quote_ident(MEASUREMENT)
    totals = "count(devices) AS rounds, sum(timeouts) AS timeouts, max(lag_s) AS lag"
    sums = client.query_series(
        f"SELECT {totals}, max(duration_s) AS longest FROM {table} WHERE {where} GROUP BY {quote_ident('shard')}"  # noqa: S608
    )
    lasts = client.query_series(
        f"SELECT {', '.join(quote_ident(f) for f in FIELDS)} FROM {table} WHERE {where} "  # noqa: S608
        f"GROUP BY {quote_ident('shard')} ORDER BY time DESC LIMIT 1"
    )
    last_by_shard = {s.tags.get("shard", ""): s.rows()[0] for s in lasts if s.values}
    out: list[ShardHealth] = []
    for series in sums:
        if not series.values:
            continue
        shard = series.tags.get("shard", "")
        total = series.rows()[0]
        last = last_by_shard.get(shard, {})
        stamp = last.get("time")
        out.append(
            ShardHealth(
                shard=shard,
                rounds=int(_num(total.get("rounds"))),
                last=datetime.fromtimestamp(stamp / 1e9, UTC) if isinstance(stamp, int) else None,
                devices=int(_num(last.get("devices"))),
                ok=int(_num(last.get("ok"))),
                failed=int(_num(last.get("failed"))),
                not_polled=int(_num(last.get("not_polled"))),
                timeouts=int(_num(total.get("timeouts"))),
                max_lag_s=_num(total.get("lag")),
                max_duration_s=_num(total.get("longest")),
                interval_s=_num(last.get("interval_s")),
                budget=int(_num(last.get("budget"))),
            )
        )
    return sorted(out, key=lambda h: h.shard)
