"""``egovnet health``, ``egovnet alarms`` and ``egovnet report availability`` (plain click).

Composed into ``egovnet`` by ``web``; the component comes through
:func:`inventory.clictx.component` (``"monitoring"``).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from inventory.clictx import component
from inventory.errors import InventoryError
from monitoring import pollerhealth
from monitoring.chart import Panel, bar_chart_svg
from monitoring.errors import MonitoringError
from monitoring.health import Availability, HealthReader, Status, Usage
from monitoring.report import (
    DEFAULT_TZ,
    ReportError,
    availability_report,
    bars,
    month_bounds,
    to_csv,
)

if TYPE_CHECKING:
    from monitoring.service import Monitoring


def _monitoring(ctx: click.Context) -> Monitoring:
    found: Monitoring = component(ctx, "monitoring")
    found.ensure_schema()
    return found


def _pct(value: Availability | float | None) -> str:
    pct = value.pct if isinstance(value, Availability) else value
    return "n/a" if pct is None else f"{pct:.3f} %"


def _status_line(status: Status | None, lookback: timedelta) -> str:
    if status is None:
        return f"UNKNOWN (no poll in the last {int(lookback.total_seconds())} s)"
    state = "UP" if status.up else "DOWN"
    return f"{state}, last poll {status.time.isoformat(timespec='seconds')}"


def _usage_json(usage: Usage) -> dict[str, Any]:
    return asdict(usage)


def _fmt(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return "-"
    return f"{value:.1f}{unit}" if isinstance(value, float) else f"{value}{unit}"


def _availability(
    reader: HealthReader, kind: str, key: str, now: datetime, interval_s: float
) -> dict[str, Availability]:
    get = reader.node_availability if kind == "node" else reader.link_availability
    return {
        "24h": get(key, now - timedelta(hours=24), now, interval_s),
        "30d": get(key, now - timedelta(days=30), now, interval_s),
    }


def _poller_health(ctx: click.Context, as_json: bool) -> None:
    """``health --poller``: the poller's own rounds in the last hour, per shard."""
    try:
        reader = _monitoring(ctx).health()
        shards = pollerhealth.read(reader.client, datetime.now(UTC), timedelta(hours=1))
    except (MonitoringError, InventoryError) as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(2)
    if as_json:
        click.echo(
            json.dumps([asdict(h) for h in shards], ensure_ascii=False, indent=2, default=str)
        )
        return
    click.echo("poller, last hour:" if shards else "poller: no round in the last hour")
    for health in shards:
        click.echo("  " + health.line())


