"""Numbers that count something, with the hedge that bounds them.

:func:`find` returns every count in a sentence as a :class:`Count`: the value(s), the bound in the
toolkit's vocabulary and the words that gave it. Years, dates, ages, times, ordinals, money, law
articles and comparisons without a number ("twice as many") are never counts.

>>> [(c.low, c.best, c.high, c.bound, c.qualifier) for c in find("At least 70 fighters and up to 1,200 people")]
[(70, None, None, 'lower', 'At least'), (None, None, 1200, 'upper', 'up to')]
>>> [(c.low, c.high, c.bound) for c in find("between 20 and 30 men")]
[(20, 30, 'approximate')]
>>> [c.bound for c in find("a few hundred militants")]
['vague']
>>> find("In 2014 the 23-year-old left at 10 a.m.")
[]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
         "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
         "seventeen": 17, "eighteen": 18, "nineteen": 19}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
VAGUE = ["a few hundred", "several hundred", "a few thousand", "several thousand", "hundreds of", "thousands of",
         "dozens of", "scores of", "tens of", "hundreds", "thousands", "dozens", "scores", "several", "a few",
         "a number of", "a handful of", "many", "numerous", "most", "half", "a third", "a quarter", "some"]
LOWER = ["at least", "more than", "upward of", "upwards of", "in excess of", "no fewer than", "no less than",
         "not less than", "over", "above", "exceeding", "more than", "just over", "well over", "a minimum of"]
UPPER = ["up to", "no more than", "not more than", "as many as", "at most", "fewer than", "less than", "under",
         "a maximum of", "just under", "nearly as many as"]
APPROX = ["about", "around", "almost", "approximately", "nearly", "roughly", "some", "an estimated", "estimated",
          "close to", "closer to", "or so", "approx."]

_word = "|".join(sorted([*UNITS, *TENS], key=len, reverse=True))
_WORDNUM = rf"(?:(?:a|one|{_word})(?:[- ](?:{_word}))?(?: (?:hundred|thousand|million)(?: (?:and )?(?:{_word})(?:[- ](?:{_word}))?)?)*)"
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?: (?:thousand|million))?"
NUMBER = re.compile(rf"(?<![\w$€£.-])(?P<num>{_DIGITS}|{_WORDNUM})(?![\w%$-]|\.\d|:\d)", re.I)
_HEDGE = re.compile(r"(?P<h>" + "|".join(re.escape(h) for h in sorted({*LOWER, *UPPER, *APPROX} - {"or so"}, key=len, reverse=True))
                    + r")\s+(?:the\s+)?[\"“]?$", re.I)
_VAGUE = re.compile(r"(?<![\w-])(?P<v>" + "|".join(re.escape(v) for v in VAGUE) + r")(?![\w-])", re.I)
_RANGE = re.compile(rf"(?:(?P<pre>between|from)\s+)?(?P<a>{_DIGITS}|{_WORDNUM})\s*(?:-|–|to|and)\s*(?P<b>{_DIGITS}|{_WORDNUM})(?![\w%-])", re.I)
# what a number next to these words is not: a year, a date, an age, a time, money, a law, a rank
_NOT_BEFORE = re.compile(r"^(?:\s*(?:-|\s)?(?:year|years old|yr|a\.m\.|p\.m\.|am\b|pm\b|o'clock|percent|per cent|%|km|kilomet|miles?|metres?|"
                         r"meters?|kg|hours?|minutes?|seconds?|days?|weeks?|months?|times|dollars|euros|rubles|roubles|st\b|nd\b|rd\b|th\b|"
                         r"January|February|March|April|May|June|July|August|September|October|November|December))", re.I)
_NOT_AFTER = re.compile(r"(?:\b(?:aged?|article|articles|part|section|paragraph|no\.|number|resolution|order|decree|"
                        r"chapter|page|room|flight|route|highway|since|until|"
                        r"January|February|March|April|May|June|July|August|September|October|November|December|"
                        r"[$€£])\s*)$", re.I)


@dataclass(frozen=True)
class Count:
    low: int | None
    best: int | None
    high: int | None
    bound: str             # lower, upper, exact, approximate, vague
    qualifier: str         # the hedge, or the number's own words
    start: int             # span of hedge + number, relative to the sentence
    end: int
    number_start: int
    number_end: int


def value(words: str) -> int | None:
    """The value of a number in digits or words ("1,500", "thirty-one", "two hundred", "1.2 million").

    >>> value("thirty-one"), value("1,500"), value("two hundred and five"), value("1.2 million")
    (31, 1500, 205, 1200000)
    """
    w = words.strip().casefold()
    m = re.fullmatch(r"([\d,]+(?:\.\d+)?)(?: (thousand|million))?", w)
    if m:
        n = float(m.group(1).replace(",", ""))
        n *= SCALES.get(m.group(2) or "", 1)
        return int(round(n))
    total, current = 0, 0
    for tok in re.split(r"[\s-]+", w.replace(" and ", " ")):
        if tok in ("a", "one") and current == 0:
            current = 1
        elif tok in UNITS:
            current += UNITS[tok]
        elif tok in TENS:
            current += TENS[tok]
        elif tok == "hundred":
            current = max(current, 1) * 100
        elif tok in ("thousand", "million"):
            total += max(current, 1) * SCALES[tok]
            current = 0
        else:
            return None
    return total + current


def _is_year(words: str, after: str, before: str) -> bool:
    v = value(words)
    if v is None or not re.fullmatch(r"\d{4}", words):
        return False
    return 1800 <= v <= 2100 and not re.match(r"\s+(?:people|men|militants|fighters|residents|families)", after)


def find(sentence: str) -> list[Count]:
    """Every count in ``sentence`` (offsets relative to it), hedge and bound included."""
    out: list[Count] = []
    taken: list[tuple[int, int]] = []

    def free(a, b):
        return not any(x < b and a < y for x, y in taken)

    for m in _RANGE.finditer(sentence):
        a, b = m.group("a"), m.group("b")
        va, vb = value(a), value(b)
        if va is None or vb is None or not va < vb or _is_year(a, "", "") or _is_year(b, "", ""):
            continue
        if not m.group("pre") and not (re.search(r"\d", a) and "-" in m.group(0) or re.search(r"\bto\b", m.group(0))):
            continue  # "five and six" without "between" is two numbers
        after = sentence[m.end():]
        if _NOT_BEFORE.match(after) or _NOT_AFTER.search(sentence[:m.start()]) and not m.group("pre"):
            continue
        out.append(Count(va, None, vb, "approximate", m.group(0), m.start(), m.end(), m.start("a"), m.end("b")))
        taken.append((m.start(), m.end()))
    for m in NUMBER.finditer(sentence):
        words = m.group("num")
        if not free(m.start(), m.end()) or words.casefold() in ("a",):
            continue
        before, after = sentence[:m.start()], sentence[m.end():]
        v = value(words)
        if v is None or _is_year(words, after, before) or _NOT_BEFORE.match(after):
            continue
        if re.match(r"\s*(?:-|–)\s*year", after) or re.search(r"[,(]\s*$", before) and re.match(r"\s*[,)]", after) and v < 120:
            continue  # an age: "Arsen Khamidov, 41," or "(23)"
        if words.casefold() in ("one",) and (re.match(r"\s+(?:of|another|day|time|way|thing)\b", after) or re.search(r"\b(?:no|any|every|some|each)\s*$", before, re.I)):
            continue
        if re.search(r"\b(?:twice|times|half)\s+as\s*$", before, re.I) or re.match(r"\s+times\b", after):
            continue
        hedge = _HEDGE.search(before)
        if hedge is None and _NOT_AFTER.search(before):
            continue
        if re.search(r"\b(?:of|among)\s+(?:the|those|these)\s*$", before, re.I) and out and out[-1].end > m.start() - 20:
            continue  # "eight of the nine": the nine is the whole counted before, not a new count
        if re.match(r"\s+or so\b", after):
            q = words + " or so"
            out.append(Count(None, v, None, "approximate", q, m.start(), m.end() + 6, m.start(), m.end()))
            taken.append((m.start(), m.end() + 6))
            continue
        if hedge:
            h = hedge.group("h")
            kind = "lower" if h.casefold() in LOWER else "upper" if h.casefold() in UPPER else "approximate"
            start = hedge.start("h")
            low, best, high = (v, None, None) if kind == "lower" else (None, None, v) if kind == "upper" else (None, v, None)
            out.append(Count(low, best, high, kind, h, start, m.end(), m.start(), m.end()))
            taken.append((start, m.end()))
            continue
        else:
            out.append(Count(None, v, None, "exact", words, m.start(), m.end(), m.start(), m.end()))
        taken.append((m.start(), m.end()))
    for m in _VAGUE.finditer(sentence):
        if not free(m.start(), m.end()):
            continue
        v = m.group("v")
        rest = sentence[m.end():]
        if v.casefold() in ("some", "most", "many", "half", "a third", "a quarter") and not re.match(r"\s+(?:of\s+(?:the\s+|them|those)|[a-z-]+\s+)?", rest):
            continue
        if v.casefold() in ("most", "many", "some", "several", "a few", "numerous") and not re.match(r"\s+(?:of\s+)?\w", rest):
            continue
        if re.match(r"\s*(?:of\s+)?(?:years?|times|days|weeks|months|kilomet|miles|percent)", rest, re.I):
            continue
        if re.search(r"\b(?:twice|three times|as)\s+$", sentence[:m.start()], re.I):
            continue  # "twice as many": a comparison, no number
        if v.casefold() == "some" and NUMBER.match(rest.lstrip()):
            continue  # "some 200": a hedge, read below
        word = re.sub(r"\s+of$", "", v)
        out.append(Count(None, None, None, "vague", word, m.start(), m.start() + len(word), m.start(), m.start() + len(word)))
        taken.append((m.start(), m.end()))
    return sorted(out, key=lambda c: c.start)
