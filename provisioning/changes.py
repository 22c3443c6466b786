"""Changes: intended configurations of some devices, their diffs, the gate, approval, push.

A change is created in ``draft`` with, per device, the full intended configuration
(secrets masked, as onboarding and ``egovnet render`` print it), the masked running
configuration it was compared with (read over SSH, or given), the contextual diff, the
remediation commands and their rollback. A device whose diff is empty is ``skipped``.

States of a change::

    draft --check--> checked --approve--> approved --push--> pushing --> confirmed
                                                                    \\--> rolled_back | failed

- :func:`check_change`, the policy gate: the post-change network (the rest of the city
  as the inventory intends it, the change's devices with their intended configurations)
  goes through :func:`security.policy.check_change` against the same network with the
  change's devices as they run; a change that introduces a violation is refused
  (:class:`GateRefused`, with invariant, device and lines) and stays in ``draft``.
- :func:`approve_change`: a second account with ``change.approve`` whose scope holds every
  device, never the author (:class:`FourEyesError`).
- :func:`provisioning.push.push_change` and :func:`provisioning.push.rollback_change`.

Every state change, of the change or of one of its devices, is a row of
``provisioning_change_events`` (who, when, what, from and to) and, in the same
transaction, a row of the hash-chained audit log (``change.<action>``); nothing
unmasked is ever stored or logged.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.accounts import PermissionDenied, ancestry, require
from inventory.db import transaction

from .errors import ProvisioningError, UnknownNodeError
from .models import Change, ChangeDevice, ChangeEvent
from .secrets import sanitize

__all__ = [
    "CHANGE_STATES",
    "DEVICE_STATES",
    "ChangeError",
    "ChangeInfo",
    "ChangeStateError",
    "DeviceInfo",
    "FourEyesError",
    "GateRefused",
    "UnknownChangeError",
    "approve_change",
    "change_verdict",
    "check_change",
    "create_change",
    "get_change",
    "list_changes",
]

DRAFT, CHECKED, APPROVED, PUSHING = "draft", "checked", "approved", "pushing"
CONFIRMED, ROLLED_BACK, FAILED = "confirmed", "rolled_back", "failed"
CHANGE_STATES = (DRAFT, CHECKED, APPROVED, PUSHING, CONFIRMED, ROLLED_BACK, FAILED)

#: Per device. ``committing``, ``committed``, ``confirming`` and ``rolling_back`` are
#: written *before* the step they name (write-ahead): a device found in one of them
#: after an interruption is resolved from what the device itself says.
PENDING, SKIPPED, COMMITTING, COMMITTED = "pending", "skipped", "committing", "committed"
CONFIRMING, ROLLING_BACK, REVERTING = "confirming", "rolling_back", "reverting"
DEVICE_STATES = (
    PENDING,
    SKIPPED,
    COMMITTING,
    COMMITTED,
    CONFIRMING,
    CONFIRMED,
    ROLLING_BACK,
    ROLLED_BACK,
    REVERTING,
    FAILED,
)
IN_FLIGHT = frozenset({COMMITTING, COMMITTED, CONFIRMING, ROLLING_BACK, REVERTING})


class ChangeError(ProvisioningError):
    """A change operation was refused."""


class UnknownChangeError(ChangeError):
    """No change has that id."""


class ChangeStateError(ChangeError):
    """The change is not in a state that allows the operation."""


class FourEyesError(ChangeError):
    """The approver is the author: a change needs a second account."""


class GateRefused(ChangeError):
    """The policy gate refuses the change; ``verdict`` holds the violations it introduces."""

    def __init__(self, change_id: int, verdict: Any) -> None:
        reasons = "; ".join(
            f"{v.invariant} {v.device or '-'}: {v.why}" for v in verdict.introduced[:3]
        )
        super().__init__(f"change {change_id}: the policy gate refuses it: {reasons}")
        self.change_id = change_id
        self.verdict = verdict


@dataclass(frozen=True)
class DeviceInfo:
    node: str
    platform: str
    source: str
    state: str
    error: str | None
    diff: tuple[str, ...]
    commands: tuple[str, ...]
    rollback: tuple[str, ...]
    intended: str = field(repr=False)
    started_at: datetime | None = None
    finished_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "platform": self.platform,
            "source": self.source,
            "state": self.state,
            "error": self.error,
            "diff": list(self.diff),
            "commands": list(self.commands),
            "rollback": list(self.rollback),
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
        }


@dataclass(frozen=True)
class EventInfo:
    at: datetime
    actor: str
    action: str
    node: str | None
    from_state: str | None
    to_state: str
    detail: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": _iso(self.at),
            "actor": self.actor,
            "action": self.action,
            "node": self.node,
            "from": self.from_state,
            "to": self.to_state,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class ChangeInfo:
    id: int
    title: str
    kind: str
    author: str
    created: datetime
    state: str
    approver: str | None
    meta: dict[str, Any]
    devices: tuple[DeviceInfo, ...] = ()
    events: tuple[EventInfo, ...] = ()

    def device(self, node: str) -> DeviceInfo:
        return next(d for d in self.devices if d.node == node)

    def to_dict(self, *, events: bool = True) -> dict[str, Any]:
        out = {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "author": self.author,
            "created": _iso(self.created),
            "state": self.state,
            "approver": self.approver,
            "meta": self.meta,
            "devices": [d.to_dict() for d in self.devices],
        }
        if events:
            out["events"] = [e.to_dict() for e in self.events]
        return out


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment is not None else None


def now() -> datetime:
    """UTC without tzinfo, as the DateTime columns store it."""
    return datetime.now(UTC).replace(tzinfo=None)


# -- recording ----------------------------------------------------------------------------
#: SQLite allows one writer at a time: the push threads write their steps one by one.
_WRITE = threading.Lock()


def record(
    inventory: Any,
    session: Session,
    actor: Any,
    change: Change,
    action: str,
    to_state: str,
    *,
    device: ChangeDevice | None = None,
    detail: str | None = None,
) -> None:
    """Move the change (or ``device``) to ``to_state``: the event row and the audit row,
    in ``session``'s transaction."""
    before = device.state if device is not None else change.state
    moment = now()
    if device is not None:
        device.state = to_state
        device.updated_at = moment
    else:
        change.state = to_state
    session.add(
        ChangeEvent(
            change_id=change.id,
            at=moment,
            actor=actor.name,
            action=action,
            node=device.node if device is not None else None,
            from_state=before,
            to_state=to_state,
            detail=detail,
        )
    )
    details: dict[str, Any] = {"from": before, "to": to_state}
    if device is not None:
        details["node"] = device.node
    if detail:
        details["detail"] = detail[:500]
    inventory.audit.append(
        actor, f"change.{action}", f"change {change.id}", details, session=session
    )


