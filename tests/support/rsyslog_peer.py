"""A real syslog receiver: Debian's rsyslogd on loopback high ports, with its own config.

It listens on TCP (octet-counted or LF framing, rsyslog's imtcp) and UDP, and
writes every message twice: the raw bytes it received (``raw.log``, one per
line) and the fields rsyslog's own RFC 5424 parser found (``fields.log``:
app-name, msgid, structured data, msg separated by ``|``). Imported as a
top-level module (pytest puts this folder on sys.path).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

CONFIG = """\
global(workDirectory="{root}")
module(load="imtcp")
module(load="imudp")
input(type="imtcp" port="{tcp}" address="127.0.0.1")
input(type="imudp" port="{udp}" address="127.0.0.1")
template(name="raw" type="list") {{
  property(name="rawmsg" controlcharacters="escape")
  constant(value="\\n")
}}
template(name="fields" type="list") {{
  property(name="app-name") constant(value="|")
  property(name="msgid") constant(value="|")
  property(name="structured-data") constant(value="|")
  property(name="msg" droplastlf="on") constant(value="\\n")
}}
*.* action(type="omfile" file="{root}/raw.log" template="raw")
*.* action(type="omfile" file="{root}/fields.log" template="fields")
"""


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def find_rsyslogd() -> str | None:
    return shutil.which("rsyslogd") or (
        "/usr/sbin/rsyslogd" if Path("/usr/sbin/rsyslogd").exists() else None
    )


@dataclass
class Rsyslog:
    root: Path
    tcp: int
    udp: int
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Rsyslog:
        binary = find_rsyslogd()
        if binary is None:
            raise RuntimeError("rsyslogd not found: install the Debian package 'rsyslog'")
        self.root.mkdir(parents=True, exist_ok=True)
        conf = self.root / "rsyslog.conf"
        conf.write_text(CONFIG.format(root=self.root, tcp=self.tcp, udp=self.udp), encoding="utf-8")
        self.proc = subprocess.Popen(
            [binary, "-n", "-f", str(conf), "-i", str(self.root / "rsyslogd.pid")],
            stdout=subprocess.DEVNULL,
            stderr=(self.root / "stderr.log").open("wb"),
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError((self.root / "stderr.log").read_text(errors="replace"))
            try:
                socket.create_connection(("127.0.0.1", self.tcp), timeout=0.2).close()
                time.sleep(0.2)  # imudp binds alongside imtcp
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("rsyslogd did not listen")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def lines(self, name: str, count: int, timeout: float = 10.0) -> list[str]:
        """The first ``count`` lines of ``raw.log`` or ``fields.log`` (waits for them)."""
        path = self.root / name
        deadline = time.monotonic() + timeout
        while True:
            text = path.read_text(encoding="utf-8") if path.exists() else ""
            found = text.splitlines()
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)


def rsyslog(root: Path) -> Rsyslog:
    return Rsyslog(root, free_port(), free_port(socket.SOCK_DGRAM)).start()
