"""Check a data folder against the declaration in ``datapackage.json``; report every problem at once.

Each problem names the file, the row (1-based, header not counted) and the column. Nothing is
ever written.

>>> report = validate()          # the shipped data
>>> report.ok
True
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from toolkit.core import text as article
from toolkit.core import descriptor as schema
from toolkit.checks.fileform import ANY_ODD, ID_ODD, ROUGH_ID, TEXT_ODD, Problem, decode, odd_char, parse, ragged, show

MAX_SHOWN = 50
_FIRST_DAY, _LAST_DAY = date(1, 1, 1), date(9999, 12, 31)  # Python's dates



class DataError(ValueError):
    """Raised by the loaders when a data folder has problems; ``.problems`` lists them all."""

    def __init__(self, problems: list[Problem], folder: Path):
        self.problems, self.folder = problems, folder
        shown = "\n".join(f"  - {p}" for p in problems[:MAX_SHOWN])
        more = f"\n  ... and {len(problems) - MAX_SHOWN} more" if len(problems) > MAX_SHOWN else ""
        hint = f"\nRun `python -m toolkit validate {folder}` for the full report." if Path(folder).is_dir() else ""
        super().__init__(f"{len(problems)} problem(s) in data folder {folder}:\n{shown}{more}{hint}")


@dataclass
class Report:
    """The result of :func:`validate`: ``ok``, ``problems``, ``notes`` (e.g. checks skipped) and ``text``
    (the article text the quotes and offsets were checked against, or None)."""

    folder: Path
    problems: list[Problem]
    notes: list[str]
    text: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        head = f"{self.folder}: " + ("OK" if self.ok else f"{len(self.problems)} problem(s)")
        return "\n".join([head, *(f"  - {p}" for p in self.problems), *(f"  note: {n}" for n in self.notes)])

    def _repr_html_(self) -> str:
        from html import escape

        items = "".join(f"<li>{escape(str(p))}</li>" for p in self.problems)
        notes = "".join(f"<li><i>{escape(n)}</i></li>" for n in self.notes)
        return f"<b>{escape(str(self.folder))}</b>: {'OK' if self.ok else len(self.problems)} problem(s)<ul>{items}{notes}</ul>"



def _suggest(word: str, options) -> str:
    import difflib

    if len(str(word)) > 100:  # nothing long is a typo of an id, and difflib would be slow
        return ""
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f"; did you mean {show(close[0])}?" if close else ""


def _row_numbers(mask: pl.Series) -> list[int]:
    return [i + 1 for i in mask.arg_true().to_list()]



def _cast(col: pl.Expr, f: dict) -> pl.Expr:
    t = f["type"]
    if t == "integer":
        return col.str.strip_chars().cast(pl.Int64, strict=False)
    if t == "number":
        return col.str.strip_chars().cast(pl.Float64, strict=False)
    if t == "boolean":
        low = col.str.strip_chars().str.to_lowercase()
        return low.replace_strict({"true": True, "false": False, "1": True, "0": False}, default=None, return_dtype=pl.Boolean)
    if t == "date":  # years outside 1..9999 parse but are no Python date: `read` nulls and reports them
        return col.str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
    if t == "list":
        return col.str.split(f.get("delimiter", ";")).list.eval(pl.element().str.strip_chars()).list.eval(
            pl.element().filter(pl.element() != ""))
    return col


def _bad_type(value: str, f: dict) -> str:
    if f["type"] != "date":
        return f"{show(value)} is not a valid {f['type']}"
    year = re.match(r"\s*([-+]?\d+)-\d", value)
    if year and not 1 <= int(year.group(1)) <= 9999:
        return f"{show(value)} is not a valid date (the year must be from 1 to 9999)"
    return f"{show(value)} is not a valid date (use YYYY-MM-DD)"


def _also(rows: list[int], r: int) -> str:
    others = [x for x in rows if x != r]
    shown = ", ".join(map(str, others[:5])) + (", …" if len(others) > 5 else "")
    return f" (also in row{'s' if len(others) > 1 else ''} {shown})" if others else ""


def _column_problems(fname: str, f: dict, kind: str, mask: pl.Series, df: pl.DataFrame,
                     typed_df: pl.DataFrame) -> list[Problem]:
    """The problems of one failed check of one column (rows where ``mask`` is true)."""
    c, name = f.get("constraints", {}), f["name"]
    col = df[name].str.strip_chars().replace("", None) if f["type"] != "string" else df[name]
    typed, out, rows = typed_df[name], [], _row_numbers(mask)
    if kind == "unique":
        where: dict = {}
        for r in rows:
            where.setdefault(typed[r - 1], []).append(r)
    for r in rows:
        if kind in ("type", "year"):
            msg = _bad_type(col[r - 1], f)
        elif kind == "required":
            msg = "value is required" + (f" ({show(col[r - 1])} lists no item)" if f["type"] == "list" else "")
        elif kind == "enum":
            msg = (f"{show(col[r - 1])} is not one of the allowed values" + _suggest(col[r - 1], c["enum"])
                   + f" (allowed: {', '.join(c['enum'])})")
        elif kind in ("minimum", "maximum"):
            msg = f"{typed[r - 1]} is {'less' if kind == 'minimum' else 'greater'} than the {kind} {c[kind]}"
        elif kind == "maxLength":
            msg = f"text is longer than {c['maxLength']} characters ({len(col[r - 1]):,})"
        elif kind == "id_char" and (col[r - 1].strip() == col[r - 1] or ANY_ODD.search(col[r - 1].strip())):
            msg = f"{show(col[r - 1])} {odd_char(col[r - 1], True)}"
        elif kind in ("space", "id_char"):
            msg = f"{show(col[r - 1])} starts or ends with a space; keys are compared exactly"
        elif kind == "text_char":
            msg = f"{show(col[r - 1])} {odd_char(col[r - 1], False)}"
        else:
            msg = f"{show(typed[r - 1])} is not unique" + _also(where[typed[r - 1]], r)
        out.append(Problem(fname, r, name, msg))
    return out


def _joined(fields: list[dict]) -> pl.Expr:
    """Several text columns as one, separated by U+001F (a control character, itself flagged in ids)."""
    return pl.concat_str([pl.col(f["name"]) for f in fields], separator="\x1f", ignore_nulls=True)


def _form(f: dict, kind: str) -> pl.Expr:
    """The precise mask of one check of the form of a column's values."""
    col = pl.col(f["name"])
    if kind == "blank":  # a required text that is only spaces, or a quoted ""
        return col.str.strip_chars() == ""
    if kind == "text_char":
        return col.str.contains(TEXT_ODD).fill_null(False)
    form = {"space": r"^\s|\s$", "id_char": ID_ODD if f["type"] == "list" else rf"^\s|\s$|{ID_ODD}"}[kind]
    return col.str.contains(form).fill_null(False) & (col.str.strip_chars() != "")


