"""The seeded example city on lab devices over SSH, for the console's provisioning pages
(tests/web/test_provisioning_pages.py and the submit test that follows provisioning.changes).
Imported as a top-level module."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from console_support import PASSWORD, csrf, login
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient

from inventory.credentials import CredentialSet
from inventory.seed import build_city, example_divisions
from inventory.service import ManagementAccess
from inventory.settings import IpamSettings
from lab.devices import DeviceFleet
from lab.devices.editor import build_tree
from lab.model import LabNetwork
from lab.service import new_credentials
from lab.topology import build_specs
from provisioning.render import Renderer
from web.app import create_app

VILLAGES = 2
#: the lab devices an onboarding at 411302001 or 411303003 can touch
LAB = ["4113", "4113-EGW", "411302", "411303", "411302001", "411303003"]
USERS = {"admin": ("admin", None), "eng": ("engineer", "411302"), "op": ("operator", None)}
KEY = Fernet.generate_key().decode()


class Lab:
    """One lab fleet per device, each on its own loopback address: the inventory's
    management addresses are also its BGP peers, so two nodes may not share one."""

    def __init__(self, root: Path) -> None:
        state = build_city(example_divisions(), IpamSettings(), villages_per_township=VILLAGES)
        specs = {s.code: s for s in build_specs(state.state, LAB, new_credentials())}
        renderer = Renderer(state.state)
        self.fleets: dict[str, DeviceFleet] = {}
        for number, code in enumerate(LAB):
            fleet = DeviceFleet(
                [specs[code]], root / code, network=LabNetwork(), host=f"127.0.0.{20 + number}"
            )
            self.fleets[code] = fleet
            fleet.start()
            device = fleet.device(code)
            tree, _rejected = build_tree(device.dialect, renderer.render(code).text)
            fleet.call(lambda device=device, tree=tree: device.set_running(tree))

    def endpoint(self, code: str) -> Any:
        return self.fleets[code].endpoint(code)

    def stop(self) -> None:
        for fleet in self.fleets.values():
            fleet.stop()


@contextmanager
def lab(root: Path) -> Iterator[Lab]:
    """The lab devices running what the lab accepts of their intended configuration."""
    fleets = Lab(root)
    try:
        yield fleets
    finally:
        fleets.stop()


@contextmanager
def city_template(fleet: Lab) -> Iterator[Path]:
    """The seeded city with accounts, lab credentials and management addresses (a database
    file to copy for each test: argon2 hashes and the seed are slow on purpose)."""
    root = Path(tempfile.mkdtemp(prefix="egovnet-provpages-"))
    app = create_app({"database.url": f"sqlite:///{root}/city.db", "secret.key": KEY})
    egov = app.extensions["egovnet"]
    inv = egov["inventory"]
    inv.ensure_schema()
    egov["monitoring"].ensure_schema()
    inv.seed(None, VILLAGES)
    first = fleet.endpoint(LAB[0])
    inv.credentials.put(
        "lab",
        CredentialSet(
            username=first.username, password=first.password, enable_secret=first.password
        ),
    )
    inv.set_management(
        {
            code: ManagementAccess(fleet.endpoint(code).host, fleet.endpoint(code).port, 161, "lab")
            for code in LAB
        }
    )
    for name, (role, scope) in USERS.items():
        inv.accounts.add(name, role, PASSWORD, scope=scope)
    inv.dispose()
    try:
        yield root / "city.db"
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def city_app(template: Path, root: Path) -> Iterator[Flask]:
    """The console on a copy of the template database."""
    shutil.copyfile(template, root / "city.db")
    app = create_app({"database.url": f"sqlite:///{root}/city.db", "secret.key": KEY})
    app.config["TESTING"] = True
    try:
        yield app
    finally:
        app.extensions["egovnet"]["inventory"].dispose()


def inv_of(app: Flask) -> Any:
    return app.extensions["egovnet"]["inventory"]


def client_as(app: Flask, name: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


def post_plan(client: FlaskClient, lang: str = "en", **form: str) -> Any:
    return client.post(
        f"/onboarding/plan?lang={lang}", data={"csrf_token": csrf(client, "/onboarding"), **form}
    )
