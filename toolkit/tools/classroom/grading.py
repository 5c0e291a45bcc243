"""Grade one submission in the sandbox: run it where no test exists, test its answers where it never ran.

1. The grader (this process) reads the autograder archive (after checking its checksum) into a
   private temporary folder: the tests go to one sub-folder, the notebook (from the submission's
   ``.ipynb``, or the one notebook of its ``.zip``) and the archive's data files to another.
2. **Run** (:mod:`~toolkit.tools.classroom.execute`), in a sandbox whose only writable folder is
   the notebook's copy and where neither the tests nor the archive exist: every cell, with a
   wall-clock limit per cell and memory, CPU and file-size limits; then each answer the tests take
   is saved (``answers.pkl``).
3. **Test** (:mod:`~toolkit.tools.classroom.checking`), in another sandbox, by a fresh process that
   never runs the notebook: otter's own test files on the saved answers. A question whose answer is
   a function is tested in a sandbox of its own, holding only that question's tests.
4. The notebook's code is also read for attempts on the grader (patching otter's ``Checker``,
   ``grader.check``, test results): such a submission scores 0 and is flagged ``tampered``.

Without a sandbox (``sandbox=False``, the CLI's ``--no-sandbox``) the same two steps run as plain
processes of the grading user: the tests are still run apart from the notebook, but the notebook can
read and change whatever that user can.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from toolkit.core.errors import ToolkitError
from toolkit.tools.classroom import sandbox as sb
from toolkit.tools.classroom.places import PACKAGE_PARENT

CELL_TIMEOUT = 60  # seconds per cell (so per question)
_ARCHIVE_OWN = {"run_autograder", "run_otter.py", "setup.sh", "environment.yml", "otter_config.json",
                "requirements.txt"}
MAX_SUBMISSION = 50 * 2**20  # bytes, unpacked


class GradingError(ToolkitError, RuntimeError):
    """Grading itself failed (not the student's answers): the environment, the archive or the file."""


class SandboxError(GradingError):
    """No sandbox can start here, and the teacher did not pass ``--no-sandbox``."""


def sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ----------------------------------------------------------------------------- reading the inputs

def unpack_archive(archive: Path, tests: Path, files: Path) -> None:
    """The archive's ``tests/*.py`` into ``tests``; its data files (``files:`` of the assignment)
    into ``files``; never otter's own scripts, the wheel, or a path leaving the folder."""
    tests.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():
            name = info.filename
            parts = Path(name).parts
            if info.is_dir() or name.startswith("/") or ".." in parts or name in _ARCHIVE_OWN or name.endswith(".whl"):
                continue
            if parts[0] == "tests":
                if len(parts) == 2 and name.endswith(".py"):
                    (tests / parts[1]).write_bytes(z.read(info))
                continue
            target = files / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(z.read(info))


def read_submission(submission: Path, dest: Path) -> Path:
    """Copy the submission's notebook into ``dest`` (from a zip: its one notebook, nothing else)."""
    if submission.suffix == ".zip":
        try:
            with zipfile.ZipFile(submission) as z:
                books = [i for i in z.infolist() if i.filename.endswith(".ipynb") and not i.is_dir()
                         and "__MACOSX" not in i.filename and ".ipynb_checkpoints" not in i.filename]
                if len(books) != 1:
                    raise GradingError(f"{submission}: the zip should hold one notebook, it holds {len(books)}")
                if books[0].file_size > MAX_SUBMISSION:
                    raise GradingError(f"{submission}: the notebook is larger than {MAX_SUBMISSION >> 20} MB")
                data = z.read(books[0])
                name = Path(books[0].filename).name
        except zipfile.BadZipFile:
            raise GradingError(f"{submission}: not a zip file") from None
    else:
        if submission.stat().st_size > MAX_SUBMISSION:
            raise GradingError(f"{submission}: the notebook is larger than {MAX_SUBMISSION >> 20} MB")
        data, name = submission.read_bytes(), submission.name
    try:
        nb = json.loads(data.decode("utf-8"))
        if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
            raise ValueError("no cells")
    except (UnicodeDecodeError, ValueError) as e:
        raise GradingError(f"{submission}: not a notebook ({e})") from None
    target = dest / (name if re.fullmatch(r"[\w.\- ]+\.ipynb", name) else "submission.ipynb")
    target.write_bytes(data)
    return target


def answer_names(tests: Path) -> dict[str, list[str]]:
    """``{question: [variable names its test functions take]}`` from otter's test files."""
    out = {}
    for path in sorted(tests.glob("*.py")):
        names = []
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.decorator_list:
                names += [a.arg for a in node.args.args + node.args.kwonlyargs if a.arg not in names]
        out[path.stem] = names
    return out


_PATCH = re.compile(r"\b(Checker|TestFile|ExceptionTestFile|TestCaseResult|GradingResults|test_case|"
                    r"otter\.[\w.]*\s*=[^=]|grader\.\w+\s*=[^=]|setattr\(\s*(otter|grader)\b|sys\.modules\[\s*['\"]otter|"
                    r"__toolkit_dump|audithook)")


def _without_comments(src: str) -> str:
    import io
    import tokenize

    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(src).readline) if t.type != tokenize.COMMENT]
        return tokenize.untokenize(tokens)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return "\n".join(ln for ln in src.splitlines() if not ln.lstrip().startswith("#"))


