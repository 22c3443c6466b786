"""Cisco IOS 15 dialect (immediate apply; archive, configure replace, revert timers).

The device it emulates (a Catalyst 3560-X on IOS 15.2(4)E10, 24 GE ports) is
written down in :mod:`lab.devices.dialects.ios_reference`; every view derives
from there and from :mod:`inventory.platforms`.
"""

from __future__ import annotations

from lab.devices.config_tree import TreeStyle
from lab.devices.dialects.base import Dialect, Messages, PromptState, suffix_from_table
from lab.devices.dialects.ios_views import IosViews, ios_initial_config
from lab.devices.grammar import Grammar, InterfaceNames, Rule
from lab.devices.semantics import IOS_RULES

NAMES = InterfaceNames(
    types=(
        "GigabitEthernet",
        "FastEthernet",
        "TenGigabitEthernet",
        "Ethernet",
        "Loopback",
        "Vlan",
        "Port-channel",
        "Tunnel",
        "Serial",
        "Null",
        "Dialer",
        "Virtual-Template",
    ),
    aliases={
        "Gi": "GigabitEthernet",
        "Fa": "FastEthernet",
        "Te": "TenGigabitEthernet",
        "Lo": "Loopback",
        "Po": "Port-channel",
        "Tu": "Tunnel",
    },
)
R = Rule
TOP = (
    R("version <text>", key=1),
    R("service <text>"),
    R("hostname <word>", key=1),
    R("boot-start-marker"),
    R("boot-end-marker"),
    R("boot system <text>"),
    R("enable secret <text>", key=2),
    R("enable password <text>", key=2),
    R("aaa new-model"),
    R("aaa {authentication|authorization|accounting|session-id} <text>"),
    R("username <word> <text>", key=2),
    R("ip domain name <word>", key=3),
    R("ip domain-name <word>", key=2),
    R("ip domain lookup"),
    R("ip name-server <ip>"),
    R("ip cef"),
    R("ip routing"),
    R("ipv6 unicast-routing"),
    R("ip scp server enable"),
    R("ip ssh version <int>", key=3),
    R("ip ssh {time-out|authentication-retries|source-interface} <word>", key=3),
    R("ip http server"),
    R("ip http secure-server"),
    R("ip forward-protocol nd"),
    R("ip route <ip> <mask> <ip> [<int>] [name <word>]"),
    R("ip route <ip> <mask> <if> [<ip>] [<int>]"),
    R("ip route vrf <word> <ip> <mask> <ip> [<int>]"),
    R("ip access-list {standard|extended} <word>", opens="acl"),
    R("access-list <int> {permit|deny|remark} <text>"),
    R("interface <if>", opens="interface"),
    R("router {ospf|eigrp|bgp} <int>", opens="router"),
    R("line {con|console|aux|vty} <int> [<int>]", opens="line"),
    R("archive", opens="archive"),
    R("file prompt quiet"),
    R("snmp-server {community|location|contact|group|user|host|view|enable|trap-source} <text>"),
    R("logging <text>"),
    R("ntp server <ip> [<text>]"),
    R("ntp {source|authenticate|trusted-key|authentication-key} <text>"),
    R("banner {login|motd|exec} <text>", key=2),
    R("vrf definition <word>", opens="vrf"),
    R("ip vrf <word>", opens="vrf"),
    R("clock timezone <text>", key=2),
    R("cdp run"),
    R("lldp run"),
    R("spanning-tree <text>"),
    R("vlan <int>", opens="vlan"),
    R("login block-for <int> attempts <int> within <int>", key=2),
    R("login on-{failure|success} log"),
    R("security passwords min-length <int>", key=3),
    R("license <text>"),
    R("redundancy", opens="plain"),
    R("control-plane", opens="plain"),
    R("multilink bundle-name authenticated"),
    R("ip nat inside source <text>"),
    R("ip nat pool <text>"),
    R("mpls label protocol {ldp|tdp|both}", key=3),
    R("mpls ldp router-id <if> [force]", key=3),
    R("mpls ldp <text>"),
)
INTERFACE = (
    R("description <text>", key=1),
    R("ip address <ip> <mask>", key=2),
    R("ip address <ip> <mask> secondary"),
    R("vrf forwarding <word>", key=2),
    R("ip vrf forwarding <word>", key=3),
    R("shutdown", key=1),
    R("duplex {auto|full|half}", key=1),
    R("speed {auto|10|100|1000}", key=1),
    R("negotiation auto", key=1),
    R("mtu <int>", key=1),
    R("ip mtu <int>", key=2),
    R("ip nat {inside|outside}", key=2),
    R("ip access-group <word> {in|out}"),
    R("switchport", key=1),
    R("switchport <text>"),
    R("channel-group <int> mode <word>", key=1),
    R("encapsulation dot1Q <int>", key=1),
    R("ip ospf <text>"),
    R("cdp enable"),
    R("lldp {transmit|receive}"),
    R("spanning-tree <text>"),
    R("standby <text>"),
    R("ip helper-address <ip>"),
    R("ip proxy-arp"),
    R("ip redirects"),
    R("media-type <word>", key=1),
    R("load-interval <int>", key=1),
    R("bandwidth <int>", key=1),
    R("ipv6 <text>"),
    R("keepalive <int>", key=1),
    R("mpls ip", key=2),
    R("zone-member security <word>", key=2),
)
LINE = (
    R("exec-timeout <int> [<int>]", key=1),
    R("password <text>", key=1),
    R("login [local]", key=1),
    R("login authentication <word>", key=1),
    R("transport input {ssh|telnet|all|none} [{ssh|telnet}]", key=2),
    R("transport output <text>", key=2),
    R("access-class <word> {in|out}"),
    R("privilege level <int>", key=2),
    R("logging synchronous"),
    R("stopbits <int>", key=1),
    R("session-timeout <int>", key=1),
    R("exec"),
    R("history size <int>", key=2),
)
ARCHIVE = (
    R("path <word>", key=1),
    R("write-memory"),
    R("maximum <int>", key=1),
    R("time-period <int>", key=1),
    R("log config", opens="archive-log"),
)
ARCHIVE_LOG = (R("logging enable"), R("notify syslog [contenttype plaintext]"), R("hidekeys"))
ROUTER = (
    R("router-id <ip>", key=1),
    R("network <ip> <wildcard> area <word>"),
    R("network <ip> [mask <mask>]"),
    R("neighbor <ip> <text>"),
    R("passive-interface <text>"),
    R("redistribute <text>"),
    R("default-information originate [<text>]"),
    R("bgp <text>"),
    R("log-adjacency-changes [detail]"),
    R("address-family <text>", opens="router-af"),
)
ROUTER_AF = (R("neighbor <ip> <text>"), R("network <ip> [mask <mask>]"), R("redistribute <text>"))
ACL = (R("[<int>] {permit|deny} <text>"), R("remark <text>"))
VRF = (
    R("rd <word>", key=1),
    R("route-target {export|import|both} <word>"),
    R("description <text>", key=1),
    R("address-family ipv4 [unicast]", opens="vrf-af"),
)
VRF_AF = (R("route-target {export|import|both} <word>"),)
VLAN = (R("name <word>", key=1),)
CONTEXTS = {
    "top": TOP,
    "interface": INTERFACE,
    "line": LINE,
    "archive": ARCHIVE,
    "archive-log": ARCHIVE_LOG,
    "router": ROUTER,
    "router-af": ROUTER_AF,
    "acl": ACL,
    "vrf": VRF,
    "vrf-af": VRF_AF,
    "vlan": VLAN,
    "plain": (),
}

