"""A corpus of broken data folders: each gives its precise error, all at once, and nothing is written."""

import hashlib
import subprocess
import sys

import pytest

import toolkit


def edit(folder, file, old, new, count=1):
    p = folder / file
    s = p.read_text(encoding="utf-8")
    assert old in s, f"{old!r} not in {file}"
    p.write_text(s.replace(old, new, count), encoding="utf-8")


def line_of(folder, file, startswith):
    """Data row number (1-based, header excluded) of the first line starting with a prefix."""
    lines = (folder / file).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines) if line.startswith(startswith))


def problems(folder, **kw):
    return [str(p) for p in toolkit.validate(folder, **kw).problems]


CASES = {
    "missing column": (
        lambda d: edit(d, "estimates.csv", ",value_best,", ",value_bst,"),
        "estimates.csv, column value_best: column is missing; did you mean 'value_bst'?"),
    "wrong type": (
        lambda d: edit(d, "estimates.csv", ",1500,,,lower,Upward of,", ",1.5k,,,lower,Upward of,"),
        "estimates.csv row {est01}, column value_low: '1.5k' is not a valid integer"),
    "duplicate id": (
        lambda d: edit(d, "actors.csv", "kadyrov,Ramzan Kadyrov", "melikov,Ramzan Kadyrov"),
        "actors.csv row {kadyrov}, column actor_id: 'melikov' is not unique"),
    "dangling foreign key": (
        lambda d: edit(d, "estimates.csv", "est05,bortnikov,", "est05,bortnikoff,"),
        "estimates.csv row {est05}, column claimant_id: 'bortnikoff' is not an actor id in actors.csv; did you mean 'bortnikov'?"),
    "low greater than best": (
        lambda d: edit(d, "estimates.csv", ",,9,,exact,nine,", ",12,9,,exact,nine,"),
        "estimates.csv row {est06}, column value_low: 12 is greater than value_best 9"),
    "unknown vocabulary value": (
        lambda d: edit(d, "estimates.csv", ",1700,upper,as many as,", ",1700,uper,as many as,"),
        "estimates.csv row {est05}, column bound: 'uper' is not one of the allowed values; did you mean 'upper'?"),
    "bad date": (
        lambda d: edit(d, "events.csv", "2015-03-26,2015-03-26,day,true,false,pyatigorsk", "26/03/2015,2015-03-26,day,true,false,pyatigorsk"),
        "events.csv row {ev01}, column date_start: '26/03/2015' is not a valid date (use YYYY-MM-DD)"),
    "dates out of order": (
        lambda d: edit(d, "events.csv", "2015-03-15,2015-03-16", "2015-03-17,2015-03-16"),
        "events.csv row {ev10}, column date_end: 2015-03-16 is before date_start 2015-03-17"),
    "empty file": (
        lambda d: (d / "relations.csv").write_text(""),
        "relations.csv: file is empty"),
    "not UTF-8": (
        lambda d: (d / "places.csv").write_bytes((d / "places.csv").read_bytes().replace("–".encode(), b"\x96")),
        "places.csv row {north_ossetia}: not UTF-8: byte 0x96 at line"),
    "missing file": (
        lambda d: (d / "disputes.csv").unlink(),
        "disputes.csv: file is missing"),
    "list item dangling": (
        lambda d: edit(d, "disputes.csv", "est01;est05;est04", "est01;est55;est04"),
        "disputes.csv row {dp01}, column claim_ids: 'est55' is not an id in estimates.csv or statements.csv"),
}

ROWS = {"est01": ("estimates.csv", "est01,"), "est05": ("estimates.csv", "est05,"), "est06": ("estimates.csv", "est06,"),
        "kadyrov": ("actors.csv", "kadyrov,"), "ev01": ("events.csv", "ev01,"), "ev10": ("events.csv", "ev10,"),
        "north_ossetia": ("places.csv", "north_ossetia,"), "dp01": ("disputes.csv", "dp01,")}


def digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("case", CASES)
def test_broken_folder_gives_precise_error(case, data_copy):
    rows = {k: line_of(data_copy, f, s) for k, (f, s) in ROWS.items()}
    breaker, expected = CASES[case]
    breaker(data_copy)
    before = digest(data_copy)
    found = problems(data_copy)
    expected = expected.format(**rows)
    assert any(p.startswith(expected) for p in found), f"wanted {expected!r} in {found}"
    assert digest(data_copy) == before, "validation must never modify files"
    with pytest.raises(toolkit.DataError) as err:
        toolkit.load_estimates(data_dir=data_copy)
    assert expected in str(err.value)


