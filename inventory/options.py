"""Declared configuration options.

Every option is declared once, with its dotted key, default, type and help;
its environment variable is derived from the key (``ipam.city_block`` →
``EGOVNET_IPAM_CITY_BLOCK``). Packages declare their own option tuples; the
application factory (``web``) merges defaults, the TOML file, the environment
and a test override, then hands each package its settings object.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import InventoryError


class ConfigError(InventoryError):
    """A configuration value is missing or has the wrong type."""


@dataclass(frozen=True)
class Option:
    """One configuration option."""

    key: str
    default: Any
    help: str
    type: type = str
    secret: bool = False

    @property
    def env(self) -> str:
        """The environment variable that sets this option.

        >>> Option("database.url", None, "").env
        'EGOVNET_DATABASE_URL'
        """
        return "EGOVNET_" + self.key.upper().replace(".", "_")

    def coerce(self, value: Any, source: str) -> Any:
        """Convert ``value`` (from TOML or the environment) to the option's type.

        >>> Option("x.n", 1, "", int).coerce("42", "env")
        42
        >>> Option("x.on", False, "", bool).coerce("yes", "env")
        True
        """
        if value is None:
            return None
        try:
            if self.type is bool:
                if isinstance(value, bool):
                    return value
                text = str(value).strip().lower()
                if text in {"1", "true", "yes", "on"}:
                    return True
                if text in {"0", "false", "no", "off", ""}:
                    return False
                raise ValueError(value)
            if self.type is dict:
                return _coerce_mapping(value)
            return self.type(value)
        except (TypeError, ValueError) as exc:
            shown = "***" if self.secret else repr(value)
            raise ConfigError(
                f"{source}: {self.key} must be {self.type.__name__}, got {shown}"
            ) from exc


def _coerce_mapping(value: Any) -> dict[str, str]:
    """Accept a TOML table or ``k=v,k=v`` text.

    >>> _coerce_mapping("a=1, b=2")
    {'a': '1', 'b': '2'}
    """
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    out: dict[str, str] = {}
    for part in str(value).split(","):
        if part.strip():
            key, sep, val = part.partition("=")
            if not sep:
                raise ValueError(part)
            out[key.strip()] = val.strip()
    return out


def flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested TOML tables into dotted keys.

    >>> flatten({"ipam": {"city_block": "10.0.0.0/8"}, "debug": True})
    {'ipam.city_block': '10.0.0.0/8', 'debug': True}
    """
    out: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and not dotted.endswith(("subnet_lengths", "intervals")):
            out.update(flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out


def resolve(
    options: Iterable[Option],
    *,
    file_values: Mapping[str, Any],
    file_name: str,
    environ: Mapping[str, str],
    overrides: Mapping[str, Any],
) -> dict[str, Any]:
    """Merge defaults, file, environment and overrides, in that order of precedence."""
    values: dict[str, Any] = {}
    declared = {opt.key: opt for opt in options}
    unknown = sorted(set(file_values) - set(declared))
    if unknown:
        raise ConfigError(f"{file_name}: unknown option(s): {', '.join(unknown)}")
    for key, opt in declared.items():
        value = opt.default
        if key in file_values:
            value = opt.coerce(file_values[key], file_name)
        if opt.env in environ:
            value = opt.coerce(environ[opt.env], opt.env)
        if key in overrides:
            value = opt.coerce(overrides[key], "test config")
        values[key] = value
    return values
