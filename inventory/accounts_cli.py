"""``egovnet users ...`` and ``egovnet audit ...`` (plain click; composed by ``web``).

Passwords are never taken from the command line: a hidden prompt (asked
twice) on a terminal, else the first line of standard input.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from typing import Any

import click

from .clictx import acting, component, record
from .errors import InventoryError, ValidationError


class _Group(click.Group):
    """Account, permission and validation errors: one line on stderr, exit 1 (2 for usage)."""

    def invoke(self, ctx: click.Context) -> Any:
        from sqlalchemy.exc import OperationalError

        try:
            return super().invoke(ctx)
        except ValidationError as exc:
            where = f"{exc.field}: " if exc.field and not str(exc).startswith(exc.field) else ""
            click.echo(f"error: {where}{exc}", err=True)
            ctx.exit(2)
        except InventoryError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            click.echo(f"error: cannot use the database: {reason}", err=True)
            ctx.exit(1)


def read_password(label: str = "Password", *, confirm: bool = False) -> str:
    """A password: hidden prompt on a terminal, else the next line of standard input."""
    if sys.stdin is not None and sys.stdin.isatty():
        value: str = click.prompt(label, hide_input=True, confirmation_prompt=confirm)
    else:
        value = (sys.stdin.readline() if sys.stdin is not None else "").rstrip("\r\n")
    if not value:
        raise click.UsageError(f"{label.lower()}: an empty value was given")
    return value


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected YYYY-MM-DD, e.g. 2027-06-30") from None


@click.group("users", cls=_Group)
def users_cli() -> None:
    """Accounts: roles, subtree scopes, contractor expiry, API tokens."""


@users_cli.command("add")
@click.argument("name")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "engineer", "security", "operator", "auditor"]),
)
@click.option("--scope", default=None, help="Engineer only: the node code of the subtree.")
@click.option(
    "--expires",
    default=None,
    callback=_date,
    help="Contractor: last day the account may log in (YYYY-MM-DD).",
)
@click.option("--language", type=click.Choice(["zh_CN", "en"]), default=None)
@click.pass_context
def users_add(
    ctx: click.Context,
    name: str,
    role: str,
    scope: str | None,
    expires: date | None,
    language: str | None,
) -> None:
    """Create an account (the password is asked for, or read from standard input)."""
    actor = acting(ctx, "users.manage")
    password = read_password("Password", confirm=True)
    inv = component(ctx, "inventory")
    account = inv.accounts.add(
        name, role, password, scope=scope, expires_on=expires, language=language
    )
    record(
        ctx,
        actor,
        "users.add",
        name,
        {"role": role, "scope": scope, "expires": expires.isoformat() if expires else None},
    )
    note = f", contractor until {expires}" if expires else ""
    click.echo(
        f"created user {account.name} ({account.role}{', scope ' + scope if scope else ''}{note})"
    )
    if account.expired():
        click.echo(f"note: {expires} has passed: {name} cannot log in", err=True)


@users_cli.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def users_list(ctx: click.Context, as_json: bool) -> None:
    """Every account (no secrets)."""
    acting(ctx, "users.read", write=False)
    found = component(ctx, "inventory").accounts.list()
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "name": a.name,
                        "role": a.role.value,
                        "scope": a.scope,
                        "expires": a.expires_on.isoformat() if a.expires_on else None,
                        "contractor": a.contractor,
                        "disabled": a.disabled,
                        "expired": a.expired(),
                        "locked": a.locked(),
                    }
                    for a in found
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not found:
        click.echo("no accounts (the CLI acts as the local administrator)")
    for a in found:
        flags = [
            f
            for f, on in (
                ("disabled", a.disabled),
                ("expired", a.expired()),
                ("locked", a.locked()),
            )
            if on
        ]
        click.echo(
            f"{a.name:<20} {a.role.value:<9} scope {a.scope or '-':<10} "
            f"expires {a.expires_on.isoformat() if a.expires_on else '-':<10}"
            + (f"  [{', '.join(flags)}]" if flags else "")
        )


def _set_state(ctx: click.Context, name: str, action: str) -> None:
    actor = acting(ctx, "users.manage")
    accounts = component(ctx, "inventory").accounts
    if action == "disable":
        accounts.set_disabled(name, True)
    elif action == "enable":
        accounts.set_disabled(name, False)
    else:
        accounts.unlock(name)
    record(ctx, actor, f"users.{action}", name)
    click.echo(f"{action}d user {name}" if action != "unlock" else f"unlocked user {name}")


@users_cli.command("disable")
@click.argument("name")
@click.pass_context
def users_disable(ctx: click.Context, name: str) -> None:
    """Disable an account (it cannot log in; its API tokens are revoked)."""
    _set_state(ctx, name, "disable")


@users_cli.command("enable")
@click.argument("name")
@click.pass_context
def users_enable(ctx: click.Context, name: str) -> None:
    """Enable a disabled account again."""
    _set_state(ctx, name, "enable")


@users_cli.command("unlock")
@click.argument("name")
@click.pass_context
def users_unlock(ctx: click.Context, name: str) -> None:
    """Lift a lockout after repeated failed logins."""
    _set_state(ctx, name, "unlock")


@users_cli.command("token")
@click.argument("name")
@click.pass_context
def users_token(ctx: click.Context, name: str) -> None:
    """Create an API token for NAME and print it once (store it; only its digest is kept)."""
    actor = acting(ctx, "inventory.read", write=True)
    if actor.name != name and actor.role != "admin":
        from .accounts import PermissionDenied

        raise PermissionDenied(f"{actor.name} may create tokens only for itself")
    token = component(ctx, "inventory").accounts.new_token(name)
    record(ctx, actor, "users.token", name)
    click.echo(token)


@click.group("audit", cls=_Group)
def audit_cli() -> None:
    """The append-only, hash-chained audit log."""


@audit_cli.command("verify")
@click.option("--head", default=None, metavar="N:HASH", help="A head printed by an earlier verify.")
@click.pass_context
def audit_verify(ctx: click.Context, head: str | None) -> None:
    """Check the hash chain; exit 1 naming the first broken row."""
    if head is not None:
        number, sep, digest = head.partition(":")
        if not sep or not number.isdigit() or len(digest) != 64:
            raise click.BadParameter(f"{head!r}: expected N:HASH as printed by audit verify")
    acting(ctx, "audit.read", write=False)
    verdict = component(ctx, "inventory").audit.verify(head=head)
    if not verdict.ok:
        click.echo(f"audit log BROKEN at row {verdict.broken_id}: {verdict.reason}", err=True)
        click.echo(f"rows 1..{verdict.head_id} verified before it", err=True)
        ctx.exit(1)
    click.echo(f"audit log ok: {verdict.rows} rows, head {verdict.head}")


@audit_cli.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--actor", default=None, help="Only this account's rows.")
@click.option("--action", default=None, help="Only actions starting with this (e.g. users.).")
@click.option("--contractor", "contractor_only", is_flag=True, help="Only contractors' rows.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def audit_list(
    ctx: click.Context,
    limit: int,
    actor: str | None,
    action: str | None,
    contractor_only: bool,
    as_json: bool,
) -> None:
    """Rows, newest first."""
    acting(ctx, "audit.read", write=False)
    rows = component(ctx, "inventory").audit.rows(
        limit=limit, actor=actor, action=action, contractor_only=contractor_only
    )
    if as_json:
        click.echo(json.dumps([r.to_json() for r in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no audit rows")
    for r in rows:
        mark = " [外包 contractor]" if r.contractor else ""
        details = json.dumps(r.details, ensure_ascii=False) if r.details else ""
        click.echo(
            f"#{r.id:<6} {r.at[:19]}Z {r.actor} ({r.role}){mark} via {r.source}: "
            f"{r.action} {r.target} {details}".rstrip()
        )
