"""One text, sentence by sentence: who is named, who speaks, what is counted, what happened, who disputes whom.

:func:`draft_text` returns the fact rows of one text (estimates, statements, events, event_actors,
relations, disputes) and fills the :class:`~toolkit.draft.entities.Registry` with its actors, places
and aliases. Each row carries ``confidence`` (0-1: how sure the rule that made it is) and ``why``
(which rule, for the review page).
"""

from __future__ import annotations

import datetime as dt
import re

from toolkit.draft import certainty as _certainty
from toolkit.draft import dates as _dates
from toolkit.draft import known as _known
from toolkit.draft import names as _names
from toolkit.draft import counts as _counts
from toolkit.draft import places as _places
from toolkit.draft.entities import Registry
from toolkit.draft.disputes import DENY, DisputeRows
from toolkit.draft.events import EVENTS, EventRows
from toolkit.draft.relations import LedRows, RelationRows
from toolkit.draft.speakers import SpeakerRows
from toolkit.draft.text import Text

FIGHTER_NOUNS = r"fighters|militants|rebels|insurgents|jihadists|recruits|volunteers|mercenaries|gunmen|extremists"
PEOPLE_NOUNS = (r"people|persons|men|women|residents|civilians|villagers|students|youths|young people|citizens|nationals|"
                r"natives|members|suspects|detainees|relatives|children|officers|police officers|policemen|soldiers|"
                r"servicemen|victims|bodies|individuals|natives|locals|worshippers|Muslims|returnees|defendants|recruiters")
NOUN = re.compile(rf"^(?:[\"”]?\s*)(?:(?:of\s+(?P<of>them|those|these|whom|the\s+\w+))|(?:(?:[A-Za-z'’-]+\s+){{0,3}}?"
                  rf"(?P<noun>{FIGHTER_NOUNS}|{PEOPLE_NOUNS}|families|groups|cells|units|[A-Z][a-z]+(?:is|ns|ans|ese|ens|ks|rs)\b)))")
DEMONYMS = {"north caucasian": "north_caucasians", "chechen": "ethnic_chechens", "russian national": "russian_nationals",
            "russian citizen": "russian_nationals", "russian": "russian_nationals", "daghestani": "daghestanis",
            "dagestani": "daghestanis", "ingush": "ingush", "georgian": "georgians", "kist": "kists",
            "azerbaijani": "azerbaijanis", "kabardian": "kabardians", "balkar": "balkars", "ossetian": "ossetians",
            "avar": "avars", "central asian": "central_asians", "tajik": "tajiks", "uzbek": "uzbeks"}
TOPICS = [(r"\bkill|dead|died|death", "casualties"), (r"arrest|detain", "arrests"), (r"recruit", "recruitment"),
          (r"designat", "designation"), (r"return", "returnees"), (r"counter-?terror|operation", "counterterrorism"),
          (r"ideolog", "ideology"), (r"fight|militant|fighters", "fighter_count"), (r"vulnerab", "vulnerability"),
          (r"prevent", "prevention"), (r"intelligence", "intelligence_sharing"), (r"deni|deny|not true", "denial")]
MEDIA = ("media",)
JUDGEMENT = re.compile(r"\b(?:likely|appears? to|is not the case|it is not clear|noticeable|evidence|shift|"
                       r"there has been no sign|could pose)\b")


def _clause_end(s: str, at: int) -> int:
    """End of the clause from ``at``: the next comma, semicolon, dash or full stop (not inside a number)."""
    m = re.compile(r"(?<!\d),(?!\d)|;|\s--\s|\s—\s|\.(?=\s|$|\")|\((?=[a-z])|\s(?:and|but)\s+(?:that|said)\b").search(s, at)
    return m.start() if m else len(s.rstrip())


