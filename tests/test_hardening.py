"""Hardening: corrupted data folders, markup in the data, interrupted and concurrent builds, no network.

- the validator and the loaders turn any corruption of the data files into a clear, located error
  (a ``Problem`` / ``DataError`` naming the file, the row and the column), never a traceback, and
  never change a file;
- text from the data (names, summaries, quotes) shows literally in charts and report pages and never
  runs as markup or script;
- a report build killed midway keeps the previous site, leaves no process running and no debris once the
  next build ran;
  two builds at once wait for each other and both succeed;
- the suite cannot reach the network.

HARDENING_EXAMPLES=2000 pytest tests/test_hardening.py -k corruption   # a longer search for corruptions
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import toolkit
from conftest import finish_build, open_offline
from toolkit.tools.site import report
from toolkit.core.descriptor import Descriptor
schema = Descriptor.shipped()  # the toolkit's own schema, as a value
from toolkit.tools.site import sitefolder
from toolkit.dataset import cache as tk_cache
from toolkit.checks import check as tk_check
from toolkit.dataset import shortcuts as tk_tables
from toolkit.checks import DataError, Problem

ROOT = Path(__file__).resolve().parents[1]
CSV_FILES = {schema.resource(n)["path"]: n for n in schema.table_names()}
KNOWN_FILES = set(CSV_FILES) | {"article.txt"}
ARTICLE = ROOT.parent / "shared" / "article" / "article.txt"


# --- helpers -----------------------------------------------------------------------------------------

def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _rows(raw: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def _check_problem(p: Problem, folder: Path) -> None:
    assert isinstance(p, Problem), p
    assert p.file in KNOWN_FILES, p
    assert str(p).startswith(p.file), p
    assert p.row is None or (isinstance(p.row, int) and p.row >= 1), p
    assert p.column is None or (isinstance(p.column, str) and p.column), p
    assert p.message and isinstance(p.message, str), p
    if p.row is not None:  # a row number points into the file (data rows, header not counted)
        path = folder / p.file
        assert path.is_file(), p
        assert p.row <= path.read_bytes().count(b"\n") + 1, p


def _load_everything(folder: Path):
    """Every loader on the folder: returns None when all load, else the DataError raised."""
    try:
        for name in schema.table_names():
            getattr(toolkit, f"load_{name}")(data_dir=folder)
        toolkit.load("estimates", data_dir=folder)
    except DataError as e:
        return e
    return None


# --- corruptions (each returns the new bytes of one file, or None to delete it) ----------------------

JUNK_VALUES = st.one_of(
    st.text(max_size=12),
    st.integers(min_value=-10**22, max_value=10**22).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", " ", "NA", "null", "None", "true", "FALSE", "2015-02-30", "2015-13-01", "15/03/2015",
                     "1e3", "0x10", "-1", "1,500", "nosuch_id", "a;b;;c", ";", '"', "\\", "\n", "\r\n", "\x00",
                     "=HYPERLINK(\"x\")", "\u202e", "\ufeff", "ⅷ", "٣", "１２"]),
)


@st.composite
def corruption(draw, originals: dict[str, bytes]):
    """(file name, kind, new bytes or None): one random corruption of one data file."""
    fname = draw(st.sampled_from(sorted(originals)))
    raw = originals[fname]
    rows = _rows(raw) if fname.endswith(".csv") else None
    kind = draw(st.sampled_from(["cell", "key", "offset", "encoding", "truncate", "drop_column", "dup_column",
                                 "rename_column", "random_bytes", "ragged_row", "delete", "empty", "crlf",
                                 "dup_row", "bom", "swap_columns", "dup_key", "invisible", "edge_space",
                                 "bad_year", "dup_header", "cr", "mixed_endings", "wide_encoding"]))
    text_kinds = ("encoding", "truncate", "random_bytes", "delete", "empty", "crlf", "bom", "cr", "mixed_endings",
                  "wide_encoding")
    if fname == "article.txt" and kind not in text_kinds:
        kind = "random_bytes"
    if kind in ("dup_key", "invisible", "edge_space", "bad_year", "dup_header"):
        new = _never_valid(draw, CSV_FILES[fname], rows, kind)
        if new is not None:
            return fname, kind, _csv(new)
        kind = "random_bytes"
    if kind in ("cr", "mixed_endings"):
        lines = raw.split(b"\n")
        first = b"\r" if kind == "cr" else b"\r\n"  # mixed: at least one CRLF
        ends = [first if not n or kind == "cr" else draw(st.sampled_from([b"\n", b"\r\n"])) for n in range(len(lines) - 1)]
        return fname, kind, b"".join(line + end for line, end in zip(lines, ends)) + lines[-1]
    if kind == "wide_encoding":
        codec = draw(st.sampled_from(["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le"]))
        return fname, kind, raw.decode("utf-8").encode(codec)
    if kind in ("cell", "key", "offset"):
        header, body = rows[0], rows[1:]
        if not body:
            kind = "random_bytes"
        else:
            i = draw(st.integers(0, len(body) - 1))
            if kind == "cell":
                j = draw(st.integers(0, len(header) - 1))
                body[i][j] = draw(JUNK_VALUES)
            elif kind == "key":
                keyish = [j for j, h in enumerate(header) if h.endswith(("_id", "_ids", "_type")) or h in ("segment", "alias")]
                j = draw(st.sampled_from(keyish))
                other = draw(st.integers(0, len(body) - 1))
                body[i][j] = draw(st.one_of(st.just(body[other][j]), st.sampled_from(["", "nosuch", "x;;y", "Melikov"]),
                                            st.text(alphabet="abcdefghij_;", max_size=8)))
            else:
                offs = [j for j, h in enumerate(header) if h in ("char_start", "char_end", "paragraph", "paragraph_start",
                                                                 "paragraph_end")]
                if not offs:
                    kind = "random_bytes"
                else:
                    j = draw(st.sampled_from(offs))
                    body[i][j] = str(draw(st.one_of(st.integers(-5, 10_000), st.integers(-2**70, 2**70))))
            if kind != "random_bytes":
                return fname, kind, _csv([header, *body])
    if kind == "encoding":
        text = raw.decode("utf-8")
        codec = draw(st.sampled_from(["latin-1", "cp1251", "utf-16", "utf-16-le", "utf-32", "utf-8-sig"]))
        return fname, kind, text.encode(codec, errors="replace")
    if kind == "truncate":
        return fname, kind, raw[: draw(st.integers(0, max(len(raw) - 1, 0)))]
    if kind in ("drop_column", "dup_column", "rename_column", "swap_columns"):
        header = rows[0]
        j = draw(st.integers(0, len(header) - 1))
        if kind == "drop_column":
            new = [r[:j] + r[j + 1:] for r in rows]
        elif kind == "dup_column":
            new = [r[: j + 1] + r[j:] for r in rows]
        elif kind == "rename_column":
            new = [r[:] for r in rows]
            new[0][j] = draw(st.one_of(st.text(max_size=10), st.just(header[j].upper()), st.just(header[j] + " "),
                                       st.just(header[(j + 1) % len(header)])))
        else:
            k = draw(st.integers(0, len(header) - 1))
            new = [r[:] for r in rows]
            new[0][j], new[0][k] = new[0][k], new[0][j]
        return fname, kind, _csv(new)
    if kind == "random_bytes":
        at = draw(st.integers(0, len(raw)))
        junk = draw(st.binary(min_size=1, max_size=16))
        return fname, kind, raw[:at] + junk + raw[at:]
    if kind == "ragged_row":
        extra = draw(st.sampled_from([",", ",,,", "only-one-field", '"unclosed,quote']))
        return fname, kind, raw + extra.encode() + b"\n"
    if kind == "delete":
        return fname, kind, None
    if kind == "empty":
        return fname, kind, draw(st.sampled_from([b"", b"\n", b"   \n\n", b"\xef\xbb\xbf"]))
    if kind == "crlf":
        return fname, kind, raw.replace(b"\n", b"\r\n")
    if kind == "dup_row":
        lines = raw.splitlines(keepends=True)
        i = draw(st.integers(min(1, len(lines) - 1), len(lines) - 1))
        return fname, kind, b"".join(lines[: i + 1] + [lines[i]] + lines[i + 1:])
    return fname, "bom", b"\xef\xbb\xbf" + raw


INVISIBLE = ["\u200b", "\u2028", "\u2029", "\ufeff", "\x00", "\x1f", "\x7f", "\u202e", "\u2066", "\x85"]
BAD_DATES = ["0000-01-01", "-0001-03-15", "10000-01-01", "0000-00-00", "+99999-01-01", "2015-02-30"]


def _never_valid(draw, table: str, rows: list[list[str]], kind: str) -> list[list[str]] | None:
    """A change no valid table has (a key twice, an invisible character, a bad year, a column named twice),
    or None when this table has nothing to change that way."""
    header, body = rows[0], [r[:] for r in rows[1:]]
    fields = {f["name"]: f for f in schema.fields(table)}
    typed = lambda *types: [j for j, h in enumerate(header) if h in fields and fields[h]["type"] in types  # noqa: E731
                            and "enum" not in fields[h].get("constraints", {})]
    if kind == "dup_header":
        j, k = draw(st.lists(st.integers(0, len(header) - 1), min_size=2, max_size=2, unique=True))
        return [[*header[:j], header[k], *header[j + 1:]], *body]
    if len(body) < 2:
        return None
    i = draw(st.integers(0, len(body) - 1))
    if kind == "dup_key":
        other = draw(st.sampled_from([x for x in range(len(body)) if x != i]))
        for k in schema.primary_key(table):
            body[i][header.index(k)] = body[other][header.index(k)]
        return [header, *body]
    if kind == "bad_year":
        dates = typed("date")
        if not dates:
            return None
        body[i][draw(st.sampled_from(dates))] = draw(st.sampled_from(BAD_DATES))
        return [header, *body]
    if kind == "edge_space":  # a space or a no-break space at either end of an id
        pk = schema.primary_key(table)
        ids = [j for j in typed("string") if header[j].endswith("_id") or pk == [header[j]]]
        ids = [j for j in ids if body[i][j]]
        if not ids:
            return None
        j, pad = draw(st.sampled_from(ids)), draw(st.sampled_from([" ", "\u00a0", "\t"]))
        body[i][j] = pad + body[i][j] if draw(st.booleans()) else body[i][j] + pad
        return [header, *body]
    texts = [j for j in typed("string", "list") if len(body[i][j]) >= 2]  # an invisible character inside a value
    if not texts:
        return None
    j = draw(st.sampled_from(texts))
    at = draw(st.integers(1, len(body[i][j]) - 1))
    body[i][j] = body[i][j][:at] + draw(st.sampled_from(INVISIBLE)) + body[i][j][at:]
    return [header, *body]


def _originals() -> dict[str, bytes]:
    out = {name: (tk_tables.SHIPPED / name).read_bytes() for name in CSV_FILES}
    if ARTICLE.is_file():
        out["article.txt"] = ARTICLE.read_bytes()  # in the folder: the loaders check offsets and quotes too
    return out


ORIGINALS = _originals()


@pytest.mark.slow
@settings(max_examples=int(os.environ.get("HARDENING_EXAMPLES", "80")), deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(corruption(ORIGINALS), min_size=1, max_size=3))
def test_any_corruption_ends_in_a_located_error_never_a_traceback(changes):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        folder.mkdir()
        for name, raw in ORIGINALS.items():
            (folder / name).write_bytes(raw)
        for name, _kind, new in changes:
            if new is None:
                (folder / name).unlink(missing_ok=True)
            else:
                (folder / name).write_bytes(new)
        before = _hashes(folder)
        try:
            result = toolkit.validate(folder)  # anything but a Report escaping here fails the test
            assert isinstance(result, toolkit.Report)
            for p in result.problems:
                _check_problem(p, folder)
            str(result), result._repr_html_()
            err = _load_everything(folder)
            if err is not None:
                assert err.problems, err
                for p in err.problems:
                    _check_problem(p, folder)
                assert str(err.problems[0]) in str(err)
                # what the loaders reject, the validator (which may also check the shared text) rejects
                assert not result.ok
            elif ARTICLE.is_file() and (folder / "article.txt").is_file():
                # both read the folder's own article.txt: they agree
                assert result.ok, result
            # corruptions that can never be valid are reported, naming the file (a later change of
            # the same file replaces an earlier one: each starts from the original bytes)
            last = {name: kind for name, kind, _ in changes}
            never_valid = ("delete", "empty", "drop_column", "dup_key", "invisible", "edge_space", "bad_year",
                           "dup_header", "wide_encoding")
            for name, kind in last.items():
                if (kind in never_valid and name.endswith(".csv")) or (
                        name == "article.txt" and kind in ("crlf", "bom", "cr", "mixed_endings", "wide_encoding")):
                    assert any(p.file == name for p in result.problems), (name, kind, str(result))
                    assert err is not None, (name, kind)
                if name == "article.txt" and kind in ("crlf", "bom", "cr"):  # one problem, not one per offset
                    assert [p.file for p in result.problems].count("article.txt") == 1, str(result)
        finally:
            tk_cache._memory.pop(folder.resolve(), None)
        assert _hashes(folder) == before, "validating or loading changed a file"


def test_validate_cli_reports_corruption_without_a_traceback(data_copy):
    """`python -m toolkit validate DIR` on a broken folder: exit 1, every broken file named, no traceback."""
    (data_copy / "estimates.csv").write_bytes((data_copy / "estimates.csv").read_bytes() + b'"unclosed,quote\n')
    rows = _rows((data_copy / "actors.csv").read_bytes())
    (data_copy / "actors.csv").write_bytes(_csv([r[:1] + r[2:] for r in rows]))  # drop the name column
    (data_copy / "places.csv").write_bytes(b"\xff\xfe" + (data_copy / "places.csv").read_bytes())
    (data_copy / "events.csv").unlink()
    (data_copy / "article.txt").write_bytes(b"Title\n\n\xe9t\xe9 latin-1\n")
    before = _hashes(data_copy)
    res = subprocess.run([sys.executable, "-m", "toolkit", "validate", str(data_copy)], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr + res.stdout, res.stderr
    for name in ("estimates.csv", "actors.csv", "places.csv", "events.csv", "article.txt"):
        assert any(line.strip().startswith(f"- {name}") for line in res.stdout.splitlines()), (name, res.stdout)
    assert "actors.csv, column name: column is missing" in res.stdout
    assert _hashes(data_copy) == before


# --- markup in the data ------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
MUSTACHE = "{{7*7}} ${alert(2)} </script><!--"
# what each (file, id) gets: names, summaries, quotes and notes carry markup; ids and keys stay valid
MARKUP = {
    ("actors.csv", "melikov"): {"name": f"Melikov {SCRIPT}", "role": IMG},
    ("actors.csv", "bortnikov"): {"name": f'Bortnikov "the {IMG}\' one'},
    ("places.csv", "syria"): {"name": f"Syria {IMG}", "note": MUSTACHE},
    ("estimates.csv", "est01"): {"quote": f"Upward of 1,500 {SCRIPT} {IMG}", "qualifier": f"Upward of {MUSTACHE}",
                                 "counted": f"militants {SCRIPT}", "note": IMG},
    ("estimates.csv", "est05"): {"quote": f'as many as 1,700 "{MUSTACHE}"', "qualifier": f"as many as {IMG}"},
    ("events.csv", "ev01"): {"summary": f"Melikov tells {SCRIPT} reporters", "quote": f"Sergei {IMG}"},
    ("statements.csv", "st01"): {"summary": f"Over 1,500 {IMG} {MUSTACHE}"},
    ("disputes.csv", "dp01"): {"topic": f"How many? {SCRIPT}", "summary": IMG},
    ("relations.csv", "rel01"): {"quote": f"the envoy {SCRIPT}", "note": IMG},
    ("sources.csv", "rferl_2015"): {"title": f"Kremlin Envoy {SCRIPT} {IMG}"},
    ("sources.csv", "icsr_2015"): {"title": f"Foreign fighters {SCRIPT}", "publisher": IMG},
}


def _inject(folder: Path) -> Path:
    """Write the markup into a copy of the data; the loaders must still accept it (no article.txt there)."""
    for (fname, key), values in MARKUP.items():
        path = folder / fname
        rows = _rows(path.read_bytes())
        header, body = rows[0], rows[1:]
        hits = [r for r in body if r[0] == key]
        assert hits, (fname, key)
        for col, value in values.items():
            hits[0][header.index(col)] = value
        path.write_bytes(_csv([header, *body]))
    assert not (folder / "article.txt").exists()
    src = folder / "sources.csv"  # no checksum: the copy no longer claims the shipped text (its quotes changed)
    rows = _rows(src.read_bytes())
    col = rows[0].index("text_sha256")
    src.write_bytes(_csv([rows[0], *([*r[:col], "", *r[col + 1:]] for r in rows[1:])]))
    _, problems = tk_check(Descriptor.load(folder) if (folder / "datapackage.json").is_file() else Descriptor.shipped(), folder)
    assert not problems, problems[:5]
    return folder


def _hover_for(page, chart, want: str) -> str:
    """Hover the chart's marks until a tooltip shows ``want``; the last tooltip text seen."""
    marks = chart.locator("svg .mark-symbol path, svg .mark-rect path, svg .mark-rule line, svg .mark-text text, "
                          "svg .mark-line path, svg .mark-point path")
    seen = ""
    for i in range(min(marks.count(), 120)):
        try:
            marks.nth(i).hover(force=True, timeout=2000)
        except Exception:  # a mark hidden behind another one
            continue
        tip = page.locator("#vg-tooltip-element")
        if tip.count() and tip.is_visible():
            seen = tip.inner_text()
            if want in seen:
                break
    return seen


