"""The four invariants: a clean city passes; one violating line is caught, with its line number."""

from __future__ import annotations

import dataclasses
import ipaddress

import pytest
from config_edit import edit, insert_after, replace
from security_city import City, by_role, city

from security.network import LinkInfo
from security.policy import NetworkModel, Verdict, build_model, check_change, check_network


@pytest.fixture(scope="module")
def clean() -> City:
    return city()


@pytest.fixture(scope="module")
def model(clean: City) -> NetworkModel:
    return build_model(clean.configs, clean.context)


def first(clean: City, role: str, platform: str | None = None) -> str:
    codes = [
        c
        for c in by_role(clean.specs)[role]
        if platform is None or clean.specs[c].platform == platform
    ]
    return codes[0]


def verdict_with(model: NetworkModel, device: str, text: str) -> Verdict:
    return check_change(model, {device: text})


def only(verdict: Verdict, invariant: str, device: str | None) -> None:
    assert verdict.violations, "nothing caught"
    assert {(v.invariant, v.device) for v in verdict.violations} == {(invariant, device)}, (
        verdict.violations
    )


def test_clean_city_has_no_violation(model: NetworkModel) -> None:
    verdict = check_network(model)
    assert verdict.ok and verdict.devices == len(model.devices) > 100
    assert {d.platform for d in model.devices.values()} == {
        "huawei_vrp5",
        "huawei_vrp8",
        "h3c_comware7",
        "cisco_ios",
    }


def test_deterministic(clean: City) -> None:
    text, _ = insert_after(
        clean.configs[first(clean, "township-router")],
        "interface GigabitEthernet0/0/1",
        " nat outbound 2000",
    )
    configs = dict(clean.configs)
    configs[first(clean, "township-router")] = text
    a = check_network(build_model(configs, clean.context)).to_dict()
    b = check_network(build_model(dict(reversed(list(configs.items()))), clean.context)).to_dict()
    assert a == b


# -- 1. single egress ------------------------------------------------------------------------
def test_township_nat_outbound(clean: City, model: NetworkModel) -> None:
    town = first(clean, "township-router")
    text, line = insert_after(
        clean.configs[town], "interface GigabitEthernet0/0/1", " nat outbound 2000"
    )
    verdict = verdict_with(model, town, text)
    only(verdict, "single-egress", town)
    (v,) = verdict.violations
    assert [e.line for e in v.lines] == [line - 1, line]
    assert v.lines[1].text == "nat outbound 2000" and "NAT outbound" in v.why
    assert not verdict.allowed and verdict.introduced == verdict.violations


def test_township_own_default_route_to_an_isp(clean: City, model: NetworkModel) -> None:
    town = first(clean, "township-router")
    text, line = replace(
        clean.configs[town],
        "ip route-static 0.0.0.0",
        "ip route-static 0.0.0.0 0.0.0.0 203.0.113.9",
    )
    verdict = verdict_with(model, town, text)
    only(verdict, "single-egress", town)
    assert verdict.violations[0].lines[0].line == line
    assert "non-extranet next hop" in verdict.violations[0].why


def test_isp_facing_interface_off_the_egress(clean: City, model: NetworkModel) -> None:
    county = first(clean, "aggregation")
    text, line = replace(
        clean.configs[county], " ip address 10.111.", " ip address 198.51.100.2 255.255.255.252"
    )
    verdict = verdict_with(model, county, text)
    only(verdict, "single-egress", county)
    assert line in [e.line for e in verdict.violations[0].lines]


def test_default_route_leading_away_from_the_egress(clean: City, model: NetworkModel) -> None:
    villages = by_role(clean.specs)["village-cpe"]
    a, b = villages[0], villages[-1]
    b_address = clean.specs[b].interfaces[0][1].split("/")[0]
    text, line = replace(
        clean.configs[a], "ip route", f"ip route-static 0.0.0.0 0.0.0.0 {b_address}"
    )
    if clean.specs[a].platform == "h3c_comware7":
        text, line = replace(
            clean.configs[a], " ip route-static 0.0.0.0", f" ip route-static 0.0.0.0 0 {b_address}"
        )
    verdict = verdict_with(model, a, text)
    only(verdict, "single-egress", a)
    assert "leads away from the unified egress" in verdict.violations[0].why
    assert verdict.violations[0].lines[0].line == line


