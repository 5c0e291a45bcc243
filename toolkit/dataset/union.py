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

import os
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from toolkit.core.text import own_text

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


def _names(labels: list[str]) -> list[str]:
    """Each folder's name (``Path(label).name`` of 10,000 labels, without making 10,000 paths)."""
    return [os.path.basename(os.path.normpath(x)) for x in labels]


def _row_hash(columns: list[str]) -> pl.Expr:
    """A hash of each row's values in ``columns`` (column by column, then together: hashing a struct holding a
    list column directly was 8 times slower)."""
    return pl.struct([pl.col(c).hash().alias(c) for c in columns]).hash()


def _rename(df: pl.DataFrame, col: str, mapping: pl.DataFrame, is_list: bool, when: tuple | None) -> pl.DataFrame:
    """``col`` (or each item of it) replaced where (folder, value) is in ``mapping`` (__folder, __old, __new)."""
    mapping = mapping.select(pl.col("__folder").cast(pl.Int32), pl.col("__old").cast(pl.String), pl.col("__new").cast(pl.String))
    if is_list:
        items = (df.select(pl.int_range(pl.len()).alias("__i"), "__folder", pl.col(col).alias("__old"))
                 .explode("__old", empty_as_null=True).with_row_index("__j")
                 .join(mapping, on=["__folder", "__old"], how="left", maintain_order="left")
                 .with_columns(pl.coalesce("__new", "__old").alias("__v"))
                 .group_by("__i", maintain_order=True)
                 .agg(pl.col("__v").drop_nulls(), pl.col("__old").is_null().all().alias("__none")))
        new = items.select(pl.when(pl.col("__none") & (pl.col("__v").list.len() == 0)).then(None)
                           .otherwise(pl.col("__v")).alias("__new"))["__new"]
        new = pl.Series(col, new).cast(df.schema[col])
        replaced = df.with_columns(new.alias("__new"))
    else:  # the new column alone (a join of the whole table would copy every column of it)
        new = (df.select(pl.col("__folder").cast(pl.Int32), pl.col(col).cast(pl.String).alias("__old"))
               .join(mapping, on=["__folder", "__old"], how="left", maintain_order="left")
               .select(pl.coalesce("__new", "__old").alias("__new"))["__new"])
        replaced = df.with_columns(new)
    keep = pl.col(col)
    new = pl.col("__new")
    if when:
        new = pl.when(pl.col(when[0]).cast(pl.String) == when[1]).then(new).otherwise(keep)
    return replaced.with_columns(new.cast(df.schema[col]).alias(col)).drop("__new")


def _record(renamed: dict | None, name: str, mapping: pl.DataFrame) -> None:
    """Add ``mapping`` (__folder, __old, __new) to what ``renamed`` holds for ``name``, an id renamed twice
    traced from its first name to its last."""
    if renamed is None or mapping.is_empty():
        return
    m = mapping.select("__folder", "__old", "__new")
    prev = renamed.get(name)
    if prev is not None:
        prev = (prev.join(m.rename({"__old": "__new", "__new": "__then"}), on=["__folder", "__new"], how="left")
                .with_columns(pl.coalesce("__then", "__new").alias("__new")).drop("__then"))
        m = pl.concat([prev, m.join(prev, on=["__folder", "__old"], how="anti")])
    renamed[name] = m


def _fresh(mapping: pl.DataFrame, taken: pl.Series) -> pl.DataFrame:
    """New ids that collide (one new id for two different rows, or an id some folder already uses) numbered
    apart: ``ap_2016-2:est01``. Numbered by the first folder holding each version: the same whatever the order."""
    for attempt in range(8):
        bad = (pl.col("__h").n_unique().over("__new") > 1) | pl.col("__new").is_in(taken.implode())
        if not mapping.select(bad.any()).item():
            break
        n = pl.col("__f0").rank("dense").over("__new").cast(pl.Int64) + attempt * mapping.height
        mapping = mapping.with_columns(pl.when(bad).then(pl.concat_str("__q", pl.lit("-"), n.cast(pl.String), pl.lit(SEP), "__old"))
                                       .otherwise("__new").alias("__new"))
    return mapping


