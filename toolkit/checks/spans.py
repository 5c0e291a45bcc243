"""Quotes, paragraphs and mentions of many texts at once: polars expressions over a frame of texts.

A corpus of 10,000 articles has a million rows pointing into its texts. Comparing each quote with its text
and re-finding every alias in Python is most of the time a corpus takes to check; here each is one query:
a row is joined to its source's text (a string view: the text is not copied per row), its span is sliced
and compared; paragraphs come from an as-of join on the paragraph starts of every text; aliases are found
by Rust's regex (``\\b{start-half}`` and ``\\b{end-half}`` are Python's ``(?<!\\w)`` and ``(?!\\w)``, and
alternatives are tried in the same order), one pattern per distinct set of aliases.

>>> texts = texts_frame({"s1": "Title\\n\\nMelikov spoke to IS."})
>>> paragraphs(texts).rows()
[('s1', 0, 1), ('s1', 7, 2)]
"""

from __future__ import annotations

import polars as pl

from toolkit.core.text import Texts

CHUNK = 4096  # segments cut and searched at a time
ROWS = 50_000  # rows whose spans are checked at a time
MARK = "\x1e"  # wraps each match; a text holding one is scanned by Python instead (see find_mentions)


def texts_frame(texts: dict[str, str]) -> pl.DataFrame:
    """source_id -> text as a frame (source_id, text): :class:`~toolkit.core.text.Texts`' own frame."""
    return Texts.of(texts).frame


def paragraphs(texts: pl.DataFrame) -> pl.DataFrame:
    """(source_id, start, paragraph) of every blank-line-separated block of every text (paragraph 1 starts at 0)."""
    blocks = texts.select("source_id", pl.col("text").str.split("\n\n").alias("block")).explode("block")
    return (blocks.with_columns(length=pl.col("block").str.len_chars() + 2)
            .with_columns(start=(pl.col("length").cum_sum() - pl.col("length")).over("source_id"),
                          paragraph=pl.int_range(1, pl.len() + 1).over("source_id"))
            .select("source_id", pl.col("start").cast(pl.Int64), pl.col("paragraph").cast(pl.Int64)))


class Paragraphs:
    """Every text laid end to end, one character apart, with every paragraph start on that one line: the
    paragraph of any offset is one binary search (``search_sorted``), with no sort or join per table.

    >>> p = Paragraphs(texts_frame({"s1": "Title\\n\\nMelikov spoke.", "s2": "One"}))
    >>> paragraph_of(pl.DataFrame({"source_id": ["s1", "s1", "s2", "s1"], "char_start": [3, 7, 2, -1]}), p).to_list()
    [1, 2, 1, None]
    """

    def __init__(self, texts: pl.DataFrame):
        n = pl.col("text").str.len_chars().cast(pl.Int64)
        blocks = texts.select(pl.col("text").str.split("\n\n").alias("__b"))
        count = blocks["__b"].list.len().cast(pl.Int64)
        self.index = texts.select("source_id", __len=n, __base=(n + 1).cum_sum() - (n + 1),
                                  __pbase=(count.cum_sum() - count), __ascii=pl.col("text").str.len_bytes() == n)
        # a block's start is the previous block's start, its length and the "\n\n" after it (1 after a text's last)
        b = blocks.with_columns(__t=pl.int_range(pl.len()).repeat_by(count)).explode("__b", "__t")
        inc = pl.col("__b").str.len_chars().cast(pl.Int64) + pl.when(pl.col("__t") != pl.col("__t").shift(-1)).then(1).otherwise(2)
        self.starts = b.select((inc.cum_sum() - inc).alias("start")).to_series()

    def expr(self, offset: pl.Expr) -> pl.Expr:
        """The paragraph of ``offset`` in a frame joined to :attr:`index` (``__base``, ``__len``, ``__pbase``);
        null for a negative offset, the last paragraph for one past the end."""
        g = pl.col("__base") + offset.clip(upper_bound=pl.col("__len"))
        found = pl.lit(self.starts).search_sorted(g, side="right").cast(pl.Int64) - pl.col("__pbase")
        return pl.when(offset >= 0).then(found)


