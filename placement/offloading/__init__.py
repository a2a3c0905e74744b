"""Latency–energy ε-constrained task offloading (the Nimbus problem).

Instances (:class:`OffloadingInstance`), the ``placement/offloading`` file format and
solution files, the seeded generator of the paper's configurations, the evaluator (the
single source of truth of the cost model), the independent checker, the baselines and
the partition shared by the partitioned methods. Methods run through
:func:`placement.solve`, fronts through :func:`placement.pareto`.
"""

from placement.offloading.checker import assert_offloading_feasible, check_offloading
from placement.offloading.day import generate_day
from placement.offloading.evaluate import Assignment, Evaluation, evaluate
from placement.offloading.generate import CONFIGS, RTT_MODES, generate
from placement.offloading.instance import OffloadingInstance
from placement.offloading.io import read_instance, read_solution, write_instance, write_solution

__all__ = [
    "CONFIGS",
    "RTT_MODES",
    "Assignment",
    "Evaluation",
    "OffloadingInstance",
    "assert_offloading_feasible",
    "check_offloading",
    "evaluate",
    "generate",
    "generate_day",
    "read_instance",
    "read_solution",
    "write_instance",
    "write_solution",
]