def qualify(tables: dict[str, pl.DataFrame], plan: Plan, labels: list[str], renamed: dict | None = None,
            held: dict | None = None) -> dict[str, pl.DataFrame]:
    """Fact ids that differ between folders qualified by their row's source (or folder), references following,
    until nothing differs: a row that differs only because an id it cites was qualified is qualified in turn.
    A version held by several folders is qualified by the first of them (one id: kept once). A new id never takes an
    id in use. ``renamed``: filled with table -> (__folder, __old, __new); ``held``: see :func:`shared_context`."""
    tables = dict(tables)
    names = pl.DataFrame({"__folder": list(range(len(labels))), "__label": _names(labels)},
                         schema={"__folder": pl.Int32, "__label": pl.String})
    pending = set(plan.facts)  # tables to look at: all, then those citing a table whose ids were just qualified
    for _ in range(2 * len(plan.facts) + 2):
        if not pending:
            break
        for name in plan.facts:
            if name not in pending:
                continue
            pending.discard(name)
            if name not in tables or tables[name].is_empty():
                continue
            df, key = tables[name], plan.key(name)[0]
            content = [c for c in df.columns if c not in HIDDEN]
            versions = df.select("__folder", pl.col(key), pl.col("source_id").cast(pl.String),
                                 _row_hash(content).alias("__h"))
            versions = versions.with_columns(__n=pl.col("__h").n_unique().over(key),
                                             __sources=pl.col("source_id").n_unique().over(key))
            clash = versions.filter(pl.col("__n") > 1)
            if clash.is_empty():
                continue
            pending |= {tab for tab, *_ in plan.references(name) if tab in plan.facts}
            mapping = (clash.with_columns(__f0=pl.col("__folder").min().over(key, "__h"))
                       .join(names.rename({"__folder": "__f0"}), on="__f0", how="left")
                       .with_columns(__q=pl.when(pl.col("__sources") == pl.col("__n")).then("source_id").otherwise("__label"))
                       .select(pl.col("__folder").cast(pl.Int32), pl.col(key).cast(pl.String).alias("__old"), "__q", "__h", "__f0",
                               pl.concat_str("__q", pl.lit(SEP), pl.col(key).cast(pl.String)).alias("__new"))
                       .unique(["__folder", "__old"], keep="first", maintain_order=True))
            mapping = _fresh(mapping, df[key].cast(pl.String))
            if held and name in held:  # folders whose copy of a shared context row went follow the copy that stayed
                follow = held[name].join(mapping.select(pl.col("__folder").alias("__holder"), "__old", "__new"),
                                         on=["__holder", "__old"]).select("__folder", "__old", "__new")
                mapping = pl.concat([mapping.select("__folder", "__old", "__new"), follow]).unique(["__folder", "__old"])
            _record(renamed, name, mapping)
            for tab, col, is_list, when in [(name, key, False, None), *plan.references(name)]:
                if tab in tables and col in tables[tab].columns and not tables[tab].is_empty():
                    tables[tab] = _rename(tables[tab], col, mapping, is_list, when)
    return tables


