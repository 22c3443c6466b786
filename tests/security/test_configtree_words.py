"""The tree loader's words are the line's whitespace-separated words, whatever the whitespace."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from security.configtree import load_tree
from security.syntax import SYNTAXES

WHITESPACE = st.sampled_from([" ", "  ", "\t", "\xa0", "\u3000", "\x0b", "\x0c", "\x1f", "\u2028"])
WORD = st.text(
    st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1, max_size=6
)


@given(st.lists(st.tuples(WORD, WHITESPACE), min_size=1, max_size=6))
def test_children_are_single_spaced_words(parts: list[tuple[str, str]]) -> None:
    line = "".join(w + sep for w, sep in parts).strip()
    if not line or line[0] in "#!":
        return
    tree = load_tree(f"{line}\n", "huawei_vrp5", SYNTAXES["huawei_vrp5"].tree)
    texts = [c.text for c in tree.all_children()]
    assert texts in ([" ".join(line.split())], [])  # [] when a driver rule drops the line
