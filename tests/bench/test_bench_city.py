"""The city benchmark runs in its smoke size (so that it never rots)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lab.influx import find_influxd

ROOT = Path(__file__).resolve().parents[2]


def test_bench_city_smoke() -> None:
    if find_influxd() is None:
        pytest.skip("influxd not found: install the Debian package 'influxdb'")
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVNET_")}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_city.py"), "--smoke"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line.split() for line in done.stdout.splitlines() if line[:5].strip().isdigit()]
    assert len(rows) == 2, done.stdout
    for row in rows:
        devices, ok, failed, not_polled = (int(x) for x in row[1:5])
        assert devices == 19 and ok == 19 and failed == not_polled == 0, done.stdout
        counted, shards = row[-1].split("/")  # every shard's k-th round line counted
        assert counted == shards and int(shards) >= 1, done.stdout
    assert "device points in InfluxDB: 38" in done.stdout
