"""The lab agent judged by Net-SNMP's command-line tools over UDP."""

from __future__ import annotations

import time

from snmp_cli import number, parse, run_netsnmp, v3_args
from snmp_lab import Lab

SYSTEM = ".1.3.6.1.2.1.1"
IF_TABLE = ".1.3.6.1.2.1.2.2.1"
IFX_TABLE = ".1.3.6.1.2.1.31.1.1.1"
IF_COLUMNS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 19, 20)


def walk(lab: Lab, *args: str, tool: str = "snmpbulkwalk") -> dict[str, str]:
    """Walk and return the parsed values; the tool must succeed."""
    done = run_netsnmp(tool, *args)
    assert done.returncode == 0, done.stderr
    values: dict[str, str] = parse(done.stdout)
    return values


def test_v2c_walk_system_iftable_ifxtable(lab: Lab) -> None:
    address = lab.address(lab.shared)
    spec = lab.network.devices["CORE"].spec
    system = walk(lab, "-v2c", "-c", "c-core", address, SYSTEM, tool="snmpwalk")
    assert sorted(system) == [f"{SYSTEM}.{n}.0" for n in range(1, 8)]
    assert system[f"{SYSTEM}.5.0"] == f'STRING: "{spec.hostname}"'
    assert system[f"{SYSTEM}.2.0"].startswith("OID: .1.3.6.1.4.1.2011.")
    assert system[f"{SYSTEM}.3.0"].startswith("Timeticks:")
    descr = run_netsnmp("snmpget", "-v2c", "-c", "c-core", address, f"{SYSTEM}.1.0").stdout
    assert "Huawei Versatile Routing Platform" in descr and "VRP (R) software" in descr

    if_table = walk(lab, "-v2c", "-c", "c-core", address, IF_TABLE)
    indexes = [i.index for i in spec.interfaces]
    assert len(if_table) == len(IF_COLUMNS) * len(indexes)
    for iface in spec.interfaces:
        assert if_table[f"{IF_TABLE}.2.{iface.index}"] == f'STRING: "{iface.name}"'
        assert if_table[f"{IF_TABLE}.7.{iface.index}"] == "INTEGER: 1"
    first = spec.interfaces[0]
    assert if_table[f"{IF_TABLE}.3.{first.index}"] == "INTEGER: 6"
    # the port's speed (GE1/0/1 of a CE5850 is a GE port), capped at 2^32-1 for 10GE and up
    assert if_table[f"{IF_TABLE}.5.{first.index}"] == f"Gauge32: {min(first.speed_bps, 2**32 - 1)}"
    assert if_table[f"{IF_TABLE}.6.{first.index}"].startswith("Hex-STRING: 00 E0 FC")
    assert if_table[f"{IF_TABLE}.10.{first.index}"].startswith("Counter32:")

    ifx = walk(lab, "-v2c", "-c", "c-core", address, IFX_TABLE)
    assert len(ifx) == 19 * len(indexes)
    assert ifx[f"{IFX_TABLE}.1.{first.index}"] == f'STRING: "{first.name}"'
    assert ifx[f"{IFX_TABLE}.6.{first.index}"].startswith("Counter64:")
    assert ifx[f"{IFX_TABLE}.15.{first.index}"] == f"Gauge32: {first.speed_bps // 10**6}"
    assert ifx[f"{IFX_TABLE}.18.{first.index}"] == f'STRING: "{first.description}"'


def test_v3_authpriv_sha_aes_walk(lab: Lab) -> None:
    values = walk(lab, *v3_args("acc"), lab.address(lab.shared), IFX_TABLE)
    spec = lab.network.devices["ACCESS"].spec
    assert len(values) == 19 * len(spec.interfaces)
    system = walk(lab, *v3_args("acc"), lab.address(lab.shared), SYSTEM, tool="snmpwalk")
    assert system[f"{SYSTEM}.5.0"] == f'STRING: "{spec.hostname}"'


def test_v3_md5_des_user(lab: Lab) -> None:
    args = v3_args(user="old", auth="MD5", priv="DES")
    values = walk(lab, *args, lab.address(lab.legacy), IF_TABLE + ".2")
    assert values[f"{IF_TABLE}.2.1"] == 'STRING: "GigabitEthernet0/1"'  # inventory.platforms
    names = walk(lab, *args, lab.address(lab.legacy), IFX_TABLE + ".1")
    assert names[f"{IFX_TABLE}.1.1"] == 'STRING: "Gi0/1"'  # Cisco's short ifName


