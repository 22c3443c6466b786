"""``egovnet demo``: the main job as it stands, on the default database.

1. seed the example city (or the given divisions) when the inventory is empty
   and print its tree;
2. bring up the emulated extranet for it (``egovnet lab up``: the lab runs on
   its own copy of the inventory, which is never rewired), unless one runs;
3. use the configured InfluxDB, or start a local ``influxd`` in the instance
   folder (binary: the ``demo.influxd`` setting, default ``influxd`` on PATH);
4. poll every lab device on a schedule from the lab database, writing to
   InfluxDB, evaluate the alarm rules after each round (raised and cleared
   alarms are printed, and stored in the lab database), until Ctrl-C (or
   ``--rounds``); then stop what it started.

Whatever step fails, what the demo started is stopped (in reverse order), the
error is printed on one line and the exit status is 2.

5. serve the console (waitress) on ``--host``/``--port`` over the lab's copy of
   the inventory, where the demo's poller records its alarms, reading the same
   InfluxDB; an ``admin`` account is created there with a generated password
   (a new one at every start), printed with the URL; the security campaign
   scheduler runs beside it over the same database (campaigns created with
   ``egovnet campaign create`` against the lab database run on their schedule).
"""

from __future__ import annotations

import contextlib
import secrets
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from inventory.clictx import component
from inventory.errors import InventoryError
from inventory.options import ConfigError
from lab.errors import LabError
from lab.topology import SIZES
from monitoring.errors import MonitoringError

if TYPE_CHECKING:  # the lab, SQLAlchemy and the poller are imported on use, not for --help
    from inventory.service import Inventory
    from monitoring.influx import InfluxSettings
    from monitoring.poller import PollRound
    from monitoring.service import Monitoring

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
@click.option("--host", default="127.0.0.1", show_default=True, help="Address of the console.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port of the console (taken: a free one is used instead; 0: any free port).",
)
@click.option(
    "--lab-database",
    metavar="URL",
    default=None,
    help="The lab's own database (default: a SQLite file in the lab's state folder).",
)
@click.pass_context
def demo_cmd(
    ctx: click.Context,
    divisions: Path | None,
    size: str,
    interval: float,
    rounds: int | None,
    host: str,
    port: int,
    lab_database: str | None,
) -> None:
    """Seed, start the lab, a local InfluxDB and the console, and poll until Ctrl-C."""
    # cleanups of what was started, run in reverse order whatever happens
    from sqlalchemy.exc import SQLAlchemyError

    started: list[tuple[str | None, Callable[[], None]]] = []
    try:
        _run(ctx, started, divisions, size, interval, rounds, lab_database, (host, port))
    except (
        LabError,
        InventoryError,
        MonitoringError,
        ConfigError,
        SQLAlchemyError,
        OSError,
    ) as exc:
        _clean_up(started)
        text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        with contextlib.suppress(OSError):
            click.echo(f"error: {text[0] if text else type(exc).__name__}", err=True)
        ctx.exit(2)
    except BaseException:
        _clean_up(started)
        raise
    _clean_up(started)


def _clean_up(started: list[tuple[str | None, Callable[[], None]]]) -> None:
    """Stop what was started, last first; report after (the terminal may be gone)."""
    messages = []
    while started:
        message, stop = started.pop()
        try:
            stop()
        except Exception as exc:  # one cleanup failing must not leave the others running
            messages.append(f"warning: could not stop: {exc}")
            continue
        if message:
            messages.append(message)
    for message in messages:
        with contextlib.suppress(OSError):
            click.echo(message)


