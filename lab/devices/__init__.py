"""SSH device emulators: many Huawei VRP5/VRP8, H3C Comware 7 and Cisco IOS devices in
one asyncio process, one listening port per device (usage, not a doctest)::

    from lab.devices import DeviceFleet
    with DeviceFleet(specs, state_dir) as fleet:
        ep = fleet.endpoint("NY-001")  # host, port, username, password
"""

from lab.devices.device import CommandRecord, CommitRecord, LabDevice
from lab.devices.dialects import get_dialect, platforms
from lab.devices.errors import FleetError, LabDeviceError, UnknownPlatformError
from lab.devices.faults import Faults
from lab.devices.server import DeviceEndpoint, DeviceFleet, raise_open_file_limit

__all__ = [
    "CommandRecord",
    "CommitRecord",
    "DeviceEndpoint",
    "DeviceFleet",
    "Faults",
    "FleetError",
    "LabDevice",
    "LabDeviceError",
    "UnknownPlatformError",
    "get_dialect",
    "platforms",
    "raise_open_file_limit",
]
