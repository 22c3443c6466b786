"""Address arithmetic for IPAM: pure functions and an in-memory allocator.

Used by the database allocator (one allocation, the pool's children loaded
from the database) and by the seeder (thousands of allocations in memory).
"""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Iterable

from .errors import shorten


def parse_prefix(text: str) -> ipaddress.IPv4Network:
    """Parse an IPv4 prefix strictly (no host bits).

    >>> parse_prefix("10.113.0.0/16")
    IPv4Network('10.113.0.0/16')
    >>> parse_prefix("10.113.0.1/16")
    Traceback (most recent call last):
    ...
    ValueError: '10.113.0.1/16' has host bits set (did you mean 10.113.0.0/16?)
    """
    try:
        return ipaddress.IPv4Network(text, strict=True)
    except ValueError as exc:
        if "host bits set" in str(exc):
            loose = ipaddress.IPv4Network(text, strict=False)
            raise ValueError(f"{text!r} has host bits set (did you mean {loose}?)") from None
        raise ValueError(f"{shorten(text)!r} is not an IPv4 prefix") from None


def span(net: ipaddress.IPv4Network) -> tuple[int, int]:
    """First and last address as integers.

    >>> span(ipaddress.IPv4Network("10.0.0.0/30"))
    (167772160, 167772163)
    """
    return int(net.network_address), int(net.broadcast_address)


def to_network(first: int, length: int) -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network((first, length))


class AddressSpace:
    """Free-space bookkeeping of one pool.

    ``allocate`` returns the lowest free aligned block of a length. A
    per-length hint remembers below which address no such block is free, so
    a long run of allocations stays fast; releasing resets the hints.

    >>> space = AddressSpace(ipaddress.IPv4Network("10.0.0.0/29"))
    >>> str(space.allocate(30)), str(space.allocate(31)), str(space.allocate(31))
    ('10.0.0.0/30', '10.0.0.4/31', '10.0.0.6/31')
    >>> space.allocate(32) is None
    True
    """

    def __init__(self, pool: ipaddress.IPv4Network, used: Iterable[tuple[int, int]] = ()) -> None:
        self.pool = pool
        self.first, self.last = span(pool)
        ranges = sorted(used)
        self._firsts = [f for f, _ in ranges]
        self._lasts = [last for _, last in ranges]
        self._hint: dict[int, int] = {}

    def allocate(self, length: int) -> ipaddress.IPv4Network | None:
        """Take the lowest free block of prefix ``length``; ``None`` when exhausted."""
        if length < self.pool.prefixlen or length > 32:
            return None
        size = 1 << (32 - length)
        cursor = max(self.first, self._hint.get(length, self.first))
        index = bisect.bisect_right(self._firsts, cursor) - 1
        if index >= 0 and self._lasts[index] >= cursor:
            cursor = self._lasts[index] + 1
        index += 1
        while True:
            cursor = (cursor + size - 1) // size * size  # align up
            end = cursor + size - 1
            if end > self.last:
                self._hint[length] = self.last + 1
                return None
            # skip every used range that ends before the candidate
            while index < len(self._firsts) and self._lasts[index] < cursor:
                index += 1
            if index < len(self._firsts) and self._firsts[index] <= end:
                cursor = self._lasts[index] + 1
                index += 1
                continue
            self.take(cursor, end)
            self._hint[length] = end + 1
            return to_network(cursor, length)

    def take(self, first: int, last: int) -> None:
        """Mark a range used (the caller checked it is free)."""
        index = bisect.bisect_left(self._firsts, first)
        self._firsts.insert(index, first)
        self._lasts.insert(index, last)

    def release(self, first: int) -> None:
        index = bisect.bisect_left(self._firsts, first)
        if index < len(self._firsts) and self._firsts[index] == first:
            del self._firsts[index]
            del self._lasts[index]
        self._hint.clear()

    def free_addresses(self) -> int:
        used = sum(last - first + 1 for first, last in zip(self._firsts, self._lasts, strict=True))
        return self.last - self.first + 1 - used
