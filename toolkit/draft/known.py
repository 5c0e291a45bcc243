"""What the coder already knows: actors, places and their aliases from earlier extractions (``--known``).

A name found in the new text that is an alias in a known folder gets that folder's id and row, so a
draft joins the corpus it is meant for (the same ``melikov``, the same ``daghestan``) instead of
inventing a second id for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.core.errors import InputError


@dataclass
class Known:
    actors: dict[str, dict] = field(default_factory=dict)   # actor_id -> row
    places: dict[str, dict] = field(default_factory=dict)   # place_id -> row
    aliases: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # surface -> (entity_id, entity_type, kind)
    by_iso: dict[str, str] = field(default_factory=dict)    # ISO 3166 code -> place_id
    folders: list[str] = field(default_factory=list)
    countries: dict[str, str] = field(default_factory=dict)  # actor_id -> ISO 3166-1 code of the country it belongs to

    def place_country(self, place_id: str | None) -> str | None:
        """The ISO 3166-1 code of a known place (its own code, else its parent's), or None."""
        seen = set()
        while place_id and place_id in self.places and place_id not in seen:
            seen.add(place_id)
            row = self.places[place_id]
            if row.get("iso_3166"):
                return row["iso_3166"][:2]
            place_id = row.get("parent_id")
        return None

    def pattern(self) -> re.Pattern | None:
        """Every alias, longest first, case-sensitive, on word boundaries."""
        if not self.aliases:
            return None
        alts = sorted(self.aliases, key=len, reverse=True)
        return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(a) for a in alts) + r")(?![\w-])")


def load(folders: list[str | Path] | None) -> Known:
    """Read the known folders (each validated by ``toolkit.open``); an empty list knows nothing."""
    import toolkit

    k = Known()
    from toolkit.core.problems import DataError

    for folder in folders or []:
        try:
            ds = toolkit.open(folder)
        except DataError as e:  # one line: which folder, its first problem, how to see them all
            problems = getattr(e, "problems", None) or [str(e).splitlines()[0]]
            more = f" (and {len(problems) - 1} more: `python -m toolkit validate {folder}`)" if len(problems) > 1 else ""
            raise InputError(f"--known {folder} is not a valid data folder: {problems[0]}{more}") from None
        k.folders.append(str(folder))
        for r in ds["actors"].iter_rows(named=True):
            k.actors.setdefault(r["actor_id"], r)
        for r in ds["places"].iter_rows(named=True):
            k.places.setdefault(r["place_id"], r)
            if r.get("iso_3166"):
                k.by_iso.setdefault(r["iso_3166"], r["place_id"])
        home = _home(k, ds)
        for r in ds["actors"].iter_rows(named=True):
            k.countries.setdefault(r["actor_id"], _named_country(k, r) or home)
        for r in ds["aliases"].iter_rows(named=True):
            k.aliases.setdefault(r["alias"], (r["entity_id"], r["entity_type"], r["kind"]))
        for r in ds["actors"].iter_rows(named=True):
            k.aliases.setdefault(r["name"], (r["actor_id"], "actor", "name"))
        for r in ds["places"].iter_rows(named=True):
            k.aliases.setdefault(r["name"], (r["place_id"], "place", "name"))
    for aid, r in k.actors.items():  # an affiliation's country is the actor's: the FSB is Russia's
        aff = r.get("affiliation_id")
        if aff and aff in k.actors and _named_country(k, k.actors[aff]) and not _named_country(k, r):
            k.countries[aid] = _named_country(k, k.actors[aff])
    # an alias is usable only when its entity's row is known
    k.aliases = {a: v for a, v in k.aliases.items() if (k.actors if v[1] == "actor" else k.places).get(v[0])}
    return k


def _named_country(k: Known, row: dict) -> str | None:
    """The country an actor's own name or role names ("Russian government", "Russia's main ... agency")."""
    return country_named(f"{row.get('name') or ''} {row.get('role') or ''}")


def country_named(words: str) -> str | None:
    """The ISO 3166-1 code of the first country named in ``words``, by name or adjective ("Georgia's", "Russian")."""
    from toolkit.draft.places import countries

    for m in re.finditer(r"\b[A-Z][a-z]+(?:\s[A-Z][a-z]+)?", words):
        w = re.sub(r"(?:n|ian|ese)$", "", m.group(0)) if m.group(0) not in countries() else m.group(0)
        for cand in (m.group(0), w, w + "a"):
            hit = countries().get(cand.casefold())
            if hit:
                return hit[0]
    return None


def _home(k: Known, ds) -> str | None:
    """The country most of a folder's places named in its texts lie in: the country of its generic bodies."""
    from collections import Counter

    got = Counter(k.place_country(r["place_id"]) for r in ds["places"].iter_rows(named=True) if r.get("in_article") is not False)
    got.pop(None, None)
    return got.most_common(1)[0][0] if got else None
