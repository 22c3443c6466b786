"""Benchmark: push one onboarding change (~30 lines per device) to N lab devices: the change
engine vs a plain Nornir script, same devices, same lines, same width.

A scratch SQLite inventory is seeded (the real Nanyang divisions when ../shared has them,
the built-in example city for --smoke); a wave of 便民服务中心 (BMFW) at village level is
allocated and its first N active village CPEs (VRP5, Comware 7, IOS) form the change. The
lab runs those devices in a separate process, each running its pre-change intended
configuration, so client CPU and lab CPU are measured apart (getrusage, /proc). In the
same run:

- **Nornir**: nornir 3 + nornir_netmiko, ``netmiko_send_config`` of each device's change
  commands (no commit-confirm, no verify, no record), ``width`` threads;
- the lab is reset to the pre-change configurations;
- **ours**: :func:`provisioning.push.push_change` of the approved change: the stale check
  (the city rendered again), per device write-ahead records and audit rows, commit with
  ``revert_in``, verification (running read back, ``get_facts``), confirm.

The policy gate (:func:`provisioning.changes.check_change` on the whole city's model) is
timed on its own and added to ours for the second ratio.

    .venv/bin/python bench/bench_push.py [--devices 100] [--width 25] [--county 411302]
    .venv/bin/python bench/bench_push.py --smoke      # example city, 10 devices, width 5
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TICK = os.sysconf("SC_CLK_TCK")
CSV = ROOT.parent / "shared" / "data" / "nanyang-divisions.csv"
NETMIKO = {"huawei_vrp5": "huawei", "h3c_comware7": "hp_comware", "cisco_ios": "cisco_ios"}

LAB = r"""
import json, resource, sys, tempfile
from pathlib import Path
from inventory.service import Inventory
from inventory.settings import InventorySettings, IpamSettings
from lab.devices import DeviceFleet
from lab.devices.editor import build_tree
from lab.model import LabNetwork
from lab.service import new_credentials
from lab.topology import build_specs
from provisioning.render import load_source
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
args = json.loads(Path(sys.argv[1]).read_text())
inv = Inventory(InventorySettings(args["url"], None, args["key"], IpamSettings()))
state = load_source(inv)
codes = list(args["running"])
fleet = DeviceFleet(build_specs(state, codes, new_credentials()),
                    Path(tempfile.mkdtemp(prefix="bench-push-")), network=LabNetwork())
fleet.start()
trees = {}
for code in codes:
    device = fleet.device(code)
    trees[code] = build_tree(device.dialect, args["running"][code])[0]
def reset():
    for code in codes:
        device = fleet.device(code)
        tree = trees[code].clone()
        fleet.call(lambda device=device, tree=tree: device.set_running(tree))
reset()
eps = [fleet.endpoint(c) for c in codes]
print(json.dumps([{"code": e.code, "platform": e.platform, "host": e.host, "port": e.port,
                   "username": e.username, "password": e.password} for e in eps]), flush=True)
for line in sys.stdin:
    if line.strip() == "reset":
        reset()
        print("reset", flush=True)
