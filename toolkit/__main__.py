"""``python -m toolkit``: the command line lives with the tools (:mod:`toolkit.tools.cli`)."""

import sys

from toolkit.tools.cli import main

if __name__ == "__main__":
    sys.exit(main())
