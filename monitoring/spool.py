"""Durable, append-only on-disk spool of line protocol for batches InfluxDB could not take.

Layout under the spool folder::

    segments/0000000000000001.lp   line protocol, one point a line, oldest first
    segments/0000000000000002.lp   ...
    cursor                         "<segment number> <byte offset>" replayed so far
    rejected/<utc>-<n>.lp          batches InfluxDB refused (4xx), with <...>.reason.txt

Appends go to the newest segment (a new one past ``segment_bytes``) and are
fsync'd before :meth:`Spool.append` returns. Replay reads chunks from the
oldest segment at the cursor; :meth:`Spool.commit` moves the cursor (written
atomically, fsync'd) and deletes a finished segment. A crash between a
successful write and the cursor update replays that one chunk again; InfluxDB
stores a point with the same measurement, tag set and timestamp only once (the
last write wins), so such a replay duplicates nothing. A torn last line from a
crash during an append is cut off when the spool is opened.

The cap (``max_bytes``) counts pending segments; :meth:`append` raises
:class:`SpoolFullError` rather than grow past it. ``rejected/`` has its own cap.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from monitoring.errors import SpoolError, SpoolFullError

log = logging.getLogger(__name__)

_SUFFIX = ".lp"


@dataclass(frozen=True)
class SpoolChunk:
    """Lines read from one segment, ``start``..``end`` bytes; pass back to commit or reject."""

    segment: int
    start: int
    end: int
    lines: tuple[str, ...]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)
    _fsync_dir(path.parent)


class Spool:
    """The spool folder; safe to share between threads of one process (not between processes)."""

    def __init__(
        self,
        root: Path,
        *,
        max_bytes: int = 2 * 1024**3,
        segment_bytes: int = 16 * 1024**2,
        rejected_max_bytes: int | None = None,
    ) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.segment_bytes = segment_bytes
        self.rejected_max_bytes = rejected_max_bytes if rejected_max_bytes else max_bytes // 4
        self.segments_dir = self.root / "segments"
        self.rejected_dir = self.root / "rejected"
        self._cursor_path = self.root / "cursor"
        self._lock = threading.RLock()
        self._full_warned = False
        self._rejected_seq = 0
        try:
            self.segments_dir.mkdir(parents=True, exist_ok=True)
            self.rejected_dir.mkdir(parents=True, exist_ok=True)
            self._segments = sorted(
                int(p.stem) for p in self.segments_dir.glob(f"*{_SUFFIX}") if p.stem.isdigit()
            )
            self._repair_tail()
            self._next_segment = (self._segments[-1] + 1) if self._segments else 1
            self._bytes = sum(self._path(n).stat().st_size for n in self._segments)
            self._cursor = self._read_cursor()
        except OSError as exc:
            raise SpoolError(f"spool {self.root}: cannot open: {exc}") from exc
        if self._segments:
            log.warning(
                "spool %s holds %d bytes in %d segment(s) from an earlier run; replaying",
                self.root,
                self._bytes,
                len(self._segments),
            )

    # -- facts -----------------------------------------------------------------
    def _path(self, segment: int) -> Path:
        return self.segments_dir / f"{segment:016d}{_SUFFIX}"

    @property
    def pending_bytes(self) -> int:
        """Bytes of line protocol waiting (including already replayed bytes of the oldest)."""
        return self._bytes

    def is_empty(self) -> bool:
        """True when nothing waits for replay."""
        with self._lock:
            return not self._segments

    def pending_lines(self) -> int:
        """Count the lines still to replay (reads the files; for tests and diagnostics)."""
        with self._lock:
            total = 0
            for number in self._segments:
                with self._path(number).open("rb") as handle:
                    if number == self._cursor[0]:
                        handle.seek(self._cursor[1])
                    total += sum(1 for _ in handle)
            return total

    def rejected_files(self) -> list[Path]:
        """Quarantined batches, oldest first."""
        return sorted(self.rejected_dir.glob(f"*{_SUFFIX}"))

    # -- writing -----------------------------------------------------------------
    def append(self, lines: Sequence[str]) -> None:
        """Store ``lines`` durably after everything already spooled.

        Raises :class:`SpoolFullError` (and warns once per episode) when the
        batch would take the spool past ``max_bytes``.
        """
        if not lines:
            return
        data = ("\n".join(lines) + "\n").encode("utf-8")
        with self._lock:
            if self._bytes + len(data) > self.max_bytes:
                if not self._full_warned:
                    log.warning(
                        "spool %s is full (%d of %d bytes): dropping new batches until "
                        "InfluxDB is back; raise influx.spool_max_bytes to keep more",
                        self.root,
                        self._bytes,
                        self.max_bytes,
                    )
                    self._full_warned = True
                raise SpoolFullError(
                    f"spool {self.root}: {len(lines)} points do not fit "
                    f"({self._bytes} + {len(data)} > {self.max_bytes} bytes)"
                )
            if not self._segments or self._path(self._segments[-1]).stat().st_size >= (
                self.segment_bytes
            ):
                self._segments.append(self._next_segment)
                self._next_segment += 1
            path = self._path(self._segments[-1])
            try:
                new = not path.exists()
                with path.open("ab") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                if new:
                    _fsync_dir(self.segments_dir)
            except OSError as exc:
                raise SpoolError(f"spool {path}: cannot append: {exc}") from exc
            self._bytes += len(data)

    # -- replaying ---------------------------------------------------------------
    def peek(self, max_lines: int) -> SpoolChunk | None:
        """The next up to ``max_lines`` lines to replay, or None when the spool is empty."""
        with self._lock:
            while self._segments:
                number = self._segments[0]
                start = self._cursor[1] if self._cursor[0] == number else 0
                lines: list[str] = []
                try:
                    with self._path(number).open("rb") as handle:
                        handle.seek(start)
                        end = start
                        for raw in handle:
                            lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                            end += len(raw)
                            if len(lines) >= max_lines:
                                break
                except OSError as exc:
                    raise SpoolError(f"spool {self._path(number)}: cannot read: {exc}") from exc
                if lines:
                    return SpoolChunk(number, start, end, tuple(lines))
                self._drop_segment(number)  # fully replayed
            return None

    def commit(self, chunk: SpoolChunk) -> None:
        """Mark ``chunk`` as stored in InfluxDB; delete its segment when finished."""
        with self._lock:
            if not self._segments or self._segments[0] != chunk.segment:
                raise SpoolError(
                    f"spool {self.root}: commit of segment {chunk.segment} out of order"
                )
            size = self._path(chunk.segment).stat().st_size
            if chunk.end >= size:
                self._drop_segment(chunk.segment)
            else:
                self._cursor = (chunk.segment, chunk.end)
                _write_atomic(self._cursor_path, f"{chunk.segment} {chunk.end}\n".encode())

    def reject(self, chunk: SpoolChunk, reason: str) -> Path | None:
        """Quarantine a chunk InfluxDB refused, then move past it."""
        with self._lock:
            path = self.quarantine(chunk.lines, reason)
            self.commit(chunk)
            return path

    def quarantine(self, lines: Sequence[str], reason: str) -> Path | None:
        """Write refused ``lines`` and the ``reason`` under ``rejected/``; None if over its cap."""
        data = ("\n".join(lines) + "\n").encode("utf-8")
        with self._lock:
            used = sum(p.stat().st_size for p in self.rejected_dir.glob(f"*{_SUFFIX}"))
            if used + len(data) > self.rejected_max_bytes:
                log.warning(
                    "spool %s: rejected/ is over its cap (%d bytes); dropping %d refused "
                    "points: %s",
                    self.root,
                    self.rejected_max_bytes,
                    len(lines),
                    reason,
                )
                return None
            self._rejected_seq += 1
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
            path = self.rejected_dir / f"{stamp}-{os.getpid()}-{self._rejected_seq:06d}{_SUFFIX}"
            try:
                _write_atomic(path, data)
                _write_atomic(path.with_suffix(".reason.txt"), (reason + "\n").encode("utf-8"))
            except OSError as exc:
                raise SpoolError(f"spool {path}: cannot quarantine: {exc}") from exc
            log.error("InfluxDB refused %d points, quarantined in %s: %s", len(lines), path, reason)
            return path

    # -- internals ---------------------------------------------------------------
    def _drop_segment(self, number: int) -> None:
        path = self._path(number)
        try:
            size = path.stat().st_size
            path.unlink()
            _fsync_dir(self.segments_dir)
        except FileNotFoundError:
            size = 0
        except OSError as exc:
            raise SpoolError(f"spool {path}: cannot delete: {exc}") from exc
        self._segments.remove(number)
        self._bytes -= size
        if self._cursor[0] == number:
            self._cursor = (0, 0)
            self._cursor_path.unlink(missing_ok=True)
        if self._bytes < self.max_bytes // 2:
            self._full_warned = False

    def _read_cursor(self) -> tuple[int, int]:
        try:
            text = self._cursor_path.read_text(encoding="ascii").split()
            segment, offset = int(text[0]), int(text[1])
        except (OSError, ValueError, IndexError):
            return (0, 0)
        if (
            self._segments
            and segment == self._segments[0]
            and offset <= self._path(segment).stat().st_size
        ):
            return (segment, offset)
        self._cursor_path.unlink(missing_ok=True)  # left over from a finished segment
        return (0, 0)

    def _repair_tail(self) -> None:
        """Cut a torn last line (crash during append) off the newest segment."""
        while self._segments:
            path = self._path(self._segments[-1])
            data = path.read_bytes()
            if not data:
                path.unlink()
                self._segments.pop()
                continue
            if not data.endswith(b"\n"):
                keep = data.rfind(b"\n") + 1
                log.warning(
                    "spool %s: cutting a torn last line (%d bytes) left by a crash",
                    path,
                    len(data) - keep,
                )
                with path.open("r+b") as handle:
                    handle.truncate(keep)
                    os.fsync(handle.fileno())
                if keep == 0:
                    path.unlink()
                    self._segments.pop()
                    continue
            return
