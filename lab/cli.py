"""``egovnet lab ...``: the emulated extranet (plain click; composed by ``web``)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import click
from sqlalchemy.engine import make_url

from inventory.clictx import component, os_error_line

from . import service
from .errors import LabConfigError, LabError
from .topology import SIZES


def _state_dir(ctx: click.Context, given: Path | None) -> Path:
    if given is not None:
        return given
    config = component(ctx, "config")
    return Path(config.instance_path) / "lab"


class _Group(click.Group):
    """One line on stderr for every lab error: exit 2 for what cannot be used, else 1.

    :class:`LabConfigError` (a lab database URL without a driver...) is a usage or
    configuration error, status 2; any other :class:`LabError` is a refusal (a lab
    already runs, none runs, unknown device), status 1, and so is a file or folder
    the system refuses (``OSError``: the state folder cannot be created...).
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LabConfigError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)
        except LabError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)
        except OSError as exc:
            click.echo(f"error: {os_error_line(exc)}", err=True)
            ctx.exit(1)


STATE_DIR = click.option(
    "--state-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where the lab keeps its state (default: <instance>/lab).",
)


@click.group("lab", cls=_Group)
def lab_cli() -> None:
    """The emulated extranet: SSH devices and SNMP agents built from the inventory."""


@lab_cli.command("up")
@click.option("--size", type=click.Choice(SIZES), default="small", show_default=True)
@click.option(
    "--clock-factor",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="Device timers run this many times faster than wall time.",
)
@click.option(
    "--ssh-limit",
    type=click.IntRange(min=0),
    default=None,
    help="Serve only the first N devices over SSH.",
)
@click.option(
    "--lab-database",
    metavar="URL",
    default=None,
    help="The lab's own database (default: a SQLite file in the state folder); "
    "never the inventory's, and empty or an earlier lab's.",
)
@STATE_DIR
@click.pass_context
def up_cmd(
    ctx: click.Context,
    size: str,
    clock_factor: float,
    ssh_limit: int | None,
    lab_database: str | None,
    state_dir: Path | None,
) -> None:
    """Start the lab on a copy of the inventory (the example city if it is empty).

    The inventory itself is only read: the lab's endpoints and credentials live in
    the lab database, which 'egovnet lab status' names.
    """
    where = _state_dir(ctx, state_dir)
    inventory = component(ctx, "inventory")
    doc = service.up(
        inventory,
        where,
        lab_database=lab_database,
        size=size,
        clock_factor=clock_factor,
        ssh_limit=ssh_limit,
    )
    devices = doc["devices"]
    platforms = Counter(d["platform"] for d in devices.values())
    if doc["seeded"]:
        click.echo("the inventory is empty: the lab runs on the example city")
    ssh = sum(1 for d in devices.values() if d["ssh_port"])
    click.echo(
        f"lab up ({size}): {len(devices)} devices, {ssh} over SSH, all over SNMP, "
        f"started in {doc['started_s']} s (pid {doc['pid']})"
    )
    click.echo("platforms: " + ", ".join(f"{p} {n}" for p, n in sorted(platforms.items())))
    creds = doc["credentials"]
    first = next(iter(sorted(devices)))
    d = devices[first]
    click.echo(
        f"log in: ssh -p {d['ssh_port']} {creds['username']}@{d['host']}  "
        f"(password {creds['password']})"
    )
    click.echo(
        f"poll:   snmpbulkwalk -v2c -c {creds['community']} {d['host']}:{d['snmp_port']} 1.3.6.1.2.1.2.2"
    )
    click.echo(f"state:  {where}  (egovnet lab status; egovnet lab down)")
    click.echo(_database_line(doc["database"]))


def _shown(url: str) -> str:
    """A database URL without its password (secrets never in output)."""
    return make_url(url).render_as_string(hide_password=True)


def _database_line(url: str) -> str:
    shown = _shown(url)
    return f"lab database: {shown}  (EGOVNET_DATABASE_URL={shown} egovnet poll --once)"


