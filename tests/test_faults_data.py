"""Regressions for the validator's gaps, the loaders and `python -m toolkit locate`/`mentions` (issue 16).

Each test breaks a copy of the shipped data the way a user's folder was found broken and checks for one
located problem (file, row, column) instead of a pass, a traceback or a flood of follow-on errors; the CLI
tests check that nothing is written on a problem and that a write keeps each file's bytes and line endings.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import toolkit
from toolkit.views import embed
from toolkit.core.descriptor import Descriptor
schema = Descriptor.shipped()  # the toolkit's own schema, as a value
from toolkit.tools.cli import main
from toolkit.tools.cli.authoring import _write_all
from toolkit.checks import DataError

ROOT = Path(__file__).resolve().parents[1]


def edit(folder: Path, file: str, old: str, new: str) -> None:
    """Replace the first ``old`` by ``new`` in a file, keeping its line endings and byte-order mark."""
    p = folder / file
    s = p.read_bytes().decode("utf-8")
    assert old in s, f"{old!r} not in {file}"
    p.write_bytes(s.replace(old, new, 1).encode("utf-8"))


def row_of(folder: Path, file: str, startswith: str) -> int:
    """Data row number (1-based, header excluded) of the first record whose line starts with a prefix."""
    lines = (folder / file).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines) if line.startswith(startswith))


def problems(folder: Path, **kw) -> list[str]:
    return [str(p) for p in toolkit.validate(folder, **kw).problems]


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def loader_error(folder: Path) -> str:
    with pytest.raises(DataError) as err:  # a DataError, not a bare ValueError from a date conversion
        toolkit.dataset.cache._memory.pop(folder.resolve(), None)
        toolkit.load_events(data_dir=folder)
    return str(err.value)


# --- duplicate keys in every table ------------------------------------------------------------------

@pytest.mark.parametrize("name", schema.table_names())
def test_a_duplicated_row_is_a_duplicate_key_in_every_table(name, data_copy):
    path = data_copy / schema.resource(name)["path"]
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines) + lines[-1])
    n = len(lines) - 1  # the last data row, and its copy n + 1
    found = [p for p in problems(data_copy) if p.startswith(f"{path.name} row ")]
    assert f"{path.name} row {n + 1}" in " ".join(found), found
    assert any(f"row {n + 1}, column" in p and f"(also in row {n})" in p for p in found), found


def test_duplicated_mentions_are_reported_with_both_rows(data_copy):
    path = data_copy / "mentions.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:3] + [lines[2]] + lines[3:]), encoding="utf-8")
    start = lines[2].split(",")[4]
    found = problems(data_copy)
    assert any(f.startswith("mentions.csv row 2, column source_id,char_start: duplicate primary key")
               and f"{start})" in f and "(also in row 3)" in f for f in found), found
    assert any(f.startswith("mentions.csv row 3, column source_id,char_start: duplicate primary key")
               and "(also in row 2)" in f for f in found), found


# --- invisible characters, stray spaces, blank values -----------------------------------------------

@pytest.mark.parametrize("bad, expected", [
    ("kadyrov\u200b", "'kadyrov\\u200b' contains U+200B ZERO WIDTH SPACE at character 8"),
    ("kadyrov ", "'kadyrov ' starts or ends with a space"),
    ("\u00a0kadyrov", "'\\xa0kadyrov' starts or ends with a space"),
    ("kad\u2060yrov", "'kad\\u2060yrov' contains U+2060 WORD JOINER at character 4"),
])
def test_ids_that_differ_only_by_invisible_characters_or_spaces(bad, expected, data_copy):
    row = row_of(data_copy, "actors.csv", "kadyrov,")
    edit(data_copy, "actors.csv", "kadyrov,Ramzan Kadyrov,", f"{bad},Ramzan Kadyrov,")
    found = problems(data_copy)
    assert any(p.startswith(f"actors.csv row {row}, column actor_id: {expected}") for p in found), found


def test_an_alias_with_an_invisible_character(data_copy):
    row = row_of(data_copy, "aliases.csv", "Sergei Melikov,")
    edit(data_copy, "aliases.csv", "\nSergei Melikov,", "\nS\u200bergei Melikov,")
    assert (f"aliases.csv row {row}, column alias: 'S\\u200bergei Melikov' contains U+200B ZERO WIDTH SPACE at character 2"
            in " ".join(problems(data_copy)))


@pytest.mark.parametrize("char, expected", [
    ("\u2028", "U+2028 LINE SEPARATOR"), ("\u2029", "U+2029 PARAGRAPH SEPARATOR"),
    ("\x00", "the control character U+0000"), ("\x1b", "the control character U+001B"),
    ("\u202e", "U+202E RIGHT-TO-LEFT OVERRIDE"), ("\ufeff", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
])
def test_invisible_and_control_characters_in_text_columns(char, expected, data_copy):
    row = row_of(data_copy, "actors.csv", "kadyrov,")
    edit(data_copy, "actors.csv", "kadyrov,Ramzan Kadyrov,", f"kadyrov,Ramzan{char}Kadyrov,")
    found = problems(data_copy)
    assert f"actors.csv row {row}, column name: 'Ramzan{char}Kadyrov' contains {expected} at character 7".replace(
        char, repr(char)[1:-1]) in " ".join(found), found


def test_text_may_hold_tabs_new_lines_and_no_break_spaces(data_copy):
    edit(data_copy, "actors.csv", "kadyrov,Ramzan Kadyrov,", 'kadyrov,"Ramzan\u00a0Kadyrov\n\tof Chechnya",')
    assert problems(data_copy) == []


def test_a_required_list_of_only_delimiters_is_missing(data_copy):
    row = row_of(data_copy, "disputes.csv", "dp01,")
    edit(data_copy, "disputes.csv", "est01;est05;est04", ";;;")
    assert f"disputes.csv row {row}, column claim_ids: value is required (';;;' lists no item)" in problems(data_copy)


@pytest.mark.parametrize("blank", ['"   "', '""'])
def test_a_required_text_of_only_spaces_is_missing(blank, data_copy):
    row = row_of(data_copy, "actors.csv", "kadyrov,")
    edit(data_copy, "actors.csv", "kadyrov,Ramzan Kadyrov,", f"kadyrov,{blank},")
    assert f"actors.csv row {row}, column name: value is required" in problems(data_copy)


def test_u2028_never_blanks_a_chart(browser, tmp_path):
    """Vega's expression parser rejects U+2028 in the sort lists Vega-Lite writes: the chart drew nothing."""
    from conftest import open_offline
    from toolkit.views import charts

    actors = toolkit.load_actors().with_columns(
        pl.when(pl.col("actor_id") == "kadyrov").then(pl.lit("Ramzan\u2028Kadyrov")).otherwise(pl.col("name")).alias("name"))
    assert "\\u2028" not in embed.script_json({"name": "a\u2028b"}) and "\u2028" not in embed.script_json({"n": "a\u2028b"})
    for chart in (charts.mentions(actors=actors), charts.dashboard(actors=actors)):
        page = tmp_path / "chart.html"
        page.write_text(f"<!doctype html><html><body>{embed.html(chart.to_dict(), with_bundle=True)}</body></html>",
                        encoding="utf-8")
        p, foreign, errors, _ = open_offline(browser, page.as_uri())
        try:
            assert p.locator(".tk-vega svg").count() == 1 and not errors, errors
        finally:
            p.close()


