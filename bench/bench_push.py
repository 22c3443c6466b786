"""Benchmark: push one ~20-line change to N lab devices, ours vs a plain Nornir script.

The lab's VRP8 (CE) emulators run in a separate process (``DeviceFleet``, one SSH
listener per device), so client CPU and lab CPU are measured apart. In the same run:

- **ours** (:func:`push_with_drivers`): per device our ``huawei_vrp8`` driver opens a
  session, computes the diff from the running configuration, ``commit trial 600``,
  verifies by reading the running configuration back (the diff of the candidate is
  empty and the trial is pending on the device), confirms, logs out;
- **Nornir**: nornir 3 + nornir_netmiko, ``netmiko_send_config`` then ``netmiko_commit``
  (plain commit, no confirm, no verify), the same width, devices and number of lines.

The two sides push different values of the same shape (ACL 3998 vs 3999, two
descriptions), so neither finds the other's lines already there. Reported: wall time
and its ratio, client CPU (this process, getrusage) and lab CPU (/proc) of each.

    .venv/bin/python bench/bench_push.py [--devices 500] [--width 50]
    .venv/bin/python bench/bench_push.py --smoke      # 10 devices, width 5

``push_with_drivers(targets, width)`` is the seam where the change engine (branch
``changes``) replaces the driver-only flow.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TICK = os.sysconf("SC_CLK_TCK")

LAB = r"""
import json, resource, sys, tempfile
from pathlib import Path
from lab.devices import DeviceFleet
from lab.model import LabDeviceSpec, LabInterface, LabNetwork
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
n = int(sys.argv[1])
specs = [
    LabDeviceSpec(code=f"B{i:04d}", hostname=f"NY-B{i:04d}", platform="huawei_vrp8",
                  role="aggregation",
                  interfaces=(LabInterface("GE1/0/1", 1, "uplink", f"10.{i // 250}.{i % 250}.1/30"),
                              LabInterface("GE1/0/2", 2, "", None)))
    for i in range(n)
]
fleet = DeviceFleet(specs, Path(tempfile.mkdtemp(prefix="bench-push-")), network=LabNetwork(),
                    lazy=True)
fleet.start()
eps = [fleet.endpoint(s.code) for s in specs]
print(json.dumps([{"code": e.code, "host": e.host, "port": e.port, "username": e.username,
                   "password": e.password} for e in eps]), flush=True)
