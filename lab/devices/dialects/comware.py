"""H3C Comware 7 dialect (immediate apply; ``configuration commit delay``).

The device it emulates (an S5560X-30C-EI on Comware 7.1.070 Release 6635P07) is
written down in :mod:`lab.devices.dialects.comware_show`; every view derives
from there and from :mod:`inventory.platforms`.
"""

from __future__ import annotations

from lab.devices.config_tree import TreeStyle
from lab.devices.dialects.base import Dialect, Messages, PromptState, suffix_from_table
from lab.devices.dialects.comware_show import canonical
from lab.devices.dialects.comware_views import ComwareViews, comware_initial_config
from lab.devices.grammar import Grammar, InterfaceNames, Rule
from lab.devices.semantics import COMWARE_RULES

NAMES = InterfaceNames(
    types=(
        "GigabitEthernet",
        "Ten-GigabitEthernet",
        "FortyGigE",
        "HundredGigE",
        "Twenty-FiveGigE",
        "Bridge-Aggregation",
        "Route-Aggregation",
        "LoopBack",
        "Vlan-interface",
        "M-GigabitEthernet",
        "NULL",
        "Tunnel",
    ),
    aliases={
        "GE": "GigabitEthernet",
        "XGE": "Ten-GigabitEthernet",
        "Loop": "LoopBack",
        "Vlan-int": "Vlan-interface",
        "BAGG": "Bridge-Aggregation",
        "RAGG": "Route-Aggregation",
        "MGE": "M-GigabitEthernet",
    },
)
R = Rule
TOP = (
    R("version <text>", key=1),
    R("sysname <word>", key=1),
    R("interface <if>", opens="interface"),
    R("vlan <int>", opens="vlan"),
    R("vlan <int> to <int>"),
    R("ip vpn-instance <word>", opens="vpn"),
    R("ip route-static <ip> <masklen> <ip> [preference <int>] [description <text>]"),
    R("ip route-static <ip> <masklen> <if> [<ip>] [preference <int>]"),
    R("ip route-static vpn-instance <word> <ip> <masklen> <ip> [preference <int>]"),
    R("acl {basic|advanced} <int>", opens="acl"),
    R("acl number <int>", opens="acl"),
    R("ssh server enable"),
    R("ssh server acl <int>", key=3),
    R("ssh user <text>"),
    R("telnet server enable"),
    R("line {vty|aux|con} <int> [<int>]", opens="line"),
    R("line class {vty|aux|console}", opens="line"),
    R("local-user <word> [class {manage|network}]", opens="luser"),
    R("password-control enable"),
    R("password-control login-attempt <int> exceed {lock|unlock}", key=2),
    R("password-control login-attempt <int> exceed lock-time <int>", key=2),
    R("password-control {aging|length|composition} <text>", key=2),
    R("password-recovery enable"),
    R("snmp-agent"),
    R("snmp-agent local-engineid <word>", key=2),
    R("snmp-agent community {read|write} <text>"),
    R("snmp-agent sys-info version <text>", key=3),
    R("snmp-agent sys-info {contact|location} <text>", key=3),
    R("snmp-agent usm-user v3 <text>"),
    R("snmp-agent group v3 <text>"),
    R("snmp-agent target-host <text>"),
    R("snmp-agent trap enable [<text>]"),
    R("snmp-agent mib-view <text>"),
    R("info-center enable"),
    R("info-center loghost [vpn-instance <word>] <ip> [<text>]"),
    R("info-center source <text>"),
    R("ntp-service enable"),
    R("ntp-service unicast-server <ip> [<text>]"),
    R("clock timezone <text>", key=2),
    R("clock protocol <text>", key=2),
    R("header {login|shell|motd|incoming|legal} <text>", key=2),
    R("lldp global enable"),
    R("ftp server enable"),
    R("ip http enable"),
    R("ip https enable"),
    R("nat address-group <int>", opens="nat-group"),
    R("domain <word>", opens="domain"),
    R("domain default enable <word>", key=3),
    R("bgp <int>", opens="bgp"),
    R("ospf [<int>] [router-id <ip>] [vpn-instance <word>]", opens="ospf"),
    R("stp global enable"),
    R("stp mode {stp|rstp|mstp|pvst}", key=2),
    R("dhcp enable"),
)
INTERFACE = (
    R("port link-mode {route|bridge}", key=2),
    R("description <text>", key=1),
    R("ip address <ip> <masklen>", key=2),
    R("ip address <ip> <masklen> sub"),
    R("ip binding vpn-instance <word>", key=3),
    R("shutdown", key=1),
    R("port link-type {access|trunk|hybrid}", key=2),
    R("port access vlan <int>", key=3),
    R("port trunk permit vlan <text>"),
    R("port trunk pvid vlan <int>", key=3),
    R("mtu <int>", key=1),
    R("bandwidth <int>", key=1),
    R("speed {10|100|1000|10000|auto}", key=1),
    R("duplex {full|half|auto}", key=1),
    R("combo enable {copper|fiber}", key=2),
    R("nat outbound <int> [address-group <int>]"),
    R("lldp enable"),
    R("port link-aggregation group <int>", key=3),
    R("stp edged-port"),
    R("ospf cost <int>", key=2),
    R("ospf <int> area <word>", key=1),
)
LINE = (
    R("authentication-mode {scheme|password|none}", key=1),
    R("protocol inbound {ssh|telnet|all}", key=2),
    R("idle-timeout <int> [<int>]", key=1),
    R("user-role <word>"),
    R("set authentication password {hash|simple|cipher} <text>", key=3),
    R("acl <text>"),
    R("screen-length <int>", key=1),
)
LUSER = (
    R("password {hash|simple|cipher} <text>", key=1),
    R("service-type <text>"),
    R("authorization-attribute <text>"),
    R("state {active|block}", key=1),
)
ACL = (
    R("rule [<int>] {permit|deny} [<text>]"),
    R("description <text>", key=1),
    R("step <int>", key=1),
)
VPN = (
    R("route-distinguisher <word>", key=1),
    R("vpn-target <text>"),
    R("description <text>", key=1),
    R("address-family ipv4", opens="vpn-af"),
)
VPN_AF = (R("vpn-target <text>"),)
NAT_GROUP = (R("address <ip> <ip>"),)
DOMAIN = (R("authentication <text>"), R("authorization <text>"), R("accounting <text>"))
VLAN = (R("description <text>", key=1), R("name <word>", key=1))
BGP = (
    R("router-id <ip>", key=1),
    R("peer <ip> <text>"),
    R("address-family <text>", opens="bgp-af"),
    R("ip vpn-instance <word>", opens="bgp"),
)
BGP_AF = (R("peer <ip> <text>"), R("import-route <text>"), R("network <text>"))
OSPF = (
    R("area <word>", opens="ospf-area"),
    R("import-route <text>"),
    R("silent-interface <if>"),
    R("default-route-advertise [<text>]", key=1),
)
OSPF_AREA = (R("network <ip> <wildcard>"),)
CONTEXTS = {
    "top": TOP,
    "interface": INTERFACE,
    "line": LINE,
    "luser": LUSER,
    "acl": ACL,
    "vpn": VPN,
    "vpn-af": VPN_AF,
    "nat-group": NAT_GROUP,
    "domain": DOMAIN,
    "vlan": VLAN,
    "bgp": BGP,
    "bgp-af": BGP_AF,
    "ospf": OSPF,
    "ospf-area": OSPF_AREA,
}

