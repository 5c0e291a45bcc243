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

>>> from toolkit import report
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

from toolkit import embed, runner, schema, sitefolder
from toolkit.runner import BUILD_TIMEOUT, CELL_TIMEOUT
from toolkit.sitefolder import BuildError, shown

ROOT = Path(__file__).resolve().parents[1]
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
    from toolkit.tables import data_folder

    folders = [Path(d) for d in data] if data else [data_folder()]
    return [p for f in folders for p in _files(f) + _files(f / "texts")]


def data_version(data: list | None = None) -> str:
    """A short hash of the dataset's files and the geo files: changes whenever the data do."""
    return _digest(_data_files(data) + _files(ROOT / "geo"))[:12]


def _shared_key(data: list | None = None) -> str:
    """What every page depends on: the toolkit's code, the dataset's files, the geo files, Python."""
    code = [p for p in Path(__file__).parent.rglob("*") if p.is_file() and p.suffix in {".py", ".csv", ".json"}]
    env = os.environ.get("TOOLKIT_DATA_DIR", "")
    return env + sys.version + _digest(code + _files(ROOT / "geo") + _data_files(data))


def _inputs_key(nb: Path, shared: str) -> str:
    """What a page depends on: the notebook's cells and the inputs every page shares (hashed once per build)."""
    cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
    src = json.dumps([(c["cell_type"], "".join(c["source"])) for c in cells])
    return hashlib.sha256((src + shared).encode()).hexdigest()


NAV = ('<nav class="tk-nav"><a href="index.html">Report home</a> · <a href="dictionary.html">Data dictionary</a>'
       '{extra}</nav>')
STYLE = """<style>
.tk-nav{font:14px system-ui,sans-serif;padding:8px 16px;background:#f3f3f3;border-bottom:1px solid #ddd}
.tk-nav a{color:#0b5394}
.tk-page{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
.tk-page table{border-collapse:collapse;font-size:14px}.tk-page td,.tk-page th{border:1px solid #ddd;padding:4px 8px;vertical-align:top;text-align:left}
.tk-foot{font:13px system-ui,sans-serif;color:#555;margin:2rem 16px}
</style>"""


def _offline(page: str) -> str:
    """Remove anything a page would fetch from the network (CDN scripts, styles, MathJax, the Mermaid loader)."""
    page = re.sub(r'<script[^>]+src="(https?:)?//[^"]*"[^>]*>\s*</script>', "", page)
    page = re.sub(r'<link[^>]+href="(https?:)?//[^"]*"[^>]*>', "", page)
    page = re.sub(r'<script type="module">(?:(?!</script>).)*?jp-Mermaid.*?</script>', "", page, flags=re.S)
    return page


# --- the template's CSS, cut to the rules a page can use ----------------------------------------------
# nbconvert's "lab" template inlines all of JupyterLab's CSS (~260 KB: widgets, menus, icons as data URIs) in
# every page. A static page uses a few dozen classes and no JupyterLab script adds any later, so rules whose
# classes, ids or attributes appear nowhere in the page, and custom properties nothing refers to, are dropped.
# tinycss2 parses and writes the CSS (imported where used: the CLI loads this module without the report extra).

_GROUPS = {"media", "supports", "layer", "container"}  # at-rules holding style rules, pruned inside
_VAR = re.compile(r"var\(\s*(--[-\w]+)")


def _group(rule) -> bool:
    return rule.type == "at-rule" and rule.lower_at_keyword in _GROUPS and rule.content is not None


def _may_match(selector: list, used: dict) -> bool:
    """False only when the selector's tokens need a class, id or attribute the page does not have.

    Only the top level counts: what :not(), :is(), :where()... ask for is left out, a looser selector."""
    for before, token in zip([None, *selector], selector):
        if token.type == "[] block" and "|" not in token.content:  # [attr], [attr=value]; not [ns|attr]
            attr = next((t.lower_value for t in token.content if t.type == "ident"), None)
            if attr and attr not in used["attr"]:
                return False
        elif ((token.type == "hash" and token.value not in used["id"])
                or (token.type == "ident" and before == "." and token.value not in used["class"])):
            return False
    return True


def _prune(rules, used) -> list:
    """The rules a page may use: style rules cut to the selectors that may match (prelude as text, declarations
    parsed), @media and the like pruned inside, other at-rules (@import, @font-face, @keyframes...) kept whole."""
    import tinycss2

    out = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors = [[]]
            for token in rule.prelude:
                if token == ",":
                    selectors.append([])
                else:
                    selectors[-1].append(token)
            kept = [tinycss2.serialize(s).strip() for s in selectors if _may_match(s, used)]
            if kept:
                rule.prelude = ",".join(kept)
                rule.content = [n for n in tinycss2.parse_blocks_contents(rule.content, skip_whitespace=True)
                                if n.type != "error"]
                out.append(rule)
        elif _group(rule):
            rule.prelude = tinycss2.serialize(rule.prelude)
            rule.content = _prune(tinycss2.parse_rule_list(rule.content, skip_whitespace=True), used)
            if rule.content:
                out.append(rule)
        elif rule.type == "at-rule":
            out.append(rule)
    return out


def _leaves(rules):
    """Style rules and whole at-rules, also those inside @media and the like."""
    for rule in rules:
        yield from _leaves(rule.content) if _group(rule) else [rule]


def _render(rules, keep_var) -> str:
    """Pruned rules as CSS, without the custom properties ``keep_var`` turns down and rules left empty."""
    parts = []
    for rule in rules:
        if rule.type == "qualified-rule":
            body = ";".join(n.serialize().strip() for n in rule.content
                            if n.type != "declaration" or not n.name.startswith("--") or keep_var(n.name))
            parts.append(body and f"{rule.prelude}{{{body}}}")
        elif _group(rule):
            inner = _render(rule.content, keep_var)
            parts.append(inner and f"@{rule.at_keyword}{rule.prelude}{{{inner}}}")
        else:
            parts.append(rule.serialize())
    return "\n".join(p for p in parts if p)