def _assert_inert(page, dialogs) -> None:
    assert page.evaluate("typeof window.__pwned") == "undefined", "markup from the data ran as script"
    assert not dialogs, f"a dialog fired: {dialogs}"
    assert page.evaluate("document.querySelectorAll('img[src=x], img[onerror]').length") == 0, "data became an <img>"


def _assert_tooltip_literal_and_inert(page, dialogs, foreign) -> None:
    seen = _hover_for(page, page.locator(".tk-vega").first, SCRIPT)
    assert SCRIPT in seen, f"the tooltip does not show the quote literally: {seen[:300]!r}"
    _assert_inert(page, dialogs)
    assert not foreign, foreign[:3]


@pytest.mark.browser
def test_markup_in_the_data_shows_literally_in_charts(data_copy, browser, tmp_path, monkeypatch):
    from toolkit.views import charts
    from toolkit.views import embed
    from toolkit.views import maps

    folder = _inject(data_copy)
    monkeypatch.setenv("TOOLKIT_DATA_DIR", str(folder))
    views = {"estimates": charts.estimates(), "timeline": charts.timeline(), "actors": charts.actors(),
             "dashboard": charts.dashboard(), "flows": maps.flows()}
    body = "".join(f"<h2>{name}</h2>" + embed.html(chart.to_dict(), with_bundle=(i == 0))
                   for i, (name, chart) in enumerate(views.items()))
    path = tmp_path / "charts.html"
    path.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{body}</body></html>', encoding="utf-8")
    page, foreign, _, dialogs = open_offline(browser, path.as_uri())
    try:
        svg_text = page.evaluate("Array.from(document.querySelectorAll('.tk-vega svg')).map(s => s.textContent).join(' ')")
        assert "Melikov <script>" in svg_text or SCRIPT in svg_text, "actor names with markup are not drawn literally"
        _assert_tooltip_literal_and_inert(page, dialogs, foreign)
    finally:
        page.close()


