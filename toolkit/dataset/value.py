"""A data folder (or several, as one corpus) as a value: checked tables, descriptor, texts, metadata.

``toolkit.open(path)`` reads a folder of CSV tables in the toolkit's schema (its own
``datapackage.json`` when it has one), checks every table and every quote against the texts of its
sources, and returns a :class:`Dataset`. Every view (charts, maps, geo, the report) takes one.

>>> import toolkit
>>> ds = toolkit.open()                       # the shipped dataset (or $TOOLKIT_DATA_DIR)
>>> ds["estimates"].filter(bound="upper")["value_high"].to_list()
[1700]
>>> ds.source_line.startswith("Source: ")   # from sources.credit, or publisher, author and date
True
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import polars as pl

from toolkit.core import text as article
from toolkit.core import descriptor as schema
from toolkit.core.dates import phrase
from toolkit.checks.validate import DataError, Problem, Report, check_tables, read_all

SHIPPED = Path(__file__).resolve().parents[1] / "data"
TEXTS = "texts"  # texts/<source_id>.txt inside a data folder
PARQUET_FORMAT = "toolkit-parquet"
_KEEP = 16  # checked datasets kept on disk
_cache: dict = {}


def data_folder(data_dir: str | Path | None = None) -> Path:
    """The folder to read: ``data_dir``, else ``$TOOLKIT_DATA_DIR``, else the shipped data."""
    chosen = data_dir or os.environ.get("TOOLKIT_DATA_DIR") or SHIPPED
    folder = Path(chosen).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"data folder {folder} does not exist"
                                + (" (set by TOOLKIT_DATA_DIR)" if not data_dir and os.environ.get("TOOLKIT_DATA_DIR") else ""))
    return folder


def descriptor_of(folder: Path) -> tuple[dict, list[Problem]]:
    """The folder's own ``datapackage.json`` (checked against the toolkit's tables), else the toolkit's."""
    path = folder / "datapackage.json"
    if not path.is_file():
        return schema.shipped(), []
    try:
        own = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        return schema.shipped(), [Problem("datapackage.json", None, None, f"cannot be read as JSON: {e}")]
    names = [r.get("name") for r in own.get("resources", []) if isinstance(r, dict)]
    broken = [r.get("name") for r in own.get("resources", [])
              if not isinstance(r, dict) or not isinstance(r.get("schema", {}).get("fields"), list) or "path" not in r]
    if broken:
        return schema.shipped(), [Problem("datapackage.json", None, None, f"table(s) {broken} lack a path or schema "
                                          "fields (compare with `python -m toolkit new`)")]
    missing = [n for n in schema.table_names() if n not in names] if not own.get("x-format") else []
    if missing:  # a folder made before a table existed: the table is empty, as the toolkit declares it
        own = dict(own, resources=[*own["resources"], *({**schema.resource(n), "x-absent": True} for n in missing)])
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
    from toolkit.checks.validate import read_text

    texts, paths, notes, problems = {}, {}, [], []
    if sources is None:
        return texts, paths, notes, problems
    rows = sources.select("source_id", "kind", *(["text_sha256"] if "text_sha256" in sources.columns else [])).to_dicts()
    articles = [r["source_id"] for r in rows if str(r["kind"]) == "article"]
    given = Path(text_path).expanduser() if text_path else None
    if given is not None and not given.is_file():
        problems.append(Problem(str(given), None, None, "the text given with --text does not exist"))
        given = None
    if given is not None and len(articles) != 1:
        problems.append(Problem(str(given), None, None, f"--text names one text but {len(articles)} sources are "
                                f"articles; put each in {TEXTS}/<source_id>.txt"))
        given = None
    for r in rows:
        sid, want = r["source_id"], r.get("text_sha256")
        if sid is None:  # a row without an id is reported by the validator; it has no text to look for
            continue
        own = [folder / TEXTS / f"{sid}.txt"]
        if len(articles) == 1 and sid == articles[0]:
            own = ([given] if given else []) + own + [folder / "article.txt"]
        path = next((p for p in own if p.is_file()), None)
        origin = ("given with --text" if given is not None and path == given else "the folder's own text")
        external = False
        if path is None and sid in articles and want:
            for cand in article.shared_candidates():
                if cand.is_file():
                    t, _ = read_text(cand, folder)
                    if t is not None and _sha(t) == want:
                        path, external = cand, True
                        origin = ("$TOOLKIT_ARTICLE" if str(cand) == os.environ.get("TOOLKIT_ARTICLE")
                                  else "found beside the project") + "; its checksum matches sources.text_sha256"
                        break
                    notes.append(f"{cand} is not the text of {sid} (its checksum differs); not used")
        if path is None:
            if sid in articles:
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

