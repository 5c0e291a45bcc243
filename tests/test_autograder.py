"""Self-contained autograders and class grading.

Fast tests check the archive rewriting and the plugin on a scratch folder; the ``slow`` ones use the
session's built exercises: the gradebook of a small class (a tampering submission does not raise its
score, and would without the guard), and one archive installed into a brand-new virtualenv from the
archive alone, then graded with ``otter run`` as Gradescope or ``otter grade`` would.
"""

import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import nbformat
import pytest

from toolkit.tools.classroom import autograder
from toolkit.tools.classroom import exercises as ex
from toolkit.tools.classroom import gradebook

TAMPER = '''import glob
for f in glob.glob("tests/*.py"):
    name = f.split("/")[-1][:-3]
    open(f, "w").write("from otter.test_files import test_case\\nOK_FORMAT = False\\nname = %r\\npoints = None\\n"
                       "@test_case()\\ndef t():\\n    pass\\n" % name)
'''


def _archive(built: Path, name: str) -> Path:
    entry = json.loads((built / ex.MANIFEST).read_text(encoding="utf-8"))[name]
    return built / entry["autograder"]


def _tampering(student_nb: Path, dest: Path) -> Path:
    """The unedited student notebook plus a first cell that rewrites every test to pass."""
    nb = nbformat.read(student_nb, as_version=4)
    nb.cells.insert(1, nbformat.v4.new_code_cell(TAMPER))
    nbformat.write(nb, dest)
    return dest


def _without_guard(archive: Path, dest: Path) -> Path:
    with zipfile.ZipFile(archive) as z, zipfile.ZipFile(dest, "w") as out:
        for info in z.infolist():
            data = z.read(info)
            if info.filename == "otter_config.json":
                config = json.loads(data)
                config["plugins"] = []
                data = json.dumps(config).encode()
            out.writestr(info, data)
    return dest


# ----------------------------------------------------------------------------- fast

def test_extras_follow_the_imports():
    assert autograder.extras_for("import polars as pl\nimport toolkit") == []
    assert autograder.extras_for("import altair as alt") == ["charts"]
    assert autograder.extras_for("from toolkit import geo") == ["charts", "geo"]


def test_make_self_contained_adds_wheel_requirements_and_guard(tmp_path):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("environment.yml", "name: otter-env\ndependencies:\n- python=3.13\n- pip\n- pip:\n  - otter-grader==7.0.0\n")
        z.writestr("otter_config.json", json.dumps({"lang": "python"}))
        z.writestr("tests/q1.py", "name = 'q1'")
    wheel = tmp_path / "nc_fighters_toolkit-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"PK fake wheel")
    autograder.make_self_contained(archive, wheel, ["charts"])
    with zipfile.ZipFile(archive) as z:
        names = set(z.namelist())
        reqs = z.read("requirements.txt").decode().splitlines()
        env = z.read("environment.yml").decode()
        config = json.loads(z.read("otter_config.json"))
    assert {wheel.name, "requirements.txt", "tests/q1.py"} <= names
    assert reqs[-1] == f"./{wheel.name}[charts]" and reqs[0].startswith("otter-grader")
    assert f"/autograder/source/{wheel.name}[charts]" in env and env.count("otter-grader") == 1
    assert config["plugins"] == [{autograder.GUARD: {"requires": ["toolkit", "polars", "altair", "matplotlib"]}}]
    # Gradescope: public results on submission, hidden ones once published
    assert config["show_hidden"] is True and config["force_public_test_summary"] is True
    autograder.make_self_contained(archive, wheel, ["charts"])  # idempotent: one guard, one wheel
    with zipfile.ZipFile(archive) as z:
        assert len(json.loads(z.read("otter_config.json"))["plugins"]) == 1
        assert z.namelist().count(wheel.name) == 1


