"""Execute notebooks in worker processes that die with the build, under per-cell and per-build timeouts.

Each notebook runs in a fresh kernel (nbclient) inside a worker process. A worker ends its kernel and
itself when the build ends (Linux: ``prctl(PR_SET_PDEATHSIG)``; elsewhere it polls its parent), so a
build killed with ``kill -9`` leaves nothing running and no lock held. Ctrl-C is the build's to handle:
workers ignore it and are stopped by the build.

>>> run([Path("notebooks/01-the-dataset.ipynb")], jobs=1, cell_timeout=120, timeout=1200,
...     done=lambda name, nb, error, seconds: print(name, error))  # doctest: +SKIP
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures import TimeoutError as FuturesTimeout
from pathlib import Path

from toolkit.tools.site.sitefolder import BuildError, shown

CELL_TIMEOUT = 120  # seconds a cell may run (--cell-timeout)
BUILD_TIMEOUT = 1200  # seconds the notebooks of one build may take together (--timeout)
PR_SET_PDEATHSIG = 1

_client = None  # the worker's notebook client, whose kernel is ended with the worker
_cells = None  # shared with the build: the cell (1-based) each notebook is running, 0 before its first


def cell_label(nb, index: int) -> str:
    """``cell 7 (code cell 3)`` for the cell at 0-based ``index``."""
    code_no = sum(c.cell_type == "code" for c in nb.cells[:index + 1])
    return f"cell {index + 1} (code cell {code_no})"


def _error_of(nb) -> str:
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.get("output_type") == "error":
                return f"{cell_label(nb, i)}: {out['ename']}: {out['evalue']}"
    return "unknown cell"


def _end_worker(*_) -> None:
    """End this worker's kernel (its own process group) and the worker, now."""
    provisioner = getattr(getattr(_client, "km", None), "provisioner", None)
    pgid, pid = getattr(provisioner, "pgid", None), getattr(provisioner, "pid", None)
    try:
        if pgid and pgid != os.getpgrp():
            os.killpg(pgid, signal.SIGKILL)
        elif pid:
            os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
    os._exit(143)


def _watch(parent: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            _end_worker()


def _worker_init(parent: int, lock_fd: int | None, cells) -> None:
    """In each worker: die with the build, leave Ctrl-C to it, do not hold its lock."""
    global _cells
    _cells = cells
    if lock_fd is not None:
        try:
            os.close(lock_fd)  # the build's lock must not outlive the build in a worker
        except OSError:
            pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # (ipykernel sets its own SIGINT handling in the kernels)
    signal.signal(signal.SIGTERM, _end_worker)
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the build died before the line above took effect
        os._exit(143)
    threading.Thread(target=_watch, args=(parent,), name="watch-build", daemon=True).start()


def execute(path: str, cell_timeout: float = CELL_TIMEOUT, slot: int = 0) -> tuple[str, object, str | None, float]:
    """Run one notebook in a fresh kernel; returns (file name, executed notebook or None, error or None, seconds).

    nbclient runs in a thread: in the main thread it would take over SIGINT and SIGTERM (and shut the kernel
    down mid-cell, which then prints a traceback); here the main thread only waits, free to end the worker."""
    result = []
    thread = threading.Thread(target=lambda: result.append(_execute(path, cell_timeout, slot)), name="notebook")
    thread.start()
    thread.join()
    return result[0] if result else (Path(path).name, None, "the notebook runner stopped", 0.0)


def _execute(path: str, cell_timeout: float, slot: int) -> tuple[str, object, str | None, float]:
    global _client
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    start, p = time.perf_counter(), Path(path)
    nb = nbformat.read(p, as_version=4)
    current = [0]

    def on_cell(cell=None, cell_index=0, **_):
        current[0] = cell_index
        if _cells is not None:
            _cells[slot] = cell_index + 1

    _client = NotebookClient(nb, timeout=cell_timeout, kernel_name="python3", on_cell_execute=on_cell,
                             resources={"metadata": {"path": str(p.parent)}}, config=kernel_config())
    log = tempfile.TemporaryFile("w+")  # the kernel's own stderr (warnings): shown only if the kernel dies
    try:
        _client.execute(stderr=log)
    except CellExecutionError:
        return p.name, None, _error_of(nb), time.perf_counter() - start
    except TimeoutError:
        return (p.name, None, f"{cell_label(nb, current[0])}: still running after {cell_timeout:g} s (--cell-timeout)",
                time.perf_counter() - start)
    except Exception as e:  # a dead kernel is a failed build, said plainly
        log.seek(0)
        last = [line.strip() for line in log.read().splitlines() if line.strip()][-1:]
        return (p.name, None, f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
                + (f" (the kernel said: {last[0][:300]})" if last else ""), time.perf_counter() - start)
    finally:
        _client = None
        log.close()
    return p.name, nb, None, time.perf_counter() - start


def _halt(pool: ProcessPoolExecutor) -> None:
    """Stop the workers (each ends its kernel) and the pool, without waiting for running notebooks."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})  # a second Ctrl-C waits
    try:
        procs = list((getattr(pool, "_processes", None) or {}).values())
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
        for proc in procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
        pool.shutdown(wait=True, cancel_futures=True)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def run(paths: list[Path], jobs: int, cell_timeout: float, timeout: float, done, lock_fd: int | None = None) -> None:
    """Execute ``paths`` with ``jobs`` workers, calling ``done(name, nb, error, seconds)`` as each ends.

    Raises :class:`BuildError` naming the notebooks and cells still running after ``timeout`` seconds;
    on any exception (Ctrl-C included) the workers and their kernels are stopped first."""
    import nbclient  # noqa: F401  (imported once, before the workers fork)

    cells = multiprocessing.get_context().Array("i", len(paths), lock=False)
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init, initargs=(os.getpid(), lock_fd, cells))
    finished = False
    try:
        futures = {pool.submit(execute, str(p), cell_timeout, i): i for i, p in enumerate(paths)}
        try:
            for fut in as_completed(futures, timeout=timeout):
                done(*fut.result())
        except FuturesTimeout:
            import nbformat

            running = []
            for fut, i in futures.items():
                if not fut.done() and cells[i]:
                    nb = nbformat.read(paths[i], as_version=4)
                    running.append(f"{shown(paths[i])} at {cell_label(nb, cells[i] - 1)}")
            raise BuildError(f"the notebooks took longer than {timeout:g} s (--timeout); the previous site is unchanged; stopped "
                             + (", ".join(running) or "before any cell ran")) from None
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            _halt(pool)


def kernel_config():
    """Kernel sockets encrypted with CurveZMQ (else IPC): no "Kernel is running over TCP without encryption"."""
    import zmq
    from traitlets.config import Config

    km = {"transport_encryption": "auto"} if zmq.has("curve") else {"transport": "ipc"}
    return Config({"KernelManager": km})
