"""Remediation lines per check and platform (data), rendered with the network's values.

Placeholders: ``{mgmt}`` network address and ``{wild}`` wildcard of the
management subnet, ``{syslog}`` and ``{ntp}`` the central servers, ``{acl}``
the management ACL number. The lines are what an engineer pastes in system view
(``configure terminal`` on IOS); they match the reference syntax of DOMAIN.md §5.
"""

from __future__ import annotations

#: platform slug -> family whose lines apply unless the slug has its own.
FAMILY = {
    "huawei_vrp5": "huawei",
    "huawei_vrp8": "huawei",
    "h3c_comware7": "comware",
    "cisco_ios": "ios",
}

_HUAWEI_MGMT_ACL = ("acl number {acl}", " rule 5 permit source {mgmt} {wild}")
_COMWARE_MGMT_ACL = ("acl basic {acl}", " rule 5 permit source {mgmt} {wild}")
_IOS_MGMT_ACL = ("access-list {acl} permit {mgmt} {wild}", "access-list {acl} deny any log")

FIXES: dict[str, dict[str, tuple[str, ...]]] = {
    "B1": {
        "huawei": (
            "undo telnet server enable",
            "stelnet server enable",
            "user-interface vty 0 4",
            " protocol inbound ssh",
        ),
        "huawei_vrp8": (
            "telnet server disable",
            "stelnet server enable",
            "user-interface vty 0 4",
            " protocol inbound ssh",
        ),
        "comware": (
            "undo telnet server enable",
            "ssh server enable",
            "line vty 0 63",
            " protocol inbound ssh",
        ),
        "ios": ("ip ssh version 2", "line vty 0 4", " transport input ssh"),
    },
    "B2": {
        "huawei": ("user-interface vty 0 4", " authentication-mode aaa"),
        "comware": ("line vty 0 63", " authentication-mode scheme"),
        "ios": ("aaa new-model", "line vty 0 4", " login authentication default"),
    },
    "B3": {
        "huawei": ("user-interface vty 0 4", " idle-timeout 10 0"),
        "comware": ("line vty 0 63", " idle-timeout 10 0"),
        "ios": ("line vty 0 4", " exec-timeout 10 0"),
    },
    "B4": {
        "huawei": (
            "aaa",
            " local-aaa-user wrong-password retry-interval 5 retry-time 3 block-time 30",
        ),
        "comware": ("password-control login-attempt 3 exceed lock-time 30",),
        "ios": ("login block-for 1800 attempts 3 within 60",),
    },
    "B5": {
        "huawei": ("aaa", " local-user <user> password irreversible-cipher <new password>"),
        "comware": (
            "password-control enable",
            "local-user <user> class manage",
            " password hash <new password>",
        ),
        "ios": ("service password-encryption", "username <user> secret <new password>"),
    },
    "B6": {
        "huawei": ("aaa", " undo local-user <default account>"),
        "comware": ("undo local-user <default account> class manage",),
        "ios": ("no username <default account>",),
    },
    "B7": {
        "huawei": (
            "undo snmp-agent community <community>",
            "snmp-agent sys-info version v3",
            "snmp-agent group v3 NMS privacy acl {acl}",
            "snmp-agent usm-user v3 nms NMS authentication-mode sha <auth key> privacy-mode aes128 <priv key>",
        ),
        "comware": (
            "undo snmp-agent community <community>",
            "snmp-agent sys-info version v3",
            "snmp-agent group v3 NMS privacy acl {acl}",
            "snmp-agent usm-user v3 nms NMS simple authentication-mode sha <auth key> privacy-mode aes128 <priv key>",
        ),
        "ios": (
            "no snmp-server community <community>",
            "snmp-server group NMS v3 priv access {acl}",
            "snmp-server user nms NMS v3 auth sha <auth key> priv aes 128 <priv key>",
        ),
    },
    "B8": {
        "huawei": ("info-center loghost {syslog}",),
        "comware": ("info-center loghost {syslog}",),
        "ios": ("logging host {syslog}",),
    },
    "B9": {
        "huawei": ("ntp-service unicast-server {ntp}",),
        "huawei_vrp8": ("ntp unicast-server {ntp}",),
        "comware": ("ntp-service enable", "ntp-service unicast-server {ntp}"),
        "ios": ("ntp server {ntp}",),
    },
    "B10": {
        "huawei": ('header login information "Authorized access only"',),
        "comware": ("header login %Authorized access only%",),
        "ios": ("banner login ^CAuthorized access only^C",),
    },
    "B11": {
        "huawei": (
            *_HUAWEI_MGMT_ACL,
            "user-interface vty 0 4",
            " acl {acl} inbound",
            "snmp-agent acl {acl}",
        ),
        "comware": (
            *_COMWARE_MGMT_ACL,
            "ssh server acl {acl}",
            "line vty 0 63",
            " acl {acl} inbound",
            "snmp-agent group v3 NMS privacy acl {acl}",
        ),
        "ios": (
            *_IOS_MGMT_ACL,
            "line vty 0 4",
            " access-class {acl} in",
            "snmp-server group NMS v3 priv access {acl}",
        ),
    },
    "B12": {
        "huawei": ("undo http server enable", "undo ftp server enable"),
        "comware": ("undo ip http enable", "undo ftp server enable"),
        "ios": ("no ip http server", "no ftp-server enable"),
    },
    "B13": {
        "huawei": ("security-policy", " rule name deny-all", "  action deny", "  policy logging"),
        "comware": (
            "security-policy ip",
            " rule 65534 name deny-all",
            "  action drop",
            "  logging enable",
        ),
        "ios": ("policy-map type inspect <policy>", " class class-default", "  drop log"),
    },
}


def fix_lines(check: str, platform: str, values: dict[str, str]) -> tuple[str, ...]:
    """The remediation lines of ``check`` on ``platform``, with the network's values.

    >>> fix_lines("B9", "huawei_vrp8", {"ntp": "10.111.255.12"})
    ('ntp unicast-server 10.111.255.12',)
    """
    table = FIXES[check]
    lines = table.get(platform) or table[FAMILY[platform]]
    return tuple(line.format(**values) if "{" in line else line for line in lines)
