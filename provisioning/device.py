"""Reaching a node's device: its management address, credentials and driver."""

from __future__ import annotations

from typing import Any

from napalm.base import NetworkDriver
from napalm.base.exceptions import ConnectionException

from .drivers import driver_class
from .errors import ProvisioningError, UnknownNodeError


class DeviceUnreachableError(ProvisioningError):
    """The device could not be reached or refused the login."""


class DeviceAuthError(DeviceUnreachableError):
    """The device refused the login (user name or password)."""


#: Seconds a connection attempt may cost at most per phase (TCP, SSH banner, login).
CONNECT_TIMEOUTS = {"conn_timeout": 10, "banner_timeout": 10, "auth_timeout": 10}


def connect(
    platform: str,
    host: str,
    username: str,
    password: str,
    *,
    port: int = 22,
    timeout: int = 30,
    optional: dict[str, Any] | None = None,
) -> NetworkDriver:
    """Open the driver of ``platform`` with bounded timeouts; failures are named:
    :class:`DeviceAuthError` for a refused login, :class:`DeviceUnreachableError` for a
    refused, silent or dropped connection (NAPALM's and Netmiko's errors wrapped)."""
    from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException
    from paramiko.ssh_exception import SSHException

    from .drivers.base import DeviceAuthenticationError

    args: dict[str, Any] = {**CONNECT_TIMEOUTS, **(optional or {}), "port": port}
    driver = driver_class(platform)(host, username, password, timeout=timeout, optional_args=args)
    try:
        driver.open()
    except (DeviceAuthenticationError, NetmikoAuthenticationException) as exc:
        raise DeviceAuthError(f"{host}:{port}: login refused for user {username!r}") from exc
    except (
        ConnectionException,
        NetmikoTimeoutException,
        SSHException,
        OSError,
        EOFError,
    ) as exc:
        raise DeviceUnreachableError(f"{host}:{port}: cannot connect: {exc}") from exc
    return driver


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
    optional: dict[str, Any] = {}
    if platform == "cisco_ios":
        optional["secret"] = creds.enable_secret
    try:
        return connect(
            platform, address, creds.username, creds.password, port=port or 22, optional=optional
        )
    except DeviceAuthError as exc:
        raise DeviceAuthError(f"{code}: {exc}") from None
    except DeviceUnreachableError as exc:
        raise DeviceUnreachableError(f"{code}: {exc}") from None


def fetch_running(inventory: Any, code: str, platform: str) -> str:
    """The running configuration of node ``code``, read from the device."""
    driver = open_driver(inventory, code, platform)
    try:
        return str(driver.get_config(retrieve="running")["running"])
    finally:
        driver.close()
