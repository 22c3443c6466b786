"""Rendering and comparing the whole city's intended configurations (issue 9, item 1).

Seeds a city into a throwaway SQLite inventory, then times, in one run:

* ours: read the inventory (``load_state``), build the context of every device and render
  it through the packaged templates (``Renderer.render_all``);
* the peer for rendering: Jinja2 alone, the same templates over the contexts already
  built (the floor: what the template engine itself costs);
* remediation: our hier_config trees of every rendered configuration (secrets masked,
  VRP/Comware drivers) against hier_config's stock drivers parsing the same text
  (``huawei_vrp``, ``hp_comware5``, ``cisco_ios``): the peer for comparing.

    .venv/bin/python bench/bench_render.py            # Nanyang from ../shared (5,692 devices)
    .venv/bin/python bench/bench_render.py --smoke    # the example city, seconds
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hier_config import Platform, get_hconfig  # noqa: E402
from hier_config.exceptions import DuplicateChildError  # noqa: E402

from inventory.service import Inventory  # noqa: E402
from inventory.settings import OPTIONS, InventorySettings  # noqa: E402
from provisioning.remediation import tree  # noqa: E402
from provisioning.render import TRAITS, Renderer, load_source  # noqa: E402
from provisioning.secrets import REDACTED  # noqa: E402

DIVISIONS = ROOT.parent / "shared" / "data" / "nanyang-divisions.csv"
STOCK = {
    "huawei_vrp5": Platform.HUAWEI_VRP,
    "huawei_vrp8": Platform.HUAWEI_VRP,
    "h3c_comware7": Platform.HP_COMWARE5,
    "cisco_ios": Platform.CISCO_IOS,
}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="the small example city")
    parser.add_argument("--divisions", type=Path, default=DIVISIONS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="egovnet-render-") as tmp:
        values = {o.key: o.default for o in OPTIONS} | {"database.url": f"sqlite:///{tmp}/i.db"}
        settings = InventorySettings.from_values(values, instance_path=tmp)
        inv = Inventory(settings)
        inv.ensure_schema()
        start = time.perf_counter()
        inv.seed(None if args.smoke else args.divisions, 2 if args.smoke else 18)
        print(f"seed: {time.perf_counter() - start:.1f} s (not timed below)")

        wall, cpu = time.perf_counter(), _cpu()
        renderer = Renderer(load_source(inv))
        rendered = renderer.render_all()
        ours, ours_cpu = time.perf_counter() - wall, _cpu() - cpu
        inv.dispose()

        contexts = [renderer.context(code) for code in renderer.devices()]
        templates = {}
        wall, cpu = time.perf_counter(), _cpu()
        for ctx in contexts:
            name = f"{ctx.platform}/{ctx.role}.j2"
            template = templates.get(name) or templates.setdefault(
                name, renderer.env.get_template(name)
            )
            template.render(
                n=ctx, s=ctx.settings, p=TRAITS[ctx.platform], secret=lambda _k: REDACTED
            )
        jinja, jinja_cpu = time.perf_counter() - wall, _cpu() - cpu

        # stock hp_comware5 cannot read Comware 7 output at all (every `#` line is a
        # duplicate top-level section), so the tree comparison runs over the other platforms
        comparable = [r for r in rendered if r.platform != "h3c_comware7"]
        refused = 0
        for r in rendered:
            if r.platform == "h3c_comware7":
                try:
                    get_hconfig(STOCK[r.platform], r.text)
                except DuplicateChildError:
                    refused += 1
        wall, cpu = time.perf_counter(), _cpu()
        for r in comparable:
            tree(r.platform, r.text)
        trees_cpu = _cpu() - cpu
        wall, cpu = time.perf_counter(), _cpu()
        for r in comparable:
            get_hconfig(STOCK[r.platform], r.text)
        stock_cpu = _cpu() - cpu

    n = len(rendered)
    size = sum(len(r.text) for r in rendered) / 1e6
    print(f"devices: {n}, {size:.1f} MB of configuration")
    print(
        f"ours (read inventory + contexts + render): {ours:.2f} s wall, {ours_cpu:.2f} s CPU, "
        f"{n / ours_cpu:.0f} devices per CPU second"
    )
    print(
        f"peer Jinja2 alone (same templates, contexts built): {jinja:.2f} s wall, "
        f"{jinja_cpu:.2f} s CPU -> ours/peer {ours_cpu / jinja_cpu:.2f}x CPU"
    )
    print(
        f"hier_config trees of {len(comparable)} VRP/IOS configurations: ours (masked, our "
        f"drivers) {trees_cpu:.2f} s CPU, stock drivers {stock_cpu:.2f} s CPU -> ours/stock "
        f"{trees_cpu / stock_cpu:.2f}x"
    )
    print(f"stock hp_comware5 refused {refused} of {n - len(comparable)} Comware 7 configurations")


if __name__ == "__main__":
    main()
