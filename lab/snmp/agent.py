"""UDP endpoints that answer SNMP v2c and v3 for lab devices, and their agent."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import os
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Coroutine, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from lab.model import LabNetwork
from lab.snmp.errors import EndpointConfigError, SnmpLabError
from lab.snmp.mib import DeviceMib
from lab.snmp.pdu import answer, decode_pdu, read_request_id, response_pdu
from snmpcodec.ber import (
    TAG_REPORT,
    TAG_SEQUENCE,
    encode_integer,
    encode_length,
    encode_octets,
    expect,
    read_integer,
    read_octets,
)
from snmpcodec.errors import SnmpCodecError, SnmpConfigError, SnmpDecodeError
from snmpcodec.usm import (
    DECRYPTION_ERRORS,
    FLAG_AUTH,
    FLAG_PRIV,
    FLAG_REPORTABLE,
    NOT_IN_TIME_WINDOWS,
    REPORT_NAMES,
    TIME_WINDOW,
    UNKNOWN_CONTEXTS,
    UNKNOWN_ENGINE_IDS,
    UNKNOWN_USER_NAMES,
    UNSUPPORTED_SEC_LEVELS,
    WRONG_DIGESTS,
    LocalizedUser,
    V3Message,
    decode_v3_after_version,
    encode_v3,
    report_varbind,
    scoped_pdu,
)

T = TypeVar("T")
#: snmpEngineBoots of new endpoints: grows across restarts and within a process, so a
#: client that cached an engine's boots/time accepts the restarted engine's clock.
_BOOTS = itertools.count(max(1, int(time.time()) - 1_600_000_000))
#: Room kept for message headers when sizing a response's var-binds.
V2C_OVERHEAD = 48
V3_OVERHEAD = 160


def engine_id_for(label: str) -> bytes:
    """A stable RFC 3411 text-format snmpEngineID (enterprise 2011) for ``label``.

    >>> engine_id_for("x")[:5].hex()
    '800007db04'
    """
    digest = hashlib.sha1(label.encode(), usedforsecurity=False).hexdigest()[:20]
    return b"\x80\x00\x07\xdb\x04" + b"lab" + digest.encode()


@dataclass(frozen=True)
class V3Protocols:
    """Authentication and privacy protocols of a device's USM user."""

    auth: str = "sha"
    priv: str = "aes"


@dataclass
class _V3Group:
    user: LocalizedUser
    contexts: dict[bytes, str]


