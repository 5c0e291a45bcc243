"""Parts of the report site's pages: charts drawn by one shared ``vega.js``, a table of contents, downloads.

The report builder (``toolkit.tools.site.report``) executes the notebooks; this module turns their chart outputs into
page HTML and writes what the pages share.

- One ``vega.js`` per site (:func:`write_bundle`): Vega, Vega-Lite and vega-embed, scoped so that only
  ``vega``, ``vegaLite`` and ``vegaEmbed`` become globals.
- Each chart keeps the static PNG its notebook output carries, shown until Vega draws the chart: a page
  saved alone (without ``vega.js``) still shows every chart, as an image.
- Slimmer pages: the template's CSS cut to the rules a page can use (:func:`slim_css`), images re-encoded
  as lossless WebP (:func:`slim_images`).

>>> from toolkit.tools.site import pages
>>> pages.toc('<h2 id="a">A<a class="anchor-link" href="#a">¶</a></h2>')
'<nav class="tk-toc" aria-label="On this page"><b>On this page</b><ol><li><a href="#a">A</a></li></ol></nav>'
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from toolkit.views import embed

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
    from toolkit.core.files import write_atomic

    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text)  # readable as the user's umask says, like the pages


# Readable from 390 px up: prose wraps, a table too wide for the screen scrolls inside its own box (the page never
# scrolls sideways; words are not cut letter by letter), charts and images scale down to the width.
CSS = """
html{-webkit-text-size-adjust:100%}
body{overflow-wrap:break-word}
.tk-toc{font:14px/1.4 system-ui,sans-serif;background:#f7f7f7;border:1px solid #e3e3e3;border-radius:4px;padding:8px 12px;margin:1rem 0;max-width:40rem}
.tk-toc ol{margin:4px 0 0;padding-left:1.4em}.tk-toc a{color:#0b5394;text-decoration:none}
.tk-download{font:14px system-ui,sans-serif}
.tk-chart{max-width:100%;overflow:hidden}
.tk-vega,.tk-vega.vega-embed{display:block;width:100%;max-width:100%}
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


# --- the template's CSS, cut to the rules a page can use ----------------------------------------------
# nbconvert's "lab" template inlines all of JupyterLab's CSS (~260 KB: widgets, menus, icons as data URIs) in
# every page. A static page uses a few dozen classes and no JupyterLab script adds any later, so rules whose
# classes, ids or attributes appear nowhere in the page, and custom properties nothing refers to, are dropped.
# tinycss2 parses and writes the CSS (imported where used: the CLI loads this module without the report extra).

_GROUPS = {"media", "supports", "layer", "container"}  # at-rules holding style rules, pruned inside
_VAR = re.compile(r"var\(\s*(--[-\w]+)")


def _group(rule) -> bool:
    return rule.type == "at-rule" and rule.lower_at_keyword in _GROUPS and rule.content is not None


def _may_match(selector: list, used: dict) -> bool:
    """False only when the selector's tokens need a class, id or attribute the page does not have.

    Only the top level counts: what :not(), :is(), :where()... ask for is left out, a looser selector."""
    for before, token in zip([None, *selector], selector):
        if token.type == "[] block" and "|" not in token.content:  # [attr], [attr=value]; not [ns|attr]
            attr = next((t.lower_value for t in token.content if t.type == "ident"), None)
            if attr and attr not in used["attr"]:
                return False
        elif ((token.type == "hash" and token.value not in used["id"])
                or (token.type == "ident" and before == "." and token.value not in used["class"])):
            return False
    return True


def _prune(rules, used) -> list:
    """The rules a page may use: style rules cut to the selectors that may match (prelude as text, declarations
    parsed), @media and the like pruned inside, other at-rules (@import, @font-face, @keyframes...) kept whole."""
    import tinycss2

    out = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors = [[]]
            for token in rule.prelude:
                if token == ",":
                    selectors.append([])
                else:
                    selectors[-1].append(token)
            kept = [tinycss2.serialize(s).strip() for s in selectors if _may_match(s, used)]
            if kept:
                rule.prelude = ",".join(kept)
                rule.content = [n for n in tinycss2.parse_blocks_contents(rule.content, skip_whitespace=True)
                                if n.type != "error"]
                out.append(rule)
        elif _group(rule):
            rule.prelude = tinycss2.serialize(rule.prelude)
            rule.content = _prune(tinycss2.parse_rule_list(rule.content, skip_whitespace=True), used)
            if rule.content:
                out.append(rule)
        elif rule.type == "at-rule":
            out.append(rule)
    return out


def _leaves(rules):
    """Style rules and whole at-rules, also those inside @media and the like."""
    for rule in rules:
        yield from _leaves(rule.content) if _group(rule) else [rule]


def _render(rules, keep_var) -> str:
    """Pruned rules as CSS, without the custom properties ``keep_var`` turns down and rules left empty."""
    parts = []
    for rule in rules:
        if rule.type == "qualified-rule":
            body = ";".join(n.serialize().strip() for n in rule.content
                            if n.type != "declaration" or not n.name.startswith("--") or keep_var(n.name))
            parts.append(body and f"{rule.prelude}{{{body}}}")
        elif _group(rule):
            inner = _render(rule.content, keep_var)
            parts.append(inner and f"@{rule.at_keyword}{rule.prelude}{{{inner}}}")
        else:
            parts.append(rule.serialize())
    return "\n".join(p for p in parts if p)


def slim_css(page: str) -> str:
    """The page with its template ``<style>`` blocks (in <head>) cut to what the page can use."""
    import tinycss2

    head_end = page.find("</head>")
    if head_end < 0:
        return page
    styles = list(re.finditer(r"<style[^>]*>(.*?)</style>", page[:head_end], re.S))
    rest = "".join(page[a:b] for a, b in zip([0, *(m.end() for m in styles)], [*(m.start() for m in styles), len(page)]))
    used = {"class": set(), "id": set(), "attr": set()}
    for tag in re.findall(r"<[a-zA-Z][^>]*>", rest):
        for name, value in re.findall(r'([-\w:]+)\s*=\s*(?:"([^"]*)"|\'[^\']*\'|[^\s>]+)', tag):
            used["attr"].add(name.lower())
            if name.lower() == "class":
                used["class"].update(value.split())
            elif name.lower() == "id":
                used["id"].add(value)
        used["attr"].update(a.lower() for a in re.findall(r"\s([-\w:]+)(?=[\s/>])", tag))  # bare attributes
    sheets = [_prune(tinycss2.parse_stylesheet(m.group(1), skip_comments=True, skip_whitespace=True), used)
              for m in styles]
    # custom properties: keep those referred to by a kept declaration, by the page, or by another kept one
    defined, refs = {}, set(_VAR.findall(rest))
    for rule in _leaves(r for sheet in sheets for r in sheet):
        for node in rule.content if rule.type == "qualified-rule" else [rule]:
            if node.type == "declaration" and node.name.startswith("--"):
                defined.setdefault(node.name, []).append(node.serialize())
            else:
                refs.update(_VAR.findall(node.serialize()))
    todo = list(refs)
    while todo:
        for value in defined.get(todo.pop(), []):
            for ref in _VAR.findall(value):
                if ref not in refs:
                    refs.add(ref)
                    todo.append(ref)
    out, last = [], 0
    for m, sheet in zip(styles, sheets):
        css = _render(sheet, refs.__contains__)
        out += [page[last:m.start()], f"<style>\n{css}\n</style>" if css.strip() else ""]
        last = m.end()
    return "".join(out) + page[last:]