SHOW = (
    R("show version", action="version"),
    R("show running-config [all]", action="running"),
    R("show running-config interface <if>", action="ios_running_interface"),
    R("show startup-config", action="startup"),
    R("show ip interface brief", action="ip_interfaces_brief"),
    R("show ip interface [<if>]", action="ios_ip_interface"),
    R("show ipv6 interface [brief]", action="noop"),
    R("show interfaces [<if>]", action="interfaces"),
    R("show interfaces description", action="ios_interfaces_description"),
    R("show interfaces status", action="ios_interfaces_status"),
    R("show interfaces switchport", action="ios_interfaces_switchport"),
    R("show hosts", action="hosts"),
    R("show lldp neighbors", action="lldp"),
    R("show lldp neighbors detail", action="ios_lldp_detail"),
    R("show cdp neighbors", action="ios_cdp"),
    R("show cdp neighbors detail", action="ios_cdp_detail"),
    R("show arp", action="arp"),
    R("show ip arp", action="arp"),
    R("show ip route", action="routes"),
    R("show ip route <ip> [<mask>]", action="ios_route_lookup"),
    R("show ip route vrf <word>", action="ios_routes_vrf"),
    R("show ip route vrf <word> <ip> [<mask>]", action="ios_route_lookup_vrf"),
    R("show vrf", action="ios_vrf"),
    R("show processes cpu [sorted]", action="ios_cpu"),
    R("show memory statistics", action="ios_memory"),
    R("show environment [all]", action="ios_environment"),
    R("show environment temperature status", action="ios_temperature"),
    R("show snmp chassis", action="ios_snmp_chassis"),
    R("show mac address-table", action="ios_mac_table"),
    R("show clock", action="ios_clock"),
    R("show inventory", action="serial"),
    R("show archive", action="show_archive"),
    R("show archive config rollback timer", action="rollback_timer"),
    R("show archive config differences <word> <word>", action="archive_diff"),
    R("show archive config incremental-diffs <word> [ignorecase]", action="incremental_diff"),
)
ENABLE = (
    *SHOW,
    R("terminal length <int>", action="noop"),
    R("terminal width <int>", action="noop"),
    R("terminal monitor", action="noop"),
    R("enable", action="noop"),
    R("disable", action="disable"),
    R("dir [<word>]", action="dir"),
    R("verify /md5 <word>", action="verify_md5"),
    R("more <word>", action="more"),
    R("delete [/force] <word>", action="ios_delete"),
    R("copy <word> <word>", action="copy"),
    R("write [memory]", action="write"),
    R("configure terminal", action="enter_config"),
    R("configure terminal revert timer <int>", action="config_revert_timer"),
    R(
        "configure replace <word> [force] [revert trigger error] [timer <int>]",
        action="configure_replace",
    ),
    R("configure replace <word> [force] revert timer <int>", action="configure_replace"),
    R("configure confirm", action="configure_confirm"),
    R("configure revert now", action="configure_revert_now"),
    R("exit", action="logout"),
    R("quit", action="logout"),
    R("logout", action="logout"),
)
USER = (
    R("show version", action="version"),
    R("terminal length <int>", action="noop"),
    R("terminal width <int>", action="noop"),
    R("enable", action="enable"),
    R("exit", action="logout"),
    R("quit", action="logout"),
    R("logout", action="logout"),
)
CONFIG = (
    R("end", action="config_return"),
    R("exit", action="config_quit"),
    R("exit-address-family", action="config_quit"),
    R("do <text>", action="do"),
)
SUFFIXES = (
    (r"interface \S+", "config-if"),
    (r"line .*", "config-line"),
    (r"router .*", "config-router"),
    (r"archive", "config-archive"),
    (r"log config", "config-archive-log-cfg"),
    (r"ip access-list standard .*", "config-std-nacl"),
    (r"ip access-list extended .*", "config-ext-nacl"),
    (r"(?:vrf definition|ip vrf) .*", "config-vrf"),
    (r"address-family .*", "config-router-af"),
    (r"vlan .*", "config-vlan"),
)


