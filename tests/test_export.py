"""Exports in the field's formats, loaded by the real tools: frictionless-py, DuckDB (ACLED, GED, Parquet).

The ACLED and GED column lists below are the codebooks' (issue 24), not a copy of the toolkit's output.
"""

import csv
import datetime as dt
import json
import re
import shutil
import zipfile
from pathlib import Path

import polars as pl
import pytest

import toolkit
from toolkit import formats as ex
from toolkit.formats import acled, ged
from toolkit.tools.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "exports.md"
LEDGER = ROOT / "tests" / "data" / "ledger"

ACLED_CODEBOOK = ("event_id_cnty event_date year time_precision disorder_type event_type sub_event_type actor1 "
                  "assoc_actor_1 inter1 actor2 assoc_actor_2 inter2 interaction civilian_targeting iso region country "
                  "admin1 admin2 admin3 location latitude longitude geo_precision source source_scale notes fatalities "
                  "tags timestamp").split()
GED_CODEBOOK = ("id relid year active_year code_status type_of_violence conflict_dset_id conflict_new_id conflict_name "
                "dyad_dset_id dyad_new_id dyad_name side_a_dset_id side_a_new_id side_a side_b_dset_id side_b_new_id "
                "side_b number_of_sources source_article source_office source_date source_headline source_original "
                "where_prec where_coordinates where_description adm_1 adm_2 latitude longitude geom_wkt priogrid_gid "
                "country country_id region event_clarity date_prec date_start date_end deaths_a deaths_b "
                "deaths_civilians deaths_unknown best high low gwnoa gwnob").split()
ACLED_TYPES = {"Battles": {"Government regains territory", "Non-state actor overtakes territory", "Armed clash"},
               "Protests": {"Excessive force against protesters", "Protest with intervention", "Peaceful protest"},
               "Riots": {"Violent demonstration", "Mob violence"},
               "Explosions/Remote violence": {"Chemical weapon", "Air/drone strike", "Suicide bomb",
                                              "Shelling/artillery/missile attack", "Remote explosive/landmine/IED", "Grenade"},
               "Violence against civilians": {"Sexual violence", "Attack", "Abduction/forced disappearance"},
               "Strategic developments": {"Agreement", "Arrests", "Change to group/activity", "Disrupted weapons use",
                                          "Headquarters or base established", "Looting/property destruction",
                                          "Non-violent transfer of territory", "Other"}}
ACLED_REGIONS = {"Western Africa", "Middle Africa", "Eastern Africa", "Southern Africa", "Northern Africa", "South Asia",
                 "Southeast Asia", "East Asia", "Middle East", "Europe", "Caucasus and Central Asia", "Central America",
                 "South America", "Caribbean", "North America", "Oceania", "Antarctica"}


def frictionless_report(path: Path):
    frictionless = pytest.importorskip("frictionless")
    return frictionless.validate(str(path))


def documented(layout: str) -> list[str]:
    """The column names in docs/exports.md's table under the heading naming ``layout``."""
    text = DOCS.read_text(encoding="utf-8")
    start = text.index(f"## {layout} layout")
    table = re.search(r"\n\|.*?\n(?!\|)", text[start:], re.S).group(0)
    return [c for cell in re.findall(r"^\| ([^|]+) \|", table, re.M) for c in re.findall(r"`(\w+)`", cell)]


def read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, encoding="utf-8", newline="") as fh:
        r = csv.DictReader(fh)
        return r.fieldnames, list(r)


def duck(path: Path, columns: dict):
    """The CSV read by DuckDB with the codebook's types (a value that is not of its type fails)."""
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    rel = con.sql(f"SELECT * FROM read_csv('{path}', header=true, columns={columns!r}, auto_detect=false, "
                  "strict_mode=true, quote='\"', escape='\"')")
    return con, rel


