"""What happened when, with each date's precision (``charts.timeline``)."""

from __future__ import annotations

import datetime as dt

import altair as alt
import polars as pl

from toolkit.views import theme
from toolkit.dataset import Dataset, coerce
from toolkit.core.dates import bound_of, phrase
from toolkit.views.charts.common import (
    _DASHED, _FADED, _HOLLOW, _NOT_STATED, _WIDTH, _certainty, _data, _hedged, _iso, _limit, _names, _tips, _title,
    _verb,
)
from toolkit.core.errors import CannotDraw


_SHAPE_OF = {"day": "point", "days": "bar", "week": "bar", "range": "bar",
             "month": "span", "season": "span", "year": "span",
             "before": "open", "after": "open", "on_or_after": "open"}
_OPEN_DAYS = 60  # how far an open interval ("before 26 March") is drawn from its one known date, fading out
_EV_TIPS = [("id", "event"), ("summary", "what"), ("dates", "when"), ("precision", "date precision"),
            ("year", "year"), ("certainty", "certainty"), ("who", "who"), ("statements", "statements"),
            ("quote", "quote"), ("paragraph", "paragraph"), ("note", "note")]


def _published(sources) -> dict:
    """source_id -> the last day it may have been published (what it reports happened by then)."""
    if sources is None or "published_start" not in sources.columns:
        return {}
    ends = [c for c in ("published_end", "published_start") if c in sources.columns]
    return {r["source_id"]: next((r[c] for c in ends if r[c] is not None), None) for r in sources.to_dicts()}


def _event_rows(events, statements, actors, noun: str = "the article", event_actors=None, sources=None) -> tuple[list, list]:
    """(dated rows, undated rows): events with who and their statements; loose statements undated.

    A date known only by one end ("before", "after", "on or after") is dated: drawn as an open interval; "after"
    ends where its source was published (a text reports what has happened by then), else fades out."""
    published = _published(sources)
    name = _names(actors, short=True)
    said: dict = {}
    for s in statements.sort("paragraph").to_dicts():
        said.setdefault(s["event_id"], []).append(s)
    took_part: dict = {}  # who the source credits with each event (the event_actors table)
    for a in event_actors.to_dicts() if event_actors is not None and "actor_ids" not in events.columns else []:
        took_part.setdefault(a["event_id"], []).append(a["actor_id"])
    dated, undated = [], []
    for e in events.sort("date_start", "date_end", "paragraph", nulls_last=True).to_dicts():
        sts = said.get(e["event_id"], [])
        who = list(dict.fromkeys((e.get("actor_ids") or took_part.get(e["event_id"], [])) + [s["speaker_id"] for s in sts]))
        listed = [f"{s['statement_id']} {name.get(s['speaker_id'], s['speaker_id'])}: {s['summary']}" for s in sts]
        year_inferred, date_inferred = bool(e.get("year_inferred")), bool(e.get("date_inferred"))
        precision = str(e.get("date_precision") or "unknown")
        certainty = _certainty(e)
        row = {
            "id": e["event_id"], "summary": e["summary"], "who_ids": who,
            "who": ", ".join(name.get(a, a) for a in who) or _NOT_STATED,
            "statements": " | ".join(listed[:4]) + (f" | … {len(listed) - 4} more" if len(listed) > 4 else ""),
            "quote": e["quote"] or "", "paragraph": e["paragraph"], "note": e["note"] or "",
            "precision": precision.replace("_", " "), "inferred": year_inferred or date_inferred,
            "certainty": certainty, "hedged": _hedged(certainty),
            "year": f"inferred ({noun} does not write it)" if year_inferred else f"in {noun}",
            "dates": phrase(e["date_start"], e["date_end"], precision, year_inferred=year_inferred,
                            date_inferred=date_inferred),
            "label": f"{e['summary']}{' †' if year_inferred or date_inferred else ''}"
                     + (f" [{certainty}]" if _hedged(certainty) else "")
                     + (f"  ({len(sts)} statement{'s' if len(sts) > 1 else ''})" if sts else ""),
        }
        shape, bound = _SHAPE_OF.get(precision), bound_of(e["date_start"], e["date_end"], precision)
        if shape == "open" and bound:
            kind, day = bound
            gap = dt.timedelta(days=_OPEN_DAYS)
            last = published.get(e.get("source_id"))
            start, end = (day - gap, day + dt.timedelta(days=1)) if kind == "before" else \
                (day, last + dt.timedelta(days=1) if last and last > day else day + gap)
            row |= {"shape": "open", "start": _iso(start), "end": _iso(end), "open_end": "start" if kind == "before" else "end",
                    "known": _iso(day if kind != "after" else day + dt.timedelta(days=1))}
            dated.append(row)
            continue
        if shape is None or shape == "open" or e["date_start"] is None:
            undated.append(row | {"label": f"{e['event_id']}  {row['label']}", "dates": "undated"})
            continue
        end = (e["date_end"] or e["date_start"]) + dt.timedelta(days=1)  # draw the last day in full
        row |= {"shape": shape, "start": _iso(e["date_start"]), "end": _iso(end)}
        dated.append(row)
    dated.sort(key=lambda r: r["start"])  # as drawn: an open interval by where its bar begins
    known = set(events["event_id"])
    for s in [s for key, sts in said.items() if key not in known for s in sts]:  # no event, or an unknown one
        undated.append({
            "id": s["statement_id"], "summary": s["summary"], "who_ids": [s["speaker_id"]],
            "who": name.get(s["speaker_id"], s["speaker_id"]), "statements": "", "quote": s["quote"] or "",
            "paragraph": s["paragraph"], "note": "statement not tied to any event", "precision": "unknown",
            "year": "", "dates": "undated", "inferred": False, "certainty": _certainty(s), "hedged": _hedged(_certainty(s)),
            "label": f"{s['statement_id']}  {name.get(s['speaker_id'], s['speaker_id'])}: {s['summary']}"})
    return dated, undated


