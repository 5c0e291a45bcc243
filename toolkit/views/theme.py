"""The toolkit's look: an Okabe–Ito palette, an Altair theme, and the title + source line of every view.

Importing a view changes no global setting: every chart the toolkit returns carries the theme and the
offline renderer itself (they apply while it is drawn or saved, then Altair's own settings are back).
``use()`` enables both for every chart of the session, yours included. Colours are also written into
each chart's scales, so a view keeps its meaning under any theme.

>>> from toolkit.views import theme
>>> theme.colours(["melikov", "bortnikov"])
{'melikov': '#E69F00', 'bortnikov': '#56B4E9'}
"""
from __future__ import annotations

import colorsys
import textwrap

import altair as alt

__all__ = ["FONT", "GREY", "INK", "LIGHT", "MORE", "NAME", "PALETTE", "SEQUENTIAL", "colours", "finish", "palette", "use"]

NAME = "toolkit"
# Okabe & Ito (2008), colour-blind safe; yellow (#F0E442) left out: too faint on white for thin marks.
PALETTE = ["#E69F00", "#56B4E9", "#009E73", "#D55E00", "#0072B2", "#CC79A7", "#000000"]
# Paul Tol's "muted" scheme, colour-blind safe too: the next nine categories.
MORE = ["#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499"]
GREY = "#9A9A9A"   # "not stated", "no data"
LIGHT = "#E4E4E4"  # backgrounds, not-mentioned regions
INK = "#333333"    # text and neutral marks
SEQUENTIAL = "blues"  # counts (mentions): a single-hue ramp reads in every colour vision
FONT = "Liberation Sans, Helvetica, Arial, sans-serif"


def palette(n: int) -> list[str]:
    """``n`` distinct colours, never the grey kept for "not stated": Okabe–Ito, then Tol's muted,
    then evenly spaced hues (beyond 16 categories colour alone cannot tell them apart; labels must).

    >>> len(set(palette(40))) == 40 and GREY not in palette(40)
    True
    """
    base = PALETTE + MORE
    extra = n - len(base)
    hues = [colorsys.hls_to_rgb((i / max(extra, 1) + 0.05) % 1, 0.42 + 0.16 * (i % 2), 0.55) for i in range(max(extra, 0))]
    return (base + ["#%02X%02X%02X" % tuple(round(c * 255) for c in rgb) for rgb in hues])[:n]


def colours(keys, fixed: dict | None = None) -> dict:
    """Map keys to distinct colours in order; ``fixed`` pins some (e.g. ``{"not stated": GREY}``).

    >>> c = colours([f"claimant {i}" for i in range(9)], fixed={"not stated": GREY})
    >>> c["claimant 0"], c["claimant 8"] != GREY, len(set(c.values())) == 10
    ('#E69F00', True, True)
    """
    fixed = dict(fixed or {})
    keys = [k for k in dict.fromkeys(keys) if k not in fixed]
    return dict(zip(keys, palette(len(keys)))) | {k: v for k, v in fixed.items()}


def _config() -> alt.theme.ThemeConfig:
    label = {"labelFont": FONT, "titleFont": FONT, "labelColor": INK, "titleColor": INK}
    return {
        "config": {
            "font": FONT,
            "background": "white",
            "padding": 12,
            "view": {"stroke": None, "continuousWidth": 520, "continuousHeight": 320},
            "title": {"anchor": "start", "fontSize": 16, "fontWeight": "bold", "color": "#111111",
                      "subtitleFontSize": 11, "subtitleColor": "#555555", "subtitlePadding": 4,
                      "offset": 10},
            "axis": {**label, "labelFontSize": 11, "titleFontSize": 12, "gridColor": "#EBEBEB",
                     "domainColor": "#888888", "tickColor": "#888888", "titleFontWeight": "normal"},
            "legend": {**label, "labelFontSize": 11, "titleFontSize": 11, "orient": "bottom",
                       "direction": "horizontal", "columns": 4, "symbolStrokeWidth": 1.5,
                       "labelLimit": 260},
            "header": {"labelFont": FONT, "titleFont": FONT, "labelFontSize": 12, "labelColor": INK},
            "text": {"font": FONT, "fontSize": 11, "color": INK},
            "range": {"category": PALETTE, "ramp": {"scheme": SEQUENTIAL}},
            "concat": {"spacing": 24},
        }
    }


alt.theme.register(NAME, enable=False)(_config)


