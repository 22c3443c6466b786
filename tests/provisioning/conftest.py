"""Fixtures of the provisioning tests: inventory states of the example city and of Nanyang."""

from __future__ import annotations

from typing import Any

import pytest
from inventory_bundles import DIVISIONS_CSV

from inventory.seed import build_city, example_divisions, read_divisions
from inventory.settings import IpamSettings


@pytest.fixture(scope="session")
def example_state() -> dict[str, dict[str, Any]]:
    """The built-in example city (two districts), as the seeder builds it."""
    return build_city(example_divisions(), IpamSettings(), villages_per_township=3).state


@pytest.fixture(scope="session")
def nanyang_state() -> dict[str, dict[str, Any]]:
    """The whole of Nanyang from the shared divisions CSV (about 5,700 devices)."""
    if not DIVISIONS_CSV.exists():
        pytest.skip(f"{DIVISIONS_CSV} is not there (it lives in ../shared beside the repository)")
    return build_city(read_divisions(DIVISIONS_CSV), IpamSettings()).state
