"""Device specs to and from JSON (the lab process reads what ``egovnet lab up`` wrote)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .model import LabArp, LabDeviceSpec, LabInterface, LabRoute, SnmpCredentials, TrafficProfile


def spec_to_dict(spec: LabDeviceSpec) -> dict[str, Any]:
    return asdict(spec)


def spec_from_dict(data: dict[str, Any]) -> LabDeviceSpec:
    """Inverse of :func:`spec_to_dict`.

    >>> from lab.snmp.sample import sample_spec
    >>> spec = sample_spec("X", 1, "huawei_vrp5")
    >>> spec_from_dict(json.loads(json.dumps(spec_to_dict(spec)))) == spec
    True
    """
    interfaces = tuple(
        LabInterface(**{**i, "profile": TrafficProfile(**i["profile"])}) for i in data["interfaces"]
    )
    routes = tuple(LabRoute(**r) for r in data["routes"])
    return LabDeviceSpec(
        **{
            **data,
            "interfaces": interfaces,
            "routes": routes,
            "arp": tuple(LabArp(**a) for a in data.get("arp", ())),
            "snmp": SnmpCredentials(**data["snmp"]),
        }
    )


def write_specs(path: Path, specs: list[LabDeviceSpec]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(
        json.dumps([spec_to_dict(s) for s in specs], ensure_ascii=False), encoding="utf-8"
    )
    tmp.replace(path)


def read_specs(path: Path) -> list[LabDeviceSpec]:
    return [spec_from_dict(d) for d in json.loads(path.read_text(encoding="utf-8"))]
