"""Benchmark the SNMP poller against ezsnmp (Net-SNMP's C library) on the same lab agents.

The lab agents (24 interfaces each, Huawei platforms: 12 kB messages, so a
steady-state poll is one GETBULK) run in a child process, so only the
poller's CPU is counted here (``time.process_time``, every thread). Figures:

- ezsnmp: one ``Session`` per device (v2c), ``bulk_get`` of the 10 per-poll
  columns with max-repetitions 25 (250 var-binds), sequential;
- our SNMP client alone (``walk_columns``, same 10 columns + sysUpTime and
  sysName as non-repeaters: 252 var-binds), concurrent;
- the whole :class:`~monitoring.poller.Poller` (SNMP + rates + line protocol),
  first round (also reads names and speeds) and steady state, v2c and v3;
- the cost per point written to a real influxd (lab.influx) through the
  batched writer, and the city estimate: 5,500 devices every 60 s;
- RSS of the poller holding state for ``--memory-devices`` devices.

Usage: ``.venv/bin/python bench/bench_poller.py [--devices 1000] [--memory-devices 5500]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import ezsnmp

from lab.influx import InfluxServer, find_influxd
from monitoring import columns as C
from monitoring.influx import InfluxClient, InfluxSettings
from monitoring.poller import Poller, PollerSettings
from monitoring.snmp import SnmpAuth, SnmpClient
from monitoring.snmp.ber import oid_text
from monitoring.spool import Spool
from monitoring.targets import PollTarget
from monitoring.writer import InfluxWriter

CHILD = """
import json, resource, sys
_, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
from lab.model import LabNetwork, SnmpCredentials
from lab.snmp import AgentThread, SnmpAgent
from lab.snmp.sample import sample_spec
n = int(sys.argv[1])
network = LabNetwork()
for i in range(n):
    creds = SnmpCredentials(f"c{i}", "nms", "authkey-lab", "privkey-lab")
    network.add(sample_spec(f"D{i:05d}", i, "huawei_vrp8" if i % 2 else "huawei_vrp5", 24, creds))
with AgentThread(SnmpAgent(network)) as runner:
    ports = {code: ep.port for code, ep in runner.serve_each(list(network.devices)).items()}
    print(json.dumps(ports), flush=True)
    sys.stdin.read()
