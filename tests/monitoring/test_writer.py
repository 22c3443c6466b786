"""InfluxWriter against real influxd servers: batching, outages, timeouts, refusals."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from influx_peers import HttpPeer, SettingsFactory

from lab.influx import InfluxServer
from monitoring.errors import MonitoringConfigError
from monitoring.influx import InfluxClient, InfluxSettings
from monitoring.lineprotocol import Point
from monitoring.spool import Spool
from monitoring.writer import InfluxWriter

T0 = 1_700_000_000_000_000_000
END = T0 + 10**15
FAST_BACKOFF = (0.05, 0.2)


def point(i: int) -> Point:
    """Point ``i``: its own timestamp, so each one is a distinct InfluxDB point."""
    return Point(
        "interface",
        {"node": f"n{i % 50}", "interface": f"GE0/0/{i % 24}"},
        {"in_bps": float(i), "in_errors": i % 7},
        T0 + i,
    )


def wait_for(condition: Callable[[], bool], what: str, limit: float = 60.0) -> None:
    """Poll ``condition``; the limit only stops a hang, it asserts no timing."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)


def make_writer(settings: InfluxSettings, **kwargs: object) -> InfluxWriter:
    assert settings.spool_dir is not None
    spool = Spool(settings.spool_dir, max_bytes=settings.spool_max_bytes)
    return InfluxWriter(InfluxClient(settings), spool, backoff=FAST_BACKOFF, **kwargs)  # type: ignore[arg-type]


def count(settings: InfluxSettings, url: str | None = None) -> int:
    client = InfluxClient(settings if url is None else _with_url(settings, url))
    try:
        return client.count("interface", "in_bps", T0, END)
    finally:
        client.close()


def _with_url(settings: InfluxSettings, url: str) -> InfluxSettings:
    return InfluxSettings(url=url, database=settings.database, spool_dir=settings.spool_dir)


def test_batches_reach_influxdb(influx_settings: InfluxSettings) -> None:
    with make_writer(influx_settings, batch_size=5_000) as writer:
        writer.extend(point(i) for i in range(12_345))
        assert writer.stats.written == 10_000 and writer.buffered == 2_345
    assert writer.stats.written == 12_345
    assert count(influx_settings) == 12_345
    assert writer.spool.is_empty()


