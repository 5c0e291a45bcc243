"""Charts that travel: Vega output JupyterLab draws by itself, a static image for everyone else.

The ``toolkit`` Altair renderer (enabled by ``toolkit.theme.use()``) gives each chart output three
forms and no JavaScript library:

- ``application/vnd.vega.v5+json``: the chart compiled to a Vega spec by vl-convert. JupyterLab 4.6
  draws it with the Vega renderer it ships (interactive, offline, in trusted *and* untrusted
  notebooks: that renderer runs no code from the notebook). Its Vega-Lite is 5.6, too old for the
  Vega-Lite 6 specs Altair 6 writes, hence the compiled Vega spec.
- ``image/png``: a palette PNG of the same chart, for viewers that run no script (GitHub, nbviewer,
  ``nbconvert --to html``, an e-mail) and so JupyterLab does not add its own, larger one on save.
- ``text/plain``: the chart's title.

The report builder turns the Vega output into a ``<div>`` drawn by one shared ``vega.js`` per site
(:func:`site_bundle`, :func:`html`).

>>> from toolkit.views import embed
>>> embed.enable()            # doctest: +SKIP
"""

from __future__ import annotations

import base64
import io
import json
import re
from functools import cache
from uuid import uuid4

BUNDLE_MARK = "tk-vega-bundle"
# an escaped U+2028/U+2029 in JSON text (not an escaped backslash followed by "u2028")
_SEPARATOR = re.compile(r"(?<!\\)((?:\\\\)*)\\u202[89]")
MIME = "application/vnd.vega.v5+json"
GLOBALS = ("vega", "vegaLite", "vegaEmbed")


@cache
def bundle() -> str:
    """The Vega, Vega-Lite and vega-embed JavaScript as one classic script (globals ``vegaEmbed``, ``vega``).

    Building it takes about a second, so it is kept in the user's cache folder, one file per vl-convert
    version (``$XDG_CACHE_HOME`` or ``~/.cache``, under ``nc-fighters-toolkit``).
    """
    import os
    import tempfile
    from pathlib import Path

    import vl_convert

    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nc-fighters-toolkit"
    path = folder / f"vega-bundle-vl-convert-{vl_convert.__version__}.js"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        pass
    js = vl_convert.javascript_bundle()
    try:  # a cache that cannot be written only costs time
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(js)
        os.replace(tmp, path)
    except OSError:
        pass
    return js


def site_bundle() -> str:
    """:func:`bundle` wrapped in a function, so only ``vega``, ``vegaLite`` and ``vegaEmbed`` become globals.

    The bare bundle declares hundreds of top-level names (``_`` among them) that would clash with a page's own.
    """
    return f"(function(){{\n{bundle()}\n}})();\n"


def script_json(obj) -> str:
    """JSON that is safe inside a ``<script>`` element: no ``</script>``, ``<!--`` or ``&`` survive, and
    U+2028/U+2029 become spaces (Vega's expression parser rejects them in the sort lists Vega-Lite writes,
    leaving a blank chart).

    >>> script_json({"name": "A\u2028B</script>"})
    '{"name":"A B\\\\u003c/script\\\\u003e"}'
    """
    text = _SEPARATOR.sub(r"\1 ", json.dumps(obj, separators=(",", ":")))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def to_vega(spec: dict) -> dict:
    """A Vega-Lite spec compiled to Vega by vl-convert (the Vega-Lite version Altair writes)."""
    import vl_convert

    return vl_convert.vegalite_to_vega(spec)


def png(vega_spec: dict, scale: float = 1.0) -> bytes:
    """The chart as a palette PNG (flat chart colours: about 5× smaller than vl-convert's RGBA PNG)."""
    import vl_convert
    from PIL import Image

    image = Image.open(io.BytesIO(vl_convert.vega_to_png(vega_spec, scale=scale))).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(out, "PNG", optimize=True)
    return out.getvalue()


def title(spec: dict) -> str:
    """The chart's title as text ('chart' when it has none)."""
    t = spec.get("title")
    t = t.get("text", "") if isinstance(t, dict) else t
    t = " ".join(t) if isinstance(t, list) else t
    return str(t or "chart")


def mimebundle(spec: dict) -> tuple[dict, dict]:
    """A Vega-Lite spec as a notebook output: (data, metadata) with the Vega spec, a PNG and the title."""
    vega_spec = to_vega(spec)
    data = {MIME: vega_spec, "image/png": base64.b64encode(png(vega_spec)).decode("ascii"),
            "text/plain": f"<chart: {title(spec)}>"}
    return data, {MIME: {"embed_options": {"actions": False}}}


def html(spec: dict, image: str | None = None, alt: str = "chart", with_bundle: bool = False) -> str:
    """The HTML of one chart: a div, the spec (Vega or Vega-Lite, told by its ``$schema``), a call to vegaEmbed.

    The page loads the bundle once (the report's ``vega.js``), or ``with_bundle=True`` puts the scoped bundle
    before the chart (a stand-alone file). ``image`` (base64 PNG) is shown until the chart draws, and stays when
    the bundle is absent (a page saved alone).
    """
    uid = f"tk-vega-{uuid4().hex[:12]}"
    mode = "vega-lite" if "vega-lite" in str(spec.get("$schema", "vega-lite")) else "vega"
    head = f'<script class="{BUNDLE_MARK}">if(!window.vegaEmbed){site_bundle()}</script>' if with_bundle else ""
    fallback = (f'<img class="tk-static" alt="{_attr(alt)}" src="data:image/png;base64,{image}">' if image else "")
    call = (f"(function(){{var spec={script_json(spec)},n=0;function go(){{"
            f"if(!window.vegaEmbed){{if(n++<200)setTimeout(go,25);return;}}"
            f"var el=document.getElementById('{uid}');"
            f"vegaEmbed(el,spec,{{mode:'{mode}',actions:false,renderer:'svg'}})"
            f".then(function(){{var s=el.parentNode.querySelector('.tk-static');if(s)s.remove();}})"
            f".catch(function(e){{console.error('chart failed: '+e);}});}}go();}})();")
    return f'{head}<div class="tk-chart"><div id="{uid}" class="tk-vega"></div>{fallback}</div><script>{call}</script>'


def _attr(text: str) -> str:
    import html as h

    return h.escape(text, quote=True)


def renderer(spec: dict, **metadata) -> tuple[dict, dict]:
    """Altair renderer: the chart as Vega (drawn natively by JupyterLab) plus a static PNG; no library in the output."""
    return mimebundle(spec)


def register() -> str:
    """Register the ``toolkit`` renderer with Altair without enabling it (idempotent); returns its name."""
    import altair as alt

    if "toolkit" not in alt.renderers.names():
        alt.renderers.register("toolkit", renderer)
    return "toolkit"


def enable() -> None:
    """Register and enable the ``toolkit`` renderer for every Altair chart of the session (an explicit choice:
    the toolkit's own views use it without it)."""
    import altair as alt

    alt.renderers.enable(register())
