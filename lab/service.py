"""Bring a lab up and down for the current inventory (what ``egovnet lab`` does).

``up`` derives the devices from the inventory, starts the lab process
(:mod:`lab.runner`) in its own session, waits until it is ready, then points
the inventory's nodes at the emulated devices (127.0.0.1, their SSH and SNMP
ports, credential set ``lab``) and stores the lab's throwaway credentials in
the credential store. ``down`` stops the process, restores what the nodes had
and removes the state directory, so nothing is left behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from inventory import bundle
from inventory.credentials import CredentialSet
from inventory.service import Inventory, ManagementAccess

from .errors import LabError
from .runner import CONTROL, ENDPOINTS
from .specio import write_specs
from .topology import LabCredentials, build_specs, select

CREDENTIAL_SET = "lab"
STATE_FILE = "lab.json"


@dataclass(frozen=True)
class LabDevice:
    """One device of a running lab, as ``lab status`` shows it."""

    code: str
    name: str
    platform: str
    host: str
    ssh_port: int | None
    snmp_port: int


def new_credentials() -> LabCredentials:
    """Throwaway credentials, different for every lab."""
    token = secrets.token_hex(4)
    return LabCredentials(
        username="egov-lab",
        password=f"lab-{secrets.token_urlsafe(9)}",
        community=f"lab-{token}",
        v3_user="nms-lab",
        v3_auth_key=f"auth-{secrets.token_hex(8)}",
        v3_priv_key=f"priv-{secrets.token_hex(8)}",
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_state(state_dir: Path) -> dict[str, Any] | None:
    path = state_dir / STATE_FILE
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def control(state_dir: Path, request: dict[str, Any], timeout: float = 30.0) -> dict[str, Any]:
    """Send one request to the running lab and return its answer."""
    path = state_dir / CONTROL
    if not path.exists():
        raise LabError(f"no lab is running in {state_dir}")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(path))
        sock.sendall(json.dumps(request).encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    reply: dict[str, Any] = json.loads(data or b"{}")
    if not reply.get("ok"):
        raise LabError(reply.get("error", "the lab gave no answer"))
    return reply


def up(
    inventory: Inventory,
    state_dir: Path,
    *,
    size: str = "small",
    clock_factor: float = 1.0,
    ssh_limit: int | None = None,
    timeout: float = 600.0,
) -> dict[str, Any]:
    """Start a lab for the inventory; returns the lab's state document."""
    existing = read_state(state_dir)
    if existing and _alive(int(existing.get("pid", 0))):
        raise LabError(
            f"a lab is already running in {state_dir} (pid {existing['pid']}); run 'egovnet lab down' first"
        )
    if existing:
        down(inventory, state_dir)  # a stale lab: clean it first
    inventory.ensure_schema()
    seeded = False
    if inventory.is_empty():
        inventory.seed(None)
        seeded = True
    state = bundle.export_state(inventory.sessions)
    codes = select(state, size)
    creds = new_credentials()
    specs = build_specs(state, codes, creds)
    state_dir.mkdir(parents=True, exist_ok=True)
    for name in (ENDPOINTS, "failed", CONTROL):
        with contextlib.suppress(FileNotFoundError):
            (state_dir / name).unlink()
    write_specs(state_dir / "specs.json", specs)
    (state_dir / "settings.json").write_text(
        json.dumps({"clock_factor": clock_factor, "ssh_limit": ssh_limit}), encoding="utf-8"
    )
    log = (state_dir / "lab.log").open("ab")
    proc = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "lab.runner", str(state_dir)],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    log.close()
    document = {
        "pid": proc.pid,
        "size": size,
        "seeded": seeded,
        "credentials": asdict(creds),
        "names": {c: state["nodes"][c].name for c in codes},
    }
    (state_dir / STATE_FILE).write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    deadline = time.monotonic() + timeout
    while not (state_dir / ENDPOINTS).exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            tail = (state_dir / "lab.log").read_text(errors="replace").strip().splitlines()[-5:]
            shutil.rmtree(state_dir, ignore_errors=True)
            raise LabError("the lab did not start: " + (" | ".join(tail) or "timed out"))
        time.sleep(0.1)
    ready = json.loads((state_dir / ENDPOINTS).read_text(encoding="utf-8"))
    inventory.credentials.put(
        CREDENTIAL_SET,
        CredentialSet(
            username=creds.username,
            password=creds.password,
            snmp_community=creds.community,
            snmp_v3_user=creds.v3_user,
            snmp_v3_auth_key=creds.v3_auth_key,
            snmp_v3_priv_key=creds.v3_priv_key,
        ),
    )
    updates = {
        code: ManagementAccess(d["host"], d["ssh_port"] or 22, d["snmp_port"], CREDENTIAL_SET)
        for code, d in ready["devices"].items()
    }
    before = inventory.set_management(updates)
    document.update(
        started_s=ready["started_s"],
        devices=ready["devices"],
        restore={code: asdict(m) for code, m in before.items()},
    )
    (state_dir / STATE_FILE).write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return document


def status(state_dir: Path) -> tuple[dict[str, Any], list[LabDevice]]:
    """The running lab's state and devices; raises if no lab runs there."""
    document = read_state(state_dir)
    if document is None or "devices" not in document:
        raise LabError(f"no lab is running in {state_dir}")
    document["running"] = _alive(int(document["pid"]))
    devices = [
        LabDevice(
            code,
            document["names"].get(code, ""),
            d["platform"],
            d["host"],
            d["ssh_port"],
            d["snmp_port"],
        )
        for code, d in sorted(document["devices"].items())
    ]
    return document, devices


def down(inventory: Inventory, state_dir: Path, timeout: float = 60.0) -> bool:
    """Stop the lab, restore the inventory, remove the state; False if there was none."""
    document = read_state(state_dir)
    if document is None:
        return False
    pid = int(document.get("pid", 0))
    if pid and _alive(pid):
        with contextlib.suppress(LabError, OSError):
            control(state_dir, {"op": "stop"}, timeout=5)
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    restore = document.get("restore")
    if restore:
        inventory.set_management({code: ManagementAccess(**m) for code, m in restore.items()})
    inventory.credentials.delete(CREDENTIAL_SET)
    shutil.rmtree(state_dir, ignore_errors=True)
    return True
