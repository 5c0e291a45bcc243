"""The command line tells bad input in one line (exit 1) and lets bugs show their traceback; every malformed
descriptor, damaged Parquet folder or ambiguous quote is a problem naming the file, never a traceback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import toolkit
from toolkit.core.errors import CannotDraw, InputError, QuoteError, ToolkitError
from toolkit.core import text as article
from toolkit.tools import cli

ROOT = Path(__file__).resolve().parents[1]
LEDGER = ROOT / "tests" / "data" / "ledger"


def run(*args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "toolkit", *map(str, args)], capture_output=True, text=True, cwd=ROOT,
                          timeout=300, **kw)


# --- the error types ---------------------------------------------------------------------------------

def test_the_toolkits_errors_share_one_base_and_keep_their_old_types():
    from toolkit.formats import ExportError
    from toolkit.tools.classroom.gradebook import GradingError
    from toolkit.tools.site.sitefolder import BuildError

    for cls, old in ((toolkit.DataError, ValueError), (ExportError, ValueError), (BuildError, RuntimeError),
                     (GradingError, RuntimeError), (toolkit.UnknownName, LookupError), (CannotDraw, ValueError),
                     (InputError, ValueError), (QuoteError, ValueError), (toolkit.DescriptorError, ValueError)):
        assert issubclass(cls, ToolkitError) and issubclass(cls, old), cls


def test_a_bug_in_a_command_keeps_its_traceback(monkeypatch):
    from toolkit.tools.cli import data

    def broken(args):
        raise ValueError("a bug, not bad input")

    monkeypatch.setattr(data, "cmd_validate", broken)
    with pytest.raises(ValueError, match="a bug"):
        cli.main(["validate", str(LEDGER)])


def test_bad_input_is_one_line_and_exit_1(tmp_path, capsys):
    assert cli.main(["validate", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: data folder") and err.count("\n") == 1 and "Traceback" not in err


def test_new_with_a_bad_date_is_one_line(tmp_path, capsys):
    text = tmp_path / "story.txt"
    text.write_text("A story.\n", encoding="utf-8")
    assert cli.main(["new", str(tmp_path / "mine"), "--text", str(text), "--published", "13 May"]) == 1
    assert "error: --published '13 May' is not a date" in capsys.readouterr().err
    assert not (tmp_path / "mine").exists()


def test_validate_into_a_closed_pipe_ends_quietly(tmp_path):
    folder = tmp_path / "broken"
    shutil.copytree(LEDGER, folder)
    est = folder / "estimates.csv"
    lines = est.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    # many problems: every row's id doubled makes a long report
    est.write_text("\n".join([lines[0]] + lines[1:] * 400) + "\n", encoding="utf-8")
    assert header[0] == "estimate_id"
    res = subprocess.run(f"{sys.executable} -m toolkit validate {folder} | head -1", shell=True, capture_output=True,
                         text=True, cwd=ROOT, timeout=300)
    assert res.stdout.startswith(str(folder)) and res.stderr == "", res.stderr[-2000:]


def test_chapters_show_only_cannot_draw_as_not_drawn():
    from toolkit.tools.site import chapters

    setup = chapters._SETUP.format(names=repr([str(LEDGER)]))
    ns: dict = {}
    exec(compile(setup, "<chapter setup>", "exec"), ns)

    def nothing(ds):
        raise CannotDraw("nothing to draw")

    def bug(ds):
        raise ValueError("a bug in a view")

    assert ns["show"](nothing) is None  # told as "Not drawn", the build goes on
    with pytest.raises(ValueError, match="a bug in a view"):
        ns["show"](bug)


def test_every_view_says_cannot_draw_for_an_empty_dataset(tmp_path):
    pytest.importorskip("altair")
    pytest.importorskip("geopandas")
    from toolkit.dataset.create import new
    from toolkit.views import charts, maps

    text = tmp_path / "story.txt"
    text.write_text("A short story.\n\nThe mayor said ten people came.\n", encoding="utf-8")
    ds = toolkit.open(new(tmp_path / "empty", text, title="Empty"))
    for view in (charts.estimates, charts.timeline, charts.actors, charts.mentions, charts.dashboard, maps.regions,
                 maps.flows):
        try:
            view(ds)
        except CannotDraw:
            pass  # anything else is a bug the report must not hide


# --- descriptors ---------------------------------------------------------------------------------------

def _edit(folder: Path, change) -> None:
    path = folder / "datapackage.json"
    desc = json.loads(path.read_text(encoding="utf-8"))
    out = change(desc)
    path.write_text(out if isinstance(out, str) else json.dumps(desc if out is None else out), encoding="utf-8")


def _res(d, name):
    return next(r for r in d["resources"] if r["name"] == name)


BROKEN = {
    "not JSON": lambda d: '{"resources": [',
    "a list": lambda d: [d],
    "resources an object": lambda d: {**d, "resources": {"estimates": 1}},
    "a resource a string": lambda d: {**d, "resources": ["estimates.csv", *d["resources"]]},
    "schema a string": lambda d: _res(d, "segments").__setitem__("schema", "x"),
    "a field a string": lambda d: _res(d, "segments")["schema"]["fields"].__setitem__(0, "x"),
    "unknown type": lambda d: _res(d, "segments")["schema"]["fields"][1].__setitem__("type", "datetime"),
    "constraints a string": lambda d: _res(d, "segments")["schema"]["fields"][1].__setitem__("constraints", "required"),
    "enum a string": lambda d: next(f for f in _res(d, "estimates")["schema"]["fields"]
                                    if f.get("constraints", {}).get("enum"))["constraints"].__setitem__("enum", "abc"),
    "primary key a number": lambda d: _res(d, "segments")["schema"].__setitem__("primaryKey", 3),
    "primary key missing": lambda d: _res(d, "segments")["schema"].pop("primaryKey"),
    "primary key unknown": lambda d: _res(d, "segments")["schema"].__setitem__("primaryKey", ["nope"]),
    "foreign keys an object": lambda d: _res(d, "aliases")["schema"].__setitem__("foreignKeys", {"a": 1}),
    "foreign key to no table": lambda d: _res(d, "aliases")["schema"]["foreignKeys"][0]["reference"].__setitem__(
        "resource", "nowhere"),
    "a rule naming no field": lambda d: _res(d, "events")["x-dates"][0].__setitem__("start", "date_begin"),
    "minimum a word": lambda d: next(f for f in _res(d, "estimates")["schema"]["fields"]
                                     if "minimum" in f.get("constraints", {}))["constraints"].__setitem__("minimum", "abc"),
    "description a number": lambda d: _res(d, "segments")["schema"]["fields"][1].__setitem__("description", 5),
    "title a list": lambda d: d.__setitem__("title", ["a"]),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_malformed_descriptor_is_a_problem_naming_it(case, tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(LEDGER, folder)
    _edit(folder, BROKEN[case])
    report = toolkit.validate(folder)
    assert not report.ok and all(str(p).startswith("datapackage.json") for p in report.problems), str(report)
    with pytest.raises(toolkit.DataError):
        toolkit.open(folder)


def test_the_cli_tells_a_malformed_descriptor_in_lines_naming_it(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(LEDGER, folder)
    _edit(folder, BROKEN["constraints a string"])
    for cmd in ("validate", "summary", "locate", "export"):
        extra = ["--format", "frictionless", "--out", str(tmp_path / "x.zip")] if cmd == "export" else []
        res = run(cmd, folder, *extra)
        assert res.returncode == 1 and "Traceback" not in res.stderr, (cmd, res.stderr[-2000:])
        assert "datapackage.json" in res.stdout + res.stderr, cmd


# --- Parquet -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def parquet(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pq") / "ledger-parquet"
    toolkit.open(LEDGER).to_parquet(out)
    return out


def _rewrite(path: Path, change) -> None:
    change(pl.read_parquet(path)).write_parquet(path)


TAMPERED = {
    "not Parquet": ("estimates.parquet", lambda p: p.write_bytes(b"not parquet"), "estimates.parquet: cannot be read"),
    "cut short": ("events.parquet", lambda p: p.write_bytes(p.read_bytes()[:200]), "events.parquet: cannot be read"),
    "missing": ("estimates.parquet", lambda p: p.unlink(), "estimates.parquet: file is missing"),
    "a column dropped": ("estimates.parquet", lambda p: _rewrite(p, lambda df: df.drop("quote")),
                         "estimates.parquet, column quote: column is missing"),
    "a value not allowed": ("estimates.parquet", lambda p: _rewrite(p, lambda df: df.with_columns(
        pl.when(pl.int_range(pl.len()) == 1).then(pl.lit("nonsense")).otherwise(pl.col("bound").cast(pl.String))
        .alias("bound"))), "estimates.parquet row 2, column bound: 'nonsense'"),
    "a key twice": ("estimates.parquet", lambda p: _rewrite(p, lambda df: pl.concat([df, df.head(1)])),
                    "estimates.parquet row 1, column estimate_id"),
    "a required value empty": ("estimates.parquet", lambda p: _rewrite(p, lambda df: df.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(None).otherwise(pl.col("estimate_id")).alias("estimate_id"))),
        "estimates.parquet row 1, column estimate_id: value is required"),
    "below the minimum": ("estimates.parquet", lambda p: _rewrite(p, lambda df: df.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(-5).otherwise(pl.col("value_low")).alias("value_low"))),
        "estimates.parquet row 1, column value_low: -5"),
    "words in a number": ("estimates.parquet", lambda p: _rewrite(p, lambda df: df.with_columns(
        pl.col("value_low").cast(pl.String).fill_null("abc").alias("value_low"))), "column value_low: 'abc' is not a valid integer"),
    "a text not UTF-8": ("texts/ledger_2016.txt", lambda p: p.write_bytes(b"\xff\xfe bad"), "ledger_2016.txt"),
}


@pytest.mark.parametrize("case", sorted(TAMPERED))
def test_validate_finds_a_tampered_parquet_folder(case, parquet, tmp_path):
    folder = tmp_path / "pq"
    shutil.copytree(parquet, folder)
    file, change, expected = TAMPERED[case]
    change(folder / file)
    report = toolkit.validate(folder)
    assert not report.ok and expected in str(report), str(report)
    res = run("validate", folder)
    assert res.returncode == 1 and expected in res.stdout and "Traceback" not in res.stderr, res.stdout + res.stderr


def test_an_untouched_parquet_folder_validates(parquet):
    assert toolkit.validate(parquet).ok


# --- locate: several equal quotes ----------------------------------------------------------------------

def test_locate_refuses_a_quote_found_twice_unless_the_paragraph_says_which():
    text = "He said no.\n\nShe said no.\n\nThey said yes."
    with pytest.raises(QuoteError) as err:
        article.locate(text, "said no")
    assert "paragraphs 1 and 2" in str(err.value) and [p for p, _ in err.value.candidates] == [1, 2]
    assert article.locate(text, "said no", 2) == (2, 17, 24)
    assert article.locate(text, "said no", None, 17) == (2, 17, 24)  # placed earlier: kept
    with pytest.raises(QuoteError, match="2 times in paragraph 1"):
        article.locate("no and no.\n\nyes", "no", 1)


def _ledger_copy(tmp_path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(LEDGER, folder)
    return folder


def _digest(folder: Path) -> dict:
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_locate_names_file_row_and_candidate_paragraphs_of_an_ambiguous_quote(tmp_path, capsys):
    folder = _ledger_copy(tmp_path)
    text = next((folder / "texts").glob("*.txt"))
    body = text.read_text(encoding="utf-8")
    est = pl.read_csv(folder / "estimates.csv", infer_schema=False)
    quote = est["quote"][0]
    body += "\n\n" + quote + " again."  # the quote now occurs in a later paragraph too
    text.write_text(body, encoding="utf-8")
    rows = est.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(None).otherwise(pl.col(c)).alias(c)
                            for c in ("paragraph", "char_start", "char_end"))
    rows.write_csv(folder / "estimates.csv")
    # the recorded checksum no longer matches the edited text: drop it (the folder's own text is used)
    src = pl.read_csv(folder / "sources.csv", infer_schema=False)
    src.with_columns(pl.lit(None, pl.String).alias("text_sha256")).write_csv(folder / "sources.csv")
    before = _digest(folder)
    assert cli.main(["locate", str(folder)]) == 1
    err = capsys.readouterr().err
    last = len(body.split("\n\n"))
    assert f"estimates.csv row 1, column quote: quote {quote!r}" in err and f" and {last}" in err, err
    assert "nothing was written" in err and _digest(folder) == before


def test_locate_writes_nothing_while_another_table_has_a_problem(tmp_path, capsys):
    folder = _ledger_copy(tmp_path)
    est = pl.read_csv(folder / "estimates.csv", infer_schema=False)
    est.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(None).otherwise(pl.col("char_start"))
                     .alias("char_start")).write_csv(folder / "estimates.csv")
    actors = (folder / "actors.csv").read_text(encoding="utf-8").splitlines()
    header = actors[0].split(",")
    cells = next(iter(actors[1:])).split(",")
    cells[header.index("kind")] = "wizard"  # a value the descriptor does not allow, in a table without quotes
    (folder / "actors.csv").write_text("\n".join([actors[0], ",".join(cells), *actors[2:]]) + "\n", encoding="utf-8")
    before = _digest(folder)
    assert cli.main(["locate", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "actors.csv row 1, column kind: 'wizard'" in err and "nothing was written" in err, err
    assert _digest(folder) == before


# --- help ----------------------------------------------------------------------------------------------

def test_every_command_has_help_that_says_what_it_does(capsys):
    parser = cli.parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, sp in sub.choices.items():
        helps = [a for a in sub._choices_actions if a.dest == name]
        assert helps and len(helps[0].help or "") > 20, name
        text = sp.format_help()
        assert "usage:" in text and sp.description, name
    with pytest.raises(SystemExit):
        cli.main(["--version"])
    assert toolkit.__version__ in capsys.readouterr().out
