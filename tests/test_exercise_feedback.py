"""Feedback that teaches: for every question of exercises 01-05, plausible wrong answers are run
against the question's public and hidden tests, in process (no kernels, no ``otter assign``).

Each row of ``MUTATIONS`` is a wrong answer a student could write, as code run after the solution
cells; ``public`` rows must fail a public check (and its one-sentence message must come first),
``hidden`` rows must pass every public check and fail a hidden one. The solution passes every test
and the unedited student version fails every test (so it scores zero).
"""

import ast
import functools
import re
from pathlib import Path

import pytest

from toolkit.tools.classroom import exercises as ex

SRC = Path(__file__).resolve().parents[1] / "notebooks" / "exercises"
COVERED = ["01-bounds", "02-joins", "03-provenance", "04-disputes", "05-mapping"]

# (exercise, question, "public" | "hidden", the mistake, code run after the solution)
MUTATIONS = [
    # ---------------------------------------------------------------- 01 bounds
    ("01-bounds", "q1", "public", "'hundreds' read as a floor",
     'lower_ids = sorted(lower_ids + ["est04"]); vague_ids = [i for i in vague_ids if i != "est04"]'),
    ("01-bounds", "q1", "public", "'as many as' read as a floor",
     'upper_ids = [i for i in upper_ids if i != "est05"]; lower_ids = sorted(lower_ids + ["est05"])'),
    ("01-bounds", "q1", "public", "context rows counted as the article's",
     'lower_ids = sorted(set(lower_ids) | {"est11"})'),
    ("01-bounds", "q1", "public", "empty answers", "lower_ids, upper_ids, vague_ids = [], [], []"),
    ("01-bounds", "q1", "hidden", "one floor missed", "lower_ids = lower_ids[1:]"),
    ("01-bounds", "q2", "public", "'as many as 1,700' read as (0, 1700)", """
_solution = interval
def interval(row):
    return (0, row["value_high"]) if row["bound"] == "upper" else _solution(row)
"""),
    ("01-bounds", "q2", "public", "'upward of 1,500' read as exactly 1,500", """
_solution = interval
def interval(row):
    return (row["value_low"], row["value_low"]) if row["bound"] == "lower" else _solution(row)
"""),
    ("01-bounds", "q2", "public", "a list instead of a tuple", """
_solution = interval
def interval(row):
    return list(_solution(row))
"""),
    ("01-bounds", "q2", "hidden", "approximate claims without a range lose their number", """
_solution = interval
def interval(row):
    return (row["value_low"], row["value_high"]) if row["bound"] == "approximate" else _solution(row)
"""),
    ("01-bounds", "q3", "public", "the ceiling's maximum added as if both were points", "sum_interval = (1500, 3200)"),
    ("01-bounds", "q3", "public", "'one of them lied'", 'reasons = reasons | {"d"}'),
    ("01-bounds", "q3", "public", "naive_total as a float", "naive_total = float(naive_total)"),
    ("01-bounds", "q3", "public", "the ceiling read as a value (1,500 + 1,700 as the low end)", "sum_interval = (3200, None)"),
    ("01-bounds", "q3", "public", "different populations summed (no reason a)", 'reasons = {"b", "c"}'),
    ("01-bounds", "q3", "hidden", "one reason missing", 'reasons = {"a", "c"}'),
    ("01-bounds", "q4", "public", "every row counted as a claim", "distinct_claims = estimates.height"),
    ("01-bounds", "q4", "public", "restatements found by the number 1,500",
     'restatements = sorted(estimates.filter((pl.col("value_low") == 1500) | (pl.col("value_best") == 1500) '
     '| (pl.col("value_high") == 1500))["estimate_id"].to_list())'),
    ("01-bounds", "q4", "public", "est01 itself left out",
     'restatements = sorted(estimates.filter(pl.col("same_claim_as") == "est01")["estimate_id"].to_list())'),
    ("01-bounds", "q4", "hidden", "one restatement missed", "restatements = restatements[:-1]"),
    # ---------------------------------------------------------------- 02 joins
    ("02-joins", "q1", "public", "cities and countries kept", """
region_mentions = (mentions.filter(pl.col("entity_type") == "place").group_by(pl.col("entity_id").alias("place_id"))
    .agg(pl.len().alias("mentions")).join(places.select("place_id", "name"), on="place_id").sort("place_id"))
"""),
    ("02-joins", "q1", "public", "one row per mention instead of a count", """
region_mentions = (mentions.filter(pl.col("entity_type") == "place").select(pl.col("entity_id").alias("place_id"))
    .join(places.select("place_id", "name", "kind"), on="place_id").filter(pl.col("kind") == "federal_subject")
    .with_columns(mentions=pl.lit(1)).select("place_id", "name", "mentions").sort("place_id"))
"""),
    ("02-joins", "q1", "hidden", "spellings counted instead of mentions", """
region_mentions = (mentions.filter(pl.col("entity_type") == "place").group_by(pl.col("entity_id").alias("place_id"))
    .agg(pl.col("surface").n_unique().alias("mentions")).join(places.select("place_id", "name", "kind"), on="place_id")
    .filter(pl.col("kind") == "federal_subject").select("place_id", "name", "mentions").sort("place_id"))
"""),
    ("02-joins", "q2", "public", "the article's spelling instead of the map's", 'ne_daghestan = "Daghestan"'),
    ("02-joins", "q2", "public", "names lost from the map's side",
     'lost = sorted(set(ne_map["name_ne"]) - set(region_mentions["name"].to_list()))'),
    ("02-joins", "q2", "hidden", "only the first lost name", "lost = lost[:1]"),
    ("02-joins", "q3", "public", "lookup trusted without checking the kind", """
def _pid(name):
    try:
        return toolkit.lookup(name, kind="place").entity_id
    except toolkit.UnknownName:
        return None
ne_ids = {n: _pid(n) for n in ne_map["name_ne"]}
"""),
    ("02-joins", "q3", "public", "unmentioned republics left as NaN", """
fixed = ne_map.assign(place_id=ne_map["name_ne"].map(ne_ids))
fixed["mentions"] = fixed["place_id"].map(counts)
"""),
    ("02-joins", "q3", "hidden", "an exact-name join instead of lookup", """
_by_name = dict(zip(places["name"].to_list(), places["place_id"].to_list()))
ne_ids = {n: _by_name.get(n) for n in ne_map["name_ne"]}
fixed = ne_map.assign(place_id=ne_map["name_ne"].map(ne_ids))
fixed["mentions"] = fixed["place_id"].map(counts).fillna(0).astype(int)
"""),
    # ---------------------------------------------------------------- 03 provenance
    ("03-provenance", "q1", "public", "only the estimates table searched", """
def locate(record_id):
    hit = toolkit.load("estimates").filter(pl.col("estimate_id") == record_id)
    if hit.height == 0:
        raise KeyError(record_id)
    row = hit.row(0, named=True)
    return {"table": "estimates", **{k: row[k] for k in ("paragraph", "char_start", "char_end", "quote")}}
"""),
    ("03-provenance", "q1", "public", "None for an unknown id", """
_solution = locate
def locate(record_id):
    try:
        return _solution(record_id)
    except KeyError:
        return None
"""),
    ("03-provenance", "q1", "hidden", "events, relations and disputes not searched", """
def locate(record_id):
    for name in ["estimates", "statements"]:
        table = toolkit.load(name)
        hit = table.filter(pl.col(table.columns[0]) == record_id)
        if hit.height:
            row = hit.row(0, named=True)
            return {"table": name, **{k: row[k] for k in ("paragraph", "char_start", "char_end", "quote")}}
    raise KeyError(record_id)
"""),
    ("03-provenance", "q2", "public", "rows without a quote counted as broken", """
suspect_ids = sorted(tampered.filter(pl.col("quote").is_null()
    | (pl.col("quote").str.len_chars() != pl.col("char_end") - pl.col("char_start")))["estimate_id"].to_list())
"""),
    ("03-provenance", "q2", "public", "the quote compared with char_end alone",
     'suspect_ids = sorted(tampered.filter(pl.col("quote").str.len_chars() > pl.col("char_end"))["estimate_id"].to_list())'),
    ("03-provenance", "q2", "hidden", "only one of the two broken rows", "suspect_ids = suspect_ids[:1]"),
    ("03-provenance", "q3", "public", "every source, the article included",
     'context_sources = sorted(toolkit.load_estimates()["source_id"].unique().to_list())'),
    ("03-provenance", "q3", "public", "rows without a number taken for rows without a locator",
     'unlocatable = sorted(toolkit.load_estimates().filter(pl.col("value_low").is_null())["estimate_id"].to_list())'),
    ("03-provenance", "q3", "hidden", "one context row missed", "unlocatable = unlocatable[:-1]"),
    # ---------------------------------------------------------------- 04 disputes
    ("04-disputes", "q1", "public", "speaker ids instead of names (no join)", """
voices = (statements.filter(pl.col("speaker_id").is_in(FOUR))
    .select("statement_id", pl.col("speaker_id").alias("speaker"), "topic", pl.col("certainty").cast(pl.String), "summary", "paragraph")
    .sort("paragraph", "statement_id"))
"""),
    ("04-disputes", "q1", "public", "certainty left as an Enum", """
voices = (statements.filter(pl.col("speaker_id").is_in(FOUR))
    .join(actors.select(pl.col("actor_id").alias("speaker_id"), pl.col("name").alias("speaker")), on="speaker_id")
    .select("statement_id", "speaker", "topic", "certainty", "summary", "paragraph").sort("paragraph", "statement_id"))
"""),
    ("04-disputes", "q1", "hidden", "one of the four voices left out", """
voices = (statements.filter(pl.col("speaker_id").is_in(FOUR[:3]))
    .join(actors.select(pl.col("actor_id").alias("speaker_id"), pl.col("name").alias("speaker")), on="speaker_id")
    .select("statement_id", "speaker", "topic", pl.col("certainty").cast(pl.String), "summary", "paragraph").sort("paragraph", "statement_id"))
"""),
    ("04-disputes", "q2", "public", "the author looked up by her name, not her actor id",
     'author_disputes = sorted(d for d, a in dispute_actors.items() if "Paraszczuk" in a)'),
    ("04-disputes", "q2", "public", "an actor listed once per claim", """
dispute_actors = {d: [] for d in disputes["dispute_id"].to_list()}
for (_d,), _g in pairs.group_by("dispute_id"):
    dispute_actors[_d] = sorted(_g["actor_id"].to_list())
author_disputes = sorted(d for d, a in dispute_actors.items() if "paraszczuk" in a)
"""),
    ("04-disputes", "q2", "hidden", "statements left out of who-said-what", """
_who = estimates.select(pl.col("estimate_id").alias("claim_id"), pl.col("claimant_id").alias("actor_id"))
_pairs = (disputes.select("dispute_id", pl.col("claim_ids").alias("claim_id")).explode("claim_id")
    .join(_who, on="claim_id").drop_nulls("actor_id"))
dispute_actors = {d: [] for d in disputes["dispute_id"].to_list()}
for (_d,), _g in _pairs.group_by("dispute_id"):
    dispute_actors[_d] = sorted(set(_g["actor_id"].to_list()))
author_disputes = sorted(d for d, a in dispute_actors.items() if "paraszczuk" in a)
"""),
    ("04-disputes", "q3", "public", "a line chart", "chart = chart.mark_line()"),
    ("04-disputes", "q3", "public", "the count as an ordinal category", 'chart = chart.encode(x=alt.X("count():O"))'),
    ("04-disputes", "q3", "hidden", "bars not coloured by topic",
     'chart = alt.Chart(voices).mark_bar().encode(x="count():Q", y="speaker:N").properties(title="Who speaks")'),
    # ---------------------------------------------------------------- 05 mapping
    ("05-mapping", "q1", "public", "mentions coloured as a category",
     'choropleth = choropleth.encode(color=alt.Color("properties.mentions:N"))'),
    ("05-mapping", "q1", "public", "unmentioned republics left as NaN", """
regions_web = geo.regions(for_web=True)
regions_web["mentions"] = regions_web["place_id"].map(mention_count)
"""),
    ("05-mapping", "q1", "hidden", "no projection", """
choropleth = (alt.Chart(alt.Data(values=geo.web_features(regions_web))).mark_geoshape()
    .encode(color="properties.mentions:Q").properties(title="Mentions"))
"""),
    ("05-mapping", "q2", "public", "not reprojected (degrees)", """
static_gdf = geo.regions()
static_gdf["mentions"] = static_gdf["place_id"].map(mention_count).fillna(0).astype(int)
"""),
    ("05-mapping", "q2", "public", "the figure instead of the axes", "static_ax = static_ax.figure"),
    ("05-mapping", "q2", "hidden", "Web Mercator (projected, but not equal-area)", "static_gdf = static_gdf.to_crs(3857)"),
    ("05-mapping", "q3", "public", "lists of theatres not exploded", """
flows = (estimates.filter((pl.col("source_id") == "rferl_2015") & (pl.col("unit") == "fighters"))
    .drop_nulls(["origin_place_id", "theatre_place_ids"])
    .group_by("origin_place_id", pl.col("theatre_place_ids").alias("theatre_place_id")).agg(pl.len().alias("claims")))
"""),
    ("05-mapping", "q3", "public", "claims as a share of all claims instead of a count", """
flows = (estimates.filter((pl.col("source_id") == "rferl_2015") & (pl.col("unit") == "fighters"))
    .explode("theatre_place_ids").drop_nulls(["origin_place_id", "theatre_place_ids"])
    .group_by("origin_place_id", pl.col("theatre_place_ids").alias("theatre_place_id"))
    .agg((pl.len() / 10).alias("claims")).sort("origin_place_id", "theatre_place_id"))
"""),
    ("05-mapping", "q3", "hidden", "context publications counted too", """
flows = (estimates.filter(pl.col("unit") == "fighters").explode("theatre_place_ids")
    .drop_nulls(["origin_place_id", "theatre_place_ids"])
    .group_by("origin_place_id", pl.col("theatre_place_ids").alias("theatre_place_id")).agg(pl.len().alias("claims"))
    .sort("origin_place_id", "theatre_place_id"))
"""),
    ("05-mapping", "q4", "public", "a loop that overwrites its row: only the last flow kept",
     'flow_lines = flow_lines.tail(1)'),
    ("05-mapping", "q4", "public", "flows without an outline dropped",
     'flow_lines = flow_lines.filter(pl.col("origin_place_id") != "north_caucasus")'),
    ("05-mapping", "q4", "hidden", "line width not encoding claims", """
flows_map = alt.layer(base, alt.Chart(flow_lines).mark_rule().encode(
    longitude="lon:Q", latitude="lat:Q", longitude2="lon2:Q", latitude2="lat2:Q")).project(**geo.VEGA_PROJECTION)
"""),
]