@pytest.mark.slow
@pytest.mark.browser
def test_markup_in_the_data_shows_literally_in_the_report(data_copy, browser, tmp_path, monkeypatch):
    folder = _inject(data_copy)
    monkeypatch.setenv("TOOLKIT_DATA_DIR", str(folder))  # the kernels inherit it
    out = tmp_path / "reports"
    report.build(out=out, only=["02"], jobs=1)
    page, foreign, _, dialogs = open_offline(browser, (out / "02-who-claims-what.html").as_uri())
    try:
        cells = page.evaluate("Array.from(document.querySelectorAll('td')).map(td => td.innerText)")
        assert any(SCRIPT in c for c in cells), "a table cell should show <script> literally"
        assert any(IMG in c for c in cells), "a table cell should show the <img> markup literally"
        assert any("{{7*7}}" in c for c in cells), "template braces should reach the page untouched"
        assert "Foreign fighters <script>" in page.inner_text("body"), "cite() output should show the title literally"
        _assert_tooltip_literal_and_inert(page, dialogs, foreign)
    finally:
        page.close()
    page, _, _, dialogs = open_offline(browser, (out / "index.html").as_uri())
    try:
        assert f"Kremlin Envoy {SCRIPT} {IMG}" in page.inner_text("body")
        _assert_inert(page, dialogs)
    finally:
        page.close()


