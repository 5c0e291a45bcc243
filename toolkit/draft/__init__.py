"""Draft an extraction from a new text: rule-based, offline, every row marked for review.

>>> import toolkit.draft as d
>>> dr = d.draft_text("Raid in Gimry\\n\\nPolice detained at least 12 suspects in the village of Gimry on Friday, "
...                   "the region's police chief, Arsen Khamidov, said.", published="2016-05-13", known=[])
>>> e = dr.tables["estimates"][0]
>>> (e["value_low"], e["bound"], e["unit"], dr.actor(e["claimant_id"])["name"], e["quote"])
(12, 'lower', 'arrests', 'Arsen Khamidov', 'at least 12 suspects in the village of Gimry on Friday')
>>> [(v["kind"], v["sub_kind"], str(v["date_start"]), v["place_id"]) for v in dr.tables["events"]]
[('strategic_developments', 'arrest', '2016-05-13', 'gimry')]

The stages, one module each: :mod:`~toolkit.draft.text` (page parts, sentences), :mod:`~toolkit.draft.dates`, :mod:`~toolkit.draft.speakers`,
:mod:`~toolkit.draft.counts`, :mod:`~toolkit.draft.names`, :mod:`~toolkit.draft.places`,
:mod:`~toolkit.draft.claims` (counts, statements, estimates), :mod:`~toolkit.draft.certainty` (the text's hedges),
:mod:`~toolkit.draft.events`, :mod:`~toolkit.draft.folder` (the data
folder) and :mod:`~toolkit.draft.review` (the review page).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from toolkit.core.errors import InputError
from toolkit.draft import dates as _dates
from toolkit.draft.claims import TextDraft
from toolkit.draft.descriptor import descriptor
from toolkit.draft.entities import Registry
from toolkit.draft.known import load as load_known
from toolkit.draft.names import Actor
from toolkit.draft.places import slug
from toolkit.draft.text import Text

__all__ = ["Draft", "draft", "draft_text"]

FACTS = ("estimates", "statements", "events", "event_actors", "relations", "disputes")


@dataclass
class Draft:
    """A drafted extraction: rows per table (dicts), the folder's descriptor and the texts (source_id -> text)."""

    tables: dict[str, list[dict]]
    descriptor: dict
    texts: dict[str, str]

    def actor(self, actor_id: str) -> dict:
        return next(r for r in self.tables["actors"] if r["actor_id"] == actor_id)

    def write(self, out: str | Path) -> Path:
        """Write the data folder (atomically; see :func:`toolkit.draft.folder.write`)."""
        from toolkit.draft.folder import write
        return write(self, Path(out))

    def review_html(self) -> str:
        from toolkit.draft.review import page
        return page(self)

    def __repr__(self) -> str:
        counts = ", ".join(f"{k} {len(v)}" for k, v in self.tables.items() if v)
        return f"<Draft of {len(self.texts)} text(s): {counts}>"