def tampering(notebook: Path) -> list[str]:
    """Cells of the notebook that reach for the grader: otter's checker, test files or results,
    ``grader.check`` replaced, the answer dump. (The scores never come from the notebook's process;
    this flags the attempt.)"""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    found = []
    for i, cell in enumerate(nb.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else str(src)
        m = _PATCH.search(_without_comments(src))
        if m:
            found.append(f"cell {i} reaches for the grader ({m.group(0).strip()[:40]!r})")
    return found


# ----------------------------------------------------------------------------- the two steps

def _env(sandboxed: bool) -> dict:
    from toolkit.tools.classroom.places import kernel_env

    base = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "MPLBACKEND": "Agg"}
    if not sandboxed:
        base = {**kernel_env(), "MPLBACKEND": "Agg"}
        return base
    base.update(PYTHONPATH=str(PACKAGE_PARENT), PYDEVD_DISABLE_FILE_VALIDATION="1", IPYTHONDIR="/tmp/.ipython",
                JUPYTER_RUNTIME_DIR="/tmp/.jupyter", MPLCONFIGDIR="/tmp/.mpl", XDG_CACHE_HOME="/tmp/.cache",
                PYTHONDONTWRITEBYTECODE="1")
    return base


def _check(tests: Path, answers: Path, work: Path, *, allow_code: bool, sandboxed: bool, limits: sb.Limits,
           timeout: float) -> dict:
    nonce = secrets.token_hex(16)
    argv = [sys.executable, "-m", "toolkit.tools.classroom.checking", str(tests), str(answers),
            *(["--allow-code"] if allow_code else [])]
    try:
        proc = sb.run(argv, writable=work, timeout=timeout, sandbox=sandboxed, env=_env(sandboxed), limits=limits,
                      input=nonce + "\n")
    except subprocess.TimeoutExpired:
        return {"error": f"the tests took longer than {timeout:g} s"}
    mark = f"@@RESULT-{nonce}@@"
    found = [ln[len(mark):] for ln in proc.stdout.splitlines() if ln.startswith(mark)]
    if len(found) != 1:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
        return {"error": f"the tests did not finish (exit {proc.returncode}): {tail[-500:]}"}
    return json.loads(found[0])


