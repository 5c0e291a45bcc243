"""The corpus checks in plain polars, without the toolkit: the yardstick of ``benchmarks/scale.py``.

    python benchmarks/reference_polars.py FOLDER [FOLDER ...]     # or a folder of article folders

Reads every folder's tables in one parse per table (the files' bodies joined, each after a marker row that
says which folder follows), types them from the descriptor and runs the checks the toolkit runs, as
polars expressions over the whole corpus: types, years, required values, allowed values, minimum/maximum,
length, uniqueness and primary keys (within a folder), keys and invisible characters, foreign, polymorphic
and list keys (against the corpus), the ordering rules of estimates, dates and spans, a locator for every
fact of an article, quote length, the declared rules (``x-dates``, ``x-links``, ``x-eventOrder``), quotes
and paragraphs against each article's text, and mentions re-found from the aliases in the counted segments.
Returns each problem as ``(folder, file, row, column)``; messages are not written (that is the toolkit's job).

What it leaves out (the generated corpus has none of it): file form (encodings, byte-order marks, ragged
rows, a column named twice), texts found outside the folders, entity conflicts between folders, and the
qualification of fact ids (the checks treat an id as known when any folder holds it).
"""

from __future__ import annotations

import io
import json
import sys
from datetime import date
from pathlib import Path

import polars as pl

MARK = "\x1d"
ID_ODD = r"[\p{Cc}\p{Cf}\p{Zl}\p{Zp}[\p{Zs}--\x20]]"
TEXT_ODD = r"[[\p{Cc}--[\t\n\r]]\p{Zl}\p{Zp}\x{200B}\x{2060}\x{FEFF}\x{202A}-\x{202E}\x{2066}-\x{2069}]"


def folders_of(args: list[str]) -> list[Path]:
    out = []
    for a in map(Path, args):
        out += [a] if (a / "datapackage.json").is_file() else sorted(p for p in a.iterdir() if p.is_dir())
    return out


def read_table(folders: list[Path], path: str, columns: list[str]) -> pl.DataFrame:
    """Every folder's ``path`` as one frame of strings, with ``_folder`` (index) and ``_row`` (1-based, per file)."""
    parts = []
    for i, f in enumerate(folders):
        try:
            with open(f / path, "rb") as fh:
                raw = fh.read()
        except FileNotFoundError:
            continue
        body = raw.removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)
        parts.append(f"{MARK}{i}\n".encode())
        if len(body) > 1 and body[1]:
            parts.append(body[1] if body[1].endswith(b"\n") else body[1] + b"\n")
    header = ",".join(columns).encode() + b"\n"
    df = pl.read_csv(io.BytesIO(header + b"".join(parts)), infer_schema=False, has_header=True)
    first = pl.col(columns[0])
    mark = first.str.starts_with(MARK).fill_null(False)
    df = df.with_columns(_folder=pl.when(mark).then(first.str.slice(1).cast(pl.Int32)).forward_fill(),
                         _mark=mark)
    df = df.with_columns(_row=pl.int_range(pl.len()).over("_folder").cast(pl.Int32))  # the marker is row 0
    return df.filter(~pl.col("_mark")).drop("_mark")


def typed(col: pl.Expr, f: dict) -> pl.Expr:
    t = f["type"]
    if t == "string":
        return col
    s = col.str.strip_chars().replace("", None)
    if t == "integer":
        return s.cast(pl.Int64, strict=False)
    if t == "number":
        return s.cast(pl.Float64, strict=False)
    if t == "boolean":
        return s.str.to_lowercase().replace_strict({"true": True, "false": False, "1": True, "0": False},
                                                   default=None, return_dtype=pl.Boolean)
    if t == "date":
        return s.str.to_date("%Y-%m-%d", strict=False)
    if t == "list":
        return s.str.split(f.get("delimiter", ";")).list.eval(pl.element().str.strip_chars()).list.eval(
            pl.element().filter(pl.element() != ""))
    raise ValueError(t)


