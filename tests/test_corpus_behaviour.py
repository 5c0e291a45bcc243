"""A corpus that behaves: validate A B, folders that cite each other, entities and context rows shared, order,
members of a saved corpus, qualification, subset(), compare's ids and alpha, deferral by problem kind.

Folders are built in tmp_path from the invented ledger passage (tests/data/ledger, with its own text) and the
shipped data (its article text is not needed: its quotes are skipped, saying so)."""

import shutil
from pathlib import Path

import polars as pl
import pytest

import toolkit
from toolkit.core.problems import Problem
from toolkit.dataset.corpus import merge
from toolkit.dataset.opening import _is_reference

LEDGER = Path(__file__).parent / "data" / "ledger"
SHIPPED = toolkit.data_folder()


def copy(tmp_path: Path, name: str = "ledger", src: Path = LEDGER) -> Path:
    dst = tmp_path / name
    shutil.copytree(src, dst)
    return dst


def edit(folder: Path, table: str, change) -> None:
    """Rewrite one CSV table of a folder through polars (every column read as text)."""
    path = folder / f"{table}.csv"
    change(pl.read_csv(path, infer_schema=False)).write_csv(path)


def add_row(folder: Path, table: str, **values) -> None:
    edit(folder, table, lambda df: pl.concat([df, pl.DataFrame([values]).select(
        [pl.lit(values.get(c), pl.String).alias(c) for c in df.columns])]))


def set_x(folder: Path, **top) -> None:
    import json

    path = folder / "datapackage.json"
    desc = json.loads(path.read_text(encoding="utf-8"))
    desc.update({k.replace("_", "-"): v for k, v in top.items()})
    path.write_text(json.dumps(desc, indent=1), encoding="utf-8")


def cross_dispute(folder: Path, claims: str) -> None:
    """A dispute in the ledger citing claims of another folder (est13 is a context estimate of the shipped data)."""
    add_row(folder, "disputes", dispute_id="dis04", topic="fighter counts", kind="article_vs_other_sources",
            claim_ids=claims, summary="The ledger's count beside another article's", source_id="ledger_context")


def rows(df: pl.DataFrame) -> list:
    """A table's rows as sorted strings: compared without regard to row order."""
    return sorted(map(str, df.with_columns(pl.col(c).cast(pl.String) for c, t in df.schema.items()
                                           if isinstance(t, (pl.Enum, pl.Categorical))).rows()))


def same(a: toolkit.Dataset, b: toolkit.Dataset) -> None:
    assert a.table_names() == b.table_names()
    for name in a.table_names():
        assert rows(a[name]) == rows(b[name]), name


# a. `python -m toolkit validate A B`
def test_cli_validates_a_corpus(tmp_path, capsys):
    from toolkit.tools.cli import main

    good = copy(tmp_path, "good")
    assert main(["validate", str(SHIPPED), str(good)]) == 0
    assert "OK" in capsys.readouterr().out
    bad = copy(tmp_path, "bad")
    edit(bad, "places", lambda df: df.with_columns(
        pl.when(pl.col("place_id") == "syria").then(pl.lit("Syrian Arab Republic")).otherwise("name").alias("name")))
    assert main(["validate", str(SHIPPED), str(bad)]) == 1
    out = capsys.readouterr().out
    assert "'syria'" in out and "places.csv" in out and "bad" in out
    assert main(["validate", str(bad)]) == 0  # alone it is fine: the conflict is the corpus's


# b. a folder citing another's claims declares it, validates alone with a note, and the corpus resolves it
def test_a_citing_folder_validates_alone_with_a_note_and_the_corpus_resolves_it(tmp_path):
    cites = copy(tmp_path)
    cross_dispute(cites, "ledger:est01;est13")
    assert not toolkit.validate(cites).ok  # not declared: the unknown ids are errors
    set_x(cites, x_cites=[toolkit.open().name])
    alone = toolkit.validate(cites)
    assert alone.ok, alone
    assert any("est13" in n and "x-cites" in n for n in alone.notes)
    toolkit.open(cites)  # opens alone too
    both = toolkit.open(SHIPPED, cites)
    assert both["disputes"].filter(dispute_id="dis04")["claim_ids"].item().to_list() == ["ledger_2016:est01", "est13"]
    assert "x-cites" not in both.descriptor
    assert toolkit.dataset.validate_corpus([SHIPPED, cites]).ok


def test_a_cited_id_that_no_folder_holds_is_an_error_in_the_corpus(tmp_path):
    cites = copy(tmp_path)
    cross_dispute(cites, "ledger:est01;est99")
    set_x(cites, x_cites=[toolkit.open().name])
    assert toolkit.validate(cites).ok
    with pytest.raises(toolkit.DataError, match="est99"):
        toolkit.open(SHIPPED, cites)
    report = toolkit.dataset.validate_corpus([SHIPPED, cites])
    assert not report.ok and any("est99" in str(p) and p.row is not None for p in report.problems)


