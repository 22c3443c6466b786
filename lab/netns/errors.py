"""Exceptions of the network-namespace lab (all under :class:`lab.errors.LabError`)."""

from __future__ import annotations

from lab.errors import LabError

__all__ = ["CommandError", "LabError", "LabPrivilegeError", "TopologyError"]


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
