"""Where the classroom tools find and put things: the instructor notebooks, the build folder, the kernels' environment."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_PARENT = Path(__file__).resolve().parents[3]  # the folder holding toolkit/
SOURCE_DIR = PACKAGE_PARENT / "notebooks" / "exercises"
DEFAULT_OUT = Path("build") / "exercises"
PATTERN = "[0-9][0-9]-*.ipynb"
MANIFEST = "exercises.json"


def kernel_env(base: dict | None = None) -> dict:
    """Environment for otter and its kernels: this toolkit importable, the shipped data (not
    ``$TOOLKIT_DATA_DIR``) so that answers match the tests."""
    env = dict(os.environ if base is None else base)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join([str(PACKAGE_PARENT), *[p for p in paths if p != str(PACKAGE_PARENT)]])
    env.pop("TOOLKIT_DATA_DIR", None)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # quiets a debugger warning in every kernel
    return env
