"""Two processes allocating at the same moment never receive the same prefix or VLAN."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from inventory_bundles import BASE

WORKER = """
import json, os, sys, time
from inventory.choices import AllocationKind
from web.app import create_app
go = sys.argv[1]
while not os.path.exists(go):
    time.sleep(0.005)
inv = create_app().extensions["egovnet"]["inventory"]
got = []
for i in range(int(sys.argv[2])):
    got.append(inv.allocate("411302", AllocationKind.PREFIX, size=28).value)
    got.append(inv.allocate("411302", AllocationKind.VLAN).value)
    got.append(inv.allocate("411302001", AllocationKind.P2P).value)
print(json.dumps(got))
"""


def test_concurrent_processes_get_distinct_allocations(
    inventory: Any, tmp_path: Path, database_url: str, instance_path: Path
) -> None:
    bundle = tmp_path / "base.yaml"
    bundle.write_text(BASE, encoding="utf-8")
    inventory.import_path(bundle)
    go = tmp_path / "go"
    env = {
        **os.environ,
        "EGOVNET_DATABASE_URL": database_url,
        "EGOVNET_INSTANCE": str(instance_path),
    }
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(go), "12"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    time.sleep(1.0)  # let every worker import and wait at the barrier
    go.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    prefixes = [v for r in results for v in r[0::3]]
    vlans = [v for r in results for v in r[1::3]]
    p2ps = [v for r in results for v in r[2::3]]
    assert len(set(prefixes)) == len(prefixes) == 48
    assert len(set(vlans)) == len(vlans) == 48
    assert len(set(p2ps)) == len(p2ps) == 48
    stats = inventory.stats()["allocations"]
    assert stats["vlans"] == 1 + 48
    assert stats["prefixes"]["subnet"] == 1 + 48
    assert stats["prefixes"]["p2p"] == 48
