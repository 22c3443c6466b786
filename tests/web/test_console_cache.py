"""The division tree and dashboard counts are cached, but a change of their rows shows at once."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from console_support import login
from flask import Flask

from monitoring.store import AlarmDraft


def _alarm_counts(html: str) -> list[str]:
    return re.findall(r'<span class="alarm-count">([^<]+)</span>', html)


def test_a_new_alarm_shows_without_waiting_for_the_cache(console: Flask) -> None:
    client = console.test_client()
    login(client, "admin")
    before = client.get("/tree?lang=en").get_data(as_text=True)
    assert client.get("/tree?lang=en").get_data(as_text=True) == before  # served from the cache
    store = console.extensions["egovnet"]["monitoring"].alarm_store()
    store.open(
        AlarmDraft("link_down", "link", "411302001001", "major", "411302001001", "link down"),
        datetime.now(UTC),
    )
    after = client.get("/tree?lang=en").get_data(as_text=True)
    assert _alarm_counts(after) != _alarm_counts(before)
    assert "3 open alarms" in after  # the city: two alarms of the fixture and this one
