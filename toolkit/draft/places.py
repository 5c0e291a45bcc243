"""Places named in a text: the known folders' places and aliases, countries and federal subjects from
``toolkit.geo``'s boundaries, cities and villages from the offline gazetteer, and "the X Gorge/Valley" as named areas.

A gazetteer name is taken only where the text uses it as a place: after a locative word ("in",
"near", "from", "the village of" ...), in a dateline, or before "district", "region", "village";
"the Argun Gorge" or "the Pankisi Valley" become named areas without invented coordinates.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass, field

LOCATIVE = re.compile(r"(?:\b(?:in|near|from|to|at|outside|around|into|across|of|toward|towards|via|between|and|"
                      r"village of|town of|city of|settlement of|district of|villages of)\s+(?:the\s+)?)$", re.I)
FEATURE = re.compile(r"\b(?:the\s+)?(?P<name>(?:[A-Z][\w'’-]+\s){1,2})(?P<kind>Gorge|Valley|gorge|valley)\b")
ADMIN = {"RU", "GE", "AZ"}  # the region's countries: their places come first among namesakes
# GeoNames admin1 codes of Russia's North Caucasus subjects -> ISO 3166-2 (for a village's parent)
RU_ADMIN1 = {"17": "RU-DA", "12": "RU-CE", "19": "RU-IN", "22": "RU-KB", "27": "RU-KC", "68": "RU-SE", "70": "RU-STA"}
COMMON = {"of", "on", "as", "at", "is", "it", "in", "to", "by", "or", "an", "no", "so", "up", "us", "we", "he", "she",
          "the", "and", "but", "for", "man", "men", "new", "old", "will", "may", "can", "said", "police", "union",
          "victory", "mir", "pobeda", "sovetskoye", "komsomolskoye", "oktyabrskoye", "krasnoye", "lenina", "kirova",
          # months and weekdays: "in March 2015" is a date, though the world gazetteer has a March (England)
          "january", "february", "march", "april", "june", "july", "august", "september", "october", "november",
          "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}


def fold(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.replace("ı", "i"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[-'’ʼʻ.,()]", " ", plain).split())


def slug(name: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "_", fold(name)).strip("_")
    return s or "place"


@dataclass
class Place:
    place_id: str
    name: str
    kind: str
    iso_3166: str | None = None
    parent_id: str | None = None
    parent_iso: str | None = None  # resolved to a place id by the registry (a known folder's id when it has one)
    lat: float | None = None
    lon: float | None = None
    where_precision: str = "named area"
    note: str = ""
    confidence: float = 0.7
    row: dict = field(default_factory=dict)  # a known folder's row, kept as it is

    def as_row(self) -> dict:
        if self.row:
            return dict(self.row, in_article=True)
        return {"place_id": self.place_id, "name": self.name, "kind": self.kind, "iso_3166": self.iso_3166,
                "parent_id": self.parent_id, "lat": self.lat, "lon": self.lon, "where_precision": self.where_precision,
                "in_article": True, "drawn_as": None, "note": self.note}


def _geo_lines(name: str) -> list[str]:
    """The lines of one of the offline geo files (gzipped or not), read once each call."""
    import gzip

    from toolkit import geo

    path = geo._geo_dir().joinpath(name)
    if name.endswith(".gz"):
        with path.open("rb") as raw, gzip.GzipFile(fileobj=raw) as f:
            return f.read().decode("utf-8").splitlines()
    return path.read_text(encoding="utf-8").splitlines() if path.is_file() else []


@functools.lru_cache(maxsize=1)
def countries() -> dict[str, tuple[str, str]]:
    """folded country name -> (ISO 3166-1 code, name), from the boundaries' countries (every country)."""
    out = {}
    for line in _geo_lines("countries.geojson.gz"):
        m = re.search(r'"iso_3166":\s*"([A-Z]{2})".*?"name_ne":\s*"([^"]+)"', line[:2000])
        if m:
            out[fold(m.group(2))] = (m.group(1), m.group(2))
    extra = {"united states": ("US", "United States"), "u s": ("US", "United States"), "usa": ("US", "United States"),
             "britain": ("GB", "United Kingdom"), "great britain": ("GB", "United Kingdom")}
    return {**out, **{k: v for k, v in extra.items() if k not in out}}


