"""Command line: ``python -m toolkit COMMAND``; one module per group of commands.

Bad input (the toolkit's own errors, a file that cannot be read or written) is told in one line and exits
with status 1; anything else is a bug and shows its traceback. Output cut short by a closed pipe
(``python -m toolkit validate DIR | head``) ends quietly, as Unix tools do.

>>> main(["--help"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys

# each module registers its own sub-commands with add_parser(sub)
COMMANDS = ("toolkit.tools.cli.data", "toolkit.tools.cli.authoring", "toolkit.tools.cli.exporting",
            "toolkit.tools.cli.comparing", "toolkit.tools.cli.upgrading", "toolkit.tools.site.report",
            "toolkit.tools.classroom.exercises", "toolkit.tools.classroom.gradebook", "toolkit.tools.cli.drafting")
DESCRIPTION = ("Data folders of news articles about conflict (CSV or Parquet tables declared by their datapackage.json, "
               "every record pointing into its text): start, fill, check, export and compare them; build the report "
               "site and the class exercises.")
BROKEN_PIPE = 128 + signal.SIGPIPE  # what a shell reports for a tool stopped by a closed pipe


def parser() -> argparse.ArgumentParser:
    """The parser of every command whose tools are installed."""
    from toolkit import __version__

    p = argparse.ArgumentParser(prog="python -m toolkit", description=DESCRIPTION,
                                epilog="`python -m toolkit COMMAND --help` says what a command does and what it writes.")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND")
    for module in COMMANDS:
        try:
            importlib.import_module(module).add_parser(sub)
        except ModuleNotFoundError as e:  # a tool whose extra is not installed
            if not (e.name or "").startswith("toolkit"):
                continue
            raise
    return p


def os_message(e: OSError) -> str:
    """An OSError in the user's words, naming the file: 'cannot write out/x.csv: Permission denied'."""
    if e.filename is None:
        return str(e)
    names = " -> ".join(str(f) for f in (e.filename, e.filename2) if f is not None)
    return f"{names}: {e.strerror or e}"


def _quiet_stdout() -> None:
    """The reader went away: send what is left to /dev/null so the interpreter's last flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    from toolkit.core.errors import ToolkitError

    try:
        status = args.fn(args)
        sys.stdout.flush()  # a closed pipe shows here, inside the handler, not at exit
        return status
    except BrokenPipeError:
        _quiet_stdout()
        return BROKEN_PIPE
    except ToolkitError as e:  # bad input, told in the toolkit's words
        print(f"error: {e}", file=sys.stderr)
        return 1
    except OSError as e:  # a file that cannot be read or written: its name and why
        print(f"error: {os_message(e)}", file=sys.stderr)
        return 1
