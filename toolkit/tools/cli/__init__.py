"""Command line: ``python -m toolkit COMMAND``; one module per group of commands.

>>> main(["--help"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import importlib
import sys

# each module registers its own sub-commands with add_parser(sub)
COMMANDS = ("toolkit.tools.cli.data", "toolkit.tools.cli.authoring", "toolkit.tools.cli.exporting",
            "toolkit.tools.cli.comparing", "toolkit.tools.site.report", "toolkit.tools.classroom.exercises",
            "toolkit.tools.classroom.gradebook")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m toolkit", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for module in COMMANDS:
        try:
            importlib.import_module(module).add_parser(sub)
        except ModuleNotFoundError as e:  # a tool whose extra is not installed
            if not (e.name or "").startswith("toolkit"):
                continue
            raise
    args = p.parse_args(argv)
    from toolkit.checks import DataError

    try:
        return args.fn(args)
    except (DataError, FileNotFoundError, FileExistsError, NotADirectoryError, ValueError) as e:  # bad input: the message
        print(f"error: {e}", file=sys.stderr)
        return 1
