"""Dates as a text gives them: a day, a few days, a week, a month, a season, a range, a year, or only a
bound ("before", "after", "on or after"), said in words for source lines, tooltips and the timeline.

>>> import datetime as dt
>>> phrase(dt.date(2014, 6, 1), dt.date(2014, 11, 30), "season")
'summer–autumn 2014'
>>> phrase(None, dt.date(2015, 3, 26), "before")
'before 26 March 2015'
>>> phrase(dt.date(2015, 3, 26), dt.date(2015, 3, 31), "range", year_inferred=True)
'26–31 March 2015 (year inferred)'
"""

from __future__ import annotations

import datetime as dt

__all__ = ["OPEN", "SEASONS", "bound_of", "phrase"]

SEASONS = ("winter", "winter", "spring", "spring", "spring", "summer", "summer", "summer", "autumn", "autumn",
           "autumn", "winter")  # by month (northern hemisphere, meteorological seasons)
# precisions that give only one end: which end is known, and the words before it
OPEN = {"before": ("end", "before"), "after": ("start", "after"), "on_or_after": ("start", "on or after")}


def _day(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def _span(a: dt.date, b: dt.date) -> str:
    """'26–31 March 2015', '1 February – 26 March 2015', '1 October 2014 – 31 March 2015'."""
    if a == b:
        return _day(a)
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day}–{b.day} {b:%B %Y}"
    if a.year == b.year:
        return f"{a.day} {a:%B} – {_day(b)}"
    return f"{_day(a)} – {_day(b)}"


def _months(a: dt.date, b: dt.date) -> str:
    if (a.year, a.month) == (b.year, b.month):
        return f"{a:%B %Y}"
    return f"{a:%B}–{b:%B %Y}" if a.year == b.year else f"{a:%B %Y} – {b:%B %Y}"


def _season(a: dt.date, b: dt.date) -> str:
    first, last = SEASONS[a.month - 1], SEASONS[b.month - 1]
    # a winter's December belongs to the next year's winter: 'winter 2014–15'
    years = (f"{a.year}–{str(b.year)[-2:]}" if b.year == a.year + 1 and (a.month == 12 or first == last == "winter")
             else f"{a.year}" if a.year == b.year else f"{a.year}–{b.year}")
    return f"{first} {years}" if first == last else f"{first}–{last} {years}"


def bound_of(start, end, precision) -> tuple[str, dt.date] | None:
    """For a date known only by one end: ('before' | 'after' | 'on_or_after', that date); else None."""
    side = OPEN.get(str(precision))
    if side is None:
        return None
    day = end if side[0] == "end" else start
    return (str(precision), day) if day is not None else None


def phrase(start, end, precision, *, year_inferred: bool = False, date_inferred: bool = False) -> str:
    """A date range in words for its precision (``unknown`` or no date: 'date not stated'), with what was inferred.

    >>> phrase(dt.date(2014, 1, 1), dt.date(2014, 12, 31), "year")
    '2014'
    >>> phrase(dt.date(2015, 3, 23), None, "on_or_after")
    'on or after 23 March 2015'
    """
    precision = str(precision) if precision is not None else "unknown"
    end = end or start
    start = start or (end if precision not in OPEN else None)
    if precision in OPEN:
        bound = bound_of(start, end, precision)
        text = f"{OPEN[precision][1]} {_day(bound[1])}" if bound else "date not stated"
    elif start is None or precision == "unknown":
        text = "date not stated"
    elif precision == "day":
        text = _day(start)
    elif precision in ("days", "range"):
        text = _span(start, end)
    elif precision == "week":
        text = f"the week of {_day(start)}" if (end - start).days <= 7 else _span(start, end)
    elif precision == "month":
        text = _months(start, end)
    elif precision == "season":
        text = _season(start, end)
    elif precision == "year":
        text = str(start.year) if start.year == end.year else f"{start.year}–{end.year}"
    else:  # a precision this code does not know yet: the dates as they are
        text = _span(start, end)
    if text == "date not stated":
        return text
    if date_inferred:
        return f"{text} (inferred)"
    return f"{text} (year inferred)" if year_inferred else text
