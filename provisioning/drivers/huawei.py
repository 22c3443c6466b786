"""Huawei drivers: VRP8 commits with ``commit trial``; VRP5 has no commit-confirm.

VRP8 (CE/NE, two-stage): the commands go into the candidate, ``commit trial <s>``
applies them and the device rolls back by itself unless ``commit`` confirms in time;
``abort trial`` rolls back at once, ``rollback configuration last 1`` undoes a
confirmed commit. A refused line leaves the candidate uncommitted and discarded.
Whether a trial awaits confirmation is read from ``display configuration trial status``,
so a new process can confirm or abort it.

VRP5 (AR/S) applies every line at once and has no commit-confirm. Before a push
the running configuration is saved as a checkpoint file; a refused line, a
rollback or a revert restores it with ``rollback configuration to file``. With
``revert_in`` the revert is performed by **egovnet's control plane, not by the
device**: a marker file named after the deadline in the device's clock
(``egovnet-pending-YYYYMMDDHHMMSS.cfg``) is saved on flash before the change, a
timer in the pushing process restores the checkpoint at the deadline, and any
later driver instance that finds the marker overdue (the pushing process died)
restores it at once and says so (:attr:`HuaweiVrp5Driver.reverted`, a warning log).
Until some instance of egovnet looks at the device again, an overdue change stays.
"""

from __future__ import annotations

import logging
import re
import threading

from napalm.base.exceptions import CommitError, ConnectionException

from .base import DeviceDriverError, NetmikoDriver, Vendor

QUESTION = "[Y"
log = logging.getLogger(__name__)


class HuaweiVrp8Driver(NetmikoDriver):
    """CE/VRP8: commit-confirm by ``commit trial``."""

    VENDOR = Vendor(
        platform="huawei_vrp8",
        vendor="Huawei",
        netmiko_type="huawei_vrpv8",
        ntc_platform="huawei_vrp",
    )

    def _system_view(self) -> None:
        self._cmd("system-view")

    def _return(self, discard: bool = False) -> None:
        reply = self._cmd("return")
        if QUESTION in reply:  # uncommitted candidate: commit it (Y) or drop it (N)
            self._cmd("N" if discard else "Y")

    def _push(self, commands: list[str], message: str, revert_in: int | None) -> None:
        self._system_view()
        try:
            self._send_config(commands)
        except DeviceDriverError:
            self._return(discard=True)
            raise
        if revert_in is not None:
            if not 60 <= revert_in <= 65535:
                self._return(discard=True)
                raise CommitError(f"{self.hostname}: revert_in must be 60..65535 s on VRP8")
            verb = f"commit trial {revert_in}"
        else:
            verb = f'commit comment "{message}"' if message else "commit"
        reply = self._cmd(verb)
        refused = self._refused(reply)
        if refused:
            self._return(discard=True)
            raise DeviceDriverError(f"{self.hostname}: {verb!r} refused: {refused}")
        self._return()

    def _device_pending(self) -> bool:
        status = self._show("display configuration trial status")
        return re.search(r"Trial status\s*:\s*running", status, re.I) is not None

    def _confirm(self) -> None:
        self._system_view()
        reply = self._cmd("commit")
        self._return()
        if self._refused(reply):
            raise CommitError(f"{self.hostname}: confirm refused: {self._refused(reply)}")

    def _revert(self, pending: bool) -> None:
        command = "abort trial" if pending else "rollback configuration last 1"
        reply = self._cmd(command)
        refused = self._refused(reply)
        if refused:
            raise CommitError(f"{self.hostname}: {command!r} refused: {refused}")


