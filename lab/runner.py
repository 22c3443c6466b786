"""The lab process: every emulated device over SSH and SNMP, until told to stop.

Started by ``egovnet lab up`` as ``python -m lab.runner STATE_DIR``. It reads
``specs.json`` and ``settings.json`` from the state directory, serves the
devices, writes ``endpoints.json`` when ready and answers JSON requests on
``control.sock`` (status, faults, stop). SIGTERM stops it cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from .devices import DeviceFleet
from .devices.server import raise_open_file_limit
from .errors import LabError
from .model import LabClock, LabNetwork
from .snmp import SnmpAgent
from .specio import read_specs

log = logging.getLogger("lab.runner")
PROCESS_START = time.monotonic()
CONTROL = "control.sock"
ENDPOINTS = "endpoints.json"


class Runner:
    """The running lab inside one event loop."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        settings = json.loads((state_dir / "settings.json").read_text())
        self.specs = read_specs(state_dir / "specs.json")
        self.network = LabNetwork(clock=LabClock(float(settings.get("clock_factor", 1.0))))
        for spec in self.specs:
            self.network.add(spec)
        limit = settings.get("ssh_limit")
        ssh_specs = self.specs if limit is None else self.specs[: int(limit)]
        # configurations are built on first contact: a city lab starts in seconds
        self.fleet = DeviceFleet(ssh_specs, state_dir, network=self.network, lazy=True)
        self.agent = SnmpAgent(self.network)
        self.stopping = asyncio.Event()

    async def start(self) -> None:
        raise_open_file_limit()
        ssh = await self.fleet.astart()
        snmp = await self.agent.serve_each([s.code for s in self.specs], "127.0.0.1")
        endpoints = {
            spec.code: {
                "platform": spec.platform,
                "host": "127.0.0.1",
                "ssh_port": ssh[spec.code].port if spec.code in ssh else None,
                "snmp_port": snmp[spec.code].port,
            }
            for spec in self.specs
        }
        server = await asyncio.start_unix_server(self._client, path=str(self.state_dir / CONTROL))
        self._server = server
        document = {
            "pid": os.getpid(),
            "started_s": round(time.monotonic() - PROCESS_START, 2),
            "devices": endpoints,
        }
        tmp = self.state_dir / (ENDPOINTS + ".tmp")
        tmp.write_text(json.dumps(document), encoding="utf-8")
        tmp.replace(self.state_dir / ENDPOINTS)
        log.info("lab ready: %d devices (%d over SSH)", len(endpoints), len(ssh))

    async def stop(self) -> None:
        self._server.close()
        await self.fleet.astop()
        await self.agent.close()
        with contextlib.suppress(FileNotFoundError):
            (self.state_dir / CONTROL).unlink()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await reader.readline()
            try:
                reply = await self.handle(json.loads(line))
            except (LabError, KeyError, ValueError, TypeError) as exc:
                reply = {"ok": False, "error": str(exc)}
            writer.write(json.dumps(reply).encode() + b"\n")
            await writer.drain()
        finally:
            writer.close()

    async def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        """Apply one control request."""
        op = request.get("op")
        if op == "ping":
            return {"ok": True}
        if op == "stop":
            self.stopping.set()
            return {"ok": True}
        if op == "fault":
            return {"ok": True, "applied": await self.fault(request)}
        if op == "log":
            device = self.fleet.device(request["device"])
            return {
                "ok": True,
                "commands": [r.line for r in device.commands][-int(request.get("last", 50)) :],
            }
        raise LabError(f"unknown control operation {op!r}")

    async def fault(self, request: dict[str, Any]) -> list[str]:
        """Fault injection on one device; returns what was applied."""
        code = request["device"]
        runtime = self.network.devices.get(code)
        if runtime is None:
            raise LabError(f"device {code!r} is not in the lab")
        applied = []
        faults = self.fleet.device(code).faults if code in self.fleet.endpoints() else None
        if request.get("clear"):
            if faults:
                faults.clear()
                await self.fleet.aset_unreachable(code, None)
            runtime.reachable = True
            applied.append("clear")
        for key in ("refuse_auth", "delay", "drop_after_commands", "drop_on_commit"):
            if request.get(key) is not None:
                if faults is None:
                    raise LabError(f"device {code} is not served over SSH in this lab")
                setattr(faults, key, request[key])
                applied.append(f"{key}={request[key]}")
        if request.get("reject_line"):
            if faults is None:
                raise LabError(f"device {code} is not served over SSH in this lab")
            faults.reject_lines.add(request["reject_line"])
            applied.append(f"reject_line={request['reject_line']}")
        if "unreachable" in request:
            mode = request["unreachable"]
            if faults is not None:
                await self.fleet.aset_unreachable(code, mode)
            runtime.reachable = mode is None
            applied.append(f"unreachable={mode}")
        if request.get("link"):
            name, up = request["link"], bool(request.get("up", False))
            runtime.set_carrier(name, up)
            applied.append(f"link {name} {'up' if up else 'down'}")
        if request.get("reboot"):
            runtime.reboot()
            applied.append("reboot")
        if not applied:
            raise LabError("no fault given")
        return applied


async def _main(state_dir: Path) -> None:
    runner = Runner(state_dir)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, runner.stopping.set)
    await runner.start()
    await runner.stopping.wait()
    await runner.stop()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    state_dir = Path(sys.argv[1])
    try:
        asyncio.run(_main(state_dir))
    except Exception as exc:  # the parent shows lab.log; make the cause the last line
        log.exception("lab failed: %s", exc)
        (state_dir / "failed").write_text(f"{type(exc).__name__}: {exc}\n", encoding="utf-8")
        raise SystemExit(1) from exc


if __name__ == "__main__":
    main()
