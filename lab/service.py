"""Bring a lab up and down for the current inventory (what ``egovnet lab`` does).

The lab never writes the operator's inventory (the configured database). ``up``
copies it into the lab's own database (``<state>/lab.db``, or an explicit
``lab_database`` URL), derives the devices from the copy, starts the lab process
(:mod:`lab.runner`) in its own session, waits until it is ready, then points the
*copy's* nodes at the emulated devices (127.0.0.1, their SSH and SNMP ports,
credential set ``lab``, holding the lab's throwaway credentials) and clears the
management address of every node the lab does not emulate, so a run on the lab
database reaches the lab and nothing else. An empty inventory gives a lab of the
example city, seeded into the lab database only.

The rule, checked before anything starts: the lab database is never the
inventory's own database, and it may be written only when it holds no active
device that is reachable outside the lab (an active node with a management
address and a credential set other than ``lab``): it is empty or an earlier
lab's database. ``down`` stops the process and removes the state directory (the
default lab database with it); it writes no database.
"""

from __future__ import annotations

import contextlib
import dataclasses
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

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from inventory import bundle
from inventory.codes import CodeError
from inventory.credentials import CredentialSet
from inventory.models import Node
from inventory.seed import build_city, example_divisions
from inventory.service import Inventory, ManagementAccess

from .errors import LabConfigError, LabError
from .runner import CONTROL, ENDPOINTS
from .specio import write_specs
from .topology import LabCredentials, build_specs, select

CREDENTIAL_SET = "lab"
STATE_FILE = "lab.json"
LAB_DATABASE = "lab.db"


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
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LabError(
            f"the lab state file {path} is unreadable ({_first_line(exc)}): stop the lab "
            f"process by hand if one still runs, then remove {state_dir}"
        ) from None
    if not isinstance(data, dict):
        raise LabError(f"the lab state file {path} is not a lab state document")
    return data


def control(state_dir: Path, request: dict[str, Any], timeout: float = 30.0) -> dict[str, Any]:
    """Send one request to the running lab and return its answer."""
    path = state_dir / CONTROL
    if not path.exists():
        raise LabError(f"no lab is running in {state_dir}")
    try:
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
    except (OSError, json.JSONDecodeError) as exc:
        raise LabError(
            f"the lab in {state_dir} does not answer ({_first_line(exc)}); "
            "'egovnet lab down' cleans up a lab that died"
        ) from None
    if not reply.get("ok"):
        raise LabError(reply.get("error", "the lab gave no answer"))
    return reply


def lab_database_url(state_dir: Path) -> str:
    """The default lab database: a SQLite file in the lab's state folder."""
    return f"sqlite:///{Path(state_dir).resolve() / LAB_DATABASE}"


def _url(inventory: Inventory) -> str:
    return inventory.engine.url.render_as_string(hide_password=False)


def lab_inventory(inventory: Inventory, url: str) -> Inventory:
    """The inventory facade over the lab database ``url`` (same key and IPAM settings)."""
    return Inventory(dataclasses.replace(inventory.settings, database_url=url))


def _has_nodes(inventory: Inventory) -> bool:
    """True when the database has the inventory's tables and at least one node (reads only)."""
    if not sa.inspect(inventory.engine).has_table(Node.__tablename__):
        return False
    return not inventory.is_empty()


def _live_devices(inventory: Inventory) -> list[str]:
    """Active nodes reachable outside a lab: an address and a credential set other than ``lab``."""
    with inventory.sessions() as session:
        rows = session.execute(
            sa.select(Node.code)
            .where(Node.status == "active", Node.mgmt_address.is_not(None))
            .where(sa.or_(Node.credential_ref.is_(None), Node.credential_ref != CREDENTIAL_SET))
            .order_by(Node.code)
        )
        return list(rows.scalars())


def _check_lab_database(inventory: Inventory, lab: Inventory) -> None:
    """Refuse a lab database that is the inventory, or one holding live devices."""
    shown = lab.engine.url.render_as_string(hide_password=True)
    if _url(lab) == _url(inventory):
        raise LabError(
            f"the lab database {shown} is the inventory's own database: the lab never writes "
            "the inventory; give another --lab-database (or none, for one in the lab's state folder)"
        )
    if _has_nodes(lab):
        live = _live_devices(lab)
        if live:
            more = f" and {len(live) - 3} more" if len(live) > 3 else ""
            raise LabError(
                f"the lab database {shown} holds {len(live)} active device(s) reachable outside "
                f"a lab ({', '.join(live[:3])}{more}): refused, a lab overwrites its database; "
                "give an empty one"
            )


