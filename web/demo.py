"""``egovnet demo``: the main job as it stands, on the default database.

At this stage: seed the example city when the inventory is empty, then print
its tree and counts. Later stages add the lab, the poller, the scheduler and
the console.
"""

from __future__ import annotations

import click

from inventory.clictx import component
from inventory.service import Inventory


@click.command("demo")
@click.option(
    "--divisions",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Seed from this divisions CSV instead of the built-in example city.",
)
@click.pass_context
def demo_cmd(ctx: click.Context, divisions: str | None) -> None:
    """Seed the example city (if the inventory is empty) and show it."""
    from pathlib import Path

    inv: Inventory = component(ctx, "inventory")
    inv.ensure_schema()
    click.echo(f"database: {inv.engine.url.render_as_string(hide_password=True)}")
    if inv.is_empty():
        click.echo("seeding the example city ...")
        inv.seed(Path(divisions) if divisions else None)
    for line in inv.tree(depth=2):
        facts = ", ".join(x for x in (line.role, line.platform, line.status) if x)
        tail = f"  ({line.summary})" if line.summary else ""
        click.echo(f"{'  ' * line.depth}{line.code} {line.name} [{facts}]{tail}")
    stats = inv.stats()
    click.echo("divisions: " + ", ".join(f"{k} {v}" for k, v in stats["divisions"].items()))
    click.echo(
        f"devices: {stats['devices']}, departments: {stats['departments']['total']}, "
        f"links: {stats['links']['total']}, prefixes: {sum(stats['allocations']['prefixes'].values())}"
    )
