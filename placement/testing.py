"""Public feasibility checkers of both problems (cf. ``linopy.testing``).

Each checker re-derives every constraint with plain loops over the raw instance
fields, independently of the evaluators' code paths, so a bug in an evaluator cannot
hide a bug in a solver. Every solver test goes through them.
"""

from placement.offloading.checker import (
    assert_metrics_match,
    assert_offloading_feasible,
    check_offloading,
    device_costs,
    total_latency,
)
from placement.pipeline.checker import assert_pipeline_feasible, check_pipeline_solution

__all__ = [
    "assert_metrics_match",
    "assert_offloading_feasible",
    "assert_pipeline_feasible",
    "check_offloading",
    "check_pipeline_solution",
    "device_costs",
    "total_latency",
]