def _key_columns(name: str) -> tuple[set[str], set[str]]:
    """(columns that hold keys, the strict ones among them: ids that allow no space or invisible character)."""
    res = schema.resource(name)
    pk = schema.primary_key(name)
    keys = set(pk) | {fk["fields"] for fk in res["schema"].get("foreignKeys", [])}
    keys |= {k[f] for k in res.get("x-polymorphicKeys", []) for f in ("field", "typeField")}
    keys |= {k["field"] for k in res.get("x-multiKeys", [])}
    keys |= {f["name"] for f in schema.fields(name) if f["name"].endswith(("_id", "_ids"))}
    return keys, {k for k in keys if k.endswith(("_id", "_ids")) or pk == [k]}


def read(name: str, folder: Path) -> tuple[pl.DataFrame | None, list[Problem]]:
    """Read and type one table; problems for encoding, columns, types and per-column constraints."""
    res = schema.resource(name)
    fname, path = res["path"], folder / res["path"]
    if not path.is_file():
        return None, [Problem(fname, None, None, f"file is missing from {folder}")]
    declared = schema.fields(name)
    raw = path.read_bytes()
    text, header, problems = parse(fname, raw)
    if text is None and problems and problems[0].message.startswith("file is empty"):
        problems = [Problem(fname, None, None, problems[0].message[:-1] + ": "
                            + ",".join(f["name"] for f in declared) + ")")]
    if problems:
        return None, problems
    try:
        df = pl.read_csv(io.BytesIO(raw.removeprefix(b"\xef\xbb\xbf")), infer_schema=False)
    except Exception as e:  # polars' CSV errors (ragged rows, bad quoting) carry no row number: find it
        return None, ragged(fname, text, len(header)) or [
            Problem(fname, None, None, f"cannot be read as CSV: {show(str(e).splitlines()[0], 200)[1:-1]}")]
    for f in declared:
        if f["name"] not in df.columns:
            problems.append(Problem(fname, None, f["name"], "column is missing" + _suggest(f["name"], df.columns)))
    if problems:
        return None, problems
    keys, strict = _key_columns(name)
    odd_in_file = _any_odd(text)
    # every column's typed values and every check's mask in one polars query; checks of the form of the values
    # (spaces, invisible characters, blank strings) first run as one cheap mask over several columns
    typed_cols, checks, typed_of, ids, blanks = [], [], {}, [], []
    for f in declared:
        col, c, fname_ = pl.col(f["name"]), f.get("constraints", {}), f["name"]
        col = col.str.strip_chars().replace("", None) if f["type"] != "string" else col
        typed = _cast(col, f)
        bad = col.is_not_null() & typed.is_null()
        checks.append((f, "type", bad))
        if f["type"] == "date":
            checks.append((f, "year", ~typed.is_between(_FIRST_DAY, _LAST_DAY).fill_null(True)))
        if c.get("required"):
            checks.append((f, "required", (col.is_null() | (typed.list.len() == 0)) if f["type"] == "list" else col.is_null() & ~bad))
            if f["type"] == "string":
                blanks.append(f)
        if "enum" in c:
            checks.append((f, "enum", col.is_not_null() & ~col.is_in(c["enum"])))
            typed = typed.replace_strict({v: v for v in c["enum"]}, default=None).cast(pl.Enum(c["enum"]))
        elif fname_ in keys and f["type"] in ("string", "list"):
            ids.append(f)
        if f["type"] in ("string", "list") and fname_ not in strict and "enum" not in c and odd_in_file:
            checks.append((f, "text_char", _form(f, "text_char")))  # text and keys like alias
        for key, op in (("minimum", typed.__lt__), ("maximum", typed.__gt__)):
            if key in c and f["type"] in ("integer", "number"):
                checks.append((f, key, op(c[key]).fill_null(False)))
        if "maxLength" in c:
            checks.append((f, "maxLength", (col.str.len_chars() > c["maxLength"]).fill_null(False)))
        if c.get("unique"):
            checks.append((f, "unique", typed.is_duplicated() & typed.is_not_null()))
        typed_cols.append(typed.alias(fname_))
        typed_of[fname_] = typed
    coarse = [([(f, "id_char" if f["name"] in strict else "space") for f in ids], _joined(ids).str.contains(ROUGH_ID)),
              ([(f, "blank") for f in blanks], _joined(blanks).str.contains(r"(?:^|\x1f)\s*(?:\x1f|$)"))]
    coarse = [(fine, mask) for fine, mask in coarse if fine]
    pk = schema.primary_key(name)
    pk_checked = len(pk) == 1 and schema.field(name, pk[0]).get("constraints", {}).get("unique")
    if not pk_checked:  # a key of several columns, or one column without `unique` (mentions' char_start)
        key = pl.struct(*(typed_of[k].alias(k) for k in pk)) if len(pk) > 1 else typed_of[pk[0]]
        needed = [k for k in pk if schema.field(name, k).get("constraints", {}).get("required")] or pk
        # an optional key column (aliases' source_id scope) may be empty; two empty ones are the same key
        checks.append((None, "primary key", key.is_duplicated() & pl.all_horizontal(typed_of[k].is_not_null() for k in needed)))
    extra = [c for c in df.columns if c not in {f["name"] for f in declared}]
    # Series for extra columns: a name like "*" is no pattern
    marks = [f"\x00check{i}" for i in range(len(checks) + len(coarse))]
    out = df.select(*typed_cols, *(df.get_column(c) for c in extra),
                    *(m.alias(k) for (*_, m), k in zip(checks + coarse, marks)))
    masks = [out.get_column(k) for k in marks]
    typed_df = out.drop(marks)
    fine = [check for (group, _), mask in zip(coarse, masks[len(checks):]) if mask.any() or "\x1f" in text
            for check in group]
    if fine:  # a rough mask hit: the precise check of each column it covers
        checks = checks + [(f, "required" if kind == "blank" else kind, None) for f, kind in fine]
        masks = masks[:len(checks) - len(fine)] + df.select(_form(f, kind).alias(str(i)) for i, (f, kind) in enumerate(fine)).get_columns()
    for (f, kind, _), mask in zip(checks, masks):
        if not mask.any():
            continue
        if kind == "year":  # year 0 or -1 would fail every reader later (a ValueError, not a problem)
            typed_df = typed_df.with_columns(pl.when(mask).then(None).otherwise(pl.col(f["name"])).alias(f["name"]))
        if f is not None:
            problems += _column_problems(fname, f, kind, mask, df, typed_df)
        else:
            rows = _row_numbers(mask)
            where: dict = {}
            for r in rows:
                where.setdefault(typed_df.row(r - 1, named=True)[pk[0]] if len(pk) == 1 else
                                 tuple(typed_df.row(r - 1, named=True)[k] for k in pk), []).append(r)
            for value, same in where.items():
                for r in same:
                    problems.append(Problem(fname, r, ",".join(pk), f"duplicate primary key {show(value)}" + _also(same, r)))
    problems.sort(key=lambda p: (p.row or 0))
    return typed_df, problems


