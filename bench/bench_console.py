"""Benchmark: 50 concurrent console users against the real ``egovnet serve`` while polling runs.

Seeds the real Nanyang divisions (``inventory seed --divisions``, about 5,500
nodes) into a scratch SQLite database, starts ``egovnet lab up`` (SNMP agents
and SSH devices), a local influxd and the real ``egovnet monitor run`` writing
points and opening alarms, then the real console (``egovnet serve``, waitress)
on the lab's copy of the inventory: the whole city, its lab devices active.
Locust (as a library, headless) runs N users that each log in (CSRF token,
argon2 check) and then fetch the dashboard, the hierarchy tree and a node page
(a random township or village), with 0.5-1.5 s of think time. ``/healthz``
(no database, no template) is fetched too: the server's own floor in the same
run, so the pages are reported as a ratio to it.

Prints, per page: requests, failures, p50/p95/p99 (ms), and the p95 ratio to
``/healthz``. Logins are measured over the ramp-up (each user logs in once);
the pages over ``--seconds`` of steady state after it.

    .venv/bin/python bench/bench_console.py [--users 50] [--seconds 60] [--lab-size county]
    .venv/bin/python bench/bench_console.py --smoke   # built-in small city, 5 users, 8 s
"""

# ruff: noqa: I001 - locust patches the standard library with gevent: it is imported first

from __future__ import annotations

import locust
from locust import HttpUser, between, task
from locust.env import Environment

import argparse
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import gevent

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
EGOVNET = str(Path(sys.executable).parent / "egovnet")
CSV = ROOT.parent / "shared" / "data" / "nanyang-divisions.csv"
LEVELS = ("city", "county", "township", "village")
USER, PASSWORD = "bench-operator", "Bench-console-123"
PAGES = ("dashboard", "tree", "node", "healthz")
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')

#: node codes the users open (filled before the run)
NODE_CODES: list[str] = []


