"""Batched InfluxDB writer that spools to disk while InfluxDB is unreachable.

Points are serialised when added (a schema error surfaces at the caller) and
sent in batches of ``batch_size`` lines. When InfluxDB is unreachable
(connection refused, timeout, 5xx, and also 401/403/404 since the data itself
is fine), the batch goes to the :class:`~monitoring.spool.Spool`; while the
spool holds anything, new batches queue behind it so InfluxDB receives points
in the order they were added. Spooled batches are replayed at the next
:meth:`InfluxWriter.flush` (or automatic flush once the back-off has passed).

A batch InfluxDB refuses (400/413/422: unparsable line, field type conflict)
is quarantined under ``rejected/`` with the reason and never retried, so one
bad point cannot block the spool. On a ``partial write`` InfluxDB 1.x has
stored the batch's valid points already.

Replays are at-least-once: a write that timed out may have been stored, and
is then sent again. InfluxDB keeps one point per measurement, tag set and
timestamp (the last write wins), so sending the same line twice stores it
once: the count of points stays exact.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol

from monitoring.errors import (
    InfluxRejectedError,
    InfluxUnavailableError,
    MonitoringConfigError,
    SchemaError,
    SpoolError,
    SpoolFullError,
)
from monitoring.influx import InfluxClient, InfluxSettings
from monitoring.spool import Spool

log = logging.getLogger(__name__)


class SupportsLine(Protocol):
    """Anything that serialises to one line: :class:`Point`, the schema records."""

    def to_line(self) -> str: ...


@dataclass
class WriterStats:
    """Point counts since the writer started."""

    written: int = 0  #: accepted by InfluxDB on first try
    spooled: int = 0  #: put in the spool because InfluxDB was unavailable
    replayed: int = 0  #: sent from the spool and accepted
    rejected: int = 0  #: in batches InfluxDB refused (quarantined)
    dropped: int = 0  #: lost because the spool was full
    last_error: str | None = None


class InfluxWriter:
    """Batches points for one :class:`InfluxClient` with a :class:`Spool` behind it.

    Thread-safe; every public method may block on HTTP for up to the client's
    timeout. Automatic sends (a full batch in :meth:`add`) respect a back-off
    after a failure; :meth:`flush` always tries.
    """

    def __init__(
        self,
        client: InfluxClient,
        spool: Spool,
        *,
        batch_size: int | None = None,
        backoff: tuple[float, float] = (1.0, 60.0),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.spool = spool
        self.batch_size = batch_size or client.settings.batch_size
        self.stats = WriterStats()
        self._buffer: list[str] = []
        self._lock = threading.RLock()
        self._backoff_min, self._backoff_max = backoff
        self._delay = 0.0
        self._retry_at = 0.0
        self._down_since: float | None = None
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: InfluxSettings) -> InfluxWriter:
        """A writer with its client and spool built from ``settings`` (needs ``spool_dir``)."""
        if settings.spool_dir is None:
            raise MonitoringConfigError("influx.spool_dir is not set: the writer needs a spool")
        spool = Spool(settings.spool_dir, max_bytes=settings.spool_max_bytes)
        return cls(InfluxClient(settings), spool, batch_size=settings.batch_size)

    # -- adding ------------------------------------------------------------------
    def add(self, point: SupportsLine | str) -> None:
        """Queue one point: a :class:`Point`, a schema record, or a line of line protocol."""
        self.extend((point,))

    def extend(self, points: Iterable[SupportsLine | str]) -> None:
        """Queue points; sends each full batch (unless backing off after a failure)."""
        with self._lock:
            for point in points:
                if isinstance(point, str):
                    text = point.strip()
                    if "\n" in text:
                        raise SchemaError("a line of line protocol contains a line break")
                    if not text:
                        continue
                else:
                    text = point.to_line()
                self._buffer.append(text)
                if len(self._buffer) >= self.batch_size:
                    if self._clock() >= self._retry_at:
                        self._replay(limit=None)
                    self._send_buffer(full_only=True, try_now=False)

    @property
    def buffered(self) -> int:
        """Points queued in memory, not yet sent or spooled."""
        return len(self._buffer)

    # -- sending -------------------------------------------------------------------
    def flush(self, *, replay_limit: int | None = None) -> bool:
        """Replay the spool (up to ``replay_limit`` batches), then send everything queued.

        Returns True when every point so far has reached InfluxDB (or was
        quarantined or dropped), False when some wait in the spool.
        """
        with self._lock:
            self._replay(limit=replay_limit)
            self._send_buffer(full_only=False, try_now=True)
            return self.spool.is_empty()

    def close(self) -> None:
        """Flush (what cannot be sent stays in the spool) and close connections."""
        with self._lock:
            self.flush()
            self.client.close()

    def __enter__(self) -> InfluxWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------
    def _send_buffer(self, *, full_only: bool, try_now: bool) -> None:
        while self._buffer and (len(self._buffer) >= self.batch_size or not full_only):
            batch = self._buffer[: self.batch_size]
            del self._buffer[: self.batch_size]
            if not self._deliver(batch, try_now=try_now):
                try_now = False  # one failed attempt per call is enough

    def _deliver(self, batch: list[str], *, try_now: bool) -> bool:
        """Send or spool one batch; False when InfluxDB was found unavailable."""
        backing_off = self._down_since is not None and self._clock() < self._retry_at
        if not self.spool.is_empty() or (backing_off and not try_now):
            self._to_spool(batch)  # stay behind what is spooled; or InfluxDB is still down
            return True
        try:
            self.client.write_lines(batch)
        except InfluxRejectedError as exc:
            self.stats.rejected += len(batch)
            self.stats.last_error = str(exc)
            self.spool.quarantine(batch, str(exc))
            self._recovered()
        except InfluxUnavailableError as exc:
            self._failed(exc)
            self._to_spool(batch)
            return False
        else:
            self.stats.written += len(batch)
            self._recovered()
        return True

    def _replay(self, *, limit: int | None) -> None:
        """Send spooled chunks oldest first; stop at the first unavailability."""
        sent = 0
        while limit is None or sent < limit:
            try:
                chunk = self.spool.peek(self.batch_size)
            except SpoolError as exc:
                self.stats.last_error = str(exc)
                log.error("cannot replay the spool: %s", exc)
                return
            if chunk is None:
                break
            try:
                self.client.write_lines(chunk.lines)
            except InfluxRejectedError as exc:
                self.stats.rejected += len(chunk.lines)
                self.stats.last_error = str(exc)
                self.spool.reject(chunk, str(exc))
            except InfluxUnavailableError as exc:
                self._failed(exc)
                return
            else:
                self.spool.commit(chunk)
                self.stats.replayed += len(chunk.lines)
                self._recovered()
            sent += 1

    def _to_spool(self, batch: list[str]) -> None:
        try:
            self.spool.append(batch)
        except SpoolFullError as exc:
            self.stats.dropped += len(batch)
            self.stats.last_error = str(exc)
            log.debug("%s", exc)
        except SpoolError as exc:  # the file system failed (disk full, I/O error)
            self.stats.dropped += len(batch)
            self.stats.last_error = str(exc)
            log.error("could not spool %d points, dropped: %s", len(batch), exc)
        else:
            self.stats.spooled += len(batch)

    def _failed(self, exc: InfluxUnavailableError) -> None:
        now = self._clock()
        self.stats.last_error = str(exc)
        self._delay = min(self._backoff_max, max(self._backoff_min, self._delay * 2))
        self._retry_at = now + self._delay
        if self._down_since is None:
            self._down_since = now
            log.warning("InfluxDB unavailable, spooling to %s: %s", self.spool.root, exc)

    def _recovered(self) -> None:
        if self._down_since is not None:
            log.warning(
                "InfluxDB reachable again after %.0f s; spool has %d bytes left",
                self._clock() - self._down_since,
                self.spool.pending_bytes,
            )
        self._down_since = None
        self._delay = 0.0
        self._retry_at = 0.0
