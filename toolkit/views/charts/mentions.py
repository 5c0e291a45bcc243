"""Where each actor and place is named in the text (``charts.mentions``)."""

from __future__ import annotations

import altair as alt
import polars as pl

from toolkit.views import embed, theme
from toolkit.dataset import Dataset, coerce
from toolkit.views.charts.common import _data, _names, _verb

from toolkit.core.errors import CannotDraw

_NARROW = 560  # below this room, shorter name labels


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
        y = alt.Y("name:N", sort=[label[e] for e in ids["entity_id"]], title=None,  # names cut on a phone
                  axis=alt.Axis(labelLimit=alt.ExprRef(f"{embed.ROOM} < {_NARROW} ? 110 : 230"),
                                minExtent=alt.ExprRef(f"{embed.ROOM} < {_NARROW} ? 115 : 235")))
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
        raise CannotDraw("mentions(): no mentions to draw")
    natural = step * len(columns) + 345
    return theme.finish(alt.vconcat(*panels).resolve_scale(color="shared").add_params(
                            alt.param(name=embed.ROOM, value=natural)),
                        f"Who and where {ds.noun} {_verb(ds, 'names', 'name')}, " + ("article by article" if by_source else "paragraph by paragraph"),
                        "Rows in order of first mention; every spelling and abbreviation counts (see aliases).",
                        source=ds.source_line, width=natural, least=300,
                        steps={"reserve": f"{embed.ROOM} < {_NARROW} ? 225 : 345", "least": 4, "count": len(columns)})
