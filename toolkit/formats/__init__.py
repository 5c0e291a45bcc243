"""Export a checked data folder in the field's formats: a Frictionless zip, Parquet, GeoJSON, ACLED, UCDP GED.

Every format is written to a temporary file beside ``out`` and moved into place only when complete:
a failed export leaves an existing ``out`` as it was. The data are validated first (bad data: the
loaders' :class:`~toolkit.validate.DataError`, nothing written). What each column comes from and what
is lost is documented in README ("Exports").

>>> from toolkit.formats import export
>>> export(None, "acled", "/tmp/acled.csv").name  # doctest: +SKIP
'acled.csv'
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

import polars as pl

from toolkit.core.errors import ToolkitError

FORMATS = ("frictionless", "parquet", "geojson", "acled", "ged")
DEFAULT_OUT = {"frictionless": "{name}.zip", "parquet": "{name}-parquet", "geojson": "places.geojson",
               "acled": "acled.csv", "ged": "ged.csv"}

ACLED_COLUMNS = ["event_id_cnty", "event_date", "year", "time_precision", "event_type", "sub_event_type", "actor1",
                 "actor2", "country", "admin1", "location", "latitude", "longitude", "geo_precision", "source", "notes"]
GED_COLUMNS = ["id", "relid", "year", "side_a", "side_b", "source_article", "source_office", "source_date",
               "source_headline", "source_original", "where_prec", "where_coordinates", "where_description", "adm_1",
               "latitude", "longitude", "country", "date_prec", "date_start", "date_end", "best", "high", "low",
               "x_table", "x_unit"]

_ACLED_TYPE = {"battles": "Battles", "violence_against_civilians": "Violence against civilians",
               "explosions_remote_violence": "Explosions/Remote violence", "riots": "Riots", "protests": "Protests",
               "strategic_developments": "Strategic developments", "statement": "Statements"}
_ACLED_SUB = {"counterterrorism_operation": "Armed clash", "pledge_of_allegiance": "Change to group/activity",
              "designation": "Other", "travel": "Other"}
_ACLED_TIME = {"day": 1, "days": 2, "week": 2}  # anything coarser: 3 (ACLED's coarsest)
_ACLED_GEO = {"exact point": 1, "near point": 2, "admin-2": 2}  # anything coarser: 3
_GED_WHERE = {"exact point": 1, "near point": 2, "admin-2": 3, "admin-1": 4, "named area": 5, "country": 6,
              "international": 7}


class ExportError(ToolkitError, ValueError):
    """An export that cannot be written (unknown format, unsafe output path)."""


# --- writing --------------------------------------------------------------------------------------

def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _atomic_file(out: Path, write) -> Path:
    """Call ``write(tmp_path)`` and move the finished file onto ``out``; on failure ``out`` is untouched."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, out)
    except OSError as e:  # name the export, not the hidden temporary file beside it
        Path(tmp).unlink(missing_ok=True)
        raise type(e)(e.errno, e.strerror or str(e), str(out)) from e
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def _atomic_dir(out: Path, suffix: str, write) -> Path:
    """Like :func:`_atomic_file` for a folder; refuses to replace a folder holding anything but ``*suffix``."""
    if out.exists() and (not out.is_dir() or any(not p.name.endswith(suffix) for p in out.iterdir())):
        raise ExportError(f"{out} exists and is not an earlier {suffix} export: choose another --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part"))
    old = out.with_name(f".{out.name}.old")
    try:
        write(tmp)
        os.chmod(tmp, 0o777 & ~_umask())
        if out.exists():
            os.replace(out, old)
        os.replace(tmp, out)
    except BaseException as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not out.exists():
            os.replace(old, out)
        if isinstance(e, OSError):  # name the export, not the hidden temporary folder beside it
            raise type(e)(e.errno, e.strerror or str(e), str(out)) from e
        raise
    shutil.rmtree(old, ignore_errors=True)
    return out


def _csv_bytes(columns: list[str], rows: list[dict]) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    w.writerows({c: "" if r.get(c) is None else r[c] for c in columns} for r in rows)
    return buf.getvalue().encode("utf-8")


# --- shared lookups -------------------------------------------------------------------------------

def _places(t: dict) -> dict:
    return {r["place_id"]: r for r in t["places"].to_dicts()}


def _ancestor(places: dict, pid: str | None, test) -> dict | None:
    """The place itself or its nearest parent for which ``test(row)`` holds."""
    seen = set()
    while pid and pid in places and pid not in seen:
        seen.add(pid)
        if test(places[pid]):
            return places[pid]
        pid = places[pid]["parent_id"]
    return None


def _mid(start, end):
    return start + (end - start) / 2 if start and end else (start or end)


