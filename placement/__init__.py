"""placement — where computation runs in the edge–cloud.

Latency–energy ε-constrained task offloading (the Nimbus problem) and VNF chain /
edge-pipeline placement: exact Pyomo MILPs, Numba heuristics, one evaluator per
problem, one :func:`solve` and one :class:`Result` for both.

>>> import placement
>>> inst = placement.generate("C", devices=200, seed=1)
>>> res = placement.solve(inst, method="cloud")
>>> res.metrics["violations"]
0
"""

from __future__ import annotations

import logging

from placement._version import __version__
from placement.errors import InputError, NumericalWarning, SolverUnavailableError
from placement.front import ParetoFront, ParetoPoint
from placement.io import read_any, read_solution, write_solution
from placement.offloading.evaluate import Assignment, Evaluation, evaluate
from placement.offloading.generate import CONFIGS, generate
from placement.offloading.instance import OffloadingInstance
from placement.offloading.io import read_instance, write_instance
from placement.online.controller import Change, Controller
from placement.pareto import pareto
from placement.result import RawSolution, Result, Status, Termination
from placement.solve import solve

logging.getLogger(__name__).addHandler(logging.NullHandler())


__all__ = [
    "CONFIGS",
    "__version__",
    "Assignment",
    "Change",
    "Controller",
    "Evaluation",
    "InputError",
    "NumericalWarning",
    "OffloadingInstance",
    "ParetoFront",
    "ParetoPoint",
    "RawSolution",
    "Result",
    "SolverUnavailableError",
    "Status",
    "Termination",
    "evaluate",
    "generate",
    "pareto",
    "read_any",
    "read_instance",
    "read_solution",
    "solve",
    "write_instance",
    "write_solution",
]
