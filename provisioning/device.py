"""Reaching a node's device: its management address, credentials and driver."""

from __future__ import annotations

from typing import Any

from napalm.base import NetworkDriver
from napalm.base.exceptions import ConnectionException

from .drivers import driver_class
from .errors import ProvisioningError, UnknownNodeError


class DeviceUnreachableError(ProvisioningError):
    """The device could not be reached or refused the login."""


def open_driver(inventory: Any, code: str, platform: str | None = None) -> NetworkDriver:
    """An open driver for node ``code`` (address and credential set from the inventory)."""
    from sqlalchemy import select

    from inventory.models import Node

    with inventory.sessions() as session:
        node = session.execute(select(Node).where(Node.code == code)).scalar_one_or_none()
        if node is None:
            raise UnknownNodeError(f"unknown node {code!r}")
        address, port, ref = node.mgmt_address, node.ssh_port, node.credential_ref
        platform = platform or node.platform
    if not address or not ref or not platform:
        raise DeviceUnreachableError(f"{code}: no management address, credential set or platform")
    creds = inventory.credentials.get(ref)
    cls = driver_class(platform)
    optional: dict[str, Any] = {"port": port}
    if platform == "cisco_ios":
        optional["secret"] = creds.enable_secret
    driver = cls(address, creds.username, creds.password, timeout=30, optional_args=optional)
    try:
        driver.open()
    except (ConnectionException, OSError) as exc:
        raise DeviceUnreachableError(f"{code}: {exc}") from None
    return driver


def fetch_running(inventory: Any, code: str, platform: str) -> str:
    """The running configuration of node ``code``, read from the device."""
    driver = open_driver(inventory, code, platform)
    try:
        return str(driver.get_config(retrieve="running")["running"])
    finally:
        driver.close()
