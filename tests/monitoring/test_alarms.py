"""Alarm rules against a real lab: SNMP agents over UDP and SSH emulators sharing one
network, a real database (SQLite; the store also on PostgreSQL), a real webhook
receiver and a real SMTP server."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from influx_peers import HttpPeer
from monitor_lab import (
    DG_UPLINK,
    WC_UPLINK,
    MonitorLab,
    by_rule,
    evaluate_round,
    monitor_lab,
    ssh_config,
)
from poller_support import wait_until
from smtp_peer import SmtpPeer
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from monitoring.models import Alarm
from monitoring.notify import AlarmEvent
from monitoring.poller import PollRound
from monitoring.rules import AlarmThresholds
from monitoring.service import Monitoring
from monitoring.settings import AlarmSettings
from monitoring.store import AlarmDraft

WEBHOOK_TOKEN = "hook-token-5f2a"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MonitorLab]:
    with monitor_lab(tmp_path_factory.mktemp("monitor-lab")) as running:
        yield running


@pytest.fixture
def fresh(lab: MonitorLab) -> Iterator[MonitorLab]:
    """The lab, restored to all-up after the test."""
    lab.restore()
    yield lab
    lab.restore()


@pytest.fixture
def smtp_peer() -> Iterator[SmtpPeer]:
    peer = SmtpPeer().start()
    yield peer
    peer.stop()


def _utc(wall: float) -> datetime:
    return datetime.fromtimestamp(wall, tz=UTC)


def test_link_down_from_ssh_shutdown_opens_once_and_clears(
    fresh: MonitorLab, tmp_path: Path
) -> None:
    monitoring = fresh.monitoring(fresh.inventory(tmp_path))
    evaluator = monitoring.alarm_evaluator()
    poller = monitoring.poller(monitoring.targets(), write=False)
    first, events = evaluate_round(poller, evaluator)
    assert first.ok == 4 and by_rule(events, "link_down") == []

    shut = ssh_config(
        fresh.fleet,
        "411302",
        ["system-view", "interface GigabitEthernet0/0/1", "shutdown", "return"],
    )
    assert "Error" not in shut
    down, events = evaluate_round(poller, evaluator)
    (raised,) = by_rule(events, "link_down", "raised")
    alarm = raised.alarm
    assert alarm.object_key == WC_UPLINK and alarm.link == WC_UPLINK
    assert alarm.node == "411302" and alarm.interface == "GigabitEthernet0/0/1"
    assert alarm.severity == "critical" and alarm.departments == ("411302-RSJ",)
    assert "411302:GigabitEthernet0/0/1 administratively down" in alarm.message
    assert "4113:GigabitEthernet1/0/1 down" in alarm.message  # the far end lost its peer
    assert alarm.started_at == _utc(down.started) and alarm.open

    _again, events = evaluate_round(poller, evaluator)  # still down: no second alarm
    assert by_rule(events, "link_down") == []
    assert [a.object_key for a in evaluator.store.alarms(open_only=True)] == [WC_UPLINK]

    ssh_config(
        fresh.fleet,
        "411302",
        ["system-view", "interface GigabitEthernet0/0/1", "undo shutdown", "return"],
    )
    up, events = evaluate_round(poller, evaluator)
    (cleared,) = by_rule(events, "link_down", "cleared")
    assert cleared.alarm.id == alarm.id
    assert cleared.alarm.started_at == _utc(down.started)
    assert cleared.alarm.ended_at == _utc(up.started)
    stored = evaluator.store.alarms()
    assert [(a.rule, a.started_at, a.ended_at) for a in stored] == [
        ("link_down", _utc(down.started), _utc(up.started))
    ]


def test_unreachable_device_through_the_service_notifies(
    fresh: MonitorLab,
    tmp_path: Path,
    http_peer: HttpPeer,
    smtp_peer: SmtpPeer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = AlarmSettings(
        webhook_url=f"{http_peer.url}/hooks/egovnet?token={WEBHOOK_TOKEN}",
        smtp_host="127.0.0.1",
        smtp_port=smtp_peer.port,
        smtp_from="egovnet@nanyang.example",
        smtp_to=("noc@nanyang.example", "duty@nanyang.example"),
    )
    interval = {"city": 0.4, "county": 0.4, "township": 0.4}
    monitoring = fresh.monitoring(fresh.inventory(tmp_path), alarms=settings, intervals=interval)
    store = monitoring.alarm_store()
    service = monitoring.service(write=False, shards=["411303"])  # polls only 卧龙区
    runtime = fresh.network.devices["411303"]
    with service:
        wait_until(lambda: service.stats.rounds >= 1, "a first round")
        runtime.reachable = False
        wait_until(lambda: store.alarms(open_only=True), "the unreachable alarm")
        failures_before = service.stats.last["411303"]
        runtime.reachable = True
        wait_until(lambda: not store.alarms(open_only=True), "the alarm to clear")
    assert service.stats.errors == 0 and not failures_before.polls[0].ok
    (alarm,) = store.alarms()
    assert alarm.rule == "device_unreachable" and alarm.object_key == "411303"
    assert alarm.value == 2.0 and alarm.severity == "critical" and alarm.departments == ()
    assert alarm.ended_at is not None and alarm.ended_at > alarm.started_at

    wait_until(lambda: len(http_peer.requests) >= 2, "two webhook calls")
    posts = [json.loads(r.body) for r in http_peer.requests]
    assert [p["event"] for p in posts] == ["raised", "cleared"]
    assert all(
        r.method == "POST" and r.path == f"/hooks/egovnet?token={WEBHOOK_TOKEN}"
        for r in http_peer.requests
    )
    assert http_peer.requests[0].headers["Content-Type"].startswith("application/json")
    assert posts[0]["alarm"]["rule"] == "device_unreachable"
    assert posts[0]["alarm"]["node"] == "411303" and posts[0]["alarm"]["ended_at"] is None
    assert posts[1]["alarm"]["ended_at"] == alarm.ended_at.isoformat()
    assert posts[1]["alarm"]["started_at"] == alarm.started_at.isoformat()

    mails = smtp_peer.wait_for(2)
    assert [m.recipients for m in mails] == [["noc@nanyang.example", "duty@nanyang.example"]] * 2
    first, second = (m.message() for m in mails)
    assert first["Subject"] == "[egovnet] CRITICAL device_unreachable raised: 411303"
    assert second["Subject"] == "[egovnet] CRITICAL device_unreachable cleared: 411303"
    assert first["From"] == "egovnet@nanyang.example"
    body = second.get_content()
    assert "node: 411303" in body and f"ended: {alarm.ended_at.isoformat()}" in body
    for secret in ("lab-community-7", WEBHOOK_TOKEN):
        assert secret not in caplog.text
        assert all(secret.encode() not in m.data for m in mails)


def test_flapping_link(fresh: MonitorLab, tmp_path: Path) -> None:
    window = 4.0
    settings = AlarmSettings(thresholds=AlarmThresholds(flap_window_s=window))
    monitoring = fresh.monitoring(fresh.inventory(tmp_path), alarms=settings)
    evaluator = monitoring.alarm_evaluator()
    poller = monitoring.poller(monitoring.targets(), write=False)
    runtime = fresh.network.devices["411302001"]
    flaps = []
    for carrier in (True, False, True, False):  # three changes
        runtime.set_carrier("GigabitEthernet0/0/1", carrier)
        _result, events = evaluate_round(poller, evaluator)
        flaps += by_rule(events, "link_flapping")
    (raised,) = flaps
    assert raised.kind == "raised" and raised.alarm.object_key == DG_UPLINK
    assert raised.alarm.value == 3.0 and raised.alarm.severity == "major"
    assert raised.alarm.departments == ("411302-RSJ", "411302001-SFS")
    runtime.set_carrier("GigabitEthernet0/0/1", True)
    _last, events = evaluate_round(poller, evaluator)
    assert by_rule(events, "link_flapping") == []  # still flapping: 4 changes
    assert [e.kind for e in by_rule(events, "link_down")] == ["cleared"]
    time.sleep(window + 0.1)
    calm, events = evaluate_round(poller, evaluator)
    (cleared,) = by_rule(events, "link_flapping")
    assert cleared.kind == "cleared" and cleared.alarm.ended_at == _utc(calm.started)
    downs = [a for a in evaluator.store.alarms() if a.rule == "link_down"]
    assert len(downs) == 2 and all(not a.open for a in downs)  # one per down period


def test_utilisation_and_error_alarms(fresh: MonitorLab, tmp_path: Path) -> None:
    thresholds = AlarmThresholds(utilisation_for_s=1.0, errors_for_s=1.0)
    monitoring = fresh.monitoring(
        fresh.inventory(tmp_path), alarms=AlarmSettings(thresholds=thresholds)
    )
    evaluator = monitoring.alarm_evaluator()
    poller = monitoring.poller(monitoring.targets(), write=False)
    rounds: list[tuple[PollRound, list[AlarmEvent]]] = []
    events: list[AlarmEvent] = []
    while len({e.alarm.rule for e in events}) < 2:
        assert len(rounds) < 8, f"alarms not raised after {len(rounds)} rounds: {events}"
        rounds.append(evaluate_round(poller, evaluator))
        events += rounds[-1][1]
        time.sleep(0.4)
    first = rounds[0][0].by_code()
    (util,) = by_rule(events, "utilisation_high")
    alarm = util.alarm
    assert alarm.object_key == "411303:GigabitEthernet1/0/1" and alarm.node == "411303"
    assert alarm.link == "411303:GigabitEthernet1/0/1 -- 4113:GigabitEthernet1/0/2"
    assert alarm.value is not None and abs(alarm.value - 90.0) < 2.0
    # held from the start of the first measured interval; raised once it held 1 s
    assert alarm.started_at == _utc(first["411303"].wall)
    due = next(
        n
        for n, (r, _) in enumerate(rounds)
        if r.by_code()["411303"].wall >= first["411303"].wall + 1.0
    )
    assert util in rounds[due][1]
    (errs,) = by_rule(events, "errors_high")
    assert errs.alarm.object_key == "411302001:GigabitEthernet0/0/1"
    assert errs.alarm.value is not None and abs(errs.alarm.value - 2.0) < 0.1
    assert errs.alarm.departments == ("411302001-SFS",)
    assert errs.alarm.started_at == _utc(first["411302001"].wall)
    # a restarted evaluator starts counting again, but leaves the open alarms open
    restarted = monitoring.alarm_evaluator()
    _, after_restart = evaluate_round(poller, restarted)
    assert after_restart == [] and len(restarted.store.alarms(open_only=True)) == 2
    # port 1 of the other devices has 0.01 % errors and light traffic: no alarm
    assert {a.object_key for a in evaluator.store.alarms()} == {
        "411303:GigabitEthernet1/0/1",
        "411302001:GigabitEthernet0/0/1",
    }


def test_store_deduplicates_and_cli_lists(
    app: Flask, run: Callable[..., Result], inventory: object
) -> None:
    monitoring: Monitoring = app.extensions["egovnet"]["monitoring"]
    monitoring.ensure_schema()
    monitoring.ensure_schema()  # idempotent
    store = monitoring.alarm_store()
    tables = inspect(store.engine).get_table_names()
    assert "alembic_version_monitoring" in tables and "monitoring_alarms" in tables
    with store.engine.connect() as conn:
        assert (
            conn.execute(text("SELECT version_num FROM alembic_version_monitoring")).scalar()
            == "m0002"
        )
        # the inventory's own chain is untouched by the monitoring migrations
        from inventory.db import head_revision

        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            head_revision(store.engine)
        )
    draft = AlarmDraft(
        "link_down",
        "link",
        "a:x -- b:y",
        "critical",
        "a",
        "link a:x -- b:y down",
        departments=("D1", "D2"),
    )
    t0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    opened = store.open(draft, t0)
    assert opened is not None and opened.open and opened.departments == ("D1", "D2")
    assert store.open(draft, t0 + timedelta(minutes=1)) is None
    with pytest.raises(IntegrityError), store.sessions() as session, session.begin():
        session.add(
            Alarm(
                rule="link_down",
                object_kind="link",
                object_key="a:x -- b:y",
                severity="critical",
                node="a",
                departments="",
                message="",
                started_at=t0,
                updated_at=t0,
            )
        )
    cleared = store.clear("link_down", "a:x -- b:y", t0 + timedelta(minutes=5))
    assert cleared is not None and cleared.ended_at == t0 + timedelta(minutes=5)
    assert store.clear("link_down", "a:x -- b:y", t0) is None
    again = store.open(draft, t0 + timedelta(minutes=9))
    assert again is not None and again.id != opened.id

    listed = run("alarms", "--json")
    assert listed.exit_code == 0, listed.output
    assert [a["id"] for a in json.loads(listed.output)] == [again.id]
    every = json.loads(run("alarms", "--all", "--json").output)
    assert [(a["id"], a["open"]) for a in every] == [(again.id, True), (opened.id, False)]
    assert every[1]["ended_at"] == "2024-05-01T08:05:00+00:00"
    table = run("alarms", "--all")
    assert table.exit_code == 0 and "link_down" in table.output and "D1, D2" in table.output