@functools.lru_cache(maxsize=1)
def subjects() -> dict[str, tuple[str, str]]:
    """folded name of a North Caucasus federal subject (Natural Earth's and English names) -> (ISO 3166-2, name)."""
    from toolkit import geo

    out = {}
    for iso, name_ne, name_en in geo.region_names(RU_ADMIN1.values()):
        for n in (name_ne, name_en):
            if n:
                out[fold(n)] = (iso, name_ne or n)
    return out


@functools.lru_cache(maxsize=1)
def gazetteer() -> tuple[dict[str, list[dict]], ...]:
    """folded name -> candidate populated places (cities.csv.gz, then villages.csv), largest first."""
    index: dict[str, list[dict]] = {}
    for fname, kind in (("cities.csv.gz", "city"), ("villages.csv", "village")):
        for r in csv.DictReader(_geo_lines(fname)):
            entry = {"name": r["name"], "country": r["countrycode"], "admin1": r["admin1code"], "kind": kind,
                     "population": int(r["population"] or 0), "lat": float(r["lat"]), "lon": float(r["lon"]),
                     "geonameid": r["geonameid"]}
            for n in {r["name"], *filter(None, r["alternatenames"].split("|"))}:
                index.setdefault(fold(n), []).append(entry)
    for v in index.values():
        v.sort(key=lambda e: (e["country"] not in ADMIN, -e["population"]))
    return (index,)


_CAP = re.compile(r"\b[A-Z][a-zʼ'’]+(?:[- ][A-Z][a-zʼ'’]+){0,2}\b")


def find(sentence_text: str, offset: int, taken: list[tuple[int, int]]) -> list[tuple[int, int, Place]]:
    """Places in one sentence not already covered by ``taken`` spans (offsets are absolute)."""
    out = []

    def free(a, b):
        return not any(x < b and a < y for x, y in taken)

    for m in FEATURE.finditer(sentence_text):
        a, b = offset + m.start("name"), offset + m.end("kind")
        if free(a, b):
            name = m.group("name").strip() + " " + m.group("kind").capitalize()
            out.append((a, b, Place(slug(name), name, "geographic_region", where_precision="named area",
                                    note="A valley or gorge: no coordinates in the offline gazetteer", confidence=0.6)))
            taken.append((a, b))
    index = gazetteer()[0]
    for m in _CAP.finditer(sentence_text):
        words = m.group(0)
        a, b = offset + m.start(), offset + m.end()
        if not free(a, b):
            continue
        key = fold(words)
        before = sentence_text[:m.start()]
        if key in countries():
            iso, name = countries()[key]
            out.append((a, b, Place(slug(name), name, "country", iso_3166=iso, where_precision="country", confidence=0.85)))
            taken.append((a, b))
            continue
        if key in subjects():
            iso, name = subjects()[key]
            out.append((a, b, Place(slug(name), name, "federal_subject", iso_3166=iso, parent_iso="RU",
                                    where_precision="admin-1", confidence=0.85)))
            taken.append((a, b))
            continue
        hits = index.get(key)
        after = sentence_text[m.end():]
        located = LOCATIVE.search(before) or re.match(r"\s+(?:district|region|village|town|city)\b", after)
        if not hits or key in COMMON or not located or len(key) < 4:
            continue
        e = hits[0]
        parent = RU_ADMIN1.get(e["admin1"], e["country"]) if e["country"] == "RU" else e["country"]
        out.append((a, b, Place(slug(e["name"]), e["name"], "village" if e["kind"] == "village" else "city",
                                parent_iso=parent, lat=e["lat"], lon=e["lon"], where_precision="exact point",
                                note=f"GeoNames {e['geonameid']} (offline gazetteer, {e['kind']})",
                                confidence=0.8 if e["country"] in ADMIN else 0.6)))
        taken.append((a, b))
    return out
