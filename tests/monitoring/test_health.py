"""Health and availability read back from a real influxd: synthetic data with exact
expected values, and data written by the poller from lab agents, through ``egovnet health``."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from health_data import device_lines, egovnet, link_lines, write
from monitor_lab import WC_UPLINK, WL_UPLINK, MonitorLab, monitor_lab

from monitoring.health import Availability, HealthReader, rollup
from monitoring.influx import InfluxClient, InfluxSettings
from monitoring.lookup import NodeInfo

#: 2024-05-01T00:00:00Z, on an hour and a day boundary.
T0 = int(datetime(2024, 5, 1, tzinfo=UTC).timestamp())


def _node(code: str, county: str, level: str = "village", interval: float = 60.0) -> NodeInfo:
    return NodeInfo(code, code, level, "village-cpe", "active", county, None, interval, True)


@pytest.fixture
def reader(influx_client: InfluxClient) -> Iterator[HealthReader]:
    yield HealthReader(influx_client)


def test_availability_of_nodes_and_links_is_exact(
    influx_settings: InfluxSettings, reader: HealthReader
) -> None:
    minute = [T0 + 60 * n for n in range(30)]  # 30 intervals of 60 s
    lines = device_lines("A", "village", minute, down=minute[5:8], county="411302")
    lines += device_lines("B", "village", minute[:10] + minute[13:], county="411302")  # 3 missing
    lines += device_lines("C", "village", [*minute, T0 + 90], county="411303")  # one poll twice
    lines += link_lines("A:ge1 -- B:ge2", "village", minute, down=minute[::5])
    lines += device_lines("A", "village", [T0 - 60, T0 + 1800])  # just outside the period
    write(influx_settings, lines)
    start, end = T0 * 10**9, (T0 + 1800) * 10**9
    a = reader.node_availability("A", start, end, 60.0)
    assert (a.available, a.expected, a.pct) == (27.0, 30.0, 90.0)
    b = reader.node_availability("B", start, end, 60.0)  # 3 intervals unknown, not down
    assert (b.pct, b.monitored_pct) == (100.0, 90.0)
    assert reader.node_availability("C", start, end, 60.0).pct == 100.0  # capped, not 103.3
    assert reader.link_availability("A:ge1 -- B:ge2", start, end, 60.0) == Availability(
        24.0, 30.0, 30.0
    )
    # intervals with no poll are unknown: over twice the period, A was up in 28 of
    # its 31 monitored intervals (the point at T0 + 1800 s is now inside) of 60
    longer = reader.node_availability("A", start, end + 1800 * 10**9, 60.0)
    assert longer == Availability(28.0, 60.0, 31.0)
    assert longer.monitored_pct is not None and round(longer.monitored_pct, 3) == 51.667
    # a node polled every 120 s has 15 intervals in the half hour
    assert reader.node_availability("A", start, end, 120.0).pct == 100.0

    nodes = {
        c: _node(c, county)
        for c, county in (("A", "411302"), ("B", "411302"), ("C", "411303"), ("D", "411303"))
    }
    per_node = reader.nodes_availability(nodes.values(), start, end)
    assert {c: v.pct for c, v in per_node.items()} == {"A": 90.0, "B": 100.0, "C": 100.0, "D": None}
    by_county = rollup(per_node, nodes, "county")
    assert {k: round(v.pct or 0, 3) for k, v in by_county.items()} == {
        "411302": 94.737,  # 54 of 57 monitored intervals
        "411303": 100.0,  # D was never monitored: unknown, not down
    }
    assert by_county["411303"].monitored_pct == 50.0
    assert rollup(per_node, nodes, "level")["village"] == Availability(84.0, 120.0, 87.0)


def test_long_periods_sum_per_day(influx_settings: InfluxSettings, reader: HealthReader) -> None:
    hours = [T0 + 3600 * n for n in range(72)]  # three days, hourly polls
    write(influx_settings, device_lines("H", "county", hours, down=hours[10:16], county="411302"))
    three_days = reader.node_availability("H", T0 * 10**9, (T0 + 3 * 86_400) * 10**9, 3600.0)
    assert three_days == Availability(66.0, 72.0, 72.0)
    # a 30-day window at 60 s would be 43,200 buckets: summed per day instead (10,000 max here)
    end = datetime.fromtimestamp(T0 + 30 * 86_400, tz=UTC)
    month = reader.node_availability("H", end - timedelta(days=30), end, 60.0)
    assert month == Availability(66.0, 43_200.0, 72.0)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MonitorLab]:
    with monitor_lab(tmp_path_factory.mktemp("health-lab")) as running:
        yield running


def test_health_command_on_polled_data(
    lab: MonitorLab, tmp_path: Path, instance_path: Path, influx_settings: InfluxSettings
) -> None:
    lab.restore()
    database = f"sqlite:///{tmp_path}/city.db"
    monitoring = lab.monitoring(lab.inventory(tmp_path / "inv", database), influx=influx_settings)
    poller = monitoring.poller(monitoring.targets())
    seconds = set()  # points are stamped with whole seconds: polls in one second are one point
    for _ in range(3):
        result = poller.run_once()
        assert result.ok == 4 and result.written
        seconds.add(int(result.by_code()["411302"].wall))
        time.sleep(0.4)
    polls = float(len(seconds))
    overrides = {
        "database.url": database,
        "influx.url": influx_settings.url,
        "influx.database": influx_settings.database,
    }
    with egovnet(overrides) as run:
        node = run("health", "411302")
        assert node.exit_code == 0, node.output
        assert node.output.startswith("node 411302 宛城区 (county, county 411302): UP, last poll")
        assert "24/24 interfaces up" in node.output and "GigabitEthernet0/0/1" in node.output
        data = json.loads(run("health", "411302", "--json").output)
        day = data["availability"]["24h"]
        # polls seconds apart fall in one or two 60 s intervals of 1,440; unpolled time is unknown
        assert 1 <= day["available"] == day["monitored"] <= polls and day["expected"] == 1440.0
        assert day["pct"] == 100.0
        uplink = data["last_hour"]["GigabitEthernet0/0/1"]
        assert abs(uplink["util_max_pct"] - 0.8) < 0.05  # 8 Mbit/s in on 1 Gbit/s
        busy = json.loads(run("health", WL_UPLINK, "--json").output)
        assert busy["status"]["up"] is True and busy["link"]["b_node"] == "4113"
        assert abs(busy["last_hour"]["util_max_pct"] - 90.0) < 2.0
        assert busy["last_hour"]["errors"] == 0 and busy["last_hour"]["points"] == polls
        by_end = run("health", "4113:GigabitEthernet1/0/1")  # one end of a link
        assert by_end.exit_code == 0 and by_end.output.startswith(f"link {WC_UPLINK} (uplink): UP")
        assert re.search(
            r"availability: 24 h 100\.000 % \(monitored 0\.\d{3} %\), "
            r"30 d 100\.000 % \(monitored 0\.00\d %\)",
            by_end.output,
        ), by_end.output
        unknown = run("health", "NY-NOWHERE")
        assert unknown.exit_code == 1
        assert "no node or link 'NY-NOWHERE' in the inventory" in unknown.output
        no_link = run("health", "411302:GigabitEthernet0/0/9")
        assert no_link.exit_code == 1
