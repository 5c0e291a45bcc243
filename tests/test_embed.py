"""Offline chart HTML: safe spec JSON, the Vega bundle built once and kept in the cache folder."""

import json
import re

from toolkit.views import embed


def test_spec_json_cannot_close_the_script():
    spec = {"title": "</script><script>alert(1)</script>", "description": "a & b <!-- c"}
    out = embed.script_json(spec)
    assert "</" not in out and "<!--" not in out and "&" not in out
    assert json.loads(out) == spec


def test_bundle_is_cached_per_vl_convert_version(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = embed.bundle.__wrapped__()
    cached = list((tmp_path / "nc-fighters-toolkit").glob("vega-bundle-vl-convert-*.js"))
    assert len(cached) == 1 and cached[0].read_text(encoding="utf-8") == first
    assert "vegaEmbed" in first
    cached[0].write_text("/* from the cache */", encoding="utf-8")
    assert embed.bundle.__wrapped__() == "/* from the cache */"


def test_a_chart_output_is_vega_and_a_static_png_with_no_library():
    import base64
    import io

    from PIL import Image

    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "title": "Two bars",
            "data": {"values": [{"a": 1}, {"a": 3}]}, "mark": "bar", "encoding": {"y": {"field": "a", "type": "quantitative"}}}
    data, meta = embed.renderer(spec)
    assert set(data) == {embed.MIME, "image/png", "text/plain"}, "no HTML, so no script and no library per output"
    assert "/vega/" in data[embed.MIME]["$schema"] and data[embed.MIME]["marks"], "not a compiled Vega spec"
    image = Image.open(io.BytesIO(base64.b64decode(data["image/png"])))
    assert image.format == "PNG" and image.mode == "P", "the static image is not a palette PNG"
    assert data["text/plain"] == "<chart: Two bars>" and meta[embed.MIME]["embed_options"]["actions"] is False


def test_the_site_bundle_declares_only_three_globals():
    js = embed.site_bundle()
    assert js.startswith("(function(){") and js.rstrip().endswith("})();")
    assert set(re.findall(r"window\.(\w+)\s*=", js)) == set(embed.GLOBALS)


def test_chart_html_names_the_mode_from_the_schema():
    vl = {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "mark": "point"}
    assert "mode:'vega-lite'" in embed.html(vl)
    assert "mode:'vega'" in embed.html(embed.to_vega(vl))
    assert embed.BUNDLE_MARK not in embed.html(vl) and embed.html(vl, with_bundle=True).count(embed.BUNDLE_MARK) == 1
