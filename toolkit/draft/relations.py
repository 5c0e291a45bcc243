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

