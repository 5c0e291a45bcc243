"""Altair views (toolkit.charts, toolkit.theme): valid specs, PNGs that show something, honest encodings.

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
Image = pytest.importorskip("PIL.Image")

import toolkit  # noqa: E402
from toolkit.views import charts
from toolkit.views import theme  # noqa: E402

VIEWS = ["estimates", "timeline", "actors", "mentions", "dashboard"]
EXPRESSION_KEYS = {"test", "filter", "calculate", "expr", "labelExpr", "update"}
EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)> $\\frac{a}{b}$'


def render(chart, name: str) -> Image.Image:
    """PNG through vl-convert (no browser, no network); kept in $CHART_PNG_DIR when set."""
    png = vlc.vegalite_to_png(chart.to_json(), scale=1)
    if os.environ.get("CHART_PNG_DIR"):
        Path(os.environ["CHART_PNG_DIR"], f"{name}.png").write_bytes(png)
    return Image.open(io.BytesIO(png)).convert("RGB")


def colours(img: Image.Image) -> np.ndarray:
    """How many pixels of each distinct colour."""
    return np.unique(np.asarray(img).reshape(-1, 3), axis=0, return_counts=True)[1]


def dominant_share(img: Image.Image) -> float:
    counts = colours(img)
    return counts.max() / counts.sum()


def walk(node, key=None):
    """(key, value) for every scalar in a spec."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v, key)
    else:
        yield key, node


def rows(spec) -> list[dict]:
    """Every inline data row of a spec (layers, concatenations, datasets)."""
    found = []
    def visit(node):  # noqa: E306
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "values" and isinstance(v, list) and v and isinstance(v[0], dict):
                    found.extend(v)
                elif k == "datasets":
                    for vs in v.values():
                        found.extend(vs)
                else:
                    visit(v)
        elif isinstance(node, list):
            for v in node:
                visit(v)
    visit(spec)
    return found


def units(spec) -> list[dict]:
    """Every unit (mark-bearing) spec."""
    if "mark" in spec:
        return [spec]
    return [u for key in ("layer", "vconcat", "hconcat", "concat") for s in spec.get(key, []) for u in units(s)]


@pytest.fixture(scope="module")
def built():
    return {name: getattr(charts, name)() for name in VIEWS}


@pytest.fixture(scope="module")
def rendered(built):
    """Each view's PNG, rendered when first asked for and then kept for the module (rendering takes seconds)."""
    done = {}

    def png(name: str) -> Image.Image:
        if name not in done:
            done[name] = render(built[name], name)
        return done[name]

    return png


@pytest.fixture(scope="module")
def specs(built):
    return {name: chart.to_dict(validate=True) for name, chart in built.items()}


# --- every view ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", VIEWS)
@pytest.mark.slow
def test_view_validates_renders_and_shows_something(built, rendered, name):
    chart = built[name]
    chart.to_dict(validate=True)  # against Altair's Vega-Lite schema
    img = rendered(name)
    assert img.width > 300 and img.height > 200
    assert dominant_share(img) < 0.97  # not a blank canvas
    assert len(colours(img)) > 20


@pytest.mark.parametrize("name", VIEWS)
def test_view_has_title_source_line_and_theme(specs, name):
    spec = specs[name]
    assert spec["title"]["text"]
    assert spec["title"]["subtitle"][-1] == toolkit.SOURCE_LINE
    assert spec["config"]["range"]["category"] == theme.PALETTE  # the toolkit theme is on


@pytest.fixture(scope="module")
def table_strings() -> set:
    """Every string of the shipped tables (6+ characters): text that must stay data."""
    out = set()
    for name in toolkit.list_tables()["table"]:
        df = toolkit.load(name)
        for col, dtype in df.schema.items():
            if dtype == pl.String:
                out |= {v for v in df[col].drop_nulls() if len(v) >= 6}
    return out


@pytest.mark.parametrize("name", VIEWS)
def test_no_data_string_reaches_an_expression(specs, table_strings, name):
    """Vega expressions are built from constants only; text from the tables stays in data values."""
    for value in [v for k, v in walk(specs[name]) if k in EXPRESSION_KEYS and isinstance(v, str)]:
        assert not any(s in value for s in table_strings), value


def test_tooltips_are_plain_fields(specs):
    for name, spec in specs.items():
        for key, value in walk(spec):
            assert not (key == "format" and value == "html"), name
    assert "html" not in json.dumps(specs["estimates"]["config"]).lower()


