"""Events of one text: arrests, killings, reported deaths, clashes, designations, travel and remarks, with their dates
and places, and the text's own publication (on its byline). A part of :class:`toolkit.draft.claims.TextDraft`."""

from __future__ import annotations

import re

from toolkit.draft import dates as _dates

EVENTS = [  # (pattern, trigger, sub_kind): the trigger names what was found; kind_of() gives the schema's kind
    (r"\b(?:counter-?terrorism|special|security) operations?\b", "battles", "counterterrorism_operation"),
    (r"\b(?:were|was|been|being|are|is) (?:shot dead|killed)|\bkilled\b|\bshot dead\b", "killing", "killing"),
    (r"\b(?:died|found dead|deaths? of|bodies of)\b", "death_reported", "death_reported"),
    (r"\b(?:arrested|detained|detention|arrests?)\b", "arrest", "arrest"),
    (r"\b(?:designated|designation)\b", "strategic_developments", "designation"),
    (r"\b(?:went to|left for|travel(?:l)?ed to|returned (?:to|from|home)|left to (?:fight|join)|joined)\b", "strategic_developments", "travel"),
    (r"\b(?:attack(?:ed)?|bombing|explosion|blast|ambush(?:ed)?|stormed)\b", "attack", "attack"),
    (r"\b(?:clash(?:es|ed)?|gunfight|shootout|firefight)\b", "battles", "armed_clash"),
    (r"\btold (?:reporters|journalists|a news conference|a press conference)|\bat a (?:news|press) conference\b|\bin an interview\b", "statement", "press_remarks"),
    (r"\bissued a (?:notice|statement)\b", "statement", "notice"),
    (r"\bpledges? of allegiance\b|\bpledged allegiance\b", "strategic_developments", "pledge_of_allegiance"),
    (r"\bthe naming\b|\bnamed (?:as|the)\b", "statement", "naming"),
]
STATE = re.compile(r"\b(?:police(?:m[ae]n)?|officers?|soldiers?|troops|servicem[ae]n|forces|guards?)\b", re.I)
NON_STATE = re.compile(r"\b(?:militants?|insurgents?|fighters?|gunmen|rebels?|jihadists?)\b", re.I)
BOMBS = re.compile(r"\b(?:bomb(?:ing)?s?|explosions?|blasts?|explosive|shell(?:ing|ed)|rockets?|drones?|mortars?)\b", re.I)


def kind_of(trigger: str, sentence: str) -> str:
    """The schema's ``kind`` of an event found by ``trigger`` (ACLED's event types; the finer sort is ``sub_kind``).

    >>> kind_of("killing", "Two militants were killed by police"), kind_of("killing", "Gunmen killed a teacher")
    ('battles', 'violence_against_civilians')
    >>> kind_of("arrest", "Police detained 4 men"), kind_of("attack", "A bomb blast hit the market")
    ('strategic_developments', 'explosions_remote_violence')
    """
    if trigger == "arrest":
        return "strategic_developments"
    if trigger == "death_reported":
        return "other"  # a death reported without saying who caused it
    if trigger == "attack" and BOMBS.search(sentence):
        return "explosions_remote_violence"
    if trigger in ("killing", "attack"):  # battles when both sides are armed, violence against civilians otherwise
        return "battles" if STATE.search(sentence) and NON_STATE.search(sentence) else "violence_against_civilians"
    return trigger


NOT_YET = re.compile(r"\b(?:more|further|future|possible|likely|could|would|will|may)\s+(?:\w+\s+)?$")