# --- dates ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["0000-03-15", "-0001-03-15", "10000-03-15"])
def test_years_out_of_range_are_located_problems_everywhere(bad, data_copy):
    row = row_of(data_copy, "events.csv", "ev10,")
    edit(data_copy, "events.csv", "2015-03-15,2015-03-16", f"{bad},2015-03-16")
    expected = f"events.csv row {row}, column date_start: '{bad}' is not a valid date (the year must be from 1 to 9999)"
    assert expected in problems(data_copy)
    assert expected in loader_error(data_copy)
    for cmd in ("validate", "summary") if bad.startswith("0000") else ():  # the CLI once (a fresh interpreter each)
        res = subprocess.run([sys.executable, "-m", "toolkit", cmd, str(data_copy)], capture_output=True, text=True,
                             cwd=ROOT, timeout=120)
        assert res.returncode == 1 and "Traceback" not in res.stderr, res.stderr
        assert expected in res.stdout + res.stderr


# --- the file's form: header, rows, encodings -------------------------------------------------------

def test_a_column_named_twice(data_copy):
    edit(data_copy, "actors.csv", "actor_id,name,", "actor_id,actor_id,")
    assert "actors.csv, column actor_id: column is named twice in the header (columns 1 and 2)" in problems(data_copy)


def test_a_row_with_extra_fields_names_the_row(data_copy):
    row = row_of(data_copy, "actors.csv", "kadyrov,")
    edit(data_copy, "actors.csv", "kadyrov,Ramzan Kadyrov", "kadyrov,Ramzan, Kadyrov")
    found = problems(data_copy)
    assert any(p.startswith(f"actors.csv row {row}: the row has 8 fields but the header has 7") for p in found), found


