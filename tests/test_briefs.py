"""Two invented briefs (fictional people, real places) extracted by hand in the current schema: an ordinary
story is held by the tables themselves, not by notes, and joins the shipped article in one corpus."""

import re
from pathlib import Path

import polars as pl
import pytest

import toolkit

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BRIEFS = {"arrests": FIXTURES / "brief_arrests", "designation": FIXTURES / "brief_designation"}
# what a coder writes when the tables cannot say something
WORKAROUND = re.compile(r"(?i)\bschema\b|no (column|field|predicate|kind|value|place) for|could not be (coded|held|recorded)"
                        r"|cannot (hold|record|say)|not (held|recorded) by|\bin (the )?notes?\b|\bworkaround\b")


@pytest.fixture(scope="module", params=list(BRIEFS))
def brief(request):
    return request.param, BRIEFS[request.param]


def test_each_brief_validates_on_its_own(brief):
    name, folder = brief
    report = toolkit.validate(folder)
    assert report.ok, report
    assert any(str(folder / "texts") in n for n in report.notes), report.notes  # checked against its own text
    assert 900 <= len(toolkit.open(folder).text()) <= 1300


def test_each_brief_opens_with_the_shipped_article_as_a_corpus(brief):
    name, folder = brief
    corpus = toolkit.open(folder, toolkit.SHIPPED)
    own = toolkit.open(folder)
    assert set(corpus["sources"]["source_id"]) == set(own["sources"]["source_id"]) | set(toolkit.open()["sources"]["source_id"])
    shared = set(own["places"]["place_id"]) & set(toolkit.open()["places"]["place_id"])
    assert shared and corpus["places"].filter(pl.col("place_id").is_in(list(shared))).height == len(shared)  # once each
    assert corpus["estimates"].height == own["estimates"].height + toolkit.open()["estimates"].height


def test_both_briefs_the_ledger_and_the_shipped_article_make_one_corpus():
    corpus = toolkit.open(*BRIEFS.values(), toolkit.SHIPPED, Path(__file__).resolve().parent / "data" / "ledger")
    assert corpus["sources"].filter(pl.col("kind") == "article").height == 4
    assert corpus["actors"].filter(pl.col("actor_id") == "islamic_state").height == 1  # a shared actor, once


def test_no_note_explains_what_the_tables_could_not_hold(brief):
    name, folder = brief
    ds = toolkit.open(folder)
    said = []
    for table in ds.table_names():
        for col in ("note", "summary", "role"):
            if col in ds[table].columns:
                said += [(table, col, v) for v in ds[table][col].drop_nulls().to_list() if WORKAROUND.search(v)]
    assert not said, said


def test_the_arrests_brief_is_held_by_the_tables():
    ds = toolkit.open(BRIEFS["arrests"])
    ev = ds["events"]
    assert {"killing", "arrest", "death_reported"} <= set(ev["sub_kind"].cast(pl.String))
    assert {"deaths", "arrests", "injuries"} <= set(ds["estimates"]["unit"])
    certainty = set(ev["certainty"].cast(pl.String)) | set(ds["statements"]["certainty"].cast(pl.String)) | \
        set(ds["relations"]["certainty"].cast(pl.String))
    assert {"stated", "reported", "alleged", "unconfirmed", "denied"} <= certainty
    after = ev.filter(pl.col("date_precision") == "after").row(0, named=True)
    assert after["date_start"] is not None and after["date_end"] is None
    assert "comes_from" in set(ds["relations"]["predicate"].cast(pl.String))
    assert set(ds["disputes"]["kind"].cast(pl.String)) == {"officials_vs_others"}


def test_the_designation_brief_is_held_by_the_tables():
    ds = toolkit.open(BRIEFS["designation"])
    assert "intergovernmental_organisation" in set(ds["actors"]["kind"].cast(pl.String))
    rel = ds["relations"].with_columns(pl.col("predicate").cast(pl.String))
    assert {"designated", "comes_from", "leads", "formerly_led", "founded", "recruits_in"} <= set(rel["predicate"])
    leads = rel.filter(pl.col("predicate") == "leads").row(0, named=True)  # "led ... since 2017"
    assert str(leads["period_precision"]) == "on_or_after" and leads["period_start"].year == 2017 and leads["period_end"] is None
    formerly = rel.filter(pl.col("predicate") == "formerly_led").row(0, named=True)
    assert formerly["period_end"] is not None and formerly["period_start"] is None
    assert set(rel.filter(pl.col("predicate") == "recruits_in")["certainty"].cast(pl.String)) == {"alleged"}
    assert "unconfirmed" in set(ds["events"]["certainty"].cast(pl.String))
    assert "sanctions" in set(ds["events"]["sub_kind"].cast(pl.String))
