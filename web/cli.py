"""The ``egovnet`` command: a lazy click group composing every package's click group.

Each sub-command is imported only when it runs (or when its own ``--help`` is
asked for); the top-level help uses the short texts below. The application
(configuration, database engine, Flask) is built on first use of a component,
so ``egovnet --help`` imports neither Flask, SQLAlchemy nor the lab, and
creates nothing on disk. Measured in ``docs/BENCHMARKS.md`` (start-up).

Flask's own ``run``, ``shell`` and ``routes`` and its ``-A/--app`` and
``--env-file`` options are not offered: ``egovnet serve`` runs the console
under waitress.

Exit statuses, the same for every command, each error one line on stderr
(``error: ...``, or click's usage message) and never a traceback:

- ``0``: done.
- ``1``: the operation was understood and refused, or failed: the content of an
  input file (``file:line`` problems; nothing was changed), the state of the
  database (unknown code, overlap, exhausted pool, prune conflicts) or of the lab
  (a lab already runs, none runs, unknown device, a lab database holding live
  devices), a file or folder the system refuses (cannot write the export, cannot
  create the lab's state folder), devices that did not answer (``poll``).
- ``2``: the command cannot run as given: an unknown command or option, a bad
  option value or contradictory options (click's usage errors), unusable
  configuration (``EGOVNET_DATABASE_URL`` unparsable, without a driver or not
  reachable, a secret key that is wrong or missing, an instance folder that
  cannot be made, a ``--lab-database`` URL that cannot be loaded).
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import click

from inventory.clictx import ACCOUNT_KEY, COMPONENTS_KEY, os_error_line

#: name -> (module, attribute, short help shown by ``egovnet --help``)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "alarms": ("monitoring.cli_ops", "alarms_cmd", "List alarms, newest first."),
    "baseline": ("security.cli", "baseline_cmd", "等保 baseline B1-B13 on device configurations."),
    "demo": (
        "web.demo",
        "demo_cmd",
        "Seed, start the lab and a local InfluxDB, and poll on a schedule.",
    ),
    "health": (
        "monitoring.cli_ops",
        "health_cmd",
        "Status, utilisation and availability of a node or link.",
    ),
    "inventory": (
        "inventory.cli",
        "inventory_cli",
        "The source of truth: hierarchy, departments, links, zones, IPAM.",
    ),
    "lab": ("lab.cli", "lab_cli", "The emulated extranet: SSH devices and SNMP agents."),
    "monitor": ("monitoring.cli", "monitor_cli", "Scheduled SNMP polling into InfluxDB."),
    "policy": ("security.cli", "policy_cli", "Isolation and single-egress policy checks."),
    "poll": ("monitoring.cli", "poll_cmd", "Poll devices over SNMP once and write their points."),
    "render": (
        "provisioning.cli",
        "render_cmd",
        "A node's intended configuration, and its diff against the running one.",
    ),
    "report": ("monitoring.cli_ops", "report_cli", "Reports for operators."),
    "users": (
        "inventory.accounts_cli",
        "users_cli",
        "Accounts: roles, subtree scopes, contractor expiry, API tokens.",
    ),
    "audit": ("inventory.accounts_cli", "audit_cli", "The append-only, hash-chained audit log."),
    "serve": ("web.serve", "serve_cmd", "Serve the web console (waitress)."),
    "backup": (
        "provisioning.backup_cli",
        "backup_cli",
        "Running configurations: versioned backups.",
    ),
    "drift": ("provisioning.backup_cli", "drift_cmd", "Latest backup vs intended, per device."),
    "onboard": (
        "provisioning.onboard_cli",
        "onboard_cli",
        "Onboard a department at a node, or one kind at many nodes (a wave).",
    ),
    "coverage": (
        "provisioning.coverage_cli",
        "coverage_cli",
        "Planned vs connected nodes and departments per county and level, with history.",
    ),
    "change": (
        "provisioning.change_cli",
        "change_cli",
        "Changes: diffs, the policy gate, four-eyes approval, push with rollback.",
    ),
    "campaign": ("security.campaign_cli", "campaign_cli", "Scheduled security campaigns."),
    "findings": ("security.campaign_cli", "findings_cli", "Security findings: lifecycle, export."),
    "inspect": ("security.inspect.cli", "inspect_cmd", "Inspect a pcap/pcapng at a capture point."),
    "capture": ("security.inspect.cli", "capture_cmd", "Capture live traffic and inspect it."),
    "system": ("web.system", "system_cli", "Control-plane backup and restore."),
}


class StartupError(click.ClickException):
    """The configuration or the database cannot be used: one line, exit status 2."""

    exit_code = 2


class LazyGroup(click.Group):
    """A group whose commands are imported on use (``COMMANDS``)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        spec = COMMANDS.get(cmd_name)
        if spec is None:
            return None
        command: click.Command = getattr(importlib.import_module(spec[0]), spec[1])
        self.commands[cmd_name] = command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            (
                name,
                COMMANDS[name][2] if name in COMMANDS else self.commands[name].get_short_help_str(),
            )
            for name in self.list_commands(ctx)
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _build_app() -> Any:
    """The Flask application, built from the environment; bad settings -> StartupError."""
    from sqlalchemy.exc import ArgumentError

    from inventory.errors import InventoryError

    from .app import create_app

    try:
        return create_app()
    except ArgumentError as exc:
        raise StartupError(f"EGOVNET_DATABASE_URL is not usable: {exc}") from None
    except ImportError as exc:
        url = os.environ.get("EGOVNET_DATABASE_URL", "the database URL")
        raise StartupError(
            f"no driver for {url.split(':', 1)[0]!r} databases is installed ({exc.name or exc})"
        ) from None
    except InventoryError as exc:
        raise StartupError(str(exc)) from None
    except OSError as exc:  # the instance folder or a SQLite file's folder cannot be made
        raise StartupError(f"cannot prepare the instance: {os_error_line(exc)}") from None