@pytest.mark.parametrize("codec, expected", [("utf-16-le", "looks like UTF-16"), ("utf-16", "is UTF-16"),
                                             ("utf-32", "is UTF-32")])
def test_utf16_files_get_an_encoding_hint(codec, expected, data_copy):
    p = data_copy / "actors.csv"
    p.write_bytes(p.read_text(encoding="utf-8").encode(codec))
    found = problems(data_copy)
    assert any(x.startswith(f"actors.csv: the file {expected}") and "save it as UTF-8" in x for x in found), found


def test_a_csv_with_a_byte_order_mark_and_crlf_is_accepted(data_copy):
    for p in data_copy.glob("*.csv"):
        p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes().replace(b"\n", b"\r\n"))
    assert problems(data_copy) == []


@pytest.mark.parametrize("form, expected", [
    (lambda b: b.replace(b"\n", b"\r\n"), "the text has CRLF line endings"),
    (lambda b: b"\xef\xbb\xbf" + b, "the text has a byte-order mark"),
    (lambda b: b"\xef\xbb\xbf" + b.replace(b"\n", b"\r\n"), "the text has a byte-order mark (U+FEFF) at the start and CRLF"),
])
def test_text_with_crlf_or_a_bom_is_one_problem(form, expected, data_copy, text):
    (data_copy / "article.txt").write_bytes(form(text.encode("utf-8")))
    found = problems(data_copy)
    assert len(found) == 1 and found[0].startswith(f"article.txt: {expected}"), found[:3]
    assert expected in loader_error(data_copy)


def test_long_values_are_cut_in_messages(data_copy):
    edit(data_copy, "actors.csv", "kadyrov,Ramzan Kadyrov,person", "kadyrov,Ramzan Kadyrov," + "x" * 5_000_000)
    found = problems(data_copy)
    assert len(found) == 1 and "(5,000,000 characters)" in found[0] and len(found[0]) < 400, found[0][:500]


# --- which text -------------------------------------------------------------------------------------

