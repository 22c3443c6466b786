"""Secrets out of evidence: configuration lines are shown with their secrets masked.

Evidence lines travel to terminals, JSON reports and findings; a community,
a password hash or a v3 key must never travel with them.
"""

from __future__ import annotations

import re

MASK = "******"

#: (pattern, replacement): each pattern's group 1 is kept, the secret after it masked.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        # VRP/Comware: password irreversible-cipher|cipher|simple|hash X ; IOS secret/password N X
        (
            r"(\b(?:password|secret)(?: (?:irreversible-cipher|cipher|simple|hash|plain|[0-9]))?) \S+",
            rf"\1 {MASK}",
        ),
        # snmp-agent community read [cipher|simple] X ; snmp-server community X
        (r"(\bsnmp-agent community (?:read|write)(?: (?:cipher|simple))?) \S+", rf"\1 {MASK}"),
        (r"(\bsnmp-server community) \S+", rf"\1 {MASK}"),
        # v3 keys: authentication-mode sha [cipher] K ; privacy-mode aes128 [cipher] K ; auth sha K
        (r"(\b(?:authentication-mode|privacy-mode) \S+(?: (?:cipher|simple))?) \S+", rf"\1 {MASK}"),
        (r"(\b(?:auth|priv) (?:md5|sha|des|3des|aes(?: 128| 192| 256)?)) \S+", rf"\1 {MASK}"),
        (r"(\b(?:key|pre-shared-key|shared-key)(?: (?:cipher|simple|[0-9]))?) \S+", rf"\1 {MASK}"),
    )
)


def redact(text: str) -> str:
    """``text`` with every secret masked.

    >>> redact("local-user admin password irreversible-cipher $1a$xyz$")
    'local-user admin password irreversible-cipher ******'
    >>> redact("snmp-agent community read simple public acl 2001")
    'snmp-agent community read simple ****** acl 2001'
    >>> redact("snmp-server community s3cret RO 10")
    'snmp-server community ****** RO 10'
    >>> redact("snmp-agent usm-user v3 nms authentication-mode sha cipher K1 privacy-mode aes128 cipher K2")
    'snmp-agent usm-user v3 nms authentication-mode sha cipher ****** privacy-mode aes128 cipher ******'
    """
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text
