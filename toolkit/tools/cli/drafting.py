"""``python -m toolkit draft TEXT [TEXT ...] --out DIR``: draft a data folder from new texts (see :mod:`toolkit.draft`)."""

from __future__ import annotations

import time

from toolkit.core.errors import InputError


def cmd_draft(args) -> int:
    from toolkit.draft import draft_files
    from toolkit.draft.folder import check_target

    check_target(args.out)  # refuse before any work
    start = time.perf_counter()
    if args.source_id and len(args.texts) > 1:
        raise InputError("--source-id names one text; with several texts each file's name is its source id")
    d = draft_files(args.texts, known=args.known, published=args.published, source_id=args.source_id)
    folder = d.write(args.out)
    from toolkit.dataset.opening import validate

    report = validate(folder)
    counts = ", ".join(f"{len(d.tables[t])} {t}" for t in ("estimates", "statements", "events", "relations", "disputes",
                                                            "actors", "places"))
    print(f"drafted {folder} in {time.perf_counter() - start:.1f} s: {counts}.\n"
          f"Review it: open {folder / 'review.html'}; every row has draft and confidence columns.")
    if not report.ok:
        print(f"the draft does not validate (a bug in the drafter, please report it):\n{report}")
        return 1
    print(f"`python -m toolkit validate {folder}` accepts it.")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("draft", help="draft a data folder from new texts: rule-based, offline, every row to review",
                       description="Reads each text, finds claims, actors, places, events and relations by rules "
                       "(offline), and writes a data folder that validates, with review.html: every drafted row carries "
                       "its draft and confidence columns for a person to check.")
    p.add_argument("texts", nargs="+", metavar="TEXT", help="text files (UTF-8, LF line endings), one source each")
    p.add_argument("--out", required=True, type=__import__("pathlib").Path,
                   help="the folder to write (new, empty, or an earlier draft, which is replaced)")
    p.add_argument("--known", action="append", default=None, metavar="DIR",
                   help="data folder whose actors, places and aliases are reused (repeatable; default: the shipped data)")
    p.add_argument("--no-known", dest="known", action="store_const", const=[], help="reuse no earlier extraction")
    p.add_argument("--published", default=None, metavar="YYYY-MM-DD",
                   help="publication day of the texts, or YYYY-MM-DD..YYYY-MM-DD when known only to a range "
                        "(default: read from each text, else unknown)")
    p.add_argument("--source-id", default=None, help="id of the text in sources.csv (one text; default: the file's name)")
    p.set_defaults(fn=cmd_draft)
