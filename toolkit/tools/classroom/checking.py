"""Run an exercise's tests on a student's saved answers, in a process that never ran the notebook
(grading, step 2).

``answers.pkl`` (written by :mod:`toolkit.tools.classroom.execute`) holds each answer pickled on its
own. Plain answers (numbers, strings, lists, dicts, tables, charts, maps) are read with a restricted
unpickler that builds only builtin containers and classes of the libraries the exercises use, never
calls a function of the student's: so the tests run, and the scores are computed, where no student
code runs. Answers that are functions (``interval(row)``) can only be tested by calling them; such
questions are run one at a time with ``--allow-code``, each in its own sandbox holding only that
question's tests, with an audit hook that refuses (and reports) what a test never needs: spawning
processes, signals, ctypes, the garbage collector's object lists, frames, tracing, sockets, writing
outside the private ``/tmp``, reading the tests or ``/proc``, and changing otter's classes.

    echo NONCE | python -m toolkit.tools.classroom.checking TESTS ANSWERS [--allow-code]
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import pickle
import sys
from pathlib import Path

#: packages whose *classes* an answer may be made of (never their functions)
ALLOWED_PACKAGES = ("polars", "pandas", "numpy", "geopandas", "shapely", "pyproj", "altair", "matplotlib",
                    "datetime", "collections", "decimal", "fractions", "zoneinfo", "enum", "pathlib", "toolkit",
                    "narwhals", "PIL")
#: functions pickle itself or these libraries use to rebuild values
ALLOWED_FUNCTIONS = {
    ("copyreg", "_reconstructor"), ("copyreg", "__newobj__"), ("builtins", "getattr"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy", "dtype"), ("_codecs", "encode"), ("collections", "OrderedDict"),
    ("pandas._libs.internals", "_unpickle_block"), ("pandas.core.internals.blocks", "new_block"),
    ("pandas._libs.arrays", "__pyx_unpickle_NDArrayBacked"), ("pandas.core.arrays._mixins", "_new_DatetimeArray"),
    ("pandas._libs.tslibs.timestamps", "_unpickle_timestamp"), ("pandas._libs.tslibs.timedeltas", "_timedelta_unpickle"),
    ("shapely.io", "from_wkb"), ("shapely.geometry.base", "_unpickle"), ("shapely.geometry.base", "_geom_factory"),
    ("matplotlib.figure", "_unpickle_figure"), ("matplotlib.transforms", "_make_str_method"),
    ("matplotlib.cbook", "_picklable_class_constructor"), ("matplotlib.axes._base", "_process_plot_var_args"),
}
_BUILTINS = {"set", "frozenset", "list", "dict", "tuple", "bytes", "bytearray", "complex", "slice", "range",
             "int", "float", "str", "bool", "object", "NoneType", "Ellipsis", "type", "reversed"}


class Refused(pickle.UnpicklingError):
    """An answer asked for something an answer is never made of (a function, a class of the notebook's)."""


class SafeUnpickler(pickle.Unpickler):
    """Builds builtin values and instances of the allowed libraries' classes only."""

    def find_class(self, module: str, name: str):
        if module == "builtins" and name in _BUILTINS:
            return super().find_class(module, name)
        if (module, name) in ALLOWED_FUNCTIONS:
            return super().find_class(module, name)
        if module.split(".")[0] in ALLOWED_PACKAGES and "." not in name:
            try:
                obj = getattr(importlib.import_module(module), name)
            except (ImportError, AttributeError):
                raise Refused(f"{module}.{name} does not exist here") from None
            if isinstance(obj, type) and not issubclass(obj, BaseException):
                return obj
        raise Refused(f"an answer may not be made of {module}.{name}")


def safe_loads(data: bytes):
    return SafeUnpickler(io.BytesIO(data)).load()


def read_answers(path: Path) -> dict:
    """``{"data": {name: bytes}, "code": {name: bytes}, "failed": {name: reason}}`` (only containers)."""
    class Outer(pickle.Unpickler):
        def find_class(self, module, name):
            raise Refused(f"answers.pkl may not name {module}.{name}")

    try:
        with open(path, "rb") as fh:
            outer = Outer(fh).load()
    except (OSError, EOFError, pickle.UnpicklingError) as e:
        return {"data": {}, "code": {}, "failed": {}, "error": f"the answers could not be read ({e})"}
    if not isinstance(outer, dict):
        return {"data": {}, "code": {}, "failed": {}, "error": "the answers file is not what the runner writes"}
    return {k: outer.get(k) if isinstance(outer.get(k), dict) else {} for k in ("data", "code", "failed")}


# ----------------------------------------------------------------------------- audit hook

_WATCHED = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.kill",
            "os.killpg", "signal.pthread_kill", "ctypes.", "gc.get_objects", "gc.get_referrers", "gc.get_referents",
            "sys.settrace", "sys.setprofile", "sys.addaudithook", "socket.", "sys._getframe", "sys._current_frames",
            "_thread.start_new_thread")