def test_guard_flags_rewritten_tests_and_missing_modules(tmp_path, monkeypatch):
    from otter.run.run_autograder.utils import OtterRuntimeError
    from otter.test_files import GradingResults

    root = tmp_path / "autograder"
    (root / "source" / "tests").mkdir(parents=True)
    (root / "submission" / "tests").mkdir(parents=True)
    for folder in ("source", "submission"):
        (root / folder / "tests" / "q1.py").write_text("name = 'q1'\n")
    (root / "submission" / ".OTTER_LOG").write_bytes(b"log")
    monkeypatch.chdir(root / "submission")
    guard = autograder.Guard(None, {}, {"requires": ["toolkit", "polars"]})
    guard.before_grading(None)
    assert not Path(".OTTER_LOG").exists(), "the student's log should be dropped before otter reads it"
    results = GradingResults([])
    guard.after_grading(results)
    assert results.get_plugin_data(autograder.GUARD) == {"tampered": []}
    guard.before_grading(None)
    p = Path("tests/q1.py")
    p.chmod(0o644)
    p.write_text("name = 'q1'  # rewritten\n")
    guard.after_grading(results)
    assert results.get_plugin_data(autograder.GUARD) == {"tampered": ["q1.py"]}
    assert "TAMPERING" in results.output
    with pytest.raises(OtterRuntimeError, match="no_such_module_xyz is not installed"):
        autograder.Guard(None, {}, {"requires": ["no_such_module_xyz"]}).before_grading(None)


def _gradescope(config: dict, tmp_path: Path) -> dict:
    """otter's own results.json for one question with a failing public and a failing hidden test."""
    from otter.run.run_autograder.autograder_config import AutograderConfig
    from otter.test_files import GradingResults
    from otter.test_files.exception_test import ExceptionTestFile

    (tmp_path / "q1.py").write_text(
        "from otter.test_files import test_case\nOK_FORMAT = False\nname = 'q1'\npoints = 2\n"
        "@test_case(points=1, hidden=False, failure_message='PUBLIC-SENTENCE')\ndef test_pub(x):\n    assert x == 1, 'public detail'\n"
        "@test_case(points=1, hidden=True, failure_message='HIDDEN-SENTENCE')\ndef test_hid(x):\n    assert x == 2, 'hidden detail'\n")
    path = tmp_path / "q1.py"
    path.write_text(autograder.conceal_hidden(path.read_text()))
    tf = ExceptionTestFile.from_file(str(path))
    tf.run({"x": 0})
    return GradingResults([tf]).to_gradescope_dict(AutograderConfig(config))


def test_gradescope_shows_public_results_on_submission_and_hides_hidden_tests(tmp_path):
    """With the archive's otter_config.json, otter's results.json has a visible "Public Tests" entry
    (the public failure, not the hidden one) and the per-question entries (hidden tests included)
    only after publication."""
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("otter_config.json", json.dumps({"lang": "python", "show_hidden": False}))
    wheel = tmp_path / "nc_fighters_toolkit-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"PK")
    autograder.make_self_contained(archive, wheel, [])
    with zipfile.ZipFile(archive) as z:
        config = {k: v for k, v in json.loads(z.read("otter_config.json")).items() if k != "plugins"}
    results = _gradescope(config, tmp_path)
    visible = [t for t in results["tests"] if t["visibility"] == "visible"]
    assert [t["name"] for t in visible] == ["Public Tests"], results["tests"]
    shown = json.dumps(visible)
    assert "PUBLIC-SENTENCE" in shown and "HIDDEN" not in shown and "hidden detail" not in shown
    later = [t for t in results["tests"] if t["name"] == "q1"]
    assert later and later[0]["visibility"] == "after_published" and later[0]["max_score"] == 2
    published = json.dumps(later)  # the hidden test's sentence, never its details or its code
    assert "HIDDEN-SENTENCE" in published and "hidden detail" not in published and "x == 2" not in published


def test_scores_as_a_gradebook_shows_them():
    assert gradebook.points(0.6 * 3) == 1.8 and str(gradebook.points(0.6 * 3)) == "1.8"
    assert gradebook.points(2.0) == 2 and str(gradebook.points(2.0)) == "2"
    assert gradebook.points(1 / 3) == 0.33 and gradebook.points(None) is None


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_text_cells_are_neutralised(text):
    assert gradebook.spreadsheet_safe(text) == "'" + text


def test_numbers_and_plain_text_are_left_alone():
    assert gradebook.spreadsheet_safe(-77.03) == -77.03 and gradebook.spreadsheet_safe(-1) == -1
    assert gradebook.spreadsheet_safe("graded") == "graded" and gradebook.spreadsheet_safe("") == ""


