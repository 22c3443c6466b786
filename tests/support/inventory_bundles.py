"""Small, valid inventory bundles for tests (text, so line numbers are known)."""

from __future__ import annotations

from pathlib import Path

BASE = """\
version: 1
zones:
- {code: ZW-GGQ, name: 公用网络区, kind: public, rd: '65001:100', import_targets: ['65001:100'], export_targets: ['65001:100']}
- {code: ZW-RS, name: 人社业务专网, kind: private, system: 人社, rd: '65001:110'}
nodes:
- {code: '4113', name: 南阳市, level: city, role: core, platform: huawei_vrp8, status: active}
- {code: 4113-EGW, name: 出口防火墙, level: city, role: egress-firewall, parent: '4113', platform: huawei_vrp5}
- {code: ISP-CT, name: 中国电信, level: city, role: isp, network: internet}
- {code: '411302', name: 宛城区, level: county, role: aggregation, parent: '4113', platform: h3c_comware7}
- {code: '411302001', name: 东关街道, level: township, role: township-router, parent: '411302', platform: huawei_vrp5}
- {code: '411302001001', name: 王庄村, level: village, role: village-cpe, parent: '411302001', platform: cisco_ios}
- {code: 4113-NW, name: 政务内网核心, level: city, role: core, network: intranet, platform: huawei_vrp8}
departments:
- {code: 411302-RSJ, name: 宛城区人社局, level: county, node: '411302', private_zone: ZW-RS, internet: true}
links:
- {a_node: 4113-EGW, a_interface: GigabitEthernet0/0/1, b_node: '4113', b_interface: GE1/0/1, kind: uplink}
- {a_node: 4113-EGW, a_interface: GigabitEthernet0/0/2, b_node: ISP-CT, b_interface: port1, kind: isp}
- {a_node: '411302', a_interface: GigabitEthernet1/0/1, b_node: '4113', b_interface: GE1/0/2, kind: uplink}
prefixes:
- {prefix: 10.112.0.0/13, role: city-block}
- {prefix: 10.112.64.0/18, role: county-pool, node: '411302'}
- {prefix: 10.112.64.0/27, role: subnet, node: '411302', department: 411302-RSJ}
vlans:
- {node: '411302', vid: 100, name: RSJ, department: 411302-RSJ}
route_distinguishers:
- {value: '65001:100', zone: ZW-GGQ}
"""


def with_rows(section: str, *rows: str) -> str:
    """BASE with ``rows`` appended at the end of ``section``; returns the text."""
    lines = BASE.splitlines()
    start = lines.index(f"{section}:")
    end = start + 1
    while end < len(lines) and lines[end].startswith("- "):
        end += 1
    return "\n".join([*lines[:end], *rows, *lines[end:]]) + "\n"


def line_of(text: str, needle: str) -> int:
    """1-based line number of the first line containing ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


#: The real Nanyang divisions, beside the repository (never copied into it).
DIVISIONS_CSV = Path(__file__).resolve().parents[3] / "shared" / "data" / "nanyang-divisions.csv"
