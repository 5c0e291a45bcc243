"""Many data folders opened as one corpus in one pass: ``toolkit.open(*folders)`` for folders of one schema.

Opening folders one by one and merging them costs a fixed ~0.1 s per folder (a polars query per table and
check, per folder): 15 minutes for 10,000 articles. Here every step runs once for the whole corpus:

1. each distinct ``datapackage.json`` is parsed once (folders made by ``toolkit new`` share a schema);
2. each table of every folder is read by one CSV parse (:mod:`toolkit.dataset.scan`) and typed and checked as
   one frame, uniqueness within each folder; a folder whose file has a problem, or is not in the plain form
   (another column order, an encoding, a ragged row), is read alone by the one-folder reader, which names
   every problem exactly as ``toolkit.validate(folder)`` does. One thread reads the files, a table ahead of
   each of the two threads that parse and check (polars' work, which lets the GIL go);
3. the texts are read once each, into one frame (:class:`~toolkit.core.text.Texts`), while the folders are
   merged by joins (:mod:`toolkit.dataset.union`);
4. keys, rules, quotes, paragraphs and mentions are checked on the whole corpus at once (a reference to an
   id of another folder is fine, as in any corpus), the mentions rebuilt a few megabytes of text at a time
   beside the tables' checks; every problem names the folder's file, its row and column.

Folders whose descriptors declare different tables or columns are opened the one-by-one way
(:func:`toolkit.dataset.corpus.merge`), which unites their descriptors.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from toolkit.checks import columns
from toolkit.checks.keys import check_keys
from toolkit.checks.rules import check_declared, check_rows
from toolkit.checks import spans
from toolkit.core import text as article
from toolkit.core.descriptor import FILE, Descriptor
from toolkit.core.problems import DataError, Problem
from toolkit.core.text import Texts
from toolkit.dataset import scan
from toolkit.dataset.reading import descriptor_of, find_texts
from toolkit.dataset.union import HIDDEN, Plan, members, merge_frames
from toolkit.dataset.value import PARQUET_FORMAT, TEXTS, Dataset


def corpus_label(folders: list[Path]) -> str:
    """A short name for a corpus in messages: its folders' names (up to four), else their number and common parent.

    >>> corpus_label([Path("a/pankisi"), Path("b/dag")]), corpus_label([Path(f"/x/{i}") for i in range(9)])
    ('corpus of pankisi, dag', 'corpus of 9 folders in /x')
    """
    import os

    if len(folders) <= 4:
        return "corpus of " + ", ".join(Path(f).name or str(f) for f in folders)
    try:
        parent = os.path.commonpath([str(f) for f in folders])
    except ValueError:
        parent = ""
    return f"corpus of {len(folders)} folders" + (f" in {parent}" if parent else "")


def descriptors(folders: list[Path], reads: scan.Reads | None = None) -> tuple[list[Descriptor | None], list[list[Problem]]]:
    """Each folder's descriptor (each distinct file parsed once) and its problems."""
    parse = scan.Descriptors(lambda raw, folder: descriptor_of(folder))
    per = [parse(scan.read_bytes([f"{f}/{FILE}"], reads)[0], f) for f in folders]  # one at a time: 60 kB each
    return [d for d, _ in per], [list(p) for _, p in per]


def one_schema(descs: list[Descriptor | None]) -> Descriptor | None:
    """The descriptor every folder shares (tables and fields; titles may differ), or None."""
    if not descs or any(d is None or d.get("x-format") == PARQUET_FORMAT for d in descs):
        return None
    first, seen = descs[0], {id(descs[0])}
    for d in descs[1:]:
        if id(d) in seen:
            continue
        seen.add(id(d))
        if d.resources() != first.resources():
            return None
    return first


def _relocate(p: Problem, where: str) -> Problem:
    return Problem(str(Path(where) / p.file), p.row, p.column, p.message, kind=p.kind)


def located(problems: list[Problem], frame: pl.DataFrame, labels: list[str]) -> list[Problem]:
    """Problems found on a corpus frame (rows counted in the frame) named by folder, file and row in that file."""
    if not problems:
        return []
    folder, row = frame["__folder"].to_list(), frame["__row"].to_list()
    out = []
    for p in problems:
        if p.row is None:
            out.append(p)
        else:
            out.append(Problem(str(Path(labels[folder[p.row - 1]]) / p.file), row[p.row - 1], p.column, p.message, kind=p.kind))
    return out


