"""The report site: offline pages that render every chart, a cache, atomic builds, named failures."""

import json
import re
from pathlib import Path

import pytest

from conftest import open_offline
from toolkit.views import embed
from toolkit.tools.site import report

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def test_site_has_every_notebook_index_and_dictionary(site):
    pages = {p.name for p in site.glob("*.html")}
    for nb in report.notebooks():
        assert f"{nb.stem}.html" in pages
    assert {"index.html", "dictionary.html"} <= pages
    index = (site / "index.html").read_text()
    for nb in report.notebooks():
        assert f'href="{nb.stem}.html"' in index
    assert "data version" in index and "Built" in index
    assert re.search(r"data version [0-9a-f]{12}", index)
    dictionary = (site / "dictionary.html").read_text()
    assert "value_best" in dictionary and "load_estimates()" in dictionary


def test_one_shared_vega_bundle_per_site_and_no_cdn(site):
    from toolkit.tools.site import pages

    assert (site / pages.BUNDLE_FILE).read_text(encoding="utf-8") == embed.site_bundle()
    for page in site.glob("*.html"):
        body = page.read_text()
        charts = body.count('class="tk-vega"')
        assert body.count(pages.SCRIPT) == (1 if charts else 0), page.name
        assert embed.BUNDLE_MARK not in body and "vegaEmbed=" not in body, f"{page.name} inlines the library"
        assert not re.search(r'<script[^>]+src="https?://', body), page.name
        assert not re.search(r'<link[^>]+href="https?://', body), page.name


def test_pages_render_offline_in_chromium(site, browser, tmp_path):
    for path in sorted(site.glob("*.html")):
        page, foreign, errors, _ = open_offline(browser, path.as_uri())
        rendered = page.evaluate("""Array.from(document.querySelectorAll('.tk-vega')).map(d => {
            const g = d.querySelector('svg, canvas'); const r = g.getBoundingClientRect(); return r.width * r.height; })""")
        page.screenshot(path=str(tmp_path / f"{path.stem}.png"), full_page=True)
        page.close()
        assert not foreign, f"{path.name} requested {foreign[:3]}"
        assert not errors, f"{path.name} console errors: {errors[:3]}"
        assert all(a > 100 for a in rendered), f"{path.name}: a chart has no area {rendered}"
        if path.stem.startswith(("02", "03", "04")):
            assert rendered, f"{path.name} has no charts"


def test_hovering_an_estimate_shows_its_tooltip(site, browser):
    import toolkit

    quotes = [q for q in toolkit.load_estimates()["quote"].drop_nulls().to_list()]
    page, *_ = open_offline(browser, (site / "02-who-claims-what.html").as_uri())
    chart = page.locator(".tk-vega").first
    marks = chart.locator("svg .mark-symbol path, svg .mark-rect path, svg .mark-rule line, svg .mark-point path")
    assert marks.count() > 0
    seen = ""
    for i in range(marks.count()):
        marks.nth(i).hover(force=True)
        page.wait_for_timeout(100)
        tip = page.locator("#vg-tooltip-element")
        if tip.count() and tip.is_visible():
            seen = tip.inner_text()
            if any(q[:30] in seen for q in quotes):
                break
    page.close()
    assert any(q[:30] in seen for q in quotes), f"no tooltip with a quote; last tooltip: {seen[:200]!r}"


def _copy_notebooks(tmp_path):
    """A folder with one small chapter (it opens the data and shows a table): these tests are about the
    builder (its cache, its failures), which treats every notebook alike; the real chapters are built by the
    ``site`` fixture."""
    import nbformat

    src = tmp_path / "nbs"
    src.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 1. A chapter"), nbformat.v4.new_code_cell("import toolkit\n\nds = toolkit.open()"),
                nbformat.v4.new_markdown_cell("## The estimates"), nbformat.v4.new_code_cell('ds["estimates"].head(3)')]
    nbformat.write(nb, src / "01-a-chapter.ipynb")
    return src


def test_cache_skips_unchanged_and_rebuilds_changed(tmp_path):
    nbs, out = _copy_notebooks(tmp_path), tmp_path / "reports"
    first = report.build(out=out, folder=nbs)
    assert [p.cached for p in first] == [False]
    again = report.build(out=out, folder=nbs)
    assert [p.cached for p in again] == [True]
    nb = next(nbs.glob("*.ipynb"))
    data = json.loads(nb.read_text())
    data["cells"].append({"cell_type": "code", "execution_count": None, "id": "added", "metadata": {}, "outputs": [],
                          "source": ["print('changed')"]})
    nb.write_text(json.dumps(data))
    third = report.build(out=out, folder=nbs)
    assert [p.cached for p in third] == [False]
    assert "changed" in (out / f"{nb.stem}.html").read_text()
    assert [p.cached for p in report.build(out=out, folder=nbs, force=True)] == [False]


