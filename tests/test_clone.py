"""A fresh clone stays clean: the nbstripout filter finds nothing to change in the committed notebooks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _git(*args, cwd=ROOT, **kw):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, **kw)


def _committed_notebooks() -> list[str]:
    res = _git("ls-files", "*.ipynb")
    if res.returncode != 0:
        pytest.skip("not a git checkout")
    return res.stdout.split()


def test_every_committed_notebook_is_exactly_what_the_filter_writes(tmp_path):
    # The filter renumbers cell ids, orders keys and drops outputs; a committed notebook that differs from
    # its own filtered form looks modified in every clone where `make setup` installed the filter.
    pytest.importorskip("nbstripout")
    committed = {}
    for i, name in enumerate(_committed_notebooks()):
        blob = _git("show", f"HEAD:{name}")
        if blob.returncode == 0:  # else added, not yet committed
            committed[name] = (tmp_path / f"{i}.ipynb", blob.stdout)
            committed[name][0].write_text(blob.stdout, encoding="utf-8", newline="")
    # one process strips them all in place, as the filter would one by one
    subprocess.run([sys.executable, "-m", "nbstripout", *(str(p) for p, _ in committed.values())], check=True)
    differ = [name for name, (p, blob) in committed.items() if p.read_text(encoding="utf-8") != blob]
    assert not differ, f"committed notebooks the nbstripout filter would rewrite (run nbstripout on them): {differ}"


@pytest.mark.slow  # git runs the filter once per notebook: ~1 s each
def test_a_fresh_clone_with_the_filter_installed_shows_no_modified_notebook(tmp_path):
    pytest.importorskip("nbstripout")
    if _git("rev-parse", "HEAD").returncode != 0:
        pytest.skip("not a git checkout")
    clone = tmp_path / "clone"
    res = _git("clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    # what `make setup` does, with this interpreter's nbstripout
    subprocess.run([sys.executable, "-m", "nbstripout", "--install", "--attributes", ".gitattributes",
                    "--python", sys.executable], cwd=clone, check=True, capture_output=True)
    for name in _git("ls-files", "*.ipynb", cwd=clone).stdout.split():
        os.utime(clone / name)  # as an editor or a test run would: git must re-read them through the filter
    _git("update-index", "--really-refresh", cwd=clone)
    status = _git("status", "--porcelain", cwd=clone).stdout
    assert status == "", f"a fresh clone looks modified after installing the filter:\n{status}"
