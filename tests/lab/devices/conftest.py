"""Fixtures: one emulated fleet (one device per platform) per test module."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import asyncssh
import pytest
from netmiko import ConnectHandler
from netmiko.base_connection import BaseConnection

from lab.devices import DeviceFleet
from lab.model import LabClock, LabDeviceSpec, LabInterface, LabNetwork, LabRoute

#: Lab time runs 60x faster: a 60 s device timer takes 1 s.
CLOCK_FACTOR = 60.0

PLATFORM_IFACES = {
    "huawei_vrp5": ("GigabitEthernet0/0/1", "GigabitEthernet0/0/2"),
    "huawei_vrp8": ("GigabitEthernet1/0/1", "GigabitEthernet1/0/2"),
    "h3c_comware7": ("GigabitEthernet1/0/1", "GigabitEthernet1/0/2"),
    "cisco_ios": ("GigabitEthernet0/1", "GigabitEthernet0/2"),
}
CODES = {"huawei_vrp5": "VRP5", "huawei_vrp8": "VRP8", "h3c_comware7": "CW7", "cisco_ios": "IOS"}


def make_spec(
    platform: str, code: str | None = None, peer: str | None = None, peer_if: str | None = None
) -> LabDeviceSpec:
    """A two-interface device of ``platform``; the first interface is linked to ``peer``."""
    code = code or CODES[platform]
    first, second = PLATFORM_IFACES[platform]
    return LabDeviceSpec(
        code=code,
        hostname=f"NY-{code}",
        platform=platform,
        role="county",
        interfaces=(
            LabInterface(
                first,
                1,
                "uplink",
                "10.113.0.1/30",
                mac="00:e0:fc:12:34:01",
                peer_device=peer,
                peer_interface=peer_if,
            ),
            LabInterface(second, 2, "", None, mac="00:e0:fc:12:34:02"),
        ),
        routes=(LabRoute("0.0.0.0/0", "10.113.0.2", first),),
        model="",
        serial=f"SN{code}",
    )


def all_specs() -> list[LabDeviceSpec]:
    """One device per platform; VRP8's uplink is linked to VRP5's."""
    return [
        make_spec("huawei_vrp5", peer="VRP8", peer_if="GigabitEthernet1/0/1"),
        make_spec("huawei_vrp8", peer="VRP5", peer_if="GigabitEthernet0/0/1"),
        make_spec("h3c_comware7"),
        make_spec("cisco_ios"),
    ]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeviceFleet]:
    """A running fleet shared by the tests of one module."""
    state: Path = tmp_path_factory.mktemp("fleet")
    network = LabNetwork(clock=LabClock(CLOCK_FACTOR))
    fleet = DeviceFleet(all_specs(), state, network=network)
    fleet.start()
    yield fleet
    fleet.stop()


def connect(fleet: DeviceFleet, code: str, device_type: str, **extra: Any) -> BaseConnection:
    """A Netmiko session with waits tuned for loopback."""
    ep = fleet.endpoint(code)
    return ConnectHandler(
        device_type=device_type,
        host=ep.host,
        port=ep.port,
        username=ep.username,
        password=ep.password,
        fast_cli=True,
        conn_timeout=10,
        **extra,
    )


Connector = Callable[..., BaseConnection]


@pytest.fixture(scope="module")
def netmiko_connect(fleet: DeviceFleet) -> Connector:
    """``netmiko_connect(code, device_type, **extra)`` -> a Netmiko session to a fleet device."""

    def _connect(code: str, device_type: str, **extra: Any) -> BaseConnection:
        return connect(fleet, code, device_type, **extra)

    return _connect


PROMPT = re.compile(r"(?:[>#\]]|\[Y/N\]:|\]:|\? )\s*$")


async def cli_session(
    fleet: DeviceFleet, code: str, lines: list[str], timeout: float = 10.0
) -> list[str]:
    """Log in with asyncssh (a real SSH client), send ``lines``, return each reply."""
    ep = fleet.endpoint(code)
    replies: list[str] = []
    async with asyncssh.connect(
        ep.host,
        ep.port,
        username=ep.username,
        password=ep.password,
        known_hosts=None,
        login_timeout=timeout,
    ) as conn:
        proc = await conn.create_process(term_type="vt100")

        async def until_prompt() -> str:
            data = ""
            while not PROMPT.search(data):
                chunk = await asyncio.wait_for(proc.stdout.read(65536), timeout)
                if not chunk:
                    raise EOFError(f"session closed after {data!r}")
                data += chunk
            return data

        await until_prompt()
        for line in lines:
            proc.stdin.write(line + "\n")
            replies.append((await until_prompt()).replace("\r\n", "\n"))
    return replies


CliRunner = Callable[..., list[str]]


@pytest.fixture(scope="module")
def cli(fleet: DeviceFleet) -> CliRunner:
    """``cli(code, [lines])`` -> replies, through a fresh SSH session."""

    def run(code: str, lines: list[str], timeout: float = 10.0) -> list[str]:
        return asyncio.run(cli_session(fleet, code, lines, timeout))

    return run


@pytest.fixture(scope="module")
def wait_until(fleet: DeviceFleet) -> Callable[..., None]:
    """``wait_until(condition)``: poll in the fleet's loop until true (fails after a limit)."""

    def wait(condition: Callable[[], bool], limit: float = 30.0) -> None:
        fleet.run(_poll(condition, limit), timeout=limit + 5)

    return wait


async def _poll(condition: Callable[[], bool], limit: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.05)
