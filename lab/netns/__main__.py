"""Command line: ``python -m lab.netns up|down|list`` (root only).

``up`` starts the default lab and leaves it running, printing its prefix,
state directory and SNMP relay ports as JSON; ``down STATE_DIR`` removes it
(from any process); ``list`` shows the labs under the state root.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lab.netns.errors import LabError
from lab.netns.lab import DEFAULT_STATE_ROOT, NetnsLab
from lab.netns.state import STATE_FILE, LabState, leftovers, teardown


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m lab.netns", description=__doc__)
    parser.add_argument("--state-root", type=Path, default=DEFAULT_STATE_ROOT)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="start the default lab and leave it running")
    down = sub.add_parser("down", help="tear down the lab of a state directory")
    down.add_argument("state_dir", type=Path)
    sub.add_parser("list", help="labs recorded under the state root")
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            lab = NetnsLab(state_root=args.state_root).up()
            state = lab.state
            print(json.dumps(
                {"prefix": state.prefix, "state_dir": state.state_dir,
                 "snmp_ports": state.snmp_ports, "namespaces": state.namespaces},
                indent=2,
            ))  # fmt: skip
        elif args.command == "down":
            for item in teardown(args.state_dir):
                print(item)
        else:
            for path in sorted(args.state_root.glob(f"*/{STATE_FILE}")):
                state = LabState.load(path.parent)
                live = leftovers(state.prefix)
                print(f"{state.prefix} {state.state_dir} {len(live)} live objects")
    except LabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
