"""Configuration, read once: defaults, then the TOML file, then ``EGOVNET_*``, then the test override.

The file is ``$EGOVNET_CONFIG`` or ``<instance>/egovnet.toml`` (optional). Each
package declares its options; this module only merges them and builds the
packages' settings objects.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inventory.options import ConfigError, Option, flatten, resolve
from inventory.settings import OPTIONS as INVENTORY_OPTIONS
from inventory.settings import InventorySettings
from monitoring.settings import OPTIONS as MONITORING_OPTIONS
from monitoring.settings import MonitoringSettings
from security.settings import OPTIONS as SECURITY_OPTIONS
from security.settings import SecuritySettings

WEB_OPTIONS: tuple[Option, ...] = (
    Option(
        "web.secret_key", None, "Flask session key (generated per start when unset)", secret=True
    ),
    Option("web.language", "zh_CN", "default UI language (zh_CN or en)"),
    Option("web.idle_timeout", 15.0, "minutes of inactivity after which a login ends", float),
    Option("web.session_lifetime", 12.0, "hours after which a login ends in any case", float),
    Option("web.secure_cookies", False, "send cookies only over TLS (set behind HTTPS)", bool),
    Option("demo.influxd", None, "influxd binary the demo starts (default: influxd on PATH)"),
)

ALL_OPTIONS: tuple[Option, ...] = (
    INVENTORY_OPTIONS + MONITORING_OPTIONS + WEB_OPTIONS + SECURITY_OPTIONS
)


@dataclass(frozen=True)
class Config:
    """Everything configurable, resolved."""

    instance_path: str
    file: str | None
    values: Mapping[str, Any]
    inventory: InventorySettings
    monitoring: MonitoringSettings
    security: SecuritySettings


def load_config(
    instance_path: str, environ: Mapping[str, str], overrides: Mapping[str, Any] | None = None
) -> Config:
    explicit = environ.get("EGOVNET_CONFIG")
    path = Path(explicit) if explicit else Path(instance_path) / "egovnet.toml"
    file_values: dict[str, Any] = {}
    used: str | None = None
    if path.exists():
        try:
            file_values = flatten(tomllib.loads(path.read_text(encoding="utf-8")))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from None
        used = str(path)
    elif explicit:
        raise ConfigError(f"EGOVNET_CONFIG={explicit}: no such file")
    values = resolve(
        ALL_OPTIONS,
        file_values=file_values,
        file_name=str(path),
        environ=environ,
        overrides=dict(overrides or {}),
    )
    return Config(
        instance_path=instance_path,
        file=used,
        values=values,
        inventory=InventorySettings.from_values(values, instance_path=instance_path),
        monitoring=MonitoringSettings.from_values(values, instance_path=instance_path),
        security=SecuritySettings.from_values(values),
    )
