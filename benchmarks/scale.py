"""The corpus at scale, side by side: the toolkit, DuckDB and plain polars on the same files and the same checks.

    python benchmarks/scale.py                          # 1,000 and 10,000 article folders, one folder of 10,000 copies
    python benchmarks/scale.py --folders 1000 --copies 0 --json out.json     # the quick figure
    python benchmarks/scale.py --profile /tmp/prof      # + a pyinstrument profile of each toolkit step

The corpus is made by ``corpusgen.py``: article folders with their own texts (filler paragraphs of varied
length, so no two texts are the same), offsets that move with them, shared actors and places, and one broken
row in one folder of 50. The smaller corpus is the first folders of the larger one. "One folder of copies" is
``corpus.py``'s shape (the shipped article N times in one folder, fact ids prefixed), each copy's text with
its own filler paragraph at the end.

Every step runs in a fresh interpreter (a cold start: no cache from an earlier run, a new cache folder per
step) and reports its wall time (interpreter start and imports included), its CPU time (every thread: on a
shared machine the wall time grows with the others' load) and peak memory (its own high-water mark, VmHWM). The
problems each side finds are compared as (folder, file, row, column): equal sets, or the difference printed.
Everything is written under a temporary folder (``--tmp``) and deleted at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

# each step: code run in a fresh interpreter; FOLDERS is the list of folders, OUT where the problems go
PRELUDE = """
import json, resource, sys, time
sys.path.insert(0, {here!r}); sys.path.insert(0, {root!r})
FOLDERS = json.load(open({folders!r}))
OUT = {out!r}
"""
# peak memory: the process's own high-water mark (VmHWM). ``ru_maxrss`` would be the larger of it and the parent's
# size when it forked this process (Linux keeps it across exec): the generator's 500 MB for every small step.
EPILOGUE = """
try:
    rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")) / 1024
except (OSError, StopIteration):
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
json.dump({"problems": [list(p) for p in problems], "peak_mb": rss, "extra": globals().get("extra", {})}, open(OUT, "w"))
"""
STEPS = {
    "toolkit": """
import toolkit
from pathlib import Path
try:
    ds = toolkit.open(*FOLDERS)
    problems = []
    extra = {"rows": sum(ds[n].height for n in ds.table_names())}
except toolkit.DataError as e:
    def where(p):
        f = Path(p.file)
        return (f.parent.name if len(f.parts) > 1 else Path(FOLDERS[0]).name, f.name, p.row, p.column)
    problems = [where(p) for p in e.problems]
""",
    "duckdb": """
import reference_duckdb
from pathlib import Path
problems = reference_duckdb.check([Path(f) for f in FOLDERS])
""",
    "polars": """
import reference_polars
from pathlib import Path
problems = reference_polars.check([Path(f) for f in FOLDERS])
""",
    "to_parquet": """
import toolkit
ds = toolkit.open(*FOLDERS)
t = time.perf_counter()
ds.to_parquet(OUT + ".parquet")
problems = []
extra = {"write_s": time.perf_counter() - t}
""",
    "open parquet": """
import toolkit
ds = toolkit.open(OUT.replace("open parquet", "to_parquet") + ".parquet")
problems = []
extra = {"estimates": ds["estimates"].height}
""",
    "open again (warm cache)": """
