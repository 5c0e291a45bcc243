"""Run a student's notebook, cell by cell, and save the answers the tests will read (grading, step 1).

This runs *inside* the sandbox (:mod:`toolkit.tools.classroom.sandbox`), where no test file exists:
it starts a Python kernel, runs each code cell with a wall-clock limit (a cell that runs too long
is interrupted; a kernel that does not answer the interrupt, or dies, is restarted and the cells
that had run are replayed, so an endless loop costs the question whose cell holds it, not the
notebook), skips otter's own calls (``grader.check``, ``grader.export``, ``otter.Notebook``), then
pickles each variable the tests take (``--names``) into ``answers.pkl``: plain values with
:mod:`pickle`, functions by value with ``dill``. Nothing is graded here: the tests run in another
process (:mod:`toolkit.tools.classroom.checking`) that never runs the notebook.

    python -m toolkit.tools.classroom.execute NOTEBOOK OUTDIR --names a,b --cell-timeout 60
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

_OTTER_LINE = re.compile(r"^\s*(grader\s*=\s*otter\.Notebook\(.*|grader\.(check|check_all|export)\(.*|import\s+otter\s*)$")
MAX_RESTARTS = 3

_DUMP = r'''
def __toolkit_dump(names, path):
    import pickle, types
    data, code, failed = {}, {}, {}
    g = globals()
    for n in names:
        if n not in g:
            continue
        v = g[n]
        try:
            if isinstance(v, types.FunctionType):
                import dill
                code[n] = dill.dumps(v, recurse=True)
            else:
                data[n] = pickle.dumps(v, protocol=4)
        except Exception as e:
            failed[n] = f"{type(e).__name__}: {e}"[:300]
    with open(path, "wb") as fh:
        pickle.dump({"data": data, "code": code, "failed": failed}, fh, protocol=4)
__toolkit_dump(%r, %r)
del __toolkit_dump
'''


def grading_source(source: str) -> str:
    """A cell's code as graded: otter's own calls (which would need the tests) become ``pass``."""
    lines = [(re.match(r"^\s*", ln).group(0) + "pass") if _OTTER_LINE.match(ln) else ln for ln in source.splitlines()]
    return "\n".join(lines)


def code_cells(notebook: dict) -> list[str]:
    out = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code":
            src = cell.get("source", "")
            out.append(grading_source("".join(src) if isinstance(src, list) else str(src)))
    return out


class Runner:
    """One kernel, restarted (and the cells that had run replayed) when it stops answering."""

    def __init__(self, cwd: Path, timeout: float):
        self.cwd, self.timeout, self.restarts = cwd, timeout, 0
        self.km = self.kc = None
        self._start()

    def _start(self) -> None:
        from jupyter_client.manager import start_new_kernel

        if self.km is not None:
            self.stop()
        self.km, self.kc = start_new_kernel(kernel_name="python3", cwd=str(self.cwd), startup_timeout=120)

    def stop(self) -> None:
        try:
            self.kc.stop_channels()
            self.km.shutdown_kernel(now=True)
        except Exception:  # noqa: BLE001 - the sandbox dies next anyway
            pass

    def run(self, code: str, timeout: float | None = None) -> str:
        """``ok``, ``error: Name``, ``timeout`` or ``died``."""
        errors = []

        def hook(msg):
            if msg.get("msg_type") == "error":
                errors.append(msg["content"].get("ename", "Error"))

        try:
            reply = self.kc.execute_interactive(code, timeout=timeout or self.timeout, output_hook=hook,
                                                allow_stdin=False, stop_on_error=False)
        except TimeoutError:
            return "timeout" if self.km.is_alive() else "died"
        except Exception:  # noqa: BLE001 - a broken channel: the kernel is gone
            return "died"
        if reply["content"].get("status") == "ok":
            return "ok"
        return "error: " + (errors[0] if errors else reply["content"].get("ename", "Error"))

    def recover(self) -> bool:
        """After a timeout: interrupt; if the kernel still does not answer, False (restart needed)."""
        if not self.km.is_alive():
            return False
        self.km.interrupt_kernel()
        return self.run("pass", timeout=10) == "ok"


def _restart(runner: Runner, cells: list[str], ran: list[int]) -> list[int]:
    """A fresh kernel holding the effects of the cells in ``ran`` (replayed in order); a cell that
    stops the kernel again is dropped, with the cells after it."""
    while True:
        runner.restarts += 1
        runner._start()
        for n, j in enumerate(ran):
            if runner.run(cells[j]) in ("timeout", "died"):
                ran = ran[:n]
                break
        else:
            return ran
        if runner.restarts > MAX_RESTARTS + 2:
            runner._start()
            return []


def execute(notebook: Path, out: Path, names: list[str], cell_timeout: float) -> dict:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cells = code_cells(nb)
    runner = Runner(notebook.parent, cell_timeout)
    ran: list[int] = []  # cells whose effects the kernel holds (replayed after a restart)
    report = {"cells": [], "restarts": 0}
    try:
        for i, code in enumerate(cells):
            start = time.monotonic()
            status = runner.run(code) if code.strip() else "ok"
            if status == "timeout" and runner.recover():
                status = f"timeout: stopped after {cell_timeout:g} s"
            elif status in ("timeout", "died"):
                status = (f"timeout: stopped after {cell_timeout:g} s (the kernel was restarted)" if status == "timeout"
                          else "died: the kernel stopped (it was restarted)")
                if runner.restarts >= MAX_RESTARTS:
                    report["cells"].append({"cell": i + 1, "status": status, "seconds": round(time.monotonic() - start, 1)})
                    report["gave_up"] = f"the kernel was restarted {MAX_RESTARTS} times; cells after {i + 1} did not run"
                    _restart(runner, cells, ran)
                    break
                ran = _restart(runner, cells, ran)
            else:
                ran.append(i)
            report["cells"].append({"cell": i + 1, "status": status, "seconds": round(time.monotonic() - start, 1)})
        report["restarts"] = runner.restarts
        dump = runner.run(_DUMP % (names, str(out / "answers.pkl")), timeout=120)
        report["dump"] = dump
    finally:
        runner.stop()
    return report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("notebook", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--names", default="")
    p.add_argument("--cell-timeout", type=float, default=60)
    args = p.parse_args(argv)
    report = execute(args.notebook.resolve(), args.out.resolve(), [n for n in args.names.split(",") if n],
                     args.cell_timeout)
    (args.out / "run.json").write_text(json.dumps(report), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
