"""``Dataset.subset(source_ids)``: the facts of some sources as a dataset that still validates.

* Fact rows (estimates, events, statements, relations, disputes ...) of those sources are kept, with the
  context rows (facts of sources that are not articles: a ministry's report) that they cite, and the rows those
  cite in turn.
* A reference to a fact row that was not kept is taken out of a list (a dispute's ``claim_ids``), emptied in a
  column that may be empty (``same_claim_as``), and drops its row where the column is required or part of the
  row's key (an ``event_actors`` row of another article's event, a relation about it).
* Sources: those asked for and those the kept rows cite; their segments and mentions; texts of kept sources only.
* Actors and places: only those a kept row still names (a place's parent, an actor's affiliation included); an
  actor first named in a source that was left out is first named, in the subset, in the first kept source that
  mentions it (else the first one asked for). Aliases of kept entities and kept (or every) source.

>>> import toolkit
>>> ds = toolkit.open()
>>> sid = ds.articles()["source_id"][0]
>>> ds.subset(sid).validate().ok
True
"""

from __future__ import annotations

import polars as pl

from toolkit.dataset.union import ENTITIES, Plan


def _values(df: pl.DataFrame, col: str, is_list: bool, when: tuple | None) -> pl.Series:
    rows = df.filter(pl.col(when[0]).cast(pl.String) == when[1]) if when else df
    values = rows[col].explode(empty_as_null=True) if is_list else rows[col]
    return values.cast(pl.String).drop_nulls().unique()


def _required(desc, table: str, col: str) -> bool:
    f = desc.field(table, col)
    return bool(f.get("constraints", {}).get("required")) or col in desc.primary_key(table)


def _drop_refs(desc, plan: Plan, out: dict, target: str, kept: pl.Series) -> None:
    """References to ``target`` rows not in ``kept`` taken out of lists, emptied, or their rows dropped."""
    keep = kept.implode()
    for tab, col, is_list, when in plan.references(target):
        if tab not in out or col not in out[tab].columns or out[tab].is_empty():
            continue
        df, applies = out[tab], (pl.col(when[0]).cast(pl.String) == when[1]) if when else pl.lit(True)
        if is_list:
            kept_items = pl.col(col).list.eval(pl.element().filter(pl.element().cast(pl.String).is_in(keep)))
            trimmed = pl.when(applies).then(kept_items).otherwise(pl.col(col))
            out[tab] = df.with_columns(pl.when(trimmed.list.len() == 0).then(None).otherwise(trimmed).alias(col))
            continue
        gone = applies & pl.col(col).is_not_null() & ~pl.col(col).cast(pl.String).is_in(keep)
        if _required(desc, tab, col):
            out[tab] = df.filter(~gone)
        else:
            out[tab] = df.with_columns(pl.when(gone).then(None).otherwise(pl.col(col)).alias(col))


