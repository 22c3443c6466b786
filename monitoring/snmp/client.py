"""An asyncio SNMP manager: v2c and v3 (USM) GET/GETBULK over one UDP socket.

One :class:`SnmpClient` serves any number of agents: requests are matched to
replies by request-id (v2c) or msgID (v3) and source address, each request
has its own timeout and retries, and nothing one agent does (silence, a
slow answer, garbage) delays another. SNMPv3 engine IDs, boots and time are
discovered once per agent and kept, and localised keys are cached, so the
steady state costs one round trip per request and no key derivation.

:meth:`SnmpClient.walk_columns` reads scalars and whole table columns with
GETBULK, continuing until every column has left its prefix; when the agent
truncates a response to its message size the walk simply continues from the
last row each column reached.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from monitoring.snmp.errors import (
    SnmpAgentError,
    SnmpConfigError,
    SnmpDecodeError,
    SnmpError,
    SnmpTimeoutError,
)
from snmpcodec import errors as codec
from snmpcodec.ber import (
    TAG_END_OF_MIB_VIEW,
    TAG_GET,
    TAG_GETBULK,
    TAG_REPORT,
    Value,
    VarBind,
    decode_response_pdu,
    request_pdu,
    v2c_message,
    v2c_pdu_offset,
)
from snmpcodec.usm import (
    FLAG_AUTH,
    FLAG_PRIV,
    FLAG_REPORTABLE,
    NOT_IN_TIME_WINDOWS,
    REPORT_NAMES,
    UNKNOWN_ENGINE_IDS,
    LocalizedUser,
    auth_protocol,
    decode_v3,
    encode_v3,
    message_key,
    open_scoped_pdu,
    priv_protocol,
    scoped_pdu,
)

#: RFC 3416 error-status names, for messages.
ERROR_STATUS = {1: "tooBig", 2: "noSuchName", 3: "badValue", 4: "readOnly", 5: "genErr"}
TOO_BIG = 1


@dataclass(frozen=True)
class SnmpAuth:
    """How to talk to one agent: v2c, or v3 authPriv (authNoPriv: priv ``none``). Secrets hidden.

    >>> SnmpAuth.v3("nms", "authkey-lab", "privkey-lab")
    SnmpAuth(version='v3', user='nms', auth_protocol='sha', priv_protocol='aes128', context='')
    """

    version: str
    community: str = field(default="", repr=False)
    user: str = ""
    auth_key: str = field(default="", repr=False)
    priv_key: str = field(default="", repr=False)
    auth_protocol: str = "sha"
    priv_protocol: str = "aes128"
    context: str = ""

    def __post_init__(self) -> None:
        if self.version not in ("v2c", "v3"):
            raise SnmpConfigError(f"SNMP version must be v2c or v3, not {self.version!r}")
        if self.version == "v2c" and not self.community:
            raise SnmpConfigError("SNMP v2c needs a community")
        if self.version == "v3":
            try:
                auth_protocol(self.auth_protocol)
                no_priv = priv_protocol(self.priv_protocol) == "none"
            except codec.SnmpConfigError as exc:
                raise SnmpConfigError(str(exc)) from None
            if not (self.user and self.auth_key and (self.priv_key or no_priv)):
                raise SnmpConfigError(
                    "SNMPv3 needs a user, an auth key and a priv key (none with priv protocol none)"
                )

    @classmethod
    def v2c(cls, community: str) -> SnmpAuth:
        """v2c with ``community``."""
        return cls("v2c", community=community)

    @classmethod
    def v3(
        cls,
        user: str,
        auth_key: str,
        priv_key: str,
        auth: str = "sha",
        priv: str = "aes128",
        context: str = "",
    ) -> SnmpAuth:
        """v3 authPriv for ``user``."""
        return cls(
            "v3",
            user=user,
            auth_key=auth_key,
            priv_key=priv_key,
            auth_protocol=auth,
            priv_protocol=priv,
            context=context,
        )


@dataclass(frozen=True, slots=True)
class Response:
    """A Response PDU."""

    error_status: int
    error_index: int
    varbinds: list[VarBind]


@dataclass
class TableWalk:
    """What :meth:`SnmpClient.walk_columns` read.

    ``columns[i]`` maps an index suffix (OID content octets after column
    ``i``'s prefix) to ``(tag, value)``.
    """

    scalars: list[VarBind]
    columns: list[dict[bytes, tuple[int, Value]]]
    requests: int = 0


@dataclass
class ClientStats:
    """Counters since the client opened."""

    requests: int = 0
    retransmissions: int = 0
    timeouts: int = 0
    discoveries: int = 0
    unmatched: int = 0


@dataclass
class _Engine:
    """What we know of one v3 authoritative engine."""

    engine_id: bytes
    boots: int
    time: int
    at: float
    users: dict[SnmpAuth, LocalizedUser] = field(default_factory=dict)

    def clock(self, now: float) -> tuple[int, int]:
        return self.boots, self.time + int(now - self.at)

    def sync(self, boots: int, time: int, now: float) -> None:
        self.boots, self.time, self.at = boots, time, now

    def user(self, auth: SnmpAuth) -> LocalizedUser:
        found = self.users.get(auth)
        if found is None:
            try:
                found = LocalizedUser.create(
                    auth.user,
                    auth.auth_protocol,
                    auth.priv_protocol,
                    auth.auth_key,
                    auth.priv_key,
                    self.engine_id,
                )
            except codec.SnmpConfigError as exc:
                raise SnmpConfigError(str(exc)) from None
            self.users[auth] = found
        return found


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, client: SnmpClient) -> None:
        self.client = client

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        self.client._received(data, addr)

    def error_received(self, exc: Exception) -> None:
        return  # ICMP unreachable and the like: the request times out


Address = tuple[str, int]


class SnmpClient:
    """SNMP manager on one UDP socket; use ``async with SnmpClient() as client``.

    ``timeout`` is per try, ``retries`` the extra tries after the first.
    """

    def __init__(
        self,
        *,
        timeout: float = 2.0,
        retries: int = 1,
        local_address: Address = ("0.0.0.0", 0),  # noqa: S104 - the manager must reach devices
        receive_buffer: int = 8 * 1024 * 1024,
    ) -> None:
        self.timeout = timeout
        self.retries = retries
        self.local_address = local_address
        self.receive_buffer = receive_buffer
        self.stats = ClientStats()
        self._transport: asyncio.DatagramTransport | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: dict[int, tuple[asyncio.Future[bytes], Address]] = {}
        self._ids = itertools.count(int.from_bytes(os.urandom(3), "big"))
        self._salt = int.from_bytes(os.urandom(8), "big")
        self._engines: dict[Address, _Engine] = {}
        self._discovering: dict[Address, asyncio.Future[_Engine]] = {}

    # -- lifecycle ---------------------------------------------------------------
    async def open(self) -> SnmpClient:
        """Bind the socket on the running loop."""
        if self._transport is None:
            self._loop = asyncio.get_running_loop()
            transport, _ = await self._loop.create_datagram_endpoint(
                lambda: _Protocol(self), local_addr=self.local_address, family=socket.AF_INET
            )
            self._transport = transport
            sock = self._transport.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):  # the kernel caps it at rmem_max
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.receive_buffer)
        return self

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The loop the socket is bound to (None before :meth:`open`)."""
        return self._loop

    async def close(self) -> None:
        """Close the socket; pending requests fail with a timeout."""
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        for future, _ in self._pending.values():
            if not future.done():
                future.set_exception(TimeoutError())
        self._pending.clear()
        await asyncio.sleep(0)

    async def __aenter__(self) -> SnmpClient:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def forget(self, host: str, port: int) -> None:
        """Drop what is cached about an agent (its v3 engine)."""
        self._engines.pop((host, port), None)

    # -- requests ----------------------------------------------------------------
    async def get(self, host: str, port: int, auth: SnmpAuth, oids: Sequence[bytes]) -> Response:
        """GET ``oids`` (OID content octets)."""
        return await self.request(host, port, auth, TAG_GET, 0, 0, oids)

    async def get_bulk(
        self,
        host: str,
        port: int,
        auth: SnmpAuth,
        non_repeaters: int,
        max_repetitions: int,
        oids: Sequence[bytes],
    ) -> Response:
        """GETBULK (SNMP v2c/v3)."""
        return await self.request(
            host, port, auth, TAG_GETBULK, non_repeaters, max_repetitions, oids
        )

    async def request(
        self,
        host: str,
        port: int,
        auth: SnmpAuth,
        tag: int,
        first: int,
        second: int,
        oids: Sequence[bytes],
    ) -> Response:
        """Send one request PDU and return the Response; raises :class:`SnmpError`."""
        addr = (host, port)
        if auth.version == "v2c":
            community = auth.community.encode()

            def build(request_id: int) -> bytes:
                return v2c_message(community, request_pdu(tag, request_id, first, second, oids))

            data = await self._exchange(addr, build)
            try:
                start = v2c_pdu_offset(data)
                _, _, status, index, varbinds = decode_response_pdu(data, start)
            except codec.SnmpDecodeError as exc:
                raise SnmpDecodeError(f"{_where(addr)}: {exc}") from None
            return Response(status, index, varbinds)
        return await self._v3_request(addr, auth, tag, first, second, oids)

    async def walk_columns(
        self,
        host: str,
        port: int,
        auth: SnmpAuth,
        scalars: Sequence[bytes],
        columns: Sequence[bytes],
        *,
        max_repetitions: int,
        max_requests: int = 64,
    ) -> TableWalk:
        """GETNEXT ``scalars`` once and walk ``columns`` (prefixes) to their ends with GETBULK.

        ``max_repetitions`` should be the expected row count + 1, so one
        response can show where every column ends.
        """
        where = _where((host, port))
        walk = TableWalk([], [{} for _ in columns])
        cursors = list(columns)
        active = list(range(len(columns)))
        rows = [0] * len(columns)
        first = list(scalars)
        repetitions = max(1, max_repetitions)
        while active or first:
            if walk.requests >= max_requests:
                raise SnmpAgentError(
                    f"{where}: table walk did not end after {max_requests} requests"
                )
            oids = first + [cursors[c] for c in active]
            wanted = max(1, repetitions - min((rows[c] for c in active), default=0))
            response = await self.get_bulk(host, port, auth, len(first), wanted, oids)
            walk.requests += 1
            if response.error_status == TOO_BIG and repetitions > 1:
                repetitions = max(1, repetitions // 2)
                continue
            if response.error_status:
                name = ERROR_STATUS.get(response.error_status, str(response.error_status))
                raise SnmpAgentError(
                    f"{where}: agent answered {name} (index {response.error_index})"
                )
            varbinds = response.varbinds
            if first:
                walk.scalars = varbinds[: len(first)]
                varbinds = varbinds[len(first) :]
                first = []
            width = len(active)
            if not width:
                break
            done: set[int] = set()
            progressed = False
            # var-binds come row by row: column k of the request is every width-th one
            for k, col in enumerate(active):
                prefix = columns[col]
                cut = len(prefix)
                found = walk.columns[col]
                cursor = cursors[col]
                count = 0
                for oid, tag, value in varbinds[k::width]:
                    if tag == TAG_END_OF_MIB_VIEW or not oid.startswith(prefix) or oid <= cursor:
                        done.add(col)
                        break
                    found[oid[cut:]] = (tag, value)
                    cursor = oid
                    count += 1
                if count:
                    cursors[col] = cursor
                    rows[col] += count
                    progressed = True
            active = [c for c in active if c not in done]
            if active and not progressed and not done:
                raise SnmpAgentError(f"{where}: GETBULK returned no usable var-binds")
        return walk

    # -- v3 ----------------------------------------------------------------------
    async def _engine(self, addr: Address) -> _Engine:
        engine = self._engines.get(addr)
        if engine is not None:
            return engine
        pending = self._discovering.get(addr)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[_Engine] = self._running_loop().create_future()
        self._discovering[addr] = future
        try:
            engine = await self._discover(addr)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it
            raise
        finally:
            self._discovering.pop(addr, None)
        future.set_result(engine)
        self._engines[addr] = engine
        return engine

    async def _discover(self, addr: Address) -> _Engine:
        """RFC 3414 4: an unauthenticated request answered by a report naming the engine."""
        self.stats.discoveries += 1

        def build(msg_id: int) -> bytes:
            pdu = request_pdu(TAG_GET, msg_id, 0, 0, [])
            return encode_v3(
                msg_id, FLAG_REPORTABLE, b"", 0, 0, None, b"", scoped_pdu(b"", b"", pdu)
            )

        data = await self._exchange(addr, build)
        try:
            message = decode_v3(data)
        except codec.SnmpDecodeError as exc:
            raise SnmpDecodeError(f"{_where(addr)}: engine discovery: {exc}") from None
        if not message.engine_id:
            raise SnmpAgentError(f"{_where(addr)}: engine discovery returned no engine ID")
        return _Engine(message.engine_id, message.boots, message.time, self._running_loop().time())

    async def _v3_request(
        self,
        addr: Address,
        auth: SnmpAuth,
        tag: int,
        first: int,
        second: int,
        oids: Sequence[bytes],
    ) -> Response:
        where = _where(addr)
        context = auth.context.encode()
        loop = self._running_loop()
        for attempt in range(3):
            engine = await self._engine(addr)
            user = engine.user(auth)
            boots, time = engine.clock(loop.time())
            self._salt += 1
            build = functools.partial(
                _v3_request_message,
                engine.engine_id,
                boots,
                time,
                user,
                context,
                self._salt,
                tag,
                first,
                second,
                oids,
            )
            data = await self._exchange(addr, build)
            try:
                message = decode_v3(data)
                authenticated = bool(message.flags & FLAG_AUTH)
                if authenticated and (
                    message.user != user.name
                    or user.digest(message.zeroed(data)) != message.auth_params
                ):
                    raise SnmpAgentError(f"{where}: response failed authentication")
                plain = (
                    user.decrypt(message.boots, message.time, message.priv_params, message.payload)
                    if message.flags & FLAG_PRIV
                    else message.payload
                )
                _, pos = open_scoped_pdu(plain)
                pdu_tag, _, status, index, varbinds = decode_response_pdu(plain, pos)
            except (codec.SnmpDecodeError, ValueError, IndexError, OverflowError) as exc:
                raise SnmpDecodeError(f"{where}: undecodable SNMPv3 response: {exc}") from None
            if pdu_tag == TAG_REPORT:
                report = varbinds[0][0] if varbinds else b""
                if report == NOT_IN_TIME_WINDOWS and attempt < 2 and authenticated:
                    engine.sync(message.boots, message.time, loop.time())
                    continue
                if report == UNKNOWN_ENGINE_IDS and attempt < 2:
                    self._engines.pop(addr, None)
                    continue
                name = REPORT_NAMES.get(report, "an unknown report")
                raise SnmpAgentError(f"{where}: agent reported {name} for user {auth.user!r}")
            if not authenticated:
                raise SnmpAgentError(f"{where}: unauthenticated SNMPv3 response refused")
            engine.sync(message.boots, message.time, loop.time())
            return Response(status, index, varbinds)
        raise SnmpAgentError(f"{where}: SNMPv3 time synchronisation failed")

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        if self._transport is None or self._loop is None:
            raise SnmpError("the SNMP client is not open (use 'async with SnmpClient()')")
        return self._loop

    # -- transport -----------------------------------------------------------------
    async def _exchange(self, addr: Address, build: Callable[[int], bytes]) -> bytes:
        if self._transport is None or self._loop is None:
            raise SnmpError("the SNMP client is not open (use 'async with SnmpClient()')")
        loop = self._loop
        for attempt in range(self.retries + 1):
            key = next(self._ids) & 0x7FFFFFFF
            data = build(key)
            future: asyncio.Future[bytes] = loop.create_future()
            self._pending[key] = (future, addr)
            self.stats.requests += 1
            if attempt:
                self.stats.retransmissions += 1
            self._transport.sendto(data, addr)
            timer = loop.call_later(self.timeout, _expire, future)
            try:
                return await future
            except TimeoutError:
                self.stats.timeouts += 1
            finally:
                timer.cancel()
                self._pending.pop(key, None)
        tries = self.retries + 1
        raise SnmpTimeoutError(
            f"{_where(addr)}: no answer after {tries} tr{'y' if tries == 1 else 'ies'} "
            f"of {self.timeout:g} s"
        )

    def _received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        key = message_key(data)
        entry = self._pending.get(key) if key is not None else None
        if entry is None or entry[1] != (addr[0], addr[1]) or entry[0].done():
            self.stats.unmatched += 1
            return
        entry[0].set_result(data)


def _v3_request_message(
    engine_id: bytes,
    boots: int,
    time: int,
    user: LocalizedUser,
    context: bytes,
    salt: int,
    tag: int,
    first: int,
    second: int,
    oids: Sequence[bytes],
    msg_id: int,
) -> bytes:
    pdu = request_pdu(tag, msg_id, first, second, oids)
    return encode_v3(
        msg_id,
        user.security_flags | FLAG_REPORTABLE,
        engine_id,
        boots,
        time,
        user,
        user.name,
        scoped_pdu(engine_id, context, pdu),
        salt,
    )


def _expire(future: asyncio.Future[bytes]) -> None:
    if not future.done():
        future.set_exception(TimeoutError())


def _where(addr: Address) -> str:
    return f"snmp://{addr[0]}:{addr[1]}"
