"""A corpus of generated article folders (benchmarks/corpusgen.py): opened in one pass, it names the same
problems as each folder checked alone and as the checks written in plain polars; the checks written once as
SQL find, on DuckDB and on Spark (slow), what the polars path finds."""

import sys
from pathlib import Path

import polars as pl
import pytest

import toolkit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import corpusgen  # noqa: E402
import reference_polars  # noqa: E402


def _where(p) -> tuple:
    f = Path(p.file)
    return (f.parent.name, f.name, p.row, p.column)


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    """21 folders, one broken row in every third (each kind of fault the generator makes)."""
    return corpusgen.generate(tmp_path_factory.mktemp("articles"), 21, broken_every=3)


@pytest.fixture(scope="module")
def found(broken):
    with pytest.raises(toolkit.DataError) as err:
        toolkit.open(*broken["folders"])
    return err.value.problems


def test_every_broken_row_of_every_folder_is_named(broken, found):
    assert {_where(p) for p in found} == set(broken["broken"])
    assert len({p.kind for p in found}) >= 4  # quotes, values, references, rules, keys, mentions
    shown = [str(p) for p in found if p.row is not None]
    assert all(s.startswith(str(broken["folders"][0].parent)) for s in shown)  # the folder's file, then row and column


@pytest.mark.slow
def test_the_same_problems_as_each_folder_alone(broken, found):
    alone = {(f.name, p.file, p.row, p.column, p.message) for f in broken["folders"] for p in toolkit.validate(f).problems}
    assert {(*_where(p), p.message) for p in found} == alone


def test_the_same_problems_as_plain_polars(broken, found):
    assert set(reference_polars.check(broken["folders"])) == {_where(p) for p in found}


def test_checked_in_pieces_the_corpus_has_the_same_problems(broken, found, monkeypatch):
    """Texts are read and mentions rebuilt a batch of texts at a time, spans cut a slice of rows at a time (memory):
    batches of one text and slices of 5 rows name what one batch and one slice do."""
    from toolkit.checks import spans
    from toolkit.dataset import many

    monkeypatch.setattr(many, "MENTION_BATCH", 1)
    monkeypatch.setattr(many, "TEXT_BATCH", 1)
    monkeypatch.setattr(spans, "ROWS", 5)
    with pytest.raises(toolkit.DataError) as err:
        toolkit.open(*broken["folders"])
    assert {p.kind for p in found} >= {"mention", "text"}  # the generator broke mentions and quotes
    assert sorted((p.file, p.row, p.column, p.message) for p in err.value.problems) == sorted(
        (p.file, p.row, p.column, p.message) for p in found)


@pytest.mark.slow
def test_a_clean_corpus_is_the_corpus_of_its_folders_merged_one_by_one(tmp_path):
    from toolkit.dataset.corpus import merge

    made = corpusgen.generate(tmp_path, 9, broken_every=0)
    one_pass = toolkit.open(*made["folders"])
    by_one = merge([toolkit.open(f) for f in made["folders"]])
    assert one_pass.table_names() == by_one.table_names()
    for name in one_pass.table_names():
        assert isinstance(one_pass[name], pl.DataFrame)
        assert one_pass[name].equals(by_one[name]), name
    assert one_pass.texts == by_one.texts and one_pass.validate().ok


def _engine_corpus(broken, tmp_path):
    """The broken corpus read without judging, written as hive-partitioned Parquet; what SQL can find of the
    polars path's problems (references, row rules, texts, duplicate keys: the values' own checks happen when
    the CSV files are typed, before any engine sees them)."""
    from toolkit.checks import sql
    from toolkit.dataset.many import read_corpus
    from toolkit.formats import partitioned

    corpus = read_corpus([f.resolve() for f in broken["folders"]], keep_rows=True)
    out = partitioned.write(corpus.provenance(), corpus.descriptor, corpus.texts, tmp_path / "hive")
    covered = {(c.file, c.column) for c in sql.checks(corpus.descriptor)}
    expected = {_where(p) for p in corpus.problems if p.kind in ("reference", "rule", "text", "key")
                and (Path(p.file).name, p.column) in covered}
    return corpus, out, expected


@pytest.mark.slow
def test_the_sql_checks_on_duckdb_find_what_polars_finds(broken, tmp_path):
    duckdb = pytest.importorskip("duckdb")
    from toolkit.checks import sql

    corpus, out, expected = _engine_corpus(broken, tmp_path)
    con = duckdb.connect()
    for name in [*corpus.descriptor.table_names(), "texts"]:
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{out / name}/**/*.parquet', "
                    "hive_partitioning = true, hive_types_autocast = false)")
    assert expected and sql.run(corpus.descriptor, lambda q: con.execute(q).fetchall()) == expected
    assert (out / "schema.spark.sql").read_text().startswith("CREATE TABLE sources (source_id STRING NOT NULL")