def _upgrade(inventory: Any) -> None:
    from .schema import upgrade

    upgrade(inventory.engine)


def _load(session: Session, change_id: int, *, lock: bool = False) -> Change:
    stmt = select(Change).where(Change.id == change_id)
    if lock:
        stmt = stmt.with_for_update()
    row = session.execute(stmt).scalar_one_or_none()
    if row is None:
        raise UnknownChangeError(f"change {change_id} does not exist")
    return row


def _devices(session: Session, change_id: int) -> list[ChangeDevice]:
    return list(
        session.execute(
            select(ChangeDevice)
            .where(ChangeDevice.change_id == change_id)
            .order_by(ChangeDevice.id)
        ).scalars()
    )


# -- permissions ----------------------------------------------------------------------------
def _scope_of(inventory: Any, actor: Any) -> tuple[str, str | None]:
    """(role, scope) of the acting account (an Actor of the CLI, or an Account)."""
    scope = getattr(actor, "scope", None)
    role = str(getattr(actor.role, "value", actor.role))
    if scope is None and not actor.name.startswith("local:"):
        from inventory.errors import NotFoundError

        try:
            account = inventory.accounts.get(actor.name)
        except NotFoundError:
            account = None
        if account is not None:
            scope, role = account.scope, account.role.value
    return role, scope


def authorize(inventory: Any, actor: Any, permission: str, nodes: Sequence[str]) -> None:
    """Raise :class:`~inventory.accounts.PermissionDenied` unless ``actor`` may do
    ``permission`` on every node (its role, and its subtree scope)."""
    from inventory.accounts import Account, Role

    role, scope = _scope_of(inventory, actor)
    try:
        parsed = Role(role)
    except ValueError:
        raise PermissionDenied(f"{actor.name}: unknown role {role!r}") from None
    account = Account(0, actor.name, parsed, scope, None, False, None, None, now())
    if scope is None:
        require(account, permission)
        return
    with inventory.sessions() as session:
        for node in nodes:
            require(account, permission, path=ancestry(session, node) or [node])


# -- create -------------------------------------------------------------------------------
def _platforms(inventory: Any, codes: Sequence[str]) -> dict[str, str]:
    from inventory.models import Node

    with inventory.sessions() as session:
        rows = session.execute(select(Node.code, Node.platform).where(Node.code.in_(codes))).all()
    found = {code: platform for code, platform in rows}
    for code in codes:
        if code not in found:
            raise UnknownNodeError(f"unknown node {code!r}")
        if not found[code]:
            raise UnknownNodeError(f"node {code!r} has no platform (no device to configure)")
    return found


