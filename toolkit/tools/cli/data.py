"""Commands that read a data folder: ``validate``, ``summary``, ``dictionary``."""

from __future__ import annotations

def cmd_validate(args) -> int:
    from toolkit.checks.validate import validate

    report = validate(args.dir, args.text)
    print(report)
    return 0 if report.ok else 1


def cmd_summary(args) -> int:
    import toolkit

    print(toolkit.list_tables(args.dir).select("table", "rows", "title"))
    est = toolkit.load_estimates(args.dir)
    print(est.select("estimate_id", "claimant_id", "qualifier", "value_low", "value_best", "value_high", "bound", "counted"))
    return 0


def cmd_dictionary(args) -> int:
    from toolkit.core import descriptor as schema

    for name in schema.table_names():
        print(f"== {name} ==\n{schema.describe(name)}\n")
    return 0


def add_parser(sub) -> None:
    for name, fn, help_ in (
        ("validate", cmd_validate, "check a data folder; list every problem with file, row and column"),
        ("summary", cmd_summary, "print the tables and the estimates"),
        ("dictionary", cmd_dictionary, "print the data dictionary"),
    ):
        sp = sub.add_parser(name, help=help_)
        sp.add_argument("dir", nargs="?", default=None, help="data folder (default: the shipped data or $TOOLKIT_DATA_DIR)")
        sp.add_argument("--text", default=None, help="path to the article's text")
        sp.set_defaults(fn=fn)
