"""The one declaration of every table: ``data/datapackage.json`` (a Frictionless Data Package).

The loaders, the validator, the generated docstrings and the tests all read it. A data folder may
carry its own ``datapackage.json`` (e.g. with an added allowed value); :func:`using` makes the
functions below read that one while a folder is checked or a dataset is described.

>>> from toolkit import schema
>>> schema.field("estimates", "bound")["constraints"]["enum"]
['lower', 'upper', 'exact', 'approximate', 'vague']
"""

from __future__ import annotations

import contextlib
import contextvars
import json
from functools import cache
from pathlib import Path

import polars as pl

PACKAGE_FILE = Path(__file__).resolve().parents[1] / "data" / "datapackage.json"
_current: contextvars.ContextVar[dict | None] = contextvars.ContextVar("toolkit_package", default=None)


@cache
def shipped() -> dict:
    """The toolkit's own descriptor (``toolkit/data/datapackage.json``)."""
    return json.loads(PACKAGE_FILE.read_text(encoding="utf-8"))


def package() -> dict:
    """The descriptor in use: a folder's own while :func:`using` it, else the toolkit's."""
    return _current.get() or shipped()


@contextlib.contextmanager
def using(descriptor: dict | None):
    """Read ``descriptor`` instead of the toolkit's own inside the ``with`` block.

    >>> with using({"resources": [{"name": "t", "path": "t.csv", "schema": {"fields": []}}]}):
    ...     table_names()
    ['t']
    """
    token = _current.set(descriptor)
    try:
        yield descriptor
    finally:
        _current.reset(token)


def _by_name(descriptor: dict) -> dict[str, dict]:
    return {r["name"]: r for r in descriptor.get("resources", [])}


_shipped_resources = cache(lambda: _by_name(shipped()))


def resources() -> dict[str, dict]:
    """Resource (table) descriptors by table name, in declaration order."""
    d = _current.get()
    return _shipped_resources() if d is None else _by_name(d)


def table_names() -> list[str]:
    """Names of all tables, in declaration order."""
    return list(resources())


def resource(name: str) -> dict:
    """The descriptor of one table; a clear error for an unknown name."""
    try:
        return resources()[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, table_names(), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; tables are: {', '.join(table_names())}"
        raise KeyError(f"no table called {name!r}{hint}") from None


def fields(name: str) -> list[dict]:
    """Field descriptors of one table."""
    return resource(name)["schema"]["fields"]


def field(name: str, column: str) -> dict:
    """One field descriptor."""
    for f in fields(name):
        if f["name"] == column:
            return f
    raise KeyError(f"table {name!r} has no column {column!r}")


def primary_key(name: str) -> list[str]:
    """The primary key's columns of one table."""
    pk = resource(name)["schema"]["primaryKey"]
    return [pk] if isinstance(pk, str) else list(pk)


def dtype(f: dict) -> pl.DataType:
    """The polars dtype for a field: enums become ``pl.Enum``, lists ``pl.List(pl.String)``."""
    enum = f.get("constraints", {}).get("enum")
    if f["type"] == "string" and enum:
        return pl.Enum(enum)
    return {
        "string": pl.String(),
        "integer": pl.Int64(),
        "number": pl.Float64(),
        "boolean": pl.Boolean(),
        "date": pl.Date(),
        "list": pl.List(pl.String),
    }[f["type"]]


def polars_schema(name: str) -> pl.Schema:
    """Column names and polars dtypes of a table, as the loaders return it."""
    return pl.Schema({f["name"]: dtype(f) for f in fields(name)})


def schema_version(descriptor: dict) -> int:
    """The schema version a descriptor declares (``x-schema-version``); none means version 1."""
    v = descriptor.get("x-schema-version", 1)
    return v if isinstance(v, int) and not isinstance(v, bool) else 1


def vocabulary(f: dict) -> str | None:
    """'closed' (the values are ``constraints.enum``), 'open' (any lower-case slug; ``x-suggested`` lists
    known values) or None for a field that is no vocabulary."""
    if f.get("constraints", {}).get("enum"):
        return "closed"
    return "open" if f.get("x-vocabulary") == "open" else None


def value_counts(table: pl.DataFrame | None, column: str) -> list[tuple[str, int]]:
    """The values of one column of a table with their counts, most frequent first (empty values left out)."""
    if table is None or column not in table.columns or table.is_empty() or isinstance(table.schema[column], pl.List):
        return []
    counts = table.get_column(column).cast(pl.String).drop_nulls().value_counts(sort=True)
    return sorted(((str(v), int(n)) for v, n in counts.rows()), key=lambda vn: (-vn[1], vn[0]))


def allowed(f: dict, counts: list[tuple[str, int]] | None = None) -> str:
    """What a field allows, in words: a closed list, or an open vocabulary with the values in use and their counts.

    >>> allowed({"name": "unit", "type": "string", "x-vocabulary": "open", "x-suggested": ["fighters"]}, [("deaths", 2)])
    'open (any lower-case slug): in the data deaths (2); suggested: fighters'
    """
    kind = vocabulary(f)
    if kind == "closed":
        return ", ".join(f["constraints"]["enum"])
    if kind != "open":
        return ""
    parts = []
    if counts:
        parts.append("in the data " + ", ".join(f"{v} ({n})" for v, n in counts))
    used = {v for v, _ in counts or []}
    suggested = [v for v in f.get("x-suggested", []) if v not in used]
    if suggested:
        parts.append("suggested: " + ", ".join(suggested))
    return "open (any lower-case slug)" + (": " + "; ".join(parts) if parts else "")


def describe(name: str, table: pl.DataFrame | None = None) -> str:
    """A plain-text data dictionary of one table (used in the loaders' docstrings); with ``table``, the values
    an open vocabulary holds, with their counts."""
    r = resource(name)
    lines = [r["description"], "", f"Primary key: {', '.join(primary_key(name))}", "", "Columns", "-------"]
    for f in fields(name):
        c = f.get("constraints", {})
        flags = [str(dtype(f)) if not c.get("enum") else "Enum"]
        if c.get("required"):
            flags.append("required")
        lines.append(f"{f['name']} ({', '.join(flags)})")
        lines.append(f"    {f['description']}")
        if vocabulary(f) == "closed":
            lines.append(f"    One of: {', '.join(c['enum'])}.")
        elif vocabulary(f) == "open":
            lines.append(f"    Values: {allowed(f, value_counts(table, f['name']))}.")
    return "\n".join(lines)


def dictionary(tables: dict[str, pl.DataFrame] | None = None) -> pl.DataFrame:
    """The data dictionary of every table as one DataFrame (table, column, type, required, vocabulary,
    allowed, description); with ``tables``, an open vocabulary's ``allowed`` lists the values in use with counts."""
    rows = []
    for name in table_names():
        for f in fields(name):
            c = f.get("constraints", {})
            rows.append({
                "table": name,
                "column": f["name"],
                "type": f["type"],
                "required": bool(c.get("required")),
                "vocabulary": vocabulary(f) or "",
                "allowed": allowed(f, value_counts((tables or {}).get(name), f["name"]) if vocabulary(f) == "open" else None),
                "description": f["description"],
            })
    return pl.DataFrame(rows)
