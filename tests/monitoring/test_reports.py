"""The monthly availability report from synthetic data in a real influxd: exact CSV, valid SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result
from health_data import device_lines, egovnet, write

from inventory.service import Inventory
from inventory.settings import InventorySettings, IpamSettings
from monitoring.influx import InfluxSettings

BUNDLE = """\
version: 1
nodes:
- {code: '4113', name: 南阳市, level: city, role: core, platform: huawei_vrp8, status: active, mgmt_address: 10.111.255.1}
- {code: '411302', name: 宛城区, level: county, role: aggregation, parent: '4113', platform: h3c_comware7, status: active, mgmt_address: 10.111.255.2}
- {code: '411303', name: 卧龙区, level: county, role: aggregation, parent: '4113', platform: huawei_vrp5, status: active, mgmt_address: 10.111.255.3}
- {code: '411321', name: 南召县, level: county, role: aggregation, parent: '4113', platform: huawei_vrp5, status: active, mgmt_address: 10.111.255.4}
- {code: '411302001', name: 东关街道, level: township, role: township-router, parent: '411302', platform: huawei_vrp5, status: active, mgmt_address: 10.111.255.5}
- {code: '411302001001', name: 王庄村, level: village, role: village-cpe, parent: '411302001', platform: cisco_ios, status: active, mgmt_address: 10.111.255.6}
- {code: '411302001002', name: 李庄村, level: village, role: village-cpe, parent: '411302001', platform: cisco_ios, status: planned, mgmt_address: 10.111.255.7}
"""
#: February 2024 in Nanyang: 29 days, 696 hourly polls.
TZ = ZoneInfo("Asia/Shanghai")
START = int(datetime(2024, 2, 1, tzinfo=TZ).timestamp())
END = int(datetime(2024, 3, 1, tzinfo=TZ).timestamp())
HOURS = list(range(START, END, 3600))

EXPECTED_CSV = """\
group,code,name,nodes,expected_intervals,available_intervals,availability_pct,monitored_intervals,monitored_pct
county,411302,宛城区,3,2088,1705,81.657,2088,100.000
county,411303,卧龙区,1,696,522,100.000,522,75.000
county,411321,南召县,1,696,0,,0,0.000
level,city,市级,1,696,696,100.000,696,100.000
level,county,县级,3,2088,1183,97.126,1218,58.333
level,township,乡镇级,1,696,696,100.000,696,100.000
level,village,村级,1,696,348,50.000,696,100.000
total,,南阳市,6,4176,2923,88.415,3306,79.167
"""


@pytest.fixture
def run(
    tmp_path: Path, instance_path: Path, influx_settings: InfluxSettings
) -> Iterator[Callable[..., Result]]:
    """``egovnet`` on the report city, with a month of hourly polls in influxd."""
    url = f"sqlite:///{tmp_path}/city.db"
    inventory = Inventory(InventorySettings(url, "unused-key", str(tmp_path / "k"), IpamSettings()))
    inventory.ensure_schema()
    (tmp_path / "city.yaml").write_text(BUNDLE, encoding="utf-8")
    inventory.import_path(tmp_path / "city.yaml")
    inventory.dispose()
    wc, tw = {"county": "411302"}, {"county": "411302", "township": "411302001"}
    lines = device_lines("4113", "city", HOURS)
    lines += device_lines("411302", "county", HOURS, down=HOURS[100:135], **wc)  # 661 up
    lines += device_lines(  # a quarter of the month never polled; points outside the month
        "411303", "county", [START - 3600, *HOURS[:522], END], county="411303"
    )
    lines += device_lines("411302001", "township", HOURS, **tw)
    lines += device_lines("411302001001", "village", HOURS, down=HOURS[1::2], **tw)  # 348 up
    lines += device_lines("411302001002", "village", HOURS, down=HOURS, **tw)  # planned: ignored
    # 411321 has no point at all: unknown (0 % monitored), not 0 % available
    write(influx_settings, lines)
    overrides = {
        "database.url": url,
        "influx.url": influx_settings.url,
        "influx.database": influx_settings.database,
        "monitoring.intervals": "city=3600,county=3600,township=3600,village=3600",
    }
    with egovnet(overrides) as invoke:
        yield invoke


def test_monthly_csv_is_exact(run: Callable[..., Result], tmp_path: Path) -> None:
    printed = run("report", "availability", "--month", "2024-02")
    assert printed.exit_code == 0, printed.output
    assert printed.output == EXPECTED_CSV
    out = tmp_path / "2024-02.csv"
    written = run("report", "availability", "--month", "2024-02", "--output", str(out))
    assert written.exit_code == 0 and out.read_text(encoding="utf-8") == EXPECTED_CSV


def test_monthly_svg_chart(run: Callable[..., Result], tmp_path: Path) -> None:
    out = tmp_path / "chart.svg"
    result = run(
        "report", "availability", "--month", "2024-02", "--format", "svg", "--output", str(out)
    )
    assert result.exit_code == 0, result.output
    root = ET.parse(out).getroot()  # noqa: S314 - our own file
    ns = {"svg": "http://www.w3.org/2000/svg"}
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "南阳市电子政务外网 2024-02 月度可用率" in texts
    for county in ("宛城区 (监测 100.0%)", "卧龙区 (监测 75.0%)"):
        assert county in texts
    assert not any(t and t.startswith("南召县") for t in texts)  # never monitored: no bar
    assert {"可用率 (%)", "县区", "层级", "各县区可用率"} <= set(texts)
    assert "81.66%" in texts and "50.00%" in texts and "村级 (监测 100.0%)" in texts
    bars = root.findall("svg:rect[@fill]", ns)
    assert len([b for b in bars if b.find("svg:title", ns) is not None]) == 2 + 4


def test_bad_month_is_refused(run: Callable[..., Result]) -> None:
    result = run("report", "availability", "--month", "2024-13")
    assert result.exit_code == 2 and "expected YYYY-MM" in result.output
