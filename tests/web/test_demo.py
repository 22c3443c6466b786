"""``egovnet demo`` (what ``make demo`` runs): seed, lab, local influxd, scheduled polls, clean stop."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

EGOVNET = str(Path(sys.executable).parent / "egovnet")


def test_demo_runs_two_rounds_and_cleans_up(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVNET_")}
    env["EGOVNET_INSTANCE"] = str(tmp_path / "instance")
    result = subprocess.run(
        [EGOVNET, "demo", "--rounds", "2", "--interval", "2", "--port", "0"],
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
    assert "campaign scheduler: 0 campaign(s)" in out
    rounds = [line for line in out.splitlines() if " shard " in line]
    assert len(rounds) >= 6  # two rounds of the city and both counties
    assert all("devices answered" in line and "no answer" not in line for line in rounds)
    tail = out.rstrip().splitlines()[-3:]
    assert tail == [
        "console stopped",
        "local influxd stopped (data kept in the instance folder)",
        "lab down",
    ]
    assert re.search(
        r"^console: http://127\.0\.0\.1:\d+/  user admin, password Demo-\S{16}$", out, re.M
    )
    assert not (tmp_path / "instance" / "lab").exists()
    assert not subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True).stdout
    # the demo polled the lab's own database: the seeded inventory was never rewired
    node = subprocess.run(
        [EGOVNET, "inventory", "show", "4113", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert '"mgmt_address": "127.0.0.1"' not in node.stdout
    assert '"credentials": "default"' in node.stdout


def _failing_demo(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVNET_")}
    env["EGOVNET_INSTANCE"] = str(tmp_path / "instance")
    env.update(extra)
    try:
        return subprocess.run(
            [EGOVNET, "demo", "--rounds", "1", "--interval", "1"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:  # whatever the outcome, nothing of this test may outlive it
        subprocess.run([EGOVNET, "lab", "down"], env=env, capture_output=True, timeout=120)


def _nothing_left(tmp_path: Path, result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("error")]
    assert len(errors) == 1 and lines[-1] == errors[0], result.stderr  # one line, last
    assert not (tmp_path / "instance" / "lab").exists()
    assert not subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True).stdout


def test_demo_on_a_bad_database_starts_nothing(tmp_path: Path) -> None:
    (tmp_path / "garbage.db").write_bytes(b"not a database, " * 512)
    result = _failing_demo(tmp_path, EGOVNET_DATABASE_URL=f"sqlite:///{tmp_path}/garbage.db")
    _nothing_left(tmp_path, result)
    assert "file is not a database" in result.stderr
    assert "lab up" not in result.stdout


def test_demo_whose_lab_is_refused_starts_nothing(tmp_path: Path) -> None:
    """The lab database given is the inventory itself: refused before anything starts."""
    url = f"sqlite:///{tmp_path}/egovnet.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVNET_")}
    env.update(EGOVNET_INSTANCE=str(tmp_path / "instance"), EGOVNET_DATABASE_URL=url)
    result = subprocess.run(
        [EGOVNET, "demo", "--rounds", "1", "--lab-database", url],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    _nothing_left(tmp_path, result)
    assert "the lab never writes the inventory" in result.stderr


def test_demo_without_influxd_takes_the_lab_down(tmp_path: Path) -> None:
    result = _failing_demo(tmp_path, EGOVNET_DEMO_INFLUXD=str(tmp_path / "no-such-influxd"))
    _nothing_left(tmp_path, result)
    assert "lab up (small)" in result.stdout
    assert result.stdout.rstrip().endswith("lab down")
    assert "influxd not found" in result.stderr


def test_demo_whose_poller_fails_stops_influxd_and_the_lab(tmp_path: Path) -> None:
    """The spool folder cannot be created (a file is in the way): influxd and the lab stop."""
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "influx-spool").write_text("in the way\n")
    result = _failing_demo(tmp_path)
    _nothing_left(tmp_path, result)
    assert "started a local influxd" in result.stdout
    assert result.stdout.rstrip().splitlines()[-2:] == [
        "local influxd stopped (data kept in the instance folder)",
        "lab down",
    ]
    assert "spool" in result.stderr


def test_demo_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT) while polling: the lab and influxd are taken down, exit 0."""
    import signal
    import time

    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVNET_")}
    env["EGOVNET_INSTANCE"] = str(tmp_path / "instance")
    proc = subprocess.Popen(
        [EGOVNET, "demo", "--interval", "1"],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if " shard " in line or not line:
                break
        time.sleep(1.5)  # into the next rounds
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:  # a hung demo must not outlive the test
            proc.kill()
            proc.wait()
            subprocess.run([EGOVNET, "lab", "down"], env=env, capture_output=True, timeout=120)
    text = "".join(lines) + out
    assert proc.returncode == 0, text
    assert "lab down" in text and "local influxd stopped" in text
    assert not (tmp_path / "instance" / "lab").exists()
    assert not subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True).stdout


def test_monitor_run_stops_on_sigterm(tmp_path: Path) -> None:
    """``egovnet monitor run`` is a service: SIGTERM stops it cleanly."""
    import signal
    import time

    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVNET_")}
    env["EGOVNET_INSTANCE"] = str(tmp_path / "instance")
    seeded = subprocess.run(
        [EGOVNET, "inventory", "seed", "--villages-per-township", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert seeded.returncode == 0, seeded.stderr
    proc = subprocess.Popen(
        [EGOVNET, "monitor", "run", "--no-write"],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert proc.stdout is not None
    try:
        first = ""
        while "Ctrl-C stops" not in first:
            line = proc.stdout.readline()
            assert line, first
            first += line
        time.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, first + out
    assert "stopped after" in out
