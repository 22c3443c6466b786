"""Benchmark: the whole seeded city as one lab (every device over SNMP, N over SSH).

Seeds the real Nanyang divisions into a scratch SQLite database, runs
``egovnet lab up --size city`` and measures, on the lab process itself
(/proc): start time, peak memory, disk used by its state, server CPU per SSH
session (login, one command, logout, from a separate client process) and per
SNMP device poll (6 IF-MIB columns x 24 interfaces with GETBULK, from ezsnmp in
a separate process), and the poll rate one core of the lab sustains.

    .venv/bin/python bench/bench_lab_city.py [--ssh-limit N] [--sessions 200] [--polls 2000]
    .venv/bin/python bench/bench_lab_city.py --smoke   # built-in small city, 5 sessions, 40 polls
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EGOVNET = str(Path(sys.executable).parent / "egovnet")
CSV = ROOT.parent / "shared" / "data" / "nanyang-divisions.csv"
TICK = os.sysconf("SC_CLK_TCK")

SSH_CLIENT = r"""
import asyncio, json, sys, asyncssh
targets = json.load(sys.stdin)
async def one(t):
    async with asyncssh.connect(t["host"], port=t["port"], username=t["user"], password=t["pw"],
                                known_hosts=None) as conn:
        proc = await conn.create_process(term_type="vt100")
        await proc.stdout.readuntil((">", "#"))
        proc.stdin.write(t["cmd"] + "\n")
        await proc.stdout.readuntil((">", "#"))
        proc.stdin.write("quit\n")
async def main():
    sem = asyncio.Semaphore(20)
    async def guarded(t):
        async with sem:
            await one(t)
    await asyncio.gather(*(guarded(t) for t in targets))
asyncio.run(main())
"""

SNMP_CLIENT = r"""
import json, sys
from ezsnmp import Session
targets = json.load(sys.stdin)
cols = ["1.3.6.1.2.1.2.2.1.8", "1.3.6.1.2.1.31.1.1.1.6", "1.3.6.1.2.1.31.1.1.1.10",
        "1.3.6.1.2.1.2.2.1.14", "1.3.6.1.2.1.2.2.1.20", "1.3.6.1.2.1.31.1.1.1.15"]
ok = 0
for t in targets:
    s = Session(hostname=t["host"], port_number=t["port"], community=t["community"], version=2,
                timeout=2, retries=1, print_oids_numerically=True, set_max_repeaters_to_num=24)
    ok += len(s.bulk_get(cols))
print(ok)
"""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ssh-limit", type=int, default=None, help="SSH for the first N devices")
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--polls", type=int, default=2000)
    parser.add_argument("--size", choices=("small", "county", "city"), default="city")
    parser.add_argument(
        "--smoke", action="store_true", help="built-in small city, 5 sessions, 40 polls: seconds"
    )
    args = parser.parse_args()
    if args.smoke:
        args.size, args.sessions, args.polls = "small", 5, 40
    work = Path(tempfile.mkdtemp(prefix="egovnet-labbench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVNET_")}
    env.update(
        EGOVNET_INSTANCE=str(work / "instance"), EGOVNET_DATABASE_URL=f"sqlite:///{work}/db.sqlite"
    )

    def egovnet(*a: str) -> str:
        return subprocess.run(
            [EGOVNET, *a], env=env, check=True, capture_output=True, text=True
        ).stdout

    try:
        if args.size == "small":
            egovnet("inventory", "seed")
        else:
            egovnet("inventory", "seed", "--divisions", str(CSV))
        t0 = time.perf_counter()
        up_args = ["lab", "up", "--size", args.size]
        if args.ssh_limit:
            up_args += ["--ssh-limit", str(args.ssh_limit)]
        print(egovnet(*up_args).splitlines()[0])
        start_wall = time.perf_counter() - t0
        status = json.loads(egovnet("lab", "status", "--json"))
        pid = status["pid"]
        devices = status["devices"]
        creds = status["credentials"]
        ssh = [d for d in devices if d["ssh_port"]]
        rss_ready = peak_rss_mib(pid)
        disk = subprocess.run(
            ["du", "-sm", str(work / "instance" / "lab")], capture_output=True, text=True
        ).stdout.split()[0]
        print(f"devices: {len(devices)} over SNMP, {len(ssh)} over SSH")
        print(
            f"start (egovnet lab up, wall): {start_wall:.1f} s; lab process RSS {rss_ready:.0f} MiB; "
            f"state on disk {disk} MiB"
        )

        cmds = {"cisco_ios": "show version", "h3c_comware7": "display version"}
        targets = [
            {
                "host": d["host"],
                "port": d["ssh_port"],
                "user": creds["username"],
                "pw": creds["password"],
                "cmd": cmds.get(d["platform"], "display version"),
            }
            for d in ssh[: args.sessions]
        ]
        for label in ("first contact (builds the device's configuration)", "again"):
            cpu0, t0 = cpu_seconds(pid), time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", SSH_CLIENT], input=json.dumps(targets), text=True, check=True
            )
            ssh_cpu, ssh_wall = cpu_seconds(pid) - cpu0, time.perf_counter() - t0
            print(
                f"SSH, {label}: {len(targets)} sessions in {ssh_wall:.1f} s; lab CPU per session "
                f"{ssh_cpu / len(targets) * 1000:.1f} ms"
            )

        polled = [devices[i % len(devices)] for i in range(args.polls)]
        snmp_targets = [
            {"host": d["host"], "port": d["snmp_port"], "community": creds["snmp_community"]}
            for d in polled
        ]
        for label in ("first round", "steady state"):
            cpu0, t0 = cpu_seconds(pid), time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-c", SNMP_CLIENT],
                input=json.dumps(snmp_targets),
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            cpu, wall = cpu_seconds(pid) - cpu0, time.perf_counter() - t0
            print(
                f"SNMP {label}: {args.polls} GETBULK requests (6 columns x 24 repetitions; "
                f"{int(out) / args.polls:.0f} values per answer on average, H3C/Cisco answers are "
                f"capped at 1,500 bytes) "
                f"in {wall:.1f} s; lab CPU per request {cpu / args.polls * 1000:.2f} ms "
                f"-> one lab core sustains {args.polls / max(cpu, 1e-9):.0f} requests/s "
                f"(these {len(devices)} devices every 60 s need {len(devices) / 60:.1f}/s)"
            )
        print(f"lab process peak RSS after the load: {peak_rss_mib(pid):.0f} MiB")
    finally:
        subprocess.run([EGOVNET, "lab", "down"], env=env, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