def _ged_date_prec(precision: str | None, start, end) -> int | None:
    """UCDP GED's date_prec: 1 day, 2 two to six days, 3 a week, 4 a month (8-30 days), 5 within a year."""
    if not start or not end or precision in (None, "before", "unknown"):
        return None
    days = (end - start).days + 1
    for limit, code in ((1, 1), (6, 2), (7, 3), (31, 4), (366, 5)):
        if days <= limit:
            return code
    return None  # longer than a year: GED has no code for it


def _who(t: dict) -> dict:
    return {r["actor_id"]: r["name"] for r in t["actors"].to_dicts()}


def _roles(t: dict) -> dict:
    out: dict = {}
    for r in t["event_actors"].to_dicts():
        out.setdefault((r["event_id"], str(r["role"])), []).append(r["actor_id"])
    return out


# --- formats --------------------------------------------------------------------------------------

def acled_rows(t: dict) -> list[dict]:
    """Events in ACLED's column layout (one row per event; see README for the mapping)."""
    places, who, roles = _places(t), _who(t), _roles(t)
    src = {r["source_id"]: r for r in t["sources"].to_dicts()}
    rows = []
    for e in t["events"].sort("event_id").to_dicts():
        prec, start, end = str(e["date_precision"]), e["date_start"], e["date_end"]
        day = start if prec == "day" else _mid(start, end) if start else None
        p = places.get(e["place_id"]) if e["place_id"] else None
        country = _ancestor(places, e["place_id"], lambda r: str(r["kind"]) == "country")
        admin1 = _ancestor(places, e["place_id"], lambda r: str(r["where_precision"]) == "admin-1")
        span = f"dates {start or '…'} to {end or '…'} ({prec}" + (", year inferred" if e["year_inferred"] else "") \
            + (", dates inferred" if e["date_inferred"] else "") + ")"
        quote = f'paragraph {e["paragraph"]}: "{e["quote"]}"' if e["quote"] else ""
        rows.append({
            "event_id_cnty": e["event_id"], "event_date": day and day.isoformat(), "year": day and day.year,
            "time_precision": (_ACLED_TIME.get(prec, 3) if day else None),
            "event_type": _ACLED_TYPE.get(str(e["kind"]), str(e["kind"])),
            "sub_event_type": _ACLED_SUB.get(str(e["sub_kind"]), str(e["sub_kind"]).replace("_", " ")),
            "actor1": "; ".join(who[a] for a in roles.get((e["event_id"], "initiator"), [])),
            "actor2": "; ".join(who[a] for a in roles.get((e["event_id"], "target"), [])),
            "country": country and country["name"], "admin1": admin1 and admin1["name"],
            "location": p and p["name"], "latitude": p and p["lat"], "longitude": p and p["lon"],
            "geo_precision": p and _ACLED_GEO.get(str(p["where_precision"]), 3),
            "source": src[e["source_id"]]["publisher"] if e["source_id"] in src else e["source_id"],
            "notes": " | ".join(x for x in (e["summary"], span, quote, e["note"]) if x),
        })
    return rows


def ged_rows(t: dict) -> list[dict]:
    """Estimates, then events, in UCDP GED's column layout (see README for the mapping)."""
    places, who, roles = _places(t), _who(t), _roles(t)
    src = {r["source_id"]: r for r in t["sources"].to_dicts()}
    rows: list[dict] = []

    def source_cols(sid):
        s = src.get(sid, {})
        article = ", ".join(x for x in (s.get("author"), s.get("title"), s.get("publisher"), s.get("url")) if x)
        return {"source_article": article, "source_office": s.get("publisher"), "source_headline": s.get("title"),
                "source_date": s.get("published_start") and s["published_start"].isoformat()}

    for r in t["estimates"].sort("estimate_id").to_dicts():
        theatres = [places[p] for p in r["theatre_place_ids"] or [] if p in places]
        start, end = r["period_start"], r["period_end"]
        claimant = who.get(r["claimant_id"], "not stated") + (f" (via {who[r['reported_via_id']]})" if r["reported_via_id"] else "")
        rows.append(source_cols(r["source_id"]) | {
            "relid": r["estimate_id"], "year": (end or start) and (end or start).year,
            "side_b": who.get(r["affiliation_id"]), "source_original": claimant,
            "where_prec": 7 if len(theatres) > 1 else _GED_WHERE.get(str(theatres[0]["where_precision"])) if theatres else None,
            "where_coordinates": "; ".join(p["name"] for p in theatres) or None,
            "where_description": r["counted"], "country": "; ".join(p["name"] for p in theatres if str(p["kind"]) == "country") or None,
            "date_prec": _ged_date_prec(str(r["period_precision"]), start, end),
            "date_start": start and start.isoformat(), "date_end": end and end.isoformat(),
            "best": r["value_best"], "high": r["value_high"], "low": r["value_low"],
            "x_table": "estimates", "x_unit": str(r["unit"])})
    for e in t["events"].sort("event_id").to_dicts():
        p = places.get(e["place_id"]) if e["place_id"] else None
        country = _ancestor(places, e["place_id"], lambda x: str(x["kind"]) == "country")
        admin1 = _ancestor(places, e["place_id"], lambda x: str(x["where_precision"]) == "admin-1")
        start, end = e["date_start"], e["date_end"]
        rows.append(source_cols(e["source_id"]) | {
            "relid": e["event_id"], "year": (start or end) and (start or end).year,
            "side_a": "; ".join(who[a] for a in roles.get((e["event_id"], "initiator"), [])) or None,
            "side_b": "; ".join(who[a] for a in roles.get((e["event_id"], "target"), [])) or None,
            "where_prec": p and _GED_WHERE.get(str(p["where_precision"])), "where_coordinates": p and p["name"],
            "where_description": e["summary"], "adm_1": admin1 and admin1["name"],
            "latitude": p and p["lat"], "longitude": p and p["lon"], "country": country and country["name"],
            "date_prec": _ged_date_prec(str(e["date_precision"]), start, end),
            "date_start": start and start.isoformat(), "date_end": end and end.isoformat(),
            "x_table": "events", "x_unit": None})
    for i, r in enumerate(rows, start=1):
        r["id"] = i
    return rows


