"""Benchmark the whole poll pipeline against Net-SNMP (ezsnmp) on the same lab agents.

The lab agents (24 interfaces each) run in a child process, so only the
poller's CPU is counted here (``time.process_time``, every thread). The mix
is the real city's: ``--huawei-share`` of the devices are Huawei (12 kB
messages: one GETBULK per poll), the rest H3C and Cisco, whose 1,500-byte
answers take several requests per poll; ``--v3-share`` of them are polled
over SNMPv3 authPriv (SHA/AES-128), the rest over v2c. Figures:

- the peers, each in its own process over the same agents and the same
  v2c/v3 split, walking the same 10 columns + sysUpTime/sysName to their
  ends (bench/ezsnmp_peer.py): **ezsnmp 1.1** (the fastest Net-SNMP binding
  for Python, the reference of the ratio; in its own venv under
  ``bench/out/``, built against Debian's libsnmp for AES) and ezsnmp 2.5 (the
  project's dev dependency) beside it;
- our SNMP client alone (``walk_columns``), concurrent;
- the whole :class:`~monitoring.poller.Poller`, SNMP + rates + points + line
  protocol + the batched writer to a real influxd (lab.influx) when one is
  installed: CPU per device poll, wall, RSS and GC time for every round.

Usage: ``.venv/bin/python bench/bench_poller.py [--devices 1000] [--rounds 4] [--smoke]``
(``make bench-peer`` installs libsnmp-dev and builds the ezsnmp 1.1 venv; the
script builds it too when missing).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from lab.influx import InfluxServer, find_influxd
from monitoring import columns as C
from monitoring.influx import InfluxClient, InfluxSettings
from monitoring.poller import Poller, PollerSettings
from monitoring.snmp import SnmpAuth, SnmpClient
from monitoring.spool import Spool
from monitoring.targets import PollTarget
from monitoring.writer import InfluxWriter
from snmpcodec.ber import oid_text

CHILD = """
import json, resource, sys
_, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
from lab.model import LabNetwork, SnmpCredentials
from lab.snmp import AgentThread, SnmpAgent
from lab.snmp.sample import sample_spec
n, platforms = int(sys.argv[1]), sys.argv[2].split(",")
network = LabNetwork()
for i in range(n):
    creds = SnmpCredentials(f"c{i}", "nms", "authkey-lab", "privkey-lab")
    network.add(sample_spec(f"D{i:05d}", i, platforms[i], 24, creds))
with AgentThread(SnmpAgent(network)) as runner:
    ports = {code: ep.port for code, ep in runner.serve_each(list(network.devices)).items()}
    print(json.dumps(ports), flush=True)
    sys.stdin.read()
