"""How each field is compared: its level of measurement (or not compared at all), values normalised and shown,
references translated into the reference coder's ids."""

from __future__ import annotations

from datetime import date

from toolkit.core.descriptor import Descriptor

LOCATORS = {"paragraph", "paragraph_start", "paragraph_end", "char_start", "char_end", "quote", "surface"}
PROSE = {"title", "author", "publisher", "url", "note", "name", "role", "counted", "qualifier", "period", "summary", "topic"}
EMPTY = "(empty)"
SHOW = ("quote", "surface", "name", "alias", "title")  # what a row's "quote" is, in this order


def level(desc: Descriptor, table: str, f: dict, text: bool = False) -> str | None:
    """The level of measurement of a field for comparison, or None when it is not compared.

    >>> d = Descriptor.shipped()
    >>> level(d, "estimates", d.field("estimates", "value_low"))
    'ratio'
    >>> level(d, "estimates", d.field("estimates", "bound"))
    'nominal'
    """
    name, kind, c = f["name"], f["type"], f.get("constraints", {})
    if name in LOCATORS or name in desc.primary_key(table) or _bookkeeping(desc, table, f):
        return None
    if _spans(desc, table) and name == "source_id":
        return None  # part of the matching key
    if name in PROSE and not c.get("enum"):
        return "nominal" if text else None
    if kind in ("integer", "number"):
        return "ratio" if c.get("minimum", -1) >= 0 else "interval"
    if kind == "date":
        return "interval"
    return "nominal"


def _bookkeeping(desc: Descriptor, table: str, f) -> bool:
    """A column about the coding, not the text (a draft's ``draft`` and ``confidence``, any field marked
    ``x-bookkeeping``): never compared, since a reviewer empties it."""
    return bool(f.get("x-bookkeeping")) or f["name"] == "draft" or (f["name"] == "confidence" and "draft" in desc.columns(table))


def _spans(desc: Descriptor, table: str) -> bool:
    return {"char_start", "char_end"} <= set(desc.columns(table))


def _targets(desc: Descriptor, table: str) -> dict[str, list[tuple]]:
    """Fields of ``table`` that refer to rows of span-matched tables: field -> [(target table, type field, type)];
    the type is that of a polymorphic key (``relations.object_id`` is an event id where ``object_type`` is "event")."""
    res, out = desc.resource(table), {}
    for fk in res["schema"].get("foreignKeys", []):
        out.setdefault(fk["fields"], []).append((fk["reference"]["resource"], None, None))
    for mk in res.get("x-multiKeys", []):
        out.setdefault(mk["field"], []).extend((t, None, None) for t in mk["references"])
    for pk in res.get("x-polymorphicKeys", []):
        out.setdefault(pk["field"], []).extend((t, pk["typeField"], kind) for kind, t in pk["references"].items())
    return {k: [t for t in v if _spans(desc, t[0])] for k, v in out.items() if any(_spans(desc, t[0]) for t in v)}


def _translated(idmap: dict, targets: list[tuple] | None, ci: int, row: dict, value):
    """A coder's reference (or list of them) in the reference coder's ids, where the row it names was matched."""
    if not targets or value is None:
        return value
    tables = [t for t, typed, kind in targets if typed is None or str(row.get(typed)) == kind]

    def tr(x):
        return next((idmap[(t, ci, x)] for t in tables if (t, ci, x) in idmap), x)
    return [tr(x) for x in value] if isinstance(value, list) else tr(value)


def _quote(row: dict) -> str | None:
    return next((row[k] for k in SHOW if row.get(k)), None)


def _span(row: dict):
    if row.get("char_start") is None or row.get("char_end") is None:
        return None
    return row.get("source_id"), row["char_start"], row["char_end"]


def _norm(value, f: dict, text: bool):
    if value is None or (isinstance(value, list) and not value):
        return None
    if isinstance(value, list):
        return tuple(sorted(str(v) for v in value))
    if isinstance(value, str) and f["name"] in PROSE:
        return " ".join(value.split()).casefold()
    if isinstance(value, date):
        return value.isoformat()
    return value if isinstance(value, (bool, int, float)) else str(value)


def _show(value) -> str:
    if value is None:
        return EMPTY
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "; ".join(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
