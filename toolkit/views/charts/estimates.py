"""Every number in the text on one scale: bounds, claimants, units (``charts.estimates``)."""

from __future__ import annotations

import math

import altair as alt
import polars as pl

from toolkit.views import theme
from toolkit.dataset import Dataset, coerce, describe_source
from toolkit.views.charts.common import _BOUND, _ELSEWHERE, _EST_TIPS, _FADED, _NOT_STATED, _WIDTH, _data, _names, _tips, _wrap
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
        raise CannotDraw("estimates(): no rows to draw")
    return theme.finish(
        alt.vconcat(*panels).resolve_scale(x="shared"),
        f"Every number in {ds.noun}, on one scale",
        f"● the number as said ({_main_unit(ds['estimates'])}) · dashed arrow: open-ended (a lower bound runs right, "
        "an upper bound left) · bar: a published range",
        "Hollow: another wording of a claim already shown (same_claim_as), not a second claim.", source=ds.source_line)
