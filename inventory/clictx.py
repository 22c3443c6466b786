"""How package CLIs reach their components without importing the composition root.

The ``egovnet`` root command (in ``web``) puts a loader into ``ctx.meta``;
package commands ask it for the component they need by name, so the
application (and its configuration) is built once, and only when a command
actually needs it.
"""

from __future__ import annotations

from typing import Any

import click

COMPONENTS_KEY = "egovnet.components"


def component(ctx: click.Context, name: str) -> Any:
    """The application's component ``name`` (e.g. ``"inventory"``)."""
    loader = ctx.meta.get(COMPONENTS_KEY)
    if loader is None:
        raise click.UsageError("run this command through the 'egovnet' command")
    return loader(name)


def os_error_line(exc: OSError) -> str:
    """One line for a file or folder the system refused: ``path: reason``.

    >>> os_error_line(FileNotFoundError(2, "No such file or directory", "/nope/x"))
    '/nope/x: No such file or directory'
    """
    where = exc.filename if exc.filename is not None else "a file"
    return f"{where}: {exc.strerror or exc}"