@click.group(cls=LazyGroup)
@click.option(
    "--user",
    "user",
    default=None,
    metavar="NAME",
    help="Act as this account (password: hidden prompt, or the first line of standard "
    "input). Or set EGOVNET_TOKEN to an API token.",
)
@click.pass_context
def cli(ctx: click.Context, user: str | None) -> None:
    """egovnet: the control plane of a city's e-government extranet.

    Writes are done as an account once the database has any (--user or
    EGOVNET_TOKEN); before the first account exists the CLI acts as the local
    administrator, so 'egovnet users add NAME --role admin' bootstraps.
    """
    app: list[Any] = []

    def load(name: str) -> Any:
        if not app:
            # tests pass flask.cli.ScriptInfo(create_app=...) as obj
            given = getattr(ctx.obj, "load_app", None)
            app.append(given() if given is not None else _build_app())
        return app[0].extensions["egovnet"][name]

    ctx.meta[COMPONENTS_KEY] = load

    def application() -> Any:
        load("config")
        return app[0]

    ctx.meta["egovnet.app"] = application
    token = os.environ.get("EGOVNET_TOKEN")
    if user is not None and token:
        raise click.UsageError("give --user or EGOVNET_TOKEN, not both")
    account: list[Any] = []

    def identity() -> Any:
        """Authenticated on first use (commands ask before they read standard input)."""
        if not account:
            accounts = load("inventory").accounts
            if token:
                account.append(accounts.by_token(token))
            elif user is not None:
                from inventory.accounts_cli import read_password

                account.append(accounts.authenticate(user, read_password(f"Password for {user}")))
            else:
                account.append(None)
        return account[0]

    ctx.meta[ACCOUNT_KEY] = identity


def main() -> None:
    cli(prog_name="egovnet")
