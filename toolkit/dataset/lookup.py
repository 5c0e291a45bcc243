"""Resolve any name, spelling or abbreviation to its actor or place, forgivingly.

>>> import toolkit
>>> ds = toolkit.open()
>>> find(ds, "Dagestan").entity_id == find(ds, "Daghestan").entity_id == "daghestan"
True
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import polars as pl

from toolkit.core.dates import phrase
from toolkit.core.errors import ToolkitError


def normalize(name: str) -> str:
    """Case-, accent-, dash- and spacing-insensitive form: ``'North Ossetia–Alania'`` → ``'north ossetia alania'``."""
    s = unicodedata.normalize("NFKD", str(name)).casefold()
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = re.sub(r"['’`]s\b", "", s)
    return " ".join(re.sub(r"[^\w]+", " ", s).split())


class UnknownName(ToolkitError, LookupError):
    """No actor or place has this name; ``.suggestions`` holds the closest known names."""

    def __init__(self, name: str, suggestions: list[str], kind: str | None = None, note: str = ""):
        self.name, self.suggestions = name, suggestions
        hint = f"; did you mean {' or '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        hint += f"; {note}" if note else ""
        super().__init__(f"no {kind or 'actor or place'} called {name!r}{hint}")

    def __str__(self) -> str:
        return self.args[0]


@dataclass(frozen=True)
class Entity:
    """A resolved actor or place: its id, type, canonical name and full record."""

    entity_id: str
    entity_type: str
    name: str
    record: dict = field(compare=False, repr=False)

    def _repr_html_(self) -> str:
        from html import escape

        rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in self.record.items())
        return f"<b>{escape(self.name)}</b> ({escape(self.entity_type)})<table>{rows}</table>"


def _index(ds) -> dict[str, list[tuple[str, str]]]:
    index: dict[str, list[tuple[str, str]]] = {}

    def add(name, kind, eid):
        key = normalize(name)
        if (kind, eid) not in index.setdefault(key, []):
            index[key].append((kind, eid))

    for kind, tab, key in (("actor", "actors", "actor_id"), ("place", "places", "place_id")):
        for r in ds[tab].select(key, "name").iter_rows():
            add(r[1], kind, r[0])
            add(r[0], kind, r[0])
    for r in ds["aliases"].select("alias", "entity_type", "entity_id").iter_rows():
        add(r[0], str(r[1]), r[2])
    return index


def find(ds, name: str, kind: str | None = None) -> Entity:
    """The actor or place of dataset ``ds`` that a name refers to; ``kind='actor'`` or ``'place'`` narrows the search.

    >>> import toolkit
    >>> find(toolkit.open(), "FSB").name
    'Federal Security Service (FSB)'
    >>> find(toolkit.open(), "Daghestn")
    Traceback (most recent call last):
    ...
    toolkit.UnknownName: no actor or place called 'Daghestn'; did you mean 'Daghestan' or 'Daghestanis'?
    >>> find(toolkit.open(), "Pyatigorsk", kind="actor")
    Traceback (most recent call last):
    ...
    toolkit.UnknownName: no actor called 'Pyatigorsk'; it is a place: pyatigorsk (pass kind='place')
    """
    index = _index(ds)
    found = index.get(normalize(name), [])
    hits = [h for h in found if kind in (None, h[0])]
    if not hits:
        if found:  # the name exists, as the other kind
            other = ", ".join(f"{i}" for _, i in found)
            raise UnknownName(name, [], kind=kind, note=f"it is a {found[0][0]}: {other} (pass kind={found[0][0]!r})")
        canonical = {(k, i): n for k, tab, key in (("actor", "actors", "actor_id"), ("place", "places", "place_id"))
                     for i, n in ds[tab].select(key, "name").iter_rows()}
        import difflib

        close = difflib.get_close_matches(normalize(name), list(index), n=5, cutoff=0.75)
        suggestions = [canonical[h] for c in close for h in index[c] if kind in (None, h[0]) and h in canonical]
        raise UnknownName(name, list(dict.fromkeys(suggestions))[:3], kind=kind)
    if len(hits) > 1:
        raise LookupError(f"{name!r} is ambiguous: " + ", ".join(f"{k} {i}" for k, i in hits) + "; pass kind='actor' or kind='place'")
    etype, eid = hits[0]
    tab, key = ("actors", "actor_id") if etype == "actor" else ("places", "place_id")
    record = ds[tab].row(by_predicate=pl.col(key) == eid, named=True)
    return Entity(eid, etype, record["name"], record)


def cite(ds, record_id: str) -> str:
    """A citation for any fact row of dataset ``ds`` by its id: the source (author, title, publisher, date,
    address) and, for a fact from a text, its paragraph, characters and quote."""
    desc = ds.descriptor
    names = [n for n in desc.table_names() if desc.resource(n).get("x-evidence") and n in ds]
    keys = {n: desc.primary_key(n)[0] for n in names}
    for name in names:
        df = ds[name].filter(pl.col(keys[name]) == record_id)
        if df.height:
            r = df.row(0, named=True)
            src = ds["sources"].filter(pl.col("source_id") == r["source_id"])
            if src.is_empty():
                return f"{record_id}: source {r['source_id']!r} is not in the sources table"
            s = src.row(0, named=True)
            head = describe_source(s) + (f", {s['url']}" if s["url"] else "")
            if r["char_start"] is None:
                return head
            return head + f", paragraph {r['paragraph']}, characters {r['char_start']}-{r['char_end']}: \"{r['quote']}\""
    qualified = [i for n in names for i in ds[n][keys[n]].to_list() if isinstance(i, str) and i.endswith(f":{record_id}")]
    hint = f"; in this corpus it is qualified by source: {', '.join(map(repr, qualified))}" if qualified else ""
    raise KeyError(f"no fact with id {record_id!r} in {', '.join(names)}{hint}")


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
