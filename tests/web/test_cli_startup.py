"""Start-up (issue 12, item 5): help and light commands import no heavy module.

Each case runs the real ``egovnet`` entry point (``web.cli:main``, as
``pyproject.toml`` names it) in a fresh interpreter and inspects
``sys.modules`` after the command: module-level checks, not timings (the
times are in ``docs/BENCHMARKS.md``, ``bench/bench_startup.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

#: Heavy libraries none of these commands needs (each costs 100 ms to 1 s to import).
HEAVY = ("hier_config", "pysnmp", "napalm", "netmiko", "flask", "scapy", "sqlalchemy")

PROBE = """
import sys
from web.cli import main
sys.argv = ["egovnet", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
sys.stdout.flush()
print("\\n".join(sys.modules), file=sys.stderr)
print("EXIT", code, file=sys.stderr)
"""


def _run(args: list[str], tmp_path: Path) -> tuple[str, set[str], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVNET_")}
    env["EGOVNET_INSTANCE"] = str(tmp_path / "instance")
    env["EGOVNET_DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite'}"
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = proc.stderr.split()
    assert "EXIT" in lines, proc.stderr
    return proc.stdout, set(lines), lines[lines.index("EXIT") + 1]


def _roots(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["policy", "--help"],
        ["policy", "check", "--help"],
        ["baseline", "--help"],
        ["demo", "--help"],
        ["monitor", "--help"],
        ["monitor", "run", "--help"],
        ["poll", "--help"],
        ["health", "--help"],
        ["inventory", "--help"],
    ],
    ids=lambda a: " ".join(a),
)
def test_help_imports_no_heavy_module(tmp_path: Path, args: list[str]) -> None:
    out, modules, code = _run(args, tmp_path)
    assert code in ("0", "None"), out
    assert "Usage: egovnet" in out and "--help" in out
    assert not _roots(modules) & set(HEAVY), sorted(_roots(modules) & set(HEAVY))


def test_the_probe_sees_heavy_imports(tmp_path: Path) -> None:
    """The check above can fail: a command that needs the heavy modules shows them."""
    config = tmp_path / "r1.cfg"
    config.write_text("sysname R1\n#\nreturn\n")
    _, modules, _ = _run(
        ["baseline", "--config", str(config), "--platform", "huawei_vrp8"], tmp_path
    )
    assert "hier_config" in _roots(modules)


def test_policy_platform_choices_are_the_syntaxes() -> None:
    """``security.cli.PLATFORMS`` spells out the syntax registry so --help stays light."""
    from security.cli import PLATFORMS
    from security.syntax import SYNTAXES

    assert tuple(sorted(SYNTAXES)) == PLATFORMS