class SnmpEndpoint(asyncio.DatagramProtocol):
    """One UDP socket answering for one or more devices.

    v2c requests pick the device by community; v3 requests by user (and key)
    then contextName. A community shared by several devices on the endpoint
    is not answered (the devices stay reachable over v3).
    """

    def __init__(
        self, agent: SnmpAgent, codes: list[str], host: str, port: int, label: str
    ) -> None:
        self.agent = agent
        self.codes = codes
        self.host = host
        self.port = port
        self.engine_id = engine_id_for(label)
        self.engine_boots = agent.engine_boots or next(_BOOTS)
        self.stats: Counter[str] = Counter()
        self._start = time.monotonic()
        self._salt = int.from_bytes(os.urandom(8), "big")  # privacy salts start at random
        self._transport: asyncio.DatagramTransport | None = None
        self.communities: dict[bytes, str] = {}
        self.users: dict[bytes, list[_V3Group]] = defaultdict(list)
        self._index(codes)

    # -- set-up ----------------------------------------------------------------
    def _index(self, codes: list[str]) -> None:
        network = self.agent.network
        by_community: dict[bytes, list[str]] = defaultdict(list)
        groups: dict[tuple[str, ...], _V3Group] = {}
        reachable: set[str] = set()
        for code in codes:
            runtime = network.devices.get(code)
            if runtime is None:
                raise EndpointConfigError(f"{self.label()}: device {code!r} is not in the lab")
            snmp = runtime.spec.snmp
            by_community[snmp.community.encode()].append(code)
            protocols = self.agent.v3_protocols.get(code, self.agent.default_v3)
            key = (snmp.v3_user, protocols.auth, protocols.priv, snmp.v3_auth_key, snmp.v3_priv_key)
            group = groups.get(key)
            if group is None:
                try:
                    user = LocalizedUser.create(
                        snmp.v3_user,
                        protocols.auth,
                        protocols.priv,
                        snmp.v3_auth_key,
                        snmp.v3_priv_key,
                        self.engine_id,
                    )
                except SnmpConfigError as exc:
                    raise EndpointConfigError(f"{self.label()}: device {code}: {exc}") from None
                group = groups[key] = _V3Group(user, {})
                self.users[user.name].append(group)
            context = snmp.v3_context.encode()
            if context in group.contexts:
                group.contexts[context] = ""  # ambiguous: answered for nobody
            else:
                group.contexts[context] = code
        for community, owners in by_community.items():
            if len(owners) == 1:
                self.communities[community] = owners[0]
                reachable.add(owners[0])
        for group in groups.values():
            reachable.update(code for code in group.contexts.values() if code)
        lost = sorted(set(codes) - reachable)
        if lost:
            raise EndpointConfigError(
                f"{self.label()}: devices {', '.join(lost)} share both community and v3 "
                "user/context with another device on the endpoint"
            )

    def label(self) -> str:
        """``host:port`` of this endpoint."""
        return f"{self.host}:{self.port}"

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport (asyncio callback)."""
        self._transport = cast(asyncio.DatagramTransport, transport)

    def close(self) -> None:
        """Release the socket."""
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    # -- requests --------------------------------------------------------------
    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        """Answer one request datagram (asyncio callback)."""
        if len(self.codes) == 1 and not self.agent.network.devices[self.codes[0]].reachable:
            return  # an unreachable device (fault injection) does not even answer discovery
        try:
            reply = self.handle(data)
        except (SnmpLabError, SnmpCodecError):
            self.stats["snmpInASNParseErrs"] += 1
            return
        if reply is not None and self._transport is not None:
            self._transport.sendto(reply, addr)

    def handle(self, data: bytes) -> bytes | None:
        """The reply to one request message, or None when nothing is sent."""
        start, _ = expect(data, 0, TAG_SEQUENCE)
        version, pos = read_integer(data, start)
        if version == 1:
            return self._v2c(data, pos)
        if version == 3:
            return self._v3(decode_v3_after_version(data, pos), data)
        self.stats["snmpInBadVersions"] += 1
        return None

    def _v2c(self, data: bytes, pos: int) -> bytes | None:
        community, pos = read_octets(data, pos)
        code = self.communities.get(community)
        if code is None:
            self.stats["snmpInBadCommunityNames"] += 1
            return None
        request, _ = decode_pdu(data, pos)
        mib = self.agent.mib(code)
        if not mib.runtime.reachable:
            return None
        budget = mib.platform.max_packet - V2C_OVERHEAD - len(community)
        body = encode_integer(1) + encode_octets(community) + answer(mib, request, budget)
        return b"\x30" + encode_length(len(body)) + body

    def engine_time(self) -> int:
        """snmpEngineTime: seconds since the endpoint started."""
        return int(time.monotonic() - self._start)

    def _v3(self, msg: V3Message, data: bytes) -> bytes | None:
        level = msg.flags & (FLAG_AUTH | FLAG_PRIV)
        if level == FLAG_PRIV:
            return None
        if msg.engine_id != self.engine_id:
            rid = 0 if level & FLAG_PRIV else self._plain_request_id(msg.payload)
            return self._report(msg, UNKNOWN_ENGINE_IDS, rid)
        groups = self.users.get(msg.user)
        if not groups:
            return self._report(msg, UNKNOWN_USER_NAMES)
        if not level & FLAG_AUTH:
            return self._report(msg, UNSUPPORTED_SEC_LEVELS)
        whole = msg.zeroed(data)
        group = next(
            (
                g for g in groups
                if len(msg.auth_params) == g.user.auth.mac_length
                and hmac.compare_digest(g.user.digest(whole), msg.auth_params)
            ),
            None,
        )  # fmt: skip
        if group is None:
            return self._report(msg, WRONG_DIGESTS)
        now = self.engine_time()
        if msg.boots != self.engine_boots or abs(msg.time - now) > TIME_WINDOW:
            return self._report(msg, NOT_IN_TIME_WINDOWS, user=group.user)
        try:
            plain = (
                group.user.decrypt(msg.boots, msg.time, msg.priv_params, msg.payload)
                if level & FLAG_PRIV
                else msg.payload
            )
            s_start, _ = expect(plain, 0, TAG_SEQUENCE)
            _context_engine, cur = read_octets(plain, s_start)
            context, cur = read_octets(plain, cur)
            request, _ = decode_pdu(plain, cur)
        except (SnmpDecodeError, ValueError):
            return self._report(msg, DECRYPTION_ERRORS)
        code = group.contexts.get(context)
        if not code:
            return self._report(msg, UNKNOWN_CONTEXTS, request.request_id, context=context)
        mib = self.agent.mib(code)
        if not mib.runtime.reachable:
            return None
        limit = min(msg.max_size, mib.platform.max_packet)
        budget = limit - V3_OVERHEAD - 2 * len(self.engine_id) - len(msg.user) - len(context)
        pdu = answer(mib, request, budget)
        self._salt = (self._salt + 1) & 0xFFFFFFFFFFFFFFFF
        return encode_v3(
            msg.msg_id, level, self.engine_id, self.engine_boots, now, group.user, msg.user,
            scoped_pdu(self.engine_id, context, pdu), self._salt,
        )  # fmt: skip

    @staticmethod
    def _plain_request_id(payload: bytes) -> int:
        try:
            s_start, _ = expect(payload, 0, TAG_SEQUENCE)
            _, cur = read_octets(payload, s_start)
            _, cur = read_octets(payload, cur)
        except SnmpDecodeError:
            return 0
        return read_request_id(payload, cur)

    def _report(
        self,
        msg: V3Message,
        oid: bytes,
        request_id: int = 0,
        user: LocalizedUser | None = None,
        context: bytes = b"",
    ) -> bytes | None:
        name = REPORT_NAMES[oid]
        self.stats[name] += 1
        if not msg.flags & FLAG_REPORTABLE:
            return None
        pdu = response_pdu(request_id, [report_varbind(oid, self.stats[name])], tag=TAG_REPORT)
        return encode_v3(
            msg.msg_id, FLAG_AUTH if user is not None else 0, self.engine_id, self.engine_boots,
            self.engine_time(), user, msg.user, scoped_pdu(self.engine_id, context, pdu),
        )  # fmt: skip


class SnmpAgent:
    """SNMP agents for the devices of a :class:`~lab.model.LabNetwork`.

    ``default_v3`` names the USM protocols every device's user has, and
    ``v3_protocols`` overrides them per device code. ``contact`` replaces
    the platforms' default sysContact. ``engine_boots`` fixes snmpEngineBoots
    (default: a value that grows with every endpoint start). An endpoint for
    one device has an snmpEngineID derived from the device code, as stable as
    a real device's; a shared endpoint's derives from its address and devices.
    """

    def __init__(
        self,
        network: LabNetwork,
        *,
        contact: str | None = None,
        engine_boots: int | None = None,
        default_v3: V3Protocols = V3Protocols(),
        v3_protocols: Mapping[str, V3Protocols] | None = None,
    ) -> None:
        self.network = network
        self.contact = contact
        self.engine_boots = engine_boots
        self.default_v3 = default_v3
        self.v3_protocols = dict(v3_protocols or {})
        self.endpoints: list[SnmpEndpoint] = []
        self._mibs: dict[str, DeviceMib] = {}

    def mib(self, code: str) -> DeviceMib:
        """The (lazily built, then cached) MIB view of device ``code``."""
        found = self._mibs.get(code)
        if found is None:
            found = self._mibs[code] = DeviceMib(
                self.network.devices[code], self.network, self.contact
            )
        return found

    async def serve(
        self, codes: Iterable[str], host: str = "127.0.0.1", port: int = 0
    ) -> SnmpEndpoint:
        """Answer for ``codes`` on one UDP socket; ``port=0`` picks a free port."""
        codes = list(codes)
        label = codes[0] if len(codes) == 1 else f"{host}:{port}:{','.join(codes)}"
        endpoint = SnmpEndpoint(self, codes, host, port, label)
        loop = asyncio.get_running_loop()
        try:
            transport, _ = await loop.create_datagram_endpoint(
                lambda: endpoint, local_addr=(host, port)
            )
        except OSError as exc:
            raise EndpointConfigError(f"cannot bind SNMP endpoint {host}:{port}: {exc}") from exc
        endpoint.port = transport.get_extra_info("sockname")[1]
        self.endpoints.append(endpoint)
        return endpoint

    async def serve_each(
        self, codes: Iterable[str], host: str = "127.0.0.1"
    ) -> dict[str, SnmpEndpoint]:
        """One endpoint per device on free ports of ``host``."""
        return {code: await self.serve([code], host, 0) for code in codes}

    async def serve_addresses(self, addresses: Mapping[str, tuple[str, int]]) -> list[SnmpEndpoint]:
        """Serve devices at their inventory addresses; devices sharing one share a socket."""
        grouped: dict[tuple[str, int], list[str]] = defaultdict(list)
        for code, address in addresses.items():
            grouped[address].append(code)
        return [await self.serve(codes, host, port) for (host, port), codes in grouped.items()]

    async def close(self) -> None:
        """Close every endpoint's socket."""
        for endpoint in self.endpoints:
            endpoint.close()
        self.endpoints.clear()
        await asyncio.sleep(0)


