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
ROOM = "tk_room"  # the width a chart may take: its container's, within its natural and least widths
VEGA_LITE = "5.21"  # the last Vega-Lite that writes Vega 5 (JupyterLab 4.6 draws with Vega 5.33)


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
    """A Vega-Lite spec compiled to Vega 5 by vl-convert, sized by its container (see :func:`fit`).

    Compiled with Vega-Lite :data:`VEGA_LITE` (Vega 5), the Vega JupyterLab ships: a Vega 6 spec makes its
    renderer warn "The input spec uses Vega v6, but the current version of Vega is v5.33".
    """
    import vl_convert

    return fit(vl_convert.vegalite_to_vega(spec, vl_version=VEGA_LITE), sizing(spec))


def sizing(spec: dict) -> dict:
    """The toolkit's sizing hints a chart carries (``usermeta.toolkit``): its natural ``width``, the least
    ``min`` it may be drawn at, and ``aspect`` (height = width × aspect) for maps."""
    meta = spec.get("usermeta") if isinstance(spec, dict) else None
    return dict((meta or {}).get("toolkit") or {})


def fit(vega: dict, hints: dict) -> dict:
    """Make a compiled chart re-lay itself out to its container's width, between ``min`` and its natural width.

    Vega-Lite's ``width: "container"`` takes the container's whole width and falls back to a default where
    there is none (a PNG); here the width is the container's less the chart's padding, never above the
    natural width (nor below ``min``), and the natural width where there is no container (a PNG). Legends stack
    and wrap, and titles are rewrapped, as the room narrows; texts are cut to the view's width by the charts.
    """
    natural = hints.get("width")
    if not natural:
        return vega
    low = min(hints.get("min", natural), natural)
    pad = vega.get("padding", 5)
    pad = 2 * pad if isinstance(pad, (int, float)) else pad.get("left", 5) + pad.get("right", 5)
    room = f"isFinite(containerSize()[0]) && containerSize()[0] > 0 ? max({low}, min({natural}, containerSize()[0] - {pad})) : {natural}"
    signals = [s for s in vega.setdefault("signals", []) if s.get("name") != ROOM]  # a chart may declare it
    signals.insert(0, {"name": ROOM, "init": room, "on": [{"events": "window:resize", "update": room}]})
    vega["signals"] = signals
    switch = hints.get("switch")
    inset = hints.get("inset", 0)  # room taken by labels left of the views (a y axis), not by the views
    own = (f"{ROOM} < {switch['below']} ? {ROOM} : {natural}" if switch else f"max(100, {ROOM} - {inset})" if inset
           else ROOM)
    if switch:  # another layout, of another height, below a width
        height = vega.pop("height", None)
        signals.append({"name": "height", "update": f"{ROOM} < {switch['below']} ? {switch['height']} : {height}"})
    steps = hints.get("steps")
    for sig in signals:
        name = sig.get("name", "")
        if steps and name.endswith("_x_step") and isinstance(sig.get("value"), (int, float)):
            step = sig.pop("value")  # (the scale's domain cannot be asked: its range depends on this step)
            sig["update"] = (f"max({steps.get('least', 4)}, min({step}, floor(({ROOM} - ({steps['reserve']})) / "
                             f"{max(1, steps.get('count', 1))})))")
        if sig.get("name") == "width" and "containerSize" in str(sig.get("init", "")):
            sig.pop("value", None)
            sig["init"], sig["on"] = own, [{"events": {"signal": ROOM}, "update": own}]
            vega["autosize"] = {"type": "pad", "resize": True}
        elif sig.get("name") == "height" and hints.get("aspect") and "update" not in sig:
            sig.pop("value", None)
            sig["update"] = f"round(width * {hints['aspect']})"
    config = (vega.get("config") or {}).get("legend") or {}
    # several legends below a chart: one under another, so that they never make it wider
    vega.setdefault("config", {}).setdefault("legend", {}).setdefault("layout", {})["bottom"] = {
        "anchor": "start", "direction": "vertical", "margin": 10}
    _legends(vega, config.get("columns", 0), config.get("labelLimit", 160))
    wraps = hints.get("wraps")
    if wraps and isinstance(vega.get("title"), dict):  # the title and notes wrapped for the width there is
        for part, key in (("text", 1), ("subtitle", 2)):
            names = []
            for i, w in enumerate(wraps):
                names.append(f"tk_{part}_{i}")
                signals.append({"name": names[-1], "value": w[key]})
            pick = names[-1]
            for w, name in reversed(list(zip(wraps[:-1], names[:-1]))):
                pick = f"{ROOM} <= {w[0]} ? {name} : ({pick})"
            vega["title"][part] = {"signal": pick}
    return vega
    low = min(hints.get("min", natural), natural)
    pad = vega.get("padding", 5)
    pad = 2 * pad if isinstance(pad, (int, float)) else pad.get("left", 5) + pad.get("right", 5)
    room = f"containerSize()[0] - {pad}"
    expr = f"isFinite(containerSize()[0]) && containerSize()[0] > 0 ? max({low}, min({natural}, {room})) : {natural}"
    for sig in vega.get("signals", []):
        if sig.get("name") == "width" and "containerSize" in str(sig.get("init", "")):
            sig.pop("value", None)
            sig["init"], sig["on"] = expr, [{"events": "window:resize", "update": expr}]
            vega["autosize"] = {"type": "pad", "resize": True}
        elif sig.get("name") == "height" and hints.get("aspect") and "update" not in sig:
            sig.pop("value", None)
            sig["update"] = f"round(width * {hints['aspect']})"
    return vega


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


def _legends(node, columns: int, limit) -> None:
    """Legends (below the chart) fall back to two columns, then one, as the room narrows; labels are cut to the room."""
    if isinstance(node, dict):
        for legend in node.get("legends", []):
            cols = legend.get("columns", columns)
            if isinstance(cols, int) and cols > 1 and "direction" not in legend and "orient" not in legend:
                legend["columns"] = {"signal": f"{ROOM} < 430 ? 1 : {ROOM} < 640 ? {min(cols, 2)} : {cols}"}
            if isinstance(legend.get("labelLimit", limit), (int, float)):
                legend["labelLimit"] = {"signal": f"min({legend.get('labelLimit', limit)}, {ROOM} - 40)"}
        for value in node.values():
            _legends(value, columns, limit)
    elif isinstance(node, list):
        for value in node:
            _legends(value, columns, limit)


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