DISPLAY = (
    R("display version", action="version"),
    R("display this", action="cw_this"),
    R("display device", action="cw_device"),
    R("display lldp neighbor-information verbose", action="cw_lldp_verbose"),
    R("display ip interface", action="cw_ip_interface"),
    R("display cpu-usage", action="cw_cpu"),
    R("display memory", action="cw_memory"),
    R("display ntp-service status", action="cw_ntp"),
    R("display ip vpn-instance", action="cw_vpn"),
    R("display mac-address", action="cw_mac"),
    R("display vlan brief", action="cw_vlan"),
    R("display vlan", action="cw_vlan_summary"),
    R("display vlan all", action="cw_vlan_all"),
    R("display interface brief description", action="cw_if_description"),
    R("display current-configuration", action="running"),
    R("display current-configuration interface <if>", action="running_interface"),
    R("display saved-configuration", action="startup"),
    R("display interface brief", action="interfaces_brief"),
    R("display interface [<if>]", action="interfaces"),
    R("display ip interface brief", action="ip_interfaces_brief"),
    R("display lldp neighbor-information list", action="lldp"),
    R("display arp", action="arp"),
    R("display ip routing-table", action="routes"),
    R("display device manuinfo", action="serial"),
    R("display clock", action="cw_clock"),
)
SAVE = (
    R("save force", action="save_force"),
    R("save <word> force", action="save_force"),
    R("save [<word>]", action="cw_save"),
)
USER = (
    DISPLAY
    + SAVE
    + (
        R("screen-length disable", action="noop"),
        R("system-view", action="enter_config"),
        R("quit", action="logout"),
        R("dir [<word>]", action="dir"),
        R("delete [/unreserved] <word>", action="delete"),
    )
)
CONFIG = (
    DISPLAY
    + SAVE
    + (
        R("quit", action="config_quit"),
        R("return", action="config_return"),
        R("configuration commit delay <int>", action="commit_delay"),
        R("configuration commit", action="commit_confirm_delay"),
        R("configuration replace file <word>", action="replace_file"),
    )
)
SUFFIXES = (
    (r"interface (\S+)", "-{0}"),
    (r"line (vty|aux|con) (\d+) (\d+)", "-line-{0}{1}-{2}"),
    (r"line (vty|aux|con) (\d+)", "-line-{0}{1}"),
    (r"line class (\S+)", "-line-class-{0}"),
    (r"local-user (\S+) class (\S+)", "-luser-{1}-{0}"),
    (r"local-user (\S+)", "-luser-manage-{0}"),
    (r"acl (basic|advanced) (\d+)", "-acl-ipv4-{0}-{1}"),
    (r"acl number (\d+)", "-acl-ipv4-{0}"),
    (r"ip vpn-instance (\S+)", "-vpn-instance-{0}"),
    (r"vlan (\d+)", "-vlan{0}"),
    (r"nat address-group (\d+)", "-address-group-{0}"),
    (r"domain (\S+)", "-isp-{0}"),
    (r"bgp (\d+)", "-bgp-default"),
    (r"ospf (\d+).*", "-ospf-{0}"),
    (r"area (\S+)", "-area-{0}"),
)


