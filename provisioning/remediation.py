"""Running vs intended configuration → the commands that get there, and back (hier_config 3).

hier_config ships ``huawei_vrp``, ``hp_comware5`` and ``cisco_ios`` drivers; the
VRP and Comware ones are extended here where the devices egovnet runs differ:

* VRP5 and Comware print global leaf lines indented by one space between
  ``#`` separators (`` sysname X``); hier_config would read them as children of
  the preceding section, so the preprocessor brings them to column 0. CE/VRP8
  prints them at column 0 already.
* ``#``/``!`` lines, the closing ``return``, VRP's ``!Software Version`` and
  CE's ``!Last configuration was ...`` header, and Comware's `` version ...``
  carry no configuration and are ignored.
* Idempotent commands (a new value replaces the old one, no ``undo`` needed):
  ``sysname``, ``header login``, ``clock timezone``, an interface's
  ``description``/``ip address``/access VLAN, vty timeouts and modes, BGP and
  OSPF router ids, lockout policy, SNMP version.
* Negation: ``undo description``, ``undo header login`` and others drop their
  argument as the devices require; removals of objects that other lines
  reference (VPN instances, VLANs, ACLs) are ordered after the lines that use them.

Secrets are masked on both sides first (:mod:`provisioning.secrets`), so they
never appear in a remediation and never make two configurations differ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from hier_config import HConfig, WorkflowRemediation, get_hconfig
from hier_config.exceptions import DuplicateChildError
from hier_config.models import (
    IdempotentCommandsRule,
    MatchRule,
    NegationSubRule,
    OrderingRule,
    PerLineSubRule,
)
from hier_config.platforms.cisco_ios.driver import HConfigDriverCiscoIOS
from hier_config.platforms.driver_base import HConfigDriverBase, HConfigDriverRules
from hier_config.platforms.hp_comware5.driver import HConfigDriverHPComware5
from hier_config.platforms.huawei_vrp.driver import HConfigDriverHuaweiVrp

from .errors import ConfigParseError, UnknownPlatformError
from .secrets import sanitize


def unindent_globals(text: str) -> str:
    """Bring the one-space global blocks of VRP5/Comware to column 0.

    A block that follows a ``#`` separator and starts with exactly one space is
    a run of global leaf lines (sections start at column 0), up to the next ``#``.

    >>> unindent_globals("#\\n sysname A\\n#\\naaa\\n local-user x\\n#\\n snmp-agent\\n#")
    '#\\nsysname A\\n#\\naaa\\n local-user x\\n#\\nsnmp-agent\\n#'
    """
    out: list[str] = []
    in_globals = False
    after_separator = True
    for line in text.replace("\r", "").split("\n"):
        stripped = line.strip()
        if stripped.startswith("#"):
            out.append(line)
            in_globals, after_separator = False, True
            continue
        if after_separator and stripped:
            in_globals = line.startswith(" ") and not line.startswith("  ")
            after_separator = False
        out.append(line[1:] if in_globals and line.startswith(" ") else line)
    return "\n".join(out)


def _m(*startswith: str) -> MatchRule:
    return MatchRule(startswith=startswith if len(startswith) > 1 else startswith[0])


def _re(pattern: str) -> MatchRule:
    return MatchRule(re_search=pattern)


def _idem(*lineage: MatchRule) -> IdempotentCommandsRule:
    return IdempotentCommandsRule(match_rules=lineage)


_HUAWEI_FAMILY_IDEMPOTENT = (
    _idem(_m("sysname ")),
    _idem(_m("header login ")),
    _idem(_m("header shell ")),
    _idem(_m("clock timezone ")),
    _idem(_m("interface "), _m("description ")),
    _idem(_m("interface "), _re(r"^(ip address) \S+ \S+$")),
    _idem(_m("interface "), _m("ip binding vpn-instance ")),
    _idem(_m("vlan "), _m("description ")),
    _idem(_m("vlan "), _m("name ")),
    _idem(_m("snmp-agent sys-info version ")),
    _idem(_m("snmp-agent acl ")),
    _idem(_m("bgp "), _m("router-id ")),
    _idem(_m("mpls lsr-id ")),
)

_VRP_IDEMPOTENT = (
    *_HUAWEI_FAMILY_IDEMPOTENT,
    _idem(_m("interface "), _m("port default vlan ")),
    _idem(_m("interface "), _m("port link-type ")),
    _idem(_m("user-interface "), _m("idle-timeout ")),
    _idem(_m("user-interface "), _m("authentication-mode ")),
    _idem(_m("user-interface "), _m("protocol inbound ")),
    _idem(_m("user-interface "), _re(r"^(acl) \d+ inbound$")),
    _idem(_m("aaa"), _m("local-aaa-user wrong-password ")),
    _idem(_m("aaa"), _re(r"^local-user (\S+) privilege level ")),
    _idem(_m("aaa"), _re(r"^local-user (\S+) password ")),
)

_COMWARE_IDEMPOTENT = (
    *_HUAWEI_FAMILY_IDEMPOTENT,
    _idem(_m("interface "), _m("port access vlan ")),
    _idem(_m("interface "), _m("port link-mode ")),
    _idem(_m("line "), _m("idle-timeout ")),
    _idem(_m("line "), _m("authentication-mode ")),
    _idem(_m("line "), _m("protocol inbound ")),
    _idem(_m("password-control login-attempt ")),
    _idem(_m("ssh server acl ")),
    _idem(_m("local-user "), _m("password ")),
)

#: Negations that take no argument on VRP and Comware.
_TRUNCATED_NEGATIONS = (
    NegationSubRule(
        match_rules=(_m("undo header login "),), search=r"^(undo header login).*", replace=r"\1"
    ),
    NegationSubRule(match_rules=(_m("undo sysname "),), search=r"^(undo sysname).*", replace=r"\1"),
    NegationSubRule(
        match_rules=(_m("undo clock timezone "),),
        search=r"^(undo clock timezone).*",
        replace=r"\1",
    ),
    NegationSubRule(
        match_rules=(_m("interface "), _m("undo ip binding vpn-instance ")),
        search=r"^(undo ip binding vpn-instance) .*",
        replace=r"\1",
    ),
    NegationSubRule(
        match_rules=(_m("vlan "), _m("undo name ")), search=r"^(undo name).*", replace=r"\1"
    ),
    NegationSubRule(match_rules=(_m("undo ospf "),), search=r"^(undo ospf \d+) .*", replace=r"\1"),
)

#: Remove referenced objects last (after the lines that use them are gone).
_LATE_REMOVALS = (
    OrderingRule(match_rules=(_m("undo ip vpn-instance "),), weight=900),
    OrderingRule(match_rules=(_m("undo vlan "),), weight=900),
    OrderingRule(match_rules=(_m("undo acl "),), weight=900),
    OrderingRule(match_rules=(_m("undo firewall zone "),), weight=900),
    OrderingRule(match_rules=(_m("undo security-zone "),), weight=900),
)

_IGNORED = (
    PerLineSubRule(search=r"^\s*[#!].*", replace=""),
    PerLineSubRule(search=r"^return$", replace=""),
)


class HuaweiVrp5Driver(HConfigDriverHuaweiVrp):
    """hier_config's ``huawei_vrp`` with VRP5's indented globals and egovnet's rules."""

    @staticmethod
    def config_preprocessor(config_text: str) -> str:
        return unindent_globals(config_text)

    def swap_negation(self, child):  # type: ignore[no-untyped-def]
        child = super().swap_negation(child)
        for rule in self.rules.negation_sub:
            if child.is_lineage_match(rule.match_rules):
                child.text = re.sub(rule.search, rule.replace, child.text)
        return child

    @staticmethod
    def _instantiate_rules() -> HConfigDriverRules:
        base = HConfigDriverHuaweiVrp._instantiate_rules()
        return base.model_copy(
            update={
                "per_line_sub": [*base.per_line_sub, *_IGNORED],
                "idempotent_commands": list(_VRP_IDEMPOTENT),
                "negation_sub": list(_TRUNCATED_NEGATIONS),
                "ordering": list(_LATE_REMOVALS),
            }
        )


