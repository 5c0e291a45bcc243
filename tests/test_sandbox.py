"""The grading sandbox against hostile submissions.

Fast tests check the pieces (the unpickler, the tampering scan, the cells as graded). The ``slow``
ones build exercise 01 once and grade real notebooks: a solution with one hostile cell per attack
(each attack must fail: its cell ends in an error, or times out, and the teacher's files, the archive
and the grader are untouched, and no process is left behind), a blank notebook that patches otter's
checker (0 points, flagged), and answers that are functions reaching for the grader.
"""

import hashlib
import json
import os
import pickle
import shutil
import sys
import time
import uuid
from pathlib import Path

import nbformat
import pytest

from toolkit.tools.classroom import checking, execute, grading
from toolkit.tools.classroom import sandbox as sb

needs_sandbox = pytest.mark.skipif(sb.unavailable() is not None, reason=f"no sandbox here: {sb.unavailable()}")


# ----------------------------------------------------------------------------- fast

def test_safe_unpickler_builds_values_and_refuses_code():
    import polars as pl

    frame = pl.DataFrame({"a": [1, 2], "b": ["x", None]})
    value = {"ids": ["est01"], "pair": (1500, None), "set": {"a"}, "frame": frame}
    back = checking.safe_loads(pickle.dumps(value, protocol=4))
    assert back["frame"].equals(frame) and back["pair"] == (1500, None) and back["set"] == {"a"}

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    with pytest.raises(checking.Refused, match="system"):
        checking.safe_loads(pickle.dumps(Evil()))
    with pytest.raises(checking.Refused):  # a function of an allowed package is not a class
        checking.safe_loads(pickle.dumps(pl.read_csv))


def test_tampering_scan_names_the_cell(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1  # Checker in a comment is fine"),
                nbformat.v4.new_code_cell("from otter.execute import Checker\nChecker.check = lambda *a, **k: None"),
                nbformat.v4.new_code_cell("grader.check = lambda q: None")]
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    found = grading.tampering(path)
    assert [f.split(" ", 2)[1] for f in found] == ["2", "3"], found


def test_otter_calls_are_not_run_when_grading():
    src = 'import otter\ngrader = otter.Notebook("01-bounds.ipynb")\nx = 1\n    grader.check("q1")\ngrader.export(pdf=False)'
    assert execute.grading_source(src).splitlines() == ["pass", "pass", "x = 1", "    pass", "pass"]


def test_answer_names_from_test_files(tmp_path):
    (tmp_path / "q1.py").write_text("from otter.test_files import test_case\nOK_FORMAT = False\n"
                                     "@test_case(points=1)\ndef test_a(lower_ids, upper_ids):\n    pass\n"
                                     "@test_case(points=1, hidden=True)\ndef test_b(upper_ids, env):\n    pass\n")
    assert grading.answer_names(tmp_path) == {"q1": ["lower_ids", "upper_ids", "env"]}


def test_a_submission_zip_gives_its_one_notebook(tmp_path):
    import zipfile

    good = tmp_path / "alice.zip"
    with zipfile.ZipFile(good, "w") as z:
        z.writestr("01-bounds.ipynb", json.dumps(nbformat.v4.new_notebook()))
        z.writestr("../../evil.py", "x")
    (tmp_path / "out").mkdir()
    got = grading.read_submission(good, tmp_path / "out")
    assert got.name == "01-bounds.ipynb" and sorted(p.name for p in (tmp_path / "out").iterdir()) == ["01-bounds.ipynb"]
    bad = tmp_path / "bob.ipynb"
    bad.write_text("{not json")
    with pytest.raises(grading.GradingError, match="bob.ipynb: not a notebook"):
        grading.read_submission(bad, tmp_path / "out")