def for_every_copy(problems: list[Problem], copies: dict, desc: Descriptor, labels: list[str]) -> list[Problem]:
    """A problem on a context row that several folders hold (kept once by the merge) is reported for each folder's
    file that holds it: fixing one copy leaves the others broken. Only the copies of rows with a problem are looked
    at (a corpus of 10,000 folders shares tens of thousands of rows)."""
    if not copies or not problems:
        return problems
    index = {label: i for i, label in enumerate(labels)}
    hits: dict = {}  # table -> (folder, row) of the kept rows that have problems
    for p in problems:
        if p.row is None:
            continue
        for name in copies:
            tail = "/" + desc.path(name)
            if p.file.endswith(tail) and p.file[:-len(tail)] in index:
                hits.setdefault(name, set()).add((index[p.file[:-len(tail)]], p.row))
    others: dict = {}
    for name, pairs in hits.items():
        path, df = desc.path(name), copies[name]
        keep = pl.DataFrame(sorted(pairs), schema=[(c, df.schema[c]) for c in df.columns[:2]], orient="row")
        for f, r, gf, gr in df.join(keep, on=df.columns[:2], how="semi").iter_rows():
            others.setdefault((str(Path(labels[f]) / path), r), []).append((str(Path(labels[gf]) / path), gr))
    out = []
    for p in problems:
        out.append(p)
        out += [Problem(file, row, p.column, p.message, kind=p.kind) for file, row in others.get((p.file, p.row), [])]
    return out


CHECKERS = 2  # tables parsed and checked at a time (polars work: the two cores)
MENTION_BATCH = 1_500_000  # bytes of text whose mentions are rebuilt and compared at a time


def _trim() -> None:
    """Give the C library's free memory back to the system (glibc's ``malloc_trim``): the files' bytes were read
    in other threads, whose heaps keep what they freed (~100 MB of a 10,000-folder corpus's peak otherwise)."""
    import ctypes
    import sys

    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (musl): nothing to trim
            pass


def _hidden(df: pl.DataFrame, i: int) -> pl.DataFrame:
    return df.with_columns(__folder=pl.lit(i, pl.Int32), __row=pl.int_range(1, pl.len() + 1, dtype=pl.Int32))