class HuaweiVrp8Driver(HuaweiVrp5Driver):
    """VRP8 (CE): globals at column 0, ``ntp`` instead of ``ntp-service``; the
    ``!Last configuration was updated/saved`` header lines are ignored (``!`` rule)."""

    @staticmethod
    def config_preprocessor(config_text: str) -> str:
        return config_text.replace("\r", "")


class Comware7Driver(HConfigDriverHPComware5):
    """hier_config's ``hp_comware5`` extended for Comware 7."""

    @staticmethod
    def config_preprocessor(config_text: str) -> str:
        return unindent_globals(config_text)

    def swap_negation(self, child):  # type: ignore[no-untyped-def]
        if child.text.startswith(self.negation_prefix):
            child.text = child.text.removeprefix(self.negation_prefix)
            return child
        text = child.text
        if text.startswith("description "):
            text = "description"
        child.text = f"{self.negation_prefix}{text}"
        for rule in self.rules.negation_sub:
            if child.is_lineage_match(rule.match_rules):
                child.text = re.sub(rule.search, rule.replace, child.text)
        return child

    def sectional_exit(self, config):  # type: ignore[no-untyped-def]
        result = super().sectional_exit(config)
        return "quit" if result == "exit" else result

    @staticmethod
    def _instantiate_rules() -> HConfigDriverRules:
        return HConfigDriverRules(
            per_line_sub=[*_IGNORED, PerLineSubRule(search=r"^\s*version \d.*", replace="")],
            idempotent_commands=list(_COMWARE_IDEMPOTENT),
            negation_sub=list(_TRUNCATED_NEGATIONS),
            ordering=list(_LATE_REMOVALS),
        )


