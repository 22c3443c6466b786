"""Fault injection, observed through real SSH clients (asyncssh and Netmiko)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Iterator

import asyncssh
import pytest
from netmiko.exceptions import NetmikoAuthenticationException

from lab.devices import DeviceFleet

CliRunner = Callable[..., list[str]]
Waiter = Callable[..., None]


@pytest.fixture(autouse=True)
def healthy(fleet: DeviceFleet) -> Iterator[None]:
    yield
    for device in fleet.devices():
        if device.faults.unreachable:
            fleet.set_unreachable(device.spec.code, None)
        device.faults.clear()


def test_refuse_auth(fleet: DeviceFleet, netmiko_connect: Callable[..., object]) -> None:
    fleet.device("VRP5").faults.refuse_auth = True
    with pytest.raises(NetmikoAuthenticationException):
        netmiko_connect("VRP5", "huawei")


def test_slow_device_still_answers(fleet: DeviceFleet, cli: CliRunner) -> None:
    fleet.device("IOS").faults.delay = 0.4
    started = time.monotonic()
    replies = cli("IOS", ["show version", "show clock"])
    assert "Cisco IOS Software" in replies[0]
    assert time.monotonic() - started >= 0.8  # two answers, each held back 0.4 s


def test_drop_after_commands(fleet: DeviceFleet, cli: CliRunner) -> None:
    fleet.device("CW7").faults.drop_after_commands = 2
    assert cli("CW7", ["display version", "display clock"])[0]
    with pytest.raises((EOFError, asyncssh.Error, ConnectionError)):
        cli("CW7", ["display version", "display clock", "display version"])


def test_drop_on_commit_trial_still_reverts(
    fleet: DeviceFleet, cli: CliRunner, wait_until: Waiter
) -> None:
    device = fleet.device("VRP8")
    device.faults.drop_on_commit = True
    with pytest.raises((EOFError, asyncssh.Error, ConnectionError)):
        cli(
            "VRP8",
            [
                "system-view",
                "interface GigabitEthernet1/0/2",
                "description lost-answer",
                "commit trial 60",
            ],
        )
    assert device.pending is not None  # the device did commit before the session dropped
    assert "lost-answer" in fleet.call(device.render_text)
    wait_until(lambda: device.pending is None)
    assert "lost-answer" not in fleet.call(device.render_text)


def test_reject_line(fleet: DeviceFleet, cli: CliRunner) -> None:
    device = fleet.device("VRP5")
    device.faults.reject_lines.add("description refused")
    replies = cli(
        "VRP5",
        [
            "system-view",
            "interface GigabitEthernet0/0/2",
            "description refused",
            "description accepted",
        ],
    )
    assert "Error: Unrecognized command found at '^' position." in replies[2]
    text = fleet.call(device.render_text)
    assert "refused" not in text and "description accepted" in text


def test_unreachable_refused_then_back(fleet: DeviceFleet, cli: CliRunner) -> None:
    ep = fleet.endpoint("VRP5")
    fleet.set_unreachable("VRP5", "refused")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((ep.host, ep.port), timeout=2).close()
    fleet.set_unreachable("VRP5", None)
    assert fleet.endpoint("VRP5").port == ep.port
    assert "VRP (R)" in cli("VRP5", ["display version"])[0]


def test_unreachable_silent(fleet: DeviceFleet) -> None:
    ep = fleet.endpoint("IOS")
    fleet.set_unreachable("IOS", "silent")
    with socket.create_connection((ep.host, ep.port), timeout=2) as sock:
        sock.settimeout(0.5)
        with pytest.raises(TimeoutError):
            sock.recv(100)  # TCP accepted, no SSH banner ever

    async def login() -> None:
        await asyncssh.connect(
            ep.host,
            ep.port,
            username=ep.username,
            password=ep.password,
            known_hosts=None,
            login_timeout=1,
        )

    with pytest.raises((asyncio.TimeoutError, asyncssh.Error)):
        asyncio.run(login())


def test_command_log(fleet: DeviceFleet, cli: CliRunner) -> None:
    device = fleet.device("CW7")
    before = len(device.commands)
    cli("CW7", ["display clock", "system-view", "sysname NY-CW7"])
    lines = [record.line for record in device.commands[before:]]
    assert lines == ["display clock", "system-view", "sysname NY-CW7"]
    assert device.commands[-1].prompt == "[NY-CW7]"
