"""The onboarding wizard's "submit for approval", once provisioning.changes has landed.

Not collected yet (the name does not match ``test_*.py``): ``provisioning.changes`` is
built on another branch. After merging it, rename this file to
``tests/web/test_onboarding_submit.py``. The submit commits the plan's allocations
(audited) and creates the change with ``create_change`` exactly as ``egovnet onboard``
does; a plan the gate refuses allocates nothing and creates no change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from console_support import csrf
from flask import Flask
from flask.testing import FlaskClient
from provisioning_console import Lab, city_app, city_template, client_as, inv_of, lab, post_plan
from sqlalchemy import select

from inventory.db import transaction
from inventory.models import Department, Prefix, Zone


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with lab(tmp_path_factory.mktemp("provsubmit")) as fleets:
        yield fleets


@pytest.fixture(scope="module")
def template(fleet: Lab) -> Iterator[Path]:
    with city_template(fleet) as path:
        yield path


@pytest.fixture
def city(template: Path, tmp_path: Path, instance_path: Path) -> Iterator[Flask]:
    with city_app(template, tmp_path) as app:
        yield app


def _submit(client: FlaskClient, **form: str) -> Any:
    token = csrf(client, "/onboarding")
    return client.post("/onboarding/submit?lang=en", data={"csrf_token": token, **form})


def test_submit_allocates_and_creates_the_change(city: Flask) -> None:
    client = client_as(city, "admin")
    plan = post_plan(client, department="411302001-WSY", node="411302001")
    page = plan.get_data(as_text=True)
    assert 'id="submit"' in page
    before = inv_of(city).export_yaml()
    answer = _submit(client, department="411302001-WSY", node="411302001")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    found = re.search(r'id="submitted">Allocated; change (\d+) was created', html)
    assert found, html[-2000:]
    assert int(found.group(1)) > 0
    assert inv_of(city).export_yaml() != before
    with inv_of(city).sessions() as session:
        dept = session.execute(
            select(Department).where(Department.code == "411302001-WSY")
        ).scalar_one()
        subnet = session.execute(
            select(Prefix.prefix).where(Prefix.department_id == dept.id, Prefix.role == "subnet")
        ).scalar_one()
    assert str(subnet) == "10.112.70.64/27"
    actions = [r.action for r in inv_of(city).audit.rows(limit=5)]
    assert "provisioning.onboard" in actions
    # submitting again: nothing left to onboard, no second change
    again = _submit(client, department="411302001-WSY", node="411302001")
    assert "Nothing to onboard" in again.get_data(as_text=True)


def test_a_refused_plan_is_not_submitted(city: Flask) -> None:
    with transaction(inv_of(city).sessions) as session:
        public = session.execute(select(Zone).where(Zone.code == "ZW-GGQ")).scalar_one()
        session.add(
            Zone(
                code="ZW-LEAK",
                name="串通公用区的专网",
                kind="private",
                system="测试",
                rd="65001:900",
                import_targets=public.import_targets,
                export_targets="65001:900",
            )
        )
    client = client_as(city, "admin")
    before = inv_of(city).export_yaml()
    answer = _submit(client, department="411303003-CZS", node="411303003", private="ZW-LEAK")
    assert answer.status_code == 409
    html = answer.get_data(as_text=True)
    assert "The policy gate refuses the plan." in html and "<td>zone-isolation</td>" in html
    assert 'id="submitted"' not in html
    assert inv_of(city).export_yaml() == before


def test_only_engineers_in_scope_submit(city: Flask) -> None:
    before = inv_of(city).export_yaml()
    operator = client_as(city, "op")
    token = csrf(operator, "/coverage")
    assert (
        operator.post(
            "/onboarding/submit",
            data={"csrf_token": token, "department": "411302001-WSY", "node": "411302001"},
        ).status_code
        == 403
    )
    engineer = client_as(city, "eng")
    outside = _submit(engineer, department="411303003-CZS", node="411303003")
    assert outside.status_code == 403
    assert inv_of(city).export_yaml() == before


def test_a_wave_with_an_unreadable_device_is_not_submitted(city: Flask) -> None:
    from inventory.service import ManagementAccess
    from provisioning.onboarding import wave_nodes

    townships = [n.code for n in wave_nodes(inv_of(city), level="township", county="411303")]
    inv_of(city).set_management(
        {
            code: ManagementAccess(f"127.0.0.{100 + n}", 9, 161, "lab")
            for n, code in enumerate(townships)
            if code != "411303003"
        }
    )
    client = client_as(city, "admin")
    before = inv_of(city).export_yaml()
    token = csrf(client, "/onboarding/wave")
    answer = client.post(
        "/onboarding/wave/submit?lang=en",
        data={"csrf_token": token, "kind": "SFS", "level": "township", "county": "411303"},
    )
    assert answer.status_code == 409
    assert "A device could not be read: nothing was allocated." in answer.get_data(as_text=True)
    assert inv_of(city).export_yaml() == before
