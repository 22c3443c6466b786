"""The four invariants on intent for the policy page and ``/api/v1/policy`` (cached).

The intent is the inventory plus the configuration provisioning renders for
every device (the same texts the change gate judges the rest of the city
with). Checking the whole city takes seconds (rendering and parsing every
device), so the verdict is
kept with a digest of the inventory it was computed from: a page view reads
the inventory (one query per kind), hashes it and answers from the cache
unless something changed. The parsed device models are kept too
(``build_model``'s cache, keyed by name, platform and text), so after a
change only the configurations whose text changed are parsed again.

The composition root may import both security and provisioning; neither
imports the other, which is why this lives in ``web``.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from security.violations import INVARIANTS, Violation


@dataclass(frozen=True)
class IntentVerdict:
    """The verdict on intent, grouped per invariant."""

    checked_at: datetime
    devices: int
    digest: str
    violations: tuple[Violation, ...]
    #: devices that could not be rendered or parsed (code -> one line)
    errors: tuple[tuple[str, str], ...] = ()

    def by_invariant(self) -> list[tuple[str, str, list[Violation]]]:
        """``(invariant, description, violations)`` for each of the four, in order."""
        return [
            (name, why, [v for v in self.violations if v.invariant == name])
            for name, why in INVARIANTS.items()
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "checked_at": self.checked_at.astimezone(UTC).isoformat(),
            "devices": self.devices,
            "ok": not self.violations and not self.errors,
            "invariants": [
                {
                    "invariant": name,
                    "description": why,
                    "ok": not found,
                    "violations": [v.to_dict() for v in found],
                }
                for name, why, found in self.by_invariant()
            ],
            "errors": [{"device": code, "error": message} for code, message in self.errors],
        }


def _digest(state: Any) -> str:
    """A digest of the inventory state (records are dataclasses/tuples with stable reprs)."""
    h = hashlib.sha256()
    for kind in sorted(state):
        h.update(kind.encode())
        for key, value in sorted(state[kind].items(), key=lambda kv: str(kv[0])):
            h.update(repr((key, value)).encode())
    return h.hexdigest()


class IntentPolicy:
    """The cached intent verdict of one inventory."""

    def __init__(self, inventory: Any) -> None:
        self.inventory = inventory
        self._lock = threading.Lock()
        self._verdict: IntentVerdict | None = None
        self._devices: dict[Any, Any] = {}

    def verdict(self) -> IntentVerdict:
        """The verdict for the inventory as it is now (recomputed only when it changed)."""
        from inventory.state import load_state

        with self.inventory.sessions() as session:
            state, _ = load_state(session)
        digest = _digest(state)
        with self._lock:
            if self._verdict is not None and self._verdict.digest == digest:
                return self._verdict
            self._verdict = self._check(state, digest)
            return self._verdict

    def _check(self, state: Any, digest: str) -> IntentVerdict:
        from provisioning.errors import ProvisioningError
        from provisioning.render import Renderer
        from provisioning.settings import RenderSettings
        from security.errors import SecurityError
        from security.network import context_from_state
        from security.policy import NetworkModel, build_model, check_network

        ipam = self.inventory.settings.ipam
        renderer = Renderer(state, RenderSettings.from_ipam(ipam))
        texts: dict[str, str] = {}
        errors: dict[str, str] = {}
        for code in renderer.devices():
            try:
                texts[code] = renderer.render(code).text
            except ProvisioningError as exc:
                errors[code] = str(exc)
        context = context_from_state(state, ipam, intranet_blocks=ipam.intranet_blocks)
        platforms = {c: state["nodes"][c].platform for c in texts if c in state["nodes"]}
        model = NetworkModel(context)
        for code, text in texts.items():  # one bad configuration never costs the others
            try:
                one = build_model({code: text}, context, platforms, cache=self._devices)
            except SecurityError as exc:
                errors[code] = str(exc)
                continue
            model.devices.update(one.devices)
        found = check_network(model)
        # keep the parsed models of the current texts only
        self._devices = {k: v for k, v in self._devices.items() if texts.get(k[0]) == k[3]}
        return IntentVerdict(
            checked_at=datetime.now(UTC),
            devices=found.devices,
            digest=digest,
            violations=found.violations,
            errors=tuple(sorted(errors.items())),
        )
