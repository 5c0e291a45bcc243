"""Maps of a dataset's places: a choropleth of the regions it names, the outflow, and a print map.

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

import math
import textwrap

import altair as alt
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import polars as pl
import pyproj
import shapely
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from shapely.ops import polylabel

from toolkit import geo
from toolkit.views import theme
from toolkit.views.charts.common import _verb
from toolkit.dataset import Dataset, coerce
from toolkit.core.errors import CannotDraw
from toolkit.views.maps.placement import (  # noqa: F401  (_SMALL_KM2 and the rest are read by the tests)
    _PAD, _SMALL_KM2, _TO_LAEA, _anchors, _laea, _box_of, _curve, _keep_inside, _label_spots, _m_per_px,
    _place_city_labels, _region_labels,
)

__all__ = ["flows", "regions", "static_regions"]


_CLASSES = ["never named", "1–2 mentions", "3–5 mentions", "6–10 mentions", "more than 10"]
_CLASS_COLOURS = [theme.LIGHT, "#C6DBEF", "#6BAED6", "#2171B5", "#08306B"]  # ColorBrewer Blues
_LAND, _BORDER = "#F3F3F3", "white"
_BIG = 25.0          # degrees: an endpoint wider than this (a large country) does not set a flow map's window


def _class(n: int) -> str:
    return _CLASSES[0 if n <= 0 else 1 if n <= 2 else 2 if n <= 5 else 3 if n <= 10 else 4]


def _counts(mentions: pl.DataFrame) -> dict:
    return dict(mentions.filter(pl.col("entity_type") == "place").group_by("entity_id").len().iter_rows())


def _declared_box(ds: Dataset, which: str):
    box = (ds.view.get("extent") or {}).get(which)
    return tuple(float(v) for v in box) if box else None


def _area_name(ds: Dataset, place_ids) -> str:
    """The name of the place all the regions belong to (their common parent), else 'The regions'."""
    parents = ds["places"].filter(pl.col("place_id").is_in([p for p in place_ids if p]))["parent_id"].unique().to_list()
    if len(parents) == 1 and parents[0]:
        row = ds["places"].filter(pl.col("place_id") == parents[0])
        if row.height:
            return "The " + row["name"].item() if not row["name"].item().startswith("The ") else row["name"].item()
    return ""


def _window(box) -> dict:
    """The lon/lat box as a clockwise GeoJSON polygon, for ``project(fit=...)``. Its north and south edges follow
    the parallels (a point every degree or so): d3 joins two points by a great circle, which on a wide window
    would bulge poleward and fit another view than the box."""
    w, s, e, n = box
    steps = max(2, math.ceil(e - w))
    north = [[round(w + (e - w) * i / steps, 3), n] for i in range(steps + 1)]
    south = [[round(e - (e - w) * i / steps, 3), s] for i in range(steps + 1)]
    return {"type": "Feature", "properties": {},
            "geometry": {"type": "Polygon", "coordinates": [[[w, s], *north, *south]]}}


def _per_px(box, width_px: float, height_px: float) -> float:
    """Degrees of longitude a pixel of a chart fitted to ``box``: its width or its height sets the scale."""
    w, s, e, n = box
    return max((e - w) / width_px, (n - s) / max(math.cos(math.radians((s + n) / 2)), 0.1) / height_px)


def _around(box, pad: float, aspect: float = 1.0) -> tuple:
    """What a chart of that ``aspect`` (height / width) fitted to ``box`` shows, in lon/lat, with a margin and
    ``pad`` degrees more: the backdrop never ends in a white edge, and carries little land the chart cannot show.
    Worked out in the map's own projection (meridians converge: a view's poleward edge spans more longitude)."""
    w, s, e, n = box
    to, t = _laea(tuple(box)), np.linspace(0, 1, 24)
    edge_lon = np.concatenate([w + (e - w) * t, np.full(24, e), e - (e - w) * t, np.full(24, w)])
    edge_lat = np.concatenate([np.full(24, s), s + (n - s) * t, np.full(24, n), n - (n - s) * t])
    xs, ys = to.transform(edge_lon, edge_lat)
    cx, cy = (xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2
    half_w = max(xs.max() - xs.min(), (ys.max() - ys.min()) / aspect) / 2 * 1.1
    half_h = half_w * aspect
    rx = np.concatenate([cx - half_w + 2 * half_w * t, np.full(24, cx + half_w), cx + half_w - 2 * half_w * t,
                         np.full(24, cx - half_w)])
    ry = np.concatenate([np.full(24, cy - half_h), cy - half_h + 2 * half_h * t, np.full(24, cy + half_h),
                         cy + half_h - 2 * half_h * t])
    lon, lat = to.transform(rx, ry, direction="INVERSE")
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        return (-180.0, -90.0, 180.0, 90.0)
    if lon.max() - lon.min() > 300:  # the view holds a pole: every longitude, and latitude to that pole
        (px, py), (qx, qy) = to.transform(0, 90), to.transform(0, -90)
        holds = lambda x, y: abs(x - cx) <= half_w and abs(y - cy) <= half_h  # noqa: E731
        return (-180.0, -90.0 if holds(qx, qy) else max(float(lat.min()) - pad, -90),
                180.0, 90.0 if holds(px, py) else min(float(lat.max()) + pad, 90))
    return (max(float(lon.min()) - pad, -180), max(float(lat.min()) - pad, -90),
            min(float(lon.max()) + pad, 180), min(float(lat.max()) + pad, 90))


def _backdrop(box, pad: float = 1.0, width_px: float = 640, avoid=None, aspect: float = 1.0) -> tuple[list[dict], list[dict]]:
    """Neighbouring countries (clipped a little beyond ``box``, clockwise rings) and their label points.

    Labels go at each country's inside point within the window, biggest country first; a label that
    would overlap one already placed, or sit on an ``avoid`` shape (an origin area), is left out."""
    w, s, e, n = box
    # the chart keeps its aspect in a page; drawn elsewhere (a PNG) it may be squarer: cover both views
    views = [_around(box, pad, a) for a in {aspect, 1.0}]
    clip = (min(v[0] for v in views), min(v[1] for v in views), max(v[2] for v in views), max(v[3] for v in views))
    deg = _per_px(box, width_px, width_px * aspect)  # degrees of longitude a pixel, roughly
    c = geo.countries(for_web=True, bbox=clip, tolerance=max(geo.WEB_TOLERANCE["countries"], 1.5 * deg))  # ~1.5 px
    c["geometry"] = shapely.orient_polygons(shapely.clip_by_rect(c.geometry.to_numpy(), *clip), exterior_cw=True)
    c = c[~c.geometry.is_empty]
    inner = shapely.clip_by_rect(c.geometry.to_numpy(), *box)
    taken = [a.buffer(0) for a in (avoid or []) if a is not None]
    blocked = shapely.union_all(taken) if taken else None
    labels = []
    for nm, g in sorted(zip(c["name"], inner), key=lambda x: -x[1].area):
        if g.is_empty or not isinstance(nm, str):
            continue
        free = g.difference(blocked) if blocked is not None else g  # the label goes in the country's free part
        if free.is_empty or free.area < 0.5 * g.area and free.area < 1.0:
            continue
        part = max(getattr(free, "geoms", [free]), key=lambda x: x.area)
        p = polylabel(part, tolerance=0.05) if part.geom_type == "Polygon" else part.representative_point()
        half_w, half_h = (len(nm) * 7.2 + 8) * deg / 2, 9 * deg
        box_ = shapely.box(p.x - half_w, p.y - half_h, p.x + half_w, p.y + half_h)
        if any(box_.intersects(t) for t in taken):
            continue
        taken.append(box_)
        labels.append({"name": nm, "label": nm.upper(), "lon": round(p.x, 3), "lat": round(p.y, 3)})
    return geo.web_features(c[["place_id", "iso_3166", "name", "geometry"]]), labels


def _city_rows(places: pl.DataFrame, full, count: dict) -> list[dict]:
    """Places with a point (a city, a village, a camp) in the regions drawn: those whose parent_id is a region
    drawn, and those whose point lies in one (a city whose parent is its country), with their mention counts."""
    subjects = {p: n for p, n in zip(full["place_id"], full["name"]) if isinstance(p, str)}
    outlines = list(zip(full["name"], full.geometry))
    rows = []
    for c in places.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null()).to_dicts():
        region = subjects.get(c["parent_id"])
        if region is None:
            pt = shapely.Point(c["lon"], c["lat"])
            region = next((n for n, g in outlines if g is not None and g.intersects(pt)), None)
        if region is not None:
            rows.append(c | {"region": region, "note": c["note"] or "", "mentions": int(count.get(c["place_id"], 0)),
                             "named": "named in the text" if c["in_article"] else "for orientation"})
    return rows


def _regions_layout(ds: Dataset, width_px: float):
    """Everything both regions maps share: regions with counts, labels, cities with label spots, window."""
    count = _counts(ds["mentions"])
    full = geo.regions(ds=ds)
    if not len(full):
        raise CannotDraw("regions(): the places name no region or country by ISO 3166 code, and none of their points "
                         "lies in a region (fill places.iso_3166, or lat and lon)")
    labels = _region_labels(full, width_px)
    cities = _city_rows(ds["places"], full, count)
    box = _declared_box(ds, "regions") or _box_of(
        [*full.geometry, *(shapely.Point(x["lx"], x["ly"]) for x in labels),
         *(shapely.Point(c["lon"], c["lat"]) for c in cities)], _PAD)
    _place_city_labels(cities, labels, _m_per_px(box, width_px), box=box)
    return full, count, labels, cities, box


def _shapes(features, **mark):
    return alt.Chart(alt.Data(values=features)).mark_geoshape(**{"stroke": _BORDER, "strokeWidth": 0.8,
                                                                 "clip": True} | mark)


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


def _backdrop_ids(back: list[dict]) -> list[str]:
    """place ids of the backdrop countries (drawn already; never filled again as origin areas)."""
    return [f["properties"]["place_id"] for f in back if f["properties"].get("place_id")]


# --- print map --------------------------------------------------------------------------------------

def _north_arrow(ax) -> None:
    ax.annotate("N", xy=(0.96, 0.97), xytext=(0.96, 0.87), xycoords="axes fraction", ha="center",
                va="center", fontsize=11, fontweight="bold", parse_math=False,
                arrowprops={"arrowstyle": "-|>", "color": theme.INK, "lw": 1.5})


def _scale_bar(ax, km: int | None = None) -> None:
    """A bar of a round length (default: the longest of 1-2-5 x 10^n km within a sixth of the frame's width)."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    if km is None:
        top = (x1 - x0) / 6000
        km = max(k * 10 ** p for p in range(0, 5) for k in (1, 2, 5) if k * 10 ** p <= max(top, 1))
    x, y = x0 + 0.03 * (x1 - x0), y0 + 0.04 * (y1 - y0)
    ax.plot([x, x + km * 1000], [y, y], color=theme.INK, lw=3, solid_capstyle="butt")
    ax.text(x + km * 500, y + 0.012 * (y1 - y0), f"{km} km", ha="center", va="bottom", fontsize=8,
            parse_math=False)


def _graticule(ax, box, step: float = 1.0) -> None:
    """Lon/lat lines every ``step`` degrees in the map's projection, labelled along the right and top."""
    w, s, e, n = box
    to = _laea(tuple(box))
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    style = {"color": "#C8C8C8", "lw": 0.5, "ls": (0, (2, 2)), "zorder": 0.6}
    label = {"fontsize": 7, "color": "#777777", "parse_math": False, "clip_on": False}
    for lon in np.arange(math.ceil(w - 3), e + 3, 2 * step):
        xs, ys = to.transform(np.full(60, lon), np.linspace(s - 3, n + 3, 60))
        ax.plot(xs, ys, **style)
        top = np.interp(y1, ys, xs)
        if x0 < top < x1:
            ax.text(top, y1, f"{lon:.0f}°E", ha="center", va="bottom", **label)
    for lat in np.arange(math.ceil(s - 3), n + 3, step):
        xs, ys = to.transform(np.linspace(w - 4, e + 4, 80), np.full(80, lat))
        ax.plot(xs, ys, **style)
        side = np.interp(x1, xs, ys)
        if y0 < side < y1:
            ax.text(x1, side, f" {lat:.0f}°N", ha="left", va="center", **label)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)


