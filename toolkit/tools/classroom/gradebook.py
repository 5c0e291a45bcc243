"""Grade a class: many submissions, each in a fresh working folder, into one gradebook.

``python -m toolkit grade EXERCISE SUBMISSIONS --out gradebook.csv`` grades every notebook or zip in
``SUBMISSIONS`` (a folder, or one file; a sub-folder holding one notebook or zip counts as one
student, named after the folder) with the exercise's autograder from ``build/exercises/``, two at a
time. Each submission gets its own new folder with a fresh copy of the autograder archive (so of the
tests), and otter runs there with the toolkit's :class:`~toolkit.tools.classroom.autograder.Guard` plugin: a
submission that rewrites the tests scores 0 and is reported as tampering. The gradebook has one row
per student and question (``student, question, score, possible, status, failed_checks``); the
command prints the mean per question and the checks failed most often.

>>> rows = grade_class("01", "submissions/", "gradebook.csv")        # doctest: +SKIP
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

_MARK = "@@TOOLKIT-GRADE@@"
# Runs in a fresh process, in the submission's own working folder: otter's own grading (`otter run`).
_SCRIPT = f"""
import json, sys
import nbformat
from otter.run import capture_run_output, main
with capture_run_output():
    try:
        r = main(sys.argv[1], autograder=sys.argv[2], output_dir=None, no_logo=True)
    except Exception as e:
        print({_MARK!r} + json.dumps({{"error": f"{{type(e).__name__}}: {{e}}"}}))
        raise SystemExit(0)
out = {{"total": r.total, "possible": r.possible, "questions": r.to_dict(),
       "error": None if r.catastrophic_error is None else repr(r.catastrophic_error),
       "guard": r.get_plugin_data("toolkit.tools.classroom.autograder.Guard")}}
if len(sys.argv) > 3:
    nbformat.write(r.notebook, sys.argv[3])
print({_MARK!r} + json.dumps(out, default=str))
"""


class GradingError(RuntimeError):
    """Grading itself failed (not the student's answers): the environment, the archive or the file."""


def grade_one(submission: str | Path, autograder: str | Path, *, work: str | Path | None = None,
              env: dict | None = None, executed: str | Path | None = None, timeout: int = 900) -> dict:
    """Grade one notebook or zip with an autograder archive, as ``otter run`` does, in a new process
    whose working folder (and temporary folder) is ``work`` (a fresh one by default). Returns
    ``{"total", "possible", "error", "guard": {"tampered": [...]}, "questions": {name: {"score",
    "possible", "test_case_results": [...]}}}``; raises :class:`GradingError` when grading fails."""
    from toolkit.tools.classroom.places import kernel_env

    fresh = work is None
    work = Path(tempfile.mkdtemp(prefix="toolkit-grade-")) if fresh else Path(work)
    try:
        (work / "tmp").mkdir(parents=True, exist_ok=True)
        sub = work / Path(submission).name
        shutil.copy(submission, sub)
        archive = work / "autograder.zip"
        shutil.copy(autograder, archive)
        run_env = dict(env or kernel_env())
        run_env["TMPDIR"] = str(work / "tmp")
        cmd = [sys.executable, "-c", _SCRIPT, str(sub.resolve()), str(archive.resolve())]
        if executed:
            cmd.append(str(Path(executed).resolve()))
        try:
            proc = subprocess.run(cmd, env=run_env, capture_output=True, text=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL, cwd=work)
        except subprocess.TimeoutExpired:
            raise GradingError(f"{submission}: grading took longer than {timeout} s") from None
        for line in proc.stdout.splitlines():
            if line.startswith(_MARK):
                result = json.loads(line[len(_MARK):])
                if set(result) == {"error"}:
                    raise GradingError(f"{submission}: {result['error']}")
                return result
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise GradingError(f"{submission}: grading failed (exit {proc.returncode}):\n{tail}")
    finally:
        if fresh:
            shutil.rmtree(work, ignore_errors=True)


def find_submissions(folder: str | Path) -> dict[str, Path]:
    """``{student: file}`` for a folder of notebooks/zips (student = file name without extension) and
    of sub-folders holding one notebook or zip (student = folder name); or one file."""
    folder = Path(folder)
    if folder.is_file():
        return {folder.stem: folder}
    if not folder.is_dir():
        raise FileNotFoundError(f"no submissions folder at {folder}")
    found: dict[str, Path] = {}
    for entry in sorted(folder.iterdir()):
        if entry.is_file() and entry.suffix in (".ipynb", ".zip"):
            found[entry.stem] = entry
        elif entry.is_dir() and not entry.name.startswith("."):
            inside = sorted(p for p in entry.iterdir() if p.suffix in (".ipynb", ".zip"))
            if len(inside) == 1:
                found[entry.name] = inside[0]
            elif inside:
                raise FileNotFoundError(f"{entry}: several notebooks or zips ({', '.join(p.name for p in inside)}); keep one per student")
    if not found:
        raise FileNotFoundError(f"no notebooks (.ipynb) or zips in {folder}")
    return found


def _autograder(exercise: str, built: Path) -> tuple[str, Path, dict]:
    from toolkit.tools.classroom.places import MANIFEST

    manifest_path = built / MANIFEST
    if not manifest_path.is_file():
        raise FileNotFoundError(f"no built exercises in {built}: run `make exercises` (python -m toolkit exercises) first")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    wanted = exercise.removesuffix(".ipynb")
    names = [n for n in manifest if n == wanted or (len(wanted) <= 2 and n[:2] == wanted.zfill(2))]
    if len(names) != 1 or not manifest[names[0]].get("autograder"):
        raise FileNotFoundError(f"no built exercise {exercise!r} in {built}; there are {sorted(manifest)}")
    entry = manifest[names[0]]
    return names[0], built / entry["autograder"], entry


def grade_class(exercise: str, submissions: str | Path, out: str | Path, *, built: str | Path | None = None,
                jobs: int = 2, timeout: int = 900, echo=print) -> list[dict]:
    """Grade every submission (``jobs`` at a time) and write the gradebook CSV ``out`` atomically.
    Returns its rows; a submission whose grading failed gets ``status`` ``error: …``."""
    from toolkit.tools.classroom.places import DEFAULT_OUT, PACKAGE_PARENT

    built = Path(built) if built else PACKAGE_PARENT / DEFAULT_OUT
    name, archive, entry = _autograder(exercise, built)
    students = find_submissions(submissions)
    questions = {q: v.get("points") for q, v in entry["questions"].items()}
    echo(f"grading {len(students)} submission(s) of {name} with {archive.name}, {jobs} at a time")

    def one(item):
        student, path = item
        start = time.monotonic()
        with tempfile.TemporaryDirectory(prefix=f"grade-{name}-") as work:
            try:
                result = grade_one(path, archive, work=work, timeout=timeout)
            except GradingError as e:
                echo(f"  {student}: grading FAILED: {e}")
                return student, {"grading_error": str(e)}
        tampered = (result.get("guard") or {}).get("tampered")
        echo(f"  {student}: {result['total']:g}/{sum(p or 0 for p in questions.values()):g}"
             + (" (TAMPERING: score set to 0)" if tampered else "") + f" ({time.monotonic() - start:.0f} s)")
        return student, result

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = dict(pool.map(one, students.items()))
    rows = []
    for student in students:
        result = results[student]
        failed_to_grade = result.get("grading_error") or result.get("error")
        tampered = (result.get("guard") or {}).get("tampered")
        for q, points in questions.items():
            qres = (result.get("questions") or {}).get(q, {})
            failed = [c for c in qres.get("test_case_results", []) if not c.get("passed")]
            status = ("error: " + failed_to_grade.splitlines()[0]) if failed_to_grade else ("tampered" if tampered else "graded")
            rows.append({
                "student": student, "question": q,
                "score": 0 if (tampered or failed_to_grade) else qres.get("score", 0),
                "possible": points if points is not None else qres.get("possible"),
                "status": status,
                "failed_checks": "; ".join(c["test_case"].get("failure_message") or c["test_case"].get("name") or "?" for c in failed),
            })
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["student", "question", "score", "possible", "status", "failed_checks"])
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, out)
    return rows


