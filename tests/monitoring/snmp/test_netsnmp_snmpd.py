"""The poller's SNMP client against Debian's Net-SNMP ``snmpd`` over UDP.

One snmpd (``tests/support/snmpd_peer.py``: its own configuration, persistent
folder and loopback port) has a USM user per protocol combination: MD5/DES,
MD5/AES, SHA/DES, SHA/AES, SHA-256/AES and authNoPriv with MD5 and SHA. For
each, and for v2c, our client reads system scalars and ifTable/ifXTable columns;
Net-SNMP's own ``snmpget``/``snmpbulkwalk`` read the same objects with the same
user, and the values must agree: static objects exactly, moving ones (sysUpTime,
octet counters) between a Net-SNMP read before and one after ours.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from snmp_cli import AUTH, PRIV, parse, run_netsnmp
from snmpd_peer import COMMUNITY, USERS, DebianSnmpd, SnmpdUser

from monitoring.snmp import SnmpAgentError, SnmpAuth, SnmpClient
from snmpcodec.ber import (
    TAG_COUNTER32,
    TAG_COUNTER64,
    TAG_GAUGE32,
    TAG_INTEGER,
    TAG_OCTET_STRING,
    TAG_OID,
    TAG_TIMETICKS,
    Value,
    decode_arcs,
    oid_bytes,
    oid_text,
)

IF_TABLE = "1.3.6.1.2.1.2.2.1"
IFX_TABLE = "1.3.6.1.2.1.31.1.1.1"
#: ifIndex, ifDescr, ifType, ifMtu, ifSpeed, ifPhysAddress, ifAdminStatus, ifOperStatus.
STATIC = [f"{IF_TABLE}.{n}" for n in range(1, 9)] + [f"{IFX_TABLE}.1", f"{IFX_TABLE}.15"]
#: ifHCInOctets, ifHCOutOctets: they move (our own requests cross lo).
MOVING = [f"{IFX_TABLE}.6", f"{IFX_TABLE}.10"]
SYS_NAME, SYS_OBJECT_ID, SYS_UPTIME = "1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.3.0"
NAMES = {TAG_COUNTER32: "Counter32", TAG_COUNTER64: "Counter64", TAG_GAUGE32: "Gauge32"}


@pytest.fixture(scope="module")
def snmpd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DebianSnmpd]:
    with DebianSnmpd(tmp_path_factory.mktemp("snmpd")) as agent:
        yield agent


def _ours(user: SnmpdUser | None) -> SnmpAuth:
    if user is None:
        return SnmpAuth.v2c(COMMUNITY)
    priv = (user.priv or "none").lower()
    return SnmpAuth.v3(user.name, AUTH, PRIV if user.priv else "", user.auth, priv)


def _theirs(user: SnmpdUser | None) -> list[str]:
    return ["-v2c", "-c", COMMUNITY] if user is None else user.netsnmp_args()


def _under(values: dict[str, str], columns: list[str]) -> dict[str, str]:
    prefixes = tuple(f".{c}." for c in columns)
    return {k: v for k, v in values.items() if k.startswith(prefixes)}


def _netsnmp_text(tag: int, value: Value) -> str:
    """Our value as Net-SNMP prints it with ``-On -Ox -Ot``."""
    if tag == TAG_INTEGER:
        return f"INTEGER: {value}"
    if tag == TAG_OCTET_STRING:
        assert isinstance(value, bytes)
        return "Hex-STRING: " + " ".join(f"{b:02X}" for b in value) if value else '""'
    if tag == TAG_TIMETICKS:
        return str(value)
    if tag == TAG_OID:
        assert isinstance(value, bytes)
        return f"OID: .{oid_text(value)}"
    return f"{NAMES[tag]}: {value}"


def _walk(snmpd: DebianSnmpd, user: SnmpdUser | None, prefix: str) -> dict[str, str]:
    done = run_netsnmp("snmpbulkwalk", "-Ox", "-Ot", *_theirs(user), snmpd.address, prefix)
    assert done.returncode == 0, done.stderr
    values = parse(done.stdout)
    assert values, f"Net-SNMP read nothing under {prefix}"
    return values


def _get(snmpd: DebianSnmpd, user: SnmpdUser | None, *oids: str) -> dict[str, str]:
    done = run_netsnmp("snmpget", "-Ot", *_theirs(user), snmpd.address, *oids)
    assert done.returncode == 0, done.stderr
    return parse(done.stdout)


async def _read(snmpd: DebianSnmpd, auth: SnmpAuth, columns: list[str]) -> dict[str, str]:
    async with SnmpClient(timeout=2.0, retries=1) as client:
        scalars = [oid_bytes(o) for o in (SYS_NAME, SYS_OBJECT_ID, SYS_UPTIME)]
        got = await client.get("127.0.0.1", snmpd.port, auth, scalars)
        assert got.error_status == 0
        values = {f".{oid_text(oid)}": _netsnmp_text(tag, v) for oid, tag, v in got.varbinds}
        walk = await client.walk_columns(
            "127.0.0.1", snmpd.port, auth, [], [oid_bytes(c) for c in columns],
            max_repetitions=16,
        )  # fmt: skip
    for column, rows in zip(columns, walk.columns, strict=True):
        for suffix, (tag, value) in rows.items():
            index = ".".join(map(str, decode_arcs(suffix)))
            values[f".{column}.{index}"] = _netsnmp_text(tag, value)
    return values


@pytest.mark.parametrize(
    "user", [None, *USERS], ids=["v2c", *(f"{u.name}-{u.level}" for u in USERS)]
)
def test_our_client_reads_what_netsnmp_reads(snmpd: DebianSnmpd, user: SnmpdUser | None) -> None:
    before = {k: v for c in MOVING for k, v in _walk(snmpd, user, c).items()}
    uptime_before = int(_get(snmpd, user, SYS_UPTIME)[f".{SYS_UPTIME}"])
    ours = asyncio.run(_read(snmpd, _ours(user), STATIC + MOVING))
    after = {k: v for c in MOVING for k, v in _walk(snmpd, user, c).items()}
    uptime_after = int(_get(snmpd, user, SYS_UPTIME)[f".{SYS_UPTIME}"])

    static = {k: v for c in STATIC for k, v in _walk(snmpd, user, c).items()}
    assert _under(ours, STATIC) == static
    system = _get(snmpd, user, SYS_NAME, SYS_OBJECT_ID)
    assert ours[f".{SYS_NAME}"] == "Hex-STRING: " + " ".join(
        f"{b:02X}" for b in snmpd.sys_name.encode()
    )
    assert system[f".{SYS_NAME}"] == f'STRING: "{snmpd.sys_name}"'
    assert ours[f".{SYS_OBJECT_ID}"] == system[f".{SYS_OBJECT_ID}"]
    assert uptime_before <= int(ours[f".{SYS_UPTIME}"]) <= uptime_after

    assert sorted(before) == sorted(after) == sorted(_under(ours, MOVING))
    for key, text in ours.items():
        if key in before:
            kind, low = before[key].split(": ")
            high = after[key].split(": ")[1]
            ours_kind, value = text.split(": ")
            assert ours_kind == kind == "Counter64"
            assert int(low) <= int(value) <= int(high), key


def test_a_wrong_auth_key_is_a_named_agent_error(snmpd: DebianSnmpd) -> None:
    user = USERS[0]  # MD5/DES
    wrong = SnmpAuth.v3(user.name, "not-the-auth-key", PRIV, user.auth, user.priv or "none")

    async def read() -> None:
        async with SnmpClient(timeout=1.0, retries=0) as client:
            await client.get("127.0.0.1", snmpd.port, wrong, [oid_bytes(SYS_NAME)])

    with pytest.raises(SnmpAgentError, match="usmStatsWrongDigests"):
        asyncio.run(read())
    # and Net-SNMP's own tool agrees
    args = ["-v3", "-l", "authPriv", "-u", user.name, "-a", user.auth, "-A", "not-the-auth-key"]
    done = run_netsnmp("snmpget", *args, "-x", "DES", "-X", PRIV, snmpd.address, SYS_NAME)
    assert done.returncode != 0 and "Authentication failure" in done.stderr


def test_authnopriv_needs_no_priv_key_and_authpriv_does() -> None:
    assert SnmpAuth.v3("nms", AUTH, "", "sha", "none").priv_protocol == "none"
    with pytest.raises(Exception, match="priv key"):
        SnmpAuth.v3("nms", AUTH, "", "sha", "des")
