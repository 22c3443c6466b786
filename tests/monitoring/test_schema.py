"""Measurement schema: rules, builders, and the documented queries run on a real influxd."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from monitoring.errors import SchemaError
from monitoring.influx import InfluxClient, quote_ident, time_range
from monitoring.schema import (
    DEVICE,
    INTERFACE,
    LINK,
    MEASUREMENTS,
    DeviceRecord,
    FieldType,
    InterfaceRecord,
    LinkRecord,
    MeasurementSpec,
    check_schema,
    make_point,
    poll_time_ns,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "MONITORING_SCHEMA.md"
T0 = poll_time_ns(1_700_000_000.4)
MIN = 60 * 1_000_000_000


def test_no_name_is_both_tag_and_field() -> None:
    check_schema(MEASUREMENTS)
    clash = MeasurementSpec("bad", ("node",), (), (("level", FieldType.INT),))
    with pytest.raises(SchemaError, match="'level' is a field here and a tag elsewhere"):
        check_schema((*MEASUREMENTS, clash))
    retyped = MeasurementSpec("bad", ("node",), (), (("up", FieldType.FLOAT),))
    with pytest.raises(SchemaError, match="field 'up' has two types"):
        check_schema((*MEASUREMENTS, retyped))


@pytest.mark.parametrize("spec", MEASUREMENTS, ids=lambda s: s.name)
def test_document_lists_every_tag_and_field(spec: MeasurementSpec) -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split(f"## Measurement `{spec.name}`", 1)[1].split("\n## ", 1)[0]
    for name, kind in spec.fields:
        row = next(
            (line for line in section.splitlines() if f"`{name}`" in line.split(" | ")[0]), None
        )
        assert row is not None, f"{spec.name}.{name} missing from {DOC.name}"
        assert f"| {kind.value} |" in row, f"{spec.name}.{name} documented with another type"
    for tag in spec.tags:
        assert f"`{tag}`" in section


def test_floats_stay_floats_and_ints_get_i() -> None:
    line = InterfaceRecord(
        node="n",
        level="county",
        interface="GE0/0/1",
        time_ns=T0,
        in_bps=5,
        in_octets=10,
        oper_up=True,
        speed_bps=1000,
    ).to_line()
    assert "in_bps=5.0" in line and "in_octets=10i" in line and "oper_up=1i" in line
    assert "util_in_pct=0.5" in line  # derived from in_bps and speed_bps
    assert "out_bps" not in line  # unknown: absent, not 0
    with pytest.raises(SchemaError, match=r"interface\.in_octets: expected an integer"):
        InterfaceRecord(
            node="n", level="county", interface="x", time_ns=T0, in_octets=1.5
        ).to_line()  # type: ignore[arg-type]


def test_builder_errors_name_the_problem() -> None:
    with pytest.raises(SchemaError, match="required tag"):
        make_point(DEVICE, {"node": "n"}, {"up": 1}, T0)
    with pytest.raises(SchemaError, match="no tag 'vendor'"):
        make_point(DEVICE, {"node": "n", "level": "city", "vendor": "x"}, {"up": 1}, T0)
    with pytest.raises(SchemaError, match="no field 'cpu'"):
        make_point(DEVICE, {"node": "n", "level": "city"}, {"cpu": 1.0}, T0)
    with pytest.raises(SchemaError, match="no field has a value"):
        InterfaceRecord(node="n", level="city", interface="x", time_ns=T0).to_point()
    with pytest.raises(SchemaError, match="cannot be written"):
        InterfaceRecord(
            node="n", level="city", interface="x", time_ns=T0, in_bps=float("nan")
        ).to_point()


def test_link_roll_up() -> None:
    a = InterfaceRecord(
        node="A",
        level="county",
        county="411302",
        interface="ge1",
        time_ns=T0,
        oper_up=True,
        speed_bps=1_000_000,
        in_bps=100_000.0,
        out_bps=900_000.0,
        in_errors=2,
        out_errors=1,
    )
    b = InterfaceRecord(
        node="B",
        level="township",
        interface="ge0",
        time_ns=T0 + 3,
        oper_up=True,
        speed_bps=1_000_000,
        in_bps=880_000.0,
        out_bps=95_000.0,
        in_errors=4,
    )
    link = LinkRecord.from_ends("L1", a, b)
    assert (link.up, link.a_to_b_bps, link.b_to_a_bps) == (True, 900_000.0, 95_000.0)
    assert link.util_max_pct == pytest.approx(90.0)
    assert link.errors == 7 and link.discards is None
    assert link.time_ns == T0 and link.a_node == "A" and link.b_node == "B"
    down = LinkRecord.from_ends(
        "L1",
        a,
        InterfaceRecord(node="B", level="township", interface="ge0", time_ns=T0, oper_up=False),
    )
    assert down.up is False and down.b_to_a_bps == 100_000.0


def _sample_data() -> list[str]:
    lines = []
    for minute in range(10):
        t = T0 + minute * MIN
        for node, county, up in (
            ("NY-WC-AGG1", "411302", True),
            ("NY-WL-AGG1", "411303", minute % 2 == 0),
        ):
            lines.append(
                DeviceRecord(
                    node=node,
                    level="county",
                    county=county,
                    time_ns=t,
                    up=up,
                    uptime_s=60.0 * minute,
                    poll_ms=10.0,
                    platform="huawei_vrp8",
                ).to_line()
            )
            a = InterfaceRecord(
                node=node,
                level="county",
                county=county,
                interface="GE0/0/1",
                link=f"{county}-uplink",
                time_ns=t,
                oper_up=True,
                admin_up=True,
                speed_bps=1_000_000_000,
                in_bps=2e8,
                out_bps=1e8,
                in_octets=1_500_000_000,
                out_octets=750_000_000,
                in_errors=1,
                interval_s=60.0,
            )
            lines.append(a.to_line())
            lines.append(LinkRecord.from_ends(f"{county}-uplink", a, None).to_line())
    return lines


def _doc_queries() -> list[str]:
    return re.findall(r"```sql\n(.*?)\n```", DOC.read_text(encoding="utf-8"), re.DOTALL)


def test_documented_queries_run_on_influxdb(influx_client: InfluxClient) -> None:
    influx_client.write_lines(_sample_data())
    window = time_range(T0, T0 + 10 * MIN)
    results = []
    for query in _doc_queries():
        statement = query.replace("$timeFilter", window).replace("$__interval", "1m")
        results.append(influx_client.query_series(statement))
    assert len(results) == 4
    throughput, busiest, availability, volume = results
    assert {s.tags["interface"] for s in throughput} == {"GE0/0/1"}
    assert throughput[0].rows()[0]["in"] == 2e8
    assert {s.tags["county"] for s in busiest} == {"411302", "411303"}
    assert busiest[0].values[0][1] == pytest.approx(20.0)
    by_county = {s.tags["county"]: s.rows()[0]["availability_pct"] for s in availability}
    assert by_county == {"411302": 100.0, "411303": 50.0}
    day = volume[0].rows()
    assert sum(r["in_octets"] or 0 for r in day) == 10 * 1_500_000_000


def test_field_types_in_influxdb_match_the_schema(influx_client: InfluxClient) -> None:
    influx_client.write_lines(_sample_data())
    for spec in (DEVICE, INTERFACE, LINK):
        series = influx_client.query_series(f"SHOW FIELD KEYS FROM {quote_ident(spec.name)}")
        stored = {row["fieldKey"]: row["fieldType"] for row in series[0].rows()}
        for key, kind in stored.items():
            assert spec.field_type(key).value == kind
