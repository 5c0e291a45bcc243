"""Every number in the text on one scale: bounds, claimants, units (``charts.estimates``)."""

from __future__ import annotations

import math

import altair as alt
import polars as pl

from toolkit.views import theme
from toolkit.dataset import Dataset, coerce, describe_source
from toolkit.core.dates import phrase
from toolkit.views.charts.common import (
    _BOUND, _DASHED, _ELSEWHERE, _EST_TIPS, _FADED, _HOLLOW, _NOT_STATED, _WIDTH, _axis_title, _certainty, _certainty_key,
    _data, _hedged, _limit, _names, _tips, _title, _unit_name, _wrap,
)
from toolkit.core.errors import CannotDraw


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


def _estimate_rows(ds: Dataset) -> tuple[list, list, dict]:
    """(numeric rows, word rows, axis end per unit) for the estimates views; ``panel`` is the article's source id
    (one panel per article of a corpus) or "context", ``unit`` what the number counts (one scale per unit)."""
    est, actors, places, sources = ds["estimates"], ds["actors"], ds["places"], ds["sources"]
    who, where = _names(actors, short=True), dict(zip(places["place_id"], places["name"]))
    article = set(ds.articles()["source_id"])
    titles = dict(zip(sources["source_id"], sources["publisher"]))
    own = set(est.filter(pl.col("source_id").is_in(list(article)))["claimant_id"].drop_nulls())
    numeric, words = [], []
    for r in est.to_dicts():
        n, claimant = _anchor(r), who.get(r["claimant_id"], r["claimant_id"]) or _NOT_STATED
        via = who.get(r.get("reported_via_id"), r.get("reported_via_id"))
        in_article = r["source_id"] in article
        theatres = ", ".join(where.get(t, t) for t in r.get("theatre_place_ids") or [])
        place = (where.get(r.get("origin_place_id"), r.get("origin_place_id"))  # else who: a population is no place
                 or (str(r["population"]).replace("_", " ") + ", origin not stated" if r.get("population") else "?"))
        said_in = where.get(r.get("claim_place_id"), r.get("claim_place_id"))
        said_on = phrase(r.get("claim_date_start"), r.get("claim_date_end"), r.get("claim_date_precision"),
                         year_inferred=bool(r.get("year_inferred")), date_inferred=bool(r.get("date_inferred")))
        period = phrase(r.get("period_start"), r.get("period_end"), r.get("period_precision"),
                        date_inferred=bool(r.get("period_inferred")))
        unit, certainty = _unit_name(r.get("unit")), _certainty(r)
        row = {
            "id": r["estimate_id"], "actor_id": r["claimant_id"],
            "claimant": claimant + (f" (via {via})" if via and via != claimant else ""),
            "key": claimant if r["claimant_id"] in own else (_NOT_STATED if r["claimant_id"] is None else _ELSEWHERE),
            "counted": f"{r['counted']} ({unit})", "said": _said(r, n), "unit": unit, "certainty": certainty,
            "hedged": _hedged(certainty), "said_on": said_on,
            "period": " ".join(x for x in (r.get("period") or "", "" if period == "date not stated" else f"({period})")
                               if x) or "not stated",
            "where": f"{place} → {theatres or '?'}" + (f"; said in {said_in}" if said_in else ""),
            "quote": r["quote"] or "(not from the article)", "paragraph": r["paragraph"],
            "source": titles.get(r["source_id"], r["source_id"]), "note": r["note"] or "",
            "copy": r.get("same_claim_as") is not None, "panel": r["source_id"] if in_article else "context",
            "label": f"{r['estimate_id']}  {claimant}: {r['counted']}"
                     + ("" if in_article or said_on == "date not stated" else f" · {said_on}")
                     + (f"  [{certainty}]" if _hedged(certainty) else "")
                     + (f"  [same claim as {r['same_claim_as']}]" if r.get("same_claim_as") else "")
                     + (f"  [part of {r['subset_of']}]" if r.get("subset_of") else ""),
        }
        ranged = r["value_low"] is not None and r["value_high"] is not None
        if r["bound"] == "vague" or (n is None and not ranged):
            words.append(row | {"words": f"“{r['qualifier'] or '?'}”", "what": _wrap(f"{claimant}: {r['counted']} ({unit})", 72)[:2]})
            continue
        numeric.append(row | {"anchor": n, "low": r["value_low"] if ranged else None,
                              "high": r["value_high"] if ranged else None, "bound": _BOUND[r["bound"]][0],
                              "label_x": r["value_low"] if ranged else n,
                              "side": "left" if r["bound"] == "lower" or ranged else "right",
                              "open": r["bound"] if r["bound"] in ("lower", "upper") else None})
    tops = {u: _top([v for r in numeric if r["unit"] == u for v in (r["anchor"], r["low"], r["high"])])
            for u in _units(numeric)}
    for row in numeric:  # open bounds run to the axis end they point at
        top = tops[row["unit"]]
        row["open_from"], row["open_to"], row["arrow_x"], row["arrow"] = {
            "lower": (row["anchor"], top, top, "triangle-right"), "upper": (0, row["anchor"], 0, "triangle-left"),
        }.get(row.pop("open"), (None, None, None, None))
    return numeric, words, tops


