"""H3C Comware 7 configuration syntax, as data."""

from __future__ import annotations

from security.configtree import TreeSyntax
from security.syntax import common as c
from security.syntax import mgmt as m
from security.syntax.base import Syntax

TREE = TreeSyntax(
    separator="#",
    ignored=("version ", "return"),
    banners=("header login", "header motd", "header shell"),
)

COMWARE7 = Syntax(
    slug="h3c_comware7",
    tree=TREE,
    top=(
        ("sysname", c.hostname),
        ("interface", c.interface),
        ("vlan", c.vlans(1)),
        ("ip vpn-instance", c.vrf_section("route-distinguisher", "vpn-target", c.vpn_target)),
        ("ip route-static", c.static_route(2, "vpn-instance", frozenset({"public"}))),
        ("acl", c.acl_section),
        ("local-user", m.local_user_section),
        ("password-control enable", c.flag("password_control")),
        ("password-control login-attempt", m.lockout_comware),
        ("line vty", m.vty_section),
        ("ssh server enable", c.flag("ssh")),
        ("ssh server acl", m.ssh_acl),
        ("telnet server enable", c.flag("telnet")),
        ("undo telnet server enable", c.flag("telnet_disabled")),
        ("snmp-agent", c.flag("snmp_enabled")),
        ("snmp-agent sys-info version", m.snmp_versions),
        ("snmp-agent community", m.snmp_community),
        ("snmp-agent group v3", m.snmp_group(4, "acl")),
        ("snmp-agent usm-user v3", m.snmp_user(3, "acl")),
        ("info-center loghost", m.host_at("syslog")),
        ("ntp-service enable", c.flag("ntp_enabled")),
        ("ntp-service unicast-server", m.host_at("ntp")),
        ("header login", m.banner),
        ("ip http enable", c.collect("http")),
        ("ftp server enable", c.collect("ftp")),
        (
            "security-policy ip",
            m.policy_rule_section({"pass": "permit", "drop": "deny"}, ("logging enable",)),
        ),
    ),
    interface=(
        ("description", c.if_description),
        ("ip binding vpn-instance", c.if_vrf),
        ("ip address", c.if_address),
        ("shutdown", c.if_shutdown),
        ("nat outbound", c.if_nat_outbound),
        ("packet-filter", c.if_acl()),
        ("port access vlan", c.if_access_vlan),
    ),
    # Comware 7: a vty accepts Telnet and SSH unless ``protocol inbound`` says otherwise
    vty_default_protocols=("ssh", "telnet"),
    vty_default_idle=600,
    vty_default_auth="password",
    default_accounts=frozenset({"admin", "h3c"}),
    default_account_needs_weak_password=True,
    has_password_control=True,
    ntp_needs_enable=True,
    markers=(
        ("version 7.", 6),
        ("sysname ", 2),
        ("line vty", 3),
        ("line class", 4),
        ("Vlan-interface", 3),
        ("local-user ", 1),
        (" class manage", 4),
        ("port link-mode", 4),
        ("ssh server enable", 2),
        ("password-control", 3),
        ("ip http enable", 3),
        ("return", 1),
    ),
)
