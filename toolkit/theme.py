"""The toolkit's look: an Okabe–Ito palette, an Altair theme, and the title + source line of every view.

Importing ``toolkit.charts`` or ``toolkit.maps`` enables the theme (``use()`` does it again after you
switched to another one). Colours are also written into each chart's scales, so a view keeps its
meaning under any theme.

>>> from toolkit import theme
>>> theme.colours(["melikov", "bortnikov"])
{'melikov': '#E69F00', 'bortnikov': '#56B4E9'}
"""
from __future__ import annotations

import textwrap

import altair as alt

import toolkit

__all__ = ["FONT", "GREY", "INK", "LIGHT", "NAME", "PALETTE", "SEQUENTIAL", "colours", "finish", "use"]

NAME = "toolkit"
# Okabe & Ito (2008), colour-blind safe; yellow (#F0E442) left out: too faint on white for thin marks.
PALETTE = ["#E69F00", "#56B4E9", "#009E73", "#D55E00", "#0072B2", "#CC79A7", "#000000"]
GREY = "#9A9A9A"   # "not stated", "no data"
LIGHT = "#E4E4E4"  # backgrounds, not-mentioned regions
INK = "#333333"    # text and neutral marks
SEQUENTIAL = "blues"  # counts (mentions): a single-hue ramp reads in every colour vision
FONT = "Liberation Sans, Helvetica, Arial, sans-serif"


def colours(keys, fallback: str = GREY) -> dict:
    """Map keys to palette colours in order; keys beyond the palette share ``fallback``.

    >>> colours(["a", "b", "c", "d", "e", "f", "g", "h"])["h"]
    '#9A9A9A'
    """
    keys = list(dict.fromkeys(keys))
    return {k: PALETTE[i] if i < len(PALETTE) else fallback for i, k in enumerate(keys)}


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
    from toolkit import embed

    alt.theme.enable(NAME)
    embed.enable()
    return NAME


def finish(chart, title: str, *notes: str):
    """Give a chart its title, notes (wrapped) and the source line, as subtitle lines.

    >>> finish(alt.Chart().mark_point(), "A title").to_dict()["title"]["subtitle"][-1]
    'Source: RFE/RL, J. Paraszczuk, March 2015'
    """
    lines = [part for n in notes if n for part in textwrap.wrap(n, 130)] + [toolkit.SOURCE_LINE]
    return chart.properties(title=alt.Title(title, subtitle=lines, anchor="start"))