def shared_context(tables: dict[str, pl.DataFrame], plan: Plan, renamed: dict | None = None,
                   held: dict | None = None, copies: dict | None = None) -> dict[str, pl.DataFrame]:
    """A context row (a fact of a source that is not an article: a ministry's report, another outlet) that two
    folders both carry, alike in every column but its id, note, draft and confidence, is one row: the first folder's
    copy, with the smallest of their ids and every copy's note; every reference follows. ``held``: filled with table
    -> (__folder, __old, __holder): the folders whose copy went, the id, and the folder whose copy stayed, so that
    their references follow that copy if it is qualified later. ``copies``: filled with table -> (__folder, __row of the
    copy kept, __gone_folder, __gone_row of each copy that went), so a problem found on the kept row is reported for
    every folder's file that holds it."""
    if "sources" not in tables or "kind" not in tables["sources"].columns:
        return tables
    tables = dict(tables)
    context = (tables["sources"].filter(pl.col("kind").cast(pl.String) != "article")
               .select(pl.col("source_id").cast(pl.String)).unique()["source_id"].implode())
    for name in plan.facts:
        df = tables.get(name)
        if df is None or df.is_empty():
            continue
        key = plan.key(name)[0]
        alike = [c for c in df.columns if c not in (*HIDDEN, key, "note", "draft", "confidence")]
        rows = (df.with_row_index("__i").filter(pl.col("source_id").cast(pl.String).is_in(context))
                .with_columns(__sig=_row_hash(alike)))
        groups = rows.group_by("__sig").agg(
            __canon=pl.col(key).cast(pl.String).min(), __folders=pl.col("__folder").n_unique(),
            __note=(pl.col("note").drop_nulls().unique().sort().str.join(" | ") if "note" in df.columns else pl.lit(None)))
        rows = rows.join(groups.filter(pl.col("__folders") > 1), on="__sig")
        if rows.is_empty():
            continue
        # one copy stays (the first folder's), with every copy's note; the others go (their references follow below)
        first = rows.group_by("__sig").agg(pl.col("__i").min()).join(groups.select("__sig", "__note"), on="__sig")
        gone = rows.join(first, on="__i", how="anti").select("__i")
        if copies is not None:
            kept = first.join(rows.select("__i", "__folder", "__row"), on="__i").select("__sig", "__folder", "__row")
            went = rows.join(gone, on="__i", how="semi").select(
                "__sig", pl.col("__folder").alias("__gone_folder"), pl.col("__row").alias("__gone_row"))
            copies[name] = kept.join(went, on="__sig").drop("__sig")
        if held is not None:
            holder = first.join(rows.select("__i", pl.col("__folder").alias("__holder")), on="__i").select("__sig", "__holder")
            held[name] = (rows.join(gone, on="__i", how="semi").join(holder, on="__sig")
                          .select(pl.col("__folder").cast(pl.Int32), pl.col("__canon").alias("__old"), pl.col("__holder").cast(pl.Int32)))
        df = df.with_row_index("__i").join(gone, on="__i", how="anti", maintain_order="left")
        if "note" in df.columns:  # the kept copy's note: every copy's; the note column made alone
            notes = first.select("__i", pl.col("__note").replace("", None), __hit=pl.lit(True))
            note = (df.select("__i", "note").join(notes, on="__i", how="left", maintain_order="left")
                    .select(pl.when(pl.col("__hit")).then("__note").otherwise("note").alias("note"))["note"])
            df = df.with_columns(note)
        tables[name] = df.drop("__i")
        mapping = (rows.filter(pl.col(key).cast(pl.String) != pl.col("__canon"))
                   .select("__folder", pl.col(key).cast(pl.String).alias("__old"), pl.col("__canon").alias("__new"))
                   .unique(["__folder", "__old"], maintain_order=True))
        if mapping.is_empty():
            continue
        _record(renamed, name, mapping)
        for tab, col, is_list, when in [(name, key, False, None), *plan.references(name)]:
            if tab in tables and col in tables[tab].columns and not tables[tab].is_empty():
                tables[tab] = _rename(tables[tab], col, mapping, is_list, when)
    return tables


def _written(df: pl.DataFrame, col: str, is_list: bool, when: tuple | None) -> pl.DataFrame:
    """Every value of a reference column as written: (__folder, __row, __v)."""
    row = pl.col("__row") if "__row" in df.columns else pl.int_range(1, pl.len() + 1).over("__folder")
    out = df.filter(pl.col(when[0]).cast(pl.String) == when[1]) if when else df
    out = out.select("__folder", row.cast(pl.Int64).alias("__row"), pl.col(col).alias("__v"))
    if is_list:
        out = out.explode("__v")
    return out.with_columns(pl.col("__v").cast(pl.String)).drop_nulls("__v")


