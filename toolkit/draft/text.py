"""Cut a text into what the drafter reads: paragraphs, page parts (title, lede, body, byline) and sentences.

Offsets are character offsets into the text exactly as stored (the toolkit's coordinate system), and
paragraphs are blank-line-separated blocks numbered from 1, as :func:`toolkit.core.text.paragraph_starts`
counts them.

>>> t = Text("Title here\\n\\nA man said it. He left.")
>>> [(s.paragraph, s.text) for s in t.sentences]
[(1, 'Title here'), (2, 'A man said it.'), (2, 'He left.')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

# words after which a full stop does not end a sentence
ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "gen", "lt", "col", "maj", "capt", "sgt", "st", "sen", "rep", "gov", "prof", "jr", "sr",
    "no", "vs", "etc", "jan", "feb", "mar", "apr", "aug", "sept", "sep", "oct", "nov", "dec", "u.s", "u.n", "d.c",
    "e.g", "i.e", "a.m", "p.m", "inc", "co", "corp", "ltd", "approx", "est",
}
_END = re.compile(r"[.!?]+[\"”’')\]]*(?=\s+[\"“‘(\[]?[A-Z0-9])")
_FURNITURE = re.compile(r"^(accessibility links|breaking news|skip to|share|print|related|latest posts|about this blog|menu|"
                        r"navigation|search|home|subscribe|sign in|log in|cookies|"
                        r"more from|see also|read more|advertisement|comments?)\b", re.I)
_BYLINE = re.compile(r"^(--|—|–|by\s)\s*[A-Z]")
_DATELINE = re.compile(r"^(?P<place>[A-Z][A-Z .'-]{2,40}?)(?:,\s*(?P<region>[A-Z][A-Za-z .'-]{1,30}?))?"
                       r"(?:\s*\((?P<agency>[A-Za-z/ -]{2,25})\))?\s*(?:,\s*(?P<date>[A-Z][a-z]{2,8}\.? \d{1,2}(?:, \d{4})?))?"
                       r"\s*(?:--|—|–|-)\s+")


@dataclass(frozen=True)
class Paragraph:
    number: int
    start: int
    end: int
    text: str
    kind: str = "body"  # furniture, title, lede, lede_duplicate, body, byline


@dataclass(frozen=True)
class Sentence:
    paragraph: int
    start: int
    end: int
    text: str
    kind: str  # the kind of its paragraph


def _sentence_spans(block: str) -> list[tuple[int, int]]:
    spans, at = [], 0
    for m in _END.finditer(block):
        word = re.search(r"([A-Za-z.]+)\.$", block[at:m.start() + 1])
        last = block[:m.start() + 1].rsplit(None, 1)[-1].rstrip(".").casefold() if block[:m.start() + 1].strip() else ""
        if word and (last in ABBREVIATIONS or re.fullmatch(r"(?:[a-z]\.)*[a-z]", last) and len(last) <= 3):
            continue  # "U.S." or "Gen." or an initial
        end = m.end()
        spans.append((at, end))
        at = end
        while at < len(block) and block[at].isspace():
            at += 1
    if block[at:].strip():
        spans.append((at, len(block.rstrip())))
    return spans


class Text:
    """A text as paragraphs and sentences, with the page's parts recognised (furniture, title, lede, byline)."""

    def __init__(self, text: str):
        self.text = text

    @cached_property
    def paragraphs(self) -> list[Paragraph]:
        """Blocks as parts: a block holding a line repeated word for word (a lede printed twice) is cut at its lines."""
        blocks, raw, pos = self.text.split("\n\n"), [], 0
        seen: set[str] = set()
        for i, block in enumerate(blocks, start=1):
            lines = block.split("\n")
            if len(lines) > 1 and any(ln.strip() and ln.strip() in seen or
                                      ln.strip() and [x.strip() for x in lines].count(ln.strip()) > 1 for ln in lines):
                at = pos
                for ln in lines:
                    raw.append((i, at, at + len(ln), ln))
                    at += len(ln) + 1
            else:
                raw.append((i, pos, pos + len(block), block))
            seen.update(x.strip() for x in lines if x.strip())
            pos += len(block) + 2
        kinds = self._kinds([b for *_, b in raw])
        return [Paragraph(i, s, e, b, k) for (i, s, e, b), k in zip(raw, kinds)]

    @staticmethod
    def _kinds(blocks: list[str]) -> list[str]:
        kinds = ["body"] * len(blocks)
        content = [i for i, b in enumerate(blocks) if b.strip()]
        first = None  # furniture: short unpunctuated blocks before the title and after the byline
        for i in content:
            b = blocks[i].strip()
            if _FURNITURE.match(b) and len(b) < 40:
                kinds[i] = "furniture"
                continue
            first = i
            break
        byline = next((i for i in content if _BYLINE.match(blocks[i].strip()) and len(blocks[i]) < 80), None)
        if byline is not None and first is not None and byline > first:
            kinds[byline] = "byline"
            for i in content:
                if i > byline:
                    kinds[i] = "furniture"
        if first is None:
            return kinds
        for i in [c for c in content if c >= first][:2]:  # a headline: short, one line, no full stop (after a note)
            title = blocks[i].strip()
            if "\n" not in title and len(title) < 200 and not title.endswith((".", ":")) and kinds[i] == "body":
                kinds[i] = "title"
                break
        for i in content:  # a block repeated word for word (a lede printed twice): the first is the lede
            if kinds[i] == "body" and any(kinds[j] in ("body", "lede") and blocks[j].strip() == blocks[i].strip()
                                          for j in content if j < i):
                kinds[i] = "lede_duplicate"
                j = next(j for j in content if blocks[j].strip() == blocks[i].strip())
                if all(kinds[k] in ("title", "furniture") for k in content if k < j):
                    kinds[j] = "lede"
        return kinds

    @cached_property
    def sentences(self) -> list[Sentence]:
        out = []
        for p in self.paragraphs:
            if p.kind in ("furniture", "lede_duplicate", "byline") or not p.text.strip():
                continue
            dl = self.dateline if p.kind in ("body", "lede") else None
            for line_start, line in _lines(p.text):
                for s, e in _sentence_spans(line):
                    if dl and p.start + line_start + s == dl["start"]:  # a sentence starts after its dateline
                        s = dl["end"] - p.start - line_start
                    if line[s:e].strip():
                        out.append(Sentence(p.number, p.start + line_start + s, p.start + line_start + e, line[s:e], p.kind))
        return out

    @property
    def title(self) -> Paragraph | None:
        return next((p for p in self.paragraphs if p.kind == "title"), None)

    @property
    def byline(self) -> str | None:
        p = next((p for p in self.paragraphs if p.kind == "byline"), None)
        if p is None:
            return None
        return re.sub(r"^(--|—|–|by\s)\s*", "", p.text.strip(), flags=re.I).strip() or None

    @cached_property
    def dateline(self) -> dict | None:
        """The dateline of the first body paragraph ("GROZNY, Russia (AP) --"): place, region, agency, date, span."""
        for p in [p for p in self.paragraphs if p.kind in ("body", "lede")][:3]:
            m = _DATELINE.match(p.text)
            if m and re.search(r"[A-Z]{3}", m.group("place")):
                break
        else:
            return None
        return {"place": m.group("place").strip().title(), "region": m.group("region"), "agency": m.group("agency"),
                "date": m.group("date"), "start": p.start, "end": p.start + m.end(), "paragraph": p.number,
                "place_start": p.start + m.start("place"), "place_end": p.start + m.end("place")}

    def segments(self, source_id: str) -> list[dict]:
        """The ``segments`` rows: runs of paragraphs of the same kind."""
        rows, run = [], []
        for p in self.paragraphs:
            if not p.text.strip():
                continue  # an empty block (a trailing blank line) is no part of the page
            if run and run[-1].kind != p.kind:
                rows.append(run)
                run = []
            run.append(p)
        if run:
            rows.append(run)
        out, seen = [], {}
        for run in rows:
            kind = run[0].kind
            seen[kind] = seen.get(kind, 0) + 1
            name = kind if seen[kind] == 1 else f"{kind}_{seen[kind]}"
            out.append({"source_id": source_id, "segment": name, "kind": kind, "paragraph_start": run[0].number,
                        "paragraph_end": run[-1].number, "char_start": run[0].start, "char_end": run[-1].end,
                        "counted": kind not in ("furniture", "lede_duplicate")})
        return out

    def paragraph_of(self, offset: int) -> int:
        for p in self.paragraphs:
            if p.start <= offset <= p.end:
                return p.number
        return self.paragraphs[-1].number


def _lines(block: str):
    """Single lines of a block (a title and a line break are separate sentences)."""
    at = 0
    for line in block.split("\n"):
        yield at, line
        at += len(line) + 1
