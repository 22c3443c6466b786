"""Counter-rate rules (pure math)."""

from __future__ import annotations

import random

import pytest

from monitoring.errors import MonitoringError
from monitoring.rates import (
    CounterSample,
    CounterTracker,
    RateConfig,
    RateStatus,
    SampleError,
    compute_rate,
    counter_delta,
    octet_rate_limit,
    uptime_delta_s,
)

GIG = 1_000_000_000


def sample(
    value: int,
    seconds: float,
    *,
    bits: int = 64,
    disc: int | None = None,
    boot_wall: float = 0.0,
    wall: float | None = None,
) -> CounterSample:
    """A sample taken ``seconds`` after boot (uptime) at wall time ``wall``."""
    return CounterSample(
        value=value,
        uptime_ticks=round(seconds * 100),
        wall=boot_wall + seconds if wall is None else wall,
        bits=bits,
        discontinuity=disc,
    )


def test_plain_rate_over_uptime() -> None:
    result = compute_rate(sample(1_000, 100.0), sample(61_000, 160.0))
    assert result.status is RateStatus.OK
    assert result.rate == 1000.0 and result.delta == 60_000 and result.interval_s == 60.0


def test_time_base_is_sysuptime_not_wall() -> None:
    # lab clock 60x: 60 s of uptime pass in 1 s of wall time
    result = compute_rate(sample(0, 100.0, wall=10.0), sample(6_000, 160.0, wall=11.0))
    assert result.rate == 100.0


def test_32bit_wrap() -> None:
    result = compute_rate(sample(2**32 - 500, 10.0, bits=32), sample(1_500, 12.0, bits=32))
    assert result.status is RateStatus.WRAPPED
    assert result.delta == 2_000 and result.rate == 1_000.0


def test_32bit_small_decrease_is_a_reset_not_a_wrap() -> None:
    result = compute_rate(sample(5_000_000, 10.0, bits=32), sample(4_000_000, 70.0, bits=32))
    assert result.status is RateStatus.DISCONTINUITY and result.rate is None


def test_64bit_decrease_is_a_discontinuity() -> None:
    result = compute_rate(sample(2**63, 10.0), sample(5, 70.0))
    assert result.status is RateStatus.DISCONTINUITY and result.rate is None


def test_width_change_is_a_discontinuity() -> None:
    result = compute_rate(sample(10, 10.0, bits=32), sample(20, 70.0, bits=64))
    assert result.status is RateStatus.DISCONTINUITY


def test_reboot_uptime_backwards() -> None:
    result = compute_rate(sample(9_000, 5_000.0), sample(100, 30.0, boot_wall=5_040.0))
    assert result.status is RateStatus.REBOOT and result.rate is None


def test_reboot_hidden_by_a_larger_uptime() -> None:
    # uptime 10 s at the first poll; rebooted; 200 s uptime 300 s later
    result = compute_rate(sample(500, 10.0, wall=1_000.0), sample(400, 200.0, wall=1_300.0))
    assert result.status is RateStatus.REBOOT


def test_sysuptime_wrap_after_497_days_is_not_a_reboot() -> None:
    before = CounterSample(value=0, uptime_ticks=2**32 - 3_000, wall=1_000.0)
    after = CounterSample(value=6_000, uptime_ticks=3_000, wall=1_060.0)
    result = compute_rate(before, after)
    assert result.status is RateStatus.OK and result.rate == 100.0
    assert uptime_delta_s(2**32 - 3_000, 3_000, 1_000.0) is None  # wall disagrees: reboot


def test_discontinuity_time_change() -> None:
    result = compute_rate(sample(1, 10.0, disc=0), sample(5, 70.0, disc=1_234))
    assert result.status is RateStatus.DISCONTINUITY


