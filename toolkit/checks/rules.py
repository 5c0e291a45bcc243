"""Cross-row rules declared in ``datapackage.json`` under ``x-`` keys (the Table Schema has no place for them).

``toolkit.checks.check_tables`` calls :func:`check_declared` on every table that read cleanly.

>>> import toolkit
>>> ds = toolkit.open()
>>> check_declared(ds.descriptor, {n: ds[n] for n in ds.table_names()})
[]
"""

from __future__ import annotations

import polars as pl

from toolkit.core.descriptor import Descriptor
from toolkit.core.problems import Problem
from toolkit.core.text import own_text


OPEN_AFTER = ("on_or_after", "after")  # precisions that know only the start (the end left open)


def _date_candidates(df: pl.DataFrame, spec, published: dict) -> pl.Series:
    """Rows an ``x-dates`` rule may flag (a superset): the precise per-row logic runs only on them."""
    a, b, p = spec["start"], spec["end"], spec.get("precision")
    s, e = pl.col(a), pl.col(b)
    prec = pl.col(p).cast(pl.String) if p else pl.lit(None, pl.String)
    first = pl.coalesce(s, e)
    mask = (((prec == "before") & (s.is_not_null() | e.is_null()))
            | ((prec == "unknown") & (s.is_not_null() | e.is_not_null()))
            | (prec.is_not_null() & ~prec.is_in(["before", "unknown"]) & (s.is_null() | e.is_null()))
            | (prec.is_in(list(OPEN_AFTER)) & (e.is_not_null() | s.is_null()))
            | ((prec.is_null() & (s.is_not_null() | e.is_not_null())) if p else pl.lit(False))
            | ((prec == "day") & (s != e))
            | (s > e))
    if spec.get("notAfterSource") and published and "source_id" in df.columns:
        limit = pl.col("source_id").cast(pl.String).replace_strict(
            {k: v for k, v in published.items() if k is not None and v is not None}, default=None, return_dtype=df.schema[a])
        mask = mask | (first > limit)
    if spec.get("notAfter"):
        mask = mask | (first > pl.col(spec["notAfter"]))
    return df.select(mask.fill_null(False)).to_series()


PAIRS = (("lat", "lon"),)  # columns that mean nothing alone: a point needs both


def check_pairs(desc: Descriptor, tables: dict) -> list[Problem]:
    """A row that fills one column of a pair (``lat`` without ``lon``) in any table that has both."""
    problems = []
    for name in desc.table_names():
        df = tables.get(name)
        if df is None:
            continue
        for a, b in PAIRS:
            if a not in df.columns or b not in df.columns:
                continue
            lone = df.select(pl.col(a).is_null() != pl.col(b).is_null()).to_series()
            for i in lone.arg_true().to_list():
                have, lack = (a, b) if df[a][i] is not None else (b, a)
                problems.append(Problem(desc.path(name), i + 1, lack, f"{have} is {df[have][i]} but {lack} is empty: "
                                        "a point needs both (or neither)", kind="rule"))
    return problems


def _link_candidates(df: pl.DataFrame, key: str, col: str, link: dict) -> pl.Series:
    """Rows an ``x-links`` rule may flag (each row joined to the row it links to): a link to itself, a
    ``sameFields`` value unlike the linked row's, a low value above the linked row's high one."""
    bounds = link.get("notGreater") or {}
    same, highs = list(link.get("sameFields", [])), list(bounds.get("high", []))
    target = (df.select(pl.col(key).cast(pl.String).alias("__tk"), *(pl.col(c).alias(f"__t_{c}") for c in dict.fromkeys(same + highs)))
              .filter(pl.col("__tk").is_not_null()).unique("__tk", keep="last"))
    rows = df.select(pl.col(col).cast(pl.String).alias("__link"), pl.col(key).cast(pl.String).alias("__key"),
                     *(pl.col(c) for c in dict.fromkeys(same + list(bounds.get("low", [])))))
    joined = rows.join(target, left_on="__link", right_on="__tk", how="left", maintain_order="left")
    mask = pl.col("__link") == pl.col("__key")
    for c in same:
        mask = mask | (pl.col(c).is_not_null() & pl.col(f"__t_{c}").is_not_null()
                       & (pl.col(c).cast(pl.String) != pl.col(f"__t_{c}").cast(pl.String)))
    if bounds.get("low") and highs:
        mask = mask | (pl.coalesce(*bounds["low"]) > pl.coalesce(*(f"__t_{c}" for c in highs)))
    return joined.select((pl.col("__link").is_not_null() & mask).fill_null(False)).to_series()


