"""Fixtures of the console tests (see tests/support/console_support.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from console_support import console_app
from flask import Flask


@pytest.fixture
def console(tmp_path: Path, instance_path: Path) -> Iterator[Flask]:
    with console_app(tmp_path) as app:
        yield app
