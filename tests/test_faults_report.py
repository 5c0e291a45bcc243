"""Faults of the report builder: killed builds, unsafe --out, full disks, Ctrl-C, timeouts, exercise paths.

A one-notebook site stands in for the real chapters: its only code cell waits while a file ``HANG`` exists
beside the notebook, so a test can hold a build in the middle of a cell for as long as it needs.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from conftest import finish_build
from toolkit.tools.classroom import exercises
from toolkit.tools.site import report
from toolkit.tools.site import sitefolder
from toolkit.tools.cli import main

HANG = "import os, time\nwhile os.path.exists('HANG'):\n    time.sleep(0.05)\n1 + 1"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A built one-notebook site: (notebooks folder, site folder)."""
    base = tmp_path_factory.mktemp("tiny")
    nbs = base / "nbs"
    nbs.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Tiny"), nbformat.v4.new_code_cell(HANG)]
    nbformat.write(nb, nbs / "01-tiny.ipynb")
    report.build(out=base / "site", folder=nbs, jobs=1)
    return nbs, base / "site"


@pytest.fixture
def copy(tiny, tmp_path, monkeypatch):
    """A scratch copy of the tiny site, the working directory beside it: (notebooks folder, site folder)."""
    shutil.copytree(tiny[0], tmp_path / "nbs")
    shutil.copytree(tiny[1], tmp_path / "site")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "nbs", tmp_path / "site"


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _debris(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.glob(f".{out.name}.*"))


def _cli(capsys, nbs: Path, out, *extra) -> tuple[int, str]:
    """Run ``python -m toolkit report`` in this process: (exit code, stderr)."""
    code = main(["report", "--notebooks", str(nbs), "--out", str(out), *extra])
    return code, capsys.readouterr().err


def _one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


def _start(nbs: Path, out: Path, *extra, session: bool = False) -> subprocess.Popen:
    """A build in a subprocess, with ``HANG`` in place; output in files (not pipes a leftover could hold)."""
    (nbs / "HANG").touch()
    logs = [open(out.parent / f"build.{kind}", "w+") for kind in ("out", "err")]
    proc = subprocess.Popen([sys.executable, "-m", "toolkit", "report", "--notebooks", str(nbs), "--out", str(out),
                             "--force", *extra], stdout=logs[0], stderr=logs[1], text=True, cwd=out.parent,
                            start_new_session=session)
    proc.logs = logs
    return proc


@contextlib.contextmanager
def _building(nbs: Path, out: Path, *extra, session: bool = False):
    """:func:`_start` a build; afterwards let its cell end and make sure the build itself is gone."""
    proc = _start(nbs, out, *extra, session=session)
    try:
        yield proc
    finally:
        (nbs / "HANG").unlink()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _wait_for_cell(proc: subprocess.Popen, limit: float = 120) -> list[int]:
    """Until a kernel runs under the build (its cell is waiting); the build's processes below it."""
    end = time.monotonic() + limit
    while True:
        assert proc.poll() is None, f"the build ended before its cell ran: {_finish(proc)}"
        kids = psutil.Process(proc.pid).children(recursive=True)
        if any("ipykernel" in " ".join(k.cmdline()) for k in kids if k.is_running()):
            time.sleep(1.0)  # well inside the cell
            return [k.pid for k in psutil.Process(proc.pid).children(recursive=True)]
        assert time.monotonic() < end, "no kernel started"
        time.sleep(0.05)


def _finish(proc: subprocess.Popen, timeout: float = 120) -> tuple[str, str]:
    return finish_build(proc, timeout)


def _gone(pids: list[int], limit: float = 20) -> list[int]:
    """The processes among ``pids`` still running after ``limit`` seconds (zombies count as ended)."""
    end = time.monotonic() + limit
    while True:
        left = []
        for pid in pids:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    left.append(pid)
            except psutil.NoSuchProcess:
                pass
        if not left or time.monotonic() > end:
            return left
        time.sleep(0.2)