_FRAME_ATTRS = {"tb_frame", "f_back", "f_locals", "f_globals", "gi_frame", "cr_frame", "ag_frame", "f_builtins"}


def install_guard(tests: Path, flags: list[str]) -> None:
    """From now on, refuse (and record in ``flags``) what no test needs. Audit hooks cannot be removed."""
    tests_dir = str(tests.resolve())

    def hook(event, args):
        if event == "open":
            path, mode = str(args[0]), str(args[1] or "r")
            if path.startswith((tests_dir, "/proc")) or (any(c in mode for c in "wax+") and not path.startswith("/tmp/")):
                flags.append(f"{event} {path!r} ({mode})")
                raise PermissionError(f"grading: {event} {path} is not allowed")
        elif event == "object.__setattr__":
            target = args[0]
            if isinstance(target, type) and str(getattr(target, "__module__", "")).startswith(("otter", "toolkit.tools")):
                flags.append(f"changed {target.__module__}.{target.__name__}.{args[1]}")
                raise PermissionError("grading: changing the grader's classes is not allowed")
        elif event == "object.__getattr__" and args[1] in _FRAME_ATTRS:
            flags.append(f"looked into the grader's frames ({args[1]})")
            raise PermissionError("grading: frames are not available to answers")
        elif event.startswith(_WATCHED):
            flags.append(event)
            raise PermissionError(f"grading: {event} is not allowed")

    sys.addaudithook(hook)


# ----------------------------------------------------------------------------- running the tests

def check(tests: Path, answers: Path, *, allow_code: bool = False) -> dict:
    """``{"questions": {q: otter's TestFile.to_dict()}, "unreadable": {name: why}, "flags": [...]}``."""
    from otter.test_files import GradingResults
    from otter.test_files.exception_test import ExceptionTestFile

    files = sorted(tests.glob("*.py"))
    test_files = [ExceptionTestFile.from_file(str(f)) for f in files]  # read before any student code exists
    raw = read_answers(answers)
    env, unreadable, flags = {}, dict(raw.get("failed") or {}), []
    for name, data in raw["data"].items():
        try:
            env[name] = safe_loads(data)
        except Exception as e:  # noqa: BLE001 - whatever the bytes are, that answer is unreadable
            unreadable[name] = f"{type(e).__name__}: {e}"[:300]
    if allow_code and raw["code"]:
        import dill

        install_guard(tests, flags)
        for name, data in raw["code"].items():
            try:
                env[name] = dill.loads(data)
            except Exception as e:  # noqa: BLE001
                unreadable[name] = f"{type(e).__name__}: {e}"[:300]
    for tf in test_files:
        tf.run(env)
    results = GradingResults(test_files)
    out = {"questions": {}, "unreadable": unreadable, "flags": flags}
    for name in results.test_files:
        d = results.get_result(name).to_dict()
        out["questions"][name] = {"score": d["score"], "possible": d["possible"],
                                  "test_case_results": [
                                      {"passed": r["passed"], "message": r["message"],
                                       "test_case": {k: r["test_case"].get(k) for k in ("name", "hidden", "points", "failure_message")}}
                                      for r in d["test_case_results"]]}
    if error := raw.get("error"):
        out["error"] = error
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("tests", type=Path)
    p.add_argument("answers", type=Path)
    p.add_argument("--allow-code", action="store_true")
    args = p.parse_args(argv)
    nonce = sys.stdin.readline().strip()  # read before any answer exists: the grader trusts only lines carrying it
    result = check(args.tests, args.answers, allow_code=args.allow_code)
    text = json.dumps(result, default=str)
    sys.stdout.write(f"@@RESULT-{nonce}@@" + text + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