def _stamp(folder: Path) -> tuple:
    out = []
    for p in sorted(folder.glob("*")) + sorted((folder / TEXTS).glob("*.txt")):
        try:
            st = p.stat()
        except OSError:
            continue
        out.append((p.name, st.st_mtime_ns, st.st_size))
    env = os.environ.get("TOOLKIT_ARTICLE")
    return tuple(out) + (env,)


def _read_parquet(folder: Path, desc: dict) -> tuple[dict, dict]:
    tables = {}
    with schema.using(desc):
        for name in schema.table_names():
            df = pl.read_parquet(folder / f"{name}.parquet")
            tables[name] = df.cast(dict(schema.polars_schema(name)))
    texts = {p.stem: article.read_text(p) for p in sorted((folder / TEXTS).glob("*.txt"))}
    return tables, texts


def read_folder(path: str | Path | None = None, text_path: str | Path | None = None) -> tuple[Dataset, list[Problem]]:
    """Read and check one folder: (the dataset, every problem). Nothing is written."""
    folder = data_folder(path)
    desc, problems = descriptor_of(folder)
    notes: list[str] = []
    if desc.get("x-format") == PARQUET_FORMAT:
        tables, texts = _read_parquet(folder, desc)
        return Dataset(tables, desc, texts, folders=(folder,), notes=["read from Parquet (checked when written)"]), problems
    with schema.using(desc):
        tables, more = read_all(folder)
        absent = {r["path"]: r["name"] for r in desc["resources"] if r.get("x-absent")}
        for path, name in absent.items():
            if tables.get(name) is None and not (folder / path).exists():
                tables[name] = pl.DataFrame(schema=schema.polars_schema(name))
                more = [p for p in more if p.file != path]
                notes.append(f"{path}: not declared by the folder's datapackage.json; read as an empty table")
        problems += more
        texts, paths, tnotes, tprobs = find_texts(folder, tables.get("sources"), text_path)
        notes += tnotes
        problems += tprobs + check_tables(tables, texts, {p.file for p in problems})
    return Dataset(tables, desc, texts, folders=(folder,), text_paths=paths, notes=notes), problems


def _checked_key(folder: Path) -> str | None:
    """A key for a folder that passed every check: the bytes of its files and of the texts it may use,
    the toolkit's code (file times) and version. None when the on-disk cache is off."""
    if os.environ.get("TOOLKIT_NO_CACHE"):
        return None
    from toolkit import __version__

    h = hashlib.sha256(__version__.encode())
    code = Path(__file__).resolve().parents[1]
    for p in sorted(code.rglob("*.py")):
        h.update(f"{p.relative_to(code)}{p.stat().st_mtime_ns}".encode())
    files = [*sorted(folder.glob("*")), *sorted((folder / TEXTS).glob("*.txt")), *article.shared_candidates()]
    for p in files:
        if p.is_file():
            h.update(str(p).encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:32]


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nc-fighters-toolkit" / "checked"


def _from_disk(key: str, folder: Path) -> Dataset | None:
    """A dataset checked earlier (same files, same code): its typed tables from Arrow IPC, no re-check."""
    where = _cache_dir() / key
    try:
        meta = json.loads((where / "meta.json").read_text(encoding="utf-8"))
        tables = {n: pl.read_ipc(where / f"{n}.arrow") for n in meta["tables"]}
        texts = {sid: article.read_text(p) for sid, p in meta["text_paths"].items()}
    except Exception:  # a missing or damaged cache entry: check the folder again  # noqa: BLE001
        return None
    return Dataset(tables, meta["descriptor"], texts, folders=(folder,),
                   text_paths={k: Path(v) for k, v in meta["text_paths"].items()}, notes=meta["notes"])


