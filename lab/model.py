"""The lab's live device model, shared by the SSH emulators and the SNMP agents.

One :class:`LabNetwork` holds every emulated :class:`LabDevice`. A device has
static facts (platform, interfaces, routes, credentials) and live state: the
SSH emulator owns the configuration and tells the runtime which interfaces are
administratively up (``set_admin``); the SNMP agent reads status, uptime and
counters from the same runtime. Counters grow with each interface's traffic
profile while the link is up and stand still while it is down, so a poller can
compare computed rates with the configured profile.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from inventory.codes import check_code

#: Average frame size used to derive packet counters from octet counters.
AVERAGE_FRAME_OCTETS = 500


class LabClock:
    """Lab time: wall time sped up by ``factor`` (device timers use it).

    >>> clock = LabClock(factor=60.0)
    >>> clock.seconds(120.0)  # a 120 s device timer
    2.0
    """

    def __init__(self, factor: float = 1.0) -> None:
        if factor <= 0:
            raise ValueError("clock factor must be positive")
        self.factor = factor
        self._origin = time.monotonic()

    def now(self) -> float:
        """Lab seconds since the clock started."""
        return (time.monotonic() - self._origin) * self.factor

    def seconds(self, device_seconds: float) -> float:
        """Wall-clock seconds that ``device_seconds`` of lab time take."""
        return device_seconds / self.factor


@dataclass(frozen=True)
class TrafficProfile:
    """Constant offered load on an interface, in bits per second."""

    in_bps: float = 0.0
    out_bps: float = 0.0
    #: Input errors per million received packets.
    in_errors_ppm: float = 0.0
    #: Output discards per million sent packets.
    out_discards_ppm: float = 0.0


@dataclass(frozen=True)
class LabInterface:
    """One interface of an emulated device."""

    name: str
    index: int
    description: str = ""
    address: str | None = None  # "10.0.0.1/30"
    #: Port speed (the hardware's: 1000 Mb/s on a GE port), in CLI and ifSpeed/ifHighSpeed.
    speed_bps: int = 1_000_000_000
    mac: str = "00:00:00:00:00:00"
    peer_device: str | None = None
    peer_interface: str | None = None
    vrf: str | None = None
    profile: TrafficProfile = TrafficProfile()
    #: Counter value at lab start (lets tests start near a 32-bit wrap).
    initial_octets: int = 0
    #: False for a port with no cable (operationally down even when admin up).
    connected: bool = True
    #: Contracted rate of the link on this port (the inventory link's ``bandwidth_mbps``),
    #: configured as the interface ``bandwidth``; None: no link, no ``bandwidth`` line.
    bandwidth_bps: int | None = None


@dataclass(frozen=True)
class LabRoute:
    """One entry of the routing table."""

    prefix: str  # "0.0.0.0/0"
    next_hop: str  # "10.0.0.2" or "0.0.0.0" for direct
    interface: str
    protocol: str = "static"  # direct | static | ospf | bgp
    vrf: str | None = None
    metric: int = 0


@dataclass(frozen=True)
class LabArp:
    """An extra ARP entry (beyond the link peers the lab derives), e.g. an injected host."""

    address: str  # "10.112.9.20"
    mac: str  # "00:11:22:33:44:55"
    interface: str


@dataclass(frozen=True)
class SnmpCredentials:
    """What the lab's agent accepts for one device (throwaway lab values)."""

    community: str
    v3_user: str
    v3_auth_key: str
    v3_priv_key: str
    #: v3 context (devices sharing an endpoint are told apart by context or community).
    v3_context: str = ""


@dataclass(frozen=True)
class LabDeviceSpec:
    """Static facts of an emulated device, derived from the inventory."""

    code: str
    hostname: str
    platform: str  # huawei_vrp5 | huawei_vrp8 | h3c_comware7 | cisco_ios
    role: str
    interfaces: tuple[LabInterface, ...]
    routes: tuple[LabRoute, ...] = ()
    username: str = "egov"
    password: str = "egov-lab"  # throwaway lab credential (S105 is off for lab/)
    snmp: SnmpCredentials = SnmpCredentials("public-lab", "nms", "authkey-lab", "privkey-lab")
    model: str = ""
    serial: str = ""
    location: str = ""
    #: False for old gear that only has 32-bit interface counters (no ifHC* columns).
    counters64: bool = True
    #: ARP entries besides the link peers' (see :func:`arp_table`).
    arp: tuple[LabArp, ...] = ()

    def __post_init__(self) -> None:
        check_code(self.code)  # the code names the device's folders: never a path


