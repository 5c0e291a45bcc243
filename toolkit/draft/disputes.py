"""Dispute hints of one text: a speaker who denies or disputes an account, and whose account that is ("a report by
X", "the minister's figure", else the last other speaker). A part of :class:`toolkit.draft.claims.TextDraft`."""

from __future__ import annotations

import re

DENY = re.compile(r"\b(?:denied|denies|deny|disputed|disputes|rejected|rejects|dismissed|refuted|contradicted|"
                  r"is not the case|was not true|is not true|are not true|false|(?:was|is|were|are) wrong|inflated|exaggerated)\b")


class DisputeRows:
    """The dispute rows of a :class:`~toolkit.draft.claims.TextDraft` (which holds the text, the rows and the registry)."""

    def _reported_by(self, s, lo: int, hi: int) -> str | None:
        """Whose account text[lo:hi] names: "a report by the Chernovik newspaper", "the minister's figure"."""
        words = self.text[lo:hi]
        by = re.search(r"\b(?:report|reports|article|claims?|account)\s+(?:by|in|from|of)\s+", words)
        if by:
            return next((e for a, b, e, t in self._ents if t == "actor" and lo + by.end() <= a < lo + by.end() + 25), None)
        poss = re.search(r"\b(?:the\s+)?(?P<head>[\w-]+)['’]s\s+(?:figures?|claims?|report|account|estimates?|count|numbers?|tally)\b", words)
        if poss:
            named = next((e for a, b, e, t in self._ents if t == "actor" and lo + poss.start() <= a < lo + poss.end()), None)
            return named or self.reg.describe(poss.group("head"), lo)
        return None

    def _official(self, actor_id: str) -> bool:
        """Whether an actor speaks for a state: a government body, a state, police or officials, or a person whose role
        or affiliation says so (not a lawyer, a relative, a rights group, an outlet or militants)."""
        a = self.reg.actors[actor_id]
        role = ((a.row.get("role") if a.row else a.role) or "") + " " + a.name
        if a.kind in ("government_body", "state"):
            return True
        if re.search(r"\b(?:lawyer|attorney|relative|family|mother|father|brother|sister|son|daughter|wife|widow|activist|"
                     r"rights|resident|villager|witness|journalist|expert|analyst|researcher|imam|elder)s?\b", role, re.I):
            return False
        aff = (a.row.get("affiliation_id") if a.row else a.affiliation_id)
        if aff and aff in self.reg.actors and self.reg.actors[aff].kind in ("government_body", "state"):
            return True
        return a.kind in ("person", "collective") and bool(re.search(
            r"\b(?:minister|ministry|official|officials|police|policemen|officer|prosecutor|investigator|governor|mayor|"
            r"spokes\w+|secretary|authorities|security|deputy|president|head of|chief|envoy|sources)\b", role, re.I))

    def _not_confirmed(self, s, event: dict) -> None:
        """ "The ministry did not confirm the death": a dispute between whoever told of the death and the ministry."""
        m = re.search(r"\b(?:did|does|has|have|would)\s+not\s+(?:immediately\s+)?(?:confirm|verify)\b", s.text)
        who = self._subject(s, self._ents, s.start, s.start + m.start())[0] if m else None
        teller = next((st for st in reversed(self.rows["statements"]) if st["char_start"] <= event["char_end"]
                       and event["char_start"] - st["char_end"] < 200 and st["speaker_id"] != who), None)
        if who is None or teller is None:
            return
        official = self._official(who), self._official(teller["speaker_id"])
        self.rows["disputes"].append({
            "dispute_id": self._id("disputes", "dp"), "topic": f"{self.reg.actors[who].name} did not confirm",
            "kind": "officials_vs_officials" if all(official) else "officials_vs_others",
            "claim_ids": [teller["statement_id"], event["event_id"]], "other_source_ids": None,
            "summary": f"{self.reg.actors[teller['speaker_id']].name} told it; {self.reg.actors[who].name} did not confirm it",
            **self._loc(s.start, s.start + m.end() + 12), "confidence": 0.45, "why": "'did not confirm'"})

    def _dispute(self, s, main, st_id) -> None:
        m = DENY.search(s.text)
        target = self._reported_by(s, s.start + m.end(), s.end)
        who, how, _ = self._subject(s, self._ents, s.start, s.start + m.start())
        if who and who != main[0]:
            main = (who, how, 0.6, None)
            st_id = next((st["statement_id"] for st in self.rows["statements"] if st["speaker_id"] == who
                          and st["paragraph"] == self.t.paragraph_of(s.start)), None) or self._statement(s, main, None)
        others = [st for st in self.rows["statements"] if st["speaker_id"] != main[0]]
        if target and target != main[0]:  # the account denied is named: its own statement, drafted if it has none
            others = [st for st in others if st["speaker_id"] == target] or others
            if not others or others[-1]["speaker_id"] != target:
                self._statement(s, (target, "the account denied", 0.5, None), None)
                others = [self.rows["statements"][-1]]
        claims = [st_id] + ([others[-1]["statement_id"]] if others else [])  # the denial, then the account it denies
        figures = [next((e for e in self.rows["estimates"] if e["statement_id"] == c), None) for c in claims]
        for e in figures[1:]:  # a firm figure someone disputes is a denied one ("that figure was wrong")
            if e is not None and e["certainty"] == "stated":
                e["certainty"] = "denied"
        if len(claims) == 2 and all(figures):  # "40 members were detained" against "only 15 arrests": the two figures
            claims = [e["estimate_id"] for e in figures]
        author = {main[0]} & {self.author}
        other_speaker = others[-1]["speaker_id"] if others else None
        kind = "officials_vs_author" if author or self.author and other_speaker == self.author else \
            "officials_vs_officials" if self._official(main[0]) and (other_speaker is None or self._official(other_speaker)) else \
            "officials_vs_others"  # a lawyer, relatives, an NGO or militants against officials
        m = DENY.search(s.text)
        self.rows["disputes"].append({
            "dispute_id": self._id("disputes", "dp"), "topic": f"{self.reg.actors[main[0]].name} {m.group(0)}",
            "kind": kind, "claim_ids": claims, "other_source_ids": None,
            "summary": f"{self.reg.actors[main[0]].name} {m.group(0)}" + (f" what {self.reg.actors[other_speaker].name} said" if other_speaker else ""),
            **self._loc(s.start + m.start(), min(s.end, s.start + m.end() + 60)),
            "confidence": 0.5, "why": f"'{m.group(0)}'"})
