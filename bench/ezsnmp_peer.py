"""The Net-SNMP peer of bench_poller.py: fetch the poller's columns with ezsnmp, one round at a time.

Runs in whichever venv has the ezsnmp to measure (1.1 in ``bench/out/ezsnmp-1.1``,
2.5 in the project's ``.venv``: two versions cannot share one venv), so
bench_poller.py starts it as a subprocess against the same lab agents.
Reads one JSON job on stdin: ``{"targets": [[port, community | null], ...],
"columns": [dotted, ...], "scalars": [dotted, ...], "rounds": N, "repetitions": R,
"v3": {"user":, "auth":, "priv":}}``; prints one JSON line per round:
``{"cpu": s, "wall": s, "requests": n, "varbinds": n}``.

Every device is fetched as our client does it (sequentially here, which is
the fastest Net-SNMP can go from Python): GETBULK of the scalars (as
non-repeaters, ezsnmp 1.x only: 2.x has no per-request non-repeaters) and
the columns, then GETBULK again from the last OID of every column that has
not ended, until each column has left its prefix. On the 1,500-byte
platforms that is several requests per device, as for the poller.
"""

from __future__ import annotations

import json
import sys
import time
from importlib import metadata
from typing import Any

import ezsnmp

VERSION = metadata.version("ezsnmp")
MAJOR = int(VERSION.split(".")[0])


def _session(port: int, community: str | None, job: dict[str, Any]) -> Any:
    v3 = job["v3"]
    reps = job["repetitions"]
    if MAJOR >= 2:
        common: dict[str, Any] = dict(
            hostname="127.0.0.1",
            port_number=port,
            timeout=5,
            retries=1,
            set_max_repeaters_to_num=reps,
            print_oids_numerically=True,
            print_timeticks_numerically=True,
        )
        if community is not None:
            return ezsnmp.Session(version=2, community=community, **common)
        return ezsnmp.Session(
            version=3,
            security_level="authPriv",
            security_username=v3["user"],
            auth_protocol="SHA",
            auth_passphrase=v3["auth"],
            privacy_protocol="AES",
            privacy_passphrase=v3["priv"],
            **common,
        )
    common = dict(hostname="127.0.0.1", remote_port=port, timeout=5, retries=1, use_numeric=True)
    if community is not None:
        return ezsnmp.Session(version=2, community=community, **common)
    return ezsnmp.Session(
        version=3,
        security_level="auth_with_privacy",
        security_username=v3["user"],
        auth_protocol="SHA",
        auth_password=v3["auth"],
        privacy_protocol="AES",
        privacy_password=v3["priv"],
        **common,
    )


def _oid(var: Any) -> tuple[str, str]:
    """(dotted OID without the leading dot, type name) of a returned variable."""
    if MAJOR >= 2:
        return f"{var.oid}.{var.index}".lstrip("."), var.type
    index = f".{var.oid_index}" if var.oid_index else ""
    return f"{var.oid}{index}".lstrip("."), var.snmp_type


def fetch(session: Any, scalars: list[str], columns: list[str], reps: int) -> tuple[int, int]:
    """Walk ``columns`` to their ends (and GETNEXT ``scalars`` once); (requests, var-binds)."""
    cursors = list(columns)
    active = list(range(len(columns)))
    first = list(scalars) if MAJOR < 2 else []
    requests = varbinds = 0
    while active:
        oids = first + [cursors[c] for c in active]
        if MAJOR >= 2:
            got = session.bulk_get(oids)
        else:
            got = session.get_bulk(oids, non_repeaters=len(first), max_repetitions=reps)
        requests += 1
        varbinds += len(got)
        got = got[len(first) :]
        first = []
        width = len(active)
        done: set[int] = set()
        for i, var in enumerate(got):
            col = active[i % width]
            if col in done:
                continue
            oid, kind = _oid(var)
            if not oid.startswith(columns[col] + ".") or kind.upper() == "ENDOFMIBVIEW":
                done.add(col)
                continue
            cursors[col] = oid
        if not got:
            break
        active = [c for c in active if c not in done]
    return requests, varbinds


def main() -> None:
    job = json.loads(sys.stdin.readline())
    sessions = [_session(port, community, job) for port, community in job["targets"]]
    print(json.dumps({"version": VERSION}), flush=True)
    for _ in range(job["rounds"]):
        cpu, wall = time.process_time(), time.monotonic()
        requests = varbinds = 0
        for session in sessions:
            r, v = fetch(session, job["scalars"], job["columns"], job["repetitions"])
            requests += r
            varbinds += v
        out = {
            "cpu": time.process_time() - cpu,
            "wall": time.monotonic() - wall,
            "requests": requests,
            "varbinds": varbinds,
        }
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
