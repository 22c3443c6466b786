"""``egovnet serve``: the console under waitress (a production WSGI server, not Flask's)."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

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
    from provisioning.schema import upgrade as upgrade_provisioning

    upgrade_provisioning(load("inventory").engine)
    load("security").ensure_schema()
    if load("inventory").accounts.count() == 0:
        click.echo(
            "note: no account exists yet: create one with 'egovnet users add NAME --role admin'"
        )
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"console: http://{shown}:{port}/ (Ctrl-C to stop)")
    try:
        serve(app, host=host, port=port, threads=threads, ident="egovnet")
    except OSError as exc:
        click.echo(f"error: cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
        ctx.exit(2)


class Background:
    """The console under waitress in a thread (the demo); :meth:`stop` closes it."""

    def __init__(self, app: Any, host: str, port: int, threads: int = 4) -> None:
        from waitress.server import create_server

        self.server: Any = create_server(
            app, host=host, port=port, threads=threads, ident="egovnet"
        )
        self.port = int(self.server.effective_port)
        self.thread = threading.Thread(target=self._run, name="egovnet-console", daemon=True)

    def _run(self) -> None:
        with contextlib.suppress(OSError, ValueError):  # closed under the loop by stop()
            self.server.run()

    def start(self) -> Background:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.close()
        self.thread.join(timeout=10)
