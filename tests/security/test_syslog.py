"""Findings and alarms forwarded as RFC 5424 syslog to a real rsyslogd (TCP and UDP)."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rsyslog_peer import Rsyslog, find_rsyslogd, free_port, rsyslog

from inventory.audit import Actor
from security.syslog import parse_message
from web.app import create_app

SECURITY = Actor("sec", "security")
BUNDLE = """\
version: 1
nodes:
- {code: '4113', name: 南阳市, level: city, role: core, status: active}
- {code: '411302', name: 宛城区, level: county, role: aggregation, parent: '4113', status: active}
- {code: '411302001', name: 东关街道, level: township, role: township-router, parent: '411302', status: active}
departments:
- {code: 411302001-SFS, name: 东关街道司法所, level: township, node: '411302001'}
"""


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Rsyslog]:
    if find_rsyslogd() is None:
        pytest.skip("rsyslogd not found: install the Debian package 'rsyslog'")
    peer = rsyslog(tmp_path / "rsyslog")
    yield peer
    peer.stop()


def app_for(tmp_path: Path, url: str, collectors: str) -> Any:
    app = create_app({"database.url": url, "security.syslog_collectors": collectors})
    inventory = app.extensions["egovnet"]["inventory"]
    inventory.ensure_schema()
    (tmp_path / "city.yaml").write_text(BUNDLE, encoding="utf-8")
    inventory.import_path(tmp_path / "city.yaml")
    app.extensions["egovnet"]["security"].ensure_schema()
    return app


def security_for(tmp_path: Path, url: str, collectors: str) -> Any:
    return app_for(tmp_path, url, collectors).extensions["egovnet"]["security"]


def record(security: Any, records: list[dict[str, Any]]) -> Any:
    return security.findings.record(
        "probe.telnet", "411302001", records, nodes=security.campaigns.nodes()
    )


TELNET = {
    "check": "probe.telnet",
    "severity": "high",
    "node": "411302001",
    "department": None,
    "key": "10.111.0.9:23",
    "title": "plaintext management: Telnet is open on 10.111.0.9 port 23",
    "evidence": {"address": "10.111.0.9", "port": 23},
    "fix": "disable the Telnet server",
}


def test_new_and_reopened_findings_reach_rsyslog_over_tcp_and_udp(
    receiver: Rsyslog, tmp_path: Path, instance_path: Path, database_url: str
) -> None:
    security = security_for(
        tmp_path,
        database_url,
        f"tcp://127.0.0.1:{receiver.tcp},udp://127.0.0.1:{receiver.udp}",
    )
    result = record(security, [TELNET])
    (finding_id,) = result.new
    assert security.outbox.pending() == 2  # one per collector, queued with the finding
    stats = security.outbox.deliver()
    assert (stats.sent, stats.failed, stats.pending) == (2, 0, 0)

    raw = receiver.lines("raw.log", 2)
    assert len(raw) == 2
    for line in raw:
        parsed = parse_message(line.encode())
        assert (parsed.facility, parsed.severity) == (13, 3)  # log audit, err
        assert (parsed.app_name, parsed.msgid, parsed.hostname) == ("egovnet", "FINDING", "egovnet")
        sd = parsed.sd["finding@32473"]
        assert sd == {
            "id": str(finding_id),
            "event": "new",
            "check": "probe.telnet",
            "node": "411302001",
            "department": "411302001-SFS",
            "county": "411302",
            "severity": "high",
            "state": "open",
            "key": "10.111.0.9:23",
        }
        assert parsed.msg.startswith("probe.telnet high 411302001: plaintext management")
    # rsyslog's own RFC 5424 parser found the same fields
    fields = receiver.lines("fields.log", 2)
    assert all(f.startswith("egovnet|FINDING|[finding@32473 id=") for f in fields)

    # seen again: no new message; gone then back: verified, then reopened (one message each way)
    record(security, [TELNET])
    assert security.outbox.pending() == 0
    record(security, [])
    assert security.findings.get(finding_id).state == "verified"
    record(security, [TELNET])
    assert security.findings.get(finding_id).state == "open"
    assert security.outbox.deliver().sent == 2
    raw = receiver.lines("raw.log", 4)
    events = [parse_message(r.encode()).sd["finding@32473"]["event"] for r in raw]
    assert events == ["new", "new", "reopened", "reopened"]


def test_delivery_failure_is_logged_retried_and_loses_nothing(
    tmp_path: Path, instance_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    if find_rsyslogd() is None:
        pytest.skip("rsyslogd not found: install the Debian package 'rsyslog'")
    tcp, udp = free_port(), free_port(socket.SOCK_DGRAM)
    security = security_for(tmp_path, database_url, f"tcp://127.0.0.1:{tcp}")
    (finding_id,) = record(security, [TELNET]).new
    with caplog.at_level(logging.WARNING, logger="security.outbox"):
        stats = security.outbox.deliver()
    assert (stats.sent, stats.failed, stats.pending) == (0, 1, 1)
    assert f"syslog delivery to tcp://127.0.0.1:{tcp} failed" in caplog.text
    # not due yet: nothing is tried
    assert security.outbox.deliver().failed == 0
    peer = Rsyslog(tmp_path / "late", tcp, udp).start()
    try:
        later = datetime.now(UTC) + timedelta(seconds=31)
        stats = security.outbox.deliver(now=later)
        assert (stats.sent, stats.pending) == (1, 0)
        (line,) = peer.lines("raw.log", 1)
        assert parse_message(line.encode()).sd["finding@32473"]["id"] == str(finding_id)
    finally:
        peer.stop()


def test_alarms_are_forwarded_too(receiver: Rsyslog, tmp_path: Path, instance_path: Path) -> None:
    from monitoring.notify import AlarmEvent
    from monitoring.store import AlarmView
    from security.outbox import SyslogAlarmNotifier

    app = app_for(tmp_path, f"sqlite:///{tmp_path}/e.db", f"udp://127.0.0.1:{receiver.udp}")
    alarm = AlarmView(
        id=7,
        rule="link-down",
        object_kind="link",
        object_key="411302001:GE0/0/1 -- 411302:GE0/0/2",
        severity="critical",
        node="411302001",
        interface="GE0/0/1",
        link=None,
        departments=("411302001-SFS",),
        message="link down",
        value=None,
        started_at=datetime.now(UTC),
        ended_at=None,
    )
    # the composition root adds the forwarder to monitoring's alarm notifiers
    evaluator = app.extensions["egovnet"]["monitoring"].alarm_evaluator()
    (forwarder,) = [n for n in evaluator.notifiers if isinstance(n, SyslogAlarmNotifier)]
    forwarder.send(AlarmEvent("raised", alarm))
    (line,) = receiver.lines("raw.log", 1)
    parsed = parse_message(line.encode())
    assert (parsed.msgid, parsed.severity) == ("ALARM", 2)
    assert parsed.sd["alarm@32473"] == {
        "id": "7",
        "event": "raised",
        "rule": "link-down",
        "node": "411302001",
        "department": "411302001-SFS",
        "severity": "critical",
        "object": "411302001:GE0/0/1 -- 411302:GE0/0/2",
    }