def _units(rows) -> list[str]:
    """The units of the numeric claims, the most claimed first (each gets its own scale)."""
    count: dict = {}
    for r in rows:
        count[r["unit"]] = count.get(r["unit"], 0) + 1
    return sorted(count, key=lambda u: (-count[u], u))


def _panels(ds: Dataset) -> list[tuple[str, str]]:
    """(panel key, title) for the estimate panels: one per article, then the context estimates."""
    arts = ds.articles().to_dicts()
    if len(arts) == 1:
        return [(arts[0]["source_id"], f"In {ds.noun}"), ("context", f"Published elsewhere (context, not in {ds.noun})")]
    return [(a["source_id"], "In " + (a.get("credit") or describe_source(a, short=True)).removeprefix("Source: "))
            for a in arts] + [("context", f"Published elsewhere (context, in none of {ds.noun})" if arts else
                               "Published elsewhere (context)")]


def _colour(keys, field: str = "key", title: str = "claimant"):
    keys = list(keys)  # the legend lists only the keys drawn: no "published elsewhere" without a context row
    mapping = theme.colours(keys, fixed={k: v for k, v in ((_NOT_STATED, theme.GREY), (_ELSEWHERE, theme.INK)) if k in keys})
    return alt.Color(f"{field}:N", title=title, legend=alt.Legend(symbolOpacity=1),
                     scale=alt.Scale(domain=list(mapping), range=list(mapping.values())))


def _estimate_panel(rows, top, colour, title, pick=None, width="container", unit="fighters"):
    """One row per claim: label above, range bar, dashed open bound with arrow, point, the words.

    Hollow points and dashed bars: a certainty the text does not establish (claimed, alleged...); a small point:
    another wording of a claim already shown."""
    ticks = [v for v in (0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000,
                         100000) if v <= top]
    x_scale = alt.Scale(type="symlog", domain=[0, top], nice=False)
    axis = alt.Axis(values=ticks, format=",d", title=f"{_axis_title(unit)} (log scale)", grid=True,
                    labelFlush=False, labelOverlap="greedy")
    x = lambda f: alt.X(f"{f}:Q", scale=x_scale, axis=axis)  # noqa: E731
    seen = (alt.condition(pick, alt.value(1.0), alt.value(_FADED)) if pick is not None else alt.value(1.0))
    base = alt.Chart(_data(rows)).encode(
        y=alt.Y("id:N", sort=[r["id"] for r in rows], axis=None), opacity=seen, tooltip=_tips(_EST_TIPS))
    layers = [
        base.mark_text(align="left", baseline="bottom", dy=-8, limit=_limit(width), fontSize=11).encode(
            x=alt.value(0), text="label:N"),
        base.transform_filter("isValid(datum.low)").mark_rule(strokeWidth=9).encode(
            x=x("low"), x2="high:Q", color=colour, strokeDash=_DASHED, opacity=alt.value(0.45) if pick is None else
            alt.condition(pick, alt.value(0.45), alt.value(_FADED / 2))),
        base.transform_filter("isValid(datum.open_from)").mark_rule(strokeDash=[4, 3], strokeWidth=1.6)
            .encode(x=x("open_from"), x2="open_to:Q", color=colour),
        base.transform_filter("isValid(datum.arrow)").mark_point(filled=True, size=70).encode(
            x=x("arrow_x"), shape=alt.Shape("arrow:N", scale=None), color=colour),
        base.transform_filter("isValid(datum.anchor)").mark_point(strokeWidth=1.8)
            .encode(x=x("anchor"), stroke=colour, fill=colour, fillOpacity=_HOLLOW,
                    size=alt.condition("datum.copy", alt.value(50), alt.value(120)),
                    shape=alt.Shape("bound:N", title="bound", scale=alt.Scale(
                        domain=[v[0] for v in _BOUND.values()], range=[v[1] for v in _BOUND.values()]))),
    ]
    for side, align, dx in (("left", "right", -11), ("right", "left", 11)):
        layers.append(base.transform_filter(f"datum.side == '{side}'").mark_text(
            align=align, dx=dx, fontWeight="bold", fontSize=11).encode(x=x("label_x"), text="said:N"))
    return alt.layer(*layers).properties(width=width, height=alt.Step(38), title=_title(title, width))


