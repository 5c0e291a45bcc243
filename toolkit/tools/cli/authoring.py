"""Commands that make or fill a data folder: ``new``, ``locate``, ``mentions``."""

from __future__ import annotations

import csv
import io
import os
import sys
import tempfile
from pathlib import Path

def _folder(args):
    """The data folder and its own descriptor; a descriptor that cannot be used ends the command."""
    from toolkit.dataset import data_folder, descriptor_of

    folder = data_folder(args.dir)
    desc, problems = descriptor_of(folder)
    if desc is None:
        sys.exit("\n".join(str(p) for p in problems) + "\nnothing was written")
    return folder, desc


def _texts(args) -> dict[str, str]:
    """source_id -> text for every source of the folder whose text is found (see dataset.find_texts)."""
    from toolkit.checks import read
    from toolkit.dataset import find_texts

    folder, desc = _folder(args)
    sources, problems = read(desc, "sources", folder)
    texts, _, notes, more = find_texts(folder, sources, args.text, unused=" (nothing was written)")
    if problems or more:
        sys.exit("\n".join(str(p) for p in problems + more))
    if not texts:
        sys.exit("no text found: put it in texts/<source_id>.txt or article.txt in the folder, or pass --text PATH\n"
                 + "\n".join(notes))
    return texts


def _records(text: str) -> list[tuple[list[str], str]]:
    """Every CSV record of a file with its exact source text (header first), so unchanged rows keep their bytes."""
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    reader, out, at = csv.reader(lines), [], 0
    for rec in reader:
        out.append((rec, "".join(lines[at:reader.line_num])))
        at = reader.line_num
    return out


def _csv_line(values: list[str], like: str) -> str:
    """One record written as CSV, ending like the record it replaces (CRLF, LF or nothing at the end of the file)."""
    end = "\r\n" if like.endswith("\r\n") else "\n" if like.endswith("\n") else ""
    buf = io.StringIO()
    csv.writer(buf, lineterminator=end).writerow(values)
    return buf.getvalue()


def _write_all(files: dict[Path, bytes]) -> None:
    """Replace several files as one step: every new file is written beside its target first, then all are
    swapped in; if a swap fails, the files already replaced get their old bytes back. Raises OSError naming
    the file it could not write."""
    from toolkit.core.files import by_umask

    temps, done, old, path = {}, [], {}, None
    try:
        for path, data in files.items():
            old[path] = path.read_bytes() if path.exists() else None
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
            temps[path] = tmp
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            if path.exists():
                os.chmod(tmp, path.stat().st_mode & 0o7777)
            else:  # a new file (mentions.csv): as the user's umask says, not mkstemp's private mode
                by_umask(tmp, directory=False)
        for path, tmp in temps.items():
            os.replace(tmp, path)
            done.append(path)
    except OSError as e:
        for back in done:  # put back what was already replaced
            if old[back] is not None:
                back.write_bytes(old[back])
        raise OSError(e.errno, e.strerror or str(e), str(path)) from e
    finally:
        for path, tmp in temps.items():
            if path not in done and os.path.exists(tmp):
                os.unlink(tmp)


LOCATORS = ("paragraph", "char_start", "char_end")