def cut(text: pl.Expr, start: pl.Expr, length: pl.Expr) -> pl.Expr:
    """``text.str.slice(start, length)`` in a frame joined to :attr:`Paragraphs.index`: an ASCII text is sliced by
    its bytes (``str.slice`` walks every character before the start: 7x slower on a corpus's million spans)."""
    ascii_ = pl.col("__ascii")
    by_bytes = pl.when(ascii_).then(text).cast(pl.Binary).bin.slice(start, length).cast(pl.String)
    return pl.coalesce(by_bytes, pl.when(~ascii_).then(text).str.slice(start, length))


def paragraph_of(rows: pl.DataFrame, paras: Paragraphs, offset: str = "char_start") -> pl.Series:
    """The paragraph holding each row's ``offset`` in its source's text (null where either is missing), in row order."""
    keyed = rows.select(pl.col("source_id").cast(pl.String), pl.col(offset).cast(pl.Int64).alias("__o"))
    return (keyed.join(paras.index, on="source_id", how="left", maintain_order="left")
            .select(paras.expr(pl.col("__o")).alias("paragraph")).to_series())


def spans(df: pl.DataFrame, texts: pl.DataFrame, paras: Paragraphs | None = None, *,
          quote: str | None = "quote", paragraph: str | None = "paragraph") -> pl.DataFrame:
    """For every row of ``df`` with offsets in a known text: ``__row`` (0-based), ``__length`` of the text,
    ``__past`` (char_end beyond it), ``__slice`` (the text at the span), ``__bad_quote``, ``__actual`` (the
    paragraph of char_start) and ``__bad_paragraph``. Rows without a text or offsets are left out."""
    paras = Paragraphs(texts) if paras is None else paras
    cols = ["source_id", "char_start", "char_end", *([quote] if quote else []), *([paragraph] if paragraph else [])]
    rows = (df.lazy().select(pl.int_range(pl.len()).alias("__row"), *(pl.col(c) for c in cols))
            .with_columns(pl.col("source_id").cast(pl.String), pl.col("char_start", "char_end").cast(pl.Int64))
            .filter(pl.col("char_start").is_not_null() & pl.col("char_end").is_not_null())
            .join(texts.lazy(), on="source_id", how="inner", maintain_order="left")
            .join(paras.index.lazy(), on="source_id", how="left", maintain_order="left"))
    s, e = pl.col("char_start"), pl.col("char_end")
    out = rows.with_columns(__length=pl.col("__len"), __past=e > pl.col("__len"))
    out = out.with_columns(__slice=pl.when(~pl.col("__past")).then(cut(pl.col("text"), s.clip(0), (e - s.clip(0)).clip(0))))
    bad_quote = (pl.col(quote).is_not_null() & (pl.col("__slice") != pl.col(quote))) if quote else pl.lit(False)
    out = out.with_columns(__bad_quote=~pl.col("__past") & bad_quote)
    if paragraph:
        out = out.with_columns(__actual=paras.expr(s))
        out = out.with_columns(__bad_paragraph=~pl.col("__past") & pl.col(paragraph).is_not_null()
                               & (pl.col("__actual") != pl.col(paragraph)))
    return out.drop("text", "__len", "__base", "__pbase", "__ascii").collect()


class TextFrames:
    """The texts of a dataset as a frame, and their paragraphs (made once, when first asked for)."""

    def __init__(self, texts: dict[str, str]):
        self.texts = texts_frame(texts)
        self._paragraphs = None

    @property
    def paragraphs(self) -> Paragraphs:
        if self._paragraphs is None:
            self._paragraphs = Paragraphs(self.texts)
        return self._paragraphs


_SCHEMA = {"source_id": pl.String, "entity_id": pl.String, "entity_type": pl.String, "surface": pl.String,
           "paragraph": pl.Int64, "char_start": pl.Int64, "char_end": pl.Int64}


