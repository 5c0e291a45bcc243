"""``python -m toolkit upgrade DIR --out NEW``: an upgraded copy of a folder made with an earlier schema."""

from __future__ import annotations

import sys


def cmd_upgrade(args) -> int:
    from toolkit.dataset.opening import validate
    from toolkit.dataset.upgrade import UpgradeError, upgrade

    try:
        out, changes = upgrade(args.dir, args.out)
    except (UpgradeError, FileExistsError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"error: cannot write {e.filename or args.out}: {e.strerror or e}; nothing was written", file=sys.stderr)
        return 1
    print(f"wrote {out} (schema upgraded from {args.dir}; {args.dir} is unchanged)")
    for line in changes:
        print(f"  - {line}")
    report = validate(out)
    print(report)
    if not report.ok:
        print("the upgraded copy has problems to fix (the folder was written): see above", file=sys.stderr)
    return 0 if report.ok else 1


def add_parser(sub) -> None:
    p = sub.add_parser("upgrade", help="write a copy of a folder made with an earlier schema in the current one")
    p.add_argument("dir", help="the data folder to upgrade (never changed)")
    p.add_argument("--out", required=True, help="the new folder (must not exist)")
    p.set_defaults(fn=cmd_upgrade)
