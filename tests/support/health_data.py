"""Synthetic monitoring data for the health and report tests, written to a real influxd,
and an ``egovnet`` runner against an app configured for it. Imported as a top-level module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from click.testing import Result
from flask.cli import ScriptInfo

from monitoring.influx import InfluxClient, InfluxSettings
from monitoring.schema import DeviceRecord, LinkRecord
from web.app import create_app
from web.cli import cli

NS = 1_000_000_000


def device_lines(
    node: str,
    level: str,
    times_s: Iterable[int],
    *,
    down: Iterable[int] = (),
    county: str | None = None,
    township: str | None = None,
) -> list[str]:
    """``device`` points at ``times_s`` (Unix seconds): ``up=0`` at the times in ``down``."""
    off = set(down)
    return [
        DeviceRecord(
            node=node,
            level=level,
            county=county,
            township=township,
            time_ns=t * NS,
            up=t not in off,
        ).to_line()
        for t in times_s
    ]


def link_lines(
    label: str, level: str, times_s: Iterable[int], *, down: Iterable[int] = ()
) -> list[str]:
    """``link`` points at ``times_s``; ``up=0`` at the times in ``down``."""
    off = set(down)
    a_end, _, b_end = label.partition(" -- ")
    return [
        LinkRecord(
            link=label,
            level=level,
            time_ns=t * NS,
            up=t not in off,
            a_node=a_end.partition(":")[0],
            b_node=b_end.partition(":")[0],
            util_max_pct=10.0,
            errors=0,
        ).to_line()
        for t in times_s
    ]


def write(settings: InfluxSettings, lines: list[str]) -> None:
    """Write ``lines`` in one request (the database must exist)."""
    client = InfluxClient(settings)
    try:
        client.write_lines(lines)
    finally:
        client.close()


@contextmanager
def egovnet(overrides: dict[str, Any]) -> Iterator[Callable[..., Result]]:
    """``run(*args)``: invoke ``egovnet`` in-process against an app built with ``overrides``."""
    app = create_app(overrides)
    runner = app.test_cli_runner()

    def run(*args: str) -> Result:
        return runner.invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))

    try:
        yield run
    finally:
        app.extensions["egovnet"]["inventory"].dispose()
