"""Grade a class: many submissions, each in the grading sandbox, into one gradebook.

``python -m toolkit grade EXERCISE SUBMISSIONS --out gradebook.csv`` grades every notebook or zip in
``SUBMISSIONS`` (a folder, or one file; a sub-folder holding one notebook or zip counts as one
student, named after the folder) with the exercise's autograder from ``build/exercises/``, two at a
time, after checking the archive against the checksum ``make exercises`` recorded. Each submission
runs in its own sandbox and its answers are tested in another process
(:mod:`~toolkit.tools.classroom.grading`). The gradebook has one row per student and question
(``student, question, score, possible, status, failed_checks``), scores rounded to two decimals,
text cells safe from spreadsheet formulas; the command prints the mean per question, the checks
failed most often and the submissions to look at.

>>> rows = grade_class("01", "submissions/", "gradebook.csv")        # doctest: +SKIP
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from toolkit.tools.classroom.grading import GradingError, SandboxError, grade_one, sha256  # noqa: F401 - re-exported

FIELDS = ["student", "question", "score", "possible", "status", "failed_checks"]
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A text cell a spreadsheet will not run as a formula (OWASP: a leading ``'`` before ``=``,
    ``+``, ``-``, ``@``, tab or carriage return); numbers are left as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def points(value):
    """A score as a gradebook shows it: at most two decimals, whole numbers without ``.0``
    (no ``1.7999999999999998``)."""
    if value is None or value == "":
        return value
    x = round(float(value), 2)
    return int(x) if x == int(x) else x


def find_submissions(folder: str | Path) -> dict[str, Path]:
    """``{student: file}`` for a folder of notebooks/zips (student = file name without extension) and
    of sub-folders holding one notebook or zip (student = folder name); or one file. Two submissions
    with the same student key (``alice.ipynb`` and ``alice.zip``, or ``alice/`` too) are both kept,
    each under its file name (``alice.ipynb``, ``alice.zip``), never one silently dropped."""
    folder = Path(folder)
    if folder.is_file():
        return {folder.stem: folder}
    if not folder.is_dir():
        raise FileNotFoundError(f"no submissions folder at {folder}")
    found: dict[str, list[tuple[str, Path]]] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_file() and entry.suffix in (".ipynb", ".zip"):
            found.setdefault(entry.stem, []).append((entry.name, entry))
        elif entry.is_dir():
            inside = sorted(p for p in entry.iterdir() if p.is_file() and p.suffix in (".ipynb", ".zip"))
            if len(inside) == 1:
                found.setdefault(entry.name, []).append((f"{entry.name}/{inside[0].name}", inside[0]))
            elif inside:
                raise FileNotFoundError(f"{entry}: several notebooks or zips ({', '.join(p.name for p in inside)}); keep one per student")
    if not found:
        raise FileNotFoundError(f"no notebooks (.ipynb) or zips in {folder}")
    out: dict[str, Path] = {}
    for key, entries in found.items():
        if len(entries) == 1:
            out[key] = entries[0][1]
        else:
            for label, path in entries:
                out[label] = path
    return out


def duplicates(students: dict[str, Path]) -> dict[str, list[str]]:
    """``{key: [other keys]}`` for submissions that share a student (``alice.ipynb``, ``alice/x.zip``)."""
    def person(key: str) -> str:
        return key.split("/", 1)[0].removesuffix(".ipynb").removesuffix(".zip")
    groups: dict[str, list[str]] = {}
    for key in students:
        groups.setdefault(person(key), []).append(key)
    return {k: [o for o in g if o != k] for g in groups.values() if len(g) > 1 for k in g}


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
                jobs: int = 2, timeout: int = 900, cell_timeout: float | None = None, sandbox: bool = True,
                echo=print) -> list[dict]:
    """Grade every submission (``jobs`` at a time) in the sandbox (:mod:`~toolkit.tools.classroom.grading`).

    Rows are appended to ``<out>.partial`` as each submission finishes (a crash keeps them); at the
    end the gradebook ``out`` is written at once, sorted by student. A submission that could not be
    graded gets ``status`` ``error: …``; one that reached for the grader scores 0 with ``tampered: …``.
    Raises :class:`SandboxError` (before grading anything) when no sandbox can start and ``sandbox``."""
    from concurrent.futures import as_completed

    from toolkit.tools.classroom import sandbox as sb
    from toolkit.tools.classroom.grading import CELL_TIMEOUT
    from toolkit.tools.classroom.places import DEFAULT_OUT, PACKAGE_PARENT

    built = Path(built) if built else PACKAGE_PARENT / DEFAULT_OUT
    name, archive, entry = _autograder(exercise, built)
    if sandbox and (reason := sb.unavailable()):
        raise SandboxError(f"cannot grade safely: no sandbox ({reason}); install bubblewrap (apt-get install bubblewrap), "
                           "or pass --no-sandbox to run the students' code with your rights")
    checksum = entry.get("autograder_sha256")
    if not checksum:
        raise GradingError(f"{built / 'exercises.json'}: no checksum for {archive.name}; rebuild the exercises "
                           "(python -m toolkit exercises --force) before grading")
    if sha256(archive) != checksum:
        raise GradingError(f"{archive}: the archive changed since it was built (checksum differs); rebuild it "
                           "(python -m toolkit exercises --force) before grading")
    students = find_submissions(submissions)
    twins = duplicates(students)
    questions = {q: v.get("points") for q, v in entry["questions"].items()}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    echo(f"grading {len(students)} submission(s) of {name} with {archive.name}, {jobs} at a time"
         + ("" if sandbox else " WITHOUT A SANDBOX (the students' code runs with your rights)")
         + f"; rows go to {partial} as they finish")

    def one(student: str, path: Path):
        start = time.monotonic()
        try:
            result = grade_one(path, archive, sandbox=sandbox, timeout=timeout, checksum=checksum,
                               cell_timeout=cell_timeout or CELL_TIMEOUT)
        except SandboxError:
            raise
        except GradingError as e:
            echo(f"  {student}: grading FAILED: {e}")
            return {"grading_error": str(e)}
        tampered = (result.get("guard") or {}).get("tampered")
        echo(f"  {student}: {points(result['total'])}/{points(sum(p or 0 for p in questions.values()))}"
             + (" (TAMPERING: score set to 0)" if tampered else "") + f" ({time.monotonic() - start:.0f} s)")
        return result

    rows_of: dict[str, list[dict]] = {}
    with open(partial, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        fh.flush()
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {pool.submit(one, s, p): s for s, p in students.items()}
            for future in as_completed(futures):
                student = futures[future]
                rows_of[student] = _rows(student, future.result(), questions, sandbox, twins.get(student, []))
                writer.writerows([{k: spreadsheet_safe(v) for k, v in r.items()} for r in rows_of[student]])
                fh.flush()
    rows = [r for student in students for r in rows_of[student]]
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows([{k: spreadsheet_safe(v) for k, v in r.items()} for r in rows])
    os.replace(tmp, out)
    partial.unlink()
    return rows


def _rows(student: str, result: dict, questions: dict, sandbox: bool, twins: list[str]) -> list[dict]:
    failed_to_grade = result.get("grading_error") or result.get("error")
    tampered = (result.get("guard") or {}).get("tampered")
    if failed_to_grade:
        status = "error: " + failed_to_grade.splitlines()[0]
    elif tampered:
        status = "tampered: " + "; ".join(tampered)[:300]
    else:
        status = "graded" if sandbox else "graded without sandbox"
    if twins:
        status += f" (same student as {', '.join(twins)})"
    rows = []
    for q, possible in questions.items():
        qres = (result.get("questions") or {}).get(q, {})
        failed = [c for c in qres.get("test_case_results", []) if not c.get("passed")]
        rows.append({
            "student": student, "question": q,
            "score": 0 if (tampered or failed_to_grade) else points(qres.get("score", 0)),
            "possible": points(possible if possible is not None else qres.get("possible")),
            "status": status,
            "failed_checks": "; ".join(c["test_case"].get("failure_message") or c["test_case"].get("name") or "?"
                                       for c in failed),
        })
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
    failed = Counter((r["question"], c) for r in rows if r["status"].startswith("graded")
                     for c in filter(None, r["failed_checks"].split("; ")))
    if failed:
        lines.append("most failed checks:")
        lines += [f"  {n} x {q}: {c}" for (q, c), n in failed.most_common(top)]
    if any(r["status"].startswith("graded without sandbox") for r in rows):
        lines.append("graded WITHOUT a sandbox (--no-sandbox): the students' code ran with your rights")
    flagged = sorted({(r["student"], r["status"]) for r in rows
                      if r["status"] not in ("graded", "graded without sandbox")})
    if flagged:
        lines.append("to look at:")
        lines += [f"  {s}: {st}" for s, st in flagged]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- command line

def cmd_grade(args) -> int:
    try:
        rows = grade_class(args.exercise, args.submissions, args.out, built=args.built, jobs=args.jobs,
                           timeout=args.timeout, cell_timeout=args.cell_timeout, sandbox=not args.no_sandbox)
    except (FileNotFoundError, GradingError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"\nwrote {args.out} ({len(rows)} rows)\n" + summary(rows))
    errors = sorted({r["student"] for r in rows if r["status"].startswith("error")})
    if errors:
        print(f"\ngrading failed for {len(errors)} submission(s): {', '.join(errors)} (see the status column)", file=sys.stderr)
        return 1
    return 0


def add_parser(sub) -> None:
    """Register ``python -m toolkit grade`` on an argparse sub-parsers object."""
    p = sub.add_parser("grade", help="grade a class's submissions of one exercise into a gradebook CSV (in a sandbox)",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("exercise", help="the exercise, e.g. 01 or 01-bounds (built by `make exercises`)")
    p.add_argument("submissions", help="folder of submissions (.ipynb or .zip, or one sub-folder per student), or one file")
    p.add_argument("--out", default="gradebook.csv", help="the gradebook CSV to write (folders are created; default gradebook.csv)")
    p.add_argument("--built", default=None, help="folder of built exercises (default: build/exercises)")
    p.add_argument("--jobs", type=int, default=2, help="submissions graded at once (default 2)")
    p.add_argument("--timeout", type=int, default=900, help="seconds allowed per submission (default 900)")
    p.add_argument("--cell-timeout", type=float, default=None,
                   help="seconds allowed per cell, so per question (default 60): a cell that runs longer is stopped")
    p.add_argument("--no-sandbox", action="store_true",
                   help="grade without the bubblewrap sandbox: the students' code runs with your rights (the gradebook says so)")
    p.set_defaults(fn=cmd_grade)
