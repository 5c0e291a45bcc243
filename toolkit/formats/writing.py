"""What every format shares: CSV a spreadsheet opens safely, and the dataset's tables as lookups.

Spreadsheet-bound CSVs (ACLED, GED, the gradebook) follow OWASP's rule against formula injection:
a *text* cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
single quote, so Excel, LibreOffice and Google Sheets show it as text instead of running it. Numbers
are never touched (a longitude of -77.03 stays a number).

>>> spreadsheet_safe("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
>>> spreadsheet_safe(-77.03)
-77.03
"""

from __future__ import annotations

import csv
import io

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A text cell a spreadsheet will not run as a formula; numbers, dates and empties as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_bytes(columns: list[str], rows: list[dict], *, spreadsheet: bool = False) -> bytes:
    """CSV (UTF-8, ``\\n``) with ``columns`` in order; None is an empty cell, never the text "None".

    ``spreadsheet``: neutralise formula-like text cells (see :func:`spreadsheet_safe`).
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        cells = []
        for c in columns:
            v = r.get(c)
            if v is None:
                v = ""
            elif isinstance(v, bool):
                v = "true" if v else "false"
            elif spreadsheet:
                v = spreadsheet_safe(v)
            cells.append(v)
        w.writerow(cells)
    return buf.getvalue().encode("utf-8")


# --- the dataset's tables as lookups --------------------------------------------------------------------

def by_id(df, key: str) -> dict:
    return {r[key]: r for r in df.to_dicts()} if df is not None else {}


def ancestor(places: dict, pid: str | None, test) -> dict | None:
    """The place itself or its nearest parent for which ``test(row)`` holds."""
    seen = set()
    while pid and pid in places and pid not in seen:
        seen.add(pid)
        if test(places[pid]):
            return places[pid]
        pid = places[pid].get("parent_id")
    return None


def country_of(places: dict, pid: str | None) -> dict | None:
    return ancestor(places, pid, lambda r: str(r.get("kind")) == "country")


def precision_of(places: dict, pid: str | None, level: str) -> dict | None:
    return ancestor(places, pid, lambda r: str(r.get("where_precision")) == level)


def roles(event_actors) -> dict:
    """(event_id, role) -> actor ids, in the table's order."""
    out: dict = {}
    for r in (event_actors.to_dicts() if event_actors is not None else []):
        out.setdefault((r["event_id"], str(r["role"])), []).append(r["actor_id"])
    return out


def known_span(start, end, precision, source: dict | None = None):
    """The first and last possible day of a date coded with ``precision`` (either may be None, unknown).

    A date known by one end is closed where the text allows: "after X" is from the day after X, "on or after
    X" from X, and either ends at the reporting source's publication (what a text reports has happened by then);
    "before X" ends the day before X and has no first day.

    >>> import datetime as dt
    >>> known_span(dt.date(2016, 5, 3), None, "after", {"published_start": dt.date(2016, 6, 14)})
    (datetime.date(2016, 5, 4), datetime.date(2016, 6, 14))
    >>> known_span(None, dt.date(2015, 1, 1), "before")
    (None, datetime.date(2014, 12, 31))
    """
    import datetime as dt

    if precision == "unknown":
        return None, None
    if precision == "before":
        return None, end and end - dt.timedelta(days=1)
    if precision in ("after", "on_or_after"):
        first = start and (start + dt.timedelta(days=1) if precision == "after" else start)
        s = source or {}
        published = s.get("published_end") or s.get("published_start")
        return first, published if published and first and published >= first else None
    return start, end


def mid(start, end):
    """The middle of a date range (ACLED's convention for an event known to a span), or its one end."""
    return start + (end - start) / 2 if start and end else (start or end)


def overlaps(a: dict, b: dict) -> bool:
    """Two evidence rows of the same source whose character spans overlap."""
    if a.get("source_id") != b.get("source_id"):
        return False
    if None in (a.get("char_start"), a.get("char_end"), b.get("char_start"), b.get("char_end")):
        return False
    return a["char_start"] < b["char_end"] and b["char_start"] < a["char_end"]


DEATH_UNITS = ("deaths", "killed", "fatalities")


DEADLY_KINDS = ("battles", "violence_against_civilians", "explosions_remote_violence")
DEADLY_SUB_KINDS = ("killing", "attack", "death_reported", "counterterrorism_operation")


def death_counts(tables: dict) -> dict[str, list[dict]]:
    """event_id -> the estimates that count deaths in it.

    An estimate with ``unit`` deaths counts an event's deaths when it names the event (an ``event_id``
    column, where a folder declares one), else when its evidence overlaps the event's in the same source
    (the article's "at least five ... killed during counterterrorism operations"), else when the event is
    the only deadly one (violent kind, or a killing, attack or reported death) in the estimate's paragraph.
    """
    est, events = tables.get("estimates"), tables.get("events")
    if est is None or events is None or "unit" not in est.columns:
        return {}
    evs = events.to_dicts()
    deadly = [e for e in evs if str(e.get("kind")) in DEADLY_KINDS or str(e.get("sub_kind")) in DEADLY_SUB_KINDS]
    out: dict[str, list[dict]] = {e["event_id"]: [] for e in evs}
    for d in est.to_dicts():
        if str(d.get("unit")) not in DEATH_UNITS:
            continue
        named = [e for e in evs if d.get("event_id") is not None and d.get("event_id") == e["event_id"]]
        near = [e for e in deadly if d.get("paragraph") is not None and e.get("source_id") == d.get("source_id")
                and e.get("paragraph") == d.get("paragraph")]
        hits = named or [e for e in evs if overlaps(d, e)] or (near if len(near) == 1 else [])
        for e in hits:
            out[e["event_id"]].append(d)
    return out


def count(estimates: list[dict]) -> tuple[int | None, int | None, int | None]:
    """(low, best, high) of death counts, as UCDP and ACLED code them: "at least five" is 5 at best and low,
    no high; "as many as 20" is 20 high, no best; an exact or approximate count is all three."""
    lows, bests, highs = [], [], []
    for r in estimates:
        low, best, high, bound = r.get("value_low"), r.get("value_best"), r.get("value_high"), str(r.get("bound"))
        if best is None and bound == "lower":
            best = low
        if best is not None:
            bests.append(best)
            lows.append(low if low is not None else best)
            if high is not None or bound in ("exact", "approximate"):
                highs.append(high if high is not None else best)
        else:
            lows += [low] if low is not None else []
            highs += [high] if high is not None else []
    pick = (lambda xs, f: f(xs) if xs else None)
    return pick(lows, min), pick(bests, max), pick(highs, max)
