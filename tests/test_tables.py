"""The shipped tables hold to their declaration, and every fact points back into the article."""

import polars as pl
import pytest

import toolkit
from toolkit.core import text as article
from toolkit.core.descriptor import Descriptor
schema = Descriptor.shipped()  # the toolkit's own schema, as a value
TABLES = schema.table_names()
EVIDENCE = [n for n in TABLES if schema.resource(n).get("x-evidence")]


@pytest.mark.parametrize("name", TABLES)
def test_columns_and_dtypes_match_declaration(name):
    df = toolkit.load(name)
    assert df.height > 0
    assert dict(df.schema) == dict(schema.polars_schema(name)) | {c: df.schema[c] for c in df.columns if c not in schema.polars_schema(name)}
    for f in schema.fields(name):
        assert f["name"] in df.columns


@pytest.mark.parametrize("name", TABLES)
def test_primary_keys_unique(name):
    df = toolkit.load(name)
    assert not df.select(schema.primary_key(name)).is_duplicated().any()


@pytest.mark.parametrize("name", TABLES)
def test_loader_docstring_shows_every_column(name):
    doc = getattr(toolkit, f"load_{name}").__doc__
    for f in schema.fields(name):
        assert f["name"] in doc


def test_contract_columns_present():
    """The column names notebooks rely on (the dataset issue's contract)."""
    contract = {
        "sources": "source_id title author publisher url published_start published_end published_precision",
        "actors": "actor_id name kind role affiliation_id",
        "places": "place_id name kind iso_3166 parent_id lat lon where_precision",
        "aliases": "alias entity_id entity_type note",
        "estimates": "estimate_id claimant_id reported_via_id counted origin_place_id theatre_place_ids affiliation_id "
                     "value_low value_best value_high bound qualifier claim_date_start claim_date_end "
                     "claim_date_precision year_inferred period",
        "events": "event_id kind summary date_start date_end date_precision year_inferred place_id",
        "event_actors": "event_id actor_id role",
        "statements": "statement_id speaker_id reported_via_id event_id topic summary",
        "relations": "subject_id predicate object_id",
        "mentions": "entity_id entity_type surface paragraph char_start char_end",
        "disputes": "dispute_id topic claim_ids summary",
    }
    for name, cols in contract.items():
        missing = set(cols.split()) - set(toolkit.load(name).columns)
        assert not missing, f"{name} lacks {missing}"
    for name in EVIDENCE:
        assert {"source_id", "paragraph", "char_start", "char_end", "quote"} <= set(toolkit.load(name).columns)


def test_validate_shipped_data_with_text(text):
    report = toolkit.validate()
    assert report.ok, str(report)
    assert any("checked against" in n for n in report.notes)


@pytest.mark.parametrize("name", EVIDENCE)
def test_quotes_are_the_slices_they_claim(name, text):
    df = toolkit.load(name).filter(pl.col("source_id") == "rferl_2015")
    assert df.height
    starts = article.paragraph_starts(text)
    for r in df.iter_rows(named=True):
        assert text[r["char_start"]:r["char_end"]] == r["quote"], r
        assert article.paragraph_of(text, r["char_start"], starts) == r["paragraph"], r
        assert len(r["quote"].split()) <= 25, r


def test_no_fact_quotes_page_furniture_or_whole_paragraphs(text):
    segs = toolkit.load_segments()
    counted = segs.filter("counted").select("char_start", "char_end").rows()
    for name in EVIDENCE:
        for r in toolkit.load(name).drop_nulls("char_start").iter_rows(named=True):
            assert any(lo <= r["char_start"] and r["char_end"] <= hi for lo, hi in counted), (name, r)
            lo, hi = article.paragraph_span(text, r["paragraph"])
            assert r["char_end"] - r["char_start"] < (hi - lo) or hi - lo < 80, (name, r["quote"])


def test_mentions_complete_and_exact(text):
    sid = toolkit.open().articles()["source_id"].item()
    expected = article.find_all_mentions({sid: text}, toolkit.load_aliases(), toolkit.load_segments())
    have = toolkit.load_mentions().with_columns(pl.col("entity_type").cast(str))
    assert have.sort("char_start").equals(expected.sort("char_start"))
    for r in have.iter_rows(named=True):
        assert text[r["char_start"]:r["char_end"]] == r["surface"]


