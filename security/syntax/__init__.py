"""Registry of platform syntaxes keyed by platform slug, and platform detection."""

from __future__ import annotations

from security.errors import UnknownPlatformError
from security.syntax.base import Syntax
from security.syntax.comware import COMWARE7
from security.syntax.huawei import VRP5, VRP8
from security.syntax.ios import IOS

SYNTAXES: dict[str, Syntax] = {s.slug: s for s in (VRP5, VRP8, COMWARE7, IOS)}

#: How many leading lines detection reads (platform markers sit early in every dump).
DETECT_LINES = 400


def syntax_for(slug: str, source: str = "<config>") -> Syntax:
    """The syntax of platform ``slug``; an unknown slug names the known ones."""
    try:
        return SYNTAXES[slug]
    except KeyError:
        raise UnknownPlatformError(
            f"unknown platform {slug!r} (known: {', '.join(SYNTAXES)})", source=source
        ) from None


def detect_platform(text: str, source: str = "<config>") -> str:
    """The platform slug whose markers score highest in ``text``.

    >>> detect_platform("#\\nsysname A\\n#\\nuser-interface vty 0 4\\n#\\nreturn")
    'huawei_vrp5'
    >>> detect_platform("version 7.1.064, Release 0427P22\\n#\\n sysname B\\n#\\nline vty 0 63")
    'h3c_comware7'
    """
    head = "\n".join(text.split("\n", DETECT_LINES)[:DETECT_LINES])
    scores = {
        slug: sum(weight for marker, weight in s.markers if marker in head)
        for slug, s in SYNTAXES.items()
    }
    # VRP8 shares every VRP5 marker: it wins only on its own
    vrp8_only = sum(w for m, w in VRP8.markers if m in head and (m, w) not in VRP5.markers)
    if vrp8_only == 0:
        scores["huawei_vrp8"] = 0
    else:
        scores["huawei_vrp5"] -= 5 if "[V200R" not in head else 0
    best = max(scores, key=lambda slug: scores[slug])
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] < 3 or ranked[0] == ranked[1]:
        raise UnknownPlatformError(
            "cannot tell the platform from the text; give it (known: " + ", ".join(SYNTAXES) + ")",
            source=source,
        )
    return best


__all__ = ["SYNTAXES", "Syntax", "detect_platform", "syntax_for"]
