"""Scheduled polling: :class:`MonitorService` runs every shard at its level's interval.

Targets are grouped by shard (county code, ``city`` above the counties) and
poll interval; each group is one APScheduler 3 interval job on an asyncio
loop in a background thread (``max_instances=1`` and ``coalesce``: a round
that overruns is not stacked, a missed one is run once). Every job draws on
the poller's one in-flight budget, and each round spreads its devices over
the interval at stable offsets and ends with it (see :meth:`Poller.poll`). A later version can
hand shards to worker machines: a service polls only the shards it is given.

The scheduler, the poller, the alarm rules and the writer are imported where
they are used: ``web.app`` builds this component for every command, and
importing them all cost about 0.28 s of each command's start-up
(docs/BENCHMARKS.md).

:class:`Monitoring` is the component the application factory builds: it
turns the inventory into targets and makes pollers, writers and services.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from monitoring.errors import MonitoringConfigError
from monitoring.influx import InfluxClient, InfluxSettings
from monitoring.settings import AlarmSettings, PollerSettings

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from inventory.service import Inventory
    from monitoring.alarms import AlarmEvaluator
    from monitoring.health import HealthReader
    from monitoring.notify import Notifier
    from monitoring.poller import PointSink, Poller, PollRound
    from monitoring.store import AlarmStore
    from monitoring.targets import PollTarget
    from monitoring.writer import InfluxWriter

log = logging.getLogger(__name__)

#: Called after each scheduled round with the job's shard and the round.
RoundHook = Callable[[str, "PollRound"], None]


@dataclass
class ServiceStats:
    """Rounds run and failed since the service started.

    ``last`` keeps each shard's last round as a summary (:func:`slim_round`):
    the outcome of every device, without its interface readings and records,
    so that the service holds no round's per-interface objects between rounds
    (at city scale they were ~270,000 objects, alive while the next round built
    its own: a higher RSS peak every round, measured in docs/BENCHMARKS.md).
    """

    rounds: int = 0
    errors: int = 0
    last: dict[str, PollRound] = field(default_factory=dict)


def slim_round(result: PollRound) -> PollRound:
    """``result`` with its polls' interface readings and records dropped (counts and errors kept)."""
    polls = [
        dataclasses.replace(p, interfaces=(), records=()) if p.interfaces or p.records else p
        for p in result.polls
    ]
    return dataclasses.replace(result, polls=polls)


def round_summary(result: PollRound) -> str:
    """The log line of one scheduled round (what ``monitor run`` prints)."""
    return (
        f"shard {result.shard}: {result.ok}/{len(result.polls)} devices answered, "
        f"{len(result.failed)} failed, {len(result.not_polled)} not polled, "
        f"{result.timeouts} timeouts, {result.requests} requests in {result.duration_s:.1f} s "
        f"of {result.interval_s or 0:g} s, lag {result.lag_s:.1f} s, "
        f"budget {result.budget}, {result.points} points"
    )


