"""``python -m toolkit export``: the checked tables in the field's formats."""

from __future__ import annotations

from toolkit.formats import FORMATS, ExportError, write

HELP = """Formats: frictionless (a zipped data package that `frictionless validate` accepts), parquet (a folder,
one file per table, that `toolkit.open` reopens), geojson (the places), acled (events in ACLED's 31 columns),
ged (deadly events and death counts in UCDP GED's 49 columns). ACLED and GED are CSV for spreadsheets: a text
cell starting with = + - @ or a tab gets a leading ' (OWASP), numbers never. The output must lie outside the
data folder; it is written beside its target and moved into place when complete. Texts are copied only when
the descriptor allows it ("x-texts": {"redistribute": true})."""


def add_parser(sub) -> None:
    p = sub.add_parser("export", help="write the checked tables as a Frictionless zip, Parquet, GeoJSON, ACLED or GED",
                       description=HELP)
    p.add_argument("dirs", nargs="*", metavar="DIR",
                   help="data folder(s); several make one corpus (default: the shipped data or $TOOLKIT_DATA_DIR)")
    p.add_argument("--format", required=True, choices=FORMATS, help="output format")
    p.add_argument("--out", default=None,
                   help="output file (a folder for parquet); default e.g. acled.csv in the current folder")
    p.set_defaults(fn=_cli)


def _cli(args) -> int:
    import sys

    data = args.dirs[0] if len(args.dirs) == 1 else (args.dirs or None)
    try:
        done = write(data, args.format, args.out)
    except (ExportError, FileNotFoundError, NotADirectoryError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    rows = f" ({done.rows} rows)" if done.rows is not None else ""
    print(f"wrote {args.format} export to {done.path}{rows}")
    if done.left_out:
        print(f"left out {len(done.left_out)} event(s) ACLED has no type for (statements and other): "
              + ", ".join(done.left_out))
    return 0
