"""Commit-confirm as the devices do it; timers run on the lab clock (60x here)."""

from __future__ import annotations

from collections.abc import Callable

from lab.devices import DeviceFleet

CliRunner = Callable[..., list[str]]
Waiter = Callable[..., None]


def config(fleet: DeviceFleet, code: str) -> str:
    return fleet.call(lambda: fleet.device(code).render_text())


def test_vrp8_trial_reverts_when_unconfirmed(
    fleet: DeviceFleet, cli: CliRunner, wait_until: Waiter
) -> None:
    device = fleet.device("VRP8")
    commits_before = len(device.commits)
    replies = cli(
        "VRP8",
        [
            "system-view",
            "interface GigabitEthernet1/0/2",
            "description trial-unconfirmed",
            "commit trial 60",
            "return",
        ],
    )
    assert "[*NY-VRP8-GigabitEthernet1/0/2]" in replies[2]
    assert "rolled back in 60 seconds" in replies[3]
    assert "trial-unconfirmed" in config(fleet, "VRP8")
    wait_until(lambda: device.pending is None)
    assert "trial-unconfirmed" not in config(fleet, "VRP8")
    history = cli("VRP8", ["display configuration commit list"])[0]
    assert len(device.commits) == commits_before + 2  # the trial and its rollback
    assert str(device.commits[-1].commit_id) in history


def test_vrp8_trial_confirmed_and_aborted(fleet: DeviceFleet, cli: CliRunner) -> None:
    device = fleet.device("VRP8")
    replies = cli(
        "VRP8",
        [
            "system-view",
            "interface GigabitEthernet1/0/2",
            "description trial-kept",
            "commit trial 600",
            "commit",
            "description trial-aborted",
            "commit trial",
            "abort trial",
            "commit trial 30",
        ],
    )
    assert "confirmed" in replies[4]
    assert "Error: Wrong parameter found at '^' position." in replies[8]
    assert device.pending is None
    text = config(fleet, "VRP8")
    assert "description trial-kept" in text and "trial-aborted" not in text


def test_vrp8_rollback_by_commit_id(fleet: DeviceFleet, cli: CliRunner) -> None:
    device = fleet.device("VRP8")
    cli("VRP8", ["system-view", "interface GigabitEthernet1/0/2", "description by-id", "commit"])
    commit_id = device.commits[-1].commit_id
    assert "by-id" in config(fleet, "VRP8")
    reply = cli("VRP8", [f"rollback configuration to commit-id {commit_id}"])[0]
    assert "Succeeded" in reply
    assert "by-id" not in config(fleet, "VRP8")


def test_comware_commit_delay(fleet: DeviceFleet, cli: CliRunner, wait_until: Waiter) -> None:
    device = fleet.device("CW7")
    cli(
        "CW7",
        [
            "system-view",
            "configuration commit delay 2",
            "interface GigabitEthernet1/0/2",
            "description delayed-kept",
            "configuration commit",
        ],
    )
    assert device.pending is None and "delayed-kept" in config(fleet, "CW7")
    cli(
        "CW7",
        [
            "system-view",
            "configuration commit delay 1",
            "interface GigabitEthernet1/0/2",
            "shutdown",
            "description delayed-lost",
        ],
    )
    assert fleet.network.devices["CW7"].admin_up("GigabitEthernet1/0/2") is False
    wait_until(lambda: device.pending is None)
    text = config(fleet, "CW7")
    assert "delayed-lost" not in text and "delayed-kept" in text
    assert fleet.network.devices["CW7"].admin_up("GigabitEthernet1/0/2") is True


def test_comware_replace_file(fleet: DeviceFleet, cli: CliRunner) -> None:
    replies = cli(
        "CW7",
        [
            "save force",
            "system-view",
            "interface GigabitEthernet1/0/2",
            "description to-be-replaced",
            "configuration replace file flash:/startup.cfg",
            "n",
        ],
    )
    assert "Succeeded in replacing" in replies[-1]
    assert "to-be-replaced" not in config(fleet, "CW7")


def test_ios_revert_timer_and_revert_now(fleet: DeviceFleet, cli: CliRunner) -> None:
    replies = cli(
        "IOS",
        [
            "configure terminal revert timer 5",
            "interface GigabitEthernet0/2",
            "description revert-now",
            "end",
            "show archive config rollback timer",
            "configure revert now",
        ],
    )
    assert "User: egov" in replies[4] and "Timer value: 5 min" in replies[4]
    assert "Rollback Done" in replies[5]
    assert "revert-now" not in config(fleet, "IOS")