def create_change(
    inventory: Any,
    *,
    actor: Any,
    title: str,
    intended: Mapping[str, str],
    kind: str = "manual",
    meta: Mapping[str, Any] | None = None,
    running: Mapping[str, str] | None = None,
    width: int = 8,
) -> int:
    """A new change in ``draft``; returns its id.

    ``intended``: node code → full intended configuration (secrets masked). Each device's
    running configuration is ``running[code]`` when given, else read over SSH
    (:func:`provisioning.fetch.fetch_running`, ``width`` at a time); a device that cannot
    be read refuses the whole change (nothing is stored). Secrets are masked before
    anything is compared or stored.
    """
    from .onboarding import _compare
    from .remediation import remediate

    if not intended:
        raise ChangeError("a change needs at least one device")
    if not title.strip():
        raise ChangeError("a change needs a title")
    codes = list(intended)
    authorize(inventory, actor, "change.create", codes)
    platforms = _platforms(inventory, codes)
    given = dict(running or {})
    todo = [c for c in codes if c not in given]
    sources = {c: "given" for c in given}
    if todo:
        from .fetch import fetch_running

        fetched = fetch_running(inventory, todo, width=width)
        failed = {c: v for c, v in fetched.items() if isinstance(v, Exception)}
        if failed:
            named = "; ".join(f"{c}: {e}" for c, e in list(failed.items())[:5])
            raise ChangeError(f"cannot read the running configuration: {named}")
        for code, text in fetched.items():
            given[code] = str(text)
            sources[code] = "device"
    _upgrade(inventory)
    rows = []
    moment = now()
    for code in codes:
        platform = platforms[code]
        wanted = sanitize(intended[code], platform)
        ran = sanitize(given[code], platform)
        diff, commands = _compare(platform, ran, wanted)
        back = remediate(platform, ran, wanted).rollback if commands else ()
        rows.append(
            ChangeDevice(
                node=code,
                platform=platform,
                intended=wanted,
                running=ran,
                source=sources[code],
                diff=list(diff),
                commands=list(commands),
                rollback=list(back),
                state=PENDING if commands else SKIPPED,
                updated_at=moment,
            )
        )
    with _WRITE, transaction(inventory.sessions) as session:
        change = Change(
            title=title.strip()[:300],
            kind=kind,
            author=actor.name,
            created=moment,
            state=DRAFT,
            meta=dict(meta or {}),
        )
        session.add(change)
        session.flush()
        for row in rows:
            row.change_id = change.id
            session.add(row)
        session.flush()
        skipped = [r.node for r in rows if r.state == SKIPPED]
        detail = f"{len(rows)} device(s), {len(rows) - len(skipped)} to push"
        if skipped:
            detail += f"; empty diff: {', '.join(skipped[:20])}"
        session.add(
            ChangeEvent(
                change_id=change.id,
                at=moment,
                actor=actor.name,
                action="create",
                node=None,
                from_state=None,
                to_state=DRAFT,
                detail=detail,
            )
        )
        inventory.audit.append(
            actor,
            "change.create",
            f"change {change.id}",
            {"to": DRAFT, "title": change.title, "kind": kind, "nodes": codes[:50]},
            session=session,
        )
        return int(change.id)


# -- the gate ---------------------------------------------------------------------------------
def gate(inventory: Any, devices: Sequence[tuple[str, str, str, str]]) -> Any:
    """The verdict on ``devices`` ((node, platform, running, intended), masked): the city as
    the inventory intends it, with these devices as they run before and as intended after."""
    from security.network import context_from_state
    from security.policy import build_model
    from security.policy import check_change as policy_check

    from .render import Renderer, load_source
    from .settings import RenderSettings

    state = load_source(inventory)
    renderer = Renderer(state, RenderSettings.from_ipam(inventory.settings.ipam))
    current = {code: renderer.render(code).text for code in renderer.devices()}
    platforms = {code: state["nodes"][code].platform for code in current}
    for node, platform, running, _intended in devices:
        if running.strip():
            current[node] = running
            platforms[node] = platform
        else:  # nothing runs there yet: the device is new to the network
            current.pop(node, None)
    context = context_from_state(state, inventory.settings.ipam)
    model = build_model(current, context, platforms)
    return policy_check(model, {node: intended for node, _p, _r, intended in devices})


def change_verdict(inventory: Any, change_id: int) -> Any:
    """The gate's verdict on a change, read-only (``egovnet policy check --change ID``)."""
    _upgrade(inventory)
    with inventory.sessions() as session:
        _load(session, change_id)
        devices = [
            (d.node, d.platform, d.running, d.intended) for d in _devices(session, change_id)
        ]
    return gate(inventory, devices)


