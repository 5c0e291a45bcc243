"""Altair views of a dataset: estimates, timeline, actors, mentions, and a linked dashboard.

Each function takes a :class:`~toolkit.Dataset` (``None``: the default dataset; to draw a subset,
``ds.with_tables(estimates=...)``) and returns an Altair chart with a title, the dataset's source
line and the toolkit theme (enabled on import). Text from the data goes into data values and plain
tooltip fields only — never into markup or Vega expressions.

>>> from toolkit import charts
>>> charts.estimates().to_dict()["title"]["text"]
'Every number in the article, on one scale'
"""
from __future__ import annotations

import datetime as dt
import math
import textwrap

import altair as alt
import polars as pl

from toolkit import theme
from toolkit.dataset import Dataset, coerce, describe_source

__all__ = ["actors", "dashboard", "estimates", "mentions", "timeline"]

theme.use()

_WIDTH = 700
_PICK = "pick_actor"  # name of the dashboard's selection parameter
_FADED = 0.15
_BOUND = {  # bound -> (legend label, point shape)
    "lower": ("lower bound: at least", "triangle-right"),
    "upper": ("upper bound: at most", "triangle-left"),
    "exact": ("exact", "circle"),
    "approximate": ("approximate", "diamond"),
}
_NOT_STATED, _ELSEWHERE = "not stated", "published elsewhere"
_EST_TIPS = [("id", "claim"), ("claimant", "claimant"), ("said", "as worded"), ("counted", "counted"),
             ("where", "where"), ("quote", "quote"), ("paragraph", "paragraph"), ("source", "source"),
             ("note", "note")]


# --- shared helpers ---------------------------------------------------------------------------------

def _short(name: str) -> str:
    """'Federal Security Service (FSB)' -> 'FSB'; other names unchanged."""
    if name.endswith(")") and "(" in name:
        inner = name[name.rindex("(") + 1:-1]
        if inner and len(inner) <= 8 and " " not in inner:
            return inner
    return name


def _names(actors: pl.DataFrame, short: bool = False) -> dict:
    return {a: (_short(n) if short else n) for a, n in zip(actors["actor_id"], actors["name"])}


def _iso(d) -> str | None:
    return d.isoformat() if d is not None else None


def _tips(fields) -> list:
    return [alt.Tooltip(f"{f}:N", title=t) for f, t in fields]


def _data(rows: list[dict]) -> alt.Data:
    return alt.Data(values=rows)


def _wrap(text: str, width: int = 18) -> list[str]:
    """Lines for a multi-line text mark (Vega draws a list as lines)."""
    return textwrap.wrap(text, width) or [""]


# --- estimates --------------------------------------------------------------------------------------

def _anchor(r: dict):
    """The number the claimant put on it: best, else the bound's value; None for a bare range."""
    if r["value_best"] is not None:
        return r["value_best"]
    return {"lower": r["value_low"], "upper": r["value_high"]}.get(r["bound"])


def _said(r: dict, n) -> str:
    q = r["qualifier"] or ""
    if n is None or any(c.isdigit() for c in q):
        return q
    return f"{q} {n:,}" if r["bound"] in ("lower", "upper") else f"{q} ({n:,})"


def _top(values) -> int:
    """Axis end for the open bounds: the power of ten above the largest value (with room)."""
    return 10 ** math.ceil(math.log10(max([v for v in values if v] + [10]) * 1.25))


def _estimate_rows(ds: Dataset) -> tuple[list, list, int]:
    """(numeric rows, word rows, axis end) for the estimates views; ``panel`` is the article's source id
    (one panel per article of a corpus) or "context"."""
    est, actors, places, sources = ds["estimates"], ds["actors"], ds["places"], ds["sources"]
    who, where = _names(actors, short=True), dict(zip(places["place_id"], places["name"]))
    article = set(sources.filter(pl.col("kind") == "article")["source_id"])
    titles = dict(zip(sources["source_id"], sources["publisher"]))
    own = set(est.filter(pl.col("source_id").is_in(list(article)))["claimant_id"].drop_nulls())
    numeric, words, unit = [], [], _main_unit(est)
    for r in est.to_dicts():
        n, claimant = _anchor(r), who.get(r["claimant_id"], r["claimant_id"]) or _NOT_STATED
        via = who.get(r["reported_via_id"], r["reported_via_id"])
        in_article = r["source_id"] in article
        theatres = ", ".join(where.get(t, t) for t in r["theatre_place_ids"] or [])
        place = (where.get(r["origin_place_id"], r["origin_place_id"])  # else who they are: a population is no place
                 or (str(r["population"]).replace("_", " ") + ", origin not stated" if r.get("population") else "?"))
        said_in = where.get(r["claim_place_id"], r["claim_place_id"])
        when = "" if in_article or r["claim_date_start"] is None else f" · {r['claim_date_start']:%b %Y}"
        row = {
            "id": r["estimate_id"], "actor_id": r["claimant_id"],
            "claimant": claimant + (f" (via {via})" if via and via != claimant else ""),
            "key": claimant if r["claimant_id"] in own else (_NOT_STATED if r["claimant_id"] is None else _ELSEWHERE),
            "counted": f"{r['counted']} ({r['unit']})", "said": _said(r, n),
            "where": f"{place} → {theatres or '?'}" + (f"; said in {said_in}" if said_in else ""),
            "quote": r["quote"] or "(not from the article)", "paragraph": r["paragraph"],
            "source": titles.get(r["source_id"], r["source_id"]), "note": r["note"] or "",
            "copy": r["same_claim_as"] is not None, "panel": r["source_id"] if in_article else "context",
            "label": f"{r['estimate_id']}  {claimant}: {r['counted']}{when}"
                     + (f"  [same claim as {r['same_claim_as']}]" if r["same_claim_as"] else "")
                     + (f"  [part of {r['subset_of']}]" if r.get("subset_of") else ""),
        }
        ranged = r["value_low"] is not None and r["value_high"] is not None
        if r["bound"] == "vague" or r["unit"] != unit or (n is None and not ranged):
            words.append(row | {"words": f"“{r['qualifier']}”",
                                "what": _wrap(f"{claimant}: {r['counted']} ({r['unit']})", 100)})
            continue
        numeric.append(row | {"anchor": n, "low": r["value_low"] if ranged else None,
                              "high": r["value_high"] if ranged else None, "bound": _BOUND[r["bound"]][0],
                              "label_x": r["value_low"] if ranged else n,
                              "side": "left" if r["bound"] == "lower" or ranged else "right",
                              "open": r["bound"] if r["bound"] in ("lower", "upper") else None})
    top = _top([v for r in numeric for v in (r["anchor"], r["low"], r["high"])])
    for row in numeric:  # open bounds run to the axis end they point at
        row["open_from"], row["open_to"], row["arrow_x"], row["arrow"] = {
            "lower": (row["anchor"], top, top, "triangle-right"), "upper": (0, row["anchor"], 0, "triangle-left"),
        }.get(row.pop("open"), (None, None, None, None))
    return numeric, words, top


