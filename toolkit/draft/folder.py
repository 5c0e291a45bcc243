"""Write a :class:`~toolkit.draft.Draft` as a data folder that ``toolkit.open`` opens and ``validate`` accepts.

The folder is written beside its target and swapped in whole: a failed run leaves an earlier folder as it
was. A non-empty folder is replaced only when it is an earlier draft (its descriptor has ``x-draft``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import tempfile
from pathlib import Path

import polars as pl

from toolkit.draft.descriptor import is_draft


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return ";".join(map(str, v))
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float):
        return repr(v)
    return str(v)


def csv_text(header: list[str], rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([_cell(r.get(c)) for c in header])
    return buf.getvalue()


def mentions(d) -> list[dict]:
    """Every occurrence of every drafted alias in the counted parts of each text (as ``toolkit mentions`` makes them)."""
    from toolkit.core import text as article

    aliases = pl.DataFrame([{k: r[k] for k in ("alias", "entity_id", "entity_type", "source_id")} for r in d.tables["aliases"]],
                           schema={"alias": pl.String, "entity_id": pl.String, "entity_type": pl.String, "source_id": pl.String})
    segs = pl.DataFrame([{k: r[k] for k in ("source_id", "char_start", "char_end", "counted")} for r in d.tables["segments"]],
                        schema={"source_id": pl.String, "char_start": pl.Int64, "char_end": pl.Int64, "counted": pl.Boolean})
    found = article.find_all_mentions(d.texts, aliases, segs)
    conf = {(r["alias"], r["entity_type"]): r.get("confidence") for r in d.tables["aliases"]}
    return [dict(r, draft="alias found in the text", confidence=conf.get((r["surface"], r["entity_type"])))
            for r in found.iter_rows(named=True)]


def files(d) -> dict[str, str]:
    """file name -> content of every table, in the descriptor's column order."""
    tables = dict(d.tables, mentions=mentions(d))
    out = {}
    for res in d.descriptor["resources"]:
        header = [f["name"] for f in res["schema"]["fields"]]
        out[res["path"]] = csv_text(header, tables.get(res["name"], []))
    return out


def check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"--out {out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()):
        doc = None
        try:
            doc = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
        if not is_draft(doc):
            raise FileExistsError(f"--out {out} is not empty and is not an earlier draft (no x-draft in its "
                                  "datapackage.json): choose a new folder; nothing was written")


def write(d, out: Path) -> Path:
    """Write the folder: tables, descriptor, texts/<source_id>.txt and review.html, all or nothing."""
    from toolkit.draft.review import page

    out = Path(out)
    check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.draft-"))
    old = None
    try:
        for name, content in files(d).items():
            (tmp / name).write_text(content, encoding="utf-8")
        (tmp / "datapackage.json").write_text(json.dumps(d.descriptor, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        (tmp / "texts").mkdir()
        for sid, text in d.texts.items():
            (tmp / "texts" / f"{sid}.txt").write_text(text, encoding="utf-8")
        (tmp / "review.html").write_text(page(d), encoding="utf-8")
        if out.exists():
            old = out.with_name(f".{out.name}.old-{next(tempfile._get_candidate_names())}")
            out.rename(old)
        tmp.rename(out)
    except BaseException:
        if old is not None and not out.exists():
            old.rename(out)
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and out.exists():
            shutil.rmtree(old, ignore_errors=True)
    return out
