"""Reading one data folder: its descriptor, its texts, its tables (CSV or Parquet), every check.

>>> import toolkit
>>> ds, problems = read_folder(toolkit.SHIPPED)
>>> problems
[]
"""

from __future__ import annotations

import hashlib
import os
from functools import partial
from pathlib import Path

import polars as pl

from toolkit.checks import check_tables, read_all
from toolkit.checks.evidence import read_text
from toolkit.core import text as article
from toolkit.core.descriptor import FILE, Descriptor, DescriptorError
from toolkit.core.problems import Problem
from toolkit.dataset import parquet
from toolkit.dataset.value import PARQUET_FORMAT, SHIPPED, TEXTS, Dataset, Tables


def data_folder(data_dir: str | Path | None = None) -> Path:
    """The folder to read: ``data_dir``, else ``$TOOLKIT_DATA_DIR``, else the shipped data."""
    chosen = data_dir or os.environ.get("TOOLKIT_DATA_DIR") or SHIPPED
    folder = Path(chosen).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"data folder {folder} does not exist"
                                + (" (set by TOOLKIT_DATA_DIR)" if not data_dir and os.environ.get("TOOLKIT_DATA_DIR") else ""))
    return folder


def data_folders(paths) -> list[Path]:
    """``data_folder(p).resolve()`` of many folders: each parent resolved once, each folder looked at by one
    ``lstat`` (10,000 ``resolve()`` calls cost 1.5 s: one ``lstat`` per part of every path)."""
    import stat

    parents: dict[str, str] = {}
    out = []
    for p in paths:
        if p is None:
            out.append(data_folder(None).resolve())
            continue
        s = os.path.abspath(os.path.expanduser(os.fspath(p)))
        head, name = os.path.split(s)
        try:
            st = os.lstat(s)
        except OSError:
            st = None
        if st is None or not stat.S_ISDIR(st.st_mode) or name in ("", ".", ".."):  # a link, or not there: the slow way
            out.append(data_folder(p).resolve())
            continue
        if head not in parents:
            parents[head] = os.path.realpath(head)
        out.append(Path(parents[head], name))
    return out


def descriptor_of(folder: Path) -> tuple[Descriptor | None, list[Problem]]:
    """The folder's own ``datapackage.json`` (or the toolkit's, when it has none); None and the problems when
    it cannot be used. A table the toolkit declares that an older folder lacks is read as empty."""
    from toolkit.dataset.upgrade import VERSION, version_problem

    if not (folder / FILE).is_file():
        old = version_problem(folder)
        return (None, [Problem(FILE, None, VERSION, old, kind="descriptor")]) if old else (Descriptor.shipped(), [])
    try:
        own = Descriptor.load(folder / FILE)
    except DescriptorError as e:
        return None, e.problems
    old = version_problem(folder, own)
    if old:  # another schema: one line saying what to run, not a problem for every column
        return None, [Problem(FILE, None, VERSION, old, kind="descriptor")]
    shipped = Descriptor.shipped()
    missing = [n for n in shipped.table_names() if not own.has_table(n)] if not own.get("x-format") else []
    if missing:  # a folder made before a table existed: the table is empty, as the toolkit declares it
        own = own.with_resources([*own["resources"], *({**shipped.resource(n), "x-absent": True} for n in missing)])
    return own, []


# --- texts ------------------------------------------------------------------------------------------

