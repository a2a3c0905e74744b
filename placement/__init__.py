"""placement — where computation runs in the edge–cloud.

Latency–energy ε-constrained task offloading (the Nimbus problem) and VNF chain /
edge-pipeline placement: exact Pyomo MILPs, Numba heuristics, one evaluator.

>>> import placement
>>> inst = placement.generate("C", devices=200, seed=1)
>>> res = placement.solve(inst, method="cloud")
>>> res.metrics["violations"]
0
"""

from __future__ import annotations

import logging

from .errors import InputError, NumericalWarning, SolverUnavailableError
from .evaluate import Assignment, Evaluation, evaluate
from .generate import CONFIGS, generate
from .instance import OffloadingInstance
from .io import read_instance, write_instance
from .pareto import ParetoFront, ParetoPoint, pareto
from .result import Result, Status, Termination
from .solve import read_solution, solve, write_solution

logging.getLogger(__name__).addHandler(logging.NullHandler())

__version__ = "0.1.0"

__all__ = [
    "CONFIGS",
    "Assignment",
    "Evaluation",
    "InputError",
    "NumericalWarning",
    "OffloadingInstance",
    "ParetoFront",
    "ParetoPoint",
    "Result",
    "SolverUnavailableError",
    "Status",
    "Termination",
    "evaluate",
    "generate",
    "pareto",
    "read_instance",
    "read_solution",
    "solve",
    "write_instance",
    "write_solution",
]