def _time_scale(rows) -> list[str]:
    """The time axis' ends: 1 January of the first year, 20 days after the last event."""
    first = min(r["start"] for r in rows)[:4]
    last = dt.date.fromisoformat(max(r["end"] for r in rows)) + dt.timedelta(days=20)
    return [f"{first}-01-01", last.isoformat()]


def _timeline_panel(rows, title, highlight=None, width="container"):
    """One row per dated event: a point for a day, a bar for a range, a faded span for a month, season or year,
    a fading arrow for a date known only as "before" or "after" another; lighter when the date is inferred,
    hollow or dashed when the text does not establish the event."""
    scale = _time_scale(rows)
    axis = alt.Axis(title=None, format="%b", tickCount={"interval": "month", "step": 1}, labelOverlap="greedy",
                    labelExpr="[timeFormat(datum.value, '%b'), month(datum.value) == 0 ? timeFormat(datum.value, '%Y') : '']")
    x = alt.X("start:T", axis=axis)  # the domain goes on one layer only (Vega-Lite would merge two copies)
    # lighter when the date is inferred; faded when another actor is picked (one expression: no nested conditions)
    seen = alt.Opacity("seen:Q", scale=None, legend=None)
    base = alt.Chart(_data(rows)).transform_calculate(
        seen=(f"({highlight}) ? (datum.inferred ? 0.45 : 1) : {_FADED}" if highlight else "datum.inferred ? 0.45 : 1")
    ).encode(
        y=alt.Y("id:N", sort=[r["id"] for r in rows], axis=None), tooltip=_tips(_EV_TIPS))
    blue = theme.PALETTE[4]
    shapes = {r["shape"] for r in rows}
    open_ends = {r.get("open_end") for r in rows if r["shape"] == "open"}
    on = lambda shape: base.transform_filter(f"datum.shape == '{shape}'")  # noqa: E731
    fade = alt.Gradient(gradient="linear", stops=[alt.GradientStop(color="white", offset=0),
                                                  alt.GradientStop(color=blue, offset=1)], x1=0, x2=1)
    unfade = alt.Gradient(gradient="linear", stops=[alt.GradientStop(color=blue, offset=0),
                                                    alt.GradientStop(color="white", offset=1)], x1=0, x2=1)
    marks = {  # only the layers that have rows: an empty layer gives Vega an infinite extent
        "span": lambda: [on("span").mark_bar(height=12, color=blue).encode(
            x=x, x2="end:T", opacity=alt.condition(highlight, alt.value(0.3), alt.value(0.06))
            if highlight else alt.condition("datum.inferred", alt.value(0.15), alt.value(0.3)))],
        "bar": lambda: [on("bar").mark_bar(height=7, color=blue, stroke=blue, strokeWidth=1.5).encode(
            x=x, x2="end:T", opacity=seen, fillOpacity=_HOLLOW, strokeDash=_DASHED)],
        "point": lambda: [on("point").mark_point(filled=True, size=90, strokeWidth=2, color=blue, stroke=blue).encode(
            x=x, opacity=seen, fillOpacity=_HOLLOW)],
        "open": lambda: [  # a bar fading towards its open end, and a tick at the one known date
            *(on("open").transform_filter(f"datum.open_end == '{side}'").mark_bar(
                height=7, fill=fill, stroke=blue, strokeWidth=1.2).encode(  # outlined, dashed and hollow when hedged
                x=x, x2="end:T", opacity=seen, fillOpacity=alt.condition("datum.hedged", alt.value(0.35), alt.value(1.0)),
                strokeOpacity=alt.condition("datum.hedged", alt.value(1.0), alt.value(0.0)), strokeDash=_DASHED)
              for side, fill in (("start", fade), ("end", unfade)) if side in open_ends),  # no empty layer
            on("open").mark_tick(thickness=2.5, size=16, color=blue).encode(
                x=alt.X("known:T"), opacity=seen, strokeDash=_DASHED)],
    }
    # The axis' ends come from two invisible points: an explicit scale domain plus an x2 channel makes
    # Vega-Lite warn "Conflicting scale property domain" in the browser console.
    ends = alt.Chart(_data([{"start": d} for d in scale])).mark_point(opacity=0).encode(
        x=alt.X("start:T", axis=axis, scale=alt.Scale(nice=False)))
    return alt.layer(
        base.mark_text(align="left", baseline="bottom", dy=-9, limit=_limit(width)).encode(
            x=alt.value(0), text="label:N", opacity=alt.condition(highlight, alt.value(1.0), alt.value(_FADED))
            if highlight else alt.value(1.0)),
        ends, *(m for shape, make in marks.items() if shape in shapes for m in make()),
    ).properties(width=width, height=alt.Step(34), title=_title(title, width))


