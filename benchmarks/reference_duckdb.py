"""The corpus checks in DuckDB SQL, reading the same files: the other yardstick of ``benchmarks/scale.py``.

    python benchmarks/reference_duckdb.py FOLDER [FOLDER ...]     # or a folder of article folders

Each table is read with DuckDB's own CSV reader over the list of every folder's file (all columns as text,
the header declared, no sniffing), typed with ``TRY_CAST``/``TRY_STRPTIME`` from the descriptor, and checked
by one SQL query per check: the same checks as ``reference_polars.py`` (see there), each problem as
``(folder, file, row, column)``. The texts are read with ``read_text``.

Differences from the Python checks, by construction of the engine: DuckDB's regular expressions (RE2) have no
look-behind, so the mention scan takes the character before an alias into the match and checks the one after
it separately (an alias that only fails at its end is not retried shorter, where Python's ``re`` would), and a
"word character" is a letter, digit or underscore of any script (``[\\pL\\pN_]``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# invisible characters, spelled for RE2 (no class subtraction): see toolkit/fileform.py
ID_ODD = r"[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\x{00A0}\x{1680}\x{2000}-\x{200A}\x{202F}\x{205F}\x{3000}]"
TEXT_ODD = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\x{2028}\x{2029}\x{200B}\x{2060}\x{FEFF}\x{202A}-\x{202E}\x{2066}-\x{2069}]"
WORD = r"[\pL\pN_]"
NONE = "''"  # an empty NOT IN list: no folder is named '' (NOT IN (NULL) would drop every row)


def q(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def typed(c: str, f: dict) -> str:
    t, s = f["type"], f"NULLIF(trim({c}), '')"
    if t == "string":
        return c
    if t == "integer":
        return f"TRY_CAST({s} AS BIGINT)"
    if t == "number":
        return f"TRY_CAST({s} AS DOUBLE)"
    if t == "boolean":
        return f"CASE lower({s}) WHEN 'true' THEN true WHEN '1' THEN true WHEN 'false' THEN false WHEN '0' THEN false END"
    if t == "date":
        return f"TRY_CAST(TRY_STRPTIME({s}, '%Y-%m-%d') AS DATE)"
    if t == "list":
        return f"list_filter(list_transform(string_split({s}, {q(f.get('delimiter', ';'))}), lambda e: trim(e)), lambda e: e <> '')"
    raise ValueError(t)


class Checker:
    def __init__(self, folders: list[Path], threads: int | None = None):
        import duckdb

        self.folders = folders
        self.con = duckdb.connect()
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        self.desc = json.loads((folders[0] / "datapackage.json").read_text(encoding="utf-8"))
        self.res = {r["name"]: r for r in self.desc["resources"]}
        self.problems: list[tuple] = []

    def sql(self, s: str):
        return self.con.execute(s)

    def hit(self, table: str, where: str, file: str, column: str | None, extra: str = "") -> None:
        rows = self.sql(f"SELECT _folder, _row FROM {table} {extra} WHERE coalesce({where}, false)").fetchall()
        self.problems += [(f, file, r, column) for f, r in rows]

    def pk(self, name: str) -> list[str]:
        pk = self.res[name]["schema"]["primaryKey"]
        return [pk] if isinstance(pk, str) else list(pk)

    def read(self) -> None:
        for name, res in self.res.items():
            fields = res["schema"]["fields"]
            files = [str(f / res["path"]) for f in self.folders if (f / res["path"]).is_file()]
            columns = "{" + ", ".join(f"{q(f['name'])}: 'VARCHAR'" for f in fields) + "}"
            # the row of a file: DuckDB keeps the files' order (insertion order); row_number() over the scan
            self.sql(f"""CREATE TABLE r_{name} AS SELECT *, regexp_extract(filename, '([^/]+)/[^/]+$', 1) AS _folder,
                         CAST(row_number() OVER () AS BIGINT) AS _g
                         FROM read_csv({files!r}, columns = {columns}, header = true, auto_detect = false,
                                       filename = true, quote = '"', escape = '"')""")
            self.sql(f"""CREATE OR REPLACE TABLE r_{name} AS SELECT * EXCLUDE (_g), _g - min(_g) OVER (PARTITION BY filename) + 1 AS _row
                         FROM r_{name}""")
            pk = self.pk(name)
            keys = set(pk) | {fk["fields"] for fk in res["schema"].get("foreignKeys", [])}
            keys |= {k[x] for k in res.get("x-polymorphicKeys", []) for x in ("field", "typeField")}
            keys |= {k["field"] for k in res.get("x-multiKeys", [])}
            keys |= {f["name"] for f in fields if f["name"].endswith(("_id", "_ids"))}
            strict = {k for k in keys if k.endswith(("_id", "_ids")) or pk == [k]}
            cols, file = [], res["path"]
            checks = []
            for f in fields:
                c, con = ident(f["name"]), f.get("constraints", {})
                v = typed(c, f)
                s = c if f["type"] == "string" else f"NULLIF(trim({c}), '')"
                bad = f"({s} IS NOT NULL AND {v} IS NULL)"
                checks.append((bad, f["name"]))
                if f["type"] == "date":
                    checks.append((f"NOT coalesce({v} BETWEEN DATE '0001-01-01' AND DATE '9999-12-31', true)", f["name"]))
                if con.get("required"):
                    if f["type"] == "list":
                        checks.append((f"({s} IS NULL OR len({v}) = 0)", f["name"]))
                    elif f["type"] == "string":
                        checks.append((f"({c} IS NULL OR trim({c}) = '')", f["name"]))
                    else:
                        checks.append((f"({s} IS NULL AND NOT {bad})", f["name"]))
                if "enum" in con:
                    allowed = ", ".join(q(x) for x in con["enum"])
                    checks.append((f"({s} IS NOT NULL AND {s} NOT IN ({allowed}))", f["name"]))
                    v = f"CASE WHEN {s} IN ({allowed}) THEN {s} END"
                elif f["name"] in keys and f["type"] in ("string", "list"):
                    form = (ID_ODD if f["type"] == "list" else rf"^\s|\s$|{ID_ODD}") if f["name"] in strict else r"^\s|\s$"
                    checks.append((f"(regexp_matches({c}, {q(form)}) AND trim({c}) <> '')", f["name"]))
                if f["type"] in ("string", "list") and f["name"] not in strict and "enum" not in con:
                    checks.append((f"regexp_matches({c}, {q(TEXT_ODD)})", f["name"]))
                for key, op in (("minimum", "<"), ("maximum", ">")):
                    if key in con and f["type"] in ("integer", "number"):
                        checks.append((f"({v} {op} {con[key]})", f["name"]))
                if "maxLength" in con:
                    checks.append((f"(length({c}) > {con['maxLength']})", f["name"]))
                if con.get("unique"):
                    checks.append((f"(count(*) OVER (PARTITION BY _folder, {v}) > 1 AND {v} IS NOT NULL)", f["name"]))
                cols.append(f"{v} AS {c}")
            flags = ", ".join(f"coalesce({m}, false) AS _c{i}" for i, (m, _) in enumerate(checks))
            self.sql(f"CREATE TABLE m_{name} AS SELECT _folder, _row, {flags} FROM r_{name}")
            hits = self.sql(f"SELECT {', '.join(f'bool_or(_c{i})' for i in range(len(checks)))} FROM m_{name}").fetchone()
            for i, (_, col) in enumerate(checks):
                if hits[i]:
                    self.hit(f"m_{name}", f"_c{i}", file, col)
            self.sql(f"CREATE TABLE t_{name} AS SELECT _folder, _row, {', '.join(cols)} FROM r_{name}")
            single = len(pk) == 1 and next(f for f in fields if f["name"] == pk[0]).get("constraints", {}).get("unique")
            if not single:
                needed = [k for k in pk if next(f for f in fields if f["name"] == k).get("constraints", {}).get("required")] or pk
                part = ", ".join(ident(k) for k in pk)
                notnull = " AND ".join(f"{ident(k)} IS NOT NULL" for k in needed)
                self.sql(f"""CREATE TEMP TABLE d AS SELECT _folder, _row, count(*) OVER (PARTITION BY _folder, {part}) AS n,
                             {notnull} AS ok FROM t_{name}""")
                self.hit("d", "n > 1 AND ok", file, ",".join(pk))
                self.sql("DROP TABLE d")

    def ids(self, table: str) -> str:
        return f"(SELECT DISTINCT {ident(self.pk(table)[0])} AS id FROM t_{table} WHERE {ident(self.pk(table)[0])} IS NOT NULL)"

    def unknown(self, table: str, col: str, known: str, when: str = "true") -> None:
        """Rows whose ``col`` (or an item of it) is no id in ``known``: an anti-join over the whole corpus."""
        file = self.res[table]["path"]
        is_list = next(f for f in self.res[table]["schema"]["fields"] if f["name"] == col)["type"] == "list"
        if is_list:
            rows = self.sql(f"""SELECT DISTINCT _folder, _row FROM (SELECT _folder, _row, unnest({ident(col)}) AS v FROM t_{table}
                                WHERE {when}) WHERE v IS NOT NULL AND v NOT IN (SELECT id FROM {known})""").fetchall()
        else:
            rows = self.sql(f"""SELECT _folder, _row FROM t_{table} WHERE {ident(col)} IS NOT NULL AND {when}
                                AND CAST({ident(col)} AS VARCHAR) NOT IN (SELECT id FROM {known})""").fetchall()
        self.problems += [(f, file, r, col) for f, r in rows]

    def keys(self) -> None:
        for name, res in self.res.items():
            for fk in res["schema"].get("foreignKeys", []):
                self.unknown(name, fk["fields"], self.ids(fk["reference"]["resource"]))
            for pk in res.get("x-polymorphicKeys", []):
                for kind, target in pk["references"].items():
                    self.unknown(name, pk["field"], self.ids(target), f"CAST({ident(pk['typeField'])} AS VARCHAR) = {q(kind)}")
            for mk in res.get("x-multiKeys", []):
                known = "(" + " UNION ".join(f"SELECT id FROM {self.ids(t)}" for t in mk["references"]) + ")"
                self.unknown(name, mk["field"], known)

    def rules(self) -> None:
        articles = "(SELECT source_id FROM t_sources WHERE kind = 'article')"
        limit = self.desc.get("x-article", {}).get("max_quote_words", 25)
        for name, res in self.res.items():
            t, file = f"t_{name}", res["path"]
            cols = {f["name"] for f in res["schema"]["fields"]}
            if name == "estimates":
                self.hit(t, "value_low > value_best", file, "value_low")
                self.hit(t, "value_best > value_high", file, "value_best")
                self.hit(t, "value_low > value_high", file, "value_low")
                for kind, need in (("lower", "value_low"), ("upper", "value_high"), ("exact", "value_best")):
                    self.hit(t, f"bound = '{kind}' AND {need} IS NULL", file, need)
                self.hit(t, "bound = 'vague' AND (value_low IS NOT NULL OR value_best IS NOT NULL OR value_high IS NOT NULL)",
                         file, "bound")
            for a, b in (("claim_date_start", "claim_date_end"), ("date_start", "date_end"), ("published_start", "published_end")):
                if {a, b} <= cols:
                    self.hit(t, f"{a} > {b}", file, b)
            for a, b, gap in (("char_start", "char_end", 0), ("paragraph_start", "paragraph_end", 1)):
                if {a, b} <= cols:
                    self.hit(t, f"{a} >= {b} + {gap}", file, b)
            if res.get("x-evidence"):
                for col in ("paragraph", "char_start", "char_end", "quote"):
                    self.hit(t, f"source_id IN {articles} AND {col} IS NULL", file, col)
                self.hit(t, rf"len(regexp_extract_all(quote, '\S+')) > {limit}", file, "quote")

    def declared(self, flawed: set) -> None:
        def clean(name, *also):
            bad = sorted({f for f, file in flawed if file in {self.res[n]["path"] for n in (name, *also)}})
            return f"(SELECT * FROM t_{name} WHERE _folder NOT IN ({', '.join(map(q, bad)) or NONE}))"

        src = self.res["sources"].get("x-dates", [{}])[0]
        published = f"(SELECT source_id AS _sid, any_value({src['end']}) AS _published FROM t_sources GROUP BY 1)"
        for name, res in self.res.items():
            file = res["path"]
            for spec in res.get("x-dates", []):
                t = clean(name) + " AS x"
                a, b, p = spec["start"], spec["end"], spec.get("precision")
                prec = f"CAST({p} AS VARCHAR)" if p else "NULL"
                other = f"({prec} IS NOT NULL AND {prec} NOT IN ('before', 'unknown', 'on_or_after', 'after'))"
                both = f"({other} AND ({a} IS NULL OR {b} IS NULL))"
                self.hit(t, f"{prec} = 'before' AND ({a} IS NOT NULL OR {b} IS NULL)", file, a)
                self.hit(t, f"{prec} IN ('on_or_after', 'after') AND ({b} IS NOT NULL OR {a} IS NULL)", file, b)
                if p:
                    self.hit(t, f"{prec} IS NULL AND ({a} IS NOT NULL OR {b} IS NOT NULL)", file, p)
                self.hit(t, f"{prec} = 'unknown' AND ({a} IS NOT NULL OR {b} IS NOT NULL)", file, p)
                self.hit(t, f"{both} AND {a} IS NULL", file, a)
                self.hit(t, f"{both} AND {a} IS NOT NULL", file, b)
                self.hit(t, f"{other} AND NOT {both} AND {prec} = 'day' AND {a} <> {b}", file, b)
                if a not in ("claim_date_start", "date_start", "published_start"):
                    self.hit(t, f"{a} > {b}", file, b)
                first = f"coalesce({a}, {b})"
                if spec.get("notAfterSource"):
                    for c, side in ((a, f"{a} IS NOT NULL"), (b, f"{a} IS NULL")):
                        self.hit(t, f"{first} > _published AND {side}", file, c, extra=f"LEFT JOIN {published} ON _sid = x.source_id")
                if spec.get("notAfter"):
                    for c, side in ((a, f"{a} IS NOT NULL"), (b, f"{a} IS NULL")):
                        self.hit(t, f"{first} > {spec['notAfter']} AND {side}", file, c)
            for link in res.get("x-links", []):
                key, col = ident(self.pk(name)[0]), ident(link["field"])
                t = clean(name)
                self.hit(t + " AS x", f"{col} = {key}", file, link["field"])
                want = sorted({*link.get("sameFields", []), *link.get("notGreater", {}).get("high", [])})
                renamed = ", ".join(f"{ident(c)} AS {ident('_t_' + c)}" for c in want)
                target = (f"(SELECT _folder AS _tf, {key} AS _tid, {renamed} "
                          f"FROM {t} QUALIFY row_number() OVER (PARTITION BY _folder, {key} ORDER BY _row DESC) = 1)")
                join = f"JOIN {target} ON _tf = x._folder AND _tid = x.{col}"
                for same in link.get("sameFields", []):
                    self.hit(f"{t} AS x", f"x.{col} <> x.{key} AND CAST(x.{ident(same)} AS VARCHAR) <> CAST({ident('_t_' + same)} AS VARCHAR)",
                             file, same, extra=join)
                bounds = link.get("notGreater")
                if bounds:
                    low = f"coalesce({', '.join('x.' + ident(c) for c in bounds['low'])})"
                    high = f"coalesce({', '.join(ident('_t_' + c) for c in bounds['high'])})"
                    for i, c in enumerate(bounds["low"]):
                        first = " AND ".join([f"x.{ident(d)} IS NULL" for d in bounds["low"][:i]] + [f"x.{ident(c)} IS NOT NULL"])
                        self.hit(f"{t} AS x", f"x.{col} <> x.{key} AND {low} > {high} AND {first}", file, c, extra=join)
            order = res.get("x-eventOrder")
            if order:
                ev = order.get("events", "events")
                d = self.res[ev].get("x-dates", [{}])[0]
                a, b, key = d.get("start"), d.get("end"), ident(self.pk(ev)[0])
                preds = ", ".join(q(x) for x in order["predicates"])
                t = f"(SELECT * FROM {clean(name, ev)} WHERE CAST(predicate AS VARCHAR) IN ({preds}))"
                not_events = "(CAST(subject_type AS VARCHAR) <> 'event' OR CAST(object_type AS VARCHAR) <> 'event')"
                self.hit(t + " AS x", not_events, file, "predicate")
                evs = f"(SELECT _folder AS _ef, {key} AS _eid, {a} AS _a, {b} AS _b FROM t_{ev} QUALIFY row_number() OVER (PARTITION BY _folder, {key} ORDER BY _row DESC) = 1)"
                join = (f"JOIN {evs} AS l ON l._ef = x._folder AND l._eid = x.subject_id "
                        f"JOIN {evs} AS e ON e._ef = x._folder AND e._eid = x.object_id")
                self.hit(t + " AS x", f"NOT {not_events} AND l._a < e._a", file, "subject_id", extra=join)
                self.hit(t + " AS x", f"NOT {not_events} AND e._b > l._b", file, "object_id", extra=join)

    def texts(self) -> None:
        arts = self.sql("SELECT DISTINCT _folder, source_id FROM t_sources WHERE kind = 'article'").fetchall()
        by_name = {f.name: f for f in self.folders}
        paths = [str(by_name[f] / "texts" / f"{sid}.txt") for f, sid in arts if (by_name[f] / "texts" / f"{sid}.txt").is_file()]
        self.sql(f"""CREATE TABLE texts AS SELECT regexp_extract(filename, '([^/]+)/texts/[^/]+$', 1) AS _folder,
                     regexp_extract(filename, '([^/]+)\\.txt$', 1) AS source_id, content AS _text
                     FROM read_text({paths!r})""")

    def quotes(self) -> None:
        for name, res in self.res.items():
            cols = {f["name"] for f in res["schema"]["fields"]}
            if not {"char_start", "char_end", "source_id"} <= cols:
                continue
            file = res["path"]
            quote = next((c for c in ("quote", "surface") if c in cols), None)
            para = "paragraph" if "paragraph" in cols else "paragraph_start"
            j = (f"(SELECT x.*, _text FROM t_{name} x JOIN texts USING (_folder, source_id) "
                 "WHERE char_start IS NOT NULL AND char_end IS NOT NULL)")
            past = "char_end > length(_text)"
            self.hit(j, past, file, "char_end")
            span = "substring(_text, char_start + 1, greatest(char_end - char_start, 0))"
            if quote:
                self.hit(j, f"NOT ({past}) AND {quote} IS NOT NULL AND {span} <> {quote}", file, quote)
            if para in cols:
                prefix = "substring(_text, 1, char_start)"
                actual = f"(length({prefix}) - length(replace({prefix}, chr(10) || chr(10), ''))) // 2 + 1"
                self.hit(j, f"NOT ({past}) AND {para} IS NOT NULL AND {actual} <> {para}", file, para)

    def mentions(self, flawed: set) -> None:
        skip = sorted({f for f, file in flawed if file in ("aliases.csv", "segments.csv", "mentions.csv")})
        keep = f"_folder NOT IN ({', '.join(map(q, skip)) or NONE})"
        self.sql(f"""CREATE TABLE scope AS
            WITH arts AS (SELECT _folder, source_id FROM texts WHERE {keep}),
                 al AS (SELECT * FROM t_aliases WHERE alias IS NOT NULL AND alias <> ''),
                 both_ AS (SELECT a._folder, s.source_id, alias, entity_id, CAST(entity_type AS VARCHAR) AS entity_type, 0 AS own
                           FROM al a JOIN arts s ON s._folder = a._folder WHERE a.source_id IS NULL
                           UNION ALL
                           SELECT a._folder, a.source_id, alias, entity_id, CAST(entity_type AS VARCHAR), 1
                           FROM al a JOIN arts s ON s._folder = a._folder AND s.source_id = a.source_id)
            SELECT * EXCLUDE (own) FROM both_
            QUALIFY row_number() OVER (PARTITION BY _folder, source_id, alias ORDER BY own DESC) = 1""")
        word = WORD
        self.sql(f"""CREATE TABLE found AS
            WITH pat AS (SELECT _folder, source_id,
                                '(^|[^\\pL\\pN_])(' || string_agg(regexp_escape(alias), '|' ORDER BY length(alias) DESC, alias) || ')' AS p
                         FROM scope GROUP BY ALL),
                 seg AS (SELECT s._folder, s.source_id, s.char_start AS lo, _text,
                                substring(_text, s.char_start + 1, s.char_end - s.char_start) AS piece, p
                         FROM t_segments s JOIN texts USING (_folder, source_id) JOIN pat USING (_folder, source_id) WHERE counted),
                 parts AS (SELECT _folder, source_id, lo, _text,
                                  string_split(regexp_replace(piece, p, '\\1' || chr(30) || '\\2' || chr(30), 'g'), chr(30)) AS ps FROM seg),
                 pieces AS (SELECT _folder, source_id, lo, _text, unnest(ps) AS piece, generate_subscripts(ps, 1) AS i FROM parts),
                 placed AS (SELECT *, CAST(lo + sum(length(piece)) OVER (PARTITION BY _folder, source_id, lo ORDER BY i) - length(piece) AS BIGINT) AS pos_
                            FROM pieces)
            SELECT _folder, source_id, piece AS alias, pos_ AS char_start, pos_ + length(piece) AS char_end FROM placed
            WHERE i % 2 = 0 AND NOT regexp_matches(substring(_text, pos_ + length(piece) + 1, 1), '{word}')""")
        self.sql("""CREATE TABLE expected AS SELECT f._folder, f.source_id, entity_id, entity_type, char_start, char_end
                    FROM found f JOIN scope s USING (_folder, source_id, alias)""")
        self.sql(f"""CREATE TABLE have AS SELECT m._folder, m.source_id, entity_id, CAST(entity_type AS VARCHAR) AS entity_type,
                     char_start, char_end, _row FROM t_mentions m JOIN texts t USING (_folder, source_id) WHERE m.{keep}""")
        key = "_folder, source_id, entity_id, entity_type, char_start, char_end"
        missing = self.sql(f"SELECT _folder FROM (SELECT {key} FROM expected EXCEPT ALL SELECT {key} FROM have)").fetchall()
        self.problems += [(f, "mentions.csv", None, None) for (f,) in missing]
        extra = self.sql(f"SELECT _folder, _row FROM have h ANTI JOIN expected e USING ({key})").fetchall()
        self.problems += [(f, "mentions.csv", r, "char_start") for f, r in extra]

    def run(self) -> list[tuple]:
        self.read()
        flawed = {(f, file) for f, file, *_ in self.problems}
        self.keys()
        self.rules()
        self.declared(flawed)
        self.texts()
        self.quotes()
        self.mentions(flawed)
        return self.problems


def check(folders: list[Path], threads: int | None = None) -> list[tuple]:
    """Every problem of the corpus as (folder name, file, row, column)."""
    return Checker(list(folders), threads).run()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    from reference_polars import folders_of

    found = check(folders_of(sys.argv[1:]))
    for p in sorted(found, key=str):
        print(*p)
    print(f"{len(found)} problem(s)", file=sys.stderr)