import toolkit
ds = toolkit.open(*FOLDERS)
problems = []
""",
}


def run_step(name: str, folders: list[Path], work: Path, *, cache: Path, timeout: float, profile: Path | None = None) -> dict:
    """One step in a fresh interpreter: wall seconds, peak MB and the problems it found (None: timed out)."""
    work.mkdir(parents=True, exist_ok=True)
    listing, out = work / "folders.json", work / name
    listing.write_text(json.dumps([str(f) for f in folders]))
    code = PRELUDE.format(here=str(HERE), root=str(ROOT), folders=str(listing), out=str(out)) + STEPS[name] + EPILOGUE
    env = dict(os.environ, XDG_CACHE_HOME=str(cache), PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-c", code]
    if profile is not None:
        script = work / f"{name.replace(' ', '_')}.py"
        script.write_text(code)
        cmd = [sys.executable, "-m", "pyinstrument", "-o", str(profile / f"{work.name}-{script.stem}.txt"), str(script)]
    t, cpu = time.perf_counter(), _children_cpu()
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"step": name, "seconds": None, "peak_mb": None, "problems": None, "note": f"stopped after {timeout:.0f} s"}
    took, cpu = time.perf_counter() - t, _children_cpu() - cpu
    if res.returncode:
        return {"step": name, "seconds": took, "peak_mb": None, "problems": None, "note": "failed: " + res.stderr.strip()[-1500:]}
    got = json.loads(out.read_text())
    return {"step": name, "seconds": took, "cpu": cpu, "peak_mb": got["peak_mb"],
            "problems": sorted({tuple(p) for p in got["problems"]}, key=str), "extra": got.get("extra", {})}


def _children_cpu() -> float:
    """CPU seconds (user + system, every thread) of the finished child processes: on a machine shared with
    other work the wall time grows with their load, the CPU time much less."""
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def copies(folder: Path, n: int) -> Path:
    """``corpus.py``'s one folder of ``n`` copies of the shipped article, each text with its own filler at the end."""
    import random

    import corpus
    import corpusgen

    text = corpusgen.ARTICLE.read_text(encoding="utf-8")
    corpus.make(folder, n, text)
    rng = random.Random(7)
    for p in sorted((folder / "texts").glob("s*.txt")):
        with open(p, "a", encoding="utf-8", newline="") as fh:
            fh.write("\n\n" + corpusgen._filler(rng))
    return folder


def compare(results: dict[str, dict], broken: set | None) -> list[str]:
    """Lines saying whether the problem sets agree, and where they do not."""
    lines = []
    sets = {k: set(r["problems"]) for k, r in results.items() if r.get("problems") is not None}
    if broken is not None:
        sets["injected"] = broken
    names = list(sets)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if sets[a] == sets[b]:
                lines.append(f"    {a} = {b}: the same {len(sets[a])} problem(s)")
            else:
                only_a, only_b = sorted(sets[a] - sets[b], key=str), sorted(sets[b] - sets[a], key=str)
                lines.append(f"    {a} vs {b}: {len(only_a)} only in {a} {only_a[:3]}, {len(only_b)} only in {b} {only_b[:3]}")
    return lines


