"""People and organisations: new names, their roles from appositions, unnamed speakers named by their
description, and the words that point back at them (pronouns, "the ministry").

>>> [(a.name, a.kind) for _, _, a in find("Police chief Arsen Khamidov told the Interior Ministry", 0, [])]
[('Arsen Khamidov', 'person'), ('Interior Ministry', 'government_body')]
>>> role_of("the region's police chief, Arsen Khamidov, said", 27, 41)
("the region's police chief", 0, 25)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ROLE_NOUNS = ("chief", "head", "leader", "spokesman", "spokeswoman", "spokesperson", "minister", "envoy", "commander",
              "director", "official", "prosecutor", "imam", "mufti", "mayor", "governor", "president", "deputy",
              "representative", "officer", "investigator", "lawyer", "activist", "researcher", "analyst", "expert",
              "journalist", "editor", "correspondent", "resident", "father", "mother", "brother", "sister", "son",
              "daughter", "relative", "uncle", "wife", "husband", "family", "widow", "emir", "founder", "member", "chairman", "secretary",
              "ombudsman", "judge", "general", "colonel", "source", "witness", "neighbour", "neighbor", "villager",
              "teacher", "elder", "cleric", "defender", "worker", "commissioner", "adviser", "advisor", "aide")
PLURAL_PEOPLE = ("relatives", "residents", "witnesses", "sources", "officials", "experts", "defenders", "activists",
                 "villagers", "neighbours", "neighbors", "parents", "families", "elders", "investigators", "lawyers",
                 "analysts", "researchers", "journalists", "officers", "authorities", "police", "people", "men", "women",
                 "friends", "teachers", "clerics", "prosecutors", "security services", "militants", "insurgents", "rebels")
ORG_WORDS = {"Ministry": "government_body", "Committee": "government_body", "Service": "government_body",
             "Council": "government_body", "Department": "government_body", "Directorate": "government_body",
             "Office": "government_body", "Court": "government_body", "Police": "government_body",
             "Guard": "government_body", "Administration": "government_body", "Government": "state",
             "Parliament": "government_body", "Duma": "government_body", "Prosecutor's": "government_body",
             "Army": "armed_group", "Brigade": "armed_group", "Battalion": "armed_group", "Emirate": "armed_group",
             "Front": "armed_group", "Jamaat": "armed_group", "Jaish": "armed_group", "Vilayat": "armed_group", "Mujahideen": "armed_group", "Group": "armed_group",
             "News": "media", "Agency": "media", "Radio": "media", "TV": "media", "Television": "media",
             "Times": "media", "Post": "media", "Gazette": "media", "Knot": "media", "Interfax": "media",
             "Memorial": "ngo", "Watch": "ngo", "Centre": "research_organisation", "Center": "research_organisation",
             "Institute": "research_organisation", "University": "research_organisation", "Foundation": "ngo",
             "Party": "collective", "Union": "collective"}
PROPER_ORGS = {"Memorial", "Interfax"}  # one word that is an organisation's own name, not a common noun ("Police")
TITLES = ("President", "Minister", "General", "Colonel", "Major", "Captain", "Lieutenant", "Sergeant", "Chief",
          "Deputy", "Governor", "Mayor", "Imam", "Mufti", "Sheikh", "Prosecutor", "Judge", "Commander", "Dr.", "Dr",
          "Mr.", "Mrs.", "Ms.", "Mr", "Mrs", "Ms", "Senator", "Ambassador", "Interior", "Foreign", "Defense", "Defence",
          "Security", "Emir", "Police")
NOT_NAMES = {"The", "A", "An", "In", "On", "At", "But", "And", "However", "Meanwhile", "According", "While", "After",
             "Before", "Following", "Last", "This", "That", "These", "Those", "He", "She", "They", "It", "We", "His",
             "Her", "Their", "Its", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
             "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December", "Earlier", "Later", "Yet", "Also", "Both", "Some", "Many", "Most", "Several",
             "Officials", "Relatives", "Residents", "Witnesses", "Speaking", "Asked", "Neither", "Nor", "Under", "Since", "When", "Where",
             "If", "As", "Of", "For", "To", "From", "By", "With", "Without", "Although", "Because", "Unlike", "Once",
             "Previously", "Another", "Other", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine",
             "Ten", "There", "Here", "Such", "All", "No", "Not", "Two", "Now", "Then", "Today", "Yesterday", "Still",
             "Even", "Only", "Just", "Among", "Over", "Up", "About", "Around", "Nearly", "Almost", "More", "Fewer",
             "Separately", "Additionally", "Moreover", "Furthermore", "Elsewhere", "Overall", "Nevertheless", "Instead",
             "Similarly", "Likewise", "Finally", "Initially", "Recently", "Currently", "Separate", "Independently"}
ADJECTIVES = {"Local", "Regional", "Federal", "Russian", "Islamic", "Islamist", "Muslim", "Christian", "Western", "Syrian",
              "Chechen", "Daghestani", "Dagestani", "Ingush", "Georgian", "Kremlin", "Police", "North", "South", "East",
              "West", "National", "State", "Republic", "Caucasus", "Caucasian", "American", "European", "Turkish"}
PRONOUNS = {"he": "person", "she": "person", "they": "group", "his": "person", "her": "person"}
_TOKEN = r"[A-Z][a-zà-ÿʼ'’]+(?:-[A-Za-zà-ÿ][a-zà-ÿʼ'’]*)*-?|[A-Z]{2,6}|al-[A-Z][a-z'-]+|Abu|bin|ibn"
_RUN = re.compile(rf"(?:{_TOKEN})(?:(?:\s+(?:of|for|and|on|the|al|de|von|van)\s+|\s+|-)(?:{_TOKEN}))*")
_ABBR = re.compile(r"\s*\((?P<abbr>[A-Z][A-Za-z]{1,7})\)")


@dataclass
class Actor:
    actor_id: str
    name: str
    kind: str
    role: str | None = None
    affiliation_id: str | None = None
    note: str = ""
    confidence: float = 0.6
    row: dict = field(default_factory=dict)  # a known folder's row
    abbreviation: str | None = None

    def as_row(self, source_id: str) -> dict:
        if self.row:  # a known actor: its note describes another text, not this one
            return dict(self.row, source_id=source_id, note=None)
        return {"actor_id": self.actor_id, "name": self.name, "kind": self.kind, "role": self.role,
                "affiliation_id": self.affiliation_id, "source_id": source_id, "note": self.note or None}


def slug(name: str) -> str:
    from toolkit.draft.places import slug as s
    return s(name)


def _org_kind(words: list[str]) -> str | None:
    for w in reversed(words):
        if w in ORG_WORDS:
            return ORG_WORDS[w]
    return None


def find(sentence: str, offset: int, taken: list[tuple[int, int]], places: list[tuple[int, int]] = ()) -> list[tuple[int, int, Actor]]:
    """New people and organisations named in a sentence (spans absolute; ``taken`` spans are skipped, a run that is
    exactly one of ``places`` is no actor)."""
    out = []
    runs = []
    for m in _RUN.finditer(sentence):  # a possessive ends a name: "Russia's Federal Security Service"
        a = m.start()
        for p in re.finditer(r"[’']s\b", m.group(0)):
            runs.append((a, m.start() + p.start()))
            a = m.start() + p.end()
            while a < m.end() and sentence[a].isspace():
                a += 1
        if a < m.end():
            runs.append((a, m.end()))
    for a, b in runs:
        words = sentence[a:b]
        toks = re.split(r"\s+", words)
        while toks and (toks[0] in NOT_NAMES or toks[0].lower() in ("of", "for", "and", "the")):
            a = sentence.index(toks[0], a) + len(toks[0])
            toks = toks[1:]
            while a < b and sentence[a].isspace():
                a += 1
        while toks and toks[-1].lower() in ("of", "for", "and", "on", "the", "al", "de", "von", "van"):
            toks = toks[:-1]
            b = a + len(" ".join(toks)) if toks else a
        if not toks:
            continue
        words = sentence[a:b]
        if any(x < offset + b and offset + a < y for x, y in taken):
            continue
        if any(a == x - offset and b == y - offset for x, y in places):
            continue  # "the Tbilisi newspaper Rezonansi": a place, not the outlet
        kind = _org_kind(toks)
        if re.search(r"\b(?:newspaper|news agency|agency|website|channel|broadcaster|radio station|weekly|daily)\s+$", sentence[:a]):
            kind = "media"  # "the Tbilisi newspaper Rezonansi": the name after the outlet's kind
        media = re.match(r"\s+(?:news\s+)?(?:website|news agency|agency|newspaper|channel|television|TV|radio|blog)\b|"
                         r",\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,2}?(?:website|news agency|newspaper|channel|outlet|blog|"
                         r"radio station|television station)\b", sentence[b:])
        if media and not media.group(0).startswith(",") and re.match(r"\s+[A-Z]", sentence[b + media.end():]):
            continue  # "the Tbilisi newspaper Rezonansi": the outlet is the name after its kind
        if media:
            kind = "media"  # "the Kavkaz Monitor website", "the Chernovik newspaper", "Kavkaz Monitor, a news website,"
        described = re.search(r"\b(?:(?:rights|advocacy|monitoring)\s+group|organi[sz]ation|watchdog|NGO|charity)\s+$", sentence[:a])
        if described and not kind:
            kind = "ngo"  # "the rights group Memorial"
        if kind and len(toks) < 2 and toks[0] not in PROPER_ORGS and not re.search(r"(?:newspaper|agency|website|channel)\s+$", sentence[:a]) and not (media and re.search(r"\bthe\s+$", sentence[:a]) or media and media.group(0).startswith(",")
                                           or described):
            continue  # "Police said": a common noun at the start of a sentence
        if kind:
            abbr = _ABBR.match(sentence, b)
            actor = Actor(slug(words), words, kind, confidence=0.55, abbreviation=abbr.group("abbr") if abbr else None)
            if abbr:
                actor.name = f"{words} ({abbr.group('abbr')})"
            out.append((offset + a, offset + b, actor))
            continue
        if any(t in ADJECTIVES for t in toks):
            continue  # "Russian Defense" is no one's name
        titles = [t for t in toks if t in TITLES]
        name_toks = [t for t in toks if t not in TITLES]
        if len(name_toks) < 2 or len(name_toks) > 4 or any(t.isupper() and len(t) > 1 for t in name_toks):
            continue
        if titles:
            a = a + words.index(name_toks[0])
        name = " ".join(name_toks)
        out.append((offset + a, offset + a + len(name), Actor(slug(name), name, "person", confidence=0.6,
                                                              role=" ".join(titles) or None)))
    return out


_ROLE = "|".join(ROLE_NOUNS)


def role_of(sentence: str, a: int, b: int) -> tuple[str, int, int] | None:
    """The apposition or title that gives the role of the name at ``a``..``b`` (offsets in ``sentence``):
    "the region's police chief, NAME", "NAME, the region's police chief," or "police chief NAME"."""
    before, after = sentence[:a], sentence[b:]
    m = re.search(rf"(?:^|[,;:(]\s*|\b(?:that|and|by|of|to|with|designated|named|appointed|replaced|met|killed)\s+)(?P<role>(?:the|a|an|[A-Z][\w-]+['’]s)\s+[^,;\"“]{{0,80}}?\b(?:{_ROLE})s?\b[^,;\"“]{{0,80}}?),\s*$", before)
    if m:
        role, start = m.group("role").strip(), m.start("role")
        for d in re.finditer(r"\b(?:the|a|an)\s", role[1:]):  # the last article that still holds the role noun
            if re.search(rf"\b(?:{_ROLE})s?\b", role[d.start() + 1:]):
                role, start = role[d.start() + 1:], start + d.start() + 1
            break
        return role, start, m.end("role")
    m = re.match(rf",\s*(?P<role>(?:the|a|an|who is the)\s+[^,;.\"“]{{0,90}}?\b(?:{_ROLE})s?\b[^,;.\"“]{{0,60}}?)(?=[,;.]|\s+(?:said|told|says|added|claimed))", after)
    if m:
        return m.group("role").strip(), b + m.start("role"), b + m.end("role")
    m = re.search(rf"(?P<role>(?<![\w'’-])(?:(?!(?:to|from|with|by|and|for|in|on|at|of|that)\s)[A-Za-z'’-]+\s+){{0,4}}?\b(?:{_ROLE})\b)\s+$", before)
    if m and not re.match(r"(?:the|a|an)\b", m.group("role"), re.I):
        role = re.sub(r"^(?:and|but|said|told|by|that|to|of|with|from)\s+", "", m.group("role").strip(), flags=re.I)
        return role, a - len(before) + before.rindex(role), m.end("role")
    return None


def who_heads(sentence: str, b: int) -> tuple[str, int, int] | None:
    """"NAME, who heads the rights group X": the clause as a role (offsets in ``sentence``), or None."""
    m = re.match(r",\s*who\s+(?P<role>(?:heads|leads|runs|chairs|founded)\s+[^,;.\"“]{3,90}?)(?=[,;.]|\s+(?:said|told|says))", sentence[b:])
    return (m.group("role"), b + m.start("role"), b + m.end("role")) if m else None


_SPEAKER = re.compile(rf"^(?P<np>(?:(?:the|a|an|some|two|three|several|many|local|other)\s+)?(?:[\w'’-]+\s+){{0,5}}?"
                      rf"(?:{_ROLE}|{'|'.join(PLURAL_PEOPLE)})s?(?:\s+(?:of|for|from|in|at)\s+(?:the\s+)?[\w'’ -]{{1,40}}?)?)\s*$", re.I)


BODY_HEADS = r"office|ministry|committee|service|department|police|authorities|court|administration|government"
_BODY = re.compile(rf"^(?:the\s+)?(?P<np>(?:[\w'’-]+\s+){{0,4}}?(?:{BODY_HEADS}))(?:\s+(?:of|for|in)\s+[\w'’ -]{{1,40}})?$", re.I)


_OUTLET = re.compile(r"^(?:the|a|an)\s+(?:[\w'’-]+\s+){0,3}?(?:website|site|channel|page|account|blog|forum|outlet)\s+"
                     r"(?:run\s+by|linked\s+to|close\s+to|affiliated\s+with|belonging\s+to|used\s+by|of)\s+(?:the\s+)?[\w'’ -]{2,40}$"
                     r"|^(?:the|a|an)\s+(?:[\w-]+\s+)?(?:militants?|insurgents?|jihadists?|rebels?)['’]?\s+(?:website|site|channel|blog)$", re.I)


def describe(np: str) -> Actor | None:
    """An unnamed speaker named by its description ("a local imam", "relatives of the men", "the regional
    prosecutor's office"), or None."""
    np = re.sub(r"^(?:according\s+to|separately|meanwhile|also)\s*,?\s+", "", np.strip().strip(","), flags=re.I)
    np = re.split(r"\s+(?:quoted|cited)\s+by\s+", np)[0]  # "police sources quoted by the agency": the sources speak
    outlet = _OUTLET.match(np)
    if outlet:  # "a website run by the militants", "a Telegram channel linked to the militants"
        text = re.sub(r"^(?:the|a|an)\s+", "", np, flags=re.I)
        return Actor(slug(text), text[0].upper() + text[1:], "media", role=np, confidence=0.5,
                     note="An unnamed outlet, named by the text's description")
    body = _BODY.match(np)
    if body and not re.match(r"(?:the\s+)?(?:office|ministry|committee|service|department|court|administration)$", np, re.I):
        text = re.sub(r"^the\s+", "", np, flags=re.I)
        return Actor(slug(text), text[0].upper() + text[1:], "government_body", role=np, confidence=0.5,
                     note="A body named by the text's description")
    m = _SPEAKER.match(np)
    if not m or len(np) > 80:
        return None
    text = re.sub(r"^(?:the|a|an|some)\s+", "", m.group("np"), flags=re.I)
    head = re.split(r"\s+(?:of|for|from|in|at)\s+", text)[0].split()[-1].lower()
    plural = head.endswith("s") and head not in ("witness",) or head in ("police", "people", "men", "women", "family")
    name = text[0].upper() + text[1:]
    return Actor(slug(re.sub(r"['’]s\b", "", text)), name, "collective" if plural else "person", role=np, confidence=0.5,
                 note="An unnamed speaker, named by the text's description")
