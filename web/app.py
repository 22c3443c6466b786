"""``create_app``: read configuration once, build the components, register blueprints."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from typing import Any

from flask import Flask, jsonify

from inventory.service import Inventory
from monitoring.service import Monitoring

from .config import load_config


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The application factory (flaskr style); ``test_config`` overrides dotted option keys."""
    instance = os.environ.get("EGOVNET_INSTANCE")
    app = Flask(
        "web",
        instance_path=os.path.abspath(instance) if instance else None,
        instance_relative_config=True,
    )
    os.makedirs(app.instance_path, exist_ok=True)
    config = load_config(app.instance_path, os.environ, test_config)
    app.config["SECRET_KEY"] = config.values["web.secret_key"] or secrets.token_hex(32)
    app.config["EGOVNET"] = config
    inventory = Inventory(config.inventory)
    monitoring = Monitoring(
        inventory,
        influx=config.monitoring.influx,
        poller=config.monitoring.poller,
        intervals=config.monitoring.intervals,
        alarms=config.monitoring.alarms,
    )
    app.extensions["egovnet"] = {"config": config, "inventory": inventory, "monitoring": monitoring}

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok")

    return app
