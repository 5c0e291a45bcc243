"""A real JupyterLab on 127.0.0.1: open a notebook in Chromium, run all cells, no errors, charts drawn."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from toolkit.tools.site import report

pytestmark = pytest.mark.slow
CHARTS = "Array.from(document.querySelectorAll('.jp-RenderedVegaCommon5'))"  # JupyterLab's own Vega renderer


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    """JupyterLab serving a copy of the notebooks (Lab autosaves; the repo's copies stay output-free)."""
    root = tmp_path / "notebooks"
    shutil.copytree(report.NOTEBOOKS, root, ignore=shutil.ignore_patterns("exercises", ".ipynb_checkpoints"))
    port, token = _free_port(), "toolkit-test"
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
           "--KernelManager.transport_encryption=auto"]  # as `make lab`: CurveZMQ, no "TCP without encryption"
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    settings = tmp_path / "lab-settings"
    for ext, name, value in (("notebook-extension", "tracker", {"windowingMode": "none"}),
                             ("apputils-extension", "notification", {"fetchNews": "false"})):
        (settings / f"@jupyterlab/{ext}").mkdir(parents=True, exist_ok=True)
        (settings / f"@jupyterlab/{ext}" / f"{name}.jupyterlab-settings").write_text(json.dumps(value))
    env = os.environ | {"JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"), "JUPYTERLAB_SETTINGS_DIR": str(settings),
                        "JUPYTER_DATA_DIR": str(tmp_path / "data")}  # notebook signatures (trust) stay in tmp_path
    log = open(tmp_path / "lab.log", "w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.terminate()
        pytest.fail("JupyterLab did not start: " + (tmp_path / "lab.log").read_text()[-2000:])
    yield f"http://127.0.0.1:{port}", token, root
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:  # on a loaded machine the server may take longer to shut down: end it
        proc.kill()
        proc.wait(timeout=30)


def test_notebook_runs_in_jupyterlab(lab, browser, tmp_path):
    url, token, root = lab
    name = "02-who-claims-what.ipynb"
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    page.goto(f"{url}/lab/tree/{name}?token={token}", wait_until="domcontentloaded")
    page.wait_for_function("document.body.innerText.includes('| Idle')", timeout=90000)
    page.locator(".jp-Notebook .jp-Cell").first.click()
    page.locator('.lm-MenuBar-itemLabel:text-is("Run")').click()
    page.locator('.lm-Menu-itemLabel:text-is("Run All Cells")').click()
    cells = "window.jupyterapp.shell.currentWidget.content.widgets.filter(c => c.model.type === 'code')"
    try:
        page.wait_for_function(f"{cells}.every(c => c.model.executionCount !== null) || "
                               f"{cells}.some(c => c.model.outputs.toJSON().some(o => o.output_type === 'error'))",
                               timeout=180000)
        page.wait_for_function(f"{CHARTS}.length > 0 && {CHARTS}.every(d => d.querySelector('svg, canvas'))", timeout=30000)
    finally:
        page.screenshot(path=os.environ.get("LAB_SHOT", str(tmp_path / "lab-run.png")))
    errors = page.evaluate(f"""{cells}.flatMap(c => c.model.outputs.toJSON())
        .filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue)""")
    charts = page.evaluate(f"""{CHARTS}.map(d => {{
        const g = d.querySelector('svg, canvas'); return g ? g.getBoundingClientRect().width : 0; }})""")
    page.screenshot(path=str(tmp_path / "lab.png"))
    page.close()
    assert not errors, errors
    assert charts and all(w > 50 for w in charts), charts
    assert "without encryption" not in (tmp_path / "lab.log").read_text(), "the kernel warns about unencrypted TCP"
