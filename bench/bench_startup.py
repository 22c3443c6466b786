"""Start-up time of the ``egovnet`` command (issue 12, item 5).

Runs ``.venv/bin/egovnet`` as a user would, in a fresh instance folder with a
SQLite database, and reports the median wall time of each command over
``--runs`` runs, plus the import time of ``web.cli`` (``python -X importtime``).

    .venv/bin/python bench/bench_startup.py            # 7 runs each
    .venv/bin/python bench/bench_startup.py --smoke    # 1 run each, seconds
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EGOVNET = Path(sys.executable).with_name("egovnet")
COMMANDS = (
    ("--help",),
    ("inventory", "--help"),
    ("alarms", "--open", "--all"),  # refused before anything is loaded
    ("health", "--help"),
    ("monitor", "--help"),
    ("policy", "--help"),  # no hier_config (security.cli imports the syntaxes on use)
    ("baseline", "--help"),
    ("demo", "--help"),  # no lab, SQLAlchemy or poller until it runs
    ("poll", "--help"),
    ("inventory", "credentials", "list"),
    ("inventory", "stats"),
)


def _wall(args: tuple[str, ...], env: dict[str, str], cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run([str(EGOVNET), *args], env=env, cwd=cwd, capture_output=True, check=False)
    return time.perf_counter() - start


def _import_ms(module: str) -> float:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
    )
    last = [line for line in proc.stderr.splitlines() if line.endswith(f"| {module}")]
    return int(last[-1].split("|")[1]) / 1000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--smoke", action="store_true", help="one run each (for make test)")
    args = parser.parse_args()
    runs = 1 if args.smoke else args.runs
    with tempfile.TemporaryDirectory(prefix="egovnet-startup-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVNET_")}
        env["EGOVNET_INSTANCE"] = f"{tmp}/instance"
        env["EGOVNET_DATABASE_URL"] = f"sqlite:///{tmp}/egovnet.db"
        _wall(("inventory", "stats"), env, tmp)  # create the schema once
        print(f"import web.cli: {_import_ms('web.cli'):.1f} ms")
        for command in COMMANDS:
            times = [_wall(command, env, tmp) for _ in range(runs)]
            print(f"egovnet {' '.join(command):<32} median {statistics.median(times):.3f} s")


if __name__ == "__main__":
    main()