def _locate_table(fname: str, raw: bytes, texts: dict[str, str]) -> tuple[bytes | None, int, list[str]]:
    """(new bytes or None when nothing changed, rows changed, problems) for one fact table; each row is
    located in the text of its own source (rows of sources without a text are left as they are)."""
    from toolkit.core import text as article
    from toolkit.core.errors import QuoteError
    from toolkit.checks.fileform import Problem, parse, ragged, show

    body, header, problems = parse(fname, raw)
    if body is None or problems:
        return None, 0, [str(p) for p in problems]
    missing = [c for c in ("quote", "source_id", *LOCATORS) if c not in header]
    if missing:
        return None, 0, [str(Problem(fname, None, c, "column is missing")) for c in missing]
    extra = ragged(fname, body, len(header))
    if extra:
        return None, 0, [str(p) for p in extra]
    col = {c: header.index(c) for c in ("quote", "source_id", *LOCATORS)}
    records, out, changed, failed = _records(body), [], 0, []
    out.append(records[0][1])
    for i, (rec, src) in enumerate(records[1:], start=1):
        cell = lambda c: rec[col[c]] if col[c] < len(rec) else ""  # noqa: E731 (a short row: the rest is empty)
        quote, para = cell("quote"), cell("paragraph").strip()
        text = texts.get(cell("source_id")) or (next(iter(texts.values())) if len(texts) == 1 and not cell("source_id") else None)
        if not quote or text is None:
            out.append(src)
            continue
        if para and not para.isdigit():
            failed.append(str(Problem(fname, i, "paragraph", f"{show(para)} is not a paragraph number")))
            continue
        start = cell("char_start").strip()
        try:  # several equal quotes: the row's paragraph (or its current char_start) must say which
            found = article.locate(text, quote, int(para) if para else None, int(start) if start.isdigit() else None)
        except QuoteError as e:
            failed.append(str(Problem(fname, i, "quote", show(str(e), 300)[1:-1])))
            continue
        new = dict(zip(LOCATORS, map(str, found)))
        if all(cell(c) == v for c, v in new.items()):
            out.append(src)
            continue
        values = rec + [""] * (len(header) - len(rec))
        for c, v in new.items():
            values[col[c]] = v
        out.append(_csv_line(values, src))
        changed += 1
    if failed or not changed:
        return None, changed, failed
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    return bom + "".join(out).encode("utf-8"), changed, []


def cmd_locate(args) -> int:
    """Fill paragraph/char_start/char_end of every fact row from its quote (and paragraph hint).

    Every table of the folder is read first: on any problem (a file that cannot be read, a value of the
    wrong type, a quote not found or found more than once where the row's paragraph does not say which)
    nothing is written. Otherwise the changed tables are replaced together, each keeping its line
    endings, and unchanged rows keep their exact bytes.
    """
    from toolkit.checks import read

    texts, (folder, desc) = _texts(args), _folder(args)
    new, failed, changed = {}, [], 0
    for name in desc.table_names():  # the folder's own tables, extra ones included
        res = desc.resource(name)
        path = folder / res["path"]
        if not path.is_file() and res.get("x-absent"):
            continue
        # every table, not only those with quotes: locate writes nothing into a folder with problems
        _, problems = read(desc, name, folder)
        evidence = bool(res.get("x-evidence"))
        failed += [str(p) for p in problems if not (evidence and p.column in LOCATORS)]
        if not evidence or not path.is_file():
            continue
        data, n, problems = _locate_table(res["path"], path.read_bytes(), texts)
        failed += [p for p in problems if p not in failed]
        changed += n
        if data is not None:
            new[folder / res["path"]] = data
    if failed:
        print("\n".join(failed) + "\nnothing was written", file=sys.stderr)
        return 1
    try:
        _write_all(new)
    except OSError as e:
        print(f"cannot write {e.filename}: {e.strerror}; nothing was changed", file=sys.stderr)
        return 1
    print(f"located {changed} changed row(s)" + (f" in {', '.join(p.name for p in new)}" if new else "; nothing to write"))
    return 0


def cmd_mentions(args) -> int:
    """Regenerate mentions.csv from the aliases, the segments and the text (kept as is when nothing changed)."""
    from toolkit.checks import read
    from toolkit.core import text as article

    texts, (folder, desc) = _texts(args), _folder(args)
    aliases, p1 = read(desc, "aliases", folder)
    segments, p2 = read(desc, "segments", folder)
    if p1 or p2:
        print("\n".join(str(p) for p in p1 + p2) + "\nnothing was written", file=sys.stderr)
        return 1
    found = article.find_all_mentions(texts, aliases, segments)
    path = folder / desc.path("mentions")
    old = path.read_bytes() if path.is_file() else b""
    found = _declared_columns(found, desc, folder, path)
    newline = "\r\n" if b"\r\n" in old.split(b"\n", 1)[0] + b"\n" else "\n"
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=newline)
    w.writerow(found.columns)
    w.writerows(found.cast({c: str for c in found.columns}).rows())
    data = (b"\xef\xbb\xbf" if old.startswith(b"\xef\xbb\xbf") else b"") + buf.getvalue().encode("utf-8")
    summary = f"{found.height} mentions of {found['entity_id'].n_unique()} entities"
    if data == old:
        print(f"{path} is up to date ({summary}); nothing written")
        return 0
    try:
        _write_all({path: data})
    except OSError as e:
        print(f"cannot write {e.filename}: {e.strerror}; nothing was changed", file=sys.stderr)
        return 1
    print(f"wrote {summary} to {path}")
    return 0


