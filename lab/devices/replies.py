"""What a command handler returns, and the registry of handlers by action name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lab.devices.grammar import Match

if TYPE_CHECKING:
    from lab.devices.session import Shell


@dataclass
class Reply:
    """Text to print; optionally a question whose answer goes to ``question``."""

    text: str = ""
    question: Callable[[str], Reply] | None = None
    #: Close the session after printing.
    close: bool = False
    #: Suppress the prompt (the text ends with a question of its own).
    no_prompt: bool = False


Handler = Callable[["Shell", Match], Reply]
HANDLERS: dict[str, Handler] = {}


def handler(*names: str) -> Callable[[Handler], Handler]:
    """Register a function as the handler of one or more actions."""

    def register(func: Handler) -> Handler:
        for name in names:
            if name in HANDLERS:
                raise ValueError(f"duplicate handler for action {name!r}")
            HANDLERS[name] = func
        return func

    return register


def ask(text: str, answer: Callable[[str], Reply]) -> Reply:
    """A yes/no (or free text) question."""
    return Reply(text, question=answer, no_prompt=True)


def yes(answer: str) -> bool:
    """True for y / yes / Y (and an empty line when ``default`` is yes)."""
    return answer.strip().lower() in ("y", "yes")
