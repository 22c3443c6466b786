"""Cisco IOS configuration syntax, as data."""

from __future__ import annotations

from security.configtree import TreeSyntax
from security.syntax import common as c
from security.syntax import mgmt as m
from security.syntax.base import Syntax

TREE = TreeSyntax(
    separator="!",
    ignored=("Building configuration", "Current configuration", "end"),
    banners=("banner login", "banner motd", "banner exec", "banner incoming"),
)

IOS = Syntax(
    slug="cisco_ios",
    tree=TREE,
    top=(
        ("hostname", c.hostname),
        ("interface", c.interface),
        ("vlan", c.vlans(1)),
        ("vrf definition", c.vrf_section("rd", "route-target", c.route_target)),
        ("ip vrf", c.vrf_section("rd", "route-target", c.route_target)),
        ("ip route", c.static_route(2, "vrf", frozenset({"global"}))),
        ("ip access-list", c.ios_named_acl),
        ("access-list", c.ios_numbered_acl),
        ("ip nat inside source", c.collect("nat_global")),
        ("aaa new-model", c.flag("aaa")),
        ("aaa local authentication attempts", m.lockout_ios),
        ("login block-for", m.lockout_ios),
        ("username", m.ios_username),
        ("enable secret", m.ios_enable),
        ("enable password", m.ios_enable),
        ("service password-encryption", c.flag("password_encryption")),
        ("line vty", m.vty_section),
        ("ip ssh", c.flag("ssh")),
        ("snmp-server community", m.ios_community),
        ("snmp-server group", m.snmp_group(4, "access")),
        ("snmp-server user", m.snmp_user(2, "access")),
        ("logging host", m.host_at("syslog")),
        ("ntp server", m.host_at("ntp")),
        ("banner login", m.banner),
        ("banner motd", m.banner),
        ("ip http server", c.collect("http")),
        ("ftp-server enable", c.collect("ftp")),
        ("policy-map type inspect", m.ios_inspect_policy),
    ),
    interface=(
        ("description", c.if_description),
        ("vrf forwarding", c.if_vrf),
        ("ip vrf forwarding", c.if_vrf),
        ("ip address", c.if_address),
        ("shutdown", c.if_shutdown),
        ("ip nat outside", c.if_nat_outside),
        ("ip access-group", c.if_acl()),
        ("switchport access vlan", c.if_access_vlan),
    ),
    # IOS 15: ``transport input`` defaults to all; ``exec-timeout`` to 10 minutes
    vty_default_protocols=("ssh", "telnet"),
    vty_default_idle=600,
    vty_default_auth="password",
    vty_auth_with_aaa="aaa",
    default_accounts=frozenset({"admin", "cisco"}),
    snmp_users_in_config=False,
    markers=(
        ("hostname ", 3),
        ("Building configuration", 6),
        ("Current configuration", 6),
        ("version 1", 2),
        ("line vty", 2),
        ("transport input", 4),
        ("ip route ", 2),
        ("end", 1),
        ("service ", 2),
        ("no ip ", 3),
    ),
)
