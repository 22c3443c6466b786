"""The bundle loader: plain scalars typed exactly as PyYAML's SafeLoader types them
(a differential hypothesis test against ``yaml.safe_load``), its refusals as file:line,
and no traceback from ``inventory import`` whatever the file holds."""

from __future__ import annotations

import datetime
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from inventory_bundles import BASE, line_of

from inventory.bundle import read_path
from inventory.errors import ImportFileError
from inventory.seed import read_divisions
from inventory.yamlio import LinedDict, YamlLoadError, load_yaml_with_lines


@pytest.mark.parametrize("text", ["YES", "Off", "ON", "NO", "0123", "0999", "²", "1_000", "0x1F"])
def test_named_scalars_match_safe_load(text: str) -> None:
    ours = load_yaml_with_lines(f"a: {text}\n")["a"]
    theirs = yaml.safe_load(f"a: {text}\n")["a"]
    assert (type(ours), ours) == (type(theirs), theirs)


# -- the differential test -------------------------------------------------------------


def canon(value: Any) -> Any:
    """A comparable form that keeps types apart (``1 == True == 1.0`` in Python) and NaN equal."""
    if isinstance(value, dict):
        return ("map", sorted((repr(canon(k)), canon(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("seq", [canon(v) for v in value])
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    if isinstance(value, datetime.datetime):
        return ("datetime", value.isoformat())
    return (type(value).__name__, value)


def _digits(min_size: int = 1, max_size: int = 6) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=min_size, max_size=max_size)


_sign = st.sampled_from(["", "", "-", "+"])
_sixty = st.integers(0, 70).map(str)  # 60-70: not a sexagesimal digit pair

_ints = st.one_of(
    st.builds(lambda s, d: s + d, _sign, _digits()),  # decimal, 0123 (octal), 0999 (a string)
    st.builds(lambda s, d: f"{s}{d[:1]}_{d[1:]}_", _sign, _digits(2)),  # underscores
    st.builds(lambda s, d: f"{s}0b{d}", _sign, st.text("01_2", min_size=0, max_size=6)),
    st.builds(lambda s, d: f"{s}0x{d}", _sign, st.text("0123456789abcdefABCDEF_g", max_size=6)),
    st.builds(lambda s, d: f"{s}0o{d}", _sign, _digits()),  # YAML 1.2 octal: a string in 1.1
    st.builds(
        lambda s, h, parts: s + h + "".join(f":{p}" for p in parts),
        _sign,
        _digits(),
        st.lists(_sixty, min_size=1, max_size=3),  # sexagesimal 190:20:30
    ),
)
_floats = st.one_of(
    st.builds(
        lambda s, a, b, e: f"{s}{a}.{b}{e}",
        _sign,
        st.text("0123456789_", max_size=4),
        st.text("0123456789_", max_size=4),
        st.sampled_from(["", "e3", "e+3", "E-10", "e", "e+"]),
    ),
    st.builds(lambda s, d, e: f"{s}{d}{e}", _sign, _digits(), st.sampled_from(["e3", "e+3"])),
    st.builds(lambda s, h, m, f: f"{s}{h}:{m}.{f}", _sign, _digits(1, 3), _sixty, _digits(0, 3)),
    st.sampled_from(
        [".inf", ".Inf", ".INF", "-.inf", "+.Inf", ".nan", ".NaN", ".NAN", ".iNf", "._", "."]
    ),
)
_words = st.sampled_from(
    [
        *("yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False"),
        *("FALSE", "on", "On", "ON", "off", "Off", "OFF", "yEs", "y", "n", "Y", "N", "oN"),
        *("~", "null", "Null", "NULL", "nULL", "none", "None"),
        *("宛城区", "411302", "4113-EGW", "10.112.0.0/13", "65001:100", "GE1/0/1", "x_y"),
        *("²", "٣", "１２", "١٢٣", "1²", "=", "-", "+", ".", "0", "00", "-0", "+0"),
    ]
)
_timestamps = st.one_of(
    st.builds(
        lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}",
        st.integers(1, 9999),
        st.integers(0, 13),
        st.integers(0, 32),
    ),
    st.builds(
        lambda y, m, d, sep, hh, mm, ss, frac, tz: (
            f"{y}-{m}-{d}{sep}{hh}:{mm:02d}:{ss:02d}{frac}{tz}"
        ),
        st.integers(1970, 2100),
        st.integers(1, 12),
        st.integers(1, 28),
        st.sampled_from(["T", "t", " ", "  "]),
        st.integers(0, 25),
        st.integers(0, 61),
        st.integers(0, 61),
        st.sampled_from(["", ".1", ".123456789", "."]),
        st.sampled_from(["", "Z", "+08:00", "-5", " -05:00", " Z", "+8"]),
    ),
)
_texts = st.text(
    st.characters(
        codec="utf-8",
        exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp", "Cf", "Co", "Cn"),
        exclude_characters="#,[]{}:'\"&*!|>%@`?-<\\\ufeff",
    ),
    min_size=1,
    max_size=8,
)
#: Plain scalars that PyYAML's resolver could read as anything.
plain_scalars = st.one_of(_ints, _floats, _words, _timestamps, _texts)


@st.composite
def scalars(draw: st.DrawFn) -> str:
    """A scalar as written: mostly plain, sometimes quoted (then always a string)."""
    text = draw(plain_scalars)
    style = draw(st.sampled_from(["plain"] * 6 + ["single", "double"]))
    if style == "single":
        return "'" + text.replace("'", "''") + "'"
    if style == "double":
        return json.dumps(text, ensure_ascii=False)
    return text


def _resolved(scalar: str) -> Any:
    """How PyYAML reads ``scalar`` (for keeping generated keys distinct)."""
    try:
        return yaml.safe_load(f"- {scalar}\n")[0]
    except Exception:  # an unreadable key: both loaders must refuse the document
        return ("unreadable", scalar)


def _key(scalar: str) -> Any:
    value = _resolved(scalar)
    try:
        hash(value)
    except TypeError:  # not a scalar at all ("-" in a key position): both loaders refuse
        return ("unhashable", scalar)
    if isinstance(value, float) and math.isnan(value):
        return scalar
    return ("dict-key", value)


def flow(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value) + "}"
    return str(value)


def _nested(value: Any) -> bool:
    """Written as an indented block (else on one line, in flow style)."""
    return isinstance(value, tuple | list) and bool(value) and not isinstance(value, FlowList)


def block(value: Any, indent: int) -> list[str]:
    """Lines of ``value`` in block style at ``indent`` (a scalar or a flow collection: one line)."""
    pad = " " * indent
    if not _nested(value):
        return [pad + flow(value)]
    lines = []
    if isinstance(value, list):
        for item in value:
            if _nested(item):
                sub = block(item, indent + 2)
                lines.append(f"{pad}- {sub[0].lstrip()}")
                lines.extend(sub[1:])
            else:
                lines.append(f"{pad}- {flow(item)}")
        return lines
    for key, item in value:
        if _nested(item):
            lines.append(f"{pad}{key}:")
            lines.extend(block(item, indent + 2))
        else:
            lines.append(f"{pad}{key}: {flow(item)}")
    return lines


class FlowList(list[Any]):
    """A sequence to write in flow style inside a block."""


def _mapping(children: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple[Any, ...]]:
    return st.lists(
        st.tuples(scalars(), children), max_size=4, unique_by=lambda kv: _key(kv[0])
    ).map(tuple)


documents = st.recursive(
    scalars(),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(FlowList),
        _mapping(children),
    ),
    max_leaves=12,
)


@st.composite
def yaml_texts(draw: st.DrawFn) -> str:
    value = draw(documents)
    if draw(st.booleans()):
        return flow(value) + "\n"
    return "\n".join(block(value, 0)) + "\n"


@settings(max_examples=400, deadline=None)
@given(yaml_texts())
@example("=: 1\n")  # a '=' key is the string '=' for PyYAML; a '=' value is refused
@example("{=}")
@example("a: =\n")
def test_same_values_as_safe_load(text: str) -> None:
    try:
        theirs = yaml.safe_load(text)
    except Exception as exc:  # a parse or construction error: ours must refuse too
        with pytest.raises(YamlLoadError):
            load_yaml_with_lines(text)
        assert not isinstance(exc, YamlLoadError)
        return
    ours = load_yaml_with_lines(text)
    assert canon(ours) == canon(theirs)
    assert canon(ours) == canon(yaml.load(text, Loader=yaml.CSafeLoader))


def test_mappings_know_their_lines() -> None:
    doc = load_yaml_with_lines("a:\n  b: {c: 1}\nd:\n- e: 2\n")
    assert type(doc) is LinedDict and doc.line == 1
    assert doc["a"].line == 2 and doc["a"]["b"].line == 2 and doc["d"][0].line == 4
    assert doc == {"a": {"b": {"c": 1}}, "d": [{"e": 2}]}


# -- refusals, as file:line through the importer -----------------------------------------


def _problems(tmp_path: Path, content: str | bytes) -> list[str]:
    path = tmp_path / "bundle.yaml"
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return [p.replace(f"{path}:", "FILE:") for p in read_path(path).problems]


def test_duplicate_key_in_a_row_names_its_line(tmp_path: Path) -> None:
    text = BASE.replace("name: 宛城区,", "name: 宛城区, name: 卧龙区,")
    assert _problems(tmp_path, text) == [
        f"FILE:{line_of(text, '卧龙区')}: duplicate key 'name' "
        f"(in the mapping at line {line_of(text, '卧龙区')})"
    ]


def test_a_second_nodes_section_is_refused(tmp_path: Path) -> None:
    text = BASE + "nodes:\n- {code: '411303', name: 卧龙区, level: county, role: aggregation}\n"
    second = len(BASE.splitlines()) + 1
    assert _problems(tmp_path, text) == [
        f"FILE:{second}: duplicate key 'nodes' (first at line {line_of(BASE, 'nodes:')})"
    ]


def test_a_line_key_is_an_unknown_field_not_a_type_error(tmp_path: Path) -> None:
    text = BASE.replace("name: 宛城区,", "__line__: x, name: 宛城区,")
    row = line_of(text, "__line__")
    assert _problems(tmp_path, text) == [
        f"FILE:{row}: node 411302: '__line__': unknown field (known: code, name, level, role, "
        "parent, network, platform, mgmt_address, ssh_port, snmp_port, credentials, status, mlps_level)"
    ]
    assert _problems(tmp_path, "__line__: 3\nnodes: []\n")[0].startswith(
        "FILE:1: unknown section '__line__'"
    )


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (b"version: 1\nnodes:\n- {code: \xff\xfe}\n", 3, "not valid text: invalid leading UTF-8"),
        ("version: 1\nzones:\n- {code: \x07}\n", 3, "not valid text: control characters"),
        ("version: 1\nnodes: []\nzones:\n- {code: a, when: 2001-13-45}\n", 4, "'2001-13-45' is"),
        ("version: 1\nnodes: !!seq\n- {code: a}\n", 2, "tags are not supported"),
        ("version: 1\nnodes:\n- !!map {code: a}\n", 3, "tags are not supported"),
        ("version: 1\nnodes:\n- {code: !!str 1}\n", 3, "tags are not supported"),
        ("version: 1\nnodes:\n- &row {code: a}\n- *row\n", 3, "anchors are not supported"),
        ("version: 1\nnodes:\n- {code: a}\n- *row\n", 4, "aliases are not supported"),
        ("version: 1\nnodes:\n- {<<: {code: a}}\n", 3, "merge keys (<<) are not supported"),
        ("version: 1\nnodes:\n- {[a]: b}\n", 3, "a mapping or a list as a key"),
        ("version: 1\n---\nnodes: []\n", 2, "a second document"),
        ("version: 1\nnodes: [\n", 3, "not valid YAML"),
        ("version: 1\nnodes:\n- {code: " + "9" * 5000 + "}\n", 3, "is not a valid int"),
    ],
)
def test_refusals_name_the_line(
    tmp_path: Path, content: str | bytes, line: int, message: str
) -> None:
    problems = _problems(tmp_path, content)
    assert len(problems) == 1 and problems[0].startswith(f"FILE:{line}: "), problems
    assert message in problems[0]
    assert len(problems[0]) < 300


