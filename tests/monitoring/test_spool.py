"""Spool on a real file system: order, durability across reopen, torn tails, caps."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from spool_support import drain

from monitoring.errors import SpoolFullError
from monitoring.spool import Spool, encode_record


def lines(start: int, count: int) -> list[str]:
    return [f"m,node=n f={i}i {i}" for i in range(start, start + count)]


def test_replays_in_order_across_segments(tmp_path: Path) -> None:
    spool = Spool(tmp_path, segment_bytes=200)
    for start in range(0, 100, 10):
        spool.append(lines(start, 10))
    assert len(list(spool.segments_dir.glob("*.lp"))) > 3
    assert spool.pending_lines() == 100
    assert drain(spool) == lines(0, 100)
    assert spool.is_empty() and spool.pending_bytes == 0
    assert not list(spool.segments_dir.iterdir())


def test_reopen_resumes_at_the_cursor(tmp_path: Path) -> None:
    spool = Spool(tmp_path, segment_bytes=10_000)
    spool.append(lines(0, 30))
    first = spool.peek(12)
    assert first is not None
    spool.commit(first)
    again = Spool(tmp_path, segment_bytes=10_000)  # a new process after a crash
    assert again.pending_lines() == 18
    assert drain(again) == lines(12, 18)


def test_uncommitted_chunk_is_replayed_again(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append(lines(0, 5))
    chunk = spool.peek(3)
    assert chunk is not None  # e.g. the write timed out: no commit
    assert Spool(tmp_path).peek(3) == chunk


def test_finished_segment_cursor_does_not_skip_new_data(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append(lines(0, 10))
    chunk = spool.peek(4)
    assert chunk is not None
    spool.commit(chunk)  # cursor file written for segment 1
    assert drain(spool) == lines(4, 6)
    spool.append(lines(100, 3))
    assert drain(Spool(tmp_path)) == lines(100, 3)


def test_torn_last_line_is_cut(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    spool = Spool(tmp_path)
    spool.append(lines(0, 3))
    segment = next(spool.segments_dir.glob("*.lp"))
    with segment.open("ab") as handle:
        handle.write(encode_record("m,node=n f=99i 99")[:-5])  # crash in an append
    reopened = Spool(tmp_path)
    assert "torn last line" in caplog.text
    reopened.append(lines(3, 2))
    assert drain(reopened) == lines(0, 5)


def test_appends_are_appended_not_rewritten(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append(lines(0, 2))
    segment = next(spool.segments_dir.glob("*.lp"))
    before = segment.read_bytes()
    spool.append(lines(2, 2))
    assert segment.read_bytes().startswith(before)


def test_cap_refuses_and_warns_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    spool = Spool(tmp_path, max_bytes=1_000)
    caplog.set_level(logging.WARNING)
    stored = 0
    for start in range(0, 500, 10):
        try:
            spool.append(lines(start, 10))
            stored += 10
        except SpoolFullError as exc:
            assert "do not fit" in str(exc)
    assert 0 < stored < 500
    assert spool.pending_bytes <= 1_000
    assert caplog.text.count("is full") == 1
    assert drain(spool) == lines(0, stored)


def test_quarantine_keeps_lines_and_reason(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append(lines(0, 6))
    chunk = spool.peek(2)
    assert chunk is not None
    path = spool.reject(chunk, "HTTP 400 field type conflict")
    assert path is not None and path.parent.name == "rejected"
    assert path.read_text().splitlines() == lines(0, 2)
    assert "field type conflict" in path.with_suffix(".reason.txt").read_text()
    assert drain(spool) == lines(2, 4)
    assert spool.rejected_files() == [path]


def test_quarantine_has_its_own_cap(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    spool = Spool(tmp_path, rejected_max_bytes=100)
    assert spool.quarantine(lines(0, 3), "bad") is not None
    assert spool.quarantine(lines(0, 30), "bad") is None
    assert "over its cap" in caplog.text
