"""Resolve any name, spelling or abbreviation to its actor or place, forgivingly.

>>> lookup("Dagestan").entity_id == lookup("Daghestan").entity_id == "daghestan"
True
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from toolkit.tables import tables


def normalize(name: str) -> str:
    """Case-, accent-, dash- and spacing-insensitive form: ``'North Ossetia–Alania'`` → ``'north ossetia alania'``."""
    s = unicodedata.normalize("NFKD", str(name)).casefold()
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = re.sub(r"['’`]s\b", "", s)
    return " ".join(re.sub(r"[^\w]+", " ", s).split())


class UnknownName(LookupError):
    """No actor or place has this name; ``.suggestions`` holds the closest known names."""

    def __init__(self, name: str, suggestions: list[str]):
        self.name, self.suggestions = name, suggestions
        hint = f"; did you mean {' or '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        super().__init__(f"no actor or place called {name!r}{hint}")

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


def _index(data_dir) -> dict[str, list[tuple[str, str]]]:
    t = tables(data_dir)
    index: dict[str, list[tuple[str, str]]] = {}

    def add(name, kind, eid):
        key = normalize(name)
        if (kind, eid) not in index.setdefault(key, []):
            index[key].append((kind, eid))

    for kind, tab, key in (("actor", "actors", "actor_id"), ("place", "places", "place_id")):
        for r in t[tab].iter_rows(named=True):
            add(r["name"], kind, r[key])
            add(r[key], kind, r[key])
    for r in t["aliases"].iter_rows(named=True):
        add(r["alias"], str(r["entity_type"]), r["entity_id"])
    return index


def lookup(name: str, kind: str | None = None, data_dir: str | Path | None = None) -> Entity:
    """The actor or place a name refers to; ``kind='actor'`` or ``'place'`` narrows the search.

    >>> lookup("FSB").name
    'Federal Security Service (FSB)'
    >>> lookup("Daghestn")
    Traceback (most recent call last):
    ...
    toolkit.lookup.UnknownName: no actor or place called 'Daghestn'; did you mean 'Daghestan' or 'Daghestanis'?
    """
    index = _index(data_dir)
    hits = [h for h in index.get(normalize(name), []) if kind in (None, h[0])]
    if not hits:
        t = tables(data_dir)
        canonical = {(k, i): n for k, tab, key in (("actor", "actors", "actor_id"), ("place", "places", "place_id"))
                     for i, n in t[tab].select(key, "name").iter_rows()}
        close = difflib.get_close_matches(normalize(name), list(index), n=5, cutoff=0.75)
        suggestions = [canonical[h] for c in close for h in index[c] if kind in (None, h[0])]
        raise UnknownName(name, list(dict.fromkeys(suggestions))[:3])
    if len(hits) > 1:
        raise LookupError(f"{name!r} is ambiguous: " + ", ".join(f"{k} {i}" for k, i in hits) + "; pass kind='actor' or kind='place'")
    etype, eid = hits[0]
    t = tables(data_dir)
    tab, key = ("actors", "actor_id") if etype == "actor" else ("places", "place_id")
    record = t[tab].row(by_predicate=pl.col(key) == eid, named=True)
    return Entity(eid, etype, record["name"], record)
