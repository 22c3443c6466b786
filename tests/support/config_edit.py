"""One-line edits of a configuration text, returning the 1-based line they touch."""

from __future__ import annotations


def _find(lines: list[str], anchor: str) -> int:
    for index, line in enumerate(lines):
        if line.startswith(anchor):
            return index
    raise AssertionError(f"no line starts with {anchor!r}")


def insert_after(text: str, anchor: str, new: str) -> tuple[str, int]:
    lines = text.split("\n")
    at = _find(lines, anchor) + 1
    lines.insert(at, new)
    return "\n".join(lines), at + 1


def replace(text: str, anchor: str, new: str) -> tuple[str, int]:
    lines = text.split("\n")
    at = _find(lines, anchor)
    lines[at] = new
    return "\n".join(lines), at + 1


def delete(text: str, anchor: str) -> tuple[str, int]:
    lines = text.split("\n")
    at = _find(lines, anchor)
    del lines[at]
    return "\n".join(lines), at + 1


def edit(text: str, how: str, anchor: str, new: str = "") -> tuple[str, int]:
    if how == "insert":
        return insert_after(text, anchor, new)
    if how == "replace":
        return replace(text, anchor, new)
    return delete(text, anchor)