# c. entities merge on name and kind; aliases joined; differences kept as notes
def test_entities_merge_on_name_and_kind_with_differences_noted(tmp_path):
    other = copy(tmp_path)
    edit(other, "places", lambda df: df.with_columns(
        pl.when(pl.col("place_id") == "syria").then(pl.lit("XS")).otherwise("iso_3166").alias("iso_3166")))
    add_row(other, "aliases", alias="Bilad al-Sham", entity_id="syria", entity_type="place", kind="name")
    corpus = toolkit.open(SHIPPED, other)
    syria = corpus["places"].filter(place_id="syria")
    assert syria.height == 1
    iso = syria["iso_3166"].item()
    assert iso in ("SY", "XS")
    note = syria["note"].item() or ""
    assert ("iso_3166 XS in ledger" in note) if iso == "SY" else ("iso_3166 SY in data" in note)
    aliases = set(corpus["aliases"].filter(entity_id="syria")["alias"])
    assert "Bilad al-Sham" in aliases and set(toolkit.open()["aliases"].filter(entity_id="syria")["alias"]) <= aliases
    assert corpus.validate().ok or all(p.kind == "text" for p in corpus.validate().problems)


def test_an_entity_of_another_kind_is_still_an_error(tmp_path):
    other = copy(tmp_path)
    edit(other, "places", lambda df: df.with_columns(
        pl.when(pl.col("place_id") == "syria").then(pl.lit("geographic_region")).otherwise("kind").alias("kind")))
    with pytest.raises(toolkit.DataError, match="'syria' differs"):
        toolkit.open(SHIPPED, other)


# d. a context row two folders share is kept once, its references joined
def _with_context(folder: Path, est: str, note: str) -> None:
    edit(folder, "estimates", lambda df: df.with_columns(
        pl.when(pl.col("estimate_id") == "est06").then(pl.lit("ledger_context")).otherwise("source_id").alias("source_id"),
        *(pl.when(pl.col("estimate_id") == "est06").then(None).otherwise(c).alias(c)
          for c in ("paragraph", "char_start", "char_end", "quote")),
        pl.when(pl.col("estimate_id") == "est06").then(pl.lit(note)).otherwise("note").alias("note"),
        pl.when(pl.col("estimate_id") == "est06").then(pl.lit(est)).otherwise("estimate_id").alias("estimate_id")))
    edit(folder, "disputes", lambda df: df.with_columns(pl.col("claim_ids").str.replace("est06", est)))


def test_a_shared_context_row_is_kept_once_with_its_references_joined(tmp_path):
    a, b = copy(tmp_path, "a"), copy(tmp_path, "b")
    _with_context(a, "est06", "from the ministry's report")
    _with_context(b, "est60", "read in the ministry's year-end table")
    edit(b, "estimates", lambda df: df.with_columns(pl.col("value_best").replace("200", "210")))  # b's article differs
    assert toolkit.validate(a).ok and toolkit.validate(b).ok
    corpus = toolkit.open(a, b)
    ctx = corpus["estimates"].filter(source_id="ledger_context")
    assert ctx.height == 1 and ctx["estimate_id"].item() == "est06"
    assert set(ctx["note"].item().split(" | ")) == {"from the ministry's report", "read in the ministry's year-end table"}
    cited = [c for ids in corpus["disputes"]["claim_ids"].to_list() if ids is not None for c in ids]
    assert "est06" in cited and not any("est60" in c for c in cited)
    assert corpus.validate().ok


# e. aliases of a folder with no article source
@pytest.mark.parametrize("parquet", [False, True])
def test_a_folder_without_an_article_keeps_its_aliases(tmp_path, parquet):
    noart = copy(tmp_path, "noart")
    for t in ("estimates", "events", "event_actors", "statements", "relations", "disputes", "mentions", "segments"):
        edit(noart, t, lambda df: df.clear())
    edit(noart, "sources", lambda df: df.filter(pl.col("kind") != "article"))
    edit(noart, "actors", lambda df: df.with_columns(pl.lit("ledger_context").alias("source_id")))
    shutil.rmtree(noart / "texts")
    assert toolkit.validate(noart).ok, toolkit.validate(noart)
    own = toolkit.open(noart)["aliases"]
    if parquet:
        noart = toolkit.open(noart).to_parquet(tmp_path / "noart_pq")
    corpus = toolkit.open(SHIPPED, noart)
    kept = corpus["aliases"].join(own.select("alias", "entity_id").unique(), on=["alias", "entity_id"], how="semi")
    assert kept.select("alias", "entity_id").unique().height == own.select("alias", "entity_id").unique().height > 0