@needs_sandbox
def test_the_sandbox_sees_no_teacher_file_and_no_network(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    secret = tmp_path / "teacher.txt"
    secret.write_text("hidden")
    code = (f"import os, socket\nprint(os.path.exists({str(secret)!r}), os.path.exists('/etc/shadow'), os.getuid(), os.getpid())\n"
            "open('mine.txt', 'w').write('ok')\n"
            "try:\n    socket.create_connection(('1.1.1.1', 53), timeout=2); print('net')\nexcept OSError:\n    print('nonet')")
    proc = sb.run([sys.executable, "-c", code], writable=work, timeout=60, env={"PATH": "/usr/bin"})
    assert proc.stdout.split() == ["False", "False", "65534", "2", "nonet"], proc.stdout + proc.stderr
    assert (work / "mine.txt").read_text() == "ok" and secret.read_text() == "hidden"


def test_grading_refuses_without_a_sandbox(monkeypatch, tmp_path):
    monkeypatch.setattr(sb, "unavailable", lambda: "bwrap is not installed")
    with pytest.raises(grading.SandboxError, match="--no-sandbox"):
        grading.grade_one(tmp_path / "x.ipynb", tmp_path / "a.zip")


# ----------------------------------------------------------------------------- slow: real notebooks

@pytest.fixture(scope="module")
def bounds(built_exercises, tmp_path_factory):
    """Exercise 01 as built for the session, in a copy of its own (attacks may target it): (built folder, its archive)."""
    from toolkit.tools.classroom import exercises as ex

    built, outcomes = built_exercises
    assert all(o.ok for o in outcomes), [str(o) for o in outcomes]
    out = tmp_path_factory.mktemp("sandbox") / "build"
    shutil.copytree(built, out)
    entry = json.loads((out / ex.MANIFEST).read_text())["01-bounds"]
    return out, out / entry["autograder"]


def _with_cells(source: Path, dest: Path, cells: list[str]) -> Path:
    """``source`` with ``cells`` inserted right after its first code cell (otter's init cell)."""
    nb = nbformat.read(source, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code") + 1
    for i, code in enumerate(cells):
        nb.cells.insert(at + i, nbformat.v4.new_code_cell(code))
    nbformat.write(nb, dest)
    return dest


@pytest.fixture(scope="module")
def hostile(bounds, tmp_path_factory):
    """The solution with one hostile cell per attack after the first cell, graded once."""
    built, archive = bounds
    home = tmp_path_factory.mktemp("teacher")
    sentinel = home / "teacher-notes.txt"
    sentinel.write_text("mine")
    token = uuid.uuid4().hex
    attacks = {
        "read the hidden tests": "from pathlib import Path\nprint(open(Path.cwd().parent / 'tests' / 'q1.py').read())",
        "read the built exercises": f"import os\nprint(os.listdir({str(built)!r}))",
        "read the instructor notebook": f"print(open({str(grading.PACKAGE_PARENT / 'notebooks' / 'exercises' / '01-bounds.ipynb')!r}).read()[:50])",
        "append to the archive": f"open({str(archive)!r}, 'ab').write(b'PK evil')",
        "delete a teacher's file": f"import os\nos.remove({str(sentinel)!r})",
        "kill the grader": f"import os, signal\nos.kill({os.getpid()}, signal.SIGKILL)",
        "allocate 8 GB": "x = bytearray(8 * 2**30)",
        "write a 200 MB file": "open('big.bin', 'wb').write(b'0' * (200 * 2**20))",
        "reach the network": "import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=3)",
        "loop forever": "while True:\n    pass",
        "loop forever, deaf to interrupts": "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",
        "leave a process running": (f"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', 'import time; time.sleep(900)', {token!r}],"
                                    " start_new_session=True)\nimport os\nif os.fork() == 0:\n    os.setsid()\n"
                                    f"    os.execv('/bin/sleep', ['sleep', '900', {token!r}])"),
    }
    source = built / "01-bounds" / "autograder" / "01-bounds.ipynb"
    sub = _with_cells(source, tmp_path_factory.mktemp("subs") / "mallory.ipynb", list(attacks.values()))
    before = hashlib.sha256(archive.read_bytes()).hexdigest()
    result = grading.grade_one(sub, archive, cell_timeout=10, checksum=before)
    time.sleep(1)
    cells = {c["cell"]: c["status"] for c in result["cells"]}
    status = {name: cells[i + 2] for i, name in enumerate(attacks)}  # code cell 1 is otter's init cell
    return {"result": result, "status": status, "sentinel": sentinel, "token": token, "archive": archive,
            "before": before}


@pytest.mark.slow
@needs_sandbox
@pytest.mark.parametrize("attack", ["read the hidden tests", "read the built exercises", "read the instructor notebook",
                                    "append to the archive", "delete a teacher's file", "kill the grader",
                                    "allocate 8 GB", "write a 200 MB file", "reach the network"])
def test_each_attack_fails(hostile, attack):
    assert hostile["status"][attack].startswith("error"), hostile["status"]


@pytest.mark.slow
@needs_sandbox
def test_the_teacher_files_and_archive_are_untouched(hostile):
    assert hostile["sentinel"].read_text() == "mine"
    assert hashlib.sha256(hostile["archive"].read_bytes()).hexdigest() == hostile["before"]


@pytest.mark.slow
@needs_sandbox
def test_endless_loops_cost_their_cell_not_the_notebook(hostile):
    assert hostile["status"]["loop forever"].startswith("timeout"), hostile["status"]
    assert hostile["status"]["loop forever, deaf to interrupts"].startswith("timeout"), hostile["status"]
    questions = hostile["result"]["questions"]
    assert questions and all(q["score"] == q["possible"] > 0 for q in questions.values()), questions


@pytest.mark.slow
@needs_sandbox
def test_no_process_is_left_behind(hostile):
    token = hostile["token"].encode()
    left = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and token in (proc / "cmdline").read_bytes():
                left.append(proc.name)
        except OSError:
            continue
    assert not left, f"processes left running: {left}"


@pytest.mark.slow
@needs_sandbox
def test_a_blank_notebook_that_patches_otter_scores_nothing_and_is_flagged(bounds, tmp_path):
    built, archive = bounds
    patch = ("import otter\nfrom otter.execute import Checker\nfrom otter.test_files import abstract_test\n"
             "Checker.check = classmethod(lambda cls, *a, **k: None)\n"
             "abstract_test.TestFile.grade = property(lambda self: 1.0)\n"
             "grader.check = lambda *a, **k: None")
    sub = _with_cells(built / "01-bounds" / "student" / "01-bounds.ipynb", tmp_path / "eve.ipynb", [patch])
    result = grading.grade_one(sub, archive, cell_timeout=20)
    assert result["total"] == 0, result["questions"]
    assert result["guard"]["tampered"] and "Checker" in " ".join(result["guard"]["tampered"])


@pytest.mark.slow
@needs_sandbox
def test_a_function_answer_cannot_reach_the_grader(bounds, tmp_path):
    """interval(row) that walks up to the test's frame (to mark it passed) is refused: the question
    fails and the attempt is flagged."""
    built, archive = bounds
    forge = "def interval(row):\n    import sys\n    f = sys._getframe(1)\n    return (None, None)\n"
    sub = tmp_path / "trudy.ipynb"
    nb = nbformat.read(built / "01-bounds" / "student" / "01-bounds.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("def interval(row):"):
            cell.source = forge
    nbformat.write(nb, sub)
    result = grading.grade_one(sub, archive, cell_timeout=20)
    assert result["questions"]["q2"]["score"] == 0
    assert any("sys._getframe" in f for f in result["guard"]["tampered"]), result["guard"]