def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def find_texts(folder: Path, sources: pl.DataFrame | None, text_path: str | Path | None = None,
               unused: str = " (quotes, offsets and mentions were not checked against it)"
               ) -> tuple[dict[str, str], dict[str, Path], list[str], list[Problem]]:
    """The text of every source that has one: (texts, their paths, notes, problems).

    Looked for in ``texts/<source_id>.txt``, then ``article.txt`` (a folder with one article), then
    ``text_path`` (one article). A text found outside the folder (``$TOOLKIT_ARTICLE``,
    ``shared/article/article.txt``) is used only when ``sources.text_sha256`` matches it.
    """
    texts, paths, notes, problems = {}, {}, [], []
    if sources is None:
        return texts, paths, notes, problems
    rows = sources.select("source_id", "kind", *(["text_sha256"] if "text_sha256" in sources.columns else [])).to_dicts()
    articles = sources.filter(article.own_text(sources.columns))["source_id"].to_list()
    given = Path(text_path).expanduser() if text_path else None
    if given is not None and not given.is_file():
        problems.append(Problem(str(given), None, None, "the text given with --text does not exist"))
        given = None
    if given is not None and len(articles) != 1:
        problems.append(Problem(str(given), None, None, f"--text names one text but {len(articles)} sources are "
                                f"articles; put each in {TEXTS}/<source_id>.txt"))
        given = None
    try:  # one listing, not a stat per source (a corpus reopened from Parquet has 10,000)
        listed = set(os.listdir(folder / TEXTS))
    except OSError:
        listed = set()
    article_set, shared = set(articles), {}

    def shared_text(cand: Path):  # each text beside the project read and hashed once, not once per source
        if cand not in shared:
            t = read_text(cand, folder)[0]
            shared[cand] = (t, None if t is None else _sha(t))
        return shared[cand]

    candidates = None
    for r in rows:
        sid, want = r["source_id"], r.get("text_sha256")
        if sid is None:  # a row without an id is reported by the validator; it has no text to look for
            continue
        own = [folder / TEXTS / f"{sid}.txt"] if f"{sid}.txt" in listed else []
        if len(articles) == 1 and sid == articles[0]:
            own = ([given] if given else []) + own + [folder / "article.txt"]
        path = next((p for p in own if p.is_file()), None)
        origin = ("given with --text" if given is not None and path == given else "the folder's own text")
        external = False
        if path is None and sid in article_set and want:
            if candidates is None:
                candidates = [c for c in article.shared_candidates() if c.is_file()]
            for cand in candidates:
                t, sha = shared_text(cand)
                if t is not None and sha == want:
                    path, external = cand, True
                    origin = ("$TOOLKIT_ARTICLE" if str(cand) == os.environ.get("TOOLKIT_ARTICLE")
                              else "found beside the project") + "; its checksum matches sources.text_sha256"
                    break
                notes.append(f"{cand} is not the text of {sid} (its checksum differs); not used")
        if path is None:
            if sid in article_set:
                notes.append(f"text of {sid} not found: its quotes, offsets and mentions were not checked "
                             f"(put it in {folder / TEXTS / (sid + '.txt')} or pass --text)")
            continue
        t, probs = read_text(path, folder, unused=unused)
        problems += probs
        if t is None:
            continue
        if want and not external and _sha(t) != want:
            notes.append(f"{path} differs from the text {sid} was extracted from (sources.text_sha256)")
        texts[sid], paths[sid] = t, path
        notes.append(f"quotes and offsets of {sid} checked against {path} ({origin})")
    return texts, paths, notes, problems


# --- reading a folder -------------------------------------------------------------------------------

