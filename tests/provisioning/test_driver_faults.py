"""Device faults with the lab's fault injection, on every platform (VRP5, VRP8, Comware 7,
IOS): unreachable and refused logins are named errors; a line refused in the middle of a
candidate leaves running line-identical; a pushing process killed with SIGKILL after
``commit trial`` / ``commit delay`` / ``revert timer`` leaves a pending commit that a new
driver instance reads from the device, and the device (VRP5: egovnet's control plane from
the new instance) reverts it at the deadline. A pending commit is confirmed or rolled back
from a new instance."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from driver_lab import OURS, PLATFORMS, PORTS, open_on, running, spec, wait_for
from napalm.base.exceptions import CommitError, MergeConfigException

from lab.devices import DeviceFleet
from lab.model import LabClock, LabNetwork
from provisioning.device import DeviceAuthError, DeviceUnreachableError
from provisioning.drivers.base import DeviceDriverError

#: Lab time runs 10x faster: a 120 s revert deadline passes in 12 s.
CLOCK_FACTOR = 10.0
CODES = {"huawei_vrp5": "F5", "huawei_vrp8": "F8", "h3c_comware7": "FC7", "cisco_ios": "FIOS"}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeviceFleet]:
    fleet = DeviceFleet(
        [spec(p, CODES[p]) for p in PLATFORMS],
        Path(tmp_path_factory.mktemp("faults")),
        network=LabNetwork(clock=LabClock(CLOCK_FACTOR)),
    )
    fleet.start()
    yield fleet
    fleet.stop()


@pytest.fixture
def drivers(fleet: DeviceFleet) -> Iterator[Any]:
    opened: list[Any] = []

    def make(platform: str) -> Any:
        driver = open_on(fleet, CODES[platform], platform)
        opened.append(driver)
        return driver

    yield make
    for driver in opened:
        driver.close()
    for platform in PLATFORMS:
        fleet.device(CODES[platform]).faults.clear()
        fleet.set_unreachable(CODES[platform], None)


@pytest.mark.parametrize("mode", ["refused", "silent"])
@pytest.mark.parametrize("platform", PLATFORMS)
def test_unreachable_is_a_named_error(fleet: DeviceFleet, platform: str, mode: str) -> None:
    code = CODES[platform]
    fleet.set_unreachable(code, mode)
    try:
        with pytest.raises(DeviceUnreachableError, match="cannot connect") as caught:
            open_on(fleet, code, platform)
        assert not isinstance(caught.value, DeviceAuthError)
    finally:
        fleet.set_unreachable(code, None)
    open_on(fleet, code, platform).close()  # reachable again


@pytest.mark.parametrize("platform", PLATFORMS)
def test_refused_login_is_a_named_error(fleet: DeviceFleet, platform: str) -> None:
    code = CODES[platform]
    fleet.device(code).faults.refuse_auth = True
    try:
        with pytest.raises(DeviceAuthError, match="login refused for user"):
            open_on(fleet, code, platform)
    finally:
        fleet.device(code).faults.clear()


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_line_rejected_mid_candidate_applies_nothing(
    fleet: DeviceFleet, drivers: Any, platform: str
) -> None:
    driver = drivers(platform)
    second = PORTS[platform][1]
    before = running(driver)
    fleet.device(CODES[platform]).faults.reject_lines.add("description second-line")
    driver.load_merge_candidate(
        config=(
            f"interface {PORTS[platform][0]}\n description first-line\n"
            f"interface {second}\n description second-line\n shutdown\n"
        )
    )
    expected = (CommitError, MergeConfigException) if platform == "cisco_ios" else DeviceDriverError
    with pytest.raises(expected):
        driver.commit_config()
    fleet.device(CODES[platform]).faults.clear()
    assert running(drivers(platform)) == before
    assert not drivers(platform).has_pending_commit()


PUSHER = """
import json, sys, time
from driver_lab import open_on_endpoint
args = json.loads(sys.argv[1])
driver = open_on_endpoint(**args["endpoint"])
driver.load_merge_candidate(config=args["config"])
try:
    driver.commit_config(revert_in=120)
except Exception as exc:  # the session dropped at the commit: the device holds it
    print("dropped", type(exc).__name__, flush=True)
else:
    print("pushed", flush=True)
