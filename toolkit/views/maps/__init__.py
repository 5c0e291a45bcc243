"""Maps of a dataset's places: a choropleth of the regions it names, the outflow, and a print map
(:mod:`~toolkit.views.maps.printed`; what they share, the window and backdrop: :mod:`~toolkit.views.maps.frame`).

``regions(ds)`` and ``flows(ds)`` return Altair charts (offline: geometry comes from ``toolkit.geo``,
simplified, with clockwise rings, inlined in the spec); ``static_regions(ds)`` returns a Matplotlib
figure in an equal-area projection centred on its window (``geo.crs_for``). Every map names its sources and the boundary licences. Windows,
label rows and anchors follow rules computed from the data (or ``x-view.extent`` in the descriptor:
``{"regions": [w, s, e, n], "flows": [w, s, e, n]}``), never coordinates tuned to one article.

>>> from toolkit import maps
>>> len(maps.regions().to_json(indent=None)) < 150_000
True
"""
from __future__ import annotations

import textwrap

import altair as alt
import polars as pl
import pyproj
import shapely

from toolkit import geo
from toolkit.views import theme
from toolkit.views.charts.common import _verb
from toolkit.dataset import Dataset, coerce
from toolkit.core.errors import CannotDraw
from toolkit.views.maps.frame import (
    _BIG, _CLASS_COLOURS, _CLASSES, _LAND, _area_name, _backdrop, _backdrop_ids, _class, _declared_box, _per_px,
    _regions_layout, _shapes, _window,
)
from toolkit.views.maps.placement import _anchors, _box_of, _curve, _label_spots
from toolkit.views.maps.placement import _m_per_px, _region_labels, _SMALL_KM2, _TO_LAEA  # noqa: F401  (read by the tests)
from toolkit.views.maps.printed import static_regions

__all__ = ["flows", "regions", "static_regions"]


