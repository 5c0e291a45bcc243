"""Save a chart to a file that works offline: HTML with Vega inlined, PNG, SVG, PDF or the Vega-Lite JSON.

Altair's ``chart.save("x.html")`` loads Vega from a CDN, so the file is blank without a network;
:func:`save` inlines the libraries (vl-convert), so the HTML opens from disk anywhere.

>>> import toolkit
>>> from toolkit import charts
>>> toolkit.save(charts.estimates(), "estimates.html")   # doctest: +SKIP
PosixPath('estimates.html')
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from toolkit.core.errors import InputError
from toolkit.core.files import write_atomic

FORMATS = (".html", ".png", ".svg", ".pdf", ".json")


def _spec(chart) -> dict:
    if isinstance(chart, dict):
        return chart
    to_dict = getattr(chart, "to_dict", None)
    if to_dict is None:
        raise TypeError(f"save() needs an Altair chart or a Vega-Lite spec (dict), not {type(chart).__name__}")
    return to_dict()


def _html(spec: dict) -> str:
    """A stand-alone page: the chart and the (cached, scoped) Vega bundle in one file."""
    import html

    from toolkit.views import embed

    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>{html.escape(embed.title(spec))}</title>'
            '<style>body{margin:16px;font-family:system-ui,sans-serif}.tk-vega,.tk-vega.vega-embed{display:block;width:100%}.tk-vega svg{max-width:100%;height:auto}</style>'
            f"</head><body>{embed.html(spec, with_bundle=True)}</body></html>\n")


def save(chart, path: str | os.PathLike, scale: float = 2.0) -> Path:
    """Write ``chart`` (an Altair chart, a Vega-Lite dict, or a Matplotlib figure such as
    ``maps.static_regions()``: .png, .svg, .pdf) to ``path``; the extension chooses the format.

    HTML embeds Vega, Vega-Lite and vega-embed (about 1 MB) and opens from ``file://`` with no network; PNG is
    drawn at ``scale`` times the chart's size. The file is written whole or not at all.

    >>> save({"mark": "point"}, "chart.docx")
    Traceback (most recent call last):
    toolkit.InputError: cannot save chart.docx: unknown extension '.docx'; use one of .html, .png, .svg, .pdf, .json
    """
    path = Path(path)
    ext = path.suffix.lower()
    if _is_figure(chart):  # a Matplotlib figure (maps.static_regions): drawn by Matplotlib itself
        if ext not in _FIGURE_FORMATS:
            raise ValueError(f"cannot save {path}: a Matplotlib figure is saved as {', '.join(_FIGURE_FORMATS)}, "
                             f"not {ext or '(no extension)'}")
        import io

        out = io.BytesIO()
        chart.savefig(out, format=ext[1:], dpi=100 * scale if ext == ".png" else None, bbox_inches="tight")
        return write_atomic(path, out.getvalue())
    if ext not in FORMATS:
        raise InputError(f"cannot save {path}: unknown extension {ext or '(none)'!r}; use one of {', '.join(FORMATS)}")
    spec = _spec(chart)
    import vl_convert

    from toolkit.views import embed

    if ext == ".html":
        data = _html(spec).encode("utf-8")
    elif ext == ".png":
        data = vl_convert.vega_to_png(embed.to_vega(spec), scale=scale)  # at the chart's natural width
    elif ext == ".svg":
        data = vl_convert.vega_to_svg(embed.to_vega(spec)).encode("utf-8")
    elif ext == ".pdf":
        data = vl_convert.vega_to_pdf(embed.to_vega(spec))
    else:
        data = (json.dumps(spec, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
    return write_atomic(path, data)  # whole or not at all, with the user's umask


_FIGURE_FORMATS = (".png", ".svg", ".pdf")


def _is_figure(obj) -> bool:
    return type(obj).__module__.startswith("matplotlib") and hasattr(obj, "savefig")