# --- killed builds and locks ---------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "kill"])
def test_a_killed_build_leaves_no_process_and_the_next_build_proceeds(copy, sig):
    nbs, out = copy
    before = _snapshot(out)
    with _building(nbs, out) as proc:
        below = _wait_for_cell(proc)
        os.kill(proc.pid, sig)  # the build only: its workers and kernels must end by themselves
        _, err = _finish(proc)
    assert _gone(below) == [], "workers or kernels of the killed build are still running"
    assert _snapshot(out) == before
    if sig == signal.SIGTERM:  # `kill`: cleaned up like Ctrl-C
        assert proc.returncode == 128 + signal.SIGTERM and "interrupted" in err and "Traceback" not in err, err
        assert _debris(out) == []
    res = subprocess.run([sys.executable, "-m", "toolkit", "report", "--notebooks", str(nbs), "--out", str(out)],
                         capture_output=True, text=True, cwd=out.parent, timeout=120)
    assert res.returncode == 0 and "waiting" not in res.stderr, res.stderr
    assert _debris(out) == [], "temporary folders or the lock left behind"


@pytest.mark.slow
def test_ctrl_c_prints_one_line_exits_130_and_leaves_nothing(copy):
    nbs, out = copy
    before = _snapshot(out)
    with _building(nbs, out, session=True) as proc:
        below = _wait_for_cell(proc)
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: the build and its workers (kernels have their own)
        _, err = _finish(proc)
    assert proc.returncode == 130
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("interrupted"), err
    assert _gone(below) == [] and _debris(out) == [] and _snapshot(out) == before


def _hold_lock(out: Path, pid: int | None, age: float = 0) -> subprocess.Popen:
    """Another process holding the site's lock, naming ``pid`` (its own if None), last touched ``age`` s ago."""
    code = (f"import fcntl, os, sys, time\nfd = os.open({str(out.parent / f'.{out.name}.lock')!r}, os.O_RDWR | os.O_CREAT)\n"
            f"fcntl.flock(fd, fcntl.LOCK_EX)\nos.write(fd, str({pid} or os.getpid()).encode())\n"
            f"os.utime(fd, (time.time() - {age}, time.time() - {age}))\nprint('locked', flush=True)\ntime.sleep(120)")
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    return holder


@pytest.mark.parametrize("case", ["dead pid", "no heartbeat"])
def test_a_stale_lock_is_taken_over_with_a_message(copy, case):
    nbs, out = copy
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    holder = _hold_lock(out, int(dead.stdout) if case == "dead pid" else None, age=0 if case == "dead pid" else 3600)
    try:
        res = subprocess.run([sys.executable, "-m", "toolkit", "report", "--notebooks", str(nbs), "--out", str(out)],
                             capture_output=True, text=True, cwd=out.parent, timeout=60)
    finally:
        holder.kill()
        holder.wait()
    assert res.returncode == 0, res.stderr
    assert "taking over the lock" in res.stderr and ("no longer running" if case == "dead pid" else "no sign of life") in res.stderr


def test_a_live_lock_is_waited_for(copy, capsys):
    nbs, out = copy
    holder = _hold_lock(out, None)
    ends = threading.Timer(2.0, holder.kill)  # a live build that ends after a while: waited for, not taken over
    ends.start()
    try:
        code, err = _cli(capsys, nbs, out)
    finally:
        ends.cancel()
        holder.kill()
        holder.wait()
    assert code == 0 and "waiting" in err and "taking over" not in err, err


# --- which --out -------------------------------------------------------------------------------

def test_a_folder_that_is_not_a_report_is_refused_and_untouched(copy, capsys):
    nbs, out = copy
    mine = out.parent / "mine"
    mine.mkdir()
    (mine / "index.html").write_text("my own page")
    code, err = _cli(capsys, nbs, mine)
    assert code == 1 and "not a toolkit report" in _one_line_error(err)
    assert _snapshot(mine) == {"index.html": b"my own page"} and _debris(mine) == []


@pytest.mark.parametrize("where, what", [(".", "the project folder"), ("..", "your home folder"),
                                         ("../..", "a parent of the project folder")])
def test_the_project_its_parents_and_home_are_refused(tmp_path, capsys, monkeypatch, where, what):
    home = tmp_path / "home"
    project = home / "project"
    project.mkdir(parents=True)
    (project / ".toolkit-report").write_text('{"toolkit-report": 1, "files": []}')  # even if marked
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(report, "ROOT", project)
    monkeypatch.chdir(project)
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    (nbs / "01-x.ipynb").write_text("{}")
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    code, err = _cli(capsys, nbs, where)
    assert code == 1 and what in _one_line_error(err)
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_the_root_folder_is_refused():
    with pytest.raises(sitefolder.BuildError, match="the root folder"):
        sitefolder.check_out("/", report.ROOT)


