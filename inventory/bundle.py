"""Import and export of the inventory: one YAML bundle, or one CSV file per kind.

An import is all or nothing: every row is checked (``file:line: message``),
the file is merged into the database's state by stable key, the merged state
is validated as a whole, and only then is the plan written in one
transaction. Importing the same file twice changes nothing; ``prune`` also
deletes what the file lacks (for the kinds the file contains).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from .addresses import parse_prefix, span
from .choices import POOL_ROLES
from .errors import ImportFileError, ProblemList, shorten
from .models import Department, Link, Node, Prefix, RouteDistinguisher, Vlan, Zone
from .records import KINDS, RowError, Where, as_row, field_names, make_record
from .state import DbIds, State, empty_state, load_state, ordered, validate
from .yamlio import LinedDict, YamlLoadError, load_yaml_with_key_lines, yaml_scalar

FORMAT_VERSION = 1


# -- reading -------------------------------------------------------------------


@dataclass
class Parsed:
    """Records read from files, with where each came from.

    ``problems`` keeps the first :data:`~inventory.errors.MAX_PROBLEMS` lines
    and counts the rest (every row is still checked, so the count is exact).
    ``sections`` is where each kind's rows start (a YAML section, a CSV header).
    """

    state: State = field(default_factory=empty_state)
    where: dict[tuple[str, str], Where] = field(default_factory=dict)
    kinds: set[str] = field(default_factory=set)
    problems: ProblemList = field(default_factory=ProblemList)
    sections: dict[str, Where] = field(default_factory=dict)

    def add_row(self, kind: str, row: Mapping[Any, Any], place: Where) -> None:
        self.kinds.add(kind)
        try:
            rec = make_record(kind, row)
        except RowError as exc:
            if self.problems.full:  # counted, not worded
                self.problems.more += 1
                return
            ident = row.get("code") or row.get("prefix") or row.get("value") or ""
            label = f"{_singular(kind)} {shorten(ident)}".rstrip()
            self.problems.append(f"{place}: {label}: {exc}")
            return
        if rec.key in self.state[kind]:
            first = self.where[(kind, rec.key)]
            self.problems.append(
                f"{place}: {_singular(kind)} {shorten(rec.key)} is also defined at {first}"
            )
            return
        self.state[kind][rec.key] = rec
        self.where[(kind, rec.key)] = place


def _singular(kind: str) -> str:
    return "prefix" if kind == "prefixes" else kind[:-1]


def read_yaml(path: Path, parsed: Parsed) -> None:
    name = str(path)
    try:
        data, lines = load_yaml_with_key_lines(path.read_bytes())
    except YamlLoadError as exc:
        parsed.problems.append(f"{name}:{exc.line}: {exc.message}")
        return
    except OSError as exc:
        parsed.problems.append(f"{name}: cannot read: {exc.strerror}")
        return
    if not isinstance(data, dict):
        parsed.problems.append(f"{name}:1: expected a mapping with keys {', '.join(KINDS)}")
        return
    version = data.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION or type(version) is not int:
        parsed.problems.append(
            f"{name}:{lines.get('version', 1)}: version {shorten(repr(version))} is not supported "
            f"(expected {FORMAT_VERSION})"
        )
    for key, rows in data.items():
        line = lines.get(key, 1)
        if key == "version":
            continue
        if key not in KINDS:
            parsed.problems.append(
                f"{name}:{line}: unknown section {shorten(repr(key))} (known: {', '.join(KINDS)})"
            )
            continue
        parsed.sections.setdefault(key, Where(name, line))
        if rows is None:
            parsed.kinds.add(key)
            continue
        if not isinstance(rows, list):
            parsed.problems.append(f"{name}:{line}: section {key} must be a list")
            continue
        for row in rows:
            if not isinstance(row, LinedDict):
                parsed.problems.append(
                    f"{name}:{line}: section {key}: every entry must be a mapping, "
                    f"not {shorten(repr(row))}"
                )
                continue
            parsed.add_row(key, row, Where(name, row.line))


def _unescape_cell(value: str | None) -> str | None:
    """Undo :func:`_escape_cell` (the quote that export put before a formula-like cell)."""
    if value is not None and value[:1] == "'" and value.lstrip("'")[:1] in _FORMULA_LEAD:
        return value[1:]
    return value


def decode_utf8(data: bytes, name: str) -> str:
    """``data`` as text; :class:`ImportFileError` naming the line of the first bad byte.

    >>> decode_utf8(b"a,b\\n1,\\xff\\n", "x.csv")
    Traceback (most recent call last):
    ...
    inventory.errors.ImportFileError: 1 problem(s), nothing imported:
    x.csv:2: not UTF-8 text (byte #xff)
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportFileError(
            [f"{name}:{line}: not UTF-8 text (byte #x{data[exc.start]:02x})"]
        ) from None


def read_csv(path: Path, kind: str, parsed: Parsed) -> None:
    name = str(path)
    reader: Any = None
    try:
        text = decode_utf8(path.read_bytes(), name)
        reader = csv.DictReader(io.StringIO(text, newline=""))
        known = set(field_names(kind))
        header = reader.fieldnames or []
        unknown = [h for h in header if h not in known]
        if unknown:
            parsed.problems.append(
                f"{name}:1: unknown column {shorten(repr(unknown[0]))} "
                f"(known: {', '.join(field_names(kind))})"
            )
            return
        parsed.kinds.add(kind)
        parsed.sections.setdefault(kind, Where(name, 1))
        for row in reader:
            if None in row:
                parsed.problems.append(f"{name}:{reader.line_num}: more values than columns")
                continue
            clean = {k: (_unescape_cell(v) if v != "" else None) for k, v in row.items()}
            parsed.add_row(kind, clean, Where(name, reader.line_num))
    except OSError as exc:
        parsed.problems.append(f"{name}: cannot read: {exc.strerror}")
    except ImportFileError as exc:
        parsed.problems.extend(exc.problems)
    except csv.Error as exc:
        line = reader.line_num if reader is not None else 1
        parsed.problems.append(f"{name}:{line}: not valid CSV: {exc}")


def read_path(path: Path) -> Parsed:
    """Read a YAML bundle, a CSV file named after its kind, or a directory of CSV files."""
    parsed = Parsed()
    if path.is_dir():
        files = sorted(path.glob("*.csv"))
        if not files:
            parsed.problems.append(
                f"{path}: no CSV files (expected {', '.join(k + '.csv' for k in KINDS)})"
            )
        for file in files:
            if file.stem not in KINDS:
                parsed.problems.append(
                    f"{file}: not an inventory file (expected {', '.join(k + '.csv' for k in KINDS)})"
                )
                continue
            read_csv(file, file.stem, parsed)
    elif path.suffix.lower() == ".csv":
        if path.stem not in KINDS:
            parsed.problems.append(
                f"{path}: name it after its kind: {', '.join(k + '.csv' for k in KINDS)}"
            )
        else:
            read_csv(path, path.stem, parsed)
    elif path.exists():
        read_yaml(path, parsed)
    else:
        parsed.problems.append(f"{path}: no such file or directory")
    return parsed


# -- planning ------------------------------------------------------------------


@dataclass
class Plan:
    """What an import would do."""

    create: dict[str, list[Any]] = field(default_factory=lambda: {k: [] for k in KINDS})
    update: dict[str, list[tuple[Any, Any]]] = field(default_factory=lambda: {k: [] for k in KINDS})
    delete: dict[str, list[Any]] = field(default_factory=lambda: {k: [] for k in KINDS})

    def empty(self) -> bool:
        return not any(self.create[k] or self.update[k] or self.delete[k] for k in KINDS)

    def counts(self) -> dict[str, dict[str, int]]:
        return {
            k: {
                "create": len(self.create[k]),
                "update": len(self.update[k]),
                "delete": len(self.delete[k]),
            }
            for k in KINDS
        }

    def describe(self) -> Iterator[str]:
        for kind in KINDS:
            for rec in self.create[kind]:
                yield f"create {kind[:-1] if kind != 'prefixes' else 'prefix'} {rec.key}"
            for old, new in self.update[kind]:
                changed = [n for n, v in as_row(new).items() if as_row(old)[n] != v]
                yield f"update {kind[:-1] if kind != 'prefixes' else 'prefix'} {new.key}: {', '.join(changed)}"
            for rec in self.delete[kind]:
                yield f"delete {kind[:-1] if kind != 'prefixes' else 'prefix'} {rec.key}"


@dataclass
class Prepared:
    plan: Plan
    merged: State
    ids: DbIds
    depths: dict[str, int]
    parents: dict[str, str | None]


def prepare(session: Session, parsed: Parsed, *, prune: bool) -> Prepared:
    """Merge the parsed records into the database state and validate.

    Raises :class:`ImportFileError`; when the file itself was readable, it
    carries the plan that the problems stand in the way of.
    """
    if parsed.problems or parsed.problems.more:
        raise ImportFileError(parsed.problems)
    current, ids = load_state(session)
    merged: State = {}
    plan = Plan()
    for kind in KINDS:
        incoming = parsed.state[kind]
        base = current[kind]
        if prune and kind in parsed.kinds:
            merged[kind] = dict(incoming)
            plan.delete[kind] = [rec for key, rec in base.items() if key not in incoming]
        else:
            merged[kind] = {**base, **incoming}
        for key, rec in incoming.items():
            old = base.get(key)
            if old is None:
                plan.create[kind].append(rec)
            elif old != rec:
                plan.update[kind].append((old, rec))
    pruned = {
        (kind, rec.key): parsed.sections.get(kind, Where("?", 1))
        for kind in KINDS
        for rec in plan.delete[kind]
    }
    problems, depths, parents = validate(merged, parsed.where, pruned)
    if problems:
        raise ImportFileError(problems, plan=plan)
    return Prepared(plan, merged, ids, depths, parents)


# -- applying ------------------------------------------------------------------


def _node_values(rec: Any) -> dict[str, Any]:
    return {
        "code": rec.code,
        "name": rec.name,
        "level": rec.level,
        "network": rec.network,
        "role": rec.role,
        "platform": rec.platform,
        "mgmt_address": rec.mgmt_address,
        "ssh_port": rec.ssh_port,
        "snmp_port": rec.snmp_port,
        "credential_ref": rec.credentials,
        "status": rec.status,
        "mlps_level": rec.mlps_level,
    }


_KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "zones": ("code",),
    "nodes": ("code",),
    "departments": ("code",),
    "links": ("a_node_id", "a_interface"),
    "prefixes": ("prefix",),
    "vlans": ("node_id", "vid"),
    "route_distinguishers": ("value",),
}


