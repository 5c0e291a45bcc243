"""A data folder (or several, as one corpus) as a value: checked tables, their descriptor, texts, metadata.

``toolkit.open(path)`` (:mod:`toolkit.dataset.opening`) reads a folder and returns a :class:`Dataset`;
every view (charts, maps, geo, the report) takes one.

>>> import toolkit
>>> ds = toolkit.open()                       # the shipped dataset (or $TOOLKIT_DATA_DIR)
>>> ds["estimates"].filter(bound="upper")["value_high"].to_list()
[1700]
>>> ds.source_line.startswith("Source: ")   # from sources.credit, or publisher, author and date
True
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from toolkit.checks import Report, check_tables
from toolkit.core.descriptor import Descriptor, thaw
from toolkit.core.text import Texts
from toolkit.dataset import lookup
from toolkit.dataset.lookup import describe_source

SHIPPED = Path(__file__).resolve().parents[1] / "data"
TEXTS = "texts"  # texts/<source_id>.txt inside a data folder
PARQUET_FORMAT = "toolkit-parquet"


class Tables(Mapping):
    """Tables by name, each read when first asked for (a corpus reopened from Parquet reads only the tables a
    view needs); ``loaders`` maps a name to a function returning its frame.

    >>> t = Tables({"a": lambda: pl.DataFrame({"x": [1]})})
    >>> t.loaded("a"), t["a"].height, t.loaded("a")
    (False, 1, True)
    """

    def __init__(self, loaders: Mapping | None = None, frames: Mapping | None = None, order=()):
        self._names = list(dict.fromkeys([*order, *(frames or {}), *(loaders or {})]))
        self._frames, self._loaders = dict(frames or {}), {k: v for k, v in (loaders or {}).items() if k not in (frames or {})}

    def __getitem__(self, name: str) -> pl.DataFrame:
        if name not in self._frames:
            self._frames[name] = self._loaders.pop(name)()  # a KeyError for a name it does not hold
        return self._frames[name]

    def __iter__(self):
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name) -> bool:
        return name in self._frames or name in self._loaders

    def loaded(self, name: str) -> bool:
        return name in self._frames

    def __or__(self, other: Mapping) -> Tables:
        out = Tables({k: f for k, f in self._loaders.items() if k not in other}, {**self._frames, **other})
        out._names = list(dict.fromkeys([*self._names, *other]))
        return out


class Dataset:
    """Checked tables of one or more sources, their descriptor, texts and metadata.

    Tables come out as copies (``ds["estimates"]`` or ``ds.estimates``): changing one never
    changes the dataset. ``with_tables(...)`` returns a new dataset.
    """

    def __init__(self, tables: dict[str, pl.DataFrame], descriptor: Descriptor | Mapping, texts: dict[str, str] | None = None,
                 *, folders: tuple = (), text_paths: dict | None = None, notes: list | None = None):
        self._tables = tables if isinstance(tables, Tables) else dict(tables)
        self._descriptor = descriptor if isinstance(descriptor, Descriptor) else Descriptor(descriptor)
        self.texts = texts if isinstance(texts, Texts) else dict(texts or {})  # Texts: a corpus's, held in one frame
        self.folders = tuple(folders)
        self.text_paths = dict(text_paths or {})
        self.notes = list(notes or [])

    @property
    def descriptor(self) -> Descriptor:
        """The dataset's own declaration of its tables: immutable (``.to_dict()`` gives a copy to change)."""
        return self._descriptor

    # tables
    def __getitem__(self, name: str) -> pl.DataFrame:
        if name not in self._tables:
            self._descriptor.resource(name)  # the helpful KeyError
            raise KeyError(f"table {name!r} is declared but was not read")
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
        res = self._descriptor.resources()
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
        return Dataset(self._tables | tables, self._descriptor, self.texts, folders=self.folders,
                       text_paths=self.text_paths, notes=self.notes)

    def subset(self, source_ids) -> Dataset:
        """The facts of some sources as a dataset that still validates: other articles' sources, rows, texts and
        the entities only they name are left out (see :mod:`toolkit.dataset.subset`)."""
        from toolkit.dataset.subset import subset

        return subset(self, source_ids)

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
        return thaw(list(self._descriptor.get("licenses", ())))

    @property
    def view(self) -> dict:
        """The descriptor's ``x-view`` block (``extent`` of the maps, ``source_line``), empty when absent."""
        return thaw(self._descriptor.get("x-view") or {})

    def articles(self) -> pl.DataFrame:
        """The sources whose texts the facts point into (kind ``article``, or any source with a text of its own)."""
        from toolkit.core.text import own_text

        src = self._tables["sources"]
        return src.filter(own_text(src.columns))

    @property
    def noun(self) -> str:
        """'the article' or 'the 3 articles', for titles (a verb after it agrees: see :attr:`one_article`)."""
        n = self.articles().height
        return "the article" if n <= 1 else f"the {n} articles"  # no text of its own: its facts are still its article's

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
        problems = check_tables(self._descriptor, self._tables, self.texts)
        return Report(self.folders[0] if len(self.folders) == 1 else Path(", ".join(map(str, self.folders)) or "."),
                      problems, list(self.notes))

    def cite(self, record_id: str) -> str:
        """A citation for any fact row (estimate, event, statement, relation, dispute) by its id."""
        return lookup.cite(self, record_id)

    def lookup(self, name: str, kind: str | None = None) -> lookup.Entity:
        """The actor or place a name refers to (see :func:`toolkit.lookup`)."""
        return lookup.find(self, name, kind=kind)

    def dictionary(self) -> pl.DataFrame:
        """The data dictionary of this dataset's own descriptor; open vocabularies with the values in use."""
        return self._descriptor.dictionary(self._tables)

    def to_parquet(self, out: str | Path) -> Path:
        """Write every table as Parquet plus the descriptor (and the texts their licence lets be copied);
        ``toolkit.open(out)`` reads it back and checks it. See :mod:`toolkit.dataset.parquet`.

        Written beside ``out`` and moved into place when complete; ``out`` must be new, empty or an
        earlier export (never a data folder of this dataset, ``.`` or a parent of the working folder).
        """
        from toolkit.dataset import parquet

        return parquet.write(self, out)

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
