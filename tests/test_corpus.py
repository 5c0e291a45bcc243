"""A corpus: the shipped dataset and the invented ledger passage opened together."""

import shutil
from pathlib import Path

import polars as pl
import pytest

import toolkit
from toolkit.core import text as article

LEDGER = Path(__file__).parent / "data" / "ledger"


@pytest.fixture(scope="module")
def corpus(text):
    return toolkit.open(toolkit.data_folder(), LEDGER)


@pytest.fixture(scope="module")
def parts(text):
    return toolkit.open(), toolkit.open(LEDGER)


def test_counts_per_source(corpus, parts):
    for name in ("estimates", "events", "statements", "relations", "disputes", "mentions"):
        per = dict(corpus[name].group_by("source_id").len().iter_rows())
        for part in parts:
            for sid, n in part[name].group_by("source_id").len().iter_rows():
                assert per[sid] == n, (name, sid)


def test_mentions_per_source_checked_against_their_own_text(corpus):
    assert set(corpus["mentions"]["source_id"]) == {"rferl_2015", "ledger_2016"}
    for sid, t in corpus.texts.items():
        m = corpus["mentions"].filter(source_id=sid)
        assert m.height and all(t[s:e] == w for s, e, w in m.select("char_start", "char_end", "surface").iter_rows())
    expected = article.find_all_mentions(corpus.texts, corpus["aliases"], corpus["segments"])
    have = corpus["mentions"].with_columns(pl.col("entity_type").cast(str))
    key = ["source_id", "entity_id", "char_start", "char_end"]
    assert have.select(key).sort(key).equals(expected.select(key).sort(key))
    assert corpus.validate().ok


def test_an_alias_of_one_folder_does_not_tag_the_other(corpus):
    # "Interior Ministry" means the Russian/Chechen ministry in the article and Kabardino-Balkaria's in the passage
    led = corpus["mentions"].filter(source_id="ledger_2016", surface="Interior Ministry")
    art = corpus["mentions"].filter(source_id="rferl_2015", surface="Interior Ministry")
    assert set(led["entity_id"]) == {"kb_interior"} and set(art["entity_id"]) == {"interior_ministry"}


def test_shared_entities_appear_once(corpus, parts):
    places = corpus["places"]
    for pid in ("syria", "iraq", "kabardino_balkaria"):
        assert places.filter(place_id=pid).height == 1
    assert places.filter(place_id="kabardino_balkaria")["in_article"].item() is True  # named in one of the texts
    assert corpus["places"].height == len(set(parts[0]["places"]["place_id"]) | set(parts[1]["places"]["place_id"]))


def test_a_conflicting_entity_names_both_folders_the_table_and_the_id(tmp_path):
    copy = tmp_path / "ledger"
    shutil.copytree(LEDGER, copy)
    p = copy / "places.csv"
    p.write_text(p.read_text(encoding="utf-8").replace("Syria,country,SY", "Syrian Arab Republic,country,SY"),
                 encoding="utf-8")
    with pytest.raises(toolkit.DataError) as err:
        toolkit.open(toolkit.data_folder(), copy)
    msg = str(err.value)
    assert "places.csv" in msg and "'syria'" in msg and str(copy) in msg and str(toolkit.data_folder()) in msg


def test_colliding_fact_ids_are_qualified_and_references_follow(corpus, parts):
    ids = corpus["estimates"]["estimate_id"].to_list()
    assert "rferl_2015:est01" in ids and "ledger_2016:est01" in ids and "est01" not in ids
    assert len(ids) == len(set(ids))
    same = corpus["estimates"].filter(pl.col("same_claim_as").is_not_null())
    assert set(same["same_claim_as"]) <= set(ids)
    claims = set(ids) | set(corpus["statements"]["statement_id"]) | set(corpus["events"]["event_id"])
    for row in corpus["disputes"]["claim_ids"]:
        assert set(row) <= claims
    assert corpus.cite("ledger_2016:est01").startswith("Marat Ozdoev")
    assert "Paraszczuk" in corpus.cite("rferl_2015:est01")
    uncollided = set(parts[0]["estimates"]["estimate_id"]) - set(parts[1]["estimates"]["estimate_id"])
    assert uncollided <= set(ids)  # ids that collide with nothing keep their names


