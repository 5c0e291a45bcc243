"""The drafter, measured: a draft of the shipped article against the shipped extraction, and timings.

    python benchmarks/draft.py              # accuracy and timings (1,000 texts on 2 processes)
    python benchmarks/draft.py --texts 200  # fewer texts for the throughput figure
    python benchmarks/draft.py --check      # exit 1 when a target is missed

Accuracy compares, through ``toolkit.compare``, a draft of the article (``../shared/article/article.txt``,
skipped with a message when absent) with the shipped extraction, over the article's own rows (rows of
context sources have no span in the text and are left out). Per target:

- numeric claims: of the article's estimates, those drafted with the same value_low/value_best/value_high
  and bound (and, separately, the same claimant);
- invented numbers: drafted estimates whose value is not written in their own quote;
- places: the places the article names (``in_article``), drafted with the same coordinates and ISO code;
- dates: of the matched estimates and events, those with the same start and end dates.

Timings: one brief of about 1,000 characters (``tests/data/draft/``) drafted in-process after imports
(median of 20), and N texts (the briefs, in turn) drafted by 2 worker processes.
Results go to benchmarks/draft-results.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BRIEFS = sorted((ROOT / "tests" / "data" / "draft").glob("*.txt"))
TARGETS = {"values_and_bound": 0.9, "claimant": 0.8, "invented_numbers": 0, "places": 0.9, "dates": 0.8,
           "one_brief_s": 2.0}


def article() -> Path | None:
    from toolkit.core.text import shared_candidates

    return next((p for p in shared_candidates() if p.is_file()), None)


def accuracy(text: str) -> dict:
    import polars as pl

    import toolkit
    from toolkit.draft import counts, draft

    ref = toolkit.open()
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    src = ref["sources"].filter(pl.col("text_sha256") == sha)
    if src.is_empty():
        raise SystemExit("the article found is not the one the shipped data was extracted from (checksum differs)")
    sid, published = src["source_id"].item(), (src["published_start"].item(), src["published_end"].item())
    d = draft({sid: text}, published=published)
    out = Path(tempfile.mkdtemp(prefix="draft-bench-")) / "draft"
    d.write(out)
    cmp = toolkit.compare(toolkit.data_folder(), out)
    dis = cmp.disagreements
    summary = []
    for table in ("estimates", "statements", "events", "relations", "disputes", "places", "actors", "mentions"):
        rows = ref[table]
        own = rows.filter(pl.col("source_id") == sid) if "source_id" in rows.columns else rows
        if table == "places":
            own = rows.filter(pl.col("in_article"))
        ids = set(own[rows.columns[0]].cast(pl.String).to_list()) if table != "mentions" else None
        t = dis.filter(table=table)
        missing = t.filter(kind="missing")["ref_id"].to_list()
        if ids is not None:
            missing = [m for m in missing if m in ids]
            n = len(ids)
        else:
            n = own.height
        summary.append({"table": table, "reference": n, "drafted": len(d.tables.get(table, [])) if table != "mentions" else None,
                        "matched": n - len(missing), "missing": len(missing), "extra": t.filter(kind="extra").height})
    est = ref["estimates"].filter(pl.col("source_id") == sid)["estimate_id"].to_list()
    e = dis.filter(table="estimates")
    missing = set(e.filter(kind="missing")["ref_id"].to_list())
    wrong = lambda fields: set(e.filter(pl.col("kind") == "value", pl.col("field").is_in(fields))["ref_id"].to_list())  # noqa: E731
    values_ok = [i for i in est if i not in missing and i not in wrong(["value_low", "value_best", "value_high", "bound"])]
    claimant_ok = [i for i in est if i not in missing and i not in wrong(["claimant_id"])]
    invented = [r["estimate_id"] for r in d.tables["estimates"]
                if any(v is not None for v in (r["value_low"], r["value_best"], r["value_high"]))
                and not {r["value_low"], r["value_best"], r["value_high"]} - {None}
                <= {counts.value(m.group("num")) for m in counts.NUMBER.finditer(r["quote"])}]
    places = ref["places"].filter(pl.col("in_article"))["place_id"].to_list()
    p = dis.filter(table="places")
    placed = [i for i in places if i not in set(p.filter(kind="missing")["ref_id"].to_list())
              and i not in set(p.filter(pl.col("kind") == "value", pl.col("field").is_in(["lat", "lon", "iso_3166"]))["ref_id"].to_list())]
    dated, dated_ok, dates_wrong = 0, 0, []
    for table, fields in (("estimates", ["claim_date_start", "claim_date_end"]), ("events", ["date_start", "date_end"])):
        own = ref[table].filter(pl.col("source_id") == sid)[table[:-1] + "_id" if table == "events" else "estimate_id"].to_list()
        t = dis.filter(table=table)
        gone = set(t.filter(kind="missing")["ref_id"].to_list())
        bad = set(t.filter(pl.col("kind") == "value", pl.col("field").is_in(fields))["ref_id"].to_list())
        matched = [i for i in own if i not in gone]
        dated += len(matched)
        dated_ok += sum(i not in bad for i in matched)
        dates_wrong += [i for i in matched if i in bad]
    return {"source_id": sid, "published": "..".join(map(str, dict.fromkeys(published))), "summary": summary,
            "estimates": len(est), "values_and_bound": len(values_ok) / len(est), "claimant": len(claimant_ok) / len(est),
            "values_wrong": sorted(set(est) - set(values_ok)), "claimant_wrong": sorted(set(est) - set(claimant_ok)),
            "invented_numbers": len(invented), "places_named": len(places), "places": len(placed) / len(places),
            "places_wrong": sorted(set(places) - set(placed)),
            "dates_matched_rows": dated, "dates": dated_ok / dated if dated else None, "dates_wrong": dates_wrong}


def _one(text: str) -> int:
    from toolkit.draft import draft_text

    return len(draft_text(text, published="2016-05-16").tables["estimates"])


def timings(n: int) -> dict:
    from toolkit.draft import draft_text

    texts = [p.read_text(encoding="utf-8") for p in BRIEFS]
    joined = "\n\n".join(texts)
    brief = joined[:joined.rfind("\n\n", 0, 1100)]  # about 1,000 characters, cut between paragraphs
    draft_text(brief, published="2016-05-16")  # imports, gazetteer and known folder loaded once
    runs = []
    for _ in range(20):
        t = time.perf_counter()
        draft_text(brief, published="2016-05-16")
        runs.append(time.perf_counter() - t)
    t = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_one, texts[:2])  # start-up of the workers is not drafting
        start = time.perf_counter()
        pool.map(_one, [texts[i % len(texts)] for i in range(n)], chunksize=10)
        took = time.perf_counter() - start
    return {"brief_chars": len(brief), "one_brief_s": statistics.median(runs), "texts": n, "texts_s": took,
            "texts_per_s": n / took, "workers_start_s": start - t}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--texts", type=int, default=1000)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--json", default=str(ROOT / "benchmarks" / "draft-results.json"))
    args = ap.parse_args(argv)
    out: dict = {}
    path = article()
    if path is None:
        print("SKIPPED accuracy: the article's text (../shared/article/article.txt or $TOOLKIT_ARTICLE) is not here")
    else:
        out["accuracy"] = acc = accuracy(path.read_text(encoding="utf-8"))
        print(f"Draft of {acc['source_id']} (published {acc['published']}) against the shipped extraction:")
        print(f"  {'table':<11} {'reference':>9} {'drafted':>8} {'matched':>8} {'missing':>8} {'extra':>6}")
        for r in acc["summary"]:
            print(f"  {r['table']:<11} {r['reference']:>9} {r['drafted'] if r['drafted'] is not None else '':>8} "
                  f"{r['matched']:>8} {r['missing']:>8} {r['extra']:>6}")
        print(f"  numeric claims, value and bound right: {acc['values_and_bound']:.0%} of {acc['estimates']} (target ≥ 90 %)"
              f"  wrong or missing: {', '.join(acc['values_wrong']) or 'none'}")
        print(f"  numeric claims, claimant right:        {acc['claimant']:.0%} (target ≥ 80 %)"
              f"  wrong or missing: {', '.join(acc['claimant_wrong']) or 'none'}")
        print(f"  invented numbers:                       {acc['invented_numbers']} (target 0)")
        print(f"  places named, found and placed:         {acc['places']:.0%} of {acc['places_named']} (target ≥ 90 %)"
              f"  wrong or missing: {', '.join(acc['places_wrong']) or 'none'}")
        print(f"  dates resolved (matched estimates and events, both ends): {acc['dates']:.0%} of {acc['dates_matched_rows']}"
              f" (target ≥ 80 %)  wrong: {', '.join(acc['dates_wrong']) or 'none'}")
    out["timings"] = tm = timings(args.texts)
    print(f"Timings: one brief of {tm['brief_chars']} characters {tm['one_brief_s'] * 1000:.0f} ms after imports (target < 2 s); "
          f"{tm['texts']} texts on 2 processes {tm['texts_s']:.1f} s ({tm['texts_per_s']:.0f} texts/s; "
          f"workers started in {tm['workers_start_s']:.1f} s)")
    Path(args.json).write_text(json.dumps(out, indent=1, default=str) + "\n", encoding="utf-8")
    missed = []
    if "accuracy" in out:
        a = out["accuracy"]
        missed += [k for k in ("values_and_bound", "claimant", "places", "dates") if (a[k] or 0) < TARGETS[k]]
        missed += ["invented_numbers"] if a["invented_numbers"] > 0 else []
    missed += ["one_brief_s"] if tm["one_brief_s"] > TARGETS["one_brief_s"] else []
    print("targets missed: " + (", ".join(missed) if missed else "none"))
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