class CiscoIosDriver(HConfigDriverCiscoIOS):
    """hier_config's ``cisco_ios``; ``banner login`` replaces itself."""

    @staticmethod
    def _instantiate_rules() -> HConfigDriverRules:
        base = HConfigDriverCiscoIOS._instantiate_rules()
        return base.model_copy(
            update={
                "idempotent_commands": [
                    *base.idempotent_commands,
                    _idem(_m("hostname ")),
                    _idem(_m("banner login ")),
                    _idem(_m("login block-for ")),
                    _idem(_m("clock timezone ")),
                    _idem(_m("mpls ldp router-id ")),
                ],
            }
        )


DRIVERS: dict[str, type[HConfigDriverBase]] = {
    "huawei_vrp5": HuaweiVrp5Driver,
    "huawei_vrp8": HuaweiVrp8Driver,
    "h3c_comware7": Comware7Driver,
    "cisco_ios": CiscoIosDriver,
}


@cache
def driver(platform: str) -> HConfigDriverBase:
    """The hier_config driver of ``platform`` (one instance per platform)."""
    try:
        return DRIVERS[platform]()
    except KeyError:
        raise UnknownPlatformError(
            f"unknown platform {platform!r} (known: {', '.join(sorted(DRIVERS))})"
        ) from None


def tree(platform: str, text: str) -> HConfig:
    """``text`` (a device configuration) as a hier_config tree, secrets masked."""
    try:
        return get_hconfig(driver(platform), sanitize(text, platform))
    except (ValueError, DuplicateChildError) as exc:  # an unterminated banner, a repeated section
        raise ConfigParseError(f"{platform} configuration: {exc}") from None


@dataclass(frozen=True)
class Remediation:
    """The commands from running to intended, and back."""

    platform: str
    #: Commands in push order (indented under their section, with sectional exits).
    commands: tuple[str, ...]
    rollback: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.commands


def _commands(config: HConfig) -> tuple[str, ...]:
    return tuple(config.dump_simple(sectional_exiting=True))


def remediate(platform: str, running: str, intended: str) -> Remediation:
    """The minimal commands that turn ``running`` into ``intended``, and their rollback."""
    flow = WorkflowRemediation(tree(platform, running), tree(platform, intended))
    return Remediation(
        platform=platform,
        commands=_commands(flow.remediation_config),
        rollback=_commands(flow.rollback_config),
    )


def apply(platform: str, config: str, commands: tuple[str, ...] | list[str]) -> HConfig:
    """What ``config`` becomes once ``commands`` are applied (hier_config's future).

    A truncated negation (``undo ospf 1``, ``undo header login``) removes the one
    line it names, as the device does; it is spelled out before the future is taken.
    """
    lines = "\n".join(c for c in commands if c.strip() not in ("quit", "exit"))
    change = get_hconfig(driver(platform), lines)
    running = tree(platform, config)
    _spell_out_negations(running, change, driver(platform).negation_prefix)
    return running.future(change)


def _spell_out_negations(running: Any, change: Any, prefix: str) -> None:
    for child in change.children:
        if child.text.startswith(prefix):
            target = child.text.removeprefix(prefix)
            if running.get_child(equals=target) is None:
                named = [c for c in running.children if c.text.startswith(target + " ")]
                if len(named) == 1:
                    child.text = prefix + named[0].text
            continue
        present = running.get_child(equals=child.text)
        if present is not None and child.children:
            _spell_out_negations(present, child, prefix)


def same(a: HConfig, b: HConfig) -> bool:
    """Whether two trees hold the same lines (order of siblings ignored)."""
    return sorted(a.dump_simple()) == sorted(b.dump_simple())


def diff_lines(platform: str, running: str, intended: str) -> list[str]:
    """Contextual diff (``-`` running only, ``+`` intended only), secrets masked."""
    return list(tree(platform, running).unified_diff(tree(platform, intended)))
