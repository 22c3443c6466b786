"""Lab devices of every driver platform, and drivers opened on them (shared by the
driver fault tests, backup/drift tests and the push benchmark)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from lab.devices import DeviceFleet
from lab.model import LabDeviceSpec, LabInterface, LabRoute
from provisioning.device import connect

PORTS = {
    "huawei_vrp5": ("GigabitEthernet0/0/1", "GigabitEthernet0/0/2"),
    "huawei_vrp8": ("GE1/0/1", "GE1/0/2"),
    "h3c_comware7": ("GigabitEthernet1/0/1", "GigabitEthernet1/0/2"),
    "cisco_ios": ("GigabitEthernet0/1", "GigabitEthernet0/2"),
}
PLATFORMS = sorted(PORTS)
OURS = [p for p in PLATFORMS if p != "cisco_ios"]
#: Bounded connection timeouts: an unreachable device costs seconds, not minutes.
FAST = {"fast_cli": True, "conn_timeout": 3, "banner_timeout": 3, "auth_timeout": 3}


def spec(platform: str, code: str) -> LabDeviceSpec:
    """One lab device of ``platform`` with an addressed uplink and a spare port."""
    first, second = PORTS[platform]
    return LabDeviceSpec(
        code=code,
        hostname=f"NY-{code}",
        platform=platform,
        role="aggregation",
        interfaces=(
            LabInterface(first, 1, "uplink", "10.113.0.1/30", mac="00:e0:fc:12:34:01"),
            LabInterface(second, 2, "", None, mac="00:e0:fc:12:34:02"),
        ),
        routes=(LabRoute("0.0.0.0/0", "10.113.0.2", first),),
        model="",
        serial=f"SN{code}",
    )


def open_on(fleet: DeviceFleet, code: str, platform: str, timeout: int = 20) -> Any:
    """An open driver of ``platform`` on lab device ``code`` (errors named by ``connect``)."""
    ep = fleet.endpoint(code)
    return connect(
        platform, ep.host, ep.username, ep.password, port=ep.port, timeout=timeout, optional=FAST
    )


def running(driver: Any) -> str:
    """The running configuration without the lines a real device rewrites at every commit
    (CE ``!Last configuration was ...``; IOS's change stamp and NAPALM's own
    ``file prompt quiet``)."""
    text = str(driver.get_config(retrieve="running")["running"])
    return "\n".join(
        line
        for line in text.split("\n")
        if not line.startswith(("!Last configuration was ", "! Last configuration change"))
        and line not in ("file prompt quiet",)
        and not line.startswith(("Building configuration", "Current configuration :"))
    )


def wait_for(condition: Callable[[], bool], limit: float = 30.0) -> None:
    """Poll ``condition`` until true (fails the test after ``limit`` seconds)."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.3)


def open_on_endpoint(platform: str, host: str, port: int, username: str, password: str) -> Any:
    """An open driver on an endpoint given by value (for child processes)."""
    return connect(platform, host, username, password, port=port, timeout=20, optional=FAST)
