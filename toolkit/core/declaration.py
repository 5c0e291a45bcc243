"""The shape of a ``datapackage.json``: everything the loaders, checks and views read from it, checked first.

A descriptor that is not shaped as the toolkit reads it (``resources`` not a list, a field without a
name, a type the toolkit does not know, a primary key naming no field, a rule naming a missing column)
would otherwise surface as a ``KeyError`` deep in a check. Each problem names the descriptor and where
in it, e.g. ``datapackage.json: table events, schema.primaryKey names 'id', which is not one of its
fields``. :class:`~toolkit.core.descriptor.Descriptor` runs these after its own checks of names and paths.

>>> [str(p) for p in check_descriptor({"resources": "estimates.csv"})]
['datapackage.json: resources: must be a list of tables, not a str']
"""

from __future__ import annotations

from collections.abc import Mapping

from toolkit.core.problems import Problem

TYPES = ("string", "integer", "number", "boolean", "date", "list")
_FILE = "datapackage.json"
_STRINGS = ("name", "title", "description", "version", "x-format")


def _kind(value) -> str:
    return type(value).__name__


def _names(value) -> list | None:
    """A key's fields as a list (a string is one field), or None when it is neither."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return value
    return None


def check_descriptor(desc, file: str = _FILE) -> list[Problem]:
    """Every way ``desc`` (a parsed ``datapackage.json``) is not shaped as the toolkit reads it; [] when fine."""
    out: list[Problem] = []

    def bad(where: str, message: str) -> None:
        out.append(Problem(file, None, None, f"{where + ': ' if where else ''}{message}"))

    if not isinstance(desc, Mapping):
        bad("", f"must be a JSON object (a data package), not a {_kind(desc)}")
        return out
    for key in _STRINGS:
        if key in desc and not isinstance(desc[key], str):
            bad(key, f"must be a string, not a {_kind(desc[key])}")
    for key in ("x-view", "x-article"):
        if key in desc and not isinstance(desc[key], Mapping):
            bad(key, f"must be an object, not a {_kind(desc[key])}")
    if "licenses" in desc and not (isinstance(desc["licenses"], (list, tuple)) and all(isinstance(x, Mapping) for x in desc["licenses"])):
        bad("licenses", "must be a list of objects (name, path, title)")
    resources = desc.get("resources")
    if not isinstance(resources, (list, tuple)):
        bad("resources", "is missing" if resources is None else f"must be a list of tables, not a {_kind(resources)}")
        return out
    fields_of: dict[str, set[str]] = {}
    for i, res in enumerate(resources):
        if isinstance(res, Mapping) and isinstance(res.get("name"), str):
            fields_of[res["name"]] = set()
    for i, res in enumerate(resources):
        where = f"resource {i + 1}"
        if not isinstance(res, Mapping):
            bad(where, f"must be an object (a table), not a {_kind(res)}")
            continue
        name = res.get("name")
        if not isinstance(name, str) or not name:
            bad(where, "needs a name (a string)")
            continue
        where = f"table {name}"
        if [r.get("name") for r in resources if isinstance(r, Mapping)].count(name) > 1:
            bad(where, f"the table name {name!r} is declared more than once")
        for key in ("path", *_STRINGS[1:3], "format", "encoding"):
            if key in res and not isinstance(res[key], str):
                bad(where, f"{key} must be a string, not a {_kind(res[key])}")
        if "path" not in res:
            bad(where, "needs a path (the table's file in the folder)")
        schema = res.get("schema")
        if not isinstance(schema, Mapping):
            bad(where, "needs a schema (an object with fields)" if schema is None
                else f"schema must be an object, not a {_kind(schema)}")
            continue
        fields = schema.get("fields")
        if not isinstance(fields, (list, tuple)):
            bad(where, "schema.fields is missing" if fields is None else f"schema.fields must be a list, not a {_kind(fields)}")
            continue
        names = _check_fields(fields, where, bad)
        fields_of[name] = set(names)
        if len(names) < len(fields):  # a field without a name: keys naming it would only repeat that
            continue
        if len(set(names)) < len(names):
            twice = sorted({n for n in names if names.count(n) > 1})
            bad(where, f"schema.fields declares {', '.join(map(repr, twice))} more than once")
        pk = schema.get("primaryKey")
        if pk is None:
            bad(where, "schema.primaryKey is missing (the column or columns that identify a row)")
        elif _names(pk) is None:
            bad(where, f"schema.primaryKey must be a field name or a list of them, not {pk!r}")
        else:
            for col in _names(pk):
                if col not in names:
                    bad(where, f"schema.primaryKey names {col!r}, which is not one of its fields")
        _check_foreign_keys(schema.get("foreignKeys", []), where, names, fields_of, bad)
    for i, res in enumerate(resources):
        if isinstance(res, Mapping) and isinstance(res.get("name"), str) and isinstance(res.get("schema"), Mapping):
            _check_rules(res, f"table {res['name']}", fields_of, bad)
    return out


def _check_fields(fields: list, where: str, bad) -> list[str]:
    names = []
    for j, f in enumerate(fields):
        at = f"{where}, field {j + 1}"
        if not isinstance(f, Mapping):
            bad(at, f"must be an object (name, type, description), not a {_kind(f)}")
            continue
        if not isinstance(f.get("name"), str) or not f.get("name"):
            bad(at, "needs a name (a string)")
            continue
        names.append(f["name"])
        at = f"{where}, field {f['name']}"
        if f.get("type") not in TYPES:
            shown = "is missing" if "type" not in f else f"{f['type']!r} is not one of {', '.join(TYPES)}"
            bad(at, f"type {shown}")
        for key in ("title", "description", "delimiter", "itemType"):
            if key in f and not isinstance(f[key], str):
                bad(at, f"{key} must be a string, not a {_kind(f[key])}")
        c = f.get("constraints", {})
        if not isinstance(c, Mapping):
            bad(at, f"constraints must be an object, not a {_kind(c)}")
            continue
        for key in ("required", "unique"):
            if key in c and not isinstance(c[key], bool):
                bad(at, f"constraints.{key} must be true or false, not {c[key]!r}")
        enum = c.get("enum")
        if enum is not None and not (isinstance(enum, (list, tuple)) and enum and all(isinstance(v, str) for v in enum)):
            bad(at, "constraints.enum must be a non-empty list of strings (the allowed values)")
        elif enum is not None and len(set(enum)) < len(enum):
            bad(at, "constraints.enum lists a value more than once")
        for key in ("minimum", "maximum"):
            numeric = f.get("type") in ("integer", "number")
            if key in c and numeric and (isinstance(c[key], bool) or not isinstance(c[key], (int, float))):
                bad(at, f"constraints.{key} must be a number, not {c[key]!r}")
        for key in ("minLength", "maxLength"):
            if key in c and (isinstance(c[key], bool) or not isinstance(c[key], int)):
                bad(at, f"constraints.{key} must be a whole number, not {c[key]!r}")
        if "pattern" in c:
            import re

            try:
                re.compile(c["pattern"]) if isinstance(c["pattern"], str) else bad(at, "constraints.pattern must be a string")
            except re.error as e:
                bad(at, f"constraints.pattern is not a regular expression: {e}")
    return names


def _check_foreign_keys(fks, where: str, names: list[str], fields_of: dict, bad) -> None:
    if not isinstance(fks, (list, tuple)):
        bad(where, f"schema.foreignKeys must be a list, not a {_kind(fks)}")
        return
    for k, fk in enumerate(fks):
        at = f"{where}, foreign key {k + 1}"
        ref = fk.get("reference") if isinstance(fk, Mapping) else None
        mine = _names(fk.get("fields")) if isinstance(fk, Mapping) else None
        theirs = _names(ref.get("fields")) if isinstance(ref, Mapping) else None
        if mine is None or theirs is None or not isinstance(ref.get("resource"), str):
            bad(at, "must be {\"fields\": ..., \"reference\": {\"resource\": ..., \"fields\": ...}}")
            continue
        for col in mine:
            if col not in names:
                bad(at, f"names the field {col!r}, which the table does not declare")
        target = ref["resource"] or where.removeprefix("table ")  # "" is the table itself
        if target not in fields_of:
            bad(at, f"refers to the table {target!r}, which the descriptor does not declare")
        elif fields_of[target]:
            for col in theirs:
                if col not in fields_of[target]:
                    bad(at, f"refers to {target}.{col}, which {target} does not declare")


def _check_rules(res: dict, where: str, fields_of: dict, bad) -> None:
    """The ``x-`` rules (dates, links, list and polymorphic keys, event order) name fields and tables that exist."""
    own = fields_of.get(res["name"], set())

    def field(at: str, col) -> None:
        if not isinstance(col, str) or col not in own:
            bad(where, f"{at} names the field {col!r}, which the table does not declare")

    def table(at: str, name) -> None:
        if not isinstance(name, str) or name not in fields_of:
            bad(where, f"{at} refers to the table {name!r}, which the descriptor does not declare")

    for key, shape in (("x-dates", list), ("x-links", list), ("x-multiKeys", list), ("x-polymorphicKeys", list),
                       ("x-eventOrder", dict)):
        rule = res.get(key)
        if rule is None:
            continue
        ok = isinstance(rule, (list, tuple)) if shape is list else isinstance(rule, Mapping)
        if not ok or (shape is list and not all(isinstance(r, Mapping) for r in rule)):
            bad(where, f"{key} must be {'a list of objects' if shape is list else 'an object'}")
            continue
        for r in rule if shape is list else [rule]:
            if key == "x-dates":
                for part in ("start", "end", "precision"):
                    if part in r:
                        field(f"{key}.{part}", r[part])
            elif key == "x-links":
                field(f"{key}.field", r.get("field"))
                for col in r.get("sameFields", []) if isinstance(r.get("sameFields", []), (list, tuple)) else [None]:
                    field(f"{key}.sameFields", col)
            elif key == "x-multiKeys":
                field(f"{key}.field", r.get("field"))
                refs = r.get("references")
                for t in refs if isinstance(refs, (list, tuple)) else [refs]:
                    table(f"{key}.references", t)
            elif key == "x-polymorphicKeys":
                field(f"{key}.field", r.get("field"))
                field(f"{key}.typeField", r.get("typeField"))
                refs = r.get("references")
                for t in refs.values() if isinstance(refs, Mapping) else [refs]:
                    table(f"{key}.references", t)
            elif key == "x-eventOrder":
                table(f"{key}.events", r.get("events"))
                if not isinstance(r.get("predicates"), (list, tuple)):
                    bad(where, f"{key}.predicates must be a list of relation predicates")
