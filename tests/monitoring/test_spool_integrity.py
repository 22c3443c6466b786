"""Spool integrity: a full disk (a real 64 KiB tmpfs), damaged segments, old-format segments.

Property: whatever happens to the segment files, every point read back was
acknowledged by :meth:`Spool.append`, in order, and none is invented.
"""

from __future__ import annotations

import errno
import logging
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spool_support import drain

from monitoring.errors import SpoolError
from monitoring.influx import InfluxClient, InfluxSettings
from monitoring.spool import Spool, decode_record, encode_record
from monitoring.writer import InfluxWriter


def lines(start: int, count: int) -> list[str]:
    return [f"m,node=n f={i}i {1_700_000_000_000_000_000 + i}" for i in range(start, start + count)]


def assert_acknowledged_in_order(read: list[str], acknowledged: list[str]) -> None:
    position = {line: i for i, line in enumerate(acknowledged)}
    indices = [position[line] for line in read]  # KeyError: an invented point
    assert indices == sorted(set(indices)), "out of order or duplicated"


@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    """A real 64 KiB tmpfs, unmounted afterwards."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill_until_enospc(spool: Spool) -> tuple[list[str], int]:
    acknowledged: list[str] = []
    start = 0
    while True:
        batch = lines(start, 50)
        try:
            spool.append(batch)
        except SpoolError as exc:
            assert "No space left" in str(exc) or str(errno.ENOSPC) in str(exc)
            return acknowledged, start
        acknowledged.extend(batch)
        start += 50


def test_full_disk_append_leaves_no_torn_batch(tiny_fs: Path) -> None:
    spool = Spool(tiny_fs / "spool", segment_bytes=1 << 30)
    acknowledged, start = fill_until_enospc(spool)
    assert acknowledged
    segment = next(spool.segments_dir.glob("*.lp"))
    assert segment.read_bytes().endswith(b"\n")  # the failed batch was cut back
    assert spool.pending_lines() == len(acknowledged)
    reopened = Spool(tiny_fs / "spool", segment_bytes=1 << 30)
    assert drain(reopened) == acknowledged  # all replayed: space is free again
    reopened.append(lines(start, 3))  # nothing glued onto a torn line
    assert drain(Spool(tiny_fs / "spool")) == lines(start, 3)


def test_cursor_on_a_full_disk_does_not_resend_forever(
    tiny_fs: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    spool = Spool(tiny_fs / "spool", segment_bytes=1 << 30)
    acknowledged, _ = fill_until_enospc(spool)
    with pytest.raises(OSError):  # the disk is really full
        (tiny_fs / "probe").write_bytes(b"x" * 8192)
    (tiny_fs / "probe").unlink(missing_ok=True)
    fill_until_enospc(spool)
    seen: list[str] = []
    for _ in range(3):
        chunk = spool.peek(10)
        assert chunk is not None
        spool.commit(chunk)  # the cursor cannot be written: kept in memory
        seen.extend(chunk.lines)
    assert seen == acknowledged[:30]  # progress, not the first chunk again
    assert "cannot write the replay cursor" in caplog.text
    assert caplog.text.count("cannot write the replay cursor") == 1


@pytest.mark.parametrize(
    "damage",
    ["nul-filled", "truncated", "bit-flipped", "nul-tail"],
)
def test_damaged_segments_lose_only_damaged_records(
    tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    spool = Spool(tmp_path)
    acknowledged = lines(0, 40)
    spool.append(acknowledged[:20])
    spool.append(acknowledged[20:])
    segment = next(spool.segments_dir.glob("*.lp"))
    data = bytearray(segment.read_bytes())
    middle = len(data) // 2
    if damage == "nul-filled":
        data[middle : middle + 100] = bytes(100)
    elif damage == "truncated":
        del data[middle:]
    elif damage == "bit-flipped":
        data[middle] ^= 0x04
    else:
        data += bytes(4096)  # a crash after the size grew, before the data
    segment.write_bytes(bytes(data))
    read = drain(Spool(tmp_path))
    assert_acknowledged_in_order(read, acknowledged)
    assert len(read) >= 18  # a damaged record costs only itself (and what follows a cut)
    if damage in ("nul-filled", "bit-flipped"):
        assert len(read) >= 36 and "damaged record" in caplog.text


def test_old_format_segments_are_set_aside(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "segments").mkdir()
    old = tmp_path / "segments" / f"{1:016d}.lp"
    old.write_text("\n".join(lines(0, 5)) + "\n")
    (tmp_path / "cursor").write_text("1 0\n")
    spool = Spool(tmp_path)
    assert spool.is_empty()
    assert (tmp_path / "legacy" / old.name).read_text().splitlines() == lines(0, 5)
    assert "not in this spool's record format" in caplog.text
    spool.append(lines(5, 2))
    assert drain(Spool(tmp_path)) == lines(5, 2)


def test_damaged_cursor_replays_the_segment_again(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append(lines(0, 10))
    chunk = spool.peek(4)
    assert chunk is not None
    spool.commit(chunk)
    cursor = tmp_path / "cursor"
    cursor.write_bytes(cursor.read_bytes().replace(b" ", b"9", 1))
    assert drain(Spool(tmp_path)) == lines(0, 10)  # InfluxDB stores a replayed point once


@given(st.text(max_size=200).filter(lambda s: "\n" not in s))
@settings(max_examples=200, deadline=None)
def test_records_round_trip(line: str) -> None:
    assert decode_record(encode_record(line)) == line


@given(st.binary(max_size=120))
@settings(max_examples=300, deadline=None)
def test_decoding_garbage_never_raises(raw: bytes) -> None:
    decode_record(raw)


corruption = st.one_of(
    st.tuples(st.just("flip"), st.floats(0, 1), st.integers(0, 7)),
    st.tuples(st.just("nul"), st.floats(0, 1), st.integers(1, 300)),
    st.tuples(st.just("cut"), st.floats(0, 1), st.just(0)),
    st.tuples(st.just("garbage"), st.floats(0, 1), st.integers(1, 64)),
)


@given(
    batches=st.lists(st.integers(1, 30), min_size=1, max_size=8),
    damage=st.lists(st.tuples(st.integers(0, 7), corruption), max_size=4),
    seed=st.binary(min_size=64, max_size=64),
)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_corruption_never_invents_or_reorders(
    batches: list[int], damage: list[tuple[int, tuple[str, float, int]]], seed: bytes
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        spool = Spool(root, segment_bytes=600)
        acknowledged: list[str] = []
        for size in batches:
            batch = lines(len(acknowledged), size)
            spool.append(batch)
            acknowledged.extend(batch)
        segments = sorted(spool.segments_dir.glob("*.lp"))
        for which, (kind, where, amount) in damage:
            path = segments[which % len(segments)]
            data = bytearray(path.read_bytes())
            if not data:
                continue
            at = min(int(where * len(data)), len(data) - 1)
            if kind == "flip":
                data[at] ^= 1 << amount
            elif kind == "nul":
                data[at : at + amount] = bytes(len(data[at : at + amount]))
            elif kind == "cut":
                del data[at:]
            else:
                data[at:at] = seed[:amount]
            path.write_bytes(bytes(data))
        reopened = Spool(root, segment_bytes=600)
        read = drain(reopened)
        assert_acknowledged_in_order(read, acknowledged)
        if not damage:
            assert read == acknowledged
        assert reopened.is_empty()


def test_writer_counts_points_it_could_not_spool(
    tiny_fs: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as probe:  # a port nobody listens on: InfluxDB is down
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = InfluxSettings(
        url=f"http://127.0.0.1:{port}", database="x", spool_dir=tiny_fs / "spool"
    )
    spool = Spool(tiny_fs / "spool", segment_bytes=1 << 30)
    writer = InfluxWriter(InfluxClient(settings), spool, batch_size=100, backoff=(0.01, 0.02))
    total = 3_000  # about 150 KB of records: more than the 64 KiB disk holds
    writer.extend(lines(0, total))
    assert writer.flush() is False  # no exception escapes
    assert writer.stats.dropped > 0 and writer.stats.spooled > 0
    assert writer.stats.spooled + writer.stats.dropped == total
    assert "could not spool 100 points, dropped" in caplog.text
    assert spool.pending_lines() == writer.stats.spooled  # only what was acknowledged
    writer.client.close()
