"""Fidelity to the article: one test per kind of coding error a careful coder would catch.

The checks read the article's wording (sentences, mentions, hedges) rather than copies of the
coded values, so a re-coding that repeats an error fails them.
"""

import re

import polars as pl
import pytest

import toolkit
from toolkit.dataset import validate

ETHNIC_OR_NATIONAL = {"ethnic_chechens", "russian_nationals"}  # populations that name people, not a place
NUMBER = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


def sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of the sentence(s) holding text[start:end] (a full stop after a lower-case letter ends one)."""
    ends = [m.end() for m in re.finditer(r'(?<=[a-z0-9)"”][.!?])\s+|\n\s*\n', text)]
    lo = max([e for e in ends if e <= start], default=0)
    hi = min([e for e in ends if e >= end], default=len(text))
    return lo, hi


def mentioned(start: int, end: int) -> set[str]:
    m = toolkit.load_mentions().filter((pl.col("char_start") >= start) & (pl.col("char_end") <= end))
    return set(m["entity_id"])


def article_rows(df: pl.DataFrame) -> pl.DataFrame:
    return df.filter((pl.col("source_id") == "rferl_2015") & pl.col("char_start").is_not_null())


# --- credit only whom the text credits --------------------------------------------------------------

def test_event_actors_are_named_in_the_events_sentence(text):
    events = {r["event_id"]: r for r in article_rows(toolkit.load_events()).to_dicts()}
    for a in toolkit.load_event_actors().to_dicts():
        e = events.get(a["event_id"])
        if e is None or a["role"] == "publisher":  # the publisher comes from the source record, not the text
            continue
        lo, hi = sentence(text, e["char_start"], e["char_end"])
        assert a["actor_id"] in mentioned(lo, hi), (
            f"{a['event_id']} credits {a['actor_id']}, whom its sentence does not name: {text[lo:hi]!r}")


def test_statements_tie_no_speaker_to_an_event_the_text_does_not_credit_them_with():
    credited = set(toolkit.load_event_actors().select("event_id", "actor_id").iter_rows())
    for s in toolkit.load_statements().filter(pl.col("event_id").is_not_null()).to_dicts():
        if s["speaker_id"] != "paraszczuk":  # the author speaks in the publication
            assert (s["event_id"], s["speaker_id"]) in credited, s["statement_id"]


def test_a_claim_without_claimant_has_no_credited_event_either():
    est = toolkit.load_estimates().filter(pl.col("claimant_id").is_null() & (pl.col("source_id") == "rferl_2015"))
    events = article_rows(toolkit.load_events())
    ea = toolkit.load_event_actors()
    for r in est.to_dicts():  # an event quoting the same words cannot name who the claim does not
        same = events.filter((pl.col("char_start") < r["char_end"]) & (pl.col("char_end") > r["char_start"]))
        assert ea.filter(pl.col("event_id").is_in(same["event_id"].to_list()) & (pl.col("role") == "initiator")).is_empty()


# --- an ethnic or national term is not a place ------------------------------------------------------

def test_ethnic_and_national_populations_have_an_origin_only_where_the_text_says_from(text):
    aliases = toolkit.load_aliases().filter(pl.col("entity_type") == "place")
    est = toolkit.load_estimates().filter(pl.col("population").cast(pl.String).is_in(list(ETHNIC_OR_NATIONAL)))
    assert est.height >= 1
    for r in est.filter(pl.col("origin_place_id").is_not_null()).to_dicts():
        words = r["quote"] or r["counted"]  # the article's words, or a context publication's
        names = aliases.filter(pl.col("entity_id") == r["origin_place_id"])["alias"].to_list()
        assert any(f"from {n}" in words for n in names), f"{r['estimate_id']}: origin {r['origin_place_id']} not stated"


def test_demonyms_point_at_populations_not_places():
    al = toolkit.load_aliases().filter(pl.col("kind") == "demonym")
    assert al.height >= 1 and set(al["entity_type"].cast(pl.String)) == {"actor"}
    kinds = dict(toolkit.load_actors().select("actor_id", pl.col("kind").cast(pl.String)).iter_rows())
    assert {kinds[a] for a in al["entity_id"]} == {"population"}


def test_every_estimate_says_who_is_counted():
    est = toolkit.load_estimates()
    assert est.filter(pl.col("population").is_null()).is_empty()


# --- a pledge is not membership ---------------------------------------------------------------------

def test_pledging_groups_are_not_coded_as_members():
    rel = toolkit.load_relations()
    leads = {(r["subject_id"]): r["object_id"] for r in rel.filter(pl.col("predicate") == "leads").to_dicts()}
    actors = {r["actor_id"]: r for r in toolkit.load_actors().to_dicts()}
    est = toolkit.load_estimates()
    pledges = rel.filter(pl.col("predicate") == "pledged_allegiance_to").to_dicts()
    assert pledges
    for p in pledges:
        pledged_to = {p["object_id"], leads.get(p["object_id"])}
        assert actors[p["subject_id"]]["affiliation_id"] not in pledged_to
        same_words = est.filter((pl.col("char_start") < p["char_end"]) & (pl.col("char_end") > p["char_start"]))
        assert not set(same_words["affiliation_id"].drop_nulls()) & pledged_to


# --- a subset is a link, not a second count ---------------------------------------------------------

def test_every_n_of_the_m_claim_links_its_whole():
    est = toolkit.load_estimates()
    by_id = {r["estimate_id"]: r for r in est.to_dicts()}
    found = 0
    for r in est.to_dicts():
        m = re.search(r"\b(\w+) of the (\w+)\b", f"{r['qualifier']} {r['quote'] or ''}")
        if m and m.group(1) in NUMBER and m.group(2) in NUMBER:
            found += 1
            whole = by_id.get(r["subset_of"])
            assert whole is not None, f"{r['estimate_id']} ({m.group(0)}) has no subset_of"
            assert whole["value_best"] == NUMBER[m.group(2)] and r["value_best"] == NUMBER[m.group(1)]
    assert found >= 1


def test_counting_without_subsets_and_restatements_does_not_double_count():
    est = toolkit.load_estimates().filter(pl.col("population") == "ethnic_chechens", pl.col("bound") == "exact",
                                          pl.col("value_best") > 0)
    independent = est.filter(pl.col("subset_of").is_null() & pl.col("same_claim_as").is_null())
    assert independent["value_best"].sum() == est["value_best"].max()


@pytest.mark.parametrize("edit, column, message", [
    (("est07", "value_best", "8", "12"), "value_best", "a part cannot exceed the whole"),
    (("est07", "unit", "fighters", "deaths"), "unit", "linked rows count the same unit"),
    (("est02", "population", "north_caucasians", "russian_nationals"), "population", "linked rows count the same population"),
])
def test_validator_rejects_a_subset_or_restatement_that_does_not_fit(data_copy, edit, column, message):
    import csv

    rid, col, old, new = edit
    path = data_copy / "estimates.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        if r["estimate_id"] == rid:
            assert r[col] == old
            r[col] = new
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    problems = [str(p) for p in validate(data_copy).problems]
    row = [r["estimate_id"] for r in rows].index(rid) + 1
    assert any(p.startswith(f"estimates.csv row {row}, column {column}") and message in p for p in problems), problems


# --- deaths are never counted as fighters -----------------------------------------------------------

def test_counts_of_the_killed_are_deaths():
    est = toolkit.load_estimates().filter(pl.col("counted").str.contains("killed") | pl.col("quote").str.contains("killed"))
    assert est.height >= 1 and set(est["unit"].cast(pl.String)) == {"deaths"}


# --- the date of a report is not the date of the act ------------------------------------------------

def test_a_notice_is_dated_not_the_act_it_reports_and_the_difference_is_a_dispute(text):
    ev = toolkit.load_events()
    notices = article_rows(ev).filter(pl.col("quote").str.contains("issued a notice on"))
    assert notices.height >= 1
    src_kind = dict(toolkit.load_sources().select("source_id", pl.col("kind").cast(pl.String)).iter_rows())
    disputes = toolkit.load_disputes()
    for n in notices.to_dicts():
        assert n["kind"] == "statement" and n["sub_kind"] == "notice"
        acts = article_rows(ev).filter(pl.col("sub_kind") == "designation")
        for a in acts.to_dicts():  # the act: on or before the notice, never given the notice's day
            assert a["date_precision"] != "day" and a["date_end"] <= n["date_start"]
        cited = disputes.filter(pl.col("claim_ids").list.contains(n["event_id"])).to_dicts()
        assert cited, f"{n['event_id']}: no dispute with the other sources"
        for d in cited:
            assert d["kind"] == "article_vs_other_sources" and d["source_id"] == n["source_id"]
            assert d["other_source_ids"] and {src_kind[s] for s in d["other_source_ids"]} - {"article"}
            others = ev.filter(pl.col("event_id").is_in(d["claim_ids"]) & (pl.col("source_id") != n["source_id"]))
            assert others.height and (others["date_start"] != n["date_start"]).all()


# --- inferences are flagged -------------------------------------------------------------------------

RELATIVE = ("this week", "this month", "in recent weeks", "in recent months", "later", "initially", "following")


@pytest.mark.parametrize("table, place_col, flag", [("estimates", "claim_place_id", "place_inferred"),
                                                    ("events", "place_id", "place_inferred")])
def test_a_place_not_named_in_the_sentence_is_flagged_inferred(text, table, place_col, flag):
    for r in article_rows(toolkit.load(table)).filter(pl.col(place_col).is_not_null()).to_dicts():
        lo, hi = sentence(text, r["char_start"], r["char_end"])
        if r[place_col] not in mentioned(lo, hi):
            assert r[flag], f"{table} {r.get('event_id') or r.get('estimate_id')}: {r[place_col]} is not in {text[lo:hi]!r}"


@pytest.mark.parametrize("table, flag", [("estimates", "date_inferred"), ("events", "date_inferred")])
def test_dates_read_from_relative_words_are_flagged_inferred(text, table, flag):
    checked = 0
    for r in article_rows(toolkit.load(table)).to_dicts():
        lo, hi = sentence(text, r["char_start"], r["char_end"])
        if any(w in text[lo:hi].lower() for w in RELATIVE):
            checked += 1
            assert r[flag], f"{table} row at {r['char_start']}: relative date in {text[lo:hi]!r}"
    assert checked >= 3


def test_the_year_is_never_written_so_every_2015_date_from_the_article_says_so(text):
    assert "2015" not in text
    est = article_rows(toolkit.load_estimates()).filter(pl.col("claim_date_end").dt.year() == 2015)
    assert est.height and est["year_inferred"].all()


# --- the text's hedges become certainty -------------------------------------------------------------

def test_certainty_follows_the_hedge_in_the_sentence(text):
    hedges = [("allegedly", "alleged"), ("could be", "possible"), ("claimed", "claimed")]
    for r in article_rows(toolkit.load_estimates()).to_dicts():
        lo, hi = sentence(text, r["char_start"], r["char_end"])
        words = text[lo:hi]
        want = next((level for hedge, level in hedges if hedge in words), None)
        if want:
            assert r["certainty"] == want, (r["estimate_id"], words)


# --- causal and temporal order ----------------------------------------------------------------------

def test_every_order_word_in_the_text_is_a_relation_between_events(text):
    rel = toolkit.load_relations().filter(pl.col("predicate").is_in(["follows", "result_of"]))
    body = toolkit.load_segments().filter(pl.col("counted"))
    found = 0
    for m in re.finditer(r"Following|later|result of", text):
        if body.filter((pl.col("char_start") <= m.start()) & (pl.col("char_end") >= m.end())).is_empty():
            continue
        found += 1
        assert not rel.filter((pl.col("char_start") <= m.start()) & (pl.col("char_end") >= m.end())).is_empty(), (
            f"{text[m.start() - 30:m.end() + 30]!r} orders two events; no relation records it")
    assert found >= 3


def test_validator_rejects_dates_that_break_a_stated_order(data_copy):
    path = data_copy / "events.csv"
    s = path.read_text(encoding="utf-8")
    assert "2015-03-01,2015-03-16,range" in s
    path.write_text(s.replace("2015-03-01,2015-03-16,range", "2015-03-01,2015-03-26,range"), encoding="utf-8")
    problems = [str(p) for p in validate(data_copy).problems]
    assert any("relations.csv" in p and "ev03 may end 2015-03-26, after ev10" in p for p in problems), problems


def test_an_official_who_denies_then_grants_is_a_dispute_within_their_remarks():
    est = toolkit.load_estimates().filter(pl.col("claimant_id").is_not_null())
    disputes = toolkit.load_disputes().filter(pl.col("kind") == "within_official")
    denials = est.filter((pl.col("bound") == "exact") & (pl.col("value_best") == 0)).to_dicts()
    assert denials
    for d in denials:
        later = est.filter((pl.col("claimant_id") == d["claimant_id"]) & (pl.col("population") == d["population"])
                           & (pl.col("estimate_id") != d["estimate_id"]))
        for other in later["estimate_id"]:
            assert not disputes.filter(pl.col("claim_ids").list.contains(d["estimate_id"])
                                       & pl.col("claim_ids").list.contains(other)).is_empty()


def test_within_official_disputes_hold_one_speakers_claims():
    who = dict(toolkit.load_estimates().select("estimate_id", "claimant_id").iter_rows())
    who |= dict(toolkit.load_statements().select("statement_id", "speaker_id").iter_rows())
    for d in toolkit.load_disputes().filter(pl.col("kind") == "within_official").to_dicts():
        assert len({who[c] for c in d["claim_ids"]}) == 1, d["dispute_id"]


def test_shipped_data_passes_every_rule(text):
    from conftest import ARTICLE

    report = validate(text_path=ARTICLE)
    assert report.ok, str(report)


def test_the_shipped_extraction_fills_every_coding_field():
    """Fields marked ``x-filled`` are optional for older folders but the shipped data fills every row."""
    from toolkit.core.descriptor import Descriptor
    schema = Descriptor.shipped()  # the toolkit's own schema, as a value
    marked = [(t, f["name"]) for t in schema.table_names() for f in schema.fields(t) if f.get("x-filled")]
    assert len(marked) >= 5
    for table, column in marked:
        empty = toolkit.load(table).filter(pl.col(column).is_null())
        assert empty.is_empty(), f"{table}.{column} is empty in {empty.height} row(s)"