def fmt(x, spec=".1f", unit=""):
    return "—" if x is None else f"{x:{spec}}{unit}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folders", type=int, nargs="+", default=[1000, 10_000], help="corpus sizes (article folders)")
    ap.add_argument("--copies", type=int, default=10_000, help="one folder of this many copies (0: skip)")
    ap.add_argument("--sides", default="toolkit,duckdb,polars", help="which checkers to run")
    ap.add_argument("--no-parquet", action="store_true", help="skip to_parquet and reopening it")
    ap.add_argument("--no-warm", action="store_true", help="skip opening the folders a second time")
    ap.add_argument("--timeout", type=float, default=900, help="stop a step after this many seconds")
    ap.add_argument("--tmp", type=Path, default=None, help="where to write the corpora (default: a new folder in /tmp)")
    ap.add_argument("--profile", type=Path, default=None, help="write a pyinstrument profile of each toolkit step here")
    ap.add_argument("--json", type=Path, default=None, help="also write every figure here")
    args = ap.parse_args(argv)
    sides = args.sides.split(",")
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="toolkit-scale-", dir=args.tmp))
    report: dict = {"corpora": []}
    try:
        import corpusgen

        n_max = max(args.folders)
        t = time.perf_counter()
        made = corpusgen.generate(tmp / "articles", n_max)
        size = sum(p.stat().st_size for p in (tmp / "articles").rglob("*") if p.is_file()) / 1e6
        print(f"generated {n_max:,} article folders ({size:,.0f} MB, {len(made['broken'])} broken rows) "
              f"in {time.perf_counter() - t:.0f} s", flush=True)
        corpora = []
        for n in sorted(args.folders):
            folders = made["folders"][:n]
            names = {f.name for f in folders}
            broken = {b for b in made["broken"] if b[0] in names}
            corpora.append((f"{n:,} article folders", folders, broken, n == n_max))
        if args.copies:
            t = time.perf_counter()
            one = copies(tmp / "copies", args.copies)
            print(f"wrote one folder of {args.copies:,} copies in {time.perf_counter() - t:.0f} s", flush=True)
            corpora.append((f"one folder of {args.copies:,} copies", [one], set(), False))
        for label, folders, broken, biggest in corpora:
            print(f"\n{label}", flush=True)
            results = {}
            for side in sides:
                cache = Path(tempfile.mkdtemp(dir=tmp, prefix="cache-"))
                r = run_step(side if side != "toolkit" else "toolkit", folders, tmp / "work" / label.replace(" ", "_"),
                             cache=cache, timeout=args.timeout, profile=args.profile if side == "toolkit" else None)
                results[side] = r
                print(f"  {side:<10} {fmt(r['seconds'], '7.1f', ' s')}  {fmt(r.get('cpu'), '7.1f', ' CPU s')}  "
                      f"{fmt(r['peak_mb'], '6.0f', ' MB')}  "
                      f"{'' if r['problems'] is None else len(r['problems'])} problem(s) {r.get('note', '')}", flush=True)
                if side == "toolkit" and r["problems"] is not None:
                    shutil.rmtree(cache, ignore_errors=True)
            ok = {k: r for k, r in results.items() if r.get("problems") is not None}  # a failed or stopped step: no ratio
            base = ok.get("toolkit", {}).get("seconds")
            for other in ("duckdb", "polars"):
                o = ok.get(other, {}).get("seconds")
                if base and o:
                    print(f"  toolkit / {other}: {base / o:.2f}× the time, "
                          f"{ok['toolkit']['cpu'] / ok[other]['cpu']:.2f}× the CPU time"
                          + (f", {results['toolkit']['peak_mb'] / results[other]['peak_mb']:.2f}× the memory"
                             if results['toolkit'].get('peak_mb') and results[other].get('peak_mb') else ""))
            print("  problems:")
            for line in compare(results, broken if broken else None):
                print(line)
            entry = {"corpus": label, "folders": len(folders), "steps": results}
            if biggest and not args.no_parquet and "toolkit" in sides:
                clean = [f for f in folders if f.name not in {b[0] for b in broken}]
                work = tmp / "work" / "parquet"
                cache = Path(tempfile.mkdtemp(dir=tmp, prefix="cache-"))
                extra = {}
                for step in ("to_parquet", "open parquet", *(() if args.no_warm else ("open again (warm cache)",))):
                    if step == "open again (warm cache)":  # a first open fills the cache; the figure is the second
                        run_step("toolkit", clean, work, cache=cache, timeout=args.timeout)
                    r = run_step(step, clean, work, cache=cache, timeout=args.timeout,
                                 profile=args.profile)
                    extra[step] = r
                    write = r.get("extra", {}).get("write_s")
                    print(f"  {step:<24} ({len(clean):,} clean folders) {fmt(r['seconds'], '6.1f', ' s')}  "
                          f"{fmt(r.get('cpu'), '6.1f', ' CPU s')}  {fmt(r['peak_mb'], '6.0f', ' MB')}"
                          + (f"  (the write alone: {write:.1f} s)" if write is not None else "")
                          + f" {r.get('note', '')}", flush=True)
                entry["parquet"] = extra
            report["corpora"].append(entry)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
