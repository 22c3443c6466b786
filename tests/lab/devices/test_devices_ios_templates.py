"""Our rendered IOS configurations, typed line by line into the lab's IOS device.

For one Cisco IOS node of each role the seeded city has, every line of the
configuration is entered over SSH in configuration mode: none may be refused,
and ``show running-config`` afterwards prints every rendered line back.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from inventory.seed import build_city, example_divisions
from inventory.settings import IpamSettings
from lab.devices import DeviceFleet
from lab.model import LabClock, LabNetwork
from provisioning.render import Renderer

from .conftest import CLOCK_FACTOR, connect, make_spec

#: Lines the template renders that are not configuration (or that IOS never prints).
SKIP = ("!", "end")


def _rendered_per_role() -> dict[str, str]:
    state = build_city(example_divisions(), IpamSettings(), villages_per_township=1).state
    out: dict[str, str] = {}
    for code, node in state["nodes"].items():
        if node.platform == "cisco_ios" and node.network == "extranet" and node.role not in out:
            out[node.role] = code
    renderer = Renderer(state)
    return {role: renderer.render(code).text for role, code in out.items()}


RENDERED = _rendered_per_role()


@pytest.fixture(scope="module")
def fleet() -> Iterator[DeviceFleet]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        lab = DeviceFleet(
            [make_spec("cisco_ios")],
            Path(tmp) / "lab",
            network=LabNetwork(clock=LabClock(CLOCK_FACTOR)),
        )
        lab.start()
        yield lab
        lab.stop()


def _config_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip() and line.strip() not in SKIP]


@pytest.mark.parametrize("role", sorted(RENDERED))
def test_every_rendered_ios_line_is_accepted_and_printed_back(
    fleet: DeviceFleet, role: str
) -> None:
    lines = _config_lines(RENDERED[role])
    assert any(line.startswith("hostname ") for line in lines)
    conn: Any = connect(fleet, "IOS", "cisco_ios", secret=fleet.endpoint("IOS").password)
    try:
        conn.enable()
        output = conn.send_config_set(lines, cmd_verify=False, read_timeout=60)
        assert "% " not in output, output
        running = conn.send_command("show running-config", read_timeout=30)
    finally:
        conn.disconnect()
    printed = running.split("\n")
    absent = [line for line in lines if line.rstrip() not in printed]
    assert absent == [], absent
