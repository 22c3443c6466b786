"""The records' one-pass ``to_line`` gives the checked path's bytes, or its error.

``DeviceRecord``/``InterfaceRecord``/``LinkRecord.to_line`` render through a
:class:`monitoring.schema.LineTemplate`; ``to_point().to_line()`` is the
checked path (make_point, coercion, lineprotocol.to_line). Generated records,
including values the schema refuses (NaN, inf, bools in float fields, floats
in integer fields, out-of-range integers, names that cannot be written), must
give the same line or the same SchemaError on both paths.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring.errors import SchemaError
from monitoring.schema import (
    DEVICE,
    INTERFACE,
    DeviceRecord,
    InterfaceRecord,
    LineTemplate,
    LinkRecord,
)

names = st.one_of(
    st.none(),
    st.just(""),
    st.sampled_from(["NY-WC-AGG1", "GE0/0/1", "411302", "宛城区 core", "a,b=c", "x\\"]),
    st.text(min_size=1, max_size=12),
)
required = st.one_of(st.sampled_from(["n1", "GE0/0/1", "a b", "county"]), names)
floats = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.booleans(),
)
ints = st.one_of(
    st.none(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.booleans(),
    st.floats(min_value=-10, max_value=10),
)
flags = st.one_of(st.none(), st.booleans())
stamps = st.one_of(
    st.integers(min_value=0, max_value=2**62), st.integers(min_value=2**63, max_value=2**64)
)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _same(record: Any) -> None:
    try:
        checked = record.to_point().to_line()
    except SchemaError as exc:
        with pytest.raises(SchemaError) as fast:
            record.to_line()
        assert str(fast.value) == str(exc)
        return
    assert record.to_line() == checked


@FUZZ
@given(
    st.builds(
        InterfaceRecord,
        node=required,
        level=required,
        interface=required,
        time_ns=stamps,
        county=names,
        township=names,
        link=names,
        oper_up=flags,
        admin_up=flags,
        speed_bps=ints,
        contracted_bps=ints,
        in_bps=floats,
        out_bps=floats,
        in_octets=ints,
        out_octets=ints,
        in_errors=ints,
        out_errors=ints,
        in_discards=ints,
        out_discards=ints,
        interval_s=floats,
        util_in_pct=floats,
        util_out_pct=floats,
    )
)
def test_interface_line_is_the_checked_line(record: InterfaceRecord) -> None:
    _same(record)


@FUZZ
@given(
    st.builds(
        DeviceRecord,
        node=required,
        level=required,
        time_ns=stamps,
        up=st.booleans(),
        county=names,
        township=names,
        role=names,
        platform=names,
        uptime_s=floats,
        poll_ms=floats,
        reboot=flags,
        interfaces_up=ints,
        interfaces_total=ints,
    )
)
def test_device_line_is_the_checked_line(record: DeviceRecord) -> None:
    _same(record)


@FUZZ
@given(
    st.builds(
        LinkRecord,
        link=required,
        level=required,
        time_ns=stamps,
        up=st.booleans(),
        county=names,
        a_node=names,
        b_node=names,
        a_to_b_bps=floats,
        b_to_a_bps=floats,
        util_max_pct=floats,
        errors=ints,
        discards=ints,
    )
)
def test_link_line_is_the_checked_line(record: LinkRecord) -> None:
    _same(record)


def test_steady_interface_line() -> None:
    record = InterfaceRecord(
        node="NY-WC-AGG1",
        level="county",
        interface="GE0/0/1",
        time_ns=1_700_000_000_000_000_000,
        county="411302",
        oper_up=True,
        admin_up=False,
        speed_bps=1_000_000_000,
        in_bps=250_000_000.0,
        in_octets=1_875_000_000,
        interval_s=60.0,
    )
    assert record.to_line() == (
        "interface,county=411302,interface=GE0/0/1,level=county,node=NY-WC-AGG1 "
        "in_bps=250000000.0,in_octets=1875000000i,util_in_pct=25.0,oper_up=1i,admin_up=0i,"
        "speed_bps=1000000000i,interval_s=60.0 1700000000000000000"
    )
    assert record.to_line() == record.to_point().to_line()


def test_template_needs_every_tag_sorted() -> None:
    with pytest.raises(SchemaError, match="every tag, sorted"):
        LineTemplate(DEVICE, ("node", "level"))
    with pytest.raises(SchemaError, match="every tag, sorted"):
        LineTemplate(INTERFACE, ("node", "level", "interface", "county", "township", "link"))
