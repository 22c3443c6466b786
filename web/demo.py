"""``egovnet demo``: the main job as it stands, on the default database.

1. seed the example city (or the given divisions) when the inventory is empty
   and print its tree;
2. bring up the emulated extranet for it (``egovnet lab up``), unless one runs;
3. use the configured InfluxDB, or start a local ``influxd`` in the instance
   folder;
4. poll every lab device on a schedule, writing to InfluxDB, evaluate the
   alarm rules after each round (raised and cleared alarms are printed, and
   stored; ``egovnet alarms`` lists them), until Ctrl-C (or ``--rounds``); then
   stop what it started.

The console joins this job when it exists.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from pathlib import Path
from typing import Any

import click

from inventory.clictx import component
from inventory.service import Inventory
from lab import service as lab_service
from lab.errors import LabError
from lab.influx import InfluxServer
from lab.topology import SIZES
from monitoring.influx import InfluxClient, InfluxSettings
from monitoring.poller import PollRound
from monitoring.service import Monitoring, MonitorService
from monitoring.targets import load_targets

LEVELS = ("city", "county", "township", "village")


def _print_tree(inv: Inventory) -> None:
    for line in inv.tree(depth=1):
        facts = ", ".join(x for x in (line.role, line.platform, line.status) if x)
        tail = f"  ({line.summary})" if line.summary else ""
        click.echo(f"{'  ' * line.depth}{line.code} {line.name} [{facts}]{tail}")
    stats = inv.stats()
    click.echo("divisions: " + ", ".join(f"{k} {v}" for k, v in stats["divisions"].items()))
    prefixes = sum(stats["allocations"]["prefixes"].values())
    click.echo(
        f"devices: {stats['devices']}, departments: {stats['departments']['total']}, "
        f"links: {stats['links']['total']}, prefixes: {prefixes}"
    )


@click.command("demo")
@click.option(
    "--divisions",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Seed from this divisions CSV instead of the example city.",
)
@click.option(
    "--size",
    type=click.Choice(SIZES),
    default="small",
    show_default=True,
    help="Which part of the city the lab emulates.",
)
@click.option(
    "--interval",
    type=float,
    default=15.0,
    show_default=True,
    help="Poll interval of every level during the demo, seconds.",
)
@click.option(
    "--rounds",
    type=int,
    default=None,
    help="Stop after this many poll rounds (default: run until Ctrl-C).",
)
@click.pass_context
def demo_cmd(
    ctx: click.Context, divisions: Path | None, size: str, interval: float, rounds: int | None
) -> None:
    """Seed, start the lab and a local InfluxDB, and poll on a schedule until Ctrl-C."""
    inv: Inventory = component(ctx, "inventory")
    config = component(ctx, "config")
    configured: Monitoring = component(ctx, "monitoring")
    inv.ensure_schema()
    click.echo(f"database: {inv.engine.url.render_as_string(hide_password=True)}")
    if inv.is_empty():
        click.echo(
            "seeding the " + ("city from " + str(divisions) if divisions else "example city")
        )
        inv.seed(divisions)
    _print_tree(inv)

    instance = Path(config.instance_path)
    state_dir = instance / "lab"
    started_lab = False
    try:
        doc, devices = lab_service.status(state_dir)
        if not doc["running"]:
            raise LabError("stale")
        click.echo(f"lab already running (pid {doc['pid']}, {len(devices)} devices)")
    except LabError:
        lab_service.down(inv, state_dir)
        doc = lab_service.up(inv, state_dir, size=size)
        started_lab = True
        click.echo(
            f"lab up ({size}): {len(doc['devices'])} devices over SSH and SNMP in "
            f"{doc['started_s']} s; 'egovnet lab status' shows how to reach them"
        )

    influxd: InfluxServer | None = None
    settings = configured.influx
    if settings is None:
        influxd = InfluxServer(instance / "demo-influxdb")
        influxd.start()
        settings = InfluxSettings(influxd.url, "egovnet", spool_dir=instance / "influx-spool")
        click.echo(f"InfluxDB: started a local influxd at {influxd.url} (database egovnet)")
    else:
        click.echo(f"InfluxDB: {settings.url} (database {settings.database})")
    client = InfluxClient(settings)
    try:
        client.create_database()
    except Exception as exc:  # 2.x/3.x create buckets elsewhere: report and go on
        click.echo(f"note: could not create database {settings.database}: {exc}")
    finally:
        client.close()

    monitoring = Monitoring(
        inv,
        influx=settings,
        poller=configured.poller_settings,
        intervals={level: interval for level in LEVELS},
        alarms=configured.alarm_settings,
    )
    monitoring.ensure_schema()
    evaluator = monitoring.alarm_evaluator()
    lab_codes = set(lab_service.status(state_dir)[0]["devices"])
    targets = load_targets(inv, statuses=None, intervals=monitoring.intervals, codes=lab_codes)
    done = threading.Event()
    count = 0

    def on_round(shard: str, result: PollRound) -> None:
        nonlocal count
        count += 1
        for event in evaluator.evaluate(result):
            click.echo(
                f"{time.strftime('%H:%M:%S')} alarm {event.subject().removeprefix('[egovnet] ')}"
            )
        failed = ", ".join(p.code for p in result.failed[:5])
        click.echo(
            f"{time.strftime('%H:%M:%S')} shard {shard}: {result.ok}/{len(result.polls)} devices "
            f"answered in {result.duration_s:.2f} s, {result.points} points"
            + (f"; no answer: {failed}" if failed else "")
        )
        if rounds is not None and count >= rounds * len(service.groups()):
            done.set()

    service = MonitorService(monitoring.poller(targets), on_round=on_round)
    click.echo(f"polling {len(targets)} devices every {interval:g} s; Ctrl-C to stop")
    # The handler only sets a flag: calling Event.set() from a signal handler can
    # deadlock with the main thread's own wait on that event.
    interrupted: list[int] = []
    previous: dict[signal.Signals, Any] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, lambda signum, _frame: interrupted.append(signum))
    try:
        service.start()
        while not interrupted and not done.is_set():
            time.sleep(0.2)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        # clean up first, report after: the terminal may already be gone (Ctrl-C on a pipe)
        done_messages = []
        service.stop()
        if started_lab:
            lab_service.down(inv, state_dir)
            done_messages.append("lab down")
        if influxd is not None:
            influxd.stop()
            done_messages.append("local influxd stopped (data kept in the instance folder)")
        for message in done_messages:
            with contextlib.suppress(OSError):
                click.echo(message)
