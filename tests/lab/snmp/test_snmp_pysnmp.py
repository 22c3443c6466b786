"""pysnmp 7's asyncio client (v3arch) polls the lab agent, v2c and v3."""

from __future__ import annotations

import asyncio

from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    UsmUserData,
    bulk_cmd,
    usmAesCfb128Protocol,
    usmHMACSHAAuthProtocol,
    walk_cmd,
)
from snmp_cli import AUTH, PRIV
from snmp_lab import Lab

HC_IN = "1.3.6.1.2.1.31.1.1.1.6"
HC_OUT = "1.3.6.1.2.1.31.1.1.1.10"
OPER = "1.3.6.1.2.1.2.2.1.8"
IF_NAME = "1.3.6.1.2.1.31.1.1.1.1"


async def _poll(lab: Lab) -> tuple[list[str], list[str], list[str]]:
    engine = SnmpEngine()
    target = await UdpTransportTarget.create(
        (lab.shared.host, lab.shared.port), timeout=2, retries=1
    )
    columns = [ObjectType(ObjectIdentity(oid)) for oid in (HC_IN, HC_OUT, OPER)]
    error, status, _, v2c = await bulk_cmd(
        engine, CommunityData("c-core"), target, ContextData(), 0, 24, *columns, lookupMib=False
    )
    assert error is None and not status, (error, status)
    user = UsmUserData(
        "nms", AUTH, PRIV, authProtocol=usmHMACSHAAuthProtocol, privProtocol=usmAesCfb128Protocol
    )
    error, status, _, v3 = await bulk_cmd(
        engine, user, target, ContextData(contextName="acc"), 0, 24, *columns, lookupMib=False
    )
    assert error is None and not status, (error, status)
    names: list[str] = []
    async for error, status, _, var_binds in walk_cmd(
        engine,
        user,
        target,
        ContextData(contextName="acc"),
        ObjectType(ObjectIdentity(IF_NAME)),
        lexicographicMode=False,
        lookupMib=False,
    ):
        assert error is None and not status, (error, status)
        names.extend(str(value) for _, value in var_binds)
    engine.close_dispatcher()
    return [str(oid) for oid, _ in v2c], [str(oid) for oid, _ in v3], names


def test_pysnmp_asyncio_client_bulk_and_walk(lab: Lab) -> None:
    v2c, v3, names = asyncio.run(_poll(lab))
    core = lab.network.devices["CORE"].spec
    access = lab.network.devices["ACCESS"].spec
    assert len(v2c) == 3 * 24 and v2c[0] == f"{HC_IN}.{core.interfaces[0].index}"
    assert v2c[2] == f"{OPER}.{core.interfaces[0].index}"
    assert len(v3) == 3 * 24 and v3[0] == f"{HC_IN}.{access.interfaces[0].index}"
    assert names == [i.name for i in sorted(access.interfaces, key=lambda i: i.index)]
