"""Self-contained, tamper-evident autograder archives for the exercises.

``otter assign`` writes an archive that installs otter only. :func:`make_self_contained` adds what
grading needs, so that ``otter grade`` (Docker), Gradescope or a fresh virtualenv grade it with no
toolkit preinstalled::

    01-bounds-autograder_<time>.zip
      nc_fighters_toolkit-<version>-py3-none-any.whl   the toolkit, its data included
      requirements.txt          otter + ./<wheel>[extras]  (pip install -r requirements.txt, from the archive)
      environment.yml           the same, for otter's conda image (the archive is unpacked in /autograder/source)
      otter_config.json         + the :class:`Guard` plugin

:class:`Guard` is an otter plugin that runs in the grading process (not in the student's kernel):
before the notebook runs it checks that the environment can grade (a clear error and a non-zero exit
otherwise, instead of 0/10), drops the student's ``.OTTER_LOG`` (public-test scores that otter would
"verify" against and report as false discrepancies), snapshots the tests and makes them read-only;
after grading it compares the tests (content, modification time, inode) with the snapshot and, if the submission changed any, sets every
score to 0 and says so.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from toolkit.tools.classroom.places import PACKAGE_PARENT  # noqa: E402
GUARD = "toolkit.tools.classroom.autograder.Guard"
SOURCE = "/autograder/source"  # where otter's images and Gradescope unpack the archive
_EXTRA_MODULES = {"charts": ["altair", "matplotlib"], "geo": ["geopandas", "pyproj", "shapely"]}


# ----------------------------------------------------------------------------- building archives

def build_wheel(dest: str | Path) -> Path:
    """Build the toolkit's wheel (code and data, no dependencies) into ``dest``.

    >>> build_wheel("build/wheel")                       # doctest: +SKIP
    PosixPath('build/wheel/nc_fighters_toolkit-0.2.0-py3-none-any.whl')
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="toolkit-wheel-") as tmp:
        for isolation in (["--no-build-isolation"], []):  # hatchling installed (make setup), else pip fetches it
            proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-q", "-w", tmp,
                                   str(PACKAGE_PARENT)], capture_output=True, text=True, stdin=subprocess.DEVNULL)
            if proc.returncode == 0:
                break
        wheels = sorted(Path(tmp).glob("*.whl"))
        if proc.returncode != 0 or not wheels:
            raise RuntimeError(f"building the toolkit wheel failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
        target = dest / wheels[0].name
        shutil.copy(wheels[0], target)
    return target


def extras_for(code: str) -> list[str]:
    """The toolkit extras an exercise's code needs: ``charts`` for Altair/matplotlib, ``geo`` for maps."""
    extras = set()
    if any(w in code for w in ("altair", "matplotlib", "toolkit import charts", "toolkit import maps")):
        extras.add("charts")
    if any(w in code for w in ("geopandas", "toolkit import geo", "toolkit.geo", "from toolkit import maps")):
        extras.update({"geo", "charts"})
    return sorted(extras)


def requirements(wheel_name: str, extras: list[str], *, prefix: str = ".") -> list[str]:
    """pip requirement lines: otter (the version that built the archive) and the toolkit wheel."""
    from importlib.metadata import version

    otter_version = version("otter-grader")

    suffix = f"[{','.join(extras)}]" if extras else ""
    return [f"otter-grader[grading,plugins]=={otter_version}", f"{prefix}/{wheel_name}{suffix}"]


def make_self_contained(archive: str | Path, wheel: str | Path, extras: list[str]) -> None:
    """Rewrite an otter autograder ``archive`` (atomically) so it carries ``wheel`` and installs it."""
    import yaml

    archive, wheel = Path(archive), Path(wheel)
    with zipfile.ZipFile(archive) as z:
        entries = {info.filename: z.read(info) for info in z.infolist()}
    env = yaml.safe_load(entries.get("environment.yml", b"{}")) or {}
    deps = [d for d in env.get("dependencies", []) if not isinstance(d, dict)]
    env["dependencies"] = [*deps, {"pip": requirements(wheel.name, extras, prefix=SOURCE)}]
    config = json.loads(entries.get("otter_config.json", b"{}"))
    requires = ["toolkit", "polars", *[m for e in extras for m in _EXTRA_MODULES.get(e, [])]]
    config["plugins"] = [p for p in config.get("plugins", []) if GUARD not in (p if isinstance(p, str) else list(p))]
    config["plugins"].append({GUARD: {"requires": requires}})
    # Gradescope: the public tests' results are visible on submission (the "Public Tests" summary);
    # the hidden tests, and each question's score, only once grades are published
    config["show_hidden"] = True
    config["force_public_test_summary"] = True
    config["show_all_public"] = False
    for name in [n for n in entries if n.startswith("tests/") and n.endswith(".py")]:
        entries[name] = conceal_hidden(entries[name].decode("utf-8")).encode("utf-8")
    entries["otter_config.json"] = json.dumps(config, indent=2).encode()
    entries["environment.yml"] = yaml.safe_dump(env, sort_keys=False).encode()
    entries["requirements.txt"] = ("\n".join(requirements(wheel.name, extras)) + "\n").encode()
    entries[wheel.name] = wheel.read_bytes()
    tmp = archive.with_name(archive.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    os.replace(tmp, archive)


HIDDEN_FAILED = "The hidden check {name} failed."


def _is_hidden(node) -> bool:
    import ast

    for deco in node.decorator_list:
        if isinstance(deco, ast.Call) and getattr(deco.func, "id", getattr(deco.func, "attr", None)) == "test_case":
            for kw in deco.keywords:
                if kw.arg == "hidden" and isinstance(kw.value, ast.Constant) and kw.value.value is True:
                    return True
    return False


def conceal_hidden(source: str) -> str:
    """An otter test file whose *hidden* tests fail without details: each body runs inside
    ``try``/``except`` that raises one fixed sentence, so neither the assert's message (``expected
    (1500, None)``) nor the failing line (``assert naive_total == 3200``) reaches the results that
    students see once grades are published; only the test's ``failure_message``. Public tests keep
    their details (they are the feedback). Idempotent."""
    import ast

    tree = ast.parse(source)
    changed = False
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and _is_hidden(node):
            body = node.body
            message = HIDDEN_FAILED.format(name=node.name)
            if (len(body) == 1 and isinstance(body[0], ast.Try) and body[0].handlers
                    and ast.unparse(body[0].handlers[0]).find(repr(message)) >= 0):
                continue
            handler = ast.parse(f"try:\n    pass\nexcept Exception:\n    raise AssertionError({message!r}) from None").body[0]
            handler.body = body
            node.body = [handler]
            changed = True
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n" if changed else source


# ----------------------------------------------------------------------------- the otter plugin

def _snapshot(folder: Path, *, with_times: bool = False) -> dict[str, tuple]:
    """Each test file's sha256 (and modification time and inode: a rewrite that restores the content
    still shows)."""
    if not folder.is_dir():
        return {}
    out = {}
    for p in sorted(folder.glob("*.py")):
        st = p.stat()
        out[p.name] = (hashlib.sha256(p.read_bytes()).hexdigest(), *((st.st_mtime_ns, st.st_ino) if with_times else ()))
    return out


def _plugin_base():
    try:
        from otter.plugins import AbstractOtterPlugin
    except ImportError:  # otter absent: the class is only used by otter itself
        return object
    return AbstractOtterPlugin


class Guard(_plugin_base()):
    """Otter plugin (``plugins: [toolkit.tools.classroom.autograder.Guard]``): environment check, no log, tests
    guarded against the submission. Runs in otter's grading process, in ``<grading dir>/submission``."""

    def __init__(self, submission_path=None, submission_metadata=None, plugin_config=None):
        self.submission_path = submission_path
        self.submission_metadata = submission_metadata
        self.plugin_config = plugin_config or {}
        self.tests_dir = Path("tests").resolve()
        self.snapshot: dict[str, str] = {}
        self.tampered: list[str] = []

    def before_grading(self, config):
        from otter.run.run_autograder.utils import OtterRuntimeError

        import importlib.util

        missing = [m for m in self.plugin_config.get("requires", []) if importlib.util.find_spec(m) is None]
        if missing:
            message = (f"This environment cannot grade the exercise: {', '.join(missing)} "
                       f"{'is' if len(missing) == 1 else 'are'} not installed. Install the archive's "
                       f"requirements first (pip install -r requirements.txt, in the unzipped autograder).")
            print(message, file=sys.stderr)
            raise OtterRuntimeError(message)
        for log in (Path(".OTTER_LOG"),):
            if log.exists():
                log.unlink()
        source = self.tests_dir.parent.parent / "source" / "tests"
        if source.is_dir() and _snapshot(source) != _snapshot(self.tests_dir):
            raise OtterRuntimeError("the tests in the grading folder differ from the autograder's")
        for p in self.tests_dir.glob("*.py"):
            p.chmod(0o444)
        self.snapshot = _snapshot(self.tests_dir, with_times=True)

    def after_grading(self, results):
        now = _snapshot(self.tests_dir, with_times=True)
        for p in self.tests_dir.glob("*.py"):
            p.chmod(0o644)
        self.tampered = sorted(n for n in set(now) | set(self.snapshot) if now.get(n) != self.snapshot.get(n))
        for name in results.test_files:  # scores as a gradebook shows them (no 1.7999999999999998)
            score = results.get_score(name)
            if score != round(score, 2):
                results.update_score(name, round(score, 2))
        if self.tampered:
            for name in results.test_files:
                results.update_score(name, 0)
            results.set_output(f"TAMPERING: the submission changed the tests ({', '.join(self.tampered)}) "
                               f"while it was graded; every score is set to 0.")
        results.set_plugin_data(GUARD, {"tampered": self.tampered})

    def generate_report(self):
        if self.tampered:
            return f"TAMPERING: the submission changed {', '.join(self.tampered)}; every score was set to 0."
        return "Tests unchanged during grading."
