"""``egovnet system backup`` and ``egovnet system restore`` (archive format: :mod:`web.sysbackup`).

Both need the permission ``system.backup`` (admin). A restore goes only into an
empty instance (a fresh database with the same credential-store key: copy the
key file or set ``EGOVNET_SECRET_KEY``); it is audited after the restored chain.
"""

from __future__ import annotations

import getpass
import hashlib
from pathlib import Path
from typing import Any

import click

from inventory.clictx import ACCOUNT_KEY, acting, component, os_error_line
from inventory.errors import InventoryError


class _Group(click.Group):
    """Refusals: one line on stderr, exit 1; nothing written."""

    def invoke(self, ctx: click.Context) -> Any:
        from sqlalchemy.exc import OperationalError

        try:
            return super().invoke(ctx)
        except InventoryError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            click.echo(f"error: cannot use the database: {reason}", err=True)
            ctx.exit(1)
        except OSError as exc:
            click.echo(f"error: {os_error_line(exc)}", err=True)
            ctx.exit(1)


@click.group("system", cls=_Group)
def system_cli() -> None:
    """Control-plane backup and restore (database, key verifier, configuration)."""


def _key(inventory: Any, *, may_create: bool) -> bytes:
    """The credential-store key of this instance (verified against the database when used)."""
    from inventory.credentials import CredentialStore, load_key

    from .sysbackup import BackupError

    settings = inventory.settings
    if not may_create and not settings.secret_key and not Path(settings.secret_key_file).exists():
        raise BackupError(
            "this instance has no credential-store key: copy the key file of the backed-up "
            f"instance to {settings.secret_key_file} or set EGOVNET_SECRET_KEY "
            "(nothing was written)"
        )
    key = load_key(settings.secret_key, settings.secret_key_file, may_create=may_create)
    if may_create:  # the source: refuse a key other than the one its rows were written with
        CredentialStore(inventory.sessions, key).verify()
    return key


def _upgrade_all(engine: Any) -> None:
    from .sysbackup import chains

    for chain in chains():
        chain.upgrade(engine)


@system_cli.command("backup")
@click.option(
    "--output", "-o", "output", required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@click.pass_context
def backup_cmd(ctx: click.Context, output: Path) -> None:
    """Write every component's tables, the key verifier and the configuration to OUTPUT."""
    from .sysbackup import write_archive

    actor = acting(ctx, "system.backup")
    inventory = component(ctx, "inventory")
    config = component(ctx, "config")
    _upgrade_all(inventory.engine)
    key = _key(inventory, may_create=True)
    manifest = write_archive(output, engine=inventory.engine, key=key, config=config)
    output.chmod(0o600)
    digest = hashlib.sha256(output.read_bytes()).hexdigest()
    rows = sum(t["rows"] for t in manifest["tables"].values())
    inventory.audit.append(
        actor,
        "system.backup",
        str(output.name),
        {"sha256": digest, "rows": rows, "heads": manifest["heads"]},
        source="cli",
    )
    click.echo(f"backup: {output} ({len(manifest['tables'])} tables, {rows} rows, sha256 {digest})")


@system_cli.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def restore_cmd(ctx: click.Context, archive: Path) -> None:
    """Restore ARCHIVE into this instance, which must be empty (same credential-store key)."""
    from inventory import db
    from inventory.audit import Actor

    from .sysbackup import BackupError, chains, data_rows, load, read_archive

    inventory = component(ctx, "inventory")
    config = component(ctx, "config")
    data = archive.read_bytes()
    all_chains = chains()
    key = _key(inventory, may_create=False)
    parsed = read_archive(data, key, heads={c.name: c.head() for c in all_chains})
    holding = data_rows(inventory.engine, all_chains)  # before any migration touches it
    if not holding:
        for chain in all_chains:
            chain.upgrade(inventory.engine)
        holding = data_rows(inventory.engine, all_chains)
    if holding:
        shown = ", ".join(f"{name} ({n} rows)" for name, n in sorted(holding.items())[:6])
        raise BackupError(
            f"this instance is not empty ({shown}): restore only into a fresh database; "
            "nothing was changed"
        )
    loader = ctx.meta.get(ACCOUNT_KEY)
    account = loader() if loader is not None else None
    if account is not None:  # pragma: no cover - an empty instance has no accounts
        from inventory.accounts import require

        require(account, "system.backup")
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    actor = Actor(f"local:{login}", "admin")
    digest = hashlib.sha256(data).hexdigest()
    with db.transaction(inventory.sessions) as session:
        counts = load(session, parsed)
        inventory.audit.append(
            actor,
            "system.restore",
            archive.name,
            {
                "sha256": digest,
                "rows": sum(counts.values()),
                "made_at": parsed.manifest.get("created_at"),
                "from_dialect": parsed.manifest.get("dialect"),
            },
            source="cli",
            session=session,
        )
    click.echo(
        f"restored {sum(counts.values())} rows in {len(counts)} tables from {archive} "
        f"(made {parsed.manifest.get('created_at')}, egovnet {parsed.manifest.get('egovnet')})"
    )
    _restore_config(config, parsed.config)


def _restore_config(config: Any, saved: dict[str, Any]) -> None:
    """Write the archive's configuration when the instance has none, else name the differences."""
    from .sysbackup import toml_text

    values = saved.get("values") or {}
    redacted = saved.get("redacted") or []
    if not values and not redacted:
        return
    target = Path(config.instance_path) / "egovnet.toml"
    if config.file is None and not target.exists():
        body = toml_text(values)
        if body is not None:
            target.write_text(
                "# written by 'egovnet system restore' from the backup's configuration\n" + body,
                encoding="utf-8",
            )
            click.echo(f"configuration: wrote {target}")
    else:
        for key, value in sorted(values.items()):
            here = config.values.get(key)
            if here != value:
                click.echo(f"note: configuration {key} is {value!r} in the backup, {here!r} here")
    if redacted:
        click.echo(f"note: not in the backup (secrets, set them again): {', '.join(redacted)}")