def read_tables(desc: Descriptor, folders: list[Path], labels: list[str], reads: scan.Reads | None = None
                ) -> tuple[dict, list[Problem], set, list[str]]:
    """Every table of every folder as one typed frame (``__folder``, ``__row``): (tables, problems, the
    (folder, file) pairs with problems of their own, notes)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    tables, problems, flawed, notes = {}, [], set(), []
    names = desc.table_names()

    def prepare(name: str) -> tuple:  # reading files releases the GIL; polars' parse and checks too
        return scan.prepare(scan.read_bytes([f"{f}/{desc.path(name)}" for f in folders], reads), desc.columns(name))

    # the largest tables first (by the first folder's files): the peak is a big table's parse and checks beside the
    # tables already held, lowest while few are held; the tables are put back in the descriptor's order
    names = sorted(names, key=lambda n: -scan.stat_of(f"{folders[0]}/{desc.path(n)}")[0]) if folders else names
    ready: list = [None] * len(names)
    lock = threading.Lock()

    def read_upto(n: int) -> None:  # the files of the tables before n: in order, one table after the other
        with lock:
            for j in range(n):
                if ready[j] is None:
                    ready[j] = reader.submit(prepare, names[j])

    def check(k: int, name: str) -> tuple:
        read_upto(k + 1)
        prepared = ready[k].result()
        ready[k] = False  # taken: the future lets its result go
        read_upto(min(k + CHECKERS + 1, len(names)))  # a table read ahead for each checker, not every table
        parsed = scan.parse(prepared)
        del prepared
        _trim()  # the table's files' bytes, freed
        out: tuple = ({}, [], set(), [])
        _read_table(desc, name, folders, labels, parsed, *out)
        return out

    # one thread reads the files, table after table (in order: the cache records each file's stat as it is read);
    # two parse and check the tables read (polars, which lets the GIL go), two tables at a time
    with ThreadPoolExecutor(1) as reader, ThreadPoolExecutor(CHECKERS) as checker:
        read_upto(min(CHECKERS + 1, len(names)))
        done = [checker.submit(check, k, name) for k, name in enumerate(names)]
        results = dict(zip(names, (future.result() for future in done)))
    for name in desc.table_names():
        t, p, f, n = results[name]
        tables.update(t)
        problems += p
        flawed |= f
        notes += n
    return tables, problems, flawed, notes


def _read_table(desc: Descriptor, name: str, folders: list[Path], labels: list[str], parsed: tuple,
                tables: dict, problems: list, flawed: set, notes: list) -> None:
    """One table of every folder: the parsed frame typed and checked, the folders not in it read alone."""
    path, absent = desc.path(name), desc.resource(name).get("x-absent")
    df, alone, odd = parsed
    parts = []
    if df is not None:
        typed, found = columns.check_frame(desc, name, df, odd, group="__folder")
        if found:  # read those folders alone: their messages and row numbers are the one-folder reader's
            hit = set(typed["__folder"].gather([p.row - 1 for p in found if p.row]).to_list())
            typed = typed.filter(~pl.col("__folder").is_in(sorted(hit)))
            alone = sorted(set(alone) | hit)
        parts.append(typed)
    for i in alone:
        t, found = columns.read(desc, name, folders[i])
        if t is None and absent and not (folders[i] / path).exists():
            t, found = pl.DataFrame(schema=desc.polars_schema(name)), []
            notes.append(f"{labels[i]}: {path}: not declared by the folder's datapackage.json; read as an empty table")
        if found:
            flawed.add((i, path))
            problems += [_relocate(p, labels[i]) for p in found]
        if t is not None:
            parts.append(_hidden(t, i))
    tables[name] = (pl.concat(parts, how="diagonal_relaxed") if parts else
                    _hidden(pl.DataFrame(schema=desc.polars_schema(name)), 0))


def read_texts(sources: pl.DataFrame, folders: list[Path], labels: list[str], reads: scan.Reads | None = None
               ) -> tuple[Texts, dict[str, Path], dict[str, int], list[str], list[Problem]]:
    """The text of every source in its folder's ``texts/<source_id>.txt``: (texts, paths, the folder of each
    text, notes, problems). The texts are held in one frame (:class:`~toolkit.core.text.Texts`), never as Python
    strings; a folder where one is missing or unusable (not UTF-8, a byte-order mark, CR line endings) is looked at
    by ``find_texts``, which says why."""
    rows = sources.select("__folder", pl.col("source_id").cast(pl.String), pl.col("kind").cast(pl.String),
                          (pl.col("text_sha256") if "text_sha256" in sources.columns else pl.lit(None, pl.String)).alias("want"))
    rows = rows.filter(pl.col("source_id").is_not_null()).rows()
    where, of, notes, problems, slow, frames = {}, {}, [], [], set(), []
    for part in _by_folder(rows, TEXT_BATCH):  # a few thousand texts at a time: their bytes, then their frame
        raws = scan.read_bytes([f"{folders[i]}/{TEXTS}/{sid}.txt" for i, sid, _, _ in part], reads)
        fast = []
        for (i, sid, kind, want), raw in zip(part, raws):
            if raw is None and kind != "article":
                continue
            if raw is None or raw.startswith(scan.BOM) or b"\r" in raw or not scan.is_utf8(raw):
                slow.add(i)
                continue
            fast.append((i, sid, want, raw))
        del raws
        sids, bodies = [], []
        for i, sid, want, raw in fast:
            if i in slow:  # a folder with an unusable text: all its texts are looked at by find_texts
                continue
            path = folders[i] / TEXTS / f"{sid}.txt"
            if want and hashlib.sha256(raw).hexdigest() != want:
                notes.append(f"{path} differs from the text {sid} was extracted from (sources.text_sha256)")
            sids.append(sid)
            bodies.append(raw)
            where[sid], of[sid] = path, i
            notes.append(f"quotes and offsets of {sid} checked against {path} (the folder's own text)")
        del fast
        frames.append(pl.DataFrame({"source_id": pl.Series(sids, dtype=pl.String),
                                    "text": pl.Series(bodies, dtype=pl.Binary).cast(pl.String)}))
        del bodies
    frame = pl.concat(frames) if frames else pl.DataFrame(schema={"source_id": pl.String, "text": pl.String})
    del frames
    more: dict[str, str] = {}
    for i in sorted(slow):
        own = sources.filter(pl.col("__folder") == i).drop(HIDDEN)
        t, p, n, probs = find_texts(folders[i], own)
        for sid in t:
            more[sid], where[sid], of[sid] = t[sid], p[sid], i
        notes += n
        problems += [_relocate(x, labels[i]) if not Path(x.file).is_absolute() else x for x in probs]
    if more:
        frame = pl.concat([frame, Texts.of(more).frame])
    return Texts(frame), where, of, notes, problems


TEXT_BATCH = 2000  # texts read and put in the frame at a time


def _by_folder(rows: list[tuple], size: int):
    """``rows`` (folder first) in parts of about ``size``, never splitting a folder's rows."""
    part: list = []
    for r in rows:
        if len(part) >= size and r[0] != part[-1][0]:
            yield part
            part = []
        part.append(r)
    if part:
        yield part


