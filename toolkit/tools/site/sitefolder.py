"""The report site's output folder: which ``--out`` is safe, the build lock, the marker and the swap.

- ``check_out`` refuses ``/``, the home folder, the project and its parents, a file, a mount point and
  any non-empty folder that is not a toolkit report (the builder marks its sites with ``.toolkit-report``);
- ``lock`` lets one build at a time write a site; a lock whose build is gone (its pid dead, or no
  heartbeat for ``STALE`` seconds) is taken over, saying so;
- a build writes a temporary folder beside the site and ``swap`` puts it in place with renames; files
  the user keeps in the site (anything the builder did not write, symlinks and hard links included)
  are moved over untouched, and named;
- ``tidy`` removes what an interrupted build left and puts back a site an interrupted swap moved aside.

>>> from pathlib import Path
>>> with lock(Path("reports")):  # doctest: +SKIP
...     tmp = start(Path("reports"))
...     kept = swap(tmp, Path("reports"))
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import signal
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from toolkit.core.errors import ToolkitError
from toolkit.core.output import alive

MARKER = ".toolkit-report"
VERSION = 1
HEARTBEAT = 5.0  # seconds between two touches of the lock file by the build holding it
STALE = 60.0  # a lock not touched for this long belongs to a build that no longer runs
# what a site built before the marker could hold, `make report` after `make exercises` included (student zips)
LEGACY = re.compile(r"(index|dictionary|exercises|\d\d-[^/]*)\.html|build-manifest\.json|vega\.js|exercises(/[^/]+\.(ipynb|zip))?"
                    r"|notebooks(/\d\d-[^/]*\.ipynb)?")


class BuildError(ToolkitError, RuntimeError):
    """The site cannot be built: one clear message (a notebook and its cell, or the output folder)."""


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when possible."""
    try:
        return str(Path(path).relative_to(Path.cwd())) or "."
    except ValueError:
        return str(path)


# --- which folders may be written ---------------------------------------------------------------

def owned(folder: Path) -> set[str] | None:
    """The files the builder wrote in ``folder`` (relative paths), or None if it is not a toolkit report.

    A site built before the marker existed counts when it has a build manifest and only the builder's
    file names."""
    marker = folder / MARKER
    if marker.is_file() and not marker.is_symlink():
        try:
            info = json.loads(marker.read_text(encoding="utf-8"))
            return {*info["files"], MARKER} if info.get("toolkit-report") else None
        except (ValueError, KeyError, TypeError, OSError):
            return None
    if not (folder / "build-manifest.json").is_file():
        return None
    names = {str(p.relative_to(folder)) for p in folder.rglob("*")}
    return names if all(LEGACY.fullmatch(n) for n in names) else None


def check_out(out: str | Path, project: Path) -> Path:
    """The absolute output folder, or :class:`BuildError` saying why the builder must not write there."""
    given = Path(out)
    path = Path(os.path.abspath(given))
    if path.is_symlink() and not path.exists():
        raise BuildError(f"--out {given} is a symbolic link to {os.readlink(path)}, which does not exist")
    path = path.resolve()
    home = Path.home().resolve()
    forbidden = {Path("/"): "the root folder", home: "your home folder", project.resolve(): "the project folder"}
    if path in forbidden or path in project.resolve().parents:
        what = forbidden.get(path, "a parent of the project folder")
        raise BuildError(f"--out {given} is {what}; the report needs a folder of its own, e.g. --out reports")
    if path.exists() and not path.is_dir():
        raise BuildError(f"--out {given} is a file, not a folder; choose another --out")
    if path.is_dir() and os.path.ismount(path):
        raise BuildError(f"--out {given} is a mount point, which cannot be replaced; use a folder inside it")
    if path.is_dir() and any(path.iterdir()) and owned(path) is None:
        raise BuildError(f"--out {given} is a folder that is not empty and not a toolkit report (no {MARKER} in it); "
                         "nothing was written: choose an empty or new folder")
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not os.access(parent, os.W_OK | os.X_OK):
        raise BuildError(f"cannot write in {shown(parent)}: permission denied; nothing was written")
    return path


def os_message(e: OSError, out: Path) -> str:
    """One line for a failed file operation."""
    where = shown(Path(e.filename)) if e.filename else shown(out.parent)
    if e.errno == errno.ENOSPC:
        return f"no space left on the device while writing {where}; nothing was changed in {shown(out)}"
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write {where}: {e.strerror.lower()}; nothing was changed in {shown(out)}"
    return f"{where}: {e.strerror or e}; nothing was changed in {shown(out)}"


# --- one build at a time ------------------------------------------------------------------------

def _stale(path: Path) -> str | None:
    """Why the lock at ``path`` is stale (its build is gone), or None while its build runs."""
    try:
        text, age = path.read_text().strip(), time.time() - path.stat().st_mtime
    except OSError:
        return None
    pid = int(text) if text.isdigit() else None
    if pid is not None and not alive(pid):
        return f"its build (pid {pid}) is no longer running"
    if age > STALE:
        return f"its build{f' (pid {pid})' if pid else ''} has given no sign of life for {age:.0f} s"
    return None


def _inode(path: Path) -> int | None:
    try:
        return os.stat(path).st_ino
    except FileNotFoundError:
        return None