# f. the same corpus whatever the order of the folders
def test_the_merge_does_not_depend_on_the_order(tmp_path):
    two = copy(tmp_path, "zz_second")
    edit(two, "estimates", lambda df: df.with_columns(pl.col("value_best").replace("200", "210")))
    ab, ba = toolkit.open(SHIPPED, LEDGER, two), toolkit.open(two, LEDGER, SHIPPED)
    same(ab, ba)
    parts = [toolkit.open(SHIPPED), toolkit.open(LEDGER), toolkit.open(two)]
    same(merge(parts), merge(parts[::-1]))  # one by one (the path for folders of different schemas) too
    same(merge(parts), ab)


# g. a Parquet corpus remembers its members
def test_readding_a_member_to_a_parquet_corpus_counts_it_once(tmp_path):
    corpus = toolkit.open(SHIPPED, LEDGER)
    saved = corpus.to_parquet(tmp_path / "corpus")
    again = toolkit.open(saved, LEDGER)
    for name in ("estimates", "events", "statements", "disputes", "aliases"):
        assert again[name].height == corpus[name].height, name
    assert any("already a member" in n for n in again.notes)
    changed = copy(tmp_path, "other")  # a folder that is not a member is added
    set_x(changed, name="another-ledger")
    edit(changed, "estimates", lambda df: df.with_columns(pl.col("value_best").replace("200", "210")))
    more = toolkit.open(saved, changed)
    assert more["estimates"].height > corpus["estimates"].height and not any("already a member" in n for n in more.notes)


# h. qualification cascades, never collides; a bare id is never silently the citing folder's own
def test_two_coders_of_one_article_qualify_without_collisions(tmp_path):
    a = copy(tmp_path / "coder_a", "ledger")  # the same folder name: the folder qualifier collides
    b = copy(tmp_path / "coder_b", "ledger")
    edit(b, "estimates", lambda df: df.with_columns(pl.col("value_best").replace("200", "210")))
    corpus = toolkit.open(a, b)
    ids = corpus["estimates"]["estimate_id"].to_list()
    assert len(ids) == len(set(ids))
    assert "est01" not in ids and len([i for i in ids if i.endswith("est01")]) == 2
    # est03 (a subset of est01) and dispute dis01 (est01 against est06) changed in nobody's hands: qualified in turn
    assert len([i for i in ids if i.endswith("est03")]) == 2
    assert len([i for i in corpus["disputes"]["dispute_id"] if i.endswith("dis01")]) == 2
    assert "est04" in ids  # the same in both: kept once, as it is
    assert corpus.validate().ok, corpus.validate()
    subs = corpus["estimates"].filter(pl.col("subset_of").is_not_null())
    assert set(subs["subset_of"]) <= set(ids) and subs["subset_of"].n_unique() == 2


def test_a_bare_id_in_a_citing_row_that_two_folders_hold_is_ambiguous(tmp_path):
    cites = copy(tmp_path)
    cross_dispute(cites, "est01;est13")
    with pytest.raises(toolkit.DataError) as err:
        toolkit.open(SHIPPED, cites)
    problems = [p for p in err.value.problems if "ambiguous" in p.message]
    assert len(problems) == 1
    p = problems[0]
    assert p.file.endswith("disputes.csv") and p.row == 4 and p.column == "claim_ids" and "'est01'" in p.message
    assert toolkit.open(SHIPPED, LEDGER)  # rows citing only their own folder are not ambiguous


# i. subset() is consistent
@pytest.mark.parametrize("keep,other", [("ledger_2016", "rferl_2015"), ("rferl_2015", "ledger_2016")])
def test_subset_is_a_consistent_dataset(keep, other):
    corpus = toolkit.open(SHIPPED, LEDGER)
    sub = corpus.subset(keep)
    articles = set(sub.articles()["source_id"])
    assert articles == {keep}
    for name in sub.table_names():
        if "source_id" in sub[name].columns:
            assert other not in set(sub[name]["source_id"].cast(pl.String)), name
    assert set(sub["event_actors"]["event_id"]) <= set(sub["events"]["event_id"])
    assert set(sub["event_actors"]["event_id"]) == set(corpus["event_actors"].filter(
        pl.col("event_id").is_in(sub["events"]["event_id"].implode()))["event_id"])
    claims = set(sub["estimates"]["estimate_id"]) | set(sub["statements"]["statement_id"]) | set(sub["events"]["event_id"])
    assert all(set(c) <= claims for c in sub["disputes"]["claim_ids"].to_list() if c is not None)
    assert set(sub.texts) <= set(sub["sources"]["source_id"]) and other not in sub.texts
    named = set(sub["mentions"]["entity_id"]) | set(sub["event_actors"]["actor_id"]) | set(sub["statements"]["speaker_id"])
    assert set(sub["actors"]["actor_id"]) < set(corpus["actors"]["actor_id"])  # the other article's own actors left out
    assert named & set(corpus["actors"]["actor_id"]) <= set(sub["actors"]["actor_id"])
    report = sub.validate()
    assert report.ok, report