def test_a_text_path_that_does_not_exist_is_a_problem(data_copy, tmp_path):
    missing = tmp_path / "nowhere" / "article.txt"
    report = toolkit.validate(data_copy, text_path=missing)
    assert not report.ok and str(report.problems[0]).startswith(f"{missing}: the text given with --text does not exist")
    res = subprocess.run([sys.executable, "-m", "toolkit", "validate", str(data_copy), "--text", str(missing)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 1 and f"{missing}: the text given with --text does not exist" in res.stdout, res.stdout + res.stderr


def test_the_report_names_the_text_it_used(data_copy, text):
    (data_copy / "article.txt").write_text(text, encoding="utf-8")
    report = toolkit.validate(data_copy)
    assert report.ok and report.text == data_copy / "article.txt"
    assert f"checked against {data_copy / 'article.txt'} (the folder's own text)" in str(report)


# --- python -m toolkit locate / mentions ------------------------------------------------------------

def cli(capsys, *args) -> tuple[int, str]:
    message = ""
    try:
        code = main(list(args))
    except SystemExit as e:  # the interpreter would print a message given to sys.exit on stderr
        code, message = (1, e.code) if isinstance(e.code, str) else (e.code, "")
    out = capsys.readouterr()
    return code, out.out + out.err + message


@pytest.fixture
def article_path(tmp_path, text) -> Path:
    path = tmp_path / "text" / "article.txt"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    return path


def unlocate(folder: Path, file: str, estimate: str) -> None:
    """Blank the offsets of one row (locate fills them again)."""
    edit(folder, file, estimate, estimate.replace(",5,565,684,", ",5,,,"))


EST01 = ',5,565,684,"Upward of 1,500'


def test_locate_writes_nothing_when_a_later_table_fails(data_copy, article_path, capsys):
    unlocate(data_copy, "estimates.csv", EST01)
    rows = list(csv.reader(io.StringIO((data_copy / "disputes.csv").read_text(encoding="utf-8"))))
    rows[-1][rows[0].index("quote")] = "words the article never wrote"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    (data_copy / "disputes.csv").write_text(buf.getvalue(), encoding="utf-8")
    before = digest(data_copy)
    code, out = cli(capsys, "locate", str(data_copy), "--text", str(article_path))
    assert code == 1 and f"disputes.csv row {len(rows) - 1}, column quote: quote 'words the article" in out, out
    assert "nothing was written" in out and digest(data_copy) == before


@pytest.mark.parametrize("breaker, expected", [
    (lambda d: (d / "events.csv").write_bytes((d / "events.csv").read_text(encoding="utf-8").replace(
        "Pyatigorsk", "P\u00e9tigorsk", 1).encode("latin-1")), "events.csv row {row}: not UTF-8: byte 0xe9"),
    (lambda d: edit(d, "events.csv", "\nev10,", "\nev10,extra,"), "events.csv row {row}: the row has"),
    (lambda d: edit(d, "events.csv", "event_id,kind,", "event_id,event_id,"),
     "events.csv, column event_id: column is named twice in the header"),
])
def test_locate_refuses_broken_tables_with_a_clear_message(breaker, expected, data_copy, article_path, capsys):
    row = row_of(data_copy, "events.csv", "ev10,") if "row" in expected else None
    unlocate(data_copy, "estimates.csv", EST01)
    if "0xe9" in expected:
        row = row_of(data_copy, "events.csv", next(line.split(",")[0] + "," for line in
                                                    (data_copy / "events.csv").read_text().splitlines() if "Pyatigorsk" in line))
    breaker(data_copy)
    before = digest(data_copy)
    code, out = cli(capsys, "locate", str(data_copy), "--text", str(article_path))
    assert code == 1 and expected.format(row=row) in out and "Traceback" not in out, out
    assert digest(data_copy) == before


def test_locate_keeps_crlf_and_rewrites_nothing_unchanged(data_copy, article_path, capsys):
    for p in data_copy.glob("*.csv"):
        p.write_bytes(p.read_bytes().replace(b"\n", b"\r\n"))
    before = digest(data_copy)
    code, out = cli(capsys, "locate", str(data_copy), "--text", str(article_path))
    assert code == 0 and "nothing to write" in out and digest(data_copy) == before, out
    original = (data_copy / "estimates.csv").read_bytes()
    unlocate(data_copy, "estimates.csv", EST01)
    (data_copy / "estimates.csv").write_bytes(b"\xef\xbb\xbf" + (data_copy / "estimates.csv").read_bytes())
    code, out = cli(capsys, "locate", str(data_copy), "--text", str(article_path))
    assert code == 0 and "located 1 changed row(s) in estimates.csv" in out, out
    assert (data_copy / "estimates.csv").read_bytes() == b"\xef\xbb\xbf" + original  # every other byte as it was
    assert {k: v for k, v in digest(data_copy).items() if k != "estimates.csv"} == {
        k: v for k, v in before.items() if k != "estimates.csv"}


@pytest.mark.parametrize("form", [lambda b: b.replace(b"\n", b"\r\n"), lambda b: b"\xef\xbb\xbf" + b])
@pytest.mark.parametrize("cmd", ["locate", "mentions"])
def test_locate_and_mentions_refuse_a_crlf_or_bom_text(cmd, form, data_copy, article_path, capsys):
    article_path.write_bytes(form(article_path.read_bytes()))
    unlocate(data_copy, "estimates.csv", EST01)
    before = digest(data_copy)
    code, out = cli(capsys, cmd, str(data_copy), "--text", str(article_path))
    assert code == 1 and out.count("the text has") == 1 and "nothing was written" in out, out
    assert digest(data_copy) == before


def test_mentions_keeps_an_unchanged_file_and_refuses_a_broken_table(data_copy, article_path, capsys):
    (data_copy / "mentions.csv").write_bytes((data_copy / "mentions.csv").read_bytes().replace(b"\n", b"\r\n"))
    before = digest(data_copy)
    code, out = cli(capsys, "mentions", str(data_copy), "--text", str(article_path))
    assert code == 0 and "up to date" in out and digest(data_copy) == before, out
    edit(data_copy, "aliases.csv", "alias,entity_id,", "alias,alias,")
    before = digest(data_copy)
    code, out = cli(capsys, "mentions", str(data_copy), "--text", str(article_path))
    assert code == 1 and "aliases.csv, column alias: column is named twice" in out and digest(data_copy) == before, out


def test_write_all_puts_back_what_it_replaced_when_a_later_swap_fails(tmp_path, monkeypatch):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes(b"old a\r\n")
    b.write_bytes(b"old b\n")
    real, calls = os.replace, []

    def flaky(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(OSError) as err:
        _write_all({a: b"new a\r\n", b: b"new b\n"})
    assert err.value.filename == str(b)
    assert a.read_bytes() == b"old a\r\n" and b.read_bytes() == b"old b\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv"]  # no temporary file left


def test_mentions_writes_the_columns_the_folders_own_descriptor_declares(tmp_path, capsys):
    """A draft's tables carry ``draft`` and ``confidence``; regenerating mentions keeps them (values on the mentions
    found again, empty on new ones), so the folder still validates."""
    folder = tmp_path / "gimry"
    brief = Path(__file__).parent / "data" / "draft" / "gimry.txt"
    assert cli(capsys, "draft", str(brief), "--out", str(folder), "--published", "2016-05-13")[0] == 0
    before = pl.read_csv(folder / "mentions.csv", infer_schema=False)
    assert {"draft", "confidence"} <= set(before.columns) and before["draft"].null_count() == 0
    with (folder / "aliases.csv").open("a", encoding="utf-8", newline="") as fh:  # a new alias: new mentions
        keys = next(csv.reader((folder / "aliases.csv").open(encoding="utf-8")))
        row = {"alias": "suspects", "entity_id": before["entity_id"][0], "entity_type": before["entity_type"][0],
               "kind": "term"}
        csv.writer(fh, lineterminator="\n").writerow([row.get(k, "") for k in keys])
    code, out = cli(capsys, "mentions", str(folder))
    assert code == 0 and "wrote" in out, out
    after = pl.read_csv(folder / "mentions.csv", infer_schema=False)
    assert after.columns == before.columns
    new = after.filter(pl.col("surface") == "suspects")
    assert new.height >= 1 and new["draft"].null_count() == new.height
    old = after.join(before.select("source_id", "char_start", pl.col("draft").alias("was")), on=["source_id", "char_start"])
    assert old.height == before.height and (old["draft"] == old["was"]).all()
    code, out = cli(capsys, "validate", str(folder))
    assert code == 0, out
