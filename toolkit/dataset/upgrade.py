"""Rewrite a folder made with an earlier schema into the current one (``python -m toolkit upgrade DIR --out NEW``).

A descriptor says which schema it follows in ``x-schema-version``; none means version 1, the schema before
certainty, dated relations and open vocabularies. Upgrading keeps every value: the folder's own metadata
(name, title, licences, ``x-view`` ...), every row and column, every allowed value the folder added and
every file beside the tables (texts, notes). What version 2 adds is left empty for the coder to fill
(``certainty`` on events, statements and relations; ``period_*`` on relations; ``statements.note``;
``draft`` and ``confidence``). Values of a vocabulary that became open (``unit``, ``population``,
``topic``) stay as they are; one that is not a lower-case slug becomes one, and the row's ``note`` keeps
the original. The source folder is never changed; the new one appears whole or not at all.

>>> import toolkit, tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "new"
>>> folder, changes = upgrade(toolkit.SHIPPED, out)   # the shipped folder is current: copied as it is
>>> schema_of(folder)
2
"""

from __future__ import annotations

import copy
import csv
import io
import json
import shutil
import tempfile
from pathlib import Path

from toolkit.checks.columns import slug
from toolkit.core.descriptor import FILE, Descriptor, is_open

__all__ = ["CURRENT", "upgrade", "schema_of", "version_problem", "UpgradeError"]

CURRENT = 2
VERSION = "x-schema-version"  # the column a problem names when a folder needs `toolkit upgrade`
# columns version 2 added, by table: a folder without a descriptor of its own that lacks them all was made before
ADDED = {
    "events": ["certainty", "draft", "confidence"],
    "statements": ["certainty", "note", "draft", "confidence"],
    "relations": ["certainty", "period_start", "period_end", "period_precision", "period_inferred", "draft", "confidence"],
    "estimates": ["draft", "confidence"],
    "event_actors": ["draft", "confidence"],
    "disputes": ["draft", "confidence"],
}
# metadata of the shipped article a folder must never inherit
_ARTICLE_META = ("name", "title", "description", "version", "licenses", "x-view", "sources", "contributors")


class UpgradeError(ValueError):
    """A folder that cannot be upgraded; the message names the file (and row or column)."""


def _command(folder: Path | str) -> str:
    return f"python -m toolkit upgrade {folder} --out {Path(folder).name or 'folder'}-v{CURRENT}"


def _header(path: Path) -> list[str] | None:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            return next(csv.reader(fh), None)
    except (OSError, UnicodeDecodeError, csv.Error):
        return None


def _version(descriptor) -> int:
    v = descriptor.get(VERSION, 1)
    return v if isinstance(v, int) and not isinstance(v, bool) else 1


def _vocabulary(f) -> str | None:
    return "closed" if f.get("constraints", {}).get("enum") else "open" if is_open(f) else None


def schema_of(folder: str | Path, descriptor=None) -> int:
    """The schema version of a folder: its descriptor's ``x-schema-version`` (none: 1); a folder without a
    descriptor of its own is version 1 when its fact tables lack every column version 2 added."""
    folder = Path(folder)
    path = folder / FILE
    if descriptor is None and path.is_file():
        try:
            descriptor = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return CURRENT  # reported as unreadable JSON by the reader, not as an old schema
    if descriptor is not None and hasattr(descriptor, "get"):
        return _version(descriptor)
    for table, added in ADDED.items():
        header = _header(folder / f"{table}.csv")
        if header and len(added) > 2 and not set(added) & set(header):
            return 1
    return CURRENT


def version_problem(folder: str | Path, descriptor=None) -> str | None:
    """One line saying what to run when a folder was made with another schema version, else None."""
    version = schema_of(folder, descriptor)
    if version < CURRENT:
        return (f"made with schema version {version} (this toolkit reads version {CURRENT}): run "
                f"`{_command(folder)}` to write an upgraded copy (the folder itself is not changed)")
    if version > CURRENT:
        return (f"made with schema version {version}, newer than this toolkit's ({CURRENT}): "
                "update the toolkit to read it")
    return None


# --- the descriptor -----------------------------------------------------------------------------------

def _by_name(items: list[dict]) -> dict[str, dict]:
    return {x.get("name"): x for x in items if isinstance(x, dict)}


def upgrade_descriptor(old: dict | None) -> tuple[dict | None, list[str]]:
    """The current schema with the folder's own metadata, added values, columns and tables; and what changed."""
    if old is None:
        return None, []
    current = Descriptor.shipped().to_dict()
    new = {k: copy.deepcopy(v) for k, v in current.items() if k not in _ARTICLE_META and k != "resources"}
    new["x-article"] = {k: v for k, v in new.get("x-article", {}).items() if k != "source_id"}
    new.update({k: copy.deepcopy(v) for k, v in old.items() if k != "resources"})
    new["x-schema-version"] = CURRENT
    changes: list[str] = []
    resources = copy.deepcopy(current["resources"])
    now = _by_name(resources)
    for res in old.get("resources", []):
        name = res.get("name")
        if name not in now:  # a table of the folder's own
            resources.append(copy.deepcopy(res))
            changes.append(f"{name}: a table of the folder's own, kept as declared")
            continue
        target = now[name]
        target["path"] = res.get("path", target["path"])
        fields = _by_name(target["schema"]["fields"])
        for f in res.get("schema", {}).get("fields", []):
            mine = fields.get(f.get("name"))
            if mine is None:
                target["schema"]["fields"].append(copy.deepcopy(f))
                changes.append(f"{name}.{f.get('name')}: a column of the folder's own, kept as declared")
                continue
            values = f.get("constraints", {}).get("enum") or []
            if _vocabulary(mine) == "closed":
                extra = [v for v in values if v not in mine["constraints"]["enum"]]
                if extra:
                    mine["constraints"]["enum"] = mine["constraints"]["enum"] + extra
                    changes.append(f"{name}.{mine['name']}: the folder's own allowed value(s) kept: {', '.join(extra)}")
            elif _vocabulary(mine) == "open":
                known = mine.setdefault("x-suggested", [])
                extra = [slug(v) or v for v in values if (slug(v) or v) not in known]
                mine["x-suggested"] = known + extra
    added = [f"{t}.{c}" for t, cols in ADDED.items() for c in cols]
    changes.append("new, left empty to fill: " + ", ".join(added))
    new["resources"] = resources
    return new, changes