class HuaweiVrp5Driver(NetmikoDriver):
    """AR/S VRP5: a saved checkpoint, and a revert the control plane performs."""

    VENDOR = Vendor(
        platform="huawei_vrp5",
        vendor="Huawei",
        netmiko_type="huawei",
        ntc_platform="huawei_vrp",
    )
    CHECKPOINT = "egovnet-rollback.cfg"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._timer: threading.Timer | None = None
        self._lock = threading.RLock()
        #: Set when egovnet (not the device) reverted an unconfirmed commit: what and when.
        self.reverted: str | None = None

    def _answer(self, command: str) -> str:
        reply = self._cmd(command)
        while QUESTION in reply.splitlines()[-1] if reply.strip() else False:
            reply += self._cmd("Y")
        return reply

    def _save_as(self, name: str) -> None:
        reply = self._answer(f"save {name}")
        if self._refused(reply):
            raise CommitError(f"{self.hostname}: cannot save {name}: {self._refused(reply)}")

    def _restore(self) -> None:
        reply = self._answer(f"rollback configuration to file {self.CHECKPOINT}")
        if self._refused(reply) or "succeeded" not in reply.lower():
            raise CommitError(f"{self.hostname}: restoring the checkpoint failed: {reply.strip()}")

    def _clear_markers(self) -> None:
        for name, _deadline in self._markers():
            self._delete_file(name)

    def _push(self, commands: list[str], message: str, revert_in: int | None) -> None:
        self._save_as(self.CHECKPOINT)
        if revert_in is not None:
            self._clear_markers()
            self._save_as(self._marker_name(revert_in))
        self._cmd("system-view")
        try:
            self._send_config(commands)
        except DeviceDriverError:
            self._cmd("return")
            self._restore()
            self._clear_markers()
            raise
        self._cmd("return")
        if revert_in is not None:
            self._timer = threading.Timer(revert_in, self._revert_unconfirmed)
            self._timer.daemon = True
            self._timer.start()

    def _say_reverted(self, why: str) -> None:
        self.reverted = (
            f"{self.hostname}: commit not confirmed in time ({why}); egovnet's control plane "
            f"restored {self.CHECKPOINT} (VRP5 has no commit-confirm of its own)"
        )
        log.warning("%s", self.reverted)

    def _revert_unconfirmed(self) -> None:
        """The pushing process's timer: revert unless confirmed meanwhile."""
        with self._lock:
            self._timer = None
            if not self._pending:
                return
            reopened = self.device is None  # the session was closed after the push
            try:
                if reopened:
                    self.open()
                self._restore()
                self._clear_markers()
            except (CommitError, ConnectionException, OSError, EOFError) as exc:
                # device unreachable: the marker on flash stays; the next instance reverts
                log.warning("%s: control-plane revert failed (%s)", self.hostname, exc)
                return
            finally:
                if reopened:
                    self.close()
            self._pending = False
            self._before = None
            self._say_reverted("timer in the pushing process")

    def _device_pending(self) -> bool:
        markers = self._markers()
        if not markers:
            return False
        now = self._device_now()
        if all(deadline > now for _name, deadline in markers):
            return True
        # overdue and nobody confirmed (the pushing process died): revert it now
        self._restore()
        self._clear_markers()
        self._say_reverted(f"deadline {min(d for _n, d in markers):%Y-%m-%d %H:%M:%S} passed")
        return False

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _confirm(self) -> None:
        self._cancel_timer()
        self._clear_markers()

    def _revert(self, pending: bool) -> None:
        self._cancel_timer()
        if not pending and self.CHECKPOINT not in self._flash_files():
            raise CommitError(f"{self.hostname}: nothing to roll back")
        self._restore()
        self._clear_markers()
        self._delete_file(self.CHECKPOINT)

    def commit_config(self, message: str = "", revert_in: int | None = None) -> None:
        with self._lock:
            super().commit_config(message, revert_in)

    def confirm_commit(self) -> None:
        with self._lock:
            super().confirm_commit()

    def rollback(self) -> None:
        with self._lock:
            super().rollback()

    def has_pending_commit(self) -> bool:
        with self._lock:
            return super().has_pending_commit()
