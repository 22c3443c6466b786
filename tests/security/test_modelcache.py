"""The on-disk model cache: same verdicts as parsing, misses on any change, private folder."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from security_city import city

from security.modelcache import CacheFolderError, ModelCache, parser_fingerprint
from security.policy import build_model, check_network


def test_warm_cache_gives_the_same_models_and_verdict(tmp_path: Path) -> None:
    c = city(None, 2)
    platforms = {code: s.platform for code, s in c.specs.items()}
    cold = build_model(c.configs, c.context, platforms)
    with ModelCache(tmp_path / "cache") as disk:
        build_model(c.configs, c.context, platforms, disk)
        assert (disk.hits, disk.misses) == (0, len(c.configs))
    with ModelCache(tmp_path / "cache") as disk:
        warm = build_model(c.configs, c.context, platforms, disk)
        assert (disk.hits, disk.misses) == (len(c.configs), 0)
    assert warm.devices == cold.devices
    assert check_network(warm).to_dict() == check_network(cold).to_dict()
    # one text changed: only it is parsed again, and its new model is what is judged
    town = next(code for code, s in c.specs.items() if s.role == "township-router")
    edited = dict(c.configs)
    edited[town] = edited[town].replace(
        f"interface {c.specs[town].interfaces[0][0]}\n",
        f"interface {c.specs[town].interfaces[0][0]}\n nat outbound 2000\n",
        1,
    )
    with ModelCache(tmp_path / "cache") as disk:
        verdict = check_network(build_model(edited, c.context, platforms, disk))
        assert (disk.hits, disk.misses) == (len(c.configs) - 1, 1)
    assert [v.device for v in verdict.violations] == [town]


def test_a_corrupt_entry_is_a_miss_and_is_rewritten(tmp_path: Path) -> None:
    c = city(None, 2)
    platforms = {code: s.platform for code, s in c.specs.items()}
    with ModelCache(tmp_path) as disk:
        build_model(c.configs, c.context, platforms, disk)
        path = disk.path
    with sqlite3.connect(path) as db:
        db.execute("UPDATE models SET device = ?", (b"\x80\x05not a pickle",))
    with ModelCache(tmp_path) as disk:
        model = build_model(c.configs, c.context, platforms, disk)
        assert disk.hits == 0 and check_network(model).ok
    with ModelCache(tmp_path) as disk:
        build_model(c.configs, c.context, platforms, disk)
        assert disk.misses == 0
    assert path.name == f"models-{parser_fingerprint()}.sqlite"


def test_a_folder_others_can_write_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(CacheFolderError, match="writable by nobody else"):
        ModelCache(shared)
    fresh = tmp_path / "fresh"
    ModelCache(fresh).close()
    assert fresh.stat().st_mode & 0o777 == 0o700


def test_prune_removes_other_parser_versions(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path)
    (tmp_path / "models-0123456789abcdef.sqlite").write_bytes(b"")
    assert cache.prune() == 1
    assert [p.name for p in tmp_path.iterdir()] == [cache.path.name]
    cache.close()
