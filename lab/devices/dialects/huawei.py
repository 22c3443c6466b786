"""Huawei VRP5 (S5720 switch) and VRP8 (CE5850 switch, two-stage commit) dialects.

What each emulates (model, software, port layout) is stated once, in
:mod:`inventory.platforms` (``huawei_vrp5``, ``huawei_vrp8``); the version
line, sysDescr, LLDP system description and port speeds derive from it.
Both are switches: Ethernet ports are layer 2 (``portswitch``) until
``undo portswitch``, which the device then prints first in the interface.

Configuration is printed as the devices print it: masks dotted however they
were typed (``ip address 10.0.0.1 30`` is kept as ``... 255.255.255.252``, and
``undo`` matches either form), sections in the device's order (globals,
``aaa``, interfaces by type and number, static routes, SNMP, SSH,
user-interfaces), a ``#`` between every section. VRP5 indents the global
one-liners (`` sysname``, `` snmp-agent``...); VRP8 prints them at column 0 and
heads the configuration with its ``!Software Version`` / ``!Last configuration
was updated at`` / ``!Last configuration was saved at`` lines.
"""

from __future__ import annotations

import re
from dataclasses import replace

from lab.devices.config_tree import TreeStyle
from lab.devices.dialects.base import Dialect, Messages, PromptState, suffix_from_table
from lab.devices.dialects.huawei_views import HuaweiViews, huawei_initial_config, switched_port
from lab.devices.grammar import Grammar, InterfaceNames, Rule
from lab.devices.semantics import SemanticRules

NAMES = InterfaceNames(
    types=(
        "GigabitEthernet",
        "XGigabitEthernet",
        "Ethernet",
        "Eth-Trunk",
        "LoopBack",
        "Vlanif",
        "NULL",
        "MEth",
        "Tunnel",
        "10GE",
        "25GE",
        "40GE",
        "100GE",
        "Serial",
        "Cellular",
    ),
    aliases={
        "GE": "GigabitEthernet",
        "XGE": "XGigabitEthernet",
        "Eth": "Ethernet",
        "Loop": "LoopBack",
        "Vlan": "Vlanif",
    },
)

#: CE/VRP8 devices name their gigabit ports ``GE1/0/1`` (the type is ``GE`` itself);
#: the AR/NE routers that also run VRP8 keep ``GigabitEthernet``.
NAMES_V8 = InterfaceNames(
    types=("GE", *NAMES.types),
    aliases={k: v for k, v in NAMES.aliases.items() if k != "GE"},
)

R = Rule
TOP: tuple[Rule, ...] = (
    R("sysname <word>", key=1),
    R("interface <if>", opens="interface"),
    R("vlan batch <text>"),
    R("vlan <int>", opens="vlan"),
    R("ip vpn-instance <word>", opens="vpn"),
    R("ip route-static <ip> <dmask> <ip> [preference <int>] [description <text>]"),
    R("ip route-static <ip> <dmask> <if> [<ip>] [preference <int>] [description <text>]"),
    R(
        "ip route-static vpn-instance <word> <ip> <dmask> <ip> [preference <int>]"
        " [description <text>]"
    ),
    R("acl number <int>", opens="acl"),
    R("acl name <word> [<int>]", opens="acl"),
    R("aaa", opens="aaa"),
    R("user-interface {con|console|vty} <int> [<int>]", opens="ui"),
    R("user-interface maximum-vty <int>", key=2),
    R("stelnet server enable"),
    R("telnet server enable"),
    R("ssh server enable"),
    R("ssh user <word> [<text>]"),
    R("ssh authentication-type default password"),
    R("ssh server-source <text>"),
    R("ssh client first-time enable"),
    R("snmp-agent"),
    R("snmp-agent local-engineid <word>", key=2),
    R("snmp-agent sys-info version <text>", key=3),
    R("snmp-agent sys-info {contact|location} <text>", key=3),
    R("snmp-agent community {read|write} <text>"),
    R("snmp-agent group v3 <word> {authentication|privacy|noauthentication} [<text>]"),
    R("snmp-agent usm-user v3 <word> [<text>]"),
    R("snmp-agent target-host <text>"),
    R("snmp-agent trap enable [<text>]"),
    R("snmp-agent mib-view <text>"),
    R("snmp-agent acl <int>", key=2),
    R("info-center enable"),
    R("info-center loghost <ip> [<text>]"),
    R("info-center loghost source <if>", key=3),
    R("info-center source <text>"),
    R("ntp-service unicast-server <ip> [<text>]"),
    R("ntp-service source-interface <if>", key=2),
    R("ntp unicast-server <ip> [<text>]"),
    R("clock timezone <text>", key=2),
    R("header {login|shell} information <text>", key=2),
    R("lldp enable"),
    R("http server enable"),
    R("http secure-server enable"),
    R("ftp server enable"),
    R(
        "local-aaa-user wrong-password retry-interval <int> retry-time <int> block-time <int>",
        key=2,
    ),
    R("nat address-group <int> <ip> <ip>", key=3),
    R("dns resolve"),
    R("dns server <ip>"),
    R("dns domain <word>"),
    R("bgp <int>", opens="bgp"),
    R("ospf [<int>] [router-id <ip>] [vpn-instance <word>]", opens="ospf"),
    R("stp {enable|disable}", key=1),
    R("stp mode {stp|rstp|mstp}", key=2),
    R("dhcp enable"),
)