def test_exactly_one_egress_role(clean: City) -> None:
    nodes = dict(clean.context.nodes)
    town = first(clean, "township-router")
    nodes[town] = dataclasses.replace(nodes[town], role="egress-firewall")
    ctx = dataclasses.replace(clean.context, nodes=nodes)
    verdict = check_network(build_model(clean.configs, ctx))
    assert ("single-egress", None) in {(v.invariant, v.device) for v in verdict.violations}
    assert any("found 2" in v.why for v in verdict.violations)


# -- 2. zone isolation -----------------------------------------------------------------------
def test_route_target_import_leaks_a_department_vpn_into_the_public_zone(
    clean: City, model: NetworkModel
) -> None:
    town = first(clean, "township-router")
    private = next(z for z in clean.context.zones.values() if z.kind == "private")
    text, line = insert_after(
        clean.configs[town],
        "  vpn-target 65001:100 import-extcommunity",
        f"  vpn-target {private.targets[0]} import-extcommunity",
    )
    verdict = verdict_with(model, town, text)
    only(verdict, "zone-isolation", town)
    (v,) = verdict.violations
    assert v.lines[-1].line == line and private.code in v.why and "ZW-GGQ" in v.why


def test_route_target_leak_on_ios(clean: City, model: NetworkModel) -> None:
    device = next(c for c, s in clean.specs.items() if s.platform == "cisco_ios" and s.vrfs)
    private = next(z for z in clean.context.zones.values() if z.kind == "private")
    text, _line = insert_after(
        clean.configs[device],
        "  route-target import",
        f"  route-target import {private.targets[0]}",
    )
    only(verdict_with(model, device, text), "zone-isolation", device)


def test_static_route_across_vrfs(clean: City, model: NetworkModel) -> None:
    town = first(clean, "township-router")
    parent_hop = next(nh for vrf, prefix, nh in clean.specs[town].routes if prefix == "0.0.0.0/0")
    text, line = insert_after(
        clean.configs[town],
        "ip route-static 0.0.0.0",
        f"ip route-static vpn-instance ZW-GGQ 0.0.0.0 0.0.0.0 {parent_hop} public",
    )
    verdict = verdict_with(model, town, text)
    only(verdict, "zone-isolation", town)
    assert verdict.violations[0].lines[0].line == line


def test_interface_joining_two_vpns(clean: City, model: NetworkModel) -> None:
    """A link whose two ends sit in different VRFs joins them."""
    town = first(clean, "township-router", "huawei_vrp5")
    spec = clean.specs[town]
    uplink = spec.interfaces[0][0]
    text, _line = insert_after(
        clean.configs[town], f"interface {uplink}", " ip binding vpn-instance ZW-RS"
    )
    parent = clean.context.node(town).parent
    assert parent is not None
    parent_text = clean.configs[parent]
    peer_if = next(link.b_interface for link in clean.context.links if link.a == town)
    parent_text, _ = insert_after(
        parent_text, f"interface {peer_if}", " ip binding vpn-instance ZW-GGQ"
    )
    verdict = check_change(model, {town: text, parent: parent_text})
    assert {v.invariant for v in verdict.violations} == {"zone-isolation"}
    assert any("joins vpn-instances/VRFs ZW-GGQ, ZW-RS" in v.why for v in verdict.violations)


# -- 3. intranet air gap -----------------------------------------------------------------------
def test_an_intranet_link_in_a_configuration(clean: City, model: NetworkModel) -> None:
    county = first(clean, "aggregation")
    text, line = replace(
        clean.configs[county], " ip address 10.111.", " ip address 10.200.9.1 255.255.255.252"
    )
    verdict = verdict_with(model, county, text)
    only(verdict, "intranet-air-gap", county)
    assert line in [e.line for e in verdict.violations[0].lines]


