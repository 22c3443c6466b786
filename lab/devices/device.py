"""One emulated device: configuration datastores, commit history, timers, flash, log."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lab.devices.config_tree import ConfigNode, diff_trees, render_config
from lab.devices.dialects.base import Dialect
from lab.devices.editor import build_tree
from lab.devices.faults import Faults
from lab.devices.filesystem import Flash
from lab.devices.grammar import Failure
from lab.model import DeviceRuntime, LabDeviceSpec

log = logging.getLogger(__name__)

#: First commit id a VRP8 device hands out.
FIRST_COMMIT_ID = 1_000_000_001


@dataclass(frozen=True)
class CommitRecord:
    """One entry of the commit history."""

    commit_id: int
    user: str
    timestamp: datetime
    comment: str
    before: ConfigNode
    after: ConfigNode


@dataclass
class PendingRevert:
    """A commit awaiting confirmation; reverts to ``snapshot`` when the timer ends."""

    kind: str  # trial | delay | timer
    user: str
    configured: datetime
    device_seconds: float
    snapshot: ConfigNode
    handle: asyncio.TimerHandle | None = None


@dataclass(frozen=True)
class CommandRecord:
    """One line a session sent (for tests)."""

    session: int
    prompt: str
    line: str
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


class LabDevice:
    """State of one emulated device, shared by all of its SSH sessions."""

    def __init__(
        self,
        spec: LabDeviceSpec,
        runtime: DeviceRuntime,
        dialect: Dialect,
        flash_dir: Path,
        *,
        lazy: bool = False,
    ) -> None:
        self.spec = spec
        self.runtime = runtime
        self.dialect = dialect
        self.flash = Flash(flash_dir)
        self.faults = Faults()
        self.commands: list[CommandRecord] = []
        self.commits: list[CommitRecord] = []
        self.pending: PendingRevert | None = None
        self.events: list[str] = []  # log messages (rollbacks, commits)
        self.wall_start = datetime.now(UTC)
        #: When the running configuration last changed and who changed it (None: the system).
        self.config_updated: tuple[datetime, str | None] = (self.wall_start, None)
        #: When it was last saved (None: never since boot).
        self.config_saved: datetime | None = None
        self._next_id = FIRST_COMMIT_ID
        self._running: ConfigNode | None = None
        self._startup: ConfigNode | None = None
        if not lazy:
            self.materialize()

    def materialize(self) -> None:
        """Build the initial configuration (at start, or on first use when ``lazy``).

        A city-sized lab builds thousands of devices most of which are never
        logged in to; building on first use keeps its start short.
        """
        if self._running is not None:
            return
        text = self.dialect.initial_config(self)
        tree, errors = build_tree(self.dialect, text)
        if errors:
            raise ValueError(
                f"{self.spec.code}: initial {self.dialect.name} config rejected: {errors[:3]}"
            )
        self._running = tree
        self._startup = tree.clone()
        self.config_saved = self.now()
        self.config_updated = (self.config_saved, None)
        self.flash.write(self.dialect.extra.get("startup_file", "startup.cfg"), self.render_text())
        self._sync_admin(None)

    @property
    def running(self) -> ConfigNode:
        """The running configuration tree."""
        if self._running is None:
            self.materialize()
        assert self._running is not None  # noqa: S101 - set by materialize
        return self._running

    @running.setter
    def running(self, tree: ConfigNode) -> None:
        self._running = tree

    @property
    def startup(self) -> ConfigNode:
        """The saved (startup) configuration tree."""
        if self._startup is None:
            self.materialize()
        assert self._startup is not None  # noqa: S101 - set by materialize
        return self._startup

    @startup.setter
    def startup(self, tree: ConfigNode) -> None:
        self._startup = tree

    # -- reading -------------------------------------------------------------
    @property
    def hostname(self) -> str:
        """The configured host name (sysname / hostname)."""
        key = self.dialect.extra.get("hostname_key", "sysname") + " "
        for node in self.running.children:
            if node.text.startswith(key):
                return node.text[len(key) :].strip()
        return self.spec.hostname

    def now(self) -> datetime:
        """Device wall clock (follows the lab clock speed)."""
        return self.wall_start + timedelta(seconds=self.runtime.clock.now())

    def uptime_seconds(self) -> int:
        """Seconds since boot (lab time)."""
        return int(self.runtime.uptime_ticks() / 100)

    def render_lines(self, tree: ConfigNode | None = None) -> list[str]:
        """Configuration lines as the device prints them."""
        return render_config(tree or self.running, self.dialect.style)

    def render_text(self, tree: ConfigNode | None = None) -> str:
        """Full ``display current-configuration`` / ``show running-config`` text."""
        return self.dialect.views.running(self, self.render_lines(tree))

    def admin_up(self, interface: str, tree: ConfigNode | None = None) -> bool:
        """False when the interface section holds ``shutdown``."""
        node = (tree or self.running).child(f"interface {interface}")
        return node is None or node.child("shutdown") is None

    # -- changing ------------------------------------------------------------
    def _sync_admin(self, before: ConfigNode | None) -> None:
        for iface in self.spec.interfaces:
            up = self.admin_up(iface.name)
            if before is None or self.admin_up(iface.name, before) != up:
                self.runtime.set_admin(iface.name, up)

    def set_running(self, tree: ConfigNode) -> None:
        """Replace the running configuration and tell the runtime about shutdowns."""
        before = self.running
        self.running = tree
        self._sync_admin(before)

    def changed(self, before: ConfigNode, user: str | None = None) -> None:
        """Running configuration was edited in place (immediate-apply platforms)."""
        self.config_updated = (self.now(), user)
        self._sync_admin(before)

    def record_commit(self, user: str, before: ConfigNode, comment: str = "") -> CommitRecord:
        """Append a commit to the history (VRP8 ids from 1000000001)."""
        record = CommitRecord(
            self._next_id, user, self.now(), comment, before.clone(), self.running.clone()
        )
        self.config_updated = (record.timestamp, user)
        self._next_id += 1
        self.commits.append(record)
        return record

    def commit(self, candidate: ConfigNode, user: str, comment: str = "") -> CommitRecord:
        """Make ``candidate`` the running configuration (VRP8 commit)."""
        before = self.running
        self.set_running(candidate.clone())
        return self.record_commit(user, before, comment)

    def rollback_to_commit(self, commit_id: int, user: str) -> CommitRecord | None:
        """Undo commit ``commit_id`` and every later one (state before it was committed)."""
        for record in self.commits:
            if record.commit_id == commit_id:
                before = self.running
                self.set_running(record.before.clone())
                return self.record_commit(user, before, f"rollback to {commit_id}")
        return None

    def load_file(self, path: str) -> tuple[ConfigNode | None, list[tuple[str, Failure]]]:
        """Parse a flash configuration file; None if it does not exist."""
        if not self.flash.exists(path):
            return None, []
        return build_tree(self.dialect, self.flash.read(path))

    def save(self, path: str | None = None) -> int:
        """Save running to startup (or to ``path``); returns the byte count."""
        if path is None:
            self.config_saved = self.now()
        text = self.render_text()
        if path is None:
            self.startup = self.running.clone()
            path = self.dialect.extra.get("startup_file", "startup.cfg")
        return self.flash.write(path, text)

    def diff(self, old: ConfigNode, new: ConfigNode) -> list[str]:
        """Contextual diff between two trees."""
        return diff_trees(old, new)

    # -- commit-confirm timers ---------------------------------------------------
    def start_pending(self, kind: str, user: str, device_seconds: float) -> PendingRevert:
        """Snapshot running and arm a revert timer (lab-clock scaled)."""
        self.cancel_pending()
        pending = PendingRevert(kind, user, self.now(), device_seconds, self.running.clone())
        loop = asyncio.get_running_loop()
        pending.handle = loop.call_later(
            self.runtime.clock.seconds(device_seconds), self._expire, pending
        )
        self.pending = pending
        return pending

    def confirm_pending(self) -> bool:
        """Confirm: keep the configuration, stop the timer."""
        if self.pending is None:
            return False
        self.cancel_pending()
        return True

    def cancel_pending(self) -> None:
        """Stop the timer without reverting."""
        if self.pending and self.pending.handle:
            self.pending.handle.cancel()
        self.pending = None

    def revert_pending(self, reason: str = "aborted") -> bool:
        """Revert now to the snapshot taken when the timer was armed."""
        pending = self.pending
        if pending is None:
            return False
        self.cancel_pending()
        before = self.running
        self.set_running(pending.snapshot.clone())
        if pending.kind == "trial":
            self.record_commit(pending.user, before, f"trial {reason}")
        self.events.append(f"{pending.kind} reverted: {reason}")
        log.info("%s: %s commit reverted (%s)", self.spec.code, pending.kind, reason)
        return True

    def _expire(self, pending: PendingRevert) -> None:
        if self.pending is pending:
            self.revert_pending("timer expired")
