"""Parts of the report site's pages: charts drawn by one shared ``vega.js``, a table of contents, downloads.

The report builder (``toolkit.report``) executes the notebooks; this module turns their chart outputs into
page HTML and writes what the pages share.

- One ``vega.js`` per site (:func:`write_bundle`): Vega, Vega-Lite and vega-embed, scoped so that only
  ``vega``, ``vegaLite`` and ``vegaEmbed`` become globals.
- Each chart keeps the static PNG its notebook output carries, shown until Vega draws the chart: a page
  saved alone (without ``vega.js``) still shows every chart, as an image.

>>> from toolkit import pages
>>> pages.toc('<h2 id="a">A<a class="anchor-link" href="#a">¶</a></h2>')
'<nav class="tk-toc" aria-label="On this page"><b>On this page</b><ol><li><a href="#a">A</a></li></ol></nav>'
"""

from __future__ import annotations

import html
import json
import os
import re
import tempfile
from pathlib import Path

from toolkit import embed

BUNDLE_FILE = "vega.js"
DOWNLOADS = "notebooks"
SCRIPT = f'<script src="{BUNDLE_FILE}"></script>'


def charts_to_html(nb) -> int:
    """Replace every Vega output of an executed notebook by page HTML (chart + static image); returns how many."""
    count = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if embed.MIME not in data:
                continue
            spec = data[embed.MIME]
            alt = data.get("text/plain", "chart").removeprefix("<chart: ").removesuffix(">")
            out["data"] = {"text/html": embed.html(spec, data.get("image/png"), alt)}
            out["metadata"] = {}
            count += 1
    return count


def slim_images(page: str) -> str:
    """Re-encode the page's PNG data URIs as lossless WebP where that is smaller (same pixels, ~40% fewer bytes)."""
    import base64
    import io

    from PIL import Image

    def webp(m):
        raw = base64.b64decode(m.group(1))
        out = io.BytesIO()
        try:
            Image.open(io.BytesIO(raw)).save(out, "WEBP", lossless=True, method=4)
        except (OSError, ValueError):  # not an image Pillow reads: keep it as it is
            return m.group(0)
        if out.tell() >= len(raw):
            return m.group(0)
        return "data:image/webp;base64," + base64.b64encode(out.getvalue()).decode("ascii")

    return re.sub(r"data:image/png;base64,([A-Za-z0-9+/=\s]+)", webp, page)


def toc(page: str) -> str:
    """A table of contents of the page's second- and third-level headings ('' when it has none)."""
    items, depth = [], 2
    for level, hid, inner in re.findall(r'<h([23]) id="([^"]+)"[^>]*>(.*?)</h\1>', page, re.S):
        text = re.sub(r"<[^>]+>", "", inner.replace("¶", "")).strip()
        items.append((int(level), hid, html.unescape(text)))
    if not items:
        return ""
    out = []
    for level, hid, text in items:
        while depth < level:
            out.append("<ol>")
            depth += 1
        while depth > level:
            out.append("</ol>")
            depth -= 1
        out.append(f'<li><a href="#{html.escape(hid)}">{html.escape(text)}</a></li>')
    out += ["</ol>"] * (depth - 2)
    return f'<nav class="tk-toc" aria-label="On this page"><b>On this page</b><ol>{"".join(out)}</ol></nav>'


def download_link(name: str) -> str:
    """The link to a chapter's notebook, as copied by :func:`copy_notebook`."""
    href = f"{DOWNLOADS}/{name}"
    return (f'<p class="tk-download"><a href="{html.escape(href)}" download>Download this chapter\'s notebook '
            f"({html.escape(name)})</a>, to run it with the toolkit installed.</p>")


def copy_notebook(src: Path, site: Path) -> Path:
    """Copy a notebook into the site's ``notebooks/`` folder without its outputs (what a reader runs)."""
    nb = json.loads(Path(src).read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
    dst = site / DOWNLOADS / Path(src).name
    _write(dst, json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    return dst


def write_bundle(site: Path) -> Path:
    """Write the site's one ``vega.js`` (about 0.9 MB) unless an identical one is there."""
    path, js = site / BUNDLE_FILE, embed.site_bundle()
    if not (path.is_file() and path.stat().st_size == len(js.encode()) and path.read_text(encoding="utf-8") == js):
        _write(path, js)
    return path


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)  # readable by a web server, like the pages
    os.replace(tmp, path)


# Readable from 390 px up: prose wraps, a table too wide for the screen scrolls inside its own box (the page never
# scrolls sideways; words are not cut letter by letter), charts and images scale down to the width.
CSS = """
html{-webkit-text-size-adjust:100%}
body{overflow-wrap:break-word}
.tk-toc{font:14px/1.4 system-ui,sans-serif;background:#f7f7f7;border:1px solid #e3e3e3;border-radius:4px;padding:8px 12px;margin:1rem 0;max-width:40rem}
.tk-toc ol{margin:4px 0 0;padding-left:1.4em}.tk-toc a{color:#0b5394;text-decoration:none}
.tk-download{font:14px system-ui,sans-serif}
.tk-chart{max-width:100%;overflow:hidden}
.tk-vega .vega-embed{display:block;max-width:100%}
.tk-vega svg,.tk-vega canvas,.tk-static,.jp-RenderedImage img{max-width:100%;height:auto}
.jp-RenderedHTMLCommon table,.tk-page table{display:block;max-width:100%;overflow-x:auto}
pre{white-space:pre-wrap;overflow-wrap:anywhere}
.jp-OutputArea-output{overflow-x:auto;max-width:100%}
@media (max-width:600px){
 .jp-Cell{padding:4px 0!important}
 .jp-InputArea-editor,.jp-OutputArea-output,.jp-RenderedHTMLCommon{max-width:100%}
 .tk-page{margin:1rem auto}
}
"""