def test_out_is_a_file_a_mount_point_a_dangling_link_or_read_only(copy, capsys, monkeypatch):
    nbs, out = copy
    (out.parent / "a-file").write_text("keep me")
    code, err = _cli(capsys, nbs, out.parent / "a-file")
    assert code == 1 and "is a file" in _one_line_error(err) and (out.parent / "a-file").read_text() == "keep me"
    (out.parent / "link").symlink_to(out.parent / "nowhere")
    code, err = _cli(capsys, nbs, out.parent / "link")
    assert code == 1 and "does not exist" in _one_line_error(err) and not (out.parent / "nowhere").exists()
    before = _snapshot(out)
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == out)
    code, err = _cli(capsys, nbs, out)
    assert code == 1 and "mount point" in _one_line_error(err)
    monkeypatch.undo()
    monkeypatch.chdir(out.parent)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != out.parent and real_access(p, mode))
    code, err = _cli(capsys, nbs, out)
    assert code == 1 and "cannot write in" in _one_line_error(err) and "permission denied" in err
    assert _snapshot(out) == before and _debris(out) == []


def test_a_full_disk_is_one_line_and_leaves_no_copy(copy, capsys, monkeypatch):
    nbs, out = copy
    before = _snapshot(out)

    def full(path, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    for target in ((shutil, "copy2"), (Path, "write_text")):  # copying the previous site; writing a page
        with monkeypatch.context() as m:
            m.setattr(*target, full)
            code, err = _cli(capsys, nbs, out)
        assert code == 1 and "no space left" in _one_line_error(err), err
        assert _debris(out) == [] and _snapshot(out) == before


# --- the user's files in a report folder --------------------------------------------------------

def test_files_of_the_user_in_the_site_are_kept_as_they_are(copy, capsys, monkeypatch):
    nbs, out = copy
    elsewhere = out.parent / "elsewhere.txt"
    elsewhere.write_text("linked")
    (out / "notes.txt").write_text("my notes")
    (out / "link").symlink_to(elsewhere)
    (out / "dangling").symlink_to(out.parent / "nowhere")
    os.link(elsewhere, out / "hard")
    os.mkfifo(out / "pipe")
    (out / "mine").mkdir()
    (out / "mine" / "a.txt").write_text("a")
    build_into = report._build_into

    def while_building(tmp, *args, **kwargs):
        (out / "added-during-the-build.txt").write_text("new")
        return build_into(tmp, *args, **kwargs)

    monkeypatch.setattr(report, "_build_into", while_building)
    code, err = _cli(capsys, nbs, out)
    assert code == 0, err
    assert "kept 7 file(s) of yours" in err and "added-during-the-build.txt" in err, err
    assert (out / "notes.txt").read_text() == "my notes" and (out / "mine" / "a.txt").read_text() == "a"
    assert (out / "link").is_symlink() and os.readlink(out / "link") == str(elsewhere)
    assert (out / "dangling").is_symlink() and not (out / "dangling").exists()
    assert (out / "hard").stat().st_ino == elsewhere.stat().st_ino
    assert stat.S_ISFIFO((out / "pipe").lstat().st_mode)
    assert (out / "added-during-the-build.txt").read_text() == "new"
    assert (out / "index.html").is_file() and _debris(out) == []


def test_a_site_built_before_the_marker_is_still_a_report(copy, capsys):
    nbs, out = copy
    (out / sitefolder.MARKER).unlink()
    code, err = _cli(capsys, nbs, out)
    assert code == 0, err
    assert "01-tiny.html" in json.loads((out / sitefolder.MARKER).read_text())["files"]


def test_a_site_built_before_the_marker_with_exercise_downloads_is_still_a_report(copy, capsys):
    # `make report` after `make exercises` puts the student notebooks and their zips into the site
    nbs, out = copy
    (out / sitefolder.MARKER).unlink()
    (out / "exercises").mkdir(exist_ok=True)
    (out / "exercises" / "01-bounds.ipynb").write_text("{}", encoding="utf-8")
    (out / "exercises" / "01-bounds-student.zip").write_bytes(b"PK")
    assert sitefolder.owned(out) is not None
    code, err = _cli(capsys, nbs, out)
    assert code == 0, err
    assert "kept" not in err  # all of it was the builder's: replaced, not kept as the user's


# --- timeouts -----------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("flag, says", [("--cell-timeout", "still running after {} s (--cell-timeout)"),
                                        ("--timeout", "took longer than {} s (--timeout)")], ids=["cell-timeout", "timeout"])
