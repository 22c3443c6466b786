"""The options of campaign check ``inspect.capture``: bad values are configuration errors
naming the option; a campaign without a configured interface errs on its targets (clear
message) instead of capturing somewhere."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask

from inventory.audit import Actor
from inventory.options import ConfigError
from web.app import create_app


@pytest.mark.parametrize(
    "key, value, message",
    [
        (
            "security.capture_point",
            "mirror",
            "security.capture_point: 'mirror' is not one of egress",
        ),
        ("security.capture_seconds", 0, "security.capture_seconds: 0.0 is not positive"),
    ],
)
def test_bad_capture_options_are_configuration_errors(
    instance_path: Path, sqlite_url: str, key: str, value: object, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        create_app({"database.url": sqlite_url, key: value})


def test_a_capture_campaign_without_an_interface_errs_clearly(
    app: Flask, run: Callable[..., Result]
) -> None:
    inventory = app.extensions["egovnet"]["inventory"]
    inventory.ensure_schema()
    security = app.extensions["egovnet"]["security"]
    security.ensure_schema()
    assert security.settings.capture_iface == "" and security.settings.capture_seconds == 60.0
    seeded = run("inventory", "seed", "--villages-per-township", "1")
    assert seeded.exit_code == 0, seeded.output
    security.campaigns.create("w", "inspect.capture", "node:411302", None, Actor("s", "security"))
    errors: list[str | None] = []
    view = security.campaigns.run("w", progress=lambda *a: errors.append(a[4]))
    assert (view.total, view.errors) == (1, 1)
    assert errors[0] is not None and "security.capture_iface" in errors[0]