def test_failing_cell_names_notebook_and_cell_and_keeps_site(tmp_path):
    nbs, out = _copy_notebooks(tmp_path), tmp_path / "reports"
    report.build(out=out, folder=nbs)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    nb = next(nbs.glob("*.ipynb"))
    data = json.loads(nb.read_text())
    code_cells = [i for i, c in enumerate(data["cells"]) if c["cell_type"] == "code"]
    broken = code_cells[1]
    data["cells"][broken]["source"] = ["undefined_name_in_report + 1"]
    nb.write_text(json.dumps(data))
    with pytest.raises(report.BuildError) as err:
        report.build(out=out, folder=nbs)
    msg = str(err.value)
    assert nb.name in msg and f"cell {broken + 1} (code cell 2)" in msg and "NameError" in msg, msg
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert not list(tmp_path.glob(".reports.tmp-*")), "temporary build folder left behind"


def test_cli_failure_exit_code(tmp_path):
    import subprocess
    import sys

    nbs = _copy_notebooks(tmp_path)
    nb = next(nbs.glob("*.ipynb"))
    data = json.loads(nb.read_text())
    data["cells"].insert(1, {"cell_type": "code", "execution_count": None, "id": "boom", "metadata": {}, "outputs": [],
                             "source": ["raise ValueError('boom in report')"]})
    nb.write_text(json.dumps(data))
    res = subprocess.run([sys.executable, "-m", "toolkit", "report", "--notebooks", str(nbs), "--out", str(tmp_path / "r")],
                         capture_output=True, text=True, cwd=tmp_path)
    assert res.returncode == 1
    assert "boom in report" in res.stderr and nb.name in res.stderr and "cell 2" in res.stderr
    assert not (tmp_path / "r").exists()


def test_exercises_page_lists_every_exercise(site):
    from toolkit.tools.classroom import exercises

    page = (site / "exercises.html").read_text()
    masters = exercises.find_notebooks()
    assert len(masters) >= 6
    for m in masters:
        assert exercises._title(m).split(" — ")[0] in page
    assert 'href="exercises.html"' in (site / "index.html").read_text()
    for link in re.findall(r'href="(exercises/[^"]+)"', page):
        if link.endswith(".zip"):  # the student folder: notebook and data files
            import zipfile

            with zipfile.ZipFile(site / link) as z:
                student = [json.loads(z.read(n)) for n in z.namelist() if n.endswith(".ipynb")]
            assert student, link
        else:
            student = json.loads((site / link).read_text())
        assert "BEGIN SOLUTION" not in json.dumps(student), link


def test_dashboard_click_highlights_the_actors_claims(site, browser):
    """The linked view: clicking an actor's bar keeps their claims and events solid and fades the rest."""
    page, *_ = open_offline(browser, (site / "04-actors-timeline-disputes.html").as_uri())
    dash = page.locator(".tk-vega").filter(has=page.locator("text=Pick an actor")).first
    opacity = """(el, needle) => Array.from(el.querySelectorAll('.mark-text text'))
        .filter(t => t.textContent.includes(needle)).map(t => Number(getComputedStyle(t).opacity))"""
    faded = """el => Array.from(el.querySelectorAll('.mark-text text, .mark-symbol path, .mark-rect path'))
        .filter(p => Number(getComputedStyle(p).opacity) < 0.5).length"""
    before = dash.evaluate(faded)
    dash.locator("path[aria-label*='actor: Aleksandr Bortnikov']").first.click(force=True)
    page.wait_for_timeout(300)
    own, other, after = dash.evaluate(opacity, "est05"), dash.evaluate(opacity, "est01"), dash.evaluate(faded)
    page.close()
    assert own and min(own) == 1, own
    assert other and max(other) < 0.5, other
    assert after > before + 20, (before, after)


def test_css_slimming_handles_nested_groups_and_whole_at_rules():
    """tinycss2 does the parsing: groups nested in groups, statements and @font-face kept, commas in strings."""
    css = """@import url("x.css"); @layer base, page;
    @font-face { font-family: F; src: url(f.woff) }
    @media screen { @supports (display: grid) { .a { display: grid } .b { display: none } } }
    @media print { @supports (color: red) { .b { color: red } } }
    [title="x, .b"] .a, .b:is(.a) { color: blue }
    .a:not(.b), .b .a { margin: 0 }"""
    page = f'<html><head><style>{css}</style></head><body><p class="a" title="t">x</p></body></html>'
    kept = re.sub(r"\s+", "", re.search(r"<style>(.*)</style>", report._slim_css(page), re.S).group(1))
    for want in ('@importurl("x.css");', "@layerbase,page;", "@font-face{font-family:F;src:url(f.woff)}",
                 "@mediascreen{@supports(display:grid){.a{display:grid}}}", '[title="x,.b"].a{color:blue}',
                 ".a:not(.b){margin:0}"):
        assert want in kept, (want, kept)
    assert "@mediaprint" not in kept and ".b:is" not in kept and ".b.a" not in kept, kept
