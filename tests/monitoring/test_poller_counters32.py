"""Old gear with 32-bit counters only: the poller falls back and handles the wrap (real lab agent)."""

from __future__ import annotations

import dataclasses
import subprocess

from poller_support import LOOPBACK, AgentLab, poll_twice, within

from lab.model import LabClock, LabNetwork, SnmpCredentials
from lab.snmp import AgentThread, SnmpAgent
from lab.snmp.sample import sample_spec
from monitoring.poller import Poller

HC_IN_OCTETS = "1.3.6.1.2.1.31.1.1.1.6"
IN_OCTETS = "1.3.6.1.2.1.2.2.1.10"


def test_32_bit_fallback_across_a_wrap() -> None:
    creds = SnmpCredentials("c7", "nms", "authkey-lab", "privkey-lab", "d7")
    spec = sample_spec("D00007", 7, "cisco_ios", credentials=creds)
    # no ifHC* columns, and every counter starts 1 MB below the 32-bit wrap
    first = dataclasses.replace(spec.interfaces[0], initial_octets=2**32 - 1_000_000)
    old = dataclasses.replace(spec, counters64=False, interfaces=(first, *spec.interfaces[1:]))
    network = LabNetwork(clock=LabClock(1.0))
    network.add(old)
    with AgentThread(SnmpAgent(network)) as runner:
        endpoints = runner.serve_each(["D00007"])
        lab = AgentLab(network, runner, endpoints)
        address = f"127.0.0.1:{endpoints['D00007'].port}"
        walk = subprocess.run(
            ["snmpbulkwalk", "-v2c", "-c", "c7", "-On", address, HC_IN_OCTETS],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert "Counter64" not in walk.stdout  # the agent really has no 64-bit counters
        poller = Poller([lab.target("D00007")], settings=LOOPBACK)
        before, after = poll_twice(poller, gap=1.5)
    poll = after.by_code()["D00007"]
    assert poll.ok, poll.error
    assert all(r.counter_bits == 32 for r in poll.interfaces)
    reading = next(r for r in poll.interfaces if r.index == first.index)
    earlier = next(r for r in before.by_code()["D00007"].interfaces if r.index == first.index)
    assert reading.in_octets is not None and earlier.in_octets is not None
    assert reading.in_octets < earlier.in_octets  # the counter wrapped between the polls
    record = poll.record(reading.name)
    assert within(record.in_bps, first.profile.in_bps), record.in_bps
    assert record.in_bps is not None and record.in_bps > 0