INTERFACE: tuple[Rule, ...] = (
    R("description <text>", key=1),
    R("ip address <ip> <dmask>", key=2),
    R("ip address <ip> <dmask> sub"),
    R("ip binding vpn-instance <word>", key=3),
    R("shutdown", key=1),
    R("portswitch", key=1),
    R("port link-type {access|trunk|hybrid}", key=2),
    R("port default vlan <int>", key=3),
    R("port trunk allow-pass vlan <text>"),
    R("port trunk pvid vlan <int>", key=3),
    R("mtu <int>", key=1),
    R("bandwidth <int>", key=1),
    R("speed <int>", key=1),
    R("duplex {full|half|auto}", key=1),
    R("negotiation auto", key=1),
    R("nat outbound <int> [address-group <int>] [no-pat]"),
    R("lldp enable"),
    R("ospf cost <int>", key=2),
    R("ospf network-type {p2p|broadcast}", key=2),
    R("traffic-policy <word> {inbound|outbound}"),
    R("dhcp select {global|interface|relay}", key=2),
    R("eth-trunk <int>", key=1),
    R("mode {lacp|lacp-static|manual}", key=1),
    R("stp edged-port enable"),
    R("isis enable <int>"),
    R("vrrp vrid <int> <text>"),
    R("ipv6 enable"),
)

UI = (
    R("authentication-mode {aaa|password|none}", key=1),
    R("protocol inbound {ssh|telnet|all}", key=2),
    R("idle-timeout <int> [<int>]", key=1),
    R("acl <int> {inbound|outbound}", key=2),
    R("user privilege level <int>", key=2),
    R("set authentication password cipher <text>", key=3),
    R("history-command max-size <int>", key=2),
    R("screen-length <int>", key=1),
    R("shell"),
)

AAA = (
    R("local-user <word> password {irreversible-cipher|cipher|simple} <text>", key=3),
    R("local-user <word> privilege level <int>", key=3),
    R("local-user <word> service-type <text>", key=3),
    R("local-user <word> state {active|block}", key=3),
    R("local-user <word> password-policy <text>"),
    R("authentication-scheme <word>", opens="aaa-scheme"),
    R("authorization-scheme <word>", opens="aaa-scheme"),
    R("accounting-scheme <word>", opens="aaa-scheme"),
    R("domain <word>", opens="aaa-domain"),
    R(
        "local-aaa-user wrong-password retry-interval <int> retry-time <int> block-time <int>",
        key=2,
    ),
)

