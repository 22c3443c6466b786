"""``egovnet serve``: the console under waitress (a production WSGI server, not Flask's)."""

from __future__ import annotations

import click

from inventory.clictx import COMPONENTS_KEY


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True)
@click.pass_context
def serve_cmd(ctx: click.Context, host: str, port: int, threads: int) -> None:
    """Serve the web console (waitress) until Ctrl-C."""
    from waitress import serve

    load = ctx.meta[COMPONENTS_KEY]
    load("inventory")  # builds the application once
    app = ctx.meta["egovnet.app"]()
    monitoring = load("monitoring")
    monitoring.ensure_schema()
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"console: http://{shown}:{port}/ (Ctrl-C to stop)")
    serve(app, host=host, port=port, threads=threads, ident="egovnet")