class TextDraft(SpeakerRows, EventRows, DisputeRows, RelationRows, LedRows):
    def __init__(self, text: str, source_id: str, published: dt.date | None, reg: Registry, author_id: str | None,
                 year_written: bool):
        # published: a day, or (first, last) when only a range of days is known
        self.window = published if isinstance(published, tuple) else (published, published) if published else None
        self.pub = self.window[1] if self.window else None
        self.t, self.text, self.sid, self.reg = Text(text), text, source_id, reg
        self.author = author_id
        self.year_written = year_written
        self.rows: dict[str, list[dict]] = {k: [] for k in ("estimates", "statements", "events", "event_actors",
                                                            "relations", "disputes")}
        self.last_speaker: str | None = None
        self.speech_dates: dict[str, _dates.When] = {}
        self.speech_events: dict[str, str] = {}
        self.last_day = _dates.UNKNOWN  # the last day the text named ("a day earlier" counts from it)

    # ------------------------------------------------------------------ ids and rows
    def _id(self, table: str, prefix: str) -> str:
        return f"{prefix}{len(self.rows[table]) + 1:02d}"

    def _loc(self, a: int, b: int) -> dict:
        b = min(b, a + 200)
        while 0 < b < len(self.text) and self.text[b - 1].isalnum() and self.text[b].isalnum():
            b += 1  # never cut a word
        words = list(re.finditer(r"\S+", self.text[a:b]))
        if len(words) > 24:  # the toolkit keeps quotes to a few words: at most 25
            b = a + words[23].end()
        quote = self.text[a:b].strip()
        a = a + (len(self.text[a:b]) - len(self.text[a:b].lstrip()))
        return {"source_id": self.sid, "paragraph": self.t.paragraph_of(a), "char_start": a, "char_end": a + len(quote),
                "quote": quote}

    # ------------------------------------------------------------------ entities
    def _entities(self, s) -> list[tuple[int, int, str, str]]:
        reg, out, taken = self.reg, [], []
        for a, b, eid, etype, surface in reg.known_spans(self.text, s.start, s.end):
            if etype == "actor":
                from toolkit.draft.names import Actor
                known = reg.known.actors.get(eid)
                act = reg.actors.get(eid) or (Actor(eid, known["name"], known["kind"], row=known, confidence=0.95) if known else None)
                if act is None:
                    continue
                said = re.search(r"([A-Z][a-z]+)(?:['’]s)?\s+$", self.text[s.start:a])  # "Russia's Interior Ministry"
                eid = reg.add_actor(act, surface, a, b, country=_known.country_named(said.group(1)) if said else None)
                # a generic body of another country than the text's (or the one named before it) gets its own id
                act = reg.actors[eid]
                if act.kind == "person" and " " in surface:  # "the leader of X, NAME": a relation hint
                    r = _names.role_of(s.text, a - s.start, b - s.start)
                    if r:
                        self._role_relation(act, r, s, b)
            else:
                known = reg.known.places.get(eid)
                plc = reg.places.get(eid) or (_places.Place(eid, known["name"], known["kind"], row=dict(known), confidence=0.95)
                                              if known else reg.context_places.get(eid))
                if plc is None:
                    continue
                reg.add_place(plc, surface, a, b)
            out.append((a, b, eid, etype))
            taken.append((a, b))
        for a, b, plc in _places.find(s.text, s.start, taken):
            out.append((a, b, self.reg.add_place(plc, self.text[a:b], a, b), "place"))
        for a, b, act in _names.find(s.text, s.start, taken, [(a, b) for a, b, e, t in out if t == "place"]):
            if act.kind == "person" and not act.role:
                r = _names.role_of(s.text, a - s.start, b - s.start) or _names.who_heads(s.text, b - s.start)
                if r:
                    act.role = r[0]
                    self._role_relation(act, r, s)
            out.append((a, b, self.reg.add_actor(act, self.text[a:b], a, b), "actor"))
            taken.append((a, b))
        self._apposition_relations(s, sorted(out))
        return sorted(out)

    # ------------------------------------------------------------------ speakers
    def run(self) -> dict[str, list[dict]]:
        self._prev = None  # the sentence before: what "The claim could not be confirmed" speaks of
        for s in self.t.sentences:
            n_events, n_relations = len(self.rows["events"]), len(self.rows["relations"])
            ents = self._ents = self._entities(s)
            speakers = self._speakers(s, ents)
            main = next(((w, h, c, m) for w, h, c, m in speakers if self.reg.actors[w].kind not in MEDIA), None)
            via = next((w for w, h, c, m in speakers if self.reg.actors[w].kind in MEDIA and (main is None or w != main[0])), None)
            if main is None and via:
                main, via = next(x for x in speakers if x[0] == via), None
            if main and main[3] is not None and via is None and main[3].group("verb") == "told":
                vend = s.start + main[3].end()  # "told Interfax", "told the Tbilisi newspaper Rezonansi"
                after = [e for a, b, e, t in ents if t == "actor" and vend <= a <= vend + 45 and re.fullmatch(
                    r"\s*(?:the\s+)?(?:[\w-]+\s+){0,2}?(?:(?:newspaper|news agency|agency|website|channel|television|radio)\s+)?", self.text[vend:a])]
                if after and self.reg.actors[after[0]].kind in MEDIA:
                    via = after[0]
            when = [_dates.anchor(w, self.last_day) if not w.known else w for w in _dates.find(s.text, self.window, s.start)]
            self.last_day = next((w for w in reversed(when) if w.known and w.precision == "day"), self.last_day)
            day_named = self.last_day
            speech_when = None
            if main and main[3] is not None:
                vend = s.start + main[3].end()
                # remarks are made on a day, not over "since 2012" nor "after May 3" (an act's or a role's dates)
                spoken = [w for w in when if w.precision not in ("after", "on_or_after") and not w.words.casefold().startswith("since")]
                speech_when = next((w for w in spoken if 0 <= w.char_start - vend <= 45 and not self.text[vend:w.char_start].count(" that ")
                                    and not any(re.search(rx, self.text[vend:w.char_start]) for rx, *_ in EVENTS)), None)
                # "said two men were arrested on Wednesday": the date is the arrests', not the remarks'
                speech_when = speech_when or next((w for w in spoken if 0 <= (s.start + main[3].start()) - w.char_end <= 12 and (
                    "," not in self.text[w.char_end:s.start + main[3].start()] or self.text[:w.char_start].rstrip().endswith(","))), None)
                # "X on Monday said", "X, on Monday, said"; not "X, whose son left in 2014, rejected"
                first = next((w for w in spoken if w.char_end <= s.start + main[3].start()), None)
                if speech_when is None and first is not None and not _counts.find(self.text[s.start:first.char_start]) \
                        and not any(re.search(rx, self.text[s.start:first.char_start]) for rx, *_ in EVENTS) \
                        and not any(re.search(rx, self.text[first.char_end:s.start + main[3].start()]) for rx, *_ in EVENTS):
                    # not "Police on Monday arrested a man, the ministry said": Monday is the arrest's
                    speech_when = first  # "In February, the head of the FSB told reporters ...": the remarks' date
                if speech_when and speech_when.known:
                    self.speech_dates.setdefault(main[0], speech_when)
            headline = s.kind == "title"
            st_id = self._statement(s, main, via) if main and not headline else None
            if st_id is None and not headline and self.author and JUDGEMENT.search(s.text):
                # the author's own judgement ("likely", "appears to", "this is not the case"): a statement of the author
                st_id = self._statement(s, (self.author, "the author's judgement", 0.5, None), None)
            if main:
                self.last_speaker = main[0]
            if not headline:
                self._events(s, ents, main, when, speech_when)
                if main and main[3] is not None and not any(e["char_start"] >= s.start and e["kind"] == "statement"
                                                            for e in self.rows["events"][-3:]):
                    self._remark_event(s, main, speech_when)
            self._estimates(s, ents, main, via, st_id, when, speech_when)
            if st_id and DENY.search(s.text) and not headline:
                self._dispute(s, main, st_id)
            if not headline:
                self._leaders(s, ents, when)
            self._hedge_rows(s, main, n_events, n_relations)
            self._prev = s
            # "A day later" counts from what the sentence before told: the day it named, else its speaker's dated remarks,
            # else its last event's date (undated remarks: on or before publication), else what came before
            told = [v for v in self.rows["events"][n_events:] if v["date_end"] and v["date_precision"] in ("day", "before")]
            spoke = self.speech_dates.get(main[0]) if main else None
            if not any(w is day_named for w in when):
                self.last_day = spoke if spoke and spoke.precision == "day" else _dates.When(
                    told[-1]["date_start"], told[-1]["date_end"], told[-1]["date_precision"], told[-1]["year_inferred"], True) \
                    if told else self.last_day
        self.publication(self.author)
        self._claim_dates()
        self._same_claims()
        return self.rows

    def _hedge_rows(self, s, main, n_events: int, n_relations: int) -> None:
        """Certainty of the sentence's events and relations; "The death could not be confirmed": of the death told before."""
        hedge = self._hedge(s, main)
        deny = main[3] if main and main[3] is not None and re.match(r"deni|deny|reject|dismiss|refut", main[3].group("verb")) else None
        for r in self.rows["events"][n_events:]:
            if deny and r["char_start"] >= s.start + deny.end() and r.get("kind") != "statement":
                r["certainty"] = "denied"  # "The ministry denied that police had detained the men"
            r.setdefault("certainty", hedge if r.get("sub_kind") != "publication" else "stated")
        for r in self.rows["relations"][n_relations:]:
            v = main[3] if main and main[3] is not None else None
            told = r["subject_type"] == "actor" and main is not None and main[0] not in (r["subject_id"], r["object_id"]) \
                and not str(r.get("why")).startswith("role") and (  # a role says who someone is: the author's
                v is None and main[1] == "according to" or v is not None and (
                    r["char_start"] >= s.start + v.end() or s.end - (s.start + v.end()) < 15 and r["char_end"] <= s.start + v.start()))
            # what the speaker tells ("..., the spokesman said"), not who the speaker is ("the head of X, NAME, said")
            if told:
                r["asserted_by"] = main[0]
            r.setdefault("certainty", hedge if told or main and main[3] is None else "stated")
        kinds = _certainty.back_reference(s.text)
        if kinds is not None:
            told = [v for v in self.rows["events"][:n_events] if s.start - v["char_end"] < 400 and (not kinds or v["sub_kind"] in kinds)]
            if kinds and "statement" in kinds and self._prev is not None:  # "The claim could not be confirmed": the
                told = [v for v in self.rows["events"][:n_events]   # sentence before, what it told and who told it
                        if v["char_start"] >= self._prev.start and v["kind"] != "statement"] or told
                for st in self.rows["statements"]:
                    if self._prev.start <= st["char_start"] < s.start:
                        st["certainty"] = "unconfirmed"
            if told:
                told[-1]["certainty"] = "unconfirmed"
                self._not_confirmed(s, told[-1])

    def _statement(self, s, main, via) -> str:
        who, how, conf, m = main
        at = s.start + (m.end() if m else 0)
        rest = self.text[at:s.end]
        that = re.match(r"\s*(?:in a statement\s+|in an interview\s+)?(?:reporters\s+(?:in\s+[A-Z][\w.,' ]+?\s+)?(?:on\s+\w+\s+\d*\s*)?)?(?:that\s+)?", rest)
        a = at + (that.end() if that else 0)
        quoted = re.match(r"\s*[\"“](?P<q>[^\"”]{3,})[\"”]", s.text)
        if quoted and m and quoted.end() <= m.start():  # '"...," a local imam told ...': the quotation is the statement
            a = s.start + quoted.start("q")
        elif s.end - a < 30 or (m and m.start() > len(s.text) * 0.6):  # "X denied the accusations." / "..., X said."
            a = s.start + self._body_start(s)
        topic = next((t for rx, t in TOPICS if re.search(rx, s.text, re.I)), "other")
        sid = self._id("statements", "st")
        loc = self._loc(a, min(quoted.end("q") + s.start if quoted and a == s.start + quoted.start("q") else s.end, a + 160))
        self.rows["statements"].append({
            "statement_id": sid, "speaker_id": who, "reported_via_id": via, "event_id": None, "event_inferred": False,
            "topic": topic, "summary": f"{self.reg.actors[who].name}: {loc['quote'][:100]}",
            "direct_quote": bool(re.search(r"[\"“”]", s.text)), "certainty": self._hedge(s, main), **loc,
            "confidence": round(conf * 0.9, 2), "why": f"speaker by {how}"})
        return sid

    def _body_start(self, s) -> int:
        """Offset in the sentence after a dateline ("GROZNY, Russia --")."""
        dl = self.t.dateline
        return dl["end"] - s.start if dl and s.start <= dl["start"] < s.end else 0

    def _when(self, w: _dates.When, prefix: str) -> dict:
        keys = {"date": ("date_start", "date_end", "date_precision"),
                "claim": ("claim_date_start", "claim_date_end", "claim_date_precision"),
                "period": ("period_start", "period_end", "period_precision")}[prefix]
        out = dict(zip(keys, (w.start, w.end, w.precision)))
        if prefix != "period":
            out["date_inferred"] = w.date_inferred
            out["year_inferred"] = w.year_inferred or (not self.year_written and w.known and not w.words)
        return out

    # ------------------------------------------------------------------ counts
    def _hedge(self, s, main) -> str:
        """The certainty the sentence gives what its speaker (``main``) says."""
        verb = main[3].group("verb") if main and main[3] is not None else None
        who = self.reg.actors.get(main[0]) if main else None
        return _certainty.of(s.text, verb, who.name if who else None, who.kind if who else None)

    def _estimates(self, s, ents, main, via, st_id, when, speech_when) -> None:
        hedge = self._hedge(s, main)
        for c in _counts.find(s.text):
            after = s.text[c.number_end:]
            nm = NOUN.match(after.lstrip(" \"”")) if after.strip() else None
            clause = s.text[c.start:_clause_end(s.text, c.number_end)]
            rest = s.text[c.start:max(_clause_end(s.text, c.number_end), c.number_end + 40)]  # its own clause
            if not re.search(r"\b(?:killed|died|dead|deaths|bodies|arrested|detained|arrests|wounded|injured)\b|\b(?:been|were|was) held\b", rest):
                rest = s.text[max(0, c.start - 60):c.start]  # "police detained 12 suspects"
            unit = "deaths" if re.search(r"\bkilled\b|\bdied\b|\bdead\b|\bdeaths\b|\bbodies\b", rest) else \
                "arrests" if re.search(r"\barrested\b|\bdetained\b|\bdetain\b|\barrests?\b|\b(?:been|were|was) held\b", rest) else \
                "injuries" if re.search(r"\bwounded\b|\binjured\b", rest) else None
            noun = (nm.group("noun") or "") if nm else ""
            elided = not nm and not unit and c.bound != "vague" and (re.match(
                r"\s+(?:had|have|has|were|are|was|is|returned|left|went|joined|remain|remained)\b", after) or re.search(
                r"\bnumber of\b[^.;]{0,60}\b(?:was|is|at|stood at|reached)\s+$", s.text[:c.start]))
            # "No more than 10 had returned" / "the real number ... was closer to 100": the people counted before
            if elided:  # "No more than 10 had returned": the people counted just before
                near = [e for e in reversed(self.rows["estimates"]) if s.start + c.start - e["char_end"] < 400]
                said = set(re.findall(r"[a-z]{4,}", s.text[:c.start])) - {"number", "real", "true", "those", "said", "that"}
                prev = next((e for e in near if said & set(re.findall(r"[a-z]{4,}", e["quote"]))), near[0] if near else None)
                unit = prev["unit"] if prev and prev["unit"] not in ("share", "groups") else "people"
            if not nm and not unit:
                continue
            if re.search(rf"\b(?:{_names._ROLE})s?\s+(?:for|of)\s+$", s.text[:c.start], re.I):
                continue  # "a lawyer for three of the men": who someone is, not a claim
            if re.search(r"\bthe\s+$", s.text[:c.start], re.I) and any(
                    c.best in (e["value_best"], e["value_low"], e["value_high"]) for e in self.rows["estimates"]):
                continue  # "the two men": the count made before, not a new claim
            if c.qualifier.casefold() in ("most", "half", "a third", "a quarter"):
                unit = "share"
            elif unit is None:
                unit = "groups" if re.match(r"groups|cells|units", noun) else "families" if noun == "families" else \
                    "fighters" if re.match(FIGHTER_NOUNS, noun) or re.search(r"\bfighting\b|\bto fight\b|\bjoin(?:ed)?\b", s.text, re.I) else "people"
            if c.bound == "vague" and c.qualifier.casefold() in ("some", "many") and not noun:
                continue
            np_words = s.text[c.number_end:_clause_end(s.text, c.number_end)].strip(" \"”")
            a = s.start + c.start
            b = s.start + min(len(s.text), c.start + max(len(clause), 40))
            pop = next((v for k, v in DEMONYMS.items() if re.search(rf"\b{k}s?\b", (noun + " " + np_words).casefold())), None)
            if pop is None and nm and nm.group("of"):
                pop = next((v for k, v in DEMONYMS.items() if re.search(rf"\b{k}s?\b", s.text[:c.start].casefold())), None)
            origin = next((e for x, y, e, t in ents if t == "place" and re.search(r"(?<!not )\bfrom\s+(?:the\s+)?$", self.text[max(s.start, x - 12):x])
                           and a <= x <= b + 60), None)
            theatres = [e for x, y, e, t in ents if t == "place" and x > a and re.search(r"\bin\s+(?:the\s+)?$|\band\s+$", self.text[max(s.start, x - 8):x])
                        and e != origin and self.reg.places.get(e) and self.reg.places[e].kind == "country"]
            if main and main[3] is not None and re.match(r"deni|deny|dismiss|reject|disput|refut", main[3].group("verb")) \
                    and s.start + main[3].end() <= a and not re.search(r"\bsaying\b|\bsaid\b|\binstead\b|;",
                                                                       self.text[s.start + main[3].end():a]):
                main_verb_end = main[3].end()
                main = None  # "X dismissed a report that nearly 200 ...": the number is what X denies, not X's claim
                denied = True
            else:
                denied = False
            source = self._reported_by(s, s.start + main_verb_end, a) if denied else None
            claimant, how, conf = (main[0], main[1], main[2]) if main else (source, "the denied report's source", 0.6) if source else \
                (None, "a denied report", 0.5) if denied else \
                (None, "alleged", 0.5) if re.search(r"\ballegedly\b|\breportedly\b", s.text) else (self.author, "the author" if self.author else "no attribution", 0.6)
            if main is None and claimant is None:  # "the naming this week of nine ...": a claim dated by its sentence
                speech_when = next((w for w in when if w.known and 0 <= a - w.char_end <= 20 and w is not speech_when
                                    and not w.words.casefold().startswith("since")), speech_when)
            elif main is None and self.pub:  # the author's own claim: made when the text was published
                speech_when = _dates.When(self.window[0], self.pub, "day" if self.window[0] == self.pub else "range", False, True)
            period = next((w for w in when if w is not speech_when and w.known and a <= w.char_start < b), None)
            subset = None
            if re.search(r"\b(?:of|among)\s+(?:them|those|these|the\s+\w+)\b", s.text[c.number_end:c.number_end + 20]) or \
                    re.search(r"\bincluding\s+$", s.text[:c.start]):
                big = [e for e in reversed(self.rows["estimates"])  # a whole counted before, of the same people
                       if (e["value_best"] or e["value_high"] or e["value_low"] or 0) >= (c.best or c.low or c.high or 0)
                       and (pop is None or e["population"] in (None, pop))]
                of = re.match(r"\s*(?:of|among)\s+the\s+(\w+)", s.text[c.number_end:])
                named = [e for e in big if of and re.search(rf"\b{re.escape(of.group(1))}\b", e["counted"])] if of else []
                near = [e for e in big if a - e["char_end"] < 300]  # "of them": the count just before
                subset = next((e["estimate_id"] for e in named or near), None)
            if unit == "share":
                subset = None  # a share is not a part of a head count (linked rows count the same kind)
            whole = next((e for e in self.rows["estimates"] if e["estimate_id"] == subset), None)
            if whole is not None and unit == "deaths" != whole["unit"]:
                subset = whole = None  # deaths are their own kind: "20 of them were killed" is no head count of fighters
            if whole is not None:  # a part counts what its whole counts
                unit, pop = whole["unit"], pop or whole["population"]
            conf_row = 0.9 if c.bound != "vague" else 0.7
            conf_row *= conf if claimant else 0.7
            self.rows["estimates"].append({
                "estimate_id": self._id("estimates", "est"), "claimant_id": claimant, "reported_via_id": via,
                "statement_id": st_id, "counted": (c.qualifier + " " + np_words)[:120].strip(), "unit": unit,
                "population": pop, "origin_place_id": origin, "origin_inferred": False if origin else None,
                "theatre_place_ids": theatres or None, "affiliation_id": None,
                "claim_place_id": None, "place_inferred": None,
                "value_low": c.low, "value_best": c.best, "value_high": c.high, "bound": c.bound,
                "qualifier": c.qualifier, "certainty": "denied" if denied else hedge,
                "_speech": speech_when, "_speaker": claimant,
                "period": period.words.strip() if period else "at the time of the claim",
                **(self._when(period, "period") if period else {}), "period_inferred": period is None,
                "same_claim_as": None, "subset_of": subset, **self._loc(a, b), "note": None,
                "confidence": round(conf_row, 2), "why": f"bound from '{c.qualifier}', claimant by {how}"})

    def _claim_dates(self) -> None:
        """A claim's date: the speech's own date, else the speaker's dated remarks elsewhere, else before publication."""
        for e in self.rows["estimates"]:
            w = e.pop("_speech") or self.speech_dates.get(e.pop("_speaker", None) or "")
            e.pop("_speaker", None)
            inferred = False
            if w is None or not w.known:
                w = _dates.When(None, self.window[0], "before", not self.year_written, True) if self.pub else _dates.UNKNOWN
                inferred = True
            elif w.char_start < e["char_start"] - 300 or w.char_start > e["char_end"] + 60:
                inferred = True
            e.update(self._when(w, "claim"))
            e["date_inferred"] = e["date_inferred"] or inferred
            if e["period_inferred"]:
                e.update(self._when(w, "period"))
            if e["period_start"] is None and e["period_precision"] not in ("before", "unknown"):
                e["period_precision"] = "unknown"

    def _same_claims(self) -> None:
        ests = self.rows["estimates"]
        kinds = {p.number: p.kind for p in self.t.paragraphs}
        key = lambda e: (e["value_low"], e["value_best"], e["value_high"], e["unit"])  # noqa: E731
        for e in ests:
            if e["bound"] == "vague":
                continue
            if kinds.get(e["paragraph"]) in ("title", "lede"):  # a headline restates a claim, often less hedged
                num = lambda o: {o["value_low"], o["value_best"], o["value_high"]} - {None}  # noqa: E731
                body = next((o for o in ests if o is not e and kinds.get(o["paragraph"]) == "body" and o["unit"] == e["unit"]
                             and num(o) & num(e)), None)
                if body:
                    e["same_claim_as"] = body["estimate_id"]
                    if e["claimant_id"] in (None, self.author):  # the headline's claim is the body's, dated as it is
                        e["claimant_id"] = body["claimant_id"]
                        e["why"] = f"headline restating {body['estimate_id']}: its claimant and dates"
                        for k in ("claim_date_start", "claim_date_end", "claim_date_precision", "date_inferred", "year_inferred",
                                  "period", "period_start", "period_end", "period_precision", "period_inferred"):
                            e[k] = body[k]
                continue
            first = next((o for o in ests if o is not e and kinds.get(o["paragraph"]) == "body" and key(o) == key(e)
                          and o["claimant_id"] == e["claimant_id"]), None)
            if first is not None and first["char_start"] < e["char_start"]:
                e["same_claim_as"] = first["estimate_id"]