def test_an_intranet_link_in_the_inventory(clean: City, model: NetworkModel) -> None:
    intranet = next(n for n in clean.context.nodes.values() if n.network == "intranet")
    county = first(clean, "aggregation")
    links = (*clean.context.links, LinkInfo(intranet.name, "GE1/0/9", county, "GE1/0/9", "uplink"))
    ctx = dataclasses.replace(clean.context, links=links)
    verdict = check_network(NetworkModel(ctx, dict(model.devices)))
    only(verdict, "intranet-air-gap", intranet.name)
    assert verdict.violations[0].observations


def test_intranet_node_sharing_a_subnet_with_the_extranet(clean: City, model: NetworkModel) -> None:
    intranet = next(
        n
        for n in clean.context.nodes.values()
        if n.network == "intranet" and n.name in clean.configs
    )
    village = first(clean, "village-cpe")
    lan = next(a for n, a, _ in clean.specs[village].interfaces if n.startswith(("Vlan", "Vlanif")))
    free = ipaddress.IPv4Interface(lan).ip + 1  # the village's LAN, one address up
    text, _ = replace(
        clean.configs[intranet.name],
        " ip address 10.200.",
        f" ip address {free} {ipaddress.IPv4Interface(lan).netmask}",
    )
    verdict = verdict_with(model, intranet.name, text)
    assert {v.invariant for v in verdict.violations} == {"intranet-air-gap"}


# -- 4. unified management -------------------------------------------------------------------
MGMT_ANY = {
    "huawei_vrp5": ("insert", "acl number 2001", " rule 1 permit"),
    "huawei_vrp8": ("insert", "acl number 2001", " rule 1 permit source any"),
    "h3c_comware7": ("insert", "acl basic 2001", " rule 1 permit"),
    "cisco_ios": ("insert", "no ip http secure-server", "access-list 10 permit any"),
}


@pytest.mark.parametrize("platform", sorted(MGMT_ANY))
def test_management_acl_opened_to_any(clean: City, model: NetworkModel, platform: str) -> None:
    device = next(c for c, s in sorted(clean.specs.items()) if s.platform == platform)
    how, anchor, new = MGMT_ANY[platform]
    text, line = edit(clean.configs[device], how, anchor, new)
    verdict = verdict_with(model, device, text)
    assert {(v.invariant, v.device) for v in verdict.violations} == {("unified-management", device)}
    assert all(line in [e.line for e in v.lines] for v in verdict.violations)
    assert any("permits sources outside the management subnet" in v.why for v in verdict.violations)


def test_a_deny_before_the_permit_keeps_the_acl_closed(clean: City, model: NetworkModel) -> None:
    device = first(clean, "township-router", "huawei_vrp5")
    text, _ = insert_after(
        clean.configs[device], " rule 5 permit source 10.111.255.0", " rule 10 deny"
    )
    text, _ = insert_after(text, " rule 10 deny", " rule 15 permit")
    assert verdict_with(model, device, text).ok


def test_vty_without_acl_and_syslog_outside(clean: City, model: NetworkModel) -> None:
    device = first(clean, "township-router", "huawei_vrp5")
    text, _ = edit(clean.configs[device], "delete", " acl 2001 inbound")
    only(verdict_with(model, device, text), "unified-management", device)
    text, line = replace(
        clean.configs[device], "info-center loghost", "info-center loghost 192.0.2.10"
    )
    verdict = verdict_with(model, device, text)
    only(verdict, "unified-management", device)
    assert verdict.violations[0].lines[0].line == line


