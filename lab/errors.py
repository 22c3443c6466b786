"""The lab's exception root: every lab error (devices, SNMP, netns, runner) is a LabError."""

from __future__ import annotations


class LabError(Exception):
    """Root of every error raised by :mod:`lab`."""
