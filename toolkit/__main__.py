"""Command line: ``python -m toolkit {validate,locate,mentions,summary,report,dictionary}``."""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile
from pathlib import Path


def _text(args) -> str:
    from toolkit import article

    path = Path(args.text) if args.text else article.find_text(args.dir)
    if path is None or not path.is_file():
        sys.exit("article text not found: pass --text PATH or set TOOLKIT_ARTICLE")
    return article.read_text(path)


def _write_atomic(path: Path, header: list[str], rows: list[dict]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        fh.write(buf.getvalue())
    os.replace(tmp, path)


def cmd_validate(args) -> int:
    from toolkit.validate import validate

    report = validate(args.dir, args.text)
    print(report)
    return 0 if report.ok else 1


def cmd_locate(args) -> int:
    """Fill paragraph/char_start/char_end of every fact row from its quote (and paragraph hint)."""
    from toolkit import article, schema
    from toolkit.tables import data_folder

    text, folder, changed, failed = _text(args), data_folder(args.dir), 0, []
    for name in schema.table_names():
        res = schema.resource(name)
        if not res.get("x-evidence"):
            continue
        path = folder / res["path"]
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            header, rows = reader.fieldnames, list(reader)
        for i, r in enumerate(rows, start=1):
            if not r["quote"]:
                continue
            try:
                para, start, end = article.locate(text, r["quote"], int(r["paragraph"]) if r["paragraph"] else None)
            except ValueError as e:
                failed.append(f"{res['path']} row {i}, column quote: {e}")
                continue
            new = {"paragraph": str(para), "char_start": str(start), "char_end": str(end)}
            if any(r[k] != v for k, v in new.items()):
                r.update(new)
                changed += 1
        if not failed:
            _write_atomic(path, header, rows)
    print("\n".join(failed) or f"located {changed} changed row(s)")
    return 1 if failed else 0


def cmd_mentions(args) -> int:
    """Regenerate mentions.csv from the aliases, the segments and the text."""
    from toolkit import article
    from toolkit.tables import data_folder
    from toolkit.validate import read

    text, folder = _text(args), data_folder(args.dir)
    aliases, p1 = read("aliases", folder)
    segments, p2 = read("segments", folder)
    if p1 or p2:
        print("\n".join(str(p) for p in p1 + p2))
        return 1
    found = article.find_mentions(text, aliases.with_columns(aliases["entity_type"].cast(str)), segments)
    _write_atomic(folder / "mentions.csv", found.columns, found.cast({c: str for c in found.columns}).to_dicts())
    print(f"wrote {found.height} mentions of {found['entity_id'].n_unique()} entities to {folder / 'mentions.csv'}")
    return 0


def cmd_summary(args) -> int:
    import toolkit

    print(toolkit.list_tables(args.dir).select("table", "rows", "title"))
    est = toolkit.load_estimates(args.dir)
    print(est.select("estimate_id", "claimant_id", "qualifier", "value_low", "value_best", "value_high", "bound", "counted"))
    return 0


def cmd_dictionary(args) -> int:
    from toolkit import schema

    for name in schema.table_names():
        print(f"== {name} ==\n{schema.describe(name)}\n")
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m toolkit", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name, fn, help_ in (
        ("validate", cmd_validate, "check a data folder; list every problem with file, row and column"),
        ("locate", cmd_locate, "fill the offsets of every fact row from its quote"),
        ("mentions", cmd_mentions, "regenerate mentions.csv from the aliases and the text"),
        ("summary", cmd_summary, "print the tables and the estimates"),
        ("dictionary", cmd_dictionary, "print the data dictionary"),
    ):
        sp = sub.add_parser(name, help=help_)
        sp.add_argument("dir", nargs="?", default=None, help="data folder (default: the shipped data or $TOOLKIT_DATA_DIR)")
        sp.add_argument("--text", default=None, help="path to article.txt")
        sp.set_defaults(fn=fn)
    import importlib

    for module in ("report", "exercises", "gradebook"):  # builders register their own sub-commands
        try:
            importlib.import_module(f"toolkit.{module}").add_parser(sub)
        except ModuleNotFoundError as e:
            if e.name != f"toolkit.{module}":
                raise
    args = p.parse_args(argv)
    from toolkit.validate import DataError

    try:
        return args.fn(args)
    except (DataError, FileNotFoundError) as e:  # bad data or a missing folder: the message, not a traceback
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
