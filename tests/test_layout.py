"""The layout: the library apart from its tools, imports pointing one way, modules of one job.

Every import counts, also those deferred into functions: a cycle hidden in a function is still a cycle.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "toolkit"
MAX_LINES = 600


def _modules() -> dict[str, Path]:
    return {".".join(p.relative_to(PKG.parent).with_suffix("").parts).removesuffix(".__init__"): p
            for p in PKG.rglob("*.py")}


def _imports(name: str, path: Path, mods: dict) -> set[str]:
    """Every toolkit module that ``name`` imports (from-imports resolved to a module where they name one)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name in mods}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            for a in node.names:
                if f"{base}.{a.name}" in mods:
                    out.add(f"{base}.{a.name}")
                elif base in mods:
                    out.add(base)
    out.discard(name)
    return out


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    # the short aliases (toolkit.charts -> toolkit.views.charts) and the package's face are not layers
    return {m: {d for d in _imports(m, p, mods) if d != "toolkit"} for m, p in mods.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}

    def visit(v, path):
        state[v] = 1
        for w in sorted(graph.get(v, ())):
            if state.get(w) == 1:
                return path[path.index(w):] + [w]
            if w not in state and (found := visit(w, path + [w])):
                return found
        state[v] = 2
        return None

    for v in sorted(graph):
        if v not in state and (found := visit(v, [v])):
            return found
    return None


def test_no_import_cycle_counting_deferred_imports():
    graph = _graph()
    aliases = {"toolkit.charts", "toolkit.maps", "toolkit.__main__"}
    cyc = _cycle({k: v - aliases for k, v in graph.items() if k not in aliases})
    assert cyc is None, "import cycle: " + " -> ".join(cyc)


def test_the_library_never_imports_the_tools():
    bad = {m: sorted(d for d in deps if d.startswith("toolkit.tools"))
           for m, deps in _graph().items() if not m.startswith("toolkit.tools") and m != "toolkit.__main__"}
    bad = {m: d for m, d in bad.items() if d}
    assert not bad, f"library modules import the tools: {bad}"


def test_layers_point_down():
    """core <- checks <- dataset <- geo <- views/formats/comparison/draft <- tools; nothing climbs back up."""
    order = ["toolkit.core", "toolkit.checks", "toolkit.dataset", "toolkit.geo",
             "toolkit.views|toolkit.formats|toolkit.comparison|toolkit.draft", "toolkit.tools"]

    def layer(m):
        for i, names in enumerate(order):
            if any(m == n or m.startswith(n + ".") for n in names.split("|")):
                return i
        return None

    up = [(m, d) for m, deps in _graph().items() for d in deps
          if layer(m) is not None and layer(d) is not None and layer(d) > layer(m)]
    assert not up, f"imports that climb up a layer: {up}"


@pytest.mark.parametrize("name", sorted(_modules()))
def test_module_is_not_too_long(name):
    n = sum(1 for _ in _modules()[name].open(encoding="utf-8"))
    assert n <= MAX_LINES, f"{name} has {n} lines (split it: one job per module, aim for 500)"


def test_import_toolkit_is_light_and_loads_no_tool():
    code = ("import sys, toolkit; print(sorted(m for m in sys.modules if m.startswith('toolkit.tools') "
            "or m.split('.')[0] in ('altair', 'geopandas', 'matplotlib', 'otter', 'nbclient')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=PKG.parent).stdout.strip()
    assert out == "[]", f"import toolkit pulled in {out}"


def test_public_names_do_not_shadow_modules():
    import toolkit

    shadowed = [n for n in toolkit.__all__ if (PKG / f"{n}.py").exists() or (PKG / n / "__init__.py").exists()]
    assert not shadowed, f"public names that are also module names: {shadowed}"
