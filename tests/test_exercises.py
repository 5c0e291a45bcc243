"""The classroom exercises: instructor notebooks in otter's assign format, built into student copies
and autograders that behave (solutions pass every test, blank or wrong answers fail the right one).

Fast tests read the instructor notebooks; the ``slow`` ones build everything once per session with
``otter assign`` (a few minutes on two shared cores; see notebooks/exercises/README.md) and grade
notebooks in Jupyter kernels.
"""

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from toolkit.tools.classroom import exercises as ex

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "notebooks" / "exercises"
MASTERS = sorted(SRC.glob("[0-9][0-9]-*.ipynb"))
NAMES = [p.stem for p in MASTERS]
PASSAGE = SRC / "data" / "extraction-passage.txt"

# One wrong answer per exercise: (question, text in the solution, replacement, words the failure must show).
WRONG = {
    "01-bounds": ("q3", 'reasons = {"a", "b", "c"}', 'reasons = {"a", "b", "c", "d"}', "(d) is not a reason"),
    "02-joins": ("q3", 'return entity.entity_id if entity.record["kind"] == "federal_subject" else None',
                 "return entity.entity_id", "resolve to a place that is not a federal subject"),
    "03-provenance": ("q2", 'suspect_ids = sorted(mismatched(tampered)["estimate_id"].to_list())',
                      'suspect_ids = sorted(mismatched(tampered)["estimate_id"].to_list())[:1]',
                      # caught by a hidden check only, whose message never gives the answer away (Gradescope)
                      "The hidden check test_values failed"),
    "04-disputes": ("q3", ".mark_bar()", ".mark_line()", "Use mark_bar(); this chart uses mark_line()"),
    "05-mapping": ("q1", '"properties.mentions:Q", title="Mentions"', '"properties.mentions:N", title="Mentions"',
                   "Colour encodes mentions as nominal data"),
    "06-extraction": ("q2", '"bound": "upper", "qualifier": "as many as"', '"bound": "lower", "qualifier": "as many as"',
                      "a lower bound needs value_low"),
    "07-review-draft": ("q1", 'fix("estimates", wrong_claimant_id, claimant_id="kavkaz_rights_watch")',
                        'fix("estimates", wrong_claimant_id, claimant_id="interior_ministry")', "A wrong claimant is left"),
}


