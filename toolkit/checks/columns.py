"""Reading one table: its file, header and columns, each value typed and checked against its field.

Every problem names the file, the row (1-based, header not counted) and the column.

>>> from toolkit.core.descriptor import Descriptor
>>> import toolkit
>>> df, problems = read(Descriptor.shipped(), "actors", toolkit.SHIPPED)
>>> problems, df.height > 0
([], True)
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import polars as pl

from toolkit.checks.fileform import ANY_ODD, ID_ODD, ROUGH_ID, TEXT_ODD, Problem, odd_char, odd_chars, parse, ragged, show
from toolkit.core.descriptor import SLUG, Descriptor, is_open

_FIRST_DAY, _LAST_DAY = date(1, 1, 1), date(9999, 12, 31)  # Python's dates


def _suggest(word: str, options) -> str:
    import difflib

    if len(str(word)) > 100:  # nothing long is a typo of an id, and difflib would be slow
        return ""
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f"; did you mean {show(close[0])}?" if close else ""


def slug(value: str) -> str:
    """The lower-case slug a value most likely means (``'Ethnic Avars'`` -> ``'ethnic_avars'``); '' when none.

    >>> slug("Ethnic Avars"), slug("1,500")
    ('ethnic_avars', '')
    """
    s = re.sub(r"[^a-z0-9]+", "_", str(value).strip().casefold()).strip("_")
    return s if re.match(SLUG, s) else ""


def _anchored(pattern: str) -> str:
    """A Table Schema pattern matches the whole value."""
    return pattern if pattern.startswith("^") and pattern.endswith("$") else f"^(?:{pattern})$"


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
        elif kind == "slug":
            known, fixed = f.get("x-suggested", ()), slug(col[r - 1])
            hint = f"; did you mean {show(fixed)}?" if fixed and fixed != col[r - 1] else _suggest(col[r - 1], known)
            msg = (f"{show(col[r - 1])} is not a lower-case slug (a-z, 0-9 and '_', starting with a letter){hint}"
                   + (f" (known: {', '.join(known)})" if known else ""))
        elif kind == "pattern":
            msg = f"{show(col[r - 1])} does not match the pattern {c['pattern']}"
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


def _key_columns(desc: Descriptor, name: str) -> tuple[set[str], set[str]]:
    """(columns that hold keys, the strict ones among them: ids that allow no space or invisible character)."""
    res = desc.resource(name)
    pk = desc.primary_key(name)
    keys = set(pk) | {fk["fields"] for fk in res["schema"].get("foreignKeys", [])}
    keys |= {k[f] for k in res.get("x-polymorphicKeys", []) for f in ("field", "typeField")}
    keys |= {k["field"] for k in res.get("x-multiKeys", [])}
    keys |= {f["name"] for f in desc.fields(name) if f["name"].endswith(("_id", "_ids"))}
    return keys, {k for k in keys if k.endswith(("_id", "_ids")) or pk == [k]}


_ANY_ODD_RS = "".join(c if c in "[]-" else f"\\x{{{ord(c):x}}}" for c in ANY_ODD.pattern)


def _any_odd(text: str) -> bool:
    """Whether a file holds any character a value check can flag (Rust's regex: ~20x Python's on big files)."""
    if len(text) > 1_000_000:
        return bool(pl.Series([text]).str.contains(_ANY_ODD_RS).item())
    return ANY_ODD.search(text) is not None


def read(desc: Descriptor, name: str, folder: Path) -> tuple[pl.DataFrame | None, list[Problem]]:
    """Read and type one table; problems for encoding, columns, types and per-column constraints."""
    res = desc.resource(name)
    fname, path = res["path"], folder / res["path"]
    if not path.is_file():
        return None, [Problem(fname, None, None, f"file is missing from {folder}")]
    declared = desc.fields(name)
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
    return check_columns(desc, name, fname, df, odd_chars(raw.removeprefix(b"\xef\xbb\xbf")))


def check_loaded(desc: Descriptor, name: str, fname: str, df: pl.DataFrame) -> tuple[pl.DataFrame | None, list[Problem]]:
    """The checks of :func:`read` for a table read from elsewhere (a Parquet file): each column is turned into
    the text a CSV file would hold, then typed and checked the same way, so a Parquet folder is held to the
    same rules (types, allowed values, required, unique, minimum, primary key) with the same row numbers."""
    declared = {f["name"]: f for f in desc.fields(name)}
    cols, problems = [], []
    for c, dt in df.schema.items():
        col = pl.col(c)
        if isinstance(dt, pl.List):
            col = col.cast(pl.List(pl.String)).list.join(declared.get(c, {}).get("delimiter", ";"))
        try:
            df.head(0).select(col.cast(pl.String))
        except Exception:  # noqa: BLE001 - a struct, binary or other column no CSV holds
            problems.append(Problem(fname, None, c, f"column has the Parquet type {dt}, which no declared type reads"))
            continue
        cols.append(col.cast(pl.String).replace("", None).alias(c))
    if problems:
        return None, problems
    return check_columns(desc, name, fname, df.select(cols), None)


def check_columns(desc: Descriptor, name: str, fname: str, df: pl.DataFrame, text: str | None
                  ) -> tuple[pl.DataFrame | None, list[Problem]]:
    """Type and check the columns of one table given as text (``df``: every column a string, as read from
    ``fname``; ``text``: the file's text or its :func:`~toolkit.checks.fileform.odd_chars`, or None when there
    is none to scan for odd characters)."""
    declared, problems = desc.fields(name), []
    for f in declared:
        if f["name"] not in df.columns:
            problems.append(Problem(fname, None, f["name"], "column is missing" + _suggest(f["name"], df.columns)))
    if problems:
        return None, problems
    typed_df, more = check_frame(desc, name, df, text)
    return typed_df, problems + more


def check_frame(desc: Descriptor, name: str, df: pl.DataFrame, text: str, group: str | None = None
                ) -> tuple[pl.DataFrame, list[Problem]]:
    """Type one table's values (all strings, as read) and check each against its field: (the typed table, its
    problems, rows counted in ``df``). ``text``: the file's text (a file without an odd character skips the
    checks for them). ``group``: a column of ``df`` (a corpus's folder) within which values must be unique;
    columns ``df`` has beyond the declared ones are kept as they are."""
    fname, problems = desc.resource(name)["path"], []
    # within a group: the value and the group as one key (a window per group costs 2-3x as much)
    dup = (lambda e: pl.struct(e.alias("__k"), pl.col(group)).is_duplicated()) if group else (lambda e: e.is_duplicated())  # noqa: E731
    declared = desc.fields(name)
    keys, strict = _key_columns(desc, name)
    odd_in_file = text is None or _any_odd(text)
    # two polars queries: first every column's normalised text and typed values (each computed once), then every
    # check's mask over them; checks of the form of the values (spaces, invisible characters, blank strings) first
    # run as one cheap mask over several columns
    norms, stage, typed_cols, checks, typed_of, ids, blanks = [], [], [], [], {}, [], []
    for i, f in enumerate(declared):
        c, fname_ = f.get("constraints", {}), f["name"]
        raw = pl.col(fname_)
        if f["type"] != "string":
            norms.append(raw.str.strip_chars().replace("", None).alias(f"\x00n{i}"))
            col = pl.col(f"\x00n{i}")
        else:
            col = raw
        typed = raw
        if f["type"] != "string":
            stage.append(_cast(col, f).alias(f"\x00t{i}"))
            typed = pl.col(f"\x00t{i}")
        bad = col.is_not_null() & typed.is_null()
        checks.append((f, "type", bad))
        if f["type"] == "date":
            checks.append((f, "year", ~typed.is_between(_FIRST_DAY, _LAST_DAY).fill_null(True)))
        if c.get("required"):
            checks.append((f, "required", (col.is_null() | (typed.list.len() == 0)) if f["type"] == "list" else col.is_null() & ~bad))
            if f["type"] == "string":
                blanks.append(f)
        if "enum" in c:  # the checks below see the allowed values only
            base = _cast(col, f) if f["type"] != "string" else raw
            stage.append(base.replace_strict({v: v for v in c["enum"]}, default=None).cast(pl.Enum(list(c["enum"]))).alias(f"\x00e{i}"))
            typed = pl.col(f"\x00e{i}")
        if is_open(f) and f["type"] == "string":  # an open vocabulary: any lower-case slug
            checks.append((f, "slug", col.is_not_null() & ~col.str.contains(SLUG)))
        elif c.get("pattern") and f["type"] == "string":  # e.g. a checksum's 64 hex digits
            checks.append((f, "pattern", col.is_not_null() & ~col.str.contains(_anchored(c["pattern"])).fill_null(False)))
        if "enum" in c:
            checks.append((f, "enum", col.is_not_null() & ~col.is_in(list(c["enum"]))))
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
            checks.append((f, "unique", dup(typed) & typed.is_not_null()))
        typed_cols.append(typed.alias(fname_))
        typed_of[fname_] = typed
    coarse = [([(f, "id_char" if f["name"] in strict else "space") for f in ids], _joined(ids).str.contains(ROUGH_ID)),
              ([(f, "blank") for f in blanks], _joined(blanks).str.contains(r"(?:^|\x1f)\s*(?:\x1f|$)"))]
    coarse = [(fine, mask) for fine, mask in coarse if fine]
    pk = desc.primary_key(name)
    pk_checked = len(pk) == 1 and desc.field(name, pk[0]).get("constraints", {}).get("unique")
    if not pk_checked:  # a key of several columns, or one column without `unique` (mentions' char_start)
        key = pl.struct(*(typed_of[k].alias(k) for k in pk)) if len(pk) > 1 else typed_of[pk[0]]
        needed = [k for k in pk if desc.field(name, k).get("constraints", {}).get("required")] or pk
        # an optional key column (aliases' source_id scope) may be empty; two empty ones are the same key
        checks.append((None, "primary key", dup(key) & pl.all_horizontal(typed_of[k].is_not_null() for k in needed)))
    extra = [c for c in df.columns if c not in {f["name"] for f in declared}]
    staged = df.with_columns(norms).with_columns(stage) if stage else df
    # Series for extra columns: a name like "*" is no pattern
    marks = [f"\x00check{i}" for i in range(len(checks) + len(coarse))]
    out = staged.select(*typed_cols, *(df.get_column(c) for c in extra),
                        *(m.alias(k) for (*_, m), k in zip(checks + coarse, marks)))
    del staged
    masks = [out.get_column(k) for k in marks]
    typed_df = out.drop(marks)
    fine = [check for (group, _), mask in zip(coarse, masks[len(checks):]) if mask.any() or text is None or "\x1f" in text
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
                    problems.append(Problem(fname, r, ",".join(pk), f"duplicate primary key {show(value)}" + _also(same, r), kind="key"))
    problems.sort(key=lambda p: (p.row or 0))
    return typed_df, problems