# ----------------------------------------------------------------------------- the harness

@functools.lru_cache(maxsize=None)
def _blocks(master: Path):
    """(solution code, student code, {question: [(hidden, failure_message, test code)]}) of an
    instructor notebook: the code cells outside tests, as the instructor and as the student sees them."""
    import yaml

    nb = ex._read(master)
    solution, student, tests = [], [], {}
    stack, question = [], None
    for cell in nb["cells"]:
        src = ex._source(cell)
        m = ex._RAW_BLOCK.match(src) if cell["cell_type"] == "raw" else None
        if m:
            kind, block = m.group(1).lower(), m.group(2).lower()
            if kind == "begin":
                stack.append(block)
                if block == "question":
                    question = yaml.safe_load(src.split("\n", 1)[1])["name"]
                    tests[question] = []
            else:
                stack.pop()
            continue
        if cell["cell_type"] != "code":
            continue
        if stack and stack[-1] == "tests":
            conf = {}
            if ex._TEST_CONFIG.match(src):
                head, _, body = src.partition('""" # END TEST CONFIG')
                conf = yaml.safe_load(head.split("\n", 1)[1]) or {}
                src = body
            tests[question].append((bool(conf.get("hidden")), conf.get("failure_message"), src.strip("\n")))
            continue
        solution.append(_strip(src, student=False))
        student.append(_strip(src, student=True))
    return solution, student, tests


