"""A folder's declaration of its tables (a Frictionless ``datapackage.json``) as an immutable value.

The loaders, the validator, the dictionary, the exports and the tests all read a :class:`Descriptor`;
every :class:`~toolkit.Dataset` carries its own. The toolkit's schema is ``Descriptor.shipped()``
(``toolkit/data/datapackage.json``); a folder's own file may add tables, columns and allowed values.
Nothing here is ambient: functions are handed the descriptor they read.

>>> d = Descriptor.shipped()
>>> d.primary_key("estimates")
['estimate_id']
>>> d["title"].startswith("Kremlin Envoy")
True
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Mapping
from functools import cache, cached_property
from pathlib import Path, PurePosixPath
from types import MappingProxyType

import polars as pl

from toolkit.core.errors import UnknownTable

from toolkit.core.problems import Problem, ToolkitError

PACKAGE_FILE = Path(__file__).resolve().parents[1] / "data" / "datapackage.json"
FILE = "datapackage.json"
TYPES = ("string", "integer", "number", "boolean", "date", "list")
RESOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")  # Frictionless' name pattern
FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SLUG = r"^[a-z][a-z0-9_]*$"  # the values of an open vocabulary


class DescriptorError(ToolkitError, ValueError):
    """A ``datapackage.json`` that cannot be used; ``.problems`` names the file, the table and the column."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _freeze(value):
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def thaw(value):
    """A plain, mutable copy (dicts and lists) of a frozen descriptor value, e.g. to write it as JSON."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


def dtype(f: Mapping) -> pl.DataType:
    """The polars dtype of a field: a closed vocabulary is a ``pl.Enum``, a list ``pl.List(pl.String)``."""
    enum = f.get("constraints", {}).get("enum")
    if f["type"] == "string" and enum:
        return pl.Enum(list(enum))
    return {"string": pl.String(), "integer": pl.Int64(), "number": pl.Float64(), "boolean": pl.Boolean(),
            "date": pl.Date(), "list": pl.List(pl.String)}[f["type"]]


def is_open(f: Mapping) -> bool:
    """An open vocabulary (``"x-vocabulary": "open"``): any lower-case slug; known values are suggestions."""
    return f.get("x-vocabulary") == "open"


def _problems(raw, where: str) -> list[Problem]:
    """Everything that makes a descriptor unusable, each naming the table and the column."""
    if not isinstance(raw, Mapping):
        return [Problem(where, None, None, "is not a JSON object (a Frictionless Data Package)")]
    resources = raw.get("resources")
    if not isinstance(resources, (list, tuple)):
        return [Problem(where, None, None, "has no list of resources (tables)")]
    out, seen = [], set()
    for i, r in enumerate(resources, start=1):
        if not isinstance(r, Mapping):
            out.append(Problem(where, None, None, f"resource {i} is not an object"))
            continue
        name = r.get("name")
        if not isinstance(name, str) or not RESOURCE_NAME.match(name):
            out.append(Problem(where, None, None, f"resource {i}: name {json.dumps(name)[:60]} is not a table name "
                               "(lower-case letters, digits, '-', '.', '_')"))
            continue
        if name in seen:
            out.append(Problem(where, None, None, f"table {name} is declared twice"))
        seen.add(name)
        path = r.get("path")
        pure = PurePosixPath(path) if isinstance(path, str) else None
        if pure is None or not path or "\\" in path or pure.is_absolute() or ".." in pure.parts or ":" in path:
            out.append(Problem(where, None, None, f"table {name}: path {json.dumps(path)[:80]} must be a relative "
                               "path inside the folder (no '..', no absolute path)"))
        fields = (r.get("schema") or {}).get("fields") if isinstance(r.get("schema"), Mapping) else None
        if not isinstance(fields, (list, tuple)) or not fields:
            out.append(Problem(where, None, None, f"table {name} lacks schema fields (compare with `python -m toolkit new`)"))
            continue
        names = []
        for f in fields:
            fname = f.get("name") if isinstance(f, Mapping) else None
            if not isinstance(fname, str) or not FIELD_NAME.match(fname):
                out.append(Problem(where, None, None, f"table {name}: field name {json.dumps(fname)[:60]} is not a plain "
                                   "identifier (letters, digits, '_')"))
                continue
            names.append(fname)
            if f.get("type") not in TYPES:
                out.append(Problem(where, None, fname, f"table {name}: unknown field type {json.dumps(f.get('type'))[:40]}"
                                   f" (one of {', '.join(TYPES)})"))
            constraints = f.get("constraints") or {}
            enum = constraints.get("enum") if isinstance(constraints, Mapping) else None
            if enum is not None and (not isinstance(enum, (list, tuple)) or not all(isinstance(v, str) for v in enum)):
                out.append(Problem(where, None, fname, f"table {name}: allowed values must be a list of strings"))
        if len(set(names)) < len(names):
            out.append(Problem(where, None, None, f"table {name} declares a column twice"))
        pk = r["schema"].get("primaryKey")
        for k in ([pk] if isinstance(pk, str) else pk if isinstance(pk, (list, tuple)) else []):  # other shapes: declaration.py
            if k not in names:
                out.append(Problem(where, None, str(k), f"table {name}: primary key column {k!r} is not declared"))
        fks = r["schema"].get("foreignKeys", [])
        for fk in fks if isinstance(fks, (list, tuple)) else []:
            if not isinstance(fk, Mapping) or fk.get("fields") not in names:
                out.append(Problem(where, None, None, f"table {name}: a foreign key names an undeclared column"))
    return out


class Descriptor(Mapping):
    """An immutable descriptor: its top-level keys read like a mapping (``d["title"]``, ``d.get("licenses")``);
    tables, fields and keys are asked for by name. ``to_dict()`` gives a mutable copy to write out.

    >>> d = Descriptor({"name": "mine", "resources": [{"name": "t", "path": "t.csv",
    ...                 "schema": {"fields": [{"name": "x", "type": "integer"}], "primaryKey": "x"}}]})
    >>> d.table_names(), d.primary_key("t"), d.polars_schema("t")
    (['t'], ['x'], Schema([('x', Int64)]))
    >>> d["name"] = "other"
    Traceback (most recent call last):
    ...
    TypeError: 'Descriptor' object does not support item assignment
    """

    def __init__(self, raw: Mapping, *, where: str = FILE):
        from toolkit.core.declaration import check_descriptor

        # names and paths first; then the shape of everything else the checks and views read
        problems = _problems(raw, where) or check_descriptor(raw, where)
        if problems:
            raise DescriptorError(problems)
        self._raw = _freeze(raw)
        self.where = where

    # --- construction -------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path) -> Descriptor:
        """Read a ``datapackage.json`` (or the one in a folder); a clear error naming the file otherwise."""
        path = Path(path)
        if path.is_dir():
            path = path / FILE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise DescriptorError([Problem(path.name, None, None, f"cannot be read as JSON: {e}")]) from None
        return cls(raw, where=path.name)

    @staticmethod
    @cache
    def shipped() -> Descriptor:
        """The toolkit's own schema (``toolkit/data/datapackage.json``): a value, so one copy serves everyone."""
        return Descriptor.load(PACKAGE_FILE)

    def replace(self, **top) -> Descriptor:
        """A new descriptor with some top-level keys replaced (``None`` removes one)."""
        raw = thaw(self._raw)
        for k, v in top.items():
            k = k.replace("_", "-") if k.startswith("x_") else k
            if v is None:
                raw.pop(k, None)
            else:
                raw[k] = thaw(v) if isinstance(v, (Mapping, tuple)) else v
        return Descriptor(raw, where=self.where)

    def with_resources(self, resources) -> Descriptor:
        return self.replace(resources=[thaw(r) for r in resources])

    # --- the mapping of top-level keys ----------------------------------------------------------------
    def __getitem__(self, key):
        return self._raw[key]

    def __iter__(self):
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __eq__(self, other) -> bool:
        return isinstance(other, Descriptor) and self.fingerprint == other.fingerprint

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def __repr__(self) -> str:
        return f"<Descriptor {self.get('name') or self.get('title') or '?'}: {', '.join(self.table_names())}>"

    def to_dict(self) -> dict:
        """A plain, mutable copy (e.g. to change and write as JSON)."""
        return thaw(self._raw)

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON: equal descriptors, equal fingerprints (the cache key uses it)."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    @property
    def schema_version(self) -> int:
        """The version of the toolkit's schema this descriptor follows (none written: 1)."""
        return int(self.get("x-schema-version", 1))

    # --- tables and fields --------------------------------------------------------------------------
    @cached_property
    def _resources(self) -> dict:
        return {r["name"]: r for r in self._raw["resources"]}

    def resources(self) -> Mapping:
        """Table descriptors by name, in declaration order."""
        return MappingProxyType(self._resources)

    def table_names(self) -> list[str]:
        return list(self._resources)

    def has_table(self, name: str) -> bool:
        return name in self._resources

    def resource(self, name: str) -> Mapping:
        """One table's descriptor; :class:`~toolkit.core.errors.UnknownTable` (a ``KeyError``) naming the tables for an
        unknown name."""
        try:
            return self._resources[name]
        except KeyError:
            close = difflib.get_close_matches(name, self.table_names(), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; tables are: {', '.join(self.table_names())}"
            raise UnknownTable(f"no table called {name!r}{hint}") from None

    def path(self, name: str) -> str:
        """The file of a table, relative to the folder."""
        return self.resource(name)["path"]

    def fields(self, name: str) -> tuple:
        return self.resource(name)["schema"]["fields"]

    def columns(self, name: str) -> list[str]:
        return [f["name"] for f in self.fields(name)]

    def field(self, name: str, column: str) -> Mapping:
        for f in self.fields(name):
            if f["name"] == column:
                return f
        raise KeyError(f"table {name!r} has no column {column!r}")

    def primary_key(self, name: str) -> list[str]:
        pk = self.resource(name)["schema"].get("primaryKey") or []
        return [pk] if isinstance(pk, str) else list(pk)

    def foreign_keys(self, name: str) -> tuple:
        return self.resource(name)["schema"].get("foreignKeys", ())

    def polars_schema(self, name: str) -> pl.Schema:
        """Column names and polars dtypes of a table, as the loaders return it."""
        return pl.Schema({f["name"]: dtype(f) for f in self.fields(name)})

    def describe(self, name: str) -> str:
        """A plain-text data dictionary of one table (the loaders' docstrings)."""
        r = self.resource(name)
        lines = [r.get("description", ""), "", f"Primary key: {', '.join(self.primary_key(name))}", "", "Columns", "-------"]
        for f in self.fields(name):
            c = f.get("constraints", {})
            flags = ["Enum" if c.get("enum") else str(dtype(f))] + (["required"] if c.get("required") else [])
            lines += [f"{f['name']} ({', '.join(flags)})", f"    {f.get('description', '')}"]
            if c.get("enum"):
                lines.append(f"    One of: {', '.join(c['enum'])}.")
            elif is_open(f):
                known = f.get("x-suggested", ())
                lines.append("    Any lower-case slug" + (f"; known: {', '.join(known)}." if known else "."))
        return "\n".join(lines)

    def dictionary(self, tables: Mapping[str, pl.DataFrame] | None = None) -> pl.DataFrame:
        """Every column of every table: table, column, type, required, vocabulary, allowed values, description.
        With ``tables``, an open vocabulary lists the values in use with their counts."""
        rows = []
        for name in self.table_names():
            for f in self.fields(name):
                c = f.get("constraints", {})
                allowed = ", ".join(c.get("enum", ()))
                vocab = "closed" if c.get("enum") else "open" if is_open(f) else ""
                if is_open(f):
                    df = (tables or {}).get(name)
                    used = {}
                    if df is not None and f["name"] in df.columns:
                        used = dict(df[f["name"]].drop_nulls().cast(pl.String).value_counts(sort=True).iter_rows())
                    known = list(dict.fromkeys([*used, *f.get("x-suggested", ())]))
                    allowed = ", ".join(f"{v} ({used[v]})" if v in used else v for v in known)
                rows.append({"table": name, "column": f["name"], "type": f["type"], "required": bool(c.get("required")),
                             "vocabulary": vocab, "allowed": allowed, "description": f.get("description", "")})
        return pl.DataFrame(rows, schema={"table": pl.String, "column": pl.String, "type": pl.String,
                                          "required": pl.Boolean, "vocabulary": pl.String, "allowed": pl.String,
                                          "description": pl.String})


def union(parts: list[tuple[str, Descriptor]]) -> Descriptor:
    """One descriptor for a corpus: every table of every part, every column of each table, allowed values
    joined. A column declared with two different types is an error naming both folders.

    >>> d = Descriptor.shipped()
    >>> union([("a", d), ("b", d)]) == d
    True
    """
    (first_label, first), rest = parts[0], parts[1:]
    if all(d == first for _, d in rest):
        return first
    raw = first.to_dict()
    res = {r["name"]: r for r in raw["resources"]}
    where = {(n, f["name"]): first_label for n, r in res.items() for f in r["schema"]["fields"]}
    problems = []
    for label, d in rest:
        for name in d.table_names():
            other = thaw(d.resource(name))
            if name not in res:
                res[name] = other
                raw["resources"].append(other)
                where |= {(name, f["name"]): label for f in other["schema"]["fields"]}
                continue
            mine = {f["name"]: f for f in res[name]["schema"]["fields"]}
            for f in other["schema"]["fields"]:
                have = mine.get(f["name"])
                if have is None:
                    res[name]["schema"]["fields"].append(f)
                    where[(name, f["name"])] = label
                elif have["type"] != f["type"]:
                    problems.append(Problem(FILE, None, f["name"], f"table {name}: declared as {have['type']} in "
                                            f"{where[(name, f['name'])]} but as {f['type']} in {label}"))
                else:
                    a, b = have.get("constraints", {}).get("enum"), f.get("constraints", {}).get("enum")
                    if a and b:
                        have["constraints"]["enum"] = list(dict.fromkeys([*a, *b]))
                    elif a and not b:  # one folder leaves it open: the corpus does too
                        have["constraints"].pop("enum")
                    if is_open(f) or is_open(have):
                        have["x-vocabulary"] = "open"
                        have["x-suggested"] = list(dict.fromkeys([*have.get("x-suggested", []), *f.get("x-suggested", [])]))
    if problems:
        raise DescriptorError(problems)
    return Descriptor(raw, where=FILE)