def _fake_build(tmp_path: Path) -> Path:
    """A built-exercises folder with one exercise (two questions) whose archive has a checksum."""
    built = tmp_path / "built"
    (built / "01-bounds" / "autograder").mkdir(parents=True)
    archive = built / "01-bounds" / "autograder" / "01-bounds-autograder_x.zip"
    archive.write_bytes(b"PK archive")
    manifest = {"01-bounds": {"autograder": "01-bounds/autograder/01-bounds-autograder_x.zip",
                              "autograder_sha256": gradebook.sha256(archive),
                              "questions": {"q1": {"points": 2}, "q2": {"points": 3}}}}
    (built / ex.MANIFEST).write_text(json.dumps(manifest))
    return built


def _result(q1, q2, tampered=()):
    return {"total": q1 + q2, "questions": {"q1": {"score": q1, "possible": 2, "test_case_results": []},
                                            "q2": {"score": q2, "possible": 3, "test_case_results": [
                                                {"passed": False, "test_case": {"failure_message": "=1+1 is not it"}}]}},
            "guard": {"tampered": list(tampered)}, "error": None}


def test_gradebook_rows_rounding_formulas_and_duplicates(tmp_path, monkeypatch):
    """Both submissions of a student are graded (each under its file name); scores rounded; text cells
    safe; numbers stay numbers; and --no-sandbox is said in every row's status."""
    import csv

    built = _fake_build(tmp_path)
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("alice.ipynb", "alice.zip", "=cmd.ipynb"):
        (subs / name).write_text("{}")
    seen = []

    def fake(path, archive, **kw):
        seen.append((path.name, kw["sandbox"], kw["checksum"]))
        return _result(0.6 * 3, 1)

    monkeypatch.setattr(gradebook, "grade_one", fake)
    out = tmp_path / "gb.csv"
    rows = gradebook.grade_class("01", subs, out, built=built, sandbox=False, echo=lambda s: None)
    assert sorted(n for n, _, _ in seen) == ["=cmd.ipynb", "alice.ipynb", "alice.zip"]
    assert all(c == gradebook.sha256(built / "01-bounds/autograder/01-bounds-autograder_x.zip") for _, _, c in seen)
    text = out.read_text(encoding="utf-8")
    assert "1.7999" not in text
    got = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {r["student"] for r in got} == {"'=cmd", "alice.ipynb", "alice.zip"}
    assert all(r["status"].startswith("graded without sandbox") for r in got)
    assert {r["score"] for r in got if r["question"] == "q1"} == {"1.8"}
    assert all(r["failed_checks"].startswith("'=") for r in got if r["question"] == "q2")
    dup = [r["status"] for r in rows if r["student"] == "alice.ipynb"]
    assert all("same student as alice.zip" in s for s in dup), dup
    assert not out.with_name("gb.csv.partial").exists()


def test_a_crash_mid_class_keeps_the_finished_rows_and_the_old_gradebook(tmp_path, monkeypatch):
    import csv

    built = _fake_build(tmp_path)
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("alice", "bob"):
        (subs / f"{name}.ipynb").write_text("{}")
    out = tmp_path / "gb.csv"
    out.write_text("last week's gradebook\n")

    def fake(path, archive, **kw):
        if path.stem == "bob":
            raise MemoryError("the grader ran out of memory")
        return _result(2, 3)

    monkeypatch.setattr(gradebook, "grade_one", fake)
    with pytest.raises(MemoryError):
        gradebook.grade_class("01", subs, out, built=built, sandbox=False, jobs=1, echo=lambda s: None)
    assert out.read_text() == "last week's gradebook\n"
    kept = list(csv.DictReader(out.with_name("gb.csv.partial").open(encoding="utf-8")))
    assert [(r["student"], r["question"], r["score"]) for r in kept] == [("alice", "q1", "2"), ("alice", "q2", "3")]