# --- the page a build writes -------------------------------------------------------------------------

def test_page_loads_the_shared_bundle_once_nav_on_top_and_slim_css():
    """Charts as Vega outputs become divs drawn by the site's one vega.js (loaded once, in <head>), each with its
    static image; nav first in <body>, TOC and download link under the title, template CSS cut down."""
    import base64

    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    from toolkit.views import embed
    from toolkit.tools.site import pages

    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "data": {"values": [{"a": 1}]},
            "mark": "bar", "encoding": {"y": {"field": "a", "type": "quantitative"}}}
    data, _ = embed.mimebundle(spec)
    nb = new_notebook(cells=[
        new_markdown_cell("# A title\n\nSome *text*.\n\n## Part one"),
        new_code_cell("chart()", outputs=[new_output("execute_result", data=data, execution_count=1)]),
        new_code_cell("chart()", outputs=[new_output("display_data", data=data)]),
        new_code_cell("print('hello')", outputs=[new_output("stream", name="stdout", text="hello\n")]),
    ])
    nbformat.validate(nb)
    page = report._to_html(nb, "A title", "the footer", "01-a.ipynb")
    assert embed.bundle()[:2000] not in page, "the Vega library is inlined in the page"
    assert page.count(pages.SCRIPT) == 1 and page.index(pages.SCRIPT) < page.index("</head>")
    assert page.count('class="tk-vega"') == 2 and page.count('class="tk-static"') == 2
    webp = re.findall(r'class="tk-static"[^>]*src="data:image/webp;base64,([^"]+)"', page)
    assert len(webp) == 2 and base64.b64decode(webp[0])[8:12] == b"WEBP", "static images are not (slim) WebP"
    head, body = page.split("</head>", 1)
    assert re.match(r'\s*<body[^>]*>\s*<nav class="tk-nav">', body), body[:300]
    assert re.search(r'</h1>\s*<nav class="tk-toc"[^>]*><b>On this page</b><ol><li><a href="#Part-one">Part one</a>', body)
    assert 'href="notebooks/01-a.ipynb" download' in body
    assert re.search(r'<footer class="tk-foot">the footer</footer>\s*</body>\s*</html>\s*$', page)
    assert "jp-Mermaid" not in page and not re.search(r'(src|href)="https?://', page)
    css = "".join(re.findall(r"<style[^>]*>(.*?)</style>", head, re.S))
    assert len(css) < 40_000, f"{len(css)} characters of CSS in <head>"
    assert ".jp-RenderedText" in css and ".jp-OutputArea-output" in css and ".tk-nav" in css
    assert "--jp-icon-" not in css, "icons nobody shows are still inlined"
    used, defined = set(re.findall(r"var\((--[-\w]+)", css)), set(re.findall(r"(--[-\w]+)\s*:", css))
    assert used <= defined, f"custom properties used but no longer defined: {sorted(used - defined)[:10]}"


