"""What the maps share: a map's window and its backdrop, mention classes, city rows and the regions' layout."""
from __future__ import annotations

import math

import altair as alt
import numpy as np
import polars as pl
import shapely
from shapely.ops import polylabel

from toolkit import geo
from toolkit.views import theme
from toolkit.dataset import Dataset
from toolkit.core.errors import CannotDraw
from toolkit.views.maps.placement import _PAD, _box_of, _laea, _m_per_px, _place_city_labels, _region_labels

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


def _backdrop_ids(back: list[dict]) -> list[str]:
    """place ids of the backdrop countries (drawn already; never filled again as origin areas)."""
    return [f["properties"]["place_id"] for f in back if f["properties"].get("place_id")]