@dataclass
class Corpus:
    """A corpus read and checked but not judged: its merged tables (with ``__folder`` and ``__row``), descriptor,
    texts and every problem. :func:`open_many` raises on the problems; the engines' checks start from here."""

    tables: dict[str, pl.DataFrame]
    descriptor: Descriptor
    texts: dict[str, str]
    text_paths: dict[str, Path]
    notes: list[str]
    problems: list[Problem]
    folders: list[Path]
    rows: dict[str, pl.DataFrame] | None = None  # every folder's rows as read, before merging (keep_rows=True)

    def provenance(self) -> dict[str, pl.DataFrame]:
        """Every folder's rows as read (not merged: a row twice in a file is there twice), with ``_folder`` (the
        folder's name) and ``_row`` (the row in its file): what an engine's checks see."""
        names = pl.Series([f.name for f in self.folders], dtype=pl.String)
        return {n: df.with_columns(_folder=names.gather(df["__folder"]), _row=pl.col("__row")).drop(HIDDEN)
                for n, df in (self.rows or self.tables).items()}


def read_corpus(folders: list[Path], keep_rows: bool = False, reads: scan.Reads | None = None) -> Corpus | None:
    """Read, merge and check ``folders`` (resolved data folders); None when their descriptors differ.
    ``keep_rows``: keep every folder's rows as read too (for :meth:`Corpus.provenance`); ``reads``: where to
    record every file read and its stat (for the cache)."""
    if reads is not None:
        reads.folders(folders)
    descs, dproblems = descriptors(folders, reads)
    desc = one_schema(descs)
    if desc is None:
        return None
    labels = [str(f) for f in folders]
    from concurrent.futures import ThreadPoolExecutor

    tables, problems, flawed, notes = read_tables(desc, folders, labels, reads)
    _trim()
    names = [d.get("name") or f.name for d, f in zip(descs, folders)]
    rows = dict(tables) if keep_rows else None
    corpus_members = members(labels, names, tables["sources"])
    # the rows as read are let go table by table as they are merged; the texts are read meanwhile (reading files is
    # Python's work, merging polars')
    copies: dict = {}
    with ThreadPoolExecutor(1) as pool:
        reading = pool.submit(read_texts, tables["sources"], folders, labels, reads)
        merged, conflicts = merge_frames(tables, Plan(dict(desc.resources())), labels, Problem, [{"name": n} for n in names],
                                         consume=True, copies=copies)
        texts, text_paths, text_folder, tnotes, tproblems = reading.result()
    _trim()
    notes, problems = notes + tnotes, problems + tproblems + conflicts
    del tables
    titles = [d.get("title") or d.get("name") or "Untitled dataset" for d in descs]
    cdesc = desc.replace(**{"x-view": {}, "x-cites": None, "x-corpus": corpus_members}, name="corpus",
                         title="Corpus: " + "; ".join(titles[:3]) + (f" and {len(titles) - 3} more" if len(titles) > 3 else ""),
                         description=f"A corpus of {len(folders)} datasets, opened together: "
                         + "; ".join(titles[:6]) + (" ..." if len(titles) > 6 else "") + ".")
    problems += for_every_copy(check_corpus(cdesc, merged, texts, text_folder, flawed, labels), copies, cdesc, labels)
    return Corpus(merged, cdesc, texts, text_paths, notes, problems, list(folders), rows)


def open_many(folders: list[Path], reads: scan.Reads | None = None) -> Dataset | None:
    """The corpus of ``folders`` as a checked Dataset; None when their descriptors differ (the caller merges
    them one by one). Raises :class:`~toolkit.DataError` naming every problem of every folder."""
    c = read_corpus(folders, reads=reads)
    if c is None:
        return None
    if c.problems:
        raise DataError(c.problems, Path(corpus_label(folders)))
    return Dataset({n: df.drop(HIDDEN) for n, df in c.tables.items()}, c.descriptor, c.texts, folders=tuple(folders),
                   text_paths=c.text_paths, notes=c.notes)


