"""How a text hedges what it reports: the schema's ``certainty`` of estimates, events, statements and relations.

One list, firmest first: stated, reported, claimed, alleged, likely, possible, unconfirmed, denied. When a sentence
holds several hedges, the weakest wins ("militants claimed ... which could not be confirmed": unconfirmed).

>>> of("Police sources said the men had allegedly planned an attack.")
'alleged'
>>> of("The website announced his death.", "announced", "Website run by the militants")
'claimed'
>>> of("Rebels said 5 soldiers died, a claim that could not be independently confirmed."), of("He was reportedly held.")
('unconfirmed', 'reported')
>>> back_reference("The deaths could not be independently confirmed.")  # of what the text told before
('killing', 'death_reported')
"""

from __future__ import annotations

import re

ORDER = ("stated", "reported", "claimed", "alleged", "likely", "possible", "unconfirmed", "denied")
UNCONFIRMED = re.compile(r"\b(?:could|can|has|have|had|was|were|is|are|did|does|do)\s*(?:not|n['’]t)\s+(?:be\s+|been\s+)?"
                         r"(?:independently\s+|immediately\s+)?(?:confirm(?:ed)?|verif(?:y|ied))\b|\bunconfirmed\b|"
                         r"\bwithout (?:independent )?confirmation\b")
HEDGES = [  # (pattern, certainty): the words a source hedges with
    (re.compile(r"\ballegedly\b|\balleged(?:ly)?\s+(?:that|to)\b|\b(?:police|security|unnamed|anonymous|intelligence|"
                r"investigative|law[- ]enforcement)\s+sources\b|\baccording to (?:\w+\s+){0,2}sources\b", re.I), "alleged"),
    (re.compile(r"\breportedly\b|\b(?:was|were|has been|have been|had been|is|are) reported\b"), "reported"),
    (re.compile(r"\b(?:could|may|might)\b(?!\s+not\b)|\b(?:possibly|perhaps)\b"), "possible"),
    (re.compile(r"\b(?:likely|probably|appears? to|apparently)\b"), "likely"),
    (re.compile(r"\bclaimed responsibility\b"), "claimed"),
]
# "The death could not be independently confirmed." / "The ministry did not confirm the death": of what was told before
BACK = re.compile(r"^(?:(?:the|this|that|these|those|his|her|their|its)\s+(?P<noun1>[\w-]+)(?:\s+[\w-]+)?\s+(?:could|can|has|have|"
                  r"had|was|were|is|are)\s*(?:not|n['’]t)\s+(?:be\s+|been\s+)?(?:independently\s+|immediately\s+)?"
                  r"(?:confirmed|verified))|^[^,;]{0,60}?\b(?:did|does|has|have|would|could)\s+not\s+(?:immediately\s+|independently\s+)?"
                  r"(?:confirm|verify)\s+(?:the|this|that|his|her|their|its)\s+(?P<noun2>[\w-]+)", re.I)
KINDS = {"death": ("killing", "death_reported"), "deaths": ("killing", "death_reported"), "killing": ("killing", "death_reported"),
         "killings": ("killing", "death_reported"), "arrest": ("arrest",), "arrests": ("arrest",), "detention": ("arrest",),
         "attack": ("attack", "armed_clash"), "clash": ("armed_clash",), "report": ("statement", "publication", "press_remarks"),
         "claim": ("statement", "publication", "press_remarks"), "claims": ("statement", "publication", "press_remarks"),
         "announcement": ("statement", "publication", "press_remarks")}


def back_reference(sentence: str) -> tuple[str, ...] | None:
    """The sub_kinds of the earlier events a sentence says are not confirmed (empty: the last event, whatever it is),
    or None when the sentence confirms or denies nothing told before."""
    m = BACK.search(sentence.strip())
    if not m:
        return None
    return KINDS.get((m.group("noun1") or m.group("noun2") or "").casefold(), ())
MILITANT = re.compile(r"\b(?:(?i:militants?|insurgents?|jihadists?|rebels?|islamic state|emirate|jamaat|underground)|IS|ISIS)\b")


def weakest(*values: str | None) -> str:
    got = [v for v in values if v in ORDER]
    return max(got, key=ORDER.index) if got else "stated"


def of(sentence: str, verb: str | None = None, speaker: str | None = None, speaker_kind: str | None = None) -> str:
    """The certainty a sentence gives what it reports (``speaker``: the name of who says it, if known)."""
    found = [c for rx, c in HEDGES if rx.search(sentence)]
    if UNCONFIRMED.search(sentence) and back_reference(sentence) is None:
        found.append("unconfirmed")
    if speaker_kind == "armed_group" or MILITANT.search(speaker or ""):
        found.append("claimed")  # a party's own announcement: "militants announced", "according to the group's channel"
    elif verb and verb.startswith("claim"):
        found.append("claimed")
    if speaker and re.search(r"\bsources\b", speaker, re.I):
        found.append("alleged")  # unnamed sources: an accusation no one signs
    return weakest(*found)
