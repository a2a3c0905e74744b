"""Named tolerances, so every comparison says which rule it applies.

``FEAS_TOL``
    Absolute slack (ms / mJ) of the feasibility comparisons of the offloading
    evaluator (``latency <= deadline + FEAS_TOL``); the exact models pre-filter with
    the same slack and the same floating-point expression order, so model and
    evaluator agree on every boundary case.
``CHECK_TOL``
    Slack of the independent offloading checker (looser than ``FEAS_TOL``: it
    re-derives the costs with plain loops in another order).
``PIPELINE_TOL``
    Relative slack of the pipeline evaluator and checker (capacities, bandwidths,
    delay bounds).
``OBJECTIVE_RTOL``, ``OBJECTIVE_ATOL``
    How far a solver's own objective may differ from the evaluator's before a
    :class:`~placement.errors.NumericalWarning` is raised.
"""

FEAS_TOL = 1e-9
CHECK_TOL = 1e-7
PIPELINE_TOL = 1e-6
OBJECTIVE_RTOL = 1e-6
OBJECTIVE_ATOL = 1e-6