def grade_one(submission: str | Path, autograder: str | Path, *, sandbox: bool = True,
              cell_timeout: float = CELL_TIMEOUT, timeout: float = 900, checksum: str | None = None,
              limits: sb.Limits = sb.Limits()) -> dict:
    """Grade one notebook or zip with an autograder archive (see the module's docstring). Returns
    ``{"total", "possible", "error", "sandbox", "guard": {"tampered": [...]}, "cells": [...],
    "unreadable": {...}, "questions": {q: {"score", "possible", "test_case_results": [...]}}}``;
    raises :class:`GradingError` when the submission cannot be graded, :class:`SandboxError` when
    no sandbox can start."""
    submission, autograder = Path(submission), Path(autograder)
    if sandbox and (reason := sb.unavailable()):
        raise SandboxError(f"no grading sandbox: {reason}; install bubblewrap, or pass --no-sandbox to grade "
                           "with the teacher's rights (the gradebook will say so)")
    if checksum is not None and sha256(autograder) != checksum:
        raise GradingError(f"{autograder}: the archive changed since `make exercises` built it (checksum differs); "
                           "rebuild it before grading")
    with tempfile.TemporaryDirectory(prefix="toolkit-grade-") as tmp:
        tmp = Path(tmp)
        tests, run_dir, check_dir = tmp / "tests", tmp / "run", tmp / "check"
        run_dir.mkdir()
        check_dir.mkdir()
        try:
            unpack_archive(autograder, tests, run_dir)
        except (OSError, zipfile.BadZipFile) as e:
            raise GradingError(f"{autograder}: cannot read the autograder archive ({e})") from None
        notebook = read_submission(submission, run_dir)
        flags = tampering(notebook)
        if any("OK_FORMAT = True" in p.read_text(encoding="utf-8") for p in tests.glob("*.py")):
            return _beside(notebook, autograder, run_dir, flags, sandbox=sandbox, timeout=timeout, limits=limits)
        names = answer_names(tests)
        every = sorted({n for ns in names.values() for n in ns})
        argv = [sys.executable, "-m", "toolkit.tools.classroom.execute", str(notebook), str(run_dir),
                "--names", ",".join(every), "--cell-timeout", str(cell_timeout)]
        try:
            proc = sb.run(argv, writable=run_dir, timeout=timeout, sandbox=sandbox, env=_env(sandbox), limits=limits)
        except subprocess.TimeoutExpired:
            proc = None
        report_file = run_dir / "run.json"
        report = {}
        if report_file.is_file() and not report_file.is_symlink():
            try:
                report = json.loads(report_file.read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError):
                report = {}
        answers = check_dir / "answers.pkl"
        source = run_dir / "answers.pkl"
        if source.is_file() and not source.is_symlink():
            shutil.copyfile(source, answers)
        elif proc is None:
            raise GradingError(f"{submission}: the notebook did not finish in {timeout:g} s")
        else:
            tail = "\n".join((proc.stderr or "").strip().splitlines()[-3:])
            raise GradingError(f"{submission}: the notebook could not be run (exit {proc.returncode}): {tail[-400:]}")
        shutil.copytree(tests, check_dir / "tests")
        result = _check(check_dir / "tests", answers, check_dir, allow_code=False, sandboxed=sandbox, limits=limits,
                        timeout=timeout)
        if "error" in result and "questions" not in result:
            raise GradingError(f"{submission}: {result['error']}")
        code = set(_code_answers(answers))
        for q, ns in names.items():
            if code & set(ns):  # only that question's tests, in a sandbox of its own
                qdir = tmp / f"check-{q}"
                (qdir / "tests").mkdir(parents=True)
                shutil.copy(tests / f"{q}.py", qdir / "tests" / f"{q}.py")
                shutil.copyfile(answers, qdir / "answers.pkl")
                one = _check(qdir / "tests", qdir / "answers.pkl", qdir, allow_code=True, sandboxed=sandbox,
                             limits=limits, timeout=timeout)
                if q in one.get("questions", {}):
                    result["questions"][q] = one["questions"][q]
                else:
                    result["questions"][q]["error"] = one.get("error", "the tests did not finish")
                flags += [f"{q}: the answer tried {f}" for f in one.get("flags", [])]
    questions = result["questions"]
    total = round(sum(q["score"] for q in questions.values()), 6)
    possible = round(sum(q["possible"] for q in questions.values()), 6)
    return {"total": total, "possible": possible, "questions": questions, "error": result.get("error"),
            "sandbox": sandbox, "guard": {"tampered": flags}, "cells": report.get("cells", []),
            "gave_up": report.get("gave_up"), "unreadable": result.get("unreadable", {})}


