"""``egovnet demo`` (what ``make demo`` runs): seed, lab, local influxd, scheduled polls, clean stop."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EGOVNET = str(Path(sys.executable).parent / "egovnet")


def test_demo_runs_two_rounds_and_cleans_up(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVNET_")}
    env["EGOVNET_INSTANCE"] = str(tmp_path / "instance")
    result = subprocess.run(
        [EGOVNET, "demo", "--rounds", "2", "--interval", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "seeding the example city" in out
    assert "  411302 宛城区 [aggregation, huawei_vrp8, active]" in out
    assert "lab up (small): 19 devices" in out
    assert "started a local influxd" in out
    rounds = [line for line in out.splitlines() if " shard " in line]
    assert len(rounds) >= 6  # two rounds of the city and both counties
    assert all("devices answered" in line and "no answer" not in line for line in rounds)
    assert out.rstrip().endswith("local influxd stopped (data kept in the instance folder)")
    assert not (tmp_path / "instance" / "lab").exists()
    assert not subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True).stdout
