"""Relation hints of one text, from roles and appositions: "the head of X, NAME" (heads), "IS leader NAME" (leads),
"the Kremlin's envoy to X" (envoy_to, envoy_of), "NAME, who heads X", "a spokeswoman for X" (affiliate_of),
"a native of Z" (comes_from), "X's affiliate, Y", "the X region of Y" (located_in), "the X group in Syria"
(active_in), "X had designated NAME" (designated). A part of :class:`toolkit.draft.claims.TextDraft`."""

from __future__ import annotations

import re

from toolkit.draft import names as _names

KIND_OF_PLACE = r"region|republic|province|district|governorate|gorge|valley"


class RelationRows:
    """The relation rows of a :class:`~toolkit.draft.claims.TextDraft` (which holds the text, the rows and the registry)."""

    def _apposition_relations(self, s, ents) -> None:
        self._natives(s, ents)
        actors = [(a, b, e) for a, b, e, t in ents if t == "actor"]
        places = [(a, b, e) for a, b, e, t in ents if t == "place"]
        kind = lambda e: self.reg.actors[e].kind  # noqa: E731
        for a, b, x in actors:  # "X's Syrian affiliate, the Chechen-led Y" / "Y, an affiliate of X"
            m = re.match(r"['’]s\s+(?:[\w-]+\s+)?affiliate,?\s+(?:the\s+|an?\s+)?(?:[\w-]+\s+)?", self.text[b:s.end])
            y, y_end = next(((e, d) for c, d, e in actors if m and c == b + m.end()), (None, 0))
            m2 = re.match(r",\s+(?:an?|the)\s+(?:[\w-]+\s+)?affiliate\s+of\s+(?:the\s+)?", self.text[b:s.end])
            x2 = next((e for c, d, e in actors if m2 and c == b + m2.end()), None)
            if y and y != x:
                self._pair(y, "affiliate_of", x, "actor", a, y_end, "'X's affiliate, Y'")
            if x2 and x2 != x:
                self._pair(x, "affiliate_of", x2, "actor", a, b + m2.end(), "'Y, an affiliate of X'")
            if kind(x) == "armed_group":  # "the Islamic State group in Syria and Iraq": where it is active
                m = re.match(r"(?:\s*\(\w+\))?\s+(?:group\s+|militants\s+|fighters\s+)?(?:is\s+active\s+)?in\s+(?:the\s+)?", self.text[b:s.end])
                at = b + m.end() if m else -1
                for c, d, p in places:
                    if c == at:
                        self._pair(x, "active_in", p, "place", a, d, "'the X group in Y'")
                        nxt = re.match(r"\s+and\s+(?:the\s+)?", self.text[d:s.end])
                        at = d + nxt.end() if nxt else -1
        for a, b, p in places:  # "the North Caucasus region of Russia"
            m = re.match(rf"\s+(?:{KIND_OF_PLACE})\s+of\s+(?:the\s+)?", self.text[b:s.end])
            q, q_end = next(((e, d) for c, d, e in places if m and c == b + m.end()), (None, 0))
            if q and q != p:
                self._pair(p, "located_in", q, "place", a, q_end, "'the X region of Y'", "place")
        for m in re.finditer(r"\bdesignated\s+(?:as\s+)?", s.text):  # "it had designated NAME"
            at = s.start + m.end()
            near = [e for c, d, e in actors if at <= c <= at + 60]  # "designated the X leader, NAME": the person
            obj = next((e for e in near if kind(e) == "person"), near[0] if near else None)
            subj = next((e for c, d, e in reversed(actors) if d <= s.start + m.start() and kind(e) in
                         ("government_body", "state", "armed_group", "ngo")), None)
            if obj and subj and obj != subj:
                self._pair(subj, "designated", obj, "actor", s.start + m.start(), at, "'X designated Y'")

    def _pair(self, subj, pred, obj, obj_type, a, b, why, subj_type="actor") -> None:
        if any((r["subject_id"], r["predicate"], r["object_id"]) == (subj, pred, obj) for r in self.rows["relations"]):
            return
        self.rows["relations"].append({
            "relation_id": self._id("relations", "rel"), "subject_id": subj, "subject_type": subj_type,
            "predicate": pred, "object_id": obj, "object_type": obj_type, "asserted_by": self.author,
            **self._loc(a, b), "note": None, "confidence": 0.5, "why": why})

    def _natives(self, s, ents) -> None:
        """"X, ... a native of Z": X comes_from Z (the nearest person named before, the place named right after)."""
        for m in re.finditer(r"\b(?:a|the)\s+native\s+of\s+(?:the\s+)?(?:(?:village|town|city)\s+of\s+)?", s.text):
            at = s.start + m.end()
            place = next((e for a, b, e, t in ents if t == "place" and a == at), None)
            person = next((e for a, b, e, t in reversed(ents) if t == "actor" and b <= s.start + m.start()
                           and self.reg.actors[e].kind == "person"), None)
            if place and person:
                self.rows["relations"].append({
                    "relation_id": self._id("relations", "rel"), "subject_id": person, "subject_type": "actor",
                    "predicate": "comes_from", "object_id": place, "object_type": "place", "asserted_by": self.author,
                    **self._loc(s.start + m.start(), max(b for a, b, e, t in ents if e == place)), "note": None,
                    "confidence": 0.6, "why": "'a native of'"})

    def _role_relation(self, act, role, s, name_end: int | None = None) -> None:
        """A relation hint from a role: "the head of X" -> heads X; "envoy to X" -> envoy_to X."""
        words, a, b = role
        pred = "envoy_to" if "envoy" in words else "heads" if re.search(r"\b(?:head|heads|chief|director|chairman|chairs|minister|governor|mayor)\b", words) \
            else "leads" if re.search(r"\b(?:leader|leads|commander|emir)\b", words) else "affiliate_of" if re.search(
                r"\b(?:spokes\w+|representative|member|official|officer|investigator)\s+(?:for|of|at|with)\b", words) else None
        if pred is None or any(r["subject_id"] == act.actor_id and r["predicate"] in (pred, "heads", "leads")
                               for r in self.rows["relations"]):
            return
        if not pred or re.search(r"\bdeputy\b|\bformer\b|\bassistant\b", words):
            return
        spans = self.reg.known_spans(self.text, s.start + a, s.start + b)
        poss = [(e, t) for x, y, e, t, _ in spans if re.match(r"['’]s\b", self.text[y:y + 2])]  # "Russia's", "the Kremlin's"
        own = [(e, t) for x, y, e, t, _ in spans if not re.match(r"['’]s\b", self.text[y:y + 2])]
        if pred == "envoy_to":  # "the Kremlin's envoy to X": envoy to X, and envoy of the Kremlin
            to = re.search(r"\benvoy\s+to\s+", words)
            own = [(e, t) for x, y, e, t, _ in spans if to and x >= s.start + a + to.end()]
            if poss and poss[-1][1] == "actor":
                self._relation(act, "envoy_of", poss[-1], s, a, b, name_end, words)
        obj = own[-1] if own else None  # "the head of Russia's Federal Security Service": the service, not Russia
        if obj is None and pred != "envoy_to":
            found = _names.find(words, s.start + a, [])
            if found:
                obj = (self.reg.add_actor(found[-1][2], self.text[found[-1][0]:found[-1][1]], found[-1][0], found[-1][1]), "actor")
        if obj is not None and pred == "leads" and obj[1] == "place":
            pred = "heads"  # the leader of a republic heads it; the leader of a group leads it
        if obj is None or pred == "affiliate_of" and obj[1] == "place" or pred == "heads" and obj[1] == "place" and not re.search(r"\b(?:head|leader|governor|mayor|president)\s+of\b", words):
            return
        self._relation(act, pred, obj, s, a, b, name_end, words)

    def _relation(self, act, pred, obj, s, a, b, name_end, words) -> None:
        self.rows["relations"].append({
            "relation_id": self._id("relations", "rel"), "subject_id": act.actor_id, "subject_type": "actor",
            "predicate": pred, "object_id": obj[0], "object_type": obj[1], "asserted_by": self.author,
            **self._loc(min(s.start + a, name_end or s.start + a), max(s.start + b, name_end or 0)), "note": None,
            "confidence": 0.6, "why": f"role '{words}'"})



