"""H3C Comware 7: commit-confirm by ``configuration commit delay``.

``configuration commit delay <minutes>`` is issued before the change; the lines
apply at once; ``configuration commit`` confirms, and without it the device
rolls back by itself when the timer ends. For an immediate rollback (a refused
line, :meth:`rollback`) the running configuration is first saved to a checkpoint
file and restored with ``configuration replace file``.
"""

from __future__ import annotations

import math

from napalm.base.exceptions import CommitError

from .base import DeviceDriverError, NetmikoDriver, Vendor


class Comware7Driver(NetmikoDriver):
    VENDOR = Vendor(
        platform="h3c_comware7",
        vendor="H3C",
        netmiko_type="hp_comware",
        ntc_platform="hp_comware",
        show_serial=None,
        show_lldp="display lldp neighbor-information list",
        lldp_template=True,
    )
    CHECKPOINT = "flash:/egovnet-rollback.cfg"

    def _push(self, commands: list[str], message: str, revert_in: int | None) -> None:
        self._cmd(f"save {self.CHECKPOINT} force")
        self._cmd("system-view")
        if revert_in is not None:
            minutes = max(1, math.ceil(revert_in / 60))
            reply = self._cmd(f"configuration commit delay {minutes}")
            if self._refused(reply):
                self._cmd("return")
                raise CommitError(f"{self.hostname}: commit delay refused: {self._refused(reply)}")
        try:
            self._send_config(commands)
        except DeviceDriverError:
            self._restore(in_system_view=True)
            raise
        self._cmd("return")

    def _restore(self, in_system_view: bool = False) -> None:
        if not in_system_view:
            self._cmd("system-view")
        reply = self._cmd(f"configuration replace file {self.CHECKPOINT}")
        if "[Y/N]" in reply:
            reply += self._cmd("N")
        self._cmd("return")
        if "Succeeded" not in reply:
            raise CommitError(f"{self.hostname}: restoring the checkpoint failed: {reply.strip()}")

    def _confirm(self) -> None:
        self._cmd("system-view")
        reply = self._cmd("configuration commit")
        self._cmd("return")
        if self._refused(reply):
            raise CommitError(f"{self.hostname}: confirm refused: {self._refused(reply)}")

    def _revert(self, pending: bool) -> None:
        self._restore()
        if pending:  # the restored configuration is the one the timer would restore
            self._confirm()
