"""``egovnet poll`` and ``egovnet monitor run`` (plain click; composed into ``egovnet`` by ``web``).

Both take their components through :func:`inventory.clictx.component`:
``"monitoring"`` (a :class:`monitoring.service.Monitoring`).
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import time
from typing import TYPE_CHECKING, Any

import click

from inventory.clictx import component
from inventory.errors import InventoryError
from monitoring.errors import MonitoringError

if TYPE_CHECKING:  # SQLAlchemy and the SNMP stack are imported on use, not for --help
    from monitoring.poller import DevicePoll, PollRound
    from monitoring.service import Monitoring


def _monitoring(ctx: click.Context) -> Monitoring:
    found: Monitoring = component(ctx, "monitoring")
    found.ensure_schema()
    return found


def _poll_json(poll: DevicePoll) -> dict[str, Any]:
    return {
        "code": poll.code,
        "ok": poll.ok,
        "polled": poll.polled,
        "error": poll.error,
        "error_code": poll.error_code,
        "duration_ms": round(poll.duration_s * 1000, 1),
        "requests": poll.requests,
        "uptime_ticks": poll.uptime_ticks,
        "sys_name": poll.sys_name,
        "interfaces": len(poll.interfaces),
        "interfaces_up": sum(1 for i in poll.interfaces if i.oper_up),
        "reboot": poll.reboot,
        "points": poll.points,
    }


def round_json(result: PollRound) -> dict[str, Any]:
    """A round as the JSON ``poll --once --json`` prints."""
    return {
        "devices": len(result.polls),
        "ok": result.ok,
        "failed": len(result.failed),
        "not_polled": len(result.not_polled),
        "timeouts": result.timeouts,
        "duration_s": round(result.duration_s, 3),
        "points": result.points,
        "written": result.written,
        "polls": [_poll_json(p) for p in result.polls],
    }


@click.command("poll")
@click.option("--once", is_flag=True, required=True, help="Poll every target once, then exit.")
@click.option("--shard", default=None, help="Only this shard (a county code, or 'city').")
@click.option("--all-statuses", is_flag=True, help="Also poll planned and retired nodes.")
@click.option("--no-write", is_flag=True, help="Do not write points to InfluxDB.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def poll_cmd(
    ctx: click.Context,
    once: bool,
    shard: str | None,
    all_statuses: bool,
    no_write: bool,
    as_json: bool,
) -> None:
    """Poll devices over SNMP once and write their points (exit 1 if any device failed or was skipped)."""
    from monitoring import lookup
    from monitoring.targets import shard_targets

    try:
        monitoring = _monitoring(ctx)
        targets = monitoring.targets(all_statuses=all_statuses)
        expected = lookup.nodes(
            monitoring.inventory,
            intervals=monitoring.intervals,
            statuses=None if all_statuses else monitoring.statuses,
        )
        have = {t.code for t in targets}
        skipped = sorted(
            code
            for code, node in expected.items()
            if node.polled
            and code not in have
            and (shard is None or (node.county or "city") == shard)
        )
        if shard is not None:
            targets = shard_targets(targets).get(shard, [])
        poller = monitoring.poller(targets, write=not no_write)
        result = poller.run_once()
    except (MonitoringError, InventoryError) as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(2)
    if as_json:
        click.echo(json.dumps(round_json(result), ensure_ascii=False, indent=2))
    else:
        for poll in result.polls:
            status = "ok" if poll.ok else f"FAILED: {poll.error}" if poll.polled else poll.error
            click.echo(
                f"{poll.code:<20} {poll.duration_s * 1000:8.1f} ms  "
                f"{len(poll.interfaces):3d} interfaces  {poll.points:3d} points  {status}"
            )
        not_polled = len(result.not_polled)
        click.echo(
            f"{result.ok}/{len(result.polls)} devices answered in {result.duration_s:.2f} s; "
            + (f"{not_polled} not polled; " if not_polled else "")
            + f"{result.points} points{'' if result.written else ' (some spooled)'}"
        )
    if skipped:
        shown = ", ".join(skipped[:20]) + (
            f" and {len(skipped) - 20} more" if len(skipped) > 20 else ""
        )
        click.echo(
            f"error: {len(skipped)} target(s) not polled (no usable credential set): {shown}",
            err=True,
        )
    if result.failed or result.not_polled or skipped:
        ctx.exit(1)


@click.group("monitor")
def monitor_cli() -> None:
    """Scheduled SNMP polling into InfluxDB."""


@monitor_cli.command("run")
@click.option("--shard", "shards", multiple=True, help="Only these shards (repeatable).")
@click.option("--no-write", is_flag=True, help="Poll without writing (for trials).")
@click.option("--no-alarms", is_flag=True, help="Do not evaluate alarm rules after each round.")
@click.pass_context
def monitor_run_cmd(
    ctx: click.Context, shards: tuple[str, ...], no_write: bool, no_alarms: bool
) -> None:
    """Poll every shard at its level's interval, evaluating alarms, until SIGINT/SIGTERM."""
    try:
        service = _monitoring(ctx).service(
            shards=shards or None, write=not no_write, alarms=not no_alarms
        )
    except (MonitoringError, InventoryError) as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(2)
    groups = service.groups()
    click.echo(
        f"polling {sum(len(t) for t in groups.values())} devices in "
        f"{len({s for s, _ in groups})} shard(s); Ctrl-C stops"
    )

    # The handler only records the signal: stopping from inside a signal handler
    # would take the locks the main thread may be holding while it waits.
    signals: list[int] = []
    previous = {
        sig: signal.signal(sig, lambda signum, _frame: signals.append(signum))
        for sig in (signal.SIGINT, signal.SIGTERM)
    }
    # one line per round (devices answered, failed, not polled, timeouts, lag, budget)
    service_log = logging.getLogger("monitoring.service")
    round_lines = logging.StreamHandler(sys.stdout)
    round_lines.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    service_log.addHandler(round_lines)
    level = service_log.level
    service_log.setLevel(logging.INFO)
    try:
        service.start()
        while not signals:
            time.sleep(0.2)
    finally:
        service.stop()
        service_log.removeHandler(round_lines)
        service_log.setLevel(level)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo(f"stopped after {service.stats.rounds} rounds", file=sys.stderr)