def _main_unit(est: pl.DataFrame) -> str:
    """The unit most numeric claims count (one scale shows one unit; the others are listed in words)."""
    units = est.filter(pl.col("bound") != "vague")["unit"].drop_nulls()
    return units.cast(pl.String).mode().sort()[0] if units.len() else "fighters"


def _panels(ds: Dataset) -> list[tuple[str, str]]:
    """(panel key, title) for the estimate panels: one per article, then the context estimates."""
    arts = ds.articles().to_dicts()
    if len(arts) == 1:
        return [(arts[0]["source_id"], f"In {ds.noun}"), ("context", f"Published elsewhere (context, not in {ds.noun})")]
    return [(a["source_id"], "In " + (a.get("credit") or describe_source(a, short=True)).removeprefix("Source: "))
            for a in arts] + [
        ("context", "Published elsewhere (context, not in the articles)")]


def _colour(keys, field: str = "key", title: str = "claimant"):
    mapping = theme.colours(keys, fixed={_NOT_STATED: theme.GREY, _ELSEWHERE: theme.INK})
    return alt.Color(f"{field}:N", title=title, legend=alt.Legend(symbolOpacity=1),
                     scale=alt.Scale(domain=list(mapping), range=list(mapping.values())))


def _estimate_panel(rows, top, colour, title, pick=None, width=_WIDTH):
    """One row per claim: label above, range bar, dashed open bound with arrow, point, the words."""
    ticks = [v for v in (0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000,
                         100000) if v <= top]
    x_scale = alt.Scale(type="symlog", domain=[0, top], nice=False)
    axis = alt.Axis(values=ticks, format=",d", title="number of fighters (symmetric log scale, so 0 and "
                    f"{top:,} fit on one axis)", grid=True, labelFlush=False)
    x = lambda f: alt.X(f"{f}:Q", scale=x_scale, axis=axis)  # noqa: E731
    seen = (alt.condition(pick, alt.value(1.0), alt.value(_FADED)) if pick is not None else alt.value(1.0))
    base = alt.Chart(_data(rows)).encode(
        y=alt.Y("id:N", sort=[r["id"] for r in rows], axis=None), opacity=seen, tooltip=_tips(_EST_TIPS))
    layers = [
        base.mark_text(align="left", baseline="bottom", dy=-8, limit=width, fontSize=11).encode(
            x=alt.value(0), text="label:N"),
        base.transform_filter("isValid(datum.low)").mark_rule(strokeWidth=9, strokeCap="round").encode(
            x=x("low"), x2="high:Q", color=colour, opacity=alt.value(0.45) if pick is None else
            alt.condition(pick, alt.value(0.45), alt.value(_FADED / 2))),
        base.transform_filter("isValid(datum.open_from)").mark_rule(strokeDash=[4, 3], strokeWidth=1.6)
            .encode(x=x("open_from"), x2="open_to:Q", color=colour),
        base.transform_filter("isValid(datum.arrow)").mark_point(filled=True, size=70).encode(
            x=x("arrow_x"), shape=alt.Shape("arrow:N", scale=None), color=colour),
        base.transform_filter("isValid(datum.anchor)").mark_point(filled=True, size=120, strokeWidth=1.8)
            .encode(x=x("anchor"), stroke=colour,
                    fill=alt.condition("datum.copy", alt.value("white"), colour),
                    shape=alt.Shape("bound:N", title="bound", scale=alt.Scale(
                        domain=[v[0] for v in _BOUND.values()], range=[v[1] for v in _BOUND.values()]))),
    ]
    for side, align, dx in (("left", "right", -11), ("right", "left", 11)):
        layers.append(base.transform_filter(f"datum.side == '{side}'").mark_text(
            align=align, dx=dx, fontWeight="bold", fontSize=11).encode(x=x("label_x"), text="said:N"))
    return alt.layer(*layers).properties(width=width, height=alt.Step(38), title=title)


