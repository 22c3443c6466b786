"""Device output the drivers read to find pending commits (``display clock``, ``dir``,
file names) is untrusted: any text parses or is refused, never raises; a driver
without its vendor hooks cannot be built."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provisioning.drivers.base import (
    MARKER_TIME,
    NetmikoDriver,
    Vendor,
    flash_files,
    markers,
    parse_clock,
)
from provisioning.drivers.comware import Comware7Driver
from provisioning.drivers.huawei import HuaweiVrp5Driver

VENDORS = [HuaweiVrp5Driver.VENDOR, Comware7Driver.VENDOR]


@given(st.text(max_size=300))
def test_any_clock_output_gives_a_time_or_none(output: str) -> None:
    for vendor in VENDORS:
        now = parse_clock(output, vendor)
        assert now is None or isinstance(now, datetime)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)))
def test_each_vendor_reads_its_own_clock_format(moment: datetime) -> None:
    moment = moment.replace(microsecond=0)
    huawei = f"{moment:%Y-%m-%d %H:%M:%S}+08:00\n{moment:%A}\nTime Zone(Beijing) : UTC+08:00\n"
    comware = (
        f"{moment:%H:%M:%S}.123 Beijing {moment:%a %m/%d/%Y}\nTime Zone : Beijing add 08:00:00\n"
    )
    assert parse_clock(huawei, HuaweiVrp5Driver.VENDOR) == moment
    assert parse_clock(comware, Comware7Driver.VENDOR) == moment


@given(st.lists(st.text(max_size=40), max_size=20), st.datetimes(min_value=datetime(2000, 1, 1)))
def test_marker_names_round_trip_and_junk_is_ignored(junk: list[str], deadline: datetime) -> None:
    deadline = deadline.replace(microsecond=0)
    name = f"egovnet-pending-{deadline:{MARKER_TIME}}.cfg"
    listing = "\n".join([*junk, f"  3  -rw-  1,024  Dec 07 2026 12:00:00   {name}"])
    found = markers(flash_files(listing))
    assert (name, deadline) in found
    assert all(n.startswith("egovnet-pending-") for n, _d in found)


def test_a_marker_deadline_orders_like_time() -> None:
    early, late = datetime(2026, 12, 7, 23, 59, 59), datetime(2026, 12, 8, 0, 0, 1)
    names = [f"egovnet-pending-{d:{MARKER_TIME}}.cfg" for d in (late, early)]
    assert sorted(d for _n, d in markers(names)) == [early, late]
    assert late - early == timedelta(seconds=2)


def test_a_driver_without_its_hooks_cannot_be_built() -> None:
    class Incomplete(NetmikoDriver):
        VENDOR = Vendor("x", "X", "huawei", "huawei_vrp")

    with pytest.raises(TypeError, match="abstract"):
        Incomplete("127.0.0.1", "u", "p")
