"""Many folders' tables, read as one frame per table, merged into one corpus by polars queries.

The rules are :mod:`toolkit.dataset.corpus`'s (see there); here every table of every folder is already one
frame with a ``__folder`` column (the folder's index), so a rule is a join or a window over the whole corpus
instead of a loop over folders and rows:

* fact ids that mean different things in two folders are found with one ``n_unique`` per id over a hash of
  each row, renamed by a join on (folder, old id), and every reference inside the folder follows;
* an alias declared for every source of a folder is joined to that folder's articles;
* rows identical in every column are kept once; the same key with different content is a problem naming
  both folders; columns with an ``x-merge`` rule are combined instead.

>>> plan = Plan({"t": {"name": "t", "path": "t.csv", "schema": {"fields": [{"name": "t_id", "type": "string"},
...              {"name": "source_id", "type": "string"}], "primaryKey": "t_id"}}})
>>> plan.facts
['t']
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

SEP = ":"
ENTITIES = ("sources", "segments", "actors", "places", "aliases", "mentions")
HIDDEN = ("__folder", "__row")


class Plan:
    """What merging needs to know of a descriptor's tables: keys, references, merge rules, fact tables."""

    def __init__(self, resources: Mapping[str, Mapping]):
        self.resources = dict(resources)
        self.names = list(self.resources)

    def fields(self, name: str) -> list[Mapping]:
        return list(self.resources[name]["schema"]["fields"])

    def types(self, name: str) -> dict[str, str]:
        return {f["name"]: f["type"] for f in self.fields(name)}

    def key(self, name: str) -> list[str]:
        pk = self.resources[name]["schema"].get("primaryKey") or []
        return [pk] if isinstance(pk, str) else list(pk)

    @property
    def facts(self) -> list[str]:
        return [n for n in self.names if n not in ENTITIES and len(self.key(n)) == 1 and "source_id" in self.types(n)]

    def references(self, table: str) -> list[tuple[str, str, bool, tuple | None]]:
        """(table, column, is_list, when) of every column holding ids of ``table``; ``when`` is (type column, value)
        for a polymorphic key (``relations.object_id`` holds event ids where ``object_type`` is "event")."""
        refs = []
        for name in self.names:
            res, types = self.resources[name], self.types(name)
            for fk in res["schema"].get("foreignKeys", []):
                if fk["reference"]["resource"] == table and isinstance(fk["fields"], str):
                    refs.append((name, fk["fields"], types.get(fk["fields"]) == "list", None))
            for mk in res.get("x-multiKeys", []):
                if table in mk["references"]:
                    refs.append((name, mk["field"], types.get(mk["field"]) == "list", None))
            for pk in res.get("x-polymorphicKeys", []):
                for kind, target in pk["references"].items():
                    if target == table:
                        refs.append((name, pk["field"], types.get(pk["field"]) == "list", (pk["typeField"], kind)))
        return refs

    def merge_rules(self, name: str) -> dict[str, str]:
        return {f["name"]: f["x-merge"] for f in self.fields(name) if f.get("x-merge") in ("any", "join", "first")}


def _rename(df: pl.DataFrame, col: str, mapping: pl.DataFrame, is_list: bool, when: tuple | None) -> pl.DataFrame:
    """``col`` (or each item of it) replaced where (folder, value) is in ``mapping`` (__folder, __old, __new)."""
    if is_list:
        items = (df.select(pl.int_range(pl.len()).alias("__i"), "__folder", pl.col(col).alias("__old"))
                 .explode("__old").with_row_index("__j")
                 .join(mapping, on=["__folder", "__old"], how="left", maintain_order="left")
                 .with_columns(pl.coalesce("__new", "__old").alias("__v"))
                 .group_by("__i", maintain_order=True)
                 .agg(pl.col("__v").drop_nulls(), pl.col("__old").is_null().all().alias("__none")))
        new = items.select(pl.when(pl.col("__none") & (pl.col("__v").list.len() == 0)).then(None)
                           .otherwise(pl.col("__v")).alias("__new"))["__new"]
        new = pl.Series(col, new).cast(df.schema[col])
        replaced = df.with_columns(new.alias("__new"))
    else:
        replaced = (df.with_columns(pl.col(col).cast(pl.String).alias("__old"))
                    .join(mapping, on=["__folder", "__old"], how="left", maintain_order="left")
                    .with_columns(pl.coalesce("__new", pl.col(col).cast(pl.String)).alias("__new")).drop("__old"))
    keep = pl.col(col)
    new = pl.col("__new")
    if when:
        new = pl.when(pl.col(when[0]).cast(pl.String) == when[1]).then(new).otherwise(keep)
    return replaced.with_columns(new.cast(df.schema[col]).alias(col)).drop("__new")


