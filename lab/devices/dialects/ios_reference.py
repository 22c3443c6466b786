"""The Cisco IOS device the lab emulates: one model, one release, one port layout.

Model
    Catalyst 3560-X, ``WS-C3560X-24T-S`` (IP Base/IP Services layer-3 switch),
    the model in :data:`inventory.platforms.PLATFORMS` (``cisco_ios``).
Software
    IOS 15.2(4)E10, image ``C3560E-UNIVERSALK9-M``
    (``flash:/c3560e-universalk9-mz.152-4.E10.bin``), the release in
    :mod:`inventory.platforms`.
Ports
    ``GigabitEthernet0/1`` to ``GigabitEthernet0/24``: 10/100/1000BASE-T copper,
    1 Gb/s each (``show interfaces status`` type ``10/100/1000BaseTX``). A lab
    device has the ports of its spec (:mod:`lab.topology` gives 23: those its
    links and LANs use, then spares); ``show version``'s port count, the
    interface views and IF-MIB all list exactly those. Ports that
    carry an address are routed ports (``no switchport``); the others are access
    ports in VLAN 1. ``Loopback0`` holds the management address. LLDP and CDP
    advertise the short port name (``Gi0/1``) as the port id.

Every view reads this module and :mod:`inventory.platforms`: ``show version``
(whose first four lines are the sysDescr of :mod:`lab.snmp.platforms`, as on the
real switch), ``show inventory``, ``show environment``, the LLDP and CDP system
description other devices print, and the SNMP agent's sysDescr. Formats follow
the Cisco IOS 15.2(E) command references and real output as collected in
ntc-templates' test fixtures.
"""

from __future__ import annotations

from inventory.platforms import facts
from lab.snmp.platforms import platform

FACTS = facts("cisco_ios")
MODEL = FACTS.model
SOFTWARE = FACTS.software
#: The model as the processor line of ``show version`` prints it (no licence suffix).
CHASSIS = "WS-C3560X-24"
IMAGE_FILE = "flash:/c3560e-universalk9-mz.152-4.E10.bin"
ROM = "Bootstrap program is C3560E boot loader"
BOOTLDR = "C3560E Boot Loader (C3560X-HBOOT-M) Version 12.2(58r)SE, RELEASE SOFTWARE (fc1)"
PROCESSOR = "cisco WS-C3560X-24 (PowerPC405) processor (revision A0) with 262144K bytes of memory."
PORT_TYPE = "10/100/1000BaseTX"
HARDWARE = "Gigabit Ethernet"
PORTS = 24
#: ``show processes cpu`` figures and ``show memory statistics`` pools (bytes).
CPU_PERCENT = (5, 4, 4)
MEMORY_PROCESSOR = (184_549_376, 61_374_968)  # total, used
MEMORY_IO = (14_680_064, 10_245_120)
TEMPERATURE_C = 38
CAPABILITIES = "B,R"


def sys_descr(hostname: str) -> str:
    """The sysDescr text (lines separated by ``\\n``), identical to the head of ``show version``."""
    return platform("cisco_ios").describe(MODEL, hostname).replace("\r\n", "\n")