def apply(session: Session, prep: Prepared) -> None:
    """Write the plan (the caller's transaction makes it all or nothing)."""
    plan, merged, ids = prep.plan, prep.merged, prep.ids.ids
    models: dict[str, Any] = {
        "zones": Zone,
        "nodes": Node,
        "departments": Department,
        "links": Link,
        "prefixes": Prefix,
        "vlans": Vlan,
        "route_distinguishers": RouteDistinguisher,
    }

    # deletions, dependants first
    for kind in reversed(KINDS):
        doomed = plan.delete[kind]
        if not doomed:
            continue
        if kind == "nodes":
            doomed = sorted(doomed, key=lambda r: -prep.depths.get(r.code, 0))
            # break parent links inside the doomed set first
            session.execute(
                update(Node)
                .where(Node.id.in_([ids[kind][r.key] for r in doomed]))
                .values(parent_id=None)
            )
        if kind == "prefixes":
            session.execute(
                update(Prefix)
                .where(Prefix.id.in_([ids[kind][r.key] for r in doomed]))
                .values(parent_id=None)
            )
        model = models[kind]
        session.execute(delete(model).where(model.id.in_([ids[kind][r.key] for r in doomed])))
        for rec in doomed:
            ids[kind].pop(rec.key, None)

    def created(kind: str, rows: list[dict[str, Any]], key_of: Any) -> None:
        """Insert with one executemany, then read back the new ids in one query."""
        if not rows:
            return
        model = models[kind]
        session.execute(insert(model.__table__), rows)
        table = model.__table__
        cols = [table.c.id, *(table.c[name] for name in _KEY_COLUMNS[kind])]
        known = set(ids[kind].values())
        for row in session.execute(select(*cols)):
            if row[0] not in known:
                ids[kind][key_of(dict(zip(_KEY_COLUMNS[kind], row[1:], strict=True)))] = row[0]

    def updated(kind: str, rows: list[dict[str, Any]]) -> None:
        if rows:
            session.execute(update(models[kind]), rows)

    # zones
    def zone_values(rec: Any) -> dict[str, Any]:
        return {
            "code": rec.code,
            "name": rec.name,
            "kind": rec.kind,
            "system": rec.system,
            "rd": rec.rd,
            "import_targets": " ".join(rec.import_targets),
            "export_targets": " ".join(rec.export_targets),
        }

    created("zones", [zone_values(r) for r in plan.create["zones"]], lambda row: row["code"])
    updated(
        "zones", [{"id": ids["zones"][n.key], **zone_values(n)} for _, n in plan.update["zones"]]
    )

    # nodes: insert without parents, then set parents of everything that changed
    created(
        "nodes",
        [{**_node_values(r), "parent_id": None} for r in plan.create["nodes"]],
        lambda row: row["code"],
    )
    node_ids = ids["nodes"]
    rows: list[dict[str, Any]] = [
        {"id": node_ids[r.code], "parent_id": node_ids[r.parent]}
        for r in plan.create["nodes"]
        if r.parent
    ]
    rows += [
        {
            "id": node_ids[n.code],
            **_node_values(n),
            "parent_id": node_ids[n.parent] if n.parent else None,
        }
        for _, n in plan.update["nodes"]
    ]
    updated("nodes", rows)
    node_code = {v: k for k, v in node_ids.items()}

    zone_ids = ids["zones"]

    def dept_values(rec: Any) -> dict[str, Any]:
        return {
            "code": rec.code,
            "name": rec.name,
            "level": rec.level,
            "home_node_id": node_ids[rec.node],
            "site_node_id": node_ids[rec.site] if rec.site else None,
            "uses_public": rec.public,
            "internet": rec.internet,
            "private_zone_id": zone_ids[rec.private_zone] if rec.private_zone else None,
            "mlps_level": rec.mlps_level,
        }

    created(
        "departments", [dept_values(r) for r in plan.create["departments"]], lambda row: row["code"]
    )
    updated(
        "departments",
        [
            {"id": ids["departments"][n.key], **dept_values(n)}
            for _, n in plan.update["departments"]
        ],
    )
    dept_ids = ids["departments"]

    def link_values(rec: Any) -> dict[str, Any]:
        return {
            "a_node_id": node_ids[rec.a_node],
            "a_interface": rec.a_interface,
            "b_node_id": node_ids[rec.b_node],
            "b_interface": rec.b_interface,
            "kind": rec.kind,
            "bandwidth_mbps": rec.bandwidth_mbps,
        }

    created(
        "links",
        [link_values(r) for r in plan.create["links"]],
        lambda row: f"{node_code[row['a_node_id']]}:{row['a_interface']}",
    )
    updated(
        "links", [{"id": ids["links"][n.key], **link_values(n)} for _, n in plan.update["links"]]
    )

    def prefix_values(rec: Any) -> dict[str, Any]:
        first, last = span(parse_prefix(rec.prefix))
        return {
            "prefix": rec.prefix,
            "first": first,
            "last": last,
            "is_pool": rec.role in POOL_ROLES,
            "role": rec.role,
            "node_id": node_ids[rec.node] if rec.node else None,
            "department_id": dept_ids[rec.department] if rec.department else None,
            "link_id": ids["links"][rec.link] if rec.link else None,
            "description": rec.description,
        }

    created(
        "prefixes",
        [{**prefix_values(r), "parent_id": None} for r in plan.create["prefixes"]],
        lambda row: row["prefix"],
    )
    prefix_ids = ids["prefixes"]
    changed = {n.key: n for _, n in plan.update["prefixes"]}
    rows = []
    for key, rec in merged["prefixes"].items():
        parent = prep.parents.get(key)
        parent_changed = prep.ids.prefix_parent.get(key, "<new>") != parent
        if key in changed or parent_changed:
            row: dict[str, Any] = {
                "id": prefix_ids[key],
                "parent_id": prefix_ids[parent] if parent else None,
            }
            if key in changed:
                row.update(prefix_values(rec))
            rows.append(row)
    # rows with and without full values must go in separate executemany batches
    updated("prefixes", [r for r in rows if "prefix" in r])
    updated("prefixes", [r for r in rows if "prefix" not in r])

    def vlan_values(rec: Any) -> dict[str, Any]:
        return {
            "node_id": node_ids[rec.node],
            "vid": rec.vid,
            "name": rec.name,
            "department_id": dept_ids[rec.department] if rec.department else None,
        }

    created(
        "vlans",
        [vlan_values(r) for r in plan.create["vlans"]],
        lambda row: f"{node_code[row['node_id']]}/{row['vid']}",
    )
    updated(
        "vlans", [{"id": ids["vlans"][n.key], **vlan_values(n)} for _, n in plan.update["vlans"]]
    )

    def rd_values(rec: Any) -> dict[str, Any]:
        return {
            "value": rec.value,
            "number": int(rec.value.partition(":")[2]),
            "node_id": node_ids[rec.node] if rec.node else None,
            "zone_id": zone_ids[rec.zone] if rec.zone else None,
        }

    created(
        "route_distinguishers",
        [rd_values(r) for r in plan.create["route_distinguishers"]],
        lambda row: row["value"],
    )
    updated(
        "route_distinguishers",
        [
            {"id": ids["route_distinguishers"][n.key], **rd_values(n)}
            for _, n in plan.update["route_distinguishers"]
        ],
    )


