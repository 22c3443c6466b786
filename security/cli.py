"""``egovnet policy check`` and ``egovnet baseline`` (plain click, composed by ``web``).

Exit status: 0 clean, 1 violations or findings, 2 bad input (usage, unreadable
files, a configuration or NETWORK.yaml that cannot be understood), with a
one-line ``file:line: message`` and no traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from .errors import SecurityError
from .network import ROLES, NetworkContext, NodeInfo, load_network_file

#: The slugs of ``security.syntax.SYNTAXES``, sorted, spelled out so that ``--help``
#: does not import the syntaxes (hier_config); a test keeps the two equal.
PLATFORMS = ("cisco_ios", "h3c_comware7", "huawei_vrp5", "huawei_vrp8")

#: Files of a configuration folder that are never configurations.
SKIPPED_NAMES = frozenset({"NETWORK.yaml", "NETWORK.yml"})


class InputError(click.ClickException):
    """Bad input: one line on stderr, exit status 2."""

    exit_code = 2


def read_text(path: Path) -> str:
    """A configuration file's text: UTF-8, else GB18030 (Chinese device exports)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{path}: neither UTF-8 nor GB18030 text")


def config_files(folder: Path, context: NetworkContext) -> dict[str, Path]:
    """Device name -> file of every configuration in ``folder`` (as NETWORK.yaml names them)."""
    if not folder.is_dir():
        raise InputError(f"--configs: {folder} is not a folder")
    files = {
        p.name: p
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.startswith(".") and p.name not in SKIPPED_NAMES
    }
    if not files:
        raise InputError(f"--configs: {folder} holds no configuration files")
    if context.files:
        unlisted = sorted(set(files) - set(context.files))
        if unlisted:
            raise InputError(
                f"{context.source}: devices: {unlisted[0]!r} is in {folder} but not listed"
            )
        missing = sorted(set(context.files) - set(files))
        if missing:
            raise InputError(f"{context.source}: devices: {missing[0]!r} is not in {folder}")
        return {context.files[name]: path for name, path in files.items()}
    return {Path(name).stem: path for name, path in files.items()}


def _inventory_context(ctx: click.Context) -> NetworkContext:
    """The intent: roles, zones, links and blocks of the configured inventory."""
    from inventory.clictx import component
    from inventory.errors import InventoryError
    from inventory.state import load_state

    from .network import context_from_state

    try:
        inventory = component(ctx, "inventory")
        inventory.ensure_schema()
        with inventory.sessions() as session:
            state, _ = load_state(session)
    except InventoryError as exc:
        raise InputError(str(exc)) from None
    ipam = inventory.settings.ipam
    return context_from_state(state, ipam, intranet_blocks=ipam.intranet_blocks)


def _load(
    ctx: click.Context,
    configs: Path,
    network: Path | None,
    use_inventory: bool,
    cache_dir: Path | None = None,
) -> tuple[Any, NetworkContext]:
    from .model import parse_device
    from .policy import NetworkModel
    from .syntax import SYNTAXES

    if network is not None and use_inventory:
        raise click.UsageError("give --network or --inventory, not both")
    try:
        if network is not None:
            context = load_network_file(network, SYNTAXES)
        elif use_inventory:
            context = _inventory_context(ctx)
        else:
            context = NetworkContext()
        model = NetworkModel(context)
        files = config_files(configs, context)
        if cache_dir is not None:
            return _load_cached(files, context, cache_dir), context
        for name, path in files.items():
            platform = context.node(name).platform
            model.devices[name] = parse_device(
                read_text(path), platform, name=name, source=str(path)
            )
    except SecurityError as exc:
        raise InputError(str(exc)) from None
    return model, context


def _load_cached(files: dict[str, Path], context: NetworkContext, cache_dir: Path) -> Any:
    """The model through the on-disk cache (keyed by name, platform, source and text)."""
    from .modelcache import ModelCache
    from .policy import NetworkModel

    model = NetworkModel(context)
    with ModelCache(cache_dir) as cache:
        for name, path in files.items():
            platform = context.node(name).platform
            model.devices[name] = cache.parse(read_text(path), platform, name, str(path))
    return model


def _print_evidence(lines: Iterable[Any]) -> None:
    for e in lines:
        click.echo(f"    {e.source}:{e.line}: {e.text}")


@click.group("policy")
def policy_cli() -> None:
    """Isolation and single-egress policy (the four invariants of the extranet)."""


