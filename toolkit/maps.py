"""Maps of the article's places: a choropleth of the NCFD subjects, the outflow, and a print map.

``regions()`` and ``flows()`` return Altair charts (offline: geometry comes from ``toolkit.geo``,
simplified, with clockwise rings, inlined in the spec); ``static_regions()`` returns a Matplotlib
figure in ``geo.CAUCASUS_CRS``. Every map names its sources and the boundary licences.

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

import toolkit
from toolkit import geo, theme

__all__ = ["flows", "regions", "static_regions"]

theme.use()

_CLASSES = ["not named in the article", "1–2 mentions", "3–5 mentions", "6–10 mentions", "more than 10"]
_CLASS_COLOURS = [theme.LIGHT, "#C6DBEF", "#6BAED6", "#2171B5", "#08306B"]  # ColorBrewer Blues
_LAND, _BORDER = "#F3F3F3", "white"
_REGION_BOX = (40.3, 40.9, 48.9, 46.5)   # lon/lat window of the regions maps
_FLOW_BOX = (34.8, 30.6, 50.4, 48.0)     # lon/lat window of the outflow map
_SMALL_KM2 = 20_000  # subjects smaller than this get their label outside, with a leader line
_CALLOUT_LATS = (42.15, 41.65)  # two rows of outside labels, over Georgia
# Where a place has no shape of its own, or its shape's inside point would mislead:
_STAND_IN = {"north_caucasus": "north_caucasus_fd"}  # the article's "North Caucasus" drawn as the NCFD
_ANCHOR = {"russia": (39.8, 47.1)}  # "Russia" as a whole: southern Russia west of the NCFD (Moscow is off the map)
_TO_LAEA = pyproj.Transformer.from_crs("EPSG:4326", geo.CAUCASUS_CRS, always_xy=True)


def _or(df, load):
    return load() if df is None else df


def _class(n: int) -> str:
    return _CLASSES[0 if n <= 0 else 1 if n <= 2 else 2 if n <= 5 else 3 if n <= 10 else 4]


def _counts(mentions: pl.DataFrame) -> dict:
    return dict(mentions.filter(pl.col("entity_type") == "place").group_by("entity_id").len().iter_rows())


def _window(box) -> dict:
    """The lon/lat box as a clockwise GeoJSON polygon, for ``project(fit=...)``."""
    w, s, e, n = box
    return {"type": "Feature", "properties": {},
            "geometry": {"type": "Polygon", "coordinates": [[[w, s], [w, n], [e, n], [e, s], [w, s]]]}}


def _backdrop(box, pad: float = 2.5) -> tuple[list[dict], list[dict]]:
    """Neighbouring countries (clipped a little beyond ``box``, clockwise rings) and their label points."""
    c = geo.countries(for_web=True)
    w, s, e, n = box
    c["geometry"] = shapely.orient_polygons(
        shapely.clip_by_rect(c.geometry.to_numpy(), w - pad, s - pad, e + pad, n + pad), exterior_cw=True)
    c = c[~c.geometry.is_empty]
    inner = shapely.clip_by_rect(c.geometry.to_numpy(), *box)
    pts = shapely.point_on_surface(inner)
    labels = [{"name": nm, "label": nm.upper(), "lon": round(p.x, 3), "lat": round(p.y, 3)}
              for nm, p, g in zip(c["name"], pts, inner) if not g.is_empty]
    return geo.web_features(c[["place_id", "iso_3166", "name", "geometry"]]), labels


def _region_labels(r) -> list[dict]:
    """Label positions for the subjects: inside big ones, outside (over Georgia) for small ones."""
    rows = []
    for name, shape, area in zip(r["name"], r.geometry, r["area_km2"]):
        part = max(getattr(shape, "geoms", [shape]), key=lambda g: g.area)
        p = polylabel(part, tolerance=0.01)
        rows.append({"name": name, "ax": round(p.x, 3), "ay": round(p.y, 3), "small": bool(area < _SMALL_KM2)})
    small = sorted((x for x in rows if x["small"]), key=lambda x: x["ax"])
    if small:
        west, east = min(x["ax"] for x in small) - 1.1, max(x["ax"] for x in small) - 0.5
        for i, x in enumerate(small):
            x["lx"] = round(west + (east - west) * (i / max(len(small) - 1, 1)), 3)
            x["ly"] = _CALLOUT_LATS[i % 2]
    for x in rows:
        x.setdefault("lx", x["ax"])
        x.setdefault("ly", x["ay"])
    return rows


def _city_rows(places: pl.DataFrame, subjects: dict, count: dict) -> list[dict]:
    """Cities in the subjects; a city's label goes left when a neighbour lies close to its east."""
    rows = [c | {"region": subjects[c["parent_id"]], "note": c["note"] or "",
                 "named": "named in the article" if c["in_article"] else "for orientation",
                 "mentions": int(count.get(c["place_id"], 0))}
            for c in places.filter(pl.col("kind") == "city").to_dicts()
            if c["parent_id"] in subjects and c["lat"] is not None]
    for c in rows:
        c["left"] = any(0 < (o["lon"] - c["lon"]) * 80 < 45 and abs(o["lat"] - c["lat"]) * 111 < 30 for o in rows)
    return rows