def summary(rows: list[dict], top: int = 5) -> str:
    """Mean score per question, the checks failed most often, and the submissions to look at."""
    lines, by_q = [], {}
    for r in rows:
        by_q.setdefault(r["question"], []).append(r)
    lines.append("mean per question (submissions that could not be graded left out):")
    for q, rs in by_q.items():
        scores = [float(r["score"] or 0) for r in rs if not r["status"].startswith("error")] or [0.0]
        possible = rs[0]["possible"] or 0
        lines.append(f"  {q}: {sum(scores) / len(scores):.2f} / {possible:g}"
                     f"  ({sum(1 for s in scores if s >= possible)} of {len(scores)} full marks)")
    failed = Counter((r["question"], c) for r in rows if r["status"] == "graded"
                     for c in filter(None, r["failed_checks"].split("; ")))
    if failed:
        lines.append("most failed checks:")
        lines += [f"  {n} x {q}: {c}" for (q, c), n in failed.most_common(top)]
    flagged = sorted({(r["student"], r["status"]) for r in rows if r["status"] != "graded"})
    if flagged:
        lines.append("to look at:")
        lines += [f"  {s}: {st}" for s, st in flagged]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- command line

def cmd_grade(args) -> int:
    try:
        rows = grade_class(args.exercise, args.submissions, args.out, built=args.built, jobs=args.jobs, timeout=args.timeout)
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"\nwrote {args.out} ({len(rows)} rows)\n" + summary(rows))
    errors = sorted({r["student"] for r in rows if r["status"].startswith("error")})
    if errors:
        print(f"\ngrading failed for {len(errors)} submission(s): {', '.join(errors)} (see the status column)", file=sys.stderr)
        return 1
    return 0


def add_parser(sub) -> None:
    """Register ``python -m toolkit grade`` on an argparse sub-parsers object."""
    p = sub.add_parser("grade", help="grade a class's submissions of one exercise into a gradebook CSV",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("exercise", help="the exercise, e.g. 01 or 01-bounds (built by `make exercises`)")
    p.add_argument("submissions", help="folder of submissions (.ipynb or .zip, or one sub-folder per student), or one file")
    p.add_argument("--out", default="gradebook.csv", help="the gradebook CSV to write (folders are created; default gradebook.csv)")
    p.add_argument("--built", default=None, help="folder of built exercises (default: build/exercises)")
    p.add_argument("--jobs", type=int, default=2, help="submissions graded at once (default 2)")
    p.add_argument("--timeout", type=int, default=900, help="seconds allowed per submission (default 900)")
    p.set_defaults(fn=cmd_grade)
