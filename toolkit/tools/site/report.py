"""Build the report site: execute the numbered notebooks and write self-contained HTML pages.

``python -m toolkit report [--out DIR] [--only NAME] [--force] [--jobs N] [--cell-timeout S] [--timeout S]
[--notebooks DIR | --data DIR ...]``

- the project's narrative chapters (``notebooks/``) for the shipped dataset, or, with ``--data``
  (repeatable: a corpus), generic chapters (:mod:`toolkit.chapters`) for any dataset; titles, source
  lines and the data dictionary come from the dataset;

- each notebook runs in a fresh kernel (nbclient), both cores in use (:mod:`toolkit.runner`);
- a notebook whose source, toolkit code and data have not changed is not re-executed;
- the site is built in a temporary folder and replaces ``reports/`` only when everything succeeded;
  a failing cell stops the build, names the notebook, the cell and the error, and keeps the old site;
- ``--out`` must be new, empty or a toolkit report; files of yours in it are kept (:mod:`toolkit.sitefolder`).

>>> from toolkit.tools.site import report
>>> report.build(out="reports", only=["01"])  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import os
import re
import shutil
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from toolkit import __version__
from toolkit.core.descriptor import Descriptor
from toolkit.views import embed
from toolkit.tools.site import pages
from toolkit.tools.site import runner
from toolkit.core.errors import ToolkitError
from toolkit.tools.site import sitefolder
from toolkit.tools.site.pages import slim_css as _slim_css  # noqa: F401  (tests and older callers)
from toolkit.tools.site.runner import BUILD_TIMEOUT, CELL_TIMEOUT
from toolkit.tools.site.sitefolder import BuildError, shown

ROOT = Path(__file__).resolve().parents[3]
GEO_FILES = Path(__file__).resolve().parents[2] / "geo" / "files"  # the boundaries and gazetteer toolkit.geo reads
NOTEBOOKS = ROOT / "notebooks"
MANIFEST = "build-manifest.json"


@dataclass
class Page:
    name: str
    title: str
    seconds: float
    cached: bool


def notebooks(folder: Path = NOTEBOOKS, only: list[str] | None = None) -> list[Path]:
    """The numbered notebooks (``01-...ipynb``), optionally only those matching names or numbers."""
    found = sorted(folder.glob("[0-9][0-9]-*.ipynb"))
    if not only:
        return found
    chosen = []
    for want in only:
        key = want.lower().removesuffix(".ipynb")
        hits = [p for p in found if p.stem == key or p.stem.startswith(key + "-") or key in p.stem]
        if not hits:
            raise BuildError(f"no notebook matches {want!r}; notebooks are: {', '.join(p.stem for p in found)}")
        chosen += [h for h in hits if h not in chosen]
    return chosen


def _digest(paths) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(str(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.glob("*") if p.is_file()]


def _data_files(data: list | None) -> list[Path]:
    from toolkit.dataset.shortcuts import data_folder

    folders = [Path(d) for d in data] if data else [data_folder()]
    return [p for f in folders for p in _files(f) + _files(f / "texts")]


def data_version(data: list | None = None) -> str:
    """A short hash of the dataset's files and the geo files: changes whenever the data do."""
    return _digest(_data_files(data) + _files(GEO_FILES))[:12]


def _shared_key(data: list | None = None) -> str:
    """What every page depends on: the toolkit's code, the dataset's files, the geo files, Python."""
    code = [p for p in Path(__file__).resolve().parents[2].rglob("*") if p.is_file() and p.suffix in {".py", ".csv", ".json"}]
    env = os.environ.get("TOOLKIT_DATA_DIR", "")
    return env + sys.version + _digest(code + _files(GEO_FILES) + _data_files(data))


def _inputs_key(nb: Path, shared: str) -> str:
    """What a page depends on: the notebook's cells and the inputs every page shares (hashed once per build)."""
    cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
    src = json.dumps([(c["cell_type"], "".join(c["source"])) for c in cells])
    return hashlib.sha256((src + shared).encode()).hexdigest()


