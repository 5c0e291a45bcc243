"""What happened when, with each date's precision (``charts.timeline``)."""

from __future__ import annotations

import datetime as dt

import altair as alt
import polars as pl

from toolkit.views import theme
from toolkit.dataset import Dataset, coerce
from toolkit.views.charts.common import _FADED, _NOT_STATED, _WIDTH, _data, _iso, _names, _tips
from toolkit.core.errors import CannotDraw


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
        raise CannotDraw("timeline(): no events or statements to draw")
    return theme.finish(alt.vconcat(*panels, spacing=14),
                        f"What happened when, as precisely as {ds.noun} dates it",
                        f"† and hollow marks: the year is inferred, not written in {ds.noun}. "
                        "Statements are counted on the occasion they were made; hover for them.", source=ds.source_line)