def _ids(tables: dict, res: str) -> set:
    df = tables.get(res)
    return set() if df is None else set(df[schema.primary_key(res)[0]].drop_nulls().to_list())


_ANY_ODD_RS = "".join(c if c in "[]-" else f"\\x{{{ord(c):x}}}" for c in ANY_ODD.pattern)


def _any_odd(text: str) -> bool:
    """Whether a file holds any character a value check can flag (Rust's regex: ~20x Python's on big files)."""
    if len(text) > 1_000_000:
        return bool(pl.Series([text]).str.contains(_ANY_ODD_RS).item())
    return ANY_ODD.search(text) is not None


def _check_keys(name: str, df: pl.DataFrame, tables: dict) -> list[Problem]:
    """References to other tables' ids: each check is a polars mask first; rows are looked at only on a hit."""
    res, problems, ids = schema.resource(name), [], {}
    fname = res["path"]

    def known_in(target: str) -> set:  # each table's ids once, not once per row
        if target not in ids:
            ids[target] = _ids(tables, target)
        return ids[target]

    def unknown(col: str, known: set) -> pl.Series:
        c, values = pl.col(col), list(known)
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
        known = known_in(target)
        values = df[col].to_list()
        for i in hits(unknown(col, known)):
            v = values[i - 1]
            for item in (v if isinstance(v, list) else [v]):
                if item is not None and item not in known:
                    problems.append(Problem(fname, i, col, f"{show(item)} is not a {target[:-1]} id in {target}.csv" + _suggest(item, known)))
    for pk in res.get("x-polymorphicKeys", []):
        field, type_field = pk["field"], pk["typeField"]
        kinds = df[type_field].cast(pl.String)
        mask = pl.Series([False] * df.height, dtype=pl.Boolean)
        for kind, target in pk["references"].items():
            if tables.get(target) is not None:
                mask = mask | ((kinds == kind).fill_null(False) & unknown(field, known_in(target)))
        rows = df.select(field, type_field).rows()
        for i in hits(mask):
            value, kind = rows[i - 1]
            target = pk["references"].get(str(kind))
            known = known_in(target)
            problems.append(Problem(fname, i, field, f"{show(value)} is not a {kind} id in {target}.csv" + _suggest(value, known)))
    for mk in res.get("x-multiKeys", []):
        known = set().union(*(known_in(t) for t in mk["references"] if tables.get(t) is not None))
        values = df[mk["field"]].to_list()
        for i in hits(unknown(mk["field"], known)):
            for item in values[i - 1] or []:
                if item not in known:
                    problems.append(Problem(fname, i, mk["field"], f"{show(item)} is not an id in "
                                            + " or ".join(f"{t}.csv" for t in mk["references"]) + _suggest(item, known)))
    return sorted(problems, key=lambda p: (p.column or "", p.row))


