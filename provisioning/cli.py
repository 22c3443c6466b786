"""``egovnet render``: a node's intended configuration, and its diff against the running one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from inventory.clictx import component
from inventory.platforms import PLATFORMS

if TYPE_CHECKING:
    from inventory.service import Inventory


def _inventory(ctx: click.Context) -> Inventory:
    inv: Inventory = component(ctx, "inventory")
    inv.ensure_schema()
    return inv


@click.command("render")
@click.argument("node")
@click.option(
    "--platform",
    type=click.Choice(sorted(PLATFORMS)),
    help="Render as this platform instead of the node's own.",
)
@click.option(
    "--diff",
    "show_diff",
    is_flag=True,
    help="Compare with the running configuration and print the diff and the commands.",
)
@click.option(
    "--running",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Running configuration to compare with (a saved file); default: read from the device.",
)
@click.pass_context
def render_cmd(
    ctx: click.Context, node: str, platform: str | None, show_diff: bool, running: Path | None
) -> None:
    """Print the intended configuration of NODE as the device prints it (secrets masked).

    With --diff: the contextual diff against the running configuration (from
    --running FILE or read from the device over SSH), then the commands that
    remediate it, in push order. Exit status 2 for an unknown node.
    """
    from sqlalchemy.exc import OperationalError

    from .errors import ProvisioningError, UnknownNodeError
    from .remediation import diff_lines, remediate
    from .render import Renderer, load_source
    from .settings import RenderSettings

    inv = _inventory(ctx)
    try:
        renderer = Renderer(load_source(inv), RenderSettings.from_ipam(inv.settings.ipam))
        rendered = renderer.render(node, platform)
        if not show_diff and running is None:
            click.echo(rendered.text, nl=False)
            return
        text = _running_text(inv, node, rendered.platform, running)
        lines = diff_lines(rendered.platform, text, rendered.text)
        change = remediate(rendered.platform, text, rendered.text)
    except UnknownNodeError as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(2)
    except ProvisioningError as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(1)
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        click.echo(f"error: cannot use the database: {reason}", err=True)
        ctx.exit(1)
    source = str(running) if running else f"{node} (device)"
    click.echo(f"--- running {source}")
    click.echo(f"+++ intended {node} ({rendered.platform}/{rendered.role})")
    for line in lines:
        click.echo(line)
    if change.empty:
        click.echo("# no changes: the running configuration is the intended one")
        return
    click.echo(f"# remediation: {len(change.commands)} command(s)")
    for command in change.commands:
        click.echo(command)


def _running_text(inv: Any, node: str, platform: str, running: Path | None) -> str:
    if running is not None:
        try:
            return running.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise click.UsageError(f"{running}: cannot read: {exc}") from None
    from .device import read_running

    text: str = read_running(inv, node, platform)
    return text