def _words_panel(rows, colour, title, pick=None, width=_WIDTH):
    """Claims made in words ('hundreds', 'most'): listed, not placed on a number line."""
    seen = (alt.condition(pick, alt.value(1.0), alt.value(_FADED)) if pick is not None else alt.value(1.0))
    base = alt.Chart(_data(rows)).encode(
        y=alt.Y("id:N", sort=[r["id"] for r in rows], axis=None), opacity=seen, tooltip=_tips(_EST_TIPS))
    return alt.layer(
        base.mark_point(filled=True, size=90, shape="square").encode(x=alt.value(6), color=colour),
        base.mark_text(align="left", fontWeight="bold", limit=100).encode(x=alt.value(18), text="words:N"),
        base.mark_text(align="left", baseline="top", dy=-7, lineHeight=14).encode(x=alt.value(125), text="what:N"),
    ).properties(width=width, height=alt.Step(34), title=title)


def estimates(ds: Dataset | None = None, **tables: pl.DataFrame) -> alt.VConcatChart:
    """Every numeric claim on one scale, by claimant (one panel per article of a corpus); claims in
    words, or counting another unit, listed below, not plotted.

    >>> chart = estimates()
    >>> "quote" in str(chart.to_dict()["vconcat"][0]["layer"][0]["encoding"]["tooltip"])
    True
    """
    ds = coerce(ds, **tables)
    numeric, words, top = _estimate_rows(ds)
    colour = _colour([r["key"] for r in numeric + words])
    panels = [_estimate_panel(rows, top, colour, title) for rows, title in (
        ([r for r in numeric if r["panel"] == key], title) for key, title in _panels(ds)) if rows]
    if words:
        panels.append(_words_panel(words, colour, "Said in words, or another unit (not placed on the scale)"))
    if not panels:
        raise ValueError("estimates(): no rows to draw")
    return theme.finish(
        alt.vconcat(*panels).resolve_scale(x="shared"),
        f"Every number in {ds.noun}, on one scale",
        f"● the number as said ({_main_unit(ds['estimates'])}) · dashed arrow: open-ended (a lower bound runs right, "
        "an upper bound left) · bar: a published range",
        "Hollow: another wording of a claim already shown (same_claim_as), not a second claim.", source=ds.source_line)


# --- timeline ---------------------------------------------------------------------------------------

_SHAPE_OF = {"day": "point", "days": "bar", "week": "bar", "range": "bar",
             "month": "span", "season": "span", "year": "span"}
_EV_TIPS = [("id", "event"), ("summary", "what"), ("dates", "when"), ("precision", "date precision"),
            ("year", "year"), ("who", "who"), ("statements", "statements"), ("quote", "quote"),
            ("paragraph", "paragraph"), ("note", "note")]


def _event_rows(events, statements, actors, noun: str = "the article", event_actors=None) -> tuple[list, list]:
    """(dated rows, undated rows): events with who and their statements; loose statements undated."""
    name = _names(actors, short=True)
    said: dict = {}
    for s in statements.sort("paragraph").to_dicts():
        said.setdefault(s["event_id"], []).append(s)
    took_part: dict = {}  # who the source credits with each event (the event_actors table)
    for a in event_actors.to_dicts() if event_actors is not None and "actor_ids" not in events.columns else []:
        took_part.setdefault(a["event_id"], []).append(a["actor_id"])
    dated, undated = [], []
    for e in events.sort("date_start", "paragraph", nulls_last=True).to_dicts():
        sts = said.get(e["event_id"], [])
        who = list(dict.fromkeys((e.get("actor_ids") or took_part.get(e["event_id"], [])) + [s["speaker_id"] for s in sts]))
        listed = [f"{s['statement_id']} {name.get(s['speaker_id'], s['speaker_id'])}: {s['summary']}" for s in sts]
        inferred = bool(e["year_inferred"])
        row = {
            "id": e["event_id"], "summary": e["summary"], "who_ids": who,
            "who": ", ".join(name.get(a, a) for a in who) or _NOT_STATED,
            "statements": " | ".join(listed[:4]) + (f" | … {len(listed) - 4} more" if len(listed) > 4 else ""),
            "quote": e["quote"] or "", "paragraph": e["paragraph"], "note": e["note"] or "",
            "precision": e["date_precision"], "inferred": inferred,
            "year": f"inferred ({noun} does not write it)" if inferred else f"in {noun}",
            "label": f"{e['summary']}{' †' if inferred else ''}"
                     + (f"  ({len(sts)} statement{'s' if len(sts) > 1 else ''})" if sts else ""),
        }
        shape = _SHAPE_OF.get(e["date_precision"])
        if shape is None or e["date_start"] is None:
            undated.append(row | {"label": f"{e['event_id']}  {row['label']}", "dates": "undated"})
            continue
        end = (e["date_end"] or e["date_start"]) + dt.timedelta(days=1)  # draw the last day in full
        row |= {"shape": shape, "start": _iso(e["date_start"]), "end": _iso(end),
                "dates": f"{e['date_start']:%d %b %Y} – {e['date_end'] or e['date_start']:%d %b %Y}"}
        dated.append(row)
    known = set(events["event_id"])
    for s in [s for key, sts in said.items() if key not in known for s in sts]:  # no event, or an unknown one
        undated.append({
            "id": s["statement_id"], "summary": s["summary"], "who_ids": [s["speaker_id"]],
            "who": name.get(s["speaker_id"], s["speaker_id"]), "statements": "", "quote": s["quote"] or "",
            "paragraph": s["paragraph"], "note": "statement not tied to any event", "precision": "unknown",
            "year": "", "dates": "undated", "inferred": False,
            "label": f"{s['statement_id']}  {name.get(s['speaker_id'], s['speaker_id'])}: {s['summary']}"})
    return dated, undated


