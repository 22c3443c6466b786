"""``egovnet serve``: the real executable under waitress, logged into over HTTP, stopped by SIGINT."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

EGOVNET = str(Path(sys.executable).parent / "egovnet")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_logs_in_over_http_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVNET_")}
    env["EGOVNET_INSTANCE"] = str(tmp_path / "instance")
    made = subprocess.run(
        [EGOVNET, "users", "add", "admin", "--role", "admin"],
        input="Serve-password-1\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    port = _free_port()
    proc = subprocess.Popen(
        [EGOVNET, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        deadline = time.monotonic() + 60
        while True:
            try:
                page = opener.open(f"{base}/login", timeout=5)
                break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr
                time.sleep(0.3)
        assert page.headers["Server"] == "egovnet"  # waitress, ident set
        html = page.read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
        assert token and "登录" in html
        form = urlencode(
            {"csrf_token": token.group(1), "name": "admin", "password": "Serve-password-1"}
        ).encode()
        home = opener.open(f"{base}/login", data=form, timeout=10)
        assert home.url == f"{base}/" and "总览" in home.read().decode()
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert f"console: http://127.0.0.1:{port}/" in out
    assert "Traceback" not in err


def test_serve_on_a_taken_port_is_a_clear_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVNET_")}
    env["EGOVNET_INSTANCE"] = str(tmp_path / "instance")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [EGOVNET, "serve", "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert "error: cannot listen on 127.0.0.1" in done.stderr and "Traceback" not in done.stderr
    assert "no account exists yet" in done.stdout