def test_grading_refuses_a_changed_archive_or_a_missing_sandbox(tmp_path, monkeypatch, capsys):
    from toolkit.tools.classroom import sandbox as sb
    from toolkit.tools.cli import main

    built = _fake_build(tmp_path)
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice.ipynb").write_text("{}")
    monkeypatch.setattr(gradebook, "grade_one", lambda *a, **k: pytest.fail("nothing may be graded"))
    monkeypatch.setattr(sb, "unavailable", lambda: "bwrap is not installed")
    out = tmp_path / "gb.csv"
    assert main(["grade", "01", str(subs), "--out", str(out), "--built", str(built)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no sandbox" in err[0] and "--no-sandbox" in err[0]
    monkeypatch.setattr(sb, "unavailable", lambda: None)
    with open(built / "01-bounds/autograder/01-bounds-autograder_x.zip", "ab") as fh:
        fh.write(b"appended test")
    assert main(["grade", "01", str(subs), "--out", str(out), "--built", str(built)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "checksum" in err[0]
    assert not out.exists()


def test_find_submissions_files_and_folders(tmp_path):
    (tmp_path / "alice.ipynb").write_text("{}")
    (tmp_path / "bob.zip").write_bytes(b"")
    (tmp_path / "carol").mkdir()
    (tmp_path / "carol" / "01-bounds.ipynb").write_text("{}")
    (tmp_path / "notes.txt").write_text("")
    assert sorted(gradebook.find_submissions(tmp_path)) == ["alice", "bob", "carol"]
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "01-bounds.ipynb").write_text("{}")  # bob.zip and bob/: both kept, never one dropped
    assert sorted(gradebook.find_submissions(tmp_path)) == ["alice", "bob.zip", "bob/01-bounds.ipynb", "carol"]
    assert gradebook.duplicates(gradebook.find_submissions(tmp_path)) == {"bob.zip": ["bob/01-bounds.ipynb"],
                                                                          "bob/01-bounds.ipynb": ["bob.zip"]}
    (tmp_path / "carol" / "other.ipynb").write_text("{}")
    with pytest.raises(FileNotFoundError, match="keep one per student"):
        gradebook.find_submissions(tmp_path)


def test_summary_means_and_most_failed_checks():
    rows = [
        {"student": "a", "question": "q1", "score": 2, "possible": 2, "status": "graded", "failed_checks": ""},
        {"student": "b", "question": "q1", "score": 0, "possible": 2, "status": "graded", "failed_checks": "Use None.; Sort it."},
        {"student": "c", "question": "q1", "score": 1, "possible": 2, "status": "graded", "failed_checks": "Use None."},
        {"student": "d", "question": "q1", "score": 0, "possible": 2, "status": "error: bad file", "failed_checks": ""},
    ]
    text = gradebook.summary(rows)
    assert "q1: 1.00 / 2  (1 of 3 full marks)" in text
    assert text.index("2 x q1: Use None.") < text.index("1 x q1: Sort it.")
    assert "d: error: bad file" in text


# ----------------------------------------------------------------------------- slow

@pytest.mark.slow
def test_class_gradebook_and_tampering(built_exercises, tmp_path):
    """A class of three, graded in the sandbox: the solution gets full marks, a submission that
    rewrites the tests gets 0 and is flagged (the same submission graded by otter alone, without the
    guard, would get full marks), a broken file is reported and makes the command exit 1; the
    gradebook has one row per student and question."""
    built, outcomes = built_exercises
    assert all(o.ok for o in outcomes), [str(o) for o in outcomes if not o.ok]
    name = "01-bounds"
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(built / name / "autograder" / f"{name}.ipynb", subs / "alice.ipynb")
    _tampering(built / name / "student" / f"{name}.ipynb", subs / "eve.ipynb")
    (subs / "mallory.ipynb").write_text("{not json", encoding="utf-8")
    out = tmp_path / "new" / "gradebook.csv"
    proc = subprocess.run([sys.executable, "-m", "toolkit", "grade", "01", str(subs), "--out", str(out), "--built", str(built)],
                          env=ex.kernel_env(), capture_output=True, text=True, timeout=900)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "mallory" in proc.stderr and "TAMPERING" in proc.stdout and "mean per question" in proc.stdout
    import csv

    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    questions = list(ex.describe_master(ex.SOURCE_DIR / f"{name}.ipynb")["questions"])
    assert [(r["student"], r["question"]) for r in rows] == [(s, q) for s in ("alice", "eve", "mallory") for q in questions]
    by = {(r["student"], r["question"]): r for r in rows}
    assert all(float(by["alice", q]["score"]) == float(by["alice", q]["possible"]) > 0 for q in questions)
    assert all(by["eve", q]["status"].startswith("tampered") and float(by["eve", q]["score"]) == 0 for q in questions)
    assert all(by["alice", q]["status"] == "graded" for q in questions)
    assert all(by["mallory", q]["status"].startswith("error: ") for q in questions)
    # the attack is real: otter alone, without the guard, lets the same submission score
    unguarded = _without_guard(_archive(built, name), tmp_path / "unguarded.zip")
    result = ex.grade(subs / "eve.ipynb", unguarded)
    assert result["total"] > 0, "the tampering cell no longer works; this test cannot show that the guard matters"


@pytest.mark.slow
def test_archive_grades_in_a_fresh_virtualenv(built_exercises, tmp_path):
    """The archive alone sets up grading: a new virtualenv (no system packages, no PYTHONPATH, no
    toolkit) installs the archive's requirements.txt; `otter run` gives the solution full marks, the
    blank notebook 0, and without polars it stops with a non-zero exit naming what is missing."""
    built, _ = built_exercises
    name = "01-bounds"
    archive = _archive(built, name)
    unpacked = tmp_path / "autograder"
    with zipfile.ZipFile(archive) as z:
        z.extractall(unpacked)
    venv.create(tmp_path / "env", with_pip=True, symlinks=True)
    bin_ = tmp_path / "env" / "bin"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "TOOLKIT_DATA_DIR", "JUPYTER_PATH")}
    env.update(HOME=str(tmp_path / "home"), PATH=f"{bin_}{os.pathsep}{env.get('PATH', '')}", PYDEVD_DISABLE_FILE_VALIDATION="1")
    # --no-compile: pip skips byte-compiling the ~120 packages (half of its time); Python compiles what grading
    # imports when it imports it. What is installed, and from where, is the same as Gradescope's install.
    pip = subprocess.run([str(bin_ / "python"), "-m", "pip", "install", "-q", "--no-compile", "-r", "requirements.txt"],
                         cwd=unpacked, env=env, capture_output=True, text=True, timeout=1200)
    assert pip.returncode == 0, pip.stderr[-2000:]
    where = subprocess.run([str(bin_ / "python"), "-c", "import toolkit; print(toolkit.__file__)"], cwd=tmp_path,
                           env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert where.startswith(str(tmp_path / "env")), f"the toolkit should come from the archive's wheel, not {where}"

    def otter_run(notebook: Path, out: Path):
        out.mkdir()
        proc = subprocess.run([str(bin_ / "otter"), "run", "-a", str(archive), str(notebook), "-o", str(out)],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
        results = json.loads((out / "results.json").read_text()) if (out / "results.json").is_file() else None
        return proc, results

    proc, results = otter_run(built / name / "autograder" / f"{name}.ipynb", tmp_path / "solution")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    # Gradescope: a visible "Public Tests" summary (no score of its own) before the scored tests
    assert any(t["name"] == "Public Tests" and t["visibility"] == "visible" for t in results["tests"]), results["tests"]
    scores = {t["name"]: (t["score"], t["max_score"]) for t in results["tests"] if "max_score" in t}
    assert scores and all(s == m > 0 for s, m in scores.values()), scores
    # the only row without a score is the "Public Tests" summary (otter prints it as NaN)
    nan = [line for line in proc.stdout.splitlines() if "NaN" in line and "Tests" not in line]
    assert not nan and "differs from logged score" not in proc.stdout, nan
    proc, results = otter_run(built / name / "student" / f"{name}.ipynb", tmp_path / "blank")
    assert proc.returncode == 0 and sum(t.get("score", 0) for t in results["tests"]) == 0, results
    subprocess.run([str(bin_ / "python"), "-m", "pip", "uninstall", "-y", "-q", "polars"], env=env, check=True,
                   capture_output=True, timeout=300)
    proc, results = otter_run(built / name / "autograder" / f"{name}.ipynb", tmp_path / "broken")
    assert proc.returncode != 0, "grading in a broken environment must fail loudly, not score 0"
    said = (proc.stdout + proc.stderr).strip().splitlines()
    assert said and "polars" in said[-1], f"the last line should name the missing module: {said[-3:]}"
