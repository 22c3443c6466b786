"""Pushing an approved change, device by device, never leaving one half-applied.

Per device, concurrently (``PushSettings.width`` sessions at once), each step written
to the change record *before* it is taken (write-ahead):

1. ``committing``: open the driver (:func:`provisioning.device.open_driver`), load the
   change's commands as a merge candidate, ``commit_config(revert_in=...)``: the device
   (VRP8 ``commit trial``, Comware ``commit delay``, IOS ``revert timer``) or egovnet's
   control plane (VRP5) reverts it unless it is confirmed in time. A line the device
   refuses leaves nothing behind (the drivers' guarantee, checked with
   ``has_pending_commit``): the device is ``rolled_back`` and the others go on.
2. ``committed``: verify: the new running configuration (masked) already holds every line
   of the change (applying the change to it again changes nothing), and the device still
   answers over its management plane (``get_facts``: the lab has no SNMP agent per SSH
   device, and a new read over the same session is the cheap check that exists). A
   failed verification rolls the device back (``rolling_back`` → ``rolled_back``).
3. ``confirming`` → ``confirmed``.

A session lost after the commit is ``reverting``: nothing confirms it, so the device
reverts by itself at its deadline; the pusher watches it from new sessions and records
``rolled_back`` (reverted by the device) when the commit is no longer pending, or rolls
it back itself once the deadline and ``grace`` have passed.

Re-running the push of an interrupted change (the pusher was killed) first resolves
every device found in a write-ahead state from what the device says: a pending commit
is rolled back (pre-change), a device that holds the change with nothing pending is
``confirmed``, one that does not is pre-change; then the pre-change devices are pushed.

Secrets: the change stores masked text only. At push time each device's intended
configuration is rendered again from the inventory, unmasked with the values of its
credential set; if its masked form is not the stored one the push is refused
(:class:`StaleChange`) before anything is sent. Only masked lines are logged or stored.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from napalm.base.exceptions import (
    CommitConfirmException,
    CommitError,
    ConnectionException,
    MergeConfigException,
    ReplaceConfigException,
)
from sqlalchemy import select

from inventory.db import transaction

from . import changes as ch
from .models import Change, ChangeDevice
from .remediation import tree
from .secrets import REDACTED, sanitize, sanitize_line

log = logging.getLogger(__name__)

Opener = Callable[[str, str], Any]
Progress = Callable[[str, str], None]


class StaleChange(ch.ChangeError):
    """The inventory's intended configuration of a device is no longer the change's."""


@dataclass(frozen=True)
class PushSettings:
    """How a push runs."""

    #: Devices pushed at the same time.
    width: int = 8
    #: Seconds after which an unconfirmed commit reverts (by the device, or VRP5's timer).
    revert_in: int = 300
    #: Seconds beyond ``revert_in`` to wait for a device that lost its session to revert.
    grace: float = 60.0
    #: Seconds between looks at such a device.
    poll: float = 2.0
    #: Check that the device still answers (``get_facts``) before confirming.
    check_facts: bool = True


@dataclass(frozen=True)
class DeviceResult:
    node: str
    state: str
    error: str | None = None


@dataclass(frozen=True)
class PushResult:
    change_id: int
    state: str
    devices: tuple[DeviceResult, ...]

    @property
    def ok(self) -> bool:
        return self.state == ch.CONFIRMED

    def to_dict(self) -> dict[str, Any]:
        return {
            "change": self.change_id,
            "state": self.state,
            "devices": [{"node": d.node, "state": d.state, "error": d.error} for d in self.devices],
        }


def missing(platform: str, running: str, commands: Sequence[str]) -> tuple[str, ...]:
    """The commands still needed for ``running`` to hold every line of ``commands`` (both
    compared masked): empty when applying them again would change nothing.

    A negation whose line is already gone is done (hier_config's ``future`` would keep it
    as a line of its own).

    >>> missing("huawei_vrp5", "#\\ninterface Vlanif101\\n description x\\n#",
    ...         ["interface Vlanif101", "  description x", "  quit", "undo vlan 7"])
    ()
    >>> missing("huawei_vrp5", "#\\nvlan 7\\n#", ["undo vlan 7"])
    ('undo vlan 7',)
    """
    from hier_config import WorkflowRemediation, get_hconfig

    from .remediation import _spell_out_negations, driver

    rules = driver(platform)
    lines = "\n".join(c for c in commands if c.strip() not in _EXITS)
    change = get_hconfig(rules, sanitize(lines, platform))
    now = tree(platform, running)
    _drop_done(now, change, rules.negation_prefix)
    _spell_out_negations(now, change, rules.negation_prefix)
    left = WorkflowRemediation(now, now.future(change)).remediation_config
    return tuple(c for c in left.dump_simple(sectional_exiting=True) if c.strip() not in _EXITS)


def _drop_done(now: Any, change: Any, prefix: str) -> None:
    """Remove from ``change`` the negations of lines ``now`` does not hold (``now`` may be
    None: a section that does not exist holds nothing)."""
    for child in list(change.children):
        if child.text.startswith(prefix):
            target = child.text[len(prefix) :]
            held = now is not None and any(
                c.text == target or c.text.startswith(target + " ") for c in now.children
            )
            if not held:
                child.delete()
            continue
        if child.children:
            _drop_done(now.get_child(equals=child.text) if now is not None else None, child, prefix)
            if not child.children:
                child.delete()


_EXITS = frozenset({"quit", "exit", "#", "!"})


def unmask(platform: str, commands: Sequence[str], unmasked: str) -> list[str]:
    """``commands`` with each masked line that adds a secret taken from ``unmasked`` (the
    intended configuration rendered with the secrets' values). Removals keep their mask:
    the driver restores them from the device's own text (``unmask_removals``)."""
    values: dict[str, str] = {}
    for line in unmasked.replace("\r", "").split("\n"):
        masked = sanitize_line(line, platform).strip()
        if REDACTED in masked:
            values.setdefault(masked, line.strip())
    out = []
    for command in commands:
        body = command.lstrip()
        if REDACTED in body and not body.startswith(("undo ", "no ")):
            if body not in values:
                raise StaleChange(
                    f"a masked line of the change has no value in the intended configuration: {body}"
                )
            command = command[: len(command) - len(body)] + values[body]
        out.append(command)
    return out


def _secrets(inventory: Any, code: str) -> dict[str, str]:
    from inventory.models import Node

    with inventory.sessions() as session:
        ref = session.execute(select(Node.credential_ref).where(Node.code == code)).scalar_one()
    if not ref:
        raise StaleChange(f"{code}: no credential set, so no secret values to push")
    creds = inventory.credentials.get(ref)
    return {
        "local_password": creds.password,
        "snmp_auth_key": creds.snmp_v3_auth_key,
        "snmp_priv_key": creds.snmp_v3_priv_key,
    }


@dataclass
class _Device:
    id: int
    node: str
    platform: str
    state: str
    commands: list[str]
    #: what is sent (secret values in it): never logged, never stored
    send: list[str]


class _Run:
    """One push (or rollback) of one change: the record writer and the per-device work."""

    def __init__(
        self,
        inventory: Any,
        change_id: int,
        actor: Any,
        settings: PushSettings,
        opener: Opener,
        progress: Progress | None,
        mode: str,
    ) -> None:
        self.inventory = inventory
        self.change_id = change_id
        self.actor = actor
        self.settings = settings
        self.opener = opener
        self.progress = progress
        self.mode = mode  # "push" or "rollback"

    # -- record ---------------------------------------------------------------------------
    def step(
        self, dev: _Device, to_state: str, *, error: str | None = None, detail: str | None = None
    ) -> None:
        """Write ``to_state`` of ``dev`` (committed before the caller acts)."""
        with ch._WRITE, transaction(self.inventory.sessions) as session:
            change = session.get(Change, self.change_id)
            row = session.get(ChangeDevice, dev.id)
            if change is None or row is None:  # deleted under us: nothing to record
                raise ch.UnknownChangeError(f"change {self.change_id} is gone")
            moment = ch.now()
            if row.started_at is None and to_state in (ch.COMMITTING, ch.ROLLING_BACK):
                row.started_at = moment
            if to_state in (ch.CONFIRMED, ch.ROLLED_BACK, ch.FAILED):
                row.finished_at = moment
            row.error = error
            ch.record(
                self.inventory,
                session,
                self.actor,
                change,
                "device",
                to_state,
                device=row,
                detail=error or detail,
            )
        dev.state = to_state

    # -- one device -----------------------------------------------------------------------
    def open(self, dev: _Device) -> Any:
        return self.opener(dev.node, dev.platform)

    def run(self, dev: _Device) -> DeviceResult:
        try:
            result = self._run(dev)
        except Exception as exc:  # one bad device never costs the others
            log.exception("change %s: %s: unexpected error", self.change_id, dev.node)
            why = f"unexpected error: {type(exc).__name__}: {dev_error(exc, dev)}"
            result = self._settle(dev, why)
        if self.progress is not None:
            self.progress(dev.node, result.state)
        return result

    def _settle(self, dev: _Device, why: str) -> DeviceResult:
        """After an unexpected error: read the device in a new session and record where it
        is (a pending commit is rolled back); unreadable, it stays in flight for a re-run."""
        back = ch.FAILED if self.mode == "push" else ch.CONFIRMED
        try:
            if dev.state not in ch.IN_FLIGHT:
                self.step(dev, back, error=why)
                return DeviceResult(dev.node, back, why)
            driver = self.open(dev)
            try:
                if driver.has_pending_commit():
                    driver.rollback()
                done = not missing(dev.platform, self._running(driver), dev.commands)
            finally:
                with contextlib.suppress(Exception):
                    driver.close()
            state = self._done() if done else back
            self.step(dev, state, error=None if done else why)
            return DeviceResult(dev.node, state, None if done else why)
        except Exception as exc:
            return DeviceResult(dev.node, dev.state, f"{why}; unresolved: {exc}")

    def _run(self, dev: _Device) -> DeviceResult:
        try:
            driver = self.open(dev)
        except Exception as exc:
            if dev.state in ch.IN_FLIGHT:
                return DeviceResult(dev.node, dev.state, f"cannot resolve it: {exc}")
            back = ch.FAILED if self.mode == "push" else ch.CONFIRMED
            self.step(dev, back, error=f"nothing was sent: {exc}")
            return DeviceResult(dev.node, back, f"nothing was sent: {exc}")
        try:
            if dev.state in ch.IN_FLIGHT and self._resolve(driver, dev):
                return DeviceResult(dev.node, dev.state)
            return self._push(driver, dev)
        finally:
            with contextlib.suppress(Exception):
                driver.close()

    def _done(self) -> str:
        return ch.CONFIRMED if self.mode == "push" else ch.ROLLED_BACK

    def _before(self) -> str:
        """The state of a device where this run found it (nothing of this run applied)."""
        return ch.PENDING if self.mode == "push" else ch.CONFIRMED

    def _resolve(self, driver: Any, dev: _Device) -> bool:
        """An interrupted device: to its pre-run state or done; True when done."""
        if driver.has_pending_commit():
            self.step(dev, ch.ROLLING_BACK, detail="interrupted: rolling back its pending commit")
            driver.rollback()
            self.step(dev, self._before(), detail="resolved: the pending commit was rolled back")
            return False
        left = missing(dev.platform, self._running(driver), dev.commands)
        if not left:
            self.step(dev, self._done(), detail="resolved: the device holds it, nothing pending")
            return True
        self.step(dev, self._before(), detail="resolved: the device is as before, nothing pending")
        return False

    @staticmethod
    def _running(driver: Any) -> str:
        return str(driver.get_config(retrieve="running")["running"])

    def _push(self, driver: Any, dev: _Device) -> DeviceResult:
        s = self.settings
        doing = ch.COMMITTING if self.mode == "push" else ch.ROLLING_BACK
        try:  # a candidate is held by the driver (IOS: a file on flash), not applied
            driver.load_merge_candidate(config=_candidate(dev))
        except Exception as exc:
            back = self._before() if self.mode == "push" else ch.CONFIRMED
            back = ch.FAILED if back == ch.PENDING else back
            why = f"nothing was applied: the candidate was refused: {dev_error(exc, dev)}"
            self.step(dev, back, error=why)
            return DeviceResult(dev.node, back, why)
        self.step(dev, doing, detail=f"{len(dev.commands)} command(s), revert in {s.revert_in} s")
        try:
            driver.commit_config(revert_in=s.revert_in)
        except (
            CommitError,
            CommitConfirmException,
            MergeConfigException,
            ReplaceConfigException,
        ) as exc:
            if isinstance(exc, ConnectionException):
                return self._lost(dev, exc)
            with contextlib.suppress(Exception):  # the drivers leave nothing; make sure
                if driver.has_pending_commit():
                    driver.rollback()
            back = ch.ROLLED_BACK if self.mode == "push" else ch.CONFIRMED
            why = f"refused by the device, nothing applied: {dev_error(exc, dev)}"
            self.step(dev, back, error=why)
            return DeviceResult(dev.node, back, why)
        except Exception as exc:  # the session broke at the commit: the device may hold it
            return self._lost(dev, exc)
        if self.mode == "push":
            self.step(dev, ch.COMMITTED, detail="verifying")
        try:
            left = missing(dev.platform, self._running(driver), dev.commands)
            facts_error = None
            if not left and s.check_facts:
                facts = driver.get_facts()
                if not facts.get("hostname"):
                    facts_error = "the device does not answer get_facts after the commit"
            if left or facts_error:
                why = (
                    facts_error
                    or f"verify failed: {len(left)} line(s) missing, first: {left[0].strip()}"
                )
                if self.mode == "push":
                    self.step(dev, ch.ROLLING_BACK, error=why)
                driver.rollback()
                back = ch.ROLLED_BACK if self.mode == "push" else ch.CONFIRMED
                self.step(dev, back, error=why)
                return DeviceResult(dev.node, back, why)
            if self.mode == "push":
                self.step(dev, ch.CONFIRMING)
            driver.confirm_commit()
        except Exception as exc:
            return self._lost(dev, exc)
        done = self._done()
        self.step(dev, done)
        return DeviceResult(dev.node, done)

    def _lost(self, dev: _Device, exc: Exception) -> DeviceResult:
        """The session broke after the commit was sent: the device reverts by itself at its
        deadline; watch it from new sessions."""
        s = self.settings
        why = f"session lost after the commit ({type(exc).__name__}): the device reverts by itself"
        self.step(dev, ch.REVERTING, error=why)
        deadline = time.monotonic() + s.revert_in + s.grace
        last: str = why
        while True:
            try:
                driver = self.open(dev)
            except Exception as exc2:
                last = f"{why}; not reachable again yet: {exc2}"
            else:
                try:
                    if not driver.has_pending_commit():
                        left = missing(dev.platform, self._running(driver), dev.commands)
                        if not left:  # the confirm went through before the session broke
                            done = self._done()
                            self.step(dev, done, detail="the session broke after the confirm")
                            return DeviceResult(dev.node, done)
                        back = ch.ROLLED_BACK if self.mode == "push" else ch.CONFIRMED
                        note = (
                            "session lost after the commit; the device reverted by itself "
                            "(no confirmation reached it)"
                        )
                        reverted = getattr(driver, "reverted", None)
                        if reverted:
                            note += f"; {reverted}"
                        self.step(dev, back, error=note)
                        return DeviceResult(dev.node, back, note)
                    if time.monotonic() > deadline:
                        driver.rollback()
                        back = ch.ROLLED_BACK if self.mode == "push" else ch.CONFIRMED
                        note = "session lost after the commit; not reverted by its deadline: rolled back"
                        self.step(dev, back, error=note)
                        return DeviceResult(dev.node, back, note)
                except Exception as exc3:
                    last = f"{why}; {type(exc3).__name__}: {exc3}"
                finally:
                    with contextlib.suppress(Exception):
                        driver.close()
            if time.monotonic() > deadline + s.grace:
                self.step(dev, ch.REVERTING, error=f"{last}; re-run the push to resolve it")
                return DeviceResult(dev.node, ch.REVERTING, last)
            time.sleep(s.poll)


def _candidate(dev: _Device) -> str:
    """The merge candidate: the change's lines (IOS: a file copied onto running-config,
    where indentation is the structure and sectional ``exit`` lines are refused)."""
    lines = dev.send
    if dev.platform == "cisco_ios":
        lines = [c for c in lines if c.strip() != "exit"]
    return "\n".join(lines)


def dev_error(exc: Exception, dev: _Device) -> str:
    """The error text with every secret value of the pushed lines masked."""
    text = str(exc)
    for sent, stored in zip(dev.send, dev.commands, strict=True):
        if sent != stored:
            text = text.replace(sent.strip(), stored.strip())
    return sanitize(text, dev.platform)


def _final(states: Sequence[str]) -> str:
    active = [s for s in states if s != ch.SKIPPED]
    if all(s == ch.CONFIRMED for s in active):
        return ch.CONFIRMED
    if active and all(s == ch.ROLLED_BACK for s in active):
        return ch.ROLLED_BACK
    return ch.FAILED


def _prepare(inventory: Any, rows: Sequence[ChangeDevice], mode: str) -> list[_Device]:
    """The devices to work on, their lines with secret values; :class:`StaleChange` when the
    inventory no longer intends what the change holds."""
    from .render import Renderer, load_source
    from .settings import RenderSettings

    renderer = Renderer(load_source(inventory), RenderSettings.from_ipam(inventory.settings.ipam))
    out = []
    for row in rows:
        commands = list(row.commands if mode == "push" else row.rollback)
        if mode == "push":
            try:
                now = renderer.render(row.node).text
            except Exception as exc:
                raise StaleChange(
                    f"stale change: {row.node} cannot be rendered any more: {exc}"
                ) from None
            if sanitize(now, row.platform) != row.intended:
                raise StaleChange(
                    f"stale change: the intended configuration of {row.node} changed since the "
                    "change was created; create a new change"
                )
        send = commands
        if any(REDACTED in c and not c.lstrip().startswith(("undo ", "no ")) for c in commands):
            if mode != "push":
                raise ch.ChangeError(
                    f"{row.node}: the rollback restores a secret egovnet does not know; "
                    "roll it back by hand"
                )
            secrets = _secrets(inventory, row.node)
            unmasked = renderer.render(row.node, secrets=secrets).text
            send = unmask(row.platform, commands, unmasked)
        out.append(_Device(row.id, row.node, row.platform, row.state, commands, send))
    return out


def push_change(
    inventory: Any,
    change_id: int,
    *,
    actor: Any,
    settings: PushSettings | None = None,
    progress: Progress | None = None,
    opener: Opener | None = None,
) -> PushResult:
    """Push an approved change (or continue an interrupted one); a result per device."""
    return _go(inventory, change_id, actor, settings, progress, opener, "push")


def rollback_change(
    inventory: Any,
    change_id: int,
    *,
    actor: Any,
    settings: PushSettings | None = None,
    progress: Progress | None = None,
    opener: Opener | None = None,
) -> PushResult:
    """Undo a pushed change on its confirmed devices: the stored rollback commands, pushed
    with the same commit-confirm and verification as the change."""
    return _go(inventory, change_id, actor, settings, progress, opener, "rollback")


def _go(
    inventory: Any,
    change_id: int,
    actor: Any,
    settings: PushSettings | None,
    progress: Progress | None,
    opener: Opener | None,
    mode: str,
) -> PushResult:
    ch._upgrade(inventory)
    settings = settings or PushSettings()
    with inventory.sessions() as session:
        change = ch._load(session, change_id)
        rows = ch._devices(session, change_id)
        state, approver = change.state, change.approver
    ch.authorize(inventory, actor, "change.push", [r.node for r in rows])
    if mode == "push":
        if state not in (ch.APPROVED, ch.PUSHING, ch.FAILED) or approver is None:
            raise ch.ChangeStateError(
                f"change {change_id} is {state}: only an approved change is pushed"
            )
        wanted = [r for r in rows if r.state not in (ch.SKIPPED, ch.CONFIRMED, ch.ROLLED_BACK)]
    else:
        if state not in (ch.CONFIRMED, ch.FAILED, ch.PUSHING, ch.ROLLED_BACK):
            raise ch.ChangeStateError(f"change {change_id} is {state}: nothing was pushed")
        wanted = [r for r in rows if r.state in (ch.CONFIRMED, ch.ROLLING_BACK, ch.REVERTING)]
    devices = _prepare(inventory, wanted, mode)
    with ch._WRITE, transaction(inventory.sessions) as session:
        change = ch._load(session, change_id, lock=True)
        again = change.state == ch.PUSHING
        detail = (
            f"{len(devices)} device(s), width {settings.width}, revert in {settings.revert_in} s"
        )
        if again:
            detail = "continuing an interrupted push: " + detail
        ch.record(inventory, session, actor, change, mode, ch.PUSHING, detail=detail)
    if opener is None:
        from .device import open_driver

        def opener(code: str, platform: str) -> Any:
            return open_driver(inventory, code, platform)

    run = _Run(inventory, change_id, actor, settings, opener, progress, mode)
    results: list[DeviceResult] = []
    if devices:
        with ThreadPoolExecutor(max_workers=max(1, min(settings.width, len(devices)))) as pool:
            results = list(pool.map(run.run, devices))
    with ch._WRITE, transaction(inventory.sessions) as session:
        change = ch._load(session, change_id, lock=True)
        states = [r.state for r in ch._devices(session, change_id)]
        if mode == "push":
            final = _final(states)
        else:
            final = (
                ch.ROLLED_BACK
                if not any(s in (ch.CONFIRMED, *ch.IN_FLIGHT) for s in states)
                else ch.FAILED
            )
        counts: dict[str, int] = {}
        for s in states:
            counts[s] = counts.get(s, 0) + 1
        ch.record(
            inventory,
            session,
            actor,
            change,
            mode,
            final,
            detail=", ".join(f"{n} {s}" for s, n in sorted(counts.items())),
        )
    return PushResult(change_id, final, tuple(results))


def states_of(inventory: Any, change_id: int) -> Mapping[str, str]:
    """Node → device state of a change."""
    info = ch.get_change(inventory, change_id)
    return {d.node: d.state for d in info.devices}