def _deg(lonlat) -> str:
    lon, lat = lonlat
    return f"{abs(lon):g}°{'E' if lon >= 0 else 'W'}, {abs(lat):g}°{'N' if lat >= 0 else 'S'}"


def static_regions(ds: Dataset | None = None, **tables: pl.DataFrame) -> Figure:
    """A print map of the regions (mentions, the dataset's spellings, cities), equal-area, centred on them.

    Text from the data is drawn literally (no mathtext, no TeX); nothing sticks out of the frame.

    >>> fig = static_regions()
    >>> fig.axes[0].get_title(loc="left")
    'The North Caucasus Federal District, as the article names it'
    """
    ds = coerce(ds, **tables)
    full, count, labels, cities, box = _regions_layout(ds, 800)
    colour = dict(zip(_CLASSES, _CLASS_COLOURS))
    with matplotlib.rc_context({"text.usetex": False, "font.family": "sans-serif",
                                "font.sans-serif": ["Liberation Sans", "DejaVu Sans"]}):
        crs, to = geo.crs_for(box), _laea(tuple(box))
        (x0, y0), (x1, y1) = to.transform(*box[:2]), to.transform(*box[2:])
        wide = (y1 - y0) / (x1 - x0) < 0.55  # a wide window: a lower figure, the legend under the map
        fig = plt.figure(figsize=(9, max(3.4, 6.9 * (y1 - y0) / (x1 - x0) + 2.0) if wide else 6.8), dpi=100,
                         layout="constrained")
        plt.close(fig)  # not pyplot-managed (no double display in notebooks), yet shown as PNG by Jupyter
        ax = fig.add_subplot()
        r = full.to_crs(crs)
        r["shade"] = [_class(int(count.get(p, 0))) if isinstance(p, str) else _CLASSES[0] for p in r["place_id"]]
        back = geo.countries(ds=ds, bbox=tuple(np.add(box, (-3, -3, 3, 3))))
        back = back[~back.geometry.is_empty].to_crs(crs)
        ax.set_facecolor("white")
        back.plot(ax=ax, color=_LAND, edgecolor="white", lw=0.8)
        r.plot(ax=ax, color=[colour[s] for s in r["shade"]], edgecolor="white", lw=1.2)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        texts = []
        drawn = shapely.union_all(r.geometry.to_numpy())
        for lbl, pt, g in zip(back["name"], back.geometry.representative_point(), back.geometry):
            if x0 < pt.x < x1 and y0 < pt.y < y1 and not drawn.contains(pt):
                texts.append(ax.text(pt.x, pt.y, lbl.upper(), ha="center", fontsize=8, color="#9A9A9A", parse_math=False))
        for lab in labels:
            (ax_, ay_), (lx, ly) = to.transform(lab["ax"], lab["ay"]), to.transform(lab["lx"], lab["ly"])
            if lab["small"]:
                ax.plot([ax_, lx], [ay_, ly], color="#777777", lw=0.7)
                ax.plot(ax_, ay_, "o", ms=2, color="#777777")
            texts.append(ax.text(lx, ly, lab["name"], ha="center", va="center", fontsize=9, fontweight="bold",
                                 parse_math=False, color="#111111",
                                 bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75}
                                 if lab["small"] else None))
        for c in cities:
            x, y = to.transform(c["lon"], c["lat"])
            ax.plot(x, y, "o", ms=6 if c["in_article"] else 3.5, color=theme.INK, mec="white", mew=0.6)
            if c["side"]:
                tx, ty = to.transform(c["llon"], c["llat"])
                texts.append(ax.text(tx, ty, c["name"], fontsize=8, style="italic", ha=c["side"], va="center",
                                     parse_math=False, color=theme.INK,
                                     fontweight="bold" if c["in_article"] else "normal"))
        _graticule(ax, box, step=next(s for s in (1, 2, 5, 10, 30) if box[2] - box[0] <= 14 * s))
        _north_arrow(ax)
        _scale_bar(ax)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("")
        ax.set_ylabel("")
        for spine in ax.spines.values():
            spine.set_color("#BBBBBB")
        ax.set_aspect("equal")
        area = _area_name(ds, full["place_id"])
        title = (f"{area}, as {ds.noun} {_verb(ds, 'names', 'name')} it" if area
                 else f"The regions, as {ds.noun} {_verb(ds, 'names', 'name')} them")
        ax.set_title(title, loc="left", fontsize=13, fontweight="bold", parse_math=False, pad=14)
        classes = [f"not named in {ds.noun}"] + _CLASSES[1:]
        handles = [Patch(facecolor=c, edgecolor="#999999", lw=0.5, label=k) for k, c in zip(classes, _CLASS_COLOURS)]
        where = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.01), "ncol": len(handles)} if wide else {"loc": "upper left"}
        legend = ax.legend(handles=handles, title=f"Times {ds.noun} {_verb(ds, 'names', 'name')} the region", **where,
                           fontsize=8, title_fontsize=8, frameon=True, framealpha=0.92)
        for t in [*legend.get_texts(), legend.get_title()]:
            t.set_parse_math(False)
        fig.get_layout_engine().set(h_pad=0.1)
        hidden = [c["name"] for c in cities if not c["side"]]
        fig.supxlabel(f"{ds.source_line}. {geo.ATTRIBUTION}\nLambert azimuthal equal-area ({_deg(geo._centre(box))}). "
                      f"Bold cities are named in {ds.noun}; the others are for orientation."
                      + (f" Unlabelled for lack of room: {', '.join(hidden)}." if hidden else ""),
                      fontsize=7.5, color="#555555", x=0.01, ha="left", parse_math=False)
        _keep_inside(ax, texts)
    return fig