def test_v3_wrong_auth_key_fails(lab: Lab) -> None:
    args = v3_args("core")
    args[args.index("-A") + 1] = "not-the-auth-key"
    done = run_netsnmp("snmpget", *args, lab.address(lab.shared), f"{SYSTEM}.5.0")
    assert done.returncode != 0
    assert "Authentication failure" in done.stderr
    assert lab.shared.stats["usmStatsWrongDigests"] >= 1


def test_v3_wrong_priv_key_fails(lab: Lab) -> None:
    args = v3_args("core")
    args[args.index("-X") + 1] = "not-the-priv-key"
    done = run_netsnmp("snmpget", *args, lab.address(lab.shared), f"{SYSTEM}.5.0")
    assert done.returncode != 0
    assert "Decryption error" in done.stderr
    assert "STRING" not in done.stdout


def test_v3_unknown_context_and_user_fail(lab: Lab) -> None:
    done = run_netsnmp("snmpget", *v3_args("nowhere"), lab.address(lab.shared), f"{SYSTEM}.5.0")
    assert done.returncode != 0 and "context" in done.stderr.lower()
    done = run_netsnmp(
        "snmpget", *v3_args("core", user="eve"), lab.address(lab.shared), f"{SYSTEM}.5.0"
    )
    assert done.returncode != 0 and "Unknown user name" in done.stderr


def test_wrong_community_gets_no_answer(lab: Lab) -> None:
    done = run_netsnmp("snmpget", "-v2c", "-c", "public", lab.address(lab.shared), f"{SYSTEM}.5.0")
    assert done.returncode != 0
    assert "Timeout" in done.stderr


def test_devices_sharing_an_endpoint_are_told_apart(lab: Lab) -> None:
    address = lab.address(lab.shared)
    names = {}
    for community in ("c-core", "c-acc"):
        done = run_netsnmp("snmpget", "-v2c", "-c", community, address, f"{SYSTEM}.5.0")
        names[community] = parse(done.stdout)[f"{SYSTEM}.5.0"]
    assert names == {"c-core": 'STRING: "CORE-HUAWEI"', "c-acc": 'STRING: "ACCESS-HUAWEI"'}
    for context, name in (("core", "CORE-HUAWEI"), ("acc", "ACCESS-HUAWEI")):
        done = run_netsnmp("snmpget", *v3_args(context), address, f"{SYSTEM}.5.0")
        assert parse(done.stdout)[f"{SYSTEM}.5.0"] == f'STRING: "{name}"'


def test_counters_move_at_the_profile_rate(lab: Lab) -> None:
    spec = lab.network.devices["ACCESS"].spec
    port = spec.interfaces[0]  # 8 Mbit/s in, 2 Mbit/s out
    oids = [f"{SYSTEM}.3.0", f"{IFX_TABLE}.6.{port.index}", f"{IFX_TABLE}.10.{port.index}"]
    oids.append(f"{IF_TABLE}.10.{port.index}")

    def sample() -> list[int]:
        done = run_netsnmp("snmpget", "-v2c", "-c", "c-acc", lab.address(lab.shared), *oids)
        values = parse(done.stdout)
        return [number(values[oid]) for oid in oids]

    first = sample()
    time.sleep(1.0)
    second = sample()
    seconds = (second[0] - first[0]) / 100  # sysUpTime runs on the lab clock, like counters
    assert seconds > 0
    in_bps = (second[1] - first[1]) * 8 / seconds
    out_bps = (second[2] - first[2]) * 8 / seconds
    assert abs(in_bps - port.profile.in_bps) / port.profile.in_bps < 0.03
    assert abs(out_bps - port.profile.out_bps) / port.profile.out_bps < 0.03
    assert second[3] == second[1] % 2**32  # ifInOctets is ifHCInOctets mod 2^32


