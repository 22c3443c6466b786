"""Scale check: ``python -m lab.devices.scale [N] [SESSIONS]``.

Starts N emulated devices (platforms in turn) in this process, reports start time
and memory, then logs in to SESSIONS devices from a separate client process
(one command each) and reports this process's CPU per SSH session.
"""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncssh

from inventory.platforms import facts
from lab.devices.dialects import platforms
from lab.devices.server import DeviceFleet
from lab.model import LabDeviceSpec, LabInterface


def specs(count: int) -> list[LabDeviceSpec]:
    """``count`` small devices, platforms in turn."""
    kinds = platforms()
    result = []
    for index in range(count):
        platform = kinds[index % len(kinds)]
        iface = facts(platform).port_name(1)
        result.append(
            LabDeviceSpec(
                code=f"S{index:05d}",
                hostname=f"scale-{index:05d}",
                platform=platform,
                role="village",
                interfaces=(
                    LabInterface(iface, 1, "uplink", f"10.{index // 250}.{index % 250}.1/30"),
                ),
            )
        )
    return result


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _client(targets: list[list[object]]) -> None:
    async def one(host: str, port: int, user: str, password: str, command: str) -> None:
        async with asyncssh.connect(
            host, port, username=user, password=password, known_hosts=None
        ) as conn:
            proc = await conn.create_process(term_type="vt100")
            proc.stdin.write(command + "\nquit\nexit\n")
            await asyncio.wait_for(proc.wait_closed(), 30)

    sem = asyncio.Semaphore(20)

    async def bounded(target: list[object]) -> None:
        async with sem:
            await one(*target)  # type: ignore[arg-type]

    await asyncio.gather(*(bounded(t) for t in targets))


def main(argv: list[str]) -> None:
    """Run the check and print the figures."""
    if argv and argv[0] == "--client":
        asyncio.run(_client(json.loads(sys.stdin.read())))
        return
    count = int(argv[0]) if argv else 1000
    sessions = int(argv[1]) if len(argv) > 1 else 200
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        fleet = DeviceFleet(specs(count), Path(tmp))
        built = time.monotonic()
        endpoints = fleet.start()
        listening = time.monotonic()
        print(
            f"{count} devices: build {built - started:.2f} s, listen "
            f"{listening - built:.2f} s, max RSS {_rss_mb():.0f} MB"
        )
        try:
            targets = []
            for ep in list(endpoints.values())[:sessions]:
                command = facts(ep.platform).show_version
                targets.append([ep.host, ep.port, ep.username, ep.password, command])
            cpu0 = time.process_time()
            wall0 = time.monotonic()
            subprocess.run(
                [sys.executable, "-m", "lab.devices.scale", "--client"],
                input=json.dumps(targets),
                text=True,
                check=True,
            )
            cpu = time.process_time() - cpu0
            print(
                f"{sessions} SSH sessions (login, one command, logout): "
                f"{time.monotonic() - wall0:.1f} s wall, server CPU "
                f"{cpu / sessions * 1000:.1f} ms per session, max RSS {_rss_mb():.0f} MB"
            )
        finally:
            fleet.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
