"""The article's text as the data's coordinate system: paragraphs, offsets, quotes and mentions.

The project never ships the text. These functions read it from a path the user has
(``article.txt`` in the data folder, ``$TOOLKIT_ARTICLE``, or ``../shared/article/article.txt``).

>>> text = "Title\\n\\nMelikov spoke."
>>> paragraph_of(text, text.index("Melikov"))
2
"""

from __future__ import annotations

import functools
import os
import re
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from pathlib import Path

import polars as pl

from toolkit.core.errors import QuoteError

DEFAULT_RELATIVE = Path("shared") / "article" / "article.txt"


class Texts(Mapping):
    """source_id -> text, held once in a polars frame (``source_id``, ``text``) rather than as 10,000 Python
    strings beside the frame the checks need: a text becomes a ``str`` when it is asked for.

    >>> t = Texts.of({"s1": "Title", "s2": "Body"})
    >>> t["s2"], list(t), len(t), t == {"s1": "Title", "s2": "Body"}
    ('Body', ['s1', 's2'], 2, True)
    """

    def __init__(self, frame: pl.DataFrame):
        self.frame = frame.select(pl.col("source_id").cast(pl.String), pl.col("text").cast(pl.String))
        self._at = {sid: i for i, sid in enumerate(self.frame["source_id"].to_list())}
        if len(self._at) < self.frame.height:  # a source twice: the last text, as a dict would keep
            self.frame = self.frame.unique("source_id", keep="last", maintain_order=True)
            self._at = {sid: i for i, sid in enumerate(self.frame["source_id"].to_list())}

    @classmethod
    def of(cls, texts: Mapping[str, str]) -> Texts:
        if isinstance(texts, Texts):
            return texts
        return cls(pl.DataFrame({"source_id": list(texts), "text": list(texts.values())},
                                schema={"source_id": pl.String, "text": pl.String}))

    def __getitem__(self, source_id: str) -> str:
        return self.frame["text"][self._at[source_id]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)

    def __contains__(self, source_id) -> bool:
        return source_id in self._at

    def __repr__(self) -> str:
        return f"<Texts of {len(self)} source(s)>"


def own_text(columns) -> pl.Expr:
    """Which rows of ``sources`` are the folder's own texts (the facts point into them): kind ``article``, or any
    kind with a text of its own (``text_sha256`` filled: a news item, a report, a notice the coder worked from).

    >>> pl.DataFrame({"kind": ["article", "news", "report"], "text_sha256": [None, "ab", None]}).filter(
    ...     own_text(["kind", "text_sha256"])).height
    2
    """
    own = pl.col("kind").cast(pl.String) == "article"
    return (own | pl.col("text_sha256").is_not_null()) if "text_sha256" in columns else own


def shared_candidates() -> list[Path]:
    """Texts outside a data folder: ``$TOOLKIT_ARTICLE``, then ``shared/article/article.txt`` in a parent
    of the working directory or of this package. A dataset uses one only when its checksum matches."""
    candidates = []
    if os.environ.get("TOOLKIT_ARTICLE"):
        candidates.append(Path(os.environ["TOOLKIT_ARTICLE"]))
    for base in (Path.cwd(), Path(__file__).resolve().parent):
        candidates += [p / DEFAULT_RELATIVE for p in (base, *base.parents)]
    return list(dict.fromkeys(candidates))


def read_text(path: str | Path) -> str:
    """The article as one string, exactly as the offsets count it (UTF-8, newlines untouched)."""
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def form_problem(text: str) -> str | None:
    """Why offsets cannot be counted in ``text`` as it is (a byte-order mark, CRLF or CR line endings), or None.

    >>> form_problem("Title\\r\\n\\r\\nBody")[:30]
    'the text has CRLF line endings'
    """
    causes = ["a byte-order mark (U+FEFF) at the start"] if text.startswith("\ufeff") else []
    if "\r" in text:
        causes.append("CRLF line endings (Windows)" if "\r\n" in text else "CR line endings")
    if not causes:
        return None
    return ("the text has " + " and ".join(causes) + "; offsets count the characters of a UTF-8 text without a "
            "byte-order mark and with LF line endings: save it that way")


def paragraph_starts(text: str) -> list[int]:
    """Start offset of every blank-line-separated block (paragraph 1 starts at 0)."""
    starts, pos = [0], 0
    for block in text.split("\n\n")[:-1]:
        pos += len(block) + 2
        starts.append(pos)
    return starts


def paragraph_of(text: str, offset: int, _starts: list[int] | None = None) -> int:
    """1-based number of the paragraph holding ``offset``."""
    return bisect_right(_starts or paragraph_starts(text), offset)


def paragraph_span(text: str, paragraph: int) -> tuple[int, int]:
    """(start, end) offsets of a 1-based paragraph."""
    starts = paragraph_starts(text)
    if not 1 <= paragraph <= len(starts):
        raise QuoteError(f"paragraph {paragraph} is out of range 1..{len(starts)}")
    start = starts[paragraph - 1]
    return start, start + len(text.split("\n\n")[paragraph - 1])


def occurrences(text: str, quote: str, lo: int = 0, hi: int | None = None) -> list[int]:
    """Start offset of every occurrence of ``quote`` in ``text[lo:hi]`` (overlapping ones included)."""
    hi = len(text) if hi is None else hi
    found, at = [], text.find(quote, lo, hi) if quote else -1
    while at >= 0:
        found.append(at)
        at = text.find(quote, at + 1, hi)
    return found