# -- no traceback, whatever the file --------------------------------------------------------

_TOKENS = [
    "version: 1\n", "nodes:\n", "zones:\n", "- ", "{", "}", "[", "]", ": ", ", ", "&a ", "*a",
    "!!map ", "!x ", "! ", "<<: ", "? ", "---\n", "...\n", "'", '"', "\n", "  ", "\t",
    "2001-13-45", "2001-02-03", "0x", "1_0", "190:20:30", ".nan", ":", "#", "|\n", ">-\n",
    "__line__", "code: ", "name: ", "level: city", "role: core", "parent: ", "'4113'",
    "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "\\x", "\u2028", "\ufeff", "=", "~", "yes",
]  # fmt: skip


@st.composite
def hostile_files(draw: st.DrawFn) -> bytes:
    how = draw(st.integers(0, 5))
    if how == 0:
        return draw(st.binary(max_size=200))
    if how == 1:  # a valid bundle with a piece cut out and tokens put in (reaches validation)
        data = BASE.encode("utf-8")
        start = draw(st.integers(0, len(data)))
        end = draw(st.integers(start, min(len(data), start + 60)))
        middle = "".join(draw(st.lists(st.sampled_from(_TOKENS), max_size=4)))
        data = data[:start] + middle.encode("utf-8") + data[end:]
    else:
        text = "".join(draw(st.lists(st.sampled_from(_TOKENS), max_size=40)))
        data = text.encode("utf-8")
    if draw(st.integers(0, 3)) == 0:  # a stray byte somewhere
        at = draw(st.integers(0, len(data)))
        data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at:]
    return data


