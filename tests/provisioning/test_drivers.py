"""Our NAPALM drivers against the lab's devices over real SSH (Netmiko, ntc-templates):
merge/replace, compare, commit-confirm by each device's own mechanism, rollback that
returns the running configuration line-identical, refused lines that leave nothing behind."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from napalm.base import NetworkDriver
from napalm.ios.ios import IOSDriver

from lab.devices import DeviceFleet
from lab.model import LabClock, LabDeviceSpec, LabInterface, LabNetwork, LabRoute
from provisioning.drivers import driver_class
from provisioning.drivers.base import DeviceDriverError
from provisioning.errors import UnknownPlatformError

#: Lab time runs 60x faster: a device's 60 s timer takes 1 s.
CLOCK_FACTOR = 60.0
PORTS = {
    "huawei_vrp5": ("GigabitEthernet0/0/1", "GigabitEthernet0/0/2"),
    "huawei_vrp8": ("GE1/0/1", "GE1/0/2"),
    "h3c_comware7": ("GigabitEthernet1/0/1", "GigabitEthernet1/0/2"),
    "cisco_ios": ("GigabitEthernet0/1", "GigabitEthernet0/2"),
}
CODES = {"huawei_vrp5": "P5", "huawei_vrp8": "P8", "h3c_comware7": "C7", "cisco_ios": "IOS"}
PEERS = {"huawei_vrp5": "huawei_vrp8", "huawei_vrp8": "huawei_vrp5"}
OURS = sorted(p for p in PORTS if p != "cisco_ios")


def _spec(platform: str) -> LabDeviceSpec:
    first, second = PORTS[platform]
    peer = PEERS.get(platform)
    return LabDeviceSpec(
        code=CODES[platform],
        hostname=f"NY-{CODES[platform]}",
        platform=platform,
        role="aggregation",
        interfaces=(
            LabInterface(
                first,
                1,
                "uplink",
                "10.113.0.1/30",
                mac="00:e0:fc:12:34:01",
                peer_device=CODES[peer] if peer else None,
                peer_interface=PORTS[peer][0] if peer else None,
            ),
            LabInterface(second, 2, "", None, mac="00:e0:fc:12:34:02"),
        ),
        routes=(LabRoute("0.0.0.0/0", "10.113.0.2", first),),
        model="",
        serial=f"SN{CODES[platform]}",
    )


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeviceFleet]:
    fleet = DeviceFleet(
        [_spec(p) for p in PORTS],
        Path(tmp_path_factory.mktemp("drivers")),
        network=LabNetwork(clock=LabClock(CLOCK_FACTOR)),
    )
    fleet.start()
    yield fleet
    fleet.stop()


@pytest.fixture
def open_driver(fleet: DeviceFleet) -> Iterator[Any]:
    opened: list[NetworkDriver] = []

    def make(platform: str) -> Any:
        ep = fleet.endpoint(CODES[platform])
        optional = {"port": ep.port, "fast_cli": True, "conn_timeout": 10}
        driver = driver_class(platform)(
            ep.host, ep.username, ep.password, timeout=20, optional_args=optional
        )
        driver.open()
        opened.append(driver)
        return driver

    yield make
    for driver in opened:
        driver.close()


def _running(driver: Any) -> str:
    """The running configuration, without CE's ``!Last configuration was ...`` lines.

    A real CE rewrites those two header lines at every commit (time and user), a
    rollback included; every configuration line is compared.
    """
    text = str(driver.get_config(retrieve="running")["running"])
    return "\n".join(
        line for line in text.split("\n") if not line.startswith("!Last configuration was ")
    )


def _wait(condition: Any, limit: float = 20.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.2)


def test_registry() -> None:
    assert driver_class("cisco_ios") is IOSDriver
    assert all(issubclass(driver_class(p), NetworkDriver) for p in OURS)
    with pytest.raises(UnknownPlatformError, match="known: cisco_ios, h3c_comware7"):
        driver_class("junos")


@pytest.mark.parametrize("platform", OURS)
def test_getters(open_driver: Any, platform: str) -> None:
    driver = open_driver(platform)
    facts = driver.get_facts()
    first, second = PORTS[platform]
    assert facts["hostname"] == f"NY-{CODES[platform]}"
    assert facts["vendor"] in ("Huawei", "H3C") and facts["uptime"] >= 0
    assert first in facts["interface_list"] and second in facts["interface_list"]
    assert driver.get_interfaces_ip()[first] == {"ipv4": {"10.113.0.1": {"prefix_length": 30}}}
    interfaces = driver.get_interfaces()
    assert interfaces[first]["is_up"] and interfaces[first]["description"] == "uplink"
    config = driver.get_config(sanitized=True)
    assert f"NY-{CODES[platform]}" in config["running"] and "******" in config["running"]
    if platform in PEERS:
        peer = PEERS[platform]
        neighbors = driver.get_lldp_neighbors()
        assert [n["hostname"] for entries in neighbors.values() for n in entries] == [
            f"NY-{CODES[peer]}"
        ]


@pytest.mark.parametrize("platform", OURS)
def test_merge_commit_confirm_then_rollback_is_line_identical(
    open_driver: Any, platform: str
) -> None:
    driver = open_driver(platform)
    second = PORTS[platform][1]
    before = _running(driver)
    driver.load_merge_candidate(config=f"interface {second}\n description egovnet-merge\n")
    diff = driver.compare_config()
    assert f"interface {second}" in diff and "description egovnet-merge" in diff
    driver.commit_config(revert_in=600)
    assert driver.has_pending_commit()
    driver.confirm_commit()
    assert not driver.has_pending_commit()
    assert "description egovnet-merge" in _running(driver)
    assert driver.compare_config() == ""
    driver.rollback()
    assert _running(driver) == before


@pytest.mark.parametrize("platform", OURS)
def test_unconfirmed_commit_is_reverted_without_us(open_driver: Any, platform: str) -> None:
    """VRP8 and Comware revert by themselves; VRP5 by egovnet's control-plane timer."""
    driver = open_driver(platform)
    second = PORTS[platform][1]
    before = _running(driver)
    driver.load_merge_candidate(config=f"interface {second}\n description egovnet-trial\n")
    driver.commit_config(revert_in=1 if platform == "huawei_vrp5" else 60)
    assert "egovnet-trial" in _running(driver)
    watcher = open_driver(platform)  # a second session sees the device's own state
    _wait(lambda: _running(watcher) == before)
    if platform == "huawei_vrp5":  # not the device: egovnet reverted, and says so
        _wait(lambda: driver.reverted is not None)
        assert "egovnet's control plane restored" in driver.reverted
        assert not driver.has_pending_commit()


