"""The descriptor travels with the data: a folder's own tables, columns, values, title and licence reach
validation, the dictionary, the exports, Parquet and back, corpus merges and the cache; the descriptor is
an immutable value, and nothing global decides what a folder means."""

import csv
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import polars as pl
import pytest

import toolkit
from toolkit.core.descriptor import Descriptor, DescriptorError, union

ROOT = Path(__file__).resolve().parents[1]
LEDGER = ROOT / "tests" / "data" / "ledger"


def _closed_field(desc: Descriptor, table: str) -> str:
    """A column of ``table`` with a closed list of allowed values (the schema may open some lists)."""
    return next(f["name"] for f in desc.fields(table) if f.get("constraints", {}).get("enum"))


@pytest.fixture
def own(tmp_path):
    """A copy of the ledger folder that declares its own title, licence, an extra allowed value (used in a row)
    and an extra table ``weapons`` with a primary key and a foreign key into actors."""
    folder = tmp_path / "own"
    shutil.copytree(LEDGER, folder)
    desc = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    desc["title"] = "My own story, my own title"
    desc["licenses"] = [{"name": "ODbL-1.0", "title": "Open Data Commons Open Database License"}]
    est = next(r for r in desc["resources"] if r["name"] == "events")
    column = _closed_field(Descriptor(desc), "events")
    field = next(f for f in est["schema"]["fields"] if f["name"] == column)
    field["constraints"]["enum"].append("ceremony_extra")
    pop = next(f for f in next(r for r in desc["resources"] if r["name"] == "estimates")["schema"]["fields"]
               if f["name"] == "population")
    if pop.get("constraints", {}).get("enum"):
        pop["constraints"]["enum"].append("border_guards")
    desc["resources"].append({
        "name": "weapons", "path": "weapons.csv", "title": "Weapons", "description": "Weapons the text names.",
        "format": "csv", "encoding": "utf-8",
        "schema": {"fields": [
            {"name": "weapon_id", "type": "string", "description": "id", "constraints": {"required": True, "unique": True}},
            {"name": "name", "type": "string", "description": "as written", "constraints": {"required": True}},
            {"name": "rounds", "type": "integer", "description": "how many", "constraints": {"minimum": 0}},
            {"name": "held_by", "type": "string", "description": "an actor"}],
            "primaryKey": "weapon_id",
            "foreignKeys": [{"fields": "held_by", "reference": {"resource": "actors", "fields": "actor_id"}}]}})
    (folder / "datapackage.json").write_text(json.dumps(desc, indent=1), encoding="utf-8")
    actor = pl.read_csv(folder / "actors.csv", infer_schema=False)["actor_id"][0]
    (folder / "weapons.csv").write_text(f"weapon_id,name,rounds,held_by\nw1,rifle,30,{actor}\nw2,pistol,,\n",
                                        encoding="utf-8")
    events = folder / "events.csv"
    rows = list(csv.DictReader(events.open(encoding="utf-8", newline="")))
    rows[0][column] = "ceremony_extra"
    with events.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return folder, column


def test_a_folder_with_its_own_table_value_title_and_licence_validates(own):
    folder, column = own
    report = toolkit.validate(folder)
    assert report.ok, str(report)
    ds = toolkit.open(folder)
    assert ds.title == "My own story, my own title" and ds.licenses[0]["name"] == "ODbL-1.0"
    assert ds["weapons"].height == 2 and ds.weapons["rounds"].dtype == pl.Int64
    assert "ceremony_extra" in ds["events"][column].cast(pl.String).to_list()
    assert "weapons" in ds.table_names() and toolkit.load("weapons", folder).height == 2


def test_a_broken_row_of_an_extra_table_is_reported_naming_its_file(own):
    folder, _ = own
    with (folder / "weapons.csv").open("a", encoding="utf-8") as fh:
        fh.write("w1,knife,-3,nobody_at_all\n")
    problems = [str(p) for p in toolkit.validate(folder).problems]
    assert any(p.startswith("weapons.csv row 3, column weapon_id") and "not unique" in p for p in problems), problems
    assert any(p.startswith("weapons.csv row 3, column rounds") for p in problems), problems
    assert any(p.startswith("weapons.csv row 3, column held_by") and "nobody_at_all" in p for p in problems), problems
    with pytest.raises(toolkit.DataError, match="weapons.csv"):
        toolkit.open(folder)


