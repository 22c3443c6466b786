"""The poller against real lab SNMP agents over UDP: rates, v2c/v3, failures, reboots, shutdowns."""

from __future__ import annotations

import asyncio

import pytest
from poller_support import (
    LOOPBACK,
    V3_AUTH,
    V3_USER,
    AgentLab,
    agent_lab,
    poll_rounds,
    poll_twice,
    within,
)

from monitoring.poller import DevicePoll, Poller, PollerSettings
from monitoring.snmp import SnmpAuth


@pytest.fixture(scope="module")
def lab() -> AgentLab:  # type: ignore[misc]
    with agent_lab(4) as running:
        yield running


def _check_rates(lab: AgentLab, poll: DevicePoll) -> None:
    spec = lab.network.devices[poll.code].spec
    names = {r.index: r.name for r in poll.interfaces}  # Cisco's ifName is the short form
    for iface in spec.interfaces:
        if not iface.profile.in_bps:
            continue
        record = poll.record(names[iface.index])
        assert within(record.in_bps, iface.profile.in_bps), (iface.name, record.in_bps)
        assert within(record.out_bps, iface.profile.out_bps), (iface.name, record.out_bps)
        assert record.in_octets and record.interval_s


@pytest.mark.parametrize("version", ["v2c", "v3"])
def test_rates_match_the_traffic_profile(lab: AgentLab, version: str) -> None:
    poller = Poller(lab.targets(version), settings=LOOPBACK)
    first, second = poll_twice(poller)
    assert first.ok == second.ok == 4, [p.error for p in second.failed]
    for poll in first.polls:
        assert len(poll.interfaces) == 24 and all(r.in_bps is None for r in poll.records)
    for poll in second.polls:
        assert poll.sys_name and poll.sys_name.startswith(poll.code)
        assert poll.points == 25 and poll.duration_s > 0 and poll.requests >= 1
        assert all(r.oper_up and r.admin_up and r.speed_bps for r in poll.interfaces)
        assert all(r.counter_bits == 64 for r in poll.interfaces)
        _check_rates(lab, poll)
    # errors: port 1 has 100 ppm input errors at 8 Mbit/s of 500-octet frames
    uplink = (
        lab.network.devices["D00000"].spec.interfaces[0].name
    )  # Huawei: ifName is the full name
    assert second.by_code()["D00000"].record(uplink).in_errors is not None


def test_steady_state_needs_fewer_requests(lab: AgentLab) -> None:
    poller = Poller(lab.targets(), settings=LOOPBACK)
    first, second = poll_twice(poller, gap=0.2)
    for code, poll in second.by_code().items():
        # Huawei agents take 12 kB messages: the whole poll is one GETBULK once the row count is known
        if lab.network.devices[code].spec.platform.startswith("huawei"):
            assert poll.requests == 1
        assert poll.requests <= first.by_code()[code].requests


def test_wrong_v3_key_is_an_error_without_the_secret(lab: AgentLab) -> None:
    bad = SnmpAuth.v3(V3_USER, V3_AUTH, "not-the-priv-key", context="d1")
    wrong = SnmpAuth.v3(V3_USER, "wrong-auth-key", "not-the-priv-key", context="d2")
    targets = [
        lab.target("D00000"),
        lab.target("D00001", auth=bad),
        lab.target("D00002", auth=wrong),
    ]
    result = Poller(targets, settings=LOOPBACK).run_once()
    polls = result.by_code()
    assert polls["D00000"].ok
    # a wrong priv key decrypts to garbage; a wrong auth key is refused by the agent
    assert not polls["D00001"].ok and not polls["D00002"].ok
    assert "usmStatsWrongDigests" in (polls["D00002"].error or "")
    for poll in (polls["D00001"], polls["D00002"]):
        assert "not-the-priv-key" not in (poll.error or "")
        assert "wrong-auth-key" not in (poll.error or "")