def _time_scale(rows) -> list[str]:
    """The time axis' ends: 1 January of the first year, 20 days after the last event."""
    first = min(r["start"] for r in rows)[:4]
    last = dt.date.fromisoformat(max(r["end"] for r in rows)) + dt.timedelta(days=20)
    return [f"{first}-01-01", last.isoformat()]


def _timeline_panel(rows, title, highlight=None, width=_WIDTH + 80):
    """One row per dated event: a point for a day, a bar for a range, a faded span for a month."""
    scale = _time_scale(rows)
    axis = alt.Axis(title=None, format="%b", tickCount={"interval": "month", "step": 1}, labelExpr=(
        "[timeFormat(datum.value, '%b'), month(datum.value) == 0 ? timeFormat(datum.value, '%Y') : '']"))
    x = alt.X("start:T", axis=axis)  # the domain goes on one layer only (Vega-Lite would merge two copies)
    seen = alt.condition(highlight, alt.value(1.0), alt.value(_FADED)) if highlight else alt.value(1.0)
    base = alt.Chart(_data(rows)).encode(
        y=alt.Y("id:N", sort=[r["id"] for r in rows], axis=None), tooltip=_tips(_EV_TIPS))
    blue = theme.PALETTE[4]
    shapes = {r["shape"] for r in rows}
    on = lambda shape: base.transform_filter(f"datum.shape == '{shape}'")  # noqa: E731
    marks = {  # only the layers that have rows: an empty layer gives Vega an infinite extent
        "span": lambda: on("span").mark_bar(height=12, color=blue).encode(
            x=x, x2="end:T", opacity=alt.condition(highlight, alt.value(0.3), alt.value(0.06))
            if highlight else alt.value(0.3)),
        "bar": lambda: on("bar").mark_bar(height=7, color=blue, stroke=blue, strokeWidth=1.5).encode(
            x=x, x2="end:T", opacity=seen,
            fillOpacity=alt.condition("datum.inferred", alt.value(0.15), alt.value(1.0))),
        "point": lambda: on("point").mark_point(filled=True, size=90, strokeWidth=2, color=blue, stroke=blue).encode(
            x=x, opacity=seen, fill=alt.condition("datum.inferred", alt.value("white"), alt.value(blue))),
    }
    # The axis' ends come from two invisible points: an explicit scale domain plus an x2 channel makes
    # Vega-Lite warn "Conflicting scale property domain" in the browser console.
    ends = alt.Chart(_data([{"start": d} for d in scale])).mark_point(opacity=0).encode(
        x=alt.X("start:T", axis=axis, scale=alt.Scale(nice=False)))
    return alt.layer(
        base.mark_text(align="left", baseline="bottom", dy=-9, limit=width).encode(
            x=alt.value(0), text="label:N", opacity=seen),
        ends, *(make() for shape, make in marks.items() if shape in shapes),
    ).properties(width=width, height=alt.Step(34), title=title)


def _list_panel(rows, title, highlight=None, width=_WIDTH + 80):
    seen = alt.condition(highlight, alt.value(1.0), alt.value(_FADED)) if highlight else alt.value(1.0)
    return alt.Chart(_data(rows)).mark_text(align="left", limit=width).encode(
        x=alt.value(0), y=alt.Y("id:N", sort=[r["id"] for r in rows], axis=None), text="label:N",
        opacity=seen, tooltip=_tips(_EV_TIPS)).properties(width=width, height=alt.Step(20), title=title)


def _timeline_key(width=_WIDTH + 80):
    """A legend for the mark types, which Vega-Lite cannot build across layers."""
    blue = theme.PALETTE[4]
    items = [("point", 8, "a day", True), ("point", 70, "a day, year inferred", False),
             ("bar", 210, "days, a week or a range", True), ("bar", 390, "…, year inferred", False),
             ("span", 520, "only the month, season or year", True)]
    rows = [{"k": k, "x": x, "t": t, "solid": s} for k, x, t, s in items]
    base = alt.Chart(_data(rows))
    pick = lambda k: base.transform_filter(f"datum.k == '{k}'")  # noqa: E731
    return alt.layer(
        pick("point").mark_point(filled=True, size=90, strokeWidth=2, color=blue, stroke=blue).encode(
            x=alt.X("x:Q", scale=None), fill=alt.condition("datum.solid", alt.value(blue), alt.value("white"))),
        pick("bar").mark_bar(height=7, color=blue, stroke=blue, strokeWidth=1.5).encode(
            x=alt.X("x:Q", scale=None), x2=alt.X2("x2:Q"),
            fillOpacity=alt.condition("datum.solid", alt.value(1.0), alt.value(0.15))
        ).transform_calculate(x2="datum.x + 26"),
        pick("span").mark_bar(height=12, color=blue, opacity=0.3).encode(
            x=alt.X("x:Q", scale=None), x2=alt.X2("x2:Q")).transform_calculate(x2="datum.x + 26"),
        base.mark_text(align="left", dx=12).encode(
            x=alt.X("tx:Q", scale=None), text="t:N").transform_calculate(
            tx="datum.k == 'point' ? datum.x : datum.x + 26"),
    ).properties(width=width, height=22)


