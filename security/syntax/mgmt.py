"""Management-plane handlers (vty, SNMP, syslog, NTP, AAA, banners, firewall policy)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from security.model import (
    LocalUser,
    PolicyRule,
    SnmpCommunity,
    Vty,
)
from security.syntax.builder import Builder, src
from security.syntax.common import after, is_ip

if TYPE_CHECKING:
    from hier_config import HConfigChild

H = Callable[[Builder, "HConfigChild"], None]


# -- vty ---------------------------------------------------------------------------
PROTOCOL_WORDS = {"ssh": ("ssh",), "telnet": ("telnet",), "all": ("ssh", "telnet"), "none": ()}


def vty_section(b: Builder, node: HConfigChild) -> None:
    """``user-interface vty`` / ``line vty`` block (VRP, Comware and IOS keywords)."""
    fields: dict[str, object] = {}
    for child in node.children:
        words = child.text.split()
        head = words[0]
        if head == "authentication-mode" and len(words) > 1:
            fields.update(auth=src(child), auth_mode=words[1])
        elif head == "login":
            mode = (
                "local" if "local" in words else "aaa" if "authentication" in words else "password"
            )
            fields.update(auth=src(child), auth_mode=mode)
        elif child.text == "no login":
            fields.update(auth=src(child), auth_mode="none")
        elif (head == "protocol" and "inbound" in words) or child.text.startswith(
            "transport input"
        ):
            protocols: list[str] = []
            for word in words[2:]:
                protocols += PROTOCOL_WORDS.get(word, ())
            fields.update(protocols=tuple(dict.fromkeys(protocols)), protocols_src=src(child))
        elif head in ("idle-timeout", "exec-timeout") and len(words) > 1 and words[1].isdigit():
            seconds = int(words[2]) if len(words) > 2 and words[2].isdigit() else 0
            fields.update(idle_seconds=int(words[1]) * 60 + seconds, idle_src=src(child))
        elif head in ("acl", "access-class") and ("inbound" in words or "in" in words):
            acl = next((w for w in words[1:] if w.isdigit()), words[-2] if len(words) > 2 else None)
            fields.update(acl=acl, acl_src=src(child))
    b.vty.append(Vty(src(node), **fields))  # type: ignore[arg-type]


# -- SNMP --------------------------------------------------------------------------
SECRET_FORMS = frozenset({"cipher", "simple", "plain"})


def snmp_versions(b: Builder, node: HConfigChild) -> None:
    words = node.text.split()
    b.mgmt["snmp_versions"] = tuple(w for w in words[3:] if w not in ("disable",))
    b.mgmt["snmp_versions_src"] = src(node)


def snmp_community(b: Builder, node: HConfigChild) -> None:
    """``snmp-agent community read|write [cipher|simple] NAME [mib-view V] [acl N]``."""
    words = node.text.split()
    if len(words) < 4 or words[2] not in ("read", "write"):
        return
    at = 3
    form = None
    if words[3] in SECRET_FORMS:
        form, at = words[3], 4
    if at >= len(words):
        return
    name = None if form == "cipher" else words[at]
    b.communities.append(SnmpCommunity(name, words[2], after(words, "acl"), src(node)))


def ios_community(b: Builder, node: HConfigChild) -> None:
    """``snmp-server community NAME [view V] RO|RW [ACL]``."""
    words = node.text.split()
    if len(words) < 3:
        return
    access = "write" if "RW" in words or "rw" in words else "read"
    last = words[-1]
    acl = last if len(words) > 3 and last not in ("RO", "RW", "ro", "rw") else None
    b.communities.append(SnmpCommunity(words[2], access, acl, src(node)))


def snmp_group(level_at: int, acl_word: str) -> H:
    """``snmp-agent group v3 G privacy [acl N]`` / ``snmp-server group G v3 priv [access N]``."""

    def handler(b: Builder, node: HConfigChild) -> None:
        words = node.text.split()
        if len(words) <= level_at:
            return
        name = words[3] if words[2] == "v3" else words[2]
        b.groups.append((name, words[level_at], after(words, acl_word), src(node)))
        b.mgmt.setdefault("snmp_enabled", src(node))

    return handler


def snmp_user(user_at: int, acl_word: str) -> H:
    """A v3 user line; CE prints one user over several lines, merged by name."""

    def handler(b: Builder, node: HConfigChild) -> None:
        words = node.text.split()
        if len(words) <= user_at:
            return
        user = b.user(words[user_at])
        for key, attr in (("authentication-mode", "auth"), ("privacy-mode", "priv")):
            value = after(words, key)
            if value is not None:
                setattr(user, attr, value)
        if "auth" in words:  # IOS: auth sha K priv aes 128 K
            user.auth = after(words, "auth")
            priv = after(words, "priv")
            if priv is not None:
                size = after(words, priv)
                user.priv = f"{priv}{size}" if size and size.isdigit() else priv
        acl = after(words, acl_word)
        if acl is not None:
            user.acl = acl
        user.srcs.append(src(node))
        b.mgmt.setdefault("snmp_enabled", src(node))

    return handler


def snmp_acl(b: Builder, node: HConfigChild) -> None:
    words = node.text.split()
    b.mgmt["snmp_acl"] = (words[-1], src(node))


def ssh_acl(b: Builder, node: HConfigChild) -> None:
    words = node.text.split()
    b.mgmt["ssh_acl"] = (words[-1], src(node))


# -- syslog, NTP ---------------------------------------------------------------------
def host_at(attr: str, skip_words: frozenset[str] = frozenset({"ipv4", "host"})) -> H:
    """The first IPv4 address after the command words (syslog, NTP server)."""

    def handler(b: Builder, node: HConfigChild) -> None:
        for word in node.text.split()[1:]:
            if is_ip(word):
                getattr(b, attr).append((b.ip(node, word), src(node)))
                return
            if word in ("source", "source-interface"):
                return

    return handler


# -- AAA ---------------------------------------------------------------------------
def local_user_line(b: Builder, node: HConfigChild) -> None:
    """VRP ``local-user X password irreversible-cipher|cipher|simple Y`` (or other attributes)."""
    words = node.text.split()
    if len(words) < 2:
        return
    name = words[1]
    user = b.local_users.get(name) or LocalUser(name, None, src(node))
    if len(words) > 3 and words[2] == "password":
        user = LocalUser(name, words[3], user.src, src(node))
    b.local_users[name] = user


def local_user_section(b: Builder, node: HConfigChild) -> None:
    """Comware ``local-user X class manage`` with `` password hash|simple|cipher Y``."""
    words = node.text.split()
    if len(words) < 2:
        return
    user = LocalUser(words[1], None, src(node))
    for child in node.children:
        cw = child.text.split()
        if cw[0] == "password" and len(cw) > 1:
            user = LocalUser(words[1], cw[1], user.src, src(child))
    b.local_users[words[1]] = user


def ios_username(b: Builder, node: HConfigChild) -> None:
    """``username X [privilege N] secret|password [0|5|7|8|9] Y``."""
    words = node.text.split()
    if len(words) < 2:
        return
    form = "secret" if "secret" in words else "password" if "password" in words else None
    if form == "password":
        kind = after(words, "password")
        form = "cipher" if kind == "7" else "simple"
    b.local_users[words[1]] = LocalUser(words[1], form, src(node), src(node))


def ios_enable(b: Builder, node: HConfigChild) -> None:
    words = node.text.split()
    form = "secret" if words[1] == "secret" else "simple"
    b.local_users["enable"] = LocalUser("enable", form, src(node), src(node))


def aaa_section(b: Builder, node: HConfigChild) -> None:
    """VRP ``aaa``: local users and the lockout line."""
    b.mgmt.setdefault("aaa", src(node))
    for child in node.children:
        if child.text.startswith("local-user "):
            local_user_line(b, child)
        elif child.text.startswith("local-aaa-user wrong-password"):
            lockout_vrp(b, child)
        elif child.text.startswith("undo local-aaa-user wrong-password"):
            b.mgmt["lockout_disabled"] = src(child)


def lockout_vrp(b: Builder, node: HConfigChild) -> None:
    """``local-aaa-user wrong-password retry-interval 5 retry-time 3 block-time 30``."""
    words = node.text.split()
    tries, block = after(words, "retry-time"), after(words, "block-time")
    b.lockout.append(src(node))
    if tries and block and tries.isdigit() and block.isdigit():
        b.mgmt["lockout_values"] = (int(tries), int(block))


def lockout_comware(b: Builder, node: HConfigChild) -> None:
    """``password-control login-attempt 3 exceed lock-time 30`` (``exceed unlock``: no lock)."""
    words = node.text.split()
    tries = after(words, "login-attempt")
    b.lockout.append(src(node))
    if not tries or not tries.isdigit():
        return
    if "lock-time" in words:
        block = after(words, "lock-time")
        minutes = int(block) if block and block.isdigit() else 0
    elif words[-1] == "lock":
        minutes = 10**6  # locked until an administrator unlocks
    else:
        minutes = 0
    b.mgmt["lockout_values"] = (int(tries), minutes)


def lockout_ios(b: Builder, node: HConfigChild) -> None:
    """``login block-for S attempts N within W`` / ``aaa local authentication attempts max-fail N``."""
    words = node.text.split()
    b.lockout.append(src(node))
    if "block-for" in words:
        seconds, tries = after(words, "block-for"), after(words, "attempts")
        if seconds and tries and seconds.isdigit() and tries.isdigit():
            b.mgmt["lockout_values"] = (int(tries), int(seconds) // 60)
    else:
        tries = after(words, "max-fail")
        if tries and tries.isdigit():
            b.mgmt["lockout_values"] = (int(tries), 10**6)


# -- banners and firewall policy -----------------------------------------------------
def banner(b: Builder, node: HConfigChild) -> None:
    b.mgmt.setdefault("banner", src(node))


def policy_rule_section(action_words: dict[str, str], log_words: tuple[str, ...]) -> H:
    """A ``security-policy`` section of ``rule`` subsections (VRP USG, Comware)."""

    def handler(b: Builder, node: HConfigChild) -> None:
        for rule in node.children:
            if not rule.text.startswith("rule"):
                continue
            name = after(rule.text.split(), "name") or rule.text.split()[-1]
            action = None
            action_src = None
            logged = False
            for child in rule.children:
                words = child.text.split()
                if words[0] == "action" and len(words) > 1:
                    action = action_words.get(words[1], words[1])
                    action_src = src(child)
                if child.text.startswith(log_words):
                    logged = True
            b.policy.append(PolicyRule(name, action, logged, src(rule), action_src))

    return handler


def ios_inspect_policy(b: Builder, node: HConfigChild) -> None:
    """``policy-map type inspect P`` / `` class ... `` / ``  drop log | inspect | pass``."""
    for klass in node.children:
        words = klass.text.split()
        if words[0] != "class":
            continue
        action = None
        action_src = None
        logged = False
        for child in klass.children:
            cw = child.text.split()
            if cw[0] in ("drop", "inspect", "pass"):
                action = "deny" if cw[0] == "drop" else "permit"
                action_src = src(child)
                logged = "log" in cw
        b.policy.append(PolicyRule(words[-1], action, logged, src(klass), action_src))
