"""Several datasets as one corpus: ``toolkit.open(a, b, ...)`` calls :func:`merge` for folders of different schemas
(and Parquet ones); folders of one schema are merged in one pass by :mod:`toolkit.dataset.many`. Both use the rules
of :func:`toolkit.dataset.union.merge_frames`, so the corpus is the same either way and whatever the parts' order:

* Entity tables (sources, segments, actors, places, aliases) are unioned: a row identical in every column is kept
  once; an actor or place with the same id, name and kind is one entity (what else differs is kept in its note);
  the same key with other content is an error naming both folders, the table and the key.
* Fact tables (estimates, events, statements, relations, disputes, and any other table whose rows carry evidence)
  are concatenated. A row identical in two folders is kept once; a context row two folders share (alike but for
  its id and note) is one row. Where the same id carries different content in two folders, each version is
  qualified by its row's source: ``est01`` becomes ``bbc_2016:est01`` and ``ap_2016:est01`` (by the folder's
  name when the source is the same too), every reference to it inside its folder is rewritten to match, and rows
  that differ only by those references are qualified in turn; no new id takes one in use.
* ``folder:id`` references (a folder citing another's claims, ``x-cites``) become that row's id in the corpus; a
  bare id both folders hold, in a row that cites another folder, is a problem.
* An alias that a folder declares for every source is scoped to that folder's articles.
* The corpus's descriptor remembers its members (``x-corpus``): a folder given again beside a saved corpus that
  holds it is counted once.

>>> import toolkit
>>> one = toolkit.open()
>>> both = merge([one, one])            # the same folder twice: every row kept once
>>> both["estimates"].height == one["estimates"].height
True
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from toolkit.core.descriptor import union
from toolkit.core.problems import DataError, Problem
from toolkit.dataset.union import HIDDEN, Plan, merge_frames
from toolkit.dataset.value import Dataset


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


def _label(ds) -> str:
    return str(ds.folders[0]) if ds.folders else ds.name


def _order(ds) -> tuple:
    """Parts are merged in this order, whatever order they were given in: the same corpus every time."""
    return tuple(str(f) for f in ds.folders) or (ds.name,)


def cited(ds) -> list[str]:
    """The folders a folder declares it cites (``"x-cites"`` in its descriptor: their names)."""
    return [str(c) for c in ds.descriptor.get("x-cites") or ()]


def _record(ds) -> list[dict]:
    """The members a part stands for: those a corpus remembers (``x-corpus``), else the folder itself."""
    if ds.descriptor.get("x-corpus"):
        return [dict(m) for m in ds.descriptor["x-corpus"]]
    return [{"folder": Path(_label(ds)).name, "name": ds.name,
             "sources": sorted(ds.articles()["source_id"].cast(pl.String).drop_nulls().unique().to_list())}]


def _members_again(parts: list) -> tuple[list, list[str]]:
    """Parts without the folders a corpus among them already holds (a Parquet corpus remembers its members,
    ``x-corpus``): the same folder, dataset and articles. Each one dropped is said in a note."""
    held = {}
    for ds in parts:
        for m in (ds.descriptor.get("x-corpus") or ()):
            held.setdefault((m["folder"], m["name"], tuple(m["sources"])), _label(ds))
    keep, notes = [], []
    for ds in parts:
        me = _record(ds)[0]
        where = None if ds.descriptor.get("x-corpus") else held.get((me["folder"], me["name"], tuple(me["sources"])))
        if where is None:
            keep.append(ds)
        else:
            notes.append(f"{_label(ds)} is already a member of the corpus {where} (x-corpus): its rows are counted "
                         "once; to take changes made to it since, rebuild the corpus from its folders")
    return keep, notes


def merge(parts: list[Dataset]) -> Dataset:
    """One dataset from several (see the module docstring for the rules), the same whatever their order. The
    corpus's descriptor is the union of the parts' own: every table and column any folder declares, allowed values
    joined; it remembers its members (``x-corpus``), so a folder added again to a saved corpus counts once."""
    if len(parts) == 1:
        return parts[0]
    return merged_with_rows(parts)[0]


def merged_with_rows(parts: list[Dataset]) -> tuple[Dataset, dict[str, pl.DataFrame], list[str], dict]:
    """:func:`merge`, and what it takes to name a problem found on the corpus in its folder's file: the merged
    tables with ``__folder``/``__row`` (each row's folder, by index in the labels, and its row in that folder's
    table), the folders' labels, and the copies of shared context rows (see ``union.shared_context``)."""
    parts, notes = _members_again(sorted(parts, key=_order))
    try:
        desc = union([(_label(ds), ds.descriptor) for ds in parts])
    except ValueError as e:  # a column declared with two types: name the folders
        raise DataError(list(getattr(e, "problems", [])) or [Problem("datapackage.json", None, None, str(e))],
                        Path("corpus of " + ", ".join(_label(ds) for ds in parts))) from None
    labels = [_label(ds) for ds in parts]
    frames = {}
    for name in dict.fromkeys(n for ds in parts for n in ds.table_names()):
        frames[name] = pl.concat([_strings(ds._tables[name]).with_columns(
            __folder=pl.lit(i, pl.Int32), __row=pl.int_range(1, pl.len() + 1, dtype=pl.Int32))
            for i, ds in enumerate(parts) if name in ds._tables], how="diagonal_relaxed")
    meta = [{"name": ds.name, "cites": cited(ds)} for ds in parts]
    copies: dict = {}
    merged, problems = merge_frames(frames, Plan(dict(desc.resources())), labels, Problem, meta, copies=copies)
    if problems:
        raise DataError(problems, Path("corpus of " + ", ".join(labels)))
    out = {name: _retype(df.drop(HIDDEN, strict=False), [ds._tables[name] for ds in parts if name in ds._tables])
           for name, df in merged.items()}
    texts: dict = {}
    for ds in parts:
        for sid, t in ds.texts.items():
            if sid in texts and texts[sid] != t:
                raise DataError([Problem(f"texts/{sid}.txt", None, None, "two folders of the corpus hold different texts "
                                         "for this source")], Path(", ".join(_label(d) for d in parts)))
            texts[sid] = t
    record = list({repr(m): m for ds in parts for m in _record(ds)}.values())
    desc = desc.replace(**{"x-view": {}, "x-cites": None, "x-corpus": record},  # one dataset's extents do not describe the corpus
                        name="corpus", title="Corpus: " + "; ".join(ds.title for ds in parts[:3])
                        + (f" and {len(parts) - 3} more" if len(parts) > 3 else ""),
                        description=f"A corpus of {len(parts)} datasets, opened together: "
                        + "; ".join(ds.title for ds in parts[:6]) + (" ..." if len(parts) > 6 else "") + ".",
                        licenses=list({repr(x): x for ds in parts for x in ds.licenses}.values()) or None)
    corpus = Dataset(out, desc, texts, folders=tuple(f for ds in parts for f in ds.folders),
                     text_paths={k: v for ds in parts for k, v in ds.text_paths.items()},
                     notes=[n for ds in parts for n in ds.notes] + notes)
    return corpus, merged, labels, copies
