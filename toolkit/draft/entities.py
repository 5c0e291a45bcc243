"""The drafted entities of one run: actors, places, aliases and mentions, with known ids reused.

Every name found in a text goes through :class:`Registry`, which gives it a known folder's id when one
of its aliases matches, keeps one row per entity, records the spelling as an alias and remembers the
order of mentions, so that "he", "the ministry" or "the envoy" can be resolved to the last fitting one.
"""

from __future__ import annotations

import re

from toolkit.draft import places as _places
from toolkit.draft.known import Known
from toolkit.draft.names import Actor
from toolkit.draft.places import Place, slug


_BODIES = ("government_body", "state")
GENERIC = {"agency": _BODIES + ("media",), "service": _BODIES, "ministry": _BODIES, "department": _BODIES,
           "committee": _BODIES, "office": _BODIES, "authoritie": _BODIES, "government": _BODIES,
           "group": ("armed_group",), "militant": ("armed_group",), "website": ("media",), "newspaper": ("media",),
           "channel": ("media",), "outlet": ("media",), "organisation": ("ngo", "research_organisation"),
           "organization": ("ngo", "research_organisation")}  # "the agency" -> the last body of these kinds
# words of a body's name that every country has: "Interior Ministry", "the police", "the prosecutor's office"
INSTITUTION_WORDS = {"interior", "internal", "affairs", "ministry", "police", "prosecutor", "prosecutors", "general", "office",
                     "state", "security", "service", "services", "investigative", "committee", "federal", "national",
                     "border", "guard", "government", "court", "supreme", "defence", "defense", "foreign", "justice",
                     "health", "emergencies", "army", "military", "armed", "forces", "department", "of", "the", "for",
                     "anti", "terrorism", "counter", "counterterrorism", "intelligence", "agency", "parliament", "president",
                     "presidential", "administration", "regional", "republic", "republican", "city", "district"}


def generic(name: str) -> bool:
    """Whether a body's name holds no proper name ("Interior Ministry", "the Prosecutor's Office")."""
    words = re.findall(r"[a-z]+", re.sub(r"['’]s\b", "", name.casefold()))
    return bool(words) and all(w in INSTITUTION_WORDS for w in words)


