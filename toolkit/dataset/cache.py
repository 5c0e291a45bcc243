"""Folders that passed every check, kept for the next process (``~/.cache``, Arrow IPC) and in memory.

An entry is keyed by the SHA-256 of what the result depends on, each part length-prefixed so no two
inputs give the same key: the toolkit's version and code, the folder's descriptor (as parsed), the bytes
of the files that descriptor names, and the texts the folder may use. Each entry records its key and is
used only when the key matches; a damaged entry is replaced. ``TOOLKIT_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import polars as pl

from toolkit.core import text as article
from toolkit.core.descriptor import FILE, Descriptor
from toolkit.core.text import Texts
from toolkit.dataset import scan
from toolkit.dataset.value import TEXTS, Dataset

KEEP = 64  # checked folders kept on disk, the most recently used
LARGEST = 200_000  # rows: a larger corpus is kept as Parquet by its user (ds.to_parquet)
LARGEST_BYTES = 40_000_000  # tables this large hold more rows than that (~130 bytes a row in the shipped data)
_memory: dict = {}


def stamp(folder: Path) -> tuple:
    """What changes when any file of the folder changes: name, size, modification and change times, inode
    (an edit that keeps size and mtime still moves the change time)."""
    out = []
    for p in sorted(folder.glob("*")) + sorted((folder / TEXTS).glob("*.txt")):
        try:
            st = p.stat()
        except OSError:
            continue
        out.append((p.name, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
    return tuple(out) + (os.environ.get("TOOLKIT_ARTICLE"),)


def remembered(folder: Path) -> Dataset | None:
    hit = _memory.get(folder)
    return hit[1] if hit and hit[0] == stamp(folder) else None


def remember(folder: Path, ds: Dataset) -> None:
    _memory[folder] = (stamp(folder), ds)


def forget(folder: Path) -> None:
    _memory.pop(folder, None)


def _update(h, label: str, data: bytes) -> None:
    h.update(f"{label}\0{len(data)}\0".encode())
    h.update(data)


def key(folder: Path, desc: Descriptor) -> str | None:
    """The key of a folder's checked result, or None when the on-disk cache is off."""
    if os.environ.get("TOOLKIT_NO_CACHE"):
        return None
    size = 0
    for n in desc.table_names():
        try:
            size += (folder / desc.path(n)).stat().st_size
        except OSError:
            pass
    if size > LARGEST_BYTES:  # its rows would be too many to keep: hashing its files would be for nothing
        return None
    from toolkit import __version__

    h = hashlib.sha256()
    _update(h, "version", __version__.encode())
    _code(h)
    _update(h, "descriptor", desc.fingerprint.encode())
    _update(h, "shipped", Descriptor.shipped().fingerprint.encode())
    files = [folder / FILE, *(folder / desc.path(n) for n in desc.table_names())]
    files += [*sorted((folder / TEXTS).glob("*.txt")), folder / "article.txt", *article.shared_candidates()]
    for p in files:
        if p.is_file():
            digest = hashlib.sha256()
            with p.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
            _update(h, f"file {p}", digest.digest())
        else:
            _update(h, f"absent {p}", b"")
    return h.hexdigest()


def _code(h) -> None:
    """Add the toolkit's own code (each module's path, size and mtime) to the key ``h``: a changed check is a new key."""
    code = Path(__file__).resolve().parents[1]
    for p in sorted(code.rglob("*.py")):
        st = p.stat()
        _update(h, "code", f"{p.relative_to(code)}:{st.st_size}:{st.st_mtime_ns}".encode())


# --- a corpus of many folders -------------------------------------------------------------------------

CORPUS_LARGEST = 50_000_000  # rows: a corpus is kept up to this size (its cold open costs 10-20 s)


def _shared() -> str:
    """The texts beside the project (used when their checksum matches) as they are now."""
    out = []
    for cand in article.shared_candidates():
        try:
            st = cand.stat()
            out.append(f"{cand}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}")
        except OSError:
            pass
    return "\n".join(out)


