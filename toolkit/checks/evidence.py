"""Evidence against the texts: offsets inside the text of the row's source, quotes equal to their slice,
paragraphs holding their offsets, and mentions equal to the alias occurrences in each text."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import polars as pl

from toolkit.checks import spans
from toolkit.checks.fileform import Problem, decode, show
from toolkit.core import text as article
from toolkit.core.descriptor import Descriptor


def check_text(desc: Descriptor, name: str, df: pl.DataFrame, texts: dict[str, str],
               frames: spans.TextFrames | None = None) -> list[Problem]:
    """Offsets inside the text of the row's source, quote equal to the slice, paragraph holding char_start.

    Rows naming their source are checked by one query over all texts (:mod:`toolkit.checks.spans`; pass
    ``frames`` to share its frames between tables); a table without source_id, row by row."""
    fname, problems, starts = desc.resource(name)["path"], [], {}
    cols = set(df.columns)
    if not {"char_start", "char_end"} <= cols or not texts:
        return []
    if "source_id" in cols:
        frames = frames or spans.TextFrames(texts)
        return spans.text_problems(fname, df, frames.texts, frames.paragraphs)
    only = next(iter(texts)) if len(texts) == 1 else None
    n = df.height
    col = "quote" if "quote" in cols else "surface"
    para_col = "paragraph" if "paragraph" in cols else "paragraph_start"
    column = lambda c: df[c].to_list() if c in cols else [None] * n  # noqa: E731
    sids = df["source_id"].to_list() if "source_id" in cols else [only] * n
    for i, (s, e, sid, expect, para) in enumerate(zip(df["char_start"].to_list(), df["char_end"].to_list(), sids,
                                                       column(col), column(para_col)), start=1):
        text = texts.get(sid)
        if s is None or e is None or text is None:
            continue
        if e > len(text):
            problems.append(Problem(fname, i, "char_end", f"{e} is past the end of the text ({len(text)} characters)", kind="text"))
            continue
        if expect is not None and text[s:e] != expect:
            hint = ""
            found = text.find(expect)
            if found >= 0:
                hint = f"; the quote is at {found}-{found + len(expect)} (run `python -m toolkit locate`)"
            problems.append(Problem(fname, i, col, f"does not match the text at {s}-{e} ({text[s:e][:40]!r}){hint}", kind="text"))
        if para is None:
            continue
        if sid not in starts:
            starts[sid] = article.paragraph_starts(text)
        actual = article.paragraph_of(text, s, starts[sid])
        if para != actual:
            problems.append(Problem(fname, i, para_col, f"offset {s} is in paragraph {actual}, not {para}", kind="text"))
    return problems


def check_mentions(desc: Descriptor, tables: dict, texts: dict[str, str], flawed: set[str] = frozenset()) -> list[Problem]:
    """Mentions equal to the alias occurrences in each text; skipped while one of the three tables has its own problems."""
    need = ("aliases", "segments", "mentions")
    if any(tables.get(t) is None or desc.resource(t)["path"] in flawed for t in need):
        return []
    frame = spans.texts_frame(texts)
    if spans.python_needed(frame):  # a text holding the marker the query cuts at: Python's scan
        expected = article.find_all_mentions(texts, tables["aliases"], tables["segments"])
    else:
        expected = spans.find_mentions(frame, tables["aliases"], tables["segments"])
    have = tables["mentions"].with_columns(pl.col("entity_type").cast(pl.String)).filter(
        pl.col("source_id").is_in(list(texts)))
    key = ["source_id", "entity_id", "entity_type", "char_start", "char_end"]
    problems = []
    missing = expected.join(have, on=key, how="anti")
    for r in missing.iter_rows(named=True):
        problems.append(Problem("mentions.csv", None, None, f"no mention of {show(r['surface'])} ({r['entity_type']} {r['entity_id']}) "
                                f"at {r['char_start']}-{r['char_end']}, paragraph {r['paragraph']}; regenerate with `python -m toolkit mentions`", kind="mention"))
    extra = have.with_row_index("row", offset=1).join(expected, on=key, how="anti")
    for r in extra.iter_rows(named=True):
        problems.append(Problem("mentions.csv", r["row"], "char_start", f"{show(r['surface'])} at {r['char_start']}-{r['char_end']} "
                                "is not an alias occurrence in a counted segment; regenerate with `python -m toolkit mentions`", kind="mention"))
    return problems


@lru_cache(maxsize=64)
def _real(path: str) -> str:
    """A folder's real path, found once for the 10,000 texts of a corpus (only a message's file name depends on it)."""
    return os.path.realpath(path)


def read_text(path: Path, folder: Path, unused: str = " (quotes, offsets and mentions were not checked against it)"
              ) -> tuple[str | None, list[Problem]]:
    """The article text at ``path`` (exactly as the offsets count it), or a problem naming the file
    (``unused`` ends its message)."""
    shown = path.name if _real(str(path.parent)) == _real(str(folder)) else str(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        return None, [Problem(shown, None, None, f"cannot be read: {e.strerror or e}{unused}")]
    text, _, message = decode(raw)
    message = message or article.form_problem(text)
    if message:
        return None, [Problem(shown, None, None, message + unused)]
    return text, []