def _shapes(features, **mark):
    return alt.Chart(alt.Data(values=features)).mark_geoshape(**{"stroke": _BORDER, "strokeWidth": 0.8,
                                                                 "clip": True} | mark)


def regions(mentions: pl.DataFrame | None = None, places: pl.DataFrame | None = None) -> alt.LayerChart:
    """The seven NCFD subjects shaded by how often the article names them, with the cities.

    Names are the article's spellings (Daghestan); tooltips add Natural Earth's name and ISO code.

    >>> spec = regions().to_dict()
    >>> len(spec["layer"][1]["data"]["values"])
    7
    """
    count, pla = _counts(_or(mentions, toolkit.load_mentions)), _or(places, toolkit.load_places)
    r = geo.regions(for_web=True)
    r["mentions"] = [int(count.get(p, 0)) for p in r["place_id"]]
    r["shade"] = [_class(n) for n in r["mentions"]]
    r["area_km2"] = r["area_km2"].round(0)
    back, _ = _backdrop(_REGION_BOX)
    labels = _region_labels(geo.regions())
    cities = _city_rows(pla, dict(zip(r["place_id"], r["name"])), count)
    tips = [("name", "N", "name in the article"), ("name_ne", "N", "Natural Earth name"),
            ("iso_3166", "N", "ISO 3166-2"), ("mentions", "Q", "mentions"), ("area_km2", "Q", "area km²")]
    city_tips = [alt.Tooltip("name:N", title="city"), alt.Tooltip("region:N"), alt.Tooltip("named:N"),
                 alt.Tooltip("note:N")]
    pts = alt.Chart(alt.Data(values=cities)).encode(longitude="lon:Q", latitude="lat:Q", tooltip=city_tips)
    names = alt.Chart(alt.Data(values=labels))
    chart = alt.layer(
        _shapes(back, fill=_LAND),
        _shapes(geo.web_features(r), strokeWidth=1.2).encode(
            color=alt.Color("properties.shade:N", title="times the article names the subject",
                            scale=alt.Scale(domain=_CLASSES, range=_CLASS_COLOURS),
                            legend=alt.Legend(columns=5, symbolType="square", symbolStrokeColor="#999999",
                                              symbolStrokeWidth=0.5, titleLimit=400)),
            tooltip=[alt.Tooltip(f"properties.{f}:{t}", title=title) for f, t, title in tips]),
        names.transform_filter("datum.small").mark_rule(color="#777777", strokeWidth=0.8).encode(
            longitude="ax:Q", latitude="ay:Q", longitude2="lx:Q", latitude2="ly:Q"),
        names.mark_text(fontWeight="bold", fontSize=11, color="#111111").encode(
            longitude="lx:Q", latitude="ly:Q", text="name:N"),
        pts.mark_point(filled=True, color=theme.INK, stroke="white", strokeWidth=0.8).encode(
            size=alt.condition("datum.in_article", alt.value(80), alt.value(25))),
        *(pts.transform_filter(test).mark_text(align=align, dx=dx, dy=-6, fontSize=10, fontStyle="italic",
                                               fontWeight=weight, color=theme.INK).encode(text="name:N")
          for test, align, dx, weight in (("datum.in_article", "left", 6, "bold"),
                                          ("!datum.in_article && !datum.left", "left", 5, "normal"),
                                          ("!datum.in_article && datum.left", "right", -5, "normal"))),
    ).project(**geo.VEGA_PROJECTION, fit=_window(_REGION_BOX)).properties(width=660, height=430)
    return theme.finish(
        chart, "The North Caucasus Federal District, as the article names it",
        "Shade: how often the article names each subject (every spelling counts); grey ones it never names. "
        "Cities in bold are named in the article, the others are for orientation.", geo.ATTRIBUTION)


