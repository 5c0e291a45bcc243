"""Schema versions: an old folder says what to run; `toolkit upgrade` rewrites it without losing a value."""

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import toolkit
from toolkit.core.problems import DataError
from toolkit.dataset.upgrade import ADDED, CURRENT, UpgradeError, schema_of, upgrade

ROOT = Path(__file__).resolve().parents[1]
V1 = ROOT / "tests" / "fixtures" / "schema_v1"  # tests/data/ledger as it was before schema version 2


def rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def old(tmp_path) -> Path:
    dst = tmp_path / "old"
    shutil.copytree(V1, dst)
    return dst


def test_the_fixture_is_in_the_old_schema_and_the_shipped_data_in_the_current_one():
    assert "x-schema-version" not in json.loads((V1 / "datapackage.json").read_text(encoding="utf-8"))
    assert schema_of(V1) == 1 and schema_of(toolkit.SHIPPED) == CURRENT
    assert json.loads((Path(toolkit.SHIPPED) / "datapackage.json").read_text(encoding="utf-8"))["x-schema-version"] == CURRENT


def test_opening_or_validating_an_old_folder_says_what_to_run(old):
    report = toolkit.validate(old)
    assert len(report.problems) == 1, report.problems
    message = str(report.problems[0])
    assert message.startswith("datapackage.json") and f"python -m toolkit upgrade {old} --out" in message
    with pytest.raises(DataError) as e:
        toolkit.open(old)
    assert len(str(e.value).splitlines()) == 1 and "toolkit upgrade" in str(e.value)


def test_an_old_folder_without_a_descriptor_of_its_own_is_recognised(old):
    (old / "datapackage.json").unlink()
    assert schema_of(old) == 1
    problems = toolkit.validate(old).problems
    assert len(problems) == 1 and "toolkit upgrade" in problems[0].message


def test_a_newer_schema_asks_for_a_newer_toolkit(old):
    desc = json.loads((old / "datapackage.json").read_text(encoding="utf-8"))
    (old / "datapackage.json").write_text(json.dumps({**desc, "x-schema-version": CURRENT + 1}), encoding="utf-8")
    problems = toolkit.validate(old).problems
    assert len(problems) == 1 and "newer than this toolkit" in problems[0].message


def test_upgrade_keeps_every_value_and_the_copy_validates(old, tmp_path):
    before = {p.name: p.read_bytes() for p in old.rglob("*") if p.is_file()}
    out, changes = upgrade(old, tmp_path / "new")
    assert {p.name: p.read_bytes() for p in old.rglob("*") if p.is_file()} == before, "the old folder changed"
    report = toolkit.validate(out)
    assert report.ok, report
    desc = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    was = json.loads((old / "datapackage.json").read_text(encoding="utf-8"))
    assert desc["x-schema-version"] == CURRENT
    assert {k: desc[k] for k in ("name", "title", "description", "licenses")} == {k: was[k] for k in ("name", "title", "description", "licenses")}
    for csv_path in old.glob("*.csv"):
        a, b = rows(csv_path), rows(out / csv_path.name)
        assert len(a) == len(b), csv_path.name
        for r_old, r_new in zip(a, b):
            assert {k: r_new[k] for k in r_old} == r_old, csv_path.name  # every old value, unchanged
            table = csv_path.stem
            assert all(r_new[c] == "" for c in ADDED.get(table, []) if c in r_new and c not in r_old)
    assert (out / "texts" / "ledger_2016.txt").read_bytes() == (old / "texts" / "ledger_2016.txt").read_bytes()
    assert any("left empty" in c for c in changes)