@pytest.mark.parametrize("platform", OURS)
def test_replace_sends_only_the_difference_and_rolls_back(open_driver: Any, platform: str) -> None:
    driver = open_driver(platform)
    second = PORTS[platform][1]
    before = _running(driver)
    intended = before.replace(
        f"interface {second}\n", f"interface {second}\n description by-replace\n"
    )
    driver.load_replace_candidate(config=intended)
    assert driver.compare_config().split("\n") == [
        f"interface {second}",
        "  description by-replace",
        "  quit",
    ]
    driver.commit_config()
    assert not driver.has_pending_commit()
    assert "description by-replace" in _running(driver)
    driver.rollback()
    assert _running(driver) == before


@pytest.mark.parametrize("platform", OURS)
def test_a_refused_line_leaves_nothing_behind(open_driver: Any, platform: str) -> None:
    driver = open_driver(platform)
    second = PORTS[platform][1]
    before = _running(driver)
    driver.load_merge_candidate(
        config=f"interface {second}\n description half-applied\n frobnicate now\n"
    )
    with pytest.raises(DeviceDriverError, match=r"'frobnicate now' refused: (Error|%)"):
        driver.commit_config()
    assert _running(driver) == before
    assert not driver.has_pending_commit()


def test_discard_forgets_the_candidate(open_driver: Any) -> None:
    driver = open_driver("huawei_vrp8")
    driver.load_merge_candidate(config="interface GE1/0/2\n description never\n")
    assert driver.compare_config()
    driver.discard_config()
    assert driver.compare_config() == ""


def test_cisco_ios_is_napalms_driver_and_rolls_back_line_identical(open_driver: Any) -> None:
    driver = open_driver("cisco_ios")
    before = _running(driver)
    driver.load_merge_candidate(config="interface GigabitEthernet0/2\n description egovnet-ios\n")
    driver.commit_config()
    assert "description egovnet-ios" in _running(driver)
    driver.rollback()

    def body(text: str) -> list[str]:
        # after the change timestamp; NAPALM's ios driver itself turns on `file prompt quiet`
        # before it saves its rollback file, so that line is there from the first commit on
        return [line for line in text.split("\n")[4:] if line != "file prompt quiet"]

    assert body(_running(driver)) == body(before)
