"""The namespace lab: real kernel links, routes, snmpd agents, traffic and faults.

Usage::

    with NetnsLab(small_topology(), state_root=tmp) as lab:
        host, port = lab.snmp_endpoint("cty")       # 127.0.0.1 relay to cty's snmpd
        lab.exec("c02", ["ping", "-c1", "10.254.1.2"])
        lab.blast("c02", "cty", rate=2000, duration=1.0)
        lab.set_loss(("cty", "c02"), 20)
        lab.link_down(("cty", "c02"))

Names: every namespace is ``<prefix><code>`` and the veth in node A towards
node B is ``<prefix><B>``, where the prefix is ``eg<4 hex>-`` and unique on the
machine. The state directory ``<state_root>/<prefix>`` holds the state file,
the agents' configuration, logs and persistent data; :func:`teardown` on it
removes everything, from any process.

Host-side SNMP: one relay process in the root namespace listens on a free
127.0.0.1 port per node and forwards to that node's snmpd over the node's own
loopback (see ``_relay.py``); nothing is routed from the root namespace into
the lab, so no host route or address is added. ``exec()`` runs any command
(``snmpget``, ``ping``, scapy) inside a node instead.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from inventory.codes import path_for
from lab.model import SnmpCredentials
from lab.netns import _sys, nft, snmpd
from lab.netns.errors import LabError, TopologyError
from lab.netns.probes import (
    LinkCounters,
    PingResult,
    TrafficResult,
    parse_link_json,
    parse_ping,
)
from lab.netns.state import LabState, teardown
from lab.netns.topology import (
    EGRESS_ROLE,
    EXTRANET,
    INTERNET,
    NetnsLink,
    NetnsTopology,
    StaticRoute,
    small_topology,
)
from lab.netns.traffic import blast as _blast

LinkRef = NetnsLink | tuple[str, str]

#: Default parent of lab state directories.
DEFAULT_STATE_ROOT = Path("/tmp/egovnet-netns")  # noqa: S108 - root-only lab scratch area

_HERE = Path(__file__).resolve().parent


class NetnsLab:
    """One lab instance; ``up()``/``down()`` or use it as a context manager."""

    def __init__(
        self,
        topology: NetnsTopology | None = None,
        *,
        state_root: Path | None = None,
        credentials: SnmpCredentials = snmpd.DEFAULT_CREDENTIALS,
    ) -> None:
        self.topology = topology if topology is not None else small_topology()
        self.topology.validate()
        self.credentials = credentials
        self.state_root = Path(state_root) if state_root is not None else DEFAULT_STATE_ROOT
        self._state: LabState | None = None
        self._agents: dict[str, snmpd.SnmpdProcess] = {}
        self._relay: subprocess.Popen[bytes] | None = None
        #: Seconds the last ``up()`` took (network, agents, relay).
        self.up_seconds = 0.0

    # ----------------------------------------------------------- naming

    @property
    def state(self) -> LabState:
        """The state of a lab that is up (raises if it is not)."""
        if self._state is None:
            raise LabError("the netns lab is not up")
        return self._state

    @property
    def prefix(self) -> str:
        """The lab's unique name prefix, e.g. ``eg3fa1-``."""
        return self.state.prefix

    @property
    def state_dir(self) -> Path:
        """Directory holding the state file, configurations and logs."""
        return Path(self.state.state_dir)

    def netns(self, code: str) -> str:
        """Namespace name of node ``code``."""
        self.topology.node(code)
        return f"{self.prefix}{code}"

    def ifname(self, code: str, peer: str) -> str:
        """Name of node ``code``'s veth towards ``peer``."""
        self.topology.link(code, peer)
        return f"{self.prefix}{peer}"

    def address(self, code: str) -> str:
        """Reference IPv4 address of node ``code`` (loopback, else first link address)."""
        found = self.topology.address(code)
        if found is None:
            raise TopologyError(f"node {code!r} has no address")
        return found

    # ----------------------------------------------------------- lifecycle

    def up(self) -> NetnsLab:
        """Create namespaces, veths, addresses, routes, nftables, snmpd and the relay."""
        if self._state is not None:
            raise LabError(f"lab {self._state.prefix} is already up")
        _sys.require_root()
        self._state = self._claim()
        try:
            started = time.monotonic()
            self._build_network()
            self.wait_links(True)  # before snmpd, which caches ifTable at start
            self._start_agents()
            self._start_relay()
            self.state.created_at = time.time()
            self.state.save()
            self.up_seconds = time.monotonic() - started
        except BaseException:
            self.down()
            raise
        return self

    def down(self) -> list[str]:
        """Tear down everything this lab created; return what was removed."""
        if self._state is None:
            return []
        try:
            removed = teardown(self._state)
        finally:
            for proc in [a.process for a in self._agents.values()] + [self._relay]:
                if proc is not None:
                    try:
                        proc.wait(timeout=5)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait()
            if self._relay is not None and self._relay.stdout is not None:
                self._relay.stdout.close()
            self._agents.clear()
            self._relay = None
            self._state = None
        return removed

    def __enter__(self) -> NetnsLab:
        return self.up()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.down()

    def _claim(self) -> LabState:
        """Pick an unused prefix and create its state directory exclusively."""
        self.state_root.mkdir(parents=True, exist_ok=True, mode=0o700)
        taken = _sys.netns_list() + _sys.root_links()
        for _attempt in range(64):
            prefix = f"eg{secrets.token_hex(2)}-"
            if any(name.startswith(prefix) for name in taken):
                continue
            state_dir = self.state_root / prefix.rstrip("-")
            try:
                state_dir.mkdir(mode=0o700)
            except FileExistsError:
                continue
            state = LabState(prefix=prefix, state_dir=str(state_dir))
            state.save()
            return state
        raise LabError(f"no free lab prefix under {self.state_root}")

    def _build_network(self) -> None:
        ip = _sys.tool("ip")
        nodes = self.topology.nodes
        for node in nodes:
            self.state.namespaces[node.code] = self.netns(node.code)
        self.state.save()
        _sys.run(
            [ip, "-batch", "-"], stdin="".join(f"netns add {self.netns(n.code)}\n" for n in nodes)
        )
        for node in nodes:
            # No IPv6 (keeps router solicitations and MLD off the counters); routers forward.
            forward = 1 if node.zone == EXTRANET else 0
            self.exec(node.code, [
                _sys.tool("sysctl"), "-q", "-w",
                "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1",
                f"net.ipv4.ip_forward={forward}",
            ])  # fmt: skip
        veths = "".join(
            f"link add name {self.ifname(ln.a, ln.b)} netns {self.netns(ln.a)} type veth "
            f"peer name {self.ifname(ln.b, ln.a)} netns {self.netns(ln.b)}\n"
            for ln in self.topology.links
        )
        if veths:
            _sys.run([ip, "-batch", "-"], stdin=veths)
        routes = self.topology.routes()
        for node in nodes:
            cmds = ["link set lo up"]
            if node.loopback:
                cmds.append(f"addr add {node.loopback} dev lo")
            ifnames: list[str] = []
            isp: str | None = None
            for link in self.topology.links_of(node.code):
                peer = link.peer_of(node.code)
                name = self.ifname(node.code, peer)
                ifnames.append(name)
                if node.role == EGRESS_ROLE and self.topology.node(peer).zone == INTERNET:
                    isp = name
                cmds += [f"addr add {link.address_of(node.code)} dev {name}", f"link set {name} up"]
            cmds += self._route_cmds(node.code, routes)
            _sys.run([ip, "-n", self.netns(node.code), "-batch", "-"], stdin="\n".join(cmds) + "\n")
            self.exec(
                node.code, [_sys.tool("nft"), "-f", "-"], stdin=nft.base_ruleset(ifnames, isp)
            )

    def _route_cmds(self, code: str, routes: dict[str, list[StaticRoute]]) -> list[str]:
        return [f"route replace {r.prefix} via {r.via}" for r in routes[code]]

    def _start_agents(self) -> None:
        for node in self.topology.nodes:
            agent = snmpd.start(
                node,
                self.netns(node.code),
                self.credentials,
                path_for(self.state_dir / "nodes", node.code),
                self.prefix.rstrip("-"),
            )
            self._agents[node.code] = agent
            self.state.pids[f"snmpd:{node.code}"] = agent.pid
            self.state.save()
        snmpd.wait_ready(list(self._agents.values()))

    def _start_relay(self) -> None:
        spec = [
            {"code": n.code, "netns": self.netns(n.code), "target_port": snmpd.SNMP_PORT}
            for n in self.topology.nodes
        ]
        log = (self.state_dir / "relay.log").open("wb")
        argv = [sys.executable, str(_HERE / "_relay.py"), "--state-dir", str(self.state_dir)]
        with log:
            self._relay = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,
            )
        self.state.pids["relay"] = self._relay.pid
        self.state.save()
        assert self._relay.stdin is not None and self._relay.stdout is not None  # noqa: S101
        self._relay.stdin.write(json.dumps(spec).encode())
        self._relay.stdin.close()
        line = self._relay.stdout.readline()
        try:
            ports = json.loads(line)
        except ValueError as exc:
            tail = (self.state_dir / "relay.log").read_text(errors="replace")[-800:]
            raise LabError(f"SNMP relay failed to start: {tail}") from exc
        self.state.snmp_ports = {str(k): int(v) for k, v in ports.items()}

    # ----------------------------------------------------------- access

    def exec(
        self,
        code: str,
        argv: list[str],
        *,
        stdin: str | None = None,
        check: bool = True,
        timeout: float = 30.0,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` inside node ``code``'s namespace and return its output.

        Net-SNMP clients run this way keep their state under the lab's state
        directory (``SNMP_PERSISTENT_DIR``), never in /var/lib/snmp.
        """
        return _sys.run(
            [_sys.tool("ip"), "netns", "exec", self.netns(code), *argv],
            stdin=stdin,
            check=check,
            timeout=timeout,
            env=self.client_env(),
        )

    def client_env(self) -> dict[str, str]:
        """Environment for commands run in the lab: Net-SNMP state in the lab dir, no MIBs."""
        home = self.state_dir / "client"
        home.mkdir(exist_ok=True)
        return {
            **os.environ,
            "SNMP_PERSISTENT_DIR": str(home),
            "SNMPCONFPATH": str(home),
            "MIBS": "",
            "MIBDIRS": str(home),
        }

    def snmp_endpoint(self, code: str) -> tuple[str, int]:
        """``(host, port)`` on 127.0.0.1 that reaches node ``code``'s snmpd."""
        self.topology.node(code)
        return ("127.0.0.1", self.state.snmp_ports[code])

    def snmpd_pid(self, code: str) -> int:
        """Process id of node ``code``'s snmpd."""
        return self._agents[code].pid

    def ifindex(self, code: str, ifname: str) -> int:
        """Kernel ifIndex (= snmpd's ifIndex) of ``ifname`` in node ``code``."""
        out = _sys.run(
            [_sys.tool("ip"), "-n", self.netns(code), "-j", "link", "show", "dev", ifname]
        )
        try:
            return int(json.loads(out.stdout)[0]["ifindex"])
        except (ValueError, LookupError) as exc:
            raise LabError(f"node {code}: cannot read ifindex of {ifname}") from exc

    def link_counters(self, code: str, ifname: str) -> LinkCounters:
        """Kernel counters of ``ifname`` in node ``code`` (``ip -s link``)."""
        argv = [_sys.tool("ip"), "-n", self.netns(code), "-j", "-s", "link", "show", "dev", ifname]
        return parse_link_json(_sys.run(argv).stdout, f"node {code} {ifname}")

    def ping(
        self, src: str, dst: str, *, count: int = 3, interval: float = 0.05, wait: float = 1.0
    ) -> PingResult:
        """Ping ``dst`` (a node code or an IPv4 address) from node ``src``."""
        target = self.address(dst) if dst in {n.code for n in self.topology.nodes} else dst
        argv = [
            _sys.tool("ping"), "-n", "-q", "-c", str(count), "-i", str(interval),
            "-W", str(wait), target,
        ]  # fmt: skip
        proc = self.exec(src, argv, check=False, timeout=count * interval + wait + 10)
        return parse_ping(proc.stdout, proc.stderr)

    def route_get(self, src: str, address: str) -> str:
        """``ip route get`` of ``address`` in node ``src`` ('' if unreachable)."""
        proc = _sys.run(
            [_sys.tool("ip"), "-n", self.netns(src), "route", "get", address], check=False
        )
        return proc.stdout.strip() if proc.returncode == 0 else ""

    def wait_links(self, up: bool, *, link: LinkRef | None = None, timeout: float = 10.0) -> None:
        """Wait until the kernel reports every veth (or those of ``link``) oper up/down.

        Carrier changes reach ``operstate`` through the kernel's link watcher,
        which can lag by a second; snmpd's ifOperStatus follows ``operstate``.
        """
        links = [self.resolve_link(link)] if link is not None else list(self.topology.links)
        want = "UP" if up else "DOWN"
        pending = {(c, self.ifname(c, ln.peer_of(c))) for ln in links for c in ln.ends()}
        deadline = time.monotonic() + timeout
        while pending:
            pending = {(c, n) for c, n in pending if self.link_counters(c, n).operstate != want}
            if pending and time.monotonic() > deadline:
                raise LabError(f"links not oper {want} after {timeout} s: {sorted(pending)}")
            if pending:
                time.sleep(0.05)

    # ----------------------------------------------------------- faults

    def resolve_link(self, link: LinkRef) -> NetnsLink:
        """The topology link named by a :class:`NetnsLink` or an ``(a, b)`` pair."""
        if isinstance(link, NetnsLink):
            return self.topology.link(link.a, link.b)
        return self.topology.link(link[0], link[1])

    def set_loss(self, link: LinkRef, percent: float, *, from_node: str | None = None) -> None:
        """Drop ``percent`` % of IP packets leaving each end of ``link`` (0 clears).

        With ``from_node`` only the packets that node sends on the link are dropped.
        """
        if not 0 <= percent <= 100:
            raise LabError(f"loss percent {percent} outside 0..100")
        resolved = self.resolve_link(link)
        ends = [from_node] if from_node is not None else list(resolved.ends())
        for code in ends:
            peer = resolved.peer_of(code)
            index = [ln.peer_of(code) for ln in self.topology.links_of(code)].index(peer)
            self.exec(code, [_sys.tool("nft"), "-f", "-"], stdin=nft.loss_rules(index, percent))

    def link_down(self, link: LinkRef, *, end: str | None = None) -> None:
        """Take ``link`` down: both veth ends, or only the one in node ``end``.

        Downing one end leaves the other administratively up with no carrier,
        like a far-end failure.
        """
        self._set_link(link, "down", end)

    def link_up(self, link: LinkRef, *, end: str | None = None) -> None:
        """Bring ``link`` (or only its end in node ``end``) back up."""
        self._set_link(link, "up", end)

    def _set_link(self, link: LinkRef, updown: str, end: str | None) -> None:
        resolved = self.resolve_link(link)
        ends = [end] if end is not None else list(resolved.ends())
        routes = self.topology.routes()
        for code in ends:
            name = self.ifname(code, resolved.peer_of(code))
            cmds = [f"link set {name} {updown}"]
            if updown == "up":
                # The kernel flushed the static routes through the interface when it
                # went down; a router keeps them configured, so put them back.
                cmds += self._route_cmds(code, routes)
            _sys.run(
                [_sys.tool("ip"), "-n", self.netns(code), "-batch", "-"],
                stdin="\n".join(cmds) + "\n",
            )

    # ----------------------------------------------------------- traffic

    def blast(
        self,
        src: str,
        dst: str,
        *,
        rate: float,
        duration: float,
        size: int = 1000,
        port: int | None = None,
    ) -> TrafficResult:
        """Send UDP from node ``src`` to node (or address) ``dst`` and count what arrives.

        ``rate`` datagrams/s of ``size`` payload bytes for ``duration`` seconds; a
        sink in ``dst`` counts arrivals (only when ``dst`` is a node code).
        """
        return _blast(self, src, dst, rate=rate, duration=duration, size=size, port=port)