class AgentThread:
    """Run an :class:`SnmpAgent` on its own event loop in a background thread.

    For synchronous callers (pytest fixtures, CLI)::

        with AgentThread(SnmpAgent(network)) as runner:
            endpoint = runner.serve(["NY-CORE-1"])
    """

    def __init__(self, agent: SnmpAgent) -> None:
        self.agent = agent
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="lab-snmp-agent", daemon=True)
        self._started = False

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def start(self) -> AgentThread:
        """Start the loop thread."""
        if not self._started:
            self._thread.start()
            self._started = True
        return self

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the agent's loop and wait for its result."""
        self.start()
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def serve(self, codes: Iterable[str], host: str = "127.0.0.1", port: int = 0) -> SnmpEndpoint:
        """:meth:`SnmpAgent.serve`, from another thread."""
        return self.call(self.agent.serve(list(codes), host, port))

    def serve_each(self, codes: Iterable[str], host: str = "127.0.0.1") -> dict[str, SnmpEndpoint]:
        """:meth:`SnmpAgent.serve_each`, from another thread."""
        return self.call(self.agent.serve_each(list(codes), host))

    def serve_addresses(self, addresses: Mapping[str, tuple[str, int]]) -> list[SnmpEndpoint]:
        """:meth:`SnmpAgent.serve_addresses`, from another thread."""
        return self.call(self.agent.serve_addresses(dict(addresses)))

    def stop(self) -> None:
        """Close every socket, stop the loop and join the thread."""
        if not self._started:
            self.loop.close()
            return
        self.call(self.agent.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()
        self._started = False

    def __enter__(self) -> AgentThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