NAV = ('<nav class="tk-nav"><a href="index.html">Report home</a> · <a href="dictionary.html">Data dictionary</a>'
       '{extra}</nav>')
STYLE = """<style>{css}
.tk-nav{font:14px system-ui,sans-serif;padding:8px 16px;background:#f3f3f3;border-bottom:1px solid #ddd}
.tk-nav a{color:#0b5394}
.tk-page{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
.tk-page table{border-collapse:collapse;font-size:14px}.tk-page td,.tk-page th{border:1px solid #ddd;padding:4px 8px;vertical-align:top;text-align:left}
.tk-foot{font:13px system-ui,sans-serif;color:#555;margin:2rem 16px}
</style>""".replace("{css}", pages.CSS)


def _offline(page: str) -> str:
    """Remove anything a page would fetch from the network (CDN scripts, styles, MathJax, the Mermaid loader)."""
    page = re.sub(r'<script[^>]+src="(https?:)?//[^"]*"[^>]*>\s*</script>', "", page)
    page = re.sub(r'<link[^>]+href="(https?:)?//[^"]*"[^>]*>', "", page)
    page = re.sub(r'<script type="module">(?:(?!</script>).)*?jp-Mermaid.*?</script>', "", page, flags=re.S)
    return page


def _to_html(nb, title: str, footer: str, notebook: str | None = None) -> str:
    """A page with no network access: charts drawn by the site's one ``vega.js`` (static images until then),
    the site's nav, a table of contents, a download link for ``notebook`` (its file name) and the footer."""
    from nbconvert import HTMLExporter

    has_charts = pages.charts_to_html(nb) > 0
    exporter = HTMLExporter(template_name="lab", exclude_input_prompt=True, exclude_output_prompt=True,
                            mathjax_url="", require_js_url="", jquery_url="")
    page, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    page = re.sub(rf'<script class="{embed.BUNDLE_MARK}">.*?</script>', "", page, flags=re.S)  # older outputs
    page = re.sub(r'<script src="">\s*</script>', "", page)  # the template's empty require.js/jQuery slots
    page = pages.slim_images(pages.slim_css(_offline(page)))
    page = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + NAV.format(extra=""), page, count=1)
    extra = pages.toc(page) + (pages.download_link(notebook) if notebook else "")
    page = re.sub(r"(</h1>)", lambda m: m.group(1) + extra, page, count=1)
    cut = page.rindex("</body>")
    page = page[:cut] + f'<footer class="tk-foot">{footer}</footer>' + page[cut:]
    head = STYLE + (pages.SCRIPT if has_charts else "")
    return page.replace("</head>", head + "</head>", 1)


def _write_page(site: Path, src: Path, nb, title: str, footer: str) -> None:
    """Write a chapter's page and a copy of its notebook (outputs cleared) for the download link."""
    pages.copy_notebook(src, site)
    page = _to_html(nb, title, footer, src.name)
    if pages.SCRIPT in page:
        pages.write_bundle(site)
    (site / f"{src.stem}.html").write_text(page, encoding="utf-8")


def _title(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+)$", "".join(cell.source), re.M)
            if m:
                return m.group(1).strip()
    return "Untitled"


def _shell(title: str, body: str, footer: str) -> str:
    body = re.sub(r"(</h1>)", lambda m: m.group(1) + pages.toc(body), body, count=1)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>{STYLE}</head>'
            f'<body>{NAV.format(extra="")}<main class="tk-page">{body}</main><footer class="tk-foot">{footer}</footer></body></html>')


