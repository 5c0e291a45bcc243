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
        super().__init__(f"{len(problems)} problem(s) in data folder {folder}:\n{shown}{more}\n"
                         f"Run `python -m toolkit validate {folder}` for the full report.")


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


def _check_text(name: str, df: pl.DataFrame, text: str, tables: dict) -> list[Problem]:
    """Offsets inside the text, quote equal to the slice, paragraph holding char_start."""
    fname, problems, starts = schema.resource(name)["path"], [], article.paragraph_starts(text)
    cols = set(df.columns)
    if not {"char_start", "char_end"} <= cols:
        return []
    text_sources = set()
    if tables.get("sources") is not None:
        text_sources = set(tables["sources"].filter(pl.col("kind") == "article")["source_id"].to_list())
    for i, r in enumerate(df.iter_rows(named=True), start=1):
        s, e = r["char_start"], r["char_end"]
        if s is None or e is None or ("source_id" in r and r["source_id"] not in text_sources):
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
        actual = article.paragraph_of(text, s, starts)
        if r.get(para_col) is not None and r[para_col] != actual:
            problems.append(Problem(fname, i, para_col, f"offset {s} is in paragraph {actual}, not {r[para_col]}"))
    return problems


def _check_mentions(tables: dict, text: str, flawed: set[str] = frozenset()) -> list[Problem]:
    """Mentions equal to the alias occurrences; skipped while one of the three tables has its own problems."""
    need = ("aliases", "segments", "mentions")
    if any(tables.get(t) is None or schema.resource(t)["path"] in flawed for t in need):
        return []
    expected = article.find_mentions(text, tables["aliases"].with_columns(pl.col("entity_type").cast(pl.String)), tables["segments"])
    have = tables["mentions"].with_columns(pl.col("entity_type").cast(pl.String))
    key = ["entity_id", "entity_type", "char_start", "char_end"]
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


def check(folder: Path, text: str | None = None) -> tuple[dict, list[Problem]]:
    """Read and check a whole folder; text-dependent checks run only when ``text`` is given."""
    tables, problems = read_all(folder)
    flawed = {p.file for p in problems}
    for name, df in tables.items():
        if df is None:
            continue
        problems += _check_keys(name, df, tables) + _check_rules(name, df, tables)
        if text is not None:
            problems += _check_text(name, df, text, tables)
    if text is not None:
        problems += _check_mentions(tables, text, flawed)
    problems += _check_declared({k: v for k, v in tables.items() if schema.resource(k)["path"] not in flawed})
    return tables, problems


def validate(data_dir: str | Path | None = None, text_path: str | Path | None = None) -> Report:
    """Check a data folder (default: the shipped data) and return a :class:`Report` of every problem.

    Quotes and offsets are checked against the article when its text is found
    (``text_path``, ``article.txt`` in the folder, ``$TOOLKIT_ARTICLE`` or ``../shared/article/``).

    >>> validate().ok
    True
    """
    from toolkit.tables import data_folder

    folder = data_folder(data_dir)
    notes = []
    path = Path(text_path) if text_path else article.find_text(folder)
    text, text_problems = None, []
    if path is not None and path.is_file():
        text, text_problems = read_text(path, folder)
        if text is not None:
            notes.append(f"quotes and offsets checked against {path}")
    else:
        notes.append("article text not found: quotes, offsets and mentions were not checked against it "
                     "(put article.txt in the folder or set TOOLKIT_ARTICLE)")
    _, problems = check(folder, text)
    return Report(folder, text_problems + problems, notes)


