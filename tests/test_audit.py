"""The classes of error an independent audit found in the shipped extraction, each checked on every row.

Most compare with the article's text (skipped, saying so, when it is absent); the geography check uses the
gazetteer the toolkit ships.
"""

import re

import polars as pl
import pytest

import toolkit

CLAIMS = ("estimates", "statements", "events", "relations")
# verbs that distance the source from what follows them in the clause; adverbs hedge the words right after them
VERBS = [("allegedly", "alleged"), ("alleged", "alleged"), ("claimed", "claimed"), ("insisted", "claimed")]
ADVERBS = [("could be", "possible"), ("appears to", "likely"), ("likely", "likely"), ("unconfirmed", "unconfirmed")]


@pytest.fixture(scope="module")
def ds():
    return toolkit.open()


def article_ids(ds) -> set:
    return set(ds["sources"].filter(pl.col("kind") == "article")["source_id"])


def rows(ds, table):
    return ds[table].filter(pl.col("source_id").is_in(list(article_ids(ds)))).to_dicts()


def sentence(text: str, start: int, end: int) -> tuple[int, int]:
    lo = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start)) + 1
    hi = min([i for i in (text.find(". ", end), text.find("\n", end)) if i >= 0] or [len(text)])
    return lo, hi


def lead_in(text: str, start: int) -> str:
    """The words of the clause just before a quote: what introduces it ('Melikov claimed that ...')."""
    lo, _ = sentence(text, start, start)
    before = text[lo:start]
    cut = max(before.rfind(c) for c in (",", ";", "--", ":"))
    return before[cut + 1:] if cut >= 0 else before


# --- a claim keeps the hedge its source puts on it (a claimed event is not a fact) ------------------------

@pytest.mark.parametrize("table", CLAIMS)
def test_every_claim_carries_a_certainty(ds, table):
    empty = [r for r in rows(ds, table) if r["certainty"] is None]
    assert not empty, f"{table}: no certainty in {len(empty)} row(s)"


@pytest.mark.parametrize("table", CLAIMS)
def test_certainty_follows_the_hedge_that_introduces_the_quote(ds, text, table):
    key = ds.descriptor.primary_key(table)[0]
    wrong = []
    for r in rows(ds, table):
        if (table == "events" and r["kind"] == "statement") or (table == "relations" and r["subject_type"] == "event"):
            continue  # the saying is itself the event: 'Kadyrov later claimed' happened
        before, quote = lead_in(text, r["char_start"]), text[r["char_start"]:r["char_end"]]
        words = before + quote
        want = next((level for hedge, level in VERBS if re.search(rf"\b{hedge}\b", words)), None)
        want = want or next((level for hedge, level in ADVERBS
                             if re.search(rf"\b{hedge}\b", quote) or re.search(rf"\b{hedge}\s*$", before)), None)
        if want and str(r["certainty"]) != want:
            wrong.append(f"{r[key]}: {r['certainty']} but {words.strip()!r} says {want}")
    assert not wrong, wrong


def test_a_relayed_statement_is_reported(ds):
    relayed = [r for r in rows(ds, "statements") if r["reported_via_id"]]
    assert relayed and all(str(r["certainty"]) == "reported" for r in relayed), relayed


# --- a relay, a place, a note: only what the text gives ---------------------------------------------------

@pytest.mark.parametrize("table", ["estimates", "statements"])
def test_a_relay_is_named_in_the_text(ds, table):
    mentioned = set(ds["mentions"].filter(pl.col("entity_type") == "actor")["entity_id"])
    for r in rows(ds, table):
        if r["reported_via_id"]:
            assert r["reported_via_id"] in mentioned, f"{table} {r[ds.descriptor.primary_key(table)[0]]}: " \
                f"{r['reported_via_id']} relays it, but the text never names {r['reported_via_id']}"


