"""The ``egovnet`` command: a Flask CLI group composing every package's click group."""

from __future__ import annotations

from typing import Any

import click
from flask.cli import FlaskGroup, ScriptInfo

from inventory.cli import inventory_cli
from inventory.clictx import COMPONENTS_KEY
from lab.cli import lab_cli
from monitoring.cli import monitor_cli, poll_cmd
from monitoring.cli_ops import alarms_cmd, health_cmd, report_cli

from .app import create_app
from .demo import demo_cmd


@click.group(
    cls=FlaskGroup,
    create_app=create_app,
    add_version_option=False,
    load_dotenv=False,
    set_debug_flag=False,
)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """egovnet: the control plane of a city's e-government extranet."""
    info = ctx.ensure_object(ScriptInfo)

    def load(name: str) -> Any:
        return info.load_app().extensions["egovnet"][name]

    ctx.meta[COMPONENTS_KEY] = load


cli.add_command(inventory_cli)
cli.add_command(demo_cmd)
cli.add_command(lab_cli)
cli.add_command(poll_cmd)
cli.add_command(monitor_cli)
cli.add_command(health_cmd)
cli.add_command(alarms_cmd)
cli.add_command(report_cli)


def main() -> None:
    cli(prog_name="egovnet")
