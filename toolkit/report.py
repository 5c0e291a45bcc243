"""Build the report site: execute the numbered notebooks and write self-contained HTML pages.

``python -m toolkit report [--out DIR] [--only NAME] [--force] [--jobs N]``

- each notebook runs in a fresh kernel (nbclient), both cores in use;
- a notebook whose source, toolkit code and data have not changed is not re-executed;
- the site is built in a temporary folder and replaces ``reports/`` only when everything succeeded;
  a failing cell stops the build, names the notebook, the cell and the error, and keeps the old site.

>>> from toolkit import report
>>> report.build(out="reports", only=["01"])  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import html
import json
import os
import re
import shutil
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from toolkit import __version__, embed, pages, schema
from toolkit.pages import slim_css as _slim_css  # noqa: F401  (tests and older callers)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
MANIFEST = "build-manifest.json"
CELL_TIMEOUT = 600


class BuildError(RuntimeError):
    """A notebook failed: the message names the notebook, the cell and the error."""


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


def data_version() -> str:
    """A short hash of the shipped data and geo files: changes whenever the data do."""
    from toolkit.tables import data_folder

    return _digest(_files(data_folder()) + _files(ROOT / "geo"))[:12]


def _shared_key() -> str:
    """What every page depends on: the toolkit's code and data, the geo files, $TOOLKIT_DATA_DIR, Python."""
    code = [p for p in Path(__file__).parent.rglob("*") if p.is_file() and p.suffix in {".py", ".csv", ".json"}]
    env = os.environ.get("TOOLKIT_DATA_DIR", "")
    extra = _files(Path(env)) if env else []
    return env + sys.version + _digest(code + _files(ROOT / "geo") + extra)


def _inputs_key(nb: Path, shared: str) -> str:
    """What a page depends on: the notebook's cells and the inputs every page shares (hashed once per build)."""
    cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
    src = json.dumps([(c["cell_type"], "".join(c["source"])) for c in cells])
    return hashlib.sha256((src + shared).encode()).hexdigest()


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when possible."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _error_of(nb) -> str:
    code_no = 0
    for i, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        code_no += 1
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return f"cell {i} (code cell {code_no}): {out['ename']}: {out['evalue']}"
    return "unknown cell"


def _kernel_config():
    """Kernel sockets encrypted with CurveZMQ (else IPC): no "Kernel is running over TCP without encryption"."""
    import zmq
    from traitlets.config import Config

    km = {"transport_encryption": "auto"} if zmq.has("curve") else {"transport": "ipc"}
    return Config({"KernelManager": km})