def timeline(ds: Dataset | None = None, **tables: pl.DataFrame) -> alt.VConcatChart:
    """Events and statements over time, date precision visible; undated ones listed below.

    >>> chart = timeline()
    >>> len(chart.to_dict()["vconcat"])
    3
    """
    ds = coerce(ds, **tables)
    dated, undated = _event_rows(ds["events"], ds["statements"], ds["actors"], ds.noun,
                                 ds["event_actors"] if "event_actors" in ds else None)
    panels = [_timeline_key()]
    if dated:
        panels.append(_timeline_panel(dated, "Dated"))
    if undated:
        panels.append(_list_panel(undated, f"Undated: no date in {ds.noun} (not placed on the time axis)"))
    if len(panels) == 1:
        raise ValueError("timeline(): no events or statements to draw")
    return theme.finish(alt.vconcat(*panels, spacing=14),
                        f"What happened when, as precisely as {ds.noun} dates it",
                        f"† and hollow marks: the year is inferred, not written in {ds.noun}. "
                        "Statements are counted on the occasion they were made; hover for them.", source=ds.source_line)


# --- actors -----------------------------------------------------------------------------------------

_KINDS = ["person", "armed_group", "government_body", "state", "media", "collective",
          "research_organisation", "place"]


def _layers(nodes: list, edges: list) -> tuple[dict, dict]:
    """Layered layout, left to right: longest-path layers, dummy points on long edges, barycentre order.

    Returns (layer -> ordered members, edge -> chain of members from source to target).
    """
    layer = dict.fromkeys(nodes, 0)
    for _ in nodes:  # longest path from the sources; a cycle stops after len(nodes) rounds
        changed = False
        for s, o in edges:
            if layer[o] < layer[s] + 1 <= len(nodes):
                layer[o], changed = layer[s] + 1, True
        if not changed:
            break
    chains = {}
    for s, o in edges:
        lo, hi = sorted((layer[s], layer[o]))
        chains[(s, o)] = [s, *(("via", s, o, k) for k in range(lo + 1, hi)), o]
        layer.update({d: k for k, d in zip(range(lo + 1, hi), chains[(s, o)][1:-1])})
    cols: dict = {}
    for n, k in layer.items():
        cols.setdefault(k, []).append(n)
    links: dict = {}
    for chain in chains.values():
        for a, b in zip(chain, chain[1:]):
            links.setdefault(a, []).append(b)
            links.setdefault(b, []).append(a)
    for sweep in range(12):  # barycentre heuristic, alternating directions
        forward = sweep % 2 == 0
        for k in sorted(cols, reverse=not forward)[1:]:
            pos = {n: i for i, n in enumerate(cols.get(k - 1 if forward else k + 1, []))}
            def bary(i, n):  # noqa: E306
                near = [pos[m] for m in links.get(n, []) if m in pos]
                return (sum(near) / len(near) if near else i, i)
            cols[k] = [n for i, n in sorted(enumerate(cols[k]), key=lambda t: bary(*t))]
    return dict(sorted(cols.items())), chains


def _heights(cols: dict, chains: dict, size: dict, gap: float) -> dict:
    """Vertical centres: each member near the mean of its neighbours, never closer than ``gap``."""
    links: dict = {}
    for chain in chains.values():
        for a, b in zip(chain, chain[1:]):
            links.setdefault(a, []).append(b)
            links.setdefault(b, []).append(a)
    y: dict = {}
    def place(col, want):  # noqa: E306
        out = []
        for i, n in enumerate(col):
            lowest = out[-1] + (size[col[i - 1]] + size[n]) / 2 + gap if out else -math.inf
            out.append(max(want[n], lowest))
        shift = sum(o - want[n] for o, n in zip(out, col)) / len(col)
        y.update({n: o - shift for o, n in zip(out, col)})
    for k, col in cols.items():  # start: stacked
        place(col, {n: i * 40.0 for i, n in enumerate(col)})
    for sweep in range(6):
        for k in (list(cols) if sweep % 2 == 0 else list(cols)[::-1]):
            want = {n: (sum(y[m] for m in links.get(n, [])) / len(links[n]) if links.get(n) else y[n])
                    for n in cols[k]}
            place(cols[k], want)
    return y


