"""Server-side sessions, the current account, access rules and security headers.

Sessions live in the ``login_sessions`` table of the inventory database; the
cookie carries only a random 256-bit id. Flask-Session's SQLAlchemy backend
was not used: it needs Flask-SQLAlchemy and its own engine and table,
while the console already has one engine and Alembic history for the
database (a session row is a plain row here, deleted with its user).

A session idle for longer than ``web.idle_timeout`` minutes (default 15), or
older than ``web.session_lifetime`` hours (default 12), is dropped: the next
request goes to the login page. The id changes at login and logout
(fixation). Cookies are HttpOnly and SameSite=Lax, and Secure when
``web.secure_cookies`` is set (behind TLS).

Every endpoint declares what it needs with :func:`needs` (a permission) or
:func:`public`; an endpoint without a declaration is refused (403) so a new
route cannot be forgotten. Pages send an anonymous user to the login page,
``/api/`` answers 401.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from flask import Flask, Request, Response, abort, g, redirect, request, url_for
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import delete
from werkzeug.datastructures import CallbackDict

from inventory.accounts import Account, Accounts, AuthError, PermissionDenied, ancestry, require
from inventory.audit import Actor
from inventory.models import LoginSession
from inventory.service import Inventory

F = TypeVar("F", bound=Callable[..., Any])
COOKIE = "egovnet_session"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class DbSession(CallbackDict[str, Any], SessionMixin):
    """A session dict that knows its row id and whether it changed."""

    def __init__(self, initial: dict[str, Any] | None = None, sid: str | None = None) -> None:
        def on_update(_self: Any) -> None:
            self.modified = True

        super().__init__(initial or {}, on_update)
        self.sid = sid
        self.modified = False
        self.rotate = False


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class DbSessionInterface(SessionInterface):
    """Sessions in ``login_sessions``."""

    def __init__(self, inventory: Inventory, idle: timedelta, lifetime: timedelta) -> None:
        self.inventory = inventory
        self.idle = idle
        self.lifetime = lifetime

    def open_session(self, app: Flask, request: Request) -> DbSession:
        sid = request.cookies.get(COOKIE)
        if not sid or len(sid) > 64:
            return DbSession()
        now = _now()
        with self.inventory.sessions() as session, session.begin():
            row = session.get(LoginSession, sid)
            if row is None:
                return DbSession()
            if now - row.last_seen > self.idle or now - row.created_at > self.lifetime:
                session.delete(row)  # idle or too old: log in again
                return DbSession()
            if now - row.last_seen > timedelta(seconds=30):  # keep writes off most requests
                row.last_seen = now
            try:
                data = json.loads(row.data)
            except ValueError:
                data = {}
        return DbSession(data if isinstance(data, dict) else {}, sid=sid)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, DbSession)  # noqa: S101 - ours
        secure = bool(app.config.get("SESSION_COOKIE_SECURE"))
        data = dict(session)
        if session.sid is not None and (session.rotate or not data):
            with self.inventory.sessions() as db, db.begin():
                db.execute(delete(LoginSession).where(LoginSession.id == session.sid))
            if not data:
                response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Lax")
                return
            session.sid = None
        if not data or not (session.modified or session.sid is None):
            return
        now = _now()
        user_id = data.get("user_id")
        with self.inventory.sessions() as db, db.begin():
            if session.sid is None:
                session.sid = secrets.token_urlsafe(32)
                db.add(
                    LoginSession(
                        id=session.sid,
                        user_id=user_id,
                        data=json.dumps(data),
                        created_at=now,
                        last_seen=now,
                    )
                )
                # forget sessions nobody used for a day (anonymous login pages included)
                db.execute(
                    delete(LoginSession).where(LoginSession.last_seen < now - timedelta(days=1))
                )
            else:
                row = db.get(LoginSession, session.sid)
                if row is None:
                    return
                row.data, row.user_id, row.last_seen = json.dumps(data), user_id, now
        response.set_cookie(
            COOKIE,
            session.sid,
            httponly=True,
            samesite="Lax",
            secure=secure,
            path="/",
        )


# -- access rules ------------------------------------------------------------------------


def needs(permission: str) -> Callable[[F], F]:
    """Declare the permission a view needs (checked before the view runs)."""

    def mark(view: F) -> F:
        view.egovnet_permission = permission  # type: ignore[attr-defined]
        return view

    return mark


def public(view: F) -> F:
    """Declare a view that needs no login (login page, health check, static files)."""
    view.egovnet_permission = None  # type: ignore[attr-defined]
    return view


def current() -> Account | None:
    account: Account | None = g.get("account")
    return account


def actor() -> Actor:
    account = current()
    if account is None:
        abort(401)
    return Actor(account.name, account.role.value, account.contractor)


def check_node(code: str, permission: str) -> None:
    """403 unless the current account may do ``permission`` on node ``code`` (its scope)."""
    account = current()
    if account is None:
        abort(401)
    inv: Inventory = _components()["inventory"]
    with inv.sessions() as session:
        path = ancestry(session, code) or [code]
    try:
        require(account, permission, path=path)
    except PermissionDenied:
        abort(403)
    if account.scope is not None and account.scope not in path:
        abort(403)  # reads too: a scoped engineer sees node details of the subtree only


def _components() -> dict[str, Any]:
    from flask import current_app

    found: dict[str, Any] = current_app.extensions["egovnet"]
    return found


def install(app: Flask, inventory: Inventory, accounts: Accounts) -> None:
    """Load the account of each request, enforce :func:`needs`, add the security headers."""
    public_endpoints: set[str] = {"static"}
    app.extensions["egovnet.public"] = public_endpoints

    @app.before_request
    def load_account() -> Any:
        from flask import session

        g.account = None
        g.via_token = False
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            try:
                g.account = accounts.by_token(header[7:])
                g.via_token = True
            except AuthError:
                return _unauthorised(api=True)
        else:
            user_id = session.get("user_id")
            if isinstance(user_id, int):
                g.account = accounts.usable(user_id)
                if g.account is None:
                    session.clear()
        view = app.view_functions.get(request.endpoint or "")
        if request.endpoint in public_endpoints:
            return None
        if view is None:
            return None  # 404/405 follow
        if not hasattr(view, "egovnet_permission"):
            abort(403)
        permission = getattr(view, "egovnet_permission")  # noqa: B009 - set by needs()
        if permission is None:
            return None
        if g.account is None:
            return _unauthorised(api=request.path.startswith("/api/"))
        if not g.account.has(permission):
            abort(403)
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response


def _unauthorised(*, api: bool) -> Any:
    if api:
        response = Response(
            json.dumps(
                {"code": 401, "status": "Unauthorized", "message": "log in or send a token"}
            ),
            status=401,
            mimetype="application/json",
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="egovnet"'
        return response
    target = request.full_path if request.method == "GET" else "/"
    return redirect(url_for("auth.login", next=target.rstrip("?")))
