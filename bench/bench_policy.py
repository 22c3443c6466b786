"""Benchmark: the policy engine on a whole city, and the change gate on one change.

Generates clean configurations (all four platforms) for the seeded city
(tests/support/security_city.py), then measures in one run:

* tree loading: :func:`security.configtree.load_tree` against the peer,
  hier_config's own ``get_hconfig``, on the same texts (ratio);
* the model (tree + extraction) of every device;
* ``check_network`` over the whole city (cold: every device checked);
* the whole city end to end (model + check; goal <= 2 s): cold (every text
  parsed), then warm from the on-disk model cache (``security.modelcache``:
  what a repeated audit or campaign round does), and again with the parsed
  models cached in memory and one file changed;
* ``check_change`` with one township router's proposed configuration (goal <= 100 ms).

    nice -n 10 .venv/bin/python bench/bench_policy.py [--divisions CSV] [--villages-per-township 18]
    .venv/bin/python bench/bench_policy.py --smoke
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "support"))

from hier_config import get_hconfig  # noqa: E402
from security_city import by_role, city  # noqa: E402

from inventory.seed import read_divisions  # noqa: E402
from security.configtree import HIER_PLATFORMS, driver, load_tree  # noqa: E402
from security.model import Device  # noqa: E402
from security.modelcache import ModelCache  # noqa: E402
from security.policy import (  # noqa: E402
    CacheKey,
    NetworkModel,
    build_model,
    check_change,
    check_network,
)
from security.syntax import SYNTAXES  # noqa: E402

DEFAULT_CSV = ROOT.parent / "shared" / "data" / "nanyang-divisions.csv"


#: CPU seconds of the bench process in the best run of the last :func:`timed` call
LAST_CPU: list[float] = [0.0]


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Best wall time of ``repeat`` runs (seconds); the same run's CPU time in LAST_CPU."""
    best = float("inf")
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        wall = time.perf_counter() - start
        if wall < best:
            best, LAST_CPU[0] = wall, time.process_time() - cpu
    return best


def cpu() -> str:
    return f"(CPU {LAST_CPU[0]:.3f} s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--divisions", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--villages-per-township", type=int, default=18)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="the built-in example city, once")
    args = parser.parse_args()
    if args.smoke:
        c, repeat = city(None, 2), 1
    else:
        c, repeat = city(read_divisions(args.divisions), args.villages_per_township), args.repeat
    platforms = {code: s.platform for code, s in c.specs.items()}
    texts = c.configs
    lines = sum(t.count("\n") for t in texts.values())
    print(f"city: {len(texts)} devices, {lines} configuration lines")

    def ours() -> None:
        for code, text in texts.items():
            slug = platforms[code]
            load_tree(text, slug, SYNTAXES[slug].tree)

    # the peer's Comware driver keeps ``#`` lines (DuplicateChildError on any Comware 7
    # dump): it gets the texts without separator lines, prepared outside the timing
    bare = {
        code: "\n".join(line for line in text.split("\n") if line.strip() not in ("#", "!"))
        for code, text in texts.items()
    }

    def peer() -> None:
        for code, text in bare.items():
            get_hconfig(driver(platforms[code]), text)

    for slug in HIER_PLATFORMS:
        driver(slug)
    t_ours, t_peer = timed(ours, repeat), timed(peer, repeat)
    print(f"tree, security.configtree      {t_ours:8.3f} s")
    print(
        f"tree, hier_config get_hconfig  {t_peer:8.3f} s   ours/peer speed {t_peer / t_ours:5.2f}x"
    )

    t_model = timed(lambda: build_model(texts, c.context, platforms), repeat)
    print(f"model (tree + extraction)      {t_model:8.3f} s   {cpu()}")
    model = build_model(texts, c.context, platforms, freeze=True)

    def cold_check() -> None:
        verdict = check_network(NetworkModel(model.context, dict(model.devices)))
        assert verdict.ok, verdict.violations[:3]

    t_check = timed(cold_check, repeat)
    print(f"check_network, whole city      {t_check:8.3f} s")

    def end_to_end() -> None:
        assert check_network(build_model(texts, c.context, platforms)).ok

    t_city = timed(end_to_end, repeat)
    print(f"whole city end to end, cold    {t_city:8.3f} s   {cpu()}   (goal <= 2 s)")

    folder = Path(tempfile.mkdtemp(prefix="bench-policy-cache-"))
    try:
        start = time.perf_counter()
        with ModelCache(folder) as disk:
            assert check_network(build_model(texts, c.context, platforms, disk)).ok
        t_fill = time.perf_counter() - start
        print(f"  filling the on-disk cache    {t_fill:8.3f} s")

        def warm() -> None:
            with ModelCache(folder) as disk:
                assert check_network(build_model(texts, c.context, platforms, disk)).ok
                assert disk.hits == len(texts), (disk.hits, disk.misses)

        t_warm = timed(warm, repeat)
        print(f"whole city end to end, warm    {t_warm:8.3f} s   {cpu()}   (on-disk model cache)")
    finally:
        shutil.rmtree(folder)

    town = by_role(c.specs)["township-router"][0]
    cache: dict[CacheKey, Device] = {}
    build_model(texts, c.context, platforms, cache, freeze=True)
    edited = dict(texts)
    edited[town] = texts[town].replace("#\n", "#\n", 1) + "\n"

    def recheck() -> None:
        check_network(build_model(edited, c.context, platforms, cache))

    t_recheck = timed(recheck, repeat)
    print(f"whole city again, 1 file new   {t_recheck:8.3f} s   (parsed models cached by text)")

    proposed = texts[town].replace(
        f"interface {c.specs[town].interfaces[0][0]}\n",
        f"interface {c.specs[town].interfaces[0][0]}\n nat outbound 2000\n",
        1,
    )
    check_network(model)  # the gate's model is warm: per-device results cached
    samples, cpus = [], []
    for _ in range(max(5, repeat * 5)):
        start, cpu_start = time.perf_counter(), time.process_time()
        verdict = check_change(model, {town: proposed})
        samples.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu_start)
        assert not verdict.allowed
    print(
        f"check_change, one device       {statistics.median(samples) * 1000:8.1f} ms median,"
        f" {max(samples) * 1000:.1f} ms max, first {samples[0] * 1000:.1f} ms"
        f" (CPU median {statistics.median(cpus) * 1000:.1f} ms)   (goal <= 100 ms)"
    )


if __name__ == "__main__":
    main()
