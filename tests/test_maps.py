"""Maps (toolkit.maps): valid, small, offline specs; one shape per subject; maps that are not one colour.

Set CHART_PNG_DIR=/some/dir to keep the rendered PNGs for a look.
"""
from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import polars as pl
import pytest

alt = pytest.importorskip("altair")
vlc = pytest.importorskip("vl_convert")
gpd = pytest.importorskip("geopandas")
Image = pytest.importorskip("PIL.Image")

import shapely  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402

import toolkit  # noqa: E402
from toolkit import geo
from toolkit.views import maps  # noqa: E402

MAX_SPEC = 150_000
HOSTILE = "$x^$ <img src=x onerror=alert(1)>"  # invalid mathtext: drawing fails if it were parsed


def png(chart, name: str) -> Image.Image:
    data = vlc.vegalite_to_png(chart.to_json(), scale=1)
    if os.environ.get("CHART_PNG_DIR"):
        Path(os.environ["CHART_PNG_DIR"], f"{name}.png").write_bytes(data)
    return Image.open(io.BytesIO(data)).convert("RGB")


def fig_png(fig: Figure, name: str) -> Image.Image:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    if os.environ.get("CHART_PNG_DIR"):
        Path(os.environ["CHART_PNG_DIR"], f"{name}.png").write_bytes(buf.getvalue())
    return Image.open(buf).convert("RGB")


def dominant_share(img: Image.Image) -> float:
    counts = np.unique(np.asarray(img).reshape(-1, 3), axis=0, return_counts=True)[1]
    return counts.max() / counts.sum()


def layers(spec) -> list[dict]:
    if "layer" in spec:
        return [u for s in spec["layer"] for u in layers(s)]
    if "vconcat" in spec:
        return [u for s in spec["vconcat"] for u in layers(s)]
    return [spec]


def clockwise(geometry: dict) -> bool:
    """Every exterior ring clockwise (what Vega/d3 needs; counter-clockwise fills the globe)."""
    polys = shapely.get_parts(shapely.geometry.shape(geometry))
    return all(not shapely.is_ccw(p.exterior) for p in polys)


@pytest.fixture(scope="module")
def regions_chart():
    return maps.regions()


@pytest.fixture(scope="module")
def flows_chart():
    return maps.flows()


@pytest.fixture(scope="module")
def static_fig():
    return maps.static_regions()


# --- regions ------------------------------------------------------------------------------------

@pytest.mark.slow
def test_regions_valid_small_and_not_one_colour(regions_chart):
    spec = regions_chart.to_dict(validate=True)
    assert len(regions_chart.to_json(indent=None)) <= MAX_SPEC
    assert spec["title"]["subtitle"][-1] == toolkit.SOURCE_LINE
    assert geo.ATTRIBUTION in spec["title"]["subtitle"]
    img = png(regions_chart, "map_regions")
    assert dominant_share(img) < 0.6


def test_choropleth_one_clockwise_shape_per_subject(regions_chart):
    spec = regions_chart.to_dict()
    (choro,) = [u for u in layers(spec) if u["mark"]["type"] == "geoshape" and "color" in u.get("encoding", {})]
    features = choro["data"]["values"]
    expected = geo.regions()
    assert len(features) == len(expected) == 7
    assert {f["properties"]["place_id"] for f in features} == set(expected["place_id"])
    assert all(clockwise(f["geometry"]) for f in features)
    tips = {t["field"] for t in choro["encoding"]["tooltip"]}
    assert {"properties.name", "properties.iso_3166", "properties.name_ne"} <= tips
    counts = dict(toolkit.load_mentions().filter(pl.col("entity_type") == "place")
                  .group_by("entity_id").len().iter_rows())
    for f in features:
        p = f["properties"]
        assert p["mentions"] == counts.get(p["place_id"], 0)
        assert (p["shade"] == choro["encoding"]["color"]["scale"]["domain"][0]) is (p["mentions"] == 0)
    scale = choro["encoding"]["color"]["scale"]
    assert len(set(scale["range"])) == len(scale["range"]) == len(scale["domain"])


