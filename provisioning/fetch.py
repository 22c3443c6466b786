"""Running configurations of many nodes, read concurrently over SSH.

``fetch_running(inventory, codes)`` reads each node with
:func:`provisioning.device.read_running` (management address, credential set
and platform from the inventory; ``get_config()["running"]``). Work
is spread over a thread pool (device sessions are I/O bound; Netmiko and
NAPALM are blocking). A device that cannot be reached, refuses the login or
breaks mid-read yields its exception in the result; it never costs the others.

The composition root (``web/app.py``) exposes this function as the component
``"fetcher"``; security code receives it as a parameter (``security`` must not
import ``provisioning``, which imports ``security`` for the push gate).
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .device import FetchError, read_running

__all__ = ["FetchError", "fetch_running"]


def _one(inventory: Any, code: str) -> str | Exception:
    try:
        return read_running(inventory, code)
    except Exception as exc:  # one bad device never costs the others
        return exc


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
