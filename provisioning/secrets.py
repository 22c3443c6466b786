"""Mask secrets in configuration text (running or intended) before it is shown or compared.

Devices print passwords and SNMP keys in a cipher form egovnet cannot
reproduce, and the renderer prints :data:`~provisioning.render.REDACTED` in
their place; masking both sides the same way makes them compare equal and
keeps secrets out of diffs, logs and exports (``get_config(sanitized=True)``
in NAPALM's words). Per-platform patterns are data: ``(prefix)(secret)``.
"""

from __future__ import annotations

import re

REDACTED = "******"

_HASH_ALGO = r"(?:sha|md5|sha2-256|sha224|sha256|sha384|sha512)"
_PRIV_ALGO = r"(?:aes128|aes192|aes256|des56|3des|des)"

_VRP = (
    r"(\blocal-user \S+ password (?:irreversible-cipher|cipher|simple) )(\S+)",
    r"(\bsnmp-agent community (?:read|write) (?:cipher |simple )?)(\S+)",
    rf"(\bauthentication-mode {_HASH_ALGO} (?:cipher |simple )?)(\S+)",
    rf"(\bprivacy-mode {_PRIV_ALGO} (?:cipher |simple )?)(\S+)",
    r"(\bset authentication password (?:cipher |simple )?)(\S+)",
    r"(\bpre-shared-key (?:cipher |simple )?)(\S+)",
)
_COMWARE = (
    r"^(\s*password (?:hash|cipher|simple) )(\S+)",
    r"(\bsnmp-agent community (?:read|write) (?:cipher |simple )?)(\S+)",
    rf"(\bauthentication-mode {_HASH_ALGO} )(\S+)",
    rf"(\bprivacy-mode {_PRIV_ALGO} )(\S+)",
    r"(\bkey (?:cipher|simple) )(\S+)",
)
_IOS = (
    r"(^\s*username \S+ (?:.* )?(?:secret|password) (?:\d+ )?)(\S+)",
    r"(^\s*enable (?:secret|password) (?:\d+ )?)(\S+)",
    r"(^\s*snmp-server community )(\S+)",
    r"(^\s*snmp-server user .*?\bauth (?:sha|md5) )(\S+)",
    r"(^\s*snmp-server user .*?\bpriv (?:aes \d+|des|3des) )(\S+)",
    r"(^\s*(?:password|secret) (?:\d+ )?)(\S+)",
    r"(\bkey-string (?:\d+ )?)(\S+)",
)

PATTERNS: dict[str, tuple[re.Pattern[str], ...]] = {
    slug: tuple(re.compile(p) for p in patterns)
    for slug, patterns in (
        ("huawei_vrp5", _VRP),
        ("huawei_vrp8", _VRP),
        ("h3c_comware7", _COMWARE),
        ("cisco_ios", _IOS),
    )
}


#: Every pattern above needs one of these words: lines without them are left alone cheaply.
_TRIGGER = re.compile(r"password|cipher|simple|community|-mode|secret|key|auth |priv ")


def sanitize_line(line: str, platform: str) -> str:
    """``line`` with every secret replaced by :data:`REDACTED`.

    >>> sanitize_line(" local-user netops password irreversible-cipher $1a$abc$", "huawei_vrp5")
    ' local-user netops password irreversible-cipher ******'
    >>> sanitize_line("username netops privilege 15 secret 9 $9$xyz", "cisco_ios")
    'username netops privilege 15 secret 9 ******'
    """
    if not _TRIGGER.search(line):
        return line
    for pattern in PATTERNS[platform]:
        line = pattern.sub(_mask, line)
    return line


def _mask(match: re.Match[str]) -> str:
    return match.group(1) + REDACTED


def sanitize(text: str, platform: str) -> str:
    """Every line of ``text`` sanitized; line structure and indentation are kept.

    >>> sanitize("#\\n snmp-agent community read cipher %^%#x%^%#\\n#", "huawei_vrp5")
    '#\\n snmp-agent community read cipher ******\\n#'
    """
    if platform not in PATTERNS:
        raise KeyError(f"unknown platform {platform!r} (known: {', '.join(sorted(PATTERNS))})")
    return "\n".join(sanitize_line(line, platform) for line in text.split("\n"))