class MonitorService:
    """Polls ``poller``'s targets on a schedule until :meth:`stop`.

    ``shards`` limits the service to those shards (default: all).
    """

    def __init__(
        self,
        poller: Poller,
        *,
        shards: Iterable[str] | None = None,
        on_round: RoundHook | None = None,
    ) -> None:
        self.poller = poller
        self.shards = set(shards) if shards is not None else None
        self.on_round = on_round
        self.stats = ServiceStats()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._scheduler: AsyncIOScheduler | None = None
        self._stopped = threading.Event()

    def groups(self) -> dict[tuple[str, float], list[PollTarget]]:
        """Targets by ``(shard, interval)``: one scheduled job each."""
        from monitoring.targets import shard_targets

        out: dict[tuple[str, float], list[PollTarget]] = {}
        for shard, targets in shard_targets(self.poller.targets).items():
            if self.shards is not None and shard not in self.shards:
                continue
            for target in targets:
                out.setdefault((shard, target.interval_s), []).append(target)
        return out

    def start(self) -> MonitorService:
        """Start the loop thread and the schedule; the first rounds run at once."""
        if self._thread is not None:
            return self
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._loop = loop
        self._stopped.clear()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            loop.run_forever()

        self._thread = threading.Thread(target=run, name="egovnet-monitor", daemon=True)
        self._thread.start()
        ready.wait()
        asyncio.run_coroutine_threadsafe(self._schedule(), loop).result()
        return self

    async def _schedule(self) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        scheduler = AsyncIOScheduler(event_loop=asyncio.get_running_loop())
        now = datetime.now().astimezone()
        for n, ((shard, interval), targets) in enumerate(sorted(self.groups().items())):
            scheduler.add_job(
                self._round,
                "interval",
                seconds=interval,
                args=(shard, interval, targets),
                id=f"poll:{shard}:{interval:g}",
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(1, int(interval)),
                next_run_time=now + timedelta(milliseconds=20 * n),
            )
        scheduler.start()
        self._scheduler = scheduler

    async def _round(self, shard: str, interval: float, targets: Sequence[PollTarget]) -> None:
        try:
            result = await self.poller.poll(targets, interval_s=interval, shard=shard)
        except asyncio.CancelledError:  # stop() while a round was in flight
            log.info("poll round of shard %s stopped", shard)
            return
        except Exception:  # a failing round must not stop the schedule
            self.stats.errors += 1
            log.exception("poll round of shard %s failed", shard)
            return
        self.stats.rounds += 1
        self.stats.last[shard] = slim_round(result)
        log.info("%s", round_summary(result))
        if self.on_round is not None:
            # off the loop: a hook may touch the database or send notifications
            try:
                await asyncio.to_thread(self.on_round, shard, result)
            except Exception:  # a failing hook must not stop the schedule
                log.exception("round hook of shard %s failed", shard)
        del result  # the full round (every interface's reading and record) is garbage now
        self.poller.settle_memory()

    def stop(self) -> None:
        """Stop the schedule (a running round finishes), close the socket, join the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return

        async def shutdown() -> None:
            if self._scheduler is not None and self._scheduler.running:
                self._scheduler.shutdown(wait=False)
            await self.poller.close()

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
        self._loop = self._thread = self._scheduler = None
        self._stopped.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until :meth:`stop` was called (True) or ``timeout`` passed (False)."""
        return self._stopped.wait(timeout)

    def __enter__(self) -> MonitorService:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Monitoring:
    """The monitoring component: targets from the inventory, pollers, writers, services.

    Built once by the application factory; ``influx`` None means points are
    not written (``poll --once`` still polls and prints).
    """

    def __init__(
        self,
        inventory: Inventory,
        *,
        influx: InfluxSettings | None = None,
        poller: PollerSettings | None = None,
        intervals: Mapping[str, float] | None = None,
        statuses: Iterable[str] | None = ("active",),
        alarms: AlarmSettings | None = None,
        extra_notifiers: Sequence[Notifier] = (),
    ) -> None:
        self.inventory = inventory
        self.alarm_settings = alarms or AlarmSettings()
        #: notifiers other packages add (security's syslog forwarder), after the configured ones
        self.extra_notifiers = list(extra_notifiers)
        self.influx = influx
        self.poller_settings = poller or PollerSettings()
        self.intervals = dict(intervals or {})
        self.statuses = tuple(statuses) if statuses is not None else None

    def ensure_schema(self) -> None:
        """Create or upgrade the inventory's tables, then monitoring's own (alarms)."""
        self.inventory.ensure_schema()
        self.alarm_store().ensure_schema()

    def alarm_store(self) -> AlarmStore:
        """The alarm table, in the inventory's database."""
        from monitoring.store import AlarmStore

        return AlarmStore(self.inventory.engine)

    def alarm_evaluator(self, *, notifiers: Sequence[Notifier] | None = None) -> AlarmEvaluator:
        """An evaluator with the configured thresholds and notifiers (``notifiers`` overrides)."""
        from monitoring.alarms import AlarmEvaluator
        from monitoring.lookup import departments_by_node

        return AlarmEvaluator(
            self.alarm_store(),
            self.alarm_settings.thresholds,
            departments=lambda: departments_by_node(self.inventory),
            notifiers=(
                [*self.alarm_settings.notifiers(), *self.extra_notifiers]
                if notifiers is None
                else notifiers
            ),
        )

    def health(self) -> HealthReader:
        """Health queries on the configured InfluxDB (MonitoringConfigError if not set)."""
        if self.influx is None:
            raise MonitoringConfigError("influx.url is not set: no data to read")
        from monitoring.health import HealthReader

        return HealthReader(InfluxClient(self.influx))

    def targets(self, *, all_statuses: bool = False) -> list[PollTarget]:
        """Poll targets from the inventory (every status when ``all_statuses``)."""
        from monitoring.targets import load_targets

        return load_targets(
            self.inventory,
            statuses=None if all_statuses else self.statuses,
            intervals=self.intervals,
        )

    def writer(self) -> InfluxWriter:
        """A batched writer with its spool (MonitoringConfigError if InfluxDB is not set)."""
        if self.influx is None:
            raise MonitoringConfigError("influx.url is not set: nowhere to write points")
        from monitoring.writer import InfluxWriter

        return InfluxWriter.from_settings(self.influx)

    def poller(self, targets: Sequence[PollTarget], *, write: bool = True) -> Poller:
        """A poller for ``targets``, writing to InfluxDB when configured and ``write``."""
        from monitoring.poller import Poller

        sink: PointSink | None = self.writer() if write and self.influx is not None else None
        return Poller(targets, writer=sink, settings=self.poller_settings)

    def service(
        self, *, shards: Iterable[str] | None = None, write: bool = True, alarms: bool = True
    ) -> MonitorService:
        """A :class:`MonitorService` over every current target, evaluating alarms after each round.

        Call :meth:`ensure_schema` first when ``alarms`` is on.
        """
        hook = self.alarm_evaluator().on_round if alarms else None
        return MonitorService(
            self.poller(self.targets(), write=write), shards=shards, on_round=hook
        )