def cross_references(tables: dict[str, pl.DataFrame], plan: Plan, labels: list[str], meta: list[dict] | None,
                     problem) -> tuple[dict[str, pl.DataFrame], list]:
    """References between folders, before any id is qualified: (explicit, problems).

    ``folder:id`` (a folder's name, its dataset's name or one of its source ids, then an id of that folder) is an
    explicit reference: ``explicit`` holds table -> (__folder, __old as written, __g its folder, __rest its id).
    In a row that cites another folder (a reference only another folder resolves), a bare id that the row's folder
    holds and another folder holds with other content is ambiguous: a problem naming the file, row and column, never
    a silent choice of the folder's own row."""
    meta = meta or [{} for _ in labels]
    prefixes = list(zip(_names(labels), range(len(labels)))) + [(m["name"], i) for i, m in enumerate(meta) if m.get("name")]
    prefix = pl.DataFrame(prefixes, schema={"__p": pl.String, "__g": pl.Int32}, orient="row")
    if "sources" in tables:
        prefix = pl.concat([prefix, tables["sources"].select(pl.col("source_id").cast(pl.String).alias("__p"),
                                                             pl.col("__folder").cast(pl.Int32).alias("__g"))])
    prefix = prefix.unique().filter(pl.col("__g").n_unique().over("__p") == 1)
    explicit, bare, rows = {}, [], {}
    for name in plan.facts:
        if name not in tables or tables[name].is_empty():
            continue
        df, key = tables[name], plan.key(name)[0]
        ids = df.select(pl.col("__folder").cast(pl.Int32), pl.col(key).cast(pl.String).alias("__v"))
        for tab, col, is_list, when in plan.references(name):
            if tab not in tables or col not in tables[tab].columns or tables[tab].is_empty():
                continue
            refs = _written(tables[tab], col, is_list, when).with_columns(pl.col("__folder").cast(pl.Int32))
            own = refs.join(ids, on=["__folder", "__v"], how="semi")
            other = refs.join(ids, on=["__folder", "__v"], how="anti")
            written = (other.with_columns(__p=pl.col("__v").str.extract(f"^([^{SEP}]*){SEP}"),
                                          __rest=pl.col("__v").str.replace(f"^[^{SEP}]*{SEP}", ""))
                       .join(prefix, on="__p").join(ids.rename({"__folder": "__g", "__v": "__rest"}), on=["__g", "__rest"], how="semi"))
            if not written.is_empty():
                explicit[name] = pl.concat([explicit[name], written.select("__folder", pl.col("__v").alias("__old"), "__g", "__rest")]
                                           ) if name in explicit else written.select("__folder", pl.col("__v").alias("__old"), "__g", "__rest")
            elsewhere = other.join(ids.select(pl.col("__v")).unique(), on="__v", how="semi")  # only another folder holds it
            cites = pl.concat([elsewhere.select("__folder", "__row"), written.select("__folder", "__row")])
            rows[tab] = pl.concat([rows[tab], cites]).unique() if tab in rows else cites.unique()
            bare.append((name, tab, col, own))
    problems, hashed = [], {}
    for name, tab, col, own in bare:  # in a row that cites another folder, a bare id both hold is ambiguous
        own = own.join(rows[tab], on=["__folder", "__row"], how="semi") if tab in rows else own.clear()
        if own.is_empty():
            continue
        if name not in hashed:
            df = tables[name]
            hashed[name] = df.select(pl.col("__folder").cast(pl.Int32), pl.col(plan.key(name)[0]).cast(pl.String).alias("__v"),
                                     _row_hash([c for c in df.columns if c not in HIDDEN]).alias("__h"))
        ids = hashed[name]
        mine = own.join(ids, on=["__folder", "__v"])
        hit = (mine.join(ids.rename({"__folder": "__g", "__h": "__h2"}), on="__v")
               .filter((pl.col("__g") != pl.col("__folder")) & (pl.col("__h") != pl.col("__h2")))
               .unique(["__folder", "__row", "__v"], keep="first", maintain_order=True))
        path = plan.resources[tab].get("path", f"{tab}.csv")
        for f, r, v, g in hit.select("__folder", "__row", "__v", "__g").rows():
            me = (meta[f].get("name") or Path(labels[f]).name)
            them = (meta[g].get("name") or Path(labels[g]).name)
            problems.append(problem(str(Path(labels[f]) / path), r, col,
                                    f"{v!r} is ambiguous: a row of {name} in this folder and in {labels[g]}, and this row "
                                    f"cites another folder; write {me}{SEP}{v} for this folder's row or {them}{SEP}{v} "
                                    "for the other's",
                                    kind="reference"))
    return explicit, problems