# --- the outflow ------------------------------------------------------------------------------------

def _anchors(ids) -> dict:
    """place_id -> (lon, lat): a point inside the place, or its stand-in's."""
    wanted = list(dict.fromkeys(_STAND_IN.get(i, i) for i in ids if i))
    g = geo.join(pl.DataFrame({"place_id": wanted}, schema={"place_id": pl.String}))
    found = {p: (s.x, s.y) if s.geom_type == "Point" else (s.representative_point().x, s.representative_point().y)
             for p, s in zip(g["place_id"], g.geometry) if s is not None and not s.is_empty}
    found |= {p: xy for p, xy in _ANCHOR.items() if p in found}
    return {i: found[_STAND_IN.get(i, i)] for i in ids if i and _STAND_IN.get(i, i) in found}


def _curve(a, b, bend: float, n: int = 30):
    """A bent line from a to b, evenly bent in the map's projection: lon/lat points and the end bearing."""
    (x0, y0), (x1, y1) = _TO_LAEA.transform(*a), _TO_LAEA.transform(*b)
    cx, cy = (x0 + x1) / 2 - (y1 - y0) * bend, (y0 + y1) / 2 + (x1 - x0) * bend
    t = np.linspace(0, 1, n)
    xs = (1 - t) ** 2 * x0 + 2 * (1 - t) * t * cx + t ** 2 * x1
    ys = (1 - t) ** 2 * y0 + 2 * (1 - t) * t * cy + t ** 2 * y1
    lon, lat = _TO_LAEA.transform(xs, ys, direction="INVERSE")
    return list(zip(lon.round(4), lat.round(4))), math.degrees(math.atan2(xs[-1] - xs[-2], ys[-1] - ys[-2]))


def _label_spots(curves, avoid, km_per_char: float = 13.0) -> list[dict]:
    """Put each line's label (left-aligned, right of a point on it) where it is farthest from the others."""
    xy = lambda pts: np.array(_TO_LAEA.transform(*np.array(pts).T)).T  # noqa: E731
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


def _said(r: dict) -> str:
    """The claim's number in its own words: 'Upward of 1,500', 'nine (9)', 'hundreds'."""
    n = r["value_best"] if r["value_best"] is not None else {"lower": r["value_low"], "upper": r["value_high"]}.get(r["bound"])
    q = r["qualifier"] or ""
    if n is None or any(c.isdigit() for c in q):
        return q
    return f"{q} {n:,}" if r["bound"] in ("lower", "upper") else f"{q} ({n:,})"


