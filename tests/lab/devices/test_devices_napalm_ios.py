"""NAPALM's core ``ios`` driver through a full configuration cycle against the emulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from napalm import get_network_driver

from lab.devices import DeviceFleet


@pytest.fixture(scope="module")
def ios(fleet: DeviceFleet) -> Iterator[Any]:
    ep = fleet.endpoint("IOS")
    driver = get_network_driver("ios")(
        ep.host,
        ep.username,
        ep.password,
        optional_args={"port": ep.port, "fast_cli": True, "conn_timeout": 10},
    )
    driver.open()
    yield driver
    driver.close()


def description(fleet: DeviceFleet, name: str) -> str:
    def read() -> str:
        node = fleet.device("IOS").running.child(f"interface {name}")
        assert node is not None
        return next((c.text for c in node.children if c.text.startswith("description")), "")

    return fleet.call(read)


def test_getters(ios: Any) -> None:
    facts = ios.get_facts()
    assert facts["hostname"] == "NY-IOS"
    assert facts["fqdn"] == "NY-IOS.lab.local"
    assert facts["serial_number"] == "SNIOS"
    assert facts["interface_list"] == ["GigabitEthernet0/1", "GigabitEthernet0/2"]
    interfaces = ios.get_interfaces()
    assert interfaces["GigabitEthernet0/1"]["description"] == "uplink"
    assert interfaces["GigabitEthernet0/1"]["mac_address"] == "00:E0:FC:12:34:01"
    config = ios.get_config()
    assert "hostname NY-IOS" in config["running"]
    assert "hostname NY-IOS" in config["startup"]


def test_merge_compare_commit_rollback(fleet: DeviceFleet, ios: Any) -> None:
    ios.load_merge_candidate(config="interface GigabitEthernet0/1\n description merged\nend\n")
    diff = ios.compare_config()
    assert "+ description merged" in diff
    ios.commit_config()
    assert description(fleet, "GigabitEthernet0/1") == "description merged"
    assert ios.get_interfaces()["GigabitEthernet0/1"]["description"] == "merged"
    assert "merged" in ios.get_config(retrieve="startup")["startup"]  # write mem happened
    ios.rollback()
    assert description(fleet, "GigabitEthernet0/1") == "description uplink"


def test_merge_with_typo_is_rolled_back(fleet: DeviceFleet, ios: Any) -> None:
    from napalm.base.exceptions import MergeConfigException

    ios.load_merge_candidate(config="interface GigabitEthernet0/2\n descripton bad\nend\n")
    with pytest.raises(MergeConfigException, match="Invalid input detected"):
        ios.commit_config()
    assert "bad" not in fleet.call(lambda: fleet.device("IOS").render_text())


def test_replace_with_revert_in_then_confirm(fleet: DeviceFleet, ios: Any) -> None:
    running = ios.get_config(retrieve="running")["running"]
    ios.load_replace_candidate(config=running.replace("description uplink", "description repl"))
    diff = ios.compare_config()
    assert "-description uplink" in diff and "+description repl" in diff
    ios.commit_config(revert_in=120)
    assert ios.has_pending_commit()
    assert description(fleet, "GigabitEthernet0/1") == "description repl"
    ios.confirm_commit()
    assert not ios.has_pending_commit()
    assert description(fleet, "GigabitEthernet0/1") == "description repl"
    ios.rollback()  # back to the configuration saved before the replace
    assert description(fleet, "GigabitEthernet0/1") == "description uplink"


def test_merge_with_revert_in_reverts_by_itself(fleet: DeviceFleet, ios: Any) -> None:
    ios.load_merge_candidate(config="interface GigabitEthernet0/2\n description trial\nend\n")
    ios.commit_config(revert_in=60)  # 60 lab seconds = 1 s of wall time here
    assert description(fleet, "GigabitEthernet0/2") == "description trial"
    device = fleet.device("IOS")
    fleet.run(_wait_for(lambda: device.pending is None))
    assert description(fleet, "GigabitEthernet0/2") == ""
    assert not ios.has_pending_commit()


def test_discard(fleet: DeviceFleet, ios: Any) -> None:
    ios.load_merge_candidate(config="interface GigabitEthernet0/2\n description discard-me\n")
    assert "discard-me" in ios.compare_config()
    ios.discard_config()
    assert ios.compare_config() == ""
    assert description(fleet, "GigabitEthernet0/2") == ""


async def _wait_for(condition: Any, limit: float = 20.0) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.05)