def resolve(tables: dict[str, pl.DataFrame], plan: Plan, explicit: dict[str, pl.DataFrame], renamed: dict
            ) -> dict[str, pl.DataFrame]:
    """Each ``folder:id`` written in a folder replaced by the id that row has in the corpus."""
    tables = dict(tables)
    for name, ex in explicit.items():
        final = ex.unique(["__folder", "__old"])
        done = renamed.get(name)
        if done is not None:
            final = final.join(done.rename({"__folder": "__g", "__old": "__rest"}), on=["__g", "__rest"], how="left")
        else:
            final = final.with_columns(__new=pl.lit(None, pl.String))
        final = final.with_columns(pl.coalesce("__new", "__rest").alias("__new"))
        for tab, col, is_list, when in plan.references(name):
            if tab in tables and col in tables[tab].columns and not tables[tab].is_empty():
                tables[tab] = _rename(tables[tab], col, final, is_list, when)
    return tables


def members(labels: list[str], names: list[str | None], sources: pl.DataFrame | None) -> list[dict]:
    """What a corpus remembers of each folder (``x-corpus`` in its descriptor, kept in Parquet): its folder's name,
    its dataset's name and its articles, so a folder added again is known as a member."""
    own: dict = {}
    if sources is not None and "kind" in sources.columns:
        rows = (sources.filter(own_text(sources.columns))
                .group_by("__folder").agg(pl.col("source_id").cast(pl.String).unique().sort()))
        own = dict(rows.rows())
    return [{"folder": x, "name": n, "sources": list(own.get(i, []))} for i, (x, n) in enumerate(zip(_names(labels), names))]


def scope_aliases(aliases: pl.DataFrame, sources: pl.DataFrame) -> pl.DataFrame:
    """An alias for every source of a folder becomes one alias per article of that folder (a folder with no
    article: per source of it; a folder with no source at all keeps it for every source)."""
    if "source_id" not in aliases.columns:
        return aliases
    sid, article = pl.col("source_id").cast(pl.String), own_text(sources.columns)
    own = (sources.group_by("__folder").agg(sid.filter(article).drop_nulls().alias("__art"), sid.drop_nulls().alias("__all"))
           .select("__folder", pl.when(pl.col("__art").list.len() > 0).then("__art").otherwise("__all").alias("__own")))
    out = aliases.join(own, on="__folder", how="left", maintain_order="left")
    every = pl.col("__own").is_null() | (pl.col("__own").list.len() == 0)
    out = out.with_columns(pl.when(pl.col("source_id").is_not_null()).then(pl.concat_list(pl.col("source_id").cast(pl.String)))
                           .when(every).then(pl.concat_list(pl.lit(None, pl.String)))
                           .otherwise(pl.col("__own")).alias("source_id"))
    return out.drop("__own").explode("source_id").with_columns(pl.col("source_id").cast(aliases.schema["source_id"]))


IDENTITY = ("name", "kind")  # an entity (actor, place) is the same entity in two folders when these agree


def _entity(plan: Plan, name: str, columns: list[str]) -> bool:
    return (name in plan.resources and name not in plan.facts and len(plan.key(name)) == 1
            and set(IDENTITY) <= set(columns) and "note" in columns)


