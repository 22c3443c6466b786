"""Helpers for the poller tests: lab SNMP agents in a thread and targets pointing at them.

Imported as a top-level module (``tests/support`` is on pytest's pythonpath).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from lab.model import LabNetwork
from lab.snmp import AgentThread, SnmpAgent, SnmpEndpoint
from lab.snmp.sample import sample_network
from monitoring.poller import Poller, PollerSettings, PollRound
from monitoring.snmp import SnmpAuth
from monitoring.targets import PollTarget

#: Poller settings for loopback tests: short timeouts, socket on 127.0.0.1.
LOOPBACK = PollerSettings(timeout=0.5, retries=1, local_address=("127.0.0.1", 0))
#: The lab's throwaway SNMPv3 user (lab.snmp.sample).
V3_USER, V3_AUTH, V3_PRIV = "nms", "authkey-lab", "privkey-lab"


@dataclass
class AgentLab:
    """A sample network served by lab agents, one endpoint per device."""

    network: LabNetwork
    runner: AgentThread
    endpoints: dict[str, SnmpEndpoint]

    def target(
        self,
        code: str,
        *,
        version: str = "v2c",
        county: str = "411302",
        links: dict[str, str] | None = None,
        auth: SnmpAuth | None = None,
    ) -> PollTarget:
        """A target for device ``code`` (v2c community ``c<n>`` or v3 context ``d<n>``)."""
        n = int(code[1:])
        if auth is None:
            auth = (
                SnmpAuth.v2c(f"c{n}")
                if version == "v2c"
                else SnmpAuth.v3(V3_USER, V3_AUTH, V3_PRIV, context=f"d{n}")
            )
        return PollTarget(
            code=code,
            host="127.0.0.1",
            port=self.endpoints[code].port,
            level="county",
            auth=auth,
            county=county,
            role="access-switch",
            platform=self.network.devices[code].spec.platform,
            links=links or {},
        )

    def targets(self, version: str = "v2c") -> list[PollTarget]:
        """A target per device."""
        return [self.target(code, version=version) for code in self.endpoints]

    def silence(self, code: str) -> None:
        """Close device ``code``'s socket: it stops answering."""
        endpoint = self.endpoints[code]
        self.runner.loop.call_soon_threadsafe(endpoint.close)
        self.runner.call(asyncio.sleep(0.01))


@contextmanager
def agent_lab(devices: int) -> Iterator[AgentLab]:
    """``devices`` sample devices (24 interfaces, clock factor 1.0) on their own ports."""
    network = sample_network(devices)
    with AgentThread(SnmpAgent(network)) as runner:
        endpoints = runner.serve_each(list(network.devices))
        yield AgentLab(network, runner, endpoints)


def poll_twice(poller: Poller, gap: float = 1.5) -> tuple[PollRound, PollRound]:
    """Two rounds ``gap`` seconds apart on one loop (the second has rates)."""

    async def run() -> tuple[PollRound, PollRound]:
        try:
            first = await poller.poll()
            await asyncio.sleep(gap)
            return first, await poller.poll()
        finally:
            await poller.close()

    return asyncio.run(run())


def poll_rounds(poller: Poller, gaps: Sequence[float], between: object = None) -> list[PollRound]:
    """Rounds separated by ``gaps`` seconds (one more round than gaps)."""

    async def run() -> list[PollRound]:
        try:
            rounds = [await poller.poll()]
            for gap in gaps:
                await asyncio.sleep(gap)
                rounds.append(await poller.poll())
            return rounds
        finally:
            await poller.close()

    return asyncio.run(run())


def within(value: float | None, expected: float, tolerance: float = 0.05) -> bool:
    """``value`` within ``tolerance`` (relative) of ``expected``."""
    return value is not None and abs(value - expected) <= tolerance * expected


def wait_until(condition: object, what: str, limit: float = 30.0) -> None:
    """Poll ``condition()``; the limit only stops a hang."""
    deadline = time.monotonic() + limit
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)
