"""Running configurations of many nodes, read concurrently over SSH.

``fetch_running(inventory, codes)`` opens each node's driver
(:func:`provisioning.device.open_driver`: management address, credential set
and platform from the inventory) and reads ``get_config()["running"]``. Work
is spread over a thread pool (device sessions are I/O bound; Netmiko and
NAPALM are blocking). A device that cannot be reached, refuses the login or
breaks mid-read yields its exception in the result; it never costs the others.

The composition root (``web/app.py``) exposes this function as the component
``"fetcher"``; security code receives it as a parameter (``security`` must not
import ``provisioning``, which imports ``security`` for the push gate).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .device import open_driver
from .errors import ProvisioningError


class FetchError(ProvisioningError):
    """A device's running configuration could not be read."""


def _one(inventory: Any, code: str) -> str | Exception:
    try:
        driver = open_driver(inventory, code)
    except Exception as exc:  # one bad device never costs the others
        return exc
    try:
        text = driver.get_config(retrieve="running")["running"]
    except Exception as exc:  # reported per device
        return FetchError(f"{code}: reading the running configuration failed: {exc}")
    finally:
        with contextlib.suppress(Exception):  # the text is read; a failed goodbye is harmless
            driver.close()
    if not isinstance(text, str) or not text.strip():
        return FetchError(f"{code}: the device returned an empty running configuration")
    return text


def fetch_running(
    inventory: Any, codes: Iterable[str], *, width: int = 16
) -> dict[str, str | Exception]:
    """Node code -> its running configuration text, or the exception that prevented it.

    ``width`` bounds the concurrent SSH sessions. The result has one entry per
    distinct code, in the order given.
    """
    unique = list(dict.fromkeys(codes))
    if not unique:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(width, len(unique)))) as pool:
        results = list(pool.map(lambda code: _one(inventory, code), unique))
    return dict(zip(unique, results, strict=True))
