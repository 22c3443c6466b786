"""Configuration as a tree of lines, parsed from and rendered to device text.

A :class:`ConfigNode` holds one configuration line (without indentation) and
the lines nested under it. The root node has an empty ``text``. Rendering and
parsing are driven by a :class:`TreeStyle` (frozen per-dialect data): how deep
a child is indented, which separator line the device prints between blocks
(``#`` on VRP/Comware, ``!`` on IOS) and which top-level lines the device
prints with a leading space.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class TreeStyle:
    """How one platform prints its configuration tree."""

    separator: str  # "#" or "!"
    #: Top-level lines starting with one of these print with one leading space.
    indented_globals: tuple[str, ...] = ()
    #: Lines (exact or prefix) that carry no configuration when parsing a file.
    ignored_prefixes: tuple[str, ...] = ()
    #: Top-level ordering: a new top-level line goes after the last line whose
    #: rank (index of the first matching prefix) is not greater than its own.
    section_order: tuple[str, ...] = ()
    #: Separator printed between every top-level block (True) or only around sections.
    separate_leaf_groups: bool = True
    #: Top-level lines that open a section: separated like one even with no lines inside.
    sections: tuple[str, ...] = ()
    #: Order of the lines inside a section (same rule as ``section_order``); empty: typed order.
    child_order: tuple[str, ...] = ()
    #: Order among top-level lines of the same rank (``interface`` lines by type and
    #: number); None: typed order.
    order_key: Callable[[str], tuple[object, ...]] | None = None
    #: Nested blocks closed by a line of their own (IOS ``address-family`` ... ``exit-address-family``):
    #: (prefix of the block's line, the closing line printed after its children).
    closers: tuple[tuple[str, str], ...] = ()


@dataclass
class ConfigNode:
    """One configuration line and the lines nested under it."""

    text: str
    children: list[ConfigNode] = field(default_factory=list)

    def child(self, text: str) -> ConfigNode | None:
        """The direct child whose line is exactly ``text``."""
        for node in self.children:
            if node.text == text:
                return node
        return None

    def walk(self, depth: int = 0) -> Iterator[tuple[int, ConfigNode]]:
        """Every descendant with its depth (children of the root have depth 0)."""
        for node in self.children:
            yield depth, node
            yield from node.walk(depth + 1)

    def resolve(self, path: list[str]) -> ConfigNode | None:
        """The node reached by following ``path`` (lines) from this node."""
        node: ConfigNode | None = self
        for text in path:
            if node is None:
                return None
            node = node.child(text)
        return node

    def clone(self) -> ConfigNode:
        """A deep copy."""
        return copy.deepcopy(self)

    def lines(self) -> list[str]:
        """Plain indented lines (one space per level), no separators."""
        return [" " * depth + node.text for depth, node in self.walk()]


def _positive(text: str) -> str:
    for negation in ("no ", "undo "):
        if text.startswith(negation):
            return text[len(negation) :]
    return text


def _rank(text: str, order: tuple[str, ...]) -> int:
    text = _positive(text)
    for index, prefix in enumerate(order):
        if text.startswith(prefix):
            return index
    return len(order)


def insert_top(root: ConfigNode, node: ConfigNode, style: TreeStyle) -> None:
    """Insert a new top-level ``node`` where the device would print it."""
    rank = _rank(node.text, style.section_order)
    order_key = style.order_key
    key = order_key(_positive(node.text)) if order_key else None
    position = 0
    for index, existing in enumerate(root.children):
        other = _rank(existing.text, style.section_order)
        if other < rank or (
            other == rank
            and (key is None or order_key is None or order_key(_positive(existing.text)) <= key)
        ):
            position = index + 1
    root.children.insert(position, node)


def insert_child(parent: ConfigNode, node: ConfigNode, style: TreeStyle) -> None:
    """Insert ``node`` into a section where the device would print it.

    >>> style = TreeStyle("#", child_order=("description", "ip address"))
    >>> section = ConfigNode("interface G1", [ConfigNode("ip address 10.0.0.1 24")])
    >>> insert_child(section, ConfigNode("description x"), style)
    >>> section.lines()
    ['description x', 'ip address 10.0.0.1 24']
    """
    if not style.child_order:
        parent.children.append(node)
        return
    rank = _rank(node.text, style.child_order)
    position = 0
    for index, existing in enumerate(parent.children):
        if _rank(existing.text, style.child_order) <= rank:
            position = index + 1
    parent.children.insert(position, node)


def banner_delimiter(line: str) -> str | None:
    """The delimiter of a ``banner motd ^C`` line whose text follows on the next lines
    (up to a line that is the delimiter alone); None for any other line."""
    words = line.split()
    if len(words) == 3 and words[0] == "banner" and words[2] in ("^C", "#", "%", "@"):
        return words[2]
    return None


def fold_banners(lines: list[str]) -> list[str]:
    """Join each multi-line banner (opening line, text, delimiter) into one line."""
    out: list[str] = []
    body: list[str] | None = None
    delimiter = ""
    for line in lines:
        if body is not None:
            body.append(line.rstrip())
            if line.strip() == delimiter:
                out.append("\n".join(body))
                body = None
            continue
        found = banner_delimiter(line)
        if found is not None:
            body, delimiter = [line.strip()], found
            continue
        out.append(line)
    if body is not None:
        out.append("\n".join(body))
    return out


def parse_config(text: str, style: TreeStyle) -> ConfigNode:
    """Parse device configuration text into a tree.

    A line is a child of the nearest preceding line with a smaller indentation
    inside the same block; separator lines (``#``/``!``) close every block.

    >>> style = TreeStyle(separator="#")
    >>> tree = parse_config("#\\n sysname A\\n#\\ninterface G1\\n description x\\n#\\nreturn", style)
    >>> tree.lines()
    ['sysname A', 'interface G1', ' description x', 'return']
    """
    root = ConfigNode("")
    stack: list[tuple[int, ConfigNode]] = []
    for raw in fold_banners(text.replace("\r", "").split("\n")):
        stripped = raw.strip()
        if not stripped:
            continue
        if stripped.startswith(style.separator):
            stack.clear()
            continue
        if any(stripped.startswith(prefix) for prefix in style.ignored_prefixes):
            continue
        if any(stripped == closer for _prefix, closer in style.closers):
            continue  # a block's closing line: the printer writes it after the block again
        indent = len(raw) - len(raw.lstrip(" "))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1] if stack else root
        node = ConfigNode(stripped)
        parent.children.append(node)
        stack.append((indent, node))
    return root


def _nested(node: ConfigNode, style: TreeStyle, depth: int) -> list[str]:
    lines: list[str] = []
    for child in node.children:
        lines.append(" " * depth + child.text)
        lines.extend(_nested(child, style, depth + 1))
        closer = next((c for p, c in style.closers if child.text.startswith(p)), None)
        if closer is not None:
            lines.append(" " * depth + closer)
    return lines


def render_config(root: ConfigNode, style: TreeStyle) -> list[str]:
    """Render the tree as the device prints it (without header/footer)."""
    out: list[str] = []
    previous_word: str | None = None
    previous_section = False
    for node in root.children:
        word = node.text.split(" ", 1)[0]
        is_section = bool(node.children) or node.text.startswith(style.sections)
        if out and (
            is_section or previous_section or (style.separate_leaf_groups and word != previous_word)
        ):
            out.append(style.separator)
        lead = " " if any(node.text.startswith(p) for p in style.indented_globals) else ""
        out.append(lead + node.text)
        out.extend(_nested(node, style, 1))
        previous_word = word
        previous_section = is_section
    if out:
        out.append(style.separator)
    return out


def diff_trees(old: ConfigNode, new: ConfigNode, depth: int = 0) -> list[str]:
    """Contextual diff: ``+``/``-`` before each changed line, parents as context.

    >>> a = parse_config("interface G1\\n description x", TreeStyle("#"))
    >>> b = parse_config("interface G1\\n description y", TreeStyle("#"))
    >>> diff_trees(a, b)
    ['interface G1', ' -description x', ' +description y']
    """
    out: list[str] = []
    pad = " " * depth
    new_texts = {child.text for child in new.children}
    old_texts = {child.text for child in old.children}
    for child in old.children:
        if child.text not in new_texts:
            out.append(f"{pad}-{child.text}")
            out.extend(f"{pad}-{' ' * (d + 1)}{n.text}" for d, n in child.walk())
    for child in new.children:
        if child.text not in old_texts:
            out.append(f"{pad}+{child.text}")
            out.extend(f"{pad}+{' ' * (d + 1)}{n.text}" for d, n in child.walk())
            continue
        before = old.child(child.text) or ConfigNode(child.text)
        nested = diff_trees(before, child, depth + 1)
        if nested:
            out.append(f"{pad}{child.text}")
            out.extend(nested)
    return out


def missing_lines(candidate: ConfigNode, running: ConfigNode, depth: int = 0) -> list[str]:
    """Lines of ``candidate`` absent from ``running``, with their parents as context."""
    out: list[str] = []
    pad = " " * depth
    for child in candidate.children:
        present = running.child(child.text)
        if present is None:
            out.append(pad + child.text)
            out.extend(pad + " " * (d + 1) + n.text for d, n in child.walk())
            continue
        nested = missing_lines(child, present, depth + 1)
        if nested:
            out.append(pad + child.text)
            out.extend(nested)
    return out