def _check_declared(tables: dict) -> list[Problem]:
    """Cross-row rules declared in the descriptor (``x-dates``, ``x-links``, ``x-eventOrder``).

    - ``x-dates``: a precision fits its dates ('before': only an end; 'unknown': none; 'day': one day),
      start <= end, nothing dated after its source's publication, a period not after its claim;
    - ``x-links``: a row linked to another (``subset_of``, ``same_claim_as``) counts the same kind, and a
      subset's lowest value is not above the whole's highest;
    - ``x-eventOrder``: 'follows'/'result_of' between events: the later event cannot start before the
      earlier one starts, nor the earlier end after the later ends.
    """
    problems: list[Problem] = []
    sources = tables.get("sources")
    src_dates = schema.resource("sources").get("x-dates", [{}])[0] if "sources" in schema.resources() else {}
    published = {}
    if sources is not None and src_dates.get("end"):
        published = dict(zip(sources["source_id"].to_list(), sources[src_dates["end"]].to_list()))
    for name in schema.table_names():
        res, df = schema.resource(name), tables.get(name)
        if df is None:
            continue
        fname, rows = res["path"], None
        for spec in res.get("x-dates", []):
            rows = rows or list(df.iter_rows(named=True))
            a, b, p = spec["start"], spec["end"], spec.get("precision")
            for i, r in enumerate(rows, start=1):
                s, e, prec = r[a], r[b], str(r[p]) if p and r[p] is not None else None
                if prec == "before" and (s is not None or e is None):
                    problems.append(Problem(fname, i, a, f"precision 'before' means only {b} is known: leave {a} empty and fill {b}"))
                elif prec == "unknown" and (s is not None or e is not None):
                    problems.append(Problem(fname, i, p, f"precision 'unknown' but {a}/{b} are filled"))
                elif prec not in (None, "before", "unknown") and (s is None or e is None):
                    problems.append(Problem(fname, i, a if s is None else b, f"precision {prec!r} needs both {a} and {b}"))
                elif prec == "day" and s != e:
                    problems.append(Problem(fname, i, b, f"precision 'day' but {a} {s} and {b} {e} differ"))
                if s is not None and e is not None and s > e and a not in ("claim_date_start", "date_start", "published_start"):
                    problems.append(Problem(fname, i, b, f"{e} is before {a} {s}"))
                first = s if s is not None else e
                limit = published.get(r.get("source_id")) if spec.get("notAfterSource") else None
                if first is not None and limit is not None and first > limit:
                    problems.append(Problem(fname, i, a if s is not None else b,
                                            f"{first} is after its source {r['source_id']} was published ({limit})"))
                other = spec.get("notAfter")
                if other and first is not None and r[other] is not None and first > r[other]:
                    problems.append(Problem(fname, i, a if s is not None else b, f"{first} is after {other} {r[other]}"))
        for link in res.get("x-links", []):
            rows = rows or list(df.iter_rows(named=True))
            key = schema.primary_key(name)[0]
            by_id = {r[key]: r for r in rows}
            col = link["field"]
            for i, r in enumerate(rows, start=1):
                target = by_id.get(r[col]) if r[col] is not None else None
                if r[col] is not None and r[col] == r[key]:
                    problems.append(Problem(fname, i, col, f"{r[col]!r} links the row to itself"))
                    continue
                if target is None:
                    continue  # an unknown id is reported by the foreign-key check
                for same in link.get("sameFields", []):
                    if r[same] is not None and target[same] is not None and str(r[same]) != str(target[same]):
                        problems.append(Problem(fname, i, same, f"{r[same]} differs from {target[same]} of {r[col]} "
                                                f"({col}): linked rows count the same {same}"))
                bounds = link.get("notGreater")
                if bounds:
                    low_col = next((c for c in bounds["low"] if r[c] is not None), None)
                    low = r[low_col] if low_col else None
                    high = next((target[c] for c in bounds["high"] if target[c] is not None), None)
                    if low is not None and high is not None and low > high:
                        problems.append(Problem(fname, i, low_col, f"{low} is more than {high}, the most that "
                                                f"{r[col]} allows: a part cannot exceed the whole ({col})"))
        order = res.get("x-eventOrder")
        if order and tables.get(order.get("events", "events")) is not None:
            ev_name = order.get("events", "events")
            dates = schema.resource(ev_name).get("x-dates", [{}])[0]
            evs = {r[schema.primary_key(ev_name)[0]]: r for r in tables[ev_name].iter_rows(named=True)}
            a, b = dates.get("start"), dates.get("end")
            for i, r in enumerate(df.iter_rows(named=True), start=1):
                if str(r["predicate"]) not in order["predicates"]:
                    continue
                if str(r["subject_type"]) != "event" or str(r["object_type"]) != "event":
                    problems.append(Problem(fname, i, "predicate", f"{r['predicate']!r} orders events: subject and object must be events"))
                    continue
                later, earlier = evs.get(r["subject_id"]), evs.get(r["object_id"])
                if later is None or earlier is None or not a:
                    continue
                if later[a] is not None and earlier[a] is not None and later[a] < earlier[a]:
                    problems.append(Problem(fname, i, "subject_id", f"{r['subject_id']} starts {later[a]}, before "
                                            f"{r['object_id']} starts ({earlier[a]}), but {r['predicate']} puts it after"))
                if later[b] is not None and earlier[b] is not None and earlier[b] > later[b]:
                    problems.append(Problem(fname, i, "object_id", f"{r['object_id']} may end {earlier[b]}, after "
                                            f"{r['subject_id']} ends ({later[b]}): narrow its dates ({r['predicate']})"))
    return problems