def test_css_slimming_keeps_what_a_page_can_use():
    css = """
    /* comment { with braces } */
    :root { --used: red; --chained: var(--used); --unused: url("data:x;y"); --icon: blue }
    .a { color: var(--chained) }
    .b { color: var(--unused) }
    .a .missing, .a > p { margin: 0 }
    div:not(.absent) { padding: 1px }
    [data-theme='dark'] .a { color: black }
    [data-jp-theme-light="true"] .a { color: white }
    #present { top: 0 } #absent { top: 1px }
    @media print { .a { display: block } .b { display: none } }
    @media screen { .b { display: none } }
    @keyframes spin { from { opacity: 0 } to { opacity: 1 } }
    body { font: 12px sans-serif; content: "}" }
    """
    page = (f'<html><head><style type="text/css">{css}</style></head>'
            '<body data-jp-theme-light="true"><div class="a x" id="present"><p>hi</p></div></body></html>')
    out = report._slim_css(page)
    kept = re.sub(r"\s+", "", re.search(r"<style>(.*)</style>", out, re.S).group(1))
    for want in (".a{color:var(--chained)}", "--used:red", "--chained:var(--used)", ".a>p{margin:0}",
                 "div:not(.absent){padding:1px}", '[data-jp-theme-light="true"].a{color:white}', "#present{top:0}",
                 "@mediaprint{.a{display:block}}", "@keyframesspin", 'content:"}"'):
        assert want in kept, (want, kept)
    for gone in (".b", "--unused", "--icon", ".missing", "data-theme", "#absent", "@mediascreen", "comment"):
        assert gone not in kept, (gone, kept)
    assert out.endswith('<body data-jp-theme-light="true"><div class="a x" id="present"><p>hi</p></div></body></html>')