ACL = (
    R("rule [<int>] {permit|deny} [<text>]"),
    R("description <text>", key=1),
    R("step <int>", key=1),
)
VPN = (
    R("ipv4-family", opens="vpn-af"),
    R("route-distinguisher <word>", key=1),
    R("vpn-target <word> [{export-extcommunity|import-extcommunity|both}]"),
    R("description <text>", key=1),
)
VPN_AF = (
    R("route-distinguisher <word>", key=1),
    R("vpn-target <word> [{export-extcommunity|import-extcommunity|both}]"),
    R("apply-label per-instance"),
)
BGP = (
    R("router-id <ip>", key=1),
    R("peer <ip> as-number <int>", key=2),
    R("peer <ip> <text>"),
    R("ipv4-family {unicast|vpnv4}", opens="bgp-af"),
    R("ipv4-family vpn-instance <word>", opens="bgp-af"),
    R("import-route <text>"),
    R("network <ip> [<dmask>]"),
    R("synchronization", key=1),
)
BGP_AF = (
    R("peer <ip> <text>"),
    R("import-route <text>"),
    R("network <ip> [<dmask>]"),
    R("synchronization", key=1),
    R("route-distinguisher <word>", key=1),
)
OSPF = (
    R("area <word>", opens="ospf-area"),
    R("import-route <text>"),
    R("default-route-advertise [<text>]", key=1),
    R("silent-interface <if>"),
)
OSPF_AREA = (R("network <ip> <wildcard>"), R("authentication-mode <text>", key=1))
VLAN = (R("description <text>", key=1), R("name <word>", key=1))
AAA_SCHEME = (
    R("authentication-mode <text>", key=1),
    R("authorization-mode <text>", key=1),
    R("accounting-mode <text>", key=1),
)
AAA_DOMAIN = (
    R("authentication-scheme <word>", key=1),
    R("authorization-scheme <word>", key=1),
    R("accounting-scheme <word>", key=1),
)

CONTEXTS = {
    "top": TOP,
    "interface": INTERFACE,
    "ui": UI,
    "aaa": AAA,
    "acl": ACL,
    "vpn": VPN,
    "vpn-af": VPN_AF,
    "bgp": BGP,
    "bgp-af": BGP_AF,
    "ospf": OSPF,
    "ospf-area": OSPF_AREA,
    "vlan": VLAN,
    "aaa-scheme": AAA_SCHEME,
    "aaa-domain": AAA_DOMAIN,
}

DISPLAY = (
    R("display version", action="version"),
    R("display current-configuration [all]", action="running"),
    R("display current-configuration interface <if>", action="running_interface"),
    R("display saved-configuration [last]", action="startup"),
    R("display interface brief", action="interfaces_brief"),
    R("display interface description", action="hw_interface_description"),
    R("display interface [<if>]", action="interfaces"),
    R("display ip interface brief", action="ip_interfaces_brief"),
    R("display ip interface [<if>]", action="hw_ip_interfaces"),
    R("display ipv6 interface [brief]", action="noop"),
    R("display lldp neighbor brief", action="lldp"),
    R("display lldp neighbor [interface <if>]", action="hw_lldp_detail"),
    R("display arp [all]", action="arp"),
    R("display ip routing-table", action="routes"),
    R("display esn", action="serial"),
    R("display clock", action="clock"),
    R("display users", action="users"),
    R("display system file-md5 <word>", action="md5"),
    R("display vlan", action="hw_vlan"),
    R("display port vlan", action="hw_port_vlan"),
    R("display mac-address", action="hw_mac_address"),
    R("display device", action="hw_device"),
    R("display device manuinfo", action="hw_manuinfo"),
    R("display cpu-usage", action="hw_cpu"),
    R("display memory-usage", action="hw_memory"),
    R("display ntp status", action="hw_ntp"),
    R("display ntp-service status", action="hw_ntp"),
    R("display ip vpn-instance", action="hw_vpn_instances"),
)
DISPLAY_V8 = (
    R("display configuration commit list [verbose]", action="commit_list"),
    R("display configuration commit changes [at <int>]", action="hw_commit_changes"),
    R("display configuration candidate changes", action="candidate_changes"),
    R("display configuration candidate", action="candidate"),
    R("display configuration trial status", action="trial_status"),
)
USER = (
    R("screen-length <int> temporary", action="noop"),
    R("system-view", action="enter_config"),
    R("quit", action="logout"),
    R("dir [<word>]", action="dir"),
    R("delete [/unreserved] [/quiet] <word>", action="delete"),
    R("save [<word>]", action="save"),
    R("rollback configuration to file <word>", action="rollback_file"),
)
USER_V8 = (
    R("system-view immediately", action="hw_enter_immediate"),
    R("rollback configuration to commit-id <int>", action="rollback_commit"),
    R("rollback configuration last <int>", action="rollback_last"),
    R("abort trial", action="abort_trial"),
)
CONFIG = (
    R("quit", action="config_quit"),
    R("return", action="config_return"),
    R("save [<word>]", action="save"),
    R("display this", action="hw_this"),
)
CONFIG_V8 = (
    R("commit", action="commit"),
    R("commit comment <text>", action="commit"),
    R("commit trial [<int>]", action="commit_trial"),
    R("abort trial", action="abort_trial"),
    R("clear configuration candidate", action="hw_clear_candidate"),
)

