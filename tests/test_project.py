"""Project-level promises: light import, agreeing dependency lists, a wheel that carries its data, no article text."""

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _pyproject_pins() -> dict[str, str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(meta["dependencies"])
    for group in meta["optional-dependencies"].values():
        reqs += [r for r in group if not r.startswith(meta["name"])]
    return dict(r.split("==") for r in reqs)


def _environment_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        m = re.match(r"\s+- ([A-Za-z0-9_.\-]+)==(\S+)$", line)
        if m:
            pins[m.group(1)] = m.group(2)
    return pins


def test_environment_and_pyproject_agree():
    a, b = _pyproject_pins(), _environment_pins()
    assert a and a == b, {"only in pyproject": a.keys() - b.keys(), "only in environment.yml": b.keys() - a.keys(),
                          "different": {k for k in a.keys() & b.keys() if a[k] != b[k]}}


def test_import_toolkit_stays_light():
    code = ("import sys, toolkit; toolkit.load_estimates(); "
            "heavy = [m for m in ('geopandas', 'altair', 'matplotlib', 'shapely', 'pandas', 'nbclient') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]", f"import toolkit pulled in {out}"


def test_no_article_sentences_in_repo(text):
    """The project never republishes the article: no whole sentence of it appears in a tracked file."""
    sentences = {s.strip() for p in text.split("\n\n") for s in re.split(r"(?<=[.?!])\s+", p) if len(s.split()) > 25}
    sentences |= {s.strip() for p in text.split("\n\n") for s in p.split(". ") if len(s.strip()) > 90}
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    for f in files:
        body = (ROOT / f).read_text(encoding="utf-8", errors="ignore") if (ROOT / f).is_file() else ""
        hits = [s for s in sentences if s in body]
        assert not hits, f"{f} contains article sentences: {hits[:1]}"


def test_the_package_version_is_toolkit_version():
    """One source of truth: the package metadata's version is read from ``toolkit.__version__``."""
    import toolkit

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"].get("dynamic", [])
    hatch = pytest.importorskip("hatchling.version.source.regex")
    source = hatch.RegexSource(str(ROOT), project["tool"]["hatch"]["version"])
    assert source.get_version_data()["version"] == toolkit.__version__


@pytest.mark.slow
def test_wheel_carries_data_and_geo(tmp_path):
    out = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    wheel = next(tmp_path.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    from toolkit.core.descriptor import Descriptor
    schema = Descriptor.shipped()  # the toolkit's own schema, as a value
    for name in schema.table_names():
        assert f"toolkit/data/{name}.csv" in names
    assert "toolkit/data/datapackage.json" in names
    import toolkit

    assert f"-{toolkit.__version__}-" in wheel.name, (wheel.name, toolkit.__version__)  # one version, not two
    geo_files = {p.name for p in (ROOT / "toolkit" / "geo" / "files").glob("*.gz")}
    assert geo_files and all(f"toolkit/geo/files/{g}" in names for g in geo_files)
    # installed into a fresh target, the wheel's loaders find their data
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)], check=True)
    code = ("import toolkit; print(toolkit.load_places().height, toolkit.SHIPPED); "
            "from toolkit import geo; print(geo._geo_dir(), len(geo.region_names(['GE-KA'])))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                         env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stderr
    assert str(target) in res.stdout
    assert f"{target}/toolkit/geo/files 1" in res.stdout  # the installed wheel's own geo files, found and read
