"""Views read the data: units name the axes, titles agree with one or many articles, every article its panel,
certainty drawn, every date precision said in words; charts fit their container and JupyterLab's Vega 5."""

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

import toolkit
from toolkit.core.dates import phrase
from toolkit.dataset import describe_source
from toolkit.views import embed

LEDGER = Path(__file__).resolve().parent / "data" / "ledger"
D = dt.date


@pytest.mark.parametrize("start,end,precision,words", [
    (D(2015, 3, 26), D(2015, 3, 26), "day", "26 March 2015"),
    (D(2015, 3, 23), D(2015, 3, 25), "days", "23–25 March 2015"),
    (D(2015, 2, 1), D(2015, 3, 26), "range", "1 February – 26 March 2015"),
    (D(2014, 10, 1), D(2015, 3, 31), "range", "1 October 2014 – 31 March 2015"),
    (D(2015, 3, 1), D(2015, 3, 31), "month", "March 2015"),
    (D(2014, 6, 1), D(2014, 8, 31), "season", "summer 2014"),
    (D(2014, 6, 1), D(2014, 11, 30), "season", "summer–autumn 2014"),
    (D(2014, 12, 1), D(2015, 2, 28), "season", "winter 2014–15"),
    (D(2014, 1, 1), D(2014, 12, 31), "year", "2014"),
    (None, D(2015, 3, 26), "before", "before 26 March 2015"),
    (D(2016, 5, 1), None, "after", "after 1 May 2016"),
    (D(2016, 5, 1), None, "on_or_after", "on or after 1 May 2016"),
    (None, None, "unknown", "date not stated"),
])
def test_every_precision_is_said_in_words(start, end, precision, words):
    assert phrase(start, end, precision) == words


def test_source_lines_say_the_precision():
    row = {"publisher": "Daily", "author": "A. B.", "published_start": D(2016, 1, 1), "published_end": D(2016, 12, 31),
           "published_precision": "year"}
    assert describe_source(row, short=True) == "Daily, A. B., 2016"
    assert describe_source(row | {"published_start": None, "published_end": D(2016, 5, 2),
                                  "published_precision": "before"}, short=True).endswith("before 2 May 2016")
    assert describe_source(row | {"published_end": D(2016, 8, 31), "published_start": D(2016, 6, 1),
                                  "published_precision": "season", "year_inferred": True}, short=True) \
        == "Daily, A. B., summer 2016 (year inferred)"


def _text(spec) -> str:
    return json.dumps(spec, ensure_ascii=False)


def _nodes(spec):
    """Every mapping of a spec, depth first."""
    if isinstance(spec, dict):
        yield spec
        for v in spec.values():
            yield from _nodes(v)
    elif isinstance(spec, list):
        for v in spec:
            yield from _nodes(v)


def _rows(spec) -> list[dict]:
    """Every inline data row (Altair moves them to ``datasets``)."""
    found = [r for rs in spec.get("datasets", {}).values() for r in rs]
    return found + [r for n in _nodes(spec) if isinstance(n.get("values"), list) for r in n["values"] if isinstance(r, dict)]


def _axis_titles(spec) -> list[str]:
    return [n["axis"]["title"] for n in _nodes(spec) if isinstance(n.get("axis"), dict) and isinstance(n["axis"].get("title"), str)]


def test_a_deaths_only_dataset_never_says_fighters():
    from toolkit import charts

    ds = toolkit.open(LEDGER)
    deaths = ds.with_tables(estimates=ds["estimates"].filter(pl.col("unit").cast(pl.String) == "deaths"))
    assert deaths["estimates"].height
    spec = charts.estimates(deaths).to_dict()
    titles = _axis_titles(spec)
    assert titles and all("deaths" in t for t in titles), titles
    assert "fighters" not in " ".join(titles) and "fighters" not in _text(spec["title"])


def test_each_unit_has_its_own_axis_named_by_it():
    from toolkit import charts

    spec = charts.estimates(toolkit.open()).to_dict()
    titles = set(_axis_titles(spec))
    units = set(toolkit.open()["estimates"].filter(pl.col("bound") != "vague")["unit"].cast(pl.String))
    assert {f"number of {u} (log scale)" for u in units if u != "share"} <= titles, titles


def test_an_open_unit_is_drawn_with_its_own_name():
    from toolkit.views.charts.common import _axis_title

    assert _axis_title("people_detained") == "number of people detained"
    assert _axis_title("deaths") == "number of deaths" and _axis_title("share") == "share"


