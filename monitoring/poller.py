"""The SNMP poller: read every target's interfaces, compute rates, write points.

:class:`Poller` keeps per-device state between polls (row count, whether the
device has 64-bit counters, interface names and speeds, counter baselines)
so that a steady-state poll is the fewest GETBULK round trips the device's
message size allows. Devices are polled concurrently, bounded by one
adaptive in-flight budget per poller (:mod:`monitoring.budget`: AIMD between
``min_in_flight`` and ``max_in_flight``, per-county limits) and, in scheduled
rounds, spread over the interval at stable per-device offsets; each has its
own timeout, retries and deadline, so a dead or slow agent only costs its own
slot. A device the poller could not poll in time is "not polled", never
"down". Every poll yields a
:class:`DevicePoll`; rates go through :mod:`monitoring.rates` and points
through the :mod:`monitoring.schema` builders to the writer.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from monitoring import columns as C
from monitoring import pollerhealth
from monitoring.budget import InFlightBudget, Outcome, device_offset
from monitoring.errors import MonitoringError
from monitoring.rates import (
    RateConfig,
    interface_speed_bps,
    new_counter_row,
    octet_rate_limit,
    update_counter_row,
)
from monitoring.schema import DeviceRecord, InterfaceRecord, LinkRecord, poll_time_ns
from monitoring.settings import PollerSettings as PollerSettings
from monitoring.snmp.client import SnmpClient
from monitoring.snmp.errors import SnmpAgentError, SnmpTimeoutError
from monitoring.targets import PollTarget
from snmpcodec.ber import TAG_COUNTER32, TAG_COUNTER64, TAG_INTEGER, Value, decode_arcs
from snmpcodec.errors import SnmpCodecError, SnmpConfigError

log = logging.getLogger(__name__)

#: Young-generation threshold of the garbage collector once the state is frozen.
GC_YOUNG = 10_000

#: The value tags a counter column accepts.
COUNTER_TAGS = frozenset((TAG_COUNTER32, TAG_COUNTER64))


class PointSink(Protocol):
    """Where points go: :class:`monitoring.writer.InfluxWriter` fits."""

    def extend(self, points: Iterable[str]) -> None: ...

    def flush(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class InterfaceReading:
    """One interface as read in one poll (counters raw, as the agent gave them)."""

    index: int
    name: str
    admin_up: bool | None
    oper_up: bool | None
    speed_bps: int | None
    counter_bits: int
    in_octets: int | None = None
    out_octets: int | None = None
    in_ucast_pkts: int | None = None
    out_ucast_pkts: int | None = None
    in_errors: int | None = None
    out_errors: int | None = None
    in_discards: int | None = None
    out_discards: int | None = None


# _readings passes the counters positionally, in C.COUNTER_FIELDS order
if tuple(f.name for f in dataclasses.fields(InterfaceReading))[6:] != C.COUNTER_FIELDS:
    raise RuntimeError("InterfaceReading's counters must follow monitoring.columns.COUNTER_FIELDS")


@dataclass(frozen=True, slots=True)
class DevicePoll:
    """Outcome of polling one device once."""

    code: str
    ok: bool
    wall: float
    duration_s: float
    error: str | None = None
    #: Why it failed, for alarms and the CLI: ``timeout``, ``bad_reply`` (a reply
    #: that is not valid SNMP or carries values of the wrong type), ``agent_error``
    #: (error status, SNMPv3 report), ``config`` (unusable credentials),
    #: ``deadline`` (the device's whole-poll deadline) or ``os_error``.
    error_code: str | None = None
    requests: int = 0
    uptime_ticks: int | None = None
    sys_name: str | None = None
    interfaces: tuple[InterfaceReading, ...] = ()
    reboot: bool = False
    #: Points this poll produced for the writer.
    points: int = 0
    #: The ``interface`` records written (rates, deltas, status), one per interface.
    records: tuple[InterfaceRecord, ...] = ()
    #: False when the poller could not poll the device in time (its own overload):
    #: "not polled" is unknown, never "down" (no point, no alarm).
    polled: bool = True
    #: The poll ended without an answer in time (a timeout).
    timed_out: bool = False

    def record(self, interface: str) -> InterfaceRecord:
        """The record of ``interface`` (KeyError names it when absent)."""
        for record in self.records:
            if record.interface == interface:
                return record
        raise KeyError(f"{self.code}: no interface {interface!r} in this poll")


@dataclass
class PollRound:
    """Every device poll of one round, and what was written."""

    polls: list[DevicePoll]
    started: float
    duration_s: float
    points: int = 0
    written: bool = True
    #: The shard the round polled (None: several or unknown).
    shard: str | None = None
    #: The scheduled interval of the round (None: an unscheduled round, e.g. ``poll --once``).
    interval_s: float | None = None
    #: How far behind its schedule the poller was: the latest start of a device
    #: after its slot, or the overrun of the interval, seconds.
    lag_s: float = 0.0
    #: The in-flight budget's limit at the end of the round.
    budget: int = 0

    @property
    def ok(self) -> int:
        """How many devices answered."""
        return sum(1 for p in self.polls if p.ok)

    @property
    def failed(self) -> list[DevicePoll]:
        """The polls that failed (the device was polled and did not answer well)."""
        return [p for p in self.polls if not p.ok and p.polled]

    @property
    def not_polled(self) -> list[DevicePoll]:
        """The devices the poller could not poll in time (overload, not an outage)."""
        return [p for p in self.polls if not p.polled]

    @property
    def timeouts(self) -> int:
        """Device polls that ended in a timeout (failed or not polled)."""
        return sum(1 for p in self.polls if p.timed_out)

    @property
    def requests(self) -> int:
        """SNMP requests of the devices that answered."""
        return sum(p.requests for p in self.polls)

    def by_code(self) -> dict[str, DevicePoll]:
        """Polls keyed by device code."""
        return {p.code: p for p in self.polls}


@dataclass
class _DeviceState:
    rows: int = 0
    hc: bool | None = None  # None: not known yet
    use_descr: bool = False
    polls: int = 0
    static_due: bool = True
    uptime: int | None = None
    static: dict[bytes, tuple[int, str, int | None]] = field(default_factory=dict)
    #: Per interface name: (link, the start of its ``interface`` line), for the tags below.
    tag_lines: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    tags_of: tuple[str, str | None, str | None] | None = None


def _status(value: Value) -> bool | None:
    return None if not isinstance(value, int) else value == 1


def _text(value: Value) -> str | None:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) and value else None


class Poller:
    """Polls targets over SNMP; optionally writes ``device``/``interface``/``link`` points.

    Use :meth:`run_once` from synchronous code, or ``await poll(...)`` on a
    running loop (the SNMP socket is bound to the first loop used; a new
    loop gets a new socket).
    """

    def __init__(
        self,
        targets: Sequence[PollTarget] = (),
        *,
        writer: PointSink | None = None,
        settings: PollerSettings | None = None,
        rate_config: RateConfig | None = None,
    ) -> None:
        self.settings = settings or PollerSettings()
        self.writer = writer
        self.targets: list[PollTarget] = list(targets)
        self.rate_config = rate_config or RateConfig()
        #: Counter baselines per (device, ifIndex): flat rows of monitoring.rates.
        self._baselines: dict[tuple[str, int], list[Any]] = {}
        self._state: dict[str, _DeviceState] = {}
        self._client: SnmpClient | None = None
        s = self.settings
        #: One in-flight budget for every round of this poller (every shard of the process).
        self.budget = InFlightBudget(
            ceiling=max(1, s.max_in_flight),
            floor=max(1, min(s.min_in_flight, s.max_in_flight)),
            initial=min(s.min_in_flight, s.max_in_flight),
            county_limit=s.county_in_flight,
            cooldown_s=s.timeout * (s.retries + 1),
        )
        self._answered: set[str] = set()
        self._active = 0
        #: Size of the per-device state when it was last frozen (see :meth:`settle_memory`).
        self._frozen_size = 0
        self._stalled_at = -float("inf")
        self._watcher: asyncio.Task[None] | None = None

    def set_targets(self, targets: Sequence[PollTarget]) -> None:
        """Replace the targets (state of devices still present is kept)."""
        self.targets = list(targets)
        keep = {t.code for t in targets}
        for code in [c for c in self._state if c not in keep]:
            del self._state[code]

    def settle_memory(self) -> bool:
        """Move the poller's long-lived state out of the garbage collector's way, once it grew.

        For a long-running process (``monitor run``), after a round, when no
        other round is in flight: when devices or interfaces were added
        since the last time, collect once
        and ``gc.freeze()`` everything alive, so that the state of every
        device (counter baselines, names, v3 engines, about 150 MB for the
        city) is no longer scanned by each full collection. Frozen objects
        are still freed by reference counting; in steady state this does
        nothing; it also raises the young generation's threshold to
        :data:`GC_YOUNG`. Returns True when it froze. Measured in docs/BENCHMARKS.md
        (GC time per round at city scale).
        """
        size = len(self._state) + len(self._baselines)
        if size <= self._frozen_size or self._active:
            # nothing new, or another shard's round is still in flight: a full
            # collection now would scan its growing state too (measured at city
            # scale: 16 shards settling one after the other took 12 s of GC in
            # the first round); the last round to end settles for all of them
            return False
        gc.collect()
        gc.freeze()
        # a round allocates ~1,000 short-lived objects per device: collect the young
        # generation every 10,000 allocations, not every 700 (GC time of a steady
        # 500-device round 46 -> 15 ms, bench_poller)
        young, middle, old = gc.get_threshold()
        if young < GC_YOUNG:
            gc.set_threshold(GC_YOUNG, middle, old)
        self._frozen_size = size
        return True

    # -- entry points --------------------------------------------------------------
    def run_once(self, shard: str | None = None) -> PollRound:
        """Poll every target (or one shard's) once, from synchronous code."""

        async def once() -> PollRound:
            try:
                return await self.poll(self._select(shard))
            finally:
                await self.close()

        return asyncio.run(once())

    def _select(self, shard: str | None) -> list[PollTarget]:
        return [t for t in self.targets if shard is None or t.shard == shard]

    async def client(self) -> SnmpClient:
        """The SNMP client bound to the running loop (opened on first use)."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._client.loop is not loop:
            self._client = SnmpClient(
                timeout=self.settings.timeout,
                retries=self.settings.retries,
                local_address=self.settings.local_address,
            )
            await self._client.open()
        return self._client

    async def close(self) -> None:
        """Close the SNMP socket (and stop the stall watcher)."""
        if self._watcher is not None:
            self._watcher.cancel()
            self._watcher = None
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def poll(
        self,
        targets: Sequence[PollTarget] | None = None,
        *,
        interval_s: float | None = None,
        shard: str | None = None,
    ) -> PollRound:
        """Poll ``targets`` (default: all) concurrently and write their points.

        Every device poll holds a slot of the process-wide :attr:`budget`.
        With ``interval_s`` (a scheduled round) each device waits for its
        stable slot inside the first ``spread`` share of the interval, no
        device starts after the interval ended, and a device the poller could
        not poll in time is "not polled" (never "down"): it did not start
        before the interval ended, or it timed out after waiting for the
        budget longer than a timeout or while the event loop itself stalled. The
        round's own ``poller`` health point is written with its points.
        """
        chosen = self.targets if targets is None else list(targets)
        client = await self.client()
        loop = asyncio.get_running_loop()
        started = time.time()
        begin = loop.time()
        window = interval_s * min(max(self.settings.spread, 0.0), 1.0) if interval_s else 0.0
        deadline = begin + interval_s if interval_s else None
        patience = self.settings.timeout
        budget = self.budget
        lines: list[str] = []
        records: dict[str, InterfaceRecord] = {}
        lag = 0.0
        self._watch(loop)

        async def one(target: PollTarget) -> DevicePoll:
            nonlocal lag
            slot = begin + device_offset(target.code, window)
            start = slot
            own: list[str] = []
            phase = "before its slot"
            try:
                # the interval bounds when a device may start, not a poll in progress
                async with asyncio.timeout_at(deadline):
                    if slot > loop.time():
                        await asyncio.sleep(slot - loop.time())
                    phase = "while it waited for the in-flight budget"
                    await budget.acquire(target.shard)
            except TimeoutError:  # the round's interval ended first
                lag = max(lag, loop.time() - slot)
                return self._not_polled(
                    target, f"the round's interval ended {phase}", timed_out=False
                )
            outcome = Outcome.NEUTRAL
            try:
                start = loop.time()
                lag = max(lag, start - slot)
                poll = await self._poll_device(client, target, own, records)
                poll = self._judge(poll)
                outcome = self._outcome(target.code, poll)
            finally:
                budget.release(target.shard, outcome)
            if poll.timed_out and not poll.ok:
                if interval_s and start - slot >= patience:
                    return self._not_polled(
                        target,
                        f"timed out after waiting {start - slot:.1f} s for the in-flight budget",
                        timed_out=True,
                    )
                if self._stalled_at >= start:
                    return self._not_polled(
                        target, "timed out while the poller's event loop stalled", timed_out=True
                    )
            lines.extend(own)
            return poll

        self._active += 1
        try:
            polls = list(await asyncio.gather(*(one(t) for t in chosen)))
        finally:
            self._active -= 1
        links = self._link_lines(chosen, records, poll_time_ns(started))
        lines.extend(links)
        duration = loop.time() - begin
        if interval_s:
            lag = max(lag, duration - interval_s)
        result = PollRound(
            polls,
            started,
            duration,
            points=len(lines),
            shard=shard,
            interval_s=interval_s,
            lag_s=max(0.0, lag),
            budget=int(budget.limit),
        )
        if interval_s:
            # milliseconds: two rounds of a shard never share a point
            lines.append(pollerhealth.round_line(result, int(started * 1000) * 1_000_000))
            result.points = len(lines)
        if self.writer is not None and lines:
            result.written = await asyncio.to_thread(self._write, lines)
        return result

    # -- overload ------------------------------------------------------------------
    def _judge(self, poll: DevicePoll) -> DevicePoll:
        """Mark a failure that took at least a timeout as a timeout."""
        if not poll.ok and poll.duration_s >= self.settings.timeout * 0.95:
            return dataclasses.replace(poll, timed_out=True)
        return poll

    def _outcome(self, code: str, poll: DevicePoll) -> Outcome:
        """What the budget learns from one poll (a known-good device timing out is congestion)."""
        answered_before = code in self._answered
        if poll.ok:
            self._answered.add(code)
            return Outcome.OK if poll.duration_s < self.settings.timeout else Outcome.NEUTRAL
        self._answered.discard(code)
        return Outcome.CONGESTION if poll.timed_out and answered_before else Outcome.NEUTRAL

    @staticmethod
    def _not_polled(target: PollTarget, why: str, *, timed_out: bool) -> DevicePoll:
        return DevicePoll(
            target.code,
            False,
            time.time(),
            0.0,
            error=f"not polled: {why}",
            polled=False,
            timed_out=timed_out,
        )

    def _watch(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start the stall watcher on ``loop`` if it is not running there."""
        task = self._watcher
        if task is not None and not task.done() and task.get_loop() is loop:
            return
        self._watcher = loop.create_task(self._watch_loop(), name="egovnet-poller-watch")

    async def _watch_loop(self) -> None:
        """Record when the loop was late by half a timeout or more (replies may have waited)."""
        loop = asyncio.get_running_loop()
        step = 0.05
        idle_since = loop.time()
        while True:
            before = loop.time()
            await asyncio.sleep(step)
            now = loop.time()
            if now - before - step >= self.settings.timeout / 2:
                self._stalled_at = now
            if self._active:
                idle_since = now
            elif now - idle_since > 2 * step:
                return  # no round running: stop until the next one

    def _write(self, lines: list[str]) -> bool:
        assert self.writer is not None  # noqa: S101 - checked by the caller
        self.writer.extend(lines)
        return self.writer.flush()

    # -- one device ------------------------------------------------------------------
    async def _poll_device(
        self,
        client: SnmpClient,
        target: PollTarget,
        lines: list[str],
        records: dict[str, InterfaceRecord],
    ) -> DevicePoll:
        state = self._state.setdefault(target.code, _DeviceState())
        wall = time.time()
        start = time.monotonic()
        columns = self._columns(state)
        try:
            async with asyncio.timeout(self.settings.device_deadline):
                walk = await client.walk_columns(
                    target.host,
                    target.port,
                    target.auth,
                    C.SCALARS,
                    [c.oid for c in columns],
                    max_repetitions=(state.rows + 1)
                    if state.rows
                    else self.settings.first_repetitions,
                )
                values, requests = walk.columns, walk.requests
                if state.hc is None and not values[len(C.DYNAMIC)]:
                    # no ifHCInOctets: a 32-bit-only agent; read the ifTable counters now
                    extra = await client.walk_columns(
                        target.host,
                        target.port,
                        target.auth,
                        (),
                        [c.oid for c in C.COUNTERS_32],
                        max_repetitions=len(values[1]) + 1,
                    )
                    columns = [*columns, *C.COUNTERS_32]
                    values = [*values, *extra.columns]
                    requests += extra.requests
            duration = time.monotonic() - start
            uptime = next((v for _, t, v in walk.scalars[:1] if isinstance(v, int)), None)
            sys_name = next((_text(v) for _, _, v in walk.scalars[1:2]), None)
            # a reply with values of the wrong type fails this device only: its lines
            # and records are kept aside until every one of them was built
            device_lines: list[str] = []
            device_records: dict[str, InterfaceRecord] = {}
            readings = self._readings(state, columns, values)
            reboot = uptime is not None and state.uptime is not None and uptime < state.uptime
            built, rate_reboot = self._records(
                target, state, readings, uptime, wall, duration, device_lines, device_records
            )
        except (MonitoringError, SnmpCodecError, TimeoutError, OSError, ValueError) as exc:
            return self._failed(target, wall, start, exc, lines)
        lines.extend(device_lines)
        records.update(device_records)
        state.uptime = uptime
        state.polls += 1
        state.static_due = (
            reboot or state.static_due or state.polls % self.settings.static_every == 0
        )
        return DevicePoll(
            target.code,
            True,
            wall,
            duration,
            requests=requests,
            uptime_ticks=uptime,
            sys_name=sys_name,
            interfaces=readings,
            reboot=reboot or rate_reboot,
            points=len(built) + 1,
            records=tuple(built),
        )

    def _failed(
        self, target: PollTarget, wall: float, start: float, exc: BaseException, lines: list[str]
    ) -> DevicePoll:
        """The poll of one device failed: a ``device`` point with ``up=false``, the reason."""
        duration = time.monotonic() - start
        code = _error_code(exc)
        error = str(exc) or f"device deadline of {self.settings.device_deadline:g} s passed"
        if code == "bad_reply" and not error.startswith("snmp://"):
            error = f"snmp://{target.host}:{target.port}: bad reply: {error}"
        log.debug("poll of %s failed (%s): %s", target.code, code, error)
        record = DeviceRecord(
            node=target.code,
            level=target.level,
            time_ns=poll_time_ns(wall),
            up=False,
            county=target.county,
            township=target.township,
            role=target.role,
            platform=target.platform,
            poll_ms=duration * 1000.0,
        )
        lines.append(record.to_line())
        return DevicePoll(
            target.code, False, wall, duration, error=error, error_code=code, points=1
        )

    def _columns(self, state: _DeviceState) -> list[C.Column]:
        # DYNAMIC first, then the octet counters: _poll_device relies on this order
        cols: list[C.Column] = [
            *C.DYNAMIC,
            *(C.COUNTERS_32 if state.hc is False else C.COUNTERS_64),
        ]
        if state.static_due or not state.static:
            cols += [C.DESCR, *C.STATIC[1:]] if state.use_descr else list(C.STATIC)
        return cols

    def _readings(
        self,
        state: _DeviceState,
        columns: list[C.Column],
        values: list[dict[bytes, tuple[int, Value]]],
    ) -> tuple[InterfaceReading, ...]:
        if state.hc is None:
            first_hc = next(i for i, c in enumerate(columns) if c == C.COUNTERS_64[0])
            state.hc = bool(values[first_hc])
        unused = C.COUNTERS_32 if state.hc else C.COUNTERS_64
        by_field = {
            column.field: found
            for column, found in zip(columns, values, strict=True)
            if column not in unused
        }
        bits = 64 if state.hc else 32
        oper = by_field.get("oper", {})
        state.rows = max(len(oper), 1)
        if "high_speed" in by_field:
            self._refresh_static(state, by_field)
        admin = by_field.get("admin", {})
        counters = [by_field.get(f, {}) for f in C.COUNTER_FIELDS]
        known = state.static
        out: list[InterfaceReading] = []
        for suffix, (_, oper_value) in oper.items():
            static = known.get(suffix)
            if static is None:
                state.static_due = True
                arcs = decode_arcs(suffix)
                static = (arcs[0] if arcs else 0, f"ifIndex{suffix.hex()}", None)
            readings: list[int | None] = []
            for found in counters:
                entry = found.get(suffix)
                # only Counter32/Counter64 are counters: an INTEGER -1 or a string in a
                # counter column is not a reading (the rates would be garbage)
                if entry is not None and entry[0] in COUNTER_TAGS and entry[1].__class__ is int:
                    readings.append(entry[1])
                else:
                    readings.append(None)
            state_admin = admin.get(suffix)
            out.append(
                InterfaceReading(
                    static[0],
                    static[1],
                    None if state_admin is None else _status(state_admin[1]),
                    _status(oper_value),
                    static[2],
                    bits,
                    *readings,  # in C.COUNTER_FIELDS order, checked below the class
                )
            )
        return tuple(out)

    def _refresh_static(
        self, state: _DeviceState, by_field: dict[str, dict[bytes, tuple[int, Value]]]
    ) -> None:
        names = by_field.get("name") or by_field.get("descr") or {}
        if "name" in by_field and not by_field["name"]:
            state.use_descr = True
            state.static_due = True  # read ifDescr next time
        high = by_field.get("high_speed", {})
        speed = by_field.get("speed", {})
        fresh: dict[bytes, tuple[int, str, int | None]] = {}
        for suffix in by_field.get("oper", {}):
            arcs = decode_arcs(suffix)
            index = arcs[0] if arcs else 0
            name = _text(names[suffix][1]) if suffix in names else None
            s = speed.get(suffix, (TAG_INTEGER, None))[1]
            h = high.get(suffix, (TAG_INTEGER, None))[1]
            bps = interface_speed_bps(
                s if isinstance(s, int) else None, h if isinstance(h, int) else None
            )
            fresh[suffix] = (index, name or f"ifIndex{index}", bps)
        state.static = fresh
        state.tag_lines = {}  # names may have changed: keep only the current ones
        state.static_due = state.use_descr and "descr" not in by_field

    # -- rates and points ----------------------------------------------------------
    def _records(
        self,
        target: PollTarget,
        state: _DeviceState,
        readings: tuple[InterfaceReading, ...],
        uptime: int | None,
        wall: float,
        duration: float,
        lines: list[str],
        records: dict[str, InterfaceRecord],
    ) -> tuple[list[InterfaceRecord], bool]:
        """Append the device's lines; return its interface records and whether rates saw a reboot."""
        time_ns = poll_time_ns(wall)
        reboot = False
        built: list[InterfaceRecord] = []
        links = target.links
        config = self.rate_config
        baselines = self._baselines
        code = target.code
        ticks = None if uptime is None else uptime % (1 << 32)
        width = len(C.COUNTER_FIELDS)
        deltas: list[int | None] = [None] * width
        rates: list[float | None] = [None] * width
        tags_of = (target.level, target.county, target.township)
        if state.tags_of != tags_of:  # the device moved (inventory reloaded): new tags
            state.tag_lines = {}
            state.tags_of = tags_of
        tag_lines = state.tag_lines
        for reading in readings:
            interval: float | None = None
            if ticks is not None:
                limit = octet_rate_limit(reading.speed_bps)
                wide = reading.counter_bits
                bits = (wide, wide, wide, wide, 32, 32, 32, 32)
                values = [
                    reading.in_octets,
                    reading.out_octets,
                    reading.in_ucast_pkts,
                    reading.out_ucast_pkts,
                    reading.in_errors,
                    reading.out_errors,
                    reading.in_discards,
                    reading.out_discards,
                ]
                for j in range(width):
                    value = values[j]
                    if value is not None and value >= 1 << bits[j]:
                        values[j] = None
                key = (code, reading.index)
                row = baselines.get(key)
                if row is None:
                    row = baselines[key] = new_counter_row(width)
                interval, row_reboot = update_counter_row(
                    row,
                    values,
                    bits,
                    ticks,
                    wall,
                    (limit, limit, None, None, None, None, None, None),
                    config,
                    deltas,
                    rates,
                )
                reboot = reboot or row_reboot
            else:
                deltas = [None] * width
                rates = [None] * width
            in_rate, out_rate = rates[0], rates[1]
            link = links.get(reading.name) if links else None
            record = InterfaceRecord(
                node=target.code,
                level=target.level,
                interface=reading.name,
                time_ns=time_ns,
                county=target.county,
                township=target.township,
                link=link,
                oper_up=reading.oper_up,
                admin_up=reading.admin_up,
                speed_bps=reading.speed_bps,
                contracted_bps=target.contracted.get(reading.name) if link else None,
                in_bps=None if in_rate is None else in_rate * 8.0,
                out_bps=None if out_rate is None else out_rate * 8.0,
                in_octets=deltas[0],
                out_octets=deltas[1],
                in_errors=deltas[4],
                out_errors=deltas[5],
                in_discards=deltas[6],
                out_discards=deltas[7],
                interval_s=interval,
            )
            cached = tag_lines.get(reading.name)
            if cached is None or cached[0] != link:
                cached = tag_lines[reading.name] = (link, record.tag_line())
            lines.append(record.to_line(cached[1]))
            built.append(record)
            if link is not None:
                records[f"{target.code}:{reading.name}"] = record
        device = DeviceRecord(
            node=target.code,
            level=target.level,
            time_ns=time_ns,
            up=True,
            county=target.county,
            township=target.township,
            role=target.role,
            platform=target.platform,
            uptime_s=None if uptime is None else uptime / 100.0,
            poll_ms=duration * 1000.0,
            reboot=reboot,
            interfaces_total=len(readings),
            interfaces_up=sum(1 for r in readings if r.oper_up),
        )
        lines.append(device.to_line())
        return built, reboot

    @staticmethod
    def _link_lines(
        targets: Sequence[PollTarget], records: dict[str, InterfaceRecord], time_ns: int
    ) -> list[str]:
        """One ``link`` point per inventory link with at least one polled end."""
        labels = {label for t in targets for label in t.links.values()}
        out: list[str] = []
        for label in sorted(labels):
            a_end, _, b_end = label.partition(" -- ")
            a, b = records.get(a_end), records.get(b_end)
            if a is None and b is not None:
                out.append(LinkRecord.from_ends(label, b, None, time_ns=time_ns).to_line())
            elif a is not None:
                out.append(LinkRecord.from_ends(label, a, b, time_ns=time_ns).to_line())
        return out


def _error_code(exc: BaseException) -> str:
    """The short reason of a failed device poll (see :attr:`DevicePoll.error_code`)."""
    if isinstance(exc, SnmpTimeoutError):
        return "timeout"
    if isinstance(exc, SnmpAgentError):
        return "agent_error"
    if isinstance(exc, SnmpConfigError):
        return "config"
    if isinstance(exc, TimeoutError):
        return "deadline"
    if isinstance(exc, OSError):
        return "os_error"
    return "bad_reply"  # SnmpDecodeError, a SampleError, a value of the wrong type