def test_kill_and_restart_loses_nothing(
    own_influxd: InfluxServer, new_settings: SettingsFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    settings = new_settings(own_influxd.url, batch_size=500, timeout=5.0)
    InfluxClient(settings).create_database()
    writer = make_writer(settings)
    added = 0
    stop = threading.Event()
    failure: list[BaseException] = []

    def produce() -> None:
        nonlocal added
        try:
            while not stop.is_set():
                writer.extend(point(added + k) for k in range(50))
                added += 50
                time.sleep(0.001)
        except BaseException as exc:  # surfaced by the main thread
            failure.append(exc)

    producer = threading.Thread(target=produce)
    producer.start()
    try:
        wait_for(lambda: writer.stats.written >= 5_000, "writes before the crash")
        own_influxd.kill()
        spooled_at_kill = writer.stats.spooled
        wait_for(lambda: writer.stats.spooled >= spooled_at_kill + 5_000, "spooling")
        own_influxd.start()  # same data dir, same port
        wait_for(lambda: writer.stats.replayed > 0, "replay after the restart")
        wait_for(lambda: writer.stats.written > 0 and writer.spool.is_empty(), "catch-up")
    finally:
        stop.set()
        producer.join()
    assert not failure
    assert writer.flush() is True
    writer.close()
    assert writer.stats.dropped == 0 and writer.stats.rejected == 0
    assert writer.stats.spooled >= 5_000
    assert count(settings) == added
    assert "InfluxDB unavailable, spooling" in caplog.text
    assert "reachable again" in caplog.text


def test_timeouts_spool_and_replay_is_idempotent(
    own_influxd: InfluxServer, new_settings: SettingsFactory
) -> None:
    settings = new_settings(own_influxd.url, batch_size=1_000, timeout=1.0)
    InfluxClient(settings).create_database()
    writer = make_writer(settings)
    writer.extend(point(i) for i in range(1_000))
    own_influxd.pause()  # accepts connections, never answers
    try:
        writer.extend(point(i) for i in range(1_000, 3_500))
        assert writer.flush() is False
        assert "ReadTimeoutError" in (writer.stats.last_error or "")
    finally:
        own_influxd.resume()
    # the timed-out request may be stored after all; replaying it stores nothing twice
    assert writer.flush() is True
    assert count(settings) == 3_500
    assert writer.stats.written + writer.stats.replayed >= 3_500


def test_server_errors_spool_until_the_server_recovers(
    influxd: InfluxServer, influx_settings: InfluxSettings, http_peer: HttpPeer
) -> None:
    http_peer.upstream = influxd.url
    settings = _with_url(influx_settings, http_peer.url)
    writer = make_writer(settings, batch_size=100)
    for k, status in enumerate((503, 500, 401, 404)):
        http_peer.status = status
        writer.extend(point(i) for i in range(k * 250, k * 250 + 250))
        writer.flush()
    assert writer.stats.written == 0 and writer.stats.rejected == 0
    assert writer.spool.pending_lines() == 1_000
    http_peer.status = None  # proxy to influxd again
    assert writer.flush() is True
    assert count(influx_settings) == 1_000
    assert writer.stats.replayed == 1_000


def test_refused_batches_are_quarantined_not_retried(
    influx_settings: InfluxSettings, caplog: pytest.LogCaptureFixture
) -> None:
    writer = make_writer(influx_settings, batch_size=10)
    writer.extend(point(i) for i in range(10))
    writer.extend([f"interface,node=n0,interface=x in_bps=1i {T0 + 10_000}"])  # int vs float
    writer.flush()
    writer.extend(point(i) for i in range(20, 30))
    assert writer.flush() is True
    assert writer.stats.rejected == 1
    rejected = writer.spool.rejected_files()
    assert len(rejected) == 1
    assert "field type conflict" in rejected[0].with_suffix(".reason.txt").read_text()
    assert "in_bps=1i" in rejected[0].read_text()
    assert "quarantined" in caplog.text
    assert count(influx_settings) == 20


def test_refused_lines_in_the_spool_do_not_block_it(
    influxd: InfluxServer, influx_settings: InfluxSettings, http_peer: HttpPeer
) -> None:
    http_peer.upstream, http_peer.status = influxd.url, 503
    writer = make_writer(_with_url(influx_settings, http_peer.url), batch_size=100)
    writer.extend(point(i) for i in range(150))
    writer.extend(["this is not line protocol"])
    writer.extend(point(i) for i in range(150, 400))
    writer.flush()
    assert writer.spool.pending_lines() == 401
    http_peer.status = None
    assert writer.flush() is True
    assert writer.stats.rejected == 100  # the chunk with the bad line
    # InfluxDB 1.x stored the valid lines of the refused chunk (partial write)
    assert count(influx_settings) == 400


def test_full_spool_drops_with_a_warning(
    influxd: InfluxServer,
    influx_settings: InfluxSettings,
    http_peer: HttpPeer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    http_peer.upstream, http_peer.status = influxd.url, 503
    settings = InfluxSettings(
        url=http_peer.url,
        database=influx_settings.database,
        spool_dir=influx_settings.spool_dir,
        spool_max_bytes=20_000,
    )
    writer = make_writer(settings, batch_size=50)
    writer.extend(point(i) for i in range(1_000))
    writer.flush()
    assert writer.stats.dropped > 0
    assert writer.stats.spooled + writer.stats.dropped == 1_000
    assert "is full" in caplog.text and "influx.spool_max_bytes" in caplog.text
    http_peer.status = None
    assert writer.flush() is True
    assert count(influx_settings) == 1_000 - writer.stats.dropped


def test_spool_survives_a_writer_restart(
    own_influxd: InfluxServer, new_settings: SettingsFactory
) -> None:
    settings = new_settings(own_influxd.url, batch_size=200)
    InfluxClient(settings).create_database()
    own_influxd.stop()
    first = make_writer(settings)
    first.extend(point(i) for i in range(1_000))
    first.close()  # InfluxDB down: everything stays in the spool on disk
    assert first.stats.spooled == 1_000
    own_influxd.start()
    second = InfluxWriter.from_settings(settings)  # e.g. the next process
    assert second.flush() is True
    assert second.stats.replayed == 1_000
    assert count(settings) == 1_000


def test_writer_with_user_and_password(
    influxd_auth: InfluxServer, new_settings: SettingsFactory, admin_credentials: tuple[str, str]
) -> None:
    user, password = admin_credentials
    settings = new_settings(influxd_auth.url, username=user, password=password)
    InfluxClient(settings).create_database()
    with InfluxWriter.from_settings(settings) as writer:
        writer.extend(point(i) for i in range(100))
    assert InfluxClient(settings).count("interface", "in_bps", T0, END) == 100


def test_writer_needs_a_spool_dir(influx_url: str, tmp_path: Path) -> None:
    with pytest.raises(MonitoringConfigError, match=r"influx\.spool_dir"):
        InfluxWriter.from_settings(InfluxSettings(url=influx_url, database="x"))
