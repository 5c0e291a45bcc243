"""Offline chart HTML: safe spec JSON, the Vega bundle built once and kept in the cache folder."""

import json

from toolkit import embed


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


def test_each_chart_output_carries_the_bundle_and_a_div():
    html = embed.renderer({"mark": "point"})["text/html"]
    assert html.count(f'class="{embed.BUNDLE_MARK}"') == 1
    assert 'class="tk-vega"' in html and "vegaEmbed(" in html