# j. compare: renamed ids translated in event_actors and relations; alpha on few units flagged
def test_compare_translates_renamed_event_ids_everywhere(tmp_path):
    ref, coder = copy(tmp_path, "ref"), copy(tmp_path, "coder")
    for folder in (ref, coder):
        rel01 = pl.read_csv(folder / "relations.csv", infer_schema=False).row(0, named=True)
        add_row(folder, "relations", **{**rel01, "relation_id": "rel04", "subject_id": "ev03", "subject_type": "event",
                                        "predicate": "follows", "object_id": "ev02", "object_type": "event"})
    names = {"ev01": "e_one", "ev02": "e_two", "ev03": "e_three"}
    edit(coder, "events", lambda df: df.with_columns(pl.col("event_id").replace(names)))
    edit(coder, "event_actors", lambda df: df.with_columns(pl.col("event_id").replace(names)))
    edit(coder, "statements", lambda df: df.with_columns(pl.col("event_id").replace(names)))
    edit(coder, "relations", lambda df: df.with_columns(pl.col("subject_id").replace(names), pl.col("object_id").replace(names)))
    c = toolkit.compare(ref, coder)
    ea = c.summary.filter(table="event_actors").row(0, named=True)
    assert (ea["matched"], ea["missing"], ea["extra"]) == (3, 0, 0)
    assert c.disagreements.filter(pl.col("table").is_in(["relations", "statements", "event_actors"])).height == 0


def test_alpha_on_few_units_is_flagged(monkeypatch):
    from toolkit import comparison

    c = toolkit.compare(LEDGER, LEDGER)
    with pytest.warns(UserWarning, match=f"fewer than {comparison.MIN_UNITS} units"):
        alpha = c.alpha
    assert alpha.filter(table="estimates", field="bound")["note"].item().startswith(comparison.FEW)
    assert comparison.FEW in c.to_html()  # the page says it beside the value
    monkeypatch.setattr(comparison, "MIN_UNITS", 2)
    c = toolkit.compare(LEDGER, LEDGER)
    assert not c.alpha.filter(table="estimates", field="bound")["note"].item()


# k. the corpus defers problems by kind, never by wording
def test_deferral_is_by_problem_kind(tmp_path):
    assert _is_reference(Problem("x.csv", 1, "y", "anything", kind="reference"))
    assert not _is_reference(Problem("x.csv", 1, "y", "'a' is not a place id in places.csv", kind="value"))
    saved = toolkit.open(SHIPPED).to_parquet(tmp_path / "shipped_pq")  # a Parquet part: the one-by-one path
    bad = copy(tmp_path, "bad")
    edit(bad, "estimates", lambda df: df.with_columns(
        pl.when(pl.col("estimate_id") == "est01").then(pl.lit("x id in y is not")).otherwise("qualifier").alias("qualifier"),
        pl.when(pl.col("estimate_id") == "est02").then(pl.lit("an id in is not")).otherwise("bound").alias("bound")))
    with pytest.raises(toolkit.DataError, match="bound"):
        toolkit.open(saved, bad)
    cites = copy(tmp_path, "cites")
    cross_dispute(cites, "ledger-invented-passage:est01;est13")  # the dataset's name: the folder's own est01
    both = toolkit.open(saved, cites)  # a dangling id alone (a reference) is left for the corpus, and resolves
    assert "est13" in both["disputes"].filter(dispute_id="dis04")["claim_ids"].item().to_list()
    cross = copy(tmp_path, "cross")
    cross_dispute(cross, "ledger:est01;est99")
    with pytest.raises(toolkit.DataError, match="est99"):
        toolkit.open(saved, cross)


def test_a_corpus_problem_on_the_one_by_one_path_names_the_folders_file_and_row(tmp_path):
    """Folders merged one by one (a Parquet part) are checked as a corpus on the merged tables: a problem found there
    names the folder's own file and its row there, as the one-pass path does, not a row of the merged table."""
    saved = toolkit.open(SHIPPED).to_parquet(tmp_path / "shipped_pq")
    cross = copy(tmp_path, "cross")
    cross_dispute(cross, "ledger:est01;est99")
    set_x(cross, x_cites=[toolkit.open().name])
    row = pl.read_csv(cross / "disputes.csv", infer_schema=False)["dispute_id"].to_list().index("dis04") + 1
    with pytest.raises(toolkit.DataError) as err:
        toolkit.open(saved, cross)
    where = {(Path(p.file), p.row, p.column) for p in err.value.problems if "est99" in p.message}
    assert where == {(cross.resolve() / "disputes.csv", row, "claim_ids")}