TEXT_CASES = {
    "offset past the end": (
        lambda d: edit(d, "relations.csv", "32,6642,6659,Joanna Paraszczuk", "32,6642,99999,Joanna Paraszczuk"),
        "relations.csv row {rel21}, column char_end: 99999 is past the end of the text"),
    "quote mismatch": (
        lambda d: edit(d, "estimates.csv", "as many as 1,700 Russian", "as many as 1,800 Russian"),
        "estimates.csv row {est05}, column quote: does not match the text at"),
    "paragraph mismatch": (
        lambda d: edit(d, "statements.csv", ",rferl_2015,19,", ",rferl_2015,18,"),
        "statements.csv row {st14}, column paragraph: offset"),
    "mention missing": (
        lambda d: (d / "mentions.csv").write_text("\n".join((d / "mentions.csv").read_text().splitlines()[:-1]) + "\n"),
        "mentions.csv: no mention of"),
}


@pytest.mark.parametrize("case", TEXT_CASES)
def test_text_checks(case, data_copy, text, tmp_path):
    rows = {"rel21": line_of(data_copy, "relations.csv", "rel21,"), "est05": line_of(data_copy, "estimates.csv", "est05,"),
            "st14": line_of(data_copy, "statements.csv", "st14,")}
    breaker, expected = TEXT_CASES[case]
    breaker(data_copy)
    path = tmp_path / "article.txt"
    path.write_text(text, encoding="utf-8")
    found = problems(data_copy, text_path=path)
    assert any(p.startswith(expected.format(**rows)) for p in found), found


def test_all_problems_reported_at_once(data_copy):
    edit(data_copy, "estimates.csv", ",1700,upper,", ",1700,uper,")
    edit(data_copy, "actors.csv", "kadyrov,Ramzan Kadyrov,person", "kadyrov,Ramzan Kadyrov,persn")
    edit(data_copy, "events.csv", "2015-03-15,2015-03-16", "2015-03-17,2015-03-16")
    found = problems(data_copy)
    assert {p.split(" ")[0] for p in found} >= {"estimates.csv", "actors.csv", "events.csv"}


def test_cli_exit_codes(data_copy):
    ok = subprocess.run([sys.executable, "-m", "toolkit", "validate", str(toolkit.SHIPPED)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    edit(data_copy, "estimates.csv", ",1700,upper,", ",1700,uper,")
    bad = subprocess.run([sys.executable, "-m", "toolkit", "validate", str(data_copy)], capture_output=True, text=True)
    assert bad.returncode == 1
    assert "column bound" in bad.stdout and "'uper'" in bad.stdout


def test_extraction_of_another_article_validates(tmp_path):
    """A student's own folder: a new text and tables in the same schema (the exercise's path)."""
    import shutil

    d = tmp_path / "mine"
    shutil.copytree(toolkit.SHIPPED, d)
    text = "Headline\n\nOfficial X said 300 fighters left Daghestan.\n"
    (d / "article.txt").write_text(text, encoding="utf-8")
    report = toolkit.validate(d)
    assert not report.ok  # the shipped offsets do not fit the new text
    assert any("past the end" in str(p) or "does not match" in str(p) for p in report.problems)


def test_cli_commands_report_bad_data_without_traceback(data_copy):
    edit(data_copy, "estimates.csv", ",1700,upper,", ",1700,uper,")
    res = subprocess.run([sys.executable, "-m", "toolkit", "summary", str(data_copy)], capture_output=True, text=True)
    assert res.returncode == 1
    assert "estimates.csv row" in res.stderr and "column bound" in res.stderr
    assert "Traceback" not in res.stderr


def test_a_place_with_lat_but_no_lon_is_a_problem_not_a_crash(tmp_path):
    import csv
    import shutil

    import toolkit

    folder = tmp_path / "d"
    shutil.copytree(toolkit.SHIPPED.parents[1] / "tests" / "data" / "ledger", folder)
    rows = list(csv.DictReader((folder / "places.csv").open(encoding="utf-8", newline="")))
    i = next(n for n, r in enumerate(rows) if r["lat"] and r["lon"])
    rows[i]["lon"] = ""
    with (folder / "places.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    problems = [str(p) for p in toolkit.validate(folder).problems]
    assert any(p.startswith(f"places.csv row {i + 1}, column lon") and "needs both" in p for p in problems), problems
