"""``egovnet health --poller`` reads the poller's own points back from a real influxd."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from health_data import egovnet
from poller_support import LOOPBACK, agent_lab

from monitoring.influx import InfluxClient, InfluxSettings
from monitoring.poller import Poller
from monitoring.spool import Spool
from monitoring.writer import InfluxWriter


def test_health_poller_command(
    tmp_path: Path, instance_path: Path, influx_settings: InfluxSettings
) -> None:
    assert influx_settings.spool_dir is not None
    client = InfluxClient(influx_settings)
    writer = InfluxWriter(client, Spool(influx_settings.spool_dir))
    with agent_lab(3) as lab:
        poller = Poller(lab.targets(), writer=writer, settings=LOOPBACK)
        lab.network.devices["D00002"].reachable = False
        poller.run_once()  # unscheduled: no poller point
        assert not client.query_series('SELECT * FROM "poller"')

        async def scheduled() -> None:
            try:
                await poller.poll(interval_s=1.0, shard="411302")
            finally:
                await poller.close()

        asyncio.run(scheduled())
    writer.close()
    overrides = {
        "database.url": f"sqlite:///{tmp_path}/db.sqlite",
        "influx.url": influx_settings.url,
        "influx.database": influx_settings.database,
    }
    with egovnet(overrides) as run:
        text = run("health", "--poller")
        assert text.exit_code == 0, text.output
        assert "shard 411302" in text.output and "2/3 ok, 1 failed, 0 not polled" in text.output
        data = json.loads(run("health", "--poller", "--json").output)
        assert data[0]["shard"] == "411302" and data[0]["devices"] == 3
        both = run("health", "411302", "--poller")
        neither = run("health")
        assert both.exit_code == neither.exit_code == 2
        assert "give a TARGET or --poller" in both.output + neither.output
    client.close()