@contextmanager
def lock(out: Path):
    """Hold ``.<out>.lock`` beside the site while building; yields the lock's file descriptor.

    The file holds the build's pid and is touched every ``HEARTBEAT`` seconds; it is removed on release."""
    path = out.parent / f".{out.name}.lock"
    said = False
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            why = _stale(path)
            if why:
                print(f"taking over the lock on {shown(out)}: {why}", file=sys.stderr)
                if _inode(path) == os.fstat(fd).st_ino:
                    path.unlink(missing_ok=True)  # the next loop makes a new lock file; stale holders keep the old one
            elif not said:
                print(f"another report build is writing {shown(out)}; waiting for it to finish", file=sys.stderr)
                said = True
            os.close(fd)
            time.sleep(0.2)
            continue
        if _inode(path) == os.fstat(fd).st_ino:
            break
        os.close(fd)  # the file was removed (released or taken over) while we waited: lock the new one
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())
    stop = threading.Event()

    def beat():
        while not stop.wait(HEARTBEAT):
            try:
                os.utime(fd)
            except OSError:
                pass

    threading.Thread(target=beat, name="report-lock-heartbeat", daemon=True).start()
    try:
        yield fd
    finally:
        stop.set()
        try:
            path.unlink()  # while still holding it: a waiter then sees the file gone and locks a new one
        except FileNotFoundError:
            pass
        os.close(fd)


# --- temporary folder, swap and tidying ---------------------------------------------------------

def _user_entries(folder: Path, mine: set[str]) -> list[str]:
    """What in ``folder`` the builder did not write (relative paths; a folder of the user's counts once)."""
    found, prefixes = [], {str(d) for m in mine for d in Path(m).parents}

    def walk(d: Path, rel: str):
        for p in sorted(d.iterdir()):
            r = f"{rel}{p.name}"
            if p.is_dir() and not p.is_symlink() and r in prefixes:
                walk(p, r + "/")
            elif not (r in mine and p.is_file() and not p.is_symlink()):
                found.append(r)

    walk(folder, "")
    return found


def start(out: Path) -> Path:
    """A fresh temporary folder beside ``out`` holding a copy of the builder's own files in ``out``."""
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        mine = (owned(out) if out.is_dir() else None) or set()
        for rel in sorted(mine - set(_user_entries(out, mine) if mine else []) - {MARKER}):
            src = out / rel
            if src.is_file() and not src.is_symlink():
                (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, tmp / rel)  # pages of notebooks not rebuilt now stay as they were
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp


def _mark(tmp: Path) -> None:
    files = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file() and p.name != MARKER)
    (tmp / MARKER).write_text(json.dumps({"toolkit-report": VERSION, "files": files}, indent=1), encoding="utf-8")


def _carry(old: Path, new: Path) -> tuple[list[str], list[str]]:
    """Move the user's entries of the site ``old`` into ``new`` (renames: links stay links); (moved, left)."""
    mine = owned(old) or set()
    moved, left = [], []
    for rel in _user_entries(old, mine):
        dst = new / rel
        if dst.exists() or dst.is_symlink():
            left.append(rel)
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        (old / rel).rename(dst)
        moved.append(rel)
    return moved, left


def swap(tmp: Path, out: Path) -> list[str]:
    """Mark ``tmp`` as a report and put it in place of ``out``; returns the user's files kept from ``out``."""
    _mark(tmp)
    if out.is_dir():
        clash = [r for r in _user_entries(out, owned(out) or set()) if (tmp / r).exists() or (tmp / r).is_symlink()]
        if clash:
            raise BuildError(f"{shown(out / clash[0])} is not the builder's but the new site writes it; move it away "
                             f"and build again (the previous site in {shown(out)} is unchanged)")
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})  # no Ctrl-C between renames
    try:
        if out.exists():
            out.rename(old)
        try:
            tmp.rename(out)
        except OSError:
            if old.exists():
                old.rename(out)  # the previous site back in place
            raise
        kept, left = _carry(old, out) if old.exists() else ([], [])
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    if left:  # added while the site was being swapped, under a name the new site uses: not ours to remove
        print(f"left {shown(old)}: it holds your file(s) {', '.join(left)}", file=sys.stderr)
    else:
        shutil.rmtree(old, ignore_errors=True)
    return kept


def tidy(out: Path) -> None:
    """Remove debris of interrupted builds; put back a site (or the user's files) an interrupted swap moved aside."""
    for p in out.parent.glob(f".{out.name}.*-*"):
        m = re.search(r"\.(tmp|old)-(\d+)$", p.name)
        if not m or alive(int(m.group(2))) and int(m.group(2)) != os.getpid():
            continue
        if m.group(1) == "old" and not out.exists():
            p.rename(out)
        elif m.group(1) == "old":
            moved, left = _carry(p, out)
            if moved:
                print(f"kept your file(s) from an interrupted build in {shown(out)}: {', '.join(moved)}", file=sys.stderr)
            if left:
                print(f"left {shown(p)}: it holds your file(s) {', '.join(left)}", file=sys.stderr)
            else:
                shutil.rmtree(p, ignore_errors=True)
        else:
            shutil.rmtree(p, ignore_errors=True)
