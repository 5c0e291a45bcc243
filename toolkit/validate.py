"""Check a data folder against the declaration in ``datapackage.json``; report every problem at once.

Each problem names the file, the row (1-based, header not counted) and the column. Nothing is
ever written.

>>> report = validate()          # the shipped data
>>> report.ok
True
"""

from __future__ import annotations

import difflib
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from toolkit import article, schema

MAX_SHOWN = 50


@dataclass(frozen=True)
class Problem:
    """One problem in a data folder."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


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
    """The result of :func:`validate`: ``ok``, ``problems`` and ``notes`` (e.g. checks skipped)."""

    folder: Path
    problems: list[Problem]
    notes: list[str]

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
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _row_numbers(mask: pl.Series) -> list[int]:
    return [i + 1 for i in mask.arg_true().to_list()]


def _decode(raw: bytes) -> tuple[str | None, int, str]:
    """(text, 0, "") for UTF-8 bytes; otherwise (None, line, a message naming the byte and the line)."""
    try:
        return raw.decode("utf-8"), 0, ""
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        return None, line, f"not UTF-8: byte {raw[e.start]:#x} at line {line}; save the file as UTF-8"


def _cast(col: pl.Series, f: dict) -> pl.Series:
    t = f["type"]
    if t == "integer":
        return col.str.strip_chars().cast(pl.Int64, strict=False)
    if t == "number":
        return col.str.strip_chars().cast(pl.Float64, strict=False)
    if t == "boolean":
        low = col.str.strip_chars().str.to_lowercase()
        return low.replace_strict({"true": True, "false": False, "1": True, "0": False}, default=None, return_dtype=pl.Boolean)
    if t == "date":
        return col.str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
    if t == "list":
        return col.str.split(f.get("delimiter", ";")).list.eval(pl.element().str.strip_chars()).list.eval(
            pl.element().filter(pl.element() != ""))
    return col


def _column_problems(fname: str, f: dict, kind: str, mask: pl.Series, df: pl.DataFrame,
                     typed_df: pl.DataFrame) -> list[Problem]:
    """The problems of one failed check of one column (rows where ``mask`` is true)."""
    c, name = f.get("constraints", {}), f["name"]
    col = df[name].str.strip_chars().replace("", None) if f["type"] != "string" else df[name]
    typed, out = typed_df[name], []
    for r in _row_numbers(mask):
        if kind == "type":
            msg = f"{col[r - 1]!r} is not a valid {f['type']}" + (" (use YYYY-MM-DD)" if f["type"] == "date" else "")
        elif kind == "required":
            msg = "value is required"
        elif kind == "enum":
            msg = (f"{col[r - 1]!r} is not one of the allowed values" + _suggest(col[r - 1], c["enum"])
                   + f" (allowed: {', '.join(c['enum'])})")
        elif kind in ("minimum", "maximum"):
            msg = f"{typed[r - 1]} is {'less' if kind == 'minimum' else 'greater'} than the {kind} {c[kind]}"
        elif kind == "maxLength":
            msg = f"text is longer than {c['maxLength']} characters"
        else:
            msg = f"{typed[r - 1]!r} is not unique"
        out.append(Problem(fname, r, name, msg))
    return out


def read(name: str, folder: Path) -> tuple[pl.DataFrame | None, list[Problem]]:
    """Read and type one table; problems for encoding, columns, types and per-column constraints."""
    res = schema.resource(name)
    fname, path = res["path"], folder / res["path"]
    if not path.is_file():
        return None, [Problem(fname, None, None, f"file is missing from {folder}")]
    raw = path.read_bytes()
    if not raw.strip():
        return None, [Problem(fname, None, None, "file is empty (expected a header row: "
                              + ",".join(f["name"] for f in schema.fields(name)) + ")")]
    _, line, message = _decode(raw)
    if message:
        return None, [Problem(fname, line - 1 if line > 1 else None, None, message)]
    try:
        df = pl.read_csv(io.BytesIO(raw), infer_schema=False)
    except Exception as e:  # polars' CSV errors (ragged rows, bad quoting) carry no row object
        return None, [Problem(fname, None, None, f"cannot be read as CSV: {str(e).splitlines()[0]}")]
    problems: list[Problem] = []
    declared = schema.fields(name)
    for f in declared:
        if f["name"] not in df.columns:
            problems.append(Problem(fname, None, f["name"], "column is missing" + _suggest(f["name"], df.columns)))
    if problems:
        return None, problems
    # every column's typed values and every constraint's mask, computed in two polars queries (not one per check)
    typed_cols, checks = [], []
    for f in declared:
        col, c = pl.col(f["name"]), f.get("constraints", {})
        col = col.str.strip_chars().replace("", None) if f["type"] != "string" else col
        typed = _cast(col, f)
        bad = col.is_not_null() & typed.is_null()
        checks.append((f, "type", bad))
        if c.get("required"):
            checks.append((f, "required", col.is_null() & ~bad))
        if "enum" in c:
            checks.append((f, "enum", col.is_not_null() & ~col.is_in(c["enum"])))
            typed = typed.replace_strict({v: v for v in c["enum"]}, default=None).cast(pl.Enum(c["enum"]))
        for key, op in (("minimum", typed.__lt__), ("maximum", typed.__gt__)):
            if key in c and f["type"] in ("integer", "number"):
                checks.append((f, key, op(c[key]).fill_null(False)))
        if "maxLength" in c:
            checks.append((f, "maxLength", (col.str.len_chars() > c["maxLength"]).fill_null(False)))
        if c.get("unique"):
            checks.append((f, "unique", typed.is_duplicated() & typed.is_not_null()))
        typed_cols.append(typed.alias(f["name"]))
    extra = [c for c in df.columns if c not in {f["name"] for f in declared}]
    typed_df = df.select(*typed_cols, *(df.get_column(c) for c in extra))  # Series: a name like "*" is no pattern
    failing = df.select(*(m.any().alias(str(i)) for i, (_, _, m) in enumerate(checks))).row(0)
    for (f, kind, mask), hit in zip(checks, failing):
        if hit:
            problems += _column_problems(fname, f, kind, df.select(mask).to_series(), df, typed_df)
    pk = schema.primary_key(name)
    if len(pk) > 1:
        for r in _row_numbers(typed_df.select(pk).is_duplicated()):
            problems.append(Problem(fname, r, ",".join(pk), "duplicate primary key "
                                    + repr(tuple(typed_df.row(r - 1, named=True)[k] for k in pk))))
    return typed_df, problems


def _ids(tables: dict, res: str) -> set:
    df = tables.get(res)
    return set() if df is None else set(df[schema.primary_key(res)[0]].drop_nulls().to_list())


def _check_keys(name: str, df: pl.DataFrame, tables: dict) -> list[Problem]:
    res, problems, ids = schema.resource(name), [], {}
    fname = res["path"]

    def known_in(target: str) -> set:  # each table's ids once, not once per row
        if target not in ids:
            ids[target] = _ids(tables, target)
        return ids[target]

    for fk in res["schema"].get("foreignKeys", []):
        col, target = fk["fields"], fk["reference"]["resource"]
        if tables.get(target) is None:
            continue
        known = known_in(target)
        for i, v in enumerate(df[col].to_list(), start=1):
            for item in (v if isinstance(v, list) else [v]):
                if item is not None and item not in known:
                    problems.append(Problem(fname, i, col, f"{item!r} is not a {target[:-1]} id in {target}.csv" + _suggest(item, known)))
    for pk in res.get("x-polymorphicKeys", []):
        for i, row in enumerate(df.select(pk["field"], pk["typeField"]).iter_rows(), start=1):
            value, kind = row
            target = pk["references"].get(str(kind)) if kind is not None else None
            if value is None or target is None or tables.get(target) is None:
                continue
            known = known_in(target)
            if value not in known:
                problems.append(Problem(fname, i, pk["field"], f"{value!r} is not a {kind} id in {target}.csv" + _suggest(value, known)))
    for mk in res.get("x-multiKeys", []):
        known = set().union(*(known_in(t) for t in mk["references"]))
        for i, v in enumerate(df[mk["field"]].to_list(), start=1):
            for item in v or []:
                if item not in known:
                    problems.append(Problem(fname, i, mk["field"], f"{item!r} is not an id in "
                                            + " or ".join(f"{t}.csv" for t in mk["references"]) + _suggest(item, known)))
    return problems


def _check_rules(name: str, df: pl.DataFrame, tables: dict) -> list[Problem]:
    """Rules a Table Schema cannot state: ordered values and dates, evidence present."""
    fname, problems = schema.resource(name)["path"], []
    rows = list(df.iter_rows(named=True))
    for i, r in enumerate(rows, start=1):
        if name == "estimates":
            lo, best, hi = r["value_low"], r["value_best"], r["value_high"]
            if lo is not None and best is not None and lo > best:
                problems.append(Problem(fname, i, "value_low", f"{lo} is greater than value_best {best}"))
            if best is not None and hi is not None and best > hi:
                problems.append(Problem(fname, i, "value_best", f"{best} is greater than value_high {hi}"))
            if lo is not None and hi is not None and lo > hi:
                problems.append(Problem(fname, i, "value_low", f"{lo} is greater than value_high {hi}"))
            need = {"lower": "value_low", "upper": "value_high", "exact": "value_best"}.get(str(r["bound"]))
            if need and r[need] is None:
                problems.append(Problem(fname, i, need, f"a {r['bound']} bound needs {need}"))
            if str(r["bound"]) == "vague" and any(v is not None for v in (lo, best, hi)):
                problems.append(Problem(fname, i, "bound", "a vague claim carries no numbers; keep its words in qualifier"))
        for a, b in (("claim_date_start", "claim_date_end"), ("date_start", "date_end"), ("published_start", "published_end")):
            if a in r and r[a] is not None and r[b] is not None and r[a] > r[b]:
                problems.append(Problem(fname, i, b, f"{r[b]} is before {a} {r[a]}"))
        for a, b in (("char_start", "char_end"), ("paragraph_start", "paragraph_end")):
            if a in r and r[a] is not None and r[b] is not None and r[a] >= r[b] + (a == "paragraph_start"):
                problems.append(Problem(fname, i, b, f"{r[b]} is before {a} {r[a]}"))
    if schema.resource(name).get("x-evidence") and tables.get("sources") is not None:
        text_sources = set(tables["sources"].filter(pl.col("kind") == "article")["source_id"].to_list())
        limit = schema.package().get("x-article", {}).get("max_quote_words", 25)
        for i, r in enumerate(rows, start=1):
            if r["source_id"] in text_sources:
                for col in ("paragraph", "char_start", "char_end", "quote"):
                    if r[col] is None:
                        problems.append(Problem(fname, i, col, f"facts from the article need a locator; {col} is empty"))
            if r["quote"] is not None and len(r["quote"].split()) > limit:
                problems.append(Problem(fname, i, "quote", f"{len(r['quote'].split())} words; keep quotes to at most {limit} words"))
    return problems


def _check_text(name: str, df: pl.DataFrame, texts: dict[str, str], tables: dict) -> list[Problem]:
    """Offsets inside the text of the row's source, quote equal to the slice, paragraph holding char_start."""
    fname, problems, starts = schema.resource(name)["path"], [], {}
    cols = set(df.columns)
    if not {"char_start", "char_end"} <= cols or not texts:
        return []
    only = next(iter(texts)) if len(texts) == 1 else None
    for i, r in enumerate(df.iter_rows(named=True), start=1):
        s, e = r["char_start"], r["char_end"]
        text = texts.get(r["source_id"]) if "source_id" in r else texts.get(only)
        if s is None or e is None or text is None:
            continue
        if e > len(text):
            problems.append(Problem(fname, i, "char_end", f"{e} is past the end of the text ({len(text)} characters)"))
            continue
        expect = r.get("quote", r.get("surface"))
        col = "quote" if "quote" in r else "surface"
        if expect is not None and text[s:e] != expect:
            hint = ""
            found = text.find(expect)
            if found >= 0:
                hint = f"; the quote is at {found}-{found + len(expect)} (run `python -m toolkit locate`)"
            problems.append(Problem(fname, i, col, f"does not match the text at {s}-{e} ({text[s:e][:40]!r}){hint}"))
        para_col = "paragraph" if "paragraph" in r else "paragraph_start"
        sid = r.get("source_id", only)
        if sid not in starts:
            starts[sid] = article.paragraph_starts(text)
        actual = article.paragraph_of(text, s, starts[sid])
        if r.get(para_col) is not None and r[para_col] != actual:
            problems.append(Problem(fname, i, para_col, f"offset {s} is in paragraph {actual}, not {r[para_col]}"))
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
        problems.append(Problem("mentions.csv", None, None, f"no mention of {r['surface']!r} ({r['entity_type']} {r['entity_id']}) "
                                f"at {r['char_start']}-{r['char_end']}, paragraph {r['paragraph']}; regenerate with `python -m toolkit mentions`"))
    extra = have.with_row_index("row", offset=1).join(expected, on=key, how="anti")
    for r in extra.iter_rows(named=True):
        problems.append(Problem("mentions.csv", r["row"], "char_start", f"{r['surface']!r} at {r['char_start']}-{r['char_end']} "
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


def read_text(path: Path, folder: Path) -> tuple[str | None, list[Problem]]:
    """The article text at ``path`` (exactly as the offsets count it), or a problem naming the file."""
    shown = path.name if path.parent.resolve() == Path(folder).resolve() else str(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        return None, [Problem(shown, None, None, f"cannot be read: {e.strerror or e}")]
    text, _, message = _decode(raw)
    if message:
        return None, [Problem(shown, None, None, message + " (quotes, offsets and mentions were not checked against it)")]
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
    from toolkit.rules import check_declared  # cross-row rules declared in the descriptor (x-dates, x-links, x-eventOrder)

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
    from toolkit.dataset import data_folder, read_folder

    folder = data_folder(data_dir)
    ds, problems = read_folder(folder, text_path)
    return Report(folder, problems, ds.notes)
