"""Read the instructor notebooks (otter's assign format v1) and audit the student copies built from them."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

_MARKERS = re.compile(
    r"#\s*(BEGIN|END)\s+(SOLUTION|PROMPT|TESTS|QUESTION)\b|#\s*SOLUTION\s*$|#\s*(BEGIN|END)\s+TEST\s+CONFIG|#\s*ASSIGNMENT\s+CONFIG",
    re.IGNORECASE | re.MULTILINE,
)
_RAW_BLOCK = re.compile(r"#\s+(begin|end)\s+(question|solution|tests|prompt)\b", re.IGNORECASE)
_TEST_CONFIG = re.compile(r'(?:.\s*=\s*)?""?"?\s*#\s*BEGIN\s*TEST\s*CONFIG', re.IGNORECASE)



# ----------------------------------------------------------------------------- reading masters

def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _read(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _statements(code: str) -> set[str]:
    """Each statement of ``code`` (top level and inside function bodies) in ``ast.unparse`` form, as
    otter stores tests; bare strings (test configs, docstrings) and ``def`` lines are left out."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt) or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            continue
        found.add(ast.unparse(node))
    return found


def describe_master(path: Path) -> dict:
    """What an instructor notebook holds: its config, questions (points, public and hidden test
    cells), the solution lines and the time estimate, read from the otter v1 block structure."""
    nb = _read(path)
    cells = nb["cells"]
    info = {"name": path.stem, "config": None, "time": None, "questions": {}, "solution_lines": [],
            "hidden_code": [], "public_code": [], "outside_code": []}
    if cells and cells[0]["cell_type"] == "raw" and re.match(r"#\s*ASSIGNMENT\s+CONFIG", _source(cells[0]), re.I):
        info["config"] = _source(cells[0])
    stack, question = [], None
    for cell in cells:
        src = _source(cell)
        m = _RAW_BLOCK.match(src) if cell["cell_type"] == "raw" else None
        if m:
            kind, block = m.group(1).lower(), m.group(2).lower()
            if kind == "begin":
                stack.append(block)
                if block == "question":
                    import yaml

                    conf = yaml.safe_load(src.split("\n", 1)[1] if "\n" in src else "") or {}
                    question = conf.get("name")
                    info["questions"][question] = {"points": conf.get("points"), "public": 0, "hidden": 0}
            elif stack and stack[-1] == block:
                stack.pop()
                if block == "question":
                    question = None
            continue
        if cell["cell_type"] == "markdown" and info["time"] is None:
            t = re.search(r"\*\*Time:\*\*\s*([^·\n]+)", src)
            if t:
                info["time"] = t.group(1).strip()
        if cell["cell_type"] != "code":
            continue
        if stack and stack[-1] == "tests":
            hidden = bool(_TEST_CONFIG.match(src) and re.search(r"^\s*hidden:\s*true\s*$", src, re.I | re.M))
            info["questions"][question]["hidden" if hidden else "public"] += 1
            info["hidden_code" if hidden else "public_code"].append(src)
        elif stack and stack[-1] == "solution":
            inside, kept = False, []
            for line in src.splitlines():
                s = line.strip()
                if re.match(r"#\s*BEGIN SOLUTION", s):
                    inside = True
                elif re.match(r"#\s*END SOLUTION", s):
                    inside = False
                elif inside or re.search(r"#\s*SOLUTION\s*$", line):
                    info["solution_lines"].append(s)
                elif not re.match(r"#\s*(BEGIN|END) PROMPT", s):
                    kept.append(line)
            info["outside_code"].append("\n".join(kept))
        else:
            info["outside_code"].append(src)
    return info


# ----------------------------------------------------------------------------- audit

def audit_student(master: str | Path, student_dir: str | Path) -> list[str]:
    """Problems with a student copy: solutions, hidden tests, otter markers or outputs that leaked.

    Returns an empty list for a clean copy.
    """
    master, student_dir = Path(master), Path(student_dir)
    info = describe_master(master)
    nb_path = student_dir / master.name
    if not nb_path.is_file():
        return [f"{master.stem}: the student notebook {nb_path} is missing"]
    nb = _read(nb_path)
    problems = []
    where = f"{master.stem} (student copy)"
    sources = [_source(c) for c in nb["cells"]]
    for i, (cell, src) in enumerate(zip(nb["cells"], sources), start=1):
        if _MARKERS.search(src):
            problems.append(f"{where}: cell {i} still has an otter marker: {_MARKERS.search(src).group(0)!r}")
        if cell.get("outputs"):
            problems.append(f"{where}: cell {i} has outputs")
    # solution lines (long enough to be specific, and not also written outside a solution)
    outside = "\n".join(info["outside_code"]) + "\n" + "\n".join(info["public_code"])
    outside_lines = {s.strip() for s in outside.splitlines()}
    student_lines = {line.strip() for src in sources for line in src.splitlines()}
    for line in info["solution_lines"]:
        if len(line) >= 12 and line not in outside_lines and line in student_lines:
            problems.append(f"{where}: a solution line leaked: {line[:80]!r}")
    # tests shipped to students: only public cases, and none of the hidden statements
    hidden = set().union(*(map(_statements, info["hidden_code"]))) if info["hidden_code"] else set()
    public = set().union(*(map(_statements, info["public_code"]))) if info["public_code"] else set()
    visible = set().union(*(map(_statements, info["outside_code"]))) if info["outside_code"] else set()
    secret = {s for s in hidden - public - visible if len(s) >= 12}
    shipped = []
    tests = nb.get("metadata", {}).get("otter", {}).get("tests", {})
    for qname, test in tests.items():
        if isinstance(test, str):  # exception-based test file (otter ``tests: ok_format: false``)
            if re.search(r"hidden\s*=\s*True", test):
                problems.append(f"{where}: question {qname} ships a hidden test case")
            shipped.append(test)
            continue
        for suite in test.get("suites", []):
            for case in suite.get("cases", []):
                if case.get("hidden"):
                    problems.append(f"{where}: question {qname} ships a hidden test case")
                shipped.append(case.get("code", ""))
    for test_file in sorted((student_dir / "tests").glob("*.py")) if (student_dir / "tests").is_dir() else []:
        text = test_file.read_text(encoding="utf-8")
        if re.search(r"['\"]hidden['\"]\s*:\s*True|hidden\s*=\s*True", text):
            problems.append(f"{where}: {test_file.name} ships a hidden test case")
        shipped.append(text)
    for code in shipped:
        lines = [ln[4:] for ln in code.splitlines() if ln.startswith((">>> ", "... "))]
        leaked = _statements("\n".join(lines) if lines else code) & secret
        for s in sorted(leaked):
            problems.append(f"{where}: a hidden test statement is visible to students: {s[:80]!r}")
    for src in sources:
        for s in _statements(src) & secret:
            problems.append(f"{where}: a hidden test statement is in a cell: {s[:80]!r}")
    for qname, q in info["questions"].items():
        if q["public"] and qname not in tests:
            problems.append(f"{where}: question {qname} has public tests but the student copy has none")
    return problems


