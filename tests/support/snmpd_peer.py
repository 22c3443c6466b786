"""Debian's Net-SNMP ``snmpd`` as a test peer on a loopback high port.

The agent reads only its own generated configuration (``-C -c``), keeps its
persistent data (engine boots, localised users) in its own folder, loads no MIB
files and listens on ``udp:127.0.0.1:<free port>``. Its USM users, one per
protocol combination, are created by ``createUser`` lines in that configuration
(throwaway lab passphrases).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from snmp_cli import AUTH, PRIV

COMMUNITY = "public-snmpd"


@dataclass(frozen=True)
class SnmpdUser:
    """One USM user of the peer: name, protocols as Net-SNMP spells them."""

    name: str
    auth: str
    priv: str | None  # None: authNoPriv

    @property
    def level(self) -> str:
        """Net-SNMP's ``-l`` value."""
        return "authNoPriv" if self.priv is None else "authPriv"

    def netsnmp_args(self) -> list[str]:
        """``snmpget``/``snmpbulkwalk`` arguments for this user."""
        args = ["-v3", "-l", self.level, "-u", self.name, "-a", self.auth, "-A", AUTH]
        return args if self.priv is None else [*args, "-x", self.priv, "-X", PRIV]


USERS = (
    SnmpdUser("md5des", "MD5", "DES"),
    SnmpdUser("md5aes", "MD5", "AES"),
    SnmpdUser("shades", "SHA", "DES"),
    SnmpdUser("shaaes", "SHA", "AES"),
    SnmpdUser("sha256aes", "SHA-256", "AES"),
    SnmpdUser("md5auth", "MD5", None),
    SnmpdUser("shaauth", "SHA", None),
)


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if found is None:
        raise RuntimeError(f"{name} is not installed (Debian package snmpd/snmp; run make setup)")
    return found


class DebianSnmpd:
    """``with DebianSnmpd(folder) as agent:`` a running snmpd answering on ``agent.port``."""

    def __init__(self, folder: Path, sys_name: str = "egovnet-snmpd-peer") -> None:
        self.folder = folder
        self.sys_name = sys_name
        self.port = 0
        self.engine_id = "egovnet-test-peer"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        """``127.0.0.1:<port>`` for Net-SNMP's tools."""
        return f"127.0.0.1:{self.port}"

    def conf(self) -> str:
        """The generated ``snmpd.conf``."""
        lines = [
            f"[snmp] persistentDir {self.folder / 'persistent'}",
            f"agentAddress udp:127.0.0.1:{self.port}",
            f"engineID {self.engine_id}",
            f"sysName {self.sys_name}",
            "sysLocation egovnet test suite",
            "sysContact tests@egovnet.invalid",
            f"rocommunity {COMMUNITY} 127.0.0.1",
        ]
        for user in USERS:
            priv = f' {user.priv} "{PRIV}"' if user.priv else ""
            lines.append(f'createUser {user.name} {user.auth} "{AUTH}"{priv}')
            lines.append(f"rouser {user.name} {'auth' if user.priv is None else 'priv'}")
        return "\n".join([*lines, ""])

    def start(self, timeout: float = 15.0) -> DebianSnmpd:
        """Write the configuration, start snmpd and wait until it answers."""
        (self.folder / "persistent").mkdir(parents=True, exist_ok=True)
        self.port = _free_udp_port()
        conf = self.folder / "snmpd.conf"
        conf.write_text(self.conf())
        conf.chmod(0o600)
        log = self.folder / "snmpd.log"
        env = {
            "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            "SNMP_PERSISTENT_DIR": str(self.folder / "persistent"),
            "SNMPCONFPATH": str(self.folder),
            "MIBS": "",
            "MIBDIRS": str(self.folder),
        }
        argv = [_tool("snmpd"), "-f", "-Lo", "-C", "-c", str(conf), "-p", str(self.folder / "pid")]
        with log.open("wb") as out:
            self._process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env
            )
        deadline = time.monotonic() + timeout
        while not self._listening():
            if self._process.poll() is not None:
                raise RuntimeError(f"snmpd exited {self._process.returncode}: {log.read_text()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"snmpd did not bind udp/{self.port} in {timeout} s")
            time.sleep(0.02)
        return self

    def _listening(self) -> bool:
        want = f"0100007F:{self.port:04X}"
        table = Path("/proc/net/udp").read_text().splitlines()[1:]
        return any(line.split()[1] == want for line in table if line.strip())

    def stop(self) -> None:
        """Stop snmpd and wait for it."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def __enter__(self) -> DebianSnmpd:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
