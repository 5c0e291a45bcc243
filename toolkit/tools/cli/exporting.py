"""``python -m toolkit export``: the checked tables in the field's formats."""

from __future__ import annotations

from toolkit.formats import FORMATS, ExportError, export


def add_parser(sub) -> None:
    p = sub.add_parser("export", help="write the checked tables as a Frictionless zip, Parquet, GeoJSON, ACLED or GED",
                       description="Opens and checks the folder, then writes the export beside --out and moves it "
                       "into place only when complete; a failed export leaves an earlier one as it was.")
    p.add_argument("dir", nargs="?", default=None, help="data folder (default: the shipped data or $TOOLKIT_DATA_DIR)")
    p.add_argument("--format", required=True, choices=FORMATS, help="output format")
    p.add_argument("--out", default=None, help="output path (default: e.g. acled.csv in the current folder)")
    p.set_defaults(fn=_cli)


def _cli(args) -> int:
    import sys

    try:
        path = export(args.dir, args.format, args.out)
    except (ExportError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {args.format} export to {path}")
    return 0
