"""One interactive CLI session: echo, prompts, modes, views, dispatch, faults."""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
from collections.abc import Callable

import asyncssh

from lab.devices import commands as _commands  # noqa: F401  (registers handlers)
from lab.devices import commands_comware as _commands_comware  # noqa: F401
from lab.devices import commands_huawei as _commands_huawei  # noqa: F401
from lab.devices import commands_ios as _commands_ios  # noqa: F401
from lab.devices.config_tree import ConfigNode, banner_delimiter
from lab.devices.device import CommandRecord, LabDevice
from lab.devices.dialects.base import PromptState
from lab.devices.editor import apply_line
from lab.devices.grammar import Failure, Grammar, Match, Rule, caret_column
from lab.devices.replies import HANDLERS, Reply

log = logging.getLogger(__name__)
_ids = itertools.count(1)
_PIPE = re.compile(r"^(.*?)\s+\|\s+(\S+)\s*(.*)$")
_FILTERS = {
    "include": "include",
    "begin": "begin",
    "exclude": "exclude",
    "count": "count",
    "section": "section",
}
_GRAMMARS: dict[tuple[str, str], Grammar] = {}


def _command_grammar(device: LabDevice, mode: str) -> Grammar:
    key = (device.dialect.name, mode)
    if key not in _GRAMMARS:
        rules: tuple[Rule, ...] = device.dialect.commands.get(mode, ())
        _GRAMMARS[key] = Grammar({"cmd": rules}, device.dialect.grammar.names)
    return _GRAMMARS[key]


def apply_filter(text: str, kind: str, pattern: str) -> str:
    """``| include/begin/exclude/count/section`` on command output.

    ``section`` keeps each matching line with the indented lines under it (IOS).

    >>> apply_filter("interface A\\n ip x\\nhostname h\\n", "section", "interface")
    'interface A\\n ip x\\n'
    """
    lines = text.split("\n")
    try:
        regex = re.compile(pattern)
    except re.error:
        regex = re.compile(re.escape(pattern))
    if kind == "include":
        kept = [line for line in lines if regex.search(line)]
    elif kind == "exclude":
        kept = [line for line in lines if not regex.search(line)]
    elif kind == "section":
        kept, inside = [], False
        for line in lines:
            if line[:1] not in (" ", ""):
                inside = bool(regex.search(line))
            elif not inside and line.strip() and regex.search(line):
                kept.append(line)
                continue
            if inside and line.strip():
                kept.append(line)
    elif kind == "begin":
        start = next((i for i, line in enumerate(lines) if regex.search(line)), len(lines))
        kept = lines[start:]
    else:
        return f"Total lines: {len([line for line in lines if line.strip()])}\n"
    return "\n".join(kept).rstrip("\n") + ("\n" if kept else "")


