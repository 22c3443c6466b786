"""Kinds of departments that onboarding knows, and the zones a request names.

A department of kind ``ABBR`` at node ``NODE`` is coded ``NODE-ABBR`` and named
``<node name><kind name>``, as the seeder names the departments it creates
(``411302001-BMFW`` = 东关街道便民服务中心). The catalogue is the seeder's city and
county departments plus the township service points that are onboarded in waves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from inventory.seed_data import CITY_DEPARTMENTS, COUNTY_DEPARTMENTS, DEPARTMENT_SYSTEM

from .errors import ProvisioningError

#: Township service points (abbreviation, name, private zone or None).
TOWNSHIP_KINDS: tuple[tuple[str, str, str | None], ...] = (
    ("BMFW", "便民服务中心", None),
    ("WSY", "卫生院", "ZW-WJ"),
    ("PCS", "派出所", "ZW-GA"),
    ("CZS", "财政所", "ZW-CZ"),
    ("LDBZ", "劳动保障事务所", "ZW-RS"),
    ("SFS", "司法所", None),
)


class OnboardingInputError(ProvisioningError):
    """A request that cannot be understood (unknown kind, bad zone list): nothing was done."""


@dataclass(frozen=True)
class Kind:
    """A department kind: its code suffix, its name and the private zone it uses by default."""

    abbr: str
    name: str
    zone: str | None = None


def _catalogue() -> dict[str, Kind]:
    kinds: dict[str, Kind] = {}
    for abbr, name, zone in TOWNSHIP_KINDS:
        kinds[abbr] = Kind(abbr, name, zone)
    for abbr, name in (*CITY_DEPARTMENTS, *COUNTY_DEPARTMENTS):
        kinds.setdefault(abbr, Kind(abbr, name, DEPARTMENT_SYSTEM.get(abbr)))
    return kinds


KINDS: dict[str, Kind] = _catalogue()


def find_kind(text: str) -> Kind:
    """The kind named by its abbreviation (any case) or its name.

    >>> find_kind("bmfw").name, find_kind("卫生院").abbr
    ('便民服务中心', 'WSY')
    """
    key = text.strip()
    kind = KINDS.get(key.upper())
    if kind is not None:
        return kind
    for candidate in KINDS.values():
        if candidate.name == key:
            return candidate
    raise OnboardingInputError(
        f"--kind: {key!r} is not a known department kind "
        f"(e.g. {', '.join(f'{k.abbr} {k.name}' for k in list(KINDS.values())[:4])})"
    )


def kind_of_code(department: str, node: str) -> Kind | None:
    """The kind a department code ``NODE-ABBR`` names, or None.

    >>> kind_of_code("411302001-WSY", "411302001").name
    '卫生院'
    >>> kind_of_code("411302001-XYZ", "411302001") is None
    True
    """
    prefix = f"{node}-"
    if not department.startswith(prefix):
        return None
    return KINDS.get(department[len(prefix) :].upper())


#: Zone words: the public zone, internet access through the unified egress.
PUBLIC, INTERNET = "public", "internet"


@dataclass(frozen=True)
class Zones:
    """What a department uses: the public zone, internet via the egress, one private VPN."""

    public: bool = True
    internet: bool = False
    private: str | None = None

    def names(self) -> list[str]:
        out = [PUBLIC] if self.public else []
        if self.internet:
            out.append(INTERNET)
        if self.private:
            out.append(self.private)
        return out


def parse_zones(items: str | Iterable[str]) -> Zones:
    """Zones of ``--zones public,internet`` or a sequence; a private zone is named by code.

    >>> parse_zones("public,internet")
    Zones(public=True, internet=True, private=None)
    >>> parse_zones(["ZW-WJ"])
    Zones(public=False, internet=False, private='ZW-WJ')
    >>> parse_zones("internet")
    Traceback (most recent call last):
    ...
    provisioning.kinds.OnboardingInputError: --zones: 'internet' goes through the public zone: add public
    """
    words = items.split(",") if isinstance(items, str) else list(items)
    words = [w.strip() for w in words if w.strip()]
    if not words:
        raise OnboardingInputError("--zones: name at least one zone (public, internet or a VPN)")
    public = internet = False
    private: str | None = None
    for word in words:
        low = word.lower()
        if low == PUBLIC:
            public = True
        elif low == INTERNET:
            internet = True
        elif private is None or private == word:
            private = word
        else:
            raise OnboardingInputError(
                f"--zones: {private!r} and {word!r}: a department joins one private VPN at most"
            )
    if internet and not public:
        raise OnboardingInputError("--zones: 'internet' goes through the public zone: add public")
    if internet and private:
        raise OnboardingInputError(
            f"--zones: internet access is for public-zone departments; {private!r} is a private VPN"
        )
    return Zones(public=public, internet=internet, private=private)


def default_zones(kind: Kind | None) -> Zones:
    """The zones of a new department of ``kind``: its business VPN, else the public zone."""
    if kind is not None and kind.zone:
        return Zones(public=True, internet=False, private=kind.zone)
    return Zones()
