"""Benchmarks: what a user waits for and what a reader downloads, measured in one run on this machine.

    python benchmarks/run.py                 # everything but the test suite (a few minutes)
    python benchmarks/run.py --with-tests    # also the whole test suite's wall time
    python benchmarks/run.py --profile       # also pyinstrument profiles of each figure (written to a temp folder)
    python benchmarks/run.py --only import,loaders,map --markdown

Every timing is repeated (report builds fewer times) and the median is reported. Report builds go to
temporary folders; the repository's reports/ is never touched. Results are written to
benchmarks/results.json (``--json`` to change).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
MB, KB = 1_000_000, 1_000
FIGURES = ("import", "loaders", "build", "rebuild", "page", "site", "map", "tests")


def _run(cmd: list[str], **kw) -> float:
    """Wall time of one command (it must succeed)."""
    t = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, **kw)
    took = time.perf_counter() - t
    if res.returncode != 0:
        raise SystemExit(f"benchmark command failed ({res.returncode}): {' '.join(cmd)}\n{res.stderr[-3000:]}")
    return took


def _figure(key: str) -> str:
    return ("map" if key.startswith("map_") else "import" if key.startswith("import") else
            "tests" if key == "check" else key)


def _median(xs: list[float]) -> float:
    return statistics.median(xs)


def _row(key, figure, value, unit, target, *, base=None, base_label=None, ratio=None, note="", runs=None):
    ok = None if target is None else (ratio if ratio is not None else value) <= target
    return {"key": key, "figure": figure, "value": value, "unit": unit, "baseline": base, "baseline_label": base_label,
            "ratio": ratio, "target": target, "ok": ok, "note": note, "runs": runs}


# --- the figures -------------------------------------------------------------------------------------

def bench_import(repeat: int) -> list[dict]:
    """`import toolkit; toolkit.load_estimates()` against a bare `import polars`, each in a fresh interpreter."""
    bare, full = [], []
    for _ in range(repeat + 1):  # the first pair warms the OS file cache and is dropped
        bare.append(_run([PY, "-c", "import polars"], cwd=tempfile.gettempdir()))
        full.append(_run([PY, "-c", "import toolkit; toolkit.load_estimates()"], cwd=tempfile.gettempdir()))
    bare, full = bare[1:], full[1:]
    cold = [_run([PY, "-c", "import toolkit; toolkit.load_estimates()"], cwd=tempfile.gettempdir(),
                 env={**os.environ, "TOOLKIT_NO_CACHE": "1"}) for _ in range(repeat)]
    b, f, c = _median(bare), _median(full), _median(cold)
    return [_row("import", "`import toolkit` + `load_estimates()` vs bare `import polars` (fresh process; the folder "
                 "checked by an earlier process)", f, "s", 1.3, base=b, base_label="import polars", ratio=f / b, runs=full),
            _row("import_cold", "the same with every check run (`TOOLKIT_NO_CACHE=1`, as on a first run)", c, "s", None,
                 base=b, base_label="import polars", ratio=c / b, runs=cold)]


def bench_loaders(repeat: int) -> list[dict]:
    """All loaders, warm (the folder was read and checked once already)."""
    import toolkit
    from toolkit.core.descriptor import Descriptor
    schema = Descriptor.shipped()  # the toolkit's own schema, as a value
    loaders = [getattr(toolkit, f"load_{n}") for n in schema.table_names()]
    t = time.perf_counter()
    for load in loaders:
        load()
    cold = time.perf_counter() - t
    runs = []
    for _ in range(max(repeat, 20)):
        t = time.perf_counter()
        for load in loaders:
            load()
        runs.append(time.perf_counter() - t)
    return [_row("loaders", f"all {len(loaders)} loaders together, warm", _median(runs), "s", 0.050, runs=runs,
                 note=f"first (cold) call in this process: {cold * 1000:.0f} ms")]


def _jupyter() -> list[str]:
    exe = Path(PY).parent / "jupyter"
    return [str(exe)] if exe.exists() else [PY, "-m", "jupyter"]


def _notebooks() -> list[Path]:
    from toolkit.tools.site import report

    return report.notebooks()


def bench_build(build_repeat: int, rebuild_repeat: int, keep: dict) -> list[dict]:
    """A cold report build against nbconvert over the same notebooks one by one; then a warm rebuild."""
    nbs = _notebooks()
    ours, naive, warm = [], [], []
    with tempfile.TemporaryDirectory(prefix="tk-bench-") as tmp:
        tmp = Path(tmp)
        for i in range(build_repeat):
            out = tmp / f"run{i}" / "reports"
            out.parent.mkdir()
            ours.append(_run([PY, "-m", "toolkit", "report", "--out", str(out)], cwd=out.parent))
            t = time.perf_counter()
            for nb in nbs:
                _run([*_jupyter(), "nbconvert", "--execute", "--to", "html", "--ExecutePreprocessor.timeout=600",
                      "--output-dir", str(tmp / f"naive{i}"), str(nb)], cwd=tmp)
            naive.append(time.perf_counter() - t)
        out = tmp / "run0" / "reports"
        for _ in range(rebuild_repeat):
            warm.append(_run([PY, "-m", "toolkit", "report", "--out", str(out)], cwd=out.parent))
        pages = sorted(out.glob("*.html"), key=lambda p: p.stat().st_size)
        keep["pages"] = {p.name: p.stat().st_size for p in pages}
        keep["site"] = _site_files(out)
        keep["naive_pages"] = {p.name: p.stat().st_size for p in (tmp / "naive0").glob("*.html")}
    o, n = _median(ours), _median(naive)
    biggest = max(keep["pages"], key=keep["pages"].get)
    return [
        _row("build", f"cold report build ({len(nbs)} notebooks, {os.cpu_count()} cores) vs `jupyter nbconvert --execute "
             "--to html` one by one", o, "s", 0.5, base=n, base_label="nbconvert", ratio=o / n, runs=ours,
             note=f"nbconvert runs: {', '.join(f'{x:.1f}' for x in naive)} s"),
        _row("rebuild", "warm rebuild, nothing changed (`python -m toolkit report`)", _median(warm), "s", 2.0, runs=warm),
        _page_row(keep["pages"]), _site_row(keep["site"]),
    ]


def _site_files(out: Path) -> dict:
    """Every file a reader of the site may download, but the exercise downloads (exercises/) and the manifest."""
    return {str(p.relative_to(out)): p.stat().st_size for p in out.rglob("*")
            if p.is_file() and p.relative_to(out).parts[0] != "exercises" and p.name != "build-manifest.json"}


def _page_row(pages: dict) -> dict:
    biggest = max(pages, key=pages.get)
    return _row("page", f"largest report page ({biggest}; Vega in the shared vega.js)", pages[biggest] / MB, "MB", 0.5,
                note="all pages: " + ", ".join(f"{k} {v / MB:.2f}" for k, v in sorted(pages.items())))


def _site_row(files: dict) -> dict:
    js = sum(v for k, v in files.items() if k.endswith(".js"))
    return _row("site", "report site in all (pages, vega.js, chapter notebooks; not the exercise downloads)",
                sum(files.values()) / MB, "MB", 2.0, note=f"{len(files)} files; vega.js {js / MB:.2f} MB")


def bench_page_only() -> list[dict]:
    """The largest page and the site's total of one fresh build, when the build timings are not asked for."""
    with tempfile.TemporaryDirectory(prefix="tk-bench-") as tmp:
        out = Path(tmp) / "reports"
        _run([PY, "-m", "toolkit", "report", "--out", str(out)], cwd=tmp)
        pages = {p.name: p.stat().st_size for p in out.glob("*.html")}
        site = _site_files(out)
    return [_page_row(pages), _site_row(site)]


