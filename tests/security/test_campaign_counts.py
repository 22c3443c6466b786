"""Counts of unresolved findings go to a real influxd after each run (measurement security_findings)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from campaign_lab import Listener

from inventory.audit import Actor
from lab.influx import InfluxServer, find_influxd
from monitoring.influx import InfluxClient
from web.app import create_app

BUNDLE = """\
version: 1
nodes:
- {code: '4113', name: 南阳市, level: city, role: core, status: active}
- {code: '411302', name: 宛城区, level: county, role: aggregation, parent: '4113', status: active, mgmt_address: 127.0.0.1}
- {code: '411302001', name: 东关街道, level: township, role: township-router, parent: '411302', status: active, mgmt_address: 127.0.0.1}
- {code: '411303', name: 卧龙区, level: county, role: aggregation, parent: '4113', status: active, mgmt_address: 127.0.0.1}
"""


@pytest.fixture
def influxd(tmp_path: Path) -> Iterator[InfluxServer]:
    if find_influxd() is None:
        pytest.skip("influxd not found: install the Debian package 'influxdb' (1.6+)")
    server = InfluxServer(tmp_path / "influxd", max_select_buckets=10_000)
    server.start()
    yield server
    server.remove()


def test_a_run_writes_counts_by_check_county_and_severity(
    influxd: InfluxServer, tmp_path: Path, instance_path: Path
) -> None:
    telnet = Listener(b"\xff\xfd\x18login: ", None)
    try:
        app = create_app(
            {
                "database.url": f"sqlite:///{tmp_path}/e.db",
                "influx.url": influxd.url,
                "influx.database": "sec",
                "security.probe_telnet_port": telnet.port,
                "security.probe_timeout": 1.0,
            }
        )
        client = InfluxClient(app.extensions["egovnet"]["monitoring"].influx)
        client.query("CREATE DATABASE sec")
        inventory = app.extensions["egovnet"]["inventory"]
        inventory.ensure_schema()
        (tmp_path / "city.yaml").write_text(BUNDLE, encoding="utf-8")
        inventory.import_path(tmp_path / "city.yaml")
        security = app.extensions["egovnet"]["security"]
        security.ensure_schema()
        security.campaigns.create("t", "probe.telnet", "all", None, Actor("sec", "security"))
        run = security.campaigns.run("t")
        assert (run.total, run.errors, run.found) == (4, 1, 3)
        (series,) = client.query(
            'SELECT "open", "acknowledged", "fixed" FROM security_findings GROUP BY *',
            database="sec",
        )
        got = {
            (s.tags["check"], s.tags["county"], s.tags["severity"]): s.rows()[-1] for s in series
        }
        assert {k: (r["open"], r["acknowledged"], r["fixed"]) for k, r in got.items()} == {
            ("probe.telnet", "411302", "high"): (2, 0, 0),
            ("probe.telnet", "411303", "high"): (1, 0, 0),
        }
    finally:
        telnet.close()
