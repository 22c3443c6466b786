"""Net-SNMP command-line helpers for the SNMP agent tests."""

from __future__ import annotations

import os
import subprocess

AUTH = "authkey-lab"
PRIV = "privkey-lab"
NETSNMP_ENV = {**os.environ, "MIBS": "", "MIBDIRS": "/nonexistent"}


def run_netsnmp(tool: str, *args: str, timeout: float = 20.0) -> subprocess.CompletedProcess[str]:
    """Run a Net-SNMP command-line tool with numeric OIDs and no MIB files."""
    return subprocess.run(
        [tool, "-m", "", "-On", "-t", "2", "-r", "1", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=NETSNMP_ENV,
        check=False,
    )


def v3_args(
    context: str = "", user: str = "nms", auth: str = "SHA", priv: str = "AES"
) -> list[str]:
    """Net-SNMP arguments for an authPriv request."""
    args = ["-v3", "-l", "authPriv", "-u", user, "-a", auth, "-A", AUTH, "-x", priv, "-X", PRIV]
    return [*args, "-n", context] if context else args


def parse(output: str) -> dict[str, str]:
    """``{numeric oid: value text}`` from ``-On`` output (single-line values)."""
    values: dict[str, str] = {}
    for line in output.splitlines():
        if " = " in line:
            oid, value = line.split(" = ", 1)
            values[oid.strip()] = value.strip()
    return values


def number(value: str) -> int:
    """The integer of ``Counter64: 42`` / ``Timeticks: (42) 0:00:00.42`` / ``INTEGER: 2``."""
    text = value.split(":", 1)[1].strip()
    if text.startswith("("):
        text = text[1 : text.index(")")]
    return int(text.split()[0])
