"""The lab's exception root: every lab error (devices, SNMP, netns, runner) is a LabError."""

from __future__ import annotations


class LabError(Exception):
    """Root of every error raised by :mod:`lab`."""


class LabConfigError(LabError):
    """What the lab was given cannot be used at all (a lab database URL without a driver...).

    ``egovnet lab`` exits with status 2 for it, as for a usage error; other lab
    errors are refusals (status 1).
    """