@policy_cli.command("check")
@click.argument("nodes", nargs=-1)
@click.option(
    "--configs",
    "configs",
    type=click.Path(path_type=Path),
    help="Folder of configuration files (one device each).",
)
@click.option(
    "--network",
    "network",
    type=click.Path(path_type=Path),
    help="NETWORK.yaml: roles, parents, blocks (see docs/SECURITY.md).",
)
@click.option(
    "--inventory",
    "use_inventory",
    is_flag=True,
    help="Judge against the inventory (files named by node code).",
)
@click.option(
    "--running",
    is_flag=True,
    help="The running network: configurations over SSH and SNMP routes, LLDP, ARP "
    "of NODEs (default: every node with a management address).",
)
@click.option(
    "--cache-dir",
    type=click.Path(path_type=Path),
    help="Keep parsed models here (private folder): re-runs parse only changed files.",
)
@click.option(
    "--change",
    "change_id",
    type=int,
    help="The post-change network of a stored change (egovnet change): exit 1 if it "
    "introduces a violation.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@click.pass_context
def policy_check_cmd(
    ctx: click.Context,
    nodes: tuple[str, ...],
    configs: Path | None,
    network: Path | None,
    use_inventory: bool,
    running: bool,
    cache_dir: Path | None,
    change_id: int | None,
    as_json: bool,
) -> None:
    """Check configurations against the four invariants; exit 1 on violations."""
    from .policy import check_network

    if change_id is not None:
        if running or configs is not None or network is not None or nodes:
            raise click.UsageError("--change judges a stored change: no other source")
        _policy_change(ctx, change_id, as_json)
        return

    if running:
        if configs is not None or network is not None or use_inventory:
            raise click.UsageError("--running reads the devices: no --configs/--network")
        _policy_running(ctx, nodes, as_json)
        return
    if nodes:
        raise click.UsageError("NODE codes go with --running")
    if configs is None:
        raise click.UsageError("give --configs DIR or --running")
    model, _ = _load(ctx, configs, network, use_inventory, cache_dir)
    verdict = check_network(model)
    if as_json:
        click.echo(json.dumps(verdict.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_violations(verdict.violations)
        click.echo(
            f"{len(verdict.violations)} violation(s) in {verdict.devices} device(s)"
            if verdict.violations
            else f"no violation in {verdict.devices} device(s)"
        )
    ctx.exit(1 if verdict.violations else 0)


def _policy_change(ctx: click.Context, change_id: int, as_json: bool) -> None:
    """The gate's verdict on change ``change_id`` (the ``change_gate`` component)."""
    from inventory.clictx import component

    try:
        verdict = component(ctx, "change_gate")(change_id)
    except Exception as exc:  # an unknown change: the component's own error, one line
        click.echo(f"error: {exc}", err=True)
        ctx.exit(2)
    if as_json:
        click.echo(json.dumps(verdict.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_violations(verdict.introduced)
        click.echo(
            f"change {change_id}: refused, {len(verdict.introduced)} violation(s) introduced"
            if verdict.introduced
            else f"change {change_id}: allowed, no violation introduced "
            f"({verdict.devices} device(s))"
        )
    ctx.exit(0 if verdict.allowed else 1)


def _print_violations(violations: Iterable[Any]) -> None:
    for v in violations:
        where = f"{v.lines[0].source}:{v.lines[0].line}" if v.lines else (v.device or "network")
        click.echo(f"{where}: [{v.invariant}] {v.device or 'network'}: {v.why}")
        _print_evidence(v.lines)
        for obs in v.observations:
            click.echo(f"    observed: {obs}")


def _managed_nodes(ctx: click.Context) -> list[str]:
    """Codes of the nodes that have a management address (what --running reads by default)."""
    from sqlalchemy import select

    from inventory.clictx import component
    from inventory.models import Node

    inventory = component(ctx, "inventory")
    with inventory.sessions() as session:
        return list(
            session.execute(
                select(Node.code).where(Node.mgmt_address.is_not(None)).order_by(Node.code)
            ).scalars()
        )


def _policy_running(ctx: click.Context, nodes: tuple[str, ...], as_json: bool) -> None:
    from inventory.clictx import acting, component

    from .running import check_running

    acting(ctx, "inventory.read", write=False)
    context = _inventory_context(ctx)
    unknown = _unknown_nodes(context, nodes)
    if unknown:
        raise InputError(f"NODE: no node has code {unknown[0]!r}")
    codes = list(nodes) or _managed_nodes(ctx)
    if not codes:
        raise InputError("--running: no node has a management address")
    report = check_running(codes, context, component(ctx, "fetcher"), component(ctx, "observer"))
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_violations(report.violations)
        _print_errors(report.unreachable)
        click.echo(
            f"{len(report.violations)} violation(s) in {report.devices} device(s)"
            + (f", {len(report.unreachable)} not fully read" if report.unreachable else "")
        )
    ctx.exit(1 if report.violations or report.unreachable else 0)


def _print_findings(findings: Iterable[Any]) -> None:
    for f in findings:
        where = f"{f.evidence[0].source}:{f.evidence[0].line}" if f.evidence else f.source
        dept = f" ({f.department})" if f.department else ""
        click.echo(f"{where}: {f.check} {f.severity} {f.device}{dept}: {f.why}")
        _print_evidence(f.evidence)
        click.echo("    fix:")
        for line in f.fix:
            click.echo(f"      {line}")


def _unknown_nodes(context: NetworkContext, codes: Iterable[str]) -> list[str]:
    return [code for code in codes if code not in context.nodes]


def fetch_devices(
    ctx: click.Context, codes: tuple[str, ...], context: NetworkContext
) -> tuple[dict[str, Any], dict[str, str]]:
    """Parsed running configurations of ``codes`` (fetched over SSH) and per-device errors.

    A device that cannot be reached or whose text cannot be parsed is reported in
    the errors (code -> one line); it never costs the others.
    """
    from inventory.clictx import component

    from .model import parse_device

    unknown = _unknown_nodes(context, codes)
    if unknown:
        raise InputError(f"NODE: no node has code {unknown[0]!r}")
    fetched = component(ctx, "fetcher")(codes)
    devices: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for code in dict.fromkeys(codes):
        text = fetched.get(code)
        if isinstance(text, str):
            try:
                devices[code] = parse_device(
                    text, context.node(code).platform, name=code, source=f"{code}:running"
                )
            except SecurityError as exc:
                errors[code] = str(exc)
        else:
            errors[code] = str(text) if text is not None else f"{code}: not fetched"
    return devices, errors


def _print_errors(errors: dict[str, str]) -> None:
    for code, message in sorted(errors.items()):
        click.echo(f"{code}: unreachable or unreadable: {message}", err=True)


@click.command("baseline")
@click.argument("nodes", nargs=-1)
@click.option(
    "--config",
    "configs",
    type=click.Path(path_type=Path),
    multiple=True,
    help="A configuration file (repeatable); without it, NODE codes are read over SSH.",
)
@click.option(
    "--platform",
    type=click.Choice(PLATFORMS),
    help="Platform (detected from the text when absent).",
)
@click.option(
    "--role", type=click.Choice(ROLES), help="Role of the device (B13 applies to firewalls)."
)
@click.option(
    "--level",
    type=click.Choice(["2", "3"]),
    default=None,
    help="等保 level: 2 (二级) or 3 (三级). Default: the node's inventory level; 3 for files.",
)
@click.option("--department", help="Owning department, shown in findings.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.pass_context
def baseline_cmd(
    ctx: click.Context,
    nodes: tuple[str, ...],
    configs: tuple[Path, ...],
    platform: str | None,
    role: str | None,
    level: str | None,
    department: str | None,
    as_json: bool,
) -> None:
    """Check 等保 baseline B1-B13 on NODEs (over SSH) or files; exit 1 on findings.

    With NODE codes the running configurations are fetched from the devices and
    each is judged at its inventory 等保 level, role and department; a device
    that cannot be read is reported (and makes the exit status 1) without
    costing the others.
    """
    if nodes and configs:
        raise click.UsageError("give NODE codes or --config files, not both")
    if not nodes and not configs:
        raise click.UsageError("give NODE codes or at least one --config file")
    if nodes:
        _baseline_nodes(ctx, nodes, level, as_json)
        return
    from .baseline import check_baseline
    from .model import parse_device

    chosen = int(level or 3)
    findings = []
    for path in configs:
        name = path.stem
        context = NetworkContext(
            nodes={name: NodeInfo(name, role=role or "core", level=chosen, department=department)},
            level=chosen,
        )
        try:
            device = parse_device(read_text(path), platform, name=name, source=str(path))
        except SecurityError as exc:
            raise InputError(str(exc)) from None
        findings += check_baseline(device, context=context)
    if as_json:
        click.echo(json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2))
    else:
        _print_findings(findings)
        click.echo(f"{len(findings)} finding(s) in {len(configs)} configuration(s), level {chosen}")
    ctx.exit(1 if findings else 0)


def _baseline_nodes(
    ctx: click.Context, nodes: tuple[str, ...], level: str | None, as_json: bool
) -> None:
    from inventory.clictx import acting

    from .baseline import check_baseline

    acting(ctx, "inventory.read", write=False)
    context = _inventory_context(ctx)
    devices, errors = fetch_devices(ctx, nodes, context)
    findings = [
        f
        for code in sorted(devices)
        for f in check_baseline(devices[code], context=context, level=int(level) if level else None)
    ]
    if as_json:
        report = {
            "findings": [f.to_dict() for f in findings],
            "unreachable": [{"device": c, "error": m} for c, m in sorted(errors.items())],
            "devices": len(devices),
        }
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        _print_findings(findings)
        _print_errors(errors)
        click.echo(
            f"{len(findings)} finding(s) in {len(devices)} device(s)"
            + (f", {len(errors)} device(s) not read" if errors else "")
        )
    ctx.exit(1 if findings or errors else 0)
