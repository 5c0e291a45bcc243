"""``python -m toolkit compare REF DIR ...``: extractions of the same text, side by side."""

from __future__ import annotations

from toolkit.comparison import __doc__ as _DOC, compare
from toolkit.core.output import OutputError, check_target


def cmd_compare(args) -> int:
    import sys

    inputs = [args.ref, *args.dirs]
    try:
        if args.html:  # refused before the comparison runs: nothing to lose, nothing to wait for
            check_target(args.html, inputs=inputs)
        c = compare(args.ref, *args.dirs, tables=args.tables, text=args.text_fields)
        c.print(limit=args.max)
        if args.html:
            c.to_html(args.html)
            print(f"wrote {args.html}")
    except OutputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


def add_parser(sub) -> None:
    """Register ``python -m toolkit compare REF DIR [DIR ...]``."""
    p = sub.add_parser("compare", help="compare extractions of the same text: matched rows, agreement, Krippendorff's alpha",
                       description=_DOC.split("\n\n")[0])
    p.add_argument("ref", help="the reference data folder")
    p.add_argument("dirs", nargs="+", metavar="DIR", help="data folder(s) of the other coders")
    p.add_argument("--html", default=None, metavar="OUT.html", help="also write an HTML page")
    p.add_argument("--tables", nargs="+", default=None, metavar="TABLE",
                   help="compare only these tables (any the folders declare)")
    p.add_argument("--text-fields", action="store_true", help="also compare free-text fields (case and spacing ignored)")
    p.add_argument("--max", type=int, default=30, help="disagreements printed (default 30; all are in the HTML)")
    p.set_defaults(fn=cmd_compare)
