"""The poller's in-place counter rows give exactly what one CounterTracker per counter gives."""

from __future__ import annotations

import random

import pytest

from monitoring.rates import (
    CounterSample,
    CounterTracker,
    RateConfig,
    SampleError,
    new_counter_row,
    update_counter_row,
)

WIDTH = 8


def _scenario(rng: random.Random) -> list[tuple[int, float, list[int | None], list[int]]]:
    """Polls of one interface: (uptime ticks, wall, values, widths), with every rule's edge."""
    uptime, wall = rng.randrange(0, 2**32), rng.uniform(0, 1e9)
    values = [rng.randrange(0, 2**32) for _ in range(WIDTH)]
    widths = [rng.choice((32, 64)) for _ in range(WIDTH)]
    out = []
    for _ in range(rng.randrange(1, 12)):
        step = rng.choice((0.0, 0.5, 1.0, 30.0, 60.0, 4000.0, rng.uniform(0, 120)))
        event = rng.random()
        wall += step + rng.choice((0.0, 0.0, 0.3, -0.3, 200.0))
        if event < 0.08:
            uptime = rng.randrange(0, 1000)  # reboot
        elif event < 0.12:
            uptime = (uptime + 2**32 - 100) % 2**32  # backwards, not a wrap
        else:
            uptime = (uptime + round(step * 100)) % 2**32  # may wrap
        for j in range(WIDTH):
            kind = rng.random()
            if kind < 0.05:
                widths[j] = 96 - widths[j]  # 64 <-> 32: discontinuity
            top = 2 ** widths[j]
            if kind < 0.1:
                values[j] = rng.randrange(0, top)
            elif kind < 0.15:
                values[j] = (values[j] - rng.randrange(1, 2**20)) % top  # decrease / wrap
            else:
                big = rng.choice((0, 10, 10**6, 10**9, 10**12))
                values[j] = (values[j] + rng.randrange(0, big + 1)) % top
        polled: list[int | None] = [None if rng.random() < 0.1 else v for v in values]
        out.append((uptime, wall, polled, list(widths)))
    return out


@pytest.mark.parametrize("seed", range(300))
def test_row_matches_a_tracker_per_counter(seed: int) -> None:
    rng = random.Random(seed)
    config = RateConfig(
        min_uptime_ratio=rng.choice((0.0, 0.9)), max_interval_s=rng.choice((100.0, 3600.0))
    )
    limits = [rng.choice((None, 1e3, 1e6, 1e9)) for _ in range(WIDTH)]
    tracker: CounterTracker[int] = CounterTracker(config)
    row = new_counter_row(WIDTH)
    deltas: list[int | None] = [None] * WIDTH
    rates: list[float | None] = [None] * WIDTH
    for uptime, wall, values, widths in _scenario(rng):
        want_deltas: list[int | None] = [None] * WIDTH
        want_rates: list[float | None] = [None] * WIDTH
        want_interval, want_reboot = None, False
        for j, value in enumerate(values):
            if value is None:
                continue
            result = tracker.update(
                j, CounterSample(value, uptime, wall, widths[j]), max_rate=limits[j]
            )
            want_reboot |= result.status == "reboot"
            if result.ok:
                want_deltas[j], want_rates[j] = result.delta, result.rate
                want_interval = result.interval_s
        got = update_counter_row(row, values, widths, uptime, wall, limits, config, deltas, rates)
        assert got == (want_interval, want_reboot)
        assert deltas == want_deltas
        assert rates == want_rates


def test_negative_counter_is_refused_as_before() -> None:
    row = new_counter_row(1)
    with pytest.raises(SampleError, match="outside a 64-bit counter"):
        update_counter_row(row, [-1], [64], 0, 0.0, [None], RateConfig(), [None], [None])
