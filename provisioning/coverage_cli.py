"""``egovnet coverage``: planned vs connected nodes and departments, now or over time.

Exit status 0; 2 for a bad option value (``--day``), 1 when the account may not act.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import click

from inventory.clictx import acting, component, record


def parse_day(text: str) -> date:
    """A ``YYYY-MM-DD`` day (``--day``); anything else is a usage error.

    >>> parse_day("2026-12-07")
    datetime.date(2026, 12, 7)
    """
    value = text.strip()
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a day (YYYY-MM-DD)", param_hint="--day"
        ) from None


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        from inventory.errors import InventoryError

        try:
            return super().invoke(ctx)
        except InventoryError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)


def _inventory(ctx: click.Context) -> Any:
    inv = component(ctx, "inventory")
    inv.ensure_schema()
    return inv


@click.group("coverage", cls=_Group, invoke_without_command=True)
@click.option("--by", type=click.Choice(["county", "level"]), default="county", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (with a header).")
@click.option("--history", is_flag=True, help="The recorded daily series instead of now.")
@click.pass_context
def coverage_cli(ctx: click.Context, by: str, as_json: bool, as_csv: bool, history: bool) -> None:
    """Planned vs connected nodes and departments per county or level (docs/PROVISIONING.md).

    'egovnet coverage snapshot' records today's figures for the --history series.
    """
    if ctx.invoked_subcommand is not None:
        return
    if as_json and as_csv:
        raise click.UsageError("give --json or --csv, not both")
    from . import coverage as cov

    acting(ctx, "inventory.read", write=False)
    inv = _inventory(ctx)
    rows: list[Any] = cov.history(inv, by) if history else cov.current(inv, by)
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in rows], ensure_ascii=False))
    elif as_csv:
        click.echo(cov.to_csv(rows), nl=False)
    else:
        if history and not rows:
            click.echo("no snapshot recorded yet: run 'egovnet coverage snapshot'")
        for line in cov.to_table(rows):
            click.echo(line)


@coverage_cli.command("snapshot")
@click.option("--day", metavar="YYYY-MM-DD", help="Record as this day (default: today, UTC).")
@click.pass_context
def snapshot_cmd(ctx: click.Context, day: str | None) -> None:
    """Record today's coverage (both groupings); re-running the same day replaces it."""
    from . import coverage as cov

    when = parse_day(day) if day is not None else None
    actor = acting(ctx, "inventory.write", whole=True)
    inv = _inventory(ctx)
    rows = cov.snapshot(inv, when)
    total = rows[-1]
    record(ctx, actor, "provisioning.coverage.snapshot", total.day.isoformat(), total.to_dict())
    click.echo(f"recorded coverage of {total.day.isoformat()}: {len(rows)} group(s)")
    for line in cov.to_table([total.row]):
        click.echo(line)
