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


#: ``ctx.meta`` key of the identity loader the root command installs: it returns the
#: authenticated :class:`~inventory.accounts.Account`, or None when no identity was given
ACCOUNT_KEY = "egovnet.account"


def acting(
    ctx: click.Context,
    permission: str,
    *,
    node: str | None = None,
    whole: bool = False,
    write: bool = True,
) -> Any:
    """The :class:`~inventory.audit.Actor` this command runs as, after checking ``permission``.

    With ``--user`` or ``EGOVNET_TOKEN`` the account is authenticated and its
    role and scope are checked (reads included). Without an identity: while the
    database has no account at all the command runs as the local administrator
    ``local:<login>`` (the bootstrap: create the first admin); once accounts
    exist, writes need an identity and reads are allowed (whoever runs the CLI
    on the host can read the database file anyway).
    """
    import getpass

    from .accounts import PermissionDenied, ancestry, require
    from .audit import Actor

    inv = component(ctx, "inventory")
    inv.ensure_schema()
    loader = ctx.meta.get(ACCOUNT_KEY)
    account = loader() if loader is not None else None
    if account is None:
        if write and inv.accounts.count() > 0:
            raise PermissionDenied(
                "this instance has accounts: act as one with 'egovnet --user NAME' "
                "or the EGOVNET_TOKEN environment variable"
            )
        try:
            login = getpass.getuser()
        except (KeyError, OSError):
            login = "unknown"
        return Actor(f"local:{login}", "admin")
    path = None
    if node is not None:
        with inv.sessions() as session:
            path = ancestry(session, node) or [node]
    require(account, permission, path=path, whole=whole)
    return Actor(account.name, account.role.value, account.contractor)


def record(
    ctx: click.Context, actor: Any, action: str, target: str, details: dict[str, Any] | None = None
) -> None:
    """Append the audit row of a CLI write done by ``actor``."""
    component(ctx, "inventory").audit.append(actor, action, target, details, source="cli")