# --- the rows -----------------------------------------------------------------------------------------

def _read_csv(path: Path) -> tuple[list[str], list[list[str]], str]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UpgradeError(f"{path.name}: not UTF-8 (byte {raw[e.start]:#x} at offset {e.start}); "
                           "save it as UTF-8 and run the upgrade again") from None
    newline = "\r\n" if "\r\n" in text.split("\n", 1)[0] + "\n" else "\n"
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as e:
        raise UpgradeError(f"{path.name}: cannot be read as CSV ({e})") from None
    if not records:
        raise UpgradeError(f"{path.name}: file is empty (not even a header)")
    header, rows = records[0], records[1:]
    for i, r in enumerate(rows, start=1):
        if len(r) != len(header):
            raise UpgradeError(f"{path.name} row {i}: {len(r)} fields, the header has {len(header)}; "
                               "fix the row and run the upgrade again")
    return header, rows, newline


def _table(res: dict, header: list[str], rows: list[list[str]], fname: str, changes: list[str]) -> list[list[str]]:
    """The rows in the current columns (declared order, then the folder's own); open vocabularies as slugs."""
    declared = [f["name"] for f in res["schema"]["fields"]]
    own = [c for c in header if c not in declared]
    columns = declared + own
    at = {c: i for i, c in enumerate(header)}
    out = [columns]
    open_fields = [f["name"] for f in res["schema"]["fields"] if is_open(f)]
    for n, r in enumerate(rows, start=1):
        row = {c: r[at[c]] if c in at else "" for c in columns}
        for c in open_fields:
            v = row.get(c, "")
            if v and v != slug(v):
                fixed = slug(v)
                if not fixed:
                    raise UpgradeError(f"{fname} row {n}, column {c}: {v!r} cannot be written as a lower-case slug; "
                                       "give it a value of letters first, then run the upgrade again")
                if "note" not in row:
                    raise UpgradeError(f"{fname} row {n}, column {c}: {v!r} is not a lower-case slug and the table "
                                       f"has no note to keep it in; write it as {fixed!r} and run the upgrade again")
                row[c] = fixed
                row["note"] = "; ".join(x for x in (row["note"], f"{c} was {v!r}") if x)
                changes.append(f"{fname} row {n}, column {c}: {v!r} written as {fixed!r} (the original kept in note)")
        out.append([row[c] for c in columns])
    return out


def _write(rows: list[list[str]], newline: str) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=newline).writerows(rows)
    return buf.getvalue().encode("utf-8")


def upgrade(folder: str | Path, out: str | Path) -> tuple[Path, list[str]]:
    """Write an upgraded copy of ``folder`` to ``out`` (which must not exist); returns (out, what changed).

    Raises :class:`UpgradeError` (one line naming file, row and column) before anything is written."""
    folder, out = Path(folder), Path(out)
    if not folder.is_dir():
        raise FileNotFoundError(f"data folder {folder} does not exist")
    if out.exists() or out.is_symlink():
        raise FileExistsError(f"{out} exists; choose a new folder for the upgraded copy (nothing was written)")
    if out.resolve().is_relative_to(folder.resolve()):
        raise UpgradeError(f"{out} is inside {folder}; write the upgraded copy elsewhere")
    path = folder / FILE
    old = None
    if path.is_file():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise UpgradeError(f"datapackage.json: cannot be read as JSON ({e})") from None
        if not isinstance(old, dict) or not isinstance(old.get("resources"), list):
            raise UpgradeError("datapackage.json: no list of resources (compare with `python -m toolkit new`)")
    version = schema_of(folder, old)
    if version > CURRENT:
        raise UpgradeError(f"{folder}: {version_problem(folder, old)}")
    desc, changes = upgrade_descriptor(old) if version < CURRENT else (old, [])
    declared = (desc or Descriptor.shipped().to_dict())["resources"]
    files: dict[str, bytes] = {}
    if version < CURRENT:
        for res in declared:
            src = folder / res["path"]
            if not src.is_file():
                continue  # a table the folder never had stays absent (read as empty)
            header, rows, newline = _read_csv(src)
            files[res["path"]] = _write(_table(res, header, rows, res["path"], changes), newline)
    else:
        changes.append(f"{folder} already follows schema version {CURRENT}: copied as it is")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    try:
        staged = tmp / "folder"
        shutil.copytree(folder, staged, symlinks=True)  # texts, notes and anything else beside the tables
        for name, data in files.items():
            (staged / name).write_bytes(data)
        if desc is not None:
            (staged / FILE).write_text(json.dumps(desc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        if out.exists():
            raise FileExistsError(f"{out} appeared while upgrading; nothing was written")
        staged.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out, changes