def _strip(src: str, *, student: bool) -> str:
    """The cell as the instructor runs it (solution lines) or as the student gets it (prompts, ``...``)."""
    out, mode = [], None
    for line in src.splitlines():
        s = line.strip()
        if re.match(r"#\s*BEGIN PROMPT", s):
            mode = "prompt"
        elif re.match(r"#\s*END PROMPT", s):
            mode = None
        elif re.match(r"#\s*BEGIN SOLUTION NO PROMPT", s):
            mode = "hidden-solution"
        elif re.match(r"#\s*BEGIN SOLUTION", s):
            mode = "solution"
            if student:
                out.append(line[: len(line) - len(line.lstrip())] + "...")
        elif re.match(r"#\s*END SOLUTION", s):
            mode = None
        elif mode == "prompt":
            if student:
                out.append(line)
        elif mode in ("solution", "hidden-solution"):
            if not student:
                out.append(line)
        else:
            out.append(line)
    return "\n".join(out)


_ENVS: dict = {}


def _env(name: str, *, student: bool = False) -> dict:
    """The global namespace after running the notebook's setup and answer cells (no kernel)."""
    key = (name, student)
    if key not in _ENVS:
        import os

        os.environ.setdefault("MPLBACKEND", "Agg")
        solution, student_code, _ = _blocks(SRC / f"{name}.ipynb")
        env = {"display": lambda *a, **k: None, "__name__": "__main__"}
        cwd = os.getcwd()
        os.chdir(SRC)
        try:
            for code in (student_code if student else solution):
                if code.strip() and not code.lstrip().startswith("try:\n    from toolkit import maps"):
                    exec(compile(code, f"<{name}>", "exec"), env)
        finally:
            os.chdir(cwd)
        _ENVS[key] = env
    return _ENVS[key]


