"""Run the doctests of the monitoring modules (pytest is not configured with --doctest-modules)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "monitoring.lineprotocol",
    "monitoring.influx",
    "monitoring.rates",
    "monitoring.schema",
    "monitoring.alarms",
    "monitoring.chart",
    "monitoring.health",
    "monitoring.notify",
    "monitoring.report",
    "monitoring.settings",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no doctests"
    assert result.failed == 0
