"""Who speaks in a sentence: the subject of a verb of saying ("said", "told", "according to"), a pronoun or a
description resolved to an actor. A part of :class:`toolkit.draft.claims.TextDraft` (which holds the text, the rows
and the registry)."""

from __future__ import annotations

import re

from toolkit.draft import names as _names

VERBS = (r"said|says|say|told|tells|claimed|claims|claim|estimated|estimates|reported|reports|added|adds|stated|states|"
         r"announced|announces|insisted|insists|warned|warns|noted|notes|confirmed|confirms|denied|denies|deny|"
         r"disputed|disputes|rejected|rejects|dismissed|alleged|alleges|wrote|writes|acknowledged|admitted|admits|"
         r"admit|explained|singled out|put it|believes|believe|estimate|quoted|cited|stressed|stresses|emphasi[sz]ed|"
         r"argued|argues|revealed|conceded|concedes|pointed out|recalled|asserted|asserts|maintained|maintains|countered|"
         r"complained|specified|clarified|announced|informed|boasted")
VERB = re.compile(rf"\b(?:has |have |had |also |later |initially |then )*(?P<verb>{VERBS})\b")
ACCORDING = re.compile(r"\b[Aa]ccording to (?P<who>[^,.;]{2,80})")


class SpeakerRows:
    """The speakers of a :class:`~toolkit.draft.claims.TextDraft`'s sentences."""

    def _subject(self, s, ents, lo: int, hi: int) -> tuple[str | None, str, float]:
        """The speaker in text[lo:hi] (the words before an attribution verb): (actor_id, how, confidence)."""
        full_lo, start = lo, lo
        q = max(self.text.rfind('"', lo, hi), self.text.rfind("”", lo, hi))
        if q >= 0:  # '"...," a local imam said': the speaker comes after the quotation
            start = q + 1
        clause = self.text[lo:hi]
        cut = max(clause.rfind(","), clause.rfind('"'), clause.rfind("”"), clause.rfind("--"))
        if cut >= 0 and clause[cut + 1:].strip():
            lo, clause = lo + cut + 1, clause[cut + 1:]
            start = max(start, lo)
        lead = re.sub(r"^(?:which|who|whom|that|and|but|while)\s+", "", clause.strip(), flags=re.I)
        m = re.match(r"(?:the)\s+(?P<np>.+?)\s*(?:has|have|had|also|later|initially)?\s*$", lead, re.I)  # "a ..." is someone new
        if m and m.group("np")[:1].isupper() and any(t == "actor" and lo <= a and b <= hi and self.text[a:b] == m.group("np")
                                                     for a, b, e, t in ents):
            m = None  # "The Interior Ministry said": the name found there, not the last body called a ministry
        if m:
            head = re.split(r"\s+(?:to|of|in|for|at|from)\s+", m.group("np"))[0].split()[-1]
            if head.casefold() in ("official", "spokesman", "spokeswoman", "spokesperson") and " " not in m.group("np").strip():
                # "the official added": the last person who spoke, or the last person named
                last = self.last_speaker if self.last_speaker and self.reg.actors[self.last_speaker].kind == "person" else None
                found = last or self.reg.last(lo, ("person",))
                if found:
                    return found, "description", 0.7
            found = self.reg.describe(head, lo)
            words = m.group("np").split()
            if found and len(words) > 1 and not self._fits(found, words[0]) and _names.describe(m.group("np")):
                found = None  # "the prosecutor's office": a body of its own, not the last office named
            if found:
                return found, "description", 0.75
        kin = re.match(r"(?P<np>[\w'’ -]+?['’]s\s+(?:[\w-]+\s+)?(?:family|relatives|parents|lawyers?|mother|father|wife|widow|"
                       r"brother|sister|son|daughter|neighbou?rs|friends))\s*(?:has|have|had|also|later)?\s*$", lead)
        desc = _names.describe(kin.group("np")) if kin else None
        if desc:  # "Sultanov's family said": the family speaks, not Sultanov
            return self.reg.add_actor(desc, kin.group("np"), lo + clause.index(kin.group("np")), hi), "unnamed", 0.6
        speakers = [(a, b, e, t) for a, b, e, t in ents if t == "actor" and self.reg.actors[e].kind != "population"]
        inside = [(a, b, e) for a, b, e, t in speakers if start <= a and b <= hi and not re.search(r"[\"”]", self.text[b:hi])]
        if not inside and start > full_lo and not re.match(r"(?:he|she|they|it)\b", lead, re.I) and not _names.describe(lead):
            # "X, the minister, on Thursday dismissed": the words after the last comma hold no speaker
            inside = [(a, b, e) for a, b, e, t in speakers if full_lo <= a and b <= hi and not re.search(r"[\"”]", self.text[b:hi])]
        if inside:  # the nearest name before the verb: "X, the head of Y, said" -> X; "Y's chief X told" -> X
            near = inside[-1]
            people = [x for x in inside if self.reg.actors[x[2]].kind == "person" and x[1] >= near[0] - 90]
            if people and not re.match(r"\s*$", self.text[near[1]:hi]) or people and self.reg.actors[near[2]].kind != "person" \
                    and re.search(r",\s*(?:the|a|an)\s", self.text[people[-1][1]:near[0]]):
                return people[-1][2], "name", 0.9
            return near[2], "name", 0.9
        if re.match(r"(?:he|she)\b", lead, re.I):
            who = self.last_speaker if self.last_speaker and self.reg.actors[self.last_speaker].kind == "person" else \
                self.reg.last(lo, ("person",))
            return who, "pronoun", 0.7
        if re.match(r"it\b", lead, re.I):
            return self.reg.last(lo, ("government_body", "armed_group", "media", "ngo", "research_organisation", "state")), "pronoun", 0.55
        if re.match(r"they\b", lead, re.I):
            return self.reg.last(lo, ("collective", "government_body", "armed_group", "population", "ngo")), "pronoun", 0.55
        desc = _names.describe(lead)
        if desc:
            return self.reg.add_actor(desc, lead, lo + clause.index(lead), hi), "unnamed", 0.6
        return None, "", 0.0

    def _fits(self, actor_id: str, word: str) -> bool:
        """Whether an actor's name or role holds the word ("prosecutor's" fits the Prosecutor's Office)."""
        a = self.reg.actors[actor_id]
        said = f"{a.name} {(a.row.get('role') if a.row else a.role) or ''}".casefold()
        return re.sub(r"['’]s$", "", word.casefold()) in said

    def _speakers(self, s, ents) -> list[tuple[str, str, float, re.Match | None]]:
        out = []
        for m in ACCORDING.finditer(s.text):
            a = s.start + m.start("who")
            who = next((e for x, y, e, t in ents if t == "actor" and a <= x < a + len(m.group("who"))), None)
            desc = None if who else _names.describe(m.group("who"))
            if desc:  # "according to the regional prosecutor's office"
                who = self.reg.add_actor(desc, m.group("who"), a, a + len(m.group("who")))
            the = None if who else re.fullmatch(r"the\s+(?:\w+['’]s\s+)?(?P<head>\w+)", m.group("who").strip())
            if the:  # "according to the channel", "according to the ministry's statement": the one named before
                who = self.reg.describe(the.group("head"), a) or (self.reg.describe(re.sub(r"['’]s$", "", m.group("who").split()[1]), a)
                                                                   if "'" in m.group("who") or "’" in m.group("who") else None)
            if who:
                out.append((who, "according to", 0.9, None))
        for m in VERB.finditer(s.text):
            who, how, conf = self._subject(s, ents, s.start, s.start + m.start())
            if who is None:  # "..., said Arsen Khamidov."
                after = [(a, e) for a, b, e, t in ents if t == "actor" and s.start + m.end() <= a <= s.start + m.end() + 6
                         and not re.search(r"\bthat\b", self.text[s.start + m.end():a])]  # "announced that X ...": X is told of
                if after:
                    who, how, conf = after[0][1], "name after verb", 0.85
            if who:
                out.append((who, how, conf, m))
        return out

    # ------------------------------------------------------------------ the pass
