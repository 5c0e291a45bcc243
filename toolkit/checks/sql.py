"""The corpus checks as SQL, for an engine that holds the corpus: DuckDB in-process, Spark or a warehouse.

The checks that look across rows and tables -- primary keys within each folder, foreign, polymorphic and list
keys over the whole corpus, the ordering rules of each row, a locator for every fact of an article, quote
length, and quotes and paragraphs against the texts -- are written once here, as queries in DuckDB's dialect
over the tables of :func:`toolkit.formats.partitioned.write` (typed columns, plus ``_folder`` and ``_row``: where
each row came from) and a ``texts`` table (source_id, text). :func:`transpile` turns them into another dialect
with sqlglot (``spark``, ``bigquery``, ``snowflake`` ...). Each query returns ``(_folder, _row)`` of the rows
that break its rule; :class:`Check` says which file, column and kind of problem that is.

What stays in Python: reading and typing the CSV files (the values' own checks: types, allowed values, invisible
characters), the mentions re-found from the aliases, and the declared cross-row rules (``x-dates``,
``x-links``, ``x-eventOrder``).

>>> from toolkit.core.descriptor import Descriptor
>>> [c.column for c in checks(Descriptor.shipped()) if c.file == "estimates.csv"][:3]
['estimate_id', 'claimant_id', 'reported_via_id']
"""

from __future__ import annotations

from dataclasses import dataclass

TEXTS = "texts"


@dataclass(frozen=True)
class Check:
    """One query: the rows it returns break a rule of ``file``'s ``column`` (a problem of ``kind``)."""

    file: str
    column: str
    kind: str
    sql: str


