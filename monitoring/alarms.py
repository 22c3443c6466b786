"""Alarm evaluation after each poll round (rules and thresholds in :mod:`monitoring.rules`).

:class:`AlarmEvaluator` reads a :class:`~monitoring.poller.PollRound` as it
comes out of the poller (no InfluxDB round trip), keeps the little history
the rules need in memory (consecutive failures, link state changes, since
when a threshold is crossed), and reconciles the result with the database:
an alarm opens once per rule and object (deduplicated by
:class:`~monitoring.store.AlarmStore`), and closes, with its end time, at the
first round that sees the condition gone. Only objects present in a round are
judged, so shards can be evaluated by separate rounds. Raised and cleared
alarms go to the notifiers.

After a restart the open alarms are read back from the database; the
in-memory history starts empty, so "for N seconds" conditions start counting
again.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError

from monitoring.errors import MonitoringError
from monitoring.notify import AlarmEvent, Notifier, deliver
from monitoring.poller import DevicePoll, InterfaceReading, PollRound
from monitoring.rates import CounterSample, CounterTracker, utilisation_pct
from monitoring.rules import (
    DEVICE_UNREACHABLE,
    ERRORS_HIGH,
    LINK_DOWN,
    LINK_FLAPPING,
    RULES,
    UTILISATION_HIGH,
    AlarmThresholds,
)
from monitoring.schema import InterfaceRecord
from monitoring.store import AlarmDraft, AlarmStore

log = logging.getLogger(__name__)

#: Node code → codes of the departments attached there.
DepartmentMap = Mapping[str, tuple[str, ...]]


def _utc(wall: float) -> datetime:
    return datetime.fromtimestamp(wall, tz=UTC)


@dataclass
class _Since:
    """Since when a threshold condition has held (None: it does not hold)."""

    since: float | None = None

    def update(self, holds: bool, start: float) -> float | None:
        if not holds:
            self.since = None
        elif self.since is None:
            self.since = start
        return self.since


@dataclass
class _LinkState:
    up: bool | None = None
    changes: deque[float] = field(default_factory=deque)


@dataclass
class _End:
    oper_up: bool
    admin_up: bool | None


@dataclass(frozen=True)
class Verdict:
    """A rule judged on one object in one round.

    ``active`` True opens, False clears; None (the condition holds but not yet
    long enough) leaves an open alarm open, e.g. after a restart.
    """

    draft: AlarmDraft
    active: bool | None
    since: float


def _held(holds: bool, long_enough: bool) -> bool | None:
    """True when the condition held long enough, False when it does not hold, else None."""
    if not holds:
        return False
    return True if long_enough else None


def error_pct(errors: int | None, packets: int | None, *, min_packets: int = 1) -> float | None:
    """Errors as a percentage of packets in one direction (None when unknown).

    >>> error_pct(15, 1000)
    1.5
    >>> error_pct(3, 0) is None, error_pct(None, 10) is None
    (True, True)
    """
    if errors is None or packets is None or packets < min_packets:
        return None
    return 100.0 * errors / packets


class AlarmEvaluator:
    """Judges every rule on each poll round and keeps the alarm table in step.

    Thread-safe: rounds of different shards may be evaluated from different
    threads; they are judged one at a time.
    """

    def __init__(
        self,
        store: AlarmStore,
        thresholds: AlarmThresholds | None = None,
        *,
        departments: DepartmentMap | Callable[[], DepartmentMap] | None = None,
        notifiers: Sequence[Notifier] = (),
    ) -> None:
        self.store = store
        self.thresholds = thresholds or AlarmThresholds()
        self.notifiers = list(notifiers)
        self._departments_source = departments
        self._departments: DepartmentMap | None = None
        self._lock = threading.Lock()
        self._open: set[tuple[str, str]] | None = None
        self._failures: dict[str, tuple[int, float]] = {}
        self._ends: dict[str, dict[str, _End]] = {}  # link label -> end key -> state
        self._links: dict[str, _LinkState] = {}
        self._util: dict[str, _Since] = {}
        self._errors: dict[str, _Since] = {}
        self._packets: CounterTracker[tuple[str, int, str]] = CounterTracker()
        self._last_wall: dict[str, float] = {}
        self.events: deque[AlarmEvent] = deque(maxlen=1000)

    # -- entry points ----------------------------------------------------------------
    def on_round(self, shard: str, result: PollRound) -> None:
        """The :class:`~monitoring.service.MonitorService` hook: evaluate, log failures."""
        try:
            self.evaluate(result)
        except (MonitoringError, SQLAlchemyError):
            log.exception("alarm evaluation of shard %s failed", shard)

    def evaluate(self, result: PollRound) -> list[AlarmEvent]:
        """Judge ``result``, open and clear alarms, notify; returns the events."""
        with self._lock:
            verdicts = self._judge(result)
            events = self._reconcile(verdicts, _utc(result.started))
        deliver(self.notifiers, events)
        self.events.extend(events)
        return events

    def departments(self, *codes: str | None) -> tuple[str, ...]:
        """Departments attached at any of ``codes`` (sorted, unique)."""
        if self._departments is None:
            source = self._departments_source
            self._departments = (source() if callable(source) else source) or {}
        found = {d for code in codes if code for d in self._departments.get(code, ())}
        return tuple(sorted(found))

    # -- judging --------------------------------------------------------------------------
    def _acts(self, rule: str, key: str, active: bool | None) -> bool:
        """Whether a verdict would open or clear an alarm (only those are built).

        A healthy device or link is judged every round: building its message,
        departments and draft only to find nothing to change was most of the
        evaluation's CPU (docs/BENCHMARKS.md, city bench).
        """
        if self._open is None:
            self._open = self.store.open_keys()
        if active is None:
            return False
        return active != ((rule, key) in self._open)

    def _judge(self, result: PollRound) -> list[Verdict]:
        verdicts: list[Verdict] = []
        touched: set[str] = set()
        for poll in result.polls:
            if not poll.polled:
                continue  # the poller's own overload: unknown, not down (no verdict either way)
            verdicts += self._device(poll)
            if not poll.ok:
                for ends in self._ends.values():
                    for key in [k for k in ends if k.startswith(poll.code + ":")]:
                        del ends[key]
                continue
            readings: dict[str, InterfaceReading] | None = None  # built at the first link
            # rates cover the time since this device's previous answer
            previous = self._last_wall.get(poll.code, poll.wall)
            self._last_wall[poll.code] = poll.wall
            for record in poll.records:
                if record.link is None:
                    continue
                touched.add(record.link)
                if readings is None:
                    readings = {r.name: r for r in poll.interfaces}
                key = f"{poll.code}:{record.interface}"
                self._ends.setdefault(record.link, {})[key] = _End(
                    bool(record.oper_up), record.admin_up
                )
                verdicts += self._interface(poll, record, readings.get(record.interface), previous)
        for label in sorted(touched):
            verdicts += self._link(label, result.started)
        return [v for v in verdicts if self.thresholds.enabled(v.draft.rule)]

    def _draft(
        self,
        rule: str,
        key: str,
        node: str,
        message: str,
        *,
        interface: str | None = None,
        link: str | None = None,
        value: float | None = None,
        peer: str | None = None,
    ) -> AlarmDraft:
        spec = RULES[rule]
        return AlarmDraft(
            rule=rule,
            object_kind=spec.object_kind,
            object_key=key,
            severity=spec.severity.value,
            node=node,
            message=message,
            interface=interface,
            link=link,
            departments=self.departments(node, peer),
            value=value,
        )

    def _device(self, poll: DevicePoll) -> list[Verdict]:
        limit = self.thresholds.unreachable_polls
        if poll.ok:
            self._failures.pop(poll.code, None)
            count, since = 0, poll.wall
        else:
            count, since = self._failures.get(poll.code, (0, poll.wall))
            count += 1
            self._failures[poll.code] = (count, since)
        active = _held(count > 0, count >= limit)
        if not self._acts(DEVICE_UNREACHABLE, poll.code, active):
            return []
        failure = (
            "sent a bad SNMP reply" if poll.error_code == "bad_reply" else "did not answer SNMP"
        )
        message = (
            f"device {poll.code} {failure} in {count} poll(s) in a row"
            + (f" ({poll.error})" if poll.error else "")
            if count
            else f"device {poll.code} answers"
        )
        draft = self._draft(DEVICE_UNREACHABLE, poll.code, poll.code, message, value=float(count))
        return [Verdict(draft, active, since)]

    def _interface(
        self,
        poll: DevicePoll,
        record: InterfaceRecord,
        reading: InterfaceReading | None,
        start: float,
    ) -> list[Verdict]:
        t = self.thresholds
        key = f"{poll.code}:{record.interface}"
        out: list[Verdict] = []
        utils = [
            u
            for u in (
                utilisation_pct(record.in_bps, record.capacity_bps),
                utilisation_pct(record.out_bps, record.capacity_bps),
            )
            if u is not None
        ]
        if utils:
            util = max(utils)
            since = self._util.setdefault(key, _Since()).update(util > t.utilisation_pct, start)
            active = _held(since is not None, poll.wall - (since or 0.0) >= t.utilisation_for_s)
            if self._acts(UTILISATION_HIGH, key, active):
                message = (
                    f"utilisation of {key} ({record.link}) at {util:.1f} % "
                    f"(threshold {t.utilisation_pct:g} % for {t.utilisation_for_s:g} s)"
                )
                draft = self._draft(
                    UTILISATION_HIGH,
                    key,
                    poll.code,
                    message,
                    interface=record.interface,
                    link=record.link,
                    value=round(util, 3),
                )
                out.append(Verdict(draft, active, since or start))
        pct = self._error_pct(poll, record, reading)
        if pct is not None:
            since = self._errors.setdefault(key, _Since()).update(pct > t.error_pct, start)
            active = _held(since is not None, poll.wall - (since or 0.0) >= t.errors_for_s)
            if self._acts(ERRORS_HIGH, key, active):
                message = (
                    f"errors on {key} ({record.link}) at {pct:.2f} % of packets "
                    f"(threshold {t.error_pct:g} % for {t.errors_for_s:g} s)"
                )
                draft = self._draft(
                    ERRORS_HIGH,
                    key,
                    poll.code,
                    message,
                    interface=record.interface,
                    link=record.link,
                    value=round(pct, 4),
                )
                out.append(Verdict(draft, active, since or start))
        return out

    def _error_pct(
        self, poll: DevicePoll, record: InterfaceRecord, reading: InterfaceReading | None
    ) -> float | None:
        """The worse direction's errors as % of its unicast packets over the poll interval."""
        if reading is None or poll.uptime_ticks is None:
            return None
        deltas: dict[str, int | None] = {}
        for name in ("in_ucast_pkts", "out_ucast_pkts"):
            value = getattr(reading, name)
            deltas[name] = None
            if value is None or value >= 1 << reading.counter_bits:
                continue
            result = self._packets.update(
                (poll.code, reading.index, name),
                CounterSample(
                    value, poll.uptime_ticks % (1 << 32), poll.wall, reading.counter_bits
                ),
            )
            deltas[name] = result.delta if result.ok else None
        pcts = [
            p
            for p in (
                error_pct(record.in_errors, deltas["in_ucast_pkts"]),
                error_pct(record.out_errors, deltas["out_ucast_pkts"]),
            )
            if p is not None
        ]
        return max(pcts) if pcts else None

    def _link(self, label: str, now: float) -> list[Verdict]:
        t = self.thresholds
        ends = self._ends.get(label, {})
        if not ends:
            return []
        up = all(end.oper_up for end in ends.values())
        state = self._links.setdefault(label, _LinkState())
        if state.up is not None and state.up != up:
            state.changes.append(now)
        state.up = up
        while state.changes and state.changes[0] < now - t.flap_window_s:
            state.changes.popleft()
        if not (
            self._acts(LINK_DOWN, label, not up)
            or self._acts(LINK_FLAPPING, label, len(state.changes) >= t.flap_changes)
        ):
            return []
        a_end, _, b_end = label.partition(" -- ")
        a_node, b_node = a_end.partition(":")[0], b_end.partition(":")[0]
        down = sorted(
            f"{key} {'administratively down' if end.admin_up is False else 'down'}"
            for key, end in ends.items()
            if not end.oper_up
        )
        down_iface = next(
            (key.partition(":")[2] for key, end in sorted(ends.items()) if not end.oper_up), None
        )
        message = f"link {label} " + (f"down: {', '.join(down)}" if down else "up")
        out = [
            Verdict(
                self._draft(
                    LINK_DOWN,
                    label,
                    a_node,
                    message,
                    interface=down_iface,
                    link=label,
                    peer=b_node,
                ),
                not up,
                now,
            )
        ]
        changes = len(state.changes)
        flapping = changes >= t.flap_changes
        message = (
            f"link {label} changed state {changes} time(s) in {t.flap_window_s:g} s "
            f"(threshold {t.flap_changes})"
        )
        out.append(
            Verdict(
                self._draft(
                    LINK_FLAPPING,
                    label,
                    a_node,
                    message,
                    link=label,
                    peer=b_node,
                    value=float(changes),
                ),
                flapping,
                state.changes[0] if flapping else now,
            )
        )
        return out

    # -- the database -----------------------------------------------------------------------
    def _reconcile(self, verdicts: Iterable[Verdict], now: datetime) -> list[AlarmEvent]:
        if self._open is None:
            self._open = self.store.open_keys()
        events: list[AlarmEvent] = []
        for verdict in verdicts:
            key = (verdict.draft.rule, verdict.draft.object_key)
            if verdict.active and key not in self._open:
                opened = self.store.open(verdict.draft, min(_utc(verdict.since), now))
                self._open.add(key)
                if opened is not None:
                    events.append(AlarmEvent("raised", opened))
            elif verdict.active is False and key in self._open:
                cleared = self.store.clear(*key, now)
                self._open.discard(key)
                if cleared is not None:
                    events.append(AlarmEvent("cleared", cleared))
        for event in events:
            log.info(
                "alarm %d %s: %s %s",
                event.alarm.id,
                event.kind,
                event.alarm.rule,
                event.alarm.object_key,
            )
        return events
