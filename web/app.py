"""``create_app``: read configuration once, build the components, register blueprints.

The console: blueprints ``auth``, ``dashboard``, ``inventory``, ``monitoring``,
``admin`` (server-rendered pages) and the JSON API under ``/api/v1``
(flask-smorest, OpenAPI at ``/api/v1/openapi.json``). Sessions, access rules
and headers: :mod:`web.security`. Languages: zh_CN by default, English by the
user's preference or ``?lang=en`` (Flask-Babel, catalogues in
``web/translations``).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import Flask, g, jsonify, request, session
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter

from inventory.service import Inventory
from monitoring.service import Monitoring
from security.service import Security

from .config import load_config
from .security import DbSessionInterface, install, public

LANGUAGES = ("zh_CN", "en")
#: the catalogue folder of each language: Babel parses ``zh_CN`` as ``zh_Hans_CN`` and would
#: look for that folder, so the Chinese catalogue is ``translations/zh``
CATALOGUE = {"zh_CN": "zh", "en": "en"}


def select_locale() -> str:
    """The catalogue of :func:`language`."""
    return CATALOGUE[language()]


def language() -> str:
    """``?lang=`` (remembered in the session), else the account's preference, else the default."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        if session.get("lang") != asked:
            session["lang"] = asked
        return asked
    remembered = session.get("lang")
    if remembered in LANGUAGES:
        return str(remembered)
    account = g.get("account")
    if account is not None and account.language in LANGUAGES:
        return str(account.language)
    from flask import current_app

    default = str(current_app.config["EGOVNET"].values["web.language"])
    return default if default in LANGUAGES else "zh_CN"


def _counts(monitoring: Monitoring) -> Any:
    """Where campaigns write finding counts: monitoring's InfluxDB writer, when configured."""
    return monitoring.writer() if monitoring.influx is not None else None


def _fetch_running(inventory: Any, codes: Any, *, width: int = 16) -> dict[str, str | Exception]:
    """Running configurations over SSH (:func:`provisioning.fetch.fetch_running`), loaded on use."""
    from provisioning.fetch import fetch_running

    return fetch_running(inventory, codes, width=width)


def _fetcher(inventory: Inventory) -> Any:
    """``codes -> {code: running text | exception}`` over the inventory's devices (SSH).

    NAPALM is imported on the first call, not at start-up (CLI start-up time).
    """

    def fetch(codes: Any, *, width: int = 16) -> dict[str, str | Exception]:
        return _fetch_running(inventory, codes, width=width)

    return fetch


def _change_gate(inventory: Inventory) -> Any:
    """``change id -> verdict`` of the policy gate on a stored change (read-only), for
    ``egovnet policy check --change``: security never imports provisioning."""

    def verdict(change_id: int) -> Any:
        from provisioning.changes import change_verdict

        return change_verdict(inventory, change_id)

    return verdict


def _observer(inventory: Inventory, poller: Any) -> Any:
    """``(codes, columns) -> {code: walked columns | exception}`` over SNMP (monitoring's client)."""

    def observe(codes: Any, columns: Any) -> Any:
        from monitoring.observe import observe_tables

        return observe_tables(
            inventory, codes, columns, timeout=poller.timeout, retries=poller.retries
        )

    return observe


class RowId(IntegerConverter):
    """``<int:...>`` in every route: a database row id, 1 .. 2**63 - 1.

    A larger number is no row of any table: the route does not match (404)
    instead of the value reaching the database driver (SQLite raises
    OverflowError, PostgreSQL an out-of-range error: a 500), as schemathesis
    found on the API.
    """

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The application factory (flaskr style); ``test_config`` overrides dotted option keys."""
    instance = os.environ.get("EGOVNET_INSTANCE")
    app = Flask(
        "web",
        instance_path=os.path.abspath(instance) if instance else None,
        instance_relative_config=True,
    )
    app.url_map.converters["int"] = RowId
    os.makedirs(app.instance_path, exist_ok=True)
    config = load_config(app.instance_path, os.environ, test_config)
    values = config.values
    app.config["SECRET_KEY"] = values["web.secret_key"] or secrets.token_hex(32)
    app.config["EGOVNET"] = config
    app.config["SESSION_COOKIE_SECURE"] = bool(values["web.secure_cookies"])
    app.config["WTF_CSRF_TIME_LIMIT"] = None  # bound by the session's own idle timeout
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = os.path.join(app.root_path, "translations")
    app.config["BABEL_DEFAULT_LOCALE"] = values["web.language"]
    app.config["API_TITLE"] = "egovnet"
    app.config["API_VERSION"] = "v1"
    app.config["OPENAPI_VERSION"] = "3.0.3"
    app.config["OPENAPI_URL_PREFIX"] = "/api/v1"
    app.config["OPENAPI_JSON_PATH"] = "openapi.json"
    inventory = Inventory(config.inventory)
    security = Security(
        inventory,
        config.security,
        fetch_running=_fetch_running,
        counts=lambda: _counts(monitoring),
        observe=_observer(inventory, config.monitoring.poller),
    )
    monitoring = Monitoring(
        inventory,
        influx=config.monitoring.influx,
        poller=config.monitoring.poller,
        intervals=config.monitoring.intervals,
        alarms=config.monitoring.alarms,
        extra_notifiers=[security.alarm_notifier()] if config.security.collectors else (),
    )
    app.extensions["egovnet"] = {
        "config": config,
        "inventory": inventory,
        "monitoring": monitoring,
        "security": security,
    }
    app.extensions["egovnet"]["fetcher"] = _fetcher(inventory)
    app.extensions["egovnet"]["observer"] = _observer(inventory, config.monitoring.poller)
    app.extensions["egovnet"]["change_gate"] = _change_gate(inventory)

    app.session_interface = DbSessionInterface(
        inventory,
        idle=timedelta(minutes=float(values["web.idle_timeout"])),
        lifetime=timedelta(hours=float(values["web.session_lifetime"])),
    )
    CSRFProtect(app)
    Babel(app, locale_selector=select_locale)
    install(app, inventory, inventory.accounts)

    from . import views
    from .api import register_api

    views.register(app)
    register_api(app)

    @app.get("/healthz")
    @public
    def healthz() -> Any:
        return jsonify(status="ok")

    return app
