"""What the toolkit writes gets the permissions the user's umask gives (not a temporary file's private mode),
and a failed write names the target, never the temporary file."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

import toolkit
from toolkit.core import files

LEDGER = Path(__file__).resolve().parent / "data" / "ledger"
MASK = 0o027  # group may read, others nothing: neither the default 022 nor a private 077


@pytest.fixture
def umask():
    old = os.umask(MASK)
    try:
        yield MASK
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_umask_is_read_without_changing_it(umask):
    assert files.umask() == MASK and files.umask() == MASK


def test_a_new_dataset_folder_follows_the_umask(umask, tmp_path):
    from toolkit.dataset.create import new

    text = tmp_path / "story.txt"
    text.write_text("A story.\n\nThe mayor said ten.\n", encoding="utf-8")
    folder = new(tmp_path / "mine", text, title="Mine")
    assert mode(folder) == 0o777 & ~MASK
    assert mode(folder / "datapackage.json") == 0o666 & ~MASK


def test_a_parquet_export_folder_follows_the_umask(umask, tmp_path):
    out = toolkit.open(LEDGER).to_parquet(tmp_path / "pq")
    assert mode(out) == 0o777 & ~MASK


def test_a_comparison_page_follows_the_umask_and_refuses_a_folder(umask, tmp_path):
    pytest.importorskip("krippendorff")
    c = toolkit.compare(LEDGER, LEDGER)
    page = tmp_path / "compare.html"
    c.to_html(page)
    assert mode(page) == 0o666 & ~MASK
    with pytest.raises(toolkit.InputError, match="is a folder"):
        c.to_html(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["compare.html"]  # no temporary file left


def test_a_saved_chart_follows_the_umask(umask, tmp_path):
    pytest.importorskip("vl_convert")
    out = toolkit.save({"mark": "point", "data": {"values": [{"a": 1}]}, "encoding": {"x": {"field": "a"}}},
                       tmp_path / "c.json")
    assert mode(out) == 0o666 & ~MASK


def test_a_new_mentions_file_follows_the_umask(umask, tmp_path):
    from toolkit.tools.cli import main

    folder = tmp_path / "data"
    shutil.copytree(LEDGER, folder)
    (folder / "mentions.csv").unlink()
    assert main(["mentions", str(folder)]) == 0
    assert mode(folder / "mentions.csv") == 0o666 & ~MASK


def test_a_replaced_file_keeps_its_mode(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o600)
    files.write_atomic(path, "new")
    assert path.read_text() == "new" and mode(path) == 0o600


def test_a_failed_write_names_the_target_and_leaves_nothing(tmp_path, monkeypatch):
    target = tmp_path / "page.html"

    def full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OSError) as err:
        files.write_atomic(target, "x")
    assert err.value.filename == str(target) and "No space left" in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_the_cli_names_the_target_it_cannot_write(tmp_path, capsys):
    from toolkit.tools.cli import os_message

    e = OSError(13, "Permission denied", str(tmp_path / "out.csv"))
    assert os_message(e) == f"{tmp_path / 'out.csv'}: Permission denied"
