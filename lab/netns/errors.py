"""Exceptions of the network-namespace lab.

``LabError`` is the root; the lead may hoist it to ``lab/errors.py`` later and
keep this name as an alias.
"""

from __future__ import annotations


class LabError(Exception):
    """Root of every error raised by :mod:`lab.netns`."""


class LabPrivilegeError(LabError):
    """The lab needs root and a working ``ip netns`` (and ``nft``, ``snmpd``)."""


class TopologyError(LabError):
    """The topology description is inconsistent (says which node or link)."""


class CommandError(LabError):
    """A system command (``ip``, ``nft``, ``snmpd`` ...) failed."""

    def __init__(self, argv: list[str], returncode: int, stderr: str) -> None:
        self.argv = argv
        self.returncode = returncode
        self.stderr = stderr
        super().__init__(f"{' '.join(argv)!r} exited {returncode}: {stderr.strip()[:500]}")
