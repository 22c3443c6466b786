"""InfluxClient against a real influxd 1.6.7 (and a recording HTTP peer for what 1.6 lacks)."""

from __future__ import annotations

import base64
import json
import logging
from datetime import UTC, datetime

import pytest
from influx_peers import HttpPeer, SettingsFactory

from lab.influx import InfluxServer, free_port
from monitoring.errors import (
    InfluxAuthError,
    InfluxNotFoundError,
    InfluxQueryError,
    InfluxRejectedError,
    InfluxUnavailableError,
    MonitoringConfigError,
)
from monitoring.influx import InfluxClient, InfluxSettings, quote_ident, quote_literal, time_range
from monitoring.lineprotocol import Point

T0 = 1_700_000_000_000_000_000
SECOND = 1_000_000_000


def test_ping_reports_the_server_version(influx_client: InfluxClient) -> None:
    assert influx_client.ping().startswith("1.")


def test_write_then_query_round_trip(influx_client: InfluxClient) -> None:
    influx_client.write(
        [
            Point("device", {"node": "n1"}, {"up": 1, "poll_ms": 12.5}, T0),
            Point("device", {"node": "n2"}, {"up": 0, "poll_ms": 3.0}, T0 + SECOND),
        ]
    )
    series = influx_client.query_series(
        f'SELECT "up", "poll_ms", "node" FROM "device" WHERE {time_range(T0, T0 + 10 * SECOND)}'
    )
    assert series[0].rows() == [
        {"time": T0, "up": 1, "poll_ms": 12.5, "node": "n1"},
        {"time": T0 + SECOND, "up": 0, "poll_ms": 3.0, "node": "n2"},
    ]
    assert influx_client.count("device", "up", T0, T0 + 10 * SECOND) == 2
    assert influx_client.count("device", "up", T0 + 5 * SECOND, T0 + 10 * SECOND) == 0


def test_reserved_words_and_odd_names_survive_quoting(influx_client: InfluxClient) -> None:
    odd_tag = '南阳 "core", it\'s a\\b=c'
    influx_client.write([Point("if", {"select": odd_tag}, {"in": 7}, T0)])
    with pytest.raises(InfluxQueryError, match="error parsing query"):
        influx_client.query("SELECT in FROM if WHERE time >= 0 AND time < 1")
    series = influx_client.query_series(
        f"SELECT {quote_ident('in')} FROM {quote_ident('if')} "
        f"WHERE {quote_ident('select')} = {quote_literal(odd_tag)} "
        f"AND {time_range(T0, T0 + SECOND)}"
    )
    assert series[0].values == ((T0, 7),)


def test_bound_parameters(influx_client: InfluxClient) -> None:
    influx_client.write([Point("device", {"node": "a'b"}, {"up": 1}, T0)])
    series = influx_client.query_series(
        f'SELECT "up" FROM "device" WHERE "node" = $node AND {time_range(T0, T0 + SECOND)}',
        params={"node": "a'b"},
    )
    assert series[0].values == ((T0, 1),)


def test_error_inside_a_200_answer_raises(influx_client: InfluxClient) -> None:
    # influxd answers 200 with results[0].error for an unknown database
    with pytest.raises(InfluxQueryError, match=r"statement 0.*database not found"):
        influx_client.query(
            f'SELECT "up" FROM "device" WHERE {time_range(T0, T0 + SECOND)}',
            database="no_such_db",
        )


def test_max_select_buckets_protects_the_server(influx_client: InfluxClient) -> None:
    influx_client.write([Point("device", {"node": "n"}, {"up": 1}, T0)])
    with pytest.raises(InfluxQueryError, match="max-select-buckets"):
        influx_client.query(
            f'SELECT mean("up") FROM "device" WHERE {time_range(T0, T0 + 3600 * SECOND)} '
            "GROUP BY time(1ms)"
        )


def test_bad_points_are_rejected_not_retried(influx_client: InfluxClient) -> None:
    influx_client.write([Point("interface", {"node": "n"}, {"in_bps": 1.0}, T0)])
    with pytest.raises(InfluxRejectedError, match="field type conflict") as info:
        influx_client.write_lines([f"interface,node=n in_bps=1i {T0 + SECOND}"])
    assert info.value.status == 400
    with pytest.raises(InfluxRejectedError, match="unable to parse"):
        influx_client.write_lines(["not line protocol"])


def test_missing_database_is_retryable(influx_url: str, new_settings: SettingsFactory) -> None:
    client = InfluxClient(new_settings(influx_url))
    with pytest.raises(InfluxNotFoundError, match="database not found") as info:
        client.write([Point("device", {"node": "n"}, {"up": 1}, T0)])
    assert isinstance(info.value, InfluxUnavailableError)
    client.create_database()
    client.create_database()  # idempotent
    client.write([Point("device", {"node": "n"}, {"up": 1}, T0)])
    assert client.count("device", "up", T0, T0 + 1) == 1


def test_create_database_with_retention(influx_url: str, new_settings: SettingsFactory) -> None:
    settings = new_settings(influx_url)
    client = InfluxClient(settings)
    client.create_database(duration="400d")
    policies = client.query_series(f"SHOW RETENTION POLICIES ON {quote_ident(settings.database)}")
    assert policies[0].rows()[0]["duration"] == "9600h0m0s"
    with pytest.raises(MonitoringConfigError):
        client.create_database(duration="400 days; DROP DATABASE x")