def _slim_css(page: str) -> str:
    """The page with its template ``<style>`` blocks (in <head>) cut to what the page can use."""
    import tinycss2

    head_end = page.find("</head>")
    if head_end < 0:
        return page
    styles = list(re.finditer(r"<style[^>]*>(.*?)</style>", page[:head_end], re.S))
    rest = "".join(page[a:b] for a, b in zip([0, *(m.end() for m in styles)], [*(m.start() for m in styles), len(page)]))
    used = {"class": set(), "id": set(), "attr": set()}
    for tag in re.findall(r"<[a-zA-Z][^>]*>", rest):
        for name, value in re.findall(r'([-\w:]+)\s*=\s*(?:"([^"]*)"|\'[^\']*\'|[^\s>]+)', tag):
            used["attr"].add(name.lower())
            if name.lower() == "class":
                used["class"].update(value.split())
            elif name.lower() == "id":
                used["id"].add(value)
        used["attr"].update(a.lower() for a in re.findall(r"\s([-\w:]+)(?=[\s/>])", tag))  # bare attributes
    sheets = [_prune(tinycss2.parse_stylesheet(m.group(1), skip_comments=True, skip_whitespace=True), used)
              for m in styles]
    # custom properties: keep those referred to by a kept declaration, by the page, or by another kept one
    defined, refs = {}, set(_VAR.findall(rest))
    for rule in _leaves(r for sheet in sheets for r in sheet):
        for node in rule.content if rule.type == "qualified-rule" else [rule]:
            if node.type == "declaration" and node.name.startswith("--"):
                defined.setdefault(node.name, []).append(node.serialize())
            else:
                refs.update(_VAR.findall(node.serialize()))
    todo = list(refs)
    while todo:
        for value in defined.get(todo.pop(), []):
            for ref in _VAR.findall(value):
                if ref not in refs:
                    refs.add(ref)
                    todo.append(ref)
    out, last = [], 0
    for m, sheet in zip(styles, sheets):
        css = _render(sheet, refs.__contains__)
        out += [page[last:m.start()], f"<style>\n{css}\n</style>" if css.strip() else ""]
        last = m.end()
    return "".join(out) + page[last:]


def _to_html(nb, title: str, footer: str) -> str:
    """A self-contained page: no network, one Vega bundle in <head>, the site's nav and footer."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", exclude_input_prompt=True, exclude_output_prompt=True,
                            mathjax_url="", require_js_url="", jquery_url="")
    page, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    bundles = re.compile(rf'<script class="{embed.BUNDLE_MARK}">.*?</script>', re.S)
    has_charts = bool(bundles.search(page)) or "tk-vega" in page
    page = _slim_css(_offline(bundles.sub("", page)))
    # nav and footer first: the bundle's own text contains "<body>" and "</body>", so it goes in last
    page = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + NAV.format(extra=""), page, count=1)
    cut = page.rindex("</body>")
    page = page[:cut] + f'<footer class="tk-foot">{footer}</footer>' + page[cut:]
    head = STYLE + (f'<script class="{embed.BUNDLE_MARK}">{embed.bundle()}</script>' if has_charts else "")
    return page.replace("</head>", head + "</head>", 1)


def _title(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+)$", "".join(cell.source), re.M)
            if m:
                return m.group(1).strip()
    return "Untitled"


def _shell(title: str, body: str, footer: str) -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>{STYLE}</head>'
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
    from toolkit.dataset import coerce

    ds = coerce(ds)
    with schema.using(ds.descriptor):
        return _dictionary_body(footer)


def _dictionary_body(footer: str) -> str:
    parts = ["<h1>Data dictionary</h1><p>Generated from the dataset's <code>datapackage.json</code>, "
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
    from toolkit import chapters
    from toolkit.dataset import data_folder, open as open_dataset

    if folder and data:
        raise BuildError("give either --notebooks (narrative chapters) or --data (generic chapters), not both")
    out = sitefolder.check_out(out, ROOT)
    if not folder and not data and not notebooks(NOTEBOOKS):
        print(f"note: no narrative notebooks in {NOTEBOOKS} (the project's notebooks/ folder is not part of an "
              "installed package); building the generic chapters for the default dataset", file=sys.stderr)
        data = [data_folder()]
    if data:
        data = [Path(d).resolve() for d in data]
        ds = open_dataset(*data)
        folder = chapters.write(out.parent / f".{out.name}.chapters", data)[0].parent
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
    if kept:
        print(f"kept {len(kept)} file(s) of yours in {shown(out)}: {', '.join(kept[:5])}"
              + (" ..." if len(kept) > 5 else ""), file=sys.stderr)
    return pages


def _build_into(tmp: Path, chosen: list[Path], manifest: dict, force: bool, jobs: int | None,
                cell_timeout: float = CELL_TIMEOUT, timeout: float = BUILD_TIMEOUT, lock_fd: int | None = None,
                ds=None, data: list | None = None) -> list[Page]:
    from toolkit.dataset import coerce

    ds = coerce(ds)
    version = data_version(data)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    footer = html.escape(f"Built {stamp} · data version {version} · toolkit · {ds.source_line}. "
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
        (tmp / f"{Path(name).stem}.html").write_text(_to_html(executed, title, footer), encoding="utf-8")
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
    from toolkit import exercises

    try:
        return [exercises.report_page(tmp, footer, _shell)]
    except ValueError as e:  # a path in exercises.json that leads out of the exercises folder
        raise BuildError(str(e)) from None


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="execute the notebooks and build the HTML report site")
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
