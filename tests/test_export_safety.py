"""Outputs never clobber inputs (issue 23) and the Parquet export is one format that reopens (issue 24).

Exports, ``ds.to_parquet`` and ``compare --html`` refuse an output inside a data folder being read, an
existing FIFO, device or folder where a file is expected, and (for folders) ``.``, its parents and any
folder the toolkit did not write; writes are atomic beside the target with the user's umask.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import toolkit
from toolkit import formats as ex
from toolkit.core.output import MARKER, OutputError, write_file
from toolkit.tools.cli import main

ROOT = Path(__file__).resolve().parents[1]
LEDGER = ROOT / "tests" / "data" / "ledger"


@pytest.fixture
def ledger(tmp_path):
    folder = tmp_path / "ledger"
    shutil.copytree(LEDGER, folder)
    return folder


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- outputs that would destroy something -----------------------------------------------------------

@pytest.mark.parametrize("fmt", ["acled", "ged", "frictionless", "geojson"])
def test_an_output_inside_the_data_folder_is_refused_with_one_line(ledger, fmt, capsys):
    before = snapshot(ledger)
    assert main(["export", str(ledger), "--format", fmt, "--out", str(ledger / "estimates.csv")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "inside the data folder" in err and "estimates.csv" in err
    assert snapshot(ledger) == before


def test_a_fifo_a_device_and_a_folder_are_never_replaced(ledger, tmp_path, capsys):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    (tmp_path / "adir").mkdir()
    for target, what in ((fifo, "FIFO"), (Path("/dev/null"), "device"), (tmp_path / "adir", "folder")):
        assert main(["export", str(ledger), "--format", "acled", "--out", str(target)]) == 1
        err = capsys.readouterr().err
        assert what in err and str(target) in err and "Traceback" not in err
    assert fifo.exists() and not fifo.is_file() and (tmp_path / "adir").is_dir()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_errors_name_the_target_not_the_temporary_file(ledger, tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ex.ExportError) as e:
        ex.export(ledger, "acled", tmp_path / "file" / "acled.csv")
    assert "file/acled.csv" in str(e.value) and ".part" not in str(e.value)


def test_a_failed_export_leaves_the_earlier_file_and_no_temporary_file(tmp_path, monkeypatch):
    from toolkit.formats import acled

    out = tmp_path / "acled.csv"
    out.write_text("earlier export\n")
    monkeypatch.setattr(acled, "rows", lambda ds: (_ for _ in ()).throw(RuntimeError("disk full")))
    with pytest.raises(RuntimeError):
        ex.export(None, "acled", out)
    assert out.read_text() == "earlier export\n" and [p.name for p in tmp_path.iterdir()] == ["acled.csv"]


def test_leftovers_of_a_killed_export_are_removed_and_never_block(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)  # a process that has ended
    out = tmp_path / "acled.csv"
    (tmp_path / f".acled.csv.{pid}.abcdef.part").write_text("half")
    pq = tmp_path / "pq"
    ex.export(None, "parquet", pq)
    (tmp_path / f".pq.{pid}.abcdef.old").mkdir()
    (tmp_path / f".pq.{pid}.abcdef.old" / "x.parquet").write_text("old")
    ex.export(None, "acled", out)
    ex.export(None, "parquet", pq)  # replaces the earlier export despite the leftover
    assert sorted(p.name for p in tmp_path.iterdir()) == ["acled.csv", "pq"]


def test_a_terminated_export_leaves_no_part_file(tmp_path):
    started = tmp_path / "started"
    code = f"""
import time
from pathlib import Path
from toolkit.core.output import write_file
def slow(tmp):
    tmp.write_text("partial")
    Path({str(started)!r}).write_text("go")
    time.sleep(60)