def regions(ds: Dataset | None = None, **tables: pl.DataFrame) -> alt.LayerChart:
    """The regions shaded by how often the text names each, with the cities in them.

    Names are the dataset's spellings (Daghestan); tooltips add Natural Earth's name and ISO code.

    >>> spec = regions().to_dict()
    >>> len(spec["layer"][1]["data"]["values"])
    7
    """
    ds = coerce(ds, **tables)
    width = 660
    full, count, labels, cities, box = _regions_layout(ds, width)
    deg = _per_px(box, width, 430)  # degrees a pixel: finer outline detail would not show
    r = geo.regions(for_web=True, ds=ds, tolerance=deg if deg > geo.WEB_TOLERANCE["regions"] else None)  # ~1 px
    r["mentions"] = [int(count.get(p, 0)) if isinstance(p, str) else 0 for p in r["place_id"]]
    r["shade"] = [_class(n) for n in r["mentions"]]
    r["area_km2"] = r["area_km2"].round(0)
    # country names for orientation, off the regions drawn, their labels and the cities
    avoid = list(full.geometry) + \
        [shapely.box(x["lx"] - len(x["name"]) * 3.8 * deg, x["ly"] - 8 * deg, x["lx"] + len(x["name"]) * 3.8 * deg,
                     x["ly"] + 8 * deg) for x in labels] + \
        [shapely.Point(c["lon"], c["lat"]).buffer(8 * deg) for c in cities]
    back, back_labels = _backdrop(box, width_px=width, avoid=avoid, aspect=430 / width)
    tips = [("name", "N", "name in the data"), ("name_ne", "N", "Natural Earth name"),
            ("iso_3166", "N", "ISO 3166-2"), ("mentions", "Q", "mentions"), ("area_km2", "Q", "area km²")]
    city_tips = [alt.Tooltip("name:N", title="city"), alt.Tooltip("region:N"), alt.Tooltip("named:N"),
                 alt.Tooltip("note:N")]
    pts = alt.Chart(alt.Data(values=cities)).encode(longitude="lon:Q", latitude="lat:Q", tooltip=city_tips)
    names = alt.Chart(alt.Data(values=labels))
    classes = [f"not named in {ds.noun}"] + _CLASSES[1:]
    r["shade"] = [classes[_CLASSES.index(x)] for x in r["shade"]]
    chart = alt.layer(
        _shapes(back, fill=_LAND),
        _shapes(geo.web_features(r), strokeWidth=1.2).encode(
            color=alt.Color("properties.shade:N", title=f"times {ds.noun} {_verb(ds, 'names', 'name')} the region",
                            scale=alt.Scale(domain=classes, range=_CLASS_COLOURS),
                            legend=alt.Legend(columns=5, symbolType="square", symbolStrokeColor="#999999",
                                              symbolStrokeWidth=0.5, titleLimit=400)),
            tooltip=[alt.Tooltip(f"properties.{f}:{t}", title=title) for f, t, title in tips]),
        names.transform_filter("datum.small").mark_rule(color="#777777", strokeWidth=0.8).encode(
            longitude="ax:Q", latitude="ay:Q", longitude2="lx:Q", latitude2="ly:Q"),
        names.mark_text(fontWeight="bold", fontSize=11, color="#111111").encode(
            longitude="lx:Q", latitude="ly:Q", text="name:N"),
        pts.mark_point(filled=True, color=theme.INK, stroke="white", strokeWidth=0.8).encode(
            size=alt.condition("datum.in_article", alt.value(80), alt.value(25))),
        *(alt.Chart(alt.Data(values=group)).mark_text(
            align=side, baseline="middle", fontSize=10, fontStyle="italic", color=theme.INK,
            fontWeight="bold" if bold else "normal").encode(
            longitude="llon:Q", latitude="llat:Q", text="name:N", tooltip=city_tips)
          for side in ("left", "right", "center") for bold in (True, False)
          if (group := [c for c in cities if c["side"] == side and bool(c["in_article"]) == bold])),
        *([alt.Chart(alt.Data(values=back_labels)).mark_text(fontSize=10, color="#8A8A8A", fontWeight="bold").encode(
            longitude="lon:Q", latitude="lat:Q", text="label:N")] if back_labels else []),
    ).project(**geo.vega_projection(box), fit=_window(box)).properties(width="container", height=430)
    hidden = [c["name"] for c in cities if c["side"] is None]
    unlisted = int(sum(not isinstance(p, str) for p in full["place_id"]))
    area = _area_name(ds, full["place_id"])
    return theme.finish(
        chart, f"{area}, as {ds.noun} {_verb(ds, 'names', 'name')} it" if area else
        f"The regions, as {ds.noun} {_verb(ds, 'names', 'name')} them",
        f"Shade: how often {ds.noun} {_verb(ds, 'names', 'name')} each region (every spelling counts); grey ones "
        f"{_verb(ds, 'it never names', 'they never name')}. "
        f"Cities in bold are named in {ds.noun}, the others are for orientation.",
        f"Unlabelled for lack of room (hover the point): {', '.join(hidden)}." if hidden else "",
        f"{unlisted} region(s) without a label are not in the dataset's places (hover for Natural Earth's name)."
        if unlisted else "", geo.ATTRIBUTION, source=ds.source_line, width=width, least=300, aspect=round(430 / width, 3))


# --- the outflow ------------------------------------------------------------------------------------

def _flow_endpoints(ds: Dataset, ids) -> tuple[dict, tuple]:
    """(place_id -> geometry, the flow map's window): the window covers every endpoint narrower than
    ``_BIG`` degrees (a large country such as Russia is drawn but does not stretch the map)."""
    g = geo.join(pl.DataFrame({"place_id": list(dict.fromkeys(i for i in ids if i))}, schema={"place_id": pl.String}),
                 ds=ds)
    shapes = {p: s for p, s in zip(g["place_id"], g.geometry) if s is not None and not s.is_empty}
    small = [s for s in shapes.values() if s.bounds[2] - s.bounds[0] < _BIG and s.bounds[3] - s.bounds[1] < _BIG]
    box = _declared_box(ds, "flows") or (_box_of(small, 1.5) if small else (-180, -60, 180, 80))
    return shapes, box


