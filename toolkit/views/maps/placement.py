"""Where things go on a map: windows, label rows, label spots, anchors and curved lines, by rule.

Used by :mod:`toolkit.maps`; every rule works from the data drawn (tested on the shipped dataset and on
an invented one), never from coordinates tuned to one article. Geometry is reasoned about in
``geo.CAUCASUS_CRS`` (metres) so that distances and label sizes compare.

>>> _box_of([shapely.Point(40, 42), shapely.Point(45, 44)], 0.5)
(39.5, 41.5, 45.5, 44.5)
"""
from __future__ import annotations

import functools
import math

import numpy as np
import pyproj
import shapely
from shapely.ops import polylabel

from toolkit import geo

_SMALL_KM2 = 20_000  # regions smaller than this get their label outside, with a leader line
_ROW_GAP = 0.5       # degrees of latitude between the rows of outside labels
_PAD = 0.3           # degrees around what a regions map must show
_TO_LAEA = pyproj.Transformer.from_crs("EPSG:4326", geo.CAUCASUS_CRS, always_xy=True)


@functools.lru_cache(maxsize=32)
def _laea(box=None) -> pyproj.Transformer:
    """lon/lat -> metres in the equal-area projection centred on a map's window (``geo.crs_for``)."""
    if box is None:
        return _TO_LAEA
    return pyproj.Transformer.from_crs("EPSG:4326", geo.crs_for(box), always_xy=True)


def _region_labels(r, width_px: float = 660, char_px: float = 7.8) -> list[dict]:
    """Label positions for the regions: inside big ones; small ones outside, in two rows just south of
    the small ones, in the order of their inside points, spaced so that neighbours in a row never touch."""
    w, _, e, _ = shapely.total_bounds(r.geometry.to_numpy()) if len(r) else (0, 0, 1, 0)
    char_deg = char_px * (e - w + 2 * _PAD) / width_px
    px = char_deg / char_px  # degrees a pixel
    rows = []
    for name, shape, area, pid in zip(r["name"], r.geometry, r["area_km2"], r["place_id"]):
        if not isinstance(pid, str):  # not in the dataset's places: no label in another gazetteer's spelling
            continue
        part = max(getattr(shape, "geoms", [shape]), key=lambda g: g.area)
        p = polylabel(part, tolerance=0.01)
        # small: under _SMALL_KM2, or narrower on this map than its name (a wide map shrinks every region)
        small = area < _SMALL_KM2 or len(name) * char_deg > part.bounds[2] - part.bounds[0]
        rows.append({"name": name, "ax": round(p.x, 3), "ay": round(p.y, 3), "small": bool(small),
                     "south": shape.bounds[1]})
    small = sorted((x for x in rows if x["small"]), key=lambda x: x["ax"])
    gap = max(_ROW_GAP, 16 * px)  # rows at least 16 px apart, whatever the map's scale
    if small:
        base = min(x["south"] for x in small) - max(0.35, 12 * px)
        xs: list[float] = []
        for i, x in enumerate(small):
            want = x["ax"]
            if i >= 1:
                want = max(want, xs[i - 1] + 0.3)
            if i >= 2:
                want = max(want, xs[i - 2] + (len(x["name"]) + len(small[i - 2]["name"])) / 2 * char_deg + 0.25)
            xs.append(want)
        shift = sum(x["ax"] for x in small) / len(small) - sum(xs) / len(xs)
        for i, x in enumerate(small):
            x["lx"], x["ly"] = round(xs[i] + shift, 3), round(base - gap * (i % 2), 3)
    for x in rows:
        x.setdefault("lx", x["ax"])
        x.setdefault("ly", x["ay"])
        x.pop("south")
    return rows


def _place_city_labels(cities: list[dict], regions: list[dict], m_per_px: float, font_px: float = 10,
                       char_px: float = 6.0, box=None) -> None:
    """Give each city a label spot (right, left, above or below its point) that overlaps no region label,
    leader line, other city label or point; a city with no free spot keeps its point and tooltip only.

    Adds ``side`` ("left" = text starts right of the point, "right", "center" or None) and ``llon``/``llat``."""
    to = _laea(box)
    box = lambda x, y, w, h: shapely.box(x, y, x + w, y + h)  # noqa: E731
    taken = []
    for lab in regions:
        lx, ly = to.transform(lab["lx"], lab["ly"])
        w, h = (len(lab["name"]) * char_px * 1.1 + 6) * m_per_px, (font_px + 6) * m_per_px
        taken.append(box(lx - w / 2, ly - h / 2, w, h))
        if lab["small"]:
            taken.append(shapely.LineString([to.transform(lab["ax"], lab["ay"]), (lx, ly)]).buffer(2 * m_per_px))
    pts = {c["place_id"]: to.transform(c["lon"], c["lat"]) for c in cities}
    taken += [shapely.Point(xy).buffer(4 * m_per_px) for xy in pts.values()]
    for c in sorted(cities, key=lambda c: (not c["in_article"], -c["mentions"], c["name"])):
        x, y = pts[c["place_id"]]
        w, h, gap = (len(c["name"]) * char_px + 2) * m_per_px, (font_px + 2) * m_per_px, 6 * m_per_px
        spots = [("left", box(x + gap, y - h / 2 + 3 * m_per_px, w, h)), ("right", box(x - gap - w, y - h / 2 + 3 * m_per_px, w, h)),
                 ("center", box(x - w / 2, y + gap, w, h)), ("center", box(x - w / 2, y - gap - h, w, h))]
        c["side"] = None
        for side, b in spots:
            if not any(b.intersects(t) for t in taken):
                taken.append(b)
                bx0, by0, bx1, by1 = b.bounds
                tx = bx0 if side == "left" else bx1 if side == "right" else (bx0 + bx1) / 2
                lon, lat = to.transform(tx, (by0 + by1) / 2, direction="INVERSE")
                c |= {"side": side, "llon": round(lon, 4), "llat": round(lat, 4)}
                break


