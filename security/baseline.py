"""The 等保 baseline B1-B13 (DOMAIN.md §4) on device configurations.

A check is data (:data:`CHECKS`: id, title, the levels it applies at, its
severity per level, the roles it applies to) plus one small function over the
:class:`~security.model.Device`. Platform differences live in the syntax data
(defaults of vty lines, factory accounts, ``password-control``) and in the
remediation tables of :mod:`security.baseline_fixes`; nothing here branches
on a vendor. The 等保 level (二级 = 2, 三级 = 3) chooses the checks and their
thresholds (:data:`STRICTNESS`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .baseline_fixes import fix_lines
from .model import Device, Src
from .network import NetworkContext
from .policy import NetworkModel
from .syntax import SYNTAXES, Syntax
from .violations import Evidence


@dataclass(frozen=True)
class Strictness:
    """Thresholds of one 等保 level (assessor figures of DOMAIN.md §4)."""

    idle_max_seconds: int
    lockout_max_attempts: int
    lockout_min_minutes: int
    snmp_v3_only: bool
    password_policy: bool  # Comware ``password-control enable`` required


STRICTNESS: dict[int, Strictness] = {
    2: Strictness(900, 5, 10, snmp_v3_only=False, password_policy=False),
    3: Strictness(600, 5, 30, snmp_v3_only=True, password_policy=True),
}
DEFAULT_COMMUNITIES = frozenset({"public", "private"})
WEAK_FORMS = frozenset({"cipher", "simple", "plain"})
AAA_MODES = frozenset({"aaa", "scheme", "local"})
FIREWALL_ROLES = frozenset({"egress-firewall", "firewall"})


@dataclass(frozen=True, slots=True)
class Finding:
    check: str
    title: str
    severity: str
    device: str
    source: str  # the file (or device) the configuration came from
    department: str | None
    platform: str
    level: int
    why: str
    evidence: tuple[Evidence, ...]
    fix: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "title": self.title,
            "severity": self.severity,
            "device": self.device,
            "source": self.source,
            "department": self.department,
            "platform": self.platform,
            "level": self.level,
            "why": self.why,
            "evidence": [{"file": e.source, "line": e.line, "text": e.text} for e in self.evidence],
            "fix": list(self.fix),
        }


#: What a check function yields: the reason and the lines that show it.
Problem = tuple[str, tuple[Src | None, ...]]
CheckFn = Callable[[Device, Syntax, Strictness], Iterable[Problem]]


def _b1(d: Device, s: Syntax, k: Strictness) -> Iterable[Problem]:
    m = d.management
    if m.telnet is not None:
        yield "the Telnet server is enabled", (m.telnet,)
    for vty in m.vty:
        protocols = vty.protocols if vty.protocols is not None else s.vty_default_protocols
        if "telnet" in protocols:
            why = "vty lines accept Telnet" + (
                "" if vty.protocols is not None else " (platform default)"
            )
            yield why, (vty.src, vty.protocols_src)
    if m.ssh is None:
        yield "the SSH server is not enabled", ()


def _b2(d: Device, s: Syntax, k: Strictness) -> Iterable[Problem]:
    for vty in d.management.vty:
        mode = vty.auth_mode
        if mode is None:
            mode = (
                s.vty_auth_with_aaa
                if (s.vty_auth_with_aaa and d.management.aaa)
                else s.vty_default_auth
            )
        if mode not in AAA_MODES:
            yield f"vty lines authenticate with {mode!r}, not AAA", (vty.src, vty.auth)


def _b3(d: Device, s: Syntax, k: Strictness) -> Iterable[Problem]:
    for vty in d.management.vty:
        idle = vty.idle_seconds if vty.idle_seconds is not None else s.vty_default_idle
        if idle == 0 or idle > k.idle_max_seconds:
            shown = "never" if idle == 0 else f"after {idle} s"
            yield (
                f"vty sessions time out {shown} (at most {k.idle_max_seconds} s)",
                (vty.src, vty.idle_src),
            )


def _b4(d: Device, s: Syntax, k: Strictness) -> Iterable[Problem]:
    m = d.management
    if m.lockout_disabled is not None:
        yield "login-failure lockout is switched off", (m.lockout_disabled,)
        return
    if m.lockout_values is None:
        yield "no login-failure lockout is configured", tuple(m.lockout)
        return
    attempts, minutes = m.lockout_values
    if attempts > k.lockout_max_attempts or minutes < k.lockout_min_minutes:
        yield (
            f"lockout after {attempts} failures for {minutes} min (needs at most"
            f" {k.lockout_max_attempts} failures and at least {k.lockout_min_minutes} min)",
            tuple(m.lockout),
        )


def _b5(d: Device, s: Syntax, k: Strictness) -> Iterable[Problem]:
    m = d.management
    for user in m.local_users:
        if user.password_form in WEAK_FORMS:
            yield (
                f"password of {user.name} is stored {user.password_form!r} (reversible)",
                (user.password_src,),
            )
    if s.has_password_control and k.password_policy and m.password_control is None:
        yield "the password policy is off (no password-control enable)", ()


def _b6(d: Device, s: Syntax, k: Strictness) -> Iterable[Problem]:
    for user in d.management.local_users:
        if user.name not in s.default_accounts:
            continue
        if s.default_account_needs_weak_password and user.password_form == "hash":  # noqa: S105 - a storage form
            continue  # a hashed password is not the factory one (it cannot be told apart)
        yield f"factory default account {user.name!r} exists", (user.src, user.password_src)


def _b7(d: Device, s: Syntax, k: Strictness) -> Iterable[Problem]:
    m = d.management
    for community in m.communities:
        if community.name in DEFAULT_COMMUNITIES:
            yield f"default SNMP community {community.name!r}", (community.src,)
        elif k.snmp_v3_only:
            yield "an SNMP v1/v2c community is configured (v3 only)", (community.src,)
    versions = m.snmp_versions or ()
    old = [v for v in versions if v in ("v1", "v2c", "all")]
    if old and k.snmp_v3_only:
        yield f"SNMP versions {' '.join(versions)} enabled (v3 only)", (m.snmp_versions_src,)
    for user in m.snmp_users:
        auth, priv = (user.auth or "").lower(), (user.priv or "").lower()
        if (
            not auth
            or not priv
            or (k.snmp_v3_only and (not auth.startswith("sha") or not priv.startswith("aes")))
        ):
            yield (
                f"SNMPv3 user {user.name} uses auth {user.auth or 'none'} / priv {user.priv or 'none'}"
                " (needs sha and aes)",
                user.srcs[:1],
            )


def _b8(d: Device, s: Syntax, k: Strictness) -> Iterable[Problem]:
    if not d.management.syslog:
        yield "no central syslog host", ()


def _b9(d: Device, s: Syntax, k: Strictness) -> Iterable[Problem]:
    m = d.management
    if not m.ntp:
        yield "no NTP server", ()
    elif s.ntp_needs_enable and m.ntp_enabled is None:
        yield "NTP servers are configured but NTP is not enabled", (m.ntp[0][1],)


def _b10(d: Device, s: Syntax, k: Strictness) -> Iterable[Problem]:
    if d.management.banner is None:
        yield "no login banner", ()


def _b11(d: Device, s: Syntax, k: Strictness) -> Iterable[Problem]:
    m = d.management
    for vty in m.vty:
        protocols = vty.protocols if vty.protocols is not None else s.vty_default_protocols
        covered = vty.acl is not None or (m.ssh_acl is not None and protocols == ("ssh",))
        if protocols and not covered:
            yield "vty lines have no management ACL", (vty.src,)
    group_acl = {g[0] for g in m.snmp_groups if g[2]}
    for community in m.communities:
        if community.acl is None and m.snmp_acl is None:
            yield "an SNMP community has no management ACL", (community.src,)
    for user in m.snmp_users:
        in_group = any(w in group_acl for src in user.srcs for w in src.text.split()[4:6])
        if user.acl is None and m.snmp_acl is None and not in_group:
            yield f"SNMPv3 user {user.name} has no management ACL", user.srcs[:1]


def _b12(d: Device, s: Syntax, k: Strictness) -> Iterable[Problem]:
    for src in d.management.http:
        yield "the HTTP server is enabled", (src,)
    for src in d.management.ftp:
        yield "the FTP server is enabled", (src,)


def _b13(d: Device, s: Syntax, k: Strictness) -> Iterable[Problem]:
    rules = d.policy_rules
    if not rules:
        yield "the firewall has no security policy", ()
        return
    last = rules[-1]
    if last.action != "deny" or not last.logged:
        yield (
            f"the security policy ends with rule {last.name!r} ({last.action or 'no action'},"
            f" {'logged' if last.logged else 'not logged'}), not an explicit logged deny",
            (last.src, last.action_src),
        )


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    run: CheckFn
    severity: dict[int, str]  # level -> severity; a level absent: the check does not apply
    roles: frozenset[str] | None = None  # None: every role


CHECKS: tuple[Check, ...] = (
    Check("B1", "SSH only", _b1, {2: "high", 3: "high"}),
    Check("B2", "vty uses AAA", _b2, {2: "high", 3: "high"}),
    Check("B3", "idle timeout", _b3, {2: "medium", 3: "medium"}),
    Check("B4", "login-failure lockout", _b4, {2: "medium", 3: "high"}),
    Check("B5", "password storage and policy", _b5, {2: "high", 3: "high"}),
    Check("B6", "no default accounts", _b6, {2: "high", 3: "high"}),
    Check("B7", "SNMP v3 only, no default community", _b7, {2: "high", 3: "high"}),
    Check("B8", "central syslog", _b8, {2: "medium", 3: "medium"}),
    Check("B9", "NTP", _b9, {3: "medium"}),
    Check("B10", "login banner", _b10, {2: "low", 3: "low"}),
    Check("B11", "management ACL", _b11, {2: "high", 3: "high"}),
    Check("B12", "unused services off", _b12, {2: "medium", 3: "medium"}),
    Check(
        "B13",
        "firewall policy ends in an explicit, logged deny",
        _b13,
        {2: "high", 3: "high"},
        FIREWALL_ROLES,
    ),
)
CHECK_IDS = tuple(c.id for c in CHECKS)


def fix_values(context: NetworkContext) -> dict[str, str]:
    """Values the remediation lines are rendered with (servers: .11 and .12 of the subnet)."""
    mgmt = context.management
    return {
        "mgmt": str(mgmt.network_address),
        "wild": str(mgmt.hostmask),
        "syslog": str(mgmt.network_address + 11),
        "ntp": str(mgmt.network_address + 12),
        "acl": "2001",
    }


def check_baseline(
    device: Device,
    *,
    level: int | None = None,
    role: str | None = None,
    context: NetworkContext | None = None,
    checks: Iterable[str] | None = None,
) -> list[Finding]:
    """Findings of the baseline on one device (level and role default to the context's)."""
    ctx = context or NetworkContext()
    info = ctx.node(device.name)
    level = level or info.level
    role = role or info.role
    syntax = SYNTAXES[device.platform]
    strict = STRICTNESS[level]
    wanted = set(checks) if checks is not None else None
    values = fix_values(ctx)
    out: list[Finding] = []
    for check in CHECKS:
        severity = check.severity.get(level)
        if severity is None or (check.roles is not None and role not in check.roles):
            continue
        if wanted is not None and check.id not in wanted:
            continue
        for why, srcs in check.run(device, syntax, strict):
            out.append(
                Finding(
                    check=check.id,
                    title=check.title,
                    severity=severity,
                    device=device.name,
                    source=device.source,
                    department=info.department,
                    platform=device.platform,
                    level=level,
                    why=why,
                    evidence=tuple(
                        Evidence.of(device, s) for s in dict.fromkeys(srcs) if s is not None
                    ),
                    fix=fix_lines(check.id, device.platform, values),
                )
            )
    return out


def baseline_network(model: NetworkModel) -> list[Finding]:
    """Findings of every device of a model, by device name."""
    return [
        f
        for name in sorted(model.devices)
        for f in check_baseline(model.devices[name], context=model.context)
    ]