def test_silent_agent_fails_alone_without_delaying_others() -> None:
    with agent_lab(4) as lab:
        lab.silence("D00002")
        settings = PollerSettings(timeout=0.4, retries=1, local_address=("127.0.0.1", 0))
        result = Poller(lab.targets(), settings=settings).run_once()
    polls = result.by_code()
    dead = polls["D00002"]
    assert not dead.ok and "no answer after 2 tries" in (dead.error or "")
    assert dead.points == 1  # the device point with up=0
    alive = [p for p in result.polls if p.code != "D00002"]
    assert all(p.ok for p in alive)
    # the silent agent cost its own 2 x 0.4 s; the others finished well before it
    assert max(p.duration_s for p in alive) < dead.duration_s
    assert dead.duration_s >= 0.8


def test_removed_device_and_unreachable_port_fail_alone() -> None:
    with agent_lab(3) as lab:
        targets = lab.targets()
        del lab.network.devices["D00001"]  # the agent now cannot answer for it
        result = Poller(targets, settings=LOOPBACK).run_once()
    polls = result.by_code()
    assert polls["D00000"].ok and polls["D00002"].ok
    assert not polls["D00001"].ok and polls["D00001"].error


def test_reboot_gives_no_negative_or_absurd_rate() -> None:
    with agent_lab(2) as lab:
        poller = Poller(lab.targets(), settings=LOOPBACK)
        runtime = lab.network.devices["D00000"]

        async def run() -> list[list[DevicePoll]]:
            try:
                rounds = [(await poller.poll()).polls]
                await asyncio.sleep(1.5)
                rounds.append((await poller.poll()).polls)
                await asyncio.sleep(1.0)
                runtime.reboot()
                await asyncio.sleep(0.3)
                rounds.append((await poller.poll()).polls)
                await asyncio.sleep(1.5)
                rounds.append((await poller.poll()).polls)
                return rounds
            finally:
                await poller.close()

        rounds = asyncio.run(run())
        before, after_reboot, later = (
            {p.code: p for p in r} for r in (rounds[1], rounds[2], rounds[3])
        )
        rebooted = after_reboot["D00000"]
        assert rebooted.ok and rebooted.reboot
        assert (rebooted.uptime_ticks or 0) < (before["D00000"].uptime_ticks or 0)
        for record in rebooted.records:
            assert record.in_bps is None and record.out_bps is None  # no rate across a reboot
        assert not after_reboot["D00001"].reboot
        for poll in (*after_reboot.values(), *later.values()):
            for record in poll.records:
                for value in (record.in_bps, record.out_bps, record.in_octets, record.out_octets):
                    assert value is None or value >= 0
                if record.in_bps is not None:
                    assert record.in_bps <= (record.speed_bps or 0)
        _check_rates(lab, later["D00000"])


def test_shut_interface_is_seen_down() -> None:
    with agent_lab(1) as lab:
        runtime = lab.network.devices["D00000"]  # Huawei: ifName is the full name
        name = runtime.spec.interfaces[3].name
        poller = Poller(lab.targets(), settings=LOOPBACK)

        def shut() -> None:
            runtime.set_admin(name, False)

        rounds = poll_rounds(poller, [0.3])
        shut()
        after = poll_rounds(poller, [1.2, 1.2])  # the last interval lies wholly after the shutdown
    before = {r.name: r for r in rounds[0].polls[0].interfaces}
    assert before[name].oper_up and before[name].admin_up
    down = {r.name: r for r in after[1].polls[0].interfaces}
    assert down[name].oper_up is False and down[name].admin_up is False
    record = after[2].polls[0].record(name)
    assert record.oper_up is False and record.in_bps == 0.0  # counters stand still while down
    assert sum(1 for r in after[2].polls[0].interfaces if r.oper_up) == 23


def test_links_tag_interfaces_and_roll_up(lab: AgentLab) -> None:
    uplink = lab.network.devices["D00000"].spec.interfaces[0].name
    label = f"D00000:{uplink} -- 4113:GE1/0/9"
    target = lab.target("D00000", links={uplink: label})
    poller = Poller([target], settings=LOOPBACK)
    _, second = poll_twice(poller, gap=1.2)
    record = second.polls[0].record(uplink)
    assert record.link == label
    assert second.points == 25 + 1  # 24 interfaces, the device, the link