def corpus_key(folders: list[Path]) -> str | None:
    """The key of a corpus's entry: the toolkit's version and code and the folders, in order (what the files
    hold is checked by :func:`load_corpus`); None when the on-disk cache is off."""
    if os.environ.get("TOOLKIT_NO_CACHE"):
        return None
    from toolkit import __version__

    h = hashlib.sha256()
    _update(h, "corpus", __version__.encode())
    _code(h)
    _update(h, "shipped", Descriptor.shipped().fingerprint.encode())
    _update(h, "article", os.environ.get("TOOLKIT_ARTICLE", "").encode())
    _update(h, "folders", "\n".join(map(str, folders)).encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def load_corpus(k: str, folders: list[Path]) -> Dataset | None:
    """A corpus checked earlier with the same key whose files have not changed since they were read: every
    file it read (and each folder and its ``texts/``) has the size, times and inode it had then."""
    where = _dir() / ("c" + k[:31])
    if not (where / "meta.json").is_file():
        return None
    try:
        meta = json.loads((where / "meta.json").read_text(encoding="utf-8"))
        if meta.get("key") != k or meta.get("shared") != _shared():
            return None
        if scan.stat_digest(pl.read_ipc(where / "reads.arrow")["path"].to_list()) != meta.get("stamp"):
            return None
        tables = {n: pl.read_ipc(where / f"{i}.arrow") for i, n in enumerate(meta["tables"])}
        texts = pl.read_ipc(where / "texts.arrow")
        os.utime(where)
    except Exception:  # noqa: BLE001 - damaged or foreign: open the folders again and write it anew
        shutil.rmtree(where, ignore_errors=True)
        return None
    sids, paths = texts["source_id"].to_list(), texts["path"].to_list()
    return Dataset(tables, Descriptor(meta["descriptor"]), Texts(texts.select("source_id", "text")),
                   folders=tuple(folders), text_paths={s: Path(p) for s, p in zip(sids, paths)}, notes=meta["notes"])


def save_corpus(k: str, reads, ds: Dataset) -> None:
    """Keep a checked corpus for the next process (Arrow IPC, uncompressed: written and read at disk speed)
    with the files it was read from (:class:`~toolkit.dataset.scan.Reads`)."""
    if sum(df.height for df in ds._tables.values()) >= CORPUS_LARGEST:
        return
    texts = Texts.of(ds.texts).frame
    texts = texts.with_columns(path=pl.Series([str(ds.text_paths.get(s, "")) for s in texts["source_id"]], dtype=pl.String))
    frames = {**{str(i): df for i, df in enumerate(ds._tables.values())}, "texts": texts,
              "reads": pl.DataFrame({"path": reads.paths}, schema={"path": pl.String})}
    _write(f"c{k[:31]}", frames, {"key": k, "stamp": reads.digest(), "shared": _shared(), "tables": list(ds._tables),
                                  "descriptor": ds.descriptor.to_dict(), "notes": ds.notes})


def _write(name: str, frames: dict, meta: dict) -> None:
    """An entry written beside its place and moved in when complete; the oldest beyond :data:`KEEP` removed."""
    root, tmp = _dir(), None
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=root, prefix=".tmp-"))
        for n, df in frames.items():
            df.write_ipc(tmp / f"{n}.arrow")
        (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        target = root / name
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
        kept = sorted((d for d in root.iterdir() if not d.name.startswith(".")), key=lambda d: d.stat().st_mtime)
        for old in kept[:-KEEP]:
            shutil.rmtree(old, ignore_errors=True)
    except OSError:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nc-fighters-toolkit" / "checked"


def load(k: str, folder: Path) -> Dataset | None:
    """A dataset checked earlier under key ``k``: its typed tables from Arrow IPC, no re-check. A missing
    entry gives None; a damaged one, or one written for another key, is removed and gives None."""
    where = _dir() / k[:32]
    if not where.is_dir():
        return None
    try:
        meta = json.loads((where / "meta.json").read_text(encoding="utf-8"))
        if meta.get("key") != k:
            raise ValueError("entry written for another key")
        tables = {n: pl.read_ipc(where / f"{n}.arrow") for n in meta["tables"]}
        texts = {sid: article.read_text(p) for sid, p in meta["text_paths"].items()}
        desc = Descriptor(meta["descriptor"])
        os.utime(where)  # recently used
    except Exception:  # damaged, truncated or foreign: check the folder again and write it anew  # noqa: BLE001
        shutil.rmtree(where, ignore_errors=True)
        return None
    return Dataset(tables, desc, texts, folders=(folder,),
                   text_paths={s: Path(p) for s, p in meta["text_paths"].items()}, notes=meta["notes"])


def save(k: str, ds: Dataset) -> None:
    """Keep a checked dataset for the next process; a cache that cannot be written only costs time."""
    if sum(df.height for df in ds._tables.values()) >= LARGEST:
        return
    _write(k[:32], ds._tables, {"key": k, "tables": list(ds._tables), "descriptor": ds.descriptor.to_dict(),
                                "notes": ds.notes, "text_paths": {s: str(p) for s, p in ds.text_paths.items()}})
