"""Deadly events in UCDP GED's layout: the 49 columns of GED's codebook, in order, values in its vocabularies.

GED counts deaths in organised violence, so its rows are (1) the events of violence (battles,
violence against civilians, explosions/remote violence, and any killing, attack or reported death),
with ``best``/``low``/``high`` from the death counts the text gives for them, and (2) death counts
the text gives without an event (e.g. "35 of them were killed in the fighting"). Counts of fighters,
groups or shares are never GED numbers: they stay in the Frictionless and Parquet exports. UCDP's own
conflict, dyad and actor ids are left empty (the text does not give them). The mapping is in
``docs/exports.md``.

>>> import toolkit
>>> got = rows(toolkit.open())
>>> {r["relid"] for r in got} >= {"ev05"}
True
"""

from __future__ import annotations

import math

from toolkit.formats import writing as w
from toolkit.formats.acled import inter_code
from toolkit.formats.countries import country, ucdp_region

# name -> DuckDB/SQL type of the column in UCDP's own CSV files
COLUMNS = {
    "id": "BIGINT", "relid": "VARCHAR", "year": "BIGINT", "active_year": "BOOLEAN", "code_status": "VARCHAR",
    "type_of_violence": "BIGINT", "conflict_dset_id": "BIGINT", "conflict_new_id": "BIGINT", "conflict_name": "VARCHAR",
    "dyad_dset_id": "BIGINT", "dyad_new_id": "BIGINT", "dyad_name": "VARCHAR", "side_a_dset_id": "BIGINT",
    "side_a_new_id": "BIGINT", "side_a": "VARCHAR", "side_b_dset_id": "BIGINT", "side_b_new_id": "BIGINT",
    "side_b": "VARCHAR", "number_of_sources": "BIGINT", "source_article": "VARCHAR", "source_office": "VARCHAR",
    "source_date": "DATE", "source_headline": "VARCHAR", "source_original": "VARCHAR", "where_prec": "BIGINT",
    "where_coordinates": "VARCHAR", "where_description": "VARCHAR", "adm_1": "VARCHAR", "adm_2": "VARCHAR",
    "latitude": "DOUBLE", "longitude": "DOUBLE", "geom_wkt": "VARCHAR", "priogrid_gid": "BIGINT", "country": "VARCHAR",
    "country_id": "BIGINT", "region": "VARCHAR", "event_clarity": "BIGINT", "date_prec": "BIGINT", "date_start": "DATE",
    "date_end": "DATE", "deaths_a": "BIGINT", "deaths_b": "BIGINT", "deaths_civilians": "BIGINT",
    "deaths_unknown": "BIGINT", "best": "BIGINT", "high": "BIGINT", "low": "BIGINT", "gwnoa": "VARCHAR", "gwnob": "VARCHAR",
}

VIOLENT_KINDS = ("battles", "violence_against_civilians", "explosions_remote_violence")
DEADLY_SUB_KINDS = ("killing", "attack", "death_reported")
WHERE_PREC = {"exact point": 1, "near point": 2, "admin-2": 3, "admin-1": 4, "named area": 5, "country": 6,
              "international": 7}
CLEAR = ("stated", "reported")  # event_clarity 1; any other hedge: 2 (unclear)


def _year(start, end, precision: str, last: bool = False) -> int | None:
    """GED's year: of the span's first day (``last``: its last day); for a span known by one end only when both
    possible ends fall in one year ("after 3 May" reported on 14 June), never a guess."""
    if precision in ("before", "after", "on_or_after"):
        return start.year if start and end and start.year == end.year else None
    day = (end or start) if last else (start or end)
    return day and day.year


def date_prec(precision: str | None, start, end) -> int | None:
    """GED's date_prec: 1 a day, 2 two to six days, 3 a week, 4 a month (8-31 days), 5 within a year;
    empty for a span with an unknown end or one longer than a year (GED has no code for it). ``start``/``end``
    are the span's possible first and last days (:func:`~toolkit.formats.writing.known_span`)."""
    if not start or not end or precision in (None, "unknown"):
        return None
    days = (end - start).days + 1
    for limit, code in ((1, 1), (6, 2), (7, 3), (31, 4), (366, 5)):
        if days <= limit:
            return code
    return None


def priogrid(lat: float | None, lon: float | None) -> int | None:
    """The PRIO-GRID cell (0.5 degrees, numbered from the south-west corner row by row) of a point."""
    if lat is None or lon is None:
        return None
    row = min(int(math.floor((lat + 90) * 2)), 359) + 1
    col = min(int(math.floor((lon + 180) * 2)), 719) + 1
    return (row - 1) * 720 + col


def type_of_violence(e: dict, sides: list[int | None]) -> int | None:
    """1 state-based (a state on one side), 2 non-state (armed groups on both), 3 one-sided (against civilians)."""
    if str(e.get("kind")) == "violence_against_civilians" or 7 in sides:
        return 3
    if 1 in sides or str(e.get("sub_kind")) == "counterterrorism_operation":  # a security operation is a state's
        return 1
    if sides.count(2) >= 2:
        return 2
    return None


def clarity(certainty) -> int | None:
    if certainty is None:
        return None
    return 1 if str(certainty) in CLEAR else 2


