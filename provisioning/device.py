"""Reaching a node's device: its management address, credentials and driver."""

from __future__ import annotations

import contextlib
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


class FetchError(ProvisioningError):
    """A device's running configuration could not be read."""


def read_running(inventory: Any, code: str, platform: str | None = None) -> str:
    """The running configuration of node ``code``, read from the device over SSH.

    Raises :class:`DeviceUnreachableError` (or :class:`DeviceAuthError`) when no
    session opens, :class:`FetchError` when the read fails or yields nothing.
    :func:`provisioning.fetch.fetch_running` reads many nodes with it.
    """
    driver = open_driver(inventory, code, platform)
    try:
        text = driver.get_config(retrieve="running")["running"]
    except Exception as exc:  # any driver error: named per device
        raise FetchError(f"{code}: reading the running configuration failed: {exc}") from exc
    finally:
        with contextlib.suppress(Exception):  # the text is read; a failed goodbye is harmless
            driver.close()
    if not isinstance(text, str) or not text.strip():
        raise FetchError(f"{code}: the device returned an empty running configuration")
    return text
