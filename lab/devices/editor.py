"""Apply configuration lines to a tree, checked against the dialect's grammar.

Devices accept a line in the current view or, failing that, in an enclosing
view (typing ``interface X`` inside another interface view switches view).
A negated line (``undo ...``/``no ...``) removes what it names.
"""

from __future__ import annotations

from dataclasses import dataclass

from lab.devices.config_tree import (
    ConfigNode,
    insert_child,
    insert_top,
    parse_config,
)
from lab.devices.dialects.base import Dialect
from lab.devices.grammar import Failure, Match, Rule
from lab.devices.semantics import Rejection, check_line


@dataclass(frozen=True)
class EditResult:
    """Outcome of one line: the new view path, or the failure to report."""

    ok: bool
    path: tuple[str, ...]
    failure: Failure | None = None
    changed: bool = False
    #: The line matched the grammar but the device refuses it (its own error text).
    rejection: Rejection | None = None


def context_of(dialect: Dialect, path: tuple[str, ...]) -> str:
    """Grammar context name of the view reached by ``path``."""
    context = "top"
    for header in path:
        found = dialect.grammar.match(context, header)
        if isinstance(found, Failure) or not found.rule.opens:
            return "none"
        context = found.rule.opens
    return context


def _strip_negation(text: str, negation: str) -> str:
    return text[len(negation) :] if text.startswith(negation) else text


def _key(text: str, words: int | None) -> str:
    return text if words is None else " ".join(text.split()[:words])


def _place(dialect: Dialect, root: ConfigNode, node: ConfigNode, new: ConfigNode) -> None:
    if node is root:
        insert_top(root, new, dialect.style)
    else:
        insert_child(node, new, dialect.style)


def _set(dialect: Dialect, root: ConfigNode, node: ConfigNode, match: Match) -> bool:
    line = dialect.canonical(match.line)
    if node.child(line) is not None:
        return False
    key = _key(line, match.rule.key)
    for index, child in enumerate(node.children):
        existing = _strip_negation(child.text, dialect.negation)
        if (match.rule.key is not None or existing == line) and _key(
            existing, match.rule.key
        ) == key:
            node.children[index] = ConfigNode(line)
            node.children[:] = [
                c
                for i, c in enumerate(node.children)
                if i <= index
                or _key(_strip_negation(c.text, dialect.negation), match.rule.key) != key
            ]
            return True
    _place(dialect, root, node, ConfigNode(line))
    return True


def _negate(
    dialect: Dialect, root: ConfigNode, node: ConfigNode, context: str, rest: str
) -> Failure | bool:
    found = dialect.grammar.match(context, rest)
    target_rule: Rule
    if isinstance(found, Match):
        target, target_rule = dialect.canonical(found.line), found.rule
        prefix = _key(target, target_rule.key) if target_rule.key else target
    else:
        words = rest.lower().split()
        for rule, head in dialect.grammar.heads(context):
            if (
                head
                and len(words) <= len(head)
                and all(h.startswith(w) for h, w in zip(head, words, strict=False))
                and len(words) == len(head)
            ):
                prefix, target_rule = " ".join(head), rule
                break
        else:
            return found
    before = len(node.children)
    node.children[:] = [
        c for c in node.children if not (c.text == prefix or c.text.startswith(prefix + " "))
    ]
    changed = len(node.children) != before
    if prefix in dialect.explicit_negations:
        line = dialect.negation + prefix
        if node.child(line) is None:
            _place(dialect, root, node, ConfigNode(line))
            changed = True
    return changed


def _multiline(dialect: Dialect, root: ConfigNode, path: tuple[str, ...], line: str) -> EditResult:
    """A folded multi-line banner: a global line that keeps its text as typed."""
    head = line.split("\n", 1)[0].strip()
    found = dialect.grammar.match("top", head)
    if not isinstance(found, Match):
        return EditResult(False, path, found)
    if root.child(line) is not None:
        return EditResult(True, ())
    key = _key(head, found.rule.key)
    root.children[:] = [
        c for c in root.children if _key(c.text.split("\n", 1)[0], found.rule.key) != key
    ]
    _place(dialect, root, root, ConfigNode(line))
    return EditResult(True, (), changed=True)


def apply_line(dialect: Dialect, root: ConfigNode, path: tuple[str, ...], line: str) -> EditResult:
    """Apply one configuration line typed in the view ``path``."""
    line = line.strip()
    if any(line == closer for _prefix, closer in dialect.style.closers):
        # a block's closing line (IOS ``exit-address-family``): back to the enclosing view
        return EditResult(True, path[:-1] if path else path, changed=False)
    if "\n" in line:
        return _multiline(dialect, root, path, line)
    negation = dialect.negation.strip()
    words = line.split()
    negated = len(words) > 1 and words[0].lower() == negation
    first_failure: Failure | None = None
    for depth in range(len(path), -1, -1):
        sub = path[:depth]
        node = root.resolve(list(sub))
        context = context_of(dialect, sub)
        if node is None or context == "none":
            continue
        if negated:
            outcome = _negate(dialect, root, node, context, " ".join(words[1:]))
            if not isinstance(outcome, Failure):
                return EditResult(True, sub, changed=outcome)
            failure = Failure(outcome.kind, outcome.word_index + 1)
        else:
            found = dialect.grammar.match(context, line)
            if isinstance(found, Match):
                if found.rule.opens:
                    changed = False
                    if node.child(found.line) is None:
                        _place(dialect, root, node, ConfigNode(found.line))
                        changed = True
                    return EditResult(True, (*sub, found.line), changed=changed)
                if dialect.semantics is not None:
                    refused = check_line(dialect.semantics, root, sub, found.words)
                    if refused is not None:
                        failure = Failure("rejected", refused.word_index or 0)
                        return EditResult(False, path, failure, rejection=refused)
                return EditResult(True, sub, changed=_set(dialect, root, node, found))
            failure = found
        if first_failure is None or (
            failure.kind == first_failure.kind and failure.word_index > first_failure.word_index
        ):
            first_failure = failure
    return EditResult(False, path, first_failure or Failure("unrecognized", 0))


def build_tree(dialect: Dialect, text: str) -> tuple[ConfigNode, list[tuple[str, Failure]]]:
    """Replay a configuration file into a fresh tree; returns the tree and rejected lines."""
    parsed = parse_config(text, dialect.style)
    root = ConfigNode("")
    errors: list[tuple[str, Failure]] = []

    def replay(node: ConfigNode, path: tuple[str, ...]) -> None:
        for child in node.children:
            result = apply_line(dialect, root, path, child.text)
            if not result.ok:
                errors.append((child.text, result.failure or Failure("unrecognized", 0)))
                continue
            replay(child, result.path if len(result.path) > len(path) else path)

    replay(parsed, ())
    return root, errors
