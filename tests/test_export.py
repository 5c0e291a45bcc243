"""Exports and the real Frictionless validator: the shipped package, the zip, Parquet, GeoJSON, ACLED, GED."""

import csv
import json
import re
import zipfile
from pathlib import Path

import polars as pl
import pytest

import toolkit
from toolkit import formats as ex
from toolkit.tools.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"


def frictionless_report(path: Path):
    frictionless = pytest.importorskip("frictionless")
    return frictionless.validate(str(path))


def documented(layout: str) -> list[str]:
    """The column names listed in README's table under the bold heading naming ``layout``."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"**{layout} layout**")
    table = re.search(r"\n\|.*?\n(?!\|)", text[start:], re.S).group(0)
    return re.findall(r"^\| `(\w+)` \|", table, re.M)


def read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, encoding="utf-8", newline="") as fh:
        r = csv.DictReader(fh)
        return r.fieldnames, list(r)


def num(v: str):
    return None if v == "" else float(v)


# --- Frictionless -----------------------------------------------------------------------------------

def test_shipped_descriptor_passes_the_real_frictionless_validator():
    report = frictionless_report(toolkit.SHIPPED / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


def test_frictionless_catches_what_it_should_in_the_shipped_layout(data_copy):
    # the descriptor is strict enough to fail: an unknown vocabulary value in a list-free column
    p = data_copy / "estimates.csv"
    p.write_text(p.read_text(encoding="utf-8").replace(",upper,as many as,", ",uper,as many as,"), encoding="utf-8")
    assert not frictionless_report(data_copy / "datapackage.json").valid


def test_exported_zip_passes_frictionless_even_when_csv_columns_are_reordered(data_copy, tmp_path):
    path = data_copy / "relations.csv"
    header, rows = read_csv(path)
    with open(path, "w", encoding="utf-8", newline="") as fh:  # the toolkit reads by name; Frictionless by position
        w = csv.DictWriter(fh, fieldnames=list(reversed(header)), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    assert not frictionless_report(data_copy / "datapackage.json").valid
    out = ex.export(data_copy, "frictionless", tmp_path / "pkg.zip")
    with zipfile.ZipFile(out) as z:
        assert "datapackage.json" in z.namelist() and not any(n.endswith(".txt") for n in z.namelist())
    report = frictionless_report(out)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


# --- ACLED and GED ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    d = tmp_path_factory.mktemp("export")
    return {f: ex.export(None, f, d / f"out.{f}") for f in ("acled", "ged", "geojson", "parquet")}


def test_acled_has_exactly_the_documented_columns_and_every_event(exported):
    header, rows = read_csv(exported["acled"])
    assert header == documented("ACLED")
    assert sorted(r["event_id_cnty"] for r in rows) == sorted(toolkit.load_events()["event_id"])


def test_acled_round_trips_dates_places_and_actors(exported):
    _, rows = read_csv(exported["acled"])
    events = {r["event_id"]: r for r in toolkit.load_events().to_dicts()}
    places = {r["place_id"]: r for r in toolkit.load_places().to_dicts()}
    names = dict(toolkit.load_actors().select("actor_id", "name").iter_rows())
    ea = toolkit.load_event_actors()
    for r in rows:
        e = events[r["event_id_cnty"]]
        if e["date_start"]:
            assert str(e["date_start"]) <= r["event_date"] <= str(e["date_end"])
            assert (r["time_precision"] == "1") == (str(e["date_precision"]) == "day")
        else:
            assert r["event_date"] == ""
        p = places.get(e["place_id"])
        assert (num(r["latitude"]), num(r["longitude"])) == ((p["lat"], p["lon"]) if p else (None, None))
        initiators = ea.filter((pl.col("event_id") == e["event_id"]) & (pl.col("role") == "initiator"))["actor_id"]
        assert r["actor1"] == "; ".join(names[a] for a in initiators)


def test_ged_has_exactly_the_documented_columns_and_round_trips_the_numbers(exported):
    header, rows = read_csv(exported["ged"])
    assert header == documented("UCDP GED")
    est = {r["estimate_id"]: r for r in toolkit.load_estimates().to_dicts()}
    got = {r["relid"]: r for r in rows if r["x_table"] == "estimates"}
    assert set(got) == set(est)
    for rid, r in got.items():
        e = est[rid]
        assert (num(r["low"]), num(r["best"]), num(r["high"])) == (e["value_low"], e["value_best"], e["value_high"])
        assert r["x_unit"] == str(e["unit"])
        assert r["date_end"] == (str(e["period_end"]) if e["period_end"] else "")
    assert {r["relid"] for r in rows if r["x_table"] == "events"} == set(toolkit.load_events()["event_id"])
    assert [int(r["id"]) for r in rows] == list(range(1, len(rows) + 1))


def test_ged_date_precision_codes_follow_the_span():
    import datetime as dt

    d = dt.date(2015, 3, 1)
    assert [ex._ged_date_prec("range", d, d + dt.timedelta(days=n)) for n in (0, 3, 6, 20, 200, 400)] == [1, 2, 3, 4, 5, None]
    assert ex._ged_date_prec("before", None, d) is None


# --- Parquet and GeoJSON ----------------------------------------------------------------------------

def test_parquet_round_trips_every_table(exported):
    for name in toolkit.dataset.shortcuts.tables():
        back = pl.read_parquet(exported["parquet"] / f"{name}.parquet")
        assert back.cast({c: pl.String for c, t in back.schema.items() if t == pl.Categorical}).equals(
            toolkit.load(name).cast({c: pl.String for c, t in toolkit.load(name).schema.items() if isinstance(t, pl.Enum)})
        ), name


def test_geojson_carries_every_place_with_its_attributes(exported):
    doc = json.loads(exported["geojson"].read_text(encoding="utf-8"))
    places = {r["place_id"]: r for r in toolkit.load_places().to_dicts()}
    feats = {f["id"]: f for f in doc["features"]}
    assert set(feats) == set(places)
    for pid, p in places.items():
        props = feats[pid]["properties"]
        assert props["name"] == p["name"] and props["iso_3166"] == p["iso_3166"]
        if p["lat"] is not None and feats[pid]["geometry"]["type"] == "Point":
            assert feats[pid]["geometry"]["coordinates"] == [p["lon"], p["lat"]]
    assert feats["daghestan"]["geometry"]["type"] in ("Polygon", "MultiPolygon")


# --- atomic writes and the command line -------------------------------------------------------------

def test_a_failed_export_leaves_the_earlier_file_and_no_temporary_files(tmp_path, monkeypatch):
    out = tmp_path / "acled.csv"
    out.write_text("earlier export\n")
    monkeypatch.setattr(ex, "_csv_bytes", lambda *a: (_ for _ in ()).throw(RuntimeError("disk full")))
    with pytest.raises(RuntimeError):
        ex.export(None, "acled", out)
    assert out.read_text() == "earlier export\n" and [p.name for p in tmp_path.iterdir()] == ["acled.csv"]


def test_bad_data_write_nothing(data_copy, tmp_path):
    p = data_copy / "events.csv"
    p.write_text(p.read_text(encoding="utf-8").replace("ev01,statement,", "ev01,statment,", 1), encoding="utf-8")
    out = tmp_path / "pkg.zip"
    with pytest.raises(toolkit.DataError):
        ex.export(data_copy, "frictionless", out)
    assert not out.exists()


def test_parquet_refuses_to_replace_a_folder_that_is_not_an_export(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ex.ExportError, match="not an earlier .parquet export"):
        ex.export(None, "parquet", tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    again = ex.export(None, "parquet", tmp_path / "pq")
    assert ex.export(None, "parquet", again) == again  # an earlier export is replaced


def test_cli_exports_and_reports_errors_without_traceback(tmp_path, capsys):
    assert main(["export", "--format", "ged", "--out", str(tmp_path / "g.csv")]) == 0
    assert (tmp_path / "g.csv").is_file()
    assert main(["export", str(tmp_path / "missing"), "--format", "acled", "--out", str(tmp_path / "a.csv")]) == 1
    err = capsys.readouterr().err
    assert "does not exist" in err and "Traceback" not in err