def _declared_columns(found, desc, folder, path):
    """The regenerated mentions in the columns the folder's own descriptor declares, in its order: a column the
    scan does not make (a draft's ``draft``/``confidence``, a coder's ``note``) keeps its value on a mention found
    again at the same place (the table's key) and is empty on a new one."""
    import polars as pl

    from toolkit.checks import read

    names = [f["name"] for f in desc.resource("mentions")["schema"]["fields"]]
    extra = [c for c in names if c not in found.columns]
    if not extra:
        return found.select([c for c in names if c in found.columns] + [c for c in found.columns if c not in names])
    key = [k for k in (desc.resource("mentions")["schema"].get("primaryKey") or ["source_id", "char_start"])
           if k in found.columns]
    old = None
    if path.is_file():
        old, problems = read(desc, "mentions", folder)
        if problems or old is None or not set(key + extra) <= set(old.columns):
            old = None
    if old is not None and key:
        kept = old.select(key + extra).unique(subset=key, keep="first")
        kept = kept.with_columns([pl.col(k).cast(found.schema[k]) for k in key])
        found = found.join(kept, on=key, how="left")
    else:
        found = found.with_columns([pl.lit(None).alias(c) for c in extra])
    return found.select(names + [c for c in found.columns if c not in names])


def cmd_new(args) -> int:
    from toolkit.dataset.create import new

    folder = new(args.folder, args.text, source_id=args.source_id, title=args.title, author=args.author,
                 publisher=args.publisher, url=args.url, published=args.published)
    print(f"created {folder}: every table's header, one source ({folder / 'sources.csv'}), the text in "
          f"{folder / 'texts'}.\nNext: add rows (see `python -m toolkit dictionary`), then "
          f"`python -m toolkit locate {folder}`, `python -m toolkit mentions {folder}`, `python -m toolkit validate {folder}`.")
    return 0


def add_parser(sub) -> None:
    for name, fn, help_, more in (
        ("locate", cmd_locate, "fill paragraph, char_start and char_end of every row with a quote, from its text",
         "Finds each quote in the text of the row's own source (in the row's paragraph when it gives one). A quote "
         "not found, or found more than once where the paragraph does not say which, is a problem naming the file, "
         "row and candidate paragraphs. Every table is read first: on any problem nothing is written; otherwise "
         "the changed tables are replaced together, keeping their line endings and unchanged rows."),
        ("mentions", cmd_mentions, "regenerate mentions.csv: every occurrence of every alias in each text",
         "Reads aliases.csv, segments.csv and the texts; writes mentions.csv only when it changes, and nothing "
         "when a table or text has a problem."),
    ):
        sp = sub.add_parser(name, help=help_, description=more)
        sp.add_argument("dir", nargs="?", default=None, help="data folder (default: the shipped data or $TOOLKIT_DATA_DIR)")
        sp.add_argument("--text", default=None, help="the text of the folder's one article, when it is not in "
                        "texts/<source_id>.txt or article.txt")
        sp.set_defaults(fn=fn)
    p = sub.add_parser("new", help="start a new extraction: a valid, empty dataset around one text",
                       description="Creates FOLDER with datapackage.json, every table's header, one sources row and "
                       "the text in texts/<source_id>.txt. Refuses a folder that exists and is not empty.")
    p.add_argument("folder", help="the new data folder (must not exist or be empty)")
    p.add_argument("--text", required=True, help="the article's text (UTF-8, LF line endings)")
    p.add_argument("--source-id", default=None, help="id of the article in sources.csv (default: from the file name)")
    p.add_argument("--title", default=None, help="the article's title (default: its first paragraph)")
    p.add_argument("--author", default="")
    p.add_argument("--publisher", default="")
    p.add_argument("--url", default="")
    p.add_argument("--published", default="", metavar="YYYY-MM-DD", help="publication day (default: unknown)")
    p.set_defaults(fn=cmd_new)
