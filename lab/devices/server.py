"""The fleet: many emulated devices in one asyncio loop, one SSH listener each."""

from __future__ import annotations

import asyncio
import functools
import logging
import resource
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import asyncssh

from inventory.codes import path_for
from lab.devices.device import LabDevice
from lab.devices.dialects import get_dialect
from lab.devices.errors import FleetError
from lab.devices.filesystem import FlashSFTPServer
from lab.devices.session import run_shell
from lab.model import LabDeviceSpec, LabNetwork

log = logging.getLogger(__name__)
T = TypeVar("T")
HOST_KEY_FILE = "ssh_host_ed25519_key"


@dataclass(frozen=True)
class DeviceEndpoint:
    """Where and how to log in to one emulated device."""

    code: str
    platform: str
    host: str
    port: int
    username: str
    password: str


def raise_open_file_limit() -> int:
    """Raise the soft open-file limit to the hard limit; returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def load_host_key(state_dir: Path) -> asyncssh.SSHKey:
    """The fleet's ed25519 host key, generated once and cached in ``state_dir``."""
    path = state_dir / HOST_KEY_FILE
    if path.exists():
        return asyncssh.read_private_key(str(path))
    key = asyncssh.generate_private_key("ssh-ed25519")
    state_dir.mkdir(parents=True, exist_ok=True)
    key.write_private_key(str(path))
    path.chmod(0o600)
    return key


class _DeviceSSHServer(asyncssh.SSHServer):
    def __init__(self, node: _Node) -> None:
        self.node = node
        self.conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        self.node.connections.add(conn)
        self.node.device.materialize()  # a lazy device gets its configuration on first contact

    def connection_lost(self, exc: Exception | None) -> None:
        if self.conn is not None:
            self.node.connections.discard(self.conn)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        device = self.node.device
        if device.faults.refuse_auth:
            return False
        return username == device.spec.username and password == device.spec.password


class _Node:
    """One device and its listener."""

    def __init__(self, device: LabDevice, host: str, port: int) -> None:
        self.device = device
        self.host = host
        self.port = port
        self.acceptor: asyncssh.SSHAcceptor | None = None
        self.silent: asyncio.Server | None = None
        self.connections: set[asyncssh.SSHServerConnection] = set()
        self.silent_writers: set[asyncio.StreamWriter] = set()

    async def listen(self, key: asyncssh.SSHKey) -> None:
        device = self.device

        async def process(proc: asyncssh.SSHServerProcess[str]) -> None:
            await run_shell(proc, device, str(proc.get_extra_info("username")))

        self.acceptor = await asyncssh.listen(
            self.host,
            self.port,
            server_factory=functools.partial(_DeviceSSHServer, self),
            server_host_keys=[key],
            process_factory=process,
            sftp_factory=lambda chan: FlashSFTPServer(chan, device.flash.root),
            allow_scp=True,
            line_editor=False,
            reuse_address=True,
            login_timeout=30,
        )
        self.port = self.acceptor.get_port()

    async def close_ssh(self) -> None:
        if self.acceptor is not None:
            self.acceptor.close()
            await self.acceptor.wait_closed()
            self.acceptor = None
        for conn in list(self.connections):
            conn.abort()
        self.connections.clear()

    async def start_silent(self) -> None:
        async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.silent_writers.add(writer)
            try:
                while await reader.read(4096):
                    pass
            finally:
                self.silent_writers.discard(writer)
                writer.close()

        self.silent = await asyncio.start_server(swallow, self.host, self.port, reuse_address=True)

    async def close_silent(self) -> None:
        if self.silent is not None:
            self.silent.close()
            for writer in list(self.silent_writers):
                writer.close()
            await self.silent.wait_closed()
            self.silent = None


