"""Charts that travel: light notebooks with a static image per chart, drawn by JupyterLab trusted and untrusted;
the report site from file:// with one shared vega.js and no global ``_``, at 390 px, and saved page by page;
``toolkit.save`` to files that open offline; committed notebooks without outputs."""

import base64
import doctest
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import toolkit
from conftest import open_offline
from test_lab import CHARTS, lab  # noqa: F401  (the JupyterLab fixture)
from toolkit.views import embed
from toolkit.tools.site import pages
from toolkit.tools.site import report

ROOT = Path(__file__).resolve().parents[1]
SIX = ["charts.estimates()", "charts.timeline()", "charts.actors()", "charts.mentions()", "charts.dashboard()",
       "maps.regions()"]
MB = 1_000_000


@pytest.fixture(scope="module")
def six(tmp_path_factory) -> Path:
    """A notebook with six charts, executed in a kernel and saved as Jupyter saves it."""
    import nbformat
    from nbclient import NotebookClient
    from traitlets.config import Config

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from toolkit import charts, maps, theme\ntheme.use();")]
    nb.cells += [nbformat.v4.new_code_cell(src) for src in SIX]
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   config=Config({"KernelManager": {"transport_encryption": "auto"}})).execute()
    path = tmp_path_factory.mktemp("six") / "six-charts.ipynb"
    nbformat.write(nb, path)
    return path


def _chart_outputs(path: Path) -> list[dict]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [o for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]) in SIX for o in c["outputs"]]


@pytest.mark.slow
def test_six_chart_notebook_is_light_holds_no_library_and_an_image_per_chart(six):
    from PIL import Image

    size = six.stat().st_size
    assert size <= 2.5 * MB, f"saved notebook with six charts weighs {size / MB:.2f} MB"
    text = six.read_text(encoding="utf-8")
    library = embed.bundle()[1000:1200]  # a stretch of the Vega library's own code
    assert text.count(library) <= 1 and text.count("window.vegaEmbed=") <= 1, "the Vega library is saved per chart"
    outputs = _chart_outputs(six)
    assert len(outputs) == 6, [list(o.get("data", {})) for o in outputs]
    for out in outputs:
        assert embed.MIME in out["data"], list(out["data"])
        image = Image.open(io.BytesIO(base64.b64decode(out["data"]["image/png"])))
        assert image.format == "PNG" and min(image.size) > 150, (image.format, image.size)
        assert len(image.convert("RGB").getcolors(1 << 24)) > 3, "the static image is blank"


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("trusted", [True, False], ids=["trusted", "untrusted"])
def test_saved_notebook_shows_its_charts_in_jupyterlab(lab, browser, six, tmp_path, trusted):  # noqa: F811
    import nbformat
    from nbformat.sign import NotebookNotary

    url, token, root = lab
    nb = nbformat.read(six, as_version=4)
    if trusted:
        NotebookNotary(data_dir=str(tmp_path / "data")).sign(nb)  # the server's JUPYTER_DATA_DIR (see the fixture)
    name = f"six-{'trusted' if trusted else 'untrusted'}.ipynb"
    nbformat.write(nb, root / name)
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    page.goto(f"{url}/lab/tree/{name}?token={token}", wait_until="domcontentloaded")
    cells = "window.jupyterapp.shell.currentWidget.content.widgets.filter(c => c.model.type === 'code')"
    try:
        page.wait_for_function(f"{CHARTS}.length === 6 && {CHARTS}.every(d => d.querySelector('svg, canvas'))",
                               timeout=90000)
    finally:
        page.screenshot(path=str(tmp_path / f"{name}.png"))
    state = page.evaluate(f"{cells}.slice(1).map(c => c.model.trusted)")
    sizes = page.evaluate(f"""{CHARTS}.map(d => {{ const g = d.querySelector('svg, canvas').getBoundingClientRect();
        return [g.width, g.height]; }})""")
    page.close()
    assert state == [trusted] * 6, f"JupyterLab sees trusted={state}, the test meant {trusted}"
    assert all(w > 200 and h > 100 for w, h in sizes), sizes


