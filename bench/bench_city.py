"""Benchmark: the real ``egovnet monitor run`` over a whole emulated city, round by round.

Seeds the real Nanyang divisions (``inventory seed --divisions``) into a
scratch SQLite database, runs ``egovnet lab up --size city`` in its own
process (pinned to core 1 with ``taskset`` when two cores exist), sets every
device the lab emulates active, starts a local influxd, and runs the real
``egovnet monitor run`` (pinned to core 0) for N rounds, writing to that
influxd. The poller process is started through a small probe that records its
CPU time, RSS and garbage-collection time every second (``gc.callbacks``);
the round figures come from the ``poller`` health points the service wrote
to InfluxDB: round k is the k-th point of every shard, and a run counts as
complete only when every shard has logged its k-th round line (the last
column says how many shards a row holds). Per round it prints: devices ok / failed / not polled /
timeouts, SNMP requests, poller CPU, wall, RSS, GC time and the lab's CPU.

    .venv/bin/python bench/bench_city.py [--size city|county|small] [--rounds 3] [--interval 60]
    .venv/bin/python bench/bench_city.py --size city --devices 1000   # an even subset, polled
    .venv/bin/python bench/bench_city.py --smoke   # built-in small city, 2 rounds of 4 s

The full city is heavy (about 5,700 devices): run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
EGOVNET = str(Path(sys.executable).parent / "egovnet")
CSV = ROOT.parent / "shared" / "data" / "nanyang-divisions.csv"
TICK = os.sysconf("SC_CLK_TCK")
LEVELS = ("city", "county", "township", "village")

#: Runs the real ``egovnet monitor run`` in this process and samples it every second.
PROBE = r"""
import gc, json, os, sys, threading, time
out = open(sys.argv[1], "a", buffering=1)
gc_time = [0.0, 0.0]
def on_gc(phase, info):
    if phase == "start":
        gc_time[1] = time.perf_counter()
    else:
        gc_time[0] += time.perf_counter() - gc_time[1]
gc.callbacks.append(on_gc)
page = os.sysconf("SC_PAGE_SIZE")
def sample():
    while True:
        with open("/proc/self/statm") as f:
            rss = int(f.read().split()[1]) * page
        out.write(json.dumps({"t": time.time(), "cpu": time.process_time(), "rss": rss,
                              "gc": gc_time[0]}) + "\n")
        time.sleep(1.0)