"""
STEADY = [*C.DYNAMIC, *C.COUNTERS_64]
SETTINGS = PollerSettings(timeout=5.0, retries=1, max_in_flight=256, local_address=("127.0.0.1", 0))


class TimedSink:
    """Forwards to an InfluxWriter and adds up the CPU its calls take (``time.thread_time``)."""

    def __init__(self, writer: InfluxWriter) -> None:
        self.writer = writer
        self.cpu = 0.0
        self.points = 0

    def extend(self, points: Iterable[str]) -> None:
        lines = list(points)
        start = time.thread_time()
        self.writer.extend(lines)
        self.cpu += time.thread_time() - start
        self.points += len(lines)

    def flush(self) -> bool:
        start = time.thread_time()
        done = self.writer.flush()
        self.cpu += time.thread_time() - start
        return done


def start_agents(devices: int) -> tuple[subprocess.Popen[str], dict[str, int]]:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(devices)],
        cwd=root,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert child.stdout is not None
    return child, json.loads(child.stdout.readline())


def stop_agents(child: subprocess.Popen[str]) -> None:
    assert child.stdin is not None
    child.stdin.close()
    child.wait(timeout=30)


def targets(ports: dict[str, int], version: str) -> list[PollTarget]:
    out = []
    for code, port in ports.items():
        n = int(code[1:])
        auth = (
            SnmpAuth.v2c(f"c{n}")
            if version == "v2c"
            else SnmpAuth.v3("nms", "authkey-lab", "privkey-lab")
        )
        out.append(PollTarget(code, "127.0.0.1", port, "village", auth, county="411302"))
    return out


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def bench_ezsnmp(ports: dict[str, int], rounds: int) -> dict[str, float]:
    oids = [oid_text(c.oid) for c in STEADY]
    cpu0 = time.process_time()
    sessions = [
        ezsnmp.Session(
            hostname="127.0.0.1",
            port_number=port,
            version=2,
            community=f"c{int(code[1:])}",
            set_max_repeaters_to_num=25,
            timeout=5,
            retries=1,
        )
        for code, port in ports.items()
    ]
    setup = time.process_time() - cpu0
    per_round = []
    varbinds = 0
    for _ in range(rounds):
        cpu = time.process_time()
        for session in sessions:
            varbinds = len(session.bulk_get(oids))
        per_round.append(time.process_time() - cpu)
    n = len(sessions)
    return {
        "setup_ms_per_device": setup / n * 1000,
        "first_ms": per_round[0] / n * 1000,
        "steady_ms": min(per_round[1:]) / n * 1000,
        "varbinds": varbinds,
    }


async def bench_client(ports: dict[str, int], rounds: int) -> dict[str, float]:
    tlist = targets(ports, "v2c")
    cols = [c.oid for c in STEADY]
    per_round = []
    async with SnmpClient(timeout=5.0, local_address=("127.0.0.1", 0)) as client:
        sem = asyncio.Semaphore(256)

        async def one(t: PollTarget) -> int:
            async with sem:
                walk = await client.walk_columns(
                    t.host, t.port, t.auth, C.SCALARS, cols, max_repetitions=25
                )
                return sum(len(c) for c in walk.columns) + len(walk.scalars)

        for _ in range(rounds):
            cpu = time.process_time()
            counts = await asyncio.gather(*(one(t) for t in tlist))
            per_round.append(time.process_time() - cpu)
    n = len(tlist)
    return {
        "first_ms": per_round[0] / n * 1000,
        "steady_ms": min(per_round[1:]) / n * 1000,
        "varbinds": counts[0],
    }


async def bench_poller(
    tlist: list[PollTarget], rounds: int, writer: TimedSink | None = None, gap: float = 1.1
) -> dict[str, float]:
    poller = Poller(tlist, writer=writer, settings=SETTINGS)
    cpus, walls, points = [], [], 0
    try:
        for i in range(rounds):
            if i:
                await asyncio.sleep(gap)  # rates need >= 1 s between samples
            cpu, wall = time.process_time(), time.monotonic()
            result = await poller.poll()
            cpus.append(time.process_time() - cpu)
            walls.append(time.monotonic() - wall)
            assert result.ok == len(tlist), [p.error for p in result.failed][:3]
            points = result.points
    finally:
        await poller.close()
    n = len(tlist)
    steady = min(cpus[1:])
    return {
        "first_ms": cpus[0] / n * 1000,
        "steady_ms": steady / n * 1000,
        "first_over_steady": cpus[0] / steady,
        "devices_per_s": n / min(walls[1:]),
        "first_devices_per_s": n / walls[0],
        "points_per_round": points,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--memory-devices", type=int, default=5500)
    args = parser.parse_args()
    print(
        f"command: .venv/bin/python bench/bench_poller.py --devices {args.devices} "
        f"--rounds {args.rounds} --memory-devices {args.memory_devices}"
    )
    child, ports = start_agents(args.devices)
    try:
        ez = bench_ezsnmp(ports, args.rounds)
        print(
            f"ezsnmp      : {ez['varbinds']:.0f} var-binds/poll; CPU/poll first {ez['first_ms']:.2f} ms "
            f"(+ session setup {ez['setup_ms_per_device']:.2f} ms), steady {ez['steady_ms']:.2f} ms"
        )
        cl = asyncio.run(bench_client(ports, args.rounds))
        print(
            f"our client  : {cl['varbinds']:.0f} var-binds/poll; CPU/poll first {cl['first_ms']:.2f} ms, "
            f"steady {cl['steady_ms']:.2f} ms = {cl['steady_ms'] / ez['steady_ms']:.2f}x ezsnmp"
        )
        results = {}
        for version in ("v2c", "v3"):
            r = results[version] = asyncio.run(bench_poller(targets(ports, version), args.rounds))
            print(
                f"poller {version:3} : CPU/poll first {r['first_ms']:.2f} ms, steady {r['steady_ms']:.2f} ms "
                f"({r['steady_ms'] / ez['steady_ms']:.2f}x ezsnmp); first/steady {r['first_over_steady']:.2f}; "
                f"{r['devices_per_s']:.0f} devices/s steady ({r['first_devices_per_s']:.0f} first); "
                f"{r['points_per_round']:.0f} points/round (SNMP + rates + line protocol)"
            )
        if find_influxd() is None:
            print("influxd not found: write cost not measured")
            return
        with tempfile.TemporaryDirectory() as tmp, InfluxServer(Path(tmp) / "influxd") as server:
            settings = InfluxSettings(
                server.url, "bench", spool_dir=Path(tmp) / "spool", timeout=30
            )
            InfluxClient(settings).create_database()
            writer = InfluxWriter(InfluxClient(settings), Spool(Path(tmp) / "spool"))
            sink = TimedSink(writer)
            w = asyncio.run(bench_poller(targets(ports, "v2c"), args.rounds, sink))
            writer.close()
            per_point_us = sink.cpu / sink.points * 1e6
            print(
                f"with writes : CPU/poll steady {w['steady_ms']:.2f} ms incl. writing "
                f"{w['points_per_round'] / args.devices:.0f} points; writer CPU/point {per_point_us:.1f} us "
                f"(thread CPU of extend+flush over {sink.points} points); influxd stored {writer.stats.written}"
            )
        city = 5500
        per_device_ms = results["v2c"]["steady_ms"] + per_point_us * 25 / 1000
        total = city * per_device_ms / 1000
        v3_total = city * (results["v3"]["steady_ms"] + per_point_us * 25 / 1000) / 1000
        print(
            f"city        : {city} devices x ({results['v2c']['steady_ms']:.2f} ms poll + 25 x "
            f"{per_point_us:.1f} us write) = {total:.1f} s CPU per 60 s round "
            f"({total / 60 * 100:.0f}% of one core); all v3: {v3_total:.1f} s"
        )
    finally:
        stop_agents(child)
    if args.memory_devices:
        before = rss_mb()
        child, ports = start_agents(args.memory_devices)
        try:
            m = asyncio.run(bench_poller(targets(ports, "v2c"), 2))
        finally:
            stop_agents(child)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"memory      : {args.memory_devices} devices polled twice: RSS {rss_mb():.0f} MB "
            f"(was {before:.0f} MB before; peak {peak:.0f} MB); steady CPU/poll {m['steady_ms']:.2f} ms, "
            f"{m['devices_per_s']:.0f} devices/s"
        )


if __name__ == "__main__":
    main()