# --- interrupted and concurrent builds ---------------------------------------------------------------

def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            kids.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(d.name))
    return kids


def _descendants(pid: int) -> list[int]:
    kids, out, todo = _children(), [], [pid]
    while todo:
        for c in kids.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _start_build(nbs: Path, out: Path, *extra: str) -> subprocess.Popen:
    """A build in a subprocess; its output goes to files (orphaned workers of a killed build may hold pipes open)."""
    n = len(list(out.parent.glob("build-*.out")))
    logs = [open(out.parent / f"build-{n}.{kind}", "w+") for kind in ("out", "err")]
    proc = subprocess.Popen([sys.executable, "-m", "toolkit", "report", "--notebooks", str(nbs), "--out", str(out), *extra],
                            stdout=logs[0], stderr=logs[1], text=True, cwd=out.parent)
    proc.logs = logs
    return proc


_finish = finish_build  # wait for a build; its (stdout, stderr)


def _wait_for_kernel(proc: subprocess.Popen, limit: float = 120) -> None:
    """Until the build has started executing a notebook (a kernel runs under it)."""
    end = time.monotonic() + limit
    while not any("ipykernel" in _cmdline(c) for c in _descendants(proc.pid)):
        assert proc.poll() is None, f"the build ended before executing: {_finish(proc)}"
        assert time.monotonic() < end, "no kernel started"
        time.sleep(0.05)
    time.sleep(1.0)  # well inside the first cells


