"""The campaign checks: a registry ``CHECKS`` of name -> :class:`Check`.

A check takes a batch of node codes (at most ``width`` at once) and yields,
for each node, the finding records it found there (the common shape of
:class:`~security.findings.FindingRecord`) or the exception that prevented
checking it. Other packages add their checks to :data:`CHECKS` at start-up
(a duplicate name raises, :func:`register`).

- ``baseline``: the 等保 baseline B1-B13 on running configurations fetched
  over SSH by the ``fetch_running`` callable the composition root hands over
  (security never imports provisioning);
- ``policy``: the four invariants of the extranet on the running network of
  the whole scope, judged together against the inventory's intent (roles,
  zones, links, blocks, ``ipam.intranet_blocks``) exactly as ``egovnet policy
  check --running`` does (:func:`security.running.check_running`): the
  configurations fetched over SSH plus the routes, LLDP neighbours and ARP
  entries walked over SNMP by the ``observe`` callable; network-wide
  violations are findings without a node, and a device whose configuration or
  tables could not be read is an error of its target (its open findings are
  neither re-seen nor verified on half a picture);
- ``probe.snmp_default``: SNMP v1 and v2c GET of sysDescr with the default
  communities ``public`` and ``private`` against each management address (UDP);
- ``probe.telnet`` and ``probe.http``: a TCP connect to the Telnet and HTTP
  ports of each management address; it counts when the service answers (a
  Telnet server's negotiation or banner, an HTTP status line to ``HEAD /``);
- ``inspect.capture``: a capture window, ``security.capture_seconds`` of live
  capture (scapy, :func:`security.inspect.live.capture`) on
  ``security.capture_iface`` with the BPF filter ``security.capture_bpf``,
  judged at the capture point ``security.capture_point`` against the
  inventory's address plan (:func:`security.inspect.owners.plan_from_state`,
  intranet blocks from ``ipam.intranet_blocks``). One capture per run
  (network-wide); each detection becomes a finding of the node that owns it
  through IPAM, when that node is in the scope, else a network-wide finding
  (its owner kept in the evidence as ``owner_node``).
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .findings import FindingRecord
from .scope import NodeRef
from .settings import SecuritySettings

if TYPE_CHECKING:
    from .running import Observer

SYSDESCR = "1.3.6.1.2.1.1.1.0"
#: the longest finding key the store takes (a longer reason is cut, deterministically)
KEY_MAX = 500
DEFAULT_COMMUNITIES = ("public", "private")


class FetchRunning(Protocol):
    """Running configurations of ``codes``: text, or the exception of a device that failed."""

    def __call__(
        self, inventory: Any, codes: Sequence[str], *, width: int
    ) -> Mapping[str, str | Exception]: ...


@dataclass
class CheckContext:
    """What a check may use: the inventory, its nodes, settings, the device fetcher."""

    inventory: Any
    nodes: Mapping[str, NodeRef]
    settings: SecuritySettings = field(default_factory=SecuritySettings)
    fetch_running: FetchRunning | None = None
    management_subnet: str = "10.111.255.0/24"
    #: SNMP tables of devices (``security.running.Observer``: monitoring's walker)
    observe: Observer | None = None


Outcome = list[FindingRecord] | Exception
CheckFn = Callable[[CheckContext, Sequence[str]], Iterator[tuple[str, Outcome]]]


#: the pseudo-node of network-wide findings (a network-wide check yields them under it)
NETWORK = "*"


@dataclass(frozen=True)
class Check:
    """A campaign check; a ``network_wide`` one gets every node of the scope in one batch."""

    name: str
    title: str
    run: CheckFn
    network_wide: bool = False


class ProbeError(Exception):
    """A node cannot be probed (no management address)."""


def _address(ctx: CheckContext, code: str) -> str:
    ref = ctx.nodes[code]
    if not ref.mgmt_address:
        raise ProbeError(f"{code}: no management address")
    return ref.mgmt_address


# -- baseline -------------------------------------------------------------------
def _baseline(ctx: CheckContext, codes: Sequence[str]) -> Iterator[tuple[str, Outcome]]:
    import ipaddress

    from .baseline import check_baseline
    from .errors import SecurityError
    from .model import parse_device
    from .network import NetworkContext, NodeInfo

    if ctx.fetch_running is None:
        raise ProbeError("baseline needs a fetch_running callable (none was configured)")
    texts = ctx.fetch_running(ctx.inventory, list(codes), width=ctx.settings.campaign_width)
    for code in codes:
        text = texts.get(code, ProbeError(f"{code}: no configuration fetched"))
        if isinstance(text, Exception):
            yield code, text
            continue
        ref = ctx.nodes[code]
        context = NetworkContext(
            management=ipaddress.IPv4Network(ctx.management_subnet),
            nodes={code: NodeInfo(code, role=ref.role, department=ref.department)},
        )
        try:
            device = parse_device(text, ref.platform, name=code, source=f"{code} running")
        except SecurityError as exc:
            yield code, exc
            continue
        records: list[FindingRecord] = [
            FindingRecord(
                check=f.check,
                severity=f.severity,
                node=code,
                department=f.department,
                key=f.why[:KEY_MAX],
                title=f"{f.title}: {f.why}",
                evidence=[{"line": e.line, "text": e.text} for e in f.evidence],
                fix="\n".join(f.fix) or None,
            )
            for f in check_baseline(device, context=context)
        ]
        yield code, records


# -- probes ----------------------------------------------------------------------
def telnet_answers(host: str, port: int, timeout: float) -> str | None:
    """What a Telnet server sends first (option negotiation or a banner), or None.

    A port that accepts the connection but says nothing (a filtering proxy, a
    closed service behind NAT) is not counted: Telnet servers speak first.
    """
    try:
        with socket.create_connection((host, port), timeout=timeout) as conn:
            conn.settimeout(timeout)
            data = conn.recv(256)
    except OSError:
        return None
    if not data:
        return None
    return "telnet negotiation" if data[0] == 0xFF else data.decode("utf-8", "replace").strip()[:80]


def http_answers(host: str, port: int, timeout: float) -> str | None:
    """The status line of an HTTP server on ``host:port`` (``HEAD /``), or None."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as conn:
            conn.settimeout(timeout)
            conn.sendall(f"HEAD / HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
            data = conn.recv(256)
    except OSError:
        return None
    line = data.split(b"\r\n", 1)[0].decode("latin-1")
    return line[:80] if line.startswith("HTTP/") else None


def _tcp_probe(
    check: str,
    what: str,
    port_of: Callable[[SecuritySettings], int],
    answers: Callable[[str, int, float], str | None],
) -> CheckFn:
    def run(ctx: CheckContext, codes: Sequence[str]) -> Iterator[tuple[str, Outcome]]:
        port = port_of(ctx.settings)

        def one(code: str) -> Outcome:
            try:
                host = _address(ctx, code)
            except ProbeError as exc:
                return exc
            said = answers(host, port, ctx.settings.probe_timeout)
            if said is None:
                return []
            return [
                FindingRecord(
                    check=check,
                    severity="high",
                    node=code,
                    department=None,
                    key=f"{host}:{port}",
                    title=f"plaintext management: {what} is open on {host} port {port}",
                    evidence={"address": host, "port": port, "transport": "tcp", "answer": said},
                    fix=f"disable the {what} server; manage the device over SSH only (B1, B12)",
                )
            ]

        with ThreadPoolExecutor(
            max_workers=max(1, min(ctx.settings.campaign_width, len(codes)))
        ) as pool:
            yield from zip(codes, pool.map(one, codes), strict=True)

    return run


def snmp_get_message(version: int, community: str, request_id: int) -> bytes:
    """An SNMP v1 (``version`` 0) or v2c (1) GET of sysDescr.0."""
    from snmpcodec.ber import (
        TAG_GET,
        encode_integer,
        encode_length,
        encode_octets,
        oid_bytes,
        request_pdu,
    )

    pdu = request_pdu(TAG_GET, request_id, 0, 0, [oid_bytes(SYSDESCR)])
    body = encode_integer(version) + encode_octets(community.encode()) + pdu
    return b"\x30" + encode_length(len(body)) + body


def snmp_answered(data: bytes, request_id: int) -> str | None:
    """sysDescr from a response to ``request_id`` without error, else None (any bad datagram)."""
    from snmpcodec.ber import decode_response_pdu, v2c_pdu_offset
    from snmpcodec.errors import SnmpDecodeError

    try:
        _tag, rid, status, _index, varbinds = decode_response_pdu(data, v2c_pdu_offset(data))
    except (SnmpDecodeError, IndexError, ValueError):
        return None
    if rid != request_id or status != 0 or not varbinds:
        return None
    value = varbinds[0][2]
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


async def _snmp_try(
    host: str, port: int, version: int, community: str, timeout: float
) -> str | None:
    loop = asyncio.get_running_loop()
    request_id = int.from_bytes(os.urandom(3), "big")
    answer: asyncio.Future[str | None] = loop.create_future()

    class Proto(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: Any) -> None:
            found = snmp_answered(data, request_id)
            if found is not None and not answer.done():
                answer.set_result(found)

        def error_received(self, exc: Exception) -> None:
            if not answer.done():
                answer.set_result(None)

    transport, _ = await loop.create_datagram_endpoint(Proto, remote_addr=(host, port))
    try:
        transport.sendto(snmp_get_message(version, community, request_id))
        return await asyncio.wait_for(answer, timeout)
    except TimeoutError:
        return None
    finally:
        transport.close()


def _snmp_default(ctx: CheckContext, codes: Sequence[str]) -> Iterator[tuple[str, Outcome]]:
    settings = ctx.settings
    sem_width = settings.campaign_width

    async def one(code: str, sem: asyncio.Semaphore) -> Outcome:
        try:
            host = _address(ctx, code)
        except ProbeError as exc:
            return exc
        port = settings.probe_snmp_port or ctx.nodes[code].snmp_port
        out: list[FindingRecord] = []
        async with sem:
            for community in DEFAULT_COMMUNITIES:
                for version, label in ((1, "v2c"), (0, "v1")):
                    descr = await _snmp_try(host, port, version, community, settings.probe_timeout)
                    if descr is None:
                        continue
                    out.append(
                        FindingRecord(
                            check="probe.snmp_default",
                            severity="high",
                            node=code,
                            department=None,
                            key=f"{host}:{port}/{label}/{community}",
                            title=f"SNMP {label} answers the default community {community!r} on {host}",
                            evidence={
                                "address": host,
                                "port": port,
                                "version": label,
                                "community": community,
                                "sysDescr": descr[:200],
                            },
                            fix="remove the default community; use SNMPv3 with sha + aes (B7)",
                        )
                    )
                    break  # one finding per community (v2c first, else v1)
        return out

    async def all_of() -> list[Outcome]:
        sem = asyncio.Semaphore(sem_width)
        return list(await asyncio.gather(*(one(c, sem) for c in codes)))

    yield from zip(codes, asyncio.run(all_of()), strict=True)


# -- policy on the running network -------------------------------------------------
def _policy(ctx: CheckContext, codes: Sequence[str]) -> Iterator[tuple[str, Outcome]]:
    """The four invariants on the running network of the scope, judged together."""
    from inventory.state import load_state

    from .network import context_from_state
    from .running import check_running

    fetch_running = ctx.fetch_running
    if fetch_running is None:
        raise ProbeError("policy needs a fetch_running callable (none was configured)")
    if ctx.observe is None:
        raise ProbeError("policy needs an observe callable (SNMP; none was configured)")
    with ctx.inventory.sessions() as session:
        state, _ = load_state(session)
    ipam = ctx.inventory.settings.ipam
    context = context_from_state(state, ipam, intranet_blocks=ipam.intranet_blocks)

    def fetcher(wanted: Iterable[str]) -> Mapping[str, str | Exception]:
        return fetch_running(ctx.inventory, list(wanted), width=ctx.settings.campaign_width)

    report = check_running(codes, context, fetcher, ctx.observe)
    by_node: dict[str, list[FindingRecord]] = {code: [] for code in codes}
    by_node[NETWORK] = []
    for v in report.violations:
        node = v.device if v.device in by_node else NETWORK
        by_node[node].append(
            FindingRecord(
                check=f"policy.{v.invariant}",
                severity="high",
                node=None if node == NETWORK else node,
                department=None,
                key=v.why[:KEY_MAX],
                title=f"{v.invariant}: {v.why}",
                evidence={
                    "lines": [{"line": e.line, "text": e.text} for e in v.lines],
                    "observations": list(v.observations),
                },
                fix=None,
            )
        )
    for code in codes:
        why = report.unreachable.get(code)
        yield code, ProbeError(f"{code}: {why}") if why is not None else by_node[code]
    yield NETWORK, by_node[NETWORK]


# -- capture window ------------------------------------------------------------------
def _capture(ctx: CheckContext, codes: Sequence[str]) -> Iterator[tuple[str, Outcome]]:
    """Capture live traffic at the configured capture point; detections become findings."""
    from inventory.state import load_state

    from .inspect.engine import Inspector
    from .inspect.live import capture
    from .inspect.owners import plan_from_state
    from .inspect.points import point

    settings = ctx.settings
    if not settings.capture_iface or not settings.capture_point:
        raise ProbeError(
            "inspect.capture needs security.capture_iface and security.capture_point "
            "(the interface of a capture point and its name)"
        )
    with ctx.inventory.sessions() as session:
        state, _ = load_state(session)
    plan, owners = plan_from_state(state, ctx.inventory.settings.ipam)
    inspector = Inspector(plan, point(settings.capture_point), owners)
    capture(
        inspector,
        settings.capture_iface,
        settings.capture_seconds,
        bpf=settings.capture_bpf or None,
    )
    by_node: dict[str, list[FindingRecord]] = {code: [] for code in codes}
    by_node[NETWORK] = []
    for found in inspector.findings():
        record = found.to_record()
        evidence = {**record["evidence"], "iface": settings.capture_iface}
        owner = record["node"]
        node = owner if owner in by_node else NETWORK
        if node == NETWORK and owner is not None:
            evidence["owner_node"] = owner
        by_node[node].append(
            FindingRecord(
                check=record["check"],
                severity=record["severity"],
                node=None if node == NETWORK else node,
                department=record["department"],
                key=record["key"][:KEY_MAX],
                title=record["title"],
                evidence=evidence,
                fix=record["fix"],
            )
        )
    for code in codes:
        yield code, by_node[code]
    yield NETWORK, by_node[NETWORK]


CHECKS: dict[str, Check] = {}


def register(check: Check) -> Check:
    """Add a check to :data:`CHECKS`; a name taken already raises ValueError."""
    if check.name in CHECKS:
        raise ValueError(f"check {check.name!r} is registered already")
    CHECKS[check.name] = check
    return check


register(Check("baseline", "等保 baseline B1-B13 on running configurations", _baseline))
register(
    Check(
        "policy",
        "the four invariants on the running configurations of the scope",
        _policy,
        network_wide=True,
    )
)
register(
    Check(
        "probe.snmp_default",
        "SNMP v1/v2c with the default communities public/private",
        _snmp_default,
    )
)
register(
    Check(
        "probe.telnet",
        "Telnet open on the management address",
        _tcp_probe("probe.telnet", "Telnet", lambda s: s.probe_telnet_port, telnet_answers),
    )
)
register(
    Check(
        "probe.http",
        "HTTP open on the management address",
        _tcp_probe("probe.http", "HTTP", lambda s: s.probe_http_port, http_answers),
    )
)
register(
    Check(
        "inspect.capture",
        "a capture window: live capture at the configured capture point, inspected",
        _capture,
        network_wide=True,
    )
)


def parse_checks(text: str) -> tuple[str, ...]:
    """``baseline,probe.snmp_default`` -> names, each registered (ValueError names the unknown).

    >>> parse_checks("probe.telnet, baseline")
    ('probe.telnet', 'baseline')
    """
    names = tuple(dict.fromkeys(p.strip() for p in text.split(",")))
    if not names or any(not n for n in names):
        raise ValueError(
            f"checks {text!r}: give comma-separated names of {', '.join(sorted(CHECKS))}"
        )
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        raise ValueError(f"unknown check {unknown[0]!r}: known are {', '.join(sorted(CHECKS))}")
    return names