@pytest.mark.slow
def test_hostile_text_is_kept_literally():
    est = toolkit.load_estimates().with_columns(
        quote=pl.when(pl.col("estimate_id") == "est01").then(pl.lit(EVIL)).otherwise("quote"),
        counted=pl.when(pl.col("estimate_id") == "est05").then(pl.lit(EVIL)).otherwise("counted"))
    chart = charts.estimates(estimates=est)
    spec = chart.to_dict(validate=True)
    values = [v for r in rows(spec) for v in r.values() if isinstance(v, str)]
    assert EVIL in values
    assert any(EVIL in v for v in values if v != EVIL)  # the label that quotes `counted`
    for key, value in walk(spec):
        if key in EXPRESSION_KEYS and isinstance(value, str):
            assert "<script" not in value and "onerror" not in value
    render(chart, "estimates_hostile")


def test_theme_helpers():
    assert theme.use() == theme.NAME == alt.theme.active
    assert set(theme.colours(["a", "b"]).values()) <= set(theme.PALETTE)
    many = theme.colours([str(i) for i in range(len(theme.PALETTE) + 2)])
    assert theme.GREY not in many.values() and len(set(many.values())) == len(many)  # an 8th claimant is not "not stated"
    assert "#F0E442" not in theme.PALETTE  # Okabe–Ito yellow: too faint for thin marks on white


# --- estimates ----------------------------------------------------------------------------------

def _panels(spec) -> dict:
    return {p["title"] if isinstance(p["title"], str) else p["title"]["text"]: p for p in spec["vconcat"]}


def test_estimates_tooltips_carry_the_quote(specs):
    spec = specs["estimates"]
    tips = [t["field"] for u in units(spec) for t in u.get("encoding", {}).get("tooltip", [])]
    assert "quote" in tips and "said" in tips
    quotes = set(toolkit.load_estimates()["quote"].drop_nulls())
    shown = {r.get("quote") for r in rows(spec)}
    assert quotes and quotes <= shown


def test_estimates_vague_claims_are_words_not_numbers(specs):
    est = toolkit.load_estimates()
    vague = est.filter(pl.col("bound") == "vague")  # a number in another unit gets its own scale, not words
    panels = _panels(specs["estimates"])
    words = [p for t, p in panels.items() if "words" in t.lower()][0]
    numeric = [p for t, p in panels.items() if "words" not in t.lower()]
    plotted = {r["id"] for p in numeric for r in rows(p) if "id" in r}  # the certainty key has no claims
    listed = {r["id"]: r for r in rows(words)}
    assert vague.height and set(vague["estimate_id"]) == set(listed)
    assert not plotted & set(listed)
    for q, i in zip(vague["qualifier"], vague["estimate_id"]):
        assert q in listed[i]["words"]
        assert listed[i].get("anchor") is None


def test_estimates_bounds_point_the_right_way(specs):
    data = {r["id"]: r for r in rows(specs["estimates"]) if "anchor" in r}
    est = toolkit.load_estimates().filter(pl.col("unit") == "fighters")  # other kinds are listed in words
    top = max(r["open_to"] or 0 for r in data.values())
    assert top > est.select(pl.max_horizontal("value_low", "value_best", "value_high")).max().item()
    for r in est.filter(pl.col("bound") == "lower").to_dicts():
        d = data[r["estimate_id"]]
        assert (d["open_from"], d["open_to"], d["arrow_x"], d["arrow"]) == (r["value_low"], top, top, "triangle-right")
    for r in est.filter(pl.col("bound") == "upper").to_dicts():
        d = data[r["estimate_id"]]
        assert (d["open_from"], d["open_to"], d["arrow_x"], d["arrow"]) == (0, r["value_high"], 0, "triangle-left")
    for r in est.filter(pl.col("bound").is_in(["exact", "approximate"])).to_dicts():
        assert data[r["estimate_id"]]["arrow"] is None
    x = [u["encoding"]["x"] for u in units(specs["estimates"]) if "x" in u.get("encoding", {})
         and "scale" in u["encoding"]["x"]]
    assert {e["scale"]["type"] for e in x} == {"symlog"}


