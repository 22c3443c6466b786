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