def use() -> str:
    """Enable the toolkit's Altair theme and its offline renderer (no CDN); returns the theme's name.

    >>> use()
    'toolkit'
    """
    from toolkit.views import embed

    alt.theme.enable(NAME)
    embed.enable()
    return NAME


_THEMED: dict[type, type] = {}


def themed(chart):
    """The chart, drawn and saved with the toolkit's theme and offline renderer whatever is enabled globally.

    >>> before = alt.theme.active
    >>> themed(alt.Chart().mark_point()).to_dict()["config"]["font"] == FONT and alt.theme.active == before
    True
    """
    cls = type(chart)
    if cls in _THEMED.values():
        return chart
    if cls not in _THEMED:
        def to_dict(self, *args, **kwargs):
            with alt.theme.enable(NAME):
                return cls.to_dict(self, *args, **kwargs)

        def _repr_mimebundle_(self, *args, **kwargs):
            from toolkit.views import embed

            with alt.theme.enable(NAME), alt.renderers.enable(embed.register()):
                return cls._repr_mimebundle_(self, *args, **kwargs)

        def save(self, fp, format=None, scale_factor=None, **kwargs):
            """Altair's ``chart.save``, but a file name with a known extension is drawn as :func:`toolkit.save`
            draws it: offline HTML, and PNG/SVG/PDF at the chart's natural width (not Altair's 520 px default
            for a chart that fills its container)."""
            import os

            from toolkit.views import saving

            ext = os.path.splitext(str(fp))[1].lower() if isinstance(fp, (str, os.PathLike)) else ""
            if format is None and not kwargs and ext in saving.FORMATS:
                return saving.save(self, fp, scale=scale_factor or 2.0)
            with alt.theme.enable(NAME):
                return cls.save(self, fp, format=format, scale_factor=scale_factor, **kwargs)

        _THEMED[cls] = type(cls.__name__, (cls,), {"to_dict": to_dict, "_repr_mimebundle_": _repr_mimebundle_,
                                                   "save": save, "__module__": cls.__module__, "__doc__": cls.__doc__})
    chart = chart.copy(deep=False)
    object.__setattr__(chart, "__class__", _THEMED[cls])  # Altair keeps plain attributes in the spec
    return chart


def finish(chart, title: str, *notes: str, source: str = "", width: int | None = None, least: int = 300,
           aspect: float | None = None, switch: dict | None = None, steps: dict | None = None, inset: int = 0):
    """Give a chart its title, notes (wrapped) and the source line (the dataset's), as subtitle lines; the
    chart carries the toolkit's theme (see :func:`themed`).

    ``width`` (the natural width of a chart drawn ``width="container"``) makes it re-lay itself out by the
    width it is given, down to ``least`` pixels (see :func:`toolkit.views.embed.fit`): the title and notes are
    wrapped for each width, maps keep their ``aspect``.

    >>> finish(alt.Chart().mark_point(), "A title", source="Source: a paper").to_dict()["title"]["subtitle"][-1]
    'Source: a paper'
    """
    lines = _lines(title, notes, source, 130 if width is None else max(60, int(width / _NOTE_PX)))
    chart = chart.properties(title=alt.Title(lines[0], subtitle=lines[1], anchor="start"))
    if width is None:
        return themed(chart)
    rooms = sorted({w for w in (least + 60, 560, width) if least <= w <= width})
    hints = {"width": width, "min": least,
             "wraps": [[w, *_lines(title, notes, source, int(w / _NOTE_PX), int(w / _TITLE_PX))] for w in rooms]}
    if aspect:
        hints["aspect"] = aspect
    if switch:
        hints["switch"] = switch
    if inset:  # pixels left of the views (a y axis' labels) that the views' width leaves for them
        hints["inset"] = inset
    if steps:  # band steps (a heatmap's columns) narrowed to the room: {"reserve": px or expression, "least": px}
        hints["steps"] = steps
    return themed(chart.properties(usermeta={"toolkit": hints}))


_TITLE_PX, _NOTE_PX = 9.4, 6.2  # a character's width in the title (16 px bold) and the notes (11 px)


def _lines(title: str, notes, source: str, chars: int, title_chars: int | None = None) -> list:
    """(title, subtitle lines): the title as one line (or wrapped at ``title_chars``), notes wrapped at ``chars``."""
    head = textwrap.wrap(title, title_chars) if title_chars else title
    body = [part for n in notes if n for part in textwrap.wrap(n, chars)]
    return [head, body + (textwrap.wrap(source, chars) if source else [])]