def check_declared(desc: Descriptor, tables: dict) -> list[Problem]:
    """Cross-row rules declared in the descriptor (``x-dates``, ``x-links``, ``x-eventOrder``).

    - ``x-dates``: a precision fits its dates ('before': only an end; 'on_or_after', 'after': only a start;
      'unknown': none; 'day': one day; dates without a precision),
      start <= end, nothing dated after its source's publication, a period not after its claim;
    - ``x-links``: a row linked to another (``subset_of``, ``same_claim_as``) counts the same kind, and a
      subset's lowest value is not above the whole's highest;
    - ``x-eventOrder``: 'follows'/'result_of' between events: the later event cannot start before the
      earlier one starts, nor the earlier end after the later ends.

    A polars query finds the rows a rule may flag; the rule's own logic (and message) looks only at those.
    """
    problems: list[Problem] = check_pairs(desc, tables)
    sources = tables.get("sources")
    src_dates = desc.resource("sources").get("x-dates", [{}])[0] if "sources" in desc.resources() else {}
    published = {}
    if sources is not None and src_dates.get("end"):
        published = dict(zip(sources["source_id"].to_list(), sources[src_dates["end"]].to_list()))
    for name in desc.table_names():
        res, df = desc.resource(name), tables.get(name)
        if df is None:
            continue
        fname = res["path"]
        for spec in res.get("x-dates", []):
            a, b, p = spec["start"], spec["end"], spec.get("precision")
            at = _date_candidates(df, spec, published).arg_true().to_list()
            for i, r in zip(at, df[at].iter_rows(named=True) if at else []):
                i += 1
                s, e, prec = r[a], r[b], str(r[p]) if p and r[p] is not None else None
                if prec == "before" and (s is not None or e is None):
                    problems.append(Problem(fname, i, a, f"precision 'before' means only {b} is known: leave {a} empty and fill {b}"))
                elif prec in OPEN_AFTER and (e is not None or s is None):
                    problems.append(Problem(fname, i, b, f"precision {prec!r} means only {a} is known: fill {a} and leave {b} empty"))
                elif prec == "unknown" and (s is not None or e is not None):
                    problems.append(Problem(fname, i, p, f"precision 'unknown' but {a}/{b} are filled"))
                elif prec is None and p and (s is not None or e is not None):
                    problems.append(Problem(fname, i, p, f"{a}/{b} are filled: say how precisely they are known in {p}"))
                elif prec not in (None, "before", "unknown", *OPEN_AFTER) and (s is None or e is None):
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
            key, col = desc.primary_key(name)[0], link["field"]
            at = _link_candidates(df, key, col, link).arg_true().to_list()
            if not at:
                continue
            linked = df.filter(pl.col(key).is_in(df[at][col].drop_nulls().unique().implode()))  # only the candidates' targets
            by_id = {r[key]: r for r in linked.iter_rows(named=True)}
            for i, r in zip(at, df[at].iter_rows(named=True)):
                i += 1
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
            dates = desc.resource(ev_name).get("x-dates", [{}])[0]
            at = df.select(pl.col("predicate").cast(pl.String).is_in(list(order["predicates"])).fill_null(False)).to_series()
            at = at.arg_true().to_list()
            if not at:
                continue
            picked = df[at]
            ev_key = desc.primary_key(ev_name)[0]
            wanted = pl.concat([picked["subject_id"].cast(pl.String), picked["object_id"].cast(pl.String)]).drop_nulls().unique()
            evs = {r[ev_key]: r for r in tables[ev_name].filter(pl.col(ev_key).is_in(wanted.implode())).iter_rows(named=True)}
            a, b = dates.get("start"), dates.get("end")
            for i, r in zip(at, picked.iter_rows(named=True)):
                i += 1
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


def check_rows(desc: Descriptor, name: str, df: pl.DataFrame, tables: dict) -> list[Problem]:
    """Rules a Table Schema cannot state: ordered values and dates, evidence present.

    Every rule is a polars mask over the whole table (one query); rows are looked at only where one hits."""
    fname, cols = desc.resource(name)["path"], set(df.columns)
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
    if desc.resource(name).get("x-evidence") and tables.get("sources") is not None:
        text_sources = tables["sources"].filter(own_text(tables["sources"].columns))["source_id"].to_list()
        limit = desc.get("x-article", {}).get("max_quote_words", 25)
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
                problems.append(Problem(fname, r + 1, col, message(df.row(r, named=True)), kind="rule"))
    return sorted(problems, key=lambda p: p.row)