def geojson(t: dict) -> dict:
    """Places as a GeoJSON FeatureCollection: boundaries where the toolkit has them, else points, else none."""
    from toolkit import geo

    gdf = geo.join(t["places"])
    features = []
    for row, shape in zip(t["places"].to_dicts(), gdf.geometry):
        if shape is None and row["lat"] is not None:
            geometry = {"type": "Point", "coordinates": [row["lon"], row["lat"]]}
        else:
            import shapely

            geometry = shapely.geometry.mapping(shapely.orient_polygons(shape)) if shape is not None else None
        props = {k: (str(v) if k in ("kind", "where_precision") and v is not None else v) for k, v in row.items()}
        features.append({"type": "Feature", "id": row["place_id"], "properties": props, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


def _frictionless(folder: Path, desc: dict, tmp: Path) -> None:
    """The folder's own descriptor (title, licences, its tables and values) and each table's CSV, zipped."""
    for res in desc["resources"]:
        res.pop("x-absent", None)
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("datapackage.json", json.dumps(desc, indent=1, ensure_ascii=False) + "\n")
        for res in desc["resources"]:  # columns in the descriptor's order, as Frictionless requires
            path = folder / res["path"]
            rows = []
            if path.is_file():  # a table an older folder lacks is written with its header only
                with open(path, encoding="utf-8-sig", newline="") as fh:
                    rows = list(csv.DictReader(fh))
            z.writestr(res["path"], _csv_bytes([f["name"] for f in res["schema"]["fields"]], rows))


def export(data_dir: str | Path | None = None, format: str = "frictionless", out: str | Path | None = None) -> Path:
    """Write the checked tables of ``data_dir`` (default: the shipped data) as ``format``; return the path.

    Formats: ``frictionless`` (zipped data package), ``parquet`` (a folder, one file per table),
    ``geojson`` (places), ``acled`` (events, CSV), ``ged`` (estimates and events, CSV).

    >>> export(format="ged", out="/tmp/ged.csv").read_text().splitlines()[0][:20]  # doctest: +SKIP
    'id,relid,year,side_a'
    """
    from toolkit.dataset import data_folder, open as open_dataset

    if format not in FORMATS:
        raise ExportError(f"unknown export format {format!r}; choose one of: {', '.join(FORMATS)}")
    folder = data_folder(data_dir)
    ds = open_dataset(folder)  # validated: bad data raise DataError before anything is written
    t = {n: ds[n] for n in ds.table_names()}
    out = Path(out or DEFAULT_OUT[format].format(name=ds.descriptor.get("name", "data")))
    if format == "parquet":  # the same folder as ds.to_parquet(): toolkit.open(out) reopens it
        try:
            return ds.to_parquet(out)
        except FileExistsError as e:
            raise ExportError(str(e)) from None
    if out.is_dir():
        raise ExportError(f"{out} is a folder; --out for {format} names a file")
    if format == "frictionless":
        return _atomic_file(out, lambda tmp: _frictionless(folder, ds.descriptor.to_dict(), tmp))
    if format == "geojson":
        data = json.dumps(geojson(t), ensure_ascii=False).encode("utf-8")
    elif format == "acled":
        data = _csv_bytes(ACLED_COLUMNS, acled_rows(t))
    else:
        data = _csv_bytes(GED_COLUMNS, ged_rows(t))
    return _atomic_file(out, lambda tmp: tmp.write_bytes(data))
