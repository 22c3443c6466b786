"""The dialect: frozen per-platform data plus small hooks, shared by the core."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from lab.devices.config_tree import TreeStyle
from lab.devices.grammar import Grammar, Rule
from lab.devices.semantics import SemanticRules

if TYPE_CHECKING:
    from lab.devices.device import LabDevice


@dataclass(frozen=True)
class PromptState:
    """What a prompt depends on."""

    hostname: str
    mode: str  # user | enable | config
    context: tuple[str, ...]  # section header lines, outermost first
    dirty: bool  # VRP8: uncommitted candidate changes


class Views(Protocol):
    """Platform text for show/display commands."""

    def version(self, device: LabDevice) -> str: ...
    def interfaces_brief(self, device: LabDevice) -> str: ...
    def ip_interfaces_brief(self, device: LabDevice) -> str: ...
    def interfaces(self, device: LabDevice, name: str | None) -> str: ...
    def lldp(self, device: LabDevice) -> str: ...
    def arp(self, device: LabDevice) -> str: ...
    def routes(self, device: LabDevice) -> str: ...
    def serial(self, device: LabDevice) -> str: ...
    def running(self, device: LabDevice, lines: list[str]) -> str: ...
    def dir(self, device: LabDevice, path: str | None) -> str: ...


@dataclass(frozen=True)
class Messages:
    """Fixed texts the device prints."""

    unrecognized: str
    incomplete: str
    ambiguous: str
    #: Prefix of the caret line relative to the echoed command (IOS keeps the prompt width).
    banner: str = ""
    save_question: str = ""
    save_done: str = ""
    file_missing: str = ""


@dataclass(frozen=True)
class Dialect:
    """Everything that differs between platforms, as data and small hooks."""

    name: str
    style: TreeStyle
    grammar: Grammar
    #: Exec commands per mode (user, enable, config); rules carry an action name.
    commands: dict[str, tuple[Rule, ...]]
    messages: Messages
    views: Views
    prompt: Callable[[PromptState], str]
    #: Prefix of a negated configuration line ("undo " / "no ").
    negation: str
    #: Negated lines the device keeps in its configuration (IOS "no ip address").
    explicit_negations: tuple[str, ...] = ()
    #: The mode a fresh session starts in.
    login_mode: str = "user"
    #: VRP8: changes go to a candidate datastore until ``commit``.
    two_stage: bool = False
    #: Comment lines accepted and ignored in configuration mode.
    comment_prefixes: tuple[str, ...] = ()
    #: Actions the "drop on commit" fault triggers on.
    commit_actions: frozenset[str] = frozenset()
    #: Initial configuration text for a device spec.
    initial_config: Callable[[LabDevice], str] = field(default=lambda device: "")
    #: Header lines before the configuration in show/display output.
    extra: dict[str, str] = field(default_factory=dict)
    #: The line as the device stores and prints it (Comware: route masks as lengths).
    canonical: Callable[[str], str] = field(default=lambda line: line)
    #: Checks a real device makes beyond the grammar (overlaps, layer-2 ports, ranges).
    semantics: SemanticRules | None = None


def suffix_from_table(table: tuple[tuple[str, str], ...], header: str) -> str:
    """Render a context's prompt suffix from the first matching (regex, format)."""
    for pattern, fmt in table:
        m = re.fullmatch(pattern, header)
        if m:
            return fmt.format(*m.groups())
    return "-" + header.split()[0]
