"""The bundle loader types plain scalars as PyYAML's SafeLoader does."""

from __future__ import annotations

import pytest
import yaml

from inventory.yamlio import load_yaml_with_lines


@pytest.mark.parametrize("text", ["YES", "Off", "ON", "NO", "0123", "0999", "²", "1_000", "0x1F"])
def test_named_scalars_match_safe_load(text: str) -> None:
    ours = load_yaml_with_lines(f"a: {text}\n")["a"]
    theirs = yaml.safe_load(f"a: {text}\n")["a"]
    assert (type(ours), ours) == (type(theirs), theirs)