def _is_outflow(r: dict, unit: str) -> str | None:
    """Why a claim is not an outflow to draw (None: draw it). Only movements the text reports: a count of
    people who went from an origin to a theatre, not a denial (zero), not deaths or returnees."""
    if r["same_claim_as"] is not None:
        return "another wording of a claim drawn"
    kind = r.get("count_kind") or r.get("unit")
    if kind != unit:
        return f"counts {kind}, not {unit}"
    n = r["value_best"] if r["value_best"] is not None else r["value_high"] if r["value_high"] is not None else r["value_low"]
    if r["bound"] == "vague" or n is None:
        return "no number"
    if n == 0:
        return "a denial (zero), not a movement"
    if r.get("direction") not in (None, "outflow"):
        return f"a {r['direction']}, not an outflow"
    if not r["origin_place_id"]:
        return "no origin stated"
    if not r["theatre_place_ids"]:
        return "no destination stated"
    return None


def _said(r: dict) -> str:
    """The claim's number in its own words: 'Upward of 1,500', 'nine (9)', 'hundreds'."""
    n = r["value_best"] if r["value_best"] is not None else {"lower": r["value_low"], "upper": r["value_high"]}.get(r["bound"])
    q = r["qualifier"] or ""
    if n is None or any(c.isdigit() for c in q):
        return q
    return f"{q} {n:,}" if r["bound"] in ("lower", "upper") else f"{q} ({n:,})"


