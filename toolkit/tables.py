"""One-call loaders for the article's tables, as validated polars DataFrames.

Every loader reads the CSV files beside this module (or ``data_dir=``, or the folder named by
``$TOOLKIT_DATA_DIR``), checks the whole folder against ``datapackage.json`` once, and fails with
every problem listed by file, row and column.

>>> import toolkit
>>> toolkit.load_estimates().filter(bound="upper")["value_high"].to_list()
[1700]
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

import polars as pl

from toolkit import schema
from toolkit.validate import DataError, check, read_text

SHIPPED = Path(str(files("toolkit") / "data"))
_cache: dict = {}


def data_folder(data_dir: str | Path | None = None) -> Path:
    """The folder to read: ``data_dir``, else ``$TOOLKIT_DATA_DIR``, else the shipped data."""
    chosen = data_dir or os.environ.get("TOOLKIT_DATA_DIR") or SHIPPED
    folder = Path(chosen).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"data folder {folder} does not exist"
                                + (" (set by TOOLKIT_DATA_DIR)" if not data_dir and os.environ.get("TOOLKIT_DATA_DIR") else ""))
    return folder


def _stamp(folder: Path) -> tuple:
    out = []
    for name in schema.table_names():
        p = folder / schema.resource(name)["path"]
        st = p.stat() if p.exists() else None
        out.append((name, st and st.st_mtime_ns, st and st.st_size))
    text = folder / "article.txt"
    return tuple(out) + ((text.exists() and text.stat().st_mtime_ns),)


def tables(data_dir: str | Path | None = None) -> dict[str, pl.DataFrame]:
    """All tables of a folder, checked once and cached until a file changes."""
    folder = data_folder(data_dir).resolve()
    stamp = _stamp(folder)
    hit = _cache.get(folder)
    if hit and hit[0] == stamp:
        return hit[1]
    own_text = folder / "article.txt"
    text, problems = read_text(own_text, folder) if own_text.is_file() else (None, [])
    loaded, more = check(folder, text)
    problems += more
    if problems:
        raise DataError(problems, folder)
    _cache[folder] = (stamp, loaded)
    return loaded


def load(name: str, data_dir: str | Path | None = None) -> pl.DataFrame:
    """Load one table by name (see :func:`list_tables`).

    >>> load("places").filter(place_id="daghestan")["iso_3166"].item()
    'RU-DA'
    """
    schema.resource(name)  # a helpful error for unknown names
    return tables(data_dir)[name]


def list_tables(data_dir: str | Path | None = None) -> pl.DataFrame:
    """Name, title, row count and description of every table."""
    loaded = tables(data_dir)
    return pl.DataFrame([{"table": n, "title": schema.resource(n)["title"], "rows": loaded[n].height,
                          "description": schema.resource(n)["description"]} for n in schema.table_names()])


def _loader(name: str):
    def loader(data_dir: str | Path | None = None) -> pl.DataFrame:
        return load(name, data_dir)

    loader.__name__ = loader.__qualname__ = f"load_{name}"
    loader.__doc__ = (f"Load the {name} table as a polars DataFrame.\n\n{schema.describe(name)}\n\n"
                      f"Example\n-------\n>>> import toolkit\n>>> toolkit.load_{name}().columns[:3]\n"
                      f"{[f['name'] for f in schema.fields(name)][:3]!r}\n")
    return loader


load_sources = _loader("sources")
load_segments = _loader("segments")
load_actors = _loader("actors")
load_places = _loader("places")
load_aliases = _loader("aliases")
load_estimates = _loader("estimates")
load_events = _loader("events")
load_event_actors = _loader("event_actors")
load_statements = _loader("statements")
load_relations = _loader("relations")
load_mentions = _loader("mentions")
load_disputes = _loader("disputes")


def cite(record_id: str, data_dir: str | Path | None = None) -> str:
    """A citation for any fact row (estimate, event, statement, relation, dispute) by its id.

    >>> print(cite("est05"))  # doctest: +ELLIPSIS
    Joanna Paraszczuk, "Kremlin Envoy: ...", ... paragraph 18, characters 3290-3376: "as many as 1,700 ..."
    """
    loaded = tables(data_dir)
    for name in schema.table_names():
        res = schema.resource(name)
        if not res.get("x-evidence"):
            continue
        df = loaded[name].filter(pl.col(schema.primary_key(name)[0]) == record_id)
        if df.height:
            r = df.row(0, named=True)
            s = loaded["sources"].filter(pl.col("source_id") == r["source_id"]).row(0, named=True)
            when = s["published_start"].strftime("%B %Y") if s["published_start"] else "n.d."
            if s["published_precision"] != "day" and s["published_start"]:
                when = f"{'late ' if s['published_start'].day > 20 else ''}{when}"
            head = ", ".join(x for x in (s["author"], f'"{s["title"]}"', s["publisher"], when) if x)
            if r["char_start"] is None:
                return head + (f", {s['url']}" if s["url"] else "")
            return (head + (f", {s['url']}" if s["url"] else "")
                    + f", paragraph {r['paragraph']}, characters {r['char_start']}-{r['char_end']}: \"{r['quote']}\"")
    raise KeyError(f"no fact with id {record_id!r} in estimates, events, statements, relations or disputes")
