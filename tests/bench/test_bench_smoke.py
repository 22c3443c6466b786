"""Benchmarks never rot: each bench script's smoke size runs in seconds under ``make test``.

``bench_city.py`` has its own test (test_bench_city.py). ``bench_poller.py --smoke``
is not run here: it builds its ezsnmp 1.1 peer from source on first use.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("script", ["bench_lab_snmp.py", "bench_render.py", "bench_startup.py"])
def test_bench_smoke(script: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVNET_")}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--smoke"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip(), done.stderr
