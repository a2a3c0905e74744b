"""The layering rules of ARCHITECTURE.md, checked on the import graph read from the source."""

from __future__ import annotations

import subprocess
import sys

import importgraph
import pytest

GRAPH = importgraph.build()

OFFLOADING = (
    "placement.offloading",
    "placement.models.offloading",
    "placement.heuristics.offloading",
)
PIPELINE = ("placement.pipeline", "placement.models.pipeline", "placement.heuristics.pipeline")
#: Modules that describe a problem's data; they never build or solve anything.
DATA = [
    f"placement.{p}.{m}"
    for p in ("offloading", "pipeline")
    for m in ("instance", "io", "generate", "evaluate", "checker", "params", "partition", "traces")
] + ["placement.pipeline.formats"]
SOLVING = (
    "placement.models",
    "placement.heuristics",
    "placement.backends",
    "placement.solve",
    "placement.registry",
    "placement.cli",
    "placement.pareto",
)
#: The core every layer may use; it uses no problem, model, heuristic or backend.
CORE = (
    "placement.errors",
    "placement.result",
    "placement.params",
    "placement.tolerances",
    "placement.front",
    "placement.executors",
    "placement._io",
    "placement.console",
    "placement.stop",
    "placement._version",
)


def _under(mod: str, prefixes: tuple[str, ...]) -> bool:
    return any(mod == p or mod.startswith(p + ".") for p in prefixes)


def test_no_import_cycles():
    """No two modules import each other, directly or through others (function-level imports count)."""
    assert GRAPH.sccs() == []


@pytest.mark.parametrize(("side", "other"), [(OFFLOADING, PIPELINE), (PIPELINE, OFFLOADING)])
def test_problems_are_independent(side, other):
    """Offloading and pipeline code never import each other."""
    bad = {
        m: sorted(t for t in e if _under(t, other))
        for m, e in GRAPH.edges.items()
        if _under(m, side) and any(_under(t, other) for t in e)
    }
    assert bad == {}


def test_data_modules_import_no_builders_or_solvers():
    """Instances, readers, generators, evaluators and checkers import no model, heuristic,
    backend or solver package."""
    bad = {}
    for m, edges in GRAPH.edges.items():
        if not _under(m, tuple(DATA)):
            continue
        wrong = sorted(t for t in edges if _under(t, SOLVING))
        ext = sorted(GRAPH.external[m] & {"pyomo", "highspy", "ortools", "numba"})
        if wrong or ext:
            bad[m] = wrong + ext
    assert bad == {}


def test_core_imports_no_layer_above():
    """The core (errors, result, params, front, executors, ...) imports no problem package,
    model, heuristic, backend, registry, solve or CLI."""
    bad = {
        m: sorted(e)
        for m, e in GRAPH.edges.items()
        if m in CORE and any(not _under(t, CORE) for t in e)
    }
    assert bad == {}


def test_models_and_heuristics_do_not_import_the_top():
    """Model builders and heuristics import neither solve(), the CLI nor a problem's method glue."""
    top = (
        "placement.solve",
        "placement.cli",
        "placement.pareto",
        "placement.offloading.methods",
        "placement.pipeline.methods",
        "placement.offloading.pareto",
        "placement.pipeline.pareto",
    )
    bad = {
        m: sorted(t for t in e if _under(t, top))
        for m, e in GRAPH.edges.items()
        if _under(m, ("placement.models", "placement.heuristics", "placement.backends"))
        and any(_under(t, top) for t in e)
    }
    assert bad == {}


def test_init_files_only_re_export():
    """Every ``__init__.py`` holds imports, ``__all__`` and docstrings, nothing that runs."""
    import ast

    for mod, path in GRAPH.modules.items():
        if path.name != "__init__.py":
            continue
        for node in ast.parse(path.read_text()).body:
            ok = isinstance(node, ast.Import | ast.ImportFrom | ast.Expr) or (
                isinstance(node, ast.Assign)
                and all(isinstance(t, ast.Name) and t.id.startswith("__") for t in node.targets)
            )
            # a lazy re-export (PEP 562 __getattr__) and the package's NullHandler
            ok = ok or (isinstance(node, ast.FunctionDef) and node.name == "__getattr__")
            assert ok, f"{mod}: line {node.lineno} is not a re-export"


def test_no_module_over_800_lines():
    """Every module stays under 800 lines (one job per file)."""
    long = {m: n for m, p in GRAPH.modules.items() if (n := len(p.read_text().splitlines())) > 800}
    assert long == {}


def test_kernels_compile_through_the_cache_fallback():
    """Every kernel module takes ``njit`` from ``placement.heuristics._numba`` (a read-only
    install then still runs), never from ``numba`` itself."""
    direct = sorted(
        m
        for m, p in GRAPH.modules.items()
        if m != "placement.heuristics._numba"
        and any(
            line.strip().startswith("from numba import") and "njit" in line
            for line in p.read_text().splitlines()
        )
    )
    assert direct == []


def test_import_placement_loads_no_solver():
    """``import placement`` loads no solver package, no Numba and no Pyomo."""
    code = (
        "import sys, placement, placement.offloading, placement.pipeline, placement.registry; "
        "print(sorted(m for m in ('pyomo', 'highspy', 'ortools', 'numba') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