# --- the report site ---------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.browser
def test_every_site_page_draws_offline_without_a_global_underscore(site, browser, tmp_path):
    for path in sorted(site.glob("*.html")):
        page, foreign, errors, _ = open_offline(browser, path.as_uri())
        found = page.evaluate("""({charts: document.querySelectorAll('.tk-vega').length,
            drawn: Array.from(document.querySelectorAll('.tk-vega')).filter(d => d.querySelector('svg')).length,
            statics: document.querySelectorAll('.tk-static').length, underscore: typeof window._,
            globals: ['vega', 'vegaLite', 'vegaEmbed'].map(g => typeof window[g])})""")
        page.screenshot(path=str(tmp_path / f"{path.stem}.png"), full_page=True)
        page.close()
        assert not foreign and not errors, (path.name, foreign[:3], errors[:3])
        assert found["underscore"] == "undefined", f"{path.name}: the page has a global _"
        assert found["drawn"] == found["charts"] and found["statics"] == 0, (path.name, found)
        if found["charts"]:
            assert found["globals"] == ["object", "object", "function"], (path.name, found)
    assert re.search(r'class="tk-vega"', (site / "02-who-claims-what.html").read_text()), "no chart on page 02"


@pytest.mark.browser
def test_the_bundle_leaves_a_pages_own_underscore_alone(browser, tmp_path):
    """A page with its own ``_`` (Sphinx, Jupyter Book) keeps it, and its charts still draw."""
    pages.write_bundle(tmp_path)
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "data": {"values": [{"a": 1}, {"a": 3}]},
            "mark": "bar", "encoding": {"y": {"field": "a", "type": "quantitative"}}}
    body = embed.html(spec) + embed.html(embed.to_vega(spec))
    (tmp_path / "own.html").write_text(f'<!DOCTYPE html><html><head><script>let _ = "mine"; var lodash = 1;</script>'
                                       f"{pages.SCRIPT}</head><body>{body}</body></html>", encoding="utf-8")
    page, foreign, errors, _ = open_offline(browser, (tmp_path / "own.html").as_uri())
    mine, drawn = page.evaluate("[_, document.querySelectorAll('.tk-vega svg').length]")
    page.close()
    assert not errors and not foreign, (errors[:3], foreign[:3])
    assert mine == "mine" and drawn == 2


@pytest.mark.slow
@pytest.mark.browser
def test_site_pages_fit_a_390_px_screen(site, browser, tmp_path):
    for path in sorted(site.glob("*.html")):
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
        page.goto(path.as_uri())
        page.wait_for_function("Array.from(document.querySelectorAll('.tk-vega')).every(d => d.querySelector('svg'))")
        wide = page.evaluate("""({doc: document.documentElement.scrollWidth, view: window.innerWidth,
            kept: Array.from(document.querySelectorAll('.tk-vega svg')).map(s =>
                s.getBoundingClientRect().width / parseFloat(s.getAttribute('width'))),
            charts: Array.from(document.querySelectorAll('.tk-vega svg')).map(s => s.getBoundingClientRect().right),
            prose: Array.from(document.querySelectorAll('p, li, h1, h2, h3')).map(e => e.getBoundingClientRect().right)})""")
        page.screenshot(path=str(tmp_path / f"{path.stem}-390.png"), full_page=True)
        page.close()
        assert wide["doc"] <= wide["view"], f"{path.name} scrolls sideways at 390 px: {wide['doc']} px wide"
        assert all(r <= wide["view"] for r in wide["charts"] + wide["prose"]), f"{path.name}: something sticks out"
        assert all(k >= 0.75 for k in wide["kept"]), f"{path.name}: a chart shrinks below 75 % at 390 px: {wide['kept']}"


VIEWS = ["estimates", "timeline", "actors", "mentions", "dashboard", "regions", "flows"]