@lab_cli.command("status")
@click.option("--json", "as_json", is_flag=True)
@STATE_DIR
@click.pass_context
def status_cmd(ctx: click.Context, as_json: bool, state_dir: Path | None) -> None:
    """Every device of the running lab with its endpoints and the lab's own credentials."""
    doc, devices = service.status(_state_dir(ctx, state_dir))
    creds = doc["credentials"]
    if as_json:
        click.echo(
            json.dumps(
                {
                    "pid": doc["pid"],
                    "running": doc["running"],
                    "size": doc["size"],
                    "database": _shown(doc["database"]),
                    "credentials": {
                        "username": creds["username"],
                        "password": creds["password"],
                        "snmp_community": creds["community"],
                        "snmp_v3_user": creds["v3_user"],
                        "snmp_v3_auth_key": creds["v3_auth_key"],
                        "snmp_v3_priv_key": creds["v3_priv_key"],
                    },
                    "devices": [
                        {
                            **d.__dict__,
                            "snmp_community": creds["community"],
                            "snmp_v3_user": creds["v3_user"],
                        }
                        for d in devices
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    click.echo(
        f"lab pid {doc['pid']} ({'running' if doc['running'] else 'NOT RUNNING'}), "
        f"size {doc['size']}, {len(devices)} devices"
    )
    click.echo(
        f"login {creds['username']} / {creds['password']}; SNMP v2c community "
        f"{creds['community']}; v3 user {creds['v3_user']} (SHA {creds['v3_auth_key']}, "
        f"AES {creds['v3_priv_key']})"
    )
    click.echo(_database_line(doc["database"]))
    click.echo(f"{'code':<16} {'platform':<13} {'host':<10} {'ssh':>6} {'snmp':>6}  name")
    for d in devices:
        click.echo(
            f"{d.code:<16} {d.platform:<13} {d.host:<10} {d.ssh_port or '-':>6} "
            f"{d.snmp_port:>6}  {d.name}"
        )


@lab_cli.command("fault")
@click.argument("device")
@click.option("--refuse-auth/--accept-auth", default=None, help="Refuse every login.")
@click.option(
    "--delay",
    type=click.FloatRange(min=0),
    default=None,
    help="Delay every response by SECONDS.",
)
@click.option(
    "--drop-after",
    "drop_after_commands",
    type=click.IntRange(min=0),
    default=None,
    help="Drop the session after N commands.",
)
@click.option(
    "--drop-on-commit/--no-drop-on-commit",
    default=None,
    help="Drop the session right after a commit is received, before answering.",
)
@click.option("--reject-line", default=None, help="Reject this configuration line.")
@click.option(
    "--unreachable",
    type=click.Choice(["refused", "silent", "none"]),
    default=None,
    help="Connection refused, or accepted but never answered; none = reachable again.",
)
@click.option("--link-down", default=None, metavar="INTERFACE", help="Cut the link of INTERFACE.")
@click.option("--link-up", default=None, metavar="INTERFACE", help="Restore the link of INTERFACE.")
@click.option("--reboot", is_flag=True, help="Reboot (uptime and counters restart).")
@click.option("--clear", is_flag=True, help="Remove every fault of the device first.")
@STATE_DIR
@click.pass_context
def fault_cmd(ctx: click.Context, /, device: str, state_dir: Path | None, **options: Any) -> None:
    """Inject a fault into one device of the running lab."""
    request: dict[str, Any] = {"op": "fault", "device": device}
    for key in ("refuse_auth", "delay", "drop_after_commands", "drop_on_commit", "reject_line"):
        if options[key] is not None:
            request[key] = options[key]
    if options["unreachable"] is not None:
        request["unreachable"] = (
            None if options["unreachable"] == "none" else options["unreachable"]
        )
    if options["link_down"]:
        request.update(link=options["link_down"], up=False)
    if options["link_up"]:
        request.update(link=options["link_up"], up=True)
    if options["reboot"]:
        request["reboot"] = True
    if options["clear"]:
        request["clear"] = True
    reply = service.control(_state_dir(ctx, state_dir), request)
    click.echo(f"{device}: " + ", ".join(reply["applied"]))


@lab_cli.command("log")
@click.argument("device")
@click.option("--last", type=click.IntRange(min=1), default=50, show_default=True)
@STATE_DIR
@click.pass_context
def log_cmd(ctx: click.Context, device: str, last: int, state_dir: Path | None) -> None:
    """The last commands a device received over SSH."""
    reply = service.control(
        _state_dir(ctx, state_dir), {"op": "log", "device": device, "last": last}
    )
    for line in reply["commands"]:
        click.echo(line)


@lab_cli.command("down")
@STATE_DIR
@click.pass_context
def down_cmd(ctx: click.Context, state_dir: Path | None) -> None:
    """Stop the lab and remove its state (and its default database); writes no inventory."""
    if service.down(_state_dir(ctx, state_dir)):
        click.echo("lab down")
    else:
        click.echo("no lab was running")