SUFFIXES = (
    (r"interface (\S+)", "-{0}"),
    (r"user-interface (\S+) (\d+) (\d+)", "-ui-{0}{1}-{2}"),
    (r"user-interface (\S+) (\d+)", "-ui-{0}{1}"),
    (r"aaa", "-aaa"),
    (r"acl number (2\d\d\d)", "-acl-basic-{0}"),
    (r"acl number (3\d\d\d)", "-acl-adv-{0}"),
    (r"acl number (\d+)", "-acl-{0}"),
    (r"ip vpn-instance (\S+)", "-vpn-instance-{0}"),
    (r"ipv4-family", "-af-ipv4"),
    (r"ipv4-family vpn-instance (\S+)", "-bgp-{0}"),
    (r"bgp \d+", "-bgp"),
    (r"ospf (\d+).*", "-ospf-{0}"),
    (r"ospf", "-ospf-1"),
    (r"area (\S+)", "-area-{0}"),
    (r"vlan (\d+)", "-vlan{0}"),
    (r"authentication-scheme (\S+)", "-authen-{0}"),
    (r"domain (\S+)", "-aaa-domain-{0}"),
)


def _prompt(state: PromptState, two_stage: bool) -> str:
    if state.mode == "user":
        return f"<{state.hostname}>"
    mark = ("*" if state.dirty else "~") if two_stage else ""
    suffix = "".join(suffix_from_table(SUFFIXES, header) for header in state.context)
    return f"[{mark}{state.hostname}{suffix}]"


#: Interface types in the order the devices print their sections.
INTERFACE_ORDER = (
    "Vlanif",
    "MEth",
    "Eth-Trunk",
    "Ethernet",
    "GigabitEthernet",
    "XGigabitEthernet",
    "GE",
    "10GE",
    "25GE",
    "40GE",
    "100GE",
    "Serial",
    "Cellular",
    "Tunnel",
    "LoopBack",
    "NULL",
)
_IF_NAME = re.compile(r"interface (\d*[A-Za-z-]+)(\S*)")


def interface_order(text: str) -> tuple[object, ...]:
    """Sort key of an ``interface`` line: type as the device orders it, then numbers.

    >>> sorted(["interface LoopBack0", "interface GigabitEthernet0/0/10",
    ...         "interface GigabitEthernet0/0/2", "interface Vlanif10"], key=interface_order)
    ['interface Vlanif10', 'interface GigabitEthernet0/0/2', \
'interface GigabitEthernet0/0/10', 'interface LoopBack0']
    """
    m = _IF_NAME.fullmatch(text)
    if not m:
        return (len(INTERFACE_ORDER),)
    kind = m.group(1)
    rank = INTERFACE_ORDER.index(kind) if kind in INTERFACE_ORDER else len(INTERFACE_ORDER)
    return (rank, *(int(n) for n in re.findall(r"\d+", m.group(2))))