def _read_parquet(folder: Path, desc: Descriptor, check: bool = True) -> tuple[dict, dict, list[Problem]]:
    """The tables of a Parquet folder typed as declared, its texts, and a problem naming each file that is
    missing, unreadable or not of the declared columns. ``check``: every value is also held to the same
    column rules as a CSV file's (types, allowed values, required, unique, minimum, primary key), by row."""
    from toolkit.checks.columns import check_loaded

    tables, lazy, problems = {}, {}, []
    for name in desc.table_names():
        path, fname = folder / desc.path(name), desc.path(name)
        want = desc.polars_schema(name)
        if not check:  # written by the toolkit: read when a view asks, when its columns are as declared
            try:
                have = pl.read_parquet_schema(path)  # the file's footer only
            except FileNotFoundError:
                problems.append(Problem(fname, None, None, f"file is missing from {folder}", kind="file"))
                continue
            except (Exception, pl.exceptions.PanicException):  # noqa: BLE001 - read below, to name the problem
                have = {}
            if have and all(have.get(c) == t for c, t in want.items()):
                lazy[name] = partial(pl.read_parquet, path, columns=list(want))  # a partial pickles; a lambda not
                continue
        try:
            df = pl.read_parquet(path)
        except FileNotFoundError:
            problems.append(Problem(fname, None, None, f"file is missing from {folder}", kind="file"))
            continue
        except (Exception, pl.exceptions.PanicException) as e:  # noqa: BLE001 - a damaged or foreign file, however it fails
            problems.append(Problem(fname, None, None, "cannot be read as Parquet: "
                                    f"{(str(e).splitlines() or [type(e).__name__])[0][:160]}", kind="file"))
            continue
        if check:
            typed, probs = check_loaded(desc, name, fname, df)
            problems += probs
            if typed is not None:
                tables[name] = typed.select([c for c in want if c in typed.columns])
            continue
        missing = [c for c in want if c not in df.columns]
        if missing:
            problems.append(Problem(fname, None, missing[0], "column is missing", kind="file"))
            continue
        try:
            tables[name] = df.select(list(want)).cast(dict(want))
        except (Exception, pl.exceptions.PanicException) as e:  # noqa: BLE001
            problems.append(Problem(fname, None, None, "cannot be read as Parquet of the declared columns: "
                                    f"{str(e).splitlines()[0][:160]}; `python -m toolkit validate {folder}` "
                                    "names each row", kind="file"))
    texts = {}
    for p in sorted((folder / TEXTS).glob("*.txt")):
        text, probs = read_text(p, folder)
        problems += probs
        if text is not None:
            texts[p.stem] = text
    return (Tables(lazy, tables, [n for n in desc.table_names() if n in lazy or n in tables]) if lazy else tables), texts, problems


def read_folder(path: str | Path | None = None, text_path: str | Path | None = None, *,
                check: bool = True) -> tuple[Dataset, list[Problem]]:
    """Read and check one folder: (the dataset, every problem). Nothing is written. ``check=False`` trusts a
    Parquet folder the toolkit wrote (its tables were checked when written); CSV folders are always checked."""
    folder = data_folder(path)
    desc, problems = descriptor_of(folder)
    if desc is None:
        return Dataset({}, Descriptor.shipped(), folders=(folder,)), problems
    notes: list[str] = []
    if desc.get("x-format") == PARQUET_FORMAT:  # written by ds.to_parquet / export --format parquet
        tables, _, problems = _read_parquet(folder, desc, check)
        texts, paths, tnotes, tprobs = find_texts(folder, tables.get("sources"))
        problems += tprobs
        notes = parquet.text_notes(desc)
        if check and not problems:
            problems = check_tables(desc, tables, texts)
            notes.append("read from Parquet and checked")
        else:
            notes.append("read from Parquet (checked when written; ds.validate() checks it again)")
        return Dataset(tables, desc, texts, folders=(folder,), text_paths=paths, notes=notes + tnotes), problems
    tables, more = read_all(desc, folder)
    for name in desc.table_names():
        if desc.resource(name).get("x-absent") and tables.get(name) is None and not (folder / desc.path(name)).exists():
            tables[name] = pl.DataFrame(schema=desc.polars_schema(name))
            more = [p for p in more if p.file != desc.path(name)]
            notes.append(f"{desc.path(name)}: not declared by the folder's datapackage.json; read as an empty table")
    problems += more
    texts, paths, tnotes, tprobs = find_texts(folder, tables.get("sources"), text_path)
    notes += tnotes
    problems += tprobs + check_tables(desc, tables, texts, {p.file for p in problems})
    problems, left = cited_elsewhere(desc, problems)
    return Dataset(tables, desc, texts, folders=(folder,), text_paths=paths, notes=notes + left), problems


def cited_elsewhere(desc: Descriptor, problems: list[Problem]) -> tuple[list[Problem], list[str]]:
    """A folder that cites other folders' claims (``"x-cites": ["their-name", ...]`` in its descriptor) leaves the
    ids it does not hold to the corpus: (the other problems, a note for each)."""
    cited = [str(c) for c in desc.get("x-cites") or ()]
    if not cited:
        return problems, []
    left = [p for p in problems if p.kind == "reference"]
    return [p for p in problems if p.kind != "reference"], [
        f"{p} — left for the corpus: this folder cites {', '.join(cited)} (x-cites); checked when opened with them "
        "(`python -m toolkit validate THIS_FOLDER THE_OTHERS`)" for p in left]