def _execute(path: str) -> tuple[str, dict | None, str | None, float]:
    """Run one notebook in a fresh kernel (in a worker process); returns (name, notebook, error, seconds)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    start, p = time.perf_counter(), Path(path)
    nb = nbformat.read(p, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(p.parent)}},
                            config=_kernel_config())
    try:
        client.execute()
    except CellExecutionError:
        return p.name, None, _error_of(nb), time.perf_counter() - start
    except Exception as e:  # a dead kernel or a timeout is a failed build, said plainly
        return p.name, None, f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}", time.perf_counter() - start
    return p.name, nb, None, time.perf_counter() - start


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


def _index(pages: list[Page], footer: str, extra_links: list[tuple[str, str]]) -> str:
    from toolkit import load_sources

    src = load_sources().filter(source_id="rferl_2015").row(0, named=True)
    items = "".join(f'<li><a href="{html.escape(p.name)}.html">{html.escape(p.title)}</a></li>' for p in pages)
    items += "".join(f'<li><a href="{href}">{html.escape(label)}</a></li>' for href, label in extra_links)
    body = (f"<h1>North Caucasian fighters with IS: the article as data</h1>"
            f"<p>A reader's guide to RFE/RL's <i>{html.escape(src['title'])}</i> ({html.escape(src['author'])}, "
            f"late March 2015): who claimed how many fighters from Russia's North Caucasus were fighting with IS, "
            f"how sure they were, where the fighters come from and go to, who leads whom, and where officials and the "
            f"author disagree. Every figure points back to a paragraph, a character span and a short quote of the article.</p>"
            f"<h2>Chapters</h2><ol>{items}</ol>")
    return _shell("North Caucasian fighters with IS — report", body, footer)


def _dictionary_page(footer: str) -> str:
    parts = ["<h1>Data dictionary</h1><p>Generated from <code>toolkit/data/datapackage.json</code>, "
             "the one declaration the loaders, the validator and the tests read.</p>"]
    for name in schema.table_names():
        r = schema.resource(name)
        rows = "".join(
            f"<tr><td><code>{html.escape(f['name'])}</code></td><td>{html.escape(f['type'])}</td>"
            f"<td>{'yes' if f.get('constraints', {}).get('required') else ''}</td>"
            f"<td>{html.escape(', '.join(f.get('constraints', {}).get('enum', [])))}</td>"
            f"<td>{html.escape(f['description'])}</td></tr>" for f in r["schema"]["fields"])
        parts.append(f'<h2 id="{name}">{html.escape(r["title"])} <small><code>load_{name}()</code></small></h2>'
                     f"<p>{html.escape(r['description'])} Primary key: <code>{', '.join(schema.primary_key(name))}</code>.</p>"
                     f"<table><tr><th>column</th><th>type</th><th>required</th><th>allowed values</th><th>meaning</th></tr>{rows}</table>")
    return _shell("Data dictionary", "".join(parts), footer)


@contextmanager
def _lock(out: Path):
    lock_path = out.parent / f".{out.name}.lock"
    with open(lock_path, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"another report build is writing {out}; waiting for it to finish", file=sys.stderr)
            fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _tidy(out: Path) -> None:
    """Remove debris of interrupted builds; put back a site an interrupted swap had moved aside."""
    for p in out.parent.glob(f".{out.name}.*-*"):
        m = re.search(r"\.(tmp|old)-(\d+)$", p.name)
        if not m or _alive(int(m.group(2))) and int(m.group(2)) != os.getpid():
            continue
        if m.group(1) == "old" and not out.exists():
            p.rename(out)
        else:
            shutil.rmtree(p, ignore_errors=True)


def _swap(tmp: Path, out: Path) -> None:
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})  # no Ctrl-C between the renames
    try:
        if out.exists():
            out.rename(old)
        tmp.rename(out)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    shutil.rmtree(old, ignore_errors=True)


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
          jobs: int | None = None, folder: str | Path | None = None) -> list[Page]:
    """Build the site into ``out``; raise :class:`BuildError` (and keep the old site) if a notebook fails."""
    out, folder = Path(out).resolve(), Path(folder or NOTEBOOKS).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with _lock(out):
        _tidy(out)
        chosen = notebooks(folder, only)
        if not chosen:
            raise BuildError(f"no notebooks found in {folder}")
        manifest = {}
        if out.exists() and (out / MANIFEST).is_file():
            manifest = json.loads((out / MANIFEST).read_text())
        tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        if out.exists():
            shutil.copytree(out, tmp)  # pages of notebooks not rebuilt now stay as they were
        else:
            tmp.mkdir()
        try:
            pages = _build_into(tmp, chosen, manifest, force, jobs)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _swap(tmp, out)
        return pages


def _build_into(tmp: Path, chosen: list[Path], manifest: dict, force: bool, jobs: int | None) -> list[Page]:
    version = data_version()
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    footer = (f"Built {stamp} · data version {version} · toolkit {__version__} · Source: RFE/RL, J. Paraszczuk, March 2015. "
              "The article's text is not reproduced; quotes are short fragments.")
    shared = _shared_key()
    keys = {nb.name: _inputs_key(nb, shared) for nb in chosen}
    todo = [nb for nb in chosen if force or manifest.get(nb.name, {}).get("key") != keys[nb.name]
            or not (tmp / f"{nb.stem}.html").is_file()]
    progress, pages, failures = _Progress(len(todo)), [], []
    for nb in chosen:
        if nb not in todo:
            pages.append(Page(nb.stem, manifest[nb.name]["title"], 0.0, True))
    try:
        workers = max(1, min(len(todo), jobs or os.cpu_count() or 1))
        if todo:
            import nbclient  # noqa: F401  (imported once, before the workers fork; a rebuild with nothing to run skips it)
            with ProcessPoolExecutor(max_workers=workers) as pool:
                for name, executed, error, secs in pool.map(_execute, [str(p) for p in todo]):
                    if error:
                        failures.append(f"{_shown(chosen[0].parent / name)}: {error}")
                        progress.done(f"FAILED {name} after {secs:.1f} s: {error}")
                        continue
                    title = _title(executed)
                    _write_page(tmp, chosen[0].parent / name, executed, title, footer)
                    manifest[name] = {"key": keys[name], "title": title, "seconds": round(secs, 2)}
                    pages.append(Page(Path(name).stem, title, secs, False))
                    progress.done(f"executed {name} in {secs:.1f} s")
    finally:
        progress.close()
    if failures:
        raise BuildError("report build failed; the previous site is unchanged:\n  " + "\n  ".join(failures))
    listed = [Page(nb.stem, manifest[nb.name]["title"], 0.0, True) for nb in notebooks(chosen[0].parent)
              if nb.name in manifest and (tmp / f"{nb.stem}.html").is_file()]  # pages of earlier --only builds too
    extra = _extra_pages(tmp, footer)
    (tmp / "index.html").write_text(_index(listed, footer, extra), encoding="utf-8")
    (tmp / "dictionary.html").write_text(_dictionary_page(footer), encoding="utf-8")
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return sorted(pages, key=lambda p: p.name)


def _extra_pages(tmp: Path, footer: str) -> list[tuple[str, str]]:
    """Pages beyond the notebooks: the exercises page."""
    from toolkit import exercises

    return [exercises.report_page(tmp, footer, _shell)]


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="execute the notebooks and build the HTML report site")
    p.add_argument("--out", default="reports", help="output folder (default: reports)")
    p.add_argument("--only", action="append", help="build only this notebook (name or number; repeatable)")
    p.add_argument("--force", action="store_true", help="re-execute every notebook, even unchanged ones")
    p.add_argument("--jobs", type=int, default=None, help="notebooks executed at once (default: all cores)")
    p.add_argument("--notebooks", default=None, help="folder of numbered notebooks (default: notebooks/)")
    p.set_defaults(fn=_cli)


def _cli(args) -> int:
    t0 = time.perf_counter()
    try:
        pages = build(args.out, args.only, args.force, args.jobs, args.notebooks)
    except BuildError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C: the temporary folder is gone, the old site was never touched
        print(f"\ninterrupted: the report build stopped; the previous site in {args.out}/ is unchanged", file=sys.stderr)
        return 130
    fresh = sum(not p.cached for p in pages)
    print(f"report: {len(pages)} page(s) in {args.out}/ ({fresh} executed, {len(pages) - fresh} unchanged) "
          f"in {time.perf_counter() - t0:.1f} s; open {Path(args.out) / 'index.html'}")
    return 0