def test_upgrade_carries_the_folders_own_values(old, tmp_path):
    """A value the folder added to a closed list stays allowed; an open value that is no slug becomes one, kept in note."""
    desc = json.loads((old / "datapackage.json").read_text(encoding="utf-8"))
    for r in desc["resources"]:
        for f in r["schema"]["fields"]:
            if (r["name"], f["name"]) in {("places", "kind"), ("statements", "topic")}:
                f["constraints"]["enum"].append("village" if f["name"] == "kind" else "Casualty Figures")
    (old / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    places, st = rows(old / "places.csv"), rows(old / "statements.csv")
    places[0]["kind"], st[0]["topic"] = "village", "Casualty Figures"
    for name, table in (("places", places), ("statements", st)):
        with open(old / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(table[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(table)
    assert toolkit.validate(old).problems  # the old schema: nothing is read until it is upgraded
    out, changes = upgrade(old, tmp_path / "new")
    assert toolkit.validate(out).ok, toolkit.validate(out)
    ds = toolkit.open(out)
    assert ds["places"]["kind"].cast(str)[0] == "village"
    first = ds["statements"].row(0, named=True)
    assert first["topic"] == "casualty_figures" and "'Casualty Figures'" in first["note"]
    assert any("casualty_figures" in c for c in changes)
    topic = next(f for r in json.loads((out / "datapackage.json").read_text(encoding="utf-8"))["resources"]
                 for f in r["schema"]["fields"] if r["name"] == "statements" and f["name"] == "topic")
    assert "casualty_figures" in topic["x-suggested"] and "enum" not in topic["constraints"]


def test_upgrade_refuses_an_existing_out_and_writes_nothing(old, tmp_path):
    taken = tmp_path / "taken"
    taken.mkdir()
    with pytest.raises(FileExistsError):
        upgrade(old, taken)
    assert not any(taken.iterdir())
    with pytest.raises(UpgradeError):
        upgrade(old, old / "inside")


def test_a_failed_upgrade_leaves_nothing_behind(old, tmp_path):
    with open(old / "events.csv", "a", encoding="utf-8") as fh:
        fh.write("ev99,statement\n")  # a ragged row
    out = tmp_path / "new"
    with pytest.raises(UpgradeError, match=r"events\.csv row \d+"):
        upgrade(old, out)
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["old"]


def test_the_upgraded_folder_joins_the_shipped_article_in_one_corpus(old, tmp_path):
    out, _ = upgrade(old, tmp_path / "new")
    corpus = toolkit.open(out, toolkit.SHIPPED)
    assert set(corpus["sources"]["source_id"]) >= {"ledger_2016"}
    places = corpus["places"]
    assert places.filter(places["place_id"] == "magas").height == 1  # a shared place, once


def test_the_command_line(old, tmp_path):
    env_py = [sys.executable, "-m", "toolkit"]
    bad = subprocess.run([*env_py, "validate", str(old)], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 1 and "toolkit upgrade" in bad.stdout
    ok = subprocess.run([*env_py, "upgrade", str(old), "--out", str(tmp_path / "new")], capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0, ok.stderr + ok.stdout
    again = subprocess.run([*env_py, "upgrade", str(old), "--out", str(tmp_path / "new")], capture_output=True, text=True, cwd=ROOT)
    assert again.returncode == 1 and len(again.stderr.strip().splitlines()) == 1 and "exists" in again.stderr


@pytest.mark.parametrize("folder", ["tests/data/ledger", "tests/fixtures/brief_arrests", "tests/fixtures/brief_designation"])
def test_the_example_folders_follow_the_current_schema(folder):
    """Their own descriptors declare every column of the shipped schema with its type (a corpus with the shipped
    article unions them), and the current version."""
    own = json.loads((ROOT / folder / "datapackage.json").read_text(encoding="utf-8"))
    shipped = json.loads((Path(toolkit.SHIPPED) / "datapackage.json").read_text(encoding="utf-8"))
    assert own["x-schema-version"] == CURRENT
    types = lambda d: {(r["name"], f["name"]): f["type"] for r in d["resources"] for f in r["schema"]["fields"]}  # noqa: E731
    assert types(own) == types(shipped)