def test_implausible_rate_is_dropped() -> None:
    limit = octet_rate_limit(GIG)  # 1 Gbit/s in octets/s, +10 %
    fine = compute_rate(sample(0, 0.0), sample(int(GIG / 8 * 60), 60.0), max_rate=limit)
    assert fine.status is RateStatus.OK
    too_much = compute_rate(sample(0, 0.0), sample(int(GIG / 8 * 60 * 1.2), 60.0), max_rate=limit)
    assert too_much.status is RateStatus.IMPLAUSIBLE and too_much.rate is None


def test_absurd_rate_without_speed() -> None:
    result = compute_rate(sample(0, 0.0), sample(2**62, 60.0))
    assert result.status is RateStatus.IMPLAUSIBLE


def test_too_soon_and_stale() -> None:
    assert compute_rate(sample(0, 10.0), sample(5, 10.5)).status is RateStatus.TOO_SOON
    assert compute_rate(sample(0, 10.0), sample(5, 10.0 + 7200)).status is RateStatus.STALE
    loose = RateConfig(min_interval_s=0.1)
    assert compute_rate(sample(0, 10.0), sample(5, 10.5), config=loose).rate == 10.0


def test_tracker_baselines() -> None:
    tracker = CounterTracker[tuple[str, int]]()
    key = ("n1", 3)
    assert tracker.update(key, sample(0, 100.0)).status is RateStatus.FIRST
    assert tracker.update(key, sample(50, 100.5)).status is RateStatus.TOO_SOON
    assert tracker.update(key, sample(600, 106.0)).rate == 100.0  # baseline kept over TOO_SOON
    assert tracker.update(key, sample(10, 5.0, boot_wall=106.0)).status is RateStatus.REBOOT
    assert tracker.update(key, sample(1_010, 15.0, boot_wall=106.0)).rate == 100.0
    bogus = tracker.update(key, sample(10**15, 25.0, boot_wall=106.0), max_rate=1e6)
    assert bogus.status is RateStatus.IMPLAUSIBLE
    assert tracker.update(key, sample(10**15 + 500, 30.0, boot_wall=106.0)).rate == 100.0
    assert tracker.prune(older_than_wall=1e9) == 1 and len(tracker) == 0


@pytest.mark.parametrize("bits", [32, 64])
def test_random_walk_never_negative_and_exact(bits: int) -> None:
    rng = random.Random(4113 + bits)
    tracker = CounterTracker[str]()
    value, uptime, wall = rng.randrange(2**bits), 1_000.0, 0.0
    speed = 10 * GIG
    for _ in range(2_000):
        step = rng.uniform(30, 300)
        # a 32-bit counter is only unambiguous while it grows by under half its range
        true_rate = rng.uniform(0, min(speed / 8, 2 ** (bits - 1) / step * 0.99))
        increase = int(true_rate * step)
        uptime += step
        wall += step
        event = rng.random()
        if event < 0.02:  # reboot
            uptime, value = rng.uniform(1, step), 0
        elif event < 0.04:  # counter reset without reboot, signalled by discontinuity
            value = 0
        else:
            value = (value + increase) % 2**bits
        disc = int(wall) if 0.02 <= event < 0.04 else None
        result = tracker.update(
            "x",
            CounterSample(value, int(uptime * 100) % 2**32, wall, bits=bits, discontinuity=disc),
            max_rate=octet_rate_limit(speed),
        )
        if result.rate is not None:
            assert result.rate >= 0
            assert result.rate == pytest.approx(true_rate, rel=1e-3, abs=1.0)
        if event < 0.04:
            assert result.rate is None
        tracker.update(
            "x",
            CounterSample(value, int(uptime * 100) % 2**32, wall, bits=bits, discontinuity=disc),
        )  # same instant: too soon, ignored


def test_bad_samples_raise_a_monitoring_error() -> None:
    with pytest.raises(SampleError, match="32-bit"):
        CounterSample(value=2**32, uptime_ticks=0, wall=0.0, bits=32)
    with pytest.raises(MonitoringError, match="32 or 64"):
        CounterSample(value=0, uptime_ticks=0, wall=0.0, bits=16)
    assert counter_delta(0, 0, 32) == 0
