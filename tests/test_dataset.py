"""The dataset as a value: toolkit.open(), its own descriptor, copies of tables, any article through the views."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import toolkit
from toolkit.core.descriptor import Descriptor
schema = Descriptor.shipped()  # the toolkit's own schema, as a value
LEDGER = Path(__file__).parent / "data" / "ledger"
SHIPPED_WORDS = ("RFE/RL", "Paraszczuk", "Radio Free Europe", "rferl_2015", "Kremlin Envoy", "Syria and Iraq")


def test_open_gives_a_value_with_metadata():
    ds = toolkit.open()
    assert isinstance(ds, toolkit.Dataset)
    assert ds.title == schema.shipped()["title"]
    assert ds.source_line == ds["sources"].filter(kind="article")["credit"].item()
    assert set(ds.table_names()) == set(schema.table_names())
    assert ds.estimates.equals(ds["estimates"]) and ds["estimates"].height == toolkit.load_estimates().height
    text = repr(ds)
    assert ds.title in text and all(f"{n} {ds[n].height}" in text for n in ds.table_names())
    with pytest.raises(KeyError, match="did you mean 'estimates'"):
        ds["estimate"]


def test_tables_are_handed_out_as_copies():
    ds = toolkit.open()
    est = ds["estimates"]
    before = est["value_best"].to_list()
    est[0, "value_best"] = 999_999  # an in-place change by a user ...
    assert ds["estimates"]["value_best"].to_list() == before  # ... changes nothing the dataset holds
    first = toolkit.load_estimates()
    first[0, "qualifier"] = "changed"
    assert toolkit.load_estimates()["qualifier"][0] != "changed"


def test_with_tables_returns_a_new_value():
    ds = toolkit.open()
    small = ds.with_tables(estimates=ds["estimates"].head(2))
    assert small["estimates"].height == 2 and ds["estimates"].height > 2
    with pytest.raises(KeyError):
        ds.with_tables(nonsense=ds["estimates"])


def test_a_folders_own_descriptor_is_used(data_copy):
    places = pl.read_csv(data_copy / "places.csv", infer_schema=False)
    places.with_columns(pl.when(pl.col("place_id") == "magas").then(pl.lit("town")).otherwise("kind").alias("kind")) \
        .write_csv(data_copy / "places.csv")
    report = toolkit.validate(data_copy)
    assert any(p.column == "kind" and "town" in p.message for p in report.problems)
    desc = json.loads((data_copy / "datapackage.json").read_text(encoding="utf-8"))
    for r in desc["resources"]:
        for f in r["schema"]["fields"]:
            if r["name"] == "places" and f["name"] == "kind":
                f["constraints"]["enum"].append("town")
    (data_copy / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    assert not [p for p in toolkit.validate(data_copy).problems if p.column == "kind"]
    assert "town" in toolkit.open(data_copy)["places"]["kind"].cast(str).to_list()


def test_an_open_vocabulary_takes_any_slug_and_names_a_bad_one(data_copy):
    """unit, population and topic name the world: any lower-case slug passes; anything else is one clear line."""
    est = pl.read_csv(data_copy / "estimates.csv", infer_schema=False)
    est = est.with_columns(
        pl.when(pl.col("estimate_id") == "est04").then(pl.lit("boats")).otherwise("unit").alias("unit"),
        pl.when(pl.col("estimate_id") == "est05").then(pl.lit("Ethnic Avars")).otherwise("population").alias("population"))
    est.write_csv(data_copy / "estimates.csv")
    problems = toolkit.validate(data_copy).problems
    assert not [p for p in problems if p.column == "unit"], problems
    bad = [p for p in problems if p.column == "population"]
    row = est["estimate_id"].to_list().index("est05") + 1
    assert len(bad) == 1 and bad[0].file == "estimates.csv" and bad[0].row == row, bad
    assert "lower-case slug" in bad[0].message and "'ethnic_avars'" in bad[0].message
    est.with_columns(pl.col("population").replace("Ethnic Avars", "ethnic_avars")).write_csv(data_copy / "estimates.csv")
    ds = toolkit.open(data_copy)
    assert ds["estimates"].schema["population"] == pl.String and ds["estimates"].schema["unit"] == pl.String
    dictionary = ds.dictionary().filter(pl.col("column") == "population").row(0, named=True)
    assert dictionary["vocabulary"] == "open" and "ethnic_avars (1)" in dictionary["allowed"]
    closed = ds.dictionary().filter(pl.col("column") == "bound").row(0, named=True)
    assert closed["vocabulary"] == "closed"


def test_a_broken_own_descriptor_is_a_problem(data_copy):
    (data_copy / "datapackage.json").write_text("{not json", encoding="utf-8")
    report = toolkit.validate(data_copy)
    assert [p for p in report.problems if p.file == "datapackage.json"]


def test_the_shipped_text_is_never_used_for_another_dataset(tmp_path, text):
    report = toolkit.validate(LEDGER)
    assert report.ok and any(str(LEDGER / "texts") in n for n in report.notes)
    copy = tmp_path / "ledger"
    shutil.copytree(LEDGER, copy)
    shutil.rmtree(copy / "texts")
    notes = toolkit.validate(copy).notes
    assert any("not found" in n for n in notes)
    assert not any("shared" in n and "checked against" in n for n in notes)


def _rename(folder: Path, pairs) -> None:
    for p in list(folder.glob("*.csv")) + list(folder.glob("*.txt")) + [folder / "datapackage.json"]:
        s = p.read_text(encoding="utf-8")
        for a, b in pairs:
            s = s.replace(a, b)
        p.write_text(s, encoding="utf-8")


@pytest.mark.slow
def test_a_renamed_copy_of_the_shipped_data_draws_nothing_of_the_original(data_copy, text, tmp_path):
    (data_copy / "article.txt").write_text(text, encoding="utf-8")
    pairs = [("rferl_2015", "zzzzz_2015"), ("RFE/RL", "XYZ/QQ"), ("Paraszczuk", "Kowalskiii"),
             ("Radio Free Europe/Radio Liberty", "Radio Quiet Coast/Radio Somebody")]
    _rename(data_copy, pairs)
    report = toolkit.validate(data_copy)
    assert report.ok, str(report)
    ds = toolkit.open(data_copy)
    from toolkit.views import charts
    from toolkit.views import maps

    specs = {f.__name__: f(ds).to_json() for f in (charts.estimates, charts.timeline, charts.actors, charts.mentions,
                                                    charts.dashboard, maps.regions, maps.flows)}
    for name, spec in specs.items():
        assert "XYZ/QQ" in spec, name
        for word in ("RFE/RL", "Paraszczuk", "rferl_2015"):
            assert word not in spec, (name, word)
    fig = maps.static_regions(ds)
    assert "XYZ/QQ" in fig.texts[0].get_text() if fig.texts else True
    assert "RFE/RL" not in " ".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))


@pytest.mark.slow
def test_the_second_dataset_goes_through_every_view_naming_only_itself():
    from toolkit.views import charts
    from toolkit import geo
    from toolkit.views import maps

    assert toolkit.validate(LEDGER).ok
    ds = toolkit.open(LEDGER)
    assert ds.source_line.startswith("Source: Caucasus Ledger")
    for view in (charts.estimates, charts.timeline, charts.actors, charts.mentions, charts.dashboard,
                 maps.regions, maps.flows):
        spec = view(ds).to_json()
        assert "Caucasus Ledger" in spec, view.__name__
        for word in SHIPPED_WORDS[:5]:
            assert word not in spec, (view.__name__, word)
    flows = maps.flows(ds).to_dict()
    assert "Syria and Iraq" in flows["title"]["text"]  # its own theatres, from its own data
    joined = geo.join(ds)
    assert set(joined["place_id"]) == set(ds["places"]["place_id"])
    regions = geo.regions(ds=ds)
    named = regions.dropna(subset=["place_id"])
    assert set(named["place_id"]) == {"kabardino_balkaria", "ingushetia"}  # the dataset's places, not the shipped ones
    fig = maps.static_regions(ds)
    texts = " ".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))
    assert "Caucasus Ledger" in texts and "RFE/RL" not in texts and "Chechnya" not in texts


def test_palette_never_runs_out():
    from toolkit.views import theme

    many = theme.colours([f"c{i}" for i in range(30)], fixed={"not stated": theme.GREY})
    assert len(set(many.values())) == 31 and list(many.values()).count(theme.GREY) == 1


def test_toolkit_new_writes_a_valid_empty_dataset(tmp_path):
    text = tmp_path / "story.txt"
    text.write_text("A headline\n\nThe minister said 12 people left.\n", encoding="utf-8")
    out = tmp_path / "mine"
    run = subprocess.run([sys.executable, "-m", "toolkit", "new", str(out), "--text", str(text), "--title", "A story"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert toolkit.validate(out).ok
    ds = toolkit.open(out)
    assert ds.title == "A story" and ds["estimates"].height == 0 and ds.text() == text.read_text(encoding="utf-8")
    assert "RFE/RL" not in (out / "datapackage.json").read_text(encoding="utf-8")
    again = subprocess.run([sys.executable, "-m", "toolkit", "new", str(out), "--text", str(text)],
                           capture_output=True, text=True)
    assert again.returncode == 1 and "not empty" in again.stderr and "Traceback" not in again.stderr


def test_toolkit_new_writes_no_word_of_the_shipped_article(tmp_path):
    """The new folder's descriptor is the current schema in general terms: no person, source, population or year
    of the shipped data (those belong in the shipped data, e.g. its sources.note)."""
    from toolkit.dataset.create import new

    text = tmp_path / "story.txt"
    text.write_text("A headline\n\nThe minister said 12 people left.\n", encoding="utf-8")
    folder = new(tmp_path / "mine", text, title="A story")
    written = (folder / "datapackage.json").read_text(encoding="utf-8")
    shipped = toolkit.open()
    words = set(shipped["sources"]["source_id"]) | set(shipped["estimates"]["population"].drop_nulls())
    for r in shipped["actors"].filter(pl.col("kind") == "person").iter_rows(named=True):
        words |= {r["actor_id"], r["name"].split()[-1]}
    words |= {"2015", "speaker paraszczuk", "never writes"}
    found = sorted(w for w in words if w.lower() in written.lower())
    assert not found, f"toolkit new copies the shipped article's words: {found}"
    assert json.loads(written)["x-schema-version"] == json.loads(
        (Path(toolkit.SHIPPED) / "datapackage.json").read_text(encoding="utf-8"))["x-schema-version"]


def test_parquet_round_trip(tmp_path):
    ds = toolkit.open(LEDGER)
    out = ds.to_parquet(tmp_path / "pq")
    back = toolkit.open(out)
    for name in ds.table_names():
        assert back[name].equals(ds[name]), name
    assert back.texts == ds.texts and back.title == ds.title


def test_views_refuse_a_bare_dataframe_with_a_hint():
    from toolkit.views import charts

    with pytest.raises(TypeError, match="estimates=df"):
        charts.estimates(toolkit.load_estimates())


def test_a_checked_folder_is_reused_only_while_nothing_changed(tmp_path, monkeypatch):
    from toolkit.dataset import cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "ledger"
    shutil.copytree(LEDGER, folder)
    first = toolkit.open(folder)
    assert len(list((tmp_path / "cache" / "nc-fighters-toolkit" / "checked").iterdir())) == 1
    cache._memory.clear()  # a new process: only the disk remains
    again = toolkit.open(folder)
    for name in first.table_names():
        assert again[name].equals(first[name]), name
    est = folder / "estimates.csv"
    est.write_text(est.read_text(encoding="utf-8").replace(",200,", ",abc,", 1), encoding="utf-8")
    cache._memory.clear()
    with pytest.raises(toolkit.DataError, match="value_best"):  # the changed file is checked again
        toolkit.open(folder)
    for entry in (tmp_path / "cache" / "nc-fighters-toolkit" / "checked").iterdir():  # a damaged cache is ignored
        for f in entry.iterdir():
            f.write_bytes(b"garbage")
    est.write_text(est.read_text(encoding="utf-8").replace(",abc,", ",200,", 1), encoding="utf-8")
    cache._memory.clear()
    assert toolkit.open(folder)["estimates"].equals(first["estimates"])


def test_generic_chapter_notebooks_name_no_path_of_the_build_machine(tmp_path):
    from toolkit.tools.site import chapters

    data = [toolkit.data_folder(), LEDGER]
    for nb in chapters.write(tmp_path / "ch", data):
        text = nb.read_text(encoding="utf-8")
        for folder in data:
            assert str(Path(folder).resolve()) not in text, f"{nb.name} embeds {folder}"
        assert "TOOLKIT_CHAPTER_DATA" in text and repr(Path(LEDGER).name) in text


def test_a_source_with_its_own_text_is_the_folders_article_whatever_its_kind(data_copy, text):
    """The text a folder was coded from may be a news item or a report: its text (text_sha256) makes it the folder's
    own, so its facts are "in the article", its quotes are checked, and no chart calls them context."""
    from toolkit.views.charts.estimates import _panels

    p = data_copy / "sources.csv"
    lines = p.read_text(encoding="utf-8").splitlines(keepends=True)
    lines = [ln.replace("rferl_2015,article,", "rferl_2015,news,", 1) for ln in lines]
    p.write_text("".join(lines), encoding="utf-8")
    (data_copy / "article.txt").write_bytes(text.encode("utf-8"))
    ds = toolkit.open(data_copy)
    assert ds["sources"].filter(source_id="rferl_2015")["kind"][0] == "news"
    assert ds.articles()["source_id"].to_list() == ["rferl_2015"]
    panels = dict(_panels(ds))
    assert panels["rferl_2015"] == "In the article" and "none of" not in panels["context"]