def test_the_same_fact_in_two_folders_is_kept_once(corpus):
    twice = toolkit.open(LEDGER, LEDGER)
    assert twice["estimates"].equals(toolkit.open(LEDGER)["estimates"])


def test_a_dispute_across_sources(tmp_path):
    copy = tmp_path / "ledger"
    shutil.copytree(LEDGER, copy)
    d = copy / "disputes.csv"
    d.write_text(d.read_text(encoding="utf-8").rstrip("\n") + "\n"
                 "dis04,fighter counts,article_vs_other_sources,ledger:est01;est13,,The ledger's count beside a context "
                 "estimate of the article's corpus,ledger_context,,,,\n", encoding="utf-8")
    alone = toolkit.validate(copy)
    assert any("est13" in p.message for p in alone.problems)  # alone, the other source's claim is unknown
    both = toolkit.open(toolkit.data_folder(), copy)
    row = both["disputes"].filter(dispute_id="dis04")
    assert row["claim_ids"].item().to_list() == ["ledger_2016:est01", "est13"]


@pytest.mark.slow
def test_views_work_on_the_corpus(corpus):
    from toolkit.views import charts
    from toolkit.views import maps

    est = charts.estimates(corpus).to_dict()
    titles = [p.get("title", {}) for p in est["vconcat"]]
    titles = [t if isinstance(t, str) else t.get("text") for t in titles]
    assert any("RFE/RL" in str(t) for t in titles) and any("Caucasus Ledger" in str(t) for t in titles)
    assert "Caucasus Ledger" in charts.mentions(corpus).to_json()
    assert maps.flows(corpus).to_dict()["title"]["text"].startswith(f"The outflow the {corpus.articles().height} articles report:")


@pytest.mark.slow
def test_the_report_for_the_corpus(tmp_path, text):
    """`report --data A --data B`: generic chapters for the two articles, their sources and lines, no crash."""
    from toolkit.tools.site import report

    out = tmp_path / "site"
    pages = report.build(out, only=["01", "02"], jobs=2, data=[toolkit.data_folder(), LEDGER])
    assert [p.name for p in pages] == ["01-the-claims", "02-the-map"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Caucasus Ledger" in index and "Kremlin Envoy" in index and "Marat Ozdoev" in index
    claims = (out / "01-the-claims.html").read_text(encoding="utf-8")
    assert "ledger_2016:est01" in claims and "rferl_2015:est01" in claims  # the qualified ids of the corpus
    assert "Traceback" not in claims and "Not drawn" not in claims.split("show(charts.estimates)")[-1][:2000]
    assert not (out / "exercises.html").exists()  # the exercises are written for the shipped article only


def test_an_actor_shared_with_the_shipped_data_merges(tmp_path):
    """The same actor, first named in another source (its source_id and role differ), is one actor."""
    copy = tmp_path / "ledger"
    shutil.copytree(LEDGER, copy)
    shipped = toolkit.open()["actors"].filter(actor_id="islamic_state").row(0, named=True)
    actors = copy / "actors.csv"
    lines = actors.read_text(encoding="utf-8").splitlines()
    lines = [ln for ln in lines if not ln.startswith("is_group,")]
    lines.append(f"islamic_state,{shipped['name']},{shipped['kind']},,,ledger_2016,")
    actors.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for name in ("aliases.csv", "mentions.csv"):
        f = copy / name
        f.write_text(f.read_text(encoding="utf-8").replace(",is_group,", ",islamic_state,"), encoding="utf-8")
    both = toolkit.open(toolkit.data_folder(), copy)
    row = both["actors"].filter(actor_id="islamic_state")
    assert row.height == 1 and row["source_id"].item() == "rferl_2015"  # where it was first named
    with pytest.raises(KeyError, match="rferl_2015:est01"):  # a bare id that the corpus qualified
        both.cite("est01")