def test_mentions_skip_furniture_and_duplicate_lede(text):
    m = toolkit.load_mentions()
    skipped = toolkit.load_segments().filter(~pl.col("counted"))
    for lo, hi in skipped.select("char_start", "char_end").rows():
        assert m.filter(pl.col("char_start").is_between(lo, hi - 1)).height == 0
    # the duplicated lede repeats Melikov's name: counted once, not twice
    lede = toolkit.load_segments().filter(kind="lede").row(0, named=True)
    dup = toolkit.load_segments().filter(kind="lede_duplicate").row(0, named=True)
    assert text[lede["char_start"]:lede["char_end"]] == text[dup["char_start"]:dup["char_end"]]


def test_every_named_entity_is_mentioned_where_the_article_names_it():
    mentioned = set(toolkit.load_mentions()["entity_id"])
    in_article = set(toolkit.load_places().filter("in_article")["place_id"])
    assert in_article <= mentioned, in_article - mentioned
    article_actors = set(toolkit.load_actors().filter(source_id="rferl_2015")["actor_id"])
    assert article_actors - mentioned <= {"rferl"}, article_actors - mentioned


def test_places_hierarchy_and_codes():
    places = toolkit.load_places()
    parent = dict(places.select("place_id", "parent_id").iter_rows())
    chain, p = [], "pyatigorsk"
    while p:
        chain.append(p)
        p = parent[p]
    assert chain == ["pyatigorsk", "stavropol_krai", "north_caucasus_fd", "russia"]
    iso = dict(places.select("place_id", "iso_3166").iter_rows())
    assert iso["daghestan"] == "RU-DA" and iso["chechen_republic"] == "RU-CE"
    ncfd = places.filter(parent_id="north_caucasus_fd", kind="federal_subject")
    assert ncfd.height == 7
    assert places.filter(kind="city")["lat"].null_count() == 0


def test_estimates_bounds_are_honest():
    est = toolkit.load_estimates()
    upward = est.filter(estimate_id="est01").row(0, named=True)
    assert upward["bound"] == "lower" and upward["value_low"] == 1500 and upward["value_best"] is None
    as_many = est.filter(pl.col("qualifier") == "as many as").row(0, named=True)
    assert as_many["bound"] == "upper" and as_many["value_high"] == 1700 and as_many["value_low"] is None
    vague = est.filter(bound="vague")
    assert vague.height >= 2 and vague.select("value_low", "value_best", "value_high").null_count().sum_horizontal().item() == 3 * vague.height
    assert est.filter(pl.col("qualifier") == "hundreds").height == 1


def test_year_is_inferred_and_said_so():
    src = toolkit.load_sources().filter(source_id="rferl_2015").row(0, named=True)
    assert src["year_inferred"] and "inferred" in src["note"]
    from_article = (pl.col("source_id") == "rferl_2015") & (pl.col("date_start").dt.year() == 2015)
    assert toolkit.load_events().filter(from_article)["year_inferred"].all()


def test_disputes_point_at_existing_claims():
    ids = (set(toolkit.load_estimates()["estimate_id"]) | set(toolkit.load_statements()["statement_id"])
           | set(toolkit.load_events()["event_id"]))
    for claims in toolkit.load_disputes()["claim_ids"]:
        assert len(claims) >= 2 and set(claims) <= ids


def test_data_dir_and_env_var(data_copy, monkeypatch):
    (data_copy / "actors.csv").write_text((data_copy / "actors.csv").read_text().replace("Sergei Melikov", "S. Melikov"))
    assert toolkit.load_actors(data_dir=data_copy).filter(actor_id="melikov")["name"].item() == "S. Melikov"
    monkeypatch.setenv("TOOLKIT_DATA_DIR", str(data_copy))
    assert toolkit.load_actors().filter(actor_id="melikov")["name"].item() == "S. Melikov"
    monkeypatch.delenv("TOOLKIT_DATA_DIR")
    assert toolkit.load_actors().filter(actor_id="melikov")["name"].item() == "Sergei Melikov"


def test_list_tables_and_load_by_name():
    lt = toolkit.list_tables()
    assert lt["table"].to_list() == TABLES
    assert (lt["rows"] > 0).all()
    with pytest.raises(KeyError, match="did you mean 'estimates'"):
        toolkit.load("estimate")


def test_cite_points_to_paragraph_and_quote():
    c = toolkit.cite("est05")
    r = toolkit.load_estimates().filter(estimate_id="est05").row(0, named=True)
    assert f"paragraph {r['paragraph']}" in c and r["quote"] in c and "Paraszczuk" in c