@pytest.fixture
def events_folder(tmp_path):
    """The invented ledger passage plus the event kinds and certainty another extraction may add: a killing
    whose deaths the text counts ("at least 35 ... killed"), an arrest, and a place west of Greenwich."""
    folder = tmp_path / "ledger"
    shutil.copytree(LEDGER, folder)
    desc = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    ev = next(r for r in desc["resources"] if r["name"] == "events")
    fields = {f["name"]: f for f in ev["schema"]["fields"]}
    for value in ("killing", "arrest"):
        if value not in fields["sub_kind"]["constraints"]["enum"]:
            fields["sub_kind"]["constraints"]["enum"].append(value)
    if "certainty" not in fields:
        ev["schema"]["fields"].append({"name": "certainty", "type": "string", "description": "How the text presents it.",
                                       "constraints": {"enum": ["stated", "reported", "claimed", "alleged", "likely",
                                                                "possible", "unconfirmed", "denied"]}})
    (folder / "datapackage.json").write_text(json.dumps(desc, indent=1), encoding="utf-8")
    header, rows = read_csv(folder / "events.csv")
    header = header + (["certainty"] if "certainty" not in header else [])
    base = {c: "" for c in header} | {"year_inferred": "false", "date_inferred": "true", "place_inferred": "false",
                                      "source_id": "ledger_2016", "paragraph": "4", "date_precision": "range",
                                      "date_start": "2013-01-01", "date_end": "2016-05-12"}
    rows.append(base | {"event_id": "ev10", "kind": "battles", "sub_kind": "killing", "place_id": "syria",
                        "summary": "=1+1 residents killed in the fighting", "char_start": "300", "char_end": "335",
                        "quote": "at least 35 of them had been killed", "certainty": "alleged"})
    rows.append(base | {"event_id": "ev11", "kind": "strategic_developments", "sub_kind": "arrest", "place_id": "evil",
                        "summary": "-Returnees face trial", "char_start": "361", "char_end": "396",
                        "quote": "14 had come home and now face trial", "certainty": "stated"})
    with open(folder / "events.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    with open(folder / "event_actors.csv", "a", encoding="utf-8", newline="") as fh:
        fh.write("ev10,kb_interior,initiator,\nev10,mention_group,target,\nev11,kb_prosecutor,initiator,\n")
    with open(folder / "places.csv", "a", encoding="utf-8", newline="") as fh:
        fh.write('evil,"=HYPERLINK(""http://evil.example"",""x"")",city,US-DC,,38.89511,-77.03637,exact point,false,,\n')
    with open(folder / "actors.csv", "a", encoding="utf-8", newline="") as fh:
        fh.write("mention_group,@SUM(1+1),armed_group,,,ledger_2016,\n")
    toolkit.open(folder)  # the fixture itself must be valid data
    return folder


# --- Frictionless -----------------------------------------------------------------------------------

def test_shipped_descriptor_passes_the_real_frictionless_validator():
    report = frictionless_report(toolkit.SHIPPED / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


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
        assert z.namelist()[0] == "datapackage.json" and not any(n.endswith(".txt") for n in z.namelist())
    report = frictionless_report(out)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


def test_frictionless_zip_keeps_the_folders_own_descriptor_and_extra_table(events_folder, tmp_path):
    desc = json.loads((events_folder / "datapackage.json").read_text(encoding="utf-8"))
    desc["x-mine"] = {"kept": True}
    desc["resources"].append({"name": "interviews", "path": "interviews.csv", "format": "csv", "encoding": "utf-8",
                              "schema": {"fields": [{"name": "interview_id", "type": "string"},
                                                    {"name": "minutes", "type": "integer"}], "primaryKey": ["interview_id"]}})
    (events_folder / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    (events_folder / "interviews.csv").write_text("interview_id,minutes\ni1,40\n", encoding="utf-8")
    out = ex.export(events_folder, "frictionless", tmp_path / "pkg.zip")
    with zipfile.ZipFile(out) as z:
        got = json.loads(z.read("datapackage.json"))
        assert z.read("interviews.csv").decode() == "interview_id,minutes\ni1,40\n"
        assert "texts/ledger_2016.txt" in z.namelist()  # the ledger's descriptor allows its invented text
    assert got["title"] == desc["title"] and got["x-mine"] == {"kept": True}
    events = next(r for r in got["resources"] if r["name"] == "events")["schema"]["fields"]
    assert "killing" in next(f for f in events if f["name"] == "sub_kind")["constraints"]["enum"]
    report = frictionless_report(out)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


# --- ACLED ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shipped_exports(tmp_path_factory):
    d = tmp_path_factory.mktemp("export")
    return {f: ex.export(None, f, d / f"out.{f}") for f in ("acled", "ged", "geojson", "parquet")}


def test_acled_has_the_codebooks_31_columns_in_order_as_documented(shipped_exports):
    header, _ = read_csv(shipped_exports["acled"])
    assert header == ACLED_CODEBOOK == list(acled.COLUMNS) == documented("ACLED")


def test_ged_has_the_codebooks_49_columns_in_order_as_documented(shipped_exports):
    header, _ = read_csv(shipped_exports["ged"])
    assert header == GED_CODEBOOK == list(ged.COLUMNS)
    assert documented("UCDP GED") == GED_CODEBOOK


@pytest.mark.parametrize("layout", ["acled", "ged"])
def test_duckdb_loads_the_export_with_the_codebooks_types(shipped_exports, events_folder, tmp_path, layout):
    columns = (acled if layout == "acled" else ged).COLUMNS
    for path in (shipped_exports[layout], ex.export(events_folder, layout, tmp_path / f"{layout}.csv")):
        con, rel = duck(path, columns)
        assert rel.columns == list(columns)
        assert [str(t) for t in rel.types] == list(columns.values())
        assert rel.count("*").fetchall()[0][0] == len(read_csv(path)[1])
        # DuckDB's own guess agrees with the codebook wherever a column has values
        auto = con.sql(f"SELECT * FROM read_csv_auto('{path}')")
        guessed = dict(zip(auto.columns, [str(t) for t in auto.types]))
        filled = {c for c in columns if rel.aggregate(f'count("{c}")').fetchall()[0][0]}
        numeric = {"BIGINT", "DOUBLE"}
        for c in filled:
            want, got = columns[c], guessed[c]
            assert want == got or (want in numeric and got in numeric) or (want == "VARCHAR"), (layout, c, got)


def test_acled_values_are_in_acleds_vocabularies(events_folder, tmp_path):
    out = ex.export(events_folder, "acled", tmp_path / "acled.csv")
    _, rows = read_csv(out)
    text = out.read_text(encoding="utf-8")
    assert ",None," not in text and "nan" not in text.lower().split(",")
    for r in rows:
        assert r["sub_event_type"] in ACLED_TYPES[r["event_type"]] | {""}, r
        assert r["disorder_type"] in {"Political violence", "Demonstrations", "Strategic developments"}
        for k in ("inter1", "inter2"):
            assert r[k] == "" or 0 <= int(r[k]) <= 8
        if r["inter1"] and r["inter2"]:
            a, b = sorted(int(r[k]) for k in ("inter1", "inter2"))
            assert int(r["interaction"]) == (a * 10 + b if a else b * 10)
        assert r["region"] == "" or r["region"] in ACLED_REGIONS
        assert r["time_precision"] in ("", "1", "2", "3") and r["geo_precision"] in ("", "1", "2", "3")
    by_id = {r["event_id_cnty"]: r for r in rows}
    ev = toolkit.open(events_folder)["events"]
    kept = set(ev.filter(pl.col("kind").cast(pl.String).is_in(list(acled.EVENT_TYPES)))["event_id"])
    assert set(by_id) == kept  # statements left out, everything else in
    assert (by_id["ev10"]["event_type"], by_id["ev10"]["sub_event_type"]) == ("Battles", "Armed clash")
    assert (by_id["ev11"]["event_type"], by_id["ev11"]["sub_event_type"]) == ("Strategic developments", "Arrests")
    assert by_id["ev10"]["inter1"] == "1" and by_id["ev10"]["inter2"] == "2" and by_id["ev10"]["interaction"] == "12"
    assert by_id["ev10"]["iso"] == "760" and by_id["ev10"]["region"] == "Middle East"  # Syria: ISO 3166-1 numeric
    assert by_id["ev10"]["tags"] == "certainty=alleged" and by_id["ev11"]["tags"] == ""


def test_acled_fatalities_come_from_the_texts_death_counts_only(events_folder, tmp_path):
    _, rows = read_csv(ex.export(events_folder, "acled", tmp_path / "acled.csv"))
    est = {r["estimate_id"]: r for r in toolkit.open(events_folder)["estimates"].to_dicts()}
    by_id = {r["event_id_cnty"]: r for r in rows}
    assert by_id["ev10"]["fatalities"] == str(est["est02"]["value_low"])  # "at least 35 ... killed": a floor, coded as 35
    assert by_id["ev11"]["fatalities"] == ""  # 14 who face trial are fighters, not deaths
    assert "est02" in by_id["ev10"]["notes"]


def test_shipped_acled_fatalities_follow_the_death_estimate_that_overlaps_the_event(shipped_exports):
    _, rows = read_csv(shipped_exports["acled"])
    ds = toolkit.open()
    deaths = ds["estimates"].filter(pl.col("unit").cast(pl.String) == "deaths").to_dicts()
    events = {e["event_id"]: e for e in ds["events"].to_dicts()}
    for r in rows:
        e = events[r["event_id_cnty"]]
        counts = [d for d in deaths if d["source_id"] == e["source_id"] and d["char_start"] is not None
                  and e["char_start"] is not None and d["char_start"] < e["char_end"] and e["char_start"] < d["char_end"]]
        want = str(counts[0]["value_best"] or counts[0]["value_low"]) if counts else ""
        assert r["fatalities"] == want, r["event_id_cnty"]


# --- GED --------------------------------------------------------------------------------------------

def test_ged_counts_deaths_never_fighters(shipped_exports, events_folder, tmp_path):
    for folder, path in ((None, shipped_exports["ged"]), (events_folder, ex.export(events_folder, "ged", tmp_path / "g.csv"))):
        ds = toolkit.open(folder) if folder else toolkit.open()
        est = {r["estimate_id"]: r for r in ds["estimates"].to_dicts()}
        events = {r["event_id"]: r for r in ds["events"].to_dicts()}
        _, rows = read_csv(path)
        assert rows, "a deadly event or a death count is in every one of these datasets"
        for r in rows:
            assert r["relid"] in events or str(est[r["relid"]]["unit"]) == "deaths", r["relid"]
            if r["relid"] in events:
                assert str(events[r["relid"]]["kind"]) in ged.VIOLENT_KINDS or \
                    str(events[r["relid"]]["sub_kind"]) in ged.DEADLY_SUB_KINDS
            fighters = {str(v) for e in est.values() if str(e["unit"]) != "deaths"
                        for v in (e["value_low"], e["value_best"], e["value_high"]) if v is not None}
            deaths = {str(v) for e in est.values() if str(e["unit"]) == "deaths"
                      for v in (e["value_low"], e["value_best"], e["value_high"]) if v is not None}
            for k in ("best", "low", "high"):
                assert r[k] == "" or r[k] in deaths or r[k] not in fighters, (r["relid"], k, r[k])
        assert [int(r["id"]) for r in rows] == list(range(1, len(rows) + 1))


def test_ged_codes_violence_clarity_and_place(events_folder, tmp_path):
    _, rows = read_csv(ex.export(events_folder, "ged", tmp_path / "g.csv"))
    by = {r["relid"]: r for r in rows}
    ev10 = by["ev10"]
    assert ev10["type_of_violence"] == "1" and ev10["side_a"] == "Interior Ministry of Kabardino-Balkaria"
    assert ev10["event_clarity"] == "2"  # alleged: unclear
    assert (ev10["best"], ev10["low"], ev10["high"]) == ("35", "35", "")  # "at least 35": no upper figure
    assert ev10["country_id"] == "652" and ev10["region"] == "Middle East" and ev10["where_prec"] == "6"
    assert "ev11" not in by and "est02" not in by  # an arrest is no GED event; est02's deaths went into ev10
    assert {r["type_of_violence"] for r in rows} <= {"", "1", "2", "3"}
    assert all(r["date_prec"] in ("", "1", "2", "3", "4", "5") for r in rows)


def test_ged_date_precision_codes_follow_the_span():
    import datetime as dt

    d = dt.date(2015, 3, 1)
    assert [ged.date_prec("range", d, d + dt.timedelta(days=n)) for n in (0, 3, 6, 20, 200, 400)] == [1, 2, 3, 4, 5, None]
    assert ged.date_prec("before", None, d) is None


def test_priogrid_cells_are_prio_grids_numbering():
    assert ged.priogrid(-89.9, -179.9) == 1 and ged.priogrid(-89.9, 179.9) == 720 and ged.priogrid(-89.4, -179.9) == 721
    assert ged.priogrid(89.9, 179.9) == 259200


# --- formulas ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", ["acled", "ged"])
def test_spreadsheet_csvs_neutralise_formulas_but_not_numbers(events_folder, tmp_path, layout):
    path = ex.export(events_folder, layout, tmp_path / f"{layout}.csv")
    header, rows = read_csv(path)
    numeric = {c for c, t in (acled if layout == "acled" else ged).COLUMNS.items() if t in ("BIGINT", "DOUBLE")}
    for r in rows:
        for c, v in r.items():
            if c in numeric:
                assert v == "" or float(v) == float(v)  # still a number (a negative one too)
            else:
                assert not v.startswith(("=", "+", "-", "@", "\t", "\r")), (c, v)
    if layout == "acled":
        by = {r["event_id_cnty"]: r for r in rows}
        assert by["ev11"]["longitude"] == "-77.03637" and by["ev11"]["location"].startswith("'=HYPERLINK(")
        assert by["ev10"]["actor2"] == "'@SUM(1+1)" and by["ev10"]["notes"].startswith("'=1+1")
        assert by["ev11"]["notes"].startswith("'-Returnees")
    else:
        assert next(r for r in rows if r["relid"] == "ev10")["side_b"] == "'@SUM(1+1)"


def test_spreadsheet_safe_follows_owasp():
    from toolkit.formats.writing import spreadsheet_safe

    assert [spreadsheet_safe(v) for v in ("=1", "+1", "-1", "@x", "\tx", "\rx", "a=1", "", -77.03, 5, None)] == \
        ["'=1", "'+1", "'-1", "'@x", "'\tx", "'\rx", "a=1", "", -77.03, 5, None]


# --- GeoJSON and the command line -------------------------------------------------------------------

def test_geojson_carries_every_place_with_its_attributes(shipped_exports):
    doc = json.loads(shipped_exports["geojson"].read_text(encoding="utf-8"))
    places = {r["place_id"]: r for r in toolkit.load_places().to_dicts()}
    feats = {f["id"]: f for f in doc["features"]}
    assert set(feats) == set(places)
    for pid, p in places.items():
        props = feats[pid]["properties"]
        assert props["name"] == p["name"] and props["iso_3166"] == p["iso_3166"]
        if p["lat"] is not None and feats[pid]["geometry"]["type"] == "Point":
            assert feats[pid]["geometry"]["coordinates"] == [p["lon"], p["lat"]]
    assert feats["daghestan"]["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_bad_data_write_nothing(data_copy, tmp_path):
    p = data_copy / "events.csv"
    p.write_text(p.read_text(encoding="utf-8").replace("ev01,statement,", "ev01,statment,", 1), encoding="utf-8")
    out = tmp_path / "pkg.zip"
    with pytest.raises(toolkit.DataError):
        ex.export(data_copy, "frictionless", out)
    assert not out.exists()


def test_cli_exports_lists_what_acled_leaves_out_and_reports_errors_without_traceback(tmp_path, capsys):
    assert main(["export", "--format", "acled", "--out", str(tmp_path / "a.csv")]) == 0
    said = capsys.readouterr().out
    statements = toolkit.load_events().filter(pl.col("kind") == "statement")["event_id"].to_list()
    assert "left out" in said and all(s in said for s in statements)
    assert main(["export", str(tmp_path / "missing"), "--format", "acled", "--out", str(tmp_path / "b.csv")]) == 1
    err = capsys.readouterr().err
    assert "does not exist" in err and "Traceback" not in err and not (tmp_path / "b.csv").exists()


def test_readmes_duckdb_example_runs_and_never_adds_claims_of_different_kinds(shipped_exports):
    duckdb = pytest.importorskip("duckdb")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sql = re.search(r"DuckDB on a laptop\s*\(`(SELECT.*?)`", readme, re.S).group(1)
    assert "sum(" not in sql.lower(), "summing claims adds up different people and the same people twice"
    con = duckdb.connect()
    con.execute(f"SET file_search_path = '{shipped_exports['parquet']}'")
    got = con.sql(" ".join(sql.split())).pl()
    keys = [c for c in ("source_id", "unit", "population") if c in got.columns]
    assert keys == ["source_id", "unit", "population"] and got.select(keys).is_unique().all()


@pytest.mark.parametrize("brief", sorted(p.name for p in (ROOT / "tests" / "fixtures").glob("brief_*")) or ["none"])
def test_other_extractions_export_with_the_codebooks_types_and_their_death_counts(brief, tmp_path):
    folder = ROOT / "tests" / "fixtures" / brief
    if not folder.is_dir():
        pytest.skip("no invented briefs in tests/fixtures")
    ds = toolkit.open(folder)
    for layout, module in (("acled", acled), ("ged", ged)):
        path = ex.export(folder, layout, tmp_path / f"{layout}.csv")
        _, rel = duck(path, module.COLUMNS)
        assert [str(t) for t in rel.types] == list(module.COLUMNS.values())
    deaths = ds["estimates"].filter(pl.col("unit").cast(pl.String) == "deaths")
    _, rows = read_csv(tmp_path / "ged.csv")
    counted = {r["best"] for r in rows if r["best"]}
    assert counted <= {str(v) for v in deaths["value_best"].to_list() + deaths["value_low"].to_list() if v is not None}
    acled_rows = read_csv(tmp_path / "acled.csv")[1]
    assert {r["fatalities"] for r in acled_rows if r["fatalities"]} <= counted


def test_a_date_known_by_one_end_is_never_exported_as_that_day(events_folder, tmp_path):
    """"after 3 May" is not 3 May: ACLED gets the middle of 4 May .. the report's publication (its last possible day),
    GED the span itself; "before 1 May" has no first day, so ACLED's event_date stays empty and GED ends on 30 April."""
    header, rows = read_csv(events_folder / "events.csv")
    for r in rows:
        if r["event_id"] == "ev10":
            r.update(date_start="2016-05-03", date_end="", date_precision="after")
        if r["event_id"] == "ev11":
            r.update(date_start="", date_end="2016-05-01", date_precision="before")
    with open(events_folder / "events.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    published = toolkit.open(events_folder)["sources"].filter(source_id="ledger_2016")["published_end"][0]
    _, acled = read_csv(ex.export(events_folder, "acled", tmp_path / "acled.csv"))
    a = {r["event_id_cnty"]: r for r in acled}
    first = dt.date(2016, 5, 4)
    assert a["ev10"]["event_date"] == (first + (published - first) / 2).isoformat() != "2016-05-03"
    assert a["ev10"]["year"] == "2016" and "after 3 May 2016" in a["ev10"]["notes"]
    assert a["ev11"]["event_date"] == "" and a["ev11"]["year"] == "" and "before 1 May 2016" in a["ev11"]["notes"]
    _, rows_ged = read_csv(ex.export(events_folder, "ged", tmp_path / "ged.csv"))
    g = {r["relid"]: r for r in rows_ged}
    assert (g["ev10"]["date_start"], g["ev10"]["date_end"]) == ("2016-05-04", published.isoformat())
    assert "ev11" not in g  # an arrest: GED holds deadly events only (the "before" span: known_span's doctest)


def test_geojson_never_gives_a_place_its_stand_ins_outline(data_copy):
    """A district the maps draw as its region (``drawn_as``) is exported with its own point, or no geometry, never
    with the region's outline as if it were its own."""
    from toolkit.formats import geojson

    places = pl.read_csv(data_copy / "places.csv", infer_schema=False)
    new = {c: None for c in places.columns} | {"place_id": "test_district", "name": "Test district", "kind": "city",
                                                "parent_id": "daghestan", "drawn_as": "daghestan",
                                                "where_precision": "admin-2", "in_article": "false"}
    pl.concat([places, pl.DataFrame([new], schema={c: pl.String for c in places.columns})]).write_csv(data_copy / "places.csv")
    feats = {f["id"]: f for f in geojson.collection(toolkit.open(data_copy))["features"]}
    assert feats["daghestan"]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert feats["test_district"]["geometry"] is None and feats["test_district"]["properties"]["drawn_as"] == "daghestan"