class Checker:
    def __init__(self, folders: list[Path]):
        self.folders = folders
        self.desc = json.loads((folders[0] / "datapackage.json").read_text(encoding="utf-8"))
        self.res = {r["name"]: r for r in self.desc["resources"]}
        self.problems: list[tuple] = []
        self.raw: dict[str, pl.DataFrame] = {}
        self.t: dict[str, pl.DataFrame] = {}

    def hit(self, df: pl.DataFrame, mask: pl.Expr, file: str, column: str | None) -> None:
        rows = df.filter(mask.fill_null(False)).select("_folder", "_row")
        self.problems += [(f, file, r, column) for f, r in rows.iter_rows()]

    def pk(self, name: str) -> list[str]:
        pk = self.res[name]["schema"]["primaryKey"]
        return [pk] if isinstance(pk, str) else list(pk)

    # -- reading and the checks of one column -------------------------------------------------------
    def read(self) -> None:
        for name, res in self.res.items():
            fields = res["schema"]["fields"]
            raw = read_table(self.folders, res["path"], [f["name"] for f in fields])
            self.raw[name] = raw
            pk = self.pk(name)
            keys = set(pk) | {fk["fields"] for fk in res["schema"].get("foreignKeys", [])}
            keys |= {k[x] for k in res.get("x-polymorphicKeys", []) for x in ("field", "typeField")}
            keys |= {k["field"] for k in res.get("x-multiKeys", [])}
            keys |= {f["name"] for f in fields if f["name"].endswith(("_id", "_ids"))}
            strict = {k for k in keys if k.endswith(("_id", "_ids")) or pk == [k]}
            cols, checks = [], []
            for f in fields:
                c, con = pl.col(f["name"]), f.get("constraints", {})
                v = typed(c, f)
                s = c if f["type"] == "string" else c.str.strip_chars().replace("", None)
                bad = s.is_not_null() & v.is_null()
                checks.append((bad, f["name"]))
                if f["type"] == "date":
                    checks.append((~v.is_between(date(1, 1, 1), date(9999, 12, 31)).fill_null(True), f["name"]))
                if con.get("required"):
                    if f["type"] == "list":
                        checks.append((s.is_null() | (v.list.len() == 0), f["name"]))
                    elif f["type"] == "string":
                        checks.append((c.is_null() | (c.str.strip_chars() == ""), f["name"]))
                    else:
                        checks.append((s.is_null() & ~bad, f["name"]))
                if "enum" in con:
                    checks.append((s.is_not_null() & ~s.is_in(con["enum"]), f["name"]))
                    v = pl.when(s.is_in(con["enum"])).then(s)
                elif f["name"] in keys and f["type"] in ("string", "list"):
                    form = (ID_ODD if f["type"] == "list" else rf"^\s|\s$|{ID_ODD}") if f["name"] in strict else r"^\s|\s$"
                    checks.append((c.str.contains(form) & (c.str.strip_chars() != ""), f["name"]))
                if f["type"] in ("string", "list") and f["name"] not in strict and "enum" not in con:
                    checks.append((c.str.contains(TEXT_ODD), f["name"]))
                for key, op in (("minimum", "__lt__"), ("maximum", "__gt__")):
                    if key in con and f["type"] in ("integer", "number"):
                        checks.append((getattr(v, op)(con[key]), f["name"]))
                if "maxLength" in con:
                    checks.append((c.str.len_chars() > con["maxLength"], f["name"]))
                if con.get("unique"):
                    checks.append((v.is_duplicated().over("_folder") & v.is_not_null(), f["name"]))
                cols.append(v.alias(f["name"]))
            single = len(pk) == 1 and next(f for f in fields if f["name"] == pk[0]).get("constraints", {}).get("unique")
            if not single:
                needed = [k for k in pk if next(f for f in fields if f["name"] == k).get("constraints", {}).get("required")] or pk
                dup = pl.struct(pk).is_duplicated().over("_folder") & pl.all_horizontal(pl.col(k).is_not_null() for k in needed)
            masks = raw.select("_folder", "_row", *(m.fill_null(False).alias(f"_c{i}") for i, (m, _) in enumerate(checks)))
            hits = masks.select(pl.all().exclude("_folder", "_row").any()).row(0)
            for i, (_, col) in enumerate(checks):
                if hits[i]:
                    self.hit(masks, pl.col(f"_c{i}"), res["path"], col)
            t = raw.select("_folder", "_row", *cols)
            if not single:
                self.hit(t, dup, res["path"], ",".join(pk))
            self.t[name] = t

    # -- keys ---------------------------------------------------------------------------------------
    def ids(self, table: str) -> pl.Series:
        return self.t[table][self.pk(table)[0]].drop_nulls().unique()

    def unknown(self, df: pl.DataFrame, col: str, known: pl.Series) -> pl.Expr:
        c = pl.col(col)
        if isinstance(df.schema[col], pl.List):
            return c.list.eval(pl.element().is_not_null() & ~pl.element().is_in(known.implode())).list.any()
        return c.is_not_null() & ~c.cast(pl.String).is_in(known.implode())

    def keys(self) -> None:
        for name, res in self.res.items():
            df, file = self.t[name], res["path"]
            for fk in res["schema"].get("foreignKeys", []):
                self.hit(df, self.unknown(df, fk["fields"], self.ids(fk["reference"]["resource"])), file, fk["fields"])
            for pk in res.get("x-polymorphicKeys", []):
                mask = pl.lit(False)
                for kind, target in pk["references"].items():
                    mask = mask | ((pl.col(pk["typeField"]).cast(pl.String) == kind) & self.unknown(df, pk["field"], self.ids(target)))
                self.hit(df, mask, file, pk["field"])
            for mk in res.get("x-multiKeys", []):
                known = pl.concat([self.ids(t) for t in mk["references"]])
                self.hit(df, self.unknown(df, mk["field"], known), file, mk["field"])

    # -- rules of one row and across rows -----------------------------------------------------------
    def rules(self) -> None:
        articles = self.t["sources"].filter(pl.col("kind") == "article").select("_folder", "source_id")
        limit = self.desc.get("x-article", {}).get("max_quote_words", 25)
        for name, res in self.res.items():
            df, file, cols = self.t[name], res["path"], set(self.t[name].columns)
            if name == "estimates":
                lo, best, hi, bound = (pl.col(c) for c in ("value_low", "value_best", "value_high", "bound"))
                self.hit(df, lo > best, file, "value_low")
                self.hit(df, best > hi, file, "value_best")
                self.hit(df, lo > hi, file, "value_low")
                for kind, need in (("lower", "value_low"), ("upper", "value_high"), ("exact", "value_best")):
                    self.hit(df, (bound == kind) & pl.col(need).is_null(), file, need)
                self.hit(df, (bound == "vague") & pl.any_horizontal(lo.is_not_null(), best.is_not_null(), hi.is_not_null()), file, "bound")
            for a, b in (("claim_date_start", "claim_date_end"), ("date_start", "date_end"), ("published_start", "published_end")):
                if {a, b} <= cols:
                    self.hit(df, pl.col(a) > pl.col(b), file, b)
            for a, b, gap in (("char_start", "char_end", 0), ("paragraph_start", "paragraph_end", 1)):
                if {a, b} <= cols:
                    self.hit(df, pl.col(a) >= pl.col(b) + gap, file, b)
            if res.get("x-evidence"):
                in_text = pl.col("source_id").is_in(articles["source_id"].implode())
                for col in ("paragraph", "char_start", "char_end", "quote"):
                    self.hit(df, in_text & pl.col(col).is_null(), file, col)
                self.hit(df, pl.col("quote").str.count_matches(r"\S+") > limit, file, "quote")

    def declared(self, flawed: set) -> None:
        """x-dates, x-links, x-eventOrder: skipped for a file of a folder that has problems of its own."""
        def clean(name, *also):
            bad = [f for f, file in flawed if file in {self.res[n]["path"] for n in (name, *also)}]
            return self.t[name].filter(~pl.col("_folder").is_in(bad)) if bad else self.t[name]

        src = self.res["sources"].get("x-dates", [{}])[0]
        published = self.t["sources"].select("source_id", pl.col(src["end"]).alias("_published")).unique("source_id")
        for name, res in self.res.items():
            file = res["path"]
            for spec in res.get("x-dates", []):
                df = clean(name)
                a, b, p = pl.col(spec["start"]), pl.col(spec["end"]), spec.get("precision")
                prec = pl.col(p).cast(pl.String) if p else pl.lit(None, pl.String)
                before, unknown = prec == "before", prec == "unknown"
                opened = prec.is_in(["on_or_after", "after"])  # only the start is known
                other = prec.is_not_null() & ~prec.is_in(["before", "unknown", "on_or_after", "after"])
                self.hit(df, before & (a.is_not_null() | b.is_null()), file, spec["start"])
                self.hit(df, opened & (b.is_not_null() | a.is_null()), file, spec["end"])
                self.hit(df, (~before.fill_null(False)) & unknown & (a.is_not_null() | b.is_not_null()), file, p)
                if p:
                    self.hit(df, prec.is_null() & (a.is_not_null() | b.is_not_null()), file, p)
                both = other & (a.is_null() | b.is_null())
                self.hit(df, both & a.is_null(), file, spec["start"])
                self.hit(df, both & a.is_not_null(), file, spec["end"])
                self.hit(df, other & ~both.fill_null(False) & (prec == "day") & (a != b), file, spec["end"])
                if spec["start"] not in ("claim_date_start", "date_start", "published_start"):
                    self.hit(df, a > b, file, spec["end"])
                first = pl.coalesce(a, b)
                col = pl.when(a.is_not_null()).then(pl.lit(spec["start"])).otherwise(pl.lit(spec["end"]))
                if spec.get("notAfterSource"):
                    j = df.join(published, on="source_id", how="left")
                    for c in (spec["start"], spec["end"]):
                        self.hit(j, (first > pl.col("_published")) & (col == c), file, c)
                if spec.get("notAfter"):
                    for c in (spec["start"], spec["end"]):
                        self.hit(df, (first > pl.col(spec["notAfter"])) & (col == c), file, c)
            for link in res.get("x-links", []):
                df, key, col = clean(name), self.pk(name)[0], link["field"]
                self.hit(df, pl.col(col) == pl.col(key), file, col)
                target = df.select("_folder", pl.col(key).alias(col), *(pl.col(c).alias(f"_t_{c}") for c in
                                   {*link.get("sameFields", []), *link.get("notGreater", {}).get("high", [])}))
                j = df.filter(pl.col(col) != pl.col(key)).join(target.unique(["_folder", col], keep="last"),
                                                                on=["_folder", col], how="inner")
                for same in link.get("sameFields", []):
                    self.hit(j, pl.col(same).cast(pl.String) != pl.col(f"_t_{same}").cast(pl.String), file, same)
                bounds = link.get("notGreater")
                if bounds:
                    low = pl.coalesce([pl.col(c) for c in bounds["low"]])
                    high = pl.coalesce([pl.col(f"_t_{c}") for c in bounds["high"]])
                    which = pl.coalesce([pl.when(pl.col(c).is_not_null()).then(pl.lit(c)) for c in bounds["low"]])
                    for c in bounds["low"]:
                        self.hit(j, (low > high) & (which == c), file, c)
            order = res.get("x-eventOrder")
            if order:
                ev = order.get("events", "events")
                d = self.res[ev].get("x-dates", [{}])[0]
                a, b, key = d.get("start"), d.get("end"), self.pk(ev)[0]
                df = clean(name, ev)
                df = df.filter(pl.col("predicate").cast(pl.String).is_in(order["predicates"]))
                not_events = (pl.col("subject_type").cast(pl.String) != "event") | (pl.col("object_type").cast(pl.String) != "event")
                self.hit(df, not_events, file, "predicate")
                evs = self.t[ev].unique(["_folder", key], keep="last").select("_folder", key, a, b)
                j = (df.filter(~not_events).join(evs.rename({key: "subject_id", a: "_la", b: "_lb"}), on=["_folder", "subject_id"])
                     .join(evs.rename({key: "object_id", a: "_ea", b: "_eb"}), on=["_folder", "object_id"]))
                self.hit(j, pl.col("_la") < pl.col("_ea"), file, "subject_id")
                self.hit(j, pl.col("_eb") > pl.col("_lb"), file, "object_id")

    # -- texts --------------------------------------------------------------------------------------
    def texts(self) -> pl.DataFrame:
        arts = self.t["sources"].filter(pl.col("kind") == "article").select("_folder", "source_id").unique()
        rows = []
        for fi, sid in arts.iter_rows():
            p = self.folders[fi] / "texts" / f"{sid}.txt"
            try:
                with open(p, encoding="utf-8", newline="") as fh:
                    rows.append((fi, sid, fh.read()))
            except FileNotFoundError:
                pass
        return pl.DataFrame(rows, schema={"_folder": pl.Int32, "source_id": pl.String, "_text": pl.String}, orient="row")

    def quotes(self, texts: pl.DataFrame) -> None:
        for name, res in self.res.items():
            df, file = self.t[name], res["path"]
            if not {"char_start", "char_end", "source_id"} <= set(df.columns):
                continue
            quote = next((c for c in ("quote", "surface") if c in df.columns), None)
            para = "paragraph" if "paragraph" in df.columns else "paragraph_start"
            j = df.join(texts, on=["_folder", "source_id"], how="inner").filter(
                pl.col("char_start").is_not_null() & pl.col("char_end").is_not_null())
            past = pl.col("char_end") > pl.col("_text").str.len_chars()
            self.hit(j, past, file, "char_end")
            j = j.filter(~past)
            span = pl.col("_text").str.slice(pl.col("char_start"), (pl.col("char_end") - pl.col("char_start")).clip(0))
            if quote:
                self.hit(j, pl.col(quote).is_not_null() & (span != pl.col(quote)), file, quote)
            if para in j.columns:
                actual = pl.col("_text").str.slice(0, pl.col("char_start")).str.count_matches("\n\n", literal=True) + 1
                self.hit(j, pl.col(para).is_not_null() & (actual != pl.col(para)), file, para)

    def mentions(self, texts: pl.DataFrame, flawed: set) -> None:
        skip = {f for f, file in flawed if file in ("aliases.csv", "segments.csv", "mentions.csv")}
        texts = texts.filter(~pl.col("_folder").is_in(list(skip)))
        al = self.t["aliases"].filter(pl.col("alias").is_not_null() & (pl.col("alias") != ""))
        arts = texts.select("_folder", "source_id")
        general = al.filter(pl.col("source_id").is_null()).drop("source_id").join(arts, on="_folder")
        scoped = al.filter(pl.col("source_id").is_not_null()).join(arts, on=["_folder", "source_id"])
        scope = (pl.concat([general.with_columns(_own=pl.lit(0)), scoped.with_columns(_own=pl.lit(1))], how="diagonal")
                 .sort("_own").unique(["_folder", "source_id", "alias"], keep="last")
                 .select("_folder", "source_id", "alias", "entity_id", pl.col("entity_type").cast(pl.String)))
        pattern = (scope.sort(pl.col("alias").str.len_chars(), "alias", descending=[True, False])
                   .group_by("_folder", "source_id", maintain_order=True)
                   .agg(pl.col("alias").map_elements(pl.escape_regex, return_dtype=pl.String).str.join("|").alias("_alts")))
        seg = (self.t["segments"].filter(pl.col("counted")).select("_folder", "source_id", "char_start", "char_end")
               .join(texts, on=["_folder", "source_id"]).join(pattern, on=["_folder", "source_id"]))
        seg = seg.with_columns(_piece=pl.col("_text").str.slice(pl.col("char_start"), pl.col("char_end") - pl.col("char_start")))
        found = []
        for (alts,), part in seg.group_by("_alts"):
            regex = rf"\b{{start-half}}(?:{alts})\b{{end-half}}"
            pieces = part.with_columns(pl.col("_piece").str.replace_all(regex, "\x1e${0}\x1e").str.split("\x1e").alias("_p"))
            found.append(pieces.select("_folder", "source_id", "char_start", "_p").explode("_p")
                         .with_columns(_i=pl.int_range(pl.len()).over("_folder", "source_id", "char_start"),
                                       _len=pl.col("_p").str.len_chars()))
        if not found:
            return
        f = pl.concat(found).with_columns(
            _at=pl.col("char_start") + pl.col("_len").cum_sum().over("_folder", "source_id", "char_start") - pl.col("_len"))
        f = f.filter(pl.col("_i") % 2 == 1).select("_folder", "source_id", pl.col("_p").alias("alias"),
                                                   pl.col("_at").alias("char_start"), (pl.col("_at") + pl.col("_len")).alias("char_end"))
        expected = f.join(scope, on=["_folder", "source_id", "alias"]).select(
            "_folder", "source_id", "entity_id", "entity_type", "char_start", "char_end")
        have = self.t["mentions"].filter(~pl.col("_folder").is_in(list(skip))).with_columns(pl.col("entity_type").cast(pl.String))
        have = have.join(texts.select("_folder", "source_id"), on=["_folder", "source_id"])
        key = ["_folder", "source_id", "entity_id", "entity_type", "char_start", "char_end"]
        missing = expected.join(have, on=key, how="anti")
        self.problems += [(fi, "mentions.csv", None, None) for fi in missing["_folder"].to_list()]
        extra = have.join(expected, on=key, how="anti")
        self.problems += [(fi, "mentions.csv", r, "char_start") for fi, r in extra.select("_folder", "_row").iter_rows()]

    def run(self) -> list[tuple]:
        self.read()
        flawed = {(f, file) for f, file, *_ in self.problems}
        self.keys()
        self.rules()
        self.declared(flawed)
        texts = self.texts()
        self.quotes(texts)
        self.mentions(texts, flawed)
        names = [f.name for f in self.folders]
        return [(names[f], file, row, col) for f, file, row, col in self.problems]


def check(folders: list[Path]) -> list[tuple]:
    """Every problem of the corpus as (folder name, file, row, column)."""
    return Checker(list(folders)).run()


if __name__ == "__main__":
    found = check(folders_of(sys.argv[1:]))
    for p in sorted(found, key=str):
        print(*p)
    print(f"{len(found)} problem(s)", file=sys.stderr)
