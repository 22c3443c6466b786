"""The MIB columns the poller reads, as frozen data (numeric OIDs: no MIB files needed).

IF-MIB ``ifTable`` (RFC 2863, 32-bit counters) and ``ifXTable`` (64-bit
``ifHC*`` counters, ``ifName``, ``ifHighSpeed``). A poll reads the *dynamic*
columns every time and the *static* ones (names, speeds) on the first poll,
after a reboot or a new ifIndex, and every ``static_every`` polls.
"""

from __future__ import annotations

from dataclasses import dataclass

from snmpcodec.ber import oid_bytes

SYS_UPTIME = oid_bytes("1.3.6.1.2.1.1.3")  # GETNEXT gives sysUpTime.0
SYS_NAME = oid_bytes("1.3.6.1.2.1.1.5")  # GETNEXT gives sysName.0
SCALARS = (SYS_UPTIME, SYS_NAME)

_IF = "1.3.6.1.2.1.2.2.1."
_IFX = "1.3.6.1.2.1.31.1.1.1."


@dataclass(frozen=True)
class Column:
    """One table column: the field it fills and its OID prefix (content octets)."""

    field: str
    oid: bytes


def _col(field: str, dotted: str) -> Column:
    return Column(field, oid_bytes(dotted))


NAME = _col("name", _IFX + "1")
DESCR = _col("descr", _IF + "2")
SPEED = _col("speed", _IF + "5")
HIGH_SPEED = _col("high_speed", _IFX + "15")
ADMIN = _col("admin", _IF + "7")
OPER = _col("oper", _IF + "8")
IN_DISCARDS = _col("in_discards", _IF + "13")
IN_ERRORS = _col("in_errors", _IF + "14")
OUT_DISCARDS = _col("out_discards", _IF + "19")
OUT_ERRORS = _col("out_errors", _IF + "20")

#: Octet and unicast packet counters, 64-bit (ifXTable) and the 32-bit fallback.
COUNTERS_64 = (
    _col("in_octets", _IFX + "6"),
    _col("out_octets", _IFX + "10"),
    _col("in_ucast_pkts", _IFX + "7"),
    _col("out_ucast_pkts", _IFX + "11"),
)
COUNTERS_32 = (
    _col("in_octets", _IF + "10"),
    _col("out_octets", _IF + "16"),
    _col("in_ucast_pkts", _IF + "11"),
    _col("out_ucast_pkts", _IF + "17"),
)
#: Read on every poll besides the octet/packet counters.
DYNAMIC = (ADMIN, OPER, IN_ERRORS, OUT_ERRORS, IN_DISCARDS, OUT_DISCARDS)
#: Read on the first poll and when names or speeds may have changed.
STATIC = (NAME, HIGH_SPEED, SPEED)

#: Counter fields that become rates/deltas (the octet ones also bit/s).
COUNTER_FIELDS = (
    "in_octets",
    "out_octets",
    "in_ucast_pkts",
    "out_ucast_pkts",
    "in_errors",
    "out_errors",
    "in_discards",
    "out_discards",
)
#: Counters that stay 32-bit in IF-MIB whatever the device (no HC version).
ALWAYS_32 = frozenset(("in_errors", "out_errors", "in_discards", "out_discards"))