def _copy(inventory: Inventory, lab: Inventory, state_dir: Path) -> bool:
    """Copy the inventory into the lab database (the example city if it is empty); True if seeded."""
    lab.ensure_schema()
    if not _has_nodes(inventory):
        lab.import_parsed(build_city(example_divisions(), lab.settings.ipam), prune=True)
        return True
    path = state_dir / "inventory.yaml"
    path.write_bytes(inventory.export_yaml())
    try:
        lab.import_path(path, prune=True)
    finally:
        path.unlink()
    return False


def up(
    inventory: Inventory,
    state_dir: Path,
    *,
    lab_database: str | None = None,
    size: str = "small",
    clock_factor: float = 1.0,
    ssh_limit: int | None = None,
    timeout: float = 600.0,
) -> dict[str, Any]:
    """Start a lab for the inventory on its own database; returns the lab's state document.

    ``inventory`` is only read. Raises :class:`LabError` when a lab runs in
    ``state_dir`` or when the lab database is refused (see the module).
    """
    existing = read_state(state_dir)
    if existing and _alive(int(existing.get("pid", 0))):
        raise LabError(
            f"a lab is already running in {state_dir} (pid {existing['pid']}); run 'egovnet lab down' first"
        )
    if existing:
        down(state_dir)  # a stale lab: clean it first
    url = lab_database or lab_database_url(state_dir)
    try:
        lab = lab_inventory(inventory, url)
    except (SQLAlchemyError, ImportError) as exc:
        try:
            shown = repr(sa.engine.make_url(url).render_as_string(hide_password=True))
        except SQLAlchemyError:
            shown = repr(url)
        raise LabConfigError(f"lab database {shown}: {_first_line(exc)}") from None
    try:
        _check_lab_database(inventory, lab)
        state_dir.mkdir(parents=True, exist_ok=True)
        try:
            return _start(inventory, lab, state_dir, url, size, clock_factor, ssh_limit, timeout)
        except BaseException:
            shutil.rmtree(state_dir, ignore_errors=True)
            raise
    except SQLAlchemyError as exc:
        shown = lab.engine.url.render_as_string(hide_password=True)
        raise LabError(f"database ({shown} or the inventory's): {_first_line(exc)}") from None
    except CodeError as exc:
        raise LabError(f"the inventory has a node the lab cannot build: {exc}") from None
    finally:
        lab.dispose()


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _start(
    inventory: Inventory,
    lab: Inventory,
    state_dir: Path,
    url: str,
    size: str,
    clock_factor: float,
    ssh_limit: int | None,
    timeout: float,
) -> dict[str, Any]:
    seeded = _copy(inventory, lab, state_dir)
    state = bundle.export_state(lab.sessions)
    codes = select(state, size)
    creds = new_credentials()
    specs = build_specs(state, codes, creds)
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
    document: dict[str, Any] = {
        "pid": proc.pid,
        "size": size,
        "seeded": seeded,
        "database": url,
        "credentials": asdict(creds),
        "names": {c: state["nodes"][c].name for c in codes},
    }
    (state_dir / STATE_FILE).write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    try:
        deadline = time.monotonic() + timeout
        while not (state_dir / ENDPOINTS).exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = (state_dir / "lab.log").read_text(errors="replace").strip().splitlines()
                raise LabError("the lab did not start: " + (" | ".join(tail[-5:]) or "timed out"))
            time.sleep(0.1)
        ready = json.loads((state_dir / ENDPOINTS).read_text(encoding="utf-8"))
        lab.credentials.put(
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
        # nodes the lab does not emulate keep no address: a lab run reaches only the lab
        updates = {
            code: ManagementAccess(None, rec.ssh_port, rec.snmp_port, None)
            for code, rec in state["nodes"].items()
            if rec.mgmt_address is not None or rec.credentials is not None
        }
        updates.update(
            (code, ManagementAccess(d["host"], d["ssh_port"] or 22, d["snmp_port"], CREDENTIAL_SET))
            for code, d in ready["devices"].items()
        )
        lab.set_management(updates)
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    document.update(started_s=ready["started_s"], devices=ready["devices"])
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


def down(state_dir: Path, timeout: float = 60.0) -> bool:
    """Stop the lab and remove its state (the default lab database with it); False if there was none.

    No inventory is written: the operator's never was, and a lab database given
    with ``--lab-database`` is left as the lab last had it.
    """
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
    shutil.rmtree(state_dir, ignore_errors=True)
    return True