def _check_rules(name: str, df: pl.DataFrame, tables: dict) -> list[Problem]:
    """Rules a Table Schema cannot state: ordered values and dates, evidence present.

    Every rule is a polars mask over the whole table (one query); rows are looked at only where one hits."""
    fname, cols = schema.resource(name)["path"], set(df.columns)
    checks: list[tuple[pl.Expr, str, object]] = []  # (mask, column, message of a hit row)
    if name == "estimates" and {"value_low", "value_best", "value_high", "bound"} <= cols:
        lo, best, hi, bound = pl.col("value_low"), pl.col("value_best"), pl.col("value_high"), pl.col("bound").cast(pl.String)
        checks += [(lo > best, "value_low", lambda r: f"{r['value_low']} is greater than value_best {r['value_best']}"),
                   (best > hi, "value_best", lambda r: f"{r['value_best']} is greater than value_high {r['value_high']}"),
                   (lo > hi, "value_low", lambda r: f"{r['value_low']} is greater than value_high {r['value_high']}")]
        for kind, need in (("lower", "value_low"), ("upper", "value_high"), ("exact", "value_best")):
            checks.append(((bound == kind) & pl.col(need).is_null(), need, lambda r, k=kind, n=need: f"a {k} bound needs {n}"))
        checks.append(((bound == "vague") & pl.any_horizontal(lo.is_not_null(), best.is_not_null(), hi.is_not_null()),
                       "bound", lambda r: "a vague claim carries no numbers; keep its words in qualifier"))
    for a, b in (("claim_date_start", "claim_date_end"), ("date_start", "date_end"), ("published_start", "published_end")):
        if {a, b} <= cols:
            checks.append((pl.col(a) > pl.col(b), b, lambda r, a=a, b=b: f"{r[b]} is before {a} {r[a]}"))
    for a, b, gap in (("char_start", "char_end", 0), ("paragraph_start", "paragraph_end", 1)):
        if {a, b} <= cols:
            checks.append((pl.col(a) >= pl.col(b) + gap, b, lambda r, a=a, b=b: f"{r[b]} is before {a} {r[a]}"))
    if schema.resource(name).get("x-evidence") and tables.get("sources") is not None:
        text_sources = tables["sources"].filter(pl.col("kind") == "article")["source_id"].to_list()
        limit = schema.package().get("x-article", {}).get("max_quote_words", 25)
        in_text = pl.col("source_id").is_in(text_sources)
        for col in ("paragraph", "char_start", "char_end", "quote"):
            checks.append((in_text & pl.col(col).is_null(), col,
                           lambda r, c=col: f"facts from the article need a locator; {c} is empty "
                                            "(run `python -m toolkit locate` to fill it from the quote)"))
        checks.append((pl.col("quote").str.count_matches(r"\S+") > limit, "quote",
                       lambda r: f"{len(r['quote'].split())} words; keep quotes to at most {limit} words"))
    if not checks or df.is_empty():
        return []
    masks = df.select(m.fill_null(False).alias(str(i)) for i, (m, _, _) in enumerate(checks))
    hits = masks.select(pl.all().any()).row(0)
    problems = []
    for i, (_, col, message) in enumerate(checks):
        if hits[i]:
            for r in masks[str(i)].arg_true().to_list():
                problems.append(Problem(fname, r + 1, col, message(df.row(r, named=True))))
    return sorted(problems, key=lambda p: p.row)