def test_an_event_place_is_named_in_its_sentence(ds, text):
    aliases = ds["aliases"].filter(pl.col("entity_type") == "place")
    for r in rows(ds, "events"):
        if r["place_id"] is None:
            continue
        lo, hi = sentence(text, r["char_start"], r["char_end"])
        names = aliases.filter(pl.col("entity_id") == r["place_id"])["alias"].to_list()
        assert any(re.search(rf"\b{re.escape(n)}\b", text[lo:hi]) for n in names), (
            f"events {r['event_id']}: {r['place_id']} is not in {text[lo:hi]!r} (leave place_id empty)")


def test_words_quoted_in_notes_are_the_texts_words(ds, text):
    """A note that quotes the text ('"previously active"') quotes it exactly."""
    checked, wrong = 0, []
    for table in ("actors", "places", "estimates", "events", "statements", "relations", "aliases"):
        if "note" not in ds[table].columns:
            continue
        df = ds[table]
        if "source_id" in df.columns and table not in ("aliases",):
            df = df.filter(pl.col("source_id").is_in(list(article_ids(ds))))
        for note in df["note"].drop_nulls():
            for q in re.findall(r'"([^"]{3,80})"', note):
                checked += 1
                if q not in text and q.lower() not in text.lower():
                    wrong.append(f"{table}: {q!r} ({note[:60]}...)")
    assert checked >= 10 and not wrong, wrong


def test_a_note_that_says_not_in_the_article_is_true(ds, text):
    aliases = ds["aliases"].filter(pl.col("note").str.contains("(?i)not in the article"))
    wrong = [a for a in aliases["alias"] if re.search(rf"(?<!\w){re.escape(a)}(?!\w)", text)]
    assert not wrong, f"aliases said to be not in the article but in it: {wrong}"
    mentioned = set(ds["mentions"]["entity_id"])
    for r in ds["actors"].filter(pl.col("source_id").is_in(list(article_ids(ds)))).to_dicts():
        if r["actor_id"] not in mentioned:
            assert r["note"] and re.search(r"(?i)not named in the text", r["note"]), (
                f"actors {r['actor_id']}: never named in the text; its note should say so")


# --- a city at its own coordinates ------------------------------------------------------------------------

def test_every_city_is_at_its_own_coordinates_not_a_neighbours(ds):
    geo = pytest.importorskip("toolkit.geo")
    import math

    cities = geo.cities()
    lon, lat = cities["lon"].to_numpy(), cities["lat"].to_numpy()
    names = cities["name"].to_list()
    aliases = ds["aliases"].filter(pl.col("entity_type") == "place")
    for r in ds["places"].filter((pl.col("kind") == "city") & pl.col("lat").is_not_null()).to_dicts():
        km = [math.dist((r["lat"], r["lon"] * math.cos(math.radians(r["lat"]))),
                        (la, lo * math.cos(math.radians(la)))) * 111.2 for la, lo in zip(lat, lon)]
        i = min(range(len(km)), key=km.__getitem__)
        own = {r["name"], *aliases.filter(pl.col("entity_id") == r["place_id"])["alias"]}
        if km[i] < 3:
            assert names[i] in own or any(n.split(",")[0] in names[i] for n in own), (
                f"places {r['place_id']} ({r['lat']}, {r['lon']}) is drawn on {names[i]}, {km[i]:.1f} km away")
    magas = ds["places"].filter(pl.col("place_id") == "magas").row(0, named=True)
    assert abs(magas["lat"] - 43.167) < 0.03 and abs(magas["lon"] - 44.81) < 0.03


# --- disputes hold the article's own evidence ---------------------------------------------------------------

