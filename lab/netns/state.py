"""The lab's state file, and teardown from it (usable from any process).

``up`` records every namespace and process *before* creating it, so a crash
half-way still leaves a state file that ``teardown`` can act on. Teardown only
touches names that start with the lab's unique prefix and processes whose
command line names the lab's state directory (or that run inside the lab's
own namespaces).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lab.netns import _sys
from lab.netns.errors import LabError

STATE_FILE = "state.json"


@dataclass
class LabState:
    """What one lab created; persisted as ``<state_dir>/state.json``."""

    prefix: str
    state_dir: str
    #: code -> namespace name
    namespaces: dict[str, str] = field(default_factory=dict)
    #: label ("snmpd:cty", "relay") -> pid
    pids: dict[str, int] = field(default_factory=dict)
    #: code -> 127.0.0.1 UDP port of the SNMP relay
    snmp_ports: dict[str, int] = field(default_factory=dict)
    created_at: float = 0.0

    @property
    def path(self) -> Path:
        """Location of the state file."""
        return Path(self.state_dir) / STATE_FILE

    def save(self) -> None:
        """Write atomically (rename over the previous file)."""
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2, sort_keys=True))
        os.replace(tmp, self.path)

    @classmethod
    def load(cls, state_dir: Path) -> LabState:
        """Read ``<state_dir>/state.json``; raise :class:`LabError` if missing or bad."""
        path = Path(state_dir) / STATE_FILE
        try:
            data = json.loads(path.read_text())
            return cls(**data)
        except (OSError, ValueError, TypeError) as exc:
            raise LabError(f"{path}: cannot read lab state: {exc}") from exc


def teardown(state_dir: Path | LabState, *, remove_files: bool = True) -> list[str]:
    """Remove everything the lab in ``state_dir`` created; return what was removed.

    Accepts the state directory (from any process) or a :class:`LabState`.

    Kills the lab's recorded processes and every process inside its namespaces,
    deletes its namespaces (which destroys their veths and nftables tables),
    deletes any stray root-namespace link carrying the prefix, then removes the
    state directory (unless ``remove_files`` is False).
    """
    state = state_dir if isinstance(state_dir, LabState) else LabState.load(state_dir)
    removed: list[str] = []
    marker = str(Path(state.state_dir))
    # A recorded pid is ours only while its command line still names our state dir.
    own = [pid for pid in state.pids.values() if marker in _sys.cmdline(pid)]
    if own:
        _sys.terminate(own)
        removed += [f"pid {pid}" for pid in own]
    names = set(state.namespaces.values())
    names.update(ns for ns in _sys.netns_list() if ns.startswith(state.prefix))
    for ns in sorted(names):
        inside = _sys.netns_pids(ns)
        if inside:
            _sys.terminate(inside, grace=1.0)
            removed += [f"pid {pid} in {ns}" for pid in inside]
    ip = _sys.tool("ip")
    existing = set(_sys.netns_list())
    for ns in sorted(names & existing):
        _sys.run([ip, "netns", "delete", ns])
        removed.append(f"netns {ns}")
    for link in _sys.root_links():
        if link.startswith(state.prefix):
            _sys.run([ip, "link", "delete", link], check=False)
            removed.append(f"link {link}")
    if remove_files:
        shutil.rmtree(state.state_dir, ignore_errors=True)
    return removed


def leftovers(prefix: str) -> list[str]:
    """Anything carrying ``prefix`` still on the machine (namespaces, root links).

    Processes are checked by the caller (``pgrep``) since they carry no prefix.
    """
    found = [f"netns {ns}" for ns in _sys.netns_list() if ns.startswith(prefix)]
    found += [f"link {link}" for link in _sys.root_links() if link.startswith(prefix)]
    return found
