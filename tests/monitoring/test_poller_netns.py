"""The poller against Debian's snmpd in network namespaces: rates match the kernel's counters."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from poller_support import within

from lab.netns import DEFAULT_CREDENTIALS, LabPrivilegeError, NetnsLab, small_topology
from lab.netns._sys import require_root
from monitoring.poller import DevicePoll, Poller, PollerSettings
from monitoring.snmp import SnmpAuth
from monitoring.targets import PollTarget

#: snmpd caches interface counters for a few seconds (DEVICES.md): read after a quiet spell.
SNMPD_CACHE_S = 6.0


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NetnsLab]:
    try:
        require_root()
    except LabPrivilegeError as exc:
        pytest.skip(f"netns lab unavailable: {exc}")
    with NetnsLab(small_topology(), state_root=tmp_path_factory.mktemp("netns")) as running:
        yield running


def _target(lab: NetnsLab, code: str, version: str) -> PollTarget:
    host, port = lab.snmp_endpoint(code)
    creds = DEFAULT_CREDENTIALS
    auth = (
        SnmpAuth.v2c(creds.community)
        if version == "v2c"
        else SnmpAuth.v3(creds.v3_user, creds.v3_auth_key, creds.v3_priv_key)
    )
    return PollTarget(code, host, port, "county", auth, county="411302")


@pytest.mark.parametrize("version", ["v2c", "v3"])
def test_rates_match_kernel_counters(lab: NetnsLab, version: str) -> None:
    ifname = lab.ifname("c02", "cty")
    poller = Poller(
        [_target(lab, "c02", version)],
        settings=PollerSettings(timeout=2.0, retries=2, local_address=("127.0.0.1", 0)),
    )

    async def run() -> tuple[DevicePoll, DevicePoll, int, int]:
        try:
            await asyncio.sleep(SNMPD_CACHE_S)
            before_kernel = lab.link_counters("c02", ifname).tx_bytes
            first = (await poller.poll()).polls[0]
            await asyncio.to_thread(lab.blast, "c02", "cty", rate=2000, duration=3.0, size=1000)
            await asyncio.sleep(SNMPD_CACHE_S)
            second = (await poller.poll()).polls[0]
            after_kernel = lab.link_counters("c02", ifname).tx_bytes
            return first, second, before_kernel, after_kernel
        finally:
            await poller.close()

    started = time.monotonic()
    first, second, k0, k1 = asyncio.run(run())
    assert first.ok and second.ok, (first.error, second.error)
    names = {r.name for r in second.interfaces}
    assert ifname in names and "lo" in names
    record = second.record(ifname)
    kernel_delta = k1 - k0
    assert kernel_delta > 5_000_000  # the blast went out of this interface
    assert within(float(record.out_octets or 0), float(kernel_delta))
    interval = record.interval_s or 0.0
    assert 0 < interval <= time.monotonic() - started
    assert within(record.out_bps, kernel_delta * 8 / interval)
    assert all(r.counter_bits == 64 for r in second.interfaces)
    assert second.sys_name == lab.topology.node("c02").name