def _to_disk(key: str, ds: Dataset) -> None:
    """Keep a checked dataset for the next process; a cache that cannot be written only costs time."""
    import shutil
    import tempfile

    root = _cache_dir()
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=root, prefix=".tmp-"))
        for n, df in ds._tables.items():
            df.write_ipc(tmp / f"{n}.arrow")
        (tmp / "meta.json").write_text(json.dumps({
            "tables": list(ds._tables), "descriptor": ds.descriptor, "notes": ds.notes,
            "text_paths": {k: str(v) for k, v in ds.text_paths.items()}}), encoding="utf-8")
        tmp.rename(root / key)
        kept = sorted((d for d in root.iterdir() if not d.name.startswith(".")), key=lambda d: d.stat().st_mtime)
        for old in kept[:-_KEEP]:  # the most recently checked folders only
            shutil.rmtree(old, ignore_errors=True)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True) if "tmp" in locals() else None


def _open_one(path) -> Dataset:
    """One folder, checked once: kept in memory until a file changes, and on disk (``~/.cache``) for the
    next process while its files, texts and the toolkit's code stay the same. ``validate()`` always checks."""
    folder = data_folder(path).resolve()
    stamp = _stamp(folder)
    hit = _cache.get(folder)
    if hit and hit[0] == stamp:
        return hit[1]
    key = _checked_key(folder)
    ds = _from_disk(key, folder) if key else None
    if ds is None:
        ds, problems = read_folder(folder)
        if problems:
            raise DataError(problems, folder)
        if key and sum(df.height for df in ds._tables.values()) < 200_000:  # a corpus is kept as Parquet by the user
            _to_disk(key, ds)
    _cache[folder] = (stamp, ds)
    return ds


def open(*paths: str | Path) -> Dataset:  # noqa: A001 - the toolkit's one entry point, like vega_datasets.data
    """Open data folders as one checked :class:`Dataset` (none: the shipped data or ``$TOOLKIT_DATA_DIR``).

    Several folders make one corpus (see :func:`toolkit.corpus.merge`). Raises
    :class:`~toolkit.DataError` listing every problem by file, row and column.

    >>> open().title.startswith("Kremlin Envoy")
    True
    """
    if not paths:
        return _open_one(None)
    if len(paths) == 1:
        return _open_one(paths[0])
    from toolkit.dataset.corpus import merge

    parts, deferred = [], False
    for p in paths:  # a reference into another folder of the corpus (a dispute across sources) is checked on the whole
        try:
            parts.append(_open_one(p))
        except DataError as e:
            hard = [x for x in e.problems if not _is_reference(x)]
            if hard:
                raise DataError(hard, e.folder) from None
            parts.append(read_folder(p)[0])
            deferred = True
    corpus = merge(parts)
    if deferred:
        with schema.using(corpus.descriptor):
            problems = [x for x in check_tables(corpus._tables) if _is_reference(x)]
        if problems:
            raise DataError(problems, Path("corpus of " + ", ".join(str(f) for f in corpus.folders)))
    return corpus


def _is_reference(problem: Problem) -> bool:
    """A reference to an id the folder does not hold (it may live in another folder of a corpus)."""
    return " id in " in problem.message and "is not" in problem.message


def coerce(ds, **tables: pl.DataFrame) -> Dataset:
    """``None`` → the default dataset; a path → ``open(path)``; a Dataset as is; ``tables`` (e.g.
    ``estimates=df``) replace some of its tables, as every view allows: ``charts.estimates(ds, estimates=df)``."""
    if ds is None or isinstance(ds, (str, Path)):
        ds = open(ds) if ds is not None else open()
    if isinstance(ds, Dataset):
        return ds.with_tables(**{k: v for k, v in tables.items() if v is not None}) if tables else ds
    raise TypeError(f"expected a toolkit Dataset (toolkit.open(...)), a data folder or None, got {type(ds).__name__}; "
                    "to draw a subset pass the table by name, e.g. charts.estimates(estimates=df)")


# --- the value --------------------------------------------------------------------------------------

