"""Events in ACLED's layout: the 31 columns of ACLED's codebook, in order, values in its vocabularies.

One row per event that ACLED would code (battles, violence against civilians, explosions/remote
violence, riots, protests, strategic developments); statements and other events ACLED has no type
for are left out, and :func:`rows` says which. Empty cells are what the text does not say: nothing
is invented (no centroid for a region, no fatalities where the text gives no count; ACLED itself
writes 0 there). The column-by-column mapping is in ``docs/exports.md``.

>>> import toolkit
>>> got, left_out = rows(toolkit.open())
>>> list(got[0])[:4]
['event_id_cnty', 'event_date', 'year', 'time_precision']
"""

from __future__ import annotations

from toolkit.formats import writing as w
from toolkit.formats.countries import country

# name -> DuckDB/SQL type of the column in ACLED's own files
COLUMNS = {
    "event_id_cnty": "VARCHAR", "event_date": "DATE", "year": "BIGINT", "time_precision": "BIGINT",
    "disorder_type": "VARCHAR", "event_type": "VARCHAR", "sub_event_type": "VARCHAR", "actor1": "VARCHAR",
    "assoc_actor_1": "VARCHAR", "inter1": "BIGINT", "actor2": "VARCHAR", "assoc_actor_2": "VARCHAR",
    "inter2": "BIGINT", "interaction": "BIGINT", "civilian_targeting": "VARCHAR", "iso": "BIGINT",
    "region": "VARCHAR", "country": "VARCHAR", "admin1": "VARCHAR", "admin2": "VARCHAR", "admin3": "VARCHAR",
    "location": "VARCHAR", "latitude": "DOUBLE", "longitude": "DOUBLE", "geo_precision": "BIGINT",
    "source": "VARCHAR", "source_scale": "VARCHAR", "notes": "VARCHAR", "fatalities": "BIGINT", "tags": "VARCHAR",
    "timestamp": "BIGINT",
}

EVENT_TYPES = {"battles": "Battles", "violence_against_civilians": "Violence against civilians",
               "explosions_remote_violence": "Explosions/Remote violence", "riots": "Riots", "protests": "Protests",
               "strategic_developments": "Strategic developments"}
DISORDER = {"Battles": "Political violence", "Violence against civilians": "Political violence",
            "Explosions/Remote violence": "Political violence", "Riots": "Political violence",
            "Protests": "Demonstrations", "Strategic developments": "Strategic developments"}
# sub_kind -> ACLED's sub-event type, by event type where it depends on it
SUB_EVENT = {
    "counterterrorism_operation": {"Battles": "Armed clash"},
    "killing": {"Battles": "Armed clash", "Violence against civilians": "Attack"},
    "attack": {"Battles": "Armed clash", "Violence against civilians": "Attack"},
    "death_reported": {"Battles": "Armed clash", "Violence against civilians": "Attack"},
    "arrest": {"Strategic developments": "Arrests"},
    "pledge_of_allegiance": {"Strategic developments": "Change to group/activity"},
    "designation": {"Strategic developments": "Other"},
    "travel": {"Strategic developments": "Other"},
}
DEFAULT_SUB = {"Battles": "Armed clash", "Violence against civilians": "Attack", "Strategic developments": "Other",
               "Riots": "Mob violence", "Protests": "Peaceful protest"}
# actor kind -> ACLED's inter code (1 state forces, 2 rebel groups, 7 civilians, 8 external/other forces)
INTER = {"state": 1, "government_body": 1, "armed_group": 2, "population": 7, "intergovernmental_organisation": 8}
TIME_PRECISION = {"day": 1, "days": 2, "week": 2}          # coarser: 3
GEO_PRECISION = {"exact point": 1, "near point": 2, "admin-2": 2}  # coarser: 3
# certainty (how the text presents an event) -> ACLED's tags; ACLED codes what sources report, so the hedge is kept
HEDGED = ("reported", "claimed", "alleged", "likely", "possible", "unconfirmed", "denied")


def inter_code(actor_id: str | None, actors: dict) -> int | None:
    """ACLED's inter code of an actor: its own kind, else its affiliation's (a minister is state forces)."""
    seen = set()
    while actor_id and actor_id in actors and actor_id not in seen:
        seen.add(actor_id)
        code = INTER.get(str(actors[actor_id].get("kind")))
        if code:
            return code
        actor_id = actors[actor_id].get("affiliation_id")
    return None


def interaction(a: int | None, b: int | None) -> int | None:
    """ACLED's interaction: the two inter codes, smaller first (a sole actor: 10 x its code)."""
    if a is None or b is None:
        return None
    if b == 0:
        return a * 10
    return min(a, b) * 10 + max(a, b)


def _names(ids: list[str], actors: dict) -> list[str]:
    return [actors[a]["name"] if a in actors else a for a in ids]


