"""Targets from a real inventory (SQLite + encrypted credentials), points in a real influxd,
the schedule, and ``egovnet poll --once`` -- against lab SNMP agents over UDP."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet
from poller_support import LOOPBACK, poll_twice, wait_until, within

from inventory.clictx import COMPONENTS_KEY
from inventory.credentials import CredentialSet
from inventory.service import Inventory
from inventory.settings import InventorySettings, IpamSettings
from lab.model import LabNetwork, SnmpCredentials
from lab.snmp import AgentThread, SnmpAgent
from lab.snmp.sample import sample_spec
from monitoring.cli import poll_cmd
from monitoring.influx import InfluxClient, InfluxSettings
from monitoring.poller import Poller, PollRound
from monitoring.service import Monitoring, MonitorService
from monitoring.spool import Spool
from monitoring.targets import load_targets, shard_targets
from monitoring.writer import InfluxWriter

SECRET = "community-secret-xyz"
V3 = CredentialSet(
    snmp_v3_user="nms", snmp_v3_auth_key="authkey-lab", snmp_v3_priv_key="privkey-lab"
)
CODES = ("4113", "411302", "411302001", "411302001001", "411303")
BUNDLE = """\
version: 1
nodes:
- {{code: '4113', name: 南阳市, level: city, role: core, platform: huawei_vrp8, status: active, mgmt_address: 127.0.0.1, snmp_port: {p4113}, credentials: v3}}
- {{code: '411302', name: 宛城区, level: county, role: aggregation, parent: '4113', platform: h3c_comware7, status: active, mgmt_address: 127.0.0.1, snmp_port: {p411302}, credentials: v2-411302}}
- {{code: '411302001', name: 东关街道, level: township, role: township-router, parent: '411302', platform: huawei_vrp5, status: active, mgmt_address: 127.0.0.1, snmp_port: {p411302001}, credentials: v3}}
- {{code: '411302001001', name: 王庄村, level: village, role: village-cpe, parent: '411302001', platform: cisco_ios, status: planned, mgmt_address: 127.0.0.1, snmp_port: {p411302001001}, credentials: v2-411302001001}}
- {{code: '411303', name: 卧龙区, level: county, role: aggregation, parent: '4113', platform: huawei_vrp5, status: active, mgmt_address: 127.0.0.1, snmp_port: {p411303}}}
links:
- {{a_node: '411302', a_interface: GigabitEthernet1/0/1, b_node: '4113', b_interface: 10GE1/0/2, kind: uplink}}
- {{a_node: '411302001', a_interface: GigabitEthernet0/0/1, b_node: '411302', b_interface: GigabitEthernet1/0/2, kind: uplink}}
"""


@dataclass
class City:
    inventory: Inventory
    network: LabNetwork


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    """Five nodes in the inventory, each served by a lab agent at its mgmt address and port."""
    platforms = ("huawei_vrp8", "h3c_comware7", "huawei_vrp5", "cisco_ios", "huawei_vrp5")
    network = LabNetwork()
    for n, (code, platform) in enumerate(zip(CODES, platforms, strict=True)):
        creds = SnmpCredentials(
            f"v2-{code}" if code != "411302" else SECRET, "nms", "authkey-lab", "privkey-lab"
        )
        network.add(sample_spec(code, n, platform, credentials=creds))
    root = tmp_path_factory.mktemp("city")
    settings = InventorySettings(
        database_url=f"sqlite:///{root}/egovnet.db",
        secret_key=Fernet.generate_key().decode(),
        secret_key_file=str(root / "secret.key"),
        ipam=IpamSettings(),
    )
    inventory = Inventory(settings)
    inventory.ensure_schema()
    with AgentThread(SnmpAgent(network)) as runner:
        ports = {code: ep.port for code, ep in runner.serve_each(CODES).items()}
        path = root / "city.yaml"
        path.write_text(
            BUNDLE.format(**{f"p{code}": port for code, port in ports.items()}), encoding="utf-8"
        )
        inventory.import_path(path)
        store = inventory.credentials
        store.put("v3", V3)
        store.put("v2-411302", CredentialSet(snmp_community=SECRET))
        store.put("v2-411302001001", CredentialSet(snmp_community="v2-411302001001"))
        yield City(inventory, network)
    inventory.dispose()


def test_targets_come_from_the_inventory(city: City, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    targets = {t.code: t for t in load_targets(city.inventory, intervals={"village": 300})}
    # planned village skipped by default; 411303 has no credential set: skipped with a warning
    assert set(targets) == {"4113", "411302", "411302001"}
    assert "411303" in caplog.text and "credential" in caplog.text
    core, county, township = targets["4113"], targets["411302"], targets["411302001"]
    assert core.county is None and core.shard == "city" and core.auth.version == "v3"
    assert county.county == "411302" and county.township is None and county.auth.version == "v2c"
    assert (township.county, township.township) == ("411302", "411302001")
    uplink = "411302:GigabitEthernet1/0/1 -- 4113:10GE1/0/2"
    downlink = "411302001:GigabitEthernet0/0/1 -- 411302:GigabitEthernet1/0/2"
    assert county.links == {  # the inventory's names and the short forms agents report
        "GigabitEthernet1/0/1": uplink,
        "Gi1/0/1": uplink,
        "GE1/0/1": uplink,
        "GigabitEthernet1/0/2": downlink,
        "Gi1/0/2": downlink,
        "GE1/0/2": downlink,
    }
    assert SECRET not in repr(county) and "privkey-lab" not in repr(core)
    every = {
        t.code: t for t in load_targets(city.inventory, statuses=None, intervals={"village": 300})
    }
    assert every["411302001001"].interval_s == 300 and every["4113"].interval_s == 60
    assert list(shard_targets(every.values())) == ["411302", "city"]


def _writer(settings: InfluxSettings) -> InfluxWriter:
    assert settings.spool_dir is not None
    return InfluxWriter(InfluxClient(settings), Spool(settings.spool_dir))


def _query(settings: InfluxSettings, statement: str) -> list[tuple[object, ...]]:
    client = InfluxClient(settings)
    try:
        series = client.query_series(statement)
    finally:
        client.close()
    return [row for s in series for row in s.values]


def test_points_reach_influxdb(city: City, influx_settings: InfluxSettings) -> None:
    targets = load_targets(city.inventory)
    writer = _writer(influx_settings)
    poller = Poller(targets, writer=writer, settings=LOOPBACK)
    first, second = poll_twice(poller)
    writer.close()
    assert first.ok == second.ok == 3 and first.written and second.written
    # 3 devices x (24 interfaces + 1 device point) per round, + 2 links
    assert first.points == second.points == 3 * 25 + 2
    assert writer.stats.written == first.points + second.points
    start, end = int(first.started - 60) * 10**9, int(second.started + 60) * 10**9
    where = f"time >= {start} AND time < {end}"
    rows = _query(
        influx_settings,
        f"SELECT in_bps, util_in_pct, link FROM interface WHERE node = '411302' AND interface = 'GigabitEthernet1/0/1' AND {where}",
    )
    assert len(rows) == 1  # only the second round has a rate
    assert within(float(rows[0][1]), 8_000_000.0)  # type: ignore[arg-type]
    assert rows[0][3] == "411302:GigabitEthernet1/0/1 -- 4113:10GE1/0/2"
    devices = _query(
        influx_settings, f"SELECT up, poll_ms, interfaces_total FROM device WHERE {where}"
    )
    assert len(devices) == 6 and all(r[1] == 1 and r[3] == 24 for r in devices)
    links = _query(influx_settings, f"SELECT a_to_b_bps, up FROM link WHERE {where}")
    assert len(links) == 4 and all(r[2] == 1 for r in links)


def test_monitor_service_runs_the_schedule(city: City, influx_settings: InfluxSettings) -> None:
    targets = load_targets(city.inventory, intervals={"city": 1.0, "county": 1.0, "township": 1.5})
    writer = _writer(influx_settings)
    rounds: list[tuple[str, PollRound]] = []
    service = MonitorService(
        Poller(targets, writer=writer, settings=LOOPBACK),
        on_round=lambda s, r: rounds.append((s, r)),
    )
    assert set(service.groups()) == {("city", 1.0), ("411302", 1.0), ("411302", 1.5)}
    with service:
        wait_until(lambda: sum(1 for s, _ in rounds if s == "city") >= 3, "three city rounds")
        wait_until(
            lambda: (
                sum(
                    1
                    for s, r in rounds
                    if s == "411302" and len(r.polls) == 1 and r.polls[0].code == "411302001"
                )
                >= 2
            ),
            "two township rounds",
        )
    writer.close()
    assert service.stats.errors == 0
    city_rounds = [r for s, r in rounds if s == "city"]
    assert all(r.ok == 1 for r in city_rounds)
    last = city_rounds[-1].polls[0]
    speeds = [r.in_bps for r in last.records if r.in_bps]
    assert speeds, "the third round has rates"
    assert writer.stats.written == sum(r.points for _, r in rounds)


def test_poll_once_command(city: City) -> None:
    monitoring = Monitoring(city.inventory, poller=LOOPBACK)

    @click.group()
    @click.pass_context
    def root(ctx: click.Context) -> None:
        ctx.meta[COMPONENTS_KEY] = {"monitoring": monitoring}.__getitem__

    root.add_command(poll_cmd)
    result = CliRunner().invoke(root, ["poll", "--once", "--json", "--all-statuses"])
    # 411303 names no usable credential set: polled by nobody, so the command says so
    assert result.exit_code == 1, result.output
    assert "not polled" in result.stderr and "411303" in result.stderr
    data = json.loads(result.stdout)
    assert data["devices"] == 4 and data["ok"] == 4 and data["points"] == 4 * 25 + 2
    assert {p["code"] for p in data["polls"]} == {"4113", "411302", "411302001", "411302001001"}
    text = CliRunner().invoke(root, ["poll", "--once", "--shard", "city"])
    assert text.exit_code == 0 and "1/1 devices answered" in text.output
    assert SECRET not in result.output + text.output


def test_spool_dir_is_required_for_writing(tmp_path: Path, city: City) -> None:
    monitoring = Monitoring(city.inventory)
    assert monitoring.poller([], write=True).writer is None  # no InfluxDB configured: no writes