def _prompt(state: PromptState) -> str:
    if state.mode == "user":
        return f"{state.hostname}>"
    if state.mode == "enable":
        return f"{state.hostname}#"
    context = suffix_from_table(SUFFIXES, state.context[-1]) if state.context else "config"
    if context.startswith("-"):
        context = "config" + context
    return f"{state.hostname}({context})#"


def _canonical(line: str) -> str:
    """IOS pads ``deny`` to the width of ``permit`` in access lists (``deny   any log``)."""
    head, _, rest = line.partition(" ")
    if head == "deny" and rest:
        return f"deny   {rest}"
    return line


IOS = Dialect(
    name="cisco_ios",
    style=TreeStyle(
        separator="!",
        ignored_prefixes=("Building configuration", "Current configuration", "end"),
        section_order=(
            "version",
            "service",
            "hostname",
            "boot",
            "enable",
            "aaa",
            "clock",
            "ip vrf",
            "vrf",
            "ip routing",
            "ip domain",
            "ip cef",
            "ipv6",
            "multilink",
            "mpls",
            "username",
            "archive",
            "file prompt",
            "license",
            "redundancy",
            "ip ssh",
            "ip scp",
            "interface",
            "router",
            "ip forward",
            "ip http",
            "ip nat",
            "ip route",
            "ip access-list",
            "access-list",
            "logging",
            "snmp-server",
            "lldp",
            "cdp",
            "control-plane",
            "banner",
            "line",
            "ntp",
        ),
        separate_leaf_groups=False,
        closers=(("address-family", "exit-address-family"),),
    ),
    grammar=Grammar(CONTEXTS, NAMES),
    commands={"user": USER, "enable": ENABLE, "config": CONFIG},
    messages=Messages(
        unrecognized="% Invalid input detected at '^' marker.",
        incomplete="% Incomplete command.",
        ambiguous='% Ambiguous command:  "{line}"',
        banner="\n",
        save_question="",
        save_done="Building configuration...\n[OK]",
        file_missing="%Error opening file (No such file or directory)",
    ),
    views=IosViews(),
    prompt=_prompt,
    negation="no ",
    explicit_negations=(
        "ip address",
        "switchport",
        "service pad",
        "ip http server",
        "ip http secure-server",
        "aaa new-model",
        "ip domain lookup",
        "cdp run",
        "ip proxy-arp",
        "ip redirects",
    ),
    login_mode="enable",
    comment_prefixes=("!",),
    commit_actions=frozenset(
        {"copy", "configure_replace", "configure_confirm", "configure_revert_now", "write"}
    ),
    initial_config=ios_initial_config,
    extra={
        "hostname_key": "hostname",
        "startup_file": "startup-config",
        "exec_mode": "enable",
        "config_banner": "Enter configuration commands, one per line.  End with CNTL/Z.",
    },
    semantics=IOS_RULES,
    canonical=_canonical,
)
