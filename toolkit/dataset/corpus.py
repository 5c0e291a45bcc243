"""Several datasets as one corpus: ``toolkit.open(a, b, ...)`` calls :func:`merge`.

* Entity tables (sources, segments, actors, places, aliases) are unioned: a row identical in every
  column is kept once; the same key with different content is an error naming both folders, the
  table and the key.
* Fact tables (estimates, events, statements, relations, disputes, and any other table whose
  rows carry evidence) are concatenated. A row identical in every column in two folders is kept
  once. Where the same id carries different content in two folders, each version is qualified
  by its row's source: ``est01`` becomes ``bbc_2016:est01`` and ``ap_2016:est01`` (by the
  folder's name when the source is the same too), and every reference to it inside its own folder
  (``same_claim_as``, ``statement_id``, dispute ``claim_ids`` ...) is rewritten to match.
* Mentions are unioned on (source_id, char_start) like entities. An alias that a folder declares for
  every source (``aliases.source_id`` empty) is scoped to that folder's articles, so one article's
  "Interior Ministry" or "AP" never tags another's text.

>>> import toolkit
>>> one = toolkit.open()
>>> both = merge([one, one])            # the same folder twice: every row kept once
>>> both["estimates"].height == one["estimates"].height
True
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from toolkit.core.descriptor import Descriptor, union
from toolkit.core.problems import DataError, Problem
from toolkit.dataset.union import Plan
from toolkit.dataset.value import Dataset

SEP = ":"  # between the qualifier and the id: "ap_2016:est01"
ENTITIES = ("sources", "segments", "actors", "places", "aliases", "mentions")


def _strings(df: pl.DataFrame) -> pl.DataFrame:
    """Enums as plain strings, so tables from descriptors with different allowed values concatenate."""
    return df.with_columns(pl.col(c).cast(pl.String) for c, t in df.schema.items() if isinstance(t, (pl.Enum, pl.Categorical)))


def _retype(df: pl.DataFrame, frames: list[pl.DataFrame]) -> pl.DataFrame:
    """Enums back, each with the union of the allowed values of every part."""
    out = {}
    for c in df.columns:
        cats = [list(f.schema[c].categories) for f in frames if c in f.columns and isinstance(f.schema[c], pl.Enum)]
        if cats:
            out[c] = pl.Enum(list(dict.fromkeys(v for cs in cats for v in cs)))
    return df.cast(out) if out else df


def _references(desc: Descriptor, table: str) -> list[tuple[str, str, bool, tuple | None]]:
    """(table, column, is_list, when) of every column that holds ids of ``table``; ``when`` is
    (type column, value) for a polymorphic key (``relations.object_id`` holds event ids where
    ``object_type`` is "event")."""
    return Plan(desc.resources()).references(table)


def _fact_tables(desc: Descriptor) -> list[str]:
    return [n for n in desc.table_names() if n not in ENTITIES and len(desc.primary_key(n)) == 1
            and "source_id" in desc.columns(n)]


def _label(ds) -> str:
    return str(ds.folders[0]) if ds.folders else ds.name


def _qualify(parts: list, desc: Descriptor) -> list[dict]:
    """Per part, the tables with colliding fact ids qualified and references rewritten."""
    tables = [{n: _strings(ds._tables[n]) for n in ds.table_names()} for ds in parts]
    for name in _fact_tables(desc):
        key = desc.primary_key(name)[0]
        seen: dict = {}
        for i, t in enumerate(tables):
            if name not in t:
                continue
            for row in t[name].iter_rows(named=True):
                seen.setdefault(row[key], {}).setdefault(tuple(sorted((k, str(v)) for k, v in row.items())), []).append(
                    (i, row["source_id"]))
        clashing = {k: v for k, v in seen.items() if len(v) > 1}
        if not clashing:
            continue
        renames: list[dict] = [{} for _ in tables]
        for old, versions in clashing.items():
            sources = [src for owners in versions.values() for _, src in owners]
            by_source = len(set(sources)) == len(versions)
            for owners in versions.values():
                for i, src in owners:
                    renames[i][old] = f"{src if by_source else Path(_label(parts[i])).name}{SEP}{old}"
        for i, t in enumerate(tables):
            if not renames[i]:
                continue
            mapping = renames[i]
            t[name] = t[name].with_columns(pl.col(key).replace(mapping))
            for tab, col, is_list, when in _references(desc, name):
                if tab in t and col in t[tab].columns:
                    expr = (pl.col(col).list.eval(pl.element().replace(mapping)) if is_list else pl.col(col).replace(mapping))
                    if when:
                        expr = pl.when(pl.col(when[0]).cast(pl.String) == when[1]).then(expr).otherwise(pl.col(col))
                    t[tab] = t[tab].with_columns(expr.alias(col))
    return tables


def _merge_rules(desc: Descriptor, name: str) -> dict[str, str]:
    """column -> rule for columns that may differ between folders: ``"x-merge": "any"`` (booleans,
    e.g. ``in_article``: true when any text names it), ``"join"`` (notes, roles: the distinct values joined)
    or ``"first"`` (an actor's ``source_id``, where it is first named: the first folder's)."""
    if not desc.has_table(name):
        return {}
    return {f["name"]: f["x-merge"] for f in desc.fields(name) if f.get("x-merge") in ("any", "join", "first")}


def _union(name: str, frames: list[tuple[str, pl.DataFrame]], key: list[str], rules: dict | None = None) -> pl.DataFrame:
    """Rows identical in every column kept once; the same key with different content is an error
    (columns with a merge rule are combined instead of compared)."""
    labelled = pl.concat([df.with_columns(pl.lit(label).alias("__folder")) for label, df in frames], how="diagonal_relaxed")
    columns = [c for c in labelled.columns if c != "__folder"]
    rules = {c: r for c, r in (rules or {}).items() if c in columns and c not in key}
    rest = [c for c in columns if c not in rules]
    distinct = labelled.unique(subset=rest, keep="first", maintain_order=True)
    clash = distinct.filter(pl.struct(key).is_duplicated()) if key else distinct.clear()
    if clash.height:
        problems = []
        for k, group in clash.group_by(key, maintain_order=True):
            rows = group.to_dicts()
            a, b = rows[0], rows[1]
            diff = [c for c in rest if a[c] != b[c]]
            shown = ", ".join(f"{c}: {a[c]!r} vs {b[c]!r}" for c in diff[:3])
            problems.append(Problem(f"{name}.csv", None, ",".join(key),
                                    f"{'/'.join(map(str, k))!r} differs between {a['__folder']} and {b['__folder']} ({shown}); "
                                    "the same id must mean the same thing in every folder of a corpus — rename one"))
        raise DataError(problems, Path("corpus of " + ", ".join(dict.fromkeys(label for label, _ in frames))))
    if rules and key and distinct.height < labelled.height:
        combined = labelled.group_by(key, maintain_order=True).agg(
            [pl.col(c).any() if r == "any" else pl.col(c).drop_nulls().first() if r == "first"
             else pl.col(c).drop_nulls().unique(maintain_order=True).str.join(" | ") for c, r in rules.items()])
        distinct = distinct.drop(list(rules)).join(combined, on=key, how="left", nulls_equal=True)
        if "join" in rules.values():
            distinct = distinct.with_columns(pl.col(c).replace("", None) for c, r in rules.items() if r == "join")
    return distinct.select(columns)


def merge(parts: list[Dataset]) -> Dataset:
    """One dataset from several (see the module docstring for the rules). The corpus's descriptor is the
    union of the parts' own: every table and column any folder declares, allowed values joined."""
    if len(parts) == 1:
        return parts[0]
    try:
        desc = union([(_label(ds), ds.descriptor) for ds in parts])
    except ValueError as e:  # a column declared with two types: name the folders
        raise DataError(list(getattr(e, "problems", [])) or [Problem("datapackage.json", None, None, str(e))],
                        Path("corpus of " + ", ".join(_label(ds) for ds in parts))) from None
    tables = _qualify(parts, desc)
    for ds, t in zip(parts, tables):  # an alias for "every source" of one folder tags only that folder's texts
        if "aliases" in t and "source_id" in t["aliases"].columns:
            own = ds.articles()["source_id"].to_list()
            t["aliases"] = (t["aliases"].with_columns(pl.when(pl.col("source_id").is_null()).then(pl.lit(own, dtype=pl.List(pl.String)))
                                                      .otherwise(pl.concat_list("source_id")).alias("source_id"))
                            .explode("source_id"))
    names = list(dict.fromkeys(n for ds in parts for n in ds.table_names()))
    out = {}
    for name in names:
        frames = [(_label(ds), t[name]) for ds, t in zip(parts, tables) if name in t]
        key = desc.primary_key(name) if desc.has_table(name) else []
        merged = _union(name, frames, key, _merge_rules(desc, name))
        out[name] = _retype(merged, [ds._tables[name] for ds in parts if name in ds._tables])
    texts: dict = {}
    for ds in parts:
        for sid, t in ds.texts.items():
            if sid in texts and texts[sid] != t:
                raise DataError([Problem(f"texts/{sid}.txt", None, None, "two folders of the corpus hold different texts "
                                         "for this source")], Path(", ".join(_label(d) for d in parts)))
            texts[sid] = t
    desc = desc.replace(**{"x-view": {}},  # one dataset's extents and source line do not describe the corpus
                        name="corpus", title="Corpus: " + "; ".join(ds.title for ds in parts[:3])
                        + (f" and {len(parts) - 3} more" if len(parts) > 3 else ""),
                        description=f"A corpus of {len(parts)} datasets, opened together: "
                        + "; ".join(ds.title for ds in parts[:6]) + (" ..." if len(parts) > 6 else "") + ".",
                        licenses=list({repr(x): x for ds in parts for x in ds.licenses}.values()) or None)
    return Dataset(out, desc, texts, folders=tuple(f for ds in parts for f in ds.folders),
                   text_paths={k: v for ds in parts for k, v in ds.text_paths.items()},
                   notes=[n for ds in parts for n in ds.notes])
