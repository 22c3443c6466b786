"""Node codes: one character set, checked on import, in the model and on every path built from one."""

from __future__ import annotations

import itertools
import string
from pathlib import Path
from typing import Any

import pytest
from inventory_bundles import line_of, with_rows

from inventory.codes import MAX_LENGTH, CodeError, check_code, path_for
from inventory.errors import ImportFileError
from inventory.models import Node
from inventory.platforms import PLATFORMS
from inventory.seed_data import PLATFORMS as ROLE_PLATFORMS
from lab.model import LabDeviceSpec
from lab.snmp.sample import sample_spec

BAD = [
    "../../../escape-proof",
    "..",
    "a..b",
    "/etc",
    "a/b",
    "a\\b",
    "-rf",
    ".hidden",
    "_x",
    "x y",
    "x\n",
    "",
    "码",
    "a" * (MAX_LENGTH + 1),
]
GOOD = ["4113", "411302001", "4113-EGW", "411302-RSJ-AS", "a.b_c-d", "Z" * MAX_LENGTH]


@pytest.mark.parametrize("code", GOOD)
def test_good_codes_pass(code: str, tmp_path: Path) -> None:
    assert check_code(code) == code
    assert path_for(tmp_path, code, ".cfg") == tmp_path / f"{code}.cfg"


@pytest.mark.parametrize("code", BAD)
def test_bad_codes_are_refused_everywhere(code: str, tmp_path: Path) -> None:
    with pytest.raises(CodeError, match=r"is not valid|not text"):
        check_code(code)
    with pytest.raises(CodeError):
        path_for(tmp_path, code)
    with pytest.raises(CodeError):
        Node(code=code, name="x", level="city", role="core")
    with pytest.raises(CodeError):
        LabDeviceSpec(code=code, hostname="x", platform="huawei_vrp5", role="x", interfaces=())


def test_every_short_code_either_passes_or_stays_in_its_folder(tmp_path: Path) -> None:
    """All codes of up to 3 characters over a hostile alphabet: a code check_code accepts
    always gives a path directly inside the folder, and path_for refuses the others."""
    alphabet = "aZ09_.-/\\ \x00~" + string.punctuation[:6]
    for n in range(1, 4):
        for chars in itertools.product(alphabet, repeat=n):
            code = "".join(chars)
            try:
                check_code(code)
            except CodeError:
                with pytest.raises(CodeError):
                    path_for(tmp_path, code)
                continue
            path = path_for(tmp_path, code).resolve()
            assert path.parent == tmp_path.resolve() and path.name == code


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_import_refuses_a_path_like_code_with_file_and_line(inventory: Any, tmp_path: Path) -> None:
    row = (
        "- {code: ../../../escape-proof, name: 逃逸, level: village, role: village-cpe, "
        "parent: '411302001'}"
    )
    text = with_rows("nodes", row)
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportFileError) as info:
        inventory.import_path(path)
    line = line_of(text, "../../../escape-proof")
    assert any(
        p.startswith(
            f"{path}:{line}: node ../../../escape-proof: code: code '../../../escape-proof' is not valid"
        )
        for p in info.value.problems
    ), info.value.problems
    assert inventory.is_empty()


def test_one_place_per_platform() -> None:
    """The seeder, the lab's samples and the SNMP agent agree on every platform's facts."""
    from inventory.seed import build_city, example_divisions
    from inventory.settings import IpamSettings
    from lab.snmp.platforms import platform

    assert {p for role in ROLE_PLATFORMS.values() for p in role} == set(PLATFORMS)
    parsed = build_city(example_divisions(), IpamSettings(), 1)
    nodes = parsed.state["nodes"]
    for link in parsed.state["links"].values():
        for code, name in ((link.a_node, link.a_interface), (link.b_node, link.b_interface)):
            facts = PLATFORMS.get(nodes[code].platform or "")
            if facts is not None:
                assert name.startswith(facts.port.split("{")[0]), (code, name)
    for slug, facts in PLATFORMS.items():
        spec = sample_spec("X1", 1, slug)
        assert spec.interfaces[0].name == facts.port_name(1)
        assert spec.interfaces[0].index == 1 + facts.if_index_offset
        assert spec.interfaces[-1].name == facts.loopback
        assert platform(slug).max_packet == facts.snmp_max_message
        assert platform(slug).default_model == facts.model
