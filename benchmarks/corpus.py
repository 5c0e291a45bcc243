"""The corpus scale path: a synthetic corpus of N articles opened, validated and round-tripped through Parquet.

    python benchmarks/corpus.py                # 10,000 articles (needs ../shared/article/article.txt)
    python benchmarks/corpus.py --articles 1000 --json out.json

The corpus is the shipped dataset plus N copies of its article in one data folder: every copy gets its own
source id (``s00001`` ...), its own copy of the text in ``texts/<source_id>.txt`` and its own fact
ids (``s00001_est01`` ...); actors, places and aliases are shared. Each step runs in a fresh
interpreter, so the peak memory (max RSS) is the step's own. Prints one table; nothing is kept.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STEPS = {
    "open + validate": "import toolkit; ds = toolkit.open({folder!r}); assert ds['sources'].height > 1",
    "to_parquet": "import toolkit; toolkit.open({folder!r}).to_parquet({pq!r})",
    "open parquet": "import toolkit; ds = toolkit.open({pq!r}); assert ds['mentions'].height > 0",
    "validate parquet dataset": "import toolkit; r = toolkit.open({pq!r}).validate(); assert r.ok, str(r)[:2000]",
}


def make(folder: Path, n: int, text: str) -> dict:
    """Write the synthetic corpus; returns row counts."""
    import toolkit
    from toolkit.core.descriptor import Descriptor
    schema = Descriptor.shipped()  # the toolkit's own schema, as a value
    ds = toolkit.open()
    src = ds.articles()["source_id"].item()
    folder.mkdir(parents=True)
    (folder / "texts").mkdir()
    ids = [f"s{i:05d}" for i in range(1, n + 1)]
    for sid in [src, *ids]:
        (folder / "texts" / f"{sid}.txt").write_text(text, encoding="utf-8")
    shutil.copyfile(toolkit.data_folder() / "datapackage.json", folder / "datapackage.json")
    counts = {}
    copies = pl.DataFrame({"__sid": ids})
    facts = [n for n in schema.table_names() if n not in ("sources", "actors", "places", "aliases")
             and "source_id" in ds[n].columns]
    local = {v for n in facts if len(schema.primary_key(n)) == 1
             for v in ds[n].filter(pl.col("source_id") == src)[schema.primary_key(n)[0]].to_list()}
    local = sorted(local)
    for name in schema.table_names():
        df = ds[name].with_columns(pl.col(c).cast(pl.String) for c, t in ds[name].schema.items() if isinstance(t, pl.Enum))
        if name == "sources":
            mine = df.filter(pl.col("source_id") == src)
            out = pl.concat([df,
                             mine.join(copies, how="cross").with_columns(
                                 source_id=pl.col("__sid"), title=pl.col("title") + " #" + pl.col("__sid"),
                                 credit=pl.lit(None, pl.String)).drop("__sid")], how="vertical_relaxed")
            out = out.with_columns(text_sha256=pl.when(pl.col("source_id") == src).then("text_sha256").otherwise(None))
        elif name in facts:
            own, rest = df.filter(pl.col("source_id") == src), df  # the original stays: context rows point into it
            many = own.join(copies, how="cross").with_columns(source_id=pl.col("__sid"))
            for col, t in many.schema.items():  # fact ids, and every reference to them, get the copy's prefix
                if col in ("source_id", "__sid"):
                    continue
                if t == pl.String:
                    many = many.with_columns(pl.when(pl.col(col).is_in(local))
                                             .then(pl.concat_str("__sid", pl.lit("_"), col)).otherwise(col).alias(col))
                elif t == pl.List(pl.String):
                    many = many.with_columns(
                        pl.col(col).list.eval(pl.when(pl.element().is_in(local)).then(pl.lit("@") + pl.element())
                                              .otherwise(pl.element())).alias(col))
                    many = many.with_columns(pl.col(col).list.eval(pl.element()).alias(col))
                    many = many.with_columns(
                        pl.struct(col, "__sid").map_elements(
                            lambda r: [f"{r['__sid']}_{x[1:]}" if x.startswith("@") else x for x in (r[col] or [])],
                            return_dtype=pl.List(pl.String)).alias(col))
            out = pl.concat([rest, many.drop("__sid")], how="vertical_relaxed")
        else:
            out = df
        counts[name] = out.height
        _write(out, folder / schema.resource(name)["path"], schema.fields(name))
    return counts


def _write(df: pl.DataFrame, path: Path, fields: list[dict]) -> None:
    cols = []
    for f in fields:
        c = pl.col(f["name"])
        if f["type"] == "list":
            if isinstance(df.schema[f["name"]], pl.List):
                c = c.list.join(";")
        elif f["type"] == "boolean":
            c = c.cast(pl.String).str.to_lowercase()
        cols.append(c.cast(pl.String).alias(f["name"]))
    df.select(cols).write_csv(path)


def _step(code: str) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak MB) of one step in a fresh interpreter."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    t = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    took = time.perf_counter() - t
    if res.returncode:
        raise SystemExit(f"step failed: {code}\n{res.stderr[-3000:]}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return took, usage.ru_utime + usage.ru_stime - cpu, max(usage.ru_maxrss, before) / 1024


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args(argv)
    article = ROOT.parent / "shared" / "article" / "article.txt"
    if not article.is_file():
        print(f"skipped: {article} not found (the corpus replicates the shipped article and its text)")
        return 0
    text = article.read_text(encoding="utf-8")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder, pq = Path(tmp) / "corpus", Path(tmp) / "corpus-parquet"
        t = time.perf_counter()
        counts = make(folder, args.articles, text)
        rows.append(("write the synthetic corpus (CSV + texts)", time.perf_counter() - t, None, None))
        csv_mb = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
        for name, code in STEPS.items():
            secs, cpu, peak = _step(code.format(folder=str(folder), pq=str(pq)))
            rows.append((name, secs, cpu, peak))
        pq_mb = sum(p.stat().st_size for p in pq.rglob("*") if p.is_file()) / 1e6
    print(f"synthetic corpus: {args.articles:,} articles, {sum(counts.values()):,} rows "
          f"({', '.join(f'{k} {v:,}' for k, v in counts.items())}); CSV + texts {csv_mb:,.0f} MB, Parquet + texts {pq_mb:,.0f} MB")
    print(f"{'step':<45} {'wall s':>8} {'CPU s':>8} {'peak MB':>8}")
    for name, secs, cpu, peak in rows:
        print(f"{name:<45} {secs:8.1f} {'' if cpu is None else f'{cpu:8.1f}'} {'' if peak is None else f'{peak:8.0f}'}")
    if args.json:
        args.json.write_text(json.dumps({"articles": args.articles, "rows": counts, "csv_mb": csv_mb, "parquet_mb": pq_mb,
                                         "steps": [{"step": n, "seconds": s, "cpu_seconds": c, "peak_mb": p} for n, s, c, p in rows]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