def _run(name: str, question: str, env: dict) -> list[dict]:
    """Run the question's test cases as otter does (its exception-based test file) against ``env``."""
    from otter.test_files.exception_test import ExceptionTestFile

    cases = _blocks(SRC / f"{name}.ipynb")[2][question]
    source = "from otter.test_files import test_case\n\nOK_FORMAT = False\n\nname = %r\npoints = None\n\n" % question
    for hidden, message, code in cases:
        source += f"@test_case(points=None, hidden={hidden}, failure_message={message!r})\n{code}\n\n"
    tf = ExceptionTestFile.from_string(source, path=f"{question}.py")
    tf.run(env)
    return [{"name": r.test_case.name, "hidden": r.test_case.hidden, "passed": r.passed, "message": r.message,
             "failure_message": r.test_case.failure_message, "summary": tf.summary(public_only=True)}
            for r in tf.test_case_results]


def _questions(name: str) -> list[str]:
    return list(ex.describe_master(SRC / f"{name}.ipynb")["questions"])


def _cases():
    return [(n, q) for n in COVERED for q in _questions(n)]


# ----------------------------------------------------------------------------- the tests

def test_every_question_has_two_public_and_one_hidden_mutation():
    for name, question in _cases():
        kinds = [k for n, q, k, _, _ in MUTATIONS if (n, q) == (name, question)]
        assert kinds.count("public") >= 2 and kinds.count("hidden") >= 1, f"{name} {question}: needs >= 2 public and >= 1 hidden wrong answers, has {kinds}"