@click.command("health")
@click.argument("target", required=False)
@click.option("--poller", is_flag=True, help="The poller's own health (lag, not polled, timeouts).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def health_cmd(ctx: click.Context, target: str | None, poller: bool, as_json: bool) -> None:
    """Status, last-hour utilisation/errors and 24 h / 30 d availability of a node or link.

    TARGET is a node code, a link label ('a:if -- b:if') or one end of a link ('a:if').
    With --poller (and no TARGET): the poller's rounds of the last hour per shard.
    """
    if poller or target is None:
        if target is not None or not poller:
            click.echo("error: give a TARGET or --poller (not both)", err=True)
            ctx.exit(2)
        _poller_health(ctx, as_json)
        return
    try:
        monitoring = _monitoring(ctx)
        from monitoring import lookup  # the inventory's models: only when a command runs

        nodes = lookup.nodes(monitoring.inventory, intervals=monitoring.intervals)
        node = nodes.get(target)
        link = None if node is not None else lookup.find_link(monitoring.inventory, target)
        if node is None and link is None:
            click.echo(f"error: no node or link {target!r} in the inventory", err=True)
            ctx.exit(1)
        reader = monitoring.health()
        now = datetime.now(UTC)
        hour = now - timedelta(hours=1)
        if node is not None:
            lookback = timedelta(seconds=max(3 * node.interval_s, 300.0))
            status = reader.node_status(node.code, now, lookback)
            usage = reader.interface_usage(node.code, hour, now)
            availability = _availability(reader, "node", node.code, now, node.interval_s)
            data: dict[str, Any] = {
                "kind": "node",
                "node": asdict(node),
                "status": None
                if status is None
                else {**status.fields, "time": status.time.isoformat(), "up": status.up},
                "last_hour": {name: _usage_json(u) for name, u in sorted(usage.items())},
            }
            head = (
                f"node {node.code} {node.name} ({node.level}"
                + (f", county {node.county}" if node.county else "")
                + f"): {_status_line(status, lookback)}"
            )
            if status is not None and status.up:
                up, total = (
                    status.fields.get("interfaces_up"),
                    status.fields.get("interfaces_total"),
                )
                head += f", {up}/{total} interfaces up"
            lines = [head, "last hour (per interface):"]
            lines += [
                f"  {name:<28} util avg {_fmt(u.util_mean_pct, ' %'):>9}  "
                f"max {_fmt(u.util_max_pct, ' %'):>9}  errors {_fmt(u.errors):>6}  "
                f"discards {_fmt(u.discards):>6}"
                for name, u in sorted(usage.items())
            ] or ["  (no interface data)"]
        else:
            assert link is not None  # noqa: S101 - checked above
            interval = max(
                (nodes[c].interval_s for c in (link.a_node, link.b_node) if c in nodes),
                default=60.0,
            )
            lookback = timedelta(seconds=max(3 * interval, 300.0))
            status = reader.link_status(link.label, now, lookback)
            link_usage = reader.link_usage(link.label, hour, now)
            availability = _availability(reader, "link", link.label, now, interval)
            data = {
                "kind": "link",
                "link": asdict(link),
                "status": None
                if status is None
                else {**status.fields, "time": status.time.isoformat(), "up": status.up},
                "last_hour": _usage_json(link_usage),
            }
            lines = [
                f"link {link.label} ({link.kind}): {_status_line(status, lookback)}",
                f"last hour: utilisation avg {_fmt(link_usage.util_mean_pct, ' %')}, "
                f"max {_fmt(link_usage.util_max_pct, ' %')}; errors {_fmt(link_usage.errors)}; "
                f"discards {_fmt(link_usage.discards)}",
            ]
        data["availability"] = {
            k: {
                "pct": v.pct,
                "available": v.available,
                "expected": v.expected,
                "monitored": v.monitored_intervals,
                "monitored_pct": v.monitored_pct,
            }
            for k, v in availability.items()
        }
        day, month = availability["24h"], availability["30d"]
        lines.append(
            f"availability: 24 h {_pct(day)} (monitored {_pct(day.monitored_pct)}), "
            f"30 d {_pct(month)} (monitored {_pct(month.monitored_pct)})"
        )
    except (MonitoringError, InventoryError) as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(2)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo("\n".join(lines))


@click.command("alarms")
@click.option("--open", "open_only", is_flag=True, help="Open alarms (the default).")
@click.option("--all", "everything", is_flag=True, help="Open and cleared alarms.")
@click.option(
    "--limit", type=click.IntRange(min=1), default=500, show_default=True, help="At most this many."
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def alarms_cmd(
    ctx: click.Context, open_only: bool, everything: bool, limit: int, as_json: bool
) -> None:
    """List alarms, newest first."""
    if open_only and everything:
        raise click.UsageError("--open and --all contradict each other: give one")
    which = "all" if everything else "open"
    try:
        found = _monitoring(ctx).alarm_store().alarms(open_only=which == "open", limit=limit)
    except (MonitoringError, InventoryError) as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(2)
    if as_json:
        click.echo(json.dumps([a.to_json() for a in found], ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo("no open alarms" if which == "open" else "no alarms")
        return
    for a in found:
        ended = a.ended_at.isoformat(timespec="seconds") if a.ended_at else "open"
        click.echo(
            f"#{a.id:<5} {a.severity:<8} {a.rule:<18} {a.object_key}\n"
            f"       {a.started_at.isoformat(timespec='seconds')} -> {ended}"
            f"  departments: {', '.join(a.departments) or '-'}\n"
            f"       {a.message}"
        )


@click.group("report")
def report_cli() -> None:
    """Reports for operators."""


@report_cli.command("availability")
@click.option("--month", required=True, help="The month, YYYY-MM.")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "svg"]), default="csv", show_default=True
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--tz", default=DEFAULT_TZ, show_default=True, help="Time zone of the month.")
@click.pass_context
def report_availability_cmd(
    ctx: click.Context, month: str, fmt: str, output: Path | None, tz: str
) -> None:
    """Monthly availability per county and per level, as CSV or as an SVG bar chart."""
    try:
        month_bounds(month, tz)  # arguments first, before any configuration or database
    except ReportError as exc:
        raise click.BadParameter(str(exc)) from None
    try:
        monitoring = _monitoring(ctx)
        from monitoring import lookup  # the inventory's models: only when a command runs

        nodes = lookup.nodes(monitoring.inventory, intervals=monitoring.intervals)
        city = next((n.name for n in nodes.values() if n.level == "city" and n.role == "core"), "")
        report = availability_report(
            monitoring.health(),
            nodes,
            lookup.county_names(monitoring.inventory),
            month,
            tz=tz,
            city=city,
        )
    except (MonitoringError, InventoryError) as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(2)
    if fmt == "csv":
        text = to_csv(report)
    else:
        text = bar_chart_svg(
            report.title,
            [
                Panel("各县区可用率", "县区", bars(report.group("county"))),
                Panel("各层级可用率", "层级", bars(report.group("level"))),
            ],
        )
    if output is None:
        sys.stdout.write(text)
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output} ({len(report.rows)} rows)", err=True)
