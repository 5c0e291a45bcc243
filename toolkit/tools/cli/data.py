"""Commands that read a data folder: ``validate``, ``summary``, ``dictionary``."""

from __future__ import annotations

import sys


def cmd_validate(args) -> int:
    """Check a folder, or several as one corpus; when sound, also where the maps would draw each folder's places."""
    from toolkit.dataset import validate, validate_corpus

    dirs = args.dir if isinstance(args.dir, list) else [args.dir]
    if len(dirs) > 1 and args.text:
        print("error: --text names the text of one folder's article; a corpus's texts are in each folder's texts/",
              file=sys.stderr)
        return 1
    report = validate_corpus(dirs) if len(dirs) > 1 else validate(dirs[0] if dirs else None, args.text)
    if report.ok:
        for d in dirs:
            _check_places(report, d, args.text, prefix=len(dirs) > 1)
    print(report)
    return 0 if report.ok else 1


def _check_places(report, folder, text, prefix: bool = False) -> None:
    """A place drawn far outside the region its parent_id names is a problem (toolkit.geo.place_problems); in a
    corpus (``prefix``) the problem's file is named with its folder."""
    from dataclasses import replace

    from toolkit.dataset import data_folder, read_folder

    try:
        from toolkit import geo
    except ImportError as e:  # the maps' extra is not installed: say so, don't fail
        report.notes.append(f"places not checked against the boundaries ({e.name} is not installed)")
        return
    where = data_folder(folder)
    ds, _ = read_folder(where, text, check=False)
    report.problems.extend(replace(p, file=f"{where.name}/{p.file}") if prefix else p for p in geo.place_problems(ds))


def cmd_summary(args) -> int:
    import toolkit

    print(toolkit.list_tables(args.dir).select("table", "rows", "title"))
    est = toolkit.load_estimates(args.dir)
    print(est.select("estimate_id", "claimant_id", "qualifier", "value_low", "value_best", "value_high", "bound", "counted"))
    return 0


def cmd_dictionary(args) -> int:
    """The folder's own descriptor: its tables, columns and allowed values (open vocabularies with the values in use)."""
    from toolkit.dataset import data_folder, descriptor_of, read_folder

    folder = data_folder(args.dir)
    desc, problems = descriptor_of(folder)
    if desc is None:
        print("\n".join(str(p) for p in problems), file=sys.stderr)
        return 1
    ds, _ = read_folder(folder, args.text, check=False)
    dictionary = desc.dictionary({n: df for n, df in ds._tables.items() if df is not None})
    for name in desc.table_names():
        print(f"== {name} ==\n{desc.describe(name)}")
        for r in dictionary.filter(table=name, vocabulary="open").iter_rows(named=True):
            print(f"{r['column']}: values in use and known: {r['allowed'] or 'none yet'}")
        print()
    return 0


def add_parser(sub) -> None:
    for name, fn, help_, more in (
        ("validate", cmd_validate, "check a data folder (CSV or Parquet), or several as one corpus: every problem "
         "with file, row and column",
         "Reads the folder's own datapackage.json, every table and the texts of its sources; checks types, allowed "
         "values, keys, declared rules, and each quote and offset against its text. `validate A B ...` checks the "
         "folders as one corpus (ids cited between them, rows they share). Writes nothing. Exit 1 when "
         "there is a problem."),
        ("summary", cmd_summary, "print the folder's tables with their row counts, and its estimates",
         "Opens the folder (checked as `validate` does; a folder with problems is an error) and prints its tables "
         "and the numeric claims."),
        ("dictionary", cmd_dictionary, "print the folder's data dictionary: tables, columns, types, allowed values",
         "From the folder's own datapackage.json (extra tables, columns and allowed values included); for an open "
         "vocabulary, the values in use."),
    ):
        sp = sub.add_parser(name, help=help_, description=more)
        if name == "validate":  # several folders: one corpus, checked as toolkit.open(A, B, ...) opens it
            sp.add_argument("dir", nargs="*", default=None, help="data folder (default: the shipped data or "
                            "$TOOLKIT_DATA_DIR); several folders are checked as one corpus")
        else:
            sp.add_argument("dir", nargs="?", default=None, help="data folder (default: the shipped data or $TOOLKIT_DATA_DIR)")
        sp.add_argument("--text", default=None, help="the text of the folder's one article, when it is not in "
                        "texts/<source_id>.txt or article.txt")
        sp.set_defaults(fn=fn)
