"""Shared fixtures: the article text (skipped clearly when absent) and scratch copies of the data."""

import fcntl
import os
import pickle
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

import toolkit
from toolkit.core import text as article

ROOT = Path(__file__).resolve().parents[1]

# pytest keeps the test modules it rewrote (for its assert messages) in the git-ignored __pycache__/, also where
# the shell sets PYTHONDONTWRITEBYTECODE: else every worker rewrites all of them again at each run (~5 CPU s each).
# Only this process: the Python processes the tests start keep the shell's setting.
sys.dont_write_bytecode = False
# the article beside the project, or where $TOOLKIT_ARTICLE points (a worktree elsewhere, as the loaders allow)
ARTICLE = Path(os.environ.get("TOOLKIT_ARTICLE") or ROOT.parent / "shared" / "article" / "article.txt")


@pytest.fixture(scope="session", autouse=True)
def _independent_of_the_checkout(tmp_path_factory):
    """Tests never depend on what ran before them in this checkout: the report links the exercises of an empty
    folder, not whatever `make exercises` left in build/ (builds in subprocesses inherit it too)."""
    os.environ["TOOLKIT_EXERCISES_DIR"] = str(tmp_path_factory.mktemp("no-built-exercises"))
    yield
    os.environ.pop("TOOLKIT_EXERCISES_DIR", None)


# Tests of the tools (report builder, classroom, JupyterLab) rather than the library: `make check` leaves them out.
TOOL_TESTS = {"test_report.py", "test_exercises.py", "test_autograder.py", "test_exercise_feedback.py", "test_lab.py",
              "test_travel.py", "test_faults_report.py"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.name in TOOL_TESTS:
            item.add_marker(pytest.mark.tools)
        if "browser" in getattr(item, "fixturenames", ()):  # a test that starts Chromium is a browser test
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def text() -> str:
    if not ARTICLE.is_file():
        pytest.skip(f"article text not found at {ARTICLE}: quote and offset checks need it "
                    "(the project does not ship the article)")
    return article.read_text(ARTICLE)


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of the shipped data folder."""
    dst = tmp_path / "data"
    shutil.copytree(toolkit.SHIPPED, dst)
    return dst


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (Playwright's own browser download cannot work here)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test` or `apt-get install chromium` (the browser tests need it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def built_once(tmp_path_factory, name: str, make):
    """``make(folder)``'s value, computed once per test run: the first process to ask builds it in a new folder
    while holding a lock, and later askers get its value (pickled) and share the folder. Under pytest-xdist
    the workers of one run share a parent of their temporary folders, so two workers never build the same
    site or exercises twice; without xdist this is one build per session, as before."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return make(tmp_path_factory.mktemp(name))
    root = tmp_path_factory.getbasetemp().parent
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if the build fails
        done = root / f"{name}.pickle"
        if done.is_file():
            return pickle.loads(done.read_bytes())
        value = make(Path(tempfile.mkdtemp(prefix=f"{name}-", dir=root)))
        done.write_bytes(pickle.dumps(value))
        return value


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The report site, built once per test run from the real notebooks (tests only read it)."""
    from toolkit.tools.site import report

    def make(folder: Path) -> Path:
        report.build(out=folder / "reports", jobs=2)
        return folder / "reports"

    return built_once(tmp_path_factory, "site", make)


def open_offline(browser, url: str):
    """Open a page with every non-file request blocked, once its charts have drawn.

    Returns (page, foreign requests, console errors, dialogs); dialogs are dismissed.
    """
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    foreign, errors, dialogs = [], [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def on_dialog(d):
        dialogs.append(d.message)
        d.dismiss()

    def route(r):
        if r.request.url.startswith(("file://", "data:", "blob:")):
            r.continue_()
        else:
            foreign.append(r.request.url)
            r.abort()

    page.on("dialog", on_dialog)
    page.route("**/*", route)
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_function("Array.from(document.querySelectorAll('.tk-vega')).every(d => d.querySelector('svg, canvas'))",
                           timeout=30000)
    return page, foreign, errors, dialogs


@pytest.fixture(scope="session")
def built_exercises(tmp_path_factory):
    """Every exercise assigned once per test run (otter runs the solutions against all tests while
    assigning): (output folder, outcomes). Shared by tests/test_exercises.py, test_autograder.py and
    test_sandbox.py, which only read it (a test that builds again works on a copy)."""
    from toolkit.tools.classroom import exercises

    def make(folder: Path):
        out = folder / "build"
        return out, exercises.build(out, exercises.SOURCE_DIR, echo=lambda s: None)

    return built_once(tmp_path_factory, "exercises", make)


def finish_build(proc, timeout: float = 600) -> tuple[str, str]:
    """Wait for a report build started with its output in ``proc.logs`` (two files); its (stdout, stderr)."""
    proc.wait(timeout=timeout)
    texts = []
    for fh in proc.logs:
        fh.seek(0)
        texts.append(fh.read())
        fh.close()
    return texts[0], texts[1]
