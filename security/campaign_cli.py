"""``egovnet campaign ...`` and ``egovnet findings ...`` (plain click, composed by ``web``).

Exit status: 0 done; 1 refused (unknown campaign or finding, a transition the
finding's state does not allow, a permission the account lacks); 2 bad input
(an unknown check, a scope or crontab that cannot be read, a bad ``--since``).
Reads need ``findings.read``; creating and running campaigns and every
finding transition need ``findings.manage``.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import click

from inventory.clictx import acting, component
from inventory.errors import InventoryError

from .errors import SecurityError
from .models import STATES


class _Group(click.Group):
    """Security and inventory errors: one line on stderr; exit 2 for bad input, else 1."""

    def invoke(self, ctx: click.Context) -> Any:
        from .campaigns import CampaignError
        from .findings import NotAllowed
        from .scope import ScopeError

        try:
            return super().invoke(ctx)
        except (ScopeError, BadInput) as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)
        except CampaignError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2 if str(exc).startswith(("--", "name ")) else 1)
        except (NotAllowed, SecurityError, InventoryError) as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)


class BadInput(SecurityError):
    """An option value cannot be read."""


def _security(ctx: click.Context) -> Any:
    security = component(ctx, "security")
    security.ensure_schema()
    return security


def _dump(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


# -- campaign ------------------------------------------------------------------------
@click.group("campaign", cls=_Group)
def campaign_cli() -> None:
    """Scheduled campaigns: checks x scope x schedule, with findings."""


@campaign_cli.command("create")
@click.argument("name")
@click.option("--checks", required=True, help="Comma-separated: baseline, probe.snmp_default, ...")
@click.option(
    "--scope",
    required=True,
    help="Comma-separated kind:value terms (level, county, role, node), or 'all'.",
)
@click.option("--cron", help="Five-field crontab, Asia/Shanghai time (e.g. '0 3 * * *').")
@click.option("--once", is_flag=True, help="Run once, when the scheduler next runs.")
@click.pass_context
def campaign_create_cmd(
    ctx: click.Context, name: str, checks: str, scope: str, cron: str | None, once: bool
) -> None:
    """Create a campaign and put it on the schedule."""
    if (cron is None) == (not once):
        raise click.UsageError("give --cron EXPR or --once")
    actor = acting(ctx, "findings.manage")
    view = _security(ctx).campaigns.create(name, checks, scope, cron, actor)
    click.echo(
        f"campaign {view.id} {view.name}: {','.join(view.checks)} on {view.scope}, "
        + (f"cron {view.cron}" if view.cron else "once")
    )


@campaign_cli.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def campaign_list_cmd(ctx: click.Context, as_json: bool) -> None:
    """Campaigns and their last run."""
    acting(ctx, "findings.read", write=False)
    service = _security(ctx).campaigns
    rows = []
    for c in service.all():
        runs = service.runs(c.id)
        rows.append({**c.to_json(), "last_run": runs[-1].to_json() if runs else None})
    if as_json:
        _dump(rows)
        return
    for row in rows:
        last = row["last_run"]
        shown = (
            f"run {last['id']} {last['state']} {last['done']}/{last['targets']}"
            if last
            else "never run"
        )
        click.echo(
            f"{row['id']:>4}  {row['name']}  {','.join(row['checks'])}  {row['scope']}  {row['schedule']}  {shown}"
        )


@campaign_cli.command("show")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def campaign_show_cmd(ctx: click.Context, ref: str, as_json: bool) -> None:
    """A campaign (by id or name), its runs and the progress of the last one."""
    acting(ctx, "findings.read", write=False)
    service = _security(ctx).campaigns
    c = service.get(ref)
    runs = service.runs(c.id)
    doc = {
        **c.to_json(),
        "runs": [r.to_json() for r in runs],
        "targets": service.targets(runs[-1].id) if runs else [],
    }
    if as_json:
        _dump(doc)
        return
    click.echo(f"campaign {c.id} {c.name}")
    click.echo(f"  checks: {', '.join(c.checks)}")
    click.echo(f"  scope: {c.scope}")
    click.echo(f"  schedule: {doc['schedule']}")
    for r in runs:
        click.echo(
            f"  run {r.id}: {r.state} ({r.trigger}) {r.done}/{r.total} targets, "
            f"{r.errors} error(s), {r.found} finding(s), resumed {r.resumed}x"
        )
    for t in doc["targets"]:
        extra = (
            f": {t['error']}"
            if t["error"]
            else (f": {t['found']} found" if t["state"] == "done" else "")
        )
        click.echo(f"    {t['check']} {t['node']} {t['state']}{extra}")


@campaign_cli.command("run")
@click.argument("ref")
@click.pass_context
def campaign_run_cmd(ctx: click.Context, ref: str) -> None:
    """Run a campaign now (resuming its unfinished run), with a progress bar."""
    actor = acting(ctx, "findings.manage")
    service = _security(ctx).campaigns
    campaign = service.get(ref)
    bar: list[Any] = []

    def progress(check: str, node: str, done: int, total: int, error: str | None) -> None:
        if not bar:
            bar.append(click.progressbar(length=total, label=campaign.name, file=sys.stderr))
            bar[0].__enter__()
        if sys.stderr.isatty():
            bar[0].label = f"{campaign.name} {check} {node}"
        bar[0].update(done - bar[0].pos)

    try:
        view = service.run(campaign.id, progress=progress)
    finally:
        if bar:
            bar[0].__exit__(None, None, None)
    del actor
    resumed = f", resumed {view.resumed}x" if view.resumed else ""
    click.echo(
        f"campaign {campaign.name} run {view.id}: {view.done}/{view.total} targets, "
        f"{view.errors} error(s), {view.found} finding(s){resumed}"
    )


@campaign_cli.command("scheduler")
@click.pass_context
def campaign_scheduler_cmd(ctx: click.Context) -> None:
    """Run the campaign scheduler in the foreground (Ctrl-C to stop)."""
    acting(ctx, "findings.manage", write=False)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    service = _security(ctx).campaigns
    click.echo(f"campaign scheduler: {len(service.all())} campaign(s) (Ctrl-C to stop)")
    try:
        service.serve(blocking=True)
    except (KeyboardInterrupt, SystemExit):
        click.echo("scheduler stopped")


# -- findings ------------------------------------------------------------------------
@click.group("findings", cls=_Group)
def findings_cli() -> None:
    """Findings of campaigns: list, lifecycle, export upward."""


def _line(f: Any) -> str:
    where = f.node or "network"
    dept = f" ({f.department})" if f.department else ""
    return f"{f.id:>5}  {f.state:<14} {f.severity:<6} {f.check:<20} {where}{dept}: {f.title}"


@findings_cli.command("list")
@click.option("--state", type=click.Choice(STATES))
@click.option("--county", help="County code (the county node and below).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def findings_list_cmd(
    ctx: click.Context, state: str | None, county: str | None, as_json: bool
) -> None:
    """Findings, oldest change first."""
    acting(ctx, "findings.read", write=False)
    found = _security(ctx).findings.list(state=state, county=county)
    if as_json:
        _dump([f.to_json() for f in found])
        return
    for f in found:
        click.echo(_line(f))
    click.echo(f"{len(found)} finding(s)")


@findings_cli.command("show")
@click.argument("finding_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def findings_show_cmd(ctx: click.Context, finding_id: int, as_json: bool) -> None:
    """One finding with its evidence and fix."""
    acting(ctx, "findings.read", write=False)
    f = _security(ctx).findings.get(finding_id)
    doc = f.to_json()
    if as_json:
        _dump(doc)
        return
    click.echo(_line(f))
    for key in (
        "department",
        "county",
        "key",
        "source",
        "first_seen",
        "last_seen",
        "seen_count",
        "reopened",
        "changed_by",
        "reason",
    ):
        if doc[key] not in (None, ""):
            click.echo(f"  {key}: {doc[key]}")
    click.echo("  evidence: " + json.dumps(doc["evidence"], ensure_ascii=False))
    if f.fix:
        click.echo("  fix:")
        for line in f.fix.splitlines():
            click.echo(f"    {line}")


def _transition(
    ctx: click.Context, finding_id: int, command: str, reason: str | None = None
) -> None:
    security = _security(ctx)
    node = security.findings.get(finding_id).node
    actor = acting(ctx, "findings.manage", node=node)
    view = security.findings.transition(finding_id, command, actor, reason=reason)
    click.echo(f"finding {view.id}: {view.state}")


@findings_cli.command("ack")
@click.argument("finding_id", type=int)
@click.pass_context
def findings_ack_cmd(ctx: click.Context, finding_id: int) -> None:
    """Acknowledge an open finding."""
    _transition(ctx, finding_id, "ack")


@findings_cli.command("fix")
@click.argument("finding_id", type=int)
@click.pass_context
def findings_fix_cmd(ctx: click.Context, finding_id: int) -> None:
    """Mark a finding fixed (a re-check that no longer finds it verifies it)."""
    _transition(ctx, finding_id, "fix")


@findings_cli.command("false-positive")
@click.argument("finding_id", type=int)
@click.option("--reason", required=True, help="Why it is not a problem (kept and audited).")
@click.pass_context
def findings_false_positive_cmd(ctx: click.Context, finding_id: int, reason: str) -> None:
    """Mark a finding a false positive, with a reason."""
    _transition(ctx, finding_id, "false-positive", reason)


@findings_cli.command("forward")
@click.pass_context
def findings_forward_cmd(ctx: click.Context) -> None:
    """Deliver the queued syslog messages now (exit 1 if some stay queued)."""
    acting(ctx, "findings.manage")
    stats = _security(ctx).outbox.deliver(force=True)
    click.echo(f"syslog: {stats.sent} sent, {stats.failed} failed, {stats.pending} queued")
    ctx.exit(1 if stats.failed else 0)


@findings_cli.command("export")
@click.option(
    "--since", "since", required=True, help="ISO 8601 date/date-time, or a span (24h, 7d)."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON array instead of JSON lines.")
@click.pass_context
def findings_export_cmd(ctx: click.Context, since: str, as_json: bool) -> None:
    """Findings changed since T: JSON lines (one object each), or an array with --json."""
    from .since import parse_since

    try:
        moment = parse_since(since)
    except ValueError as exc:
        raise BadInput(f"--since {exc}") from None
    acting(ctx, "findings.read", write=False)
    rows = [f.to_json() for f in _security(ctx).findings.iter_export(moment)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        click.echo(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
