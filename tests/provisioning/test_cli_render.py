"""``egovnet render``: intended configuration, --platform, --diff against a file and against
a lab device over SSH, clear errors with exit status 2 for an unknown node."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from inventory.credentials import CredentialSet
from inventory.service import ManagementAccess
from lab.devices import DeviceFleet
from lab.model import LabDeviceSpec, LabInterface, LabNetwork

Run = Callable[..., Result]


@pytest.fixture
def seeded(run: Run, inventory: Any) -> Any:
    result = run("inventory", "seed", "--villages-per-township", "2")
    assert result.exit_code == 0, result.output
    return inventory


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_render_prints_the_intended_configuration(run: Run, seeded: Any) -> None:
    result = run("render", "411302001")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("#\n sysname NY-411302001\n#\n")
    assert result.output.endswith("#\nreturn\n")
    assert "irreversible-cipher ******" in result.output
    ios = run("render", "411302001", "--platform", "cisco_ios")
    assert ios.exit_code == 0 and "\nhostname NY-411302001\n" in ios.output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_unknown_node_and_platform_exit_2_without_traceback(run: Run, seeded: Any) -> None:
    result = run("render", "nope")
    assert result.exit_code == 2
    assert "error: unknown node 'nope'" in result.output and "Traceback" not in result.output
    result = run("render", "411302001", "--platform", "junos")
    assert result.exit_code == 2 and "'junos' is not one of" in result.output
    result = run("render", "411302001", "--diff", "--running", "/nonexistent.cfg")
    assert result.exit_code == 2 and "does not exist" in result.output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_diff_against_a_saved_running_configuration(run: Run, seeded: Any, tmp_path: Path) -> None:
    intended = run("render", "411302001").output
    saved = tmp_path / "running.cfg"
    saved.write_text(intended.replace(" sysname NY-411302001", " sysname OLD-NAME"), "utf-8")
    result = run("render", "411302001", "--diff", "--running", str(saved))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"--- running {saved}"
    assert lines[1] == "+++ intended 411302001 (huawei_vrp5/township-router)"
    assert "- sysname OLD-NAME" in lines and "+ sysname NY-411302001" in lines
    assert lines[-2:] == ["# remediation: 1 command(s)", "sysname NY-411302001"]
    saved.write_text(intended, "utf-8")
    same = run("render", "411302001", "--diff", "--running", str(saved))
    assert same.output.splitlines()[-1].startswith("# no changes")


@pytest.fixture
def device(tmp_path: Path) -> Iterator[DeviceFleet]:
    spec = LabDeviceSpec(
        code="411302001",
        hostname="NY-411302001",
        platform="huawei_vrp5",
        role="township-router",
        interfaces=(LabInterface("GigabitEthernet0/0/1", 1, "uplink", "10.110.1.125/30"),),
        routes=(),
        username="netops",
        password="lab-only-Pa55",
    )
    fleet = DeviceFleet([spec], tmp_path / "lab", network=LabNetwork())
    fleet.start()
    yield fleet
    fleet.stop()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_diff_reads_the_running_configuration_from_the_device(
    run: Run, seeded: Any, device: DeviceFleet
) -> None:
    ep = device.endpoint("411302001")
    seeded.credentials.put("lab", CredentialSet(username=ep.username, password=ep.password))
    seeded.set_management({"411302001": ManagementAccess(ep.host, ep.port, 161, "lab")})
    result = run("render", "411302001", "--diff")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "--- running 411302001 (device)"
    # the lab device runs a bare configuration: the baseline is what remediation adds
    assert "+ acl number 2001" in lines and "+ ntp-service unicast-server 10.111.255.12" in lines
    assert "- snmp-agent community read cipher ******" in lines  # v2c goes (B7), masked
    commands = lines[lines.index(next(x for x in lines if x.startswith("# remediation"))) + 1 :]
    assert "user-interface vty 0 4" in commands and "  acl 2001 inbound" in commands
    assert ep.password not in result.output
    # unreachable device: one line, exit 1
    seeded.set_management({"411302001": ManagementAccess("127.0.0.1", 9, 161, "lab")})
    down = run("render", "411302001", "--diff")
    assert down.exit_code == 1 and down.output.startswith("error: 411302001: ")