def _check_text(name: str, df: pl.DataFrame, texts: dict[str, str], tables: dict) -> list[Problem]:
    """Offsets inside the text of the row's source, quote equal to the slice, paragraph holding char_start."""
    fname, problems, starts = schema.resource(name)["path"], [], {}
    cols = set(df.columns)
    if not {"char_start", "char_end"} <= cols or not texts:
        return []
    only = next(iter(texts)) if len(texts) == 1 else None
    n = df.height
    col = "quote" if "quote" in cols else "surface"
    para_col = "paragraph" if "paragraph" in cols else "paragraph_start"
    column = lambda c: df[c].to_list() if c in cols else [None] * n  # noqa: E731
    sids = df["source_id"].to_list() if "source_id" in cols else [only] * n
    for i, (s, e, sid, expect, para) in enumerate(zip(df["char_start"].to_list(), df["char_end"].to_list(), sids,
                                                       column(col), column(para_col)), start=1):
        text = texts.get(sid)
        if s is None or e is None or text is None:
            continue
        if e > len(text):
            problems.append(Problem(fname, i, "char_end", f"{e} is past the end of the text ({len(text)} characters)"))
            continue
        if expect is not None and text[s:e] != expect:
            hint = ""
            found = text.find(expect)
            if found >= 0:
                hint = f"; the quote is at {found}-{found + len(expect)} (run `python -m toolkit locate`)"
            problems.append(Problem(fname, i, col, f"does not match the text at {s}-{e} ({text[s:e][:40]!r}){hint}"))
        if para is None:
            continue
        if sid not in starts:
            starts[sid] = article.paragraph_starts(text)
        actual = article.paragraph_of(text, s, starts[sid])
        if para != actual:
            problems.append(Problem(fname, i, para_col, f"offset {s} is in paragraph {actual}, not {para}"))
    return problems


