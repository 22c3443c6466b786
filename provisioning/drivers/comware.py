"""H3C Comware 7: commit-confirm by ``configuration commit delay``.

``configuration commit delay <minutes>`` is issued before the change; the lines
apply at once; ``configuration commit`` confirms, and without it the device
rolls back by itself when the timer ends. For an immediate rollback (a refused
line, :meth:`rollback`) the running configuration is first saved to a checkpoint
file and restored with ``configuration replace file``.

Comware prints no commit-delay state (no ``display`` command shows the timer), so
the driver saves a marker file named after the deadline in the device's clock
(``egovnet-pending-YYYYMMDDHHMMSS.cfg``, a few seconds after the device's own
deadline) before arming the delay: any new driver instance reads it, confirms or
rolls back; a marker past its deadline means the device has reverted by itself
and is removed.
"""

from __future__ import annotations

import math

from napalm.base.exceptions import CommitError

from .base import DeviceDriverError, NetmikoDriver, Vendor

#: Device seconds added to the delay in the marker (clock read before the delay command).
MARGIN = 5


class Comware7Driver(NetmikoDriver):
    VENDOR = Vendor(
        platform="h3c_comware7",
        vendor="H3C",
        netmiko_type="hp_comware",
        ntc_platform="hp_comware",
        show_serial=None,
        show_lldp="display lldp neighbor-information list",
        lldp_template=True,
        # ``10:14:43 Beijing Thu 04/04/2019`` (milliseconds on some releases)
        clock_pattern=r"(?P<time>\d{2}:\d{2}:\d{2})(?:\.\d+)? \S+ \w{3} (?P<date>\d{2}/\d{2}/\d{4})",
        clock_date_format="%m/%d/%Y",
        flash_prefix="flash:/",
    )
    CHECKPOINT = "egovnet-rollback.cfg"

    def _save_force(self, name: str) -> None:
        reply = self._cmd(f"save flash:/{name} force")
        if self._refused(reply) or "invalid" in reply:
            raise CommitError(f"{self.hostname}: cannot save {name}: {reply.strip()}")

    def _clear_markers(self) -> None:
        for name, _deadline in self._markers():
            self._delete_file(name)

    def _push(self, commands: list[str], message: str, revert_in: int | None) -> None:
        self._save_force(self.CHECKPOINT)
        minutes = max(1, math.ceil(revert_in / 60)) if revert_in is not None else 0
        if revert_in is not None:
            self._clear_markers()
            self._save_force(self._marker_name(minutes * 60 + MARGIN))
        self._cmd("system-view")
        if revert_in is not None:
            reply = self._cmd(f"configuration commit delay {minutes}")
            if self._refused(reply):
                self._cmd("return")
                self._clear_markers()
                raise CommitError(f"{self.hostname}: commit delay refused: {self._refused(reply)}")
        try:
            self._send_config(commands)
        except DeviceDriverError:
            self._restore(in_system_view=True)
            if revert_in is not None:  # stop the device's timer: nothing is left to revert
                self._confirm()
            raise
        self._cmd("return")

    def _restore(self, in_system_view: bool = False) -> None:
        if not in_system_view:
            self._cmd("system-view")
        reply = self._cmd(f"configuration replace file flash:/{self.CHECKPOINT}")
        if "[Y/N]" in reply:
            reply += self._cmd("N")
        self._cmd("return")
        if "Succeeded" not in reply:
            raise CommitError(f"{self.hostname}: restoring the checkpoint failed: {reply.strip()}")

    def _device_pending(self) -> bool:
        markers = self._markers()
        if not markers:
            return False
        now = self._device_now()
        live = False
        for name, deadline in markers:
            if deadline > now:
                live = True
            else:  # the device rolled back by itself at its deadline
                self._delete_file(name)
        return live

    def _confirm(self) -> None:
        self._cmd("system-view")
        reply = self._cmd("configuration commit")
        self._cmd("return")
        if self._refused(reply):
            raise CommitError(f"{self.hostname}: confirm refused: {self._refused(reply)}")
        self._clear_markers()

    def _revert(self, pending: bool) -> None:
        if not pending and self.CHECKPOINT not in self._flash_files():
            raise CommitError(f"{self.hostname}: nothing to roll back")
        self._restore()
        if pending:  # the restored configuration is the one the timer would restore
            self._confirm()
        self._delete_file(self.CHECKPOINT)
