"""Pure checks of the grammar, editor and dialect registry (no network)."""

from __future__ import annotations

import pytest

from lab.devices import UnknownPlatformError, get_dialect
from lab.devices.config_tree import ConfigNode
from lab.devices.editor import apply_line
from lab.devices.grammar import Failure, Match


def test_abbreviations_expand_and_exact_keywords_win() -> None:
    ios = get_dialect("cisco_ios")
    found = ios.grammar.match("top", "int gi0/1")
    assert isinstance(found, Match) and found.line == "interface GigabitEthernet0/1"
    typo = ios.grammar.match("interface", "ip adress 1.1.1.1 255.0.0.0")
    assert isinstance(typo, Failure) and typo.word_index == 1  # "ip" never means "ipv6"


def test_undo_and_replace_semantics() -> None:
    vrp = get_dialect("huawei_vrp5")
    root = ConfigNode("")
    result = apply_line(vrp, root, (), "interface GE0/0/1")
    assert result.path == ("interface GigabitEthernet0/0/1",)
    apply_line(vrp, root, result.path, "description one")
    apply_line(vrp, root, result.path, "description two")
    assert root.lines() == ["interface GigabitEthernet0/0/1", " description two"]
    apply_line(vrp, root, result.path, "undo description")
    assert root.lines() == ["interface GigabitEthernet0/0/1"]
    bad = apply_line(vrp, root, result.path, "ip address 10.0.0.1 255.255.0.255")
    assert not bad.ok and root.lines() == ["interface GigabitEthernet0/0/1"]


def test_unknown_platform_names_known_ones() -> None:
    with pytest.raises(UnknownPlatformError, match="cisco_ios"):
        get_dialect("junos")