def subset(ds, source_ids):
    """The facts of ``source_ids`` of the dataset ``ds`` as a consistent dataset of the same class (see the module
    docstring)."""
    keep = [source_ids] if isinstance(source_ids, str) else list(source_ids)
    desc, t = ds.descriptor, dict(ds._tables)
    plan = Plan(dict(desc.resources()))
    known = set(t["sources"]["source_id"].cast(pl.String).to_list())
    missing = [s for s in keep if s not in known]
    if missing:
        raise KeyError(f"no source {missing[0]!r} in this dataset; its sources are {sorted(known)}")
    facts = [n for n in plan.facts if n in t]
    articles = ds.articles()["source_id"].cast(pl.String).implode()
    ids = {n: pl.col(plan.key(n)[0]).cast(pl.String) for n in facts}
    kept = {n: t[n].filter(pl.col("source_id").cast(pl.String).is_in(keep))[plan.key(n)[0]].cast(pl.String) for n in facts}
    for _ in range(len(facts) * 4 + 1):  # the context rows kept rows cite, and those they cite
        grew = False
        for target in facts:
            for tab, col, is_list, when in plan.references(target):
                if tab not in facts or col not in t[tab].columns:
                    continue
                cited = _values(t[tab].filter(ids[tab].is_in(kept[tab].implode())), col, is_list, when)
                more = t[target].filter(ids[target].is_in(cited.implode()) & ~ids[target].is_in(kept[target].implode())
                                        & ~pl.col("source_id").cast(pl.String).is_in(articles))
                if more.height:
                    kept[target] = pl.concat([kept[target], more[plan.key(target)[0]].cast(pl.String)])
                    grew = True
        if not grew:
            break
    out = {n: (t[n].filter(ids[n].is_in(kept[n].implode())) if n in facts else df) for n, df in t.items()}
    for target in facts:
        _drop_refs(desc, plan, out, target, kept[target])
    sources = pl.concat([pl.Series(keep, dtype=pl.String),
                         *(_values(out[tab], col, is_list, when) for tab, col, is_list, when in plan.references("sources")
                           if tab in out and tab not in ENTITIES and col in out[tab].columns)]).unique()
    for name in ("segments", "mentions"):
        if name in out:
            out[name] = out[name].filter(pl.col("source_id").cast(pl.String).is_in(sources.implode()))
    entities = [n for n in ("actors", "places") if n in out and len(plan.key(n)) == 1]
    for e in entities:  # named by a kept row, then the parents and affiliations of those
        key = pl.col(plan.key(e)[0]).cast(pl.String)
        named = [_values(out[tab], col, is_list, when) for tab, col, is_list, when in plan.references(e)
                 if tab in out and tab not in (*entities, "aliases") and col in out[tab].columns]
        chosen = pl.concat(named).unique() if named else pl.Series([], dtype=pl.String)
        for _ in range(64):
            rows = t[e].filter(key.is_in(chosen.implode()))
            more = [_values(rows, col, is_list, when) for tab, col, is_list, when in plan.references(e) if tab == e]
            grown = pl.concat([chosen, *more]).unique()
            if grown.len() == chosen.len():
                break
            chosen = grown
        out[e] = t[e].filter(key.is_in(chosen.implode()))
    if "actors" in out and "source_id" in out["actors"].columns:  # first named, in the subset, where it is named
        first = (out.get("mentions", pl.DataFrame(schema={"source_id": pl.String, "entity_id": pl.String}))
                 .select(pl.col("entity_id").cast(pl.String).alias("__a"), pl.col("source_id").cast(pl.String).alias("__s"))
                 .group_by("__a", maintain_order=True).first())
        a = out["actors"]
        out["actors"] = (a.join(first, left_on=pl.col("actor_id").cast(pl.String), right_on="__a", how="left", maintain_order="left")
                         .with_columns(pl.when(pl.col("source_id").cast(pl.String).is_in(sources.implode())).then(pl.col("source_id"))
                                       .otherwise(pl.coalesce("__s", pl.lit(keep[0]))).cast(a.schema["source_id"]).alias("source_id"))
                         .select(a.columns))
    if "aliases" in out:
        a = out["aliases"]
        where = pl.col("source_id").is_null() | pl.col("source_id").cast(pl.String).is_in(sources.implode())
        named = pl.lit(True)
        for e in entities:
            for tab, col, _, when in plan.references(e):
                if tab == "aliases":
                    named = named & pl.when(pl.col(when[0]).cast(pl.String) == when[1] if when else pl.lit(True)).then(
                        pl.col(col).cast(pl.String).is_in(out[e][plan.key(e)[0]].cast(pl.String).implode())).otherwise(True)
        out["aliases"] = a.filter(where & named)
    out["sources"] = out["sources"].filter(pl.col("source_id").cast(pl.String).is_in(sources.implode()))
    chosen = set(out["sources"]["source_id"].cast(pl.String).to_list())
    return type(ds)(out, desc, {k: v for k, v in ds.texts.items() if k in chosen}, folders=ds.folders,
                   text_paths={k: v for k, v in ds.text_paths.items() if k in chosen}, notes=ds.notes)