def _box_of(geoms, pad: float) -> tuple:
    """The lon/lat box around ``geoms``, ``pad`` degrees wider. Shapes on both sides of the antimeridian (Russia's
    Chukotka, Fiji) give an east edge past 180 rather than a box round the whole world.

    >>> _box_of([shapely.box(170, 60, 180, 70), shapely.box(-180, 60, -170, 70)], 0)
    (170.0, 60.0, 190.0, 70.0)
    """
    w, s, e, n = shapely.total_bounds(geoms)
    if e - w > 180:
        parts = shapely.get_parts(np.asarray([g for g in geoms if g is not None], dtype=object))
        east = [shapely.transform(g, lambda xy: xy + [360, 0]) if g.bounds[2] <= 0 else g for g in parts]
        w2, _, e2, _ = shapely.total_bounds(east)
        if e2 - w2 < e - w:
            w, e = w2, e2
    return (round(float(w) - pad, 2), round(float(s) - pad, 2), round(float(e) + pad, 2), round(float(n) + pad, 2))


def _m_per_px(box, width_px: float) -> float:
    (x0, _), (x1, _) = _laea(tuple(box)).transform(box[0], (box[1] + box[3]) / 2), _laea(tuple(box)).transform(box[2], (box[1] + box[3]) / 2)
    return (x1 - x0) / width_px


def _anchors(shapes: dict, box) -> dict:
    """place_id -> (lon, lat): a point; else the inside point of the part of the outline inside the window,
    away from the other endpoints' outlines (Russia's point lands in southern Russia, not in the North
    Caucasus it contains); endpoints outside the window keep their own inside point."""
    window = shapely.box(*box)
    out = {}
    for p, s in shapes.items():
        if s.geom_type == "Point":
            out[p] = (s.x, s.y)
            continue
        inner = s.intersection(window)
        others = [o for q, o in shapes.items() if q != p and o.geom_type != "Point" and s.contains(o.representative_point())]
        if others and not inner.is_empty:
            inner = inner.difference(shapely.union_all(others).buffer(0.3))
        if inner.is_empty:
            inner = s
        part = max(getattr(inner, "geoms", [inner]), key=lambda g: g.area)
        pt = polylabel(part, tolerance=0.01) if part.geom_type == "Polygon" else part.representative_point()
        out[p] = (round(pt.x, 4), round(pt.y, 4))
    return out


def _curve(a, b, bend: float, n: int = 30, box=None):
    """A bent line from a to b, evenly bent in the map's projection: lon/lat points and the end bearing."""
    to = _laea(box)
    (x0, y0), (x1, y1) = to.transform(*a), to.transform(*b)
    cx, cy = (x0 + x1) / 2 - (y1 - y0) * bend, (y0 + y1) / 2 + (x1 - x0) * bend
    t = np.linspace(0, 1, n)
    xs = (1 - t) ** 2 * x0 + 2 * (1 - t) * t * cx + t ** 2 * x1
    ys = (1 - t) ** 2 * y0 + 2 * (1 - t) * t * cy + t ** 2 * y1
    lon, lat = to.transform(xs, ys, direction="INVERSE")
    return list(zip(lon.round(4), lat.round(4))), math.degrees(math.atan2(xs[-1] - xs[-2], ys[-1] - ys[-2]))


def _label_spots(curves, avoid, km_per_char: float = 13.0, box=None) -> list[dict]:
    """Put each line's label (left-aligned, right of a point on it) where it is farthest from the others."""
    to = _laea(box)
    xy = lambda pts: np.array(to.transform(*np.array(pts).T)).T  # noqa: E731
    lines = [xy(pts) for _, pts in curves]
    taken, rows = [xy(avoid)] if avoid else [], []
    for k, (common, pts) in enumerate(curves):
        others = np.vstack([p for j, p in enumerate(lines) if j != k] + taken or [np.zeros((0, 2))])
        width = len(common["claims"]) * km_per_char * 1000
        best, spot = -1.0, None
        for i in range(int(len(pts) * 0.25), int(len(pts) * 0.75)):
            box = lines[k][i] + np.outer(np.linspace(0, width, 6), [1, 0]) + [15_000, 12_000]
            gap = np.min(np.linalg.norm(box[:, None] - others[None], axis=2)) if len(others) else 1e9
            if gap > best:
                best, spot = gap, (i, box)
        rows.append(common | dict(zip(("lon", "lat"), pts[spot[0]])))
        taken.append(spot[1])
    return rows


def _keep_inside(ax, texts) -> None:
    """Shift any text that would stick out of the map's frame back inside it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = ax.figure
    renderer = FigureCanvasAgg(fig).get_renderer() if not hasattr(fig.canvas, "get_renderer") else fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    to_data = ax.transData.inverted()
    for t in texts:
        bb = t.get_window_extent(renderer)
        dx = max(frame.x0 + 2 - bb.x0, 0) or min(frame.x1 - 2 - bb.x1, 0)
        dy = max(frame.y0 + 2 - bb.y0, 0) or min(frame.y1 - 2 - bb.y1, 0)
        if dx or dy:
            x, y = t.get_position()
            px, py = ax.transData.transform((x, y))
            t.set_position(tuple(to_data.transform((px + dx, py + dy))))