SEMANTICS = SemanticRules(
    overlap="Error: The specified address conflicts with another address.",
    layer2="Error: Unrecognized command found at '^' position.",
    layer2_word=1,
    is_layer2=switched_port,
    out_of_range="Error: Wrong parameter found at '^' position.",
    description_max=242,
    mtu_range=(46, 9600),
    vrf_prefixes=("ip binding vpn-instance ",),
)

STYLE = TreeStyle(
    separator="#",
    indented_globals=(
        "sysname",
        "snmp-agent",
        "stelnet",
        "ssh ",
        "info-center",
        "ntp-service",
        "ntp ",
        "clock",
        "lldp",
        "http",
        "ftp",
        "telnet",
        "dns",
        "local-aaa-user",
        "dhcp enable",
        "stp ",
        "header",
        "vlan batch",
    ),
    ignored_prefixes=("!", "return"),
    section_order=(
        "sysname",
        "header",
        "clock",
        "vlan batch",
        "dhcp",
        "stp",
        "lldp",
        "vlan",
        "ip vpn-instance",
        "acl",
        "aaa",
        "local-aaa-user",
        "ntp",
        "interface",
        "bgp",
        "ospf",
        "ip route-static",
        "nat",
        "snmp-agent",
        "stelnet",
        "telnet",
        "ssh",
        "http",
        "ftp",
        "info-center",
        "dns",
        "user-interface",
    ),
    sections=("interface ", "user-interface ", "aaa", "vlan ", "ip vpn-instance ", "acl ", "bgp "),
    child_order=(
        "portswitch",
        "description",
        "port link-type",
        "port default vlan",
        "port trunk",
        "ip binding vpn-instance",
        "ip address",
    ),
    order_key=interface_order,
)
#: CE (VRP8) prints every global line at column 0.
STYLE_V8 = replace(STYLE, indented_globals=())
MESSAGES = Messages(
    unrecognized="Error: Unrecognized command found at '^' position.",
    incomplete="Error: Incomplete command found at '^' position.",
    ambiguous="Error: Ambiguous command found at '^' position.",
    banner="\nInfo: The max number of VTY users is 10, and the number\n"
    "      of current VTY users on line is 1.\n"
    "      The current login time is {now}.\n",
    save_question="Warning: The current configuration will be written to the device. "
    "Continue? [Y/N]:",
    save_done="Now saving the current configuration to the slot 0.\n"
    "Save the configuration successfully.",
    file_missing="Error: File can't be found.",
)


def _make(name: str, two_stage: bool) -> Dialect:
    user = DISPLAY + USER + ((DISPLAY_V8 + USER_V8) if two_stage else ())
    config = DISPLAY + CONFIG + ((DISPLAY_V8 + CONFIG_V8) if two_stage else ())
    return Dialect(
        name=name,
        style=STYLE_V8 if two_stage else STYLE,
        grammar=Grammar(CONTEXTS, NAMES_V8 if two_stage else NAMES),
        commands={"user": user, "config": config},
        messages=MESSAGES,
        views=HuaweiViews(two_stage),
        prompt=lambda state: _prompt(state, two_stage),
        negation="undo ",
        explicit_negations=("portswitch",),
        two_stage=two_stage,
        comment_prefixes=("#",),
        commit_actions=frozenset(
            {"commit", "commit_trial", "rollback_commit", "rollback_last", "rollback_file"}
        ),
        initial_config=lambda device: huawei_initial_config(device, two_stage),
        extra={
            "hostname_key": "sysname",
            "startup_file": "vrpcfg.cfg",
            "config_banner": "Enter system view, return user view with Ctrl+Z.",
        },
        semantics=SEMANTICS,
    )


VRP5 = _make("huawei_vrp5", two_stage=False)
VRP8 = _make("huawei_vrp8", two_stage=True)