time.sleep(600)
"""


def _push_then_sigkill(fleet: DeviceFleet, platform: str, config: str, dropped: bool) -> None:
    """Push ``config`` with revert_in=120 in a child process, then SIGKILL it (when it
    says it pushed, or, with ``dropped``, as soon as the device holds the commit)."""
    ep = fleet.endpoint(CODES[platform])
    endpoint = {
        "platform": platform,
        "host": ep.host,
        "port": ep.port,
        "username": ep.username,
        "password": ep.password,
    }
    support = str(Path(__file__).resolve().parents[1] / "support")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([support, os.getcwd()])}
    child = subprocess.Popen(
        [sys.executable, "-c", PUSHER, json.dumps({"endpoint": endpoint, "config": config})],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None
    if dropped:  # the client would only notice after its read timeout
        wait_for(lambda: fleet.device(CODES[platform]).pending is not None)
    else:
        assert child.stdout.readline().strip() == "pushed"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()


@pytest.mark.parametrize("platform", PLATFORMS)
def test_pusher_killed_before_confirm_device_reverts_at_deadline(
    fleet: DeviceFleet, drivers: Any, platform: str
) -> None:
    """SIGKILL after the commit-confirm and before the confirm: a new instance sees the
    pending commit; at the deadline the device has reverted by itself (VRP5: the new
    instance reverts, and says so) and no commit is pending."""
    second = PORTS[platform][1]
    before = running(drivers(platform))
    if platform == "huawei_vrp8":  # the session drops at `commit trial` itself
        fleet.device(CODES[platform]).faults.drop_on_commit = True
    config = f"interface {second}\n description killed\n"
    _push_then_sigkill(fleet, platform, config, dropped=platform == "huawei_vrp8")
    fleet.device(CODES[platform]).faults.clear()
    fresh = drivers(platform)
    assert "description killed" in running(fresh)
    assert fresh.has_pending_commit()
    wait_for(lambda: not fresh.has_pending_commit())
    assert running(fresh) == before
    if platform == "huawei_vrp5":
        assert fresh.reverted is not None and "egovnet's control plane restored" in fresh.reverted
    assert not drivers(platform).has_pending_commit()


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_new_instance_confirms_then_rolls_back(drivers: Any, platform: str) -> None:
    second = PORTS[platform][1]
    pusher = drivers(platform)
    before = running(pusher)
    pusher.load_merge_candidate(config=f"interface {second}\n description confirmed-later\n")
    pusher.commit_config(revert_in=600)
    pusher.close()
    confirmer = drivers(platform)
    assert confirmer.has_pending_commit()
    confirmer.confirm_commit()
    assert not drivers(platform).has_pending_commit()
    assert "description confirmed-later" in running(drivers(platform))
    if platform != "cisco_ios":  # NAPALM's ios driver rolls back from its own instance's file
        drivers(platform).rollback()
        assert running(drivers(platform)) == before
    else:
        confirmer.rollback()
        assert running(confirmer) == before


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_new_instance_rolls_back_a_pending_commit(drivers: Any, platform: str) -> None:
    second = PORTS[platform][1]
    pusher = drivers(platform)
    before = running(pusher)
    pusher.load_merge_candidate(config=f"interface {second}\n description abort-me\n")
    pusher.commit_config(revert_in=600)
    pusher.close()
    fresh = drivers(platform)
    assert fresh.has_pending_commit()
    fresh.rollback()
    assert not fresh.has_pending_commit()
    assert running(drivers(platform)) == before


@pytest.mark.parametrize("platform", OURS)
def test_a_second_push_while_one_is_pending_is_refused(drivers: Any, platform: str) -> None:
    """Another process's unconfirmed commit is read from the device: no new checkpoint or
    trial is laid over it."""
    second = PORTS[platform][1]
    pusher = drivers(platform)
    before = running(pusher)
    pusher.load_merge_candidate(config=f"interface {second}\n description first-push\n")
    pusher.commit_config(revert_in=600)
    other = drivers(platform)
    other.load_merge_candidate(config=f"interface {second}\n description second-push\n")
    with pytest.raises(CommitError, match="pending confirmation"):
        other.commit_config(revert_in=600)
    other.rollback()
    assert running(drivers(platform)) == before


@pytest.mark.parametrize("platform", OURS)
def test_nothing_to_roll_back_on_a_fresh_device_is_named(
    fleet: DeviceFleet, drivers: Any, platform: str
) -> None:
    if platform == "huawei_vrp8":  # VRP8 undoes the device's last commit: none yet here
        fleet.device(CODES[platform]).commits.clear()
    with pytest.raises(CommitError):
        drivers(platform).rollback()


def test_vrp5_control_plane_reverts_after_its_session_was_closed(drivers: Any) -> None:
    """The pushing process lives on but closed its session: its timer opens a new one."""
    pusher = drivers("huawei_vrp5")
    before = running(pusher)
    pusher.load_merge_candidate(config="interface GigabitEthernet0/0/2\n description closed\n")
    pusher.commit_config(revert_in=1)
    pusher.close()
    wait_for(lambda: pusher.reverted is not None)
    assert "timer in the pushing process" in pusher.reverted
    watcher = drivers("huawei_vrp5")
    assert running(watcher) == before and not watcher.has_pending_commit()
