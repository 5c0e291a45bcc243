"""References between tables: foreign keys, keys to one of several tables, lists of keys.

Each check is a polars mask first; rows are looked at only where one hits. A dangling id is a problem of
kind ``reference`` (in a corpus it may live in another folder).
"""

from __future__ import annotations

import polars as pl

from toolkit.checks.columns import _suggest
from toolkit.checks.fileform import Problem, show
from toolkit.core.descriptor import Descriptor



def _a(noun: str) -> str:
    """'an event', 'a place'."""
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun

def _ids(desc: Descriptor, tables: dict, res: str) -> set:
    df = tables.get(res)
    return set() if df is None else set(df[desc.primary_key(res)[0]].drop_nulls().to_list())


def _id_series(desc: Descriptor, tables: dict, res: str) -> pl.Series:
    """A table's ids as a polars Series (a corpus holds 100,000s: no Python set unless a reference misses)."""
    df = tables.get(res)
    if df is None:
        return pl.Series([], dtype=pl.String)
    return df.get_column(desc.primary_key(res)[0]).drop_nulls().cast(pl.String).unique()


def check_keys(desc: Descriptor, name: str, df: pl.DataFrame, tables: dict) -> list[Problem]:
    """References to other tables' ids: each check is a polars mask first; rows are looked at only on a hit."""
    res, problems, ids, sets = desc.resource(name), [], {}, {}
    fname = res["path"]

    def known_in(target: str) -> pl.Series:  # each table's ids once, not once per row
        if target not in ids:
            ids[target] = _id_series(desc, tables, target)
        return ids[target]

    def as_set(target: str) -> set:  # only where a reference misses: for the message and its suggestion
        if target not in sets:
            sets[target] = set(known_in(target).to_list())
        return sets[target]

    def unknown(col: str, known: pl.Series) -> pl.Series:
        c, values = pl.col(col), known.implode()
        if isinstance(df.schema[col], pl.List):
            return df.select(c.list.eval(pl.element().is_not_null() & ~pl.element().is_in(values)).list.any()
                             .fill_null(False)).to_series()
        return df.select((c.is_not_null() & ~c.cast(pl.String).is_in(values)).fill_null(False)).to_series()

    def hits(mask: pl.Series) -> list[int]:
        return [i + 1 for i in mask.arg_true().to_list()] if mask.any() else []

    for fk in res["schema"].get("foreignKeys", []):
        col, target = fk["fields"], fk["reference"]["resource"]
        if tables.get(target) is None or col not in df.columns:
            continue
        for i in hits(unknown(col, known_in(target))):
            known = as_set(target)
            v = df[col][i - 1]
            v = v.to_list() if isinstance(v, pl.Series) else v
            for item in (v if isinstance(v, list) else [v]):
                if item is not None and item not in known:
                    problems.append(Problem(fname, i, col, f"{show(item)} is not {_a(target[:-1])} id in {target}.csv" + _suggest(item, known), kind="reference"))
    for pk in res.get("x-polymorphicKeys", []):
        field, type_field = pk["field"], pk["typeField"]
        kinds = df[type_field].cast(pl.String)
        mask = pl.Series([False] * df.height, dtype=pl.Boolean)
        for kind, target in pk["references"].items():
            if tables.get(target) is not None:
                mask = mask | ((kinds == kind).fill_null(False) & unknown(field, known_in(target)))
        for i in hits(mask):
            value, kind = df.row(i - 1, named=True)[field], df.row(i - 1, named=True)[type_field]
            target = pk["references"].get(str(kind))
            known = as_set(target)
            problems.append(Problem(fname, i, field, f"{show(value)} is not {_a(str(kind))} id in {target}.csv" + _suggest(value, known), kind="reference"))
    for mk in res.get("x-multiKeys", []):
        targets = [t for t in mk["references"] if tables.get(t) is not None]
        union = pl.concat([known_in(t) for t in targets]).unique() if targets else pl.Series([], dtype=pl.String)
        for i in hits(unknown(mk["field"], union)):
            known = set().union(*(as_set(t) for t in targets))
            items = df[mk["field"]][i - 1]
            for item in (items.to_list() if isinstance(items, pl.Series) else items) or []:
                if item not in known:
                    problems.append(Problem(fname, i, mk["field"], f"{show(item)} is not an id in "
                                            + " or ".join(f"{t}.csv" for t in mk["references"]) + _suggest(item, known),
                                            kind="reference"))
    return sorted(problems, key=lambda p: (p.column or "", p.row))