def _run(
    ctx: click.Context,
    started: list[tuple[str | None, Callable[[], None]]],
    divisions: Path | None,
    size: str,
    interval: float,
    rounds: int | None,
    lab_database: str | None,
    listen: tuple[str, int] = ("127.0.0.1", 8000),
) -> None:
    from lab import service as lab_service
    from lab.influx import InfluxServer
    from monitoring.influx import InfluxClient, InfluxSettings
    from monitoring.service import Monitoring, MonitorService
    from monitoring.targets import load_targets

    inv: Inventory = component(ctx, "inventory")
    config = component(ctx, "config")
    configured: Monitoring = component(ctx, "monitoring")
    click.echo(f"database: {inv.engine.url.render_as_string(hide_password=True)}")
    inv.ensure_schema()
    if inv.is_empty():
        click.echo(
            "seeding the " + ("city from " + str(divisions) if divisions else "example city")
        )
        inv.seed(divisions)
    _print_tree(inv)

    instance = Path(config.instance_path)
    state_dir = instance / "lab"
    try:
        doc, devices = lab_service.status(state_dir)
        if not doc["running"]:
            raise LabError("stale")
        click.echo(f"lab already running (pid {doc['pid']}, {len(devices)} devices)")
    except LabError:
        lab_service.down(state_dir)
        doc = lab_service.up(inv, state_dir, size=size, lab_database=lab_database)

        def lab_down() -> None:
            lab_service.down(state_dir)

        started.append(("lab down", lab_down))
        click.echo(
            f"lab up ({size}): {len(doc['devices'])} devices over SSH and SNMP in "
            f"{doc['started_s']} s; 'egovnet lab status' shows how to reach them"
        )
    lab_inv = lab_service.lab_inventory(inv, doc["database"])
    started.append((None, lab_inv.dispose))

    settings = configured.influx
    if settings is None:
        influxd = InfluxServer(instance / "demo-influxdb", binary=config.values["demo.influxd"])
        influxd.start()  # stops what it started if it fails
        started.append(("local influxd stopped (data kept in the instance folder)", influxd.stop))
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
        lab_inv,
        influx=settings,
        poller=configured.poller_settings,
        intervals={level: interval for level in LEVELS},
        alarms=configured.alarm_settings,
    )
    monitoring.ensure_schema()
    evaluator = monitoring.alarm_evaluator()
    lab_codes = set(doc["devices"])
    targets = load_targets(lab_inv, statuses=None, intervals=monitoring.intervals, codes=lab_codes)
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

    _start_console(started, doc["database"], settings, interval, listen)
    service = MonitorService(monitoring.poller(targets), on_round=on_round)
    click.echo(f"polling {len(targets)} devices every {interval:g} s; Ctrl-C to stop")
    # The handler only sets a flag: calling Event.set() from a signal handler can
    # deadlock with the main thread's own wait on that event.
    interrupted: list[int] = []
    previous: dict[signal.Signals, Any] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, lambda signum, _frame: interrupted.append(signum))
    try:
        started.append((None, service.stop))
        service.start()
        while not interrupted and not done.is_set():
            time.sleep(0.2)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def demo_password() -> str:
    """A generated password that passes the account rules (upper, lower, digits)."""
    return "Demo-" + secrets.token_urlsafe(12)


def _start_console(
    started: list[tuple[str | None, Callable[[], None]]],
    database: str,
    influx: InfluxSettings,
    interval: float,
    listen: tuple[str, int],
) -> None:
    """The console over the lab database, with a fresh admin password; stopped with the rest."""
    from web.app import create_app
    from web.serve import Background

    overrides: dict[str, Any] = {
        "database.url": database,
        "influx.url": influx.url,
        "influx.database": influx.database,
        "monitoring.intervals": {level: str(interval) for level in LEVELS},
    }
    app = create_app(overrides)
    inventory: Inventory = app.extensions["egovnet"]["inventory"]
    app.extensions["egovnet"]["monitoring"].ensure_schema()
    started.append((None, inventory.dispose))
    password = demo_password()
    accounts = inventory.accounts
    if any(a.name == "admin" for a in accounts.list()):
        accounts.set_password("admin", password)
        accounts.set_disabled("admin", False)
    else:
        accounts.add("admin", "admin", password)
    host, port = listen
    try:
        console = Background(app, host, port)
    except OSError:
        if port == 0:
            raise
        console = Background(app, host, 0)
        click.echo(f"note: port {port} is taken; the console uses port {console.port}")
    console.start()
    started.append(("console stopped", console.stop))
    security = app.extensions["egovnet"]["security"]
    security.ensure_schema()
    scheduler = security.campaigns.serve(blocking=False)  # campaigns made during the demo run
    started.append((None, lambda: scheduler.shutdown(wait=False)))
    click.echo(
        f"campaign scheduler: {len(security.campaigns.all())} campaign(s) "
        "(add one with 'egovnet campaign create')"
    )
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"console: http://{shown}:{console.port}/  user admin, password {password}")
