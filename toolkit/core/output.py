"""Writing outputs safely: never over an input, never over a FIFO or a device, atomically, with the user's umask.

Every file the library writes (exports, Parquet folders, comparison pages) goes through here:

* :func:`check_target` refuses an output inside (or equal to, or holding) a data folder being read, an
  existing path that is not a regular file (a FIFO, a device, a folder where a file is expected), and
  for folders the working directory, its parents, the home folder and ``/``;
* :func:`write_file` writes a temporary file *beside* the target and moves it into place only when
  complete, so a failed or interrupted run leaves an earlier output as it was; errors name the target;
* :func:`replace_folder` does the same for a folder, and replaces only a folder the toolkit wrote
  itself (it holds :data:`MARKER`).

Temporary names carry the writer's process id (``.NAME.PID.part``, ``.NAME.PID.old``): what a killed
run left behind is removed by the next run once that process is gone, and never blocks it.

>>> from pathlib import Path
>>> write_file(Path("/tmp/x.txt"), lambda tmp: tmp.write_text("hello")).name  # doctest: +SKIP
'x.txt'
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import stat
import threading
from pathlib import Path

from toolkit.core.files import umask  # noqa: F401  (one reading of the umask, shared with write_atomic)
from toolkit.core.problems import ToolkitError

MARKER = ".toolkit-export"
"""The file that marks a folder the toolkit wrote (and may therefore replace)."""


class OutputError(ToolkitError, ValueError):
    """An output that cannot be written where asked (it would overwrite an input, a device, a folder ...)."""


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _inside_str(path: str, folder: str) -> bool:
    """:func:`_inside` of two absolute, normalised paths as strings."""
    return path == folder or path.startswith(folder if folder.endswith(os.sep) else folder + os.sep)


def _kind(st: os.stat_result) -> str:
    mode = st.st_mode
    return ("a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")


def check_target(out: str | Path, *, inputs=(), folder: bool = False) -> Path:
    """Refuse an output that would destroy something; return it as a Path.

    ``inputs``: the data folders being read (an output inside one, or a folder output holding one, is
    refused). ``folder``: the output is a folder (else a file).
    """
    out = Path(out).expanduser()
    where = Path(os.path.abspath(out))
    real = where.resolve()
    targets = {str(where), str(real)}
    parents: dict[str, str] = {}
    for src in inputs:  # as strings: a corpus has 10,000 inputs (Path.parents costs 0.5 ms each)
        if src is None:
            continue
        src_abs = os.path.abspath(src)
        head, name = os.path.split(src_abs)
        if head not in parents:
            parents[head] = os.path.realpath(head)
        src_real = os.path.join(parents[head], name)
        if os.path.islink(src_abs):
            src_real = os.path.realpath(src_abs)
        if any(_inside_str(p, s) for p in targets for s in (src_abs, src_real)):
            raise OutputError(f"{out}: is inside the data folder {src} being read; choose an output outside it")
        if folder and any(_inside_str(s, p) for p in targets for s in (src_abs, src_real)):
            raise OutputError(f"{out}: holds the data folder {src} being read; choose a new folder")
    try:
        st = os.stat(out)  # follows a link: what a write would reach
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise OutputError(f"{out}: cannot be checked ({e.strerror})") from None
    if folder:
        cwd = Path.cwd().resolve()
        if real == Path(real.anchor) or real == Path.home().resolve() or _inside(cwd, real):
            raise OutputError(f"{out}: is {'/' if real == Path(real.anchor) else 'your home folder' if real == Path.home().resolve() else 'the working folder or one of its parents'}; "
                              "choose a new folder for the output")
        if st is not None and not stat.S_ISDIR(st.st_mode):
            raise OutputError(f"{out}: exists and is {_kind(st)}, not a folder; choose another output")
    elif st is not None and not stat.S_ISREG(st.st_mode):
        raise OutputError(f"{out}: exists and is {_kind(st)}; the output must be a new or regular file")
    return out


# --- what a killed run left behind -------------------------------------------------------------------

def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (one we may not signal counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _leftovers(out: Path) -> None:
    """Remove ``.NAME.PID.part`` / ``.NAME.PID.old`` beside ``out`` whose writer no longer runs."""
    pattern = re.compile(rf"\.{re.escape(out.name)}\.(\d+)\.[0-9a-z_]*\.?(part|old)")
    try:
        entries = list(out.parent.iterdir())
    except OSError:
        return
    for p in entries:
        m = pattern.fullmatch(p.name)
        if m and int(m.group(1)) != os.getpid() and not alive(int(m.group(1))):
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() and not p.is_symlink() else p.unlink(missing_ok=True)


@contextlib.contextmanager
def _terminate_as_interrupt():
    """While writing, a plain ``kill`` (SIGTERM) unwinds like Ctrl-C, so temporary files are removed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise KeyboardInterrupt(f"stopped by signal {signum}")

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except (ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _temp_name(out: Path, suffix: str) -> Path:
    return out.with_name(f".{out.name}.{os.getpid()}.{os.urandom(3).hex()}.{suffix}")


def _named(out: Path, e: OSError) -> OutputError:
    return OutputError(f"{out}: cannot be written ({e.strerror or e})")


# --- files and folders ---------------------------------------------------------------------------------

def write_file(out: str | Path, write, *, inputs=()) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``out`` and move it onto ``out`` when complete.

    A failure (or Ctrl-C, or ``kill``) leaves ``out`` as it was and no temporary file; the file gets
    the permissions the umask gives a new file. ``write`` may also be bytes or str to write.
    """
    out = check_target(out, inputs=inputs)
    if out.name in ("", ".", ".."):
        raise OutputError(f"{out}: names a folder; the output must be a file")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _named(out, e) from None
    _leftovers(out)
    tmp = _temp_name(out, "part")
    with _terminate_as_interrupt():
        try:
            if isinstance(write, (bytes, str)):
                data = write.encode("utf-8") if isinstance(write, str) else write
                tmp.write_bytes(data)
            else:
                write(tmp)
            os.chmod(tmp, 0o666 & ~umask())
            check_target(out, inputs=inputs)  # nothing became a FIFO or a folder meanwhile
            os.replace(tmp, out)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            raise _named(out, e) from None
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    return out


def is_ours(folder: Path) -> bool:
    """True when ``folder`` was written by the toolkit (it holds :data:`MARKER`)."""
    return (folder / MARKER).is_file()


def replace_folder(out: str | Path, write, *, inputs=(), kind: str = "export") -> Path:
    """Call ``write(tmp)`` on a temporary folder beside ``out`` and put it in place of ``out``.

    ``out`` may be new, an empty folder or a folder the toolkit wrote (it holds :data:`MARKER`);
    anything else (the data folder itself, a folder with your files, ``.``, a parent of the working
    folder) is refused. The new folder gets the marker and the umask's permissions.
    """
    out = check_target(out, inputs=inputs, folder=True)
    if out.is_dir() and any(out.iterdir()) and not is_ours(out):
        raise OutputError(f"{out}: exists and was not written by the toolkit (no {MARKER} file in it); "
                          "choose a new or empty folder")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _named(out, e) from None
    _leftovers(out)
    tmp, old = _temp_name(out, "part"), _temp_name(out, "old")
    with _terminate_as_interrupt():
        try:
            tmp.mkdir()
            write(tmp)
            (tmp / MARKER).write_text(json.dumps({"written_by": "toolkit", "kind": kind}) + "\n", encoding="utf-8")
            os.chmod(tmp, 0o777 & ~umask())
            if out.is_dir():
                os.replace(out, old)
            os.replace(tmp, out)
        except OSError as e:
            shutil.rmtree(tmp, ignore_errors=True)
            if old.exists() and not out.exists():
                os.replace(old, out)
            raise _named(out, e) from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            if old.exists() and not out.exists():
                os.replace(old, out)
            raise
    shutil.rmtree(old, ignore_errors=True)
    return out