def check_change(inventory: Any, change_id: int, *, actor: Any) -> Any:
    """The policy gate: ``draft`` → ``checked``, or :class:`GateRefused` (the change stays a
    draft; the refusal is recorded). Returns the verdict."""
    _upgrade(inventory)
    with inventory.sessions() as session:
        change = _load(session, change_id)
        if change.state not in (DRAFT, CHECKED):
            raise ChangeStateError(f"change {change_id} is {change.state}: only a draft is checked")
        devices = [
            (d.node, d.platform, d.running, d.intended) for d in _devices(session, change_id)
        ]
    authorize(inventory, actor, "change.create", [d[0] for d in devices])
    verdict = gate(inventory, devices)
    with _WRITE, transaction(inventory.sessions) as session:
        change = _load(session, change_id, lock=True)
        if change.state not in (DRAFT, CHECKED):
            raise ChangeStateError(f"change {change_id} is {change.state}: only a draft is checked")
        meta = dict(change.meta or {})
        meta["verdict"] = verdict.to_dict()
        change.meta = meta
        if verdict.allowed:
            record(inventory, session, actor, change, "check", CHECKED, detail="allowed")
        else:
            lines = "; ".join(
                f"{v.invariant} {v.device or '-'}: {v.why}" for v in verdict.introduced
            )
            record(inventory, session, actor, change, "check", DRAFT, detail=f"refused: {lines}")
    if not verdict.allowed:
        raise GateRefused(change_id, verdict)
    return verdict


# -- approval ------------------------------------------------------------------------------
def approve_change(inventory: Any, change_id: int, actor: Any) -> None:
    """``checked`` → ``approved`` by a second account (``change.approve``, its scope holding
    every device); the author is refused with :class:`FourEyesError`."""
    _upgrade(inventory)

    def allowed(change: Change) -> None:
        if change.author == actor.name:
            raise FourEyesError(
                f"change {change_id}: {actor.name} is its author; another account must approve it"
            )
        if change.state != CHECKED:
            raise ChangeStateError(
                f"change {change_id} is {change.state}: only a checked change is approved"
            )

    with inventory.sessions() as session:
        allowed(_load(session, change_id))
        nodes = [d.node for d in _devices(session, change_id)]
    # SQLite sessions begin IMMEDIATE: no second session while the transaction below is open
    authorize(inventory, actor, "change.approve", nodes)
    with _WRITE, transaction(inventory.sessions) as session:
        change = _load(session, change_id, lock=True)
        allowed(change)
        change.approver = actor.name
        record(inventory, session, actor, change, "approve", APPROVED)


# -- reading -------------------------------------------------------------------------------
def _info(session: Session, change: Change, *, full: bool) -> ChangeInfo:
    devices: tuple[DeviceInfo, ...] = ()
    events: tuple[EventInfo, ...] = ()
    if full:
        devices = tuple(
            DeviceInfo(
                d.node,
                d.platform,
                d.source,
                d.state,
                d.error,
                tuple(d.diff),
                tuple(d.commands),
                tuple(d.rollback),
                d.intended,
                d.started_at,
                d.finished_at,
            )
            for d in _devices(session, change.id)
        )
        events = tuple(
            EventInfo(e.at, e.actor, e.action, e.node, e.from_state, e.to_state, e.detail)
            for e in session.execute(
                select(ChangeEvent)
                .where(ChangeEvent.change_id == change.id)
                .order_by(ChangeEvent.id)
            ).scalars()
        )
    return ChangeInfo(
        change.id,
        change.title,
        change.kind,
        change.author,
        change.created,
        change.state,
        change.approver,
        dict(change.meta or {}),
        devices,
        events,
    )


def get_change(inventory: Any, change_id: int) -> ChangeInfo:
    """The change with its devices and events."""
    _upgrade(inventory)
    with inventory.sessions() as session:
        return _info(session, _load(session, change_id), full=True)


def list_changes(inventory: Any, *, state: str | None = None, limit: int = 100) -> list[ChangeInfo]:
    """Changes, newest first (without devices and events)."""
    _upgrade(inventory)
    stmt = select(Change).order_by(Change.id.desc()).limit(limit)
    if state is not None:
        stmt = stmt.where(Change.state == state)
    with inventory.sessions() as session:
        return [_info(session, c, full=False) for c in session.execute(stmt).scalars()]


# -- push and rollback (provisioning.push) -------------------------------------------------
def push_change(inventory: Any, change_id: int, **kwargs: Any) -> Any:
    """:func:`provisioning.push.push_change` (actor=, settings=PushSettings(...), progress=)."""
    from .push import push_change as push

    return push(inventory, change_id, **kwargs)


def rollback_change(inventory: Any, change_id: int, **kwargs: Any) -> Any:
    """:func:`provisioning.push.rollback_change`."""
    from .push import rollback_change as back

    return back(inventory, change_id, **kwargs)