def test_estimates_article_and_context_apart_same_claims_marked(specs):
    est, src = toolkit.load_estimates(), toolkit.load_sources()
    article = set(src.filter(pl.col("kind") == "article")["source_id"])
    panels = _panels(specs["estimates"])
    inside = {r["id"] for t, p in panels.items() if t.startswith("In the article") for r in rows(p)}
    outside = {r["id"] for t, p in panels.items() if t.startswith("Published") for r in rows(p)}
    numeric = est.filter(pl.col("bound") != "vague")  # every unit: one scale each
    assert inside == set(numeric.filter(pl.col("source_id").is_in(list(article)))["estimate_id"])
    assert outside == set(numeric.filter(~pl.col("source_id").is_in(list(article)))["estimate_id"])
    data = {r["id"]: r for r in rows(specs["estimates"]) if "id" in r}
    for i, same in est.select("estimate_id", "same_claim_as").iter_rows():
        assert data[i]["copy"] is (same is not None)
        if same:
            assert same in data[i]["label"]


def test_estimates_colour_is_claimant(specs):
    est, actors = toolkit.load_estimates(), toolkit.load_actors()
    names = dict(zip(actors["actor_id"], actors["name"]))
    colour = [u["encoding"]["color"] for u in units(specs["estimates"]) if "color" in u.get("encoding", {})][0]
    domain, rng = colour["scale"]["domain"], colour["scale"]["range"]
    assert len(domain) == len(rng) == len(set(domain))
    article = est.filter(pl.col("source_id") == "rferl_2015")["claimant_id"].drop_nulls().unique()
    assert {names[a] for a in article} <= set(domain)
    assert len(set(rng)) == len(rng)  # no two claimants share a colour


# --- timeline -----------------------------------------------------------------------------------

def test_timeline_keeps_every_event_and_loose_statement(specs):
    ev, st = toolkit.load_events(), toolkit.load_statements()
    ids = {r["id"] for r in rows(specs["timeline"]) if "who" in r}
    assert set(ev["event_id"]) | set(st.filter(pl.col("event_id").is_null())["statement_id"]) == ids
    undated = [p for p in specs["timeline"]["vconcat"] if "Undated" in str(p.get("title"))][0]
    assert {r["id"] for r in rows(undated)} >= set(ev.filter(pl.col("date_precision") == "unknown")["event_id"])


def test_timeline_shows_precision_and_inferred_years(specs):
    ev = {e["event_id"]: e for e in toolkit.load_events().to_dicts()}
    dated = [r for r in rows(specs["timeline"]) if "shape" in r and r["id"] in ev]
    kinds = {r["shape"] for r in dated}
    assert {"point", "bar", "span"} <= kinds
    for r in dated:
        e = ev[r["id"]]
        assert r["shape"] == {"day": "point", "month": "span", "season": "span", "year": "span", "before": "open",
                              "after": "open", "on_or_after": "open"}.get(e["date_precision"], "bar")
        assert ("†" in r["label"]) is bool(e["year_inferred"] or e["date_inferred"])
        assert r["inferred"] is bool(e["year_inferred"] or e["date_inferred"])
        known = e["date_end"] if e["date_precision"] == "before" else e["date_start"]
        assert r["start"] == (e["date_start"] or known).isoformat() or r["shape"] == "open"
        assert r["end"] > r["start"]
    calc = [t["calculate"] for u in units(specs["timeline"]) for t in u.get("transform", []) if "calculate" in t]
    assert any("datum.inferred" in c for c in calc)  # lighter when inferred


def test_an_after_date_ends_at_its_sources_publication_and_a_hedged_one_is_dashed():
    """"after 3 May" in a text published on 14 June happened by 14 June: its bar never runs past the publication;
    an unconfirmed event's bar is dashed (hollow), a stated one's is not."""
    import datetime as dt

    from toolkit.views.charts.timeline import _event_rows

    events = pl.DataFrame([
        {"event_id": e, "summary": e, "date_start": dt.date(2016, 5, 3), "date_end": None, "date_precision": "after",
         "year_inferred": False, "date_inferred": False, "certainty": c, "source_id": src, "quote": "q", "paragraph": 1,
         "note": None} for e, c, src in (("ev1", "stated", "a"), ("ev2", "unconfirmed", "a"), ("ev3", "stated", "b"))])
    sources = pl.DataFrame({"source_id": ["a", "b"], "published_start": [dt.date(2016, 6, 14), None],
                            "published_end": [dt.date(2016, 6, 14), None]})
    statements = pl.DataFrame(schema={"statement_id": pl.String, "event_id": pl.String, "speaker_id": pl.String,
                                      "summary": pl.String, "paragraph": pl.Int64, "quote": pl.String})
    actors = pl.DataFrame({"actor_id": ["x"], "name": ["X"], "kind": ["person"]})
    dated, _ = _event_rows(events, statements, actors, sources=sources)
    by = {r["id"]: r for r in dated}
    assert by["ev1"]["end"] == "2016-06-15" and by["ev1"]["start"] == "2016-05-03"  # through 14 June, drawn in full
    assert by["ev3"]["end"] > "2016-06-15"  # no publication date: fades out after the known day
    assert by["ev2"]["hedged"] and not by["ev1"]["hedged"]
    from toolkit.views.charts.timeline import _timeline_panel

    chart = _timeline_panel(dated, "Dated", width=400).to_dict()
    bars = [u for u in units(chart) if u["mark"]["type"] == "bar"]
    assert bars and all("datum.hedged" in json.dumps(u["encoding"].get("strokeDash")) for u in bars)


