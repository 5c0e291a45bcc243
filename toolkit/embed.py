"""Offline Vega embedding: charts that render from ``file://`` and in JupyterLab with no network.

Altair's own HTML output loads Vega from a CDN and shows nothing offline. The ``toolkit`` renderer
puts the Vega / Vega-Lite / vega-embed bundle (shipped by vl-convert) into every chart's output, so
each output works on its own (JupyterLab, a saved notebook, nbconvert); the report builder keeps one
copy per page. Strip outputs before committing notebooks: each chart output weighs about 0.9 MB.

>>> from toolkit import embed
>>> embed.enable()            # doctest: +SKIP
"""

from __future__ import annotations

import json
import re
from functools import cache
from uuid import uuid4

BUNDLE_MARK = "tk-vega-bundle"
# an escaped U+2028/U+2029 in JSON text (not an escaped backslash followed by "u2028")
_SEPARATOR = re.compile(r"(?<!\\)((?:\\\\)*)\\u202[89]")


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


def script_json(obj) -> str:
    """JSON that is safe inside a ``<script>`` element: no ``</script>``, ``<!--`` or ``&`` survive, and
    U+2028/U+2029 become spaces (Vega's expression parser rejects them in the sort lists Vega-Lite writes,
    leaving a blank chart).

    >>> script_json({"name": "A\u2028B</script>"})
    '{"name": "A B\\\\u003c/script\\\\u003e"}'
    """
    text = _SEPARATOR.sub(r"\1 ", json.dumps(obj))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def html(spec: dict, with_bundle: bool) -> str:
    """The HTML of one chart: a div, its spec as data, and a call to vegaEmbed once the bundle is loaded."""
    uid = f"tk-vega-{uuid4().hex[:12]}"
    head = f'<script class="{BUNDLE_MARK}">if(!window.vegaEmbed){{{bundle()}}}</script>' if with_bundle else ""
    call = (f"(function(){{var spec={script_json(spec)},n=0;function go(){{"
            f"if(!window.vegaEmbed){{if(n++<400)setTimeout(go,25);return;}}"
            f"vegaEmbed(document.getElementById('{uid}'),spec,{{actions:false,renderer:'svg'}})"
            f".catch(function(e){{console.error('chart failed: '+e);}});}}go();}})();")
    return f'{head}<div id="{uid}" class="tk-vega"></div><script>{call}</script>'


def renderer(spec: dict, **metadata) -> dict:
    """Altair renderer: a text/html bundle that needs no network."""
    return {"text/html": html(spec, with_bundle=True), "text/plain": "<Altair chart (toolkit renderer)>"}


def enable() -> None:
    """Register and enable the ``toolkit`` renderer for Altair (idempotent)."""
    import altair as alt

    if "toolkit" not in alt.renderers.names():
        alt.renderers.register("toolkit", renderer)
    alt.renderers.enable("toolkit")