def rows(ds) -> tuple[list[dict], list[str]]:
    """(ACLED rows, ids of the events left out because ACLED has no type for them)."""
    t = {n: ds[n] for n in ds.table_names()}
    places, actors = w.by_id(t.get("places"), "place_id"), w.by_id(t.get("actors"), "actor_id")
    sources, roles, deaths = w.by_id(t.get("sources"), "source_id"), w.roles(t.get("event_actors")), w.death_counts(t)
    stamp = _timestamp(ds.descriptor)
    out, left_out = [], []
    for e in t["events"].sort("event_id").to_dicts():
        etype = EVENT_TYPES.get(str(e["kind"]))
        if etype is None:
            left_out.append(e["event_id"])
            continue
        prec = str(e["date_precision"])
        start, end = w.known_span(e["date_start"], e["date_end"], prec, sources.get(e["source_id"]))
        day = start if prec == "day" else w.mid(start, end) if start and end else None  # ACLED: the middle of the span
        sub = SUB_EVENT.get(str(e.get("sub_kind")), {}).get(etype) or DEFAULT_SUB.get(etype)
        first, second = roles.get((e["event_id"], "initiator"), []), roles.get((e["event_id"], "target"), [])
        inter1 = inter_code(first[0], actors) if first else None
        inter2 = inter_code(second[0], actors) if second else (0 if inter1 else None)  # ACLED: 0, no second actor
        if etype == "Violence against civilians" and second and inter2 is None:
            inter2 = 7  # the target of violence against civilians is, by ACLED's definition, civilians
        p = places.get(e.get("place_id"))
        nation = w.country_of(places, e.get("place_id"))
        code = country(nation.get("iso_3166")) if nation else None
        counted = deaths.get(e["event_id"], [])
        _, best, _ = w.count(counted)
        certainty = str(e["certainty"]) if e.get("certainty") is not None else None
        out.append({
            "event_id_cnty": e["event_id"], "event_date": day and day.isoformat(), "year": day and day.year,
            "time_precision": (TIME_PRECISION.get(prec, 3) if prec in TIME_PRECISION or (end - start).days > 6 else 2)
            if day else None,
            "disorder_type": DISORDER[etype], "event_type": etype, "sub_event_type": sub,
            "actor1": _names(first[:1], actors)[0] if first else None,
            "assoc_actor_1": "; ".join(_names(first[1:], actors)) or None, "inter1": inter1,
            "actor2": _names(second[:1], actors)[0] if second else None,
            "assoc_actor_2": "; ".join(_names(second[1:], actors)) or None, "inter2": inter2,
            "interaction": interaction(inter1, inter2),
            "civilian_targeting": "Civilian targeting" if etype == "Violence against civilians" or inter2 == 7 else None,
            "iso": code and code["iso_numeric"], "region": code and code["acled_region"],
            "country": (code["name"] if code else nation["name"]) if nation else None,
            "admin1": _named(w.precision_of(places, e.get("place_id"), "admin-1")),
            "admin2": _named(w.precision_of(places, e.get("place_id"), "admin-2")), "admin3": None,
            "location": p and p["name"], "latitude": p and p.get("lat"), "longitude": p and p.get("lon"),
            "geo_precision": GEO_PRECISION.get(str(p["where_precision"]), 3) if p else None,
            "source": "; ".join(dict.fromkeys(_publisher(sources, s) for s in [e["source_id"], *(c["source_id"] for c in counted)])),
            "source_scale": None,
            "notes": _notes(e, counted, certainty, (start, end)),
            "fatalities": best,
            "tags": f"certainty={certainty}" if certainty in HEDGED else None,
            "timestamp": stamp,
        })
    return out, left_out


def _named(place: dict | None) -> str | None:
    return place["name"] if place else None


def _publisher(sources: dict, sid: str) -> str:
    s = sources.get(sid) or {}
    return s.get("publisher") or s.get("title") or sid


def _notes(e: dict, counted: list[dict], certainty: str | None, span: tuple = (None, None)) -> str:
    """ACLED's notes: what happened, and what the columns cannot hold (date range, hedge, quote, counts)."""
    from toolkit.core.dates import phrase

    parts = [e.get("summary")]
    start, end, prec = e.get("date_start"), e.get("date_end"), str(e.get("date_precision"))
    if prec != "day":
        flags = [x for x, on in (("year inferred", e.get("year_inferred")), ("dates inferred", e.get("date_inferred"))) if on]
        said = phrase(start, end, prec) if prec != "None" else f"{start or '…'} to {end or '…'}"
        parts.append(f"date: {said}" + (f" ({', '.join(flags)})" if flags else ""))
        if prec in ("after", "on_or_after", "before"):
            a, b = span
            parts.append(f"event_date is the middle of {a} to {b} (the span closed by the report's publication)" if a and b
                         else "event_date left empty: the text gives only one end of the span")
    if certainty in HEDGED:
        parts.append(f"the source presents it as {certainty}")
    for c in counted:
        parts.append(f"deaths: {c.get('qualifier') or ''} {c.get('value_best') or c.get('value_low') or c.get('value_high')} "
                     f"({c['estimate_id']}, {c.get('bound')}, {c.get('certainty') or 'certainty not coded'})".replace("  ", " "))
    if e.get("quote"):
        parts.append(f'{e["source_id"]} paragraph {e.get("paragraph")}: "{e["quote"]}"')
    if e.get("note"):
        parts.append(e["note"])
    return " | ".join(str(x).strip() for x in parts if x)


def _timestamp(descriptor: dict) -> int | None:
    """ACLED's timestamp (when the row was last changed): the descriptor's ``created``, where it has one."""
    from datetime import datetime, timezone

    created = descriptor.get("created")
    if not created:
        return None
    try:
        when = datetime.fromisoformat(str(created).replace("Z", "+00:00"))
    except ValueError:
        return None
    return int((when if when.tzinfo else when.replace(tzinfo=timezone.utc)).timestamp())
