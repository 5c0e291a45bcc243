"""Reading many folders at once: each table of every folder in one CSV parse, each descriptor parsed once.

Opening 10,000 article folders one by one costs a polars query per table per folder; here the files of one
table are read as bytes, checked for the form the fast way needs (UTF-8, the declared header in the declared
order, no byte the marker uses), and their bodies joined behind one header, each after a marker row naming
its folder, so one ``pl.read_csv`` reads them all and every row still knows its folder and its row in its
file (``__folder``, ``__row``). A file that is not in that form (another column order, an extra column, a
ragged row, another encoding) is returned to be read alone, with every problem the one-folder reader reports.

>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> for i, body in enumerate(["x,y\\n1,a\\n", "x,y\\n2,b\\n3,c\\n", "y,x\\nd,4\\n"]):
...     _ = (root / f"{i}.csv").write_text(body)
>>> df, alone, odd = concat(read_bytes([root / f"{i}.csv" for i in range(3)]), ["x", "y"])
>>> df.rows(), alone
([('1', 'a', 0, 1), ('2', 'b', 1, 1), ('3', 'c', 1, 2)], [2])
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import polars as pl

from toolkit.checks.fileform import odd_chars

MARK = b"\x1d"  # a control character: a value holding one is a problem anyway, and its file is read alone


CHUNK = 1 << 16


class Reads:
    """The files a corpus was read from, with the size, times and inode of each as it was opened (an ``fstat``
    of the open file: the cache's check of a corpus costs no second pass over 150,000 files)."""

    def __init__(self):
        from array import array

        self.paths: list[str] = []
        self.stats = array("q")

    def folders(self, folders) -> None:
        """The folders and their ``texts/``: a file added, removed or renamed in one moves its times."""
        for f in folders:
            for d in (str(f), f"{f}/texts"):
                self.paths.append(d)
                self.stats.extend(stat_of(d))

    def digest(self) -> str:
        return hashlib.blake2b(self.stats.tobytes(), digest_size=20).hexdigest()


def stat_of(path: str) -> tuple:
    try:
        st = os.stat(path)
    except OSError:
        return (-1, -1, -1, -1)
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def stat_digest(paths: list[str]) -> str:
    """:meth:`Reads.digest` of the files as they are now."""
    from array import array

    stats = array("q")
    for p in paths:
        stats.extend(stat_of(p))
    return hashlib.blake2b(stats.tobytes(), digest_size=20).hexdigest()


def _read(path: str | Path, reads: Reads | None = None) -> bytes | None:
    """A file's bytes by the bare system calls (half the cost of ``open().read()``, which adds a buffered
    reader, a ``fstat`` and an ``isatty``: 11 vs 25 µs a file, 130,000 files in a corpus of 10,000)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        if reads is not None:
            reads.stats.extend((-1, -1, -1, -1))
        return None
    try:
        if reads is not None:
            st = os.fstat(fd)
            reads.stats.extend((st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
        raw = os.read(fd, CHUNK)
        if len(raw) < CHUNK:
            return raw
        parts = [raw]
        while raw:
            raw = os.read(fd, 1 << 22)
            parts.append(raw)
        return b"".join(parts)
    except OSError:  # a folder named like the file, or a read error
        return None
    finally:
        os.close(fd)


def read_bytes(paths: list[str | Path], reads: Reads | None = None) -> list[bytes | None]:
    """The bytes of every file (None: missing or unreadable), each recorded in ``reads``. One thread: on 2 busy
    cores, threads reading small files from the page cache were hardly faster (1.07 vs 1.33 s for 120,000 files)."""
    if reads is None:
        return [_read(p) for p in paths]
    reads.paths.extend(map(str, paths))
    return [_read(p, reads) for p in paths]


BOM = b"\xef\xbb\xbf"


def concat(raws: list[bytes | None], header: list[str]) -> tuple[pl.DataFrame | None, list[int], str]:
    """One frame of strings from many CSV files of the same declared ``header``: (the frame with ``__folder``
    (the index in ``raws``) and ``__row`` (1-based in its file), the indices of files to read alone, and every
    character of those files a value check may flag: their control and non-ASCII characters, in order, which
    the checks scan instead of the files' whole text). :func:`prepare`, then :func:`parse`."""
    return parse(prepare(raws, header))


def _body(raw: bytes, want: bytes) -> int | None:
    """Where the body of a file (BOM taken off) starts when it is in the plain form: the declared header, no
    marker byte, no bare carriage return, UTF-8; None when it must be read alone."""
    end = raw.find(b"\n")
    body = end + 1 if end >= 0 else len(raw)
    if (raw[:end if end >= 0 else len(raw)].rstrip(b"\r") != want or MARK in raw
            or (raw.find(b"\r", body) >= 0 and raw.find(b"\r\n", body) < 0)):
        return None
    if not raw.isascii():
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return body


def prepare(raws: list[bytes | None], header: list[str], careful: bool = False) -> tuple:
    """The Python half of :func:`concat` (it holds the GIL): the files in the plain form joined behind one
    header, the first value of each file's first row prefixed by a marker naming the file (inside its quotes when
    it is quoted); a thread can make the next table's while polars parses this one's. Each file's header is
    compared; the other tests of the form (marker byte, bare carriage returns, UTF-8) run once on the joined
    bytes, and file by file (``careful``) only when that finds something."""
    want = ",".join(header).encode("utf-8")
    heads = (want + b"\n", want + b"\r\n")
    parts, alone, fast, marked, empty = [want + b"\n"], [], [], [], []
    for i, raw in enumerate(raws):
        if raw is None:
            alone.append(i)
            continue
        if raw.startswith(BOM):
            raw = raw[3:]
        if careful:
            body = _body(raw, want)
        else:
            body = len(heads[0]) if raw.startswith(heads[0]) else len(heads[1]) if raw.startswith(heads[1]) else _body(raw, want)
        if body is None:
            alone.append(i)
            continue
        fast.append(i)
        if body == len(raw):  # a header and no row
            continue
        mark = MARK + str(i).encode() + MARK
        first = raw[body:body + 1]
        if first == b'"':
            parts += [b'"' + mark, memoryview(raw)[body + 1:]]
        else:
            parts += [mark, memoryview(raw)[body:]]
            if first in (b",", b"\n", b"\r"):  # an empty first value: null, not ""
                empty.append(i)
        if not raw.endswith(b"\n"):
            parts.append(b"\n")
        marked.append(i)
    joined = b"".join(parts) if fast else b""
    del parts
    if not careful and fast and (joined.count(MARK) != 2 * len(marked) or _bare_cr(joined) or not is_utf8(joined)):
        return prepare(raws, header, careful=True)  # some file is not plain: find which
    # one pass over the joined bytes: what is left once plain ASCII is deleted (the markers taken out)
    odd = odd_chars(joined.replace(MARK, b"")) if fast else ""
    return joined, header, alone, fast, odd, marked, empty


def _bare_cr(joined: bytes) -> bool:
    """Whether a carriage return in the joined bytes is not followed by a line feed (a file of old Mac lines)."""
    import re

    return b"\r" in joined and re.search(rb"\r(?!\n)", joined) is not None


def is_utf8(joined: bytes) -> bool:
    """Whether bytes are UTF-8 (ASCII tested first: C speed, no decoding)."""
    if joined.isascii():
        return True
    try:
        joined.decode("utf-8")  # valid as a whole: each file is (each is followed by an ASCII marker row)
    except UnicodeDecodeError:
        return False
    return True


def parse(prepared: tuple) -> tuple[pl.DataFrame | None, list[int], str]:
    """The polars half of :func:`concat`: one CSV parse of the joined files, each row given its folder and row,
    the markers taken off (no row is added or removed: no copy of the table)."""
    joined, header, alone, fast, odd, marked, empty = prepared
    if not fast:
        return None, alone, ""
    try:
        df = pl.read_csv(io.BytesIO(joined), infer_schema=False, has_header=True)
    except Exception:  # noqa: BLE001 - a ragged row or broken quoting somewhere: every file alone finds it
        return None, sorted(alone + fast), ""
    first, m = pl.col(header[0]), MARK.decode()
    is_mark = first.str.starts_with(m).fill_null(False)
    marks = df.select(first.filter(is_mark))[header[0]]  # the files' first rows: a few thousand values
    index = marks.str.extract(f"^{m}([0-9]+){m}", 1).cast(pl.Int32)
    if marks.len() != len(marked) or index.to_list() != marked or (df.height and not df.select(is_mark.first()).item()):
        return None, sorted(alone + fast), ""  # quoting that swallowed a marker: read them one by one
    # the n-th marked row starts the n-th marked file: its folder, the marker's length and whether the value was empty
    n = is_mark.cum_sum().cast(pl.Int64) - 1
    cut = pl.Series([len(str(i)) + 2 for i in marked], dtype=pl.Int64)
    blank = set(empty)
    gone = pl.Series([i in blank for i in marked], dtype=pl.Boolean) if empty else None
    value = first.str.slice(pl.lit(cut).gather(n))
    if gone is not None:
        value = pl.when(pl.lit(gone).gather(n)).then(pl.lit(None, pl.String)).otherwise(value)
    at = pl.int_range(pl.len(), dtype=pl.Int32)
    df = df.with_columns(pl.when(is_mark).then(value).otherwise(first).alias(header[0]),
                         __folder=pl.lit(index).gather(n),
                         __row=at - pl.when(is_mark).then(at).forward_fill() + 1)
    return df, alone, odd


def fingerprint(raws) -> str:
    """A content hash of some files' bytes (None for a missing file), for the cache's key."""
    h = hashlib.blake2b(digest_size=16)
    for raw in raws:
        h.update(b"\x00missing" if raw is None else len(raw).to_bytes(8, "little"))
        if raw is not None:
            h.update(raw)
    return h.hexdigest()


class Descriptors:
    """Each distinct ``datapackage.json`` parsed once (10,000 folders made by `toolkit new` hold a few): a file
    is compared byte for byte with those of its length and opening seen before (a ``memcmp``, not a hash of
    600 MB of descriptors), and only its parse is kept, not its bytes."""

    def __init__(self, load):
        self._load, self._seen = load, {}

    def __call__(self, raw: bytes | None, folder: Path):
        key = None if raw is None else (len(raw), raw[:512])
        for known, parsed in self._seen.get(key, ()):
            if known == raw:
                return parsed
        parsed = self._load(raw, folder)
        self._seen.setdefault(key, []).append((raw, parsed))
        return parsed


def texts_of(paths: list[Path]) -> list[str | None]:
    """UTF-8 texts exactly as offsets count them (None: missing, or not UTF-8: the one-folder reader says why)."""
    out = []
    for raw in read_bytes(paths):
        try:
            out.append(None if raw is None else raw.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(None)
    return out