class DeviceFleet:
    """Serve many emulated devices over SSH from one event loop.

    Use ``async with``/``astart``/``astop`` inside a running loop, or
    ``start``/``stop`` (or ``with``) from synchronous code: the loop then runs
    in a background thread. ``lazy`` builds each device's configuration on its
    first SSH contact instead of at construction (city-sized labs).
    """

    def __init__(
        self,
        specs: Sequence[LabDeviceSpec],
        state_dir: Path,
        network: LabNetwork | None = None,
        host: str = "127.0.0.1",
        ports: dict[str, int] | None = None,
        *,
        lazy: bool = False,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.network = network or LabNetwork()
        self.host = host
        self._nodes: dict[str, _Node] = {}
        for spec in specs:
            runtime = self.network.devices.get(spec.code) or self.network.add(spec)
            device = LabDevice(
                spec,
                runtime,
                get_dialect(spec.platform),
                path_for(self.state_dir / "flash", spec.code),
                lazy=lazy,
            )
            self._nodes[spec.code] = _Node(device, host, (ports or {}).get(spec.code, 0))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._key: asyncssh.SSHKey | None = None

    # -- lifecycle (inside a loop) ------------------------------------------------------
    async def astart(self) -> dict[str, DeviceEndpoint]:
        """Open every listener; returns the endpoints by device code."""
        raise_open_file_limit()
        self._loop = asyncio.get_running_loop()
        self._key = load_host_key(self.state_dir)
        for node in self._nodes.values():
            await node.listen(self._key)
        return self.endpoints()

    async def astop(self) -> None:
        """Close every listener and session and cancel device timers."""
        for node in self._nodes.values():
            await node.close_ssh()
            await node.close_silent()
            node.device.cancel_pending()

    async def __aenter__(self) -> DeviceFleet:
        await self.astart()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.astop()

    # -- lifecycle (from synchronous code) ----------------------------------------------
    def start(self, timeout: float = 120.0) -> dict[str, DeviceEndpoint]:
        """Start the loop in a background thread and open every listener."""
        if self._thread is not None:
            raise FleetError("fleet already started")
        loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=loop.run_forever, name="lab-devices", daemon=True)
        self._thread.start()
        self._loop = loop
        return asyncio.run_coroutine_threadsafe(self.astart(), loop).result(timeout)

    def stop(self, timeout: float = 60.0) -> None:
        """Stop listeners, sessions and the background loop."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self.astop(), loop).result(timeout)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        loop.close()
        self._loop = self._thread = None

    def __enter__(self) -> DeviceFleet:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- access ---------------------------------------------------------------------------
    def endpoints(self) -> dict[str, DeviceEndpoint]:
        """Endpoints by device code."""
        return {code: self.endpoint(code) for code in self._nodes}

    def endpoint(self, code: str) -> DeviceEndpoint:
        """Where device ``code`` listens."""
        node = self._node(code)
        spec = node.device.spec
        return DeviceEndpoint(
            code, spec.platform, node.host, node.port, spec.username, spec.password
        )

    def device(self, code: str) -> LabDevice:
        """The emulated device (state, faults, command log)."""
        return self._node(code).device

    def devices(self) -> list[LabDevice]:
        """Every device."""
        return [node.device for node in self._nodes.values()]

    def _node(self, code: str) -> _Node:
        try:
            return self._nodes[code]
        except KeyError:
            raise FleetError(f"no device {code!r} in this fleet") from None

    def call(self, func: Callable[[], T], timeout: float = 30.0) -> T:
        """Run ``func`` in the fleet's loop thread and return its result."""
        result: T = self.run(self._wrap(func), timeout)
        return result

    @staticmethod
    async def _wrap(func: Callable[[], T]) -> T:
        return func()

    def run(self, coro: Awaitable[T], timeout: float = 30.0) -> T:
        """Run a coroutine in the fleet's loop (from another thread)."""
        if self._loop is None:
            raise FleetError("fleet not started")
        future = asyncio.run_coroutine_threadsafe(_as_coroutine(coro), self._loop)
        result: T = future.result(timeout)
        return result

    # -- unreachable faults ----------------------------------------------------------------
    async def aset_unreachable(self, code: str, mode: str | None) -> None:
        """``refused`` (listener closed), ``silent`` (TCP accepted, no answer) or None."""
        if mode not in (None, "refused", "silent"):
            raise FleetError(f"unknown unreachable mode {mode!r} (refused, silent or None)")
        node = self._node(code)
        await node.close_ssh()
        await node.close_silent()
        node.device.faults.unreachable = mode
        if mode == "silent":
            await node.start_silent()
        elif mode is None:
            if self._key is None:
                raise FleetError("fleet not started")
            await node.listen(self._key)

    def set_unreachable(self, code: str, mode: str | None) -> None:
        """Synchronous :meth:`aset_unreachable`."""
        self.run(self.aset_unreachable(code, mode))

    def connection_count(self, code: str) -> int:
        """Open SSH connections to a device."""
        return len(self._node(code).connections)


async def _as_coroutine(awaitable: Awaitable[T]) -> T:
    return await awaitable