class Shell:
    """The CLI state of one SSH session on one device."""

    def __init__(self, device: LabDevice, user: str) -> None:
        self.device = device
        self.dialect = device.dialect
        self.user = user
        self.session_id = next(_ids)
        self.mode = self.dialect.login_mode
        self.path: tuple[str, ...] = ()
        self.candidate: ConfigNode | None = None  # VRP8 per-session candidate
        #: VRP8 ``system-view immediately``: lines apply to running at once.
        self.immediate = False
        self.edited = False
        self.question: Callable[[str], Reply] | None = None
        self.count = 0

    # -- state helpers used by handlers -------------------------------------
    def prompt(self) -> str:
        """The prompt for the current mode and view."""
        return self.dialect.prompt(
            PromptState(self.device.hostname, self.mode, self.path, self.dirty)
        )

    @property
    def dirty(self) -> bool:
        """VRP8: the candidate holds uncommitted changes."""
        return self.candidate is not None and self.edited

    def working_tree(self) -> ConfigNode:
        """Where configuration lines go: the candidate (VRP8) or running."""
        if not self.dialect.two_stage or self.immediate:
            return self.device.running
        if self.candidate is None:
            self.candidate = self.device.running.clone()
            self.edited = False
        return self.candidate

    def discard_candidate(self) -> None:
        """Drop uncommitted VRP8 changes."""
        self.candidate = None
        self.edited = False

    def error(self, line: str, failure: Failure) -> str:
        """The platform's error text for ``line`` (with the caret line)."""
        messages = self.dialect.messages
        text = {
            "incomplete": messages.incomplete,
            "ambiguous": messages.ambiguous,
        }.get(failure.kind, messages.unrecognized).format(line=line)
        if "'^'" not in text:
            return text + "\n"
        column = len(self.prompt()) + caret_column(line, failure.word_index)
        return " " * column + "^\n" + text + "\n"

    def refusal(self, line: str, message: str, word_index: int | None) -> str:
        """A semantic error: the text, after a caret line when it points at a word."""
        if word_index is None or "'^'" not in message:
            return message + "\n"
        column = len(self.prompt()) + caret_column(line, word_index)
        return " " * column + "^\n" + message + "\n"

    # -- dispatch -------------------------------------------------------------
    def dispatch(self, line: str, mode: str | None = None) -> Reply:
        """Run one line in ``mode`` (default: the current mode)."""
        mode = mode or self.mode
        stripped = line.strip()
        if not stripped:
            return Reply()
        if mode == "config" and stripped.startswith(self.dialect.comment_prefixes):
            return Reply()
        command, filt = stripped, None
        piped = _PIPE.match(stripped)
        if piped:
            kind = next((v for k, v in _FILTERS.items() if k.startswith(piped.group(2))), None)
            if kind:
                command, filt = piped.group(1), (kind, piped.group(3))
        found = _command_grammar(self.device, mode).match("cmd", command)
        if isinstance(found, Match):
            reply = HANDLERS[found.rule.action](self, found)
            if filt:
                reply.text = apply_filter(reply.text, *filt)
            return reply
        if mode != "config":
            return Reply(self.error(stripped, found))
        return self.configure(stripped, found)

    def configure(self, line: str, exec_failure: Failure) -> Reply:
        """Apply a configuration line in the current view."""
        if line in self.device.faults.reject_lines:
            return Reply(self.error(line, Failure("unrecognized", 0)))
        delimiter = banner_delimiter(line) if self.dialect.name == "cisco_ios" else None
        if delimiter is not None and isinstance(
            self.dialect.grammar.match("top", line.strip()), Match
        ):
            return self._banner([line.strip()], delimiter)
        tree = self.working_tree()
        staged = self.dialect.two_stage and not self.immediate
        before = None if staged else tree.clone()
        result = apply_line(self.dialect, tree, self.path, line)
        if result.rejection is not None:
            return Reply(self.refusal(line, result.rejection.message, result.rejection.word_index))
        if not result.ok:
            failure = result.failure or Failure("unrecognized", 0)
            if exec_failure.word_index > failure.word_index:
                failure = exec_failure
            return Reply(self.error(line, failure))
        self.path = result.path
        if staged:
            self.edited = self.edited or result.changed
        elif before is not None and result.changed:
            self.device.changed(before, self.user)
        return Reply()

    def _banner(self, body: list[str], delimiter: str) -> Reply:
        """IOS's banner text mode: every line up to the delimiter alone is the text."""

        def more(line: str) -> Reply:
            body.append(line.rstrip())
            if line.strip() != delimiter:
                return Reply(question=more, no_prompt=True)
            return self.configure("\n".join(body), Failure("unrecognized", 0))

        return Reply(
            f"Enter TEXT message.  End with the character '{delimiter[0]}'.\n",
            question=more,
            no_prompt=True,
        )

    def handle(self, line: str) -> Reply:
        """One line from the client: a question's answer or a command."""
        if self.question is not None:
            answer, self.question = self.question, None
            return answer(line)
        return self.dispatch(line)


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


async def run_shell(process: asyncssh.SSHServerProcess[str], device: LabDevice, user: str) -> None:
    """Serve an interactive session until the client leaves or a fault drops it."""
    shell = Shell(device, user)
    banner = device.dialect.messages.banner.format(now=device.now().strftime("%Y-%m-%d %H:%M:%S"))
    process.stdout.write(_crlf(banner) + shell.prompt())
    buffer: list[str] = []
    last_cr = False
    try:
        while True:
            data = await process.stdin.read(4096)
            if not data:
                break
            echo: list[str] = []
            for char in data:
                if char == "\n" and last_cr:
                    last_cr = False
                    continue
                last_cr = char == "\r"
                if char in "\r\n":
                    if echo:
                        process.stdout.write("".join(echo))
                        echo = []
                    line = "".join(buffer)
                    buffer = []
                    if not await _answer(process, shell, line):
                        return
                elif char in "\x08\x7f":
                    if buffer:
                        buffer.pop()
                        echo.append("\x08 \x08")
                elif char >= " " or char == "\t":
                    buffer.append(char)
                    echo.append(char)
            if echo:
                process.stdout.write("".join(echo))
    except (asyncssh.BreakReceived, asyncssh.TerminalSizeChanged, ConnectionError):
        pass
    except Exception:
        log.exception("%s: session crashed", device.spec.code)
        raise
    finally:
        process.exit(0)


async def _answer(process: asyncssh.SSHServerProcess[str], shell: Shell, line: str) -> bool:
    """Handle one line; False when the session must end."""
    device = shell.device
    faults = device.faults
    if line.strip():
        shell.count += 1
        device.commands.append(CommandRecord(shell.session_id, shell.prompt(), line.strip()))
        if faults.drop_after_commands is not None and shell.count > faults.drop_after_commands:
            process.channel.get_connection().abort()
            return False
    action = ""
    if line.strip() and shell.question is None:
        found = _command_grammar(device, shell.mode).match("cmd", line.strip())
        action = found.rule.action if isinstance(found, Match) else ""
    reply = shell.handle(line)
    if faults.drop_on_commit and action in device.dialect.commit_actions:
        process.channel.get_connection().abort()
        return False
    if faults.delay > 0:
        await asyncio.sleep(faults.delay)
    out = "\n" + reply.text if reply.text else "\n"
    if reply.question is not None:
        shell.question = reply.question
    if not reply.no_prompt and not reply.close:
        out += shell.prompt()
    process.stdout.write(_crlf(out))
    if reply.close:
        await process.stdout.drain()
        return False
    return True
