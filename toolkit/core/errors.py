"""The toolkit's own errors: input a user can fix, told in one line; anything else is a bug and keeps its traceback.

Every error the toolkit raises on purpose derives from :class:`ToolkitError`, so callers branch on the
kind (``except toolkit.DataError``), never on message text, and the command line prints these as one line
(exit status 1) while letting any other exception show where it happened. Each also derives from the
built-in type callers caught before it existed (``DataError`` is a ``ValueError``, ``UnknownName`` a
``LookupError``), so older ``except ValueError`` code keeps working.

>>> issubclass(CannotDraw, ToolkitError) and issubclass(CannotDraw, ValueError)
True
"""

from __future__ import annotations

from toolkit.core.problems import DataError, ToolkitError  # noqa: F401  (the base and the loaders' error live with Problem)


class InputError(ToolkitError, ValueError):
    """A value given to the toolkit cannot be used (a date that is not a date, an unknown extension, ...)."""


class QuoteError(InputError):
    """A quote that cannot be placed in its text: not found, or found more than once (``.candidates``:
    (paragraph, char_start) of each place it occurs)."""

    def __init__(self, message: str, candidates: list[tuple[int, int]] | None = None):
        self.candidates = list(candidates or [])
        super().__init__(message)


class UnknownTable(ToolkitError, KeyError):
    """No table of that name in the descriptor (a ``KeyError``, as a missing key of a mapping)."""

    def __str__(self) -> str:  # the message, not KeyError's quoted repr of it
        return str(self.args[0]) if self.args else ""


class CannotDraw(ToolkitError, ValueError):
    """A view has nothing to draw for this data (no rows, no movement with both ends on the map, ...).

    The report shows such a chart as "not drawn" and goes on; any other error stops the build.
    """