def _q(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _id(s: str) -> str:
    return "`" + s + "`" if not s.isidentifier() else s


def _ids(desc, table: str) -> str:
    key = desc.primary_key(table)[0]
    return f"SELECT DISTINCT CAST({key} AS VARCHAR) AS id FROM {table} WHERE {key} IS NOT NULL"


def _unknown(desc, name: str, col: str, known: str, when: str = "TRUE") -> str:
    types = {f["name"]: f["type"] for f in desc.fields(name)}
    if types.get(col) == "list":
        return (f"SELECT DISTINCT _folder, _row FROM (SELECT _folder, _row, UNNEST({col}) AS v FROM {name} WHERE {when}) AS items "
                f"WHERE v IS NOT NULL AND v NOT IN ({known})")
    return f"SELECT _folder, _row FROM {name} WHERE {col} IS NOT NULL AND {when} AND CAST({col} AS VARCHAR) NOT IN ({known})"


def checks(desc) -> list[Check]:
    """Every check of a descriptor's tables, as queries in DuckDB's dialect."""
    out: list[Check] = []
    articles = "SELECT source_id FROM sources WHERE CAST(kind AS VARCHAR) = 'article'"
    limit = desc.get("x-article", {}).get("max_quote_words", 25)
    for name in desc.table_names():
        res, file = desc.resource(name), desc.path(name)
        cols = {f["name"] for f in desc.fields(name)}
        pk = desc.primary_key(name)
        part = ", ".join(pk)
        needed = [k for k in pk if desc.field(name, k).get("constraints", {}).get("required")] or pk
        out.append(Check(file, ",".join(pk) if len(pk) > 1 else pk[0], "key",
                         f"SELECT _folder, _row FROM (SELECT _folder, _row, COUNT(*) OVER (PARTITION BY _folder, {part}) AS n "
                         f"FROM {name} WHERE {' AND '.join(f'{k} IS NOT NULL' for k in needed)}) AS d WHERE n > 1"))
        for fk in res["schema"].get("foreignKeys", []):
            if isinstance(fk["fields"], str) and desc.has_table(fk["reference"]["resource"]):
                out.append(Check(file, fk["fields"], "reference", _unknown(desc, name, fk["fields"], _ids(desc, fk["reference"]["resource"]))))
        for poly in res.get("x-polymorphicKeys", []):
            for kind, target in poly["references"].items():
                out.append(Check(file, poly["field"], "reference", _unknown(
                    desc, name, poly["field"], _ids(desc, target), f"CAST({poly['typeField']} AS VARCHAR) = {_q(kind)}")))
        for mk in res.get("x-multiKeys", []):
            known = " UNION ".join(_ids(desc, t) for t in mk["references"])
            out.append(Check(file, mk["field"], "reference", _unknown(desc, name, mk["field"], known)))
        rules: list[tuple[str, str]] = []
        if name == "estimates" and {"value_low", "value_best", "value_high", "bound"} <= cols:
            rules += [("value_low > value_best", "value_low"), ("value_best > value_high", "value_best"),
                      ("value_low > value_high", "value_low")]
            rules += [(f"CAST(bound AS VARCHAR) = '{k}' AND {n} IS NULL", n)
                      for k, n in (("lower", "value_low"), ("upper", "value_high"), ("exact", "value_best"))]
            rules.append(("CAST(bound AS VARCHAR) = 'vague' AND (value_low IS NOT NULL OR value_best IS NOT NULL "
                          "OR value_high IS NOT NULL)", "bound"))
        for a, b in (("claim_date_start", "claim_date_end"), ("date_start", "date_end"), ("published_start", "published_end")):
            if {a, b} <= cols:
                rules.append((f"{a} > {b}", b))
        for a, b, gap in (("char_start", "char_end", 0), ("paragraph_start", "paragraph_end", 1)):
            if {a, b} <= cols:
                rules.append((f"{a} >= {b} + {gap}", b))
        if res.get("x-evidence"):
            rules += [(f"source_id IN ({articles}) AND {c} IS NULL", c) for c in ("paragraph", "char_start", "char_end", "quote")]
            rules.append((f"ARRAY_LENGTH(REGEXP_EXTRACT_ALL(quote, '\\S+')) > {limit}", "quote"))
        out += [Check(file, col, "rule", f"SELECT _folder, _row FROM {name} WHERE {cond}") for cond, col in rules]
        if {"char_start", "char_end", "source_id"} <= cols:
            quote = "quote" if "quote" in cols else "surface" if "surface" in cols else None
            para = "paragraph" if "paragraph" in cols else "paragraph_start" if "paragraph_start" in cols else None
            joined = (f"(SELECT r.*, t.text AS _text FROM {name} AS r JOIN {TEXTS} AS t ON CAST(r.source_id AS VARCHAR) = t.source_id "
                      "WHERE r.char_start IS NOT NULL AND r.char_end IS NOT NULL) AS j")
            past = "char_end > LENGTH(_text)"
            out.append(Check(file, "char_end", "text", f"SELECT _folder, _row FROM {joined} WHERE {past}"))
            if quote:
                span = "SUBSTRING(_text, char_start + 1, GREATEST(char_end - char_start, 0))"
                out.append(Check(file, quote, "text", f"SELECT _folder, _row FROM {joined} WHERE NOT ({past}) AND "
                                 f"{quote} IS NOT NULL AND {span} <> {quote}"))
            if para:
                prefix = "SUBSTRING(_text, 1, char_start)"
                actual = f"CAST((LENGTH({prefix}) - LENGTH(REPLACE({prefix}, CHR(10) || CHR(10), ''))) / 2 AS BIGINT) + 1"
                out.append(Check(file, para, "text", f"SELECT _folder, _row FROM {joined} WHERE NOT ({past}) AND "
                                 f"{para} IS NOT NULL AND {actual} <> {para}"))
    return out


def transpile(sql: str, dialect: str) -> str:
    """A query of :func:`checks` in another engine's dialect (sqlglot: ``spark``, ``bigquery``, ``snowflake`` ...)."""
    if dialect == "duckdb":
        return sql
    import sqlglot

    return sqlglot.transpile(sql, read="duckdb", write=dialect)[0]


def run(desc, execute, dialect: str = "duckdb") -> set[tuple]:
    """Every problem the queries find, as (folder, file, row, column); ``execute(sql)`` returns rows."""
    found = set()
    for c in checks(desc):
        for folder, row in execute(transpile(c.sql, dialect)):
            found.add((folder, c.file, row, c.column))
    return found


def views(engine: str, where) -> object:
    """A connection to ``engine`` (``duckdb`` or ``spark``, local) with every table of a
    :mod:`toolkit.formats.partitioned` folder as a view; returns a function running one query."""
    from pathlib import Path

    from toolkit.core.descriptor import Descriptor

    where = Path(where)
    desc = Descriptor.load(where / "datapackage.json")
    names = [*desc.table_names(), TEXTS]
    if engine == "duckdb":
        import duckdb

        con = duckdb.connect()
        for name in names:
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{where / name}/**/*.parquet', "
                        "hive_partitioning = true, hive_types_autocast = false)")
        return desc, lambda q: con.execute(q).fetchall()
    if engine == "spark":
        from pyspark.sql import SparkSession

        spark = (SparkSession.builder.master("local[*]").appName("toolkit-checks").config("spark.ui.enabled", "false")
                 .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false").getOrCreate())
        for name in names:
            spark.read.parquet(str(where / name)).createOrReplaceTempView(name)
        return desc, lambda q: [tuple(r) for r in spark.sql(q).collect()]
    raise ValueError(f"engine {engine!r}: duckdb or spark")


def main(argv=None) -> int:
    """``python -m toolkit.checks.sql FOLDER --engine duckdb|spark``: the SQL checks of a partitioned corpus."""
    import argparse

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("folder", help="a folder written by `python -m toolkit.formats.partitioned`")
    ap.add_argument("--engine", default="duckdb", choices=("duckdb", "spark"))
    args = ap.parse_args(argv)
    desc, execute = views(args.engine, args.folder)
    found = sorted(run(desc, execute, "spark" if args.engine == "spark" else "duckdb"), key=str)
    for folder, file, row, column in found:
        print(f"{folder}/{file} row {row}, column {column}")
    print(f"{len(found)} problem(s)")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