# --- actors -------------------------------------------------------------------------------------

def test_actors_network_draws_every_relation_without_overlapping_boxes(specs):
    rel = toolkit.load_relations().filter(pl.col("subject_type").cast(pl.String) != "event")  # events: timeline()
    data = rows(specs["actors"])
    unique = lambda rs: list({json.dumps(r, sort_keys=True): r for r in rs}.values())  # noqa: E731
    boxes = unique(r for r in data if "x2" in r and "lines" in r)  # the box and its text share data
    labels = unique(r for r in data if "relation" in r and "x" in r)  # the graph's (the narrow list has none)
    pairs = rel.select("subject_id", "object_id").unique()
    assert len(labels) == pairs.height
    assert sum(len(r["text"]) for r in labels) >= 1
    stated = " ".join(" ".join(r["text"]) for r in labels)
    for p in rel["predicate"].unique():
        assert p.replace("_", " ").split()[0] in stated
    assert len(boxes) == len(set(pairs["subject_id"]) | set(pairs["object_id"]))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            apart = a["x2"] <= b["x"] or b["x2"] <= a["x"] or a["y2"] <= b["y"] or b["y2"] <= a["y"]
            assert apart, (a["name"], b["name"])
    assert "quote" in [t["field"] for u in units(specs["actors"]) for t in u.get("encoding", {}).get("tooltip", [])]


def test_actors_layout_layers_point_forward():
    cols, chains = charts._layers(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("a", "c"), ("d", "c")])
    layer = {n: k for k, col in cols.items() for n in col}
    assert layer["a"] < layer["b"] < layer["c"]
    assert len(chains[("a", "c")]) == 3  # one point on the skipped layer
    cycle, _ = charts._layers(["x", "y"], [("x", "y"), ("y", "x")])  # terminates on a cycle
    assert sum(len(c) for c in cycle.values()) == 2


# --- mentions -----------------------------------------------------------------------------------

def test_mentions_heatmap_counts_every_mention(specs):
    men, seg = toolkit.load_mentions(), toolkit.load_segments().filter(pl.col("counted"))
    cells = [r for r in rows(specs["mentions"]) if "paragraph" in r and "n" in r]
    assert sum(r["n"] for r in cells) == men.height
    totals = [r for r in rows(specs["mentions"]) if "total" in r]
    assert sum(r["total"] for r in totals) == men.height
    x = [u["encoding"]["x"] for u in units(specs["mentions"]) if u["encoding"]["x"].get("field") == "paragraph"]
    domain = x[0]["scale"]["domain"]
    assert domain[0] == seg["paragraph_start"].min() and domain[-1] == seg["paragraph_end"].max()
    assert domain == sorted(domain) and len(domain) == len(set(domain))


# --- dashboard ----------------------------------------------------------------------------------

def test_dashboard_selection_links_the_views(specs):
    spec = specs["dashboard"]
    (param,) = spec["params"]
    name = param["name"]
    users = [p for p in spec["vconcat"] if name in json.dumps(p)]
    assert len(users) >= 3  # the picker, the numbers and the timeline react to one selection
    assert param["select"]["fields"] == ["actor_id"]


@pytest.mark.slow
def test_dashboard_preselection_changes_the_picture(rendered):
    quiet = rendered("dashboard")
    picked = render(charts.dashboard(actor="melikov"), "dashboard_melikov")
    assert quiet.size == picked.size
    assert (np.asarray(quiet) != np.asarray(picked)).any()