def locate(text: str, quote: str, paragraph: int | None = None, start: int | None = None) -> tuple[int, int, int]:
    """Find a quote (in a given paragraph when known): returns (paragraph, char_start, char_end).

    A quote found more than once is an error (:class:`~toolkit.core.errors.QuoteError` listing where it
    occurs) unless ``paragraph`` holds it once, or ``start`` (the row's current char_start) is one of its
    occurrences: the toolkit never picks one of several equal quotes silently.

    >>> locate("A\\n\\nB said hi.", "said hi")
    (2, 5, 12)
    >>> locate("He said no.\\n\\nShe said no.", "said no")
    Traceback (most recent call last):
    toolkit.core.errors.QuoteError: quote 'said no' occurs 2 times: paragraphs 1 and 2; give the paragraph
    >>> locate("He said no.\\n\\nShe said no.", "said no", paragraph=2)
    (2, 17, 24)
    """
    lo, hi = paragraph_span(text, paragraph) if paragraph else (0, len(text))
    found = occurrences(text, quote, lo, hi)
    where = f"paragraph {paragraph}" if paragraph else "the text"
    if not found:
        raise QuoteError(f"quote {quote!r} not found in {where}")
    if len(found) > 1 and start in found:  # already placed on one of them: keep it
        found = [start]
    if len(found) > 1:
        starts = paragraph_starts(text)
        candidates = [(paragraph_of(text, at, starts), at) for at in found]
        paras = sorted({p for p, _ in candidates})
        if len(paras) > 1:
            listed = ", ".join(map(str, paras[:-1])) + f" and {paras[-1]}"
            raise QuoteError(f"quote {quote!r} occurs {len(found)} times: paragraphs {listed}; give the paragraph",
                             candidates)
        shown = ", ".join(str(at) for _, at in candidates[:10])
        raise QuoteError(f"quote {quote!r} occurs {len(found)} times in paragraph {paras[0]} (char_start {shown}); "
                         "quote more words so that it occurs once, or give char_start", candidates)
    return paragraph_of(text, found[0]), found[0], found[0] + len(quote)


@functools.lru_cache(maxsize=64)
def _pattern(alts: tuple[str, ...]) -> re.Pattern:
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, alts)) + r")(?!\w)")


def alias_pattern(aliases: list[str]) -> re.Pattern:
    """One regex for all aliases: longest first, case-sensitive, not inside a word (compiled once per set)."""
    return _pattern(tuple(sorted(set(aliases), key=lambda a: (-len(a), a))))


_MENTION_SCHEMA = {"entity_id": pl.String, "entity_type": pl.String, "surface": pl.String,
                   "paragraph": pl.Int64, "char_start": pl.Int64, "char_end": pl.Int64}


def _scan(text: str, target: dict, spans: list[tuple[int, int]]) -> list[tuple]:
    """(entity_id, entity_type, surface, paragraph, char_start, char_end) of every alias occurrence in the spans."""
    if not target:  # no alias: no mention (an empty pattern would match everywhere)
        return []
    pattern, starts, rows = alias_pattern(list(target)), paragraph_starts(text), []
    for lo, hi in sorted(spans):  # matches come in text order: the paragraph only moves forward
        k = bisect_right(starts, lo)
        for m in pattern.finditer(text, lo, hi):
            start, surface = m.start(), m.group()
            while k < len(starts) and starts[k] <= start:
                k += 1
            entity_id, entity_type = target[surface]
            rows.append((entity_id, entity_type, surface, k, start, m.end()))
    return rows


def find_mentions(text: str, aliases: pl.DataFrame, segments: pl.DataFrame) -> pl.DataFrame:
    """Every alias occurrence in the counted segments, longest alias winning where they overlap.

    ``aliases`` needs alias, entity_id, entity_type; ``segments`` needs char_start, char_end, counted.
    """
    target = {a: (e, str(t)) for a, e, t in aliases.select("alias", "entity_id", "entity_type").iter_rows() if a}
    spans = segments.filter(pl.col("counted")).select("char_start", "char_end").rows()
    return pl.DataFrame(_scan(text, target, spans), schema=_MENTION_SCHEMA, orient="row")


def find_all_mentions(texts: dict[str, str], aliases: pl.DataFrame, segments: pl.DataFrame) -> pl.DataFrame:
    """:func:`find_mentions` for every source in ``texts`` (source_id -> text), each with its own segments
    and the aliases scoped to it (``aliases.source_id`` empty: every source; a source's own alias wins).
    Adds a source_id column."""
    cols = ["alias", "entity_id", "entity_type", *(["source_id"] if "source_id" in aliases.columns else [])]
    general, scoped = {}, {}
    for row in aliases.select(cols).with_columns(pl.col("entity_type").cast(pl.String)).iter_rows():
        if not row[0]:
            continue
        scope = row[3] if len(row) > 3 else None
        (scoped.setdefault(scope, {}) if scope else general)[row[0]] = (row[1], row[2])
    by_source: dict = {}
    seg_cols = ["source_id"] if "source_id" in segments.columns else []
    for row in segments.filter(pl.col("counted")).select(*seg_cols, "char_start", "char_end").iter_rows():
        by_source.setdefault(row[0] if seg_cols else None, []).append(row[-2:])
    rows = []
    for sid, text in texts.items():
        target = general | scoped.get(sid, {}) if sid else general
        spans = by_source.get(sid if seg_cols and sid else None, [])
        rows += [(sid, *r) for r in _scan(text, target, spans)]
    return pl.DataFrame(rows, schema={"source_id": pl.String, **_MENTION_SCHEMA}, orient="row")