class ConsoleUser(HttpUser):
    """An operator: logs in once, then looks at the dashboard, the tree and node pages."""

    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        page = self.client.get("/login", name="login form")
        found = _CSRF.search(page.text)
        token = found.group(1) if found else ""
        with self.client.post(
            "/login",
            data={"csrf_token": token, "name": USER, "password": PASSWORD},
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302 or "/login" in answer.headers.get("Location", ""):
                answer.failure(f"login refused ({answer.status_code})")

    def _page(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{name}: HTTP {r.status_code}")

    @task(3)
    def dashboard(self) -> None:
        self._page("/", "dashboard")

    @task(3)
    def tree(self) -> None:
        self._page("/tree", "tree")

    @task(3)
    def node(self) -> None:
        self._page(f"/nodes/{random.choice(NODE_CODES)}", "node")

    @task(1)
    def healthz(self) -> None:
        self._page("/healthz", "healthz")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_http(url: str, seconds: float) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - loopback
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


def _figures(env: Environment) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for (name, _method), entry in env.stats.entries.items():
        out[name] = {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "p50": entry.get_response_time_percentile(0.50),
            "p95": entry.get_response_time_percentile(0.95),
            "p99": entry.get_response_time_percentile(0.99),
        }
    return out


def run_load(base: str, users: int, seconds: float, spawn_rate: float) -> dict[str, Any]:
    """Locust, headless, in this process: stats per request name.

    The logins (the ramp-up: every user logs in once) are kept from the whole run; the
    pages are measured in the steady state, ``seconds`` after every user has logged in.
    """
    env = Environment(user_classes=[ConsoleUser], host=base, events=locust.events)
    runner = env.create_local_runner()
    warmup = users / spawn_rate + 5.0
    kept: dict[str, Any] = {}

    def steady() -> None:
        kept.update(_figures(env))
        env.stats.reset_all()

    runner.start(users, spawn_rate=spawn_rate)
    gevent.spawn_later(warmup, steady)
    gevent.spawn_later(warmup + seconds, runner.quit)
    runner.greenlet.join()
    out = _figures(env)
    out["login"] = kept.get("login", out.get("login"))
    failures = sum(row["failures"] for name, row in kept.items() if name != "login")
    out["_ramp_up_failures"] = failures
    errors = [f"{e.name}: {e.error} x{e.occurrences}" for e in env.stats.errors.values()]
    out["_errors"] = errors
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0, help="load duration")
    parser.add_argument("--spawn-rate", type=float, default=10.0, help="users started per second")
    parser.add_argument("--lab-size", choices=("small", "county", "city"), default="county")
    parser.add_argument("--interval", type=float, default=30.0, help="poll interval, seconds")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads")
    parser.add_argument("--smoke", action="store_true", help="small city, 5 users, 8 s")
    args = parser.parse_args()
    if args.smoke:
        args.users, args.seconds, args.lab_size, args.interval = 5, 8.0, "small", 5.0

    from lab.influx import InfluxServer, find_influxd
    from monitoring.influx import InfluxClient, InfluxSettings

    if find_influxd() is None:
        print("error: influxd not found (Debian package 'influxdb')", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="egovnet-consolebench-"))
    db = work / "db.sqlite"
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVNET_")}
    env.update(EGOVNET_INSTANCE=str(work / "instance"), EGOVNET_DATABASE_URL=f"sqlite:///{db}")

    def egovnet(*a: str, stdin: str | None = None) -> str:
        return subprocess.run(
            [EGOVNET, *a], env=env, check=True, capture_output=True, text=True, input=stdin
        ).stdout

    influxd = InfluxServer(work / "influxd", max_select_buckets=0)
    procs: list[subprocess.Popen[bytes]] = []
    lab_up = False
    try:
        t0 = time.perf_counter()
        if args.smoke:
            egovnet("inventory", "seed")
        else:
            egovnet("inventory", "seed", "--divisions", str(CSV))
        print(f"seeded in {time.perf_counter() - t0:.1f} s")
        import json

        print(egovnet("lab", "up", "--size", args.lab_size).splitlines()[0])
        lab_up = True
        status = json.loads(egovnet("lab", "status", "--json"))
        codes = [d["code"] for d in status["devices"]]
        lab_db = status["database"]
        if not lab_db.startswith("sqlite:///"):
            raise SystemExit(f"expected a SQLite lab database, got {lab_db}")
        with sqlite3.connect(lab_db.removeprefix("sqlite:///")) as conn:
            conn.execute("UPDATE nodes SET status = 'planned'")
            conn.executemany(
                "UPDATE nodes SET status = 'active' WHERE code = ?", [(c,) for c in codes]
            )
            nodes = conn.execute("SELECT count(*) FROM nodes").fetchone()[0]
            NODE_CODES.extend(
                r[0]
                for r in conn.execute(
                    "SELECT code FROM nodes WHERE level IN ('township', 'village') "
                    "AND network = 'extranet'"
                )
            )
        influxd.start()
        client = InfluxClient(InfluxSettings(url=influxd.url, database="egovnet", spool_dir=work))
        client.create_database()
        env.update(
            EGOVNET_DATABASE_URL=lab_db,
            EGOVNET_INFLUX_URL=influxd.url,
            EGOVNET_INFLUX_DATABASE="egovnet",
            EGOVNET_MONITORING_INTERVALS=",".join(f"{lv}={args.interval:g}" for lv in LEVELS),
        )
        egovnet("users", "add", USER, "--role", "operator", stdin=PASSWORD + "\n")
        monitor_log = (work / "monitor.log").open("wb")
        procs.append(
            subprocess.Popen(
                [EGOVNET, "monitor", "run"], env=env, stdout=monitor_log, stderr=subprocess.STDOUT
            )
        )
        port = _free_port()
        serve_log = (work / "serve.log").open("wb")
        procs.append(
            subprocess.Popen(
                [EGOVNET, "serve", "--port", str(port), "--threads", str(args.threads)],
                env=env,
                stdout=serve_log,
                stderr=subprocess.STDOUT,
            )
        )
        base = f"http://127.0.0.1:{port}"
        _wait_http(base + "/healthz", 120)
        # polling really runs: wait for the first device points before loading the console
        deadline = time.time() + 120
        points = 0
        while time.time() < deadline and not points:
            found = client.query_series('SELECT count("up") FROM "device"')
            points = int(found[0].values[0][1]) if found and found[0].values else 0
            if not points:
                time.sleep(1.0)
        if not points:
            print("error: the poller wrote no points", file=sys.stderr)
            return 1
        print(
            f"console on {nodes} nodes ({len(codes)} lab devices polled every "
            f"{args.interval:g} s, {points} device points so far); {args.users} users, "
            f"{args.seconds:g} s, waitress {args.threads} threads"
        )
        stats = run_load(base, args.users, args.seconds, args.spawn_rate)
        found = client.query_series('SELECT count("up") FROM "device"')
        after = int(found[0].values[0][1]) if found and found[0].values else 0
        client.close()
        floor = (stats.get("healthz") or {}).get("p95") or 1
        print("page        requests  failures    p50 ms    p95 ms    p99 ms  p95/healthz")
        failed = 0
        for name in ("login", *PAGES):
            row = stats.get(name)
            if row is None:
                print(f"{name:10s}  (no requests)")
                failed += 1
                continue
            failed += row["failures"]
            print(
                f"{name:10s}  {row['requests']:8d}  {row['failures']:8d}  {row['p50']:8.0f}  "
                f"{row['p95']:8.0f}  {row['p99']:8.0f}  {row['p95'] / floor:11.1f}"
            )
        failed += stats["_ramp_up_failures"]
        print(f"(login: the ramp-up, every user once; pages: steady state, {args.seconds:g} s)")
        print(f"page failures during the ramp-up: {stats['_ramp_up_failures']}")
        for line in stats["_errors"][:10]:
            print(f"error: {line}")
        print(f"device points written during the run: {after - points}")
        return 0 if failed == 0 and after > points else 1
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        if lab_up:
            down_env = {**env, "EGOVNET_DATABASE_URL": f"sqlite:///{db}"}
            subprocess.run([EGOVNET, "lab", "down"], env=down_env, capture_output=True)
        influxd.remove()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