_ERROR_LINE = re.compile(
    r"(?:\S.*:\d+: .+|… and \d+ more errors|error: \d+ problem\(s\); nothing was changed)"
)


@pytest.mark.parametrize("name", ["hostile.yaml", "nodes.csv"])
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=hostile_files())
def test_import_of_anything_gives_file_line_errors_only(
    run: Callable[..., Result], tmp_path: Path, name: str, data: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    result = run("inventory", "import", "--dry-run", str(path))
    assert result.exit_code in (0, 1), (data, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if result.exit_code == 1:
        lines = result.stderr.splitlines()
        assert lines and lines[-1].startswith("error: "), result.stderr
        for line in lines:
            assert _ERROR_LINE.fullmatch(line), line
            if not line.startswith(("error: ", "… and")):
                assert line.startswith(f"{path}:"), line


@settings(max_examples=100, deadline=None)
@given(data=hostile_files())
def test_a_divisions_file_of_anything_gives_file_line_errors_only(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    path = tmp_path_factory.mktemp("div") / "divisions.csv"
    path.write_bytes(b"code,name,level,parent_code\n" + data)
    try:
        rows = read_divisions(path)
    except ImportFileError as exc:
        assert exc.problems and all(p.startswith(f"{path}:") for p in exc.problems)
    else:
        assert all(level in ("city", "county", "township", "village") for _, _, level, _ in rows)