# -- the gate ------------------------------------------------------------------------------------
def test_gate_allows_a_clean_change_and_reports_only_what_a_change_introduces(
    clean: City, model: NetworkModel
) -> None:
    town = first(clean, "township-router")
    harmless, _ = insert_after(
        clean.configs[town], "interface GigabitEthernet0/0/1", " description to county"
    )
    verdict = check_change(model, {town: harmless})
    assert verdict.ok and verdict.allowed
    # the network already has a violation elsewhere: a clean change is still allowed
    other = first(clean, "aggregation")
    broken, _ = replace(
        clean.configs[other], " ip address 10.111.", " ip address 10.200.9.1 255.255.255.252"
    )
    dirty = model.with_devices({other: model.devices[other]})
    dirty = check_change(model, {other: broken})
    assert not dirty.ok
    before = build_model({**clean.configs, other: broken}, clean.context)
    verdict = check_change(before, {town: harmless})
    assert not verdict.ok and verdict.allowed
    nat, _ = insert_after(
        clean.configs[town], "interface GigabitEthernet0/0/1", " nat outbound 2000"
    )
    verdict = check_change(before, {town: nat})
    assert not verdict.allowed
    assert [(v.invariant, v.device) for v in verdict.introduced] == [("single-egress", town)]
    assert verdict.introduced[0].lines[0].source == f"{town} (proposed)"


def _lines(verdict: Verdict) -> list[tuple[str, str | None, str, tuple[int, ...]]]:
    return [
        (v.invariant, v.device, v.why, tuple(e.line for e in v.lines)) for v in verdict.violations
    ]


def test_incremental_gate_equals_a_full_check(clean: City, model: NetworkModel) -> None:
    """The gate's fast path gives exactly what checking the whole post-change network gives."""
    town = first(clean, "township-router", "huawei_vrp5")
    villages = by_role(clean.specs)["village-cpe"]
    b_address = clean.specs[villages[-1]].interfaces[0][1].split("/")[0]
    county = first(clean, "aggregation")
    changes = [
        {
            town: insert_after(
                clean.configs[town], "interface GigabitEthernet0/0/1", " nat outbound 2000"
            )[0]
        },
        {
            town: insert_after(
                clean.configs[town],
                "interface GigabitEthernet0/0/1",
                " ip binding vpn-instance ZW-RS",
            )[0]
        },
        {
            county: replace(
                clean.configs[county],
                " ip address 10.111.",
                " ip address 10.200.9.1 255.255.255.252",
            )[0]
        },
        {
            town: replace(
                clean.configs[town],
                "ip route-static 0.0.0.0",
                f"ip route-static 0.0.0.0 0.0.0.0 {b_address}",
            )[0]
        },
        {
            town: replace(
                clean.configs[town],
                "  vpn-target 65001:100 export-extcommunity",
                "  vpn-target 65001:199 export-extcommunity",
            )[0]
        },
    ]
    for change in changes:
        fast = check_change(model, change)
        full = check_network(build_model({**clean.configs, **change}, clean.context))
        assert _lines(fast) == _lines(full), change.keys()
        # and back again: the gate on the changed model returns to the clean verdict
        after = model.with_devices(
            {n: build_model(change, clean.context).devices[n] for n in change}
        )
        assert _lines(check_change(after, {n: clean.configs[n] for n in change})) == []