def routing_table(spec: LabDeviceSpec) -> list[LabRoute]:
    """The device's routes: a direct route per addressed interface, then the spec's routes.

    The one definition used by the SSH emulators' route displays and the SNMP
    agent's route tables, so both always agree.
    """
    routes = []
    for iface in spec.interfaces:
        if iface.address:
            net = ipaddress.IPv4Interface(iface.address)
            routes.append(LabRoute(str(net.network), str(net.ip), iface.name, "direct", iface.vrf))
    return routes + list(spec.routes)


def arp_table(
    spec: LabDeviceSpec, peer_spec: Callable[[str], LabDeviceSpec | None]
) -> list[LabArp]:
    """The device's ARP entries: each addressed link peer's address and MAC, then ``spec.arp``.

    A peer is listed when it is emulated (``peer_spec(code)`` gives its spec), its interface on the
    link is addressed in the same subnet as ours: what the device learns by
    talking to its neighbour. The one definition for SNMP (ipNetToMediaTable,
    ipNetToPhysicalTable).
    """
    out = []
    for iface in spec.interfaces:
        peer = peer_spec(iface.peer_device) if iface.peer_device else None
        if peer is None or not iface.address:
            continue
        mine = ipaddress.IPv4Interface(iface.address)
        for remote in peer.interfaces:
            if remote.name == iface.peer_interface and remote.address:
                theirs = ipaddress.IPv4Interface(remote.address)
                if theirs.ip in mine.network and theirs.ip != mine.ip:
                    out.append(LabArp(str(theirs.ip), remote.mac, iface.name))
    return out + list(spec.arp)


_NO_MAC = re.compile(r"(?i)^(loop ?back|null|tunnel)")


def stable_mac(name: str) -> str:
    """A locally administered MAC derived from ``name`` (a device the lab does not emulate).

    >>> stable_mac("NY-X") == stable_mac("NY-X"), stable_mac("NY-X")[:3]
    (True, '02:')
    """
    digest = hashlib.sha1(name.encode(), usedforsecurity=False).digest()
    return ":".join(f"{b:02x}" for b in (0x02, *digest[:5]))


def chassis_mac(spec: LabDeviceSpec) -> str:
    """The device's base MAC, its LLDP chassis id in every view (CLI and LLDP-MIB).

    The MAC of its lowest-ifIndex interface that has one (not a loopback, tunnel
    or null interface); a device without any gets :func:`stable_mac` of its code.
    """
    for iface in sorted(spec.interfaces, key=lambda i: i.index):
        digits = "".join(c for c in iface.mac.lower() if c in "0123456789abcdef")
        if len(digits) == 12 and int(digits, 16) and not _NO_MAC.match(iface.name):
            return ":".join(digits[i : i + 2] for i in range(0, 12, 2))
    return stable_mac(spec.code)


@dataclass
class _CounterState:
    admin_up: bool = True
    active_seconds: float = 0.0
    since: float = 0.0  # lab time of the last state change while up


@dataclass
class InterfaceCounters:
    """Counter values at one instant (64-bit, not wrapped)."""

    in_octets: int
    out_octets: int
    in_ucast_pkts: int
    out_ucast_pkts: int
    in_errors: int
    out_discards: int
    in_discards: int = 0
    out_errors: int = 0


