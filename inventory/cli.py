"""``egovnet inventory ...`` commands (plain click; composed into ``egovnet`` by ``web``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .choices import AllocationKind
from .clictx import acting, component, os_error_line, record
from .errors import ImportFileError, InventoryError

if TYPE_CHECKING:  # the heavy modules are imported when a command runs (start-up time)
    from .bundle import Plan
    from .service import Inventory


def _inventory(ctx: click.Context) -> Inventory:
    inv: Inventory = component(ctx, "inventory")
    inv.ensure_schema()
    return inv


class _Group(click.Group):
    """Turns inventory errors into one message on stderr (exit statuses: see ``web.cli``).

    Refusals exit 1: a file's content (``file:line`` problems, nothing changed), the
    database's state (unknown code, overlap, pool exhausted), a file or folder the
    system refuses (``OSError``). Exit 2, as for a usage error: the secret key does
    not fit the database, or the database cannot be used at all.
    """

    def invoke(self, ctx: click.Context) -> Any:
        from sqlalchemy.exc import OperationalError

        from .credentials import CredentialKeyError

        try:
            return super().invoke(ctx)
        except ImportFileError as exc:
            for line in exc.problems:
                click.echo(line, err=True)
            if exc.more:
                click.echo(f"… and {exc.more} more errors", err=True)
            click.echo(f"error: {exc.total} problem(s); nothing was changed", err=True)
            ctx.exit(1)
        except CredentialKeyError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)
        except InventoryError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)
        except OperationalError as exc:
            text = str(exc.orig if exc.orig is not None else exc).strip()
            reason = text.splitlines()[0] if text else type(exc).__name__
            click.echo(f"error: cannot use the database: {reason}", err=True)
            ctx.exit(2)
        except OSError as exc:
            click.echo(f"error: {os_error_line(exc)}", err=True)
            ctx.exit(1)


@click.group("inventory", cls=_Group)
def inventory_cli() -> None:
    """The source of truth: hierarchy, departments, links, zones, IPAM."""


def _print_plan(plan: Plan, *, verbose: bool) -> None:
    if verbose:
        for line in plan.describe():
            click.echo(line)
    counts = plan.counts()
    parts = [
        f"{kind}: +{c['create']} ~{c['update']} -{c['delete']}"
        for kind, c in counts.items()
        if any(c.values())
    ]
    click.echo("; ".join(parts) if parts else "no changes")


def _plan_counts(plan: Plan) -> dict[str, Any]:
    return {kind: c for kind, c in plan.counts().items() if any(c.values())}


@inventory_cli.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--prune", is_flag=True, help="Also delete what the file lacks (kinds it contains).")
@click.option("--dry-run", is_flag=True, help="Print the whole plan, write nothing.")
@click.pass_context
def import_cmd(ctx: click.Context, path: Path, prune: bool, dry_run: bool) -> None:
    """Import a YAML bundle, a CSV file or a directory of CSV files (all or nothing)."""
    from .bundle import Plan

    actor = acting(ctx, "inventory.write", whole=True, write=not dry_run)
    inv = _inventory(ctx)
    try:
        if prune and not dry_run:
            plan = inv.import_path(path, prune=True, dry_run=True)
            doomed = [line for line in plan.describe() if line.startswith("delete ")]
            for line in doomed:
                click.echo(line)
            if doomed:
                click.echo(f"pruning {len(doomed)} object(s) the file lacks")
        plan = inv.import_path(path, prune=prune, dry_run=dry_run)
    except ImportFileError as exc:
        # a dry run shows what the import would do beside what stands in its way
        if dry_run and isinstance(exc.plan, Plan):
            _print_plan(exc.plan, verbose=True)
            click.echo("dry run: nothing was written; the import would be refused (below)")
        raise
    _print_plan(plan, verbose=dry_run)
    if dry_run:
        click.echo("dry run: nothing was written")
    else:
        record(ctx, actor, "inventory.import", str(path), {"prune": prune, **_plan_counts(plan)})


@inventory_cli.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["yaml", "csv"]), default="yaml", show_default=True
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=None,
    help="A file for YAML (default: standard output), a directory for CSV.",
)
@click.pass_context
def export_cmd(ctx: click.Context, fmt: str, output: Path | None) -> None:
    """Export the whole inventory (secrets are never exported, only credential names)."""
    inv = _inventory(ctx)
    if fmt == "yaml":
        data = inv.export_yaml()
        if output is None or str(output) == "-":
            sys.stdout.buffer.write(data)
        else:
            output.write_bytes(data)
        return
    if output is None:
        raise click.UsageError("--format csv needs --output DIRECTORY")
    output.mkdir(parents=True, exist_ok=True)
    files = inv.export_csv()
    for name, content in files.items():
        (output / name).write_bytes(content)
    click.echo(f"wrote {len(files)} files to {output}")


@inventory_cli.command("tree")
@click.option(
    "--depth", type=click.IntRange(min=0), default=None, help="Levels to show (city = 0)."
)
@click.pass_context
def tree_cmd(ctx: click.Context, depth: int | None) -> None:
    """The hierarchy, with counts of what lies below the shown depth."""
    for line in _inventory(ctx).tree(depth):
        indent = "  " * line.depth
        facts = ", ".join(x for x in (line.role, line.platform, line.status) if x)
        tail = f"  ({line.summary})" if line.summary else ""
        click.echo(f"{indent}{line.code} {line.name} [{facts}]{tail}")


@inventory_cli.command("show")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def show_cmd(ctx: click.Context, code: str, as_json: bool) -> None:
    """Everything about one node or department."""
    data = _inventory(ctx).show(code)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for key, value in data.items():
        if isinstance(value, list):
            click.echo(f"{key}:")
            for item in value:
                click.echo(f"  {item}")
        else:
            click.echo(f"{key}: {'' if value is None else value}")


@inventory_cli.command("stats")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def stats_cmd(ctx: click.Context, as_json: bool) -> None:
    """Counts per level, departments, links and allocations."""
    data = _inventory(ctx).stats()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))
        return
    nodes = data["nodes"]
    click.echo("divisions: " + ", ".join(f"{k} {v}" for k, v in data["divisions"].items()))
    click.echo(
        f"nodes: {nodes['total']} ({', '.join(f'{k} {v}' for k, v in nodes['by_level'].items())})"
    )
    click.echo(f"devices: {data['devices']}")
    click.echo(f"departments: {data['departments']['total']}")
    click.echo(
        f"links: {data['links']['total']} ({', '.join(f'{k} {v}' for k, v in data['links']['by_kind'].items())})"
    )
    alloc = data["allocations"]
    click.echo(
        f"prefixes: {sum(alloc['prefixes'].values())}, vlans: {alloc['vlans']}, "
        f"route distinguishers: {alloc['route_distinguishers']}"
    )


@inventory_cli.command("allocate")
@click.option("--node", "node", required=True, help="Node code.")
@click.option("--kind", type=click.Choice([k.value for k in AllocationKind]), required=True)
@click.option("--size", type=int, default=None, help="Prefix length (prefix, p2p).")
@click.option("--department", default=None, help="Department the allocation serves.")
@click.option("--zone", default=None, help="Zone (VRF) of a route distinguisher.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def allocate_cmd(
    ctx: click.Context,
    node: str,
    kind: str,
    size: int | None,
    department: str | None,
    zone: str | None,
    as_json: bool,
) -> None:
    """Allocate the next free prefix, VLAN, loopback, point-to-point subnet or RD."""
    actor = acting(ctx, "inventory.write", node=node)
    result = _inventory(ctx).allocate(node, AllocationKind(kind), size, department, zone)
    record(ctx, actor, "inventory.allocate", node, {"kind": kind, "value": result.value})
    if as_json:
        click.echo(json.dumps(result.__dict__))
    else:
        click.echo(result.value)


@inventory_cli.command("release")
@click.option("--kind", type=click.Choice([k.value for k in AllocationKind]), required=True)
@click.option("--value", required=True, help="The prefix, VLAN id or RD to give back.")
@click.option("--node", "node", default=None, help="Node code (required for VLANs).")
@click.pass_context
def release_cmd(ctx: click.Context, kind: str, value: str, node: str | None) -> None:
    """Give back an allocation."""
    if AllocationKind(kind) is AllocationKind.VLAN and node is None:
        raise click.UsageError("--kind vlan needs --node (VLAN ids are per node)")
    actor = acting(ctx, "inventory.write", node=node, whole=node is None)
    result = _inventory(ctx).release(AllocationKind(kind), value, node)
    record(ctx, actor, "inventory.release", node or "", {"kind": kind, "value": value})
    click.echo(f"released {result.kind} {result.value}")


@inventory_cli.command("seed")
@click.option(
    "--divisions",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=None,
    help="Divisions CSV (code,name,level,parent_code; level city, county, township or "
    "village); default: a small example city.",
)
@click.option(
    "--villages-per-township",
    type=click.IntRange(min=0, max=999),
    default=18,
    show_default=True,
    help="Villages to generate (names generated, half of them planned) for each township "
    "the divisions list no village for.",
)
@click.pass_context
def seed_cmd(ctx: click.Context, divisions: Path | None, villages_per_township: int) -> None:
    """Build a city: divisions, villages, departments with their sites, links, allocations.

    Villages come from the divisions CSV where it lists them (level village,
    parent_code a township of the file); every other township gets
    --villages-per-township generated ones.
    """
    actor = acting(ctx, "inventory.write", whole=True)
    plan = _inventory(ctx).seed(divisions, villages_per_township)
    _print_plan(plan, verbose=False)
    record(ctx, actor, "inventory.seed", str(divisions or "example city"), _plan_counts(plan))


@inventory_cli.group("credentials")
def credentials_cli() -> None:
    """The encrypted credential store (names only are ever shown)."""


def _read_secret(label: str, lines: list[str] | None) -> str:
    """One secret: a hidden prompt on a terminal, else the next line of standard input."""
    if lines is None:
        value: str = click.prompt(label, hide_input=True, default="", show_default=False)
    else:
        value = lines.pop(0) if lines else ""
    if not value:
        raise click.UsageError(f"{label.lower()}: an empty value was given")
    return value


@credentials_cli.command("set")
@click.argument("name")
@click.option("--username", required=True)
@click.option("--snmp-v3-user", default="")
@click.option(
    "--snmp-community",
    "ask_community",
    is_flag=True,
    help="Also ask for the SNMP v2c community (hidden).",
)
@click.option(
    "--snmp-v3-keys",
    "ask_v3",
    is_flag=True,
    help="Also ask for the SNMP v3 auth and priv keys (hidden; needs --snmp-v3-user).",
)
@click.option(
    "--secret-file",
    type=click.File("r", encoding="utf-8"),
    default=None,
    help="Read the secrets from this file ('-': standard input) as name=value lines: "
    "password, enable_secret, snmp_community, snmp_v3_auth_key, snmp_v3_priv_key.",
)
@click.pass_context
def credentials_set(
    ctx: click.Context,
    name: str,
    username: str,
    snmp_v3_user: str,
    ask_community: bool,
    ask_v3: bool,
    secret_file: Any,
) -> None:
    """Create or replace a credential set.

    Secrets are never taken from the command line: they are asked for (hidden)
    on a terminal, read line by line from standard input when it is piped
    (password, then the community, then the v3 auth and priv keys, as asked),
    or read from --secret-file.
    """
    if ask_v3 and not snmp_v3_user:
        raise click.UsageError("--snmp-v3-keys needs --snmp-v3-user")
    actor = acting(ctx, "credentials.write", whole=True)
    if secret_file is not None:
        if ask_community or ask_v3:
            raise click.UsageError(
                "--secret-file gives every secret: do not combine it with "
                "--snmp-community or --snmp-v3-keys"
            )
        from .credentials import parse_secret_file

        secrets = parse_secret_file(secret_file.read())
        if not secrets.get("password"):
            raise click.UsageError("the secret file gives no password")
        if (
            secrets.get("snmp_v3_auth_key") or secrets.get("snmp_v3_priv_key")
        ) and not snmp_v3_user:
            raise click.UsageError("SNMP v3 keys need --snmp-v3-user")
    else:
        lines = None if sys.stdin.isatty() else sys.stdin.read().splitlines()
        secrets = {"password": _read_secret("Password", lines)}
        if ask_community:
            secrets["snmp_community"] = _read_secret("SNMP community", lines)
        if ask_v3:
            secrets["snmp_v3_auth_key"] = _read_secret("SNMP v3 auth key", lines)
            secrets["snmp_v3_priv_key"] = _read_secret("SNMP v3 priv key", lines)
    from .credentials import CredentialSet

    _inventory(ctx).credentials.put(
        name, CredentialSet(username=username, snmp_v3_user=snmp_v3_user, **secrets)
    )
    record(ctx, actor, "credentials.set", name, {"username": username})
    click.echo(f"stored credential set {name}")


@credentials_cli.command("list")
@click.pass_context
def credentials_list(ctx: click.Context) -> None:
    """Names of the stored credential sets."""
    for name in _inventory(ctx).credentials.names():
        click.echo(name)