def _nb(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _src(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


# ----------------------------------------------------------------------------- the instructor notebooks

def test_at_least_six_numbered_exercises():
    assert len(MASTERS) >= 6, f"expected at least six instructor notebooks in {SRC}, found {NAMES}"
    assert [n[:2] for n in NAMES] == [f"{i:02d}" for i in range(1, len(NAMES) + 1)], NAMES
    assert set(WRONG) == set(NAMES), "every exercise needs a wrong-answer check in WRONG"


@pytest.mark.parametrize("master", MASTERS, ids=NAMES)
def test_committed_without_outputs(master):
    dirty = [i for i, c in enumerate(_nb(master)["cells"], start=1)
             if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, f"{master.name}: clear the outputs of cells {dirty} before committing"


@pytest.mark.parametrize("master", MASTERS, ids=NAMES)
def test_otter_v1_structure(master):
    import yaml

    nb = _nb(master)
    first = nb["cells"][0]
    assert first["cell_type"] == "raw" and _src(first).startswith("# ASSIGNMENT CONFIG"), "the first cell must be the raw ASSIGNMENT CONFIG cell"
    config = yaml.safe_load(_src(first).split("\n", 1)[1])
    assert config["name"].endswith(master.stem) and config.get("generate"), config
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    info = ex.describe_master(master)
    assert info["time"] and re.search(r"\d+ minutes", info["time"]), f"{master.name}: state a time estimate (**Time:** about N minutes)"
    assert len(info["questions"]) >= 2, info["questions"]
    for name, q in info["questions"].items():
        assert q["points"], f"{master.name} {name}: give the question points"
        assert q["public"] >= 1 and q["hidden"] >= 1, f"{master.name} {name}: needs public and hidden tests, has {q}"
    prompts = [_src(c) for c in nb["cells"] if c["cell_type"] == "markdown" and re.match(r"## Question \d", _src(c))]
    assert len(prompts) == len(info["questions"])
    for p in prompts:
        assert "**Building blocks:**" in p and "Hint" in p, f"{master.name}: every question names its building blocks and gives hints:\n{p[:200]}"


def test_describe_master_reads_blocks():
    info = ex.describe_master(SRC / "01-bounds.ipynb")
    assert info["questions"]["q1"] == {"points": 2, "public": 4, "hidden": 1}
    assert any("ids_with" in line for line in info["solution_lines"])
    assert not any("ids_with" in code for code in info["outside_code"]), "solution lines must not count as visible code"


def test_extraction_passage_is_labelled_and_invented(request):
    text = PASSAGE.read_text(encoding="utf-8")
    first = text.split("\n\n")[0]
    assert "WRITTEN FOR THIS EXERCISE" in first and "not from the RFE/RL article" in first and "fictional" in first
    assert len(text) < 2000, "keep the passage short"
    import toolkit
    from toolkit.core import text as article

    path = toolkit.find_text()
    if path is None:
        pytest.skip("article text not found: cannot check that the passage borrows nothing from it")
    words = article.read_text(path).split()
    grams = {" ".join(words[i:i + 6]) for i in range(len(words) - 5)}
    mine = text.split()
    borrowed = [" ".join(mine[i:i + 6]) for i in range(len(mine) - 5) if " ".join(mine[i:i + 6]) in grams]
    assert not borrowed, f"the invented passage repeats the article: {borrowed[:3]}"


def test_notebooks_do_not_copy_the_article(text):
    """Only short fragments of the article may appear (no run of 12 words)."""
    words = text.split()
    grams = {" ".join(words[i:i + 12]) for i in range(len(words) - 11)}
    for path in [*MASTERS, SRC / "README.md"]:
        mine = " ".join(_src(c) for c in _nb(path)["cells"]) if path.suffix == ".ipynb" else path.read_text(encoding="utf-8")
        mw = mine.split()
        hits = [" ".join(mw[i:i + 12]) for i in range(len(mw) - 11) if " ".join(mw[i:i + 12]) in grams]
        assert not hits, f"{path.name} copies the article: {hits[0]!r}"


def test_import_toolkit_does_not_import_exercises_or_otter():
    code = "import sys, toolkit; print([m for m in ('toolkit.tools', 'otter', 'nbclient') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout.strip()
    assert out == "[]", f"import toolkit pulled in {out}"


def test_cli_registers_exercises_with_out_option():
    import argparse

    parser = argparse.ArgumentParser()
    ex.add_parser(parser.add_subparsers(dest="cmd"))
    args = parser.parse_args(["exercises"])
    assert args.out == str(Path("build") / "exercises") and args.fn is ex.cmd_exercises
    args = parser.parse_args(["exercises", "--out", "x", "--only", "01", "03-provenance"])
    assert args.out == "x" and args.only == ["01", "03-provenance"]
    assert [p.stem for p in ex.find_notebooks(SRC, args.only)] == ["01-bounds", "03-provenance"]
    with pytest.raises(FileNotFoundError, match="no exercise"):
        ex.find_notebooks(SRC, ["99-nothing"])


def test_audit_catches_leaked_solutions_and_hidden_tests(tmp_path):
    """The audit must be able to fail: a 'student copy' that is really the instructor notebook, or
    that ships a hidden test case, is reported."""
    master = SRC / "01-bounds.ipynb"
    shutil.copy(master, tmp_path / master.name)
    problems = ex.audit_student(master, tmp_path)
    assert any("otter marker" in p for p in problems)
    assert any("solution line leaked" in p and "ids_with" in p for p in problems)
    assert any("hidden test statement is in a cell" in p for p in problems)
    nb = _nb(master)
    nb["cells"] = [c for c in nb["cells"] if c["cell_type"] == "markdown"]
    secret = ex.describe_master(master)["hidden_code"][-1].split("# END TEST CONFIG", 1)[1].strip("\n")
    code = "".join(f">>> {line}\n" if not line.startswith(" ") else f"... {line}\n" for line in secret.splitlines())
    nb["metadata"]["otter"] = {"tests": {"q1": {"name": "q1", "suites": [{"cases": [{"code": code, "hidden": True}]}]}}}
    (tmp_path / master.name).write_text(json.dumps(nb), encoding="utf-8")
    problems = ex.audit_student(master, tmp_path)
    assert any("ships a hidden test case" in p for p in problems)
    assert any("hidden test statement is visible" in p for p in problems)


# ----------------------------------------------------------------------------- building and grading (slow)

@pytest.fixture(scope="session")
def built(built_exercises):
    """Every exercise assigned once per session (the ``built_exercises`` fixture in conftest.py)."""
    return built_exercises


def _zip(built_out: Path, name: str) -> Path:
    zips = sorted((built_out / name / "autograder").glob(f"{name}-autograder_*.zip"))
    assert zips, f"no autograder zip for {name}"
    return zips[-1]


@pytest.mark.slow
def test_build_succeeds_and_solutions_pass_every_test(built):
    out, outcomes = built
    failed = [str(o) for o in outcomes if not o.ok]
    assert not failed, "\n".join(failed)
    manifest = json.loads((out / ex.MANIFEST).read_text(encoding="utf-8"))
    assert sorted(manifest) == NAMES
    for name in NAMES:
        assert (out / manifest[name]["student"]).is_file() and (out / manifest[name]["autograder"]).is_file()
        assert manifest[name]["time"]
    assert not list(out.parent.glob(".build-staging-*")), "the staging folder was not cleaned up"
    assert not list(SRC.glob("*-autograder_*.zip")) and not (SRC / "student").exists(), "otter wrote into notebooks/exercises/"


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_student_copy_has_no_solutions_or_hidden_tests(built, name):
    out, _ = built
    master = SRC / f"{name}.ipynb"
    assert ex.audit_student(master, out / name / "student") == []
    info = ex.describe_master(master)
    student = _nb(out / name / "student" / f"{name}.ipynb")
    shipped = student["metadata"]["otter"]["tests"]
    for q, counts in info["questions"].items():
        if isinstance(shipped[q], str):  # exception-based test file: one @test_case per public test
            assert shipped[q].count("@test_case(") == counts["public"] and "hidden=True" not in shipped[q], (q, shipped[q])
        else:
            cases = shipped[q]["suites"][0]["cases"]
            assert len(cases) == counts["public"] and not any(c["hidden"] for c in cases), (q, cases)
    # the autograder holds the hidden tests (and otter graded the solutions with them while assigning)
    with zipfile.ZipFile(_zip(out, name)) as z:
        hidden = sum(len(re.findall(r"'hidden': True|hidden=True", z.read(f"tests/{q}.py").decode())) for q in info["questions"])
    assert hidden == sum(q["hidden"] for q in info["questions"].values())
    if name == "06-extraction":
        assert (out / name / "student" / "data" / "extraction-passage.txt").is_file()


def _check_outputs(nb: dict) -> dict:
    """Text shown by each grader.check("q…") cell of an executed notebook."""
    shown = {}
    for cell in nb["cells"]:
        m = re.match(r'grader\.check\("(\w+)"\)', _src(cell).strip())
        if cell["cell_type"] == "code" and m:
            parts = []
            for o in cell.get("outputs", []):
                parts.append(o.get("text", "") if isinstance(o.get("text", ""), str) else "".join(o["text"]))
                data = o.get("data", {}).get("text/plain", "")
                parts.append(data if isinstance(data, str) else "".join(data))
            shown[m.group(1)] = "\n".join(parts)
    return shown


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_unedited_student_notebook_fails(built, name, tmp_path):
    """A student who runs the notebook without answering sees every check fail, and scores zero
    on the autograder (public and hidden tests). One kernel: the notebook as the autograder ran it."""
    out, _ = built
    work = tmp_path / "student"
    shutil.copytree(out / name / "student", work)
    executed = tmp_path / "executed.ipynb"
    result = ex.grade(work / f"{name}.ipynb", _zip(out, name), executed=executed)
    nb = _nb(executed)
    errors = [(_src(c)[:60], o.get("ename")) for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, f"the unedited student notebook should run without errors: {errors}"
    checks = _check_outputs(nb)
    questions = ex.describe_master(SRC / f"{name}.ipynb")["questions"]
    assert set(checks) == set(questions)
    for q, text in checks.items():
        assert f"{q} results:" in text and "passed!" not in text, f"{name} {q}: the check should fail, it showed:\n{text[:500]}"
    assert result["error"] is None and result["possible"] > 0
    assert result["total"] == 0, {q: v["score"] for q, v in result["questions"].items()}
    hidden_failed = [c for q in questions for c in ex.failed_cases(result, q) if c["test_case"]["hidden"]]
    assert len(hidden_failed) == sum(q["hidden"] for q in questions.values())


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_one_wrong_answer_fails_only_its_question(built, name, tmp_path):
    out, _ = built
    question, old, new, message = WRONG[name]
    nb = _nb(out / name / "autograder" / f"{name}.ipynb")
    hits = [c for c in nb["cells"] if c["cell_type"] == "code" and old in _src(c)]
    assert len(hits) == 1, f"the solution of {name} {question} no longer contains {old!r}"
    hits[0]["source"] = _src(hits[0]).replace(old, new)
    path = tmp_path / f"{name}.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    if name == "06-extraction":
        shutil.copytree(out / name / "autograder" / "data", tmp_path / "data")
    result = ex.grade(path, _zip(out, name))
    scores = {q: (v["score"], v["possible"]) for q, v in result["questions"].items()}
    assert scores[question][0] < scores[question][1], f"{name}: the wrong answer to {question} passed: {scores}"
    assert all(s == p for q, (s, p) in scores.items() if q != question), f"{name}: only {question} should fail: {scores}"
    messages = "\n".join(c["message"] or "" for c in ex.failed_cases(result, question))
    assert message in messages, f"{name} {question}: expected the failure to say {message!r}; it said:\n{messages[-1500:]}"


@pytest.mark.slow
def test_provenance_exercise_grades_without_the_article(built, tmp_path):
    """Exercise 3 reads the article only in an optional cell: with no text anywhere, the solutions
    still get full marks and the notebook says why that part did nothing."""
    out, _ = built
    pkg = tmp_path / "pkg"
    shutil.copytree(ROOT / "toolkit", pkg / "toolkit", ignore=shutil.ignore_patterns("__pycache__"))
    env = ex.kernel_env()
    env["PYTHONPATH"] = str(pkg)
    env.pop("TOOLKIT_ARTICLE", None)
    probe = subprocess.run([sys.executable, "-c", "import toolkit; print(toolkit.find_text())"],
                           env=env, cwd=tmp_path, capture_output=True, text=True, check=True).stdout.strip()
    assert probe == "None", f"the article is still reachable at {probe}; cannot test its absence"
    executed = tmp_path / "executed.ipynb"
    result = ex.grade(out / "03-provenance" / "autograder" / "03-provenance.ipynb", _zip(out, "03-provenance"),
                      env=env, executed=executed)
    assert result["total"] == result["possible"], {q: v["score"] for q, v in result["questions"].items()}
    shown = json.dumps(_nb(executed))
    assert "Article text not found" in shown


@pytest.mark.slow
def test_failing_exercise_is_named_and_nothing_is_moved(tmp_path):
    """A notebook whose solution fails its own test stops the build: the failure names the notebook,
    the output folder is left as it was, and the command exits 1."""
    import nbformat

    src = tmp_path / "src"
    src.mkdir()
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}})
    nb.cells = [
        nbformat.v4.new_raw_cell("# ASSIGNMENT CONFIG\nname: broken\ngenerate: true\nexport_cell: false"),
        nbformat.v4.new_raw_cell("# BEGIN QUESTION\nname: q1"),
        nbformat.v4.new_raw_cell("# BEGIN SOLUTION"),
        nbformat.v4.new_code_cell("answer = 41  # SOLUTION"),
        nbformat.v4.new_raw_cell("# END SOLUTION"),
        nbformat.v4.new_raw_cell("# BEGIN TESTS"),
        nbformat.v4.new_code_cell('assert answer == 42, "the answer should be 42"'),
        nbformat.v4.new_raw_cell("# END TESTS"),
        nbformat.v4.new_raw_cell("# END QUESTION"),
    ]
    nbformat.write(nb, src / "99-broken.ipynb")
    out = tmp_path / "out"
    (out / "01-bounds").mkdir(parents=True)
    (out / "01-bounds" / "keep.txt").write_text("previous build")
    proc = subprocess.run([sys.executable, "-m", "toolkit", "exercises", "--src", str(src), "--out", str(out)],
                          cwd=ROOT, env=ex.kernel_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "99-broken.ipynb" in proc.stderr and "99-broken: FAILED" in proc.stdout
    assert "the answer should be 42" in proc.stdout
    assert sorted(p.name for p in out.iterdir()) == ["01-bounds"] and (out / "01-bounds" / "keep.txt").is_file()
    assert not list(tmp_path.glob(".out-staging-*"))


# ----------------------------------------------------------------------------- student copies, reuse (slow)

@pytest.mark.slow
def test_student_zips_lab_and_exercises_page(built, tmp_path):
    """Each exercise ships as a zip of its student folder (notebook and data files); the Exercises page
    offers it; `make lab-student` unpacks student copies only and keeps a student's existing work."""
    out, _ = built
    manifest = json.loads((out / ex.MANIFEST).read_text(encoding="utf-8"))
    for name in NAMES:
        with zipfile.ZipFile(out / manifest[name]["student_zip"]) as z:
            files = set(z.namelist())
        assert f"{name}/{name}.ipynb" in files, files
        if name == "06-extraction":
            assert f"{name}/data/extraction-passage.txt" in files, files
        assert not any("autograder" in f or f.endswith(".OTTER_LOG") for f in files), files
    site = tmp_path / "site"
    site.mkdir()
    ex.report_page(site, "", lambda title, body, footer: body, built=out)
    page = (site / "exercises.html").read_text(encoding="utf-8")
    for name in NAMES:
        assert f'href="exercises/{name}-student.zip"' in page and (site / "exercises" / f"{name}-student.zip").is_file()
    lab = tmp_path / "lab"
    assert sorted(ex.student_lab(out, lab)) == NAMES
    for name in NAMES:
        assert ex.audit_student(SRC / f"{name}.ipynb", lab / name) == [], f"{name}: the lab copy is not a clean student copy"
    mine = lab / "01-bounds" / "01-bounds.ipynb"
    mine.write_text('{"my": "work"}', encoding="utf-8")
    assert ex.student_lab(out, lab) == [] and mine.read_text(encoding="utf-8") == '{"my": "work"}'


@pytest.mark.slow
def test_unchanged_exercises_are_reused(built, tmp_path):
    out = tmp_path / "build"  # a copy (the same files and times): the shared build is only read
    shutil.copytree(built[0], out)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    outcomes = ex.build(out, SRC, echo=lambda s: None)
    assert all(o.ok and "reused" in o.message for o in outcomes), [str(o) for o in outcomes]
    after = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and p.name != ex.MANIFEST}
    assert all(before[p] == t for p, t in after.items()), "a reused exercise must not be rewritten"
    # the fingerprint follows the notebook and its data files
    src = tmp_path / "src"
    shutil.copytree(SRC, src, ignore=shutil.ignore_patterns(".*", "__pycache__"))
    master = src / "01-bounds.ipynb"
    first = ex.fingerprint(master)
    assert first == ex.fingerprint(src / "01-bounds.ipynb")
    (src / "data" / "extra.txt").write_text("new data file")
    second = ex.fingerprint(master)
    master.write_text(master.read_text(encoding="utf-8").replace("30 minutes", "35 minutes"), encoding="utf-8")
    assert len({first, second, ex.fingerprint(master)}) == 3