def flows(ds: Dataset | None = None, **tables: pl.DataFrame) -> alt.VConcatChart:
    """The outflow the text reports: one line per origin → theatre, with the claims' ids; a key below.

    Only movements are drawn: denials (zero), deaths, returnees and restatements are listed as not drawn.
    Claims made far away (Washington) are noted under the map, not drawn on a world map.

    >>> len(flows().to_json(indent=None)) < 150_000
    True
    """
    ds = coerce(ds, **tables)
    est, act, pla = ds["estimates"], ds["actors"], ds["places"]
    article = set(ds.articles()["source_id"])
    who = {a: n.split()[-1] if k == "person" else n for a, n, k in act.select("actor_id", "name", "kind").iter_rows()}
    name = dict(zip(pla["place_id"], pla["name"]))
    own = est.filter(pl.col("source_id").is_in(list(article)))
    unit = "fighters" if "fighters" in set(own["unit"].cast(pl.String)) else (own["unit"].cast(pl.String).mode().sort()[0]
                                                                          if own.height else "fighters")
    why_not: dict = {}
    rows = []
    for r in own.to_dicts():
        why = _is_outflow(r, unit)
        if why:
            why_not.setdefault(why, []).append(r["estimate_id"])
        else:
            rows.append(r)
    shapes, box = _flow_endpoints(ds, [i for r in rows for i in [r["origin_place_id"], *(r["theatre_place_ids"] or [])]])
    claims = [r for r in own.to_dicts() if r["claim_place_id"] and r["same_claim_as"] is None]
    said, _ = _flow_endpoints(ds, [r["claim_place_id"] for r in claims])
    where = _anchors(shapes, box)
    where |= {p: xy for p, xy in _anchors(said, box).items() if p not in where}
    lines, said_at, key = {}, {}, []
    for r in claims:  # where a claim was made is noted even when it is not drawn as a line
        said_at.setdefault(r["claim_place_id"], []).append(r["estimate_id"])
    for r in rows:
        theatres = [t for t in r["theatre_place_ids"] or [] if t in where]
        if r["origin_place_id"] not in where or not theatres:
            missing = [name.get(p, p) for p in [r["origin_place_id"], *(r["theatre_place_ids"] or [])] if p and p not in where]
            why_not.setdefault(f"no outline or point for {', '.join(missing) or 'its origin or destination'}: give it "
                               "lat/lon or a drawn_as stand-in", []).append(r["estimate_id"])
            continue
        for t in theatres:
            lines.setdefault((r["origin_place_id"], t), []).append(r["estimate_id"])
        text = f"{r['estimate_id']}  {who.get(r['claimant_id'], 'not stated')}: “{_said(r)}” — {r['counted']}"
        key.append({"id": r["estimate_id"], "quote": r["quote"] or "", "paragraph": r["paragraph"],
                    "claim": text, "text": textwrap.wrap(text, 112, subsequent_indent="        ")})
    skipped = "; ".join(f"{', '.join(ids)} ({why})" for why, ids in why_not.items())
    if not lines:
        raise CannotDraw("flows(): no estimate reports a movement with both an origin and a destination on the map"
                         + (f"; not drawn: {skipped}" if skipped else ""))
    origins = list(dict.fromkeys(o for o, _ in lines))
    colour = theme.colours([name.get(o, o) for o in origins])
    per_theatre: dict = {}
    for o, t in lines:
        per_theatre.setdefault(t, []).append(o)
    path_rows, head_rows, curves = [], [], []
    for (o, t), ids in lines.items():
        siblings = sorted(per_theatre[t], key=lambda x: where[x][0])
        pts, bearing = _curve(where[o], where[t], 0.1 * (siblings.index(o) - (len(siblings) - 1) / 2), box=box)
        common = {"origin": name.get(o, o), "theatre": name.get(t, t), "claims": ", ".join(ids), "line": f"{o}>{t}"}
        path_rows += [common | {"i": j, "lon": x, "lat": y} for j, (x, y) in enumerate(pts)]
        head_rows.append(common | {"lon": pts[-1][0], "lat": pts[-1][1], "angle": bearing})
        curves.append((common, pts))
    kind = dict(zip(pla["place_id"], pla["kind"].cast(pl.String)))
    back, back_labels = _backdrop(box, avoid=[shapes[o] for o in origins
                                              if shapes[o].geom_type != "Point" and kind.get(o) != "country"])
    theatres = list(dict.fromkeys(t for _, t in lines))
    origin_dots = [{"lon": where[o][0], "lat": where[o][1], "origin": name.get(o, o)} for o in origins]
    west, south, east, north = box
    inside = lambda lon, lat: west <= lon <= east and south <= lat <= north  # noqa: E731
    notes, far = [], []
    for p, ids in said_at.items():
        if p not in where:
            continue
        lon, lat = where[p]
        if inside(lon, lat):
            notes.append({"lon": lon, "lat": lat, "text": f"{name.get(p, p)}: {', '.join(ids)} said here"})
        else:
            km = pyproj.Geod(ellps="WGS84").inv(lon, lat, *where[origins[0]])[2] / 1000
            far.append(f"{', '.join(ids)} said in {name.get(p, p)}, off the map ({km:,.0f} km from {name.get(origins[0])})")
    avoid = [(b["lon"], b["lat"]) for b in back_labels] + [(n["lon"], n["lat"]) for n in notes] + \
            [(d["lon"], d["lat"]) for d in origin_dots]
    label_rows = _label_spots(curves, avoid, box=box)
    drawn_countries = set(_backdrop_ids(back))
    areas = [o for o in origins if shapes[o].geom_type != "Point" and o not in drawn_countries]
    area_features = [{"type": "Feature", "properties": {"name": name.get(o, o)},
                      "geometry": shapely.geometry.mapping(shapely.orient_polygons(shapes[o], exterior_cw=True))}
                     for o in areas]
    for f in back:
        f["properties"]["theatre"] = f["properties"]["place_id"] in theatres
    for b in back_labels:  # theatre names just below the arrowheads
        t = next((t for t in theatres if name.get(t) == b["name"]), None)
        if t:
            b["lon"], b["lat"] = where[t][0], where[t][1] - 0.9
    at = lambda data: alt.Chart(alt.Data(values=data)).encode(longitude="lon:Q", latitude="lat:Q")  # noqa: E731
    line_colour = alt.Color("origin:N", title="from", scale=alt.Scale(domain=list(colour), range=list(colour.values())),
                            legend=alt.Legend(orient="bottom-left", direction="vertical", fillColor="white",
                                              padding=6, columns=1, offset=8))
    tips = [alt.Tooltip("origin:N", title="from"), alt.Tooltip("theatre:N", title="to"), alt.Tooltip("claims:N")]
    layers = [
        _shapes(back).encode(fill=alt.condition("datum.properties.theatre", alt.value("#F6E0BC"), alt.value(_LAND))),
        *([alt.Chart(alt.Data(values=area_features)).mark_geoshape(fill="#DCE9F5", stroke="#6BAED6", strokeWidth=0.8)]
          if area_features else []),
        at([b for b in back_labels if b["name"] not in {name.get(o) for o in origins}]).mark_text(
            fontSize=10, color="#8A8A8A", fontWeight="bold").encode(text="label:N"),
        at(path_rows).mark_line(strokeWidth=2.5, opacity=0.85).encode(
            color=line_colour, detail="line:N", order="i:Q", tooltip=tips),
        at(head_rows).mark_point(shape="triangle", filled=True, size=130, opacity=1).encode(
            color=line_colour, angle=alt.Angle("angle:Q", scale=None), tooltip=tips),
        at(origin_dots).mark_point(filled=True, size=60, stroke="white", strokeWidth=1).encode(color=line_colour),
        at(label_rows).mark_text(align="left", dx=7, dy=-4, fontSize=10.5, fontWeight="bold").encode(
            text="claims:N", color=line_colour, tooltip=tips),
    ]
    if notes:
        layers += [at(notes).mark_point(shape="diamond", filled=True, size=60, color=theme.INK),
                   at(notes).mark_text(align="left", dx=7, dy=-7, fontSize=10, fontStyle="italic",
                                       color=theme.INK).encode(text="text:N")]
    mapped = alt.layer(*layers).project(**geo.vega_projection(box), fit=_window(box)).properties(width="container", height=640)
    listing = alt.Chart(alt.Data(values=key)).mark_text(align="left", baseline="top", lineHeight=14, limit=alt.ExprRef("width")).encode(
        x=alt.value(0), y=alt.Y("id:N", sort=[k["id"] for k in key], axis=None, scale=alt.Scale(align=0,
                                                                                            paddingOuter=0)),
        text="text:N", tooltip=[alt.Tooltip("claim:N"), alt.Tooltip("quote:N"), alt.Tooltip("paragraph:Q")],
    ).properties(width="container", height=alt.Step(36), title="The claims on the lines, in their own words")
    dest = " and ".join(filter(None, [", ".join(name.get(t, t) for t in theatres[:-1]), name.get(theatres[-1])]))
    area_note = (f"Blue area: {', '.join(name.get(o, o) for o in areas)} as drawn; " if areas else "") + f"sand: {dest}."
    return theme.finish(
        alt.vconcat(mapped, listing, spacing=8),
        f"The outflow {ds.noun} {_verb(ds, 'reports', 'report')}: to {dest}",
        "One line per origin and destination named in a claim; the labels are claim ids (listed below). "
        "The numbers count different groups and are not shares of one total. " + area_note,
        ("Said far away: " + "; ".join(far) + ".") if far else "",
        f"Not drawn: {skipped}." if skipped else "", geo.ATTRIBUTION, source=ds.source_line, width=640, least=300)