fleet.stop()
"""


def _lab_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def _client_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(run: Callable[[], Any], lab_pid: int) -> tuple[float, float, float, Any]:
    cpu0, lab0, t0 = _client_cpu(), _lab_cpu(lab_pid), time.perf_counter()
    out = run()
    return time.perf_counter() - t0, _client_cpu() - cpu0, _lab_cpu(lab_pid) - lab0, out


def build_change(workdir: Path, n: int, county: str | None, smoke: bool) -> tuple[Any, int, dict]:
    """Seed, allocate the wave, create and approve the change; (inventory, id, pre-change)."""
    from inventory.audit import Actor
    from inventory.service import Inventory
    from inventory.settings import InventorySettings, IpamSettings
    from provisioning.changes import create_change
    from provisioning.onboarding import plan_wave
    from provisioning.render import Renderer, load_source

    inv = Inventory(
        InventorySettings(
            f"sqlite:///{workdir}/egovnet.db", None, str(workdir / "key"), IpamSettings()
        )
    )
    inv.ensure_schema()
    if smoke or not CSV.exists():
        inv.seed(villages_per_township=12)
        county = None
    else:
        inv.seed(CSV)
        if county == "all":  # every village of the city (the 500-device run needs several counties)
            county = None
    state = load_source(inv)
    renderer = Renderer(state)
    active = {
        c
        for c, node in state["nodes"].items()
        if node.role == "village-cpe" and node.status == "active" and node.platform in NETMIKO
    }
    before = {c: renderer.render(c).text for c in sorted(active)}
    admin = Actor("bench-engineer", "admin")
    plan = plan_wave(
        inv,
        kind="BMFW",
        level="village",
        county=county,
        running=before,
        commit=True,
        actor=admin,
    )
    chosen = [d.node for d in plan.devices if d.node in active and d.commands][:n]
    if len(chosen) < n:
        raise SystemExit(f"only {len(chosen)} active village devices in the wave (asked {n})")
    change_id = create_change(
        inv,
        actor=admin,
        title=f"bench: BMFW at {n} villages",
        intended={c: plan.intended[c] for c in chosen},
        kind="onboarding",
        meta={},
        running={c: before[c] for c in chosen},
    )
    return inv, change_id, {c: before[c] for c in chosen}


def push_with_nornir(targets: list[dict], width: int, commands: dict[str, list[str]]) -> dict:
    """The plain Nornir script: netmiko_send_config of the same lines, ``width`` threads."""
    from nornir.core import Nornir
    from nornir.core.inventory import ConnectionOptions, Defaults, Groups, Host, Hosts, Inventory
    from nornir.core.plugins.connections import ConnectionPluginRegister
    from nornir.core.task import Task
    from nornir.plugins.runners import ThreadedRunner
    from nornir_netmiko.tasks import netmiko_send_config

    ConnectionPluginRegister.auto_register()  # what InitNornir does
    hosts = Hosts()
    for t in targets:
        extras: dict[str, Any] = {"fast_cli": True, "conn_timeout": 10}
        if t["platform"] == "cisco_ios":
            extras["secret"] = t["password"]
        hosts[t["code"]] = Host(
            t["code"],
            hostname=t["host"],
            port=t["port"],
            username=t["username"],
            password=t["password"],
            platform=NETMIKO[t["platform"]],
            connection_options={"netmiko": ConnectionOptions(extras=extras)},
        )
    nr = Nornir(
        Inventory(hosts=hosts, groups=Groups(), defaults=Defaults()), runner=ThreadedRunner(width)
    )

    def push(task: Task) -> None:
        task.run(netmiko_send_config, config_commands=commands[task.host.name])
        task.host.close_connections()

    result = nr.run(task=push)
    return {
        c: ("failed: " + str(r.exception)) if r.failed else "committed" for c, r in result.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--width", type=int, default=25)
    parser.add_argument(
        "--county",
        default="411302",
        help="the wave's county (Nanyang), or 'all' for the whole city",
    )
    parser.add_argument("--smoke", action="store_true", help="example city, 10 devices, width 5")
    args = parser.parse_args()
    n, width = (10, 5) if args.smoke else (args.devices, args.width)
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    from inventory.audit import Actor
    from provisioning.changes import approve_change, check_change, get_change
    from provisioning.device import connect
    from provisioning.push import PushSettings, push_change

    workdir = Path(tempfile.mkdtemp(prefix="bench-push-db-"))
    t0 = time.perf_counter()
    inv, change_id, before = build_change(workdir, n, args.county, args.smoke)
    print(f"inventory and change {change_id}: {time.perf_counter() - t0:.1f} s")
    info = get_change(inv, change_id)
    commands = {d.node: list(d.commands) for d in info.devices}
    lines = sum(
        len([c for c in cs if c.strip() not in ("quit", "exit")]) for cs in commands.values()
    )
    # Nornir receives the lines the engine sends: IOS's file-copy merge has no exits
    nornir_lines = {
        d.node: [c for c in d.commands if not (d.platform == "cisco_ios" and c.strip() == "exit")]
        for d in info.devices
    }
    # the lab's devices run the rendered configurations as they are (the IOS template
    # renders what NAPALM's ios driver needs: ip scp server enable, archive)
    spec = workdir / "lab.json"
    spec.write_text(
        json.dumps(
            {"url": inv.settings.database_url, "key": str(workdir / "key"), "running": before}
        )
    )
    started = time.perf_counter()
    lab = subprocess.Popen(
        [sys.executable, "-c", LAB, str(spec)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert lab.stdout is not None and lab.stdin is not None
    targets = json.loads(lab.stdout.readline())
    platforms: dict[str, int] = {}
    for t in targets:
        platforms[t["platform"]] = platforms.get(t["platform"], 0) + 1
    print(
        f"lab: {len(targets)} devices {platforms} up in {time.perf_counter() - started:.1f} s (pid {lab.pid})"
    )
    print(f"change: {lines} lines over {n} devices (about {lines // n} each); width {width}")
    by_code = {t["code"]: t for t in targets}

    def opener(code: str, platform: str) -> Any:
        t = by_code[code]
        optional: dict[str, Any] = {"fast_cli": True, "conn_timeout": 10}
        if platform == "cisco_ios":
            optional["secret"] = t["password"]
        return connect(
            platform,
            t["host"],
            t["username"],
            t["password"],
            port=t["port"],
            timeout=60,
            optional=optional,
        )

    try:
        nw, nc, nl, nstates = measure(
            lambda: push_with_nornir(targets, width, nornir_lines), lab.pid
        )
        lab.stdin.write("reset\n")
        lab.stdin.flush()
        assert lab.stdout.readline().strip() == "reset"
        gw, gc, _gl, _verdict = measure(
            lambda: check_change(inv, change_id, actor=Actor("bench-engineer", "admin")), lab.pid
        )
        approve_change(inv, change_id, Actor("bench-approver", "admin"))
        ow, oc, ol, result = measure(
            lambda: push_change(
                inv,
                change_id,
                actor=Actor("bench-engineer", "admin"),
                settings=PushSettings(width=width, revert_in=600),
                opener=opener,
            ),
            lab.pid,
        )
    finally:
        lab.stdin.close()
        lab.wait(timeout=120)
    n_ok = sum(s == "committed" for s in nstates.values())
    o_ok = sum(d.state == "confirmed" for d in result.devices)
    bad = [f"{c}: {s}" for c, s in nstates.items() if s != "committed"][:3]
    if bad:
        print(f"nornir failures (first 3): {bad}")
    bad = [f"{d.node}: {d.state} {d.error}" for d in result.devices if d.state != "confirmed"][:3]
    if bad:
        print(f"ours failures (first 3): {bad}")
    audit = len(inv.audit.rows(limit=None, action="change."))
    print(
        f"nornir (send_config)                        : {nw:7.1f} s wall, client CPU {nc:6.1f} s, lab CPU {nl:6.1f} s, {n_ok}/{n} committed"
    )
    print(
        f"ours: policy gate (whole city model)         : {gw:7.1f} s wall, client CPU {gc:6.1f} s"
    )
    print(
        f"ours: push (stale check, write-ahead, commit, verify, confirm): {ow:7.1f} s wall, client CPU {oc:6.1f} s, lab CPU {ol:6.1f} s, {o_ok}/{n} confirmed, {audit} audit rows"
    )
    print(
        f"ratio ours/nornir: push wall {ow / nw:.2f}x, client CPU {oc / max(nc, 1e-9):.2f}x; gate + push wall {(gw + ow) / nw:.2f}x"
    )
    if n_ok != n or o_ok != n:
        sys.exit(1)


if __name__ == "__main__":
    main()