def _differences(versions: pl.DataFrame, key: list[str], cols: list[str], labels: list[str]) -> pl.DataFrame:
    """(key, __x): for each entity merged from folders that describe it differently, what the later ones say."""
    label = pl.col("__folder").replace_strict(list(range(len(labels))), _names(labels), return_dtype=pl.String)
    said = [pl.when(pl.col(c).ne_missing(pl.col(c).first().over(key)))
            .then(pl.concat_str(pl.lit(f"{c} "), pl.col(c).cast(pl.String).fill_null("(empty)"), pl.lit(" in "), label))
            for c in cols if not isinstance(versions.schema[c], (pl.List, pl.Array, pl.Struct))]
    if not said:
        return versions.select(key).clear().with_columns(__x=pl.lit(None, pl.String))
    return (versions.select(*key, pl.concat_list(said).alias("__x")).explode("__x").drop_nulls("__x")
            .group_by(key, maintain_order=True).agg(pl.col("__x").unique(maintain_order=True).str.join("; ")))


def _first(column: str, earliest: pl.DataFrame | None) -> pl.Expr:
    """The value of a "first" column (an actor's ``source_id``: where it is first named): the source published
    first (then the smallest value), whatever the order of the folders."""
    value = pl.col(column).cast(pl.String)
    rank = (value.replace_strict(earliest["source_id"], earliest["__rank"], default=earliest.height, return_dtype=pl.Int64)
            if earliest is not None else pl.lit(0))
    return pl.col(column).sort_by(rank, value).drop_nulls().first()


def earliest(sources: pl.DataFrame | None) -> pl.DataFrame | None:
    """source_id -> its rank by publication (``published_start``; undated last, then by id)."""
    if sources is None or "published_start" not in sources.columns:
        return None
    return (sources.select(pl.col("source_id").cast(pl.String), "published_start").unique("source_id")
            .sort("published_start", "source_id", nulls_last=True).with_row_index("__rank")
            .select("source_id", pl.col("__rank").cast(pl.Int64)))


def _distinct(df: pl.DataFrame, key: list[str], rest: list[str]) -> pl.DataFrame:
    """``df.unique(subset=rest, keep="first", maintain_order=True)``, looking only at the rows whose key is held
    twice (``key`` is part of ``rest``): in a corpus most keys are held once, and hashing every column of every row
    was most of a merge's time."""
    if not key:
        return df.unique(subset=rest, keep="first", maintain_order=True)
    k = pl.struct(key) if len(key) > 1 else pl.col(key[0])
    twice = df.select(k.is_duplicated() | pl.any_horizontal(pl.col(c).is_null() for c in key)).to_series()
    if not twice.any():
        return df
    kept = df.with_row_index("__u").filter(twice).unique(subset=rest, keep="first", maintain_order=True)["__u"]
    return df.filter(~twice | pl.int_range(pl.len(), dtype=kept.dtype).is_in(kept.implode()))