def rows(ds) -> list[dict]:
    """GED rows: the deadly events, then death counts without an event, numbered from 1."""
    t = {n: ds[n] for n in ds.table_names()}
    places, actors = w.by_id(t.get("places"), "place_id"), w.by_id(t.get("actors"), "actor_id")
    sources, roles, deaths = w.by_id(t.get("sources"), "source_id"), w.roles(t.get("event_actors")), w.death_counts(t)
    out, used = [], set()

    def sourced(ids: list[str], claims: list[dict]) -> dict:
        ss = [sources[s] for s in dict.fromkeys(ids) if s in sources]
        article = "; ".join(", ".join(str(x) for x in (s.get("author"), s.get("title") and f'"{s["title"]}"', s.get("publisher"),
                                                      s.get("published_start"), s.get("url")) if x) for s in ss)
        original = "; ".join(dict.fromkeys(
            (actors.get(c.get("claimant_id"), {}).get("name") or "not stated")
            + (f" (via {actors[c['reported_via_id']]['name']})" if c.get("reported_via_id") in actors else "") for c in claims))
        first = ss[0] if ss else {}
        return {"number_of_sources": len(ss) or None, "source_article": article or None,
                "source_office": "; ".join(dict.fromkeys(s["publisher"] for s in ss if s.get("publisher"))) or None,
                "source_date": first.get("published_start") and first["published_start"].isoformat(),
                "source_headline": "; ".join(s["title"] for s in ss if s.get("title")) or None,
                "source_original": original or None}

    def located(pids: list[str]) -> dict:
        ps = [places[p] for p in pids if p in places]
        if not ps:
            return {}
        p = ps[0]
        nation = w.country_of(places, p["place_id"])
        code = country(nation.get("iso_3166")) if nation else None
        chain, seen, cur = [], set(), p
        while cur and cur["place_id"] not in seen:
            seen.add(cur["place_id"])
            chain.append(cur["name"])
            cur = places.get(cur.get("parent_id"))
        lat, lon = (p.get("lat"), p.get("lon")) if len(ps) == 1 else (None, None)
        return {"where_prec": 7 if len(ps) > 1 else WHERE_PREC.get(str(p.get("where_precision"))),
                "where_coordinates": "; ".join(x["name"] for x in ps),
                "where_description": ", ".join(chain) if len(ps) == 1 else "; ".join(x["name"] for x in ps),
                "adm_1": _name(w.precision_of(places, p["place_id"], "admin-1")) if len(ps) == 1 else None,
                "adm_2": _name(w.precision_of(places, p["place_id"], "admin-2")) if len(ps) == 1 else None,
                "latitude": lat, "longitude": lon,
                "geom_wkt": f"POINT ({lon} {lat})" if lat is not None and lon is not None else None,
                "priogrid_gid": priogrid(lat, lon),
                "country": (code["ucdp_name"] if code else nation["name"]) if nation and len(ps) == 1 else None,
                "country_id": code and code["gw_code"] if len(ps) == 1 else None,
                "region": ucdp_region(code and code["gw_code"]) if len(ps) == 1 else None}

    def numbers(claims: list[dict], tov: int | None) -> dict:
        low, best, high = w.count(claims)
        return {"best": best, "low": low, "high": high,
                "deaths_civilians": best if tov == 3 else None, "deaths_unknown": best if tov != 3 else None}

    for e in t["events"].sort("event_id").to_dicts():
        if str(e["kind"]) not in VIOLENT_KINDS and str(e.get("sub_kind")) not in DEADLY_SUB_KINDS:
            continue
        claims = deaths.get(e["event_id"], [])
        used |= {c["estimate_id"] for c in claims}
        first, second = roles.get((e["event_id"], "initiator"), []), roles.get((e["event_id"], "target"), [])
        codes = [inter_code(a, actors) for a in first + second]
        tov = type_of_violence(e, codes)
        side_a, side_b = first, second
        if tov == 1:  # GED: side_a is always the government
            state = [a for a in first + second if inter_code(a, actors) == 1]
            side_a, side_b = state, [a for a in first + second if a not in state]
        names = lambda ids: "; ".join(actors[a]["name"] if a in actors else a for a in ids) or None  # noqa: E731
        a_name, b_name = names(side_a), names(side_b) or ("Civilians" if tov == 3 else None)
        start, end = w.known_span(e["date_start"], e["date_end"], str(e["date_precision"]), sources.get(e["source_id"]))
        out.append({"relid": e["event_id"], "year": _year(start, end, str(e["date_precision"])),
                    "type_of_violence": tov, "side_a": a_name, "side_b": b_name,
                    "dyad_name": f"{a_name} - {b_name}" if a_name and b_name else None,
                    **sourced([e["source_id"], *(c["source_id"] for c in claims)], claims),
                    **located([e["place_id"]] if e.get("place_id") else []),
                    "event_clarity": clarity(e.get("certainty")),
                    "date_prec": date_prec(str(e["date_precision"]), start, end),
                    "date_start": start and start.isoformat(), "date_end": end and end.isoformat(),
                    **numbers(claims, tov)})
    est = t.get("estimates")
    for r in (est.sort("estimate_id").to_dicts() if est is not None else []):
        if str(r.get("unit")) not in w.DEATH_UNITS or r["estimate_id"] in used:
            continue
        start, end = w.known_span(r.get("period_start"), r.get("period_end"), str(r.get("period_precision")),
                                  sources.get(r["source_id"]))
        out.append({"relid": r["estimate_id"], "year": _year(start, end, str(r.get("period_precision")), last=True),
                    **sourced([r["source_id"]], [r]), **located(r.get("theatre_place_ids") or []),
                    "event_clarity": clarity(r.get("certainty")),
                    "date_prec": date_prec(str(r.get("period_precision")), start, end),
                    "date_start": start and start.isoformat(), "date_end": end and end.isoformat(),
                    **numbers([r], None)})
    for i, r in enumerate(out, start=1):
        r["id"] = i
    return out


def _name(place: dict | None) -> str | None:
    return place["name"] if place else None
