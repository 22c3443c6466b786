"""``egovnet change create|check|show|list|approve|push|rollback``.

Exit status: 0 done; 1 refused by the policy gate, by four-eyes, by a permission or a
state, or a push that did not confirm every device (the per-device result says which
state each device is in); 2 bad input (unknown change or node, unreadable file).
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any

import click

from inventory.clictx import acting, component


class _Group(click.Group):
    """Change errors as one line on stderr (statuses in the module docstring)."""

    def invoke(self, ctx: click.Context) -> Any:
        from sqlalchemy.exc import OperationalError

        from inventory.errors import InventoryError

        from .changes import GateRefused, UnknownChangeError
        from .errors import ProvisioningError, UnknownNodeError

        try:
            return super().invoke(ctx)
        except GateRefused as exc:
            click.echo(f"error: {exc}", err=True)
            for v in exc.verdict.introduced:
                click.echo(f"  {v.invariant} {v.device or '-'}: {v.why}", err=True)
                for e in v.lines:
                    click.echo(f"    {e.source}:{e.line}: {e.text}", err=True)
            ctx.exit(1)
        except (UnknownChangeError, UnknownNodeError) as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)
        except (InventoryError, ProvisioningError) as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)
        except OperationalError as exc:
            text = str(exc.orig if exc.orig is not None else exc).strip()
            click.echo(f"error: cannot use the database: {text.splitlines()[0]}", err=True)
            ctx.exit(2)


def _inventory(ctx: click.Context) -> Any:
    inv = component(ctx, "inventory")
    inv.ensure_schema()
    return inv


@click.group("change", cls=_Group)
def change_cli() -> None:
    """Changes: per-device diffs, the policy gate, four-eyes approval, safe push."""


@change_cli.command("create")
@click.argument("nodes", nargs=-1, required=True)
@click.option("--title", required=True, help="What the change is for.")
@click.option(
    "--running",
    "running_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of saved running configurations (NODE.cfg); default: read over SSH.",
)
@click.option("--ssh-width", default=8, show_default=True, type=click.IntRange(1, 256))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def create_cmd(
    ctx: click.Context,
    nodes: tuple[str, ...],
    title: str,
    running_dir: Path | None,
    ssh_width: int,
    as_json: bool,
) -> None:
    """A change that brings NODES to the configuration the inventory intends for them."""
    from .changes import create_change, get_change
    from .render import Renderer, load_source
    from .settings import RenderSettings

    actor = acting(ctx, "change.create")
    inv = _inventory(ctx)
    renderer = Renderer(load_source(inv), RenderSettings.from_ipam(inv.settings.ipam))
    intended = {code: renderer.render(code).text for code in nodes}
    running = None
    if running_dir is not None:
        running = {}
        for code in nodes:
            path = running_dir / f"{code}.cfg"
            try:
                running[code] = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise click.UsageError(f"{path}: cannot read: {exc}") from None
    change_id = create_change(
        inv,
        actor=actor,
        title=title,
        intended=intended,
        kind="manual",
        meta={},
        running=running,
        width=ssh_width,
    )
    _show(get_change(inv, change_id), as_json)


@change_cli.command("check")
@click.argument("change_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def check_cmd(ctx: click.Context, change_id: int, as_json: bool) -> None:
    """Run the policy gate on CHANGE_ID (draft → checked)."""
    from .changes import check_change

    actor = acting(ctx, "change.create")
    verdict = check_change(_inventory(ctx), change_id, actor=actor)
    if as_json:
        click.echo(json.dumps(verdict.to_dict(), ensure_ascii=False))
    else:
        click.echo(
            f"change {change_id}: checked, {verdict.devices} devices, no violation introduced"
        )


@change_cli.command("show")
@click.argument("change_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def show_cmd(ctx: click.Context, change_id: int, as_json: bool) -> None:
    """A change: its devices, diffs, commands, states and events (secrets masked)."""
    from .changes import get_change

    acting(ctx, "config.read", write=False)
    _show(get_change(_inventory(ctx), change_id), as_json)


def _show(info: Any, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(info.to_dict(), ensure_ascii=False))
        return
    click.echo(f"change {info.id}: {info.title}")
    click.echo(
        f"  state {info.state}, kind {info.kind}, author {info.author}, created {info.created:%Y-%m-%d %H:%M:%S}"
    )
    if info.approver:
        click.echo(f"  approved by {info.approver}")
    for d in info.devices:
        error = f" ({d.error})" if d.error else ""
        click.echo(f"--- {d.node} ({d.platform}, running from {d.source}): {d.state}{error}")
        for line in d.diff:
            click.echo(line)
        click.echo(f"# {len(d.commands)} command(s)")
        for command in d.commands:
            click.echo(command)
    for e in info.events:
        where = f" {e.node}" if e.node else ""
        detail = f": {e.detail}" if e.detail else ""
        click.echo(
            f"  {e.at:%Y-%m-%d %H:%M:%S} {e.actor} {e.action}{where} {e.from_state or '-'} -> {e.to_state}{detail}"
        )


@change_cli.command("list")
@click.option("--state", default=None, help="Only changes in this state.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_cmd(ctx: click.Context, state: str | None, as_json: bool) -> None:
    """Changes, newest first."""
    from .changes import list_changes

    acting(ctx, "config.read", write=False)
    rows = list_changes(_inventory(ctx), state=state)
    if as_json:
        click.echo(json.dumps([r.to_dict(events=False) for r in rows], ensure_ascii=False))
        return
    for r in rows:
        click.echo(
            f"{r.id}\t{r.state}\t{r.kind}\t{r.author}\t{r.created:%Y-%m-%d %H:%M}\t{r.title}"
        )


@change_cli.command("approve")
@click.argument("change_id", type=int)
@click.pass_context
def approve_cmd(ctx: click.Context, change_id: int) -> None:
    """Approve CHANGE_ID (a second account; checked → approved). A draft is checked first."""
    from .changes import CHECKED, DRAFT, approve_change, check_change, get_change

    actor = acting(ctx, "change.approve")
    inv = _inventory(ctx)
    if get_change(inv, change_id).state == DRAFT:
        check_change(inv, change_id, actor=actor)
    approve_change(inv, change_id, actor)
    state = get_change(inv, change_id).state
    click.echo(f"change {change_id}: {state}" + ("" if state != CHECKED else " (not approved)"))


def _push_options(func: Any) -> Any:
    for option in reversed(
        [
            click.option("--width", default=8, show_default=True, type=click.IntRange(1, 512)),
            click.option(
                "--revert-in",
                default=300,
                show_default=True,
                type=click.IntRange(60, 3600),
                help="Seconds before an unconfirmed commit reverts.",
            ),
            click.option("--json", "as_json", is_flag=True),
        ]
    ):
        func = option(func)
    return func


@change_cli.command("push")
@click.argument("change_id", type=int)
@_push_options
@click.pass_context
def push_cmd(ctx: click.Context, change_id: int, width: int, revert_in: int, as_json: bool) -> None:
    """Push an approved change (re-run it to continue an interrupted push)."""
    _push(ctx, change_id, width, revert_in, as_json, "push")


@change_cli.command("rollback")
@click.argument("change_id", type=int)
@_push_options
@click.pass_context
def rollback_cmd(
    ctx: click.Context, change_id: int, width: int, revert_in: int, as_json: bool
) -> None:
    """Undo a pushed change on the devices where it was confirmed."""
    _push(ctx, change_id, width, revert_in, as_json, "rollback")


def _push(
    ctx: click.Context, change_id: int, width: int, revert_in: int, as_json: bool, mode: str
) -> None:
    from .changes import get_change
    from .push import PushSettings, push_change, rollback_change

    actor = acting(ctx, "change.push")
    inv = _inventory(ctx)
    total = sum(1 for d in get_change(inv, change_id).devices if d.state != "skipped")
    settings = PushSettings(width=width, revert_in=revert_in)
    func: Any = push_change if mode == "push" else rollback_change
    lock = threading.Lock()
    with click.progressbar(
        length=max(total, 1),
        label=f"{mode} change {change_id}",
        file=sys.stderr,
    ) as progress_bar:
        bar: Any = progress_bar

        def progress(_node: str, _state: str) -> None:
            with lock:
                bar.update(1)

        result = func(inv, change_id, actor=actor, settings=settings, progress=progress)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        for d in result.devices:
            click.echo(f"{d.node}: {d.state}" + (f" ({d.error})" if d.error else ""))
        click.echo(f"change {change_id}: {result.state}")
    if result.state != ("confirmed" if mode == "push" else "rolled_back"):
        ctx.exit(1)