def test_regions_use_the_article_spelling_and_label_every_subject(regions_chart):
    spec = regions_chart.to_dict()
    texts = {r.get("name") for u in layers(spec) if u["mark"]["type"] == "text" for r in u["data"]["values"]}
    names = set(toolkit.load_places().filter(pl.col("kind") == "federal_subject")["name"])
    assert names <= texts
    assert "Daghestan" in texts and "Dagestan" not in texts
    cities = toolkit.load_places().filter(
        (pl.col("kind") == "city") & pl.col("parent_id").is_in(list(geo.regions()["place_id"])))
    subtitle = " ".join(spec["title"]["subtitle"])
    assert cities.height >= 7
    for name in cities["name"]:  # every city is labelled, or named under the map as unlabelled for lack of room
        assert name in texts or name in subtitle, name
    assert len(set(cities["name"]) & texts) >= cities.height - 2


def _boxes(ds, width_px=660):
    """Label boxes (LAEA metres) of a regions map, as the layout rule computes them."""
    full, count, labels, cities, box = maps._regions_layout(ds, width_px)
    m = maps._m_per_px(box, width_px)
    out = []
    for lab in labels:
        x, y = maps._TO_LAEA.transform(lab["lx"], lab["ly"])
        w, h = len(lab["name"]) * 7.0 * m, 12 * m
        out.append((lab["name"], shapely.box(x - w / 2, y - h / 2, x + w / 2, y + h / 2)))
    for c in cities:
        if c["side"]:
            x, y = maps._TO_LAEA.transform(c["llon"], c["llat"])
            w, h = len(c["name"]) * 5.5 * m, 10 * m
            x0 = x if c["side"] == "left" else x - w if c["side"] == "right" else x - w / 2
            out.append((c["name"], shapely.box(x0, y - h / 2, x0 + w, y + h / 2)))
    lines = [shapely.LineString([maps._TO_LAEA.transform(lab["ax"], lab["ay"]), maps._TO_LAEA.transform(lab["lx"], lab["ly"])])
             for lab in labels if lab["small"]]
    return out, lines


@pytest.mark.parametrize("which", ["shipped", "ledger"])
def test_labels_and_leader_lines_do_not_cross_labels(which):
    ds = toolkit.open() if which == "shipped" else toolkit.open(Path(__file__).parent / "data" / "ledger")
    boxes, lines = _boxes(ds)
    for i, (a, ba) in enumerate(boxes):
        for b, bb in boxes[i + 1:]:
            assert not ba.intersects(bb), (a, b)
    cities = {c["name"] for c in maps._regions_layout(ds, 660)[3]}
    for name, b in boxes:
        if name in cities:
            assert not any(line.intersects(b) for line in lines), name


def test_region_labels_of_small_subjects_go_outside():
    labels = maps._region_labels(geo.regions())
    area = dict(zip(geo.regions()["name"], geo.regions()["area_km2"]))
    for lab in labels:
        moved = (lab["lx"], lab["ly"]) != (lab["ax"], lab["ay"])
        assert moved is (area[lab["name"]] < maps._SMALL_KM2)
    outside = [(lab["lx"], lab["ly"]) for lab in labels if lab["small"]]
    assert len(set(outside)) == len(outside)  # no two callouts on one spot


# --- flows --------------------------------------------------------------------------------------

@pytest.mark.slow
def test_flows_valid_small_and_not_one_colour(flows_chart):
    flows_chart.to_dict(validate=True)
    assert len(flows_chart.to_json(indent=None)) <= MAX_SPEC
    img = png(flows_chart, "map_flows")
    assert dominant_share(img) < 0.6