def _published(value) -> tuple[dt.date, dt.date] | None:
    """(first, last) publication day from YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD (a text known to a range of days)."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value, value
    if isinstance(value, tuple):
        return value
    try:
        days = [dt.date.fromisoformat(p.strip()) for p in str(value).split("..")]
    except ValueError:
        days = []
    if len(days) not in (1, 2) or days[0] > days[-1]:
        raise InputError(f"--published {value!r} is not a date (use YYYY-MM-DD, or YYYY-MM-DD..YYYY-MM-DD for a range)")
    return days[0], days[-1]


def _source_id(name: str, taken: set[str]) -> str:
    base = name if re.fullmatch(r"[a-z0-9_]{1,60}", name) else slug(name)[:40] or "text"
    sid, n = base, 2
    while sid in taken:
        sid, n = f"{base}_{n}", n + 1
    return sid


def draft(texts: dict[str, str], known: list | None = None, published=None) -> Draft:
    """Draft one extraction from several texts (name -> text; the name becomes the source id).

    ``known``: data folders whose actors, places and aliases are reused (None: the shipped data);
    ``published``: the publication day of every text (else read from each text, else unknown)."""
    from toolkit.dataset import data_folder

    reg = Registry(load_known([data_folder()] if known is None else known))
    pub_all = _published(published)
    tables: dict[str, list[dict]] = {k: [] for k in ("sources", "segments", *FACTS)}
    out_texts: dict[str, str] = {}
    title_all = None
    for name, text in texts.items():
        sid = _source_id(name, set(out_texts))
        out_texts[sid] = text
        t = Text(text)
        found = _dates.published_in(text)
        pub = pub_all or ((found, found) if found else None)
        written_year = bool(re.search(r"\b(?:19|20)\d\d\b", text))
        title = t.title.text.strip() if t.title else next((p.text.strip()[:200] for p in t.paragraphs if p.text.strip()), name)
        title_all = title_all or title
        author_id = None
        if t.byline:
            author_id = reg.add_actor(Actor(slug(t.byline), t.byline, "person", role="Author of the text", confidence=0.8),
                                      t.byline, 0, 0)
            reg.mentions.pop()
        dl = t.dateline
        tables["sources"].append({
            "source_id": sid, "kind": "article", "title": title, "author": t.byline,
            "publisher": (dl or {}).get("agency"), "credit": None, "url": None,
            "published_start": pub and pub[0], "published_end": pub and pub[1],
            "published_precision": ("day" if pub[0] == pub[1] else "range") if pub else "unknown",
            "year_inferred": False, "date_inferred": False, "note": None,  # the folder's own text; a date read is written
            "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "draft": "publication date " + ("given with --published" if pub_all else "read from the text" if pub else "not found"),
            "confidence": 1.0 if pub_all else 0.7})
        tables["segments"] += [dict(r, draft="page parts from blank lines, repeats and a byline", confidence=0.8)
                               for r in t.segments(sid)]
        reg.mentions = []
        td = TextDraft(text, sid, pub, reg, author_id, written_year)
        hits = []
        if dl:
            from toolkit.draft import places as _places
            # a dateline is a locative: "in " lets the gazetteer take its city ("TBILISI, June 14")
            hits = _places.find("in " + text[dl["place_start"]:dl["place_end"]].title(), dl["place_start"] - 3, [])
            if hits:
                reg.add_place(hits[0][2], text[dl["place_start"]:dl["place_end"]], dl["place_start"], dl["place_end"])
        reg.set_country(text, hits[0][2] if hits else None)
        rows = td.run()
        prefix = f"{sid}:" if len(texts) > 1 else ""
        for table in FACTS:
            for r in rows[table]:
                r = dict(r)
                if prefix:
                    _qualify(r, table, prefix)
                why, conf = r.pop("why", None), r.pop("confidence", None)
                if table != "event_actors":
                    r["draft"], r["confidence"] = why, conf
                else:
                    r["draft"], r["confidence"] = "speaker of the event", 0.7
                tables[table].append(r)
    reg.close_affiliations()
    tables["actors"] = [dict(a.as_row(next(iter(out_texts))), draft="known actor" if a.row else f"new {a.kind}: name found in the text",
                             confidence=a.confidence) for a in reg.actors.values()]
    tables["places"] = [dict(p.as_row(), draft="known place" if p.row else p.note or "gazetteer", confidence=p.confidence)
                        for p in reg.places.values()]
    tables["places"] += [dict(p.as_row(), in_article=False, draft="parent of a place named in the text", confidence=p.confidence)
                         for pid, p in reg.context_places.items() if pid not in reg.places]
    tables["aliases"] = [dict(r, draft="spelling found in the text", confidence=0.8) for r in reg.aliases.values()]
    desc = descriptor(title_all or "Draft", slug(title_all or "draft").replace("_", "-")[:60])
    return Draft(tables, desc, out_texts)


def _qualify(r: dict, table: str, prefix: str) -> None:
    """Several texts in one folder: ids of fact rows get their source as prefix (est01 -> src:est01)."""
    keys = {"estimates": ("estimate_id", "statement_id", "same_claim_as", "subset_of"), "statements": ("statement_id", "event_id"),
            "events": ("event_id",), "event_actors": ("event_id",), "relations": ("relation_id",), "disputes": ("dispute_id",)}[table]
    for k in keys:
        if r.get(k):
            r[k] = prefix + r[k]
    if table == "disputes":
        r["claim_ids"] = [prefix + c for c in r["claim_ids"]]


def draft_text(text: str, name: str = "text", known: list | None = None, published=None) -> Draft:
    """:func:`draft` for one text."""
    return draft({name: text}, known=known, published=published)


def draft_files(paths: list[str | Path], known: list | None = None, published=None, source_id: str | None = None) -> Draft:
    """:func:`draft` for text files (UTF-8, LF line endings); each file's stem becomes its source id."""
    from toolkit.core import text as article

    texts = {}
    for p in map(Path, paths):
        if not p.is_file():
            raise FileNotFoundError(f"text {p} does not exist")
        try:
            body = article.read_text(p)
        except UnicodeDecodeError as e:
            raise InputError(f"{p} is not UTF-8 (byte {e.object[e.start]:#x} at offset {e.start}); save it as UTF-8") from None
        problem = article.form_problem(body)
        if problem:
            raise InputError(f"{p}: {problem}")
        if not body.strip():
            raise InputError(f"{p} is empty: nothing to draft")
        texts[source_id or (p.stem if p.stem not in texts else str(p))] = body
    return draft(texts, known=known, published=published)