@pytest.mark.browser
@pytest.mark.parametrize("data", ["shipped", "ledger"])
def test_every_view_relays_itself_out_at_390_768_and_1280_px(browser, tmp_path, data):
    """Each view in a page column: no sideways scroll, every chart drawn at >= 75 % of its own size."""
    from toolkit import charts, maps

    ds = toolkit.open() if data == "shipped" else toolkit.open(ROOT / "tests" / "data" / "ledger")
    pages.write_bundle(tmp_path)
    body = "".join(f"<h2>{n}</h2>" + embed.html(embed.to_vega(getattr(maps if n in ("regions", "flows") else charts,
                                                                     n)(ds).to_dict()), None, n) for n in VIEWS)
    (tmp_path / "views.html").write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, '
        f'initial-scale=1"><style>body{{margin:8px}}main{{max-width:1000px;margin:auto;padding:0 12px}}{pages.CSS}'
        f"</style>{pages.SCRIPT}</head><body><main>{body}</main></body></html>", encoding="utf-8")
    for width in (390, 768, 1280):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
        page.goto((tmp_path / "views.html").as_uri())
        page.wait_for_function("Array.from(document.querySelectorAll('.tk-vega')).every(d => d.querySelector('svg'))",
                               timeout=60000)
        got = page.evaluate("""({doc: document.documentElement.scrollWidth, view: window.innerWidth,
            kept: Array.from(document.querySelectorAll('.tk-vega svg')).map(s =>
                s.getBoundingClientRect().width / parseFloat(s.getAttribute('width')))})""")
        page.screenshot(path=str(tmp_path / f"views-{width}.png"), full_page=True)
        page.close()
        assert got["doc"] <= got["view"], f"{data} at {width} px: the page scrolls sideways ({got['doc']} px)"
        assert len(got["kept"]) == len(VIEWS)
        small = {n: round(k, 2) for n, k in zip(VIEWS, got["kept"]) if k < 0.75}
        assert not small, f"{data} at {width} px: drawn below 75 % of their size: {small}"


@pytest.mark.slow
@pytest.mark.browser
def test_a_page_saved_alone_still_shows_every_chart_as_an_image(site, browser, tmp_path):
    alone = tmp_path / "04-actors-timeline-disputes.html"
    shutil.copy(site / alone.name, alone)  # "Save page as... HTML only": no vega.js beside it
    page = browser.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
    page.goto(alone.as_uri())
    page.wait_for_load_state("load")
    shown = page.evaluate("""Array.from(document.querySelectorAll('.tk-chart')).map(c => {
        const i = c.querySelector('img.tk-static'); return i ? [i.complete, i.naturalWidth] : [false, 0]; })""")
    page.close()
    assert len(shown) >= 3 and all(done and w > 150 for done, w in shown), shown


@pytest.mark.slow
def test_pages_have_a_toc_a_notebook_download_and_the_version(site):
    for nb in report.notebooks():
        body = (site / f"{nb.stem}.html").read_text(encoding="utf-8")
        links = re.findall(r'<nav class="tk-toc"[^>]*>.*?</nav>', body, re.S)
        assert len(links) == 1, nb.name
        ids = set(re.findall(r'id="([^"]+)"', body))
        targets = re.findall(r'href="#([^"]+)"', links[0])
        assert len(targets) >= 2 and set(targets) <= ids, (nb.name, targets)
        href = re.search(r'<a href="([^"]+\.ipynb)" download>', body).group(1)
        copy = json.loads((site / href).read_text(encoding="utf-8"))
        assert [c["source"] for c in copy["cells"]] == [c["source"] for c in json.loads(nb.read_text())["cells"]]
        assert not any(c.get("outputs") for c in copy["cells"]), f"{href} has outputs"
    for page in site.glob("*.html"):
        assert f"toolkit {toolkit.__version__}" in page.read_text(encoding="utf-8"), page.name


