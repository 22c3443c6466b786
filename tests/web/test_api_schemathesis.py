"""Schemathesis against ``/api/v1/openapi.json`` of the real app: no operation answers 5xx.

The app runs on a real SQLite database (the console fixture: BASE inventory, one
account per role, open alarms) and reads link health from a real influxd holding
a few points, with an admin's and a scoped engineer's API token (so writes are exercised too). Examples
per operation are bounded so the whole file runs in well under a minute.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from console_support import INSIDE, console_app, csrf, login
from flask import Flask
from health_data import device_lines
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from lab.influx import InfluxServer, find_influxd
from monitoring.influx import InfluxClient, InfluxSettings

DATABASE = "schemathesis"


@pytest.fixture(scope="module")
def influxd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InfluxServer]:
    if find_influxd() is None:
        pytest.skip("influxd not found: install the Debian package 'influxdb' (make setup)")
    server = InfluxServer(tmp_path_factory.mktemp("influxd"), max_select_buckets=10_000)
    server.start()
    client = InfluxClient(InfluxSettings(server.url, DATABASE, spool_dir=server.root / "spool"))
    client.create_database()
    now = int(time.time())
    client.write_lines(device_lines(INSIDE, "township", range(now - 3600, now, 300)))
    client.close()
    yield server
    server.remove()


@pytest.fixture
def api_app(tmp_path: Path, instance_path: Path, influxd: InfluxServer) -> Iterator[Flask]:
    with console_app(
        tmp_path / "console", {"influx.url": influxd.url, "influx.database": DATABASE}
    ) as app:
        yield app


@pytest.fixture(params=["admin", "eng"])
def token(api_app: Flask, request: pytest.FixtureRequest) -> str:
    """An API token of the admin, and of the engineer scoped to one county (403 paths)."""
    made: str = api_app.extensions["egovnet"]["inventory"].accounts.new_token(request.param)
    return made


@pytest.fixture
def api_schema(api_app: Flask) -> Any:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_app)


#: examples per operation and generation mode (positive: valid requests; negative: invalid)
EXAMPLES = 40


def test_no_operation_answers_a_server_error(api_schema: Any, token: str) -> None:
    """Every operation, valid and invalid inputs, with an API token: never a 5xx.

    The operations are walked here rather than through schemathesis' pytest plugin
    (``from_fixture``), which does not run under pytest 9.
    """
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    statuses: set[int] = set()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 6, [op.label for op in operations]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
                database=None,
            )
            def check(case: Any) -> None:
                answer = case.call_and_validate(headers=headers, checks=[not_a_server_error])
                statuses.add(answer.status_code)

            try:
                check()
            except Unsatisfiable:  # no invalid request exists (e.g. any string is a node code)
                assert mode is GenerationMode.NEGATIVE, operation.label
            except Exception as exc:  # collected: one run names every failing operation
                failures.append(f"{operation.label} ({mode.value}): {str(exc)[:2000]}")
    assert not failures, "\n\n".join(failures)
    # the requests reached the application: answers, refusals and validation errors
    assert {200, 404, 422} <= statuses, statuses


def test_an_alarm_id_beyond_the_column_is_not_found(api_app: Flask, token: str) -> None:
    """Found by schemathesis: an id past 64 bits reached the database (500); now 404."""
    huge = 2**64
    client = api_app.test_client()
    answer = client.post(f"/api/v1/alarms/{huge}/ack", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 404
    login(client, "admin")
    page = client.post(f"/alarms/{huge}/ack", data={"csrf_token": csrf(client, "/alarms")})
    assert page.status_code == 404, page.status_code