def test_admin_down_interface(lab: Lab) -> None:
    access = lab.network.devices["ACCESS"]
    port = access.spec.interfaces[0]
    peer_port = lab.network.devices["CORE"].spec.interfaces[0]
    hc_in = f"{IFX_TABLE}.6.{port.index}"
    status = [
        f"{IF_TABLE}.7.{port.index}",
        f"{IF_TABLE}.8.{port.index}",
        f"{IF_TABLE}.9.{port.index}",
    ]
    address = lab.address(lab.shared)

    def get(community: str, *oids: str) -> dict[str, str]:
        done = run_netsnmp("snmpget", "-v2c", "-c", community, address, *oids)
        assert done.returncode == 0, done.stderr
        values: dict[str, str] = parse(done.stdout)
        return values

    assert get("c-acc", status[1])[status[1]] == "INTEGER: 1"  # the agent has seen it up
    access.set_admin(port.name, False)
    try:
        before = get("c-acc", hc_in, *status)
        assert before[status[0]] == "INTEGER: 2"  # ifAdminStatus down
        assert before[status[1]] == "INTEGER: 2"  # ifOperStatus down
        assert number(before[status[2]]) > 0  # ifLastChange moved
        core = get("c-core", f"{IF_TABLE}.8.{peer_port.index}")
        assert core[f"{IF_TABLE}.8.{peer_port.index}"] == "INTEGER: 2"  # the link is down
        lldp = run_netsnmp("snmpwalk", "-v2c", "-c", "c-acc", address, LLDP_REM + ".9").stdout
        assert "CORE-HUAWEI" not in lldp and "PRINTER-7" in lldp
        time.sleep(0.5)
        after = get("c-acc", hc_in)
        assert after[hc_in] == before[hc_in]  # counters stand still
    finally:
        access.set_admin(port.name, True)
    back = get("c-acc", *status)
    assert back[status[0]] == "INTEGER: 1" and back[status[1]] == "INTEGER: 1"


LLDP_REM = ".1.0.8802.1.1.2.1.4.1.1"


def test_routes_and_lldp_tables(lab: Lab) -> None:
    address = lab.address(lab.shared)
    spec = lab.network.devices["ACCESS"].spec
    inet = walk(lab, "-v2c", "-c", "c-acc", address, ".1.3.6.1.2.1.4.24.7")
    default = ".1.3.6.1.2.1.4.24.7.1.7.1.4.0.0.0.0.0.2.0.0.1.4.10.0.2.254"
    assert inet[default] == f"INTEGER: {spec.interfaces[0].index}"  # inetCidrRouteIfIndex
    direct = ".1.3.6.1.2.1.4.24.7.1.8.1.4.10.0.2.0.24.2.0.0.0.0"
    assert inet[direct] == "INTEGER: 3"  # local route, RFC 4292 empty next hop
    assert len([oid for oid in inet if oid.startswith(".1.3.6.1.2.1.4.24.7.1.9.")]) == 3
    cidr = walk(lab, "-v2c", "-c", "c-acc", address, ".1.3.6.1.2.1.4.24.4.1.1")
    assert sorted(cidr.values()) == [
        "IpAddress: 0.0.0.0",
        "IpAddress: 10.0.2.0",
        "IpAddress: 10.113.0.0",
    ]

    lldp = walk(lab, *v3_args("acc"), address, LLDP_REM)
    local = spec.interfaces[0].index
    assert lldp[f"{LLDP_REM}.9.0.{local}.1"] == 'STRING: "CORE-HUAWEI"'
    assert lldp[f"{LLDP_REM}.7.0.{local}.1"] == 'STRING: "GE1/0/1"'
    assert lldp[f"{LLDP_REM}.8.0.{local}.1"] == 'STRING: "uplink to ACCESS"'
    assert lldp[f"{LLDP_REM}.9.0.{spec.interfaces[1].index}.1"] == 'STRING: "PRINTER-7"'


def test_getbulk_repetitions_exceptions_and_size_cap(lab: Lab) -> None:
    address = lab.address(lab.shared)
    five = run_netsnmp(
        "snmpbulkget",
        "-v2c",
        "-c",
        "c-core",
        "-Cn1",
        "-Cr5",
        address,
        f"{SYSTEM}.3",
        f"{IF_TABLE}.2",
    )
    values = parse(five.stdout)
    assert len(values) == 6 and f"{SYSTEM}.3.0" in values
    end = run_netsnmp("snmpbulkget", "-v2c", "-c", "c-core", "-Cr3", address, ".1.3.6.1.2.1.99")
    assert "No more variables left in this MIB View" in end.stdout
    get = run_netsnmp(
        "snmpget", "-v2c", "-c", "c-core", address, f"{SYSTEM}.9.0", f"{IF_TABLE}.2.9999"
    )
    assert "No Such Object" in get.stdout and "No Such Instance" in get.stdout
    # H3C answers at most 1500 octets, so a large GETBULK comes back truncated but valid.
    big = run_netsnmp(
        "snmpbulkget",
        "-v2c",
        "-c",
        "c-h3c",
        "-Cr100",
        lab.address(lab.h3c),
        f"{IFX_TABLE}.6",
        f"{IFX_TABLE}.10",
        f"{IF_TABLE}.8",
    )
    assert big.returncode == 0, big.stderr
    got = len(parse(big.stdout))
    assert 20 < got < 300
    assert got % 3 == 0
