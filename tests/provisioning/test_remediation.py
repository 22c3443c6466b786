"""Remediation with hier_config: running → intended and back, over generated configurations
of every platform (rendered by the real templates), plus the fixed rules that make VRP,
Comware and IOS output read correctly."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory.platforms import PLATFORMS, facts
from provisioning.context import (
    BgpPeer,
    Egress,
    EgressPermit,
    Interface,
    Net,
    NodeContext,
    Route,
    Vlan,
    Vrf,
)
from provisioning.errors import ConfigParseError, UnknownPlatformError
from provisioning.remediation import apply, remediate, same, tree, unindent_globals
from provisioning.render import Renderer
from provisioning.settings import RenderSettings

ROLES = (
    "core",
    "egress-firewall",
    "aggregation",
    "township-router",
    "village-cpe",
    "access-switch",
)
VRF_NAMES = ("ZW-GGQ", "ZW-RS", "ZW-GA", "ZW-WJ")
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)


def _net(n: int, prefixlen: int) -> Net:
    """Network ``n`` of length ``prefixlen`` in 10.110.0.0/16 (its first host)."""
    net = ipaddress.IPv4Network(((10 << 24) | (110 << 16) | (n << (32 - prefixlen)), prefixlen))
    return Net(str(net.network_address + 1), prefixlen)


@st.composite
def contexts(draw: st.DrawFn, platform: str) -> NodeContext:
    """A device context: random interfaces, VPN instances, routes, peers, VLANs."""
    pf = facts(platform)
    role = draw(st.sampled_from(ROLES))
    vrfs = tuple(
        Vrf(name, name, f"65001:{100 + i}", (f"65001:{100 + i}",), (f"65001:{100 + i}",))
        for i, name in enumerate(VRF_NAMES)
        if draw(st.booleans())
    )
    vids = sorted(draw(st.sets(st.integers(100, 120), max_size=3)))
    # distinct networks, as the IPAM hands them out: /27 LANs, /30 links, one /32 loopback
    lans = iter(draw(st.lists(st.integers(0, 2**11 - 1), min_size=3, max_size=3, unique=True)))
    links = iter(draw(st.lists(st.integers(0, 2**14 - 1), min_size=6, max_size=6, unique=True)))
    vlans = tuple(Vlan(vid, f"D-{vid}", f"dept-{vid}") for vid in vids)
    ports = sorted(draw(st.sets(st.integers(1, 10), min_size=1, max_size=5)))
    interfaces: list[Interface] = [
        Interface(
            name=pf.svi.format(n=vid),
            kind="svi",
            description=draw(WORDS),
            address=_net(next(lans), 27),
            vrf=draw(st.sampled_from([v.name for v in vrfs])) if vrfs else None,
        )
        for vid in vids
    ]
    for n in ports:
        kind = draw(st.sampled_from(["uplink", "downlink", "lan", "access"]))
        interfaces.append(
            Interface(
                name=pf.port_name(n),
                kind=kind,
                description=draw(WORDS),
                address=None if kind == "access" else _net(next(links), 30),
                vrf=draw(st.sampled_from([None, *[v.name for v in vrfs]]))
                if kind == "lan"
                else None,
                core_facing=kind in ("uplink", "downlink"),
                access_vlan=draw(st.sampled_from(vids)) if kind == "access" and vids else None,
            )
        )
    interfaces = [i for i in interfaces if i.kind != "access" or i.access_vlan]
    loopback = Interface(
        pf.loopback, "loopback", "management", Net(f"10.111.0.{draw(st.integers(1, 254))}", 32)
    )
    hops = [i.address for i in interfaces if i.kind == "uplink" and i.address]
    routes = tuple(
        Route(Net(str(ipaddress.IPv4Address(0)), 0), str(ipaddress.IPv4Address(hop.ip) + 1))
        for hop in hops[:1]
    )
    peers = tuple(
        BgpPeer(str(ipaddress.IPv4Address(0x0A6F0000 + n)), f"to {n}", client=draw(st.booleans()))
        for n in sorted(draw(st.sets(st.integers(1, 50), max_size=3)))
    )
    egress = None
    if role == "egress-firewall" and len(ports) >= 2:
        inside = Interface(
            pf.port_name(ports[0]),
            "uplink",
            "to core",
            _net(next(links), 30),
            core_facing=True,
            zone="trust",
        )
        outside = Interface(
            pf.port_name(ports[1]),
            "isp",
            "to ISP",
            Net("203.0.113.2", 30),
            zone="untrust",
            nat=True,
        )
        by_name = {i.name: i for i in interfaces} | {inside.name: inside, outside.name: outside}
        interfaces = [by_name[i.name] for i in interfaces if i.name in by_name]
        interfaces += [i for i in (inside, outside) if i not in interfaces]
        sources = sorted(draw(st.sets(st.integers(0, 200), max_size=4)))
        permits = tuple(
            EgressPermit(5 * (i + 1), Net(f"10.112.{n}.0", 27), f"D{n}")
            for i, n in enumerate(sources)
        )
        egress = Egress(
            inside.name,
            outside.name,
            "203.0.113.10",
            "203.0.113.20",
            (Net("10.112.0.0", 13),),
            permits,
            5 * (len(permits) + 1),
        )
    return NodeContext(
        code="X",
        name="x",
        sysname="NY-" + draw(WORDS),
        role=role,
        level="county",
        platform=platform,
        settings=RenderSettings(),
        loopback=loopback,
        interfaces=tuple(interfaces),
        vlans=vlans,
        vrfs=vrfs if role != "egress-firewall" else (),
        routes=routes,
        bgp_peers=peers if role != "egress-firewall" else (),
        egress=egress,
    )


RENDERER = Renderer(
    {k: {} for k in ("nodes", "links", "prefixes", "vlans", "departments", "zones")}
)


def _text(ctx: NodeContext) -> str:
    return RENDERER.render_context(ctx).text


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_remediation_reaches_intended_and_rollback_returns_to_running(
    platform: str, data: st.DataObject
) -> None:
    running = _text(data.draw(contexts(platform), label="running"))
    intended = _text(data.draw(contexts(platform), label="intended"))
    change = remediate(platform, running, intended)
    assert same(apply(platform, running, change.commands), tree(platform, intended))
    assert same(apply(platform, intended, change.rollback), tree(platform, running))
    assert remediate(platform, intended, intended).empty


CONFIGISH = st.lists(
    st.tuples(
        st.sampled_from(["", " ", "  ", "\t", "   "]),
        st.one_of(
            st.sampled_from(
                [
                    "#",
                    "!",
                    "return",
                    "end",
                    "interface A",
                    "interface B",
                    "ip address 1.1.1.1 255.0.0.0",
                    "banner login ^C",
                    "^C",
                    "banner motd #",
                    "undo x",
                    "no y",
                    "description z",
                    "local-user a password irreversible-cipher q",
                    "version 7.1",
                    "exit",
                    "quit",
                ]
            ),
            st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\n\r"), max_size=30),
        ),
    ),
    max_size=30,
).map(lambda lines: "\n".join(indent + text for indent, text in lines))


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
@settings(max_examples=80, deadline=None)
@given(text=st.one_of(CONFIGISH, st.text(max_size=300)))
def test_any_text_reads_as_a_tree_or_a_clear_error(platform: str, text: str) -> None:
    """Running configurations come from devices: never a crash, only ConfigParseError."""
    try:
        tree(platform, text)
    except ConfigParseError as exc:
        assert str(exc).startswith(f"{platform} configuration: ")


def test_repeated_section_is_a_clear_error() -> None:
    with pytest.raises(ConfigParseError, match="duplicate section: \\('interface A',\\)"):
        tree("huawei_vrp5", "interface A\n ip address 1.1.1.1 255.0.0.0\ninterface A\n")


def test_unterminated_ios_banner_is_a_clear_error() -> None:
    with pytest.raises(ConfigParseError, match=r"cisco_ios configuration: .*banner"):
        tree("cisco_ios", "hostname A\nbanner login ^C\nnever closed\n")


def test_unknown_platform_names_the_known_ones() -> None:
    with pytest.raises(UnknownPlatformError, match="known: cisco_ios, h3c_comware7"):
        remediate("junos", "", "")


def test_headers_separators_and_ciphers_make_no_difference(example_state: dict[str, Any]) -> None:
    """What the device adds around its configuration, and its cipher form of secrets, compare
    equal to the intended configuration."""
    renderer = Renderer(example_state)
    vrp8 = renderer.render("4113").text
    running = (
        "!Software Version V200R005C10SPC800\n"
        "!Last configuration was updated at 2026-12-07 09:00:00+08:00 by netops\n"
        + vrp8.replace("irreversible-cipher ******", "irreversible-cipher $1a$Xy7%^%#zz$")
        .replace("sha cipher ******", "sha cipher %^%#Q3x%^%#")
        .replace("aes128 cipher ******", "aes128 cipher %^%#Rz9%^%#")
    )
    assert remediate("huawei_vrp8", running, vrp8).empty
    comware = renderer.render("411302002").text
    running = comware.replace("#\n sysname", "#\n version 7.1.064, Release 0427P22\n sysname", 1)
    assert remediate(
        "h3c_comware7", running.replace("hash ******", "hash $h$6$abc=="), comware
    ).empty
    ios = renderer.render("411303002").text
    running = (
        "Building configuration...\n\nCurrent configuration : 4242 bytes\n!\n"
        "! Last configuration change at 09:00:00 UTC Mon Dec 7 2026\nversion 15.9\n"
        + ios.replace("secret 9 ******", "secret 9 $9$abcdef")
    )
    assert remediate("cisco_ios", running, ios).empty


def test_vrp5_globals_are_globals_not_children_of_the_previous_section() -> None:
    text = "#\nuser-interface vty 0 4\n idle-timeout 10 0\n#\n snmp-agent\n snmp-agent acl 2001\n#"
    lines = tree("huawei_vrp5", text).dump_simple()
    assert lines == (
        "user-interface vty 0 4",
        "  idle-timeout 10 0",
        "snmp-agent",
        "snmp-agent acl 2001",
    )
    assert unindent_globals(" sysname A") == "sysname A"


def test_vrp_negations_idempotent_values_and_late_removals() -> None:
    running = (
        '#\n sysname OLD\n#\n header login information "old"\n#\nvlan batch 100\n#\nvlan 100\n'
        " description a\n#\nip vpn-instance ZW-RS\n ipv4-family\n  route-distinguisher 65001:1\n#\n"
        "interface Vlanif100\n description x\n ip binding vpn-instance ZW-RS\n"
        " ip address 10.1.1.1 255.255.255.0\n#\nospf 1 router-id 1.1.1.1\n area 0.0.0.0\n"
        "  network 10.1.1.0 0.0.0.255\n#\nreturn"
    )
    intended = (
        "#\n sysname NEW\n#\ninterface Vlanif100\n description y\n"
        " ip address 10.1.1.2 255.255.255.0\n#\nospf 1 router-id 2.2.2.2\n area 0.0.0.0\n"
        "  network 10.1.1.0 0.0.0.255\n#\nreturn"
    )
    commands = remediate("huawei_vrp5", running, intended).commands
    assert "sysname NEW" in commands and "undo sysname OLD" not in commands
    assert "undo header login" in commands
    assert "  undo ip binding vpn-instance" in commands
    assert "  ip address 10.1.1.2 255.255.255.0" in commands
    assert not any(c.strip().startswith("undo ip address") for c in commands)
    assert not any(c.strip().startswith("undo description") for c in commands)
    assert "undo ospf 1" in commands
    # objects that others reference go last
    tail = [c for c in commands if not c.startswith(" ")][-2:]
    assert sorted(tail) == ["undo ip vpn-instance ZW-RS", "undo vlan 100"]
    assert commands.index("undo ospf 1") < commands.index("ospf 1 router-id 2.2.2.2")
    assert "quit" in [c.strip() for c in commands]
