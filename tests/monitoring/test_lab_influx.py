"""The lab's influxd helper: config, restart on the same data and port, clean stop."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lab.influx import InfluxServer, InfluxServerError
from monitoring.influx import InfluxClient, InfluxSettings
from monitoring.lineprotocol import Point


def test_restart_keeps_port_and_data(own_influxd: InfluxServer) -> None:
    config = own_influxd.config_path.read_text()
    assert 'bind-address = "127.0.0.1:' in config and "reporting-disabled = true" in config
    assert "max-select-buckets = 10000" in config
    client = InfluxClient(InfluxSettings(own_influxd.url, "keep"))
    client.create_database()
    client.write([Point("device", {"node": "n"}, {"up": 1}, 1)])
    url, pid = own_influxd.url, own_influxd.pid
    own_influxd.kill()
    assert pid is not None and not Path(f"/proc/{pid}").exists()
    own_influxd.start()
    assert own_influxd.url == url and own_influxd.pid != pid
    assert client.count("device", "up", 0, 2) == 1
    own_influxd.stop()
    assert not own_influxd.running()


def test_missing_binary_is_a_clear_error(tmp_path: Path) -> None:
    server = InfluxServer(tmp_path, binary=os.fspath(tmp_path / "no-influxd"))
    with pytest.raises(InfluxServerError, match="influxd not found"):
        server.start()