def _list_panel(rows, title, highlight=None, width="container"):
    seen = alt.condition(highlight, alt.value(1.0), alt.value(_FADED)) if highlight else alt.value(1.0)
    return alt.Chart(_data(rows)).mark_text(align="left", limit=_limit(width)).encode(
        x=alt.value(0), y=alt.Y("id:N", sort=[r["id"] for r in rows], axis=None), text="label:N",
        opacity=seen, tooltip=_tips(_EV_TIPS)).properties(width=width, height=alt.Step(20), title=_title(title, width))


def _timeline_key(shapes, inferred: bool, hedged: bool, width="container"):
    """A legend for the mark types, which Vega-Lite cannot build across layers: one line each, only those drawn."""
    blue = theme.PALETTE[4]
    items = [("point", "a day"), ("bar", "a few days, a week or a range"), ("span", "only the month, season or year"),
             ("before", "before a date (fading: how long before is not said)"),
             ("after", "after, or on or after, a date")]
    rows = [{"k": k, "t": t} for k, t in items if k in shapes or (k in ("before", "after") and "open" in shapes)]
    if inferred:
        rows.append({"k": "light", "t": "lighter, †: the date or its year is inferred, not written"})
    if hedged:
        rows.append({"k": "hollow", "t": "hollow or dashed: the text does not establish it (claimed, alleged, ...)"})
    for i, r in enumerate(rows):
        r["i"] = i
    base = alt.Chart(_data(rows)).encode(y=alt.Y("i:O", axis=None))
    pick = lambda *k: base.transform_filter(alt.FieldOneOfPredicate(field="k", oneOf=list(k)))  # noqa: E731
    fade = alt.Gradient(gradient="linear", stops=[alt.GradientStop(color="white", offset=0),
                                                  alt.GradientStop(color=blue, offset=1)], x1=0, x2=1)
    return alt.layer(
        pick("point", "light", "hollow").mark_point(filled=True, size=90, strokeWidth=2, color=blue, stroke=blue).encode(
            x=alt.value(14), fillOpacity=alt.condition("datum.k == 'hollow'", alt.value(0.0), alt.value(1.0)),
            opacity=alt.condition("datum.k == 'light'", alt.value(0.45), alt.value(1.0))),
        pick("bar").mark_bar(height=7, color=blue).encode(x=alt.value(2), x2=alt.value(30)),
        pick("span").mark_bar(height=12, color=blue, opacity=0.3).encode(x=alt.value(2), x2=alt.value(30)),
        pick("before").mark_bar(height=7, fill=fade).encode(x=alt.value(2), x2=alt.value(30)),
        pick("after").mark_bar(height=7, fill=fade).encode(x=alt.value(30), x2=alt.value(2)),
        base.mark_text(align="left", limit=_limit(width, 40)).encode(x=alt.value(40), text="t:N"),
    ).properties(width=width, height=alt.Step(17))


def timeline(ds: Dataset | None = None, **tables: pl.DataFrame) -> alt.VConcatChart:
    """Events and statements over time, each date as precisely as the text gives it (a day, a range, a season,
    "before" or "after" a date); undated ones listed below.

    >>> chart = timeline()
    >>> len(chart.to_dict()["vconcat"])
    3
    """
    ds = coerce(ds, **tables)
    dated, undated = _event_rows(ds["events"], ds["statements"], ds["actors"], ds.noun,
                                 ds["event_actors"] if "event_actors" in ds else None, ds["sources"] if "sources" in ds else None)
    rows = dated + undated
    panels = [_timeline_key({r["shape"] for r in dated}, any(r["inferred"] for r in dated),
                            any(r["hedged"] for r in rows))]
    if dated:
        panels.append(_timeline_panel(dated, "Dated"))
    if undated:
        panels.append(_list_panel(undated, f"Undated: no date in {ds.noun} (not placed on the time axis)"))
    if len(panels) == 1:
        raise CannotDraw("timeline(): no events or statements to draw")
    return theme.finish(alt.vconcat(*panels, spacing=14),
                        f"What happened when, as precisely as {ds.noun} {_verb(ds, 'dates', 'date')} it",
                        "Statements are counted on the occasion they were made; hover for them and for each date "
                        "in words.", source=ds.source_line, width=_WIDTH + 80, least=300)
