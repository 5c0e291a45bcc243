"""Build the classroom exercises: student notebooks and autograders, from the instructor notebooks.

The instructor notebooks in ``notebooks/exercises/`` (``01-bounds.ipynb`` …) follow otter-grader's
assign format v1: a first raw cell ``# ASSIGNMENT CONFIG``, and per question ``# BEGIN QUESTION`` /
``# BEGIN SOLUTION`` / ``# BEGIN TESTS`` raw cells, with hidden tests marked by a
``""\" # BEGIN TEST CONFIG`` header. ``python -m toolkit exercises`` runs ``otter assign`` on each of
them (offline; otter also grades the solutions against every public and hidden test), audits each
student copy for leaked solutions or hidden tests, and moves the results into ``build/exercises/``
only when every exercise succeeded::

    build/exercises/01-bounds/student/01-bounds.ipynb        hand this to students
    build/exercises/01-bounds/autograder/01-bounds-autograder_<time>.zip   grade with otter
    build/exercises/exercises.json                          what was built (questions, points, time)

Nothing here is imported by ``import toolkit``; otter is imported only inside functions (and in the
subprocesses this module starts).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from toolkit.tools.classroom.masters import (  # noqa: F401 - re-exported for callers and tests
    _MARKERS, _RAW_BLOCK, _TEST_CONFIG, _read, _source, _statements, audit_student, describe_master,
)
from toolkit.core.errors import InputError
from toolkit.tools.classroom.places import (  # noqa: E402,F401 - re-exported for callers and tests
    DEFAULT_OUT, MANIFEST, PACKAGE_PARENT, PATTERN, SOURCE_DIR, kernel_env,
)

ASSIGN_TIMEOUT = 900  # seconds per notebook

# ----------------------------------------------------------------------------- environment

def find_notebooks(src: str | Path | None = None, only: list[str] | None = None) -> list[Path]:
    """The instructor notebooks (``NN-name.ipynb``) in ``src``, sorted; ``only`` picks some by stem or number."""
    folder = Path(src) if src else SOURCE_DIR
    if not folder.is_dir():
        raise FileNotFoundError(f"no exercises folder at {folder}: the instructor notebooks live in the project's "
                                "notebooks/exercises/, which an installed package does not carry; run from a checkout "
                                "of the project or pass --src DIR")
    found = sorted(folder.glob(PATTERN))
    if only:
        wanted = {w.removesuffix(".ipynb") for w in only}
        picked = [p for p in found if p.stem in wanted or p.stem[:2] in wanted]
        missing = wanted - {p.stem for p in picked} - {p.stem[:2] for p in picked}
        if missing:
            raise FileNotFoundError(f"no exercise {sorted(missing)} in {folder}; there are {[p.stem for p in found]}")
        found = picked
    if not found:
        raise FileNotFoundError(f"no instructor notebooks ({PATTERN}) in {folder}")
    return found


# ----------------------------------------------------------------------------- building

@dataclass
class Outcome:
    """How one exercise built: ``ok``, seconds, and a message naming the notebook when it failed."""

    name: str
    ok: bool
    seconds: float
    message: str = ""

    def __str__(self) -> str:
        head = f"{self.name}: {'ok' if self.ok else 'FAILED'} ({self.seconds:.0f} s)"
        return head + (f"\n{self.message}" if self.message else "")


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def assign(master: Path, dest: Path, *, run_tests: bool = True, timeout: int = ASSIGN_TIMEOUT,
           wheel: Path | None = None) -> Outcome:
    """Run ``otter assign`` on one instructor notebook into ``dest`` (a fresh folder), audit the student
    copy, zip the student folder (notebook and data files) and, given the toolkit ``wheel``, make the
    autograder archive self-contained (:func:`toolkit.tools.classroom.autograder.make_self_contained`)."""
    master, dest = Path(master).resolve(), Path(dest).resolve()
    cmd = [sys.executable, "-m", "otter", "assign", "--no-pdfs", *([] if run_tests else ["--no-run-tests"]),
           str(master), str(dest)]
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=master.parent, env=kernel_env(), capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return Outcome(master.stem, False, time.monotonic() - start,
                       f"  {master.name}: otter assign took longer than {timeout} s")
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        log = "\n".join(ln for ln in (proc.stdout + "\n" + proc.stderr).splitlines()
                        if "Kernel is running over TCP without encryption" not in ln)
        return Outcome(master.stem, False, seconds,
                       f"  {master.name}: otter assign failed (exit {proc.returncode}); its last lines:\n"
                       + "\n".join("    " + ln for ln in _tail(log).splitlines()))
    problems = audit_student(master, dest / "student")
    if problems:
        return Outcome(master.stem, False, seconds, f"  {master.name}: the student copy is not clean:\n"
                       + "\n".join("    - " + p for p in problems))
    _zip_folder(dest / "student", dest / f"{master.stem}-student.zip", root=master.stem)
    if wheel is not None:
        from toolkit.tools.classroom import autograder

        code = "\n".join(_source(c) for c in _read(master)["cells"] if c["cell_type"] == "code")
        for archive in (dest / "autograder").glob(f"{master.stem}-autograder_*.zip"):
            autograder.make_self_contained(archive, wheel, autograder.extras_for(code))
    return Outcome(master.stem, True, time.monotonic() - start)


def _zip_folder(folder: Path, target: Path, *, root: str) -> None:
    """Zip ``folder`` into ``target`` under the top folder ``root`` (what a student downloads and unzips)."""
    import zipfile

    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.name != ".OTTER_LOG":
                z.write(path, f"{root}/{path.relative_to(folder).as_posix()}")


def fingerprint(master: Path) -> str:
    """What an exercise's build depends on: its notebook and data files, the toolkit (code, data,
    geo files in toolkit/geo/files, pyproject) and otter's version. Same fingerprint, same build."""
    import hashlib

    from importlib.metadata import version

    otter_version = version("otter-grader")

    h = hashlib.sha256(f"otter {otter_version}\n".encode())
    files = [master, *sorted((master.parent / "data").rglob("*")), PACKAGE_PARENT / "pyproject.toml",
             *sorted((PACKAGE_PARENT / "toolkit").rglob("*"))]  # toolkit/geo/files too
    for f in files:
        if f.is_file() and "__pycache__" not in f.parts:
            h.update(f"{f.relative_to(PACKAGE_PARENT) if f.is_relative_to(PACKAGE_PARENT) else f.name}\n".encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def _manifest_entry(master: Path, target: Path) -> dict:
    info = describe_master(master)
    zips = sorted((target / "autograder").glob(f"{master.stem}-autograder_*.zip"))
    return {
        "title": _title(master),
        "time": info["time"],
        "student": str(Path(master.stem) / "student" / master.name),
        "student_zip": str(Path(master.stem) / f"{master.stem}-student.zip"),
        "autograder": str(Path(master.stem) / "autograder" / zips[-1].name) if zips else None,
        "autograder_sha256": _sha256(zips[-1]) if zips else None,  # checked before every grading
        "questions": info["questions"],
        "fingerprint": fingerprint(master),
    }


def _sha256(path: Path) -> str:
    from toolkit.tools.classroom.grading import sha256

    return sha256(path)


def _title(master: Path) -> str:
    for cell in _read(master)["cells"]:
        if cell["cell_type"] == "markdown":
            m = re.search(r"^#\s+(.+)$", _source(cell), re.M)
            if m:
                return m.group(1).strip()
    return master.stem


def build(out: str | Path = DEFAULT_OUT, src: str | Path | None = None, *, only: list[str] | None = None,
          jobs: int | None = None, run_tests: bool = True, force: bool = False, echo=print) -> list[Outcome]:
    """Assign the instructor notebooks (two at a time) into a staging folder beside ``out``; move the
    results into ``out/<name>/`` only if every exercise succeeded (otherwise ``out`` is left as it was).
    An exercise whose :func:`fingerprint` matches its entry in ``out/exercises.json`` is reused, not
    rebuilt, unless ``force``."""
    masters = find_notebooks(src, only)
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    manifest_path = out / MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {}
    todo, outcomes = [], []
    for master in masters:
        entry = manifest.get(master.stem) or {}
        fresh = (not force and run_tests and entry.get("fingerprint") == fingerprint(master)
                 and entry.get("autograder") and (out / entry["autograder"]).is_file()
                 and entry.get("autograder_sha256")
                 and (out / entry.get("student_zip", "-")).is_file())
        if fresh:
            outcomes.append(Outcome(master.stem, True, 0.0, "  unchanged: reused the previous build"))
            echo(str(outcomes[-1]))
        else:
            todo.append(master)
    if not todo:
        return outcomes
    jobs = jobs or max(1, min(2, os.cpu_count() or 1, len(todo)))
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-staging-", dir=out.parent))
    try:
        from toolkit.tools.classroom import autograder

        wheel = autograder.build_wheel(staging / "wheel")

        def one(master: Path) -> Outcome:
            outcome = assign(master, staging / master.stem, run_tests=run_tests, wheel=wheel)
            echo(str(outcome))
            return outcome

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            built = list(pool.map(one, todo))
        outcomes += built
        if all(o.ok for o in built):
            out.mkdir(parents=True, exist_ok=True)
            for master in todo:
                target = out / master.stem
                if target.exists():
                    shutil.rmtree(target)
                os.replace(staging / master.stem, target)
                manifest[master.stem] = _manifest_entry(master, target)
                if not run_tests:
                    manifest[master.stem]["fingerprint"] = None  # never reuse an untested build
            manifest = dict(sorted(manifest.items()))
            tmp = manifest_path.with_name(MANIFEST + ".tmp")
            tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            os.replace(tmp, manifest_path)
        return outcomes
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# ----------------------------------------------------------------------------- grading and running

def grade(submission: str | Path, autograder: str | Path, *, env: dict | None = None,
          executed: str | Path | None = None, timeout: int = ASSIGN_TIMEOUT) -> dict:
    """Grade one notebook with an autograder zip, as ``otter run`` does (every public and hidden test),
    in a new process and a fresh working folder, *not sandboxed*: for the teacher's own notebooks
    (students' submissions go through :func:`toolkit.tools.classroom.grading.grade_one`). Returns
    ``{"total", "possible", "error", "guard", "questions": {name: {"score", "possible",
    "test_case_results": [{"passed", "message", "test_case": {"hidden", ...}}]}}}``; ``executed``
    saves the executed notebook."""
    from toolkit.tools.classroom.grading import otter_run

    return otter_run(submission, autograder, env=env, executed=executed, timeout=timeout)


def failed_cases(result: dict, question: str) -> list[dict]:
    """The failed test cases of one question in a :func:`grade` result."""
    q = result["questions"].get(question, {})
    return [c for c in q.get("test_case_results", []) if not c.get("passed")]


def run_notebook(path: str | Path, *, timeout: int = 600, env: dict | None = None) -> dict:
    """Execute a notebook in place with nbclient (its folder as working directory), as a student's
    "Run all" would, and return the executed notebook (errors are kept in the outputs, not raised)."""
    import nbformat
    from nbclient import NotebookClient

    path = Path(path).resolve()
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, allow_errors=True, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute(env=env or kernel_env(), cwd=str(path.parent))
    nbformat.write(nb, path)
    return nb


def student_lab(built: str | Path, dest: str | Path) -> list[str]:
    """Unpack every built student folder (notebook and data files) into ``dest/<name>/`` for a
    student's JupyterLab; an exercise already there is left alone (it holds the student's work).
    Returns the names unpacked now."""
    import zipfile

    built, dest = Path(built), Path(dest)
    manifest = json.loads((built / MANIFEST).read_text(encoding="utf-8"))
    added = []
    for name, entry in manifest.items():
        bundle = built / entry.get("student_zip", "-")
        if (dest / name).exists() or not bundle.is_file():
            continue
        dest.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(bundle) as z:
            z.extractall(dest)
        added.append(name)
    return added


# ----------------------------------------------------------------------------- command line

def cmd_exercises(args) -> int:
    import importlib.util

    if importlib.util.find_spec("otter") is None:  # (importing otter itself takes seconds)
        print("otter-grader is not installed: pip install -e '.[exercises]' (or `make setup`)", file=sys.stderr)
        return 2
    try:
        masters = find_notebooks(args.src, args.only)
    except FileNotFoundError as e:
        print(e, file=sys.stderr)
        return 2
    out = Path(args.out)
    print(f"building {len(masters)} exercise(s) from {masters[0].parent} into {out}"
          + ("" if not args.no_run_tests else " (without running the tests)"))
    start = time.monotonic()
    outcomes = build(out, args.src, only=args.only, jobs=args.jobs, run_tests=not args.no_run_tests,
                     force=getattr(args, "force", False))
    failed = [o for o in outcomes if not o.ok]
    if failed:
        print(f"\n{len(failed)} exercise(s) failed: {', '.join(o.name + '.ipynb' for o in failed)}; "
              f"{out} was left unchanged", file=sys.stderr)
        return 1
    reused = sum(1 for o in outcomes if "reused" in o.message)
    print(f"\n{len(outcomes)} exercise(s) ready in {time.monotonic() - start:.0f} s ({len(outcomes) - reused} built, "
          f"{reused} unchanged and reused): student notebooks in "
          f"{out}/<name>/student/, autograders in {out}/<name>/autograder/ (see {out / MANIFEST})")
    if getattr(args, "student_lab", None):
        added = student_lab(out, args.student_lab)
        print(f"student copies in {args.student_lab}/: " + (", ".join(added) + " added" if added else "nothing new")
              + " (existing folders are kept: they hold the student's work)")
    return 0


def add_parser(sub) -> None:
    """Register ``python -m toolkit exercises`` on an argparse sub-parsers object."""
    p = sub.add_parser("exercises", help="build student notebooks and autograders (otter-grader) from notebooks/exercises/",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=str(DEFAULT_OUT), help=f"output folder (default: {DEFAULT_OUT})")
    p.add_argument("--src", default=None, help="folder of instructor notebooks (default: notebooks/exercises/)")
    p.add_argument("--only", nargs="+", metavar="NAME", help="build only these exercises (e.g. 01-bounds or 01)")
    p.add_argument("--jobs", type=int, default=None, help="notebooks assigned in parallel (default: 2 at most)")
    p.add_argument("--no-run-tests", action="store_true", help="do not grade the solutions while assigning (faster, unsafe)")
    p.add_argument("--student-lab", metavar="DIR", default=None,
                   help="also unpack the student notebooks and data into DIR/<name>/ (never the solutions; existing folders kept)")
    p.add_argument("--force", action="store_true", help="rebuild every exercise, even those unchanged since the last build")
    p.set_defaults(fn=cmd_exercises)


# ----------------------------------------------------------------------------- report site

def report_page(site: Path, footer: str, shell, built: str | Path | None = None) -> tuple[str, str]:
    """Write the report site's ``exercises.html``: every exercise with its time and questions, linking
    the student notebooks (copied into ``site/exercises/``) when ``make exercises`` has built them (in
    ``built``, else ``$TOOLKIT_EXERCISES_DIR``, else the project's ``build/exercises``).

    Raises :class:`~toolkit.InputError` when ``exercises.json`` is damaged or a path in it leads out of ``built``
    (``..``, absolute, a symlink)."""
    from html import escape

    built = Path(built or os.environ.get("TOOLKIT_EXERCISES_DIR") or PACKAGE_PARENT / DEFAULT_OUT).resolve()
    manifest = {}
    if (built / MANIFEST).is_file():
        try:
            manifest = json.loads((built / MANIFEST).read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise InputError(f"{built / MANIFEST}: not a manifest the exercise builder wrote ({e}); run `make exercises` "
                             "again") from None
        if not isinstance(manifest, dict):
            raise InputError(f"{built / MANIFEST}: not a manifest the exercise builder wrote; run `make exercises` again")
    rows, copies, zips = [], {}, {}
    for master in find_notebooks():  # every path first: nothing is copied if one leads out of the folder
        entry = manifest.get(master.stem) or {}
        for key, found in (("student", copies), ("student_zip", zips)):
            if entry.get(key):
                path = (built / str(entry[key])).resolve()  # ``..``, absolute paths and symlinks resolved
                if not path.is_relative_to(built):
                    raise InputError(f"{built / MANIFEST}: {master.stem}: {key.replace('_', ' ')} {entry[key]!r} is "
                                     f"outside {built}; nothing was copied (run `make exercises` again)")
                found[master.stem] = path
    for master in find_notebooks():
        info, student = describe_master(master), copies.get(master.stem)
        points = sum(q.get("points") or 0 for q in info["questions"].values())
        link = ""
        if student and student.is_file():
            (site / "exercises").mkdir(exist_ok=True)
            shutil.copy(student, site / "exercises" / master.name)
            link = f'<a href="exercises/{escape(master.name)}" download>student notebook</a>'
            bundle = zips.get(master.stem)  # the notebook with its data files
            if bundle is not None and bundle.is_file():
                shutil.copy(bundle, site / "exercises" / bundle.name)
                link = (f'<a href="exercises/{escape(bundle.name)}" download>notebook and data (zip)</a> · ' + link)
        rows.append(f"<tr><td>{escape(_title(master))}</td><td>{escape(info['time'] or '')}</td>"
                    f"<td>{len(info['questions'])} questions, {points:g} points</td><td>{link or 'not built'}</td></tr>")
    how = ("" if manifest else "<p><b>The student notebooks are not built yet:</b> run <code>make exercises</code>, "
           "then <code>make report</code>.</p>")
    body = ("<h1>Exercises</h1><p>Autograded notebooks for class (otter-grader). Students open a notebook in "
            "JupyterLab (<code>make lab-student</code>, or the zip below) and run <code>grader.check(\"q1\")</code> for feedback on each "
            "question; teachers grade with the autograder archives in <code>build/exercises/</code>. "
            "See <code>notebooks/exercises/README.md</code>.</p>" + how +
            "<table><tr><th>exercise</th><th>time</th><th>questions</th><th>download</th></tr>" + "".join(rows) + "</table>")
    (site / "exercises.html").write_text(shell("Exercises", body, footer), encoding="utf-8")
    return "exercises.html", "Exercises: autograded notebooks for class"
