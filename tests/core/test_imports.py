"""Dependency pins: highspy and OR-Tools load in one process (highspy 1.15 cannot)."""

from __future__ import annotations

import subprocess
import sys


def test_highspy_and_ortools_in_one_process():
    """highspy and ortools import and solve side by side in one fresh interpreter."""
    code = (
        "import highspy, ortools\n"
        "from ortools.sat.python import cp_model\n"
        "h = highspy.Highs(); h.setOptionValue('output_flag', False)\n"
        "x = h.addVariable(0, 4); h.changeColCost(0, -1.0); h.run()\n"
        "m = cp_model.CpModel(); y = m.NewIntVar(0, 7, 'y'); m.Maximize(y)\n"
        "s = cp_model.CpSolver(); s.Solve(m)\n"
        "print(h.getInfo().objective_function_value, s.Value(y))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["-4.0", "7"]


def test_highspy_version_pinned():
    """The installed highspy is in the range that coexists with ortools."""
    import importlib.metadata as md

    major, minor = (int(x) for x in md.version("highspy").split(".")[:2])
    assert (major, minor) == (1, 14)


def test_bare_models_package_not_importable_as_placement_part():
    """`placement.models` and `placement.heuristics` resolve to the repo's folders."""
    import placement.heuristics
    import placement.models

    assert placement.models.__name__ == "placement.models"
    assert placement.heuristics.__name__ == "placement.heuristics"