def bench_map() -> list[dict]:
    """The web maps' Vega-Lite specs, as the page embeds them (compact JSON)."""
    from toolkit.views import maps

    rows = []
    for name in ("regions", "flows"):
        size = len(getattr(maps, name)().to_json(indent=None).encode("utf-8"))
        rows.append(_row(f"map_{name}", f"web map spec `maps.{name}()` (compact JSON)", size / KB, "KB", 150))
    return rows


def make_pytest_args(target: str, makefile: Path = ROOT / "Makefile") -> list[str]:
    """The pytest arguments of ``make <target>``, read from the Makefile (its variables expanded), so that the
    benchmark times exactly what `make check` and `make test` run (workers, distribution, markers)."""
    import re
    import shlex

    text = makefile.read_text(encoding="utf-8")
    variables = dict(re.findall(r"^([A-Z_]+)\s*[:?]?=\s*(.*?)\s*$", text, re.M))
    recipe = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n)+)", text, re.M)
    line = next((ln for ln in (recipe.group(1).splitlines() if recipe else []) if "-m pytest" in ln), None)
    if line is None:
        raise SystemExit(f"{makefile}: no `python -m pytest` line under `{target}:`")
    args = line.split("-m pytest", 1)[1]
    args = re.sub(r"\$\((\w+)\)", lambda m: variables.get(m.group(1), ""), args)
    return shlex.split(args)


