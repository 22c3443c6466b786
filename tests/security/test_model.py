"""The network model on configurations as real devices print them (tests/security/configs/)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from security.errors import ConfigError, UnknownPlatformError
from security.model import Device, parse_device
from security.syntax import detect_platform

CONFIGS = Path(__file__).parent / "configs"
PLATFORMS = {
    "ce6850_vrp8.cfg": "huawei_vrp8",
    "ar2220_vrp5.cfg": "huawei_vrp5",
    "s5560_comware7.cfg": "h3c_comware7",
    "isr4331_ios.cfg": "cisco_ios",
}


def load(name: str) -> Device:
    return parse_device((CONFIGS / name).read_text(), name=name.split(".")[0], source=name)


def line(name: str, number: int) -> str:
    """Line ``number`` (1-based) of the file, words single-spaced."""
    return " ".join((CONFIGS / name).read_text().split("\n")[number - 1].split())


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_platform_detected(name: str) -> None:
    assert detect_platform((CONFIGS / name).read_text()) == PLATFORMS[name]


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_every_source_line_is_the_files_line(name: str) -> None:
    d = load(name)
    srcs = [i.src for i in d.interfaces.values()]
    srcs += [s for i in d.interfaces.values() for _, s in i.addresses]
    srcs += [r.src for r in d.routes] + [v.src for v in d.vrfs.values()]
    srcs += [t.src for v in d.vrfs.values() for t in v.targets]
    srcs += [r.src for a in d.acls.values() for r in a.rules]
    srcs += [s for _, s in d.management.syslog] + [s for _, s in d.management.ntp]
    assert srcs
    for src in srcs:
        assert line(name, src.line) == src.text


def test_ce_vrp8() -> None:
    d = load("ce6850_vrp8.cfg")
    assert d.hostname == "NY-CE-411302"
    assert d.vlans == (10, 20, 100, 101, 102)
    assert d.interfaces["Vlanif101"].vrf == "ZW-RS"
    assert str(d.interfaces["Vlanif101"].addresses[0][0]) == "10.112.0.33/27"  # mask as a length
    assert d.interfaces["GE1/0/2"].access_vlan == 100
    assert d.interfaces["GE1/0/3"].shutdown
    assert d.vrfs["ZW-RS"].rd == "65001:102"
    assert [(t.value, t.direction) for t in d.vrfs["ZW-GGQ"].targets] == [
        ("65001:100", "export"),
        ("65001:100", "import"),
    ]
    public = next(r for r in d.routes if r.vrf == "ZW-GGQ")
    assert public.next_hop_vrf == ""  # ``public``: the next hop is in the global table
    blackhole = next(r for r in d.routes if r.vrf == "ZW-RS")
    assert blackhole.interface == "NULL0" and blackhole.next_hop is None
    m = d.management
    assert m.telnet is None and m.telnet_disabled is not None  # CE prints the default
    assert m.ntp[0][0] == ipaddress.IPv4Address("10.111.255.12")  # ``ntp unicast-server``
    assert m.ntp[0][1].line == 18
    (user,) = m.snmp_users  # one user printed over four lines
    assert (user.name, user.auth, user.priv) == ("nms", "sha", "aes128")
    assert [s.line for s in user.srcs] == [79, 80, 81, 82]
    (vty,) = m.vty
    assert vty.auth_mode == "aaa" and vty.protocols == ("ssh",) and vty.acl == "2001"
    assert [u.password_form for u in m.local_users] == ["irreversible-cipher"]
    # the indented `` #`` inside ``aaa`` does not end the section
    assert "domain default" not in {i.name for i in d.interfaces.values()}


def test_ar_vrp5_leading_version_line_and_indented_globals() -> None:
    d = load("ar2220_vrp5.cfg")
    assert d.hostname == "NY-AR-411302001"  # `` sysname`` after ``[V200R...]``, indented
    m = d.management
    assert m.telnet is not None and m.telnet.line == 9
    assert [s.line for s in m.http] == [11]
    assert m.banner is not None and m.banner.line == 5
    assert m.snmp_versions == ("all",)
    assert [(c.name, c.access) for c in m.communities] == [(None, "read"), ("public", "write")]
    nat = d.interfaces["GigabitEthernet0/0/1"].nat_outbound
    assert [(n.acl, n.src.line) for n in nat] == [("2000", 44)]
    assert [(a.acl, a.direction) for a in d.interfaces["GigabitEthernet0/0/1"].acls] == [
        ("3000", "inbound")
    ]
    assert [str(r.source) for r in d.acls["2001"].rules] == ["10.111.255.0/24", "0.0.0.0/0"]
    (vty,) = m.vty
    assert vty.protocols == ("ssh", "telnet") and vty.idle_seconds == 0
    assert vty.auth_mode == "password"
    assert [(u.name, u.password_form) for u in m.local_users] == [("admin", "cipher")]
    routes = {str(r.prefix): r for r in d.routes}
    assert str(routes["10.112.0.0/13"].next_hop) == "10.110.1.13"  # ``preference 70`` ignored


def test_comware7_sections() -> None:
    d = load("s5560_comware7.cfg")
    assert d.hostname == "NY-S5560-411303"
    assert d.vlans == (1, 100, 101, 102)
    cross = next(r for r in d.routes if r.vrf == "ZW-GGQ")
    assert cross.next_hop_vrf == "ZW-RS"
    assert [(r.action, str(r.source)) for r in d.acls["2001"].rules] == [
        ("permit", "10.111.255.0/24"),
        ("deny", "0.0.0.0/0"),
    ]
    m = d.management
    assert m.ssh is not None and m.telnet is not None and m.ntp_enabled is not None
    assert [(c.name, c.acl) for c in m.communities] == [("public", None)]
    assert m.snmp_versions == ("v2c", "v3")
    (user,) = m.snmp_users
    assert (user.auth, user.priv, user.acl) == ("sha", "aes128", "2001")
    assert m.banner is not None and m.banner.line == 67  # a banner over three lines
    assert [(u.name, u.password_form) for u in m.local_users] == [("admin", "simple")]
    assert [v.src.text for v in m.vty] == ["line vty 0 63"]
    assert m.vty[0].auth_mode == "scheme" and m.vty[0].protocols is None


def test_ios() -> None:
    d = load("isr4331_ios.cfg")
    assert d.hostname == "NY-ISR-411321"
    assert [(t.value, t.direction) for t in d.vrfs["ZW-GGQ"].targets][-1] == ("65001:103", "import")
    assert d.interfaces["GigabitEthernet0/0/1"].vrf == "ZW-GGQ"
    assert [r.next_hop_vrf for r in d.routes] == [None, ""]
    m = d.management
    assert [(c.name, c.acl) for c in m.communities] == [("public", None), ("N0c-2026", "10")]
    (vty,) = m.vty
    assert vty.protocols == ("telnet", "ssh") and vty.idle_seconds == 1800
    assert vty.auth_mode == "password"
    assert m.banner is not None and m.banner.text == "banner motd ^C"
    assert {u.name: u.password_form for u in m.local_users} == {
        "enable": "simple",
        "admin": "simple",
    }
    assert not d.nat_global


def test_unknown_platform_names_the_known_ones() -> None:
    with pytest.raises(UnknownPlatformError, match="known: huawei_vrp5, huawei_vrp8"):
        parse_device("hello\nworld\n", name="x")
    with pytest.raises(UnknownPlatformError, match="unknown platform 'junos'"):
        parse_device("sysname A\n", "junos")


def test_bad_address_is_reported_with_file_and_line() -> None:
    text = "#\nsysname A\n#\ninterface Vlanif1\n ip address 10.1.1.300 255.255.255.0\n#\nreturn\n"
    with pytest.raises(ConfigError) as err:
        parse_device(text, "huawei_vrp5", source="a.cfg")
    assert str(err.value).startswith("a.cfg:5: '10.1.1.300' is not an IPv4 address")


def test_unclosed_banner() -> None:
    with pytest.raises(ConfigError, match=r"b.cfg:2: banner opened here is never closed"):
        parse_device("hostname B\nbanner motd ^C\nno end\n", "cisco_ios", source="b.cfg")