def _spread(labels: list[dict], gap: float = 11.5, char: float = 5.6) -> None:
    """Push edge labels down until no two overlap: each is a box (its longest line wide, one line per
    ``gap`` high, centred on x; ``y`` is the bottom of its first line)."""
    placed: list[tuple[float, float, float, float]] = []
    for r in sorted(labels, key=lambda r: (r["y"], r["x"])):
        w, h = max(len(t) for t in r["text"]) * char + 6, gap * len(r["text"])
        while True:
            top = r["y"] - gap
            clash = [p for p in placed if abs(p[0] - r["x"]) < (p[1] + w) / 2 and top < p[3] + 5 and p[2] < top + h + 5]
            if not clash:
                break
            r["y"] = max(p[3] for p in clash) + 5 + gap
        placed.append((r["x"], w, r["y"] - gap, r["y"] - gap + h))


def actors(ds: Dataset | None = None, **tables: pl.DataFrame) -> alt.LayerChart:
    """Who leads, heads, backs or designates whom: a layered network with a fixed layout.

    >>> chart = actors()
    >>> chart.to_dict()["title"]["text"]
    'Who is who: the relations the article states'
    """
    ds = coerce(ds, **tables)
    rel, act, pla = ds["relations"], ds["actors"], ds["places"]
    rel = rel.filter(~pl.col("subject_type").cast(pl.String).is_in(["event"]))  # event order is drawn by timeline()
    info = {a["actor_id"]: (a["name"], a["kind"], a["role"] or "") for a in act.to_dicts()}
    info |= {p["place_id"]: (p["name"], "place", p["kind"]) for p in pla.to_dicts()}
    grouped: dict = {}
    for r in rel.sort("paragraph").to_dicts():
        grouped.setdefault((r["subject_id"], r["object_id"]), []).append(r)
    if not grouped:
        raise ValueError("actors(): no relations to draw")
    nodes = list(dict.fromkeys(n for e in grouped for n in e))
    cols, chains = _layers(nodes, list(grouped))
    char, line, pad, gap_x = 6.1, 13, 9, 120
    lines = {n: _wrap(info.get(n, (n,))[0]) for n in nodes}
    wide = {n: max(len(s) for s in lines[n]) * char + 14 for n in nodes}
    size = {n: pad + line * len(lines[n]) if n in lines else 6 for col in cols.values() for n in col}
    y = _heights(cols, chains, size, gap=12)
    top = min(y[n] - size[n] / 2 for n in y) - 20
    left, right, x = {}, {}, 10.0
    for k, col in cols.items():
        left[k], right[k] = x, x + max([wide[n] for n in col if n in wide] + [40])
        x = right[k] + gap_x
    layer = {n: k for k, col in cols.items() for n in col}
    node_rows = []
    for n in nodes:
        nx, ny = left[layer[n]], y[n] - top
        name, kind, role = info.get(n, (n, "place", ""))
        node_rows.append({"x": nx, "x2": nx + wide[n], "y": ny - size[n] / 2, "y2": ny + size[n] / 2,
                          "tx": nx + 7, "ty": ny - line / 2 * (len(lines[n]) - 1), "lines": lines[n],
                          "name": name, "kind": kind.replace("_", " "), "role": role})
    edge_rows, label_rows = [], []
    for (s, o), rs in grouped.items():
        chain, forward = chains[(s, o)], layer[o] > layer[s]
        pts = [(left[layer[n]], y[n] - top) for n in chain]
        start = (pts[0][0] + (wide[s] if forward else 0), pts[0][1])
        end = (pts[-1][0] + (0 if forward else wide[o]), pts[-1][1])
        step = 25 if forward else -25
        via = [p for n, (px, py) in zip(chain[1:-1], pts[1:-1]) for p in ((px - 10, py), (px + 50, py))]
        route = [start, (start[0] + step, start[1]), *via, (end[0] - step, end[1]), end]
        edge_rows += [{"edge": f"{s}>{o}", "i": i, "x": px, "y": py} for i, (px, py) in enumerate(route)]
        (ax, ay), (bx, by) = route[1], route[2]
        lx = (right[layer[s]] + gap_x / 2) if forward else (ax + bx) / 2  # the gap after the source's column
        ly = ay + (by - ay) * min(max((lx - ax) / ((bx - ax) or 1), 0), 1)
        text = _wrap("; ".join(r["predicate"].replace("_", " ") for r in rs), 16)
        label_rows.append({
            "x": lx, "y": ly - 4 - 11.5 * (len(text) - 1), "ax": end[0], "ay": end[1], "text": text,
            "relation": f"{info.get(s, (s,))[0]} → {info.get(o, (o,))[0]}",
            "quote": " | ".join(r["quote"] or "" for r in rs),
            "paragraph": ", ".join(str(r["paragraph"]) for r in rs),
            "note": " | ".join(r["note"] or "" for r in rs if r["note"])})
    _spread(label_rows)
    width = max(r["x2"] for r in node_rows) + 10
    height = max(r["y2"] for r in node_rows) + 20
    xs = alt.Scale(domain=[0, width], nice=False, zero=False)
    ys = alt.Scale(domain=[0, height], nice=False, zero=False, reverse=True)
    X = lambda f: alt.X(f"{f}:Q", scale=xs, axis=None)  # noqa: E731
    Y = lambda f: alt.Y(f"{f}:Q", scale=ys, axis=None)  # noqa: E731
    kinds = [k.replace("_", " ") for k in _KINDS]
    colour = alt.Color("kind:N", title="kind", scale=alt.Scale(domain=kinds, range=theme.PALETTE + [theme.GREY]))
    tips = [alt.Tooltip("relation:N"), alt.Tooltip("text:N", title="stated as"), alt.Tooltip("quote:N"),
            alt.Tooltip("paragraph:N"), alt.Tooltip("note:N")]
    grey = "#8A8A8A"
    chart = alt.layer(
        alt.Chart(_data(edge_rows)).mark_line(interpolate="basis", color=grey, strokeWidth=1.3).encode(
            x=X("x"), y=Y("y"), detail="edge:N", order="i:Q"),
        alt.Chart(_data(label_rows)).mark_point(shape="triangle-right", filled=True, size=40, color=grey,
                                                xOffset=-3).encode(x=X("ax"), y=Y("ay")),
        alt.Chart(_data(label_rows)).mark_text(fontSize=10, fontStyle="italic", color="#505050",
                                               baseline="bottom", lineHeight=11.5).encode(
            x=X("x"), y=Y("y"), text="text:N", tooltip=tips),
        alt.Chart(_data(node_rows)).mark_rect(cornerRadius=4, strokeWidth=1.5, fillOpacity=0.2).encode(
            x=X("x"), x2="x2:Q", y=Y("y"), y2="y2:Q", fill=colour, stroke=colour,
            tooltip=[alt.Tooltip("name:N"), alt.Tooltip("kind:N"), alt.Tooltip("role:N", title="role / kind")]),
        alt.Chart(_data(node_rows)).mark_text(align="left", baseline="middle", lineHeight=line, fontSize=11,
                                              color="#111111").encode(x=X("tx"), y=Y("ty"), text="lines:N"),
    ).properties(width=width, height=height)
    loose = [_short(info[a][0]) for a in act["actor_id"] if a not in nodes and a in info]
    return theme.finish(
        chart, f"Who is who: the relations {ds.noun} states",
        f"Read left to right: subject → object; the label says how {ds.noun} puts it. Hover a label for the quote.",
        f"Not drawn, no stated relation ({len(loose)}): {', '.join(loose)}." if loose else "", source=ds.source_line)