class Registry:
    def __init__(self, known: Known):
        self.known = known
        self.actors: dict[str, Actor] = {}
        self.places: dict[str, Place] = {}
        self.context_places: dict[str, Place] = {}   # parents added so every parent_id resolves
        self.aliases: dict[tuple[str, str], dict] = {}  # (alias, entity_type) -> row
        self.mentions: list[tuple[int, int, str, str]] = []  # (start, end, entity_id, entity_type) of the current text
        self.extra: dict[str, tuple[str, str]] = {}  # spellings learnt from the text: surname or abbreviation -> (id, type)
        self._known_rx = known.pattern()
        self._extra_rx = None
        self.country: str | None = None  # ISO 3166-1 code of the country the current text is about

    def set_country(self, text: str, dateline: Place | None = None) -> str | None:
        """The country of a text: its dateline's, else the one most of its places lie in (the lede's count thrice)."""
        from collections import Counter

        got: Counter = Counter()
        spans = self.known_spans(text, 0, len(text))
        for a, b, eid, etype, _ in spans:
            if etype == "place":
                got[self.known.place_country(eid)] += 3 if a < 400 else 1
        for a, b, p in _places.find(text, 0, [(a, b) for a, b, *_ in spans]):
            got[(p.iso_3166 or p.parent_iso or "")[:2] or None] += 3 if a < 400 else 1
        if dateline is not None:
            iso = (dateline.iso_3166 or dateline.parent_iso or "")[:2] or self.known.place_country(dateline.place_id)
            got[iso or None] += 100
        got.pop(None, None)
        self.country = got.most_common(1)[0][0] if got else None
        return self.country

    def _foreign(self, actor_id: str, surface: str, country: str | None = None) -> bool:
        """A known body with a generic name ("Interior Ministry") from another country than the text's (or than the one
        its words name: "Russia's Interior Ministry")."""
        row = self.known.actors[actor_id]
        theirs, ours = self.known.countries.get(actor_id), country or self.country
        return bool(ours and theirs and theirs != ours and row["kind"] in _BODIES + ("collective",)
                    and generic(surface) and generic(row["name"]))

    def _local(self, surface: str, kind: str, iso: str | None = None) -> Actor:
        """The text's own body named like a known one of another country: its id and name say whose it is."""
        name = re.sub(r"^the\s+", "", surface, flags=re.I)
        name = name[0].upper() + name[1:]
        aid, iso = slug(name), iso or self.country
        country = next((n for code, n in _places.countries().values() if code == iso), iso)
        if aid in self.known.actors:
            aid, name = f"{iso.lower()}_{aid}", f"{name} of {country}"
        return Actor(aid, name, kind, confidence=0.6)

    # ------------------------------------------------------------------ adding
    def _alias(self, surface: str, entity_id: str, entity_type: str, kind: str, note: str = "") -> None:
        key = (surface, entity_type)
        if key not in self.aliases:
            self.aliases[key] = {"alias": surface, "entity_id": entity_id, "entity_type": entity_type, "kind": kind,
                                 "note": note or None, "source_id": None}

    def add_actor(self, actor: Actor, surface: str, a: int, b: int, kind: str = "name", country: str | None = None) -> str:
        hit = self.known.aliases.get(actor.name) or self.known.aliases.get(surface)
        if hit and hit[1] == "actor" and self._foreign(hit[0], surface, country):
            actor, hit = self._local(surface, self.known.actors[hit[0]]["kind"], country), None
        if hit and hit[1] == "actor":
            actor = Actor(hit[0], self.known.actors[hit[0]]["name"], self.known.actors[hit[0]]["kind"],
                          row=self.known.actors[hit[0]], confidence=0.95)
        have = self.actors.get(actor.actor_id)
        if have is None:
            self.actors[actor.actor_id] = actor
        elif not have.row and not have.role and actor.role:
            have.role = actor.role
        aid = actor.actor_id
        self._alias(surface, aid, "actor", kind)
        if actor.kind == "person" and not actor.row and " " in actor.name:
            self._learn(actor.name.split()[-1], aid, "actor")
        if actor.abbreviation:
            self._alias(actor.abbreviation, aid, "actor", "abbreviation")
            self._learn(actor.abbreviation, aid, "actor")
        self.mentions.append((a, b, aid, "actor"))
        return aid

    def add_place(self, place: Place, surface: str, a: int, b: int, kind: str = "name") -> str:
        pid = self._place_id(place)
        self._alias(surface, pid, "place", kind)
        self.mentions.append((a, b, pid, "place"))
        return pid

    def _place_id(self, place: Place, context: bool = False) -> str:
        k = self.known
        hit = (k.by_iso.get(place.iso_3166) if place.iso_3166 else None) or \
            (k.aliases.get(place.name, (None, None))[0] if k.aliases.get(place.name, (None, "actor"))[1] == "place" else None)
        if hit:
            row = dict(k.places[hit])
            place = Place(hit, row["name"], row["kind"], row=row, confidence=0.95)
        elif place.parent_iso:
            place.parent_id = self._parent(place.parent_iso)
        target = self.context_places if context else self.places
        if place.place_id not in self.places:
            target.setdefault(place.place_id, place)
        if not context:
            self.context_places.pop(place.place_id, None)
        for pid in filter(None, [(place.row or {}).get("parent_id"), (place.row or {}).get("drawn_as")]):
            if pid not in self.places and pid in k.places:  # a known place's parent: its row, not named here
                self.context_places.setdefault(pid, Place(pid, k.places[pid]["name"], k.places[pid]["kind"],
                                                          row=dict(k.places[pid]), confidence=0.95))
                self._place_id(self.context_places[pid], context=True)
        return place.place_id

    def _parent(self, iso: str) -> str | None:
        if iso in self.known.by_iso:
            pid = self.known.by_iso[iso]
            if pid not in self.places:
                self._place_id(Place(pid, self.known.places[pid]["name"], "", iso_3166=iso), context=True)
            return pid
        if len(iso) == 2:
            name = next((n for iso2, n in _places.countries().values() if iso2 == iso), iso)
            p = Place(_places.slug(name), name, "country", iso_3166=iso, where_precision="country", confidence=0.8)
        else:
            name = next((n for iso2, n in _places.subjects().values() if iso2 == iso), iso)
            p = Place(_places.slug(name), name, "federal_subject", iso_3166=iso, parent_iso=iso[:2],
                      where_precision="admin-1", confidence=0.8)
        return self._place_id(p, context=True)

    def _learn(self, surface: str, entity_id: str, entity_type: str) -> None:
        if surface not in self.extra and surface not in self.known.aliases and len(surface) > 2:
            self.extra[surface] = (entity_id, entity_type)
            self._extra_rx = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(s) for s in sorted(self.extra, key=len, reverse=True)) + r")(?![\w-])")

    def close_affiliations(self) -> None:
        """Known actors' affiliations are added (as known rows) so every affiliation_id resolves."""
        todo = list(self.actors.values())
        while todo:
            a = todo.pop()
            aff = (a.row or {}).get("affiliation_id") if a.row else a.affiliation_id
            if aff and aff not in self.actors and aff in self.known.actors:
                r = self.known.actors[aff]
                self.actors[aff] = Actor(aff, r["name"], r["kind"], row=r, confidence=0.95,
                                         note="affiliation of an actor named in the text")
                todo.append(self.actors[aff])
            elif aff and aff not in self.actors and not a.row:
                a.affiliation_id = None

    # ------------------------------------------------------------------ finding
    def known_spans(self, text: str, lo: int, hi: int) -> list[tuple[int, int, str, str, str]]:
        """(start, end, entity_id, entity_type, surface) of known and learnt spellings in text[lo:hi], longest first."""
        out, taken = [], []
        for rx, table in ((self._known_rx, self.known.aliases), (self._extra_rx, self.extra)):
            if rx is None:
                continue
            for m in rx.finditer(text, lo, hi):
                if any(x < m.end() and m.start() < y for x, y in taken):
                    continue
                eid, etype = table[m.group(0)][:2]
                out.append((m.start(), m.end(), eid, etype, m.group(0)))
                taken.append((m.start(), m.end()))
        return sorted(out)

    # ------------------------------------------------------------------ resolving
    def last(self, before: int, kinds: tuple[str, ...] | None = None, exclude: set[str] = frozenset()) -> str | None:
        """The last actor mentioned before ``before`` whose kind is one of ``kinds``."""
        for a, b, eid, etype in reversed(self.mentions):
            if etype != "actor" or a >= before or eid in exclude:
                continue
            act = self.actors.get(eid)
            if act and (kinds is None or act.kind in kinds):
                return eid
        return None

    def describe(self, head: str, before: int) -> str | None:
        """The last actor whose name or role holds ``head`` ("ministry", "envoy", "police chief")."""
        head = head.casefold()
        rx = re.compile(rf"\b{re.escape(head)}s?\b")
        seen = []
        for a, b, eid, etype in reversed(self.mentions):
            if etype == "actor" and a < before and eid not in seen:
                seen.append(eid)
        seen += [e for e in self.actors if e not in seen]
        for eid in seen:
            act = self.actors[eid]
            role = (act.row.get("role") if act.row else act.role) or ""
            if rx.search(act.name.casefold()) or rx.search(role.casefold()):
                return eid
        kinds = GENERIC.get(head.rstrip("s"))
        return self.last(before, kinds) if kinds else None
