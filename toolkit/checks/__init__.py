"""Every check of a data folder, as functions of a descriptor and tables: nothing here reads ambient state.

``read_all(desc, folder)`` reads and types every table; ``check_tables(desc, tables, texts)`` checks keys,
rules and (for the sources whose texts are given) quotes, offsets and mentions. Each returns a list of
:class:`~toolkit.Problem` naming file, row and column.

>>> import toolkit
>>> from toolkit.core.descriptor import Descriptor
>>> tables, problems = read_all(Descriptor.shipped(), toolkit.SHIPPED)
>>> problems + check_tables(Descriptor.shipped(), tables)
[]
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from toolkit.checks.columns import read
from toolkit.checks.evidence import check_mentions, check_text, read_text
from toolkit.checks.keys import check_keys
from toolkit.checks.spans import TextFrames
from toolkit.checks.rules import check_declared, check_rows
from toolkit.core.descriptor import Descriptor
from toolkit.core.problems import DataError, Problem, Report

__all__ = ["DataError", "Problem", "Report", "check", "check_tables", "read", "read_all", "read_text"]


def read_all(desc: Descriptor, folder: Path) -> tuple[dict[str, pl.DataFrame | None], list[Problem]]:
    """Read every table the descriptor declares: (tables by name, per-table problems)."""
    tables, problems = {}, []
    for name in desc.table_names():
        df, probs = read(desc, name, folder)
        tables[name] = df
        problems += probs
    return tables, problems


def check_tables(desc: Descriptor, tables: dict, texts: dict[str, str] | None = None,
                 flawed: set[str] = frozenset()) -> list[Problem]:
    """Keys, rules, and (for the sources in ``texts``: source_id -> text) quotes, offsets and mentions.
    ``flawed``: files with problems of their own, whose cross-table checks would only repeat them."""
    problems, texts = [], texts or {}
    frames = TextFrames(texts) if texts else None  # the texts as one frame, shared by every table's query
    for name, df in tables.items():
        if df is None or not desc.has_table(name):
            continue
        problems += check_keys(desc, name, df, tables) + check_rows(desc, name, df, tables)
        if texts:
            problems += check_text(desc, name, df, texts, frames)
    if texts:
        problems += check_mentions(desc, tables, texts, flawed)
    declared = {k: v for k, v in tables.items() if desc.has_table(k) and desc.path(k) not in flawed}
    return problems + check_declared(desc, declared)


def check(desc: Descriptor, folder: Path, texts: dict[str, str] | None = None) -> tuple[dict, list[Problem]]:
    """Read and check a whole folder; text-dependent checks run for the sources in ``texts``."""
    tables, problems = read_all(desc, folder)
    return tables, problems + check_tables(desc, tables, texts, {p.file for p in problems})