def _index(pages: list[Page], footer: str, extra_links: list[tuple[str, str]], ds=None) -> str:
    """The home page: the dataset's title and description, its sources, the chapters."""
    from toolkit.dataset import coerce, describe_source

    ds = coerce(ds)
    items = "".join(f'<li><a href="{html.escape(p.name)}.html">{html.escape(p.title)}</a></li>' for p in pages)
    items += "".join(f'<li><a href="{href}">{html.escape(label)}</a></li>' for href, label in extra_links)
    sources = "".join(f"<li>{html.escape(describe_source(r))}</li>" for r in ds.articles().to_dicts())
    body = (f"<h1>{html.escape(ds.title)}</h1>"
            f"<p>{html.escape(ds.descriptor.get('description', ''))} Every figure points back to a paragraph, a "
            f"character span and a short quote of its text; the texts themselves are not reproduced.</p>"
            f"<h2>{'Source' if ds.articles().height == 1 else 'Sources'}</h2><ul>{sources}</ul>"
            f"<h2>Chapters</h2><ol>{items}</ol>")
    return _shell(f"{ds.title} — report", body, footer)


def _dictionary_page(footer: str, ds=None) -> str:
    """Every table and column of the dataset's own descriptor (extra tables and values included), escaped."""
    from toolkit.dataset import coerce

    ds = coerce(ds)
    desc, esc = ds.descriptor, html.escape
    dictionary = ds.dictionary()
    parts = ["<h1>Data dictionary</h1><p>Generated from the dataset's <code>datapackage.json</code>, "
             "the one declaration the loaders, the validator and the tests read.</p>"]
    for name in desc.table_names():
        r = desc.resource(name)
        rows = "".join(
            f"<tr><td><code>{esc(d['column'])}</code></td><td>{esc(d['type'])}</td>"
            f"<td>{'yes' if d['required'] else ''}</td>"
            f"<td>{esc(('open: ' if d['vocabulary'] == 'open' else '') + d['allowed'])}</td>"
            f"<td>{esc(d['description'])}</td></tr>" for d in dictionary.filter(table=name).iter_rows(named=True))
        load = f"load_{name}()" if Descriptor.shipped().has_table(name) else f"ds[{name!r}]"  # a shortcut exists
        parts.append(f'<h2 id="{esc(name)}">{esc(str(r.get("title", name)))} <small><code>{esc(load)}</code></small></h2>'
                     f"<p>{esc(str(r.get('description', '')))} Primary key: <code>{esc(', '.join(desc.primary_key(name)))}</code>.</p>"
                     f"<table><tr><th>column</th><th>type</th><th>required</th><th>allowed values</th><th>meaning</th></tr>{rows}</table>")
    return _shell("Data dictionary", "".join(parts), footer)