def _beside(notebook: Path, autograder: Path, run_dir: Path, flags: list[str], *, sandbox: bool, timeout: float,
            limits: sb.Limits) -> dict:
    """Exercises whose tests are otter's OK format (doctests that read any variable and the files the
    notebook wrote) cannot be run apart from the notebook: otter grades a copy of the archive inside
    the sandbox, beside the notebook. The sandbox still holds it (files, processes, network, limits),
    but the scores come from the notebook's process: tampering is flagged by the code scan and the
    archive's Guard, not prevented. The result says ``"beside": True``."""
    nonce = secrets.token_hex(16)
    archive = run_dir / ".autograder.zip"
    shutil.copyfile(autograder, archive)
    script = _SCRIPT.replace("print(" + repr(_MARK), "print(NONCE_MARK").replace(
        "import json, sys\n", "import json, sys\nNONCE_MARK = '@@RESULT-' + sys.stdin.readline().strip() + '@@'\n", 1)
    argv = [sys.executable, "-c", script, str(notebook), str(archive)]
    try:
        proc = sb.run(argv, writable=run_dir, timeout=timeout, sandbox=sandbox, env=_env(sandbox), limits=limits,
                      input=nonce + "\n")
    except subprocess.TimeoutExpired:
        raise GradingError(f"{notebook.name}: grading took longer than {timeout:g} s") from None
    mark = f"@@RESULT-{nonce}@@"
    found = [ln[len(mark):] for ln in proc.stdout.splitlines() if ln.startswith(mark)]
    if len(found) != 1:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-5:])
        raise GradingError(f"{notebook.name}: grading failed (exit {proc.returncode}): {tail[-500:]}")
    result = json.loads(found[0])
    if set(result) == {"error"}:
        raise GradingError(f"{notebook.name}: {result['error']}")
    guard = result.get("guard") or {}
    flags = flags + [f"changed the tests: {t}" for t in guard.get("tampered") or []]
    questions = {q: {"score": v["score"], "possible": v["possible"], "test_case_results": v.get("test_case_results", [])}
                 for q, v in (result.get("questions") or {}).items()}
    return {"total": round(result["total"], 6), "possible": round(result["possible"], 6), "questions": questions,
            "error": result.get("error"), "sandbox": sandbox, "beside": True, "guard": {"tampered": flags},
            "cells": [], "gave_up": None, "unreadable": {}}


def _code_answers(answers: Path) -> list[str]:
    from toolkit.tools.classroom.checking import read_answers

    return list(read_answers(answers)["code"])


# ----------------------------------------------------------------------------- otter's own path

_MARK = "@@TOOLKIT-GRADE@@"
# Runs in a fresh process, in a fresh working folder: otter's own grading (`otter run`), unsandboxed.
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


def otter_run(submission: str | Path, autograder: str | Path, *, env: dict | None = None,
              executed: str | Path | None = None, timeout: int = 900) -> dict:
    """Grade one notebook exactly as ``otter run`` (and Gradescope) do, in a new process and a fresh
    folder, **without the sandbox**: for the teacher's own notebooks (solutions, a student copy) and
    for seeing what students see (``executed`` saves the executed notebook). Same result shape as
    :func:`grade_one`, without ``sandbox``/``cells``."""
    from toolkit.tools.classroom.places import kernel_env

    with tempfile.TemporaryDirectory(prefix="toolkit-otter-") as work:
        work = Path(work)
        (work / "tmp").mkdir()
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
