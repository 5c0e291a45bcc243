"""What the checks find: a :class:`Problem` names the file, the row and the column; its ``kind`` lets
callers branch on what it is (a dangling reference, a bad value ...) rather than on its wording.

>>> str(Problem("estimates.csv", 7, "value_low", "2000 is greater than value_best 1500"))
'estimates.csv row 7, column value_low: 2000 is greater than value_best 1500'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

MAX_SHOWN = 50
KINDS = ("file", "descriptor", "value", "key", "reference", "rule", "text", "mention")


@dataclass(frozen=True)
class Problem:
    """One problem in a data folder. ``kind``: one of :data:`KINDS` (``reference``: an id that the
    folder does not hold, which may live in another folder of a corpus)."""

    file: str
    row: int | None
    column: str | None
    message: str
    kind: str = field(default="value", compare=False)

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class ToolkitError(Exception):
    """Base of the errors the toolkit raises on purpose (bad input, not a bug)."""


class DataError(ToolkitError, ValueError):
    """Raised by the loaders when a data folder has problems; ``.problems`` lists them all."""

    def __init__(self, problems: list[Problem], folder: Path):
        self.problems, self.folder = problems, folder
        if len(problems) == 1 and problems[0].column == "x-schema-version":  # another schema: what to run, one line
            super().__init__(f"data folder {folder}: {problems[0].message}")
            return
        shown = "\n".join(f"  - {p}" for p in problems[:MAX_SHOWN])
        more = f"\n  ... and {len(problems) - MAX_SHOWN} more" if len(problems) > MAX_SHOWN else ""
        try:
            here = Path(folder).is_dir()
        except OSError:  # a corpus's label ("corpus of 10000 folders in ..."), too long for a path
            here = False
        hint = f"\nRun `python -m toolkit validate {folder}` for the full report." if here else ""
        super().__init__(f"{len(problems)} problem(s) in data folder {folder}:\n{shown}{more}{hint}")


@dataclass
class Report:
    """The result of a validation: ``ok``, ``problems``, ``notes`` (e.g. checks skipped) and ``text``
    (the article text the quotes and offsets were checked against, or None)."""

    folder: Path
    problems: list[Problem]
    notes: list[str]
    text: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        head = f"{self.folder}: " + ("OK" if self.ok else f"{len(self.problems)} problem(s)")
        return "\n".join([head, *(f"  - {p}" for p in self.problems), *(f"  note: {n}" for n in self.notes)])

    def _repr_html_(self) -> str:
        from html import escape

        items = "".join(f"<li>{escape(str(p))}</li>" for p in self.problems)
        notes = "".join(f"<li><i>{escape(n)}</i></li>" for n in self.notes)
        return f"<b>{escape(str(self.folder))}</b>: {'OK' if self.ok else len(self.problems)} problem(s)<ul>{items}{notes}</ul>"
