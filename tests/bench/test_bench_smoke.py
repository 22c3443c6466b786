"""Benchmarks never rot: each bench script's smoke size runs in seconds under ``make test``.

``bench_city.py`` has its own test (test_bench_city.py). ``bench_poller.py --smoke``
never builds its ezsnmp 1.1 peer; it is pointed at a venv that does not exist, so
the run is the same with or without ``make bench-peer`` (the peer column is
skipped with a note, the lab agents are still polled).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


SMOKES = {
    "bench_inventory.py": ("--smoke",),
    "bench_policy.py": ("--smoke",),
    "bench_render.py": ("--smoke",),
    "bench_lab_snmp.py": ("--smoke",),
    "bench_startup.py": ("--smoke",),
    "bench_lab_city.py": ("--smoke",),
    "bench_poller.py": ("--smoke", "--peer-venv", "/nonexistent/ezsnmp-1.1"),
    "bench_push.py": ("--smoke",),
    "bench_inspect.py": ("--smoke",),
    "bench_console.py": ("--smoke",),
}
#: What each smoke run must print (it really measured something).
EXPECT = {
    "bench_lab_city.py": ("SNMP steady state: 40 GETBULK", "SSH, again: 5 sessions"),
    "bench_poller.py": ("ezsnmp 1.1 peer not built", "pipeline    : first", "poller #3"),
    "bench_push.py": ("10/10 committed", "10/10 confirmed", "ratio ours/nornir"),
    "bench_inspect.py": ("ours   : 20000 packets", "ratio  : ours / tshark", "decode : scapy"),
    "bench_console.py": ("page        requests", "dashboard ", "p95/healthz"),
}


@pytest.mark.parametrize("script", sorted(SMOKES))
def test_bench_smoke(script: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVNET_")}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *SMOKES[script]],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip(), done.stderr
    for text in EXPECT.get(script, ()):
        assert text in done.stdout, done.stdout