def test_flows_draw_every_mappable_article_claim(flows_chart):
    spec = flows_chart.to_dict()
    units = layers(spec)
    article = toolkit.open().articles()["source_id"].to_list()
    est = toolkit.load_estimates().filter(
        pl.col("source_id").is_in(article) & (pl.col("unit") == "fighters") & pl.col("same_claim_as").is_null()
        & (pl.col("theatre_place_ids").list.len() > 0) & (pl.col("value_best").fill_null(-1) != 0)
        & pl.col("origin_place_id").is_not_null())
    line = [u for u in units if u["mark"]["type"] == "line"][0]
    heads = [u for u in units if u["mark"].get("shape") == "triangle"][0]
    pairs = {(r["origin"], r["theatre"]) for r in line["data"]["values"]}
    assert len(heads["data"]["values"]) == len(pairs)
    claimed = {c for r in line["data"]["values"] for c in r["claims"].split(", ")}
    assert claimed == set(est["estimate_id"])
    for u in units:
        if u["mark"]["type"] == "geoshape":
            assert all(clockwise(f["geometry"]) for f in u["data"]["values"])
    key = spec["vconcat"][1]
    assert {r["quote"] for r in key["data"]["values"]} == set(est["quote"])
    assert "quote" in {t["field"] for t in key["encoding"]["tooltip"]}


def test_flows_note_far_away_claims_instead_of_a_world_map(flows_chart):
    spec = flows_chart.to_dict()
    places = toolkit.load_places()
    est = toolkit.load_estimates().filter(pl.col("source_id").is_in(toolkit.open().articles()["source_id"].to_list()))
    window = shapely.geometry.shape(spec["vconcat"][0]["projection"]["fit"]["geometry"])
    west, south, east, north = window.bounds
    far = places.filter(pl.col("place_id").is_in(list(est["claim_place_id"].drop_nulls()))
                        & ~pl.col("lon").is_between(west, east))
    assert far.height >= 1  # Washington, D.C.
    on_map = " ".join(json.dumps(r["text"]) for u in layers(spec) if u["mark"]["type"] == "text"
                      for r in u["data"]["values"] if "text" in r)
    under = " ".join(spec["title"]["subtitle"])
    for name in far["name"]:
        assert name in under and name not in on_map  # said under the map, never beside another point
    shapes = [f for u in layers(spec) if u["mark"]["type"] == "geoshape" for f in u["data"]["values"]]
    for f in shapes:
        minx, _, maxx, _ = shapely.geometry.shape(f["geometry"]).bounds
        assert minx > west - 10 and maxx < east + 10  # no far-away country drawn


# --- static print map ---------------------------------------------------------------------------

def test_static_map_is_a_labelled_figure_in_the_caucasus_crs(static_fig):
    assert isinstance(static_fig, Figure)
    ax = static_fig.axes[0]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert 300_000 < x1 - x0 < 2_000_000 and 300_000 < y1 - y0 < 2_000_000  # metres, not degrees
    assert abs((x0 + x1) / 2) < 200_000  # centred near the projection's origin (44°E, 43°N)
    texts = " ".join(t.get_text() for t in static_fig.findobj(Text))
    for name in geo.regions()["name"]:
        assert name in texts
    assert toolkit.SOURCE_LINE in texts and "N" in [t.get_text() for t in static_fig.findobj(Text)]
    assert ax.get_legend() is not None and ax.get_title(loc="left")
    img = fig_png(static_fig, "map_static_regions")
    assert dominant_share(img) < 0.6


def test_static_map_draws_text_literally():
    places = toolkit.load_places().with_columns(
        name=pl.when(pl.col("place_id") == "grozny").then(pl.lit(HOSTILE)).otherwise("name"))
    fig = maps.static_regions(places=places)
    texts = [t for t in fig.findobj(Text) if t.get_text()]
    assert any(HOSTILE in t.get_text() for t in texts)  # as a label, or named under the map as unlabelled
    assert not any(t.get_parse_math() for t in texts if "$" in t.get_text())
    fig_png(fig, "map_static_hostile")  # raises if the text went through mathtext