@pytest.fixture(scope="module")
def corpus():
    return toolkit.open(toolkit.SHIPPED, LEDGER)


@pytest.mark.slow
def test_titles_are_grammatical_for_several_articles(corpus):
    from toolkit import charts, maps

    n = corpus.articles().height
    assert corpus.noun == f"the {n} articles"
    for view in (charts.estimates, charts.timeline, charts.actors, charts.mentions, maps.regions):
        title = _text(view(corpus).to_dict()["title"])
        assert "the articles names" not in title and "articles states" not in title, (view.__name__, title)
        assert " names " not in title.replace(f"the {n} articles name ", ""), (view.__name__, title)
    assert toolkit.open().noun == "the article"


@pytest.mark.slow
def test_every_article_with_estimates_has_its_panel(corpus):
    from toolkit import charts

    spec = charts.estimates(corpus).to_dict()
    titles = [p.get("title", {}).get("text", p.get("title")) if isinstance(p.get("title"), dict) else p.get("title")
              for p in spec["vconcat"]]
    with_estimates = set(corpus["estimates"]["source_id"]) & set(corpus.articles()["source_id"])
    assert len(with_estimates) == 2
    for sid in with_estimates:
        art = corpus.articles().filter(pl.col("source_id") == sid).to_dicts()[0]
        name = (art.get("credit") or describe_source(art, short=True)).removeprefix("Source: ")
        assert any(t and t.startswith("In " + name) for t in titles), (name, titles)


@pytest.mark.slow
def test_certainty_is_drawn_and_an_older_folder_without_it_still_draws():
    from toolkit import charts

    ds = toolkit.open()
    spec = charts.estimates(ds).to_dict()
    hedged = {r["id"] for r in _rows(spec) if r.get("hedged") and "id" in r}
    expected = set(ds["estimates"].filter(~pl.col("certainty").cast(pl.String).is_in(["stated", "reported", "likely"]))
                   ["estimate_id"])
    assert hedged == expected and hedged
    assert "hollow or dashed" in _text(spec)  # the key
    older = ds.with_tables(estimates=ds["estimates"].drop("certainty"))
    assert "hollow or dashed" not in _text(charts.estimates(older).to_dict())


def test_dates_known_only_as_before_are_drawn_not_listed_as_undated():
    from toolkit.views.charts.timeline import _event_rows

    ds = toolkit.open()
    before = set(ds["events"].filter(pl.col("date_precision").cast(pl.String) == "before")["event_id"])
    assert before
    dated, undated = _event_rows(ds["events"], ds["statements"], ds["actors"], ds.noun, ds["event_actors"])
    assert before <= {r["id"] for r in dated if r["shape"] == "open"}
    assert not before & {r["id"] for r in undated}
    for r in dated:
        if r["id"] in before:
            assert r["dates"].startswith("before ") and r["start"] < r["known"] <= r["end"]


@pytest.mark.slow
def test_compiled_charts_are_vega_5_and_fit_their_container():
    from toolkit import charts

    vega = embed.to_vega(charts.estimates().to_dict())
    assert "/vega/v5" in vega["$schema"], "JupyterLab 4.6 draws with Vega 5: a v6 spec makes it warn"
    room = next(s for s in vega["signals"] if s["name"] == embed.ROOM)
    assert "containerSize()" in room["init"] and "window:resize" in json.dumps(room["on"])
    width = next(s for s in vega["signals"] if s["name"] == "width")
    assert width["init"] == embed.ROOM


@pytest.mark.slow
def test_without_a_container_a_chart_is_drawn_at_its_natural_width(tmp_path):
    from PIL import Image

    from toolkit import charts

    chart = charts.timeline()
    natural = chart.to_dict()["usermeta"]["toolkit"]["width"]
    image = Image.open(toolkit.save(chart, tmp_path / "t.png", scale=1))
    assert image.size[0] >= natural


@pytest.mark.parametrize("ext", ["png", "svg", "pdf"])
def test_save_takes_a_matplotlib_figure(tmp_path, ext):
    from toolkit import maps

    path = toolkit.save(maps.static_regions(), tmp_path / f"map.{ext}")
    head = path.read_bytes()[:8]
    assert {"png": head.startswith(b"\x89PNG"), "svg": b"<" in head, "pdf": head.startswith(b"%PDF")}[ext]
    with pytest.raises(ValueError, match="Matplotlib figure"):
        toolkit.save(maps.static_regions(), tmp_path / "map.html")
    assert not (tmp_path / "map.html").exists()