threading.Thread(target=sample, daemon=True).start()
from web.cli import main
sys.argv = ["egovnet", "monitor", "run"]
main()
"""


def round_lines(output: list[tuple[float, str]]) -> dict[str, int]:
    """Round lines logged so far per shard (``HH:MM:SS shard 411302: 336/336 devices answered``)."""
    counts: dict[str, int] = {}
    for _, line in output:
        words = line.split()
        if len(words) > 2 and words[1] == "shard" and "devices answered" in line:
            shard = words[2].rstrip(":")
            counts[shard] = counts.get(shard, 0) + 1
    return counts


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def pinned(core: int) -> list[str]:
    """``taskset -c core`` when the machine has two cores or more and taskset exists."""
    if (os.cpu_count() or 1) >= 2 and shutil.which("taskset"):
        return ["taskset", "-c", str(core)]
    return []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=("small", "county", "city"), default="city")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--interval", type=float, default=60.0, help="poll interval, seconds")
    parser.add_argument(
        "--devices",
        type=int,
        default=None,
        help="poll only this many of the lab's devices, spread evenly (every shard keeps some)",
    )
    parser.add_argument("--smoke", action="store_true", help="small city, 2 rounds of 4 s")
    args = parser.parse_args()
    if args.smoke:
        args.size, args.rounds, args.interval = "small", 2, 4.0

    from lab.influx import InfluxServer, find_influxd
    from monitoring.influx import InfluxClient, InfluxSettings

    if find_influxd() is None:
        print("error: influxd not found (Debian package 'influxdb')", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="egovnet-citybench-"))
    db = work / "db.sqlite"
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVNET_")}
    env.update(EGOVNET_INSTANCE=str(work / "instance"), EGOVNET_DATABASE_URL=f"sqlite:///{db}")

    def egovnet(*a: str, prefix: list[str] | None = None) -> str:
        return subprocess.run(
            [*(prefix or []), EGOVNET, *a], env=env, check=True, capture_output=True, text=True
        ).stdout

    influxd = InfluxServer(work / "influxd", max_select_buckets=0)
    monitor: subprocess.Popen[str] | None = None
    lab_up = False
    try:
        t0 = time.perf_counter()
        if args.smoke:
            egovnet("inventory", "seed")
        else:
            egovnet("inventory", "seed", "--divisions", str(CSV))
        print(f"seeded in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        print(egovnet("lab", "up", "--size", args.size, prefix=pinned(1)).splitlines()[0])
        lab_up = True
        status = json.loads(egovnet("lab", "status", "--json"))
        lab_pid, codes = status["pid"], sorted(d["code"] for d in status["devices"])
        if args.devices is not None and 0 < args.devices < len(codes):
            # an even subset (codes sort by division, so every county keeps its share)
            codes = [codes[i * len(codes) // args.devices] for i in range(args.devices)]
        chosen = set(codes)
        multi = sum(
            1
            for d in status["devices"]
            if d["code"] in chosen and d["platform"] in ("h3c_comware7", "cisco_ios")
        )
        # the lab gives every device its one credential set: v3 authPriv when it has a v3 user
        v3_share = 100.0 if status["credentials"].get("snmp_v3_user") else 0.0
        # the lab runs on its own copy of the inventory (it never writes the
        # operator's): the poller reads the lab database that 'lab status' names
        lab_db = status["database"]
        if not lab_db.startswith("sqlite:///"):
            raise SystemExit(f"expected a SQLite lab database, got {lab_db}")
        with sqlite3.connect(lab_db.removeprefix("sqlite:///")) as conn:
            conn.execute("UPDATE nodes SET status = 'planned'")
            conn.executemany(
                "UPDATE nodes SET status = 'active' WHERE code = ?", [(c,) for c in codes]
            )
        print(f"lab: {len(codes)} devices active, up in {time.perf_counter() - t0:.1f} s")

        influxd.start()
        settings = InfluxSettings(url=influxd.url, database="egovnet", spool_dir=work / "spool")
        client = InfluxClient(settings)
        client.create_database()
        env.update(
            EGOVNET_DATABASE_URL=lab_db,
            EGOVNET_INFLUX_URL=influxd.url,
            EGOVNET_INFLUX_DATABASE="egovnet",
            EGOVNET_MONITORING_INTERVALS=",".join(f"{lv}={args.interval:g}" for lv in LEVELS),
        )
        samples = work / "probe.jsonl"
        monitor = subprocess.Popen(
            [*pinned(0), sys.executable, "-c", PROBE, str(samples)],
            env=env,
            cwd=ROOT,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        output: list[tuple[float, str]] = []

        def read() -> None:
            assert monitor is not None and monitor.stdout is not None
            for line in monitor.stdout:
                output.append((time.time(), line.rstrip()))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        deadline = time.time() + 600
        while not any("Ctrl-C stops" in line for _, line in output):
            if monitor.poll() is not None or time.time() > deadline:
                raise RuntimeError("monitor run did not start: " + " | ".join(x for _, x in output))
            time.sleep(0.1)
        start, started = next((t, x) for t, x in output if "Ctrl-C stops" in x)
        print(started, f"(poller pid {monitor.pid})", flush=True)
        found = re.search(r"in (\d+) shard", started)
        shard_count = int(found.group(1)) if found else 1
        lab_cpu: list[tuple[float, float]] = []  # (time, CPU seconds) of the lab, every second
        sampling = threading.Event()

        def sample_lab() -> None:
            while not sampling.is_set():
                lab_cpu.append((time.time(), cpu_seconds(lab_pid)))
                sampling.wait(1.0)

        threading.Thread(target=sample_lab, daemon=True).start()
        time.sleep(max(0.0, start + args.rounds * args.interval - time.time()))
        # a round is complete when every shard has logged its k-th round line; the last
        # round's devices may still be answering
        limit = time.time() + 2 * args.interval  # a round that overran skips a slot
        while time.time() < limit:
            if len(round_lines(output)) >= shard_count and all(
                n >= args.rounds for n in round_lines(output).values()
            ):
                break
            time.sleep(0.2)
        sampling.set()
        monitor.send_signal(signal.SIGINT)
        monitor.wait(timeout=120)
        reader.join(timeout=5)
        probe = [json.loads(x) for x in samples.read_text().splitlines() if x.strip()]
        series = client.query_series(
            'SELECT "devices","ok","failed","not_polled","timeouts","requests","duration_s",'
            '"lag_s","budget" FROM "poller" GROUP BY "shard"',
            epoch="ns",
        )
        # the k-th poller point of every shard is that shard's k-th round
        by_shard = {
            s.tags.get("shard", ""): sorted(s.rows(), key=lambda p: p["time"]) for s in series
        }
        written = client.query_series('SELECT count("up") FROM "device"')
        client.close()

        def at(moment: float) -> dict[str, float]:
            before = [s for s in probe if s["t"] <= moment]
            return before[-1] if before else probe[0]

        def lab_at(moment: float) -> float:
            before = [c for t, c in lab_cpu if t <= moment]
            return before[-1] if before else lab_cpu[0][1]

        print(
            "round  devices     ok  failed  not-polled  timeouts  requests  "
            "poller-CPU  wall(max)  RSS-MiB  GC-s  lab-CPU  shards"
        )
        complete = True
        steady: list[tuple[float, int, int]] = []  # (CPU, devices, requests) of rounds 2..N
        # round k's CPU, RSS and GC: from the first start of a k-th round to the first
        # start of a (k+1)-th one (rounds of an overrun shift: not fixed windows)
        starts = [
            min((rows[k]["time"] / 1e9 for rows in by_shard.values() if len(rows) > k), default=0.0)
            for k in range(args.rounds)
        ]
        for k in range(args.rounds):
            lo = starts[k] or start + k * args.interval
            hi = starts[k + 1] if k + 1 < args.rounds and starts[k + 1] else lo + args.interval
            mine = [rows[k] for rows in by_shard.values() if len(rows) > k]
            complete = complete and len(mine) == shard_count
            a, b = at(lo), at(hi)

            def total(name: str, rows: list[dict[str, float]] = mine) -> int:
                return int(sum(p[name] or 0 for p in rows))

            wall = max((p["duration_s"] for p in mine), default=0.0)
            print(
                f"{k + 1:5d}  {total('devices'):7d} {total('ok'):6d}  {total('failed'):6d}  "
                f"{total('not_polled'):10d}  {total('timeouts'):8d}  {total('requests'):8d}  "
                f"{b['cpu'] - a['cpu']:8.1f} s  {wall:7.1f} s  {b['rss'] / 2**20:7.0f}  "
                f"{b['gc'] - a['gc']:4.1f}  {lab_at(hi) - lab_at(lo):5.1f} s  "
                f"{len(mine)}/{shard_count}"
            )
            if k:
                steady.append((b["cpu"] - a["cpu"], total("ok"), total("requests")))
        if steady and sum(d for _, d, _ in steady):
            cpu, done, requests = (sum(x[i] for x in steady) for i in range(3))
            print(
                f"per device poll, steady rounds: poller CPU {cpu / done * 1000:.2f} ms, "
                f"{requests / done:.2f} requests; {v3_share:.0f} % over SNMPv3 authPriv, "
                f"{multi / max(1, len(codes)) * 100:.0f} % H3C/Cisco (1,500-byte answers: "
                "several requests per poll)"
            )
        count = written[0].values[0][1] if written and written[0].values else 0
        print(
            f"device points in InfluxDB: {count}; shards: {shard_count}; interval {args.interval:g} s"
        )
        if not complete:
            print("error: not every shard logged every round (rows above are partial)")
        return 0 if complete else 1
    finally:
        if monitor is not None and monitor.poll() is None:
            monitor.kill()
            monitor.wait()
        if lab_up:
            down_env = {**env, "EGOVNET_DATABASE_URL": f"sqlite:///{db}"}
            subprocess.run([EGOVNET, "lab", "down"], env=down_env, capture_output=True)
        influxd.remove()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