def _mention_problems(desc: Descriptor, tables: dict[str, pl.DataFrame], tf: pl.DataFrame, paras, text_folder: dict[str, int],
                      flawed: set, labels: list[str]) -> list[Problem]:
    """Every folder's mentions against the alias occurrences in its texts (folders whose aliases, segments or
    mentions file had problems of their own left out)."""
    need = {desc.path(t) for t in ("aliases", "segments", "mentions") if desc.has_table(t)}
    skip = {i for i, path in flawed if path in need}
    if not {"aliases", "segments", "mentions"} <= set(tables):
        return []
    ok = tf.filter(~pl.col("source_id").replace_strict(text_folder, default=-1).is_in(sorted(skip)))
    # a batch of texts at a time: the occurrences of a whole corpus's aliases would be held at once otherwise
    batch = ok.select("source_id", __b=(pl.col("text").str.len_bytes().cum_sum() // MENTION_BATCH).cast(pl.Int32))

    def by_batch(df: pl.DataFrame) -> tuple[pl.DataFrame, dict]:
        """(the rows for every source, each batch's rows): a table split once, not filtered once per batch."""
        if "source_id" not in df.columns:
            return df, {}
        b = df.with_columns(__b=pl.col("source_id").cast(pl.String).replace_strict(batch["source_id"], batch["__b"], default=None))
        every = b.filter(pl.col("source_id").is_null()).drop("__b")
        return every, b.filter(pl.col("__b").is_not_null()).partition_by("__b", as_dict=True, include_key=False)

    def of_batch(split: tuple, b: int) -> pl.DataFrame:
        every, parts = split
        return pl.concat([every, parts.pop((b,))]) if (b,) in parts else every

    aliases, segments = by_batch(tables["aliases"]), by_batch(tables["segments"])
    mentions = (tables["mentions"].clear(), by_batch(tables["mentions"])[1])  # a mention names its source
    out = []
    for (b,), texts in ok.with_columns(batch["__b"]).partition_by("__b", as_dict=True, include_key=False).items():
        al, seg = of_batch(aliases, b), of_batch(segments, b)
        if spans.python_needed(texts):
            expected = article.find_all_mentions(dict(texts.iter_rows()), al, seg)
        else:
            expected = spans.find_mentions(texts, al, seg, paras, ordered=False)
        have = of_batch(mentions, b)
        file_of = {sid: str(Path(labels[text_folder[sid]]) / desc.path("mentions")) for sid in texts["source_id"]}
        found = spans.mention_problems(have, expected, file_of)
        out += [p for p in found if p.row is None] + located([p for p in found if p.row is not None], have, labels)
    return out


def check_corpus(desc: Descriptor, tables: dict[str, pl.DataFrame], texts: dict[str, str], text_folder: dict[str, int],
                 flawed: set, labels: list[str]) -> list[Problem]:
    """Keys, rules, quotes, paragraphs, mentions and the declared rules of a merged corpus (frames with
    ``__folder``/``__row``): ``toolkit.checks.check_tables`` for many folders at once."""
    from concurrent.futures import ThreadPoolExecutor

    problems: list[Problem] = []
    tf = spans.texts_frame(texts)
    paras = spans.Paragraphs(tf) if texts else None
    with ThreadPoolExecutor(1) as pool:  # the mentions rebuilt from the aliases while the tables are checked
        mentions = pool.submit(_mention_problems, desc, tables, tf, paras, text_folder, flawed, labels) if texts else None
        for name, df in tables.items():
            if not desc.has_table(name):
                continue
            found = check_keys(desc, name, df, tables) + check_rows(desc, name, df, tables)
            if texts:
                found += spans.text_problems(desc.path(name), df, tf, paras)
            problems += located(found, df, labels)
        declared = _declared_problems(desc, tables, flawed, labels)
        problems += mentions.result() if mentions else []
    return problems + declared


def _declared_problems(desc: Descriptor, tables: dict[str, pl.DataFrame], flawed: set, labels: list[str]) -> list[Problem]:
    """The declared cross-row rules on the corpus, files with problems of their own left out."""
    bad: dict = {}
    for i, path in flawed:
        bad.setdefault(path, []).append(i)
    clean = {n: (df.filter(~pl.col("__folder").is_in(bad[desc.path(n)])) if desc.has_table(n) and desc.path(n) in bad else df)
             for n, df in tables.items() if desc.has_table(n)}
    return located_by_file(check_declared(desc, clean), desc, clean, labels)


def located_by_file(problems: list[Problem], desc: Descriptor, tables: dict[str, pl.DataFrame], labels: list[str]
                    ) -> list[Problem]:
    """:func:`located` for problems of several tables, each found on the table its file holds."""
    by_file = {desc.path(n): df for n, df in tables.items() if desc.has_table(n)}
    return [q for p in problems for q in (located([p], by_file[p.file], labels)
                                           if p.row is not None and p.file in by_file else [p])]