class DeviceRuntime:
    """Live state of one device: uptime, interface admin state, counters."""

    def __init__(self, spec: LabDeviceSpec, clock: LabClock) -> None:
        self.spec = spec
        self.clock = clock
        self.boot_time = clock.now()
        self._by_name = {i.name: i for i in spec.interfaces}
        self._state = {i.name: _CounterState(since=self.boot_time) for i in spec.interfaces}
        self._offset = {i.name: i.initial_octets for i in spec.interfaces}
        self._carrier = {i.name: i.connected for i in spec.interfaces}
        self.network: LabNetwork | None = None
        #: False while a fault makes the whole device unreachable (SSH and SNMP).
        self.reachable = True

    # -- state changes, driven by the SSH emulator and fault injection -----
    def set_admin(self, interface: str, up: bool) -> None:
        """Record the administrative state of ``interface`` (shutdown / undo shutdown)."""
        state = self._state[interface]
        if state.admin_up == up:
            return
        now = self.clock.now()
        self._settle_peer_pair(interface, now)
        state.admin_up = up

    def set_carrier(self, interface: str, up: bool) -> None:
        """Fault injection: the physical link of ``interface`` fails or comes back."""
        if self._carrier[interface] == up:
            return
        self._settle_peer_pair(interface, self.clock.now())
        self._carrier[interface] = up

    def reboot(self) -> None:
        """Restart the device: uptime and counters go back to zero."""
        now = self.clock.now()
        self.boot_time = now
        for name, state in self._state.items():
            state.active_seconds = 0.0
            state.since = now
            self._offset[name] = 0

    # -- reads, used by the SNMP agent and show commands --------------------
    def uptime_ticks(self) -> int:
        """sysUpTime in hundredths of a second."""
        return int((self.clock.now() - self.boot_time) * 100)

    def admin_up(self, interface: str) -> bool:
        return self._state[interface].admin_up

    def oper_up(self, interface: str) -> bool:
        """Up when this side and the peer's side (if emulated) are admin up with carrier."""
        if not self._state[interface].admin_up or not self._carrier[interface]:
            return False
        spec = self._by_name[interface]
        if self.network and spec.peer_device and spec.peer_interface:
            peer = self.network.devices.get(spec.peer_device)
            if peer is not None and spec.peer_interface in peer._state:
                return (
                    peer._state[spec.peer_interface].admin_up and peer._carrier[spec.peer_interface]
                )
        return True

    def counters(self, interface: str) -> InterfaceCounters:
        now = self.clock.now()
        self._settle(interface, now)
        state = self._state[interface]
        profile = self._by_name[interface].profile
        seconds = state.active_seconds
        in_octets = self._offset[interface] + int(profile.in_bps / 8 * seconds)
        out_octets = self._offset[interface] + int(profile.out_bps / 8 * seconds)
        in_pkts = in_octets // AVERAGE_FRAME_OCTETS
        out_pkts = out_octets // AVERAGE_FRAME_OCTETS
        return InterfaceCounters(
            in_octets=in_octets,
            out_octets=out_octets,
            in_ucast_pkts=in_pkts,
            out_ucast_pkts=out_pkts,
            in_errors=int(in_pkts * profile.in_errors_ppm / 1_000_000),
            out_discards=int(out_pkts * profile.out_discards_ppm / 1_000_000),
        )

    # -- internals -------------------------------------------------------------
    def _settle(self, interface: str, now: float) -> None:
        state = self._state[interface]
        if self.oper_up(interface):
            state.active_seconds += max(0.0, now - state.since)
        state.since = now

    def _settle_peer_pair(self, interface: str, now: float) -> None:
        self._settle(interface, now)
        spec = self._by_name[interface]
        if self.network and spec.peer_device and spec.peer_interface:
            peer = self.network.devices.get(spec.peer_device)
            if peer is not None and spec.peer_interface in peer._state:
                peer._settle(spec.peer_interface, now)


@dataclass
class LabNetwork:
    """Every emulated device of one lab, by code, sharing one clock."""

    clock: LabClock = field(default_factory=LabClock)
    devices: dict[str, DeviceRuntime] = field(default_factory=dict)

    def add(self, spec: LabDeviceSpec) -> DeviceRuntime:
        runtime = DeviceRuntime(spec, self.clock)
        runtime.network = self
        self.devices[spec.code] = runtime
        return runtime