def _prompt(state: PromptState) -> str:
    if state.mode == "user":
        return f"<{state.hostname}>"
    suffix = "".join(suffix_from_table(SUFFIXES, header) for header in state.context)
    return f"[{state.hostname}{suffix}]"


COMWARE7 = Dialect(
    name="h3c_comware7",
    style=TreeStyle(
        separator="#",
        indented_globals=(
            "version",
            "sysname",
            "clock",
            "lldp",
            "password-recovery",
            "password-control",
            "ssh",
            "telnet",
            "snmp-agent",
            "info-center",
            "ntp-service",
            "ftp",
            "ip http",
            "dhcp",
            "stp",
            "domain default",
            "header",
        ),
        ignored_prefixes=("return",),
        section_order=(
            "version",
            "sysname",
            "clock",
            "header",
            "ip vpn-instance",
            "lldp",
            "password",
            "stp",
            "dhcp",
            "vlan",
            "interface",
            "bgp",
            "ospf",
            "ip route-static",
            "acl",
            "nat",
            "ssh",
            "telnet",
            "snmp-agent",
            "info-center",
            "ntp-service",
            "ftp",
            "ip http",
            "line",
            "domain",
            "local-user",
        ),
    ),
    grammar=Grammar(CONTEXTS, NAMES),
    commands={"user": USER, "config": CONFIG},
    messages=Messages(
        unrecognized=" % Unrecognized command found at '^' position.",
        incomplete=" % Incomplete command found at '^' position.",
        ambiguous=" % Ambiguous command found at '^' position.",
        banner="\n******************************************************************************\n"
        "* Copyright (c) 2004-2021 New H3C Technologies Co., Ltd. All rights reserved.*\n"
        "* Without the owner's prior written consent,                                 *\n"
        "* no decompiling or reverse-engineering shall be allowed.                    *\n"
        "******************************************************************************\n\n",
        save_question="The current configuration will be written to the device. Are you sure? "
        "[Y/N]:",
        save_done="Validating file. Please wait...\n"
        "Saved the current configuration to mainboard device successfully.",
        file_missing="The file or directory doesn't exist.",
    ),
    views=ComwareViews(),
    prompt=_prompt,
    negation="undo ",
    comment_prefixes=("#",),
    commit_actions=frozenset({"commit_confirm_delay", "replace_file", "save_force"}),
    initial_config=comware_initial_config,
    canonical=canonical,
    extra={
        "hostname_key": "sysname",
        "startup_file": "startup.cfg",
        "config_banner": "System View: return to User View with Ctrl+Z.",
    },
    semantics=COMWARE_RULES,
)
