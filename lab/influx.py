"""Start and stop a local InfluxDB 1.x server (Debian's ``influxd``) for tests and demos.

The server keeps its meta, data and WAL directories under one folder and
listens on 127.0.0.1 only. It can be killed and started again on the same
folder and port, which is how the tests prove the monitoring spool loses
nothing while InfluxDB is down::

    with InfluxServer(Path("/tmp/influx-demo")) as server:
        print(server.url)       # http://127.0.0.1:<port>
        server.kill()           # like a crash (SIGKILL)
        server.start()          # same data, same port

Importable without pytest; ``python -m lab.influx DIR`` runs one in the
foreground for ``make demo``. Only the standard library and urllib3 are used
(no dependency on ``monitoring``).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

import urllib3

from lab.errors import LabError

#: Throwaway admin account created on auth-enabled lab servers.
LAB_ADMIN_USER = "egov-admin"
LAB_ADMIN_PASSWORD = "egov-lab-influx"

_CONFIG_TEMPLATE = """\
reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"

[meta]
  dir = "{root}/meta"
  logging-enabled = false

[data]
  dir = "{root}/data"
  wal-dir = "{root}/wal"
  wal-fsync-delay = "0s"
  query-log-enabled = false
  trace-logging-enabled = false

[coordinator]
  max-select-buckets = {max_select_buckets}
  max-select-series = 0
  query-timeout = "60s"

[retention]
  enabled = false

[monitor]
  store-enabled = false

[subscriber]
  enabled = false

[continuous_queries]
  enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:{http_port}"
  auth-enabled = {auth_enabled}
  log-enabled = false
  write-tracing = false
  pprof-enabled = false
  max-body-size = 26214400

[logging]
  level = "warn"
  suppress-logo = true
"""


class InfluxServerError(LabError):
    """The lab's influxd could not be found, started or stopped."""


def find_influxd() -> str | None:
    """Path of the ``influxd`` binary, or None when InfluxDB is not installed."""
    return shutil.which("influxd") or (
        "/usr/bin/influxd" if os.access("/usr/bin/influxd", os.X_OK) else None
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class InfluxServer:
    """One ``influxd run -config`` process rooted in ``root``.

    ``auth_enabled`` turns on ``[http] auth-enabled`` and creates the admin
    ``LAB_ADMIN_USER`` / ``LAB_ADMIN_PASSWORD`` at first start.
    """

    def __init__(
        self,
        root: Path,
        *,
        auth_enabled: bool = False,
        max_select_buckets: int = 100_000,
        binary: str | None = None,
        start_timeout: float = 30.0,
    ) -> None:
        self.root = Path(root)
        self.auth_enabled = auth_enabled
        self.max_select_buckets = max_select_buckets
        self.binary = binary or find_influxd()
        self.start_timeout = start_timeout
        self.http_port = 0
        self.rpc_port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._admin_created = False
        self._http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(2.0, 5.0))

    # -- facts -----------------------------------------------------------------
    @property
    def url(self) -> str:
        """Base URL of the HTTP API, e.g. ``http://127.0.0.1:41234``."""
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def config_path(self) -> Path:
        return self.root / "influxd.conf"

    @property
    def log_path(self) -> Path:
        return self.root / "influxd.log"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def running(self) -> bool:
        """True while the process is alive."""
        return self._process is not None and self._process.poll() is None

    # -- lifecycle ---------------------------------------------------------------
    def start(self) -> None:
        """Start influxd (same folder and ports as before on a restart); wait for /ping."""
        if self.running():
            return
        if self.binary is None or not os.access(self.binary, os.X_OK):
            raise InfluxServerError(
                f"influxd not found ({self.binary or 'not on PATH'}): apt-get install influxdb"
            )
        self.root.mkdir(parents=True, exist_ok=True)
        if not self.http_port:
            self.http_port, self.rpc_port = free_port(), free_port()
        self._write_config()
        log = self.log_path.open("ab")
        try:
            self._process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                [self.binary, "run", "-config", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()
        try:
            self._wait_ready()
            if self.auth_enabled and not self._admin_created:
                self._create_admin()
        except BaseException:
            self.kill()
            raise

    def stop(self, timeout: float = 15.0) -> None:
        """Stop gracefully (SIGTERM), SIGKILL if it does not exit within ``timeout``."""
        self._signal_and_wait(signal.SIGTERM, timeout)

    def kill(self) -> None:
        """Kill at once (SIGKILL), as in a crash or power loss of the server process."""
        self._signal_and_wait(signal.SIGKILL, 15.0)

    def pause(self) -> None:
        """Freeze the process (SIGSTOP): connections hang, requests time out."""
        if self._process is not None:
            self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Undo :meth:`pause` (SIGCONT)."""
        if self._process is not None:
            self._process.send_signal(signal.SIGCONT)

    def remove(self) -> None:
        """Kill the server and delete its folder."""
        self.kill()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> InfluxServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- internals ---------------------------------------------------------------
    def _write_config(self) -> None:
        self.config_path.write_text(
            _CONFIG_TEMPLATE.format(
                root=self.root.resolve(),
                rpc_port=self.rpc_port,
                http_port=self.http_port,
                max_select_buckets=self.max_select_buckets,
                auth_enabled="true" if self.auth_enabled else "false",
            ),
            encoding="utf-8",
        )

    def _signal_and_wait(self, sig: signal.Signals, timeout: float) -> None:
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            try:
                process.send_signal(signal.SIGCONT)  # a paused process cannot handle SIGTERM
                process.send_signal(sig)
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=timeout)
        self._process = None

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                raise InfluxServerError(
                    f"influxd exited during start ({self.config_path}): {self._log_tail()}"
                )
            try:
                response = self._http.request("GET", f"{self.url}/ping")
                if response.status == 204:
                    return
            except urllib3.exceptions.HTTPError:
                pass
            time.sleep(0.05)
        raise InfluxServerError(
            f"influxd did not answer {self.url}/ping within {self.start_timeout}s: "
            f"{self._log_tail()}"
        )

    def _create_admin(self) -> None:
        statement = (
            f"CREATE USER \"{LAB_ADMIN_USER}\" WITH PASSWORD '{LAB_ADMIN_PASSWORD}'"
            " WITH ALL PRIVILEGES"
        )
        token = base64.b64encode(f"{LAB_ADMIN_USER}:{LAB_ADMIN_PASSWORD}".encode()).decode()
        # The first admin may be created without credentials; on a restart the
        # user already exists and the request must authenticate.
        response = self._http.request(
            "POST",
            f"{self.url}/query",
            fields={"q": statement},
            encode_multipart=False,
            headers={"Authorization": f"Basic {token}"},
        )
        body = response.data.decode("utf-8", "replace")
        if response.status != 200 or '"error"' in body:
            try:
                detail = json.loads(body)
            except ValueError:
                detail = body
            raise InfluxServerError(f"creating the lab admin on {self.url} failed: {detail}")
        self._admin_created = True

    def _log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


def main(argv: list[str] | None = None) -> int:
    """Run a lab influxd in the foreground until Ctrl-C."""
    parser = argparse.ArgumentParser(description="Run a local influxd for the egovnet lab")
    parser.add_argument("root", type=Path, help="folder for config, meta, data and WAL")
    parser.add_argument("--auth", action="store_true", help="enable auth with the lab admin")
    args = parser.parse_args(argv)
    server = InfluxServer(args.root, auth_enabled=args.auth)
    server.start()
    print(f"influxd ready at {server.url} (data in {server.root}); Ctrl-C to stop", flush=True)
    try:
        while server.running():
            time.sleep(1.0)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