@pytest.mark.slow
def test_views_are_deterministic():
    """The same data gives the same spec (byte-stable report pages; polars' group_by has no order)."""
    from toolkit.views import charts

    for view in (charts.mentions, charts.estimates, charts.timeline, charts.actors):
        # validate=False: checking the spec against Vega-Lite's schema changes nothing in it (done once per view in
        # test_view_validates_renders_and_shows_something) and was a third of this test's time
        specs = {view().to_json(validate=False) for _ in range(5)}
        assert len(specs) == 1, view.__name__


# --- in the browser and on paper -----------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.parametrize("which", ["shipped", "ledger"])
def test_views_draw_without_vega_warnings_in_the_browser(browser, tmp_path, which):
    """No "Conflicting scale property" or "Infinite extent" (page 04 had both): every view, two datasets."""
    from pathlib import Path

    from toolkit.views import embed
    from toolkit.views import maps

    ds = toolkit.open() if which == "shipped" else toolkit.open(Path(__file__).parent / "data" / "ledger")
    views = {"estimates": charts.estimates, "timeline": charts.timeline, "actors": charts.actors,
             "mentions": charts.mentions, "dashboard": charts.dashboard, "regions": maps.regions, "flows": maps.flows}
    for name, view in views.items():
        page = tmp_path / f"{name}.html"
        page.write_text("<html><body>" + embed.html(view(ds).to_dict(), with_bundle=True) + "</body></html>",
                        encoding="utf-8")
        tab = browser.new_page()
        messages = []
        tab.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
        tab.goto(page.as_uri())
        tab.wait_for_function("document.querySelector('.tk-vega svg, .tk-vega canvas')", timeout=30000)
        tab.wait_for_timeout(200)
        tab.close()
        assert not [m for m in messages if m.startswith(("warning", "error"))], (name, messages)


def test_edge_labels_of_the_actors_graph_do_not_overlap(specs):
    labels = [r for u in units(specs["actors"]) if u.get("mark", {}).get("type") == "text"
              for r in u.get("data", {}).get("values", []) if "relation" in r and "x" in r]
    assert labels
    boxes = []
    for r in labels:  # drawn with baseline "top": y is the top of the first line
        w, h = max(len(t) for t in r["text"]) * 5.6 + 6, 11.5 * len(r["text"])
        boxes.append((r["x"] - w / 2, r["y"], r["x"] + w / 2, r["y"] + h))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)


def test_a_relations_dates_are_on_its_label():
    """"leader since 2014", "formerly led before 2015": the network says when a relation held."""
    import datetime as dt

    rel = toolkit.load_relations()
    row = rel.row(0, named=True)
    dated = rel.head(1).with_columns(period_start=pl.lit(dt.date(2014, 1, 1)), period_end=pl.lit(None, pl.Date),
                                     period_precision=pl.lit("on_or_after").cast(rel.schema["period_precision"]))
    spec = charts.actors(relations=dated).to_dict()
    labels = [r for r in rows(spec) if r.get("relation") and "x" in r]
    assert any("since 2014" in " ".join(r["text"]) and row["predicate"].replace("_", " ") in " ".join(r["text"])
               for r in labels), labels


def test_altairs_own_save_draws_a_toolkit_chart_at_its_natural_width(tmp_path):
    """``chart.save("x.png")`` (Altair's method) draws a chart that fills its container at its natural width, not
    squeezed into Altair's 520 px default."""
    from PIL import Image

    chart = charts.actors()
    chart.save(tmp_path / "a.png")
    toolkit.save(chart, tmp_path / "b.png")
    assert Image.open(tmp_path / "a.png").size == Image.open(tmp_path / "b.png").size
    assert Image.open(tmp_path / "a.png").size[0] > 2 * 520


def test_the_claimant_legend_lists_only_what_is_drawn():
    """No "published elsewhere" key when no context estimate is drawn (and no "not stated" when every claim has one)."""
    est = toolkit.load_estimates()
    own = est.filter(pl.col("source_id") == "rferl_2015", pl.col("claimant_id").is_not_null())
    spec = charts.estimates(estimates=own).to_dict()
    domains = [e["color"]["scale"]["domain"] for u in units(spec) for e in [u.get("encoding", {})]
               if "color" in e and "scale" in e["color"] and "domain" in e["color"]["scale"]]
    assert domains and all("published elsewhere" not in d and "not stated" not in d for d in domains)
    spec = charts.estimates().to_dict()  # the shipped data has context estimates: the key is there
    assert any("published elsewhere" in e["color"]["scale"]["domain"] for u in units(spec) for e in [u.get("encoding", {})]
               if "color" in e and "scale" in e["color"] and "domain" in e["color"]["scale"])
