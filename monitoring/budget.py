"""How much the poller may have in flight, and when each device is due inside its interval.

:class:`InFlightBudget` is one limit for the whole process (every shard's
rounds draw on it), adapted as TCP adapts its window (AIMD): it grows while
devices answer in time (by one per answer below the slow-start threshold, by
about one per window above it) and halves when a device that answered its
previous poll times out, at most once per ``cooldown_s`` (the requests
already in flight when the network filled up time out too; they are one
congestion event, not many). Devices that stay silent do not shrink it: a
dead device is not a congestion signal. Each county (shard) also has its own
fixed limit, so that one county's uplink never carries the whole burst.

:func:`device_offset` gives every device a stable slot inside its interval
(a hash of its code), so a round is spread across the interval instead of
being sent in one burst (as Telegraf's collection jitter and LibreNMS's
poller distribution do); the offset is the same in every round and every
process, so each device is polled at a regular period.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from enum import Enum


class Outcome(Enum):
    """How a device poll ended, as the budget sees it."""

    #: answered in time: grow
    OK = "ok"
    #: a device that answered before timed out: the network or the agents are overloaded
    CONGESTION = "congestion"
    #: anything else (a silent device, a refusal, a cancelled poll): no change
    NEUTRAL = "neutral"


def device_offset(code: str, window_s: float) -> float:
    """A stable offset in ``[0, window_s)`` for device ``code`` (the same in every process).

    >>> device_offset("411302", 60.0) == device_offset("411302", 60.0)
    True
    >>> 0.0 <= device_offset("411302001", 45.0) < 45.0
    True
    >>> device_offset("411302", 0.0)
    0.0
    """
    if window_s <= 0:
        return 0.0
    digest = hashlib.blake2b(code.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64 * window_s


@dataclass
class BudgetStats:
    """Counters since the budget was made."""

    grants: int = 0
    waited: int = 0
    increases: int = 0
    decreases: int = 0
    peak_in_flight: int = 0


class InFlightBudget:
    """An adaptive, process-wide limit of device polls in flight, with per-county limits.

    ``ceiling`` and ``floor`` bound the limit; it starts at ``initial``.
    ``county_limit`` (0: none) caps the polls in flight of any one county.
    Waiters are served county by county in turn, first come first served
    within a county. Use from one event loop at a time.

    >>> b = InFlightBudget(ceiling=8, floor=2, initial=4)
    >>> for _ in range(4): b.release_outcome(Outcome.OK)
    >>> b.limit
    8.0
    >>> b.release_outcome(Outcome.CONGESTION, now=100.0); b.limit
    4.0
    >>> b.release_outcome(Outcome.CONGESTION, now=100.5); b.limit  # same event
    4.0
    """

    def __init__(
        self,
        *,
        ceiling: int = 256,
        floor: int = 4,
        initial: int | None = None,
        county_limit: int = 0,
        cooldown_s: float = 4.0,
    ) -> None:
        if floor < 1 or ceiling < floor:
            raise ValueError(
                f"in-flight budget needs 1 <= floor <= ceiling, not {floor}..{ceiling}"
            )
        self.ceiling = ceiling
        self.floor = floor
        self.county_limit = max(0, county_limit)
        self.cooldown_s = cooldown_s
        start = ceiling if initial is None else initial
        self.limit = float(min(ceiling, max(floor, start)))
        #: Slow start below this limit; set to the halved limit on congestion.
        self.threshold = float(ceiling)
        self.in_flight = 0
        self.stats = BudgetStats()
        self._county: dict[str, int] = {}
        self._waiters: OrderedDict[str, deque[asyncio.Future[None]]] = OrderedDict()
        self._last_decrease = -float("inf")

    # -- slots -----------------------------------------------------------------
    @property
    def waiting(self) -> int:
        """Polls waiting for a slot."""
        return sum(len(q) for q in self._waiters.values())

    def _free(self, county: str) -> bool:
        if self.in_flight >= int(self.limit):
            return False
        return not self.county_limit or self._county.get(county, 0) < self.county_limit

    def _take(self, county: str) -> None:
        self.in_flight += 1
        self._county[county] = self._county.get(county, 0) + 1
        self.stats.grants += 1
        self.stats.peak_in_flight = max(self.stats.peak_in_flight, self.in_flight)

    async def acquire(self, county: str) -> None:
        """Wait for a slot for a device of ``county`` (cancellation leaves nothing held)."""
        if not self._waiters.get(county) and self._free(county):
            self._take(county)
            return
        self.stats.waited += 1
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(county, deque()).append(future)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release(county, Outcome.NEUTRAL)  # granted, then cancelled: give it back
            else:
                queue = self._waiters.get(county)
                if queue is not None and future in queue:
                    queue.remove(future)
                    if not queue:
                        del self._waiters[county]
            raise

    def release(self, county: str, outcome: Outcome) -> None:
        """Give back a slot of ``county`` and adapt the limit to ``outcome``."""
        self.in_flight -= 1
        left = self._county.get(county, 1) - 1
        if left > 0:
            self._county[county] = left
        else:
            self._county.pop(county, None)
        self.release_outcome(outcome)
        self._dispatch()

    def release_outcome(self, outcome: Outcome, *, now: float | None = None) -> None:
        """Adapt the limit (AIMD) to one poll's ``outcome``."""
        if outcome is Outcome.OK:
            if self.limit < self.ceiling:
                step = 1.0 if self.limit < self.threshold else 1.0 / self.limit
                self.limit = min(float(self.ceiling), self.limit + step)
                self.stats.increases += 1
        elif outcome is Outcome.CONGESTION:
            moment = time.monotonic() if now is None else now
            if moment - self._last_decrease >= self.cooldown_s:
                self._last_decrease = moment
                self.limit = max(float(self.floor), self.limit / 2.0)
                self.threshold = self.limit
                self.stats.decreases += 1

    def _dispatch(self) -> None:
        """Hand free slots to waiters, one county after the other."""
        while self._waiters and self.in_flight < int(self.limit):
            granted = False
            for county in list(self._waiters):
                if self.in_flight >= int(self.limit):
                    break
                if self.county_limit and self._county.get(county, 0) >= self.county_limit:
                    continue
                queue = self._waiters[county]
                while queue:
                    future = queue.popleft()
                    if not future.done():
                        self._take(county)
                        future.set_result(None)
                        granted = True
                        break
                if not queue:
                    del self._waiters[county]
                else:
                    self._waiters.move_to_end(county)  # the next county goes first next time
            if not granted:
                return
