"""Languages: every UI string is in the zh_CN catalogue, and every page renders without an
untranslated string in Chinese (the default) and without a Chinese UI string in English."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from console_support import (
    INSIDE,
    USERS,
    login,
    sample_campaign,
    sample_change,
    sample_finding,
)
from flask import Flask

import web
from web import labels

WEB = Path(web.__file__).parent
PO = WEB / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]


def _catalogue() -> dict[str, str]:
    with PO.open("rb") as fh:
        catalog = read_po(fh, locale="zh_CN")
    return {str(m.id): str(m.string) for m in catalog if m.id and not m.fuzzy}


def _extracted() -> set[str]:
    found = extract_from_dir(
        str(WEB),
        method_map=METHODS,
        keywords={"_": None, "gettext": None, "_l": None, "N_": None, "lazy_gettext": None},
    )
    return {str(message) for _file, _line, message, _comments, _context in found if message}


def test_every_ui_string_has_a_chinese_translation() -> None:
    catalogue = _catalogue()
    extracted = _extracted()
    assert len(extracted) > 100
    missing = sorted(extracted - set(catalogue))
    assert not missing, f"not in the zh catalogue (run pybabel extract/update): {missing}"
    empty = sorted(k for k, v in catalogue.items() if not v.strip())
    assert not empty, f"untranslated: {empty}"
    # the vocabularies the templates translate from data
    for vocabulary in (
        labels.ROLES,
        labels.SEVERITIES,
        labels.HEALTH,
        labels.LEVELS,
        labels.STATUSES,
    ):
        assert all(word in catalogue for word in vocabulary)


class _Text(HTMLParser):
    """Text nodes and the human-facing attributes of a page (scripts excluded)."""

    ATTRS = (
        "title",
        "placeholder",
        "value",
        "data-empty",
        "data-failed",
        "data-util",
        "aria-label",
    )

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        kinds = dict(attrs)
        for name in self.ATTRS:
            if kinds.get(name) and not (name == "value" and kinds.get("type") in ("hidden", None)):
                self.texts.append(str(kinds[name]).strip())

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def _texts(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.texts


def _pattern(message: str) -> re.Pattern[str]:
    """A whole-text match of a message, its ``%(n)s`` placeholders standing for numbers."""
    body = re.escape(message).replace(re.escape("%(n)s"), r"\d+")
    return re.compile(rf"(?:^|[\s(·]){body}(?:$|[\s),.:·])")


_NAMES = re.compile(r"\b(?:admin|eng|sec|op|aud)\b(?= \()|^(?:admin|eng|sec|op|aud)$")


def _pages(console: Flask) -> list[str]:
    pages = [
        "/",
        "/tree",
        "/tree?q=411302",
        f"/tree?root={INSIDE}",
        f"/nodes/{INSIDE}",
        "/nodes/411302",
    ]
    pages += [
        "/alarms",
        "/alarms?state=history",
        "/reports/availability",
        "/reports/availability?month=bad",
    ]
    pages += ["/admin/users", "/admin/audit", "/nowhere"]
    finding, campaign = sample_finding(console), sample_campaign(console)
    pages += ["/findings", f"/findings/{finding}", "/findings?state=open&severity=high"]
    pages += ["/campaigns", "/campaigns/new", f"/campaigns/{campaign}", "/policy"]
    pages += ["/coverage", f"/nodes/{INSIDE}/config", "/onboarding", f"/onboarding?node={INSIDE}"]
    pages += ["/onboarding/wave"]
    change = sample_change(console)
    pages += ["/changes", "/changes?state=draft", f"/changes/{change}"]
    rules = {r.rule for r in console.url_map.iter_rules()}
    assert {
        "/",
        "/tree",
        "/nodes/<code>",
        "/alarms",
        "/reports/availability",
        "/admin/users",
        "/admin/audit",
    } <= rules
    return pages


def test_every_page_in_both_languages(console: Flask) -> None:
    assert set(USERS) == {"admin", "eng", "sec", "op", "aud"}  # the names _NAMES removes
    catalogue = _catalogue()
    english = {
        m: _pattern(m)
        for m in catalogue
        if len(m) > 1 and m not in labels.NODE_ROLES + labels.NETWORKS
    }
    chinese = [s for s in catalogue.values() if len(s) > 1]
    words = (*labels.ROLES, *labels.SEVERITIES, *labels.HEALTH, *labels.LEVELS, *labels.NODE_ROLES)
    vocabulary = {catalogue[w] for w in (*words, *labels.STATUSES, *labels.NETWORKS)}
    client = console.test_client()
    login(client, "admin")
    for url in _pages(console):
        sep = "&" if "?" in url else "?"
        zh_html = client.get(f"{url}{sep}lang=zh_CN").get_data(as_text=True)
        assert '<html lang="zh-CN">' in zh_html, url
        zh_texts = _texts(zh_html)
        for raw in zh_texts:
            text = _NAMES.sub("", raw)  # account names are data (the fixture has one "admin")
            for message, pattern in english.items():
                assert not pattern.search(f" {text} "), (
                    f"{url}: untranslated {message!r} in {text!r}"
                )
        assert any(re.search(r"[\u4e00-\u9fff]", t) for t in zh_texts), url
        en_html = client.get(f"{url}{sep}lang=en").get_data(as_text=True)
        assert '<html lang="en">' in en_html, url
        en_texts = _texts(en_html)
        joined = " | ".join(en_texts)
        for translated in chinese:
            # vocabulary words may be part of Chinese data names (政务内网核心): whole texts only
            found = translated in en_texts if translated in vocabulary else translated in joined
            assert not found, f"{url}: Chinese UI string {translated!r} in English"
    # without ?lang the choice is remembered in the session; zh_CN for a new visitor
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    fresh = console.test_client()
    assert '<html lang="zh-CN">' in fresh.get("/login").get_data(as_text=True)
    assert "登录" in fresh.get("/login").get_data(as_text=True)


def test_account_language_preference(console: Flask) -> None:
    console.extensions["egovnet"]["inventory"].accounts.set_language("op", "en")
    client = console.test_client()
    login(client, "op")
    page = client.get("/alarms").get_data(as_text=True)
    assert '<html lang="en">' in page and "Acknowledge" in page


def test_the_default_language_is_configurable(tmp_path: Path, instance_path: Path) -> None:
    from console_support import console_app

    with console_app(tmp_path, {"web.language": "en"}) as app:
        assert "Log in" in app.test_client().get("/login").get_data(as_text=True)
