"""Huawei VRP5 (AR/S series) and VRP8 (CE/NE) configuration syntax, as data."""

from __future__ import annotations

from security.configtree import TreeSyntax
from security.syntax import common as c
from security.syntax import mgmt as m
from security.syntax.base import Syntax, Table

TREE = TreeSyntax(
    separator="#",
    # AR routers print a leading ``[V200R...]`` line; CE prints ``!Software Version``
    ignored=("[V", "!", "return"),
    banners=("header login information", "header shell information"),
)

TOP: Table = (
    ("sysname", c.hostname),
    ("interface", c.interface),
    ("vlan batch", c.vlans(2)),
    ("vlan", c.vlans(1)),
    ("ip vpn-instance", c.vrf_section("route-distinguisher", "vpn-target", c.vpn_target)),
    ("ip route-static", c.static_route(2, "vpn-instance", frozenset({"public"}))),
    ("acl", c.acl_section),
    ("aaa", m.aaa_section),
    ("local-aaa-user wrong-password", m.lockout_vrp),
    ("undo local-aaa-user wrong-password", c.flag("lockout_disabled")),
    ("user-interface vty", m.vty_section),
    ("stelnet server enable", c.flag("ssh")),
    ("ssh server enable", c.flag("ssh")),
    ("ssh server acl", m.ssh_acl),
    ("ssh server-source", c.ignore),
    ("telnet server enable", c.flag("telnet")),
    ("telnet server disable", c.flag("telnet_disabled")),
    ("undo telnet server enable", c.flag("telnet_disabled")),
    ("snmp-agent", c.flag("snmp_enabled")),
    ("snmp-agent sys-info version", m.snmp_versions),
    ("snmp-agent community", m.snmp_community),
    ("snmp-agent group v3", m.snmp_group(4, "acl")),
    ("snmp-agent usm-user v3", m.snmp_user(3, "acl")),
    ("snmp-agent acl", m.snmp_acl),
    ("info-center loghost", m.host_at("syslog")),
    ("ntp-service unicast-server", m.host_at("ntp")),
    ("ntp unicast-server", m.host_at("ntp")),
    ("header login", m.banner),
    ("http server enable", c.collect("http")),
    ("ftp server enable", c.collect("ftp")),
    ("security-policy", m.policy_rule_section({}, ("policy logging", "session logging"))),
)

INTERFACE: Table = (
    ("description", c.if_description),
    ("ip binding vpn-instance", c.if_vrf),
    ("ip address", c.if_address),
    ("shutdown", c.if_shutdown),
    ("nat outbound", c.if_nat_outbound),
    ("traffic-filter", c.if_acl()),
    ("port default vlan", c.if_access_vlan),
)

MARKERS_COMMON: tuple[tuple[str, int], ...] = (
    ("sysname ", 2),
    ("user-interface ", 3),
    ("ip vpn-instance ", 1),
    ("stelnet server", 3),
    ("info-center ", 2),
    ("vlan batch", 3),
    ("Vlanif", 2),
    ("return", 1),
)

VRP5 = Syntax(
    slug="huawei_vrp5",
    tree=TREE,
    top=TOP,
    interface=INTERFACE,
    # V200R0xx AR/S: without ``protocol inbound`` a vty accepts Telnet and SSH
    vty_default_protocols=("ssh", "telnet"),
    vty_default_idle=600,
    vty_default_auth="password",
    default_accounts=frozenset({"admin", "huawei"}),
    markers=(*MARKERS_COMMON, ("[V200R", 5), ("ntp-service ", 1), ("GigabitEthernet0/0/", 2)),
)

VRP8 = Syntax(
    slug="huawei_vrp8",
    tree=TREE,
    top=TOP,
    interface=INTERFACE,
    # CE/VRP8: SSH only by default, ``telnet server disable`` printed
    vty_default_protocols=("ssh",),
    vty_default_idle=600,
    vty_default_auth="password",
    default_accounts=frozenset({"admin", "huawei"}),
    markers=(
        *MARKERS_COMMON,
        ("ntp unicast-server", 4),
        ("telnet server disable", 4),
        ("interface GE", 4),
        ("interface 10GE", 4),
        ("device board", 3),
        ("!Software Version V8", 4),
    ),
)