# -- coverage: every rule of every invariant, one line, on every platform ------------------------
#: the device each platform's row edits: (role, platform)
TABLE_DEVICES = {
    "huawei_vrp5": "township-router",
    "huawei_vrp8": "aggregation",
    "h3c_comware7": "township-router",
    "cisco_ios": "township-router",
}
_HUAWEI_UPLINK = {
    "huawei_vrp5": "interface GigabitEthernet0/0/1",
    "huawei_vrp8": "interface GE1/0/1",
}
#: (invariant, rule) -> platform -> (how, anchor, new line); ``{hop}``: the device's default
#: next hop, ``{rt}``: a private zone's route target
ONE_LINE: dict[tuple[str, str], dict[str, tuple[str, str, str]]] = {
    ("single-egress", "nat outbound off the egress"): {
        **{p: ("insert", a, " nat outbound 2000") for p, a in _HUAWEI_UPLINK.items()},
        "h3c_comware7": ("insert", "interface GigabitEthernet1/0/1", " nat outbound 2000"),
        "cisco_ios": ("insert", "interface GigabitEthernet0/1", " ip nat outside"),
    },
    ("single-egress", "own default route to an ISP"): {
        "huawei_vrp5": ("replace", "ip route-static 0.0.0.0", "ip route-static 0.0.0.0 0.0.0.0 203.0.113.9"),
        "huawei_vrp8": ("replace", "ip route-static 0.0.0.0", "ip route-static 0.0.0.0 0.0.0.0 203.0.113.9"),
        "h3c_comware7": ("replace", " ip route-static 0.0.0.0", " ip route-static 0.0.0.0 0 203.0.113.9"),
        "cisco_ios": ("replace", "ip route 0.0.0.0", "ip route 0.0.0.0 0.0.0.0 203.0.113.9"),
    },
    ("single-egress", "interface addressed outside the extranet"): {
        p: ("replace", " ip address 10.111.", " ip address 198.51.100.2 255.255.255.252")
        for p in TABLE_DEVICES
    },
    ("zone-isolation", "route-target import of another zone"): {
        "huawei_vrp5": ("insert", "  vpn-target 65001:100 import", "  vpn-target {rt} import-extcommunity"),
        "huawei_vrp8": ("insert", "  vpn-target 65001:100 import", "  vpn-target {rt} import-extcommunity"),
        "h3c_comware7": ("insert", " vpn-target 65001:100 import", " vpn-target {rt} import-extcommunity"),
        "cisco_ios": ("insert", "  route-target import", "  route-target import {rt}"),
    },
    ("zone-isolation", "static route resolved in another table"): {
        "huawei_vrp5": ("insert", "ip route-static 0.0.0.0", "ip route-static vpn-instance ZW-GGQ 0.0.0.0 0.0.0.0 {hop} public"),
        "huawei_vrp8": ("insert", "ip route-static 0.0.0.0", "ip route-static vpn-instance ZW-GGQ 0.0.0.0 0.0.0.0 {hop} public"),
        "h3c_comware7": ("insert", " ip route-static 0.0.0.0", " ip route-static vpn-instance ZW-GGQ 0.0.0.0 0 {hop} public"),
        "cisco_ios": ("insert", "ip route 0.0.0.0", "ip route vrf ZW-GGQ 0.0.0.0 0.0.0.0 {hop} global"),
    },
    ("intranet-air-gap", "interface addressed in the intranet"): {
        p: ("replace", " ip address 10.111.", " ip address 10.200.9.1 255.255.255.255")
        for p in TABLE_DEVICES
    },
    ("intranet-air-gap", "static route to the intranet"): {
        "huawei_vrp5": ("insert", "ip route-static 0.0.0.0", "ip route-static 10.200.0.0 255.255.0.0 {hop}"),
        "huawei_vrp8": ("insert", "ip route-static 0.0.0.0", "ip route-static 10.200.0.0 255.255.0.0 {hop}"),
        "h3c_comware7": ("insert", " ip route-static 0.0.0.0", " ip route-static 10.200.0.0 16 {hop}"),
        "cisco_ios": ("insert", "ip route 0.0.0.0", "ip route 10.200.0.0 255.255.0.0 {hop}"),
    },
    ("unified-management", "vty (SSH) without its ACL"): {
        "huawei_vrp5": ("delete", " acl 2001 inbound", ""),
        "huawei_vrp8": ("delete", " acl 2001 inbound", ""),
        "h3c_comware7": ("delete", " ssh server acl 2001", ""),
        "cisco_ios": ("delete", " access-class 10 in", ""),
    },
    ("unified-management", "management ACL opened to any"): MGMT_ANY,
    ("unified-management", "SNMP community without an ACL"): {
        "huawei_vrp5": ("insert", "snmp-agent sys-info", "snmp-agent community read cipher %^%#Zx9k%^%#"),
        "huawei_vrp8": ("insert", "snmp-agent sys-info", "snmp-agent community read cipher %^%#Zx9k%^%#"),
        "h3c_comware7": ("insert", " snmp-agent sys-info", " snmp-agent community read simple Zx9k-2026"),
        "cisco_ios": ("insert", "snmp-server group", "snmp-server community Zx9k-2026 RO"),
    },
    ("unified-management", "SNMP v3 user without an ACL"): {
        "huawei_vrp5": ("insert", "snmp-agent usm-user v3 nms", "snmp-agent usm-user v3 ops OPS authentication-mode sha cipher %^%#e5f6%^%# privacy-mode aes128 cipher %^%#a7b8%^%#"),
        "huawei_vrp8": ("insert", "snmp-agent usm-user v3 nms acl", "snmp-agent usm-user v3 ops"),
        "h3c_comware7": ("insert", " snmp-agent usm-user v3 nms", " snmp-agent usm-user v3 ops OPS cipher authentication-mode sha $c$3$e5f6 privacy-mode aes128 $c$3$a7b8"),
        # IOS does not show its users: the group's access ACL is what restricts them
        "cisco_ios": ("replace", "snmp-server group NMS v3 priv access 10", "snmp-server group NMS v3 priv"),
    },
    ("unified-management", "syslog server outside the management subnet"): {
        "huawei_vrp5": ("replace", "info-center loghost", "info-center loghost 192.0.2.10"),
        "huawei_vrp8": ("replace", "info-center loghost", "info-center loghost 192.0.2.10"),
        "h3c_comware7": ("replace", " info-center loghost", " info-center loghost 192.0.2.10"),
        "cisco_ios": ("replace", "logging host", "logging host 192.0.2.10"),
    },
    ("unified-management", "NTP server outside the management subnet"): {
        "huawei_vrp5": ("replace", "ntp-service unicast-server", "ntp-service unicast-server 192.0.2.12"),
        "huawei_vrp8": ("replace", "ntp unicast-server", "ntp unicast-server 192.0.2.12"),
        "h3c_comware7": ("replace", " ntp-service unicast-server", " ntp-service unicast-server 192.0.2.12"),
        "cisco_ios": ("replace", "ntp server", "ntp server 192.0.2.12"),
    },
}  # fmt: skip