class Dataset:
    """Checked tables of one or more sources, their descriptor, texts and metadata.

    Tables come out as copies (``ds["estimates"]`` or ``ds.estimates``): changing one never
    changes the dataset. ``with_tables(...)`` returns a new dataset.
    """

    def __init__(self, tables: dict[str, pl.DataFrame], descriptor: dict, texts: dict[str, str] | None = None, *,
                 folders: tuple = (), text_paths: dict | None = None, notes: list | None = None):
        self._tables = dict(tables)
        self.descriptor = descriptor
        self.texts = dict(texts or {})
        self.folders = tuple(folders)
        self.text_paths = dict(text_paths or {})
        self.notes = list(notes or [])

    # tables
    def __getitem__(self, name: str) -> pl.DataFrame:
        if name not in self._tables:
            with schema.using(self.descriptor):
                schema.resource(name)  # the helpful KeyError
            raise KeyError(name)
        return self._tables[name].clone()

    def __getattr__(self, name: str) -> pl.DataFrame:
        if name.startswith("_") or name not in self.__dict__.get("_tables", {}):
            raise AttributeError(f"Dataset has no attribute or table {name!r}")
        return self[name]

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._tables))

    def __contains__(self, name) -> bool:
        return name in self._tables

    def table_names(self) -> list[str]:
        return list(self._tables)

    def list_tables(self) -> pl.DataFrame:
        """Name, title, row count and description of every table."""
        res = {r["name"]: r for r in self.descriptor["resources"]}
        return pl.DataFrame([{"table": n, "title": res.get(n, {}).get("title", n), "rows": df.height,
                              "description": res.get(n, {}).get("description", "")} for n, df in self._tables.items()],
                            schema={"table": pl.String, "title": pl.String, "rows": pl.Int64, "description": pl.String})

    def with_tables(self, **tables: pl.DataFrame) -> Dataset:
        """A new dataset with some tables replaced (e.g. a filtered subset to draw).

        >>> ds = open()
        >>> ds.with_tables(estimates=ds.estimates.head(2))["estimates"].height
        2
        """
        unknown = set(tables) - set(self._tables)
        if unknown:
            raise KeyError(f"no table called {sorted(unknown)}; tables are {self.table_names()}")
        return Dataset(self._tables | tables, self.descriptor, self.texts, folders=self.folders,
                       text_paths=self.text_paths, notes=self.notes)

    def subset(self, source_ids) -> Dataset:
        """Only the facts of some sources (entity tables kept whole)."""
        keep = [source_ids] if isinstance(source_ids, str) else list(source_ids)
        out = {}
        for name, df in self._tables.items():
            fact = "source_id" in df.columns and name not in ("sources", "actors", "aliases")
            out[name] = df.filter(pl.col("source_id").is_in(keep)) if fact else df
        return Dataset(out, self.descriptor, {k: v for k, v in self.texts.items() if k in keep}, folders=self.folders,
                       notes=self.notes)

    # metadata
    @property
    def title(self) -> str:
        return self.descriptor.get("title") or self.descriptor.get("name") or "Untitled dataset"

    @property
    def name(self) -> str:
        return self.descriptor.get("name") or (self.folders[0].name if self.folders else "dataset")

    @property
    def version(self) -> str:
        return str(self.descriptor.get("version", ""))

    @property
    def licenses(self) -> list[dict]:
        return list(self.descriptor.get("licenses", []))

    @property
    def view(self) -> dict:
        """The descriptor's ``x-view`` block (``extent`` of the maps, ``source_line``), empty when absent."""
        return dict(self.descriptor.get("x-view") or {})

    def articles(self) -> pl.DataFrame:
        """The sources whose texts the facts point into (kind ``article``)."""
        return self._tables["sources"].filter(pl.col("kind") == "article")

    @property
    def noun(self) -> str:
        """'the article' or 'the 3 articles', for titles (a verb after it agrees: see :attr:`one_article`)."""
        n = self.articles().height
        return "the article" if n <= 1 else f"the {n} articles"

    @property
    def one_article(self) -> bool:
        """True when the facts come from one article (titles say "the article names", else "the 3 articles name")."""
        return self.articles().height <= 1

    @property
    def source_lines(self) -> list[str]:
        """One line per article: its ``sources.credit``, else publisher, author, date."""
        if self.view.get("source_line"):
            return [self.view["source_line"]]
        return [r.get("credit") or f"Source: {describe_source(r, short=True)}"
                for r in self.articles().to_dicts()] or ["Source: not stated"]

    @property
    def source_line(self) -> str:
        """The source line drawn under every chart and map."""
        lines = self.source_lines
        if len(lines) > 3:
            return f"Sources: {len(lines)} articles (see the sources table)"
        return lines[0] if len(lines) == 1 else "Sources: " + "; ".join(s.removeprefix("Source: ") for s in lines)

    def text(self, source_id: str | None = None) -> str | None:
        """The text of a source (the only article when not named), or None when it was not found."""
        if source_id is None:
            ids = self.articles()["source_id"].to_list()
            source_id = ids[0] if len(ids) == 1 else None
        return self.texts.get(source_id)

    # operations
    def validate(self) -> Report:
        """Check the tables (as they are now) and quotes against the texts; never raises, never writes."""
        with schema.using(self.descriptor):
            problems = check_tables(self._tables, self.texts)
        return Report(self.folders[0] if len(self.folders) == 1 else Path(", ".join(map(str, self.folders)) or "."),
                      problems, list(self.notes))

    def cite(self, record_id: str) -> str:
        """A citation for any fact row (estimate, event, statement, relation, dispute) by its id."""
        from toolkit.dataset.lookup import cite

        return cite(self, record_id)

    def lookup(self, name: str, kind: str | None = None):
        """The actor or place a name refers to (see :func:`toolkit.lookup`)."""
        from toolkit.dataset.lookup import lookup

        return lookup(name, kind=kind, ds=self)

    def dictionary(self) -> pl.DataFrame:
        """The data dictionary of this dataset's descriptor."""
        with schema.using(self.descriptor):
            return schema.dictionary()

    def to_parquet(self, out: str | Path) -> Path:
        """Write every table as Parquet plus the descriptor and texts; ``toolkit.open(out)`` reads it back.

        Written into a temporary folder first and moved into place, so a failed write leaves nothing.
        """
        import shutil
        import tempfile

        out = Path(out)
        if out.exists() and any(out.iterdir()) and not (out / "datapackage.json").is_file():
            raise FileExistsError(f"{out} exists and is not a toolkit Parquet folder; choose an empty or new folder")
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
        try:
            desc = json.loads(json.dumps(self.descriptor))
            desc["x-format"] = PARQUET_FORMAT
            for res in desc["resources"]:
                res["path"], res["format"] = f"{res['name']}.parquet", "parquet"
                res.pop("encoding", None)
                self._tables[res["name"]].write_parquet(tmp / res["path"])
            (tmp / "datapackage.json").write_text(json.dumps(desc, indent=1, ensure_ascii=False), encoding="utf-8")
            if self.texts:
                (tmp / TEXTS).mkdir()
                for sid, t in self.texts.items():
                    with (tmp / TEXTS / f"{sid}.txt").open("w", encoding="utf-8", newline="") as fh:
                        fh.write(t)
            if out.exists():
                shutil.rmtree(out)
            tmp.rename(out)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return out

    def __repr__(self) -> str:
        counts = ", ".join(f"{n} {df.height}" for n, df in self._tables.items())
        src = self.articles()["source_id"].to_list()
        shown = ", ".join(src[:5]) + (f", … ({len(src)} in all)" if len(src) > 5 else "")
        texts = f"{len(self.texts)} of {len(src)} texts found"
        return f"<Dataset {self.title!r}\n  articles: {shown or 'none'} ({texts})\n  rows: {counts}>"

    def _repr_html_(self) -> str:
        from html import escape

        rows = "".join(f"<tr><td>{escape(n)}</td><td style='text-align:right'>{df.height}</td></tr>"
                       for n, df in self._tables.items())
        return (f"<b>{escape(self.title)}</b><br><small>{escape(self.source_line)}</small>"
                f"<table><tr><th>table</th><th>rows</th></tr>{rows}</table>")


def describe_source(r: dict, short: bool = False) -> str:
    """'publisher, author, date' (short) or a full citation head for one sources row; the date in words for its
    precision ('26–31 March 2015', 'summer 2014', 'before 26 March 2015', 'on or after 1 May 2016'), 'n.d.' if none.

    >>> import datetime as dt
    >>> describe_source({"publisher": "Daily", "published_start": dt.date(2016, 1, 1),
    ...                  "published_end": dt.date(2016, 12, 31), "published_precision": "year"}, short=True)
    'Daily, 2016'
    """
    when = phrase(r.get("published_start"), r.get("published_end"), r.get("published_precision") or "day",
                  year_inferred=bool(r.get("year_inferred")), date_inferred=bool(r.get("date_inferred")))
    when = "n.d." if when == "date not stated" else when
    if short:
        return ", ".join(x for x in (r.get("publisher"), r.get("author"), when) if x)
    return ", ".join(x for x in (r.get("author"), f'"{r["title"]}"' if r.get("title") else None, r.get("publisher"), when)
                     if x)
