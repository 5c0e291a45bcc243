"""The grading sandbox: a command run in throwaway Linux namespaces with bubblewrap (``bwrap``).

What one sandboxed command sees and may do:

* its own PID namespace (it cannot see or signal the grader; every process it starts, even one that
  starts its own session, dies with the namespace when the command ends or is killed), no network
  (a private loopback only), its own IPC and UTS namespaces, and a user namespace with no
  capabilities (uid 65534 inside);
* a read-only view of only what Python needs: ``/usr``, a few files of ``/etc`` (not ``shadow``),
  the Python installation and virtualenv, and the toolkit's own package folder: never the project's
  notebooks, the build folder, the autograder archive or the teacher's home;
* a private, size-limited ``/tmp`` and exactly one writable folder (the submission's copy);
* per-process limits set with ``prlimit`` inside the sandbox: address space, CPU seconds, file
  size, open files.

>>> problem = unavailable()        # None where bwrap runs here             # doctest: +SKIP
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from toolkit.core.errors import ToolkitError
from toolkit.tools.classroom.places import PACKAGE_PARENT

#: the /etc files Python, fonts and time zones need (never passwd's shadow or the host's secrets)
_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "ssl", "ca-certificates",
        "fonts", "mime.types", "nsswitch.conf", "hosts", "passwd", "group", "alternatives", "matplotlibrc")


@dataclass(frozen=True)
class Limits:
    """Per-process limits in the sandbox: memory (bytes of address space), CPU seconds, the largest
    file it may write (bytes), open files, and the private /tmp's size."""

    memory: int = 3 * 2**30
    cpu: int = 600
    file_size: int = 64 * 2**20
    open_files: int = 512
    tmp_size: int = 256 * 2**20

    def prlimit(self) -> list[str]:
        return ["prlimit", f"--as={self.memory}", f"--cpu={self.cpu}", f"--fsize={self.file_size}",
                f"--nofile={self.open_files}", "--core=0", "--"]


class SandboxUnavailable(ToolkitError, RuntimeError):
    """No sandbox can start here (bwrap or prlimit missing, or user namespaces disabled)."""


def _readable_roots() -> list[Path]:
    """The folders a sandboxed Python needs to read: its installation, the virtualenv, the toolkit."""
    roots = {Path(sys.base_prefix), Path(sys.prefix), Path(sys.exec_prefix), Path(sys.executable).resolve().parent.parent}
    roots |= {PACKAGE_PARENT / "toolkit"}  # its code, data and geo files
    usr = Path("/usr")
    keep = sorted((p for p in roots if p.exists() and not p.is_relative_to(usr)), key=lambda p: len(p.parts))
    out: list[Path] = []
    for p in keep:  # drop folders already inside another
        if not any(p.is_relative_to(q) for q in out):
            out.append(p)
    return out


def command(argv: list[str], *, writable: Path, cwd: Path | None = None, env: dict | None = None,
            readable: list[Path] = (), limits: Limits = Limits()) -> list[str]:
    """The ``bwrap`` command line that runs ``argv`` in the sandbox with ``writable`` as its only
    writable folder (mounted at the same path), ``readable`` folders added read-only."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable("bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)")
    cmd = [bwrap, "--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534",
           "--die-with-parent", "--new-session", "--cap-drop", "ALL",
           "--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev",
           "--size", str(limits.tmp_size), "--tmpfs", "/tmp", "--dir", "/etc"]
    for name in ("bin", "lib", "lib32", "lib64", "sbin"):
        top = Path("/") / name
        if top.is_symlink():
            cmd += ["--symlink", os.readlink(top), str(top)]
        elif top.is_dir():
            cmd += ["--ro-bind", str(top), str(top)]
    for name in _ETC:
        if (Path("/etc") / name).exists():
            cmd += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    for p in [*_readable_roots(), *map(Path, readable)]:
        cmd += ["--ro-bind", str(p), str(p)]
    writable = Path(writable).resolve()
    cmd += ["--bind", str(writable), str(writable), "--chdir", str(Path(cwd or writable).resolve()),
            "--clearenv"]
    for key, value in (env or {}).items():
        cmd += ["--setenv", key, value]
    cmd += ["--setenv", "HOME", "/tmp", "--setenv", "TMPDIR", "/tmp", "--"]
    return cmd + limits.prlimit() + list(argv)


_PROBE: dict[str, str | None] = {}


def unavailable() -> str | None:
    """Why no sandbox can start here, or None when one can (checked once per process)."""
    if "reason" not in _PROBE:
        reason = None
        if shutil.which("prlimit") is None:
            reason = "prlimit (util-linux) is not installed"
        else:
            try:
                import tempfile

                with tempfile.TemporaryDirectory(prefix="toolkit-probe-") as tmp:
                    proc = subprocess.run(command([sys.executable, "-c", "print('ok')"], writable=Path(tmp)),
                                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
                if proc.stdout.strip() != "ok":
                    reason = f"bwrap could not start a sandbox here: {(proc.stderr.strip() or 'no output').splitlines()[-1]}"
            except SandboxUnavailable as e:
                reason = str(e)
            except (OSError, subprocess.TimeoutExpired) as e:
                reason = f"bwrap could not start a sandbox here: {e}"
        _PROBE["reason"] = reason
    return _PROBE["reason"]


def run(argv: list[str], *, writable: Path, timeout: float, sandbox: bool = True, env: dict | None = None,
        readable: list[Path] = (), limits: Limits = Limits(), input: str | None = None) -> subprocess.CompletedProcess:
    """Run ``argv`` (in the sandbox unless ``sandbox`` is false) with ``writable`` as working folder;
    on timeout the whole sandbox is killed (``subprocess.TimeoutExpired`` is raised)."""
    if sandbox:
        cmd = command(argv, writable=writable, env=env, readable=readable, limits=limits)
        run_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    else:
        cmd, run_env = list(argv), dict(env or os.environ)
    proc = subprocess.Popen(cmd, cwd=writable, env=run_env, stdin=subprocess.DEVNULL if input is None else subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(input=input, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise
    finally:
        if proc.poll() is None:
            _kill(proc)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _kill(proc: subprocess.Popen) -> None:
    import signal

    try:
        os.killpg(proc.pid, signal.SIGKILL)  # bwrap and what it started (the PID namespace dies with it)
    except ProcessLookupError:
        pass
    proc.communicate()
