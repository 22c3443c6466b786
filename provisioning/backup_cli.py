"""``egovnet backup`` (run now, list, show, diff, schedule, scheduler) and ``egovnet drift``.

Exit statuses: 0 done; 1 refused or failed (a device that could not be read, a
permission, a version that does not exist; ``drift``: a node drifted or never backed
up); 2 bad input (unknown node, bad cron expression or option).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from inventory.clictx import acting, component, record

if TYPE_CHECKING:
    from inventory.service import Inventory

    from .backup import Backups


class _Group(click.Group):
    """Provisioning and inventory errors: one line on stderr, exit 2 for bad input, else 1."""

    def invoke(self, ctx: click.Context) -> Any:
        return _guarded(ctx, lambda: super(_Group, self).invoke(ctx))


def _guarded(ctx: click.Context, call: Any) -> Any:
    from sqlalchemy.exc import OperationalError

    from inventory.errors import InventoryError

    from .backup_schedule import ScheduleError
    from .errors import ProvisioningError, UnknownNodeError

    try:
        return call()
    except (UnknownNodeError, ScheduleError) as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(2)
    except (ProvisioningError, InventoryError) as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(1)
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        click.echo(f"error: cannot use the database: {reason}", err=True)
        ctx.exit(1)


def _setup(ctx: click.Context) -> tuple[Inventory, Backups]:
    from .backup import Backups, backup_key
    from .schema import upgrade

    inv: Inventory = component(ctx, "inventory")
    inv.ensure_schema()
    upgrade(inv.engine)
    return inv, Backups(inv.sessions, backup_key(inv))


@click.group("backup", cls=_Group)
def backup_cli() -> None:
    """Running configurations in a versioned, encrypted history (only changes stored)."""


@backup_cli.command("run")
@click.argument("nodes", nargs=-1)
@click.option("--width", type=click.IntRange(1, 256), default=8, show_default=True)
@click.pass_context
def run_cmd(ctx: click.Context, nodes: tuple[str, ...], width: int) -> None:
    """Back up NODES now (default: every node with a management address)."""
    from .backup import backup_nodes

    actor = acting(ctx, "backup.run")
    inv, backups = _setup(ctx)
    results = backup_nodes(inv, backups, nodes, width=width)
    for result in results:
        if result.status == "failed":
            click.echo(f"{result.node}: failed: {result.message}")
        else:
            click.echo(f"{result.node}: {result.status} (version {result.version})")
    counts = {s: sum(r.status == s for r in results) for s in ("stored", "unchanged", "failed")}
    record(ctx, actor, "backup.run", " ".join(nodes) or "all", counts)
    click.echo(
        f"{len(results)} node(s): {counts['stored']} new version(s), "
        f"{counts['unchanged']} unchanged, {counts['failed']} failed"
    )
    if counts["failed"]:
        ctx.exit(1)


@backup_cli.command("list")
@click.argument("node")
@click.pass_context
def list_cmd(ctx: click.Context, node: str) -> None:
    """The stored versions of NODE, oldest first."""
    from .backup import device_nodes

    acting(ctx, "config.read", write=False)
    inv, backups = _setup(ctx)
    device_nodes(inv, [node])
    versions = backups.versions(node)
    if not versions:
        click.echo(f"{node}: never backed up")
        return
    click.echo(f"{'version':>7}  {'fetched (UTC)':<19}  {'last seen (UTC)':<19}  lines  platform")
    for v in versions:
        click.echo(
            f"{v.version:>7}  {v.fetched_at:%Y-%m-%d %H:%M:%S}  {v.seen_at:%Y-%m-%d %H:%M:%S}  "
            f"{v.lines:>5}  {v.platform}"
        )


@backup_cli.command("show")
@click.argument("node")
@click.option("--version", "version", type=int, help="Version to show (default: the latest).")
@click.option("--diff", "against", type=int, help="Show the diff from version M instead.")
@click.pass_context
def show_cmd(ctx: click.Context, node: str, version: int | None, against: int | None) -> None:
    """A stored configuration of NODE (secrets masked), or its diff from version --diff M."""
    from .backup import device_nodes

    acting(ctx, "config.read", write=False)
    inv, backups = _setup(ctx)
    device_nodes(inv, [node])
    if against is not None:
        lines = backups.diff(node, against, version)
        click.echo("\n".join(lines) if lines else f"# {node}: no differences")
        return
    _info, text = backups.masked(node, version)
    click.echo(text, nl=not text.endswith("\n"))


@backup_cli.command("schedule")
@click.argument("nodes", nargs=-1)
@click.option("--cron", help='Crontab expression (city time), e.g. "0 2 * * *".')
@click.option("--width", type=click.IntRange(1, 256), default=8, show_default=True)
@click.option("--show", is_flag=True, help="Print the stored schedule.")
@click.option("--remove", is_flag=True, help="Remove the stored schedule.")
@click.pass_context
def schedule_cmd(
    ctx: click.Context,
    nodes: tuple[str, ...],
    cron: str | None,
    width: int,
    show: bool,
    remove: bool,
) -> None:
    """Store the backup schedule in the database (jobs survive restarts); run by
    'egovnet backup scheduler'."""
    from .backup import device_nodes
    from .backup_schedule import remove_schedule, set_schedule, show_schedule

    if sum((cron is not None, show, remove)) != 1:
        raise click.UsageError("give exactly one of --cron, --show, --remove")
    if show:
        acting(ctx, "config.read", write=False)
        inv, _backups = _setup(ctx)
        job = show_schedule(inv.engine)
        if job is None:
            click.echo("no backup schedule")
            ctx.exit(1)
        click.echo(json.dumps(job, indent=2, sort_keys=True))
        return
    actor = acting(ctx, "backup.run")
    inv, _backups = _setup(ctx)
    if remove:
        removed = remove_schedule(inv.engine)
        record(ctx, actor, "backup.unschedule", "backup", {"removed": removed})
        click.echo("schedule removed" if removed else "no backup schedule")
        return
    assert cron is not None  # noqa: S101 - one of the three was checked above
    device_nodes(inv, nodes)
    next_run = set_schedule(inv.engine, cron, nodes, width)
    record(ctx, actor, "backup.schedule", " ".join(nodes) or "all", {"cron": cron, "width": width})
    click.echo(
        f"backup of {' '.join(nodes) or 'every device'} scheduled ({cron}); next run {next_run}"
    )


@backup_cli.command("scheduler")
@click.pass_context
def scheduler_cmd(ctx: click.Context) -> None:
    """Run the stored backup schedule in the foreground until Ctrl-C."""
    from .backup_schedule import run_scheduler

    acting(ctx, "backup.run")
    inv, _backups = _setup(ctx)
    click.echo("backup scheduler running (Ctrl-C to stop)")
    try:
        run_scheduler(inv, blocking=True)
    except (KeyboardInterrupt, SystemExit):
        click.echo("backup scheduler stopped")


@click.command("drift")
@click.argument("nodes", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="One JSON document.")
@click.pass_context
def drift_cmd(ctx: click.Context, nodes: tuple[str, ...], as_json: bool) -> None:
    """Latest backup vs intended configuration per device: in sync, drifted (the
    commands that bring it back), never backed up. Exit 1 when any is not in sync."""

    def body() -> None:
        from .backup import IN_SYNC, drift

        acting(ctx, "config.read", write=False)
        inv, backups = _setup(ctx)
        reports = drift(inv, backups, nodes)
        if as_json:
            click.echo(json.dumps([r.to_json() for r in reports], indent=2, ensure_ascii=False))
        else:
            for r in reports:
                if r.status == "drifted":
                    click.echo(f"{r.node}: drifted ({len(r.commands)} lines, version {r.version})")
                    for command in r.commands:
                        click.echo(f"  {command}")
                elif r.message:
                    click.echo(f"{r.node}: {r.status}: {r.message}")
                else:
                    click.echo(f"{r.node}: {r.status}")
        if any(r.status != IN_SYNC for r in reports):
            ctx.exit(1)

    _guarded(ctx, body)
