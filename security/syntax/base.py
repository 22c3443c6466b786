"""A platform's configuration syntax as frozen data: tree syntax, handler tables, defaults."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import TYPE_CHECKING

from security.configtree import TreeSyntax

if TYPE_CHECKING:
    from hier_config import HConfigChild

    from security.syntax.builder import Builder

#: A handler reads one tree node (and, for sections, its children) into the builder.
Handler = Callable[["Builder", "HConfigChild"], None]
#: (line prefix, handler); the longest matching prefix wins.
Table = tuple[tuple[str, Handler], ...]


def index(table: Table) -> dict[str, tuple[tuple[str, Handler], ...]]:
    """Group a table by first word, longest prefix first (fast dispatch)."""
    by_word: dict[str, list[tuple[str, Handler]]] = {}
    for prefix, handler in table:
        by_word.setdefault(prefix.split(" ", 1)[0], []).append((prefix, handler))
    return {w: tuple(sorted(rows, key=lambda r: -len(r[0]))) for w, rows in by_word.items()}


@dataclass(frozen=True)
class Syntax:
    """Everything the model parser knows of one platform."""

    slug: str
    tree: TreeSyntax
    top: Table
    interface: Table
    #: vty protocols, idle timeout (s) and authentication when the block does not say.
    vty_default_protocols: tuple[str, ...] = ("ssh",)
    vty_default_idle: int = 600
    vty_default_auth: str = "password"
    #: vty authentication when the block says nothing but AAA is enabled (IOS ``aaa new-model``).
    vty_auth_with_aaa: str | None = None
    #: Local account names that are factory defaults; whether only a weak password makes
    #: them a finding (Comware: "admin/h3c with the default password").
    default_accounts: frozenset[str] = frozenset()
    default_account_needs_weak_password: bool = False
    #: Comware: password policy is switched on with ``password-control enable``.
    has_password_control: bool = False
    #: Comware: NTP needs ``ntp-service enable`` besides a server.
    ntp_needs_enable: bool = False
    #: IOS keeps SNMPv3 users out of the running configuration (``snmp-server user`` is not
    #: shown): a group's ``access`` ACL is then the only restriction the text can show.
    snmp_users_in_config: bool = True
    #: Words that identify the platform in a configuration (for detection), with weights.
    markers: tuple[tuple[str, int], ...] = ()
    _top_index: dict[str, tuple[tuple[str, Handler], ...]] = field(default_factory=dict, repr=False)
    _if_index: dict[str, tuple[tuple[str, Handler], ...]] = field(default_factory=dict, repr=False)

    _top_lookup: Callable[[str], Handler | None] | None = field(
        default=None, repr=False, compare=False
    )
    _if_lookup: Callable[[str], Handler | None] | None = field(
        default=None, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        top, iface = index(self.top), index(self.interface)
        object.__setattr__(self, "_top_index", top)
        object.__setattr__(self, "_if_index", iface)
        # a city repeats its lines: 8,192 distinct lines are 91 % of the 300k of the seeded
        # city (bench_policy); bounded, so hostile text costs only misses
        object.__setattr__(self, "_top_lookup", lru_cache(maxsize=8192)(partial(find, top)))
        object.__setattr__(self, "_if_lookup", lru_cache(maxsize=8192)(partial(find, iface)))

    def top_handler(self, text: str) -> Handler | None:
        assert self._top_lookup is not None  # noqa: S101 - set by __post_init__
        return self._top_lookup(text)

    def interface_handler(self, text: str) -> Handler | None:
        assert self._if_lookup is not None  # noqa: S101 - set by __post_init__
        return self._if_lookup(text)


def find(by_word: dict[str, tuple[tuple[str, Handler], ...]], text: str) -> Handler | None:
    """The handler of the longest prefix of ``text`` in an indexed table."""
    rows = by_word.get(text.split(" ", 1)[0])
    if rows:
        for prefix, handler in rows:
            if text.startswith(prefix) and (
                len(text) == len(prefix) or prefix[-1] == " " or text[len(prefix)] == " "
            ):
                return handler
    return None