class EventRows:
    """The event rows of a :class:`~toolkit.draft.claims.TextDraft` (which holds the text, the rows and the registry)."""

    def _events(self, s, ents, main, when, speech_when) -> list[str]:
        out, seen = [], set()
        for rx, kind, sub in EVENTS:
            m = re.search(rx, s.text)
            if not m or kind in seen or (kind == "killing" and "battles" in seen) or (kind == "death_reported" and seen & {"killing", "battles"}):
                continue
            if kind == "statement" and not main and sub == "press_remarks" or NOT_YET.search(s.text[:m.start()]):
                continue  # remarks need a speaker; "more operations" have not happened
            seen.add(kind)
            if kind == "killing" and not re.search(r"\bkilled by\b|\b(?:police|forces|troops|officers|soldiers|gunmen)\b[^.]{0,30}\bkilled\b", s.text):
                kind = sub = "death_reported"
            a = s.start + m.start()
            if kind == "statement":
                w = speech_when or next((x for x in when if x.char_start >= a), None) or _dates.UNKNOWN
                summary = f"{self.reg.actors[main[0]].name} speaks" if main and sub == "press_remarks" else \
                    f"{sub}: {s.text[m.start():m.start() + 80]}"
            else:
                w = next((x for x in when if x is not speech_when), None) or _dates.UNKNOWN
                if not w.known and speech_when is not None and speech_when.known and speech_when.start:
                    # "Police detained 7 men, X said on Monday": it happened on or before the remarks that report it
                    w = _dates.When(None, speech_when.end, "before", speech_when.year_inferred, True)
                if w.known and w.char_end <= s.start + m.start() and re.search(r"\bhad\s+(?:been\s+)?$", s.text[:m.start()]):
                    # "issued a notice on March 26 saying it had designated": the act came on or before that date
                    w = _dates.When(None, w.end, "before", w.year_inferred, True, w.char_start, w.char_end, w.words)
                summary = f"{kind.replace('_', ' ')}: {s.text[m.start():m.start() + 80]}"
                kind = kind_of(kind, s.text)
            located = [(abs(x - a), e) for x, y, e, t in ents if t == "place" and abs(x - a) < 90
                       and re.search(r"\b(?:in|near|at|outside|of)\s+(?:the\s+)?(?:village of\s+|town of\s+)?$",
                                     self.text[max(s.start, x - 20):x])
                       and not re.search(r"\bfrom\s+(?:the\s+)?(?:(?:village|town|city)\s+of\s+)?$", self.text[max(s.start, x - 30):x])]
            # "men from the village of X were killed in Y": X is where they came from, Y where it happened
            near = sorted(located) or [(x - a, e) for x, y, e, t in ents if t == "place" and x > a and x - a < 90]
            place = near[0][1] if near else None
            b = max([s.start + m.end()] + ([w.char_end] if w.known and w.char_end > a else []) +
                    ([y for x, y, e, t in ents if t == "place" and e == place] if place else []))
            eid = self._id("events", "ev")
            self.rows["events"].append({
                "event_id": eid, "kind": kind, "sub_kind": sub, "summary": summary[:120], **self._when(w, "date"),
                "place_id": place, "place_inferred": False, **self._loc(a, b), "note": None,
                "confidence": 0.7 if w.known else 0.5, "why": f"trigger '{m.group(0)}'"})
            actor = main[0] if main and kind == "statement" and sub == "press_remarks" else None
            if actor:
                self.rows["event_actors"].append({"event_id": eid, "actor_id": actor, "role": "initiator", "note": None})
                self.speech_events.setdefault(actor, eid)
                for st in self.rows["statements"]:
                    if st["speaker_id"] == actor and st["event_id"] is None and st["paragraph"] == self.t.paragraph_of(a):
                        st["event_id"] = eid
            out.append(eid)
        return out

    def _remark_event(self, s, main, speech_when) -> None:
        """A statement event for remarks that are dated, or that deny, admit or warn (acts in themselves)."""
        verb = main[3].group("verb")
        after = re.match(r"\s*(?:Following|After)\s+(?P<who>[A-Z][\w-]+)['’]s\s+(?:\w+\s+)?(?:admission|remarks|comments|statement|"
                         r"announcement|warning|claims?|denial|interview|speech)\b", s.text)
        earlier = None
        if after:  # "Following Bortnikov's admission, X warned": after that remark, before the text
            who = next((e for a, b, e, t in self._ents if t == "actor" and a == s.start + after.start("who")), None)
            earlier = self.speech_events.get(who) if who and who != main[0] else None
        elif re.search(r"\blater\b", self.text[s.start:s.start + main[3].end()]):  # "X later claimed": after X's earlier remarks
            earlier = self.speech_events.get(main[0])
        if not (speech_when and speech_when.known) and not re.match(r"deni|deny|admit|warn|insist", verb) and not earlier:
            return
        w = speech_when if speech_when and speech_when.known else \
            _dates.When(None, self.window[0], "before", not self.year_written, True) if self.pub else _dates.UNKNOWN
        before = next((v for v in self.rows["events"] if v["event_id"] == earlier), None)
        if before and before["date_start"] and self.pub and not (speech_when and speech_when.known):
            w = _dates.When(before["date_start"], self.window[0], "range", before["year_inferred"], True)
        a = s.start + main[3].start()
        b = max(s.start + main[3].end(), w.char_end if speech_when and speech_when.known and w.char_end > a else 0)
        eid = self._id("events", "ev")
        self.rows["events"].append({
            "event_id": eid, "kind": "statement", "sub_kind": "statement",
            "summary": f"{self.reg.actors[main[0]].name} {verb}", **self._when(w, "date"), "place_id": None,
            "place_inferred": False, **self._loc(a, b), "note": None, "confidence": 0.55, "why": f"remarks: '{verb}'"})
        self.rows["event_actors"].append({"event_id": eid, "actor_id": main[0], "role": "initiator", "note": None})
        if earlier:
            self.rows["relations"].append({
                "relation_id": self._id("relations", "rel"), "subject_id": eid, "subject_type": "event", "predicate": "follows",
                "object_id": earlier, "object_type": "event", "asserted_by": self.author,
                **self._loc(s.start + (after.start() if after else main[3].start()), s.start + (after.end() if after else main[3].end())),
                "note": None, "confidence": 0.5, "why": "'following X's remarks'" if after else "'later'"})
        self.speech_events.setdefault(main[0], eid)
        for st in self.rows["statements"]:
            if st["speaker_id"] == main[0] and st["event_id"] is None and s.start <= st["char_start"] < s.end:
                st["event_id"] = eid

    def publication(self, author: str | None) -> None:
        """The text's publication as an event, on its byline."""
        by = next((p for p in self.t.paragraphs if p.kind == "byline"), None)
        if by is None or author is None:
            return
        w = _dates.When(self.window[0], self.pub, "day" if self.window[0] == self.pub else "range", False, False) \
            if self.pub else _dates.UNKNOWN
        eid = self._id("events", "ev")
        name = self.text[by.start:by.end].strip().lstrip("-—– ").strip()
        a = by.start + self.text[by.start:by.end].index(name)
        self.rows["events"].append({
            "event_id": eid, "kind": "statement", "sub_kind": "publication", "summary": "The text is published",
            **self._when(w, "date"), "place_id": None, "place_inferred": False, **self._loc(a, a + len(name)), "note": None,
            "confidence": 0.8, "why": "the byline"})
        self.rows["event_actors"].append({"event_id": eid, "actor_id": author, "role": "initiator", "note": None})

