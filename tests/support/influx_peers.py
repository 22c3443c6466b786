"""Helpers for the monitoring tests: a recording HTTP peer and a settings factory type.

Imported by the tests as a top-level module (pytest puts this folder on sys.path).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

import urllib3

from monitoring.influx import InfluxSettings


class SettingsFactory(Protocol):
    def __call__(self, url: str, **overrides: Any) -> InfluxSettings: ...


@dataclass
class Recorded:
    """One request the :class:`HttpPeer` received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HttpPeer:
    """A real HTTP server on 127.0.0.1 that records requests.

    It answers with ``status``/``answer``, or, when ``upstream`` is set and
    ``status`` is None, forwards the request to that influxd and relays its
    answer (a transparent proxy a test can turn into a failing server).
    """

    upstream: str | None = None
    status: int | None = 204
    answer: bytes = b""
    requests: list[Recorded] = field(default_factory=list)
    url: str = ""
    _server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        peer = self
        http = urllib3.PoolManager(retries=False)

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                peer.requests.append(
                    Recorded(self.command, self.path, dict(self.headers.items()), body)
                )
                if peer.status is None and peer.upstream:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host",)}
                    reply = http.request(
                        self.command,
                        peer.upstream + self.path,
                        body=body or None,
                        headers=headers,
                    )
                    status, data = reply.status, reply.data
                else:
                    status, data = peer.status or 204, peer.answer
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _handle
            do_POST = _handle

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