def bench_tests() -> list[dict]:
    """The two test tiers, each once in a fresh process, with the Makefile's own pytest arguments: `make check`
    (the library's unit tests) and `make test` (everything, slow and browser tests included), with their ratio."""
    rows = []
    tiers = [("check", "`make check`: the library's unit tests (target: under 90 s on 2 cores)", 90.0),
             ("tests", "`make test`: the whole suite, slow and browser tests included (goal: about 6 minutes)", 360.0)]
    took = {}
    for key, figure, target in tiers:
        args = make_pytest_args("check" if key == "check" else "test")
        print(f"  pytest {' '.join(args)}", file=sys.stderr, flush=True)
        t = time.perf_counter()
        res = subprocess.run([PY, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=ROOT,
                             capture_output=True, text=True)
        took[key] = time.perf_counter() - t
        last = (res.stdout.strip().splitlines() or ["?"])[-1]
        rows.append(_row(key, figure, took[key], "s", target, note=f"exit {res.returncode}: {last}"))
        print(f"  {key}: {took[key]:.0f} s (target {target:.0f} s, {'met' if took[key] <= target else 'MISSED'}); {last}",
              file=sys.stderr, flush=True)
    rows[0]["note"] += f"; {took['check'] / took['tests']:.2f}x the whole suite's time, same run"
    return rows


# --- profiles ----------------------------------------------------------------------------------------

NOTEBOOK_PROFILER = r'''
import sys, json, time
from pathlib import Path
from pyinstrument import Profiler
import nbformat
from IPython.core.interactiveshell import InteractiveShell

nb_path, out = Path(sys.argv[1]), Path(sys.argv[2])
nb = nbformat.read(nb_path, as_version=4)
shell = InteractiveShell.instance()
import os; os.chdir(nb_path.parent)
p = Profiler(interval=0.001)
p.start()
for cell in nb.cells:
    if cell.cell_type != "code":
        continue
    res = shell.run_cell(cell.source, store_history=False)
    if res.error_in_exec or res.error_before_exec:
        raise SystemExit(f"cell failed: {res.error_in_exec or res.error_before_exec}")
    if res.result is not None:
        shell.display_formatter.format(res.result)  # what the kernel does for an output: HTML, the chart's bundle
p.stop()
out.with_suffix(".html").write_text(p.output_html())
out.with_suffix(".txt").write_text(p.output_text(unicode=True, color=False))
'''


def profile(folder: Path, figures: set[str]) -> list[str]:
    """pyinstrument profiles (HTML and text) of each figure; returns the files written."""
    from pyinstrument import Profiler

    written = []

    def save(p: Profiler, name: str):
        (folder / f"{name}.html").write_text(p.output_html())
        (folder / f"{name}.txt").write_text(p.output_text(unicode=True, color=False))
        written.extend([str(folder / f"{name}.txt"), str(folder / f"{name}.html")])

    if "import" in figures:
        script = folder / "import_load.py"
        script.write_text("import toolkit\ntoolkit.load_estimates()\n")
        for renderer, ext in (("text", "txt"), ("html", "html")):
            subprocess.run([PY, "-m", "pyinstrument", "-i", "0.0002", "--show", "*/toolkit/*", "-r", renderer,
                            "-o", str(folder / f"import_load.{ext}"), str(script)], check=True, capture_output=True)
            written.append(str(folder / f"import_load.{ext}"))
        res = subprocess.run([PY, "-X", "importtime", "-c", "import toolkit; toolkit.load_estimates()"],
                             capture_output=True, text=True, cwd=tempfile.gettempdir())
        rows = [line.split("|") for line in res.stderr.splitlines() if line.startswith("import time:") and "|" in line]
        top = sorted(((int(r[1]), r[2].rstrip()) for r in rows[1:] if r[1].strip().isdigit()), reverse=True)[:25]
        (folder / "importtime.txt").write_text("\n".join(f"{us / 1000:8.1f} ms  {name}" for us, name in top))
        written.append(str(folder / "importtime.txt"))
    if "loaders" in figures:
        import toolkit
        from toolkit.core.descriptor import Descriptor
        schema = Descriptor.shipped()  # the toolkit's own schema, as a value
        from toolkit.dataset import shortcuts as tables

        tables._cache.clear()
        p = Profiler(interval=0.0001)
        p.start()
        for _ in range(200):
            for n in schema.table_names():
                getattr(toolkit, f"load_{n}")()
        p.stop()
        save(p, "loaders_warm")
        p = Profiler(interval=0.0001)
        p.start()
        for _ in range(10):
            tables._cache.clear()
            toolkit.load_estimates()
        p.stop()
        save(p, "loaders_cold_check")
    if "map" in figures:
        from toolkit.views import maps

        p = Profiler(interval=0.001)
        p.start()
        maps.regions().to_json(indent=None)
        maps.flows().to_json(indent=None)
        p.stop()
        save(p, "map_specs")
    if figures & {"build", "page"}:
        from toolkit.tools.site import report

        with tempfile.TemporaryDirectory(prefix="tk-bench-") as tmp:
            p = Profiler(interval=0.001)
            p.start()
            report.build(out=Path(tmp) / "reports")
            p.stop()
            save(p, "build_main_process")
            p = Profiler(interval=0.001)
            p.start()
            report.build(out=Path(tmp) / "reports")
            p.stop()
            save(p, "rebuild_in_process")
            subprocess.run([PY, "-m", "pyinstrument", "-i", "0.001", "-r", "text", "-o", str(folder / "rebuild_cli.txt"),
                            "-m", "toolkit", "report", "--out", str(Path(tmp) / "reports")], check=True, capture_output=True)
            written.append(str(folder / "rebuild_cli.txt"))
        for nb in _notebooks():  # what a kernel spends its time on, notebook by notebook
            subprocess.run([PY, "-c", NOTEBOOK_PROFILER, str(nb), str(folder / f"kernel_{nb.stem}")], check=True,
                           capture_output=True)
            written.extend([str(folder / f"kernel_{nb.stem}.txt"), str(folder / f"kernel_{nb.stem}.html")])
    return written


# --- output ------------------------------------------------------------------------------------------

def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"
    return f"{value:.2f} {unit}" if unit == "MB" else f"{value:.0f} {unit}"


def _cells(r: dict) -> list[str]:
    if r["ratio"] is not None:
        measured = f"{_fmt(r['value'], r['unit'])} vs {_fmt(r['baseline'], r['unit'])}"
        result, target = f"{r['ratio']:.2f}×", f"≤ {r['target']}×"
    else:
        measured = _fmt(r["value"], r["unit"])
        result = measured
        target = "—" if r["target"] is None else f"≤ {_fmt(r['target'], r['unit'])}"
    status = "—" if r["ok"] is None else ("met" if r["ok"] else "MISSED")
    return [r["figure"], measured, result, target, status]


HEADER = ["figure", "measured (median)", "result", "target", "status"]


def markdown(rows: list[dict]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(_cells(r)) + " |" for r in rows]
    return "\n".join(lines)


def show(rows: list[dict], meta: dict) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        print(markdown(rows))
        return
    table = Table(title=f"toolkit benchmarks — {meta['machine']}", show_lines=False)
    for h in HEADER:
        table.add_column(h, overflow="fold")
    for r in rows:
        cells = _cells(r)
        colour = {"met": "green", "MISSED": "bold red"}.get(cells[-1], "")
        table.add_row(*cells[:-1], f"[{colour}]{cells[-1]}[/]" if colour else cells[-1])
    console = Console() if sys.stdout.isatty() else Console(width=140)
    console.print(table)
    for r in rows:
        if r["note"]:
            print(f"  {r['key']}: {r['note']}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5, help="repeats of the small timings (default 5)")
    ap.add_argument("--build-repeat", type=int, default=2, help="repeats of the cold builds (default 2)")
    ap.add_argument("--rebuild-repeat", type=int, default=3, help="repeats of the warm rebuild (default 3)")
    ap.add_argument("--only", default=None, help=f"comma-separated subset of: {', '.join(FIGURES)}")
    ap.add_argument("--with-tests", action="store_true", help="also time the two test tiers, `make check` and `make test` (slow)")
    ap.add_argument("--profile", nargs="?", const="", default=None, metavar="DIR",
                    help="write pyinstrument profiles to DIR (default: a new temporary folder)")
    ap.add_argument("--json", default=str(ROOT / "benchmarks" / "results.json"), help="where to write the results")
    ap.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args(argv)

    figures = set(args.only.split(",")) if args.only else set(FIGURES) - {"tests"}
    if args.with_tests:
        figures.add("tests")
    unknown = figures - set(FIGURES)
    if unknown:
        ap.error(f"unknown figure(s) {sorted(unknown)}; choose from {', '.join(FIGURES)}")
    os.environ.pop("TOOLKIT_DATA_DIR", None)  # the shipped data, as a new user has it

    rows, keep = [], {}
    steps = [("import", lambda: bench_import(args.repeat)), ("loaders", lambda: bench_loaders(args.repeat)),
             ("build", lambda: bench_build(args.build_repeat, args.rebuild_repeat, keep)), ("map", bench_map),
             ("tests", bench_tests)]
    for key, fn in steps:
        if figures & ({"build", "rebuild"} if key == "build" else {key}):
            print(f"measuring {key} ...", file=sys.stderr, flush=True)
            rows += [r for r in fn() if _figure(r["key"]) in figures]
    if figures & {"page", "site"} and not any(r["key"] in {"page", "site"} for r in rows):
        print("measuring page and site ...", file=sys.stderr, flush=True)
        rows += [r for r in bench_page_only() if r["key"] in figures]
    order = ["import", "import_cold", "loaders", "build", "rebuild", "page", "site", "map_regions", "map_flows", "check", "tests"]
    rows.sort(key=lambda r: order.index(r["key"]))

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain", "--", "toolkit"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip())
    meta = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}",
            "commit": commit + ("+changes" if dirty else ""), "repeat": args.repeat, "build_repeat": args.build_repeat,
            "rebuild_repeat": args.rebuild_repeat}
    if args.profile is not None:
        folder = Path(args.profile) if args.profile else Path(tempfile.mkdtemp(prefix="tk-profiles-"))
        folder.mkdir(parents=True, exist_ok=True)
        print(f"profiling into {folder} ...", file=sys.stderr, flush=True)
        meta["profiles"] = profile(folder, figures)
    show(rows, meta)
    if args.markdown:
        print()
        print(markdown(rows))
    if args.profile is not None:
        print(f"\nprofiles: {folder}")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps({"meta": meta, "results": rows}, indent=1, ensure_ascii=False) + "\n")
    print(f"results written to {args.json}", file=sys.stderr)
    return 1 if args.check and any(r["ok"] is False for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
