"""``egovnet inspect PCAP --at POINT`` and ``egovnet capture --iface IF --at POINT --seconds N``.

The address plan comes from the inventory (city block, management subnet,
loopback and transit pools, intranet blocks from the setting
``ipam.intranet_blocks`` plus any ``--intranet``; node subnets and management
addresses give each address its node and department), or, with ``--extranet``, from the command
line alone (``--management``, ``--intranet``, ``--devices`` add to it; the
inventory is then never opened). Exit status: 0 no finding, 1 findings, 2 bad
input (one line, no traceback).
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click

from ..errors import SecurityError
from .engine import Inspector
from .owners import OwnerIndex, plan_from_state
from .points import POINTS, AddressPlan, Thresholds, parse_networks, point


class InputError(click.ClickException):
    """Bad input: one line on stderr, exit status 2."""

    exit_code = 2


def _plan_options(f: Any) -> Any:
    options = [
        click.option("--at", "at", required=True, type=click.Choice(list(POINTS)), help="Capture point."),
        click.option("--extranet", multiple=True, metavar="CIDR", help="Extranet block (repeatable); without it the inventory's plan is used."),
        click.option("--management", multiple=True, metavar="CIDR", help="City management subnet (extranet; repeatable)."),
        click.option("--intranet", multiple=True, metavar="CIDR", help="Government intranet block (repeatable)."),
        click.option("--devices", multiple=True, metavar="CIDR", help="Block of device management addresses (extranet; repeatable)."),
        click.option("--scan-ports", type=int, default=15, show_default=True, help="Port scan: distinct ports of one host."),
        click.option("--sweep-hosts", type=int, default=25, show_default=True, help="Host sweep: distinct hosts on one service."),
        click.option("--window", type=float, default=300.0, show_default=True, help="Scan window in seconds."),
        click.option("--max-flows", type=int, default=1_000_000, show_default=True, help="Flow-table cap (about 330 bytes a flow)."),
        click.option("--json", "as_json", is_flag=True, help="Print the report as JSON."),
    ]  # fmt: skip
    for option in reversed(options):
        f = option(f)
    return f


def _inspector(ctx: click.Context, opts: dict[str, Any]) -> Inspector:
    try:
        thresholds = Thresholds(
            opts["scan_ports"], opts["sweep_hosts"], opts["window"], opts["max_flows"]
        )
        at = point(opts["at"])
        intranet = parse_networks(opts["intranet"], "--intranet")
        devices = parse_networks(opts["devices"], "--devices")
        management = parse_networks(opts["management"], "--management")
        if opts["extranet"]:
            # the management subnet and device blocks are extranet space too
            extranet = parse_networks(opts["extranet"], "--extranet") + management + devices
            plan = AddressPlan(extranet, intranet, devices, management=management)
            return Inspector(plan, at, OwnerIndex(), thresholds)
        plan, owners = _inventory_plan(ctx, intranet, devices, management)
        return Inspector(plan, at, owners, thresholds)
    except SecurityError as exc:
        raise InputError(str(exc)) from None


def _inventory_plan(
    ctx: click.Context,
    intranet: tuple[Any, ...],
    devices: tuple[Any, ...],
    management: tuple[Any, ...],
) -> tuple[AddressPlan, OwnerIndex]:
    from inventory.clictx import acting, component
    from inventory.errors import InventoryError
    from inventory.state import load_state

    try:
        acting(ctx, "inventory.read", write=False)
        inventory = component(ctx, "inventory")
        with inventory.sessions() as session:
            state, _ = load_state(session)
    except InventoryError as exc:
        raise InputError(str(exc)) from None
    return plan_from_state(
        state, inventory.settings.ipam, intranet=intranet, devices=devices, management=management
    )


def _report(ctx: click.Context, inspector: Inspector, source: str, as_json: bool) -> None:
    findings = inspector.findings()
    if as_json:
        out = {
            "source": source,
            "point": inspector.point.name,
            "packets": inspector.packets,
            "undecoded": inspector.undecoded,
            "unattributed": inspector.unattributed,
            "truncated": inspector.truncated,
            "flows": len(inspector.flows),
            "findings": [f.to_record() for f in findings],
        }
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for f in findings:
            owner = ", ".join(x for x in (f.node, f.department) if x)
            click.echo(
                f"{f.severity:6s} inspect.{f.kind} {f.key}: {f.title} "
                f"({f.flows} flow(s), {f.packets} packet(s){', ' + owner if owner else ''})"
            )
        notes = [f"{inspector.undecoded} undecoded"]
        if inspector.truncated:
            notes.append("last record cut short")
        if inspector.unattributed:
            notes.append(f"{inspector.unattributed} beyond the flow cap")
        click.echo(
            f"{len(findings)} finding(s) in {inspector.packets} packet(s) at {inspector.point.name} "
            f"({', '.join(notes)})"
        )
    ctx.exit(1 if findings else 0)


@click.command("inspect")
@click.argument("pcap", type=click.Path(path_type=Path))
@_plan_options
@click.pass_context
def inspect_cmd(ctx: click.Context, /, pcap: Path, **opts: Any) -> None:
    """Inspect a pcap/pcapng capture taken at a capture point; exit 1 on findings."""
    from .pcapio import PacketStream

    inspector = _inspector(ctx, opts)
    try:
        inspector.read(PacketStream(pcap))
    except SecurityError as exc:
        raise InputError(str(exc)) from None
    _report(ctx, inspector, str(pcap), opts["as_json"])


@click.command("capture")
@click.option("--iface", required=True, help="Interface to capture on.")
@click.option("--seconds", type=float, required=True, help="How long to capture.")
@click.option("--bpf", default=None, help="BPF capture filter (tcpdump syntax).")
@click.option(
    "--write",
    type=click.Path(path_type=Path),
    default=None,
    help="Also write the packets to this pcap.",
)
@_plan_options
@click.pass_context
def capture_cmd(
    ctx: click.Context,
    /,
    iface: str,
    seconds: float,
    bpf: str | None,
    write: Path | None,
    **opts: Any,
) -> None:
    """Capture live traffic on an interface and inspect it; exit 1 on findings.

    The capture lasts --seconds, or until SIGINT or SIGTERM, then reports.
    """
    from .live import capture

    inspector = _inspector(ctx, opts)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    def started() -> None:
        print(f"capturing on {iface} for {seconds:g} s", file=sys.stderr, flush=True)

    try:
        capture(inspector, iface, seconds, bpf=bpf, write=write, started=started, stop=stop)
    except SecurityError as exc:
        raise InputError(str(exc)) from None
    _report(ctx, inspector, f"iface:{iface}", opts["as_json"])