def test_a_hanging_cell_stops_the_build_naming_notebook_and_cell(copy, flag, says):
    """--cell-timeout counts from the cell's start, --timeout from the build's: on a loaded machine starting the
    kernel alone can use up a short --timeout ("stopped before any cell ran"). So --timeout's budget doubles from
    3 s until a try stops the build inside the cell; every try must stop with the timeout's message, exit 1 and
    leave the site as it was, and the one that reached the cell must name the notebook and the cell."""
    nbs, out = copy
    before = _snapshot(out)
    for seconds in (2,) if flag == "--cell-timeout" else (3, 6, 12, 24, 48, 96):
        with _building(nbs, out, flag, str(seconds)) as proc:
            _, err = _finish(proc, timeout=seconds + 120)
        assert proc.returncode == 1 and says.format(seconds) in err and "Traceback" not in err, err
        assert _snapshot(out) == before and _debris(out) == []
        if "before any cell ran" not in err:
            break
    assert "01-tiny.ipynb" in err and "cell 2 (code cell 1)" in err, err


# --- the exercises page ------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["parent", "absolute", "symlink"])
def test_exercise_paths_cannot_leave_the_exercises_folder(tmp_path, case):
    built, site = tmp_path / "built", tmp_path / "site"
    built.mkdir()
    site.mkdir()
    secret = tmp_path / "secret.ipynb"
    secret.write_text("not for the site")
    name = exercises.find_notebooks()[0].stem
    student = {"parent": "../secret.ipynb", "absolute": str(secret), "symlink": f"{name}/student/{name}.ipynb"}[case]
    if case == "symlink":
        (built / name / "student").mkdir(parents=True)
        (built / student).symlink_to(secret)
    (built / exercises.MANIFEST).write_text(json.dumps({name: {"student": student}}))
    with pytest.raises(ValueError, match="outside"):
        exercises.report_page(site, "", lambda *a: "", built=built)
    assert list(site.iterdir()) == []


def test_an_exercise_path_inside_the_folder_is_copied(tmp_path):
    built, site = tmp_path / "built", tmp_path / "site"
    name = exercises.find_notebooks()[0].stem
    (built / name / "student").mkdir(parents=True)
    (built / name / "student" / f"{name}.ipynb").write_text("student copy")
    (built / exercises.MANIFEST).write_text(json.dumps({name: {"student": f"{name}/student/{name}.ipynb"}}))
    site.mkdir()
    exercises.report_page(site, "", lambda *a: "", built=built)
    assert (site / "exercises" / f"{name}.ipynb").read_text() == "student copy"


def test_a_bad_exercise_path_fails_the_build_in_one_line(copy, capsys, monkeypatch):
    nbs, out = copy
    before = _snapshot(out)
    fake = out.parent / "checkout"
    (fake / exercises.DEFAULT_OUT).mkdir(parents=True)
    (fake / exercises.DEFAULT_OUT / exercises.MANIFEST).write_text(
        json.dumps({exercises.find_notebooks()[0].stem: {"student": "../../../../../../../../etc/passwd"}}))
    monkeypatch.setattr(exercises, "PACKAGE_PARENT", fake)
    monkeypatch.delenv("TOOLKIT_EXERCISES_DIR", raising=False)
    code, err = _cli(capsys, nbs, out)
    assert code == 1 and "outside" in _one_line_error(err)
    assert _snapshot(out) == before and _debris(out) == []


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_files_of_the_user_left_by_an_interrupted_swap_are_put_back(copy):
    _, out = copy
    old = out.parent / f".{out.name}.old-{_dead_pid()}"  # killed between moving the site aside and moving it back
    shutil.copytree(out, old)
    (old / "notes.txt").write_text("my notes")
    sitefolder.tidy(out)
    assert (out / "notes.txt").read_text() == "my notes" and not old.exists()


def test_a_file_of_the_user_named_like_a_new_page_stops_the_swap(copy):
    _, out = copy
    (out / "02-new.html").write_text("my page")
    before = _snapshot(out)
    tmp = sitefolder.start(out)
    try:
        (tmp / "02-new.html").write_text("a new chapter")
        with pytest.raises(sitefolder.BuildError, match="02-new.html is not the builder's"):
            sitefolder.swap(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    assert _snapshot(out) == before
