"""Device host names (``sysname`` / ``hostname``) derived from node codes.

Node codes are statistical division codes (``411302``), so they are often all
digits. A numeric sysname trips real tooling (napalm-huawei-vrp's LLDP parser
reads a numeric system name as a port count; Cisco wants a host name that
starts with a letter), so a code that does not start with a letter gets a
prefix. The templates and the lab use this one rule, so the configuration the
product renders and the one the lab runs name a device alike.
"""

from __future__ import annotations

import re

#: Prefix of a host name whose code does not start with a letter (configurable per call).
DEFAULT_PREFIX = "NY"
#: Longest host name every platform accepts (IOS: 63; VRP and Comware allow more).
MAX_LENGTH = 63

_BAD = re.compile(r"[^A-Za-z0-9-]")


def sysname(code: str, prefix: str = DEFAULT_PREFIX) -> str:
    """The device host name of node ``code``: never all digits, letters first.

    Characters other than letters, digits and ``-`` become ``-`` (IOS accepts no
    others in a host name).

    >>> sysname("411302")
    'NY-411302'
    >>> sysname("4113-EGW")
    'NY-4113-EGW'
    >>> sysname("ISP-CT")
    'ISP-CT'
    >>> sysname("lab_1.a", prefix="X")
    'lab-1-a'
    """
    if not prefix or not prefix[0].isalpha():
        raise ValueError(f"sysname prefix must start with a letter, got {prefix!r}")
    name = _BAD.sub("-", code)
    if not name[:1].isalpha():
        name = f"{prefix}-{name}"
    return name[:MAX_LENGTH]