def union(name: str, df: pl.DataFrame, key: list[str], rules: dict, labels: list[str], problem,
          identity: tuple | None = None, earliest: pl.DataFrame | None = None) -> tuple[pl.DataFrame, list]:
    """Rows identical in every column kept once; the same key with different content a problem naming both folders.
    With ``identity`` (entities: name and kind), only those must agree: the first folder's row is kept and what
    the others say differently (an affiliation, an ISO code) is added to its ``note``."""
    columns = [c for c in df.columns if c not in HIDDEN]
    rules = {c: r for c, r in rules.items() if c in columns and c not in key}
    rest = [c for c in columns if c not in rules]
    distinct = _distinct(df, key, rest)
    problems, extra = [], None
    if key:
        clash = distinct.filter(pl.struct(key).is_duplicated())
        if identity and not clash.is_empty():
            same = clash.group_by(key).agg([(pl.col(c).cast(pl.String).str.strip_chars().str.to_lowercase().n_unique() == 1)
                                            .alias(f"__same_{c}") for c in identity])
            same = same.filter(pl.all_horizontal(f"__same_{c}" for c in identity)).select(key)
            agreed = clash.join(same, on=key, how="semi", nulls_equal=True)
            extra = _differences(agreed, key, [c for c in rest if c not in key and c not in identity], labels)
            clash = clash.join(same, on=key, how="anti", nulls_equal=True)
            distinct = distinct.unique(subset=key, keep="first", maintain_order=True) if not agreed.is_empty() else distinct
            rest_shown = list(identity)
        else:
            rest_shown = rest
        for k, group in clash.group_by(key, maintain_order=True):
            a, b = group.head(2).to_dicts()
            diff = [c for c in rest_shown if a[c] != b[c]] or [c for c in rest if a[c] != b[c]]
            shown = ", ".join(f"{c}: {a[c]!r} vs {b[c]!r}" for c in diff[:3])
            problems.append(problem(f"{name}.csv", None, ",".join(key),
                                    f"{'/'.join(map(str, k))!r} differs between {labels[a['__folder']]} and "
                                    f"{labels[b['__folder']]} ({shown}); the same id must mean the same thing in every "
                                    "folder of a corpus — rename one", kind="key"))
    if rules and key and distinct.height < df.height and not problems:
        combined = df.group_by(key, maintain_order=True).agg(
            [pl.col(c).any() if r == "any" else _first(c, earliest) if r == "first"
             else pl.col(c).drop_nulls().unique(maintain_order=True).str.join(" | ") for c, r in rules.items()])
        distinct = distinct.drop(list(rules)).join(combined, on=key, how="left", nulls_equal=True, maintain_order="left")
        if "join" in rules.values():
            distinct = distinct.with_columns(pl.col(c).replace("", None) for c, r in rules.items() if r == "join")
    if extra is not None and not extra.is_empty() and not problems:
        distinct = (distinct.join(extra, on=key, how="left", nulls_equal=True, maintain_order="left")
                    .with_columns(pl.when(pl.col("__x").is_null()).then(pl.col("note"))
                                  .otherwise(pl.concat_str(pl.col("note"), pl.lit(" | "), pl.lit("other folders: "), pl.col("__x"),
                                                           ignore_nulls=True).str.strip_prefix(" | ")).alias("note"))
                    .drop("__x"))
    return distinct.select(df.columns), problems


def merge_frames(tables: dict[str, pl.DataFrame], plan: Plan, labels: list[str], problem, meta: list[dict] | None = None,
                 renamed: dict | None = None, consume: bool = False, copies: dict | None = None) -> tuple[dict, list]:
    """The corpus of many folders' tables (each one frame with ``__folder``): (merged tables, problems).

    ``labels``: each folder's name in messages, by index; ``problem``: the Problem class to report with; ``meta``:
    each folder's dataset ``name`` and the folders it ``cites`` (``x-cites``); ``renamed``: filled with every id
    renamed (table -> __folder, __old, __new); ``consume``: let each table's rows go as it is merged (a corpus of
    10,000 folders then holds one copy of a table, not two); ``copies``: see :func:`shared_context`."""
    renamed = {} if renamed is None else renamed
    if consume:  # the caller's dict handed over: its frames are dropped here as they are merged
        tables, given = dict(tables), tables
        given.clear()
    explicit, problems = cross_references(tables, plan, labels, meta, problem)
    held: dict = {}
    tables = shared_context(tables, plan, renamed, held, copies)
    tables = qualify(tables, plan, labels, renamed, held)
    tables = resolve(tables, plan, explicit, renamed)
    if "aliases" in tables and "sources" in tables:
        tables["aliases"] = scope_aliases(tables["aliases"], tables["sources"])
    out, first = {}, earliest(tables.get("sources"))
    for name in list(tables):
        df = tables.pop(name) if consume else tables[name]
        known = name in plan.resources
        merged, probs = union(name, df, plan.key(name) if known else [], plan.merge_rules(name) if known else {}, labels,
                              problem, IDENTITY if _entity(plan, name, df.columns) else None, first)
        out[name] = merged
        del df
        problems += probs
    return out, problems
