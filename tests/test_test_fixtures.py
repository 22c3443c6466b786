"""The test session's own PostgreSQL server (tests/conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

GIVEN_POSTGRES_URL = os.environ.get("EGOVNET_TEST_POSTGRES_URL") or os.environ.get(
    "EGOVNET_TEST_PG_URL"
)


@pytest.mark.postgres
def test_postgres_url_points_at_the_session_server(postgres_server: Any, postgres_url: str) -> None:
    """Without EGOVNET_TEST_POSTGRES_URL the database lives in the session's own server."""
    engine = sa.create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            port = int(conn.execute(sa.text("SHOW port")).scalar_one())
            data_dir = conn.execute(sa.text("SHOW data_directory")).scalar_one()
            name = conn.execute(sa.text("SELECT current_database()")).scalar_one()
    finally:
        engine.dispose()
    assert postgres_url.rsplit("/", 1)[1] == name
    if GIVEN_POSTGRES_URL:
        assert not postgres_server.own
        assert postgres_server.admin_url == GIVEN_POSTGRES_URL
        assert sa.make_url(postgres_url).port in (port, None)
    else:
        assert postgres_server.own
        assert port == postgres_server.port
        assert Path(data_dir) == postgres_server.data_dir
        assert sa.make_url(postgres_url).port == postgres_server.port != 5432