sys.stdin.read()
fleet.stop()
"""


@dataclass(frozen=True)
class Target:
    """One device to push to."""

    code: str
    host: str
    port: int
    username: str
    password: str


def change(tag: str, acl: int) -> list[str]:
    """About 20 configuration lines: an ACL of 16 rules and two interface descriptions."""
    lines = [f"acl number {acl}"]
    lines += [
        f" rule {5 * (i + 1)} permit ip source 10.{acl % 256}.{i}.0 0.0.0.255" for i in range(16)
    ]
    lines += ["#", "interface GE1/0/2", f" description {tag}-access", "#"]
    lines += ["interface GE1/0/1", f" description {tag}-uplink"]
    return lines


def push_with_drivers(
    targets: Sequence[Target], width: int, lines: Sequence[str] | None = None
) -> dict[str, str]:
    """Push ``lines`` to every target with our drivers: commit trial, verify, confirm.

    Returns a state per device (``confirmed`` or the error); one device's failure never
    costs the others.
    """
    from provisioning.device import connect

    config = "\n".join(lines or change("ours", 3998)) + "\n"

    def one(t: Target) -> tuple[str, str]:
        try:
            driver = connect("huawei_vrp8", t.host, t.username, t.password, port=t.port, timeout=60)
        except Exception as exc:  # one bad device never costs the others
            return t.code, f"unreachable: {exc}"
        try:
            driver.load_merge_candidate(config=config)
            driver.commit_config(revert_in=600)
            driver.load_merge_candidate(config=config)  # verify: nothing left to send
            if driver.compare_config() or not driver.has_pending_commit():
                driver.rollback()
                return t.code, "rolled back: verification failed"
            driver.discard_config()
            driver.confirm_commit()
            return t.code, "confirmed"
        except Exception as exc:
            return t.code, f"failed: {exc}"
        finally:
            driver.close()

    with ThreadPoolExecutor(max_workers=width) as pool:
        return dict(pool.map(one, targets))


def push_with_nornir(targets: Sequence[Target], width: int, lines: Sequence[str]) -> dict[str, str]:
    """The plain Nornir script: netmiko_send_config + netmiko_commit, ``width`` threads."""
    from nornir.core import Nornir
    from nornir.core.inventory import (
        ConnectionOptions,
        Defaults,
        Groups,
        Host,
        Hosts,
        Inventory,
    )
    from nornir.core.plugins.connections import ConnectionPluginRegister
    from nornir.core.task import Task
    from nornir.plugins.runners import ThreadedRunner
    from nornir_netmiko.tasks import netmiko_commit, netmiko_send_config

    ConnectionPluginRegister.auto_register()  # what InitNornir does
    options = {"netmiko": ConnectionOptions(extras={"fast_cli": True, "conn_timeout": 10})}
    hosts = Hosts(
        {
            t.code: Host(
                t.code,
                hostname=t.host,
                port=t.port,
                username=t.username,
                password=t.password,
                platform="huawei_vrpv8",
                connection_options=options,
            )
            for t in targets
        }
    )
    nr = Nornir(
        Inventory(hosts=hosts, groups=Groups(), defaults=Defaults()), runner=ThreadedRunner(width)
    )

    def push(task: Task) -> None:
        task.run(netmiko_send_config, config_commands=list(lines), exit_config_mode=False)
        task.run(netmiko_commit)
        task.host.close_connections()

    result = nr.run(task=push)
    return {
        code: ("failed: " + str(r.exception)) if r.failed else "committed"
        for code, r in result.items()
    }


def _lab_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def _client_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(
    run: Callable[[], dict[str, str]], lab_pid: int
) -> tuple[float, float, float, dict[str, str]]:
    cpu0, lab0, t0 = _client_cpu(), _lab_cpu(lab_pid), time.perf_counter()
    states = run()
    return time.perf_counter() - t0, _client_cpu() - cpu0, _lab_cpu(lab_pid) - lab0, states


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--width", type=int, default=50)
    parser.add_argument("--smoke", action="store_true", help="10 devices, width 5")
    args = parser.parse_args()
    n, width = (10, 5) if args.smoke else (args.devices, args.width)
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    lab = subprocess.Popen(
        [sys.executable, "-c", LAB, str(n)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert lab.stdout is not None and lab.stdin is not None
    endpoints = json.loads(lab.stdout.readline())
    targets = [Target(**e) for e in endpoints]
    print(f"lab: {n} VRP8 devices up in {time.perf_counter() - started:.1f} s (pid {lab.pid})")
    lines = change("nornir", 3999)
    ours_lines = change("ours", 3998)
    print(f"change: {len(lines)} lines; width {width}")
    try:
        nw, nc, nl, nstates = measure(lambda: push_with_nornir(targets, width, lines), lab.pid)
        ow, oc, ol, ostates = measure(
            lambda: push_with_drivers(targets, width, ours_lines), lab.pid
        )
    finally:
        lab.stdin.close()
        lab.wait(timeout=120)
    n_ok = sum(s == "committed" for s in nstates.values())
    o_ok = sum(s == "confirmed" for s in ostates.values())
    for name, states, good in (("nornir", nstates, "committed"), ("ours", ostates, "confirmed")):
        bad = [f"{c}: {s}" for c, s in states.items() if s != good][:3]
        if bad:
            print(f"{name} failures (first 3): {bad}")
    print(
        f"nornir (send_config + commit)          : {nw:7.1f} s wall, client CPU {nc:6.1f} s, lab CPU {nl:6.1f} s, {n_ok}/{n} committed"
    )
    print(
        f"ours (trial, verify, confirm)          : {ow:7.1f} s wall, client CPU {oc:6.1f} s, lab CPU {ol:6.1f} s, {o_ok}/{n} confirmed"
    )
    print(f"ratio ours/nornir: wall {ow / nw:.2f}x, client CPU {oc / max(nc, 1e-9):.2f}x")
    if n_ok != n or o_ok != n:
        sys.exit(1)


if __name__ == "__main__":
    main()
