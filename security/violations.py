"""Policy violations and their evidence (configuration lines with secrets masked)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .model import Device, Src
from .redact import redact

INVARIANTS: dict[str, str] = {
    "single-egress": "exactly one unified internet egress",
    "zone-isolation": "zones and department VPNs are separate routing domains",
    "intranet-air-gap": "the government intranet is physically isolated",
    "unified-management": "management only from the city management subnet",
}
_ORDER = {name: i for i, name in enumerate(INVARIANTS)}


@dataclass(frozen=True, slots=True)
class Evidence:
    """A configuration line (1-based, secrets masked) of a device's file."""

    source: str
    line: int
    text: str

    @classmethod
    def of(cls, device: Device, src: Src) -> Evidence:
        return cls(device.source, src.line, redact(src.text))


@dataclass(frozen=True, slots=True)
class Violation:
    invariant: str
    device: str | None
    why: str
    lines: tuple[Evidence, ...] = ()
    observations: tuple[str, ...] = ()

    def sort_key(self) -> tuple[Any, ...]:
        first = self.lines[0].line if self.lines else 0
        return (_ORDER[self.invariant], self.device or "", first, self.why)

    def signature(self) -> tuple[str, str | None, str]:
        """What identifies the violation across line renumbering (the change gate)."""
        return (self.invariant, self.device, self.why)

    def to_dict(self) -> dict[str, Any]:
        return {
            "invariant": self.invariant,
            "device": self.device,
            "why": self.why,
            "lines": [{"file": e.source, "line": e.line, "text": e.text} for e in self.lines],
            "observations": list(self.observations),
        }
