"""Benchmark: seed the full city, export it, re-import it (SQLite, optionally PostgreSQL).

Each phase runs as its own ``egovnet`` process so its wall time and peak
memory (ru_maxrss from wait4) are its own. The YAML loader is compared with
PyYAML's pure-Python SafeLoader on the same bundle, in the same run.

    .venv/bin/python bench/bench_inventory.py [--divisions CSV] [--postgres URL]
    .venv/bin/python bench/bench_inventory.py --smoke   # the built-in example city, seconds
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EGOVNET = str(Path(sys.executable).parent / "egovnet")
DEFAULT_CSV = ROOT.parent / "shared" / "data" / "nanyang-divisions.csv"


def phase(name: str, args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run ``egovnet ARGS``; return (wall seconds, peak RSS MiB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [EGOVNET, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{name} failed:\n{out}\n{err}")
    peak = usage.ru_maxrss / 1024
    print(
        f"{name:<34} {wall:7.2f} s  {peak:7.1f} MiB   {out.strip().splitlines()[-1][:90] if out.strip() else ''}"
    )
    return wall, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--divisions", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--villages-per-township", type=int, default=18)
    parser.add_argument(
        "--postgres",
        default=None,
        metavar="SERVER_URL",
        help="also import into a scratch database on this PostgreSQL server, "
        "e.g. postgresql://postgres@127.0.0.1:5432/postgres",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="the built-in example city with 2 villages per township (a test runs it)",
    )
    args = parser.parse_args()
    if args.smoke:
        args.divisions, args.villages_per_township = None, 2
    work = Path(tempfile.mkdtemp(prefix="egovnet-bench-"))
    try:
        base = {k: v for k, v in os.environ.items() if not k.startswith("EGOVNET_")}
        env_a = {
            **base,
            "EGOVNET_INSTANCE": str(work / "a"),
            "EGOVNET_DATABASE_URL": f"sqlite:///{work}/a.db",
        }
        env_b = {
            **base,
            "EGOVNET_INSTANCE": str(work / "b"),
            "EGOVNET_DATABASE_URL": f"sqlite:///{work}/b.db",
        }
        bundle, again = work / "city.yaml", work / "again.yaml"
        print(f"{'phase':<34} {'wall':>9}  {'peak RSS':>11}")
        phase(
            "seed (SQLite)",
            [
                "inventory",
                "seed",
                *(["--divisions", str(args.divisions)] if args.divisions else []),
                "--villages-per-township",
                str(args.villages_per_township),
            ],
            env_a,
        )
        phase("export yaml", ["inventory", "export", "--output", str(bundle)], env_a)
        phase("import yaml into empty SQLite", ["inventory", "import", str(bundle)], env_b)
        phase("re-import yaml (no changes)", ["inventory", "import", str(bundle)], env_b)
        phase("export yaml again", ["inventory", "export", "--output", str(again)], env_b)
        identical = bundle.read_bytes() == again.read_bytes()
        phase(
            "export csv",
            ["inventory", "export", "--format", "csv", "--output", str(work / "csv")],
            env_b,
        )
        env_c = {
            **base,
            "EGOVNET_INSTANCE": str(work / "c"),
            "EGOVNET_DATABASE_URL": f"sqlite:///{work}/c.db",
        }
        phase("import csv into empty SQLite", ["inventory", "import", str(work / "csv")], env_c)
        if args.postgres:
            import psycopg2

            name = f"egovnet_bench_{os.getpid()}"
            admin = psycopg2.connect(args.postgres)
            admin.autocommit = True
            with admin.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{name}"')
            server = args.postgres.split("://", 1)[1].rsplit("/", 1)[0]
            env_p = {
                **base,
                "EGOVNET_INSTANCE": str(work / "p"),
                "EGOVNET_DATABASE_URL": f"postgresql://{server}/{name}",
            }
            try:
                phase(
                    "import yaml into empty PostgreSQL", ["inventory", "import", str(bundle)], env_p
                )
                phase("re-import yaml, PostgreSQL", ["inventory", "import", str(bundle)], env_p)
            finally:
                with admin.cursor() as cur:
                    cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.close()
        print(
            f"bundle: {bundle.stat().st_size / 1e6:.1f} MB; export -> import -> export identical: {identical}"
        )
        if not identical:
            raise SystemExit("export -> import -> export is not identical")

        import yaml

        from inventory.yamlio import load_yaml_with_lines

        data = bundle.read_bytes()
        runs = 1 if args.smoke else 3

        def best(load: Callable[[bytes], object]) -> float:
            """Best of ``runs`` loads (the machine is shared: the least disturbed run)."""
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                load(data)
                times.append(time.perf_counter() - t0)
            return min(times)

        ours = best(load_yaml_with_lines)
        c_loader = best(lambda d: yaml.load(d, Loader=yaml.CSafeLoader))
        pure = best(lambda d: yaml.load(d, Loader=yaml.SafeLoader))  # the reference loader
        same = load_yaml_with_lines(data) == yaml.load(data, Loader=yaml.CSafeLoader)
        print(
            f"YAML load of the bundle (best of {runs}): egovnet {ours:.3f} s, "
            f"PyYAML CSafeLoader {c_loader:.3f} s ({c_loader / ours:.1f}x), "
            f"PyYAML SafeLoader (pure Python) {pure:.3f} s ({pure / ours:.1f}x); "
            f"same values: {same}"
        )
        if not same:
            raise SystemExit("the loaders disagree on the bundle")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