@pytest.mark.slow
def test_the_sql_checks_on_spark_find_what_polars_finds(broken, tmp_path):
    """Spark in local mode (pyspark, Java from Debian's openjdk-17-jre-headless) on the same Parquet layout."""
    pytest.importorskip("pyspark")
    import shutil

    if shutil.which("java") is None:
        pytest.skip("no Java (Debian: apt-get install openjdk-17-jre-headless)")
    from pyspark.sql import SparkSession

    from toolkit.checks import sql

    corpus, out, expected = _engine_corpus(broken, tmp_path)
    # Settings for ~115 small queries on a few thousand rows, none of which changes what a query returns: the
    # JVM compiles with its quick compiler only and one GC thread, Spark neither generates code per query nor
    # re-plans at run time (half the JVM's CPU and a third of the queries' time on two shared cores)
    spark = (SparkSession.builder.master("local[1]").appName("toolkit-checks")
             .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
             .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
             .config("spark.sql.codegen.wholeStage", "false").config("spark.sql.adaptive.enabled", "false")
             .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
             .config("spark.sql.shuffle.partitions", "2").getOrCreate())
    try:
        for name in [*corpus.descriptor.table_names(), "texts"]:
            spark.read.parquet(str(out / name)).createOrReplaceTempView(name)
            # read from the Parquet folders on the first query, then kept in memory: the queries no longer list
            # and decode the same small files each time, and still run on Spark, on what it read from that layout
            spark.catalog.cacheTable(name)
        found = sql.run(corpus.descriptor, lambda q: [tuple(r) for r in spark.sql(q).collect()], dialect="spark")
    finally:
        spark.stop()
    assert expected and found == expected


def test_a_corpus_is_reopened_from_the_cache_only_while_no_file_changed(tmp_path, monkeypatch):
    from toolkit.dataset import many

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    made = corpusgen.generate(tmp_path / "articles", 4, broken_every=0)
    first = toolkit.open(*made["folders"])
    opened = []
    read = many.open_many
    monkeypatch.setattr(many, "open_many", lambda folders, *a: opened.append(len(folders)) or read(folders, *a))
    again = toolkit.open(*made["folders"])
    assert opened == []  # read from the cache, not from the folders
    assert again.table_names() == first.table_names() and again.texts == first.texts
    for name in first.table_names():
        assert again[name].equals(first[name]), name
    est = made["folders"][2] / "estimates.csv"
    est.write_text(est.read_text(encoding="utf-8").replace(",stated,", ",rumoured,", 1), encoding="utf-8")
    with pytest.raises(toolkit.DataError, match="rumoured"):  # the changed folder is read and checked again
        toolkit.open(*made["folders"])
    assert opened == [4]


def test_a_corpus_reopened_from_parquet_reads_a_table_when_asked(tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLKIT_NO_CACHE", "1")
    made = corpusgen.generate(tmp_path / "articles", 3, broken_every=0)
    ds = toolkit.open(*made["folders"])
    back = toolkit.open(ds.to_parquet(tmp_path / "corpus"))
    assert not back._tables.loaded("estimates")
    assert isinstance(back["estimates"], pl.DataFrame) and back._tables.loaded("estimates")
    for name in ds.table_names():
        assert back[name].equals(ds[name]), name


def test_a_broken_context_row_two_folders_share_is_reported_in_each(tmp_path, monkeypatch):
    """The merge keeps one copy of a context row that folders share (notes aside); a problem on it is still
    reported for every folder's file that holds it, since fixing one copy leaves the others broken."""
    monkeypatch.setenv("TOOLKIT_NO_CACHE", "1")
    made = corpusgen.generate(tmp_path / "articles", 3, broken_every=0)
    broken = []
    for i, folder in enumerate(made["folders"][:2]):
        p = folder / "estimates.csv"
        df = pl.read_csv(p, infer_schema=False)
        row = df.row(0, named=True) | {"estimate_id": "est99", "source_id": "ledger_context", "paragraph": None,
                                       "char_start": None, "char_end": None, "quote": None, "value_low": "20",
                                       "value_best": "10", "value_high": None, "bound": "approximate",
                                       "note": f"coded in folder {i}"}
        for col in ("statement_id", "same_claim_as", "subset_of"):
            if col in row:
                row[col] = None
        pl.concat([df, pl.DataFrame([row], schema=df.schema)]).write_csv(p)
        broken.append((str(p), df.height + 1))
    with pytest.raises(toolkit.DataError) as err:
        toolkit.open(*made["folders"])
    where = {(p.file, p.row) for p in err.value.problems if "greater than value_best" in p.message}
    assert where == set(broken), [str(p) for p in err.value.problems]


@pytest.mark.parametrize("batch", [1, 2000])
def test_a_folder_whose_text_cannot_be_used_is_named_as_it_is_alone(tmp_path, monkeypatch, batch):
    """A text with CRLF line endings in one folder of a corpus: that folder's problems are those it has alone,
    whether the texts are read one at a time or all at once; the other folders' texts are used."""
    from toolkit.dataset import many

    monkeypatch.setattr(many, "TEXT_BATCH", batch)
    made = corpusgen.generate(tmp_path, 4, broken_every=0)
    bad = made["folders"][2]
    text = next((bad / "texts").glob("*.txt"))
    text.write_bytes(text.read_bytes().replace(b"\n", b"\r\n"))
    alone = {(bad.resolve() / p.file, p.row, p.column, p.message) for p in toolkit.validate(bad).problems}
    assert alone
    with pytest.raises(toolkit.DataError) as err:
        toolkit.open(*made["folders"])
    assert {(Path(p.file), p.row, p.column, p.message) for p in err.value.problems} == alone