def flows(estimates: pl.DataFrame | None = None, actors: pl.DataFrame | None = None,
          places: pl.DataFrame | None = None, sources: pl.DataFrame | None = None) -> alt.VConcatChart:
    """The outflow the article reports: one line per origin → theatre, with the claims' ids; a key below.

    Claims made far away (Washington) are noted at the map's edge, not drawn on a world map.

    >>> len(flows().to_json(indent=None)) < 150_000
    True
    """
    est, act = _or(estimates, toolkit.load_estimates), _or(actors, toolkit.load_actors)
    pla, src = _or(places, toolkit.load_places), _or(sources, toolkit.load_sources)
    article = set(src.filter(pl.col("kind") == "article")["source_id"])
    who = {a: n.split()[-1] if k == "person" else n for a, n, k in act.select("actor_id", "name", "kind").iter_rows()}
    name = dict(zip(pla["place_id"], pla["name"]))
    own = est.filter(pl.col("source_id").is_in(list(article)))
    rows = own.filter((pl.col("unit") == "fighters") & pl.col("same_claim_as").is_null()).to_dicts()
    where = _anchors({i for r in rows for i in [r["origin_place_id"], r["claim_place_id"], *(r["theatre_place_ids"] or [])]})
    lines, said_at, key = {}, {}, []
    for r in rows:
        if r["claim_place_id"]:  # where a claim was made is noted even when it names no origin to draw from
            said_at.setdefault(r["claim_place_id"], []).append(r["estimate_id"])
        theatres = [t for t in r["theatre_place_ids"] or [] if t in where]
        if r["origin_place_id"] not in where or not theatres:
            continue
        for t in theatres:
            lines.setdefault((r["origin_place_id"], t), []).append(r["estimate_id"])
        text = f"{r['estimate_id']}  {who.get(r['claimant_id'], 'not stated')}: “{_said(r)}” — {r['counted']}"
        key.append({"id": r["estimate_id"], "quote": r["quote"] or "", "paragraph": r["paragraph"],
                    "claim": text, "text": textwrap.wrap(text, 112, subsequent_indent="        ")})
    if not lines:
        raise ValueError("flows(): no estimate has both an origin and a theatre on the map")
    drawn = {k["id"] for k in key}
    skipped = {"another wording of a claim drawn": own.filter(pl.col("same_claim_as").is_not_null()),
               "not a count of fighters": own.filter(pl.col("unit") != "fighters"),
               "no origin or destination on the map": own.filter(
                   (pl.col("unit") == "fighters") & pl.col("same_claim_as").is_null()
                   & ~pl.col("estimate_id").is_in(list(drawn)))}
    skipped = "; ".join(f"{', '.join(df['estimate_id'])} ({why})" for why, df in skipped.items() if df.height)
    origins = list(dict.fromkeys(o for o, _ in lines))
    colour = theme.colours([name.get(o, o) for o in origins])
    per_theatre: dict = {}
    for o, t in lines:
        per_theatre.setdefault(t, []).append(o)
    path_rows, head_rows, curves = [], [], []
    for (o, t), ids in lines.items():
        siblings = sorted(per_theatre[t], key=lambda x: where[x][0])
        pts, bearing = _curve(where[o], where[t], 0.1 * (siblings.index(o) - (len(siblings) - 1) / 2))
        common = {"origin": name.get(o, o), "theatre": name.get(t, t), "claims": ", ".join(ids), "pair": f"{o}>{t}"}
        path_rows += [common | {"i": j, "lon": x, "lat": y} for j, (x, y) in enumerate(pts)]
        head_rows.append(common | {"lon": pts[-1][0], "lat": pts[-1][1], "angle": bearing})
        curves.append((common, pts))
    back, back_labels = _backdrop(_FLOW_BOX)
    label_rows = _label_spots(curves, [(b["lon"], b["lat"]) for b in back_labels])
    notes = []
    west, south, east, north = _FLOW_BOX
    for p, ids in said_at.items():
        if p not in where:
            continue
        lon, lat = where[p]
        if west <= lon <= east and south <= lat <= north:
            notes.append({"lon": lon, "lat": lat, "text": f"{name.get(p, p)}: {', '.join(ids)} said here",
                          "inside": True})
        else:
            km = pyproj.Geod(ellps="WGS84").inv(lon, lat, *where[origins[0]])[2] / 1000
            notes.append({"lon": west + 0.2, "lat": north - 0.4 - 0.5 * sum(not n["inside"] for n in notes),
                          "inside": False, "text": [f"← {name.get(p, p)}, {km:,.0f} km from the {name.get(origins[0])}",
                                                    f"off the map: {', '.join(ids)} said there"]})
    ncfd = shapely.orient_polygons(shapely.union_all(geo.regions(for_web=True).geometry.to_numpy()), exterior_cw=True)
    theatres = {t for _, t in lines}
    for f in back:
        f["properties"]["theatre"] = f["properties"]["place_id"] in theatres
    for b in back_labels:  # theatre names just below the arrowheads
        t = next((t for t in theatres if name.get(t) == b["name"]), None)
        if t:
            b["lon"], b["lat"] = where[t][0], where[t][1] - 0.9
    at = lambda data: alt.Chart(alt.Data(values=data)).encode(longitude="lon:Q", latitude="lat:Q")  # noqa: E731
    line_colour = alt.Color("origin:N", title="from", scale=alt.Scale(domain=list(colour), range=list(colour.values())),
                            legend=alt.Legend(orient="none", legendX=8, legendY=560, direction="vertical",
                                              fillColor="white", padding=6, columns=1))
    tips = [alt.Tooltip("origin:N", title="from"), alt.Tooltip("theatre:N", title="to"), alt.Tooltip("claims:N")]
    mapped = alt.layer(
        _shapes(back).encode(fill=alt.condition("datum.properties.theatre", alt.value("#F6E0BC"), alt.value(_LAND))),
        alt.Chart(alt.Data(values=[{"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(ncfd)}]))
            .mark_geoshape(fill="#DCE9F5", stroke="#6BAED6", strokeWidth=0.8),
        at([b for b in back_labels if b["name"] not in {name.get(o) for o in origins}]).mark_text(
            fontSize=10, color="#8A8A8A", fontWeight="bold").encode(text="label:N"),
        at(path_rows).mark_line(strokeWidth=2.5, opacity=0.85).encode(
            color=line_colour, detail="pair:N", order="i:Q", tooltip=tips),  # one line per pair, even with equal claims
        at(head_rows).mark_point(shape="triangle", filled=True, size=130, opacity=1).encode(
            color=line_colour, angle=alt.Angle("angle:Q", scale=None), tooltip=tips),
        at([{"lon": where[o][0], "lat": where[o][1], "origin": name.get(o, o)} for o in origins]).mark_point(
            filled=True, size=60, stroke="white", strokeWidth=1).encode(color=line_colour),
        at(label_rows).mark_text(align="left", dx=7, dy=-4, fontSize=10.5, fontWeight="bold").encode(
            text="claims:N", color=line_colour, tooltip=tips),
        at([n for n in notes if n["inside"]]).mark_point(shape="diamond", filled=True, size=60, color=theme.INK),
        *(at([n for n in notes if n["inside"] == inside]).mark_text(
            align="left", dx=dx, dy=dy, fontSize=10, fontStyle="italic", color=theme.INK).encode(text="text:N")
          for inside, dx, dy in ((True, 7, -7), (False, 0, 0))),
    ).project(**geo.VEGA_PROJECTION, fit=_window(_FLOW_BOX)).properties(width=640, height=640)
    listing = alt.Chart(alt.Data(values=key)).mark_text(align="left", baseline="top", lineHeight=14).encode(
        x=alt.value(0), y=alt.Y("id:N", sort=[k["id"] for k in key], axis=None, scale=alt.Scale(align=0,
                                                                                            paddingOuter=0)),
        text="text:N", tooltip=[alt.Tooltip("claim:N"), alt.Tooltip("quote:N"), alt.Tooltip("paragraph:Q")],
    ).properties(width=640, height=alt.Step(36), title="The claims on the lines, in their own words")
    return theme.finish(
        alt.vconcat(mapped, listing, spacing=8),
        "The outflow the article reports: to Syria and Iraq",
        "One line per origin and destination named in a claim; the labels are claim ids (listed below). "
        "The numbers count different groups and are not shares of one total. Blue area: the North Caucasus "
        "Federal District (the article's \u201cNorth Caucasus\u201d); sand: Syria and Iraq.",
        f"Not drawn: {skipped}." if skipped else "", geo.ATTRIBUTION)


# --- print map --------------------------------------------------------------------------------------

def _north_arrow(ax) -> None:
    ax.annotate("N", xy=(0.96, 0.97), xytext=(0.96, 0.87), xycoords="axes fraction", ha="center",
                va="center", fontsize=11, fontweight="bold", parse_math=False,
                arrowprops={"arrowstyle": "-|>", "color": theme.INK, "lw": 1.5})


def _scale_bar(ax, km: int = 100) -> None:
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    x, y = x0 + 0.03 * (x1 - x0), y0 + 0.04 * (y1 - y0)
    ax.plot([x, x + km * 1000], [y, y], color=theme.INK, lw=3, solid_capstyle="butt")
    ax.text(x + km * 500, y + 0.012 * (y1 - y0), f"{km} km", ha="center", va="bottom", fontsize=8,
            parse_math=False)


def _graticule(ax, box, step: float = 1.0) -> None:
    """Lon/lat lines every ``step`` degrees in the map's projection, labelled along the right and top."""
    w, s, e, n = box
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    style = {"color": "#C8C8C8", "lw": 0.5, "ls": (0, (2, 2)), "zorder": 0.6}
    label = {"fontsize": 7, "color": "#777777", "parse_math": False, "clip_on": False}
    for lon in np.arange(math.ceil(w - 3), e + 3, 2 * step):
        xs, ys = _TO_LAEA.transform(np.full(60, lon), np.linspace(s - 3, n + 3, 60))
        ax.plot(xs, ys, **style)
        top = np.interp(y1, ys, xs)
        if x0 < top < x1:
            ax.text(top, y1, f"{lon:.0f}°E", ha="center", va="bottom", **label)
    for lat in np.arange(math.ceil(s - 3), n + 3, step):
        xs, ys = _TO_LAEA.transform(np.linspace(w - 4, e + 4, 80), np.full(80, lat))
        ax.plot(xs, ys, **style)
        side = np.interp(x1, xs, ys)
        if y0 < side < y1:
            ax.text(x1, side, f" {lat:.0f}°N", ha="left", va="center", **label)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)


def static_regions(mentions: pl.DataFrame | None = None, places: pl.DataFrame | None = None) -> Figure:
    """A print map of the NCFD subjects (mentions, article spellings, cities) in ``geo.CAUCASUS_CRS``.

    Text from the data is drawn literally (no mathtext, no TeX).

    >>> fig = static_regions()
    >>> fig.axes[0].get_title(loc="left")
    'The North Caucasus Federal District, as the article names it'
    """
    count, pla = _counts(_or(mentions, toolkit.load_mentions)), _or(places, toolkit.load_places)
    colour = dict(zip(_CLASSES, _CLASS_COLOURS))
    with matplotlib.rc_context({"text.usetex": False, "font.family": "sans-serif",
                                "font.sans-serif": ["Liberation Sans", "DejaVu Sans"]}):
        fig = plt.figure(figsize=(9, 6.8), dpi=100, layout="constrained")
        plt.close(fig)  # not pyplot-managed (no double display in notebooks), yet shown as PNG by Jupyter
        ax = fig.add_subplot()
        full = geo.regions()
        r = full.to_crs(geo.CAUCASUS_CRS)
        r["shade"] = [_class(int(count.get(p, 0))) for p in r["place_id"]]
        back = geo.countries()
        back["geometry"] = shapely.clip_by_rect(back.geometry.to_numpy(), *np.add(_REGION_BOX, (-3, -3, 3, 3)))
        back = back[~back.geometry.is_empty].to_crs(geo.CAUCASUS_CRS)
        ax.set_facecolor("white")
        back.plot(ax=ax, color=_LAND, edgecolor="white", lw=0.8)
        r.plot(ax=ax, color=[colour[s] for s in r["shade"]], edgecolor="white", lw=1.2)
        (x0, y0), (x1, y1) = _TO_LAEA.transform(*_REGION_BOX[:2]), _TO_LAEA.transform(*_REGION_BOX[2:])
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        for lbl, pt in zip(back["name"], back.geometry.representative_point()):
            if lbl != "Russia" and x0 < pt.x < x1 and y0 < pt.y < y1:
                ax.text(pt.x, pt.y, lbl.upper(), ha="center", fontsize=8, color="#9A9A9A", parse_math=False)
        for lab in _region_labels(full):
            (ax_, ay_), (lx, ly) = _TO_LAEA.transform(lab["ax"], lab["ay"]), _TO_LAEA.transform(lab["lx"], lab["ly"])
            if lab["small"]:
                ax.plot([ax_, lx], [ay_, ly], color="#777777", lw=0.7)
                ax.plot(ax_, ay_, "o", ms=2, color="#777777")
            ax.text(lx, ly, lab["name"], ha="center", va="center", fontsize=9, fontweight="bold",
                    parse_math=False, color="#111111",
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75}
                    if lab["small"] else None)
        for c in _city_rows(pla, dict(zip(r["place_id"], r["name"])), count):
            x, y = _TO_LAEA.transform(c["lon"], c["lat"])
            ax.plot(x, y, "o", ms=6 if c["in_article"] else 3.5, color=theme.INK, mec="white", mew=0.6)
            ax.text(x + (-7000 if c["left"] else 7000), y + 5000, c["name"], fontsize=8, style="italic",
                    ha="right" if c["left"] else "left", parse_math=False, color=theme.INK,
                    fontweight="bold" if c["in_article"] else "normal")
        _graticule(ax, _REGION_BOX)
        _north_arrow(ax)
        _scale_bar(ax)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("")
        ax.set_ylabel("")
        for spine in ax.spines.values():
            spine.set_color("#BBBBBB")
        ax.set_aspect("equal")
        ax.set_title("The North Caucasus Federal District, as the article names it", loc="left",
                     fontsize=13, fontweight="bold", parse_math=False, pad=14)
        handles = [Patch(facecolor=c, edgecolor="#999999", lw=0.5, label=k) for k, c in colour.items()]
        legend = ax.legend(handles=handles, title="Times the article names the subject", loc="upper left",
                           fontsize=8, title_fontsize=8, frameon=True, framealpha=0.92)
        for t in [*legend.get_texts(), legend.get_title()]:
            t.set_parse_math(False)
        fig.get_layout_engine().set(h_pad=0.1)
        fig.supxlabel(f"{toolkit.SOURCE_LINE}. {geo.ATTRIBUTION}\nLambert azimuthal equal-area (44°E, 43°N). "
                      "Bold cities are named in the article; the others are for orientation.",
                      fontsize=7.5, color="#555555", x=0.01, ha="left", parse_math=False)
    return fig