def test_the_dictionary_shows_the_folders_table_and_value(own):
    folder, column = own
    d = toolkit.open(folder).dictionary()
    assert d.filter(table="weapons")["column"].to_list() == ["weapon_id", "name", "rounds", "held_by"]
    assert "ceremony_extra" in d.filter(table="events", column=column)["allowed"].item()
    out = subprocess.run([sys.executable, "-m", "toolkit", "dictionary", str(folder)], capture_output=True, text=True,
                         cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "== weapons ==" in out.stdout and "ceremony_extra" in out.stdout


def test_exports_keep_the_folders_title_licence_value_and_table(own, tmp_path):
    folder, column = own
    zipped = tmp_path / "x.zip"
    run = subprocess.run([sys.executable, "-m", "toolkit", "export", str(folder), "--format", "frictionless",
                          "--out", str(zipped)], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    with zipfile.ZipFile(zipped) as z:
        desc = json.loads(z.read("datapackage.json"))
        assert "weapons.csv" in z.namelist() and b"rifle" in z.read("weapons.csv")
    assert desc["title"] == "My own story, my own title" and desc["licenses"][0]["name"] == "ODbL-1.0"
    events = next(r for r in desc["resources"] if r["name"] == "events")
    assert "ceremony_extra" in next(f for f in events["schema"]["fields"] if f["name"] == column)["constraints"]["enum"]
    parquet = tmp_path / "P"
    run = subprocess.run([sys.executable, "-m", "toolkit", "export", str(folder), "--format", "parquet",
                          "--out", str(parquet)], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    back = toolkit.open(parquet)
    assert back.title == "My own story, my own title" and back.licenses[0]["name"] == "ODbL-1.0"
    assert back["weapons"].equals(toolkit.open(folder)["weapons"])
    assert "ceremony_extra" in back["events"][column].cast(pl.String).to_list()
    assert toolkit.validate(parquet).ok


def test_the_descriptor_is_a_value_that_no_one_can_change_under_the_next_open(own):
    folder, _ = own
    ds = toolkit.open(folder)
    with pytest.raises(TypeError):
        ds.descriptor["title"] = "changed"
    with pytest.raises(TypeError):
        ds.descriptor.resource("weapons")["path"] = "elsewhere.csv"
    with pytest.raises((AttributeError, TypeError)):
        ds.descriptor["resources"].append({})
    copy = ds.descriptor.to_dict()
    copy["title"] = "changed"
    copy["resources"].clear()
    again = toolkit.open(folder)
    assert again.title == "My own story, my own title" and "weapons" in again.descriptor.table_names()
    with pytest.raises(AttributeError):
        ds.descriptor = Descriptor.shipped()


def test_a_corpus_of_folders_with_different_descriptors_has_every_table(own):
    folder, column = own
    corpus = toolkit.open(toolkit.SHIPPED, folder)  # the first folder lacks the table
    assert corpus["weapons"].height == 2
    assert "weapons" in corpus.descriptor.table_names()
    assert "ceremony_extra" in corpus.descriptor.field("events", column)["constraints"]["enum"]
    assert corpus.validate().ok, str(corpus.validate())


def test_a_column_declared_with_two_types_is_one_error_naming_both_folders(own, tmp_path):
    folder, _ = own
    other = tmp_path / "other"
    shutil.copytree(folder, other)
    desc = json.loads((other / "datapackage.json").read_text(encoding="utf-8"))
    weapons = next(r for r in desc["resources"] if r["name"] == "weapons")
    next(f for f in weapons["schema"]["fields"] if f["name"] == "rounds")["type"] = "string"
    (other / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    with pytest.raises(toolkit.DataError) as e:
        toolkit.open(folder, other)
    assert "rounds" in str(e.value) and str(folder) in str(e.value) and str(other) in str(e.value)


@pytest.mark.parametrize("change, words", [
    (lambda d: d["resources"][0]["schema"]["fields"][0].update(type="decimal"), "unknown field type"),
    (lambda d: d["resources"][0].update(path="../../../../etc/passwd"), "inside the folder"),
    (lambda d: d["resources"][0].update(path="/etc/passwd"), "inside the folder"),
    (lambda d: d["resources"][0].update(name="<script>alert(1)</script>"), "not a table name"),
    (lambda d: d["resources"][0]["schema"]["fields"][0].update(name="a b\"><img>"), "not a plain identifier"),
    (lambda d: d["resources"][0]["schema"].update(primaryKey="nope"), "primary key column"),
    (lambda d: d.update(resources="everything"), "no list of resources"),
])
def test_a_descriptor_that_cannot_be_used_is_one_clear_problem(tmp_path, change, words):
    folder = tmp_path / "bad"
    shutil.copytree(LEDGER, folder)
    desc = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    change(desc)
    (folder / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    report = toolkit.validate(folder)
    assert not report.ok and any(words in p.message for p in report.problems), str(report)
    assert all(p.file == "datapackage.json" for p in report.problems)
    run = subprocess.run([sys.executable, "-m", "toolkit", "validate", str(folder)], capture_output=True, text=True,
                         cwd=ROOT)
    assert run.returncode == 1 and "Traceback" not in run.stdout + run.stderr and words in run.stdout


def test_descriptor_values_compare_by_content_and_union_joins_values():
    a = Descriptor.shipped()
    raw = a.to_dict()
    assert Descriptor(raw) == a and hash(Descriptor(raw)) == hash(a)
    raw["title"] = "another"
    assert Descriptor(raw) != a and Descriptor(raw).fingerprint != a.fingerprint
    column = _closed_field(a, "events")
    next(f for f in next(r for r in raw["resources"] if r["name"] == "events")["schema"]["fields"]
         if f["name"] == column)["constraints"]["enum"].append("zzz")
    merged = union([("a", a), ("b", Descriptor(raw))])
    assert "zzz" in merged.field("events", column)["constraints"]["enum"]
    assert set(merged.field("events", column)["constraints"]["enum"]) >= set(a.field("events", column)["constraints"]["enum"])
    with pytest.raises(DescriptorError):
        Descriptor({"resources": [{"name": "t", "path": "t.csv", "schema": {"fields": [{"name": "x", "type": "blob"}]}}]})


def test_the_cache_key_follows_the_descriptor_and_only_declared_files(own, tmp_path, monkeypatch):
    from toolkit.dataset import cache

    folder, _ = own
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    desc = Descriptor.load(folder)
    k1 = cache.key(folder, desc)
    (folder / "notes-of-mine.txt").write_text("unrelated", encoding="utf-8")
    assert cache.key(folder, desc) == k1, "an unrelated file changed the key"
    with (folder / "weapons.csv").open("a", encoding="utf-8") as fh:
        fh.write("w3,mortar,1,\n")
    assert cache.key(folder, desc) != k1, "an extra table's file is part of the key"
    assert cache.key(folder, desc.replace(title="x")) != cache.key(folder, desc)
    first = toolkit.open(folder)
    cache.forget(folder.resolve())
    second = toolkit.open(folder)  # from disk: the folder's own descriptor comes back with it
    assert second.descriptor == first.descriptor and second["weapons"].height == 3


@pytest.mark.slow
def test_importing_the_views_changes_no_global_altair_setting():
    code = ("import altair as alt; before = (alt.theme.active, alt.renderers.active); "
            "from toolkit import charts, maps; import toolkit; c = charts.estimates(toolkit.open()); c.to_dict(); "
            "c._repr_mimebundle_(); print(before == (alt.theme.active, alt.renderers.active), "
            "c.to_dict()['config']['font'].startswith('Liberation'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.split() == ["True", "True"], out.stderr[-2000:]


def test_an_unknown_table_is_the_toolkits_own_error_naming_the_closest_table(own):
    folder, _ = own
    desc = toolkit.open(folder).descriptor
    with pytest.raises(toolkit.UnknownTable, match="did you mean 'weapons'") as err:
        desc.resource("weapon")
    assert isinstance(err.value, KeyError) and isinstance(err.value, toolkit.ToolkitError)  # old `except KeyError` still works
    with pytest.raises(toolkit.UnknownTable, match="tables are: .*weapons"):
        desc.path("zzzz_nothing_like_it")
