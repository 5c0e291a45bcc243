"""The linked dashboard: pick an actor, see its claims, events and statements (``charts.dashboard``)."""

from __future__ import annotations

import altair as alt
import polars as pl

from toolkit.views import theme
from toolkit.dataset import Dataset, coerce
from toolkit.views.charts.common import _PICK, _WIDTH, _data, _names, _tips
from toolkit.views.charts.common import _certainty_key
from toolkit.views.charts.estimates import _colour, _estimate_panel, _estimate_rows, _units, _words_panel
from toolkit.views.charts.timeline import _event_rows, _list_panel, _timeline_panel


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
    numeric, words, tops = _estimate_rows(ds)
    dated, undated = _event_rows(ds["events"], sts, act, ds.noun, ds["event_actors"] if "event_actors" in ds else None,
                                 ds["sources"] if "sources" in ds else None)
    pick = alt.selection_point(name=_PICK, fields=["actor_id"], on="click", clear="dblclick", toggle=False,
                               value=[{"actor_id": actor}] if actor else alt.Undefined)
    activity = _activity(est, dated + undated, sts, act)
    bars = alt.Chart(_data(activity)).encode(
        y=alt.Y("name:N", sort=[r["name"] for r in activity], title=None, axis=alt.Axis(labelLimit=110)),
        x=alt.X("total:Q", title="claims + events + statements (click a bar)", axis=alt.Axis(tickMinStep=1)),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.3)),
        tooltip=[alt.Tooltip("name:N", title="actor"), *_tips([(k, k) for k in ("claims", "events", "statements")])])
    picker = (bars.mark_bar(height=12, cursor="pointer", color=theme.INK).add_params(pick)
              + bars.mark_text(align="left", dx=3, fontSize=10).encode(text="total:Q")).properties(
        width="container", height=alt.Step(16), title="Pick an actor")
    in_pick = f"!isDefined({_PICK}.actor_id) || indexof(datum.who_ids, {_PICK}.actor_id[0]) >= 0"
    colour = _colour([r["key"] for r in numeric + words])
    units = _units(numeric)
    panels = [picker] + [_estimate_panel([r for r in numeric if r["unit"] == u], tops[u], colour,
                                         "Their numbers" + (f": {u}" if len(units) > 1 else ""), pick=pick, unit=u)
                         for u in units]
    if words:
        panels.append(_words_panel(words, colour, "Their claims in words", pick=pick))
    if dated:
        panels.append(_timeline_panel(dated, "Their events and statements over time", highlight=in_pick))
    if undated:
        panels.append(_list_panel(undated, "Undated", highlight=in_pick))
    key = _certainty_key([r["certainty"] for r in numeric + words + dated + undated])
    if key is not None:
        panels.append(key)
    return theme.finish(alt.vconcat(*panels).resolve_scale(x="independent"),
                        "One actor's claims and events", "Click a bar to pick an actor; double-click to clear.",
                        source=ds.source_line, width=_WIDTH, least=300, inset=120)
