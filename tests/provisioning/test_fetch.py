"""``provisioning.fetch.fetch_running``: running configurations of several lab devices over
real SSH, concurrently; a device that refuses the login, one that is not there and an
unknown code each get their error, and never cost the others."""

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
from provisioning.device import DeviceUnreachableError
from provisioning.errors import UnknownNodeError
from provisioning.fetch import fetch_running

Run = Callable[..., Result]
PORTS = {"huawei_vrp5": "GigabitEthernet0/0/1", "h3c_comware7": "GigabitEthernet1/0/1"}
NODES = {"411302001": "huawei_vrp5", "411302002": "h3c_comware7", "411302003": "huawei_vrp5"}


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[DeviceFleet]:
    specs = [
        LabDeviceSpec(
            code=code,
            hostname=f"NY-{code}",
            platform=platform,
            role="township-router",
            interfaces=(LabInterface(PORTS[platform], 1, "uplink", f"10.110.1.{4 * n + 1}/30"),),
            username="netops",
            password="lab-only-Pa55",
        )
        for n, (code, platform) in enumerate(NODES.items())
    ]
    lab = DeviceFleet(specs, tmp_path / "lab", network=LabNetwork())
    lab.start()
    yield lab
    lab.stop()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_each_device_gets_its_text_or_its_error(
    run: Run, inventory: Any, fleet: DeviceFleet
) -> None:
    assert run("inventory", "seed", "--villages-per-township", "2").exit_code == 0
    inventory.credentials.put("lab", CredentialSet(username="netops", password="lab-only-Pa55"))
    access = {}
    for code in NODES:
        ep = fleet.endpoint(code)
        access[code] = ManagementAccess(ep.host, ep.port, 161, "lab")
    access["411303002"] = ManagementAccess("127.0.0.1", 9, 161, "lab")  # nothing listens
    inventory.set_management(access)
    fleet.device("411302003").faults.refuse_auth = True
    codes = ["411302001", "411302002", "411302003", "411303002", "nope", "411302001"]
    got = fetch_running(inventory, codes, width=4)
    assert list(got) == ["411302001", "411302002", "411302003", "411303002", "nope"]
    vrp, comware = got["411302001"], got["411302002"]
    assert isinstance(vrp, str) and "sysname NY-411302001" in vrp
    assert isinstance(comware, str) and "sysname NY-411302002" in comware
    assert isinstance(got["411302003"], DeviceUnreachableError)
    assert isinstance(got["411303002"], DeviceUnreachableError)
    assert "411303002" in str(got["411303002"])
    assert isinstance(got["nope"], UnknownNodeError)
    assert "lab-only-Pa55" not in " ".join(str(v) for v in got.values() if isinstance(v, Exception))
    assert fetch_running(inventory, []) == {}