def qualify(tables: dict[str, pl.DataFrame], plan: Plan, labels: list[str], consume: bool = False) -> dict[str, pl.DataFrame]:
    """Fact ids that differ between folders qualified by their row's source (or folder), references following.
    ``consume``: replace the frames in ``tables`` itself (the old ones freed at once)."""
    tables = tables if consume else dict(tables)
    names = pl.DataFrame({"__folder": list(range(len(labels))), "__label": [Path(x).name for x in labels]},
                         schema={"__folder": pl.Int32, "__label": pl.String})
    for name in plan.facts:
        if name not in tables or tables[name].is_empty():
            continue
        df, key = tables[name], plan.key(name)[0]
        content = [c for c in df.columns if c not in HIDDEN]
        versions = df.select("__folder", pl.col(key), pl.col("source_id").cast(pl.String),
                             pl.struct(content).hash().alias("__h"))
        counts = (versions.group_by(key).agg(__n=pl.col("__h").n_unique(), __sources=pl.col("source_id").n_unique())
                  .filter(pl.col("__n") > 1))  # a group-by and a join: two windows over the corpus cost twice as much
        clash = versions.join(counts, on=key, how="inner", maintain_order="left")
        if clash.is_empty():
            continue
        mapping = (clash.join(names, on="__folder", how="left")
                   .select("__folder", pl.col(key).cast(pl.String).alias("__old"),
                           pl.concat_str(pl.when(pl.col("__sources") == pl.col("__n")).then("source_id").otherwise("__label"),
                                         pl.lit(SEP), pl.col(key)).alias("__new"))
                   .unique(["__folder", "__old"], keep="first"))
        for tab, col, is_list, when in [(name, key, False, None), *plan.references(name)]:
            if tab in tables and col in tables[tab].columns and not tables[tab].is_empty():
                tables[tab] = _rename(tables[tab], col, mapping, is_list, when)
    return tables


def scope_aliases(aliases: pl.DataFrame, sources: pl.DataFrame) -> pl.DataFrame:
    """An alias for every source of a folder becomes one alias per article of that folder."""
    if "source_id" not in aliases.columns:
        return aliases
    own = (sources.filter(pl.col("kind").cast(pl.String) == "article")
           .group_by("__folder").agg(pl.col("source_id").cast(pl.String).alias("__own")))
    out = aliases.join(own, on="__folder", how="left", maintain_order="left")
    out = out.with_columns(pl.when(pl.col("source_id").is_null()).then(pl.col("__own"))
                           .otherwise(pl.concat_list(pl.col("source_id").cast(pl.String))).alias("source_id"))
    return out.drop("__own").explode("source_id").with_columns(pl.col("source_id").cast(aliases.schema["source_id"]))


def union(name: str, df: pl.DataFrame, key: list[str], rules: dict, labels: list[str], problem) -> tuple[pl.DataFrame, list]:
    """Rows identical in every column kept once; the same key with different content a problem naming both folders."""
    columns = [c for c in df.columns if c not in HIDDEN]
    rules = {c: r for c, r in rules.items() if c in columns and c not in key}
    rest = [c for c in columns if c not in rules]
    distinct = df.filter(pl.struct(rest).is_first_distinct())  # unique(keep="first", maintain_order=True), 2x faster
    problems = []
    if key:
        clash = distinct.filter(pl.struct(key).is_duplicated())
        for k, group in clash.group_by(key, maintain_order=True):
            a, b = group.head(2).to_dicts()
            diff = [c for c in rest if a[c] != b[c]]
            shown = ", ".join(f"{c}: {a[c]!r} vs {b[c]!r}" for c in diff[:3])
            problems.append(problem(f"{name}.csv", None, ",".join(key),
                                    f"{'/'.join(map(str, k))!r} differs between {labels[a['__folder']]} and "
                                    f"{labels[b['__folder']]} ({shown}); the same id must mean the same thing in every "
                                    "folder of a corpus — rename one"))
    if rules and key and distinct.height < df.height and not problems:
        combined = df.group_by(key, maintain_order=True).agg(
            [pl.col(c).any() if r == "any" else pl.col(c).drop_nulls().first() if r == "first"
             else pl.col(c).drop_nulls().unique(maintain_order=True).str.join(" | ") for c, r in rules.items()])
        distinct = distinct.drop(list(rules)).join(combined, on=key, how="left", nulls_equal=True, maintain_order="left")
        if "join" in rules.values():
            distinct = distinct.with_columns(pl.col(c).replace("", None) for c, r in rules.items() if r == "join")
    return distinct.select(df.columns), problems


def merge_frames(tables: dict[str, pl.DataFrame], plan: Plan, labels: list[str], problem,
                 consume: bool = False) -> tuple[dict, list]:
    """The corpus of many folders' tables (each one frame with ``__folder``): (merged tables, problems).

    ``labels``: each folder's name in messages, by index; ``problem``: the Problem class to report with;
    ``consume``: empty ``tables`` as it goes (a corpus of 10,000 folders then holds one copy of a table, not two)."""
    tables = qualify(tables, plan, labels, consume)
    if "aliases" in tables and "sources" in tables:
        tables["aliases"] = scope_aliases(tables["aliases"], tables["sources"])
    out, problems = {}, []
    for name in list(tables):
        df = tables.pop(name) if consume else tables[name]
        merged, probs = union(name, df, plan.key(name) if name in plan.resources else [], plan.merge_rules(name)
                              if name in plan.resources else {}, labels, problem)
        out[name] = merged
        del df
        problems += probs
    return out, problems