def scoped_aliases(texts: pl.DataFrame, aliases: pl.DataFrame) -> pl.DataFrame:
    """(source_id, alias, entity_id, entity_type) in force for each text: the aliases for every source, and
    the source's own (``aliases.source_id``), which win where both spell the same alias."""
    cols = ["alias", "entity_id", pl.col("entity_type").cast(pl.String)]
    al = aliases.filter(pl.col("alias").is_not_null() & (pl.col("alias") != ""))
    ids = texts.select("source_id")
    general = al.filter(pl.col("source_id").is_null()).select(*cols).join(ids, how="cross") if "source_id" in al.columns \
        else al.select(*cols).join(ids, how="cross")
    parts = [general]
    if "source_id" in al.columns:
        parts.append(al.filter(pl.col("source_id").is_not_null()).select(pl.col("source_id").cast(pl.String), *cols)
                     .join(ids, on="source_id"))
    # Python's dict: a later row spelling the same alias replaces an earlier one; a source's own (after the
    # general ones) wins
    both = pl.concat(parts, how="diagonal")
    return (both.filter(pl.struct("source_id", "alias").is_last_distinct())
            .select("source_id", "alias", "entity_id", "entity_type"))


def find_mentions(texts: pl.DataFrame, aliases: pl.DataFrame, segments: pl.DataFrame,
                  paras: Paragraphs | None = None, ordered: bool = True) -> pl.DataFrame:
    """Every alias occurrence in the counted segments of every text, longest alias first where they overlap:
    the frame :func:`toolkit.core.text.find_all_mentions` returns, without a Python loop over the texts
    (``ordered=False``: in no particular order, without sorting them)."""
    scope = scoped_aliases(texts, aliases)
    if scope.is_empty():
        return pl.DataFrame(schema=_SCHEMA)
    paras = Paragraphs(texts) if paras is None else paras
    # each distinct alias ranked once (longest first, then by spelling); a text's pattern is its aliases in that order
    rank = (scope.select(pl.col("alias").unique()).sort(pl.col("alias").str.len_chars(), "alias", descending=[True, False])
            .with_columns(__rank=pl.int_range(pl.len(), dtype=pl.Int32), __esc=pl.col("alias").str.escape_regex()))
    pattern = (scope.select("source_id", "alias").join(rank, on="alias", maintain_order="left").sort("__rank")
               .group_by("source_id").agg(pl.col("__esc").str.join("|").alias("__alts")))
    seg = segments.filter(pl.col("counted"))
    if "source_id" not in seg.columns:  # a folder of one text: its segments are that text's
        seg = seg.join(texts.select("source_id"), how="cross")
    lo, hi = pl.col("__lo"), pl.col("__hi")
    seg = (seg.select(pl.col("source_id").cast(pl.String), pl.col("char_start").cast(pl.Int64).alias("__lo"),
                      pl.col("char_end").cast(pl.Int64).alias("__hi"))
           .join(texts, on="source_id").join(paras.index, on="source_id").join(pattern, on="source_id"))
    found = []
    for (alts,), part in seg.group_by("__alts"):
        regex = rf"\b{{start-half}}(?:{alts})\b{{end-half}}"
        # each segment cut at its matches: pieces between them at even places, the matches at odd ones
        pieces = (cut(pl.col("text"), lo, (hi - lo).clip(0))
                  .str.replace_all(regex, f"{MARK}${{0}}{MARK}").str.split(MARK))
        for chunk in part.iter_slices(CHUNK):  # the cut texts are copies: a few thousand segments at a time
            found.append(chunk.lazy().select("source_id", "__lo", pieces.alias("__p"))
                         .with_columns(__len=pl.col("__p").list.eval(pl.element().str.len_chars().cast(pl.Int64)))
                         .select("source_id", "__lo", pl.col("__p").list.gather_every(2, 1),
                                 pl.col("__len").list.eval(pl.element().cum_sum() - pl.element()).list.gather_every(2, 1).alias("__at"),
                                 pl.col("__len").list.gather_every(2, 1))
                         .explode("__p", "__at", "__len").filter(pl.col("__p").is_not_null())
                         .select("source_id", pl.col("__p").alias("surface"), (lo + pl.col("__at")).alias("char_start"),
                                 (lo + pl.col("__at") + pl.col("__len")).alias("char_end")).collect())
    if not found:  # no counted segment of a text with aliases
        return pl.DataFrame(schema=_SCHEMA)
    # one lazy query: polars lets each intermediate go as soon as the next is made
    out = (pl.concat(found).lazy().join(scope.lazy().rename({"alias": "surface"}), on=["source_id", "surface"])
           .join(paras.index.lazy(), on="source_id", how="left", maintain_order="left")
           .with_columns(paragraph=paras.expr(pl.col("char_start").cast(pl.Int64))))
    del found
    out = out.select(*_SCHEMA).cast(_SCHEMA)
    return (out.sort("source_id", "char_start") if ordered else out).collect()


