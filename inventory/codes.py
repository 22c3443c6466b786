"""Node codes: the one character set, and the one way to build a path from a code.

A code is 1 to 64 characters of ``[A-Za-z0-9_.-]`` that starts with a letter or
a digit and contains no ``..``: it never names a parent folder, an absolute
path, a hidden file or a command-line option, whatever it is used for (a
folder of the lab, a file name of an export, an argument of a tool).

Every path built from a code goes through :func:`path_for`, which checks the
code and refuses a path that does not stay inside its folder.
"""

from __future__ import annotations

import re
from pathlib import Path

#: The longest code (the database column is ``String(64)``).
MAX_LENGTH = 64
CODE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
_CODE = re.compile(CODE_PATTERN)
#: How the rule reads in messages.
RULE = f"1-{MAX_LENGTH} characters of A-Z a-z 0-9 _ . -, starting with a letter or digit, no '..'"


class CodeError(ValueError):
    """A code outside the character set, or a path from a code that leaves its folder."""


def check_code(code: object) -> str:
    """``code`` when it is a valid code; :class:`CodeError` (one line, value shortened) if not."""
    if not isinstance(code, str):
        raise CodeError(f"code {code!r} is not text")
    if len(code) > MAX_LENGTH or not _CODE.fullmatch(code) or ".." in code:
        shown = code if len(code) <= MAX_LENGTH else code[:MAX_LENGTH] + "..."
        raise CodeError(f"code {shown!r} is not valid ({RULE})")
    return code


def path_for(folder: Path, code: str, suffix: str = "") -> Path:
    """``folder / (code + suffix)``, refused unless the code is valid and the path stays in ``folder``."""
    name = check_code(code) + suffix
    base = Path(folder).resolve()
    path = (base / name).resolve()
    if path.parent != base:
        raise CodeError(f"code {code!r}: {path} is outside {base}")
    return Path(folder) / name