def import_state(
    factory: sessionmaker[Session], parsed: Parsed, *, prune: bool = False, dry_run: bool = False
) -> Plan:
    """Validate, plan and (unless ``dry_run``) write ``parsed`` in one transaction."""
    with factory() as session, session.begin():
        prep = prepare(session, parsed, prune=prune)
        if not dry_run and not prep.plan.empty():
            apply(session, prep)
        if dry_run:
            session.rollback()
        return prep.plan


# -- exporting -----------------------------------------------------------------


def export_yaml(state: State) -> bytes:
    """The whole inventory as one YAML bundle (block mappings, one field a line).

    Written directly rather than through ``yaml.dump`` (whose Python representer
    dominates export time); every scalar is emitted plain only when PyYAML's
    resolver reads it back as the same string, else JSON-quoted (valid YAML).
    """
    out = [f"version: {FORMAT_VERSION}"]
    for kind in KINDS:
        rows = [as_row(rec) for rec in ordered(state, kind)]
        if not rows:
            out.append(f"{kind}: []")
            continue
        out.append(f"{kind}:")
        for row in rows:
            lead = "- "
            for key, value in row.items():
                if isinstance(value, list):
                    shown = "[" + ", ".join(yaml_scalar(v) for v in value) + "]"
                else:
                    shown = yaml_scalar(value)
                out.append(f"{lead}{key}: {shown}")
                lead = "  "
    return ("\n".join(out) + "\n").encode("utf-8")


