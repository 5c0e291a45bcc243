"""Start a new extraction: a valid, empty dataset around one text (``python -m toolkit new``).

Writes the descriptor (the toolkit's schema, your title), the header of every table, one
``sources`` row and one ``segments`` row for the text, and the text itself in
``texts/<source_id>.txt`` — everything ``toolkit validate`` needs to accept the folder.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp()) / "mine"
>>> t = d.parent / "story.txt"; _ = t.write_text("A headline\\n\\nSomeone said something.", encoding="utf-8")
>>> folder = new(d, t, title="A story")
>>> import toolkit; toolkit.validate(folder).ok
True
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import tempfile
from pathlib import Path

from toolkit.core import text as article
from toolkit.core.descriptor import Descriptor
from toolkit.core.errors import InputError
from toolkit.core.files import by_umask

__all__ = ["new"]

_ARTICLE_KEYS = ("x-view",)  # metadata of the shipped article that a new dataset must not inherit
# open vocabularies whose suggestions are the shipped article's own terms (its populations): a new dataset starts
# without them (its dictionary lists the values it comes to use, with counts)
_ARTICLE_SUGGESTIONS = {("estimates", "population")}


def _slug(text: str, limit: int = 40) -> str:
    """Lower-case words joined by ``_``, cut at a word boundary within ``limit`` characters.

    >>> _slug("Georgian police accuse Pankisi man of recruiting fighters for IS")
    'georgian_police_accuse_pankisi_man_of'
    """
    words = re.sub(r"[^a-z0-9]+", " ", text.casefold()).split()
    out = ""
    for w in words:
        if out and len(out) + 1 + len(w) > limit:
            break
        out = f"{out}_{w}" if out else w[:limit]
    return out or "article"


def descriptor(title: str, name: str, description: str = "") -> dict:
    """The toolkit's schema with this dataset's own name, title and description (nothing of the shipped article)."""
    d = Descriptor.shipped().to_dict()
    for key in _ARTICLE_KEYS:
        d.pop(key, None)
    d["x-article"] = {k: v for k, v in d.get("x-article", {}).items() if k != "source_id"}
    d.update(name=name, title=title, version="0.1.0",
             description=description or f"Facts extracted from {title!r}, each pointing back into its text.")
    d["licenses"] = [{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0 (the extraction)"}]
    for res in d["resources"]:
        for f in res["schema"]["fields"]:
            if (res["name"], f["name"]) in _ARTICLE_SUGGESTIONS:
                f["x-suggested"] = []
    return d


def _csv(header: list[str], rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def new(folder: str | Path, text: str | Path, *, source_id: str | None = None, title: str | None = None,
        author: str = "", publisher: str = "", url: str = "", published: str = "") -> Path:
    """Create ``folder`` as an empty dataset for the text at ``text``; refuses a non-empty folder.

    ``published`` is the publication day (YYYY-MM-DD); without it the date is left unknown."""
    import datetime as dt

    if published:
        try:
            dt.date.fromisoformat(published)
        except ValueError:
            raise InputError(f"--published {published!r} is not a date (use YYYY-MM-DD)") from None
    folder, text = Path(folder), Path(text)
    if folder.exists() and any(folder.iterdir()):
        raise FileExistsError(f"{folder} exists and is not empty; choose a new folder")
    if not text.is_file():
        raise FileNotFoundError(f"text {text} does not exist")
    try:
        body = article.read_text(text)
    except UnicodeDecodeError as e:
        raise InputError(f"{text} is not UTF-8 (byte {e.object[e.start]:#x} at offset {e.start}); save it as UTF-8") from None
    if "\r" in body or body.startswith("\ufeff"):
        raise InputError(f"{text} has CRLF line endings or a byte-order mark; save it with LF endings and no BOM "
                         "(offsets count characters exactly as stored)")
    first = next((p.strip() for p in body.split("\n\n") if p.strip()), text.stem)
    title = title or first[:200]
    sid = source_id or _slug(text.stem)
    desc = descriptor(title, _slug(title).replace("_", "-"))
    starts = article.paragraph_starts(body)
    files = {}
    declared = Descriptor(desc)
    for name in declared.table_names():
        header = declared.columns(name)
        rows = []
        if name == "sources":
            rows = [{"source_id": sid, "kind": "article", "title": title, "author": author, "publisher": publisher,
                     "url": url, "published_start": published, "published_end": published,
                     "published_precision": "day" if published else "unknown", "year_inferred": "false",
                     "date_inferred": "false", "text_sha256": hashlib.sha256(body.encode("utf-8")).hexdigest()}]
        elif name == "segments":  # the first block as the title, the rest as the body (edit: furniture, byline)
            blocks = body.split("\n\n")
            rows = [{"source_id": sid, "segment": "title", "kind": "title", "paragraph_start": 1, "paragraph_end": 1,
                     "char_start": 0, "char_end": len(blocks[0]), "counted": "true"}]
            if len(starts) > 1:
                rows.append({"source_id": sid, "segment": "body", "kind": "body", "paragraph_start": 2,
                             "paragraph_end": len(starts), "char_start": starts[1], "char_end": len(body.rstrip("\n")),
                             "counted": "true"})
        files[declared.path(name)] = _csv(header, [{k: r.get(k, "") for k in header} for r in rows])
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        for path, content in files.items():
            (tmp / path).write_text(content, encoding="utf-8")
        (tmp / "datapackage.json").write_text(json.dumps(desc, indent=1, ensure_ascii=False), encoding="utf-8")
        (tmp / "texts").mkdir()
        shutil.copyfile(text, tmp / "texts" / f"{sid}.txt")
        by_umask(tmp, directory=True)  # mkdtemp's folder is private; a new dataset is as any folder the user makes
        if folder.exists():
            folder.rmdir()
        tmp.rename(folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder
