"""Running system commands for the namespace lab (one place for subprocess)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from lab.netns.errors import CommandError, LabPrivilegeError

#: Tools the lab calls, resolved once to absolute paths.
REQUIRED_TOOLS = ("ip", "nft", "snmpd", "ping", "sysctl")


def tool(name: str) -> str:
    """Absolute path of a system tool, or raise :class:`LabPrivilegeError`."""
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin:/usr/bin:/bin")
    if path is None:
        raise LabPrivilegeError(f"{name!r} not found on PATH (install iproute2/nftables/snmpd)")
    return path


def run(
    argv: list[str],
    *,
    stdin: str | None = None,
    check: bool = True,
    timeout: float = 30.0,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` (no shell), capture text output; raise CommandError on failure."""
    try:
        proc = subprocess.run(  # noqa: S603 - argv built by the lab, never via a shell
            argv,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=env,
        )
    except subprocess.TimeoutExpired as exc:
        raise CommandError(argv, -1, f"timed out after {timeout} s") from exc
    except OSError as exc:
        raise CommandError(argv, -1, str(exc)) from exc
    if check and proc.returncode != 0:
        raise CommandError(argv, proc.returncode, proc.stderr or proc.stdout)
    return proc


def require_root() -> None:
    """Raise :class:`LabPrivilegeError` unless root with working ``ip netns`` and tools."""
    if os.geteuid() != 0:
        raise LabPrivilegeError(
            f"the netns lab needs root (running as uid {os.geteuid()}): "
            "it creates network namespaces, veths and nftables rules"
        )
    for name in REQUIRED_TOOLS:
        tool(name)
    try:
        run([tool("ip"), "netns", "list"], timeout=10)
    except CommandError as exc:
        raise LabPrivilegeError(f"'ip netns' is unavailable here: {exc}") from exc


def netns_list() -> list[str]:
    """Names of the network namespaces known to ``ip netns``."""
    out = run([tool("ip"), "netns", "list"]).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def root_links() -> list[str]:
    """Interface names in the root network namespace."""
    out = run([tool("ip"), "-o", "link", "show"]).stdout
    names = []
    for line in out.splitlines():
        parts = line.split(":", 2)
        if len(parts) >= 2:
            names.append(parts[1].strip().split("@")[0])
    return names


def netns_pids(netns: str) -> list[int]:
    """Process ids running inside ``netns`` (empty if it does not exist)."""
    proc = run([tool("ip"), "netns", "pids", netns], check=False)
    return [int(tok) for tok in proc.stdout.split() if tok.isdigit()]


def cmdline(pid: int) -> str:
    """The process's command line ('' if it is gone)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace")


def alive(pid: int) -> bool:
    """True if ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def terminate(pids: list[int], grace: float = 2.0) -> None:
    """SIGTERM each pid, then SIGKILL what is still alive after ``grace`` seconds."""
    for pid in pids:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(alive(pid) for pid in pids):
        time.sleep(0.02)
    for pid in pids:
        if alive(pid):
            _signal(pid, signal.SIGKILL)


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