def _snapshot(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _debris(parent: Path, out: Path) -> list[str]:
    return sorted(p.name for p in parent.glob(f".{out.name}.*-*"))


def _complete(out: Path, nbs: Path) -> None:
    names = {p.name for p in out.iterdir()}
    assert {"index.html", "dictionary.html", report.MANIFEST} <= names, names
    manifest = json.loads((out / report.MANIFEST).read_text())
    for nb in nbs.glob("*.ipynb"):
        assert f"{nb.stem}.html" in names and nb.name in manifest, (nb.name, names)
        page = (out / f"{nb.stem}.html").read_text(encoding="utf-8")
        assert page.rstrip().endswith("</html>") and "tk-foot" in page, f"{nb.stem}.html is incomplete"
        assert f'href="{nb.stem}.html"' in (out / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def small_site(tmp_path_factory):
    """A one-notebook site (notebook 01), built once: (notebooks folder, site folder)."""
    base = tmp_path_factory.mktemp("small")
    nbs = base / "nbs"
    nbs.mkdir()
    for nb in report.notebooks(only=["01"]):
        shutil.copy(nb, nbs / nb.name)
    report.build(out=base / "reports", folder=nbs, jobs=1)
    return nbs, base / "reports"


@pytest.fixture
def site_copy(small_site, tmp_path):
    nbs, out = small_site
    shutil.copytree(nbs, tmp_path / "nbs")
    shutil.copytree(out, tmp_path / "reports")
    return tmp_path / "nbs", tmp_path / "reports"


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_killed_build_keeps_the_previous_site_and_leaves_no_debris(site_copy, sig):
    nbs, out = site_copy
    before = _snapshot(out)
    proc = _start_build(nbs, out, "--force")
    started = []
    try:
        _wait_for_kernel(proc)
        started = [proc.pid, *_descendants(proc.pid)]
        # Ctrl-C reaches the build and its worker processes (the kernel runs in its own session); kill -9 the build only
        targets = [p for p in started if "ipykernel" not in _cmdline(p)] if sig == signal.SIGINT else [proc.pid]
        for pid in targets:
            os.kill(pid, sig)
        _, err = _finish(proc, 300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0
    end = time.monotonic() + 20  # its workers and kernels end by themselves (nothing here ends them)
    while [pid for pid in started[1:] if _cmdline(pid)] and time.monotonic() < end:
        time.sleep(0.2)
    assert not [_cmdline(pid) for pid in started[1:] if _cmdline(pid)], "processes of the killed build still run"
    if sig == signal.SIGINT:  # a plain message, not the build's traceback (the kernel may log its own)
        assert "interrupted: the report build stopped" in err and "unchanged" in err, err[-3000:]
        assert 'toolkit/report.py", line' not in err, err[-3000:]
    assert _snapshot(out) == before, "the interrupted build changed the previous site"
    if sig == signal.SIGKILL:  # killed midway: its temporary folder is still there, for the next build to remove
        assert _debris(out.parent, out), "the build was not killed while building"
    res = subprocess.run([sys.executable, "-m", "toolkit", "report", "--notebooks", str(nbs), "--out", str(out)],
                         capture_output=True, text=True, cwd=out.parent, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert _debris(out.parent, out) == [], "temporary folders left behind"
    _complete(out, nbs)


@pytest.mark.slow
def test_two_builds_at_once_wait_for_each_other(small_site, tmp_path):
    nbs = tmp_path / "nbs"
    shutil.copytree(small_site[0], nbs)
    out = tmp_path / "reports"
    first = _start_build(nbs, out, "--force")
    second = None
    try:
        end = time.monotonic() + 120
        while not list(tmp_path.glob(f".reports.tmp-{first.pid}")):  # made only while holding the lock
            assert first.poll() is None, _finish(first)
            assert time.monotonic() < end
            time.sleep(0.05)
        second = _start_build(nbs, out, "--force")
        results = [_finish(p) for p in (first, second)]
    finally:
        for p in (first, second):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
    assert first.returncode == 0, results[0][1][-2000:]
    assert second.returncode == 0, results[1][1][-2000:]
    assert "waiting" in results[1][1], "the second build should wait for the lock"
    assert "1 executed" in results[0][0] and "1 executed" in results[1][0]
    _complete(out, nbs)
    assert _debris(tmp_path, out) == []


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_tidy_restores_a_site_moved_aside_by_an_interrupted_swap(tmp_path):
    out = tmp_path / "reports"
    dead = _dead_pid()
    old, tmp = tmp_path / f".reports.old-{dead}", tmp_path / f".reports.tmp-{dead}"
    old.mkdir()
    (old / "index.html").write_text("the previous site")
    tmp.mkdir()
    (tmp / "index.html").write_text("half built")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = tmp_path / f".reports.tmp-{sleeper.pid}"  # a build still running elsewhere: not ours to remove
        live.mkdir()
        sitefolder.tidy(out)
        assert (out / "index.html").read_text() == "the previous site"
        assert not old.exists() and not tmp.exists()
        assert live.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


# --- no network --------------------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore:A test tried to use socket")
def test_the_suite_cannot_reach_the_network():
    import pytest_socket

    with pytest.raises((pytest_socket.SocketBlockedError, pytest_socket.SocketConnectBlockedError)):
        socket.create_connection(("1.1.1.1", 80), timeout=3)
    with pytest.raises((pytest_socket.SocketBlockedError, pytest_socket.SocketConnectBlockedError)):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.settimeout(3)
            s.connect(("93.184.216.34", 443))
        finally:
            s.close()
    with pytest.raises((pytest_socket.SocketBlockedError, pytest_socket.SocketConnectBlockedError)):
        socket.create_connection(("2606:4700:4700::1111", 53), timeout=3)
