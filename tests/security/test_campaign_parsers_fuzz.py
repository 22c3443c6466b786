"""Hypothesis on every parser campaigns add: scopes, crontabs, --since, syslog framing and format."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from security.campaigns import CampaignError, count_lines, parse_cron
from security.checks import snmp_answered, snmp_get_message
from security.findings import FindingError, validate_record
from security.scope import KINDS, ScopeError, parse_scope
from security.since import parse_since
from security.syslog import format_message as fmt
from security.syslog import (
    frame_octet_counted,
    parse_collector,
    parse_message,
    split_octet_counted,
    structured_data,
)

values = st.text(
    st.characters(whitelist_categories=("L", "N"), whitelist_characters="-_."),
    min_size=1,
    max_size=12,
)


@given(st.lists(st.tuples(st.sampled_from(KINDS), values), min_size=1, max_size=6))
def test_scope_round_trip(terms: list[tuple[str, str]]) -> None:
    text = ",".join(f"{k}:{v}" for k, v in terms)
    scope = parse_scope(text)
    assert parse_scope(str(scope)) == scope
    assert {(k, v) for k, vs in scope.terms.items() for v in vs} == set(terms)


@given(st.text(max_size=40))
def test_scope_never_fails_otherwise(text: str) -> None:
    with contextlib.suppress(ScopeError):
        parse_scope(text)


fields = st.one_of(
    st.just("*"),
    st.integers(0, 70).map(str),
    st.tuples(st.integers(0, 30), st.integers(0, 30)).map(lambda t: f"{t[0]}-{t[1]}"),
    st.integers(1, 20).map(lambda n: f"*/{n}"),
    st.text(max_size=4),
)


@settings(max_examples=200)
@given(st.lists(fields, min_size=0, max_size=7))
def test_cron_is_a_trigger_or_a_clear_error(parts: list[str]) -> None:
    text = " ".join(parts)
    try:
        trigger = parse_cron(text)
    except CampaignError as exc:
        assert str(exc).startswith(f"--cron {text!r}: ")
    else:
        now = datetime(2026, 12, 7, tzinfo=UTC)
        nxt = trigger.get_next_fire_time(None, now)
        assert nxt is None or nxt >= now


@given(st.integers(0, 999_999), st.sampled_from("smhdw"))
def test_since_spans(n: int, unit: str) -> None:
    now = datetime(2026, 12, 7, 12, tzinfo=UTC)
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[unit]
    try:
        got = parse_since(f"{n}{unit}", now=now)
    except ValueError as exc:
        assert "before year 1" in str(exc)
        assert n * seconds > (now - datetime(1, 1, 2, tzinfo=UTC)).total_seconds()
    else:
        assert now - got == timedelta(seconds=n * seconds)


@given(st.datetimes(timezones=st.just(UTC)))
def test_since_iso_round_trip(moment: datetime) -> None:
    assert parse_since(moment.isoformat()) == moment


@given(st.text(max_size=30))
def test_since_never_fails_otherwise(text: str) -> None:
    try:
        got = parse_since(text)
    except ValueError as exc:
        assert repr(text) in str(exc)
    else:
        assert got.tzinfo is not None


@given(st.lists(st.binary(max_size=300), max_size=8), st.integers(1, 50))
def test_octet_framing_round_trip_in_any_chunks(messages: list[bytes], chunk: int) -> None:
    stream = b"".join(frame_octet_counted(m) for m in messages if m)
    got: list[bytes] = []
    rest = b""
    for start in range(0, len(stream), chunk):
        frames, rest = split_octet_counted(rest + stream[start : start + chunk])
        got += frames
    assert (got, rest) == ([m for m in messages if m], b"")


@given(st.binary(max_size=200))
def test_octet_framing_rejects_garbage_cleanly(data: bytes) -> None:
    with contextlib.suppress(ValueError):
        split_octet_counted(data)


sd_values = st.text(max_size=30)
headers = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=20)


@given(
    st.integers(0, 23),
    st.integers(0, 7),
    headers,
    headers,
    st.dictionaries(st.sampled_from(["id", "check", "node", "department", "severity"]), sd_values),
    st.text(max_size=80),
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC)
    ),
)
def test_rfc5424_round_trip(
    facility: int,
    severity: int,
    host: str,
    msgid: str,
    params: dict[str, str],
    msg: str,
    moment: datetime,
) -> None:
    data = fmt(
        facility=facility,
        severity=severity,
        hostname=host,
        app_name="egovnet",
        msgid=msgid,
        sd=structured_data("finding", params),
        msg=msg,
        timestamp=moment,
    )
    parsed = parse_message(data)
    assert (parsed.facility, parsed.severity, parsed.hostname, parsed.msgid) == (
        facility,
        severity,
        host,
        msgid,
    )
    assert parsed.sd == {"finding@32473": params}
    assert parsed.msg == msg
    assert datetime.fromisoformat(parsed.timestamp) == moment


@given(st.binary(max_size=200))
def test_rfc5424_parser_rejects_garbage_cleanly(data: bytes) -> None:
    with contextlib.suppress(ValueError, UnicodeDecodeError):
        parse_message(data)


@given(st.text(max_size=40))
def test_collector_parser(text: str) -> None:
    try:
        c = parse_collector(text)
    except ValueError as exc:
        assert repr(text) in str(exc)
    else:
        assert (
            parse_collector(str(c) if ":" not in c.host else f"{c.transport}://[{c.host}]:{c.port}")
            == c
        )


@given(
    st.dictionaries(
        st.sampled_from(
            ["check", "severity", "node", "department", "key", "title", "evidence", "fix", "x"]
        ),
        st.one_of(st.none(), st.text(max_size=10), st.integers(), st.lists(st.integers())),
    )
)
def test_finding_records_are_validated_by_field(record: dict[str, object]) -> None:
    try:
        checked = validate_record(record)
    except FindingError as exc:
        assert str(exc).startswith("finding record: ")
    else:
        assert checked["severity"] in ("high", "medium", "low")


@given(st.binary(max_size=120), st.integers(0, 2**24 - 1))
def test_snmp_answers_are_judged_without_crashing(data: bytes, request_id: int) -> None:
    assert snmp_answered(data, request_id) is None or isinstance(
        snmp_answered(data, request_id), str
    )
    assert snmp_answered(snmp_get_message(1, "public", request_id), request_id) is None  # a GET


@given(
    st.dictionaries(
        st.tuples(values, values, st.sampled_from(["high", "low"])), st.integers(0, 99), max_size=5
    )
)
def test_count_lines_are_line_protocol(counts: dict[tuple[str, str, str], int]) -> None:
    lines = count_lines({k: {"open": v} for k, v in counts.items()}, 1)
    assert len(lines) == len(counts)
    assert all(
        line.startswith("security_findings,check=") and line.endswith(" 1") for line in lines
    )
