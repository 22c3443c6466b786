"""``--since`` values of ``egovnet findings export``: a moment, or a span back from now.

Accepted: an ISO 8601 date (``2026-12-01``) or date-time (``2026-12-01T08:00``,
``2026-12-01T00:00:00Z``, ``...+08:00``; without an offset it is Asia/Shanghai
time), or a span ``N`` + ``s``/``m``/``h``/``d``/``w`` back from now (``24h``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_SPAN = re.compile(r"^(\d{1,6})([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    """The moment ``text`` names, in UTC; ValueError with the accepted forms otherwise.

    >>> parse_since("2h", now=datetime(2026, 12, 7, 12, 0, tzinfo=UTC)).isoformat()
    '2026-12-07T10:00:00+00:00'
    >>> parse_since("2026-12-07").isoformat()
    '2026-12-06T16:00:00+00:00'
    >>> parse_since("2026-12-07T08:00:00Z").isoformat()
    '2026-12-07T08:00:00+00:00'
    """
    from inventory.accounts import TZ

    value = text.strip()
    span = _SPAN.match(value)
    if span:
        try:
            moment = (now or datetime.now(UTC)) - timedelta(**{_UNITS[span[2]]: int(span[1])})
        except OverflowError:
            raise ValueError(f"{text!r}: reaches before year 1") from None
        return moment.astimezone(UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{text!r}: give an ISO 8601 date or date-time, or a span like 30m, 24h, 7d"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=TZ)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{text!r}: out of range") from None