def _check_mentions(tables: dict, texts: dict[str, str], flawed: set[str] = frozenset()) -> list[Problem]:
    """Mentions equal to the alias occurrences in each text; skipped while one of the three tables has its own problems."""
    need = ("aliases", "segments", "mentions")
    if any(tables.get(t) is None or schema.resource(t)["path"] in flawed for t in need):
        return []
    expected = article.find_all_mentions(texts, tables["aliases"], tables["segments"])
    have = tables["mentions"].with_columns(pl.col("entity_type").cast(pl.String)).filter(
        pl.col("source_id").is_in(list(texts)))
    key = ["source_id", "entity_id", "entity_type", "char_start", "char_end"]
    problems = []
    missing = expected.join(have, on=key, how="anti")
    for r in missing.iter_rows(named=True):
        problems.append(Problem("mentions.csv", None, None, f"no mention of {show(r['surface'])} ({r['entity_type']} {r['entity_id']}) "
                                f"at {r['char_start']}-{r['char_end']}, paragraph {r['paragraph']}; regenerate with `python -m toolkit mentions`"))
    extra = have.with_row_index("row", offset=1).join(expected, on=key, how="anti")
    for r in extra.iter_rows(named=True):
        problems.append(Problem("mentions.csv", r["row"], "char_start", f"{show(r['surface'])} at {r['char_start']}-{r['char_end']} "
                                "is not an alias occurrence in a counted segment; regenerate with `python -m toolkit mentions`"))
    return problems


def read_all(folder: Path) -> tuple[dict[str, pl.DataFrame | None], list[Problem]]:
    """Read every table of a folder: (tables by name, per-table problems)."""
    tables, problems = {}, []
    for name in schema.table_names():
        df, probs = read(name, folder)
        tables[name] = df
        problems += probs
    return tables, problems


def read_text(path: Path, folder: Path, unused: str = " (quotes, offsets and mentions were not checked against it)"
              ) -> tuple[str | None, list[Problem]]:
    """The article text at ``path`` (exactly as the offsets count it), or a problem naming the file
    (``unused`` ends its message)."""
    shown = path.name if path.parent.resolve() == Path(folder).resolve() else str(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        return None, [Problem(shown, None, None, f"cannot be read: {e.strerror or e}{unused}")]
    text, _, message = decode(raw)
    message = message or article.form_problem(text)
    if message:
        return None, [Problem(shown, None, None, message + unused)]
    return text, []


def check_tables(tables: dict, texts: dict[str, str] | None = None, flawed: set[str] = frozenset()) -> list[Problem]:
    """Keys, rules, and (for the sources in ``texts``: source_id -> text) quotes, offsets and mentions."""
    problems, texts = [], texts or {}
    for name, df in tables.items():
        if df is None:
            continue
        problems += _check_keys(name, df, tables) + _check_rules(name, df, tables)
        if texts:
            problems += _check_text(name, df, texts, tables)
    if texts:
        problems += _check_mentions(tables, texts, flawed)
    from toolkit.checks.rules import check_declared  # cross-row rules declared in the descriptor (x-dates, x-links, x-eventOrder)

    with_paths = {k: v for k, v in tables.items() if k in schema.resources()}
    problems += check_declared({k: v for k, v in with_paths.items() if schema.resource(k)["path"] not in flawed})
    return problems


def check(folder: Path, texts: dict[str, str] | None = None) -> tuple[dict, list[Problem]]:
    """Read and check a whole folder; text-dependent checks run for the sources in ``texts``."""
    tables, problems = read_all(folder)
    return tables, problems + check_tables(tables, texts, {p.file for p in problems})


def validate(data_dir: str | Path | None = None, text_path: str | Path | None = None) -> Report:
    """Check a data folder (default: the shipped data) and return a :class:`Report` of every problem.

    The folder's own ``datapackage.json`` is used when it has one. Quotes and offsets are checked
    against each source's text: ``texts/<source_id>.txt`` or ``article.txt`` in the folder, or
    ``text_path``; a text found elsewhere is used only when its checksum is the one recorded in
    ``sources.text_sha256``. The report's notes say which text was used.

    >>> validate().ok
    True
    """
    from toolkit.dataset.value import data_folder, read_folder

    folder = data_folder(data_dir)
    ds, problems = read_folder(folder, text_path)
    paths = list(ds.text_paths.values())
    return Report(folder, problems, ds.notes, paths[0] if len(paths) == 1 else None)