#: what a row needs first (still clean): IOS translates only with a global ``ip nat inside
#: source`` rule and an ``ip nat outside`` interface, so the rule alone is no breakout
SETUP: dict[tuple[tuple[str, str], str], tuple[str, str, str]] = {
    (("single-egress", "nat outbound off the egress"), "cisco_ios"): (
        "insert",
        "ip route 0.0.0.0",
        "ip nat inside source list 10 interface GigabitEthernet0/1 overload",
    ),
}


def test_the_table_covers_every_invariant_on_every_platform() -> None:
    from security.violations import INVARIANTS

    assert {inv for inv, _rule in ONE_LINE} == set(INVARIANTS)
    assert all(set(edits) == set(TABLE_DEVICES) for edits in ONE_LINE.values())


@pytest.mark.parametrize("platform", sorted(TABLE_DEVICES))
def test_the_clean_table_devices_pass(clean: City, model: NetworkModel, platform: str) -> None:
    device = first(clean, TABLE_DEVICES[platform], platform)
    verdict = verdict_with(model, device, clean.configs[device])
    assert verdict.ok and verdict.allowed, verdict.violations


@pytest.mark.parametrize("platform", sorted(TABLE_DEVICES))
@pytest.mark.parametrize("rule", sorted(ONE_LINE), ids="/".join)
def test_one_line_violates_exactly_its_invariant(
    clean: City, model: NetworkModel, rule: tuple[str, str], platform: str
) -> None:
    invariant, _ = rule
    device = first(clean, TABLE_DEVICES[platform], platform)
    hop = next(nh for _vrf, prefix, nh in clean.specs[device].routes if prefix == "0.0.0.0/0")
    private = next(z for z in clean.context.zones.values() if z.kind == "private")
    text = clean.configs[device]
    if (rule, platform) in SETUP:
        text, _ = edit(text, *SETUP[rule, platform])
        assert verdict_with(model, device, text).ok, "the setup alone must be clean"
    how, anchor, new = ONE_LINE[rule][platform]
    text, line = edit(text, how, anchor, new.format(hop=hop, rt=private.targets[0]))
    verdict = verdict_with(model, device, text)
    assert {(v.invariant, v.device) for v in verdict.violations} == {(invariant, device)}, (
        verdict.violations
    )
    assert not verdict.allowed
    if how != "delete":  # the written line is the evidence
        assert any(line in [e.line for e in v.lines] for v in verdict.violations), (
            verdict.violations
        )