def test_unreachable_server_is_retryable(new_settings: SettingsFactory) -> None:
    client = InfluxClient(new_settings(f"http://127.0.0.1:{free_port()}", timeout=2.0))
    with pytest.raises(InfluxUnavailableError, match="cannot reach InfluxDB"):
        client.ping()
    with pytest.raises(InfluxUnavailableError, match="cannot reach InfluxDB"):
        client.write([Point("device", {"node": "n"}, {"up": 1}, T0)])


def test_user_password_auth(
    influxd_auth: InfluxServer,
    new_settings: SettingsFactory,
    admin_credentials: tuple[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    user, password = admin_credentials
    good = InfluxClient(new_settings(influxd_auth.url, username=user, password=password))
    good.create_database()
    good.write([Point("device", {"node": "n"}, {"up": 1}, T0)])
    assert good.count("device", "up", T0, T0 + 1) == 1

    wrong = "not-the-password-xyz"
    bad = InfluxClient(
        new_settings(
            influxd_auth.url, database=good.settings.database, username=user, password=wrong
        )
    )
    with pytest.raises(InfluxAuthError, match="authorization failed") as info:
        bad.write([Point("device", {"node": "n"}, {"up": 1}, T0)])
    anonymous = InfluxClient(new_settings(influxd_auth.url, database=good.settings.database))
    with pytest.raises(InfluxAuthError):
        anonymous.query(f'SELECT "up" FROM "device" WHERE {time_range(T0, T0 + 1)}')
    for text in (str(info.value), repr(bad), repr(bad.settings), caplog.text):
        assert wrong not in text
        assert password not in text


def test_token_is_sent_as_token_header(http_peer: HttpPeer, new_settings: SettingsFactory) -> None:
    client = InfluxClient(new_settings(http_peer.url, token="tok-123"))
    client.write([Point("device", {"node": "n"}, {"up": 1}, T0)])
    http_peer.status, http_peer.answer = 200, b'{"results":[{"statement_id":0}]}'
    client.query(f'SELECT "up" FROM "device" WHERE {time_range(T0, T0 + 1)}')
    write, query = http_peer.requests
    assert write.headers["Authorization"] == "Token tok-123"
    assert query.headers["Authorization"] == "Token tok-123"
    assert write.path.startswith("/write?") and "tok-123" not in write.path
    assert write.body == f"device,node=n up=1i {T0}\n".encode()
    assert query.method == "GET" and "tok-123" not in query.path
    assert "tok-123" not in repr(client.settings)


def test_basic_auth_header_and_secret_free_url(
    http_peer: HttpPeer, new_settings: SettingsFactory
) -> None:
    client = InfluxClient(new_settings(http_peer.url, username="nms", password="pw:1"))
    client.write_lines(["m f=1i 1"])
    sent = http_peer.requests[0]
    assert sent.headers["Authorization"] == "Basic " + base64.b64encode(b"nms:pw:1").decode()
    assert "pw" not in sent.path


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (500, InfluxUnavailableError),
        (503, InfluxUnavailableError),
        (429, InfluxUnavailableError),
        (401, InfluxAuthError),
        (404, InfluxNotFoundError),
        (400, InfluxRejectedError),
        (413, InfluxRejectedError),
    ],
)
def test_status_classification(
    http_peer: HttpPeer, new_settings: SettingsFactory, status: int, error: type[Exception]
) -> None:
    http_peer.status, http_peer.answer = status, json.dumps({"error": f"boom {status}"}).encode()
    client = InfluxClient(new_settings(http_peer.url))
    with pytest.raises(error, match=f"HTTP {status}.*boom {status}"):
        client.write_lines(["m f=1i 1"])


def test_write_statements_use_post(http_peer: HttpPeer, new_settings: SettingsFactory) -> None:
    http_peer.status, http_peer.answer = 200, b'{"results":[{"statement_id":0}]}'
    client = InfluxClient(new_settings(http_peer.url))
    client.create_database("x")
    sent = http_peer.requests[0]
    assert sent.method == "POST" and b"CREATE+DATABASE" in sent.body


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"url": "ftp://x"}, "influx.url"),
        ({"url": "http://u:p@h:8086"}, "credentials in the URL"),
        ({"database": ""}, "influx.database"),
        ({"token": "t", "username": "u"}, "exclusive"),
        ({"password": "p"}, "influx.username"),
        ({"batch_size": 0}, "influx.batch_size"),
    ],
)
def test_settings_validation(kwargs: dict[str, object], key: str) -> None:
    values: dict[str, object] = {"url": "http://127.0.0.1:8086", "database": "egovnet"}
    values.update(kwargs)
    with pytest.raises(MonitoringConfigError, match=key) as info:
        InfluxSettings(**values)  # type: ignore[arg-type]
    assert "p@h" not in str(info.value)


def test_time_range_needs_aware_datetimes_and_order() -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    assert time_range(start, datetime(2024, 1, 2, tzinfo=UTC)).startswith(
        "time >= '2024-01-01T00:00:00.000000000Z'"
    )
    with pytest.raises(ValueError, match="naive"):
        time_range(datetime(2024, 1, 1), start)
    with pytest.raises(ValueError, match="empty time range"):
        time_range(start, start)