@pytest.mark.parametrize("name,question", _cases(), ids=[f"{n}-{q}" for n, q in _cases()])
def test_every_test_has_one_sentence_and_the_solution_passes(name, question):
    cases = _blocks(SRC / f"{name}.ipynb")[2][question]
    for hidden, message, code in cases:
        assert message and "\n" not in message and message.endswith("."), f"{name} {question}: every test needs a one-sentence failure_message, got {message!r}"
        tree = ast.parse(code)
        assert len(tree.body) == 1 and isinstance(tree.body[0], ast.FunctionDef), f"{name} {question}: a test cell is one test function"
    results = _run(name, question, _env(name))
    failed = [r["message"] for r in results if not r["passed"]]
    assert not failed, f"{name} {question}: the solution fails its own tests:\n" + "\n".join(failed)


@pytest.mark.parametrize("name,question", _cases(), ids=[f"{n}-{q}" for n, q in _cases()])
def test_unanswered_question_fails_every_test(name, question):
    """Every test case of an unanswered question fails (otherwise a blank notebook earns points)."""
    results = _run(name, question, _env(name, student=True))
    passed = [r["failure_message"] for r in results if r["passed"]]
    assert not passed, f"{name} {question}: these tests pass on the unedited student notebook: {passed}"


@pytest.mark.parametrize("name,question,expect,mistake,code", MUTATIONS,
                         ids=[f"{m[0][:2]}-{m[1]}-{m[2]}-{i}" for i, m in enumerate(MUTATIONS)])
def test_wrong_answer_is_caught_by_the_right_tests(name, question, expect, mistake, code):
    env = dict(_env(name))
    exec(compile(code, f"<mutation {mistake}>", "exec"), env)
    results = _run(name, question, env)
    public_failed = [r for r in results if not r["hidden"] and not r["passed"]]
    hidden_failed = [r for r in results if r["hidden"] and not r["passed"]]
    if expect == "public":
        assert public_failed, f"{name} {question}: the public checks accept {mistake!r}"
        summary = public_failed[0]["summary"]
        for r in public_failed:  # each failure: its sentence first, then otter's report with the error
            said, report = f"{r['name']} message: {r['failure_message']}", f"{r['name']} result:"
            assert said in summary and summary.index(said) < summary.index(report), (
                f"{name} {question}: the check should say its sentence before the error; it shows:\n{summary[:800]}")
    else:
        assert not public_failed, f"{name} {question}: {mistake!r} should pass the public checks, but: " + public_failed[0]["message"]
        assert hidden_failed, f"{name} {question}: the hidden tests accept {mistake!r}"