@pytest.mark.parametrize("which", ["shipped", "ledger"])
def test_nothing_sticks_out_of_the_print_maps_frame(which):
    ds = toolkit.open() if which == "shipped" else toolkit.open(Path(__file__).parent / "data" / "ledger")
    fig = maps.static_regions(ds)
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer() if hasattr(fig.canvas, "get_renderer") else None
    if renderer is None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        renderer = FigureCanvasAgg(fig).get_renderer()
    frame = ax.get_window_extent(renderer)
    inside = [t for t in ax.texts if t.get_text() and t.get_clip_on() is not False and t.axes is ax
              and not (t.get_position()[0] is None)]
    for t in ax.texts:
        if t.get_clip_on() is False:  # the graticule's labels sit on the frame's edge by design
            continue
        box = t.get_window_extent(renderer)
        assert frame.x0 - 1 <= box.x0 and box.x1 <= frame.x1 + 1 and frame.y0 - 1 <= box.y0 and box.y1 <= frame.y1 + 1, \
            (t.get_text(), box, frame)
    assert inside


# --- any part of the world ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def central_asia(tmp_path_factory):
    """The invented Georgia/Iraq fixture moved to Tajikistan: Kakheti -> Khatlon, the capital's region ->
    Dushanbe, their villages and cities to points there; Iraq stays, so the window is very wide."""
    import shutil

    folder = tmp_path_factory.mktemp("tajik") / "tajik"
    shutil.copytree(Path(__file__).parent / "data" / "pankisi", folder)
    places = folder / "places.csv"
    text = places.read_text(encoding="utf-8")
    for old, new in ((",GE-KA,", ",TJ-KT,"), (",GE-TB,", ",TJ-DU,"), (",GE,", ",TJ,"),
                     ("42.21,45.28", "37.91459,69.78454"), ("41.91957,45.47002", "37.83399,68.78186"),
                     ("41.69143,44.83412", "38.53575,68.77905")):
        assert old in text
        text = text.replace(old, new)
    places.write_text(text, encoding="utf-8")
    return toolkit.open(folder)


@pytest.mark.slow
def test_a_story_in_central_asia_draws_its_own_regions_and_window(central_asia):
    chart = maps.regions(central_asia)
    assert len(chart.to_json(indent=None)) <= MAX_SPEC  # a window from Iraq to Tajikistan, simplified to its pixels
    spec = chart.to_dict(validate=True)
    (choro,) = [u for u in layers(spec) if u["mark"]["type"] == "geoshape" and "color" in u.get("encoding", {})]
    assert {f["properties"]["iso_3166"] for f in choro["data"]["values"]} == {"TJ-KT", "TJ-DU", "IQ-NI"}
    fit = np.array(spec["projection"]["fit"]["geometry"]["coordinates"][0])
    (w, s), (e, n) = fit.min(axis=0), fit.max(axis=0)
    assert w < 42 and e > 70 and s < 36 and n > 38  # the window holds Nineveh and Khatlon
    lon, lat = -spec["projection"]["rotate"][0], -spec["projection"]["rotate"][1]
    assert w < lon < e and s < lat < n  # centred on the data's window, not on the Caucasus
    points = [r["place_id"] for u in layers(spec) if u["mark"]["type"] == "point" for r in u["data"]["values"]]
    assert {"duisi", "telavi", "tbilisi", "mosul"} <= set(points)  # whatever their names, the points drawn
    labels = {r.get("label") for u in layers(spec) if u["mark"]["type"] == "text" for r in u["data"]["values"]}
    assert {"IRAN", "AFGHANISTAN"} & labels  # the countries between, named for orientation
    img = png(chart, "map_regions_central_asia")
    assert dominant_share(img) < 0.6
    assert geo.place_problems(central_asia) == []


