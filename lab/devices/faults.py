"""Fault injection for one emulated device (set from Python by tests and demos)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Faults:
    """What is wrong with a device right now; every field off by default.

    ``unreachable`` is applied by the fleet (``refused`` closes the listener,
    ``silent`` accepts TCP and never answers); the other fields are read by
    every new and running session.
    """

    #: Password authentication always fails.
    refuse_auth: bool = False
    #: Seconds (wall time) to wait before every response.
    delay: float = 0.0
    #: Drop a session when it sends its command number N+1 (non-empty lines counted).
    drop_after_commands: int | None = None
    #: Drop the session right after a commit command is executed, before it is answered.
    drop_on_commit: bool = False
    #: Configuration lines the device rejects (exact text after stripping).
    reject_lines: set[str] = field(default_factory=set)
    #: None, "refused" or "silent".
    unreachable: str | None = None

    def clear(self) -> None:
        """Back to a healthy device."""
        self.refuse_auth = False
        self.delay = 0.0
        self.drop_after_commands = None
        self.drop_on_commit = False
        self.reject_lines.clear()
        self.unreachable = None