# --- toolkit.save ------------------------------------------------------------------------------------

@pytest.mark.browser
def test_saved_html_draws_from_file_with_the_network_blocked(browser, tmp_path):
    from toolkit.views import charts

    path = toolkit.save(charts.estimates(), tmp_path / "estimates.html")
    page, foreign, errors, _ = open_offline(browser, path.as_uri())
    drawn = page.evaluate("Array.from(document.querySelectorAll('.tk-vega svg .mark-symbol path')).length")
    page.screenshot(path=str(tmp_path / "saved.png"))
    page.close()
    assert not foreign and not errors, (foreign[:3], errors[:3])
    assert drawn > 5, drawn


def test_save_writes_png_svg_pdf_json_and_refuses_unknown_extensions(tmp_path):
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "data": {"values": [{"a": 1}, {"a": 3}]},
            "mark": "bar", "encoding": {"y": {"field": "a", "type": "quantitative"}}, "title": "Two bars"}
    magic = {"png": b"\x89PNG", "svg": b"<svg", "pdf": b"%PDF", "json": b"{"}
    for ext, start in magic.items():
        data = toolkit.save(spec, tmp_path / f"c.{ext}").read_bytes()
        assert data.lstrip().startswith(start), (ext, data[:20])
    assert json.loads((tmp_path / "c.json").read_text())["title"] == "Two bars"
    (tmp_path / "c.docx").write_text("keep me")
    with pytest.raises(ValueError, match=r"c\.docx: unknown extension '\.docx'; use one of \.html, \.png"):
        toolkit.save(spec, tmp_path / "c.docx")
    assert (tmp_path / "c.docx").read_text() == "keep me" and not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("name", ["toolkit.views.saving", "toolkit.tools.site.pages", "toolkit.views.embed"])
def test_docstring_examples(name):
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


# --- notebooks are committed without outputs ---------------------------------------------------------

def _committed_notebooks() -> list[str]:
    res = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip("not a git checkout: no committed notebooks to check")
    return res.stdout.split()


def test_committed_notebooks_have_no_outputs():
    dirty = []
    for name in _committed_notebooks():
        blob = subprocess.run(["git", "show", f"HEAD:{name}"], cwd=ROOT, capture_output=True, text=True)
        if blob.returncode != 0:  # added but not yet committed
            continue
        cells = json.loads(blob.stdout)["cells"]
        if any(c.get("outputs") or c.get("execution_count") for c in cells if c["cell_type"] == "code"):
            dirty.append(name)
    assert not dirty, f"committed with outputs (run `make setup` to install the nbstripout filter): {dirty}"


def test_nbstripout_filter_is_declared_for_notebooks():
    attributes = (ROOT / ".gitattributes").read_text(encoding="utf-8")
    assert re.search(r"^\*\.ipynb\s+filter=nbstripout", attributes, re.M), attributes
    assert "nbstripout --install --attributes .gitattributes" in (ROOT / "Makefile").read_text(encoding="utf-8")


# --- small things users hit --------------------------------------------------------------------------

def test_tables_convert_to_pandas():
    """pyarrow is a dependency: polars' to_pandas() works on every table."""
    df = toolkit.load_estimates().to_pandas()
    assert list(df.columns) == toolkit.load_estimates().columns and len(df) == toolkit.load_estimates().height


@pytest.mark.slow
def test_no_stray_config_echo_under_the_first_cell(site):
    for nb in report.notebooks():
        assert "polars.config.Config" not in (site / f"{nb.stem}.html").read_text(encoding="utf-8"), nb.name


@pytest.mark.slow
def test_report_build_prints_no_unencrypted_kernel_warning(tmp_path):
    import sys

    res = subprocess.run([sys.executable, "-m", "toolkit", "report", "--only", "01", "--out", str(tmp_path / "r")],
                         capture_output=True, text=True, cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "without encryption" not in res.stderr + res.stdout, res.stderr[-2000:]