write_file(Path({str(tmp_path / 'out.csv')!r}), slow)
"""
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stderr=subprocess.PIPE)
    for _ in range(600):
        if started.exists() or proc.poll() is not None:
            break
        import time
        time.sleep(0.1)
    assert started.exists(), proc.stderr.read().decode()[-500:]
    proc.terminate()
    proc.wait(timeout=30)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["started"]


@pytest.mark.parametrize("mask", [0o022, 0o002])
def test_outputs_get_the_users_umask(tmp_path, mask):
    code = (f"import os; os.umask({mask}); from toolkit.formats import export; "
            f"export(None, 'ged', {str(tmp_path / 'g.csv')!r}); export(None, 'parquet', {str(tmp_path / 'pq')!r})")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert (tmp_path / "g.csv").stat().st_mode & 0o777 == 0o666 & ~mask
    assert (tmp_path / "pq").stat().st_mode & 0o777 == 0o777 & ~mask
    assert (tmp_path / "pq" / "events.parquet").stat().st_mode & 0o777 == 0o666 & ~mask


# --- to_parquet never deletes what it did not write -------------------------------------------------

def test_to_parquet_refuses_the_source_folder_dot_parents_and_foreign_folders(ledger, tmp_path, monkeypatch):
    ds = toolkit.open(ledger)
    (ledger / "my-notes.txt").write_text("mine")
    before = snapshot(ledger)
    work = tmp_path / "work" / "deep"
    work.mkdir(parents=True)
    (tmp_path / "work" / "keep.txt").write_text("keep")
    monkeypatch.chdir(work)
    for target in (ledger, ".", "..", str(tmp_path / "work"), Path.home()):
        with pytest.raises(OutputError):
            ds.to_parquet(target)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "datapackage.json").write_text("{}")  # looks like a package, was not written by the toolkit
    with pytest.raises(OutputError, match="not written by the toolkit"):
        ds.to_parquet(foreign)
    assert snapshot(ledger) == before and (tmp_path / "work" / "keep.txt").exists()
    assert (foreign / "datapackage.json").read_text() == "{}"
    out = ds.to_parquet(tmp_path / "pq")
    assert (out / MARKER).is_file() and ds.to_parquet(out) == out  # an earlier export is replaced


def test_compare_html_refuses_a_folder_the_data_folder_and_a_fifo(ledger, tmp_path):
    fifo = tmp_path / "page.html"
    os.mkfifo(fifo)
    for target in (tmp_path, ledger / "page.html", fifo):
        run = subprocess.run([sys.executable, "-m", "toolkit", "compare", str(LEDGER), str(ledger), "--html", str(target)],
                             capture_output=True, text=True, cwd=ROOT, timeout=300)
        assert run.returncode == 1 and "Traceback" not in run.stderr and str(target) in run.stderr, run.stderr
    assert not (ledger / "page.html").exists()
    assert not [p for p in tmp_path.rglob(".*") if p.is_file()]
    with pytest.raises(OutputError):
        toolkit.compare(LEDGER, ledger).to_html(tmp_path)


# --- Parquet: one format, reopened and checked ------------------------------------------------------

def test_the_clis_parquet_export_reopens_validates_and_keeps_the_descriptor(ledger, tmp_path):
    desc = json.loads((ledger / "datapackage.json").read_text(encoding="utf-8"))
    desc["x-mine"] = 1
    (ledger / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    assert main(["export", str(ledger), "--format", "parquet", "--out", str(tmp_path / "pq")]) == 0
    back, ds = toolkit.open(tmp_path / "pq"), toolkit.open(ledger)
    assert back.validate().ok
    for name in ds.table_names():
        assert back[name].equals(ds[name]), name
    assert back.title == ds.title and back.descriptor["x-mine"] == 1 and back.licenses == ds.licenses
    assert back.texts == ds.texts  # the ledger's descriptor allows its invented text to be copied


def test_texts_are_not_copied_unless_the_descriptor_allows_it(ledger, tmp_path):
    desc = json.loads((ledger / "datapackage.json").read_text(encoding="utf-8"))
    desc.pop("x-texts")
    (ledger / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    out = toolkit.open(ledger).to_parquet(tmp_path / "pq")
    assert not (out / "texts").exists()
    written = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert written["x-texts"]["not_included"] == ["ledger_2016"] and written["x-texts"]["included"] == []
    back = toolkit.open(out)
    assert back.texts == {} and any("not included" in n for n in back.notes)


def test_the_shipped_articles_text_is_never_exported(tmp_path):
    out = ex.export(None, "parquet", tmp_path / "pq")
    assert not (out / "texts").exists()
    assert "rferl_2015" in json.loads((out / "datapackage.json").read_text(encoding="utf-8"))["x-texts"]["not_included"]


def test_a_tampered_parquet_folder_is_one_problem_per_file_and_column_not_a_traceback(ledger, tmp_path, capsys):
    out = toolkit.open(ledger).to_parquet(tmp_path / "pq")
    est = pl.read_parquet(out / "estimates.parquet").with_columns(pl.lit("many").alias("value_best"))
    est.write_parquet(out / "estimates.parquet")
    (out / "events.parquet").write_bytes(b"not parquet")
    with pytest.raises(toolkit.DataError) as e:
        toolkit.open(out)
    files = {(p.file, p.column) for p in e.value.problems}
    assert any(f == "estimates.parquet" for f, _ in files) and any(f == "events.parquet" for f, _ in files)


def test_a_parquet_descriptor_cannot_point_outside_its_folder(ledger, tmp_path):
    out = toolkit.open(ledger).to_parquet(tmp_path / "pq")
    desc = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    desc["resources"][0]["path"] = "../../secret.parquet"
    (out / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    with pytest.raises(toolkit.DataError, match="inside the folder"):
        toolkit.open(out)