#: What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
_FORMULA_LEAD = frozenset("=+-@\t\r")


def _escape_cell(text: str) -> str:
    """A cell a spreadsheet shows as text: a quote before a formula-like value.

    Reversible (:func:`_unescape_cell` on import): a value that already starts
    with quotes before a formula character gets one more.

    >>> [_escape_cell(v) for v in ("=cmd|' /C calc'!A0", "'=x", "-", "'a", "a=b")]
    ["'=cmd|' /C calc'!A0", "''=x", "'-", "'a", 'a=b']
    """
    if text.lstrip("'")[:1] in _FORMULA_LEAD and text:
        return "'" + text
    return text


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return _escape_cell(" ".join(value))
    return _escape_cell(str(value))


def _csv_row(cells: list[str]) -> str:
    """One CSV line as ``csv.writer`` writes it, but quoting a cell with a carriage return too.

    ``csv.writer`` quotes only the characters of its line terminator (``\\n`` here), so
    a lone ``\\r`` in a value would end the row for every reader.

    >>> _csv_row(["a", 'b"c', "d,e", "f\\rg", ""])
    'a,"b""c","d,e","f\\rg",\\n'
    """
    out = []
    for cell in cells:
        if any(ch in cell for ch in ',"\r\n'):
            cell = '"' + cell.replace('"', '""') + '"'
        out.append(cell)
    line = ",".join(out)
    return (line if line else '""') + "\n"


def export_csv(state: State) -> dict[str, bytes]:
    """One CSV file per kind; formula-like cells are neutralised (see :func:`_escape_cell`)."""
    files: dict[str, bytes] = {}
    for kind in KINDS:
        lines = [_csv_row(field_names(kind))]
        lines += [
            _csv_row([_csv_value(v) for v in as_row(rec).values()]) for rec in ordered(state, kind)
        ]
        files[f"{kind}.csv"] = "".join(lines).encode("utf-8")
    return files


def export_state(factory: sessionmaker[Session]) -> State:
    with factory() as session, session.begin():
        return load_state(session)[0]
