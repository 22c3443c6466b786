"""Configuration precedence: defaults, then the TOML file, then EGOVNET_*, then the test override."""

from __future__ import annotations

from pathlib import Path

import pytest

from inventory.options import ConfigError
from web.config import load_config


def test_precedence(tmp_path: Path) -> None:
    (tmp_path / "egovnet.toml").write_text(
        '[database]\nurl = "sqlite:////file.db"\n[ipam]\ncity_block = "10.120.0.0/14"\nvlan_range = "200-300"\n',
        encoding="utf-8",
    )
    cfg = load_config(str(tmp_path), {"EGOVNET_IPAM_VLAN_RANGE": "300-400"})
    assert cfg.inventory.database_url == "sqlite:////file.db"
    assert str(cfg.inventory.ipam.city_block) == "10.120.0.0/14"
    assert cfg.inventory.ipam.vlan_range == (300, 400)
    over = load_config(
        str(tmp_path), {"EGOVNET_IPAM_VLAN_RANGE": "300-400"}, {"ipam.vlan_range": "5-6"}
    )
    assert over.inventory.ipam.vlan_range == (5, 6)


def test_defaults_live_in_the_instance_folder(tmp_path: Path) -> None:
    cfg = load_config(str(tmp_path), {})
    assert cfg.file is None
    assert cfg.inventory.database_url == f"sqlite:///{tmp_path}/egovnet.db"
    assert cfg.inventory.secret_key_file == f"{tmp_path}/secret.key"


def test_bad_values_are_named(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError,
        match=r"EGOVNET_IPAM_COUNTY_POOL_LENGTH: ipam.county_pool_length must be int, got 'x'",
    ):
        load_config(str(tmp_path), {"EGOVNET_IPAM_COUNTY_POOL_LENGTH": "x"})
    (tmp_path / "egovnet.toml").write_text("[ipam]\nbogus = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"egovnet.toml: unknown option\(s\): ipam.bogus"):
        load_config(str(tmp_path), {})
    with pytest.raises(ConfigError, match="no such file"):
        load_config(str(tmp_path), {"EGOVNET_CONFIG": str(tmp_path / "missing.toml")})
    with pytest.raises(
        ConfigError,
        match=r"ipam.city_block 10.112.0.0/13 overlaps ipam.loopback_pool 10.112.0.0/16",
    ):
        load_config(str(tmp_path / "x"), {"EGOVNET_IPAM_LOOPBACK_POOL": "10.112.0.0/16"})