def python_needed(texts: pl.DataFrame) -> bool:
    """Texts holding the marker character: :func:`find_mentions` cannot cut them (the checks flag it anyway)."""
    return bool(texts["text"].str.contains(MARK, literal=True).any())


# --- the checks, with the messages of toolkit.checks.evidence ------------------------------------------

def text_problems(fname: str, df: pl.DataFrame, texts: pl.DataFrame, paras: Paragraphs | None = None) -> list:
    """:func:`toolkit.checks.evidence.check_text` for a table of many sources: rows are looked at only where a
    query found a span past its text, a quote unlike its slice or a paragraph that does not hold the offset."""
    from toolkit.checks.fileform import Problem

    cols = set(df.columns)
    if not {"char_start", "char_end", "source_id"} <= cols or texts.is_empty():
        return []
    quote = "quote" if "quote" in cols else "surface" if "surface" in cols else None
    para = "paragraph" if "paragraph" in cols else "paragraph_start" if "paragraph_start" in cols else None
    bad = []
    for at in range(0, max(df.height, 1), ROWS):  # a slice of rows at a time: each row's span is cut from its text
        found = spans(df.slice(at, ROWS), texts, paras, quote=quote, paragraph=para)
        bad.append(found.filter(pl.col("__past") | pl.col("__bad_quote") | (pl.col("__bad_paragraph") if para else False))
                   .with_columns(pl.col("__row") + at))
        del found
    bad = pl.concat(bad)
    if bad.is_empty():
        return []
    text_of = dict(texts.filter(pl.col("source_id").is_in(bad["source_id"].implode())).iter_rows())
    problems = []
    for r in bad.iter_rows(named=True):
        i, s, e, text = r["__row"] + 1, r["char_start"], r["char_end"], text_of[r["source_id"]]
        if r["__past"]:
            problems.append(Problem(fname, i, "char_end", f"{e} is past the end of the text ({len(text)} characters)", kind="text"))
            continue
        expect = r.get(quote) if quote else None
        if expect is not None and text[s:e] != expect:
            hint = ""
            at = text.find(expect)
            if at >= 0:
                hint = f"; the quote is at {at}-{at + len(expect)} (run `python -m toolkit locate`)"
            problems.append(Problem(fname, i, quote, f"does not match the text at {s}-{e} ({text[s:e][:40]!r}){hint}", kind="text"))
        if para and r["__bad_paragraph"]:
            problems.append(Problem(fname, i, para, f"offset {s} is in paragraph {r['__actual']}, not {r[para]}", kind="text"))
    return problems


def mention_problems(mentions: pl.DataFrame, expected: pl.DataFrame, file_of: dict | None = None) -> list:
    """:func:`toolkit.checks.evidence.check_mentions` given the mentions of the texts checked and the
    occurrences :func:`find_mentions` found; an extra mention's row is its row in ``mentions``; a missing one
    names ``file_of[source_id]`` (in a corpus: its folder's mentions.csv)."""
    from toolkit.checks.fileform import Problem, show

    key = ["source_id", "entity_id", "entity_type", "char_start", "char_end"]
    have = mentions.with_columns(pl.col("source_id").cast(pl.String), pl.col("entity_type").cast(pl.String))
    problems = []
    for r in expected.join(have, on=key, how="anti").sort("source_id", "char_start").iter_rows(named=True):
        problems.append(Problem((file_of or {}).get(r["source_id"], "mentions.csv"), None, None, f"no mention of {show(r['surface'])} ({r['entity_type']} {r['entity_id']}) "
                                f"at {r['char_start']}-{r['char_end']}, paragraph {r['paragraph']}; regenerate with `python -m toolkit mentions`",
                                kind="mention"))
    extra = have.with_row_index("__i", offset=1).join(expected.select(key), on=key, how="anti")
    for r in extra.iter_rows(named=True):
        problems.append(Problem("mentions.csv", r["__i"], "char_start", f"{show(r['surface'])} at {r['char_start']}-{r['char_end']} "
                                "is not an alias occurrence in a counted segment; regenerate with `python -m toolkit mentions`",
                                kind="mention"))
    return problems
