"""``egovnet onboard``: a department at a node, or a wave of one kind at many nodes.

Exit status: 0 planned (or allocated and handed over as a change); 1 the policy
gate refuses the plan, a device could not be read, or the account may not act
there; 2 a request the inventory refuses or cannot understand (unknown node or
kind, a department on an intranet node, an exhausted pool, a bad ``--zones``),
nothing changed. Without ``--dry-run`` the allocations are kept and the plan
becomes a change (:func:`provisioning.changes.create_change`); approval and push
are ``egovnet change approve|push ID``.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import Any

import click

from inventory.clictx import acting, component


class _Group(click.Group):
    """Onboarding errors as one line on stderr (statuses in the module docstring)."""

    def invoke(self, ctx: click.Context) -> Any:
        from sqlalchemy.exc import OperationalError

        from inventory.errors import InventoryError

        from .errors import ProvisioningError
        from .kinds import OnboardingInputError
        from .onboarding import IncompletePlan, OnboardingRefused, PolicyRefused

        try:
            return super().invoke(ctx)
        except (PolicyRefused, IncompletePlan) as exc:
            _print_plan(exc.plan, as_json=bool(ctx.meta.get("onboard.json")))
            click.echo(f"error: {exc}; nothing was allocated", err=True)
            ctx.exit(1)
        except (OnboardingInputError, OnboardingRefused) as exc:
            click.echo(f"error: {exc}; nothing was changed", err=True)
            ctx.exit(2)
        except (InventoryError, ProvisioningError) as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)
        except OperationalError as exc:
            text = str(exc.orig if exc.orig is not None else exc).strip()
            click.echo(f"error: cannot use the database: {text.splitlines()[0]}", err=True)
            ctx.exit(2)


def _zones_option(default_help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--zones",
        default=None,
        metavar="LIST",
        help="Comma-separated: public, internet (via the unified egress), a private VPN code. "
        + default_help,
    )


_common = [
    click.option("--dry-run", is_flag=True, help="Plan only: allocate nothing, create no change."),
    click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON."),
    click.option(
        "--ssh-width",
        default=8,
        show_default=True,
        type=click.IntRange(1, 256),
        help="Devices whose running configuration is read at the same time.",
    ),
]


def _with_common(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_common):
        func = option(func)
    return func


@click.group("onboard", cls=_Group, invoke_without_command=True)
@click.option("--department", metavar="CODE", help="The department (existing, or NODE-KIND).")
@click.option("--at", "node", metavar="NODE", help="The node it attaches at.")
@_zones_option("Default: the department's own, or its kind's business VPN, or public.")
@_with_common
@click.pass_context
def onboard_cli(
    ctx: click.Context,
    department: str | None,
    node: str | None,
    zones: str | None,
    dry_run: bool,
    as_json: bool,
    ssh_width: int,
) -> None:
    """Onboard a department at a node: allocate, render, diff, policy verdict, change.

    'egovnet onboard wave --kind KIND --level township' onboards one kind of
    department at every node of a level or a county.
    """
    if ctx.invoked_subcommand is not None:
        if department or node:
            raise click.UsageError("--department/--at belong to 'onboard' itself, not a wave")
        return
    if not department or not node:
        raise click.UsageError("give --department CODE and --at NODE (or use 'onboard wave')")
    from .kinds import parse_zones
    from .onboarding import plan_onboarding

    ctx.meta["onboard.json"] = as_json
    if zones is not None:
        parse_zones(zones)  # a bad list is refused before anything else
    actor = acting(ctx, "inventory.write", node=node, write=not dry_run)
    inv = _inventory(ctx)
    create_change = None if dry_run else _create_change()
    plan = plan_onboarding(
        inv,
        department=department,
        at=node,
        zones=zones,
        commit=not dry_run,
        actor=actor,
        ssh_width=ssh_width,
    )
    _finish(ctx, inv, plan, actor, create_change, f"onboard {department} at {node}", as_json)


@onboard_cli.command("wave")
@click.option("--kind", required=True, help="Department kind: abbreviation or name (便民服务中心).")
@click.option(
    "--level",
    type=click.Choice(["city", "county", "township", "village"]),
    help="Every node of this level (default township).",
)
@click.option("--county", metavar="CODE", help="Only the nodes in this county-level unit.")
@_zones_option("Default: the kind's business VPN, or public.")
@_with_common
@click.pass_context
def wave_cmd(
    ctx: click.Context,
    kind: str,
    level: str | None,
    county: str | None,
    zones: str | None,
    dry_run: bool,
    as_json: bool,
    ssh_width: int,
) -> None:
    """Onboard KIND at every node of --level or --county as one change (one approval).

    Departments already onboarded are skipped, so a re-run is idempotent; a node the
    inventory refuses is named and the others go ahead (exit status 2 then).
    """
    if level is None and county is None:
        raise click.UsageError("give --level LEVEL or --county CODE")
    from .kinds import find_kind, parse_zones
    from .onboarding import plan_wave

    ctx.meta["onboard.json"] = as_json
    find_kind(kind)  # an unknown kind or a bad list is refused before anything else
    if zones is not None:
        parse_zones(zones)
    actor = acting(ctx, "inventory.write", node=county, whole=county is None, write=not dry_run)
    inv = _inventory(ctx)
    create_change = None if dry_run else _create_change()
    plan = plan_wave(
        inv,
        kind=kind,
        level=level,
        county=county,
        zones=zones,
        commit=not dry_run,
        actor=actor,
        ssh_width=ssh_width,
    )
    where = county or level or "township"
    _finish(ctx, inv, plan, actor, create_change, f"onboarding wave {kind} at {where}", as_json)


def _inventory(ctx: click.Context) -> Any:
    inv = component(ctx, "inventory")
    inv.ensure_schema()
    return inv


def _create_change() -> Any:
    """``provisioning.changes.create_change`` (imported before anything is allocated)."""
    return importlib.import_module("provisioning.changes").create_change


def _finish(
    ctx: click.Context,
    inv: Any,
    plan: Any,
    actor: Any,
    create_change: Any,
    title: str,
    as_json: bool,
) -> None:
    change_id = None
    if plan.committed:
        change_id = create_change(
            inv,
            actor=actor,
            title=title,
            intended=plan.intended,
            kind="onboarding",
            meta={"departments": [t.department for t in plan.targets]},
        )
    _print_plan(plan, as_json=as_json, change_id=change_id)
    if plan.refused:
        ctx.exit(2)
    if not plan.complete or not plan.allowed:
        ctx.exit(1)


def _print_plan(plan: Any, *, as_json: bool, change_id: int | None = None) -> None:
    if as_json:
        click.echo(json.dumps({**plan.to_dict(), "change": change_id}, ensure_ascii=False))
        return
    for t in plan.targets:
        extra = f", new RD {t.rd}" if t.rd else ""
        new = " (new)" if t.new else ""
        click.echo(
            f"allocate {t.department}{new} {t.name} at {t.node}: VLAN {t.vlan} on {t.node}, "
            f"subnet {t.subnet} on {t.attach}, zones {','.join(t.zones)}{extra}"
        )
    for code in plan.skipped:
        click.echo(f"skip {code}: already onboarded")
    for code, reason in plan.refused:
        click.echo(f"refused {code}: {reason}")
    for d in plan.devices:
        click.echo(f"--- running {d.node} ({d.source})")
        click.echo(f"+++ intended {d.node} ({d.platform}/{d.role})")
        if d.error is not None:
            click.echo(f"# cannot read the running configuration: {d.error}")
            continue
        for line in d.diff:
            click.echo(line)
        click.echo(f"# remediation: {len(d.commands)} command(s)")
        for command in d.commands:
            click.echo(command)
    verdict = plan.verdict
    if not plan.devices:
        pass
    elif verdict.allowed:
        click.echo(f"verdict: allowed ({verdict.devices} devices checked, no violation introduced)")
    else:
        click.echo(f"verdict: refused ({len(verdict.introduced)} violation(s) introduced)")
        for v in verdict.introduced:
            click.echo(f"  {v.invariant} {v.device or '-'}: {v.why}")
            for e in v.lines:
                click.echo(f"    {e.source}:{e.line}: {e.text}")
    if change_id is not None:
        click.echo(f"allocated; change {change_id} created (egovnet change approve {change_id})")
    elif not plan.targets:
        click.echo("nothing to onboard")
    elif not plan.committed:
        click.echo("dry run: nothing was allocated")
