"""Writing a file the way a user expects: whole or not at all, with the permissions their umask gives.

A temporary file (``tempfile.mkstemp``) or folder (``mkdtemp``) is private (0600/0700) whatever the umask;
moved into place as it is, a report, an export or a new data folder would be unreadable by the user's group
or web server. :func:`write_atomic` writes beside the target, gives it the mode a plain ``open()`` would
(or the mode of the file it replaces), moves it into place, and names the target, not the temporary
file, when it fails.

>>> import tempfile, pathlib
>>> p = write_atomic(pathlib.Path(tempfile.mkdtemp()) / "a.txt", "hello")
>>> p.read_text(), oct(p.stat().st_mode & 0o777) == oct(0o666 & ~umask())
('hello', True)
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def umask() -> int:
    """The process's umask, read without changing it (``/proc``), else by setting and restoring it."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def by_umask(path: str | Path, directory: bool | None = None) -> None:
    """Give ``path`` the mode a new file (0666) or folder (0777) gets under the user's umask."""
    directory = Path(path).is_dir() if directory is None else directory
    os.chmod(path, (0o777 if directory else 0o666) & ~umask())


def write_atomic(path: str | Path, data: bytes | str, encoding: str = "utf-8") -> Path:
    """Write ``data`` to ``path`` whole or not at all: beside it first, then moved into place. A file it
    replaces keeps its mode; a new one gets the umask's. An OSError names ``path``; nothing is left behind."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(21, "is a folder; give a file name", str(path))
    folder = path.parent if str(path.parent) else Path(".")
    raw = data.encode(encoding) if isinstance(data, str) else data
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        else:
            by_umask(tmp, directory=False)
        os.replace(tmp, path)
        tmp = None
    except OSError as e:
        raise type(e)(e.errno, e.strerror or str(e), str(path)) from e
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
    return path