# --- mentions ---------------------------------------------------------------------------------------

def mentions(ds: Dataset | None = None, **tables: pl.DataFrame) -> alt.VConcatChart:
    """How often each actor and place is named, paragraph by paragraph (heatmap + totals); for a corpus,
    article by article.

    >>> chart = mentions()
    >>> chart.to_dict()["title"]["text"]
    'Who and where the article names, paragraph by paragraph'
    """
    ds = coerce(ds, **tables)
    men, seg = ds["mentions"], ds["segments"].filter(pl.col("counted"))
    names = {**dict(zip(ds["places"]["place_id"], ds["places"]["name"])), **_names(ds["actors"])}
    by_source = men["source_id"].n_unique() > 1
    if by_source:
        label = {r["source_id"]: f"{r['source_id']}" for r in ds.articles().to_dicts()}
        men = men.with_columns(pl.col("source_id").replace_strict(label, default=pl.col("source_id")).alias("article"))
        columns, x_title = list(dict.fromkeys(label[s] for s in ds.articles()["source_id"] if s in set(men["source_id"]))), "article"
    else:

        columns = sorted({p for s in seg.to_dicts() for p in range(s["paragraph_start"], s["paragraph_end"] + 1)}
                         | set(men["paragraph"].drop_nulls()))
        parts = ", ".join(f"{s['paragraph_start']}" + (f"–{s['paragraph_end']}" if s["paragraph_end"] != s["paragraph_start"]
                          else "") + f" {s['kind']}" for s in seg.sort("paragraph_start").to_dicts())
        x_title = f"paragraph ({parts})"
    where = "article" if by_source else "paragraph"
    counts = (men.group_by("entity_id", "entity_type", where).len("n")
              .with_columns(pl.col("entity_type").cast(pl.String)).sort("entity_id", where))
    first = men.group_by("entity_id", "entity_type").agg(pl.col("char_start").min().alias("first"),
                                                          pl.col("source_id").min().alias("src"))
    order = (counts.group_by("entity_id", "entity_type").agg(pl.col("n").sum().alias("total"))
             .join(first.with_columns(pl.col("entity_type").cast(pl.String)), on=["entity_id", "entity_type"])
             .sort("src", "first", "total", "entity_id", descending=[False, False, True, False]))
    top = int(counts["n"].max() or 1)
    most = int(order["total"].max() or 1)
    step = 17 if len(columns) <= 40 else max(4, int(700 / len(columns)))
    panels = []
    for kind, title in (("actor", "Actors"), ("place", "Places")):
        ids = order.filter(pl.col("entity_type") == kind)
        if ids.is_empty():
            continue
        label = {e: names.get(e, e) for e in ids["entity_id"]}
        cells = [r | {"name": label[r["entity_id"]]} for r in counts.filter(pl.col("entity_type") == kind).to_dicts()]
        y = alt.Y("name:N", sort=[label[e] for e in ids["entity_id"]], title=None,
                  axis=alt.Axis(labelLimit=230, minExtent=235))
        legend = (alt.Legend(type="symbol", values=list(range(1, top + 1)), format="d", symbolType="square",
                             symbolSize=160, direction="horizontal") if top <= 12 else alt.Legend(format="d"))
        heat = alt.Chart(_data(cells)).mark_rect(stroke="white", strokeWidth=1 if step > 8 else 0).encode(
            x=alt.X(f"{where}:O", scale=alt.Scale(domain=columns), title=x_title,
                    axis=alt.Axis(labelAngle=0 if not by_source else -40, labelLimit=120,
                                  labelOverlap=True)),
            y=y, color=alt.Color("n:Q", title="mentions", scale=alt.Scale(scheme=theme.SEQUENTIAL, domain=[0, top]),
                                 legend=legend),
            tooltip=[alt.Tooltip("name:N"), alt.Tooltip(f"{where}:O"),
                     alt.Tooltip("n:Q", title="mentions")],
        ).properties(width=alt.Step(step), height=alt.Step(17), title=title, view=alt.ViewBackground(fill="#F4F4F4"))
        totals = [{"name": label[e], "total": t} for e, t in zip(ids["entity_id"], ids["total"])]
        bars = alt.Chart(_data(totals)).encode(y=alt.Y("name:N", sort=[t["name"] for t in totals], axis=None),
                                               x=alt.X("total:Q", title="in all", scale=alt.Scale(domain=[0, most]),
                                                      axis=alt.Axis(tickMinStep=5)))
        bars = (bars.mark_bar(color=theme.PALETTE[4], height=11)
                + bars.mark_text(align="left", dx=3, fontSize=10).encode(text="total:Q")).properties(
            width=90, height=alt.Step(17))
        panels.append(alt.hconcat(heat, bars, spacing=6))
    if not panels:
        raise ValueError("mentions(): no mentions to draw")
    return theme.finish(alt.vconcat(*panels).resolve_scale(color="shared"),
                        f"Who and where {ds.noun} names, " + ("article by article" if by_source else "paragraph by paragraph"),
                        "Rows in order of first mention; every spelling and abbreviation counts (see aliases).",
                        source=ds.source_line)


