"""A corpus as hive-partitioned Parquet (one partition per source), for engines that read it as it is.

    out/estimates/_source=a00001/00000000.parquet       every table with a source_id, one folder per source
    out/places/00000000.parquet                         tables without one, in one piece
    out/texts/_source=a00001/00000000.parquet           each text (columns ``source_id``, ``text``)
    out/datapackage.json, out/schema.duckdb.sql, out/schema.spark.sql

Spark (``spark.read.parquet("out/estimates")``), DuckDB (``read_parquet('out/estimates/**/*.parquet',
hive_partitioning = true)``) or a warehouse's external tables read it directly; the descriptor is translated to
each engine's ``CREATE TABLE`` (sqlglot). The partition column ``_source`` is a copy of ``source_id`` (which stays
in the files, typed; rows without one, such as an alias for every source, are in ``_source=_shared``); read it
as a string (Spark: ``spark.sql.sources.partitionColumnTypeInference.enabled=false``; DuckDB:
``hive_types_autocast = false``). When the tables carry ``_folder`` and ``_row`` (where each row came from), the checks of
:mod:`toolkit.checks.sql` name the file, row and column of each problem.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from toolkit.core.text import Texts

PARTITION = "_source"
_SQL_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN", "date": "DATE",
              "list": "VARCHAR[]"}


def ddl(desc, dialect: str = "duckdb") -> str:
    """``CREATE TABLE`` statements for every table of the descriptor, in an engine's dialect."""
    out = []
    for name in desc.table_names():
        cols = [f"{f['name']} {_SQL_TYPES[f['type']]}" + (" NOT NULL" if f.get("constraints", {}).get("required") else "")
                for f in desc.fields(name)]
        out.append(f"CREATE TABLE {name} ({', '.join(cols)})")
    out.append("CREATE TABLE texts (source_id VARCHAR NOT NULL, text VARCHAR NOT NULL)")
    if dialect != "duckdb":
        import sqlglot

        out = [sqlglot.transpile(s, read="duckdb", write=dialect)[0] for s in out]
    return ";\n".join(out) + ";\n"


def _write(df: pl.DataFrame, where: Path) -> None:
    df = df.with_columns(pl.col(c).cast(pl.String) for c, t in df.schema.items() if isinstance(t, (pl.Enum, pl.Categorical)))
    if "source_id" in df.columns and not df.is_empty():
        df.with_columns(pl.col("source_id").cast(pl.String).fill_null("_shared").alias(PARTITION)).write_parquet(
            where, partition_by=PARTITION)
    else:
        where.mkdir(parents=True, exist_ok=True)
        df.write_parquet(where / "00000000.parquet")


def write(tables: dict[str, pl.DataFrame], desc, texts: dict[str, str], out: str | Path) -> Path:
    """Write ``tables`` (typed as ``desc`` declares; extra columns such as ``_folder``/``_row`` kept) and the texts."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        _write(df, out / name)
    _write(Texts.of(texts).frame, out / "texts")
    (out / "datapackage.json").write_text(json.dumps(desc.to_dict(), indent=1, ensure_ascii=False), encoding="utf-8")
    for dialect in ("duckdb", "spark"):
        try:
            (out / f"schema.{dialect}.sql").write_text(ddl(desc, dialect), encoding="utf-8")
        except ImportError:  # sqlglot is optional (the `scale` extra): the DuckDB schema needs none
            pass
    return out


def main(argv=None) -> int:
    """``python -m toolkit.formats.partitioned OUT FOLDER...``: a corpus of folders as hive-partitioned Parquet,
    every row with ``_folder`` and ``_row`` (problems are not fixed here: the engines' checks name them)."""
    import argparse

    from toolkit.dataset.many import read_corpus

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("out")
    ap.add_argument("folders", nargs="+")
    args = ap.parse_args(argv)
    corpus = read_corpus([Path(f).resolve() for f in args.folders], keep_rows=True)
    if corpus is None:
        raise SystemExit("the folders declare different tables: open them with toolkit.open and write ds.to_parquet")
    write(corpus.provenance(), corpus.descriptor, corpus.texts, args.out)
    print(f"{args.out}: {len(args.folders)} folders, {len(corpus.problems)} problem(s) found while reading")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
