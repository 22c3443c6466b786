"""Under ``CI`` every skip is a failure, through the one hook in tests/conftest.py only.

A probe test file (a skip marker, ``pytest.skip`` in a test and in a fixture, a
doctest ``+SKIP``) runs in a child pytest with the root conftest loaded as a
plugin: without ``CI`` it skips, with ``CI=1`` every skip is reported failed.
No other test module or conftest carries its own copy of the CI check.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = '''
import pytest

@pytest.fixture
def unavailable():
    pytest.skip("peer unavailable")

@pytest.mark.skip(reason="marker")
def test_marker():
    pass

def test_imperative():
    pytest.skip("imperative")

def test_fixture(unavailable):
    pass

def skipped_doctest():
    """
    >>> 1 + 1  # doctest: +SKIP
    3
    """
'''


def _run(tmp_path: Path, ci: bool) -> str:
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci:
        env["CI"] = "1"
    env["PYTHONPATH"] = os.pathsep.join((str(ROOT), str(ROOT / "tests")))  # the packages first
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conftest", "-q", "-rA", "--doctest-modules",
         "-p", "no:cacheprovider", "--rootdir", str(tmp_path), "-c", os.devnull, str(probe)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    return done.stdout + done.stderr


def test_without_ci_skips_are_skips(tmp_path: Path) -> None:
    out = _run(tmp_path, ci=False)
    assert re.search(r"\b4 skipped\b", out), out
    assert "failed" not in out, out


def test_under_ci_every_kind_of_skip_fails(tmp_path: Path) -> None:
    out = _run(tmp_path, ci=True)
    summary = out.splitlines()[-1]
    assert "skipped" not in summary and "passed" not in summary, out
    # a skip during set-up (marker, fixture) is reported as an error, during the call as a failure
    for name in ("test_marker", "test_imperative", "test_fixture", "skipped_doctest"):
        line = next(
            line
            for line in out.splitlines()
            if line.startswith(("FAILED", "ERROR")) and name in line
        )
        assert "skipped under CI (CI is set, so a skip is a failure)" in line, out


def test_no_hand_copy_of_the_ci_check() -> None:
    pattern = re.compile(r"""environ(\.get\(|\[)\s*["']CI["']|getenv\(\s*["']CI["']""")
    copies = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").rglob("*.py")
        if path.name != Path(__file__).name
        and path != ROOT / "tests" / "conftest.py"
        and pattern.search(path.read_text())
    ]
    assert not copies, f"CI checked by hand in {copies}: rely on the hook in tests/conftest.py"
