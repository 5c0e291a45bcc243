"""The form of a data file before its values: encoding, byte-order marks, header, ragged rows and the
invisible characters a value may not hold. Every finding is a :class:`Problem` naming the file (and row).

>>> parse("actors.csv", b"actor_id,actor_id\\nx,y\\n")[2][0].message
'column is named twice in the header (columns 1 and 2)'
"""

from __future__ import annotations

import csv
import io
import re

from toolkit.core.problems import Problem  # noqa: F401 - the checks' findings


def show(value, limit: int = 80) -> str:
    """``repr`` of a value, cut to ``limit`` characters with its length (a 5 MB field gives one short line)."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}… ({len(value):,} characters)"
    return repr(value)


WIDE_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe", "UTF-16"),
              (b"\xfe\xff", "UTF-16"))


def decode(raw: bytes) -> tuple[str | None, int, str]:
    """(text, 0, "") for UTF-8 bytes (a byte-order mark kept); otherwise (None, line, a message naming the
    encoding, or the byte and the line)."""
    for bom, name in WIDE_BOMS:
        if raw.startswith(bom):
            return None, 0, f"the file is {name} (it starts with a {name} byte-order mark); save it as UTF-8"
    head = raw[:4096]
    if head.count(0) * 4 > len(head):  # ASCII in UTF-16/32: every second (fourth) byte is 0
        return None, 0, "the file looks like UTF-16 or UTF-32 (it is full of 0 bytes); save it as UTF-8"
    try:
        return raw.decode("utf-8"), 0, ""
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        return None, line, (f"not UTF-8: byte {raw[e.start]:#x} at line {line} (Latin-1 or Windows-1252?); "
                            "save the file as UTF-8")


def parse(fname: str, raw: bytes) -> tuple[str | None, list[str] | None, list[Problem]]:
    """Decode a CSV file and read its header: (text without a byte-order mark, header, problems).

    Problems: not UTF-8 (with the line, or a hint at UTF-16), an empty file, a column named twice.
    """
    text, line, message = decode(raw)
    if message:
        return None, None, [Problem(fname, line - 1 if line > 1 else None, None, message)]
    text = text.removeprefix("\ufeff")  # Excel's "CSV UTF-8" starts with one: accepted
    if not text.strip():
        return None, None, [Problem(fname, None, None, "file is empty (expected a header row)")]
    header = next(csv.reader(io.StringIO(text, newline="")))
    seen, problems = {}, []
    for i, h in enumerate(header, start=1):
        if h in seen:
            problems.append(Problem(fname, None, h if len(h) <= 80 else show(h),
                                    f"column is named twice in the header (columns {seen[h]} and {i})")
                            if h.strip() else Problem(fname, None, None, f"columns {seen[h]} and {i} have no name"))
        seen.setdefault(h, i)
    return text, header, problems


def ragged(fname: str, text: str, width: int) -> list[Problem]:
    """A problem for every row with more fields than the header (row 1 is the first after the header)."""
    out = []
    for i, rec in enumerate(csv.reader(io.StringIO(text, newline="")), start=0):
        if i and len(rec) > width:
            out.append(Problem(fname, i, None, f"the row has {len(rec)} fields but the header has {width} "
                               "(a comma in a value that is not in double quotes?)"))
    return out


# invisible characters: ids allow none (nor any space but U+0020); text allows tab and new lines but no other
# control character, no line/paragraph separator (they blank charts), zero-width space, BOM or bidi control
ID_ODD = r"[\p{Cc}\p{Cf}\p{Zl}\p{Zp}[\p{Zs}--\x20]]"
TEXT_ODD = r"[[\p{Cc}--[\t\n\r]]\p{Zl}\p{Zp}\x{200B}\x{2060}\x{FEFF}\x{202A}-\x{202E}\x{2066}-\x{2069}]"
# every character either set can flag but tab and new lines: a file without one skips the text checks
ANY_ODD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\xa0\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891"
                      "\u08e2\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u2064\u2066-\u206f\u3000\ufeff\ufff9-\ufffb"
                      "\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
                      "\U000e0020-\U000e007f]")
# the rough mask of several id columns joined by U+001F: a space next to a separator or at either end, or any
# character an id may not hold (a file holding a U+001F gets the precise checks)
ROUGH_ID = rf"(?:^|\x1f)\s|\s(?:\x1f|$)|[[\p{{Cc}}--\x1f]\p{{Cf}}\p{{Zl}}\p{{Zp}}[\p{{Zs}}--\x20]]"
TEXT_ODD_CHARS = frozenset("\u2028\u2029\u200b\u2060\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


# every byte but the plain ASCII ones (printable, tab, new lines): what is left of a file once these are deleted
# is its control characters and every non-ASCII character, whole (their bytes are all >= 0x80)
PLAIN = bytes(b for b in range(256) if b in (9, 10, 13) or 0x20 <= b < 0x7F)


def odd_chars(raw: bytes) -> str:
    r"""The characters of a UTF-8 file a value check may flag (``ANY_ODD``, U+001F), in order, and its other
    non-ASCII ones: what the checks scan instead of the whole text (one ``bytes.translate``, ~1 GB/s).

    >>> odd_chars("a,b\u00a0c\n\x07".encode())
    '\xa0\x07'
    """
    return raw.translate(None, PLAIN).decode("utf-8")


def odd_char(value: str, strict: bool) -> str:
    """Where and which the first invisible or control character of a value is."""
    import unicodedata  # only for a value found wanting
    for i, ch in enumerate(value):
        cat = unicodedata.category(ch)
        if (cat in ("Cc", "Cf", "Zl", "Zp") or (cat == "Zs" and ch != " ")) if strict else (
                (cat == "Cc" and ch not in "\t\n\r") or ch in TEXT_ODD_CHARS):
            name = unicodedata.name(ch, "")
            what = f"U+{ord(ch):04X} {name}" if name else f"the control character U+{ord(ch):04X}"
            more = sum(1 for c in value[i + 1:] if c == ch)
            return (f"contains {what} at character {i + 1}" + (f" and {more} more" if more else "")
                    + ("" if cat == "Cc" else " (invisible)") + "; remove it")
    return "contains an invisible character"