"""
ROOT = Path(__file__).resolve().parent.parent
STEADY = [*C.DYNAMIC, *C.COUNTERS_64]
SETTINGS = PollerSettings(timeout=5.0, retries=1, max_in_flight=256, local_address=("127.0.0.1", 0))
PEER = Path(__file__).resolve().parent / "ezsnmp_peer.py"
PEER_VENV = ROOT / "bench" / "out" / "ezsnmp-1.1"
V3 = {"user": "nms", "auth": "authkey-lab", "priv": "privkey-lab"}


def share(i: int, fraction: float) -> bool:
    """True for ``fraction`` of the indexes, spread evenly (Bresenham)."""
    return int((i + 1) * fraction) > int(i * fraction)


def platform_mix(devices: int, huawei_share: float) -> list[str]:
    out = []
    for i in range(devices):
        if share(i, huawei_share):
            out.append("huawei_vrp8" if i % 2 else "huawei_vrp5")
        else:
            out.append("h3c_comware7" if i % 2 else "cisco_ios")
    return out


def peer_python(venv: Path = PEER_VENV, *, build: bool = True) -> Path | None:
    """The python of the ezsnmp 1.1 venv, built on first use (``build``); None (and why) when absent."""
    python = venv / "bin" / "python"
    if python.exists():
        return python
    if not build:
        print(
            f"note: ezsnmp 1.1 peer not built ({venv} is absent; 'make bench-peer' builds it): "
            "its column is skipped, ratios are against ezsnmp 2.5"
        )
        return None
    print(f"building {venv} (ezsnmp 1.1 against Debian's libsnmp) ...")
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                "--no-binary",
                "ezsnmp",
                "ezsnmp==1.1.0",
            ],
            check=True,
            stderr=subprocess.PIPE,
            text=True,
        )
    except subprocess.CalledProcessError as exc:
        last = (exc.stderr or "").strip().splitlines()[-1:] or [str(exc)]
        print(f"ezsnmp 1.1 not available (needs libsnmp-dev: make bench-peer): {last[0]}")
        subprocess.run(["rm", "-rf", str(venv)], check=False)
        return None
    return python


class TimedSink:
    """Forwards to an InfluxWriter and adds up the CPU its calls take (``time.thread_time``)."""

    def __init__(self, writer: InfluxWriter) -> None:
        self.writer = writer
        self.cpu = 0.0
        self.points = 0

    def extend(self, points: Iterable[str]) -> None:
        lines = points if isinstance(points, list) else list(points)
        start = time.thread_time()
        self.writer.extend(lines)
        self.cpu += time.thread_time() - start
        self.points += len(lines)

    def flush(self) -> bool:
        start = time.thread_time()
        done = self.writer.flush()
        self.cpu += time.thread_time() - start
        return done


class GcTimer:
    """Wall time spent in the garbage collector (``gc.callbacks``)."""

    def __init__(self) -> None:
        self.total = 0.0
        self.collections = 0
        self._start = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._start
            self.collections += 1


def start_agents(platforms: list[str]) -> tuple[subprocess.Popen[str], dict[str, int]]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(len(platforms)), ",".join(platforms)],
        cwd=ROOT,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert child.stdout is not None
    return child, json.loads(child.stdout.readline())


def stop_agents(child: subprocess.Popen[str]) -> None:
    assert child.stdin is not None
    child.stdin.close()
    child.wait(timeout=60)


def is_v3(code: str, v3_share: float) -> bool:
    return share(int(code[1:]), v3_share)


def targets(ports: dict[str, int], v3_share: float) -> list[PollTarget]:
    out = []
    for code, port in ports.items():
        n = int(code[1:])
        auth = (
            SnmpAuth.v3(V3["user"], V3["auth"], V3["priv"])
            if is_v3(code, v3_share)
            else SnmpAuth.v2c(f"c{n}")
        )
        out.append(PollTarget(code, "127.0.0.1", port, "village", auth, county="411302"))
    return out


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_peer(python: Path, ports: dict[str, int], v3_share: float, rounds: int) -> dict[str, Any]:
    """Run bench/ezsnmp_peer.py under ``python``; its version and per-round figures."""
    job = {
        "targets": [
            [port, None if is_v3(code, v3_share) else f"c{int(code[1:])}"]
            for code, port in ports.items()
        ],
        "columns": [oid_text(c.oid) for c in STEADY],
        "scalars": [oid_text(o) for o in C.SCALARS],
        "rounds": rounds,
        "repetitions": 25,
        "v3": V3,
    }
    proc = subprocess.run(
        [str(python), str(PEER)], input=json.dumps(job) + "\n", capture_output=True, text=True
    )
    if proc.returncode:
        raise SystemExit(f"{python}: peer failed: {proc.stderr.strip().splitlines()[-1:]}")
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    return {"version": lines[0]["version"], "rounds": lines[1:]}


async def bench_client(tlist: list[PollTarget], rounds: int) -> list[float]:
    cols = [c.oid for c in STEADY]
    per_round = []
    async with SnmpClient(timeout=5.0, local_address=("127.0.0.1", 0)) as client:
        sem = asyncio.Semaphore(256)

        async def one(t: PollTarget) -> None:
            async with sem:
                await client.walk_columns(
                    t.host, t.port, t.auth, C.SCALARS, cols, max_repetitions=25
                )

        for _ in range(rounds):
            cpu = time.process_time()
            await asyncio.gather(*(one(t) for t in tlist))
            per_round.append(time.process_time() - cpu)
    return per_round


async def bench_poller(
    tlist: list[PollTarget], rounds: int, writer: TimedSink | None, gap: float = 1.1
) -> list[dict[str, float]]:
    poller = Poller(tlist, writer=writer, settings=SETTINGS)
    timer = GcTimer()
    out = []
    try:
        for i in range(rounds):
            if i:
                await asyncio.sleep(gap)  # rates need >= 1 s between samples
            gc0, cpu, wall = timer.total, time.process_time(), time.monotonic()
            result = await poller.poll()
            poller.settle_memory()  # as the service does after each round
            out.append(
                {
                    "cpu": time.process_time() - cpu,
                    "wall": time.monotonic() - wall,
                    "gc": timer.total - gc0,
                    "rss": rss_mb(),
                    "requests": sum(p.requests for p in result.polls),
                    "points": result.points,
                    "written": result.written,
                }
            )
            assert result.ok == len(tlist), [p.error for p in result.failed][:3]
    finally:
        await poller.close()
        gc.callbacks.remove(timer._callback)
    return out


def ms(cpu: float, n: int) -> float:
    return cpu / n * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--huawei-share", type=float, default=0.42, help="rest: H3C and Cisco")
    parser.add_argument("--v3-share", type=float, default=1.0, help="rest: v2c")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="40 devices, 3 rounds, seconds; never builds the ezsnmp 1.1 peer",
    )
    parser.add_argument(
        "--peer-venv", type=Path, default=PEER_VENV, help="the ezsnmp 1.1 venv (bench/out/...)"
    )
    args = parser.parse_args()
    if args.smoke:
        args.devices, args.rounds = 40, 3
    n = args.devices
    print(
        f"command: .venv/bin/python bench/bench_poller.py --devices {n} --rounds {args.rounds} "
        f"--huawei-share {args.huawei_share:g} --v3-share {args.v3_share:g}"
    )
    python = peer_python(args.peer_venv, build=not args.smoke)
    rss0 = rss_mb()
    child, ports = start_agents(platform_mix(n, args.huawei_share))
    try:
        tlist = targets(ports, args.v3_share)
        peers: dict[str, dict[str, Any]] = {}
        for label, exe in (("1.1", python), ("2.5", Path(sys.executable))):
            if exe is None:
                continue
            got = peers[label] = run_peer(exe, ports, args.v3_share, args.rounds)
            r = got["rounds"]
            print(
                f"ezsnmp {got['version']:6}: {r[-1]['requests'] / n:.2f} requests, "
                f"{r[-1]['varbinds'] / n:.0f} var-binds per device poll; CPU/poll first "
                f"{ms(r[0]['cpu'], n):.2f} ms, steady {ms(min(x['cpu'] for x in r[1:]), n):.2f} ms "
                "(sequential, fetch only)"
            )
        ref = min(x["cpu"] for x in peers["1.1"]["rounds"][1:]) if "1.1" in peers else None
        ref_label = "ezsnmp 1.1" if ref is not None else "ezsnmp 2.5"
        if ref is None:
            ref = min(x["cpu"] for x in peers["2.5"]["rounds"][1:])

        def ratio(cpu: float) -> str:
            return f"{cpu / ref:.2f}x {ref_label}"

        cl = asyncio.run(bench_client(tlist, args.rounds))
        print(
            f"our client  : CPU/poll first {ms(cl[0], n):.2f} ms, steady {ms(min(cl[1:]), n):.2f} ms "
            f"= {ratio(min(cl[1:]))} (SNMP only)"
        )
        if find_influxd() is None:
            print("influxd not found: poller measured without writes")
            rounds = asyncio.run(bench_poller(tlist, args.rounds, None))
            sink = None
        else:
            with (
                tempfile.TemporaryDirectory() as tmp,
                InfluxServer(Path(tmp) / "influxd") as server,
            ):
                settings = InfluxSettings(
                    server.url, "bench", spool_dir=Path(tmp) / "spool", timeout=30
                )
                InfluxClient(settings).create_database()
                writer = InfluxWriter(InfluxClient(settings), Spool(Path(tmp) / "spool"))
                sink = TimedSink(writer)
                rounds = asyncio.run(bench_poller(tlist, args.rounds, sink))
                writer.close()
                stored = writer.stats.written
        for i, r in enumerate(rounds):
            print(
                f"poller #{i + 1:<3} : CPU/poll {ms(r['cpu'], n):.2f} ms = {ratio(r['cpu'])}; "
                f"wall {r['wall']:.2f} s; GC {r['gc'] * 1000:.0f} ms; RSS {r['rss']:.0f} MB; "
                f"{r['requests'] / n:.2f} requests and {r['points'] / n:.1f} points per device"
                + ("" if r["written"] else "; NOT all written")
            )
        steady = min(r["cpu"] for r in rounds[1:])
        write = (
            f"; writer CPU/point {sink.cpu / sink.points * 1e6:.1f} us, influxd stored {stored}"
            if sink
            else ""
        )
        print(
            f"pipeline    : first {ms(rounds[0]['cpu'], n):.2f} ms, steady {ms(steady, n):.2f} ms per device "
            f"poll (SNMP + rates + points + line protocol + write) = {ratio(steady)}{write}; "
            f"RSS {rss0:.0f} MB before, {' / '.join(format(r['rss'], '.0f') for r in rounds)} MB after each round"
        )
    finally:
        stop_agents(child)


if __name__ == "__main__":
    main()