class _Progress:
    """Rich progress on a terminal; one plain line per notebook elsewhere (CI logs)."""

    def __init__(self, total: int):
        self.tty = sys.stderr.isatty() and not os.environ.get("CI")
        if self.tty:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                                TimeElapsedColumn(), transient=False)
            self.task = self.bar.add_task("executing notebooks", total=total)
            self.bar.start()

    def done(self, line: str) -> None:
        if self.tty:
            self.bar.console.print(line)
            self.bar.advance(self.task)
        else:
            print(line, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.tty:
            self.bar.stop()


def build(out: str | Path = "reports", only: list[str] | None = None, force: bool = False,
          jobs: int | None = None, folder: str | Path | None = None, data: list | None = None,
          cell_timeout: float = CELL_TIMEOUT, timeout: float = BUILD_TIMEOUT) -> list[Page]:
    """Build the site into ``out``; raise :class:`BuildError` (and keep the old site) if a notebook fails,
    a cell runs longer than ``cell_timeout`` seconds, all take longer than ``timeout``, or ``out`` is unsafe.

    ``data`` (data folders; several make a corpus) builds the generic chapters for that dataset; without
    ``folder`` or ``data`` the project's ``notebooks/`` are built, or, where there are none (an installed
    wheel), the generic chapters for the default dataset.
    """
    from toolkit.tools.site import chapters
    from toolkit.dataset import data_folder, open as open_dataset

    if folder and data:
        raise BuildError("give either --notebooks (narrative chapters) or --data (generic chapters), not both")
    out = sitefolder.check_out(out, ROOT)
    if not folder and not data and not notebooks(NOTEBOOKS):
        print(f"note: no narrative notebooks in {NOTEBOOKS} (the project's notebooks/ folder is not part of an "
              "installed package); building the generic chapters for the default dataset", file=sys.stderr)
        data = [data_folder()]
    before_env = _UNSET
    if data:
        data = [Path(d).resolve() for d in data]
        ds = open_dataset(*data)
        folder = chapters.write(out.parent / f".{out.name}.chapters", data)[0].parent
        before_env = os.environ.get("TOOLKIT_CHAPTER_DATA")  # given back when the build ends
        os.environ["TOOLKIT_CHAPTER_DATA"] = os.pathsep.join(map(str, data))  # the kernels read it; the notebooks name no path
    else:
        ds = open_dataset()
        folder = Path(folder or NOTEBOOKS).resolve()
    chosen = notebooks(folder, only)
    if not chosen:
        raise BuildError(f"no notebooks found in {folder}")
    tmp = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with sitefolder.lock(out) as lock_fd:
            sitefolder.tidy(out)
            out = sitefolder.check_out(out, ROOT)  # again: it may have changed while another build held the lock
            manifest = {}
            if (out / MANIFEST).is_file() and sitefolder.owned(out):
                try:
                    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
                except ValueError:
                    manifest = {}  # a damaged manifest: every notebook is executed again
            tmp = sitefolder.start(out)
            pages = _build_into(tmp, chosen, manifest, force, jobs, cell_timeout, timeout, lock_fd, ds, data)
            kept = sitefolder.swap(tmp, out)
            tmp = None
    except OSError as e:
        raise BuildError(sitefolder.os_message(e, out)) from None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if before_env is not _UNSET:
            if before_env is None:
                os.environ.pop("TOOLKIT_CHAPTER_DATA", None)
            else:
                os.environ["TOOLKIT_CHAPTER_DATA"] = before_env
    if kept:
        print(f"kept {len(kept)} file(s) of yours in {shown(out)}: {', '.join(kept[:5])}"
              + (" ..." if len(kept) > 5 else ""), file=sys.stderr)
    return pages


_UNSET = object()


def _build_into(tmp: Path, chosen: list[Path], manifest: dict, force: bool, jobs: int | None,
                cell_timeout: float = CELL_TIMEOUT, timeout: float = BUILD_TIMEOUT, lock_fd: int | None = None,
                ds=None, data: list | None = None) -> list[Page]:
    from toolkit.dataset import coerce

    ds = coerce(ds)
    version = data_version(data)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    footer = html.escape(f"Built {stamp} · data version {version} · toolkit {__version__} · {ds.source_line}. "
                         "The texts are not reproduced; quotes are short fragments.")
    shared = _shared_key(data)
    keys = {nb.name: _inputs_key(nb, shared) for nb in chosen}
    todo = [nb for nb in chosen if force or manifest.get(nb.name, {}).get("key") != keys[nb.name]
            or not (tmp / f"{nb.stem}.html").is_file()]
    progress, pages, failures = _Progress(len(todo)), [], []
    for nb in chosen:
        if nb not in todo:
            pages.append(Page(nb.stem, manifest[nb.name]["title"], 0.0, True))

    def done(name, executed, error, secs):
        if error:
            failures.append(f"{shown(chosen[0].parent / name)}: {error}")
            progress.done(f"FAILED {name} after {secs:.1f} s: {error}")
            return
        title = _title(executed)
        _write_page(tmp, chosen[0].parent / name, executed, title, footer)
        manifest[name] = {"key": keys[name], "title": title, "seconds": round(secs, 2)}
        pages.append(Page(Path(name).stem, title, secs, False))
        progress.done(f"executed {name} in {secs:.1f} s")

    try:
        if todo:  # a rebuild with nothing to run starts no worker and imports no nbclient
            workers = max(1, min(len(todo), jobs or os.cpu_count() or 1))
            runner.run(todo, workers, cell_timeout, timeout, done, lock_fd)
    finally:
        progress.close()
    if failures:
        raise BuildError("report build failed; the previous site is unchanged:\n  " + "\n  ".join(failures))
    listed = [Page(nb.stem, manifest[nb.name]["title"], 0.0, True) for nb in notebooks(chosen[0].parent)
              if nb.name in manifest and (tmp / f"{nb.stem}.html").is_file()]  # pages of earlier --only builds too
    extra = _extra_pages(tmp, footer) if not data else []  # the exercises are written for the shipped article
    (tmp / "index.html").write_text(_index(listed, footer, extra, ds), encoding="utf-8")
    (tmp / "dictionary.html").write_text(_dictionary_page(footer, ds), encoding="utf-8")
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return sorted(pages, key=lambda p: p.name)


def _extra_pages(tmp: Path, footer: str) -> list[tuple[str, str]]:
    """Pages beyond the notebooks: the exercises page."""
    from toolkit.tools.classroom import exercises

    try:
        return [exercises.report_page(tmp, footer, _shell)]
    except ToolkitError as e:  # exercises.json damaged, or a path in it that leads out of the exercises folder
        raise BuildError(str(e)) from None


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="execute the notebooks (or, with --data, generic chapters) and build the HTML report site",
                       description="Runs the numbered notebooks in fresh kernels, or the generic chapters for the "
                       "dataset(s) given with --data, and writes a site that opens offline: one page per chapter, "
                       "an index, a data dictionary and the exercises. The site is built aside and replaces --out "
                       "only when every notebook succeeded.")
    p.add_argument("--out", default="reports",
                   help="output folder: new, empty or an earlier report (default: reports)")
    p.add_argument("--only", action="append", help="build only this notebook (name or number; repeatable)")
    p.add_argument("--force", action="store_true", help="re-execute every notebook, even unchanged ones")
    p.add_argument("--jobs", type=int, default=None, help="notebooks executed at once (default: all cores)")
    p.add_argument("--notebooks", default=None, help="folder of numbered notebooks (default: notebooks/)")
    p.add_argument("--data", action="append", default=None,
                   help="data folder: build the generic chapters for this dataset (repeat for a corpus)")
    p.add_argument("--cell-timeout", type=_seconds, default=CELL_TIMEOUT, metavar="S",
                   help=f"stop the build when a cell runs longer than S seconds (default: {CELL_TIMEOUT})")
    p.add_argument("--timeout", type=_seconds, default=BUILD_TIMEOUT, metavar="S",
                   help=f"stop the build when the notebooks take longer than S seconds (default: {BUILD_TIMEOUT})")
    p.set_defaults(fn=_cli)


def _seconds(text: str) -> float:
    import argparse

    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


class _Stopped(KeyboardInterrupt):
    """The build was asked to stop (SIGTERM): cleaned up like Ctrl-C."""


def _stop(signum, frame):
    raise _Stopped(signum)


def _cli(args) -> int:
    t0 = time.perf_counter()
    previous = signal.signal(signal.SIGTERM, _stop)  # `kill`: clean up (temporary folder, workers) like Ctrl-C
    try:
        pages = build(args.out, args.only, args.force, args.jobs, args.notebooks, args.data, args.cell_timeout, args.timeout)
    except BuildError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as e:  # Ctrl-C: the temporary folder is gone, the old site was never touched
        print(f"\ninterrupted: the report build stopped; the previous site in {args.out}/ is unchanged", file=sys.stderr)
        return 128 + signal.SIGTERM if isinstance(e, _Stopped) else 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    fresh = sum(not p.cached for p in pages)
    print(f"report: {len(pages)} page(s) in {args.out}/ ({fresh} executed, {len(pages) - fresh} unchanged) "
          f"in {time.perf_counter() - t0:.1f} s; open {Path(args.out) / 'index.html'}")
    return 0