LED = re.compile(r"\b(?:(?P<now>(?:has\s+been|have\s+been|is|had\s+been)\s+(?:the\s+)?(?:leader|commander|emir|head)\s+of|"
                 r"(?:has\s+)?led|leads|commands|(?P<heads>(?:has\s+)?headed|heads))|(?P<former>formerly\s+led|previously\s+led|used\s+to\s+lead|"
                 r"(?:was\s+)?(?:the\s+|a\s+)?former\s+(?:leader|commander|emir)\s+of))\s+", re.I)
_GROUP_END = re.compile(r"\s+(?:since|before|until|from|prior\s+to|according|in\s+(?:19|20)\d\d)\b|[,;.]|\s+(?:and|but|who|which)\s|$")


class LedRows:
    """ "NAME, who has been the leader of X since 2014" (leads, on_or_after 2014), "NAME formerly led X before 2015"
    (formerly_led, before 2015-01-01): dated leadership, with the group named or described ("a unit in Raqqa")."""

    def _leaders(self, s, ents, when) -> None:
        from toolkit.draft import dates as _dates
        from toolkit.draft.names import Actor

        for m in LED.finditer(s.text):
            later = []  # what the described group is (part_of, active_in): after the leadership, as the text tells it
            at = s.start + m.start()
            person = next((e for a, b, e, t in reversed(ents) if t == "actor" and b <= at and at - b < 120
                           and self.reg.actors[e].kind == "person"), None)
            if person is None or m.group("now") and re.match(r"(?:has\s+)?(?:led|headed)\b", m.group("now")) and \
                    not any(w.words.casefold().startswith("since") for w in when if w.char_start >= s.start + m.end()):
                continue  # "led" alone is a past act, not a leadership held: only with "since"
            start = s.start + m.end()
            end = s.start + _GROUP_END.search(s.text, m.end()).start()
            named = next((e for a, b, e, t in ents if t == "actor" and start <= a < end and e != person  # "the rights group X"
                          and self.reg.actors[e].kind not in ("person", "population")
                          and not re.search(r"\bof\b|['’]s\b", self.text[start:a])), None)
            if named is None:  # the group described: '"Vilayat Dagestan" group', 'a Chechen-speaking unit in Raqqa'
                words = re.sub(r"^(?:the|a|an)\s+", "", self.text[start:end].strip(), flags=re.I)
                quoted = re.match(r"[\"“](?P<q>[^\"”]{2,60})[\"”]\s+(?:group|unit|jamaat|network|cell|brigade|battalion)$", words)
                words = quoted.group("q") if quoted else words
                if m.group("heads") or not (2 < len(words) <= 70) or not re.search(
                        r"\b(?:group|unit|sector|jamaat|network|cell|brigade|battalion|faction|wing|branch|detachment|militia)\b",
                        words, re.I) and not quoted:
                    continue
                named = self.reg.add_actor(Actor(_names.slug(words), words[0].upper() + words[1:], "armed_group", confidence=0.5),
                                           words, start, end)
                whole = next((e for a, b, e, t in ents if t == "actor" and start < a and b <= end and e != named
                              and self.reg.actors[e].kind == "armed_group" and re.search(r"\bof\s+(?:the\s+)?$", self.text[start:a])), None)
                if whole:  # "the Gimry sector of the Caucasus Emirate"
                    later.append((named, "part_of", whole, "actor", start, end, "'a sector of X'"))
                place = next((e for a, b, e, t in ents if t == "place" and start <= a < end and
                              re.search(r"\bin\s+$", self.text[start:a])), None)
                if place:
                    later.append((named, "active_in", place, "place", start, end, "'a unit in Y'"))
            dated = next((w for w in when if start <= w.char_start <= end + 25 and w.known), None)
            if m.group("former"):
                period = _dates.When(None, dated.end, "before", dated.year_inferred, False) if dated and dated.precision == "before" \
                    else _dates.When(None, self.window[0], "before", not self.year_written, True) if self.pub else None
            elif dated and dated.words.casefold().startswith("since") or dated and dated.precision == "on_or_after":
                period = _dates.When(dated.start, None, "on_or_after", dated.year_inferred, False)
            else:
                period = None
            pred = "formerly_led" if m.group("former") else "heads" if m.group("heads") or "head" in m.group(0) else "leads"
            if any((r["subject_id"], r["predicate"], r["object_id"]) == (person, pred, named) for r in self.rows["relations"]):
                for args in later:
                    self._pair(*args)
                continue
            self.rows["relations"].append({
                "relation_id": self._id("relations", "rel"), "subject_id": person, "subject_type": "actor", "predicate": pred,
                "object_id": named, "object_type": "actor", "asserted_by": self.author,
                "period_start": period and period.start, "period_end": period and period.end,
                "period_precision": period and period.precision, "period_inferred": period.date_inferred if period else None,
                **self._loc(next((a for a, b, e, t in ents if e == person and at - b <= 2), at), max(end, dated.char_end if dated else 0)),
                "note": None, "confidence": 0.55,
                "why": f"'{m.group(0).strip()}'" + (f" dated by '{dated.words}'" if dated else "")})
            for args in later:
                self._pair(*args)
