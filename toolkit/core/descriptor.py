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


def describe(name: str) -> str:
    """A plain-text data dictionary of one table (used in the loaders' docstrings)."""
    r = resource(name)
    lines = [r["description"], "", f"Primary key: {', '.join(primary_key(name))}", "", "Columns", "-------"]
    for f in fields(name):
        c = f.get("constraints", {})
        flags = [str(dtype(f)) if not c.get("enum") else "Enum"]
        if c.get("required"):
            flags.append("required")
        lines.append(f"{f['name']} ({', '.join(flags)})")
        lines.append(f"    {f['description']}")
        if c.get("enum"):
            lines.append(f"    One of: {', '.join(c['enum'])}.")
    return "\n".join(lines)


def dictionary() -> pl.DataFrame:
    """The data dictionary of every table as one DataFrame (table, column, type, required, allowed, description)."""
    rows = []
    for name in table_names():
        for f in fields(name):
            c = f.get("constraints", {})
            rows.append({
                "table": name,
                "column": f["name"],
                "type": f["type"],
                "required": bool(c.get("required")),
                "allowed": ", ".join(c.get("enum", [])),
                "description": f["description"],
            })
    return pl.DataFrame(rows)
