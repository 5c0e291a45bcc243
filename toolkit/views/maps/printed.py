"""The print map: ``static_regions(ds)``, a Matplotlib figure in an equal-area projection centred on its window."""
from __future__ import annotations

import math

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import polars as pl
import shapely
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from toolkit import geo
from toolkit.views import theme
from toolkit.views.charts.common import _verb
from toolkit.dataset import Dataset, coerce
from toolkit.views.maps.frame import _CLASS_COLOURS, _CLASSES, _LAND, _area_name, _class, _regions_layout
from toolkit.views.maps.placement import _keep_inside, _laea


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
