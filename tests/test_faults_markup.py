"""Markup in a folder (descriptor values and data values) never becomes markup on a page the toolkit writes.

The hostile folder (tests/hostile.py) puts ``<script>`` and ``"><img onerror=...>`` into the title,
descriptions, table and column titles, allowed values, and the names and free text of the data. Each page
is parsed as a browser would: no element, attribute or script may come from those values.
"""

from __future__ import annotations

import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

import hostile
import toolkit

ROOT = Path(__file__).resolve().parents[1]
MARK = "tk-xss"


class _Injected(HTMLParser):
    """Elements, attributes and scripts that carry the payload's mark."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found, self._script = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "img" and any(k == "onerror" for k, _ in attrs):
            self.found.append(f"<img onerror> at {self.getpos()}")
        for k, v in attrs:
            if k.startswith("on") and MARK in (v or ""):
                self.found.append(f"<{tag} {k}=...> at {self.getpos()}")
        if tag == "script":
            self._script = dict(attrs).get("type", "")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        # a script element the page did not write: its whole body is the payload's call
        if self._script is not None and data.strip().startswith("alert(") and MARK in data:
            self.found.append(f"<script> from the data at {self.getpos()}")


def injected(page: str) -> list[str]:
    parser = _Injected()
    parser.feed(page)
    return parser.found


def test_the_scanner_sees_an_injection():
    assert injected(f"<p>{hostile.PAYLOAD}</p>")  # honest: unescaped, the payload is found
    import html

    assert injected(f"<p>{html.escape(hostile.PAYLOAD)}</p>") == []


@pytest.fixture(scope="module")
def hostile_folder(tmp_path_factory) -> Path:
    folder = hostile.make(tmp_path_factory.mktemp("hostile") / "ledger")
    assert toolkit.validate(folder).ok, toolkit.validate(folder)
    return folder


def test_the_home_and_dictionary_pages_escape_every_descriptor_and_data_value(hostile_folder):
    from toolkit.tools.site import report

    ds = toolkit.open(hostile_folder)
    pages = {"index": report._index([], "footer", [], ds), "dictionary": report._dictionary_page("footer", ds)}
    for name, page in pages.items():
        assert MARK in page, f"{name}: the hostile values should be shown (escaped)"
        assert injected(page) == [], name


def test_notebook_reprs_escape_markup(hostile_folder):
    ds = toolkit.open(hostile_folder)
    assert injected(ds._repr_html_()) == [] and MARK in ds._repr_html_()
    actor = ds.lookup(ds["actors"]["actor_id"][0])
    assert injected(actor._repr_html_()) == [] and MARK in actor._repr_html_()
    report = toolkit.validate(hostile_folder)
    assert injected(report._repr_html_()) == []


def test_the_comparison_page_escapes_markup(hostile_folder, tmp_path):
    pytest.importorskip("krippendorff")
    out = tmp_path / "compare.html"
    toolkit.compare(hostile.LEDGER, hostile_folder, text=True).to_html(out)
    page = out.read_text(encoding="utf-8")
    assert MARK in page and injected(page) == []


@pytest.mark.slow
def test_a_report_of_a_hostile_folder_has_no_injected_markup(hostile_folder, tmp_path):
    out = tmp_path / "site"
    res = subprocess.run([sys.executable, "-m", "toolkit", "report", "--data", str(hostile_folder), "--out", str(out)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    pages = sorted(out.glob("*.html"))
    assert len(pages) >= 6  # index, dictionary, four chapters
    shown = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        shown += MARK in text
        assert injected(text) == [], page.name
    assert shown == len(pages)  # every page shows the hostile values, as text
