"""``egovnet inventory ...`` through the CLI: output, exit codes, and the real executable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result
from inventory_bundles import BASE

EGOVNET = str(Path(sys.executable).parent / "egovnet")


def test_import_tree_show_stats(run: Callable[..., Result], tmp_path: Path) -> None:
    path = tmp_path / "base.yaml"
    path.write_text(BASE, encoding="utf-8")
    result = run("inventory", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "nodes: +7 ~0 -0" in result.output
    assert run("inventory", "import", str(path)).output.strip() == "no changes"
    tree = run("inventory", "tree").output.splitlines()
    assert tree[:4] == [
        "4113 南阳市 [core, huawei_vrp8, active]",
        "  4113-EGW 出口防火墙 [egress-firewall, huawei_vrp5, planned]",
        "  411302 宛城区 [aggregation, h3c_comware7, planned]  (1 department)",
        "    411302001 东关街道 [township-router, huawei_vrp5, planned]",
    ]
    shallow = run("inventory", "tree", "--depth", "0").output.splitlines()
    assert (
        shallow[0]
        == "4113 南阳市 [core, huawei_vrp8, active]  (1 county, 1 township, 1 village, 1 department)"
    )
    shown = json.loads(run("inventory", "show", "411302", "--json").output)
    assert shown["parents"] == ["4113 南阳市"]
    assert shown["vlans"] == ["100 RSJ"]
    stats = json.loads(run("inventory", "stats", "--json").output)
    assert stats["departments"]["total"] == 1


def test_allocate_and_release(run: Callable[..., Result], tmp_path: Path) -> None:
    path = tmp_path / "base.yaml"
    path.write_text(BASE, encoding="utf-8")
    run("inventory", "import", str(path))
    got = run("inventory", "allocate", "--node", "411302", "--kind", "prefix", "--size", "26")
    assert got.exit_code == 0 and got.output.strip() == "10.112.64.64/26"
    rel = run("inventory", "release", "--kind", "prefix", "--value", "10.112.64.64/26")
    assert rel.output.strip() == "released prefix 10.112.64.64/26"
    missing = run("inventory", "allocate", "--node", "nope", "--kind", "vlan")
    assert missing.exit_code == 1
    assert "error: node 'nope' does not exist" in missing.output


def test_export_csv_needs_a_directory(run: Callable[..., Result]) -> None:
    result = run("inventory", "export", "--format", "csv")
    assert result.exit_code == 2
    assert "--format csv needs --output DIRECTORY" in result.output


def test_prune_prints_what_it_deletes(run: Callable[..., Result], tmp_path: Path) -> None:
    path = tmp_path / "base.yaml"
    path.write_text(BASE, encoding="utf-8")
    run("inventory", "import", str(path))
    smaller = tmp_path / "smaller.yaml"
    smaller.write_text(
        BASE.replace(
            "- {code: '411302001001', name: 王庄村, level: village, role: village-cpe, parent: '411302001', platform: cisco_ios}\n",
            "",
        ),
        encoding="utf-8",
    )
    dry = run("inventory", "import", str(smaller), "--prune", "--dry-run")
    assert dry.output.splitlines() == [
        "delete node 411302001001",
        "nodes: +0 ~0 -1",
        "dry run: nothing was written",
    ]
    real = run("inventory", "import", str(smaller), "--prune")
    assert real.output.splitlines()[0] == "delete node 411302001001"
    assert "nodes: +0 ~0 -1" in real.output


def test_real_executable_exit_codes_and_env_database(
    tmp_path: Path, sqlite_url: str, instance_path: Path
) -> None:
    env = {**os.environ, "EGOVNET_DATABASE_URL": sqlite_url, "EGOVNET_INSTANCE": str(instance_path)}
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "version: 1\nnodes:\n- {code: X, name: x, level: nowhere, role: core}\n", encoding="utf-8"
    )
    result = subprocess.run(
        [EGOVNET, "inventory", "import", str(bad)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert (
        f"{bad}:3: node X: level: 'nowhere' is not one of city, county, township, village"
        in result.stderr
    )
    assert "nothing was changed" in result.stderr
    ok = subprocess.run(
        [EGOVNET, "inventory", "seed", "--villages-per-township", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    stats = subprocess.run(
        [EGOVNET, "inventory", "stats", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(stats.stdout)["divisions"]["village"] == 5
    assert Path(sqlite_url.removeprefix("sqlite:///")).exists()


def test_export_has_no_secrets(run: Callable[..., Result], inventory: Any, tmp_path: Path) -> None:
    inventory.seed(None, villages_per_township=1)
    stored = run(
        "inventory", "credentials", "set", "default", "--username", "netops", input="S3cret-Pa55\n"
    )
    assert stored.exit_code == 0, stored.output
    assert "S3cret-Pa55" not in stored.output
    assert inventory.credentials.get("default").password == "S3cret-Pa55"
    assert "S3cret-Pa55" not in repr(inventory.credentials.get("default"))
    yaml_out = run("inventory", "export").output
    assert "credentials: default" in yaml_out and "S3cret-Pa55" not in yaml_out
    out = tmp_path / "csv"
    run("inventory", "export", "--format", "csv", "--output", str(out))
    assert all("S3cret-Pa55" not in f.read_text() for f in out.iterdir())
    # at rest the secret is ciphertext only
    from sqlalchemy import text

    with inventory.engine.connect() as conn:
        blobs = conn.execute(text("SELECT ciphertext FROM credentials")).scalars().all()
    assert len(blobs) == 2  # the set and the key verifier
    assert all("S3cret-Pa55" not in blob and "netops" not in blob for blob in blobs)
    assert run("inventory", "credentials", "list").output.strip() == "default"
