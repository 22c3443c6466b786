"""Durable, append-only on-disk spool of line protocol for batches InfluxDB could not take.

Layout under the spool folder::

    segments/0000000000000001.lp   records, one point each, oldest first
    segments/0000000000000002.lp   ...
    cursor                         "<segment> <byte offset> <crc32>" replayed so far
    rejected/<utc>-<n>.lp          batches InfluxDB refused (4xx), with <...>.reason.txt
    legacy/<n>.lp                  segments not in this format (an earlier version), set aside

A segment starts with the line ``#egovnet-spool 2``; each record is one line
``<payload length> <crc32 of the payload, 8 hex digits> <line protocol>``. A
record whose length or checksum does not match (a bit flipped, NUL-filled or
truncated by a crash or a bad disk) is skipped with a warning and counted in
:attr:`Spool.corrupt_records`: no point is replayed that was not written.
Line protocol never holds a raw line break, so the newline frames records and
a damaged record costs only itself. Segments from before this format (no
header line) are moved to ``legacy/`` with a warning at open; they hold plain
line protocol and can be replayed by hand (``curl --data-binary @<file>
<influx>/write?db=<db>``).

Appends go to the newest segment (a new one past ``segment_bytes``) and are
fsync'd before :meth:`Spool.append` returns. Replay reads chunks from the
oldest segment at the cursor; :meth:`Spool.commit` moves the cursor (written
atomically, fsync'd) and deletes a finished segment. A crash between a
successful write and the cursor update replays that one chunk again; InfluxDB
stores a point with the same measurement, tag set and timestamp only once (the
last write wins), so such a replay duplicates nothing. A torn last line from a
crash during an append is cut off when the spool is opened; a failed append
(``OSError``, e.g. a full disk) is cut back to where it started and raised as
:class:`SpoolError`, so nothing of that batch is replayed and the next append
never lands on a torn line. The cursor is rewritten in place (fixed size, no
new block, so it works on a full disk); if even that fails the position is
kept in memory and written at the next commit (a crash meanwhile replays a
chunk again, which InfluxDB stores once).

The cap (``max_bytes``) counts pending segments; :meth:`append` raises
:class:`SpoolFullError` rather than grow past it. ``rejected/`` has its own cap.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from monitoring.errors import SpoolError, SpoolFullError

log = logging.getLogger(__name__)

_SUFFIX = ".lp"
_HEADER = b"#egovnet-spool 2\n"
_CURSOR_SIZE = 48
_HEX = b"0123456789abcdef"


def encode_record(line: str) -> bytes:
    """One spool record (with its newline) for one line of line protocol."""
    payload = line.encode("utf-8")
    return b"%d %08x %s\n" % (len(payload), zlib.crc32(payload), payload)


def decode_record(raw: bytes) -> str | None:
    """The line of a record (with or without its newline), or None if it is damaged."""
    if raw.endswith(b"\n"):
        raw = raw[:-1]
    parts = raw.split(b" ", 2)
    if len(parts) != 3:
        return None
    length, crc, payload = parts
    if not length.isdigit() or len(length) > 10 or len(crc) != 8 or crc.strip(_HEX):
        return None
    try:
        if int(length) != len(payload) or int(crc, 16) != zlib.crc32(payload):
            return None
        return payload.decode("utf-8")
    except ValueError:  # also UnicodeDecodeError
        return None


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
        self.legacy_dir = self.root / "legacy"
        self._cursor_path = self.root / "cursor"
        self._lock = threading.RLock()
        self._full_warned = False
        self._cursor_warned = False
        self._rejected_seq = 0
        #: Damaged records skipped on replay (points lost to disk damage), since open.
        self.corrupt_records = 0
        #: Segments that must not be appended to (a failed append could not be cut back).
        self._sealed: set[int] = set()
        try:
            self.segments_dir.mkdir(parents=True, exist_ok=True)
            self.rejected_dir.mkdir(parents=True, exist_ok=True)
            self._segments = sorted(
                int(p.stem) for p in self.segments_dir.glob(f"*{_SUFFIX}") if p.stem.isdigit()
            )
            self._set_aside_legacy()
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
        """Bytes of records waiting (including already replayed bytes of the oldest)."""
        return self._bytes

    def is_empty(self) -> bool:
        """True when nothing waits for replay."""
        with self._lock:
            return not self._segments

    def pending_lines(self) -> int:
        """Count the intact records still to replay (reads the files; for tests and diagnostics)."""
        with self._lock:
            total = 0
            for number in self._segments:
                with self._path(number).open("rb") as handle:
                    handle.seek(self._start(number))
                    total += sum(1 for raw in handle if decode_record(raw) is not None)
            return total

    def rejected_files(self) -> list[Path]:
        """Quarantined batches, oldest first."""
        return sorted(self.rejected_dir.glob(f"*{_SUFFIX}"))

    # -- writing -----------------------------------------------------------------
    def append(self, lines: Sequence[str]) -> None:
        """Store ``lines`` durably after everything already spooled, or none of them.

        Raises :class:`SpoolFullError` (and warns once per episode) when the
        batch would take the spool past ``max_bytes``, :class:`SpoolError` when
        the file system fails (the segment is cut back to where it was).
        """
        if not lines:
            return
        data = b"".join(encode_record(line) for line in lines)
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
            try:
                new = (
                    not self._segments
                    or self._segments[-1] in self._sealed
                    or self._path(self._segments[-1]).stat().st_size >= self.segment_bytes
                )
            except OSError as exc:
                raise SpoolError(f"spool {self.root}: cannot append: {exc}") from exc
            number = self._next_segment if new else self._segments[-1]
            path = self._path(number)
            if new:
                data = _HEADER + data
            size = 0
            fd = -1
            try:
                fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                size = os.fstat(fd).st_size
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
                if new:
                    _fsync_dir(self.segments_dir)
            except OSError as exc:
                self._cut_back(fd, path, number, size, new)
                raise SpoolError(f"spool {path}: cannot append {len(lines)} points: {exc}") from exc
            finally:
                if fd >= 0:
                    os.close(fd)
            if new:
                self._segments.append(number)
                self._next_segment += 1
            self._bytes += len(data)

    def _cut_back(self, fd: int, path: Path, number: int, size: int, new: bool) -> None:
        """Undo a failed append: truncate to ``size`` (remove a new segment); else seal it."""
        try:
            if new:
                path.unlink(missing_ok=True)
                return
            if fd >= 0:
                os.ftruncate(fd, size)
                os.fsync(fd)
                return
        except OSError as exc:
            log.error("spool %s: cannot cut back a failed append: %s", path, exc)
        if not new:
            self._sealed.add(number)  # never append after torn bytes; open a new segment

    # -- replaying ---------------------------------------------------------------
    def _start(self, number: int) -> int:
        return self._cursor[1] if self._cursor[0] == number else len(_HEADER)

    def peek(self, max_lines: int) -> SpoolChunk | None:
        """The next up to ``max_lines`` intact lines to replay, or None when the spool is empty."""
        with self._lock:
            while self._segments:
                number = self._segments[0]
                start = self._start(number)
                lines: list[str] = []
                damaged = 0
                try:
                    with self._path(number).open("rb") as handle:
                        handle.seek(start)
                        end = start
                        for raw in handle:
                            end += len(raw)
                            line = decode_record(raw) if raw.endswith(b"\n") else None
                            if line is None:
                                damaged += 1
                                continue
                            lines.append(line)
                            if len(lines) >= max_lines:
                                break
                except OSError as exc:
                    raise SpoolError(f"spool {self._path(number)}: cannot read: {exc}") from exc
                if damaged:
                    self.corrupt_records += damaged
                    log.warning(
                        "spool %s: skipped %d damaged record(s) (bytes %d-%d): those points "
                        "are lost",
                        self._path(number),
                        damaged,
                        start,
                        end,
                    )
                if lines:
                    return SpoolChunk(number, start, end, tuple(lines))
                if end > start and number != self._segments[-1]:
                    self._drop_segment(number)  # only damage was left
                elif end > start:
                    self.commit(SpoolChunk(number, start, end, ()))
                else:
                    self._drop_segment(number)  # fully replayed
            return None

    def commit(self, chunk: SpoolChunk) -> None:
        """Mark ``chunk`` as stored in InfluxDB; delete its segment when finished."""
        with self._lock:
            if not self._segments or self._segments[0] != chunk.segment:
                raise SpoolError(
                    f"spool {self.root}: commit of segment {chunk.segment} out of order"
                )
            try:
                size = self._path(chunk.segment).stat().st_size
            except OSError as exc:
                raise SpoolError(f"spool {self.root}: cannot commit: {exc}") from exc
            if chunk.end >= size:
                self._drop_segment(chunk.segment)
            else:
                self._cursor = (chunk.segment, chunk.end)
                self._write_cursor()

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
        self._sealed.discard(number)
        self._bytes -= size
        if self._cursor[0] == number:
            self._cursor = (0, 0)  # the file keeps a stale number; it never matches again
        if self._bytes < self.max_bytes // 2:
            self._full_warned = False

    def _write_cursor(self) -> None:
        """Persist the cursor in place (same size every time); warn once if the disk refuses."""
        segment, offset = self._cursor
        body = f"{segment} {offset}".encode("ascii")
        data = b"%s %08x\n" % (body, zlib.crc32(body))
        try:
            fd = os.open(self._cursor_path, os.O_WRONLY | os.O_CREAT, 0o644)
            try:
                os.pwrite(fd, data.ljust(_CURSOR_SIZE - 1) + b"\n", 0)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            if not self._cursor_warned:
                log.warning(
                    "spool %s: cannot write the replay cursor (%s); keeping it in memory, "
                    "a restart may replay a chunk again",
                    self.root,
                    exc,
                )
                self._cursor_warned = True
            return
        self._cursor_warned = False

    def _read_cursor(self) -> tuple[int, int]:
        try:
            raw = self._cursor_path.read_bytes()
            segment_s, offset_s, crc = raw.split()[:3]
            body = segment_s + b" " + offset_s
            if int(crc, 16) != zlib.crc32(body):
                raise ValueError("cursor checksum")
            segment, offset = int(segment_s), int(offset_s)
        except (OSError, ValueError):
            return (0, 0)
        if self._segments and segment == self._segments[0]:
            path = self._path(segment)
            if len(_HEADER) <= offset <= path.stat().st_size:
                with path.open("rb") as handle:
                    handle.seek(offset - 1)
                    if handle.read(1) == b"\n":
                        return (segment, offset)
        return (0, 0)  # left over from a finished segment, or damaged: replay the segment

    def _set_aside_legacy(self) -> None:
        """Move segments without this format's header to ``legacy/`` (with a warning)."""
        for number in list(self._segments):
            path = self._path(number)
            with path.open("rb") as handle:
                head = handle.read(len(_HEADER))
            if head == _HEADER or (number == self._segments[-1] and _HEADER.startswith(head)):
                continue  # ours (or a new segment torn inside its header: repaired below)
            self.legacy_dir.mkdir(exist_ok=True)
            target = self.legacy_dir / path.name
            path.replace(target)
            self._segments.remove(number)
            log.warning(
                "spool %s: segment %s is not in this spool's record format (an earlier "
                "version, or damaged); moved to %s, not replayed",
                self.root,
                path.name,
                target,
            )

    def _repair_tail(self) -> None:
        """Cut a torn or damaged end (crash or failure during append) off the newest segment."""
        while self._segments:
            path = self._path(self._segments[-1])
            data = path.read_bytes()
            keep = len(data)
            while keep > len(_HEADER):
                if data[keep - 1 : keep] == b"\n":
                    begin = data.rfind(b"\n", 0, keep - 1) + 1
                    if decode_record(data[begin:keep]) is not None:
                        break
                else:
                    begin = data.rfind(b"\n", 0, keep) + 1
                keep = max(begin, len(_HEADER))
            if keep <= len(_HEADER):
                if len(data) > len(_HEADER):
                    log.warning("spool %s: no intact record, removing it", path)
                path.unlink()
                self._segments.pop()
                continue
            if keep < len(data):
                log.warning(
                    "spool %s: cutting a torn last line (%d bytes) left by a crash or failure",
                    path,
                    len(data) - keep,
                )
                with path.open("r+b") as handle:
                    handle.truncate(keep)
                    os.fsync(handle.fileno())
            return
