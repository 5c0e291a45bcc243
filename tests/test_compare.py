"""Comparing extractions: matching by spans and ids, agreement, Krippendorff's alpha, the CLI and the HTML page."""

import csv
import doctest
import re
import shutil
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser
from itertools import permutations
from pathlib import Path

import pytest

import toolkit
from toolkit.core.descriptor import Descriptor
schema = Descriptor.shipped()  # the toolkit's own schema, as a value
ROOT = Path(__file__).resolve().parents[1]


def _edit(path: Path, key: str, value: str, **changes) -> int:
    """Change cells of the row whose ``key`` is ``value``; returns that row's number (1-based, header not counted)."""
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = reader.fieldnames, list(reader)
    hit = [i for i, r in enumerate(rows, start=1) if r[key] == value]
    assert len(hit) == 1, (path, key, value)
    rows[hit[0] - 1].update(changes)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return hit[0]


def _folder(path: Path, estimates: list[dict]) -> Path:
    """A tiny valid data folder: one article source, one actor, and the given estimates."""
    path.mkdir(parents=True)
    rows = {
        "sources": [{"source_id": "s", "kind": "article", "title": "A passage", "published_precision": "unknown",
                     "year_inferred": "false"}],
        "actors": [{"actor_id": "official", "name": "An official", "kind": "person", "source_id": "s"}],
        "estimates": [{"unit": "fighters", "source_id": "s", "claim_date_precision": "unknown",
                       "paragraph": "1", "quote": "a quote", **e} for e in estimates],
    }
    for name, table in rows.items():  # required cells not given: the first allowed value, false or a word
        for f in schema.fields(name):
            c = f.get("constraints", {})
            if c.get("required"):
                default = c["enum"][0] if c.get("enum") else {"boolean": "false"}.get(f["type"], "x")
                for r in table:
                    r.setdefault(f["name"], default)
    for name in schema.table_names():
        with open(path / schema.resource(name)["path"], "w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=[f["name"] for f in schema.fields(name)], lineterminator="\n")
            w.writeheader()
            w.writerows(rows.get(name, []))
    return path


def _estimate(eid: str, start: int, end: int, bound: str | None) -> dict:
    number = {"lower": "value_low", "upper": "value_high", "exact": "value_best", "approximate": "value_best"}.get(bound)
    return {"estimate_id": eid, "char_start": str(start), "char_end": str(end), "bound": bound,
            "claimant_id": "official", **({number: "100"} if number else {})}


def test_identical_folders_agree_perfectly(data_copy):
    c = toolkit.compare(toolkit.data_folder(), data_copy)
    assert c.disagreements.height == 0, c.sentences()
    assert c.summary["missing"].sum() == 0 and c.summary["extra"].sum() == 0
    assert (c.summary["matched"] == c.summary["reference_rows"]).all()
    defined = c.alpha.filter(c.alpha["alpha"].is_not_null())
    assert defined.height >= 20 and (defined["alpha"] == 1.0).all(), defined.filter(defined["alpha"] != 1.0)
    assert set(c.alpha["level"]) >= {"nominal", "ratio", "interval"}
    assert c.alpha.filter(table="estimates", field="value_low")["level"].item() == "ratio"
    assert c.alpha.filter(table="estimates", field="bound")["level"].item() == "nominal"
    assert "0 disagreement" in str(c)


def test_one_changed_bound_names_that_row_and_field(data_copy):
    row = _edit(data_copy / "estimates.csv", "estimate_id", "est05", bound="approximate")
    ref = toolkit.load_estimates().filter(estimate_id="est05").row(0, named=True)
    c = toolkit.compare(toolkit.data_folder(), data_copy)
    d = c.disagreements
    assert d.height == 1, c.sentences()
    got = d.row(0, named=True)
    assert (got["table"], got["kind"], got["field"], got["row"], got["id"]) == ("estimates", "value", "bound", row, "est05")
    assert got["file"] == str(data_copy / "estimates.csv") and got["quote"] == ref["quote"]
    assert (got["ref_value"], got["value"]) == ("upper", "approximate")
    assert got["ref_row"] == row and got["ref_file"].endswith("estimates.csv")
    sentence = c.sentences()[0]
    assert f"estimates.csv row {row} (est05" in sentence and "bound is 'approximate'" in sentence and "'upper'" in sentence
    bound = c.fields.filter(table="estimates", field="bound").row(0, named=True)
    assert bound["agree"] == bound["compared"] - 1
    assert c.alpha.filter(table="estimates", field="bound")["alpha"].item() < 1


def test_other_ids_match_by_span_and_references_are_translated(data_copy):
    """A coder who names every estimate differently still matches (by span, or by fields for rows without
    one), and the disputes that cite them by the coder's ids agree."""
    for name in ("estimates", "disputes"):
        path = data_copy / f"{name}.csv"
        path.write_text(re.sub(r"\best(\d\d)\b", r"mine_\1", path.read_text(encoding="utf-8")), encoding="utf-8")
    c = toolkit.compare(toolkit.data_folder(), data_copy)
    assert c.disagreements.height == 0, c.sentences()[:5]
    assert c.summary.filter(table="estimates")["matched"].item() == toolkit.load_estimates().height


def _hand_alpha_nominal(units: list[list[str]]) -> float:
    """Krippendorff's alpha (nominal) from the coincidence matrix: o_ck = sum over units of the ordered pairs
    (c, k) of values from different coders, divided by m_u - 1; alpha = 1 - (n - 1) * D_o / D_e with
    D_o = sum of o_ck for c != k and D_e = sum of n_c * n_k for c != k."""
    o = Counter()
    for values in units:
        if len(values) < 2:
            continue
        for a, b in permutations(values, 2):
            o[(a, b)] += 1 / (len(values) - 1)
    n_c = Counter()
    for (a, _), v in o.items():
        n_c[a] += v
    n = sum(n_c.values())
    d_o = sum(v for (a, b), v in o.items() if a != b)
    d_e = sum(n_c[a] * n_c[b] for a in n_c for b in n_c if a != b)
    return 1 - (n - 1) * d_o / d_e


def test_three_coders_alpha_matches_the_hand_computed_value(tmp_path):
    # unit:     1      2        3       4              5
    # coder 1:  lower  upper    vague   exact          lower
    # coder 2:  lower  upper    vague   approximate    (no row)
    # coder 3:  lower  lower    vague   (no row)       upper     + one extra row
    one = _folder(tmp_path / "one", [_estimate("e1", 0, 10, "lower"), _estimate("e2", 20, 30, "upper"),
                                     _estimate("e3", 40, 50, "vague"), _estimate("e4", 60, 70, "exact"),
                                     _estimate("e5", 80, 90, "lower")])
    two = _folder(tmp_path / "two", [_estimate("a1", 2, 10, "lower"), _estimate("a2", 20, 33, "upper"),
                                     _estimate("a3", 45, 50, "vague"), _estimate("a4", 60, 70, "approximate")])
    three = _folder(tmp_path / "three", [_estimate("b1", 0, 10, "lower"), _estimate("b2", 18, 30, "lower"),
                                         _estimate("b3", 40, 50, "vague"), _estimate("b5", 81, 89, "upper"),
                                         _estimate("b9", 100, 110, "vague")])
    c = toolkit.compare(one, two, three)
    units = [["lower"] * 3, ["upper", "upper", "lower"], ["vague"] * 3, ["exact", "approximate"], ["lower", "upper"]]
    expected = _hand_alpha_nominal(units)
    assert expected == pytest.approx(13 / 31)  # n = 13, D_o = 6, D_e = 169 - 45 = 124: 1 - 12 * 6 / 124
    got = c.alpha.filter(table="estimates", field="bound").row(0, named=True)
    assert got["alpha"] == pytest.approx(expected) and got["level"] == "nominal"
    assert got["coders"] == 3 and got["units"] == 5
    summary = {r["coder"]: r for r in c.summary.filter(table="estimates").iter_rows(named=True)}
    assert (summary["two"]["matched"], summary["two"]["missing"], summary["two"]["extra"]) == (4, 1, 0)
    assert (summary["three"]["matched"], summary["three"]["missing"], summary["three"]["extra"]) == (4, 1, 1)
    d = c.disagreements.filter(table="estimates")
    missing = d.filter(kind="missing")
    assert sorted(zip(missing["coder"], missing["ref_id"])) == [("three", "e4"), ("two", "e5")]
    extra = d.filter(kind="extra").row(0, named=True)
    assert (extra["coder"], extra["id"], extra["row"]) == ("three", "b9", 5)
    bound = d.filter(field="bound")
    assert sorted(zip(bound["coder"], bound["id"])) == [("three", "b2"), ("three", "b5"), ("two", "a4")]


def test_html_escapes_markup(tmp_path):
    one = _folder(tmp_path / "one", [_estimate("e1", 0, 10, "lower")])
    odd = "<img src=x onerror=alert(1)>"
    two = _folder(tmp_path / odd, [{**_estimate("e1", 0, 10, "upper"), "quote": "<script>alert('x')</script> & more"}])
    page = toolkit.compare(one, two).to_html(tmp_path / "out.html")
    assert (tmp_path / "out.html").read_text(encoding="utf-8") == page

    class Tags(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags = set()

        def handle_starttag(self, tag, attrs):
            self.tags.add(tag)

    parser = Tags()
    parser.feed(page)
    assert not parser.tags & {"script", "img"}, parser.tags
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_cli_prints_summary_and_writes_html(data_copy, tmp_path):
    _edit(data_copy / "estimates.csv", "estimate_id", "est05", bound="approximate")
    out = tmp_path / "cmp.html"
    proc = subprocess.run([sys.executable, "-m", "toolkit", "compare", str(toolkit.data_folder()), str(data_copy),
                           "--html", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "1 disagreement" in proc.stdout and "bound is 'approximate'" in proc.stdout
    assert "Krippendorff" in proc.stdout and out.is_file() and "<h1>Comparing extractions</h1>" in out.read_text()


def test_cli_bad_folder_is_one_clear_message(data_copy, tmp_path):
    _edit(data_copy / "estimates.csv", "estimate_id", "est05", bound="roughly")
    out = tmp_path / "cmp.html"
    proc = subprocess.run([sys.executable, "-m", "toolkit", "compare", str(toolkit.data_folder()), str(data_copy),
                           "--html", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "estimates.csv row" in proc.stderr and "column bound" in proc.stderr
    assert not out.exists()
    proc = subprocess.run([sys.executable, "-m", "toolkit", "compare", str(toolkit.data_folder()), str(tmp_path / "nowhere")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 1 and "does not exist" in proc.stderr and "Traceback" not in proc.stderr


def test_import_toolkit_does_not_load_the_comparison():
    code = "import sys, toolkit; print([m for m in ('toolkit.comparison', 'krippendorff', 'rich') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout.strip()
    assert out == "[]", out
    assert callable(toolkit.compare) and "compare" in toolkit.__all__


def test_compare_needs_another_folder_and_known_tables():
    with pytest.raises(ValueError, match="at least one other"):
        toolkit.compare(toolkit.data_folder())
    with pytest.raises(KeyError, match="estimatez"):
        toolkit.compare(toolkit.data_folder(), toolkit.data_folder(), tables=["estimatez"])



@pytest.mark.parametrize("name", ["toolkit.comparison", "toolkit.comparison.page"])
def test_docstring_examples(name):
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted and result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


# ----------------------------------------------------------------------------- exercise 6 uses the comparison

EXERCISES = ROOT / "notebooks" / "exercises"


def _exercise(tmp_path, monkeypatch, replace=()):
    """Run exercise 6's setup and solution cells (with ``replace`` applied) as a student's kernel would;
    return its namespace and the source of the public and hidden comparison checks."""
    import json

    cells = ["".join(c["source"]) for c in json.loads((EXERCISES / "06-extraction.ipynb").read_text(encoding="utf-8"))["cells"]
             if c["cell_type"] == "code"]
    monkeypatch.chdir(tmp_path)
    shutil.copytree(EXERCISES / "data", tmp_path / "data")
    ns = {"display": lambda *a, **k: None}
    run = [cells[0], next(c for c in cells if "sources_rows = [{" in c), next(c for c in cells if "estimates_rows = [" in c)]
    for old, new in replace:
        assert sum(code.count(old) for code in run) == 1, f"the solution no longer contains {old!r} once"
        run = [code.replace(old, new) for code in run]
    for code in run:
        exec(compile(code, "exercise-06", "exec"), ns)
    public = next(c for c in cells if "_claims = []" in c and "hidden: true" not in c)
    hidden = next(c for c in cells if '_claim("r1"' in c and "hidden: true" in c)
    return ns, public, hidden


def _fails(code: str, ns: dict) -> str | None:
    try:
        exec(compile(code, "check", "exec"), ns)
    except AssertionError as e:
        return str(e)
    return None


def test_exercise_06_solution_passes_both_comparisons(tmp_path, monkeypatch, capsys):
    ns, public, hidden = _exercise(tmp_path, monkeypatch)
    assert _fails(public, ns) is None and _fails(hidden, ns) is None


def test_exercise_06_public_check_names_the_missed_claim(tmp_path, monkeypatch, capsys):
    ns, public, hidden = _exercise(tmp_path, monkeypatch, [
        ('**evidence("several hundred people had left the republic for Syria")},\n]',
         '**evidence("several hundred people had left the republic for Syria")},\n][:2]')])
    message = _fails(public, ns)
    assert message and "has no estimates row" in message and '"several hundred"' in message, message
    assert "no fewer than" not in message and "as many as" not in message, "only the missed claim is named"


def test_exercise_06_wrong_bound_passes_public_check_but_not_hidden(tmp_path, monkeypatch, capsys):
    ns, public, hidden = _exercise(tmp_path, monkeypatch, [
        ('"value_high": 40,', '"value_best": 40,'),
        ('"bound": "upper", "qualifier": "as many as"', '"bound": "approximate", "qualifier": "as many as"')])
    assert _fails(public, ns) is None, "the public check only says which claims are found, not how they are coded"
    message = _fails(hidden, ns)
    assert message and "my_extraction/estimates.csv row 2 (x02" in message, message
    assert "bound is 'approximate'; the reference" in message and "has 'upper'" in message
    assert "value_high is empty" in message


def test_a_drafts_bookkeeping_columns_are_never_compared(tmp_path):
    """A draft compared with its reviewed copy: ``draft`` and ``confidence`` (emptied by the reviewer) are not
    disagreements, and no alpha is computed on them; a coded field changed by the reviewer still is."""
    import polars as pl

    from toolkit.tools.cli import main

    draft, reviewed = tmp_path / "draft", tmp_path / "reviewed"
    assert main(["draft", str(Path(__file__).parent / "data" / "draft" / "gimry.txt"), "--out", str(draft),
                 "--published", "2016-05-13"]) == 0
    shutil.copytree(draft, reviewed)
    for p in reviewed.glob("*.csv"):
        df = pl.read_csv(p, infer_schema=False)
        if "draft" in df.columns:
            df = df.with_columns(pl.lit(None, pl.String).alias("draft"), pl.lit(None, pl.String).alias("confidence"))
        if p.name == "estimates.csv":
            df = df.with_columns(pl.lit("likely").alias("certainty"))
        df.write_csv(p)
    cmp = toolkit.compare(reviewed, draft)
    fields = set(cmp.fields["field"].to_list()) if "field" in cmp.fields.columns else set()
    assert "certainty" in fields and not fields & {"draft", "confidence"}, fields
    assert not set(cmp.disagreements["field"].drop_nulls()) & {"draft", "confidence"}
    assert "certainty" in set(cmp.disagreements["field"].drop_nulls())