def _words_panel(rows, colour, title, pick=None, width="container"):
    """Claims made in words ('hundreds', 'most'): listed, not placed on a number line."""
    seen = (alt.condition(pick, alt.value(1.0), alt.value(_FADED)) if pick is not None else alt.value(1.0))
    base = alt.Chart(_data(rows)).encode(
        y=alt.Y("id:N", sort=[r["id"] for r in rows], axis=None), opacity=seen, tooltip=_tips(_EST_TIPS))
    return alt.layer(
        base.mark_point(size=90, shape="square", strokeWidth=1.8).encode(
            x=alt.value(6), color=colour, fill=colour, fillOpacity=_HOLLOW),
        base.mark_text(align="left", fontWeight="bold", limit=100).encode(x=alt.value(18), text="words:N"),
        base.mark_text(align="left", baseline="top", dy=-7, lineHeight=14, limit=_limit(width, 125)).encode(
            x=alt.value(125), text="what:N"),
    ).properties(width=width, height=alt.Step(34), title=_title(title, width))


def estimates(ds: Dataset | None = None, **tables: pl.DataFrame) -> alt.VConcatChart:
    """Every numeric claim by claimant, on one scale per unit (fighters, deaths, ... each with its own axis), one
    panel per article of a corpus; claims in words listed below, not plotted.

    >>> chart = estimates()
    >>> "quote" in str(chart.to_dict()["vconcat"][0]["layer"][0]["encoding"]["tooltip"])
    True
    """
    ds = coerce(ds, **tables)
    numeric, words, tops = _estimate_rows(ds)
    colour = _colour([r["key"] for r in numeric + words])
    units, panels = _units(numeric), []
    for unit in units:
        for key, title in _panels(ds):
            rows = [r for r in numeric if r["panel"] == key and r["unit"] == unit]
            if rows:
                title = title + (f": {unit}" if len(units) > 1 else "")
                panels.append(_estimate_panel(rows, tops[unit], colour, title, unit=unit))
    if words:
        panels.append(_words_panel(words, colour, "Said in words (not placed on a scale)"))
    key = _certainty_key([r["certainty"] for r in numeric + words])
    if key is not None:
        panels.append(key)
    if not panels:
        raise CannotDraw("estimates(): no rows to draw")
    counted = " and ".join(units) or "the counts"
    scale = ("one scale" if len(units) <= 1 else f"one scale per unit ({', '.join(units)})")
    return theme.finish(
        alt.vconcat(*panels).resolve_scale(x="independent" if len(units) > 1 else "shared"),
        f"Every number in {ds.noun}, on {scale}",
        f"● the number as said ({counted}; log scale, so that 0 and large numbers fit) · dashed arrow: open-ended "
        "(a lower bound runs right, an upper bound left) · bar: a published range.",
        "Hollow point or dashed bar: the text does not establish it (claimed, alleged, ...). Small point: another "
        "wording of a claim already shown (same_claim_as), not a second claim.",
        source=ds.source_line, width=_WIDTH, least=300)
