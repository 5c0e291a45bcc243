"""A realistic synthetic corpus: many article folders, each with its own text, ids and a few broken rows.

    python benchmarks/corpusgen.py /tmp/corpus --folders 1000

Every folder is one article in the toolkit's schema, made from a template (the shipped article when
``../shared/article/article.txt`` is there, and the invented ledger passage of the tests): the article gets
its own source id (``a00001`` ...) and its own text -- the template's with invented filler paragraphs
inserted between its paragraphs, so texts differ in content and size -- and every offset, paragraph
number and mention moves with the inserted text. Fact ids stay the coder's (``est01`` in every folder, as
real extractions have them), so a corpus qualifies them by source. Actors, places and context sources are
shared between folders, as in a real corpus.

About 2% of the folders carry one broken row (a quote that no longer matches its span, a value outside the
allowed ones, a reference to an unknown place, a low value above the best one, a duplicated key, a missing
mention, a wrong paragraph). :func:`generate` returns what it broke, as ``(folder, file, row, column)``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import random
import shutil
import sys
import time
from bisect import bisect_right
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
LEDGER = ROOT / "tests" / "data" / "ledger"
SHIPPED = ROOT / "toolkit" / "data"
ARTICLE = ROOT.parent / "shared" / "article" / "article.txt"
if not ARTICLE.is_file():  # a worktree beside the main checkout
    ARTICLE = Path("/work/shared/article/article.txt")

WORDS = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore "
         "magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip ex ea commodo "
         "consequat duis aute irure in reprehenderit voluptate velit esse cillum fugiat nulla pariatur excepteur sint "
         "occaecat cupidatat non proident sunt culpa qui officia deserunt mollit anim id est laborum").split()
OFFSETS = ("char_start", "char_end")
PARAGRAPHS = ("paragraph", "paragraph_start", "paragraph_end")
# A context fact (a UN figure the article compares with) that refers to the article's own claims would be the
# same row in every folder, yet its references point at facts the corpus qualifies per source: `corpus.merge`
# then reports it as a conflict. Each folder's coder writes it in their own words here, as coders do.
FACTS = ("estimates.csv", "events.csv", "statements.csv", "relations.csv", "disputes.csv")
FAULTS = ("quote", "enum", "reference", "order", "duplicate", "mention", "paragraph")


class Template:
    """One folder to copy: its tables as string columns, its text and where filler may go."""

    def __init__(self, folder: Path, text: str, name: str):
        self.name, self.text = name, text
        desc = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        # what `toolkit new` writes: the toolkit's schema, the same bytes in every folder made from this template
        from toolkit import create

        self.descriptor = json.dumps(create.descriptor(f"An article like {name}", f"article-{name}"), indent=1,
                                     ensure_ascii=False)
        self.tables: dict[str, tuple[list[str], list[list[str]]]] = {}
        self.lists = {r["path"]: {f["name"] for f in r["schema"]["fields"] if f["type"] == "list"} for r in desc["resources"]}
        for res in desc["resources"]:
            with open(folder / res["path"], encoding="utf-8", newline="") as fh:
                rows = list(csv.reader(fh))
            self.tables[res["path"]] = (rows[0], rows[1:])
        header, rows = self.tables["sources.csv"]
        kind, sid = header.index("kind"), header.index("source_id")
        self.sid = next(r[sid] for r in rows if r[kind] == "article")
        starts = [0]
        for block in text.split("\n\n")[:-1]:
            starts.append(starts[-1] + len(block) + 2)
        self.starts = starts
        covered = []  # evidence spans: filler never goes inside a quote
        for path, (header, rows) in self.tables.items():
            if path in ("segments.csv",) or "char_start" not in header:
                continue
            s, e = header.index("char_start"), header.index("char_end")
            covered += [(int(r[s]), int(r[e])) for r in rows if r[s] and r[e]]
        # a paragraph boundary k (the start of paragraph k+1) is free when no span crosses it; never before paragraph 2
        self.free = [k for k in range(2, len(starts)) if not any(a < starts[k] < b for a, b in covered)]


def templates() -> list[Template]:
    out = [Template(LEDGER, (LEDGER / "texts" / "ledger_2016.txt").read_text(encoding="utf-8"), "ledger")]
    if ARTICLE.is_file():
        with open(ARTICLE, encoding="utf-8", newline="") as fh:
            out.append(Template(SHIPPED, fh.read(), "article"))
    return out


def _filler(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(12, 160))
    sentences, i = [], 0
    while i < len(words):
        n = rng.randint(6, 22)
        sentences.append(" ".join(words[i:i + n]).capitalize() + ".")
        i += n
    return " ".join(sentences)


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def make_folder(out: Path, t: Template, sid: str, rng: random.Random, fault: str | None) -> list[tuple]:
    """Write one article folder made from ``t``; returns the broken rows as (file, row, column)."""
    # filler paragraphs inserted before some free paragraph boundaries
    chosen = sorted(rng.sample(t.free, k=min(len(t.free), rng.randint(1, 6))))
    inserts = []  # (position in the template's text, filler with its separator, paragraph number it pushes down)
    for k in chosen:
        for _ in range(rng.randint(1, 3)):
            inserts.append((t.starts[k], _filler(rng) + "\n\n", k + 1))
    pieces, last = [], 0
    for pos, filler, _ in inserts:
        pieces += [t.text[last:pos], filler]
        last = pos
    text = "".join(pieces) + t.text[last:]
    positions, added, cum = [p for p, _, _ in inserts], [], 0
    for _, filler, _ in inserts:
        cum += len(filler)
        added.append(cum)
    paras = [k for _, _, k in inserts]

    def shift(v: str) -> str:
        if not v:
            return v
        x = int(v)
        i = bisect_right(positions, x)
        return str(x + (added[i - 1] if i else 0))

    def shift_para(v: str) -> str:
        return str(int(v) + bisect_right(paras, int(v))) if v else v

    out.mkdir(parents=True)
    (out / "texts").mkdir()
    with open(out / "texts" / f"{sid}.txt", "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    (out / "datapackage.json").write_text(t.descriptor, encoding="utf-8")
    tables = {}
    for path, (header, rows) in t.tables.items():
        lists = t.lists.get(path, set())
        idx = {c: i for i, c in enumerate(header)}
        new = []
        for r in rows:
            r = list(r)
            for c, i in idx.items():
                v = r[i]
                if v == t.sid:
                    r[i] = sid
                elif c in lists and t.sid in v.split(";"):
                    r[i] = ";".join(sid if x == t.sid else x for x in v.split(";"))
            own = "source_id" not in idx or r[idx["source_id"]] == sid
            if not own and path in FACTS:  # a context fact coded in this folder: its own words (see _FACT_NOTE)
                c = idx["note"] if "note" in idx else idx["summary"]
                r[c] = f"{r[c]} (coded with {sid})".lstrip()
            if own and "char_start" in idx:
                for c in OFFSETS:
                    r[idx[c]] = shift(r[idx[c]])
                for c in PARAGRAPHS:
                    if c in idx:
                        r[idx[c]] = shift_para(r[idx[c]])
            if path == "sources.csv" and r[idx["source_id"]] == sid:
                r[idx["title"]] = f"{r[idx['title']]} ({' '.join(rng.choices(WORDS, k=3))})"
                r[idx["text_sha256"]] = hashlib.sha256(text.encode("utf-8")).hexdigest()
                if "credit" in idx:
                    r[idx["credit"]] = ""
            new.append(r)
        tables[path] = (header, new)
    broken = _break(tables, fault, rng) if fault else []
    for path, (header, rows) in tables.items():
        with open(out / path, "w", encoding="utf-8", newline="") as fh:
            fh.write(_csv(header, rows))
    return broken


def _pick(rows, idx, need, rng):
    ok = [i for i, r in enumerate(rows) if all(r[idx[c]] if want else not r[idx[c]] for c, want in need.items())]
    return rng.choice(ok) if ok else None


def _break(tables: dict, fault: str, rng: random.Random) -> list[tuple]:
    """One broken row of the given kind; (file, row, column) of the problem it must cause (row None: the file)."""
    def table(path):
        header, rows = tables[path]
        return header, rows, {c: i for i, c in enumerate(header)}

    if fault == "quote":
        path = rng.choice(["estimates.csv", "statements.csv", "events.csv"])
        header, rows, idx = table(path)
        i = _pick(rows, idx, {"quote": True, "char_start": True}, rng)
        q = rows[i][idx["quote"]]
        rows[i][idx["quote"]] = q[:-1] + ("x" if q[-1] != "x" else "y")
        return [(path, i + 1, "quote")]
    if fault == "enum":
        header, rows, idx = table("estimates.csv")
        i = rng.randrange(len(rows))
        rows[i][idx["certainty"]] = "rumoured"
        return [("estimates.csv", i + 1, "certainty")]
    if fault == "reference":
        header, rows, idx = table("events.csv")
        i = _pick(rows, idx, {"place_id": True}, rng)
        rows[i][idx["place_id"]] = "atlantis"
        return [("events.csv", i + 1, "place_id")]
    if fault == "order":
        header, rows, idx = table("estimates.csv")
        i = _pick(rows, idx, {"value_best": True, "value_low": False, "value_high": False, "subset_of": False}, rng)
        if i is None:
            return _break(tables, "enum", rng)
        rows[i][idx["value_low"]] = str(int(rows[i][idx["value_best"]]) + 1)
        return [("estimates.csv", i + 1, "value_low")]
    if fault == "duplicate":
        header, rows, idx = table("event_actors.csv")
        rows.append(list(rows[0]))
        return [("event_actors.csv", 1, "event_id,actor_id,role"), ("event_actors.csv", len(rows), "event_id,actor_id,role")]
    if fault == "mention":
        header, rows, idx = table("mentions.csv")
        del rows[rng.randrange(len(rows))]
        return [("mentions.csv", None, None)]
    if fault == "paragraph":
        header, rows, idx = table("statements.csv")
        i = _pick(rows, idx, {"paragraph": True}, rng)
        rows[i][idx["paragraph"]] = str(int(rows[i][idx["paragraph"]]) + 1)
        return [("statements.csv", i + 1, "paragraph")]
    raise ValueError(fault)


def generate(root: Path, n: int, *, broken_every: int = 50, seed: int = 25) -> dict:
    """Write ``n`` article folders under ``root`` (``root/a00001`` ...); returns the folders and what was broken."""
    rng = random.Random(seed)
    temps = templates()
    root.mkdir(parents=True, exist_ok=True)
    folders, broken = [], []
    for i in range(1, n + 1):
        t = temps[0] if len(temps) == 1 or rng.random() < 0.6 else temps[1]
        sid = f"a{i:05d}"
        fault = FAULTS[(i // broken_every) % len(FAULTS)] if broken_every and i % broken_every == 7 % broken_every else None
        folder = root / sid
        for file, row, col in make_folder(folder, t, sid, rng, fault):
            broken.append((sid, file, row, col))
        folders.append(folder)
    return {"folders": folders, "broken": broken}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--folders", type=int, default=1000)
    ap.add_argument("--broken-every", type=int, default=50, help="one folder in this many gets a broken row (0: none)")
    args = ap.parse_args(argv)
    if args.out.exists():
        shutil.rmtree(args.out)
    t = time.perf_counter()
    made = generate(args.out, args.folders, broken_every=args.broken_every)
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file()) / 1e6
    print(f"{args.folders:,} folders, {size:,.0f} MB, {len(made['broken'])} broken rows, {time.perf_counter() - t:.1f} s",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
