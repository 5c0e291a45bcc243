"""Dates in a text, resolved against its publication date with the precision the words allow.

Each expression becomes a :class:`When`: start, end, precision (the toolkit's vocabulary: day, days,
week, month, season, range, year, before, unknown), whether the year was read rather than written
(``year_inferred``) and whether the dates themselves were read from relative words (``date_inferred``).
Without a publication date a relative expression stays unknown: nothing is guessed.

>>> import datetime as dt
>>> [w.show() for w in find("He spoke on Friday and in late June 2014.", dt.date(2015, 3, 27))]
['2015-03-27 day (year inferred, date inferred)', '2014-06-21..2014-06-30 range (date inferred)']
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {m.casefold(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.casefold(): i for i, m in enumerate(calendar.month_abbr) if m})
MONTHS["sept"] = 9
WEEKDAYS = {d.casefold(): i for i, d in enumerate(calendar.day_name)}
SEASONS = {"spring": (3, 5), "summer": (6, 8), "fall": (9, 11), "autumn": (9, 11), "winter": (12, 2)}
_M = r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
_Y = r"(?P<year>(?:19|20)\d\d)"
_WD = r"(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_S = r"(?P<season>spring|summer|fall|autumn|winter)"

PATTERNS = [  # most specific first; each names what it reads
    ("iso", r"\b(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)\b"),
    ("month_days", rf"\b{_M} (?P<d1>\d{{1,2}})(?:-|–| to | and )(?P<d2>\d{{1,2}})(?:,? {_Y})?\b"),
    ("days_month", rf"\b(?P<d1>\d{{1,2}})(?:-|–| to | and )(?P<d2>\d{{1,2}}) {_M}(?:,? {_Y})?\b"),
    ("month_day", rf"\b{_M} (?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:,? {_Y})?\b"),
    ("day_month", rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?{_M}(?:,? {_Y})?\b"),
    ("part_month", rf"\b(?:in )?(?:the )?(?P<part>early|mid|late|end of|beginning of|start of|middle of)[- ]{_M}(?:,? {_Y})?"),
    ("seasons", rf"\b(?:in )?the {_S} and (?P<season2>spring|summer|fall|autumn|winter) of {_Y}"),
    ("season", rf"\b(?:in |during |over )?(?:the )?(?P<which>last |this |past )?{_S}(?:,? (?:of )?{_Y})?\b"),
    ("month_year", rf"\b(?:in |since |during |by )?{_M},? {_Y}\b"),
    ("month", rf"\b(?:in |since |during |by |this |last )?{_M}\b(?! \d)"),
    ("year", rf"\b(?:in |since |during |by |of |until |before |after |prior to )(?:early |late |mid-)?{_Y}\b(?!-\d)"),
    ("weekday", rf"\b(?:on |last |this |early |late )?{_WD}(?: (?P<tod>morning|afternoon|evening|night))?\b"),
    ("relday", r"\b(?P<rel>yesterday|today|the day before yesterday|last night|this morning|on the eve)\b"),
    ("weekend", r"\b(?:over |at |during )?(?:the |last |this |this past )weekend\b"),
    ("relweek", r"\b(?P<rel>this week|last week|earlier this week|next week|the past week|the previous week)\b"),
    ("relmonth", r"\b(?P<rel>this month|last month|earlier this month|the past month|the previous month)\b"),
    ("relyear", r"\b(?P<rel>this year|last year|earlier this year|the past year|the previous year)\b"),
    ("recent", r"\b(?:in |over |during )?(?:the )?(?P<rel>recent|past|last) (?:(?P<n>few|several|two|three|four|six) )?(?P<unit>days|weeks|months|years)\b"),
    ("anchored", r"\b(?P<n>a|one|two|three|four|five|six|seven)\s+(?P<unit>day|week)s?\s+(?P<dir>earlier|later|before|after)\b"),
    ("ago", r"\b(?P<n>\d+|a|one|two|three|four|five|six|seven|eight|nine|ten) (?P<unit>day|week|month|year)s? ago\b"),
]
_COMPILED = [(k, re.compile(p, re.I if k in ("relday", "weekend", "relweek", "relmonth", "relyear", "recent", "ago", "anchored", "seasons", "season", "part_month") else 0))
             for k, p in PATTERNS]
LOOKBACK = re.compile(r"(?:in |over |during )?(?:the )?(?:recent|past|since)\b", re.I)  # ranges that end "now"
_NUM = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


@dataclass(frozen=True)
class When:
    start: dt.date | None
    end: dt.date | None
    precision: str
    year_inferred: bool
    date_inferred: bool
    char_start: int = 0
    char_end: int = 0
    words: str = ""

    def show(self) -> str:
        span = f"{self.start}.." if self.end is None and self.start else "unknown" if self.end is None else (str(self.end) if self.start == self.end else f"{self.start or ''}..{self.end}")
        flags = [f for f, on in (("year inferred", self.year_inferred), ("date inferred", self.date_inferred)) if on]
        return f"{span} {self.precision}" + (f" ({', '.join(flags)})" if flags else "")

    @property
    def known(self) -> bool:
        return self.end is not None or self.start is not None and self.precision in ("after", "on_or_after")


UNKNOWN = When(None, None, "unknown", False, False)


def _month_end(y: int, m: int) -> dt.date:
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def _year_for(month: int, day: int, published: dt.date | None) -> int | None:
    """The year of a month (and day) written without one: the latest not after publication."""
    if published is None:
        return None
    y = published.year
    try:
        return y if dt.date(y, month, min(day, calendar.monthrange(y, month)[1])) <= published else y - 1
    except ValueError:
        return y


def _resolve(kind: str, g: dict, published: dt.date | None) -> When | None:
    P = published
    if kind == "iso":
        d = dt.date(int(g["y"]), int(g["m"]), int(g["d"]))
        return When(d, d, "day", False, False)
    if kind in ("month_days", "days_month", "month_day", "day_month", "part_month", "month_year", "month"):
        m = MONTHS[g["month"].casefold().rstrip(".")]
        written = g.get("year")
        d1 = int(g.get("d1") or g.get("d") or 1)
        y = int(written) if written else _year_for(m, d1, P)
        if y is None:
            return UNKNOWN
        last = calendar.monthrange(y, m)[1]
        inferred = not written
        if kind in ("month_days", "days_month"):
            d2 = int(g["d2"])
            if not (1 <= d1 <= d2 <= last):
                return None
            return When(dt.date(y, m, d1), dt.date(y, m, d2), "days", inferred, False)
        if kind in ("month_day", "day_month"):
            if not 1 <= d1 <= last:
                return None
            return When(dt.date(y, m, d1), dt.date(y, m, d1), "day", inferred, False)
        if kind == "part_month":
            part = g["part"].casefold()
            a, b = (1, 10) if part in ("early", "beginning of", "start of") else (11, 20) if part in ("mid", "middle of") else (21, last)
            return When(dt.date(y, m, a), dt.date(y, m, b), "range", inferred, True)
        return When(dt.date(y, m, 1), _month_end(y, m), "month", inferred, False)
    if kind == "year":
        y = int(g["year"])
        return When(dt.date(y, 1, 1), dt.date(y, 12, 31), "year", False, False)
    if kind in ("seasons", "season"):
        first, second = g["season"].casefold(), (g.get("season2") or g["season"]).casefold()
        y = int(g["year"]) if g.get("year") else (P.year if P else None)
        if y is None:
            return UNKNOWN
        a, b = SEASONS[first][0], SEASONS[second][1]
        if not g.get("year") and P and dt.date(y, a, 1) > P:
            y -= 1
        end_y = y + 1 if b < a else y
        return When(dt.date(y, a, 1), _month_end(end_y, b), "season", not g.get("year"), False)
    if kind == "anchored":  # "a day earlier": against the date before it, which only the caller knows (see anchor)
        return UNKNOWN
    if P is None:
        return UNKNOWN
    if kind == "weekday":
        back = (P.weekday() - WEEKDAYS[g["weekday"].casefold()]) % 7
        d = P - dt.timedelta(days=back)
        return When(d, d, "day", True, True)
    if kind == "relday":
        rel = g["rel"].casefold()
        d = P - dt.timedelta(days={"yesterday": 1, "the day before yesterday": 2, "last night": 1, "on the eve": 1}.get(rel, 0))
        return When(d, d, "day", True, True)
    if kind == "weekend":  # the last Saturday and Sunday before publication (publication day itself if a Sunday)
        sun = P - dt.timedelta(days=(P.weekday() + 1) % 7)
        return When(sun - dt.timedelta(days=1), sun, "days", True, True)
    if kind == "relweek":
        rel, monday = g["rel"].casefold(), P - dt.timedelta(days=P.weekday())
        if rel in ("last week", "the previous week"):
            return When(monday - dt.timedelta(days=7), monday - dt.timedelta(days=1), "week", True, True)
        if rel == "the past week":
            return When(P - dt.timedelta(days=7), P, "range", True, True)
        if rel == "next week":
            return None
        return When(monday, P, "week", True, True)
    if kind == "relmonth":
        rel = g["rel"].casefold()
        if rel in ("last month", "the previous month"):
            last = P.replace(day=1) - dt.timedelta(days=1)
            return When(last.replace(day=1), last, "month", True, True)
        if rel == "the past month":
            return When(P - dt.timedelta(days=30), P, "range", True, True)
        return When(P.replace(day=1), P, "range", True, True)
    if kind == "relyear":
        rel = g["rel"].casefold()
        if rel in ("last year", "the previous year"):
            return When(dt.date(P.year - 1, 1, 1), dt.date(P.year - 1, 12, 31), "year", True, True)
        if rel == "the past year":
            return When(P - dt.timedelta(days=365), P, "range", True, True)
        return When(dt.date(P.year, 1, 1), P, "range", True, True)
    if kind == "recent" and not g.get("n") and g["unit"].casefold() in ("weeks", "months"):
        # conventions: "in recent weeks" from the first day of the month before; "recent months" five months back
        back = 1 if g["unit"].casefold() == "weeks" else 5
        y, m = divmod(P.year * 12 + P.month - 1 - back, 12)
        return When(dt.date(y, m + 1, 1), P, "range", True, True)
    if kind == "recent":
        unit, n = g["unit"].casefold(), g.get("n")
        count = {"few": 3, "several": 4, None: 3}.get(n, _NUM.get((n or "").casefold(), 3))
        days = {"days": 1, "weeks": 7, "months": 30, "years": 365}[unit] * (count + (1 if g["rel"].casefold() == "recent" and unit == "weeks" else 0))
        return When(P - dt.timedelta(days=days), P, "range", True, True)
    if kind == "ago":
        n = int(g["n"]) if g["n"].isdigit() else _NUM[g["n"].casefold()]
        days = {"day": 1, "week": 7, "month": 30, "year": 365}[g["unit"].casefold()] * n
        d = P - dt.timedelta(days=days)
        if g["unit"].casefold() == "day":
            return When(d, d, "day", True, True)
        return When(d - dt.timedelta(days=days // 4), d + dt.timedelta(days=days // 4), "range", True, True)
    return None


def find(text: str, published, offset: int = 0) -> list[When]:
    """Every date expression in ``text`` (not overlapping, in text order), resolved against ``published``: a day, or
    (first, last) days when the publication is known only to a range; then a relative date spans what it means
    against either end ("this week" published March 26-31: from the Monday before March 26 to March 31).

    >>> [w.show() for w in find("this week", (dt.date(2015, 3, 26), dt.date(2015, 3, 31)))]
    ['2015-03-23..2015-03-31 range (year inferred, date inferred)']
    """
    if isinstance(published, tuple):
        first, last = published
        if first == last:
            published = first
        else:
            early, late = find(text, first, offset), find(text, last, offset)
            out = []
            for a, b in zip(early, late):
                if a.known and a.end == first and LOOKBACK.match(a.words):
                    out.append(a)  # "in recent weeks", "since 2014": up to the text's earliest day, as news is dated
                elif (a.start, a.end, a.precision) == (b.start, b.end, b.precision) or not (a.known and b.known):
                    out.append(b)
                elif a.start is None or b.start is None:
                    out.append(When(None, b.end, "before", a.year_inferred or b.year_inferred, True, b.char_start, b.char_end, b.words))
                else:
                    out.append(When(a.start, b.end, "range", a.year_inferred or b.year_inferred, True, b.char_start, b.char_end, b.words))
            return out
    taken: list[tuple[int, int]] = []
    out = []
    for kind, rx in _COMPILED:
        for m in rx.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            if kind == "month" and m.group("month") in ("May", "March") and not re.match(r"(?:in|since|during|by|this|last) ", m.group(0)):
                continue  # "may" and "march" are also verbs
            w = _resolve(kind, {k: v for k, v in m.groupdict().items() if v is not None}, published)
            if w is None:
                continue
            taken.append((m.start(), m.end()))
            if m.group(0).casefold().startswith("since") and w.known and published and w.start <= published:
                w = When(w.start, published, "range", w.year_inferred, True)  # "since 2013": from then to publication
            w = _open_ended(w, text[max(0, m.start() - 14):m.start()] + m.group(0))
            out.append(When(w.start, w.end, w.precision, w.year_inferred, w.date_inferred,
                            offset + m.start(), offset + m.end(), m.group(0)))
    return sorted(out, key=lambda w: w.char_start)


OPEN = re.compile(r"\b(?P<rel>on or after|after|before|prior to)\s+(?:(?:early|late|mid-)\s*)?\S", re.I)


def _open_ended(w: When, words: str) -> When:
    """ "after May 3" (strictly after: start only), "on or after May 3" (start only), "before 2015" (end only: the day
    before)."""
    m = OPEN.search(words)
    if not m or w.start is None or w.end is None:
        return w
    rel = m.group("rel").casefold()
    if rel == "after":
        return When(w.end, None, "after", w.year_inferred, w.date_inferred)
    if rel == "on or after":
        return When(w.start, None, "on_or_after", w.year_inferred, w.date_inferred)
    return When(None, w.start - dt.timedelta(days=1), "before", w.year_inferred, w.date_inferred)


ANCHORED = re.compile(r"(?P<n>\w+)\s+(?P<unit>day|week)s?\s+(?P<dir>earlier|later|before|after)$", re.I)


def anchor(w: When, on: When) -> When:
    """ "A day earlier" resolved against the date of what the sentence before told (``on``: a day, or an undated
    'before'); unknown when there is none."""
    m = ANCHORED.search(w.words)
    if not m or not on.end or on.precision not in ("day", "before"):
        return w
    n = int(m.group("n")) if m.group("n").isdigit() else _NUM.get(m.group("n").casefold(), 1)
    days = n * (7 if m.group("unit").casefold() == "week" else 1) * (-1 if m.group("dir").casefold() in ("earlier", "before") else 1)
    if on.precision == "before":  # after undated remarks (on or before publication): no later than they could be
        return When(None, on.end + dt.timedelta(days=min(days, 0)), "before", on.year_inferred, True, w.char_start, w.char_end, w.words)
    d = on.start + dt.timedelta(days=days)
    prec = "day" if m.group("unit").casefold() == "day" else "range"
    a, b = (d, d) if prec == "day" else (d - dt.timedelta(days=3), d + dt.timedelta(days=3))
    return When(a, b, prec, on.year_inferred, True, w.char_start, w.char_end, w.words)


def published_in(text: str) -> dt.date | None:
    """A publication date written near the top or the bottom of a page ("March 27, 2015", "2015-03-27"), or None."""
    head, tail = text[:600], text[-400:]
    for part in (head, tail):
        for w in find(part, None):
            if w.precision == "day" and not w.year_inferred:
                return w.start
    return None