# --- dashboard --------------------------------------------------------------------------------------

def _activity(est, event_rows, statements, actors) -> list[dict]:
    """Per actor: how many claims, events and statements it has (the dashboard's picker)."""
    name = _names(actors, short=True)
    count: dict = {}
    for i, ids in enumerate((est["claimant_id"].drop_nulls(), [a for r in event_rows for a in r["who_ids"]],
                             statements["speaker_id"].drop_nulls())):
        for a in ids:
            count.setdefault(a, [0, 0, 0])[i] += 1
    rows = [{"actor_id": a, "name": name.get(a, a), "claims": c[0], "events": c[1], "statements": c[2],
             "total": sum(c)} for a, c in count.items()]
    return sorted(rows, key=lambda r: (-r["total"], r["name"]))


def dashboard(ds: Dataset | None = None, actor: str | None = None, **tables: pl.DataFrame) -> alt.VConcatChart:
    """Click an actor: its claims and events light up, the rest fades (double-click clears).

    ``actor`` pre-selects one (e.g. ``"melikov"``) for a static picture.

    >>> spec = dashboard(actor="melikov").to_dict()
    >>> spec["params"][0]["value"]
    [{'actor_id': 'melikov'}]
    """
    ds = coerce(ds, **tables)
    est, act, sts = ds["estimates"], ds["actors"], ds["statements"]
    numeric, words, top = _estimate_rows(ds)
    dated, undated = _event_rows(ds["events"], sts, act, ds.noun, ds["event_actors"] if "event_actors" in ds else None)
    pick = alt.selection_point(name=_PICK, fields=["actor_id"], on="click", clear="dblclick", toggle=False,
                               value=[{"actor_id": actor}] if actor else alt.Undefined)
    activity = _activity(est, dated + undated, sts, act)
    bars = alt.Chart(_data(activity)).encode(
        y=alt.Y("name:N", sort=[r["name"] for r in activity], title=None, axis=alt.Axis(labelLimit=220)),
        x=alt.X("total:Q", title="claims + events + statements (click a bar)", axis=alt.Axis(tickMinStep=1)),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.3)),
        tooltip=[alt.Tooltip("name:N", title="actor"), *_tips([(k, k) for k in ("claims", "events", "statements")])])
    picker = (bars.mark_bar(height=12, cursor="pointer", color=theme.INK).add_params(pick)
              + bars.mark_text(align="left", dx=3, fontSize=10).encode(text="total:Q")).properties(
        width=_WIDTH - 300, height=alt.Step(16), title="Pick an actor")
    in_pick = f"!isDefined({_PICK}.actor_id) || indexof(datum.who_ids, {_PICK}.actor_id[0]) >= 0"
    colour = _colour([r["key"] for r in numeric + words])
    panels = [picker] + ([_estimate_panel(numeric, top, colour, "Their numbers", pick=pick)] if numeric else [])
    if words:
        panels.append(_words_panel(words, colour, "Their claims in words", pick=pick))
    if dated:
        panels.append(_timeline_panel(dated, "Their events and statements over time", highlight=in_pick))
    if undated:
        panels.append(_list_panel(undated, "Undated", highlight=in_pick))
    return theme.finish(alt.vconcat(*panels),
                        "One actor's claims and events", "Click a bar to pick an actor; double-click to clear.",
                        source=ds.source_line)