@pytest.mark.slow
def test_a_story_in_central_asia_flows_and_print_map(central_asia):
    flows = maps.flows(central_asia)
    assert len(flows.to_json(indent=None)) <= MAX_SPEC
    top = flows.to_dict()["vconcat"][0]
    fit = np.array(top["projection"]["fit"]["geometry"]["coordinates"][0])
    assert fit[:, 0].max() > 68  # the origin (Khatlon, drawn for the gorge) is in the window
    assert dominant_share(png(flows, "map_flows_central_asia")) < 0.6
    fig = maps.static_regions(central_asia)
    texts = " ".join(t.get_text() for t in fig.findobj(Text))
    assert "Lambert azimuthal equal-area (5" in texts  # centred near 55°E, between Mosul and Dushanbe
    km = [t.get_text() for t in fig.axes[0].texts if t.get_text().endswith(" km")]
    assert km and int(km[0].split()[0]) >= 200  # a scale bar sized to a map some 3,000 km wide
    assert dominant_share(fig_png(fig, "map_static_central_asia")) < 0.6


@pytest.mark.slow
def test_a_country_across_the_antimeridian_gets_a_map_of_itself(tmp_path):
    """A folder naming Russia and none of its regions: every region of Russia, Chukotka (both sides of 180°E)
    included, on a map centred on Russia, not on a world map centred on Greenwich."""
    import shutil

    folder = tmp_path / "russia"
    shutil.copytree(Path(__file__).parent / "data" / "pankisi", folder)
    places = folder / "places.csv"
    text = places.read_text(encoding="utf-8")
    for old, new in ((",GE-KA,", ",,"), (",GE-TB,", ",,"), (",IQ-NI,", ",,"), (",GE,", ",RU,"), (",IQ,", ",,")):
        assert old in text
        text = text.replace(old, new)
    places.write_text(text, encoding="utf-8")
    spec = maps.regions(toolkit.open(folder)).to_dict()
    (choro,) = [u for u in layers(spec) if u["mark"]["type"] == "geoshape" and "color" in u.get("encoding", {})]
    assert {f["properties"]["iso_3166"][:3] for f in choro["data"]["values"]} == {"RU-"} and len(choro["data"]["values"]) > 80
    lon, lat = -spec["projection"]["rotate"][0], -spec["projection"]["rotate"][1]
    assert 60 < lon < 140 and 50 < lat < 75  # Russia's middle
    back = [shapely.geometry.shape(f["geometry"]) for u in layers(spec) if u["mark"]["type"] == "geoshape"
            and "color" not in u.get("encoding", {}) for f in u["data"]["values"]]
    assert back and min(g.bounds[1] for g in back) > -10  # no Antarctica, no southern hemisphere behind the view


def test_flows_says_which_place_has_nothing_to_draw(data_copy):
    """A movement whose origin has no outline, point or stand-in is listed as not drawn, naming that place and
    what would draw it; when nothing is left to draw, the error says why each claim was left out."""
    import polars as pl

    from toolkit.core.errors import CannotDraw

    places = pl.read_csv(data_copy / "places.csv", infer_schema=False)
    new = {c: None for c in places.columns} | {"place_id": "nowhere_valley", "name": "Nowhere Valley",
                                                "kind": "geographic_region", "where_precision": "named area",
                                                "in_article": "false"}
    pl.concat([places, pl.DataFrame([new], schema={c: pl.String for c in places.columns})]).write_csv(data_copy / "places.csv")
    est = pl.read_csv(data_copy / "estimates.csv", infer_schema=False)
    est = est.with_columns(pl.when(pl.col("origin_place_id").is_not_null()).then(pl.lit("nowhere_valley"))
                           .otherwise(pl.col("origin_place_id")).alias("origin_place_id"))
    est.write_csv(data_copy / "estimates.csv")
    with pytest.raises(CannotDraw, match="no outline or point for Nowhere Valley: give it lat/lon or a drawn_as"):
        maps.flows(toolkit.open(data_copy))