def test_a_disputed_denial_cites_the_articles_own_counts(ds):
    """A claim of zero in a dispute: the article's own counts of the same people in the same place are cited too."""
    est = pl.DataFrame(rows(ds, "estimates"), schema=ds["estimates"].schema)
    for d in ds["disputes"].filter(pl.col("kind") != "within_official").to_dicts():  # not one official against himself
        for z in est.filter(pl.col("estimate_id").is_in(d["claim_ids"]) & (pl.col("value_best") == 0)).to_dicts():
            same = est.filter((pl.col("population") == z["population"]) & (pl.col("value_best").fill_null(0) > 0)
                              & (pl.col("theatre_place_ids").list.set_intersection(z["theatre_place_ids"]).list.len() > 0))
            missing = set(same["estimate_id"]) - set(d["claim_ids"])
            assert not missing, f"disputes {d['dispute_id']}: {z['estimate_id']} denies, the article counts {missing}"


def test_a_dispute_that_names_the_articles_events_cites_them(ds, text):
    """A summary that gives an event's date and place from the article cites that event."""
    for d in ds["disputes"].to_dicts():
        for e in rows(ds, "events"):
            words = text[e["char_start"]:e["char_end"]]
            dates = re.findall(r"(?:January|February|March|April|May|June|July|August|September|October|November|"
                               r"December) \d+(?:-\d+)?", words)
            if e["place_id"] and dates and any(dt in d["summary"] for dt in dates) \
                    and ds.lookup(e["place_id"]).name in d["summary"]:
                assert e["event_id"] in d["claim_ids"], f"disputes {d['dispute_id']} tells of {e['event_id']} without citing it"


def test_the_article_side_of_a_dispute_with_other_sources_is_a_claim_of_the_article(ds):
    """Against other publications, the article's own words are a claim (an estimate or an author's statement)."""
    claims = set(ds["estimates"]["estimate_id"]) | set(ds["statements"]["statement_id"])
    article = article_ids(ds)
    for d in ds["disputes"].filter(pl.col("kind") == "article_vs_other_sources").to_dicts():
        own = [c for c in d["claim_ids"] if c in claims]
        src = {r["source_id"] for t in ("estimates", "statements") for r in ds[t].filter(
            pl.col(ds.descriptor.primary_key(t)[0]).is_in(own)).to_dicts()}
        assert src & article, f"disputes {d['dispute_id']}: no claim of the article itself"


def test_the_authors_dating_of_the_designation_is_a_statement(ds, text):
    notice = [e for e in rows(ds, "events") if e["sub_kind"] == "notice"]
    assert notice
    for n in notice:
        said = [s for s in rows(ds, "statements")
                if s["char_start"] < n["char_end"] and n["char_start"] < s["char_end"]]
        assert said, f"events {n['event_id']}: the author's dating of the notice has no statement row"
        cited = ds["disputes"].filter(pl.col("claim_ids").list.contains(n["event_id"]))
        assert all(any(s["statement_id"] in ids for s in said) for ids in cited["claim_ids"])


# --- context rows in their source's own words ----------------------------------------------------------------

def test_context_rows_do_not_add_what_their_source_does_not_say(ds):
    """A context estimate that restates the article's claim names no group or origin its own wording lacks."""
    sources = {r["source_id"]: r for r in ds["sources"].to_dicts()}
    for r in ds["estimates"].filter(pl.col("same_claim_as").is_not_null() & ~pl.col("source_id").is_in(
            list(article_ids(ds)))).to_dicts():
        note = (sources[r["source_id"]]["note"] or "") + " " + (r["note"] or "")
        words = " ".join(re.findall(r'"([^"]+)"', note)).lower()
        assert words, f"estimates {r['estimate_id']}: keep the source's own wording in its note"
        if r["affiliation_id"]:
            group = ds.lookup(r["affiliation_id"]).name.lower()
            assert any(w in words for w in (group, group.split(" (")[0])), (
                f"estimates {r['estimate_id']}: {r['affiliation_id']} is not in the source's words {words!r}")
        if r["origin_place_id"] and not r["origin_inferred"]:
            assert "from" in words, f"estimates {r['estimate_id']}: an origin its source does not give as 'from'"
