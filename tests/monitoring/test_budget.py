"""The process-wide in-flight budget and overload handling, against real lab agents over UDP."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from poller_support import LOOPBACK, AgentLab, agent_lab
from sqlalchemy import create_engine

from monitoring import pollerhealth
from monitoring.alarms import AlarmEvaluator
from monitoring.budget import InFlightBudget, Outcome, device_offset
from monitoring.influx import InfluxClient, InfluxSettings
from monitoring.poller import Poller, PollRound
from monitoring.rules import AlarmThresholds
from monitoring.spool import Spool
from monitoring.store import AlarmStore
from monitoring.writer import InfluxWriter

SETTINGS = dataclasses.replace(LOOPBACK, min_in_flight=2, max_in_flight=32, county_in_flight=0)


@pytest.fixture(scope="module")
def lab() -> Iterator[AgentLab]:
    with agent_lab(8) as found:
        yield found


def _set_reachable(lab: AgentLab, reachable: bool) -> None:
    for code in lab.endpoints:
        lab.network.devices[code].reachable = reachable


def _rounds(poller: Poller, count: int, **kwargs: object) -> list[PollRound]:
    async def run() -> list[PollRound]:
        try:
            return [await poller.poll(**kwargs) for _ in range(count)]  # type: ignore[arg-type]
        finally:
            await poller.close()

    return asyncio.run(run())


def test_budget_grows_halves_on_timeouts_and_grows_back(lab: AgentLab) -> None:
    poller = Poller(lab.targets(), settings=SETTINGS)
    budget = poller.budget
    assert budget.limit == 2.0
    (first,) = _rounds(poller, 1)
    assert first.ok == 8 and budget.limit == 10.0  # slow start: +1 per answer
    assert budget.stats.peak_in_flight <= 2 + 8  # never more than the limit in flight
    _set_reachable(lab, False)
    try:
        (silent,) = _rounds(poller, 1)
    finally:
        _set_reachable(lab, True)
    assert len(silent.failed) == 8 and silent.timeouts == 8
    assert budget.stats.decreases == 1 and budget.limit == 5.0  # one congestion event: halved
    _set_reachable(lab, False)
    try:
        (still,) = _rounds(poller, 1)
    finally:
        _set_reachable(lab, True)
    assert len(still.failed) == 8 and budget.limit == 5.0  # dead devices are not congestion
    rounds = _rounds(poller, 2)
    assert all(r.ok == 8 for r in rounds)
    assert 5.0 < budget.limit < 10.0  # congestion avoidance: about +1 per window


def test_per_county_limit_caps_each_county(lab: AgentLab) -> None:
    targets = [
        lab.target(code, county="411302" if n % 2 else "411303")
        for n, code in enumerate(lab.endpoints)
    ]
    limited = dataclasses.replace(SETTINGS, min_in_flight=32, county_in_flight=1)
    poller = Poller(targets, settings=limited)
    (result,) = _rounds(poller, 1)
    assert result.ok == 8
    assert poller.budget.stats.peak_in_flight == 2  # one per county, two counties


def test_overload_is_not_polled_and_raises_no_alarm(lab: AgentLab, tmp_path: Path) -> None:
    """A budget of one slot held by a silent device: the others are not polled, not down."""
    overloaded = dataclasses.replace(SETTINGS, min_in_flight=1, max_in_flight=1, spread=0.0)
    targets = lab.targets()  # D00000 first: it takes the only slot
    poller = Poller(targets, settings=overloaded)
    lab.network.devices["D00000"].reachable = False
    try:
        rounds = _rounds(poller, 2, interval_s=0.2, shard="411302")
    finally:
        lab.network.devices["D00000"].reachable = True
    for result in rounds:
        assert [p.code for p in result.failed] == ["D00000"]  # really silent: failed
        assert len(result.not_polled) == 7 and result.ok == 0
        assert result.lag_s > 0.2 and result.shard == "411302" and result.timeouts == 1
        assert all(p.error and p.error.startswith("not polled:") for p in result.not_polled)
        # not polled devices write no 'device up=0' point: the silent one and the health point
        assert result.points == 2
    store = AlarmStore(create_engine(f"sqlite:///{tmp_path}/alarms.db"))
    store.ensure_schema()
    evaluator = AlarmEvaluator(store, AlarmThresholds(unreachable_polls=2))
    for result in rounds:
        evaluator.evaluate(result)
    assert [a.object_key for a in store.alarms(open_only=True)] == ["D00000"]


def test_a_round_spreads_its_devices_over_the_interval(lab: AgentLab) -> None:
    poller = Poller(lab.targets(), settings=dataclasses.replace(SETTINGS, spread=1.0))
    (result,) = _rounds(poller, 1, interval_s=1.0)
    assert result.ok == 8 and not result.not_polled
    starts = sorted(p.wall for p in result.polls)
    expected = sorted(device_offset(p.code, 1.0) for p in result.polls)
    first = min(result.polls, key=lambda p: device_offset(p.code, 1.0)).wall
    # each device started at its own stable offset (not all at once)
    assert starts[-1] - starts[0] >= 0.5 * (expected[-1] - expected[0])
    assert abs(starts[0] - first) < 0.2
    assert poller.budget.stats.peak_in_flight < 8


def test_health_points_land_in_influxd(lab: AgentLab, influx_settings: InfluxSettings) -> None:
    assert influx_settings.spool_dir is not None
    client = InfluxClient(influx_settings)
    writer = InfluxWriter(client, Spool(influx_settings.spool_dir))
    poller = Poller(lab.targets(), writer=writer, settings=SETTINGS)
    _rounds(poller, 2, interval_s=1.0, shard="411302")
    writer.close()
    (shard,) = pollerhealth.read(
        client, datetime.now(UTC) + timedelta(seconds=1), timedelta(hours=1)
    )
    assert shard.shard == "411302" and shard.rounds == 2 and shard.devices == 8
    assert shard.ok == 8 and shard.not_polled == 0 and shard.interval_s == 1.0
    assert shard.budget >= 2 and "OK" in shard.line()
    client.close()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(list(Outcome))), max_size=60
    ),
    st.integers(1, 5),
    st.integers(0, 3),
)
def test_budget_never_exceeds_its_limits(
    steps: list[tuple[str, Outcome]], floor: int, county_limit: int
) -> None:
    """Random acquire/release sequences: limits hold, every waiter is served in the end."""

    async def run() -> None:
        budget = InFlightBudget(
            ceiling=8, floor=floor, initial=floor, county_limit=county_limit, cooldown_s=0.0
        )
        held: list[tuple[str, asyncio.Task[None]]] = []
        for county, outcome in steps:
            task = asyncio.ensure_future(budget.acquire(county))
            held.append((county, task))
            await asyncio.sleep(0)
            assert budget.in_flight == sum(1 for _, t in held if t.done()) <= 8
            if task.done():  # a new grant only below the (possibly just halved) limit
                assert budget.in_flight <= int(budget.limit)
            if county_limit:
                counts: dict[str, int] = {}
                for c, task in held:
                    if task.done():
                        counts[c] = counts.get(c, 0) + 1
                assert all(n <= county_limit for n in counts.values())
            done = [(c, t) for c, t in held if t.done()]
            if done and outcome is not Outcome.NEUTRAL:
                c, t = done[0]
                held.remove((c, t))
                budget.release(c, outcome)
            assert float(floor) <= budget.limit <= 8.0
        while held:
            await asyncio.sleep(0)
            done = [(c, t) for c, t in held if t.done()]
            assert done, "a waiter was never served"
            for c, t in done:
                held.remove((c, t))
                budget.release(c, Outcome.NEUTRAL)
        assert budget.in_flight == 0 and budget.waiting == 0

    asyncio.run(run())
