"""OR-Tools CP-SAT.

Status table (``cp_model`` status -> :class:`~placement.result.Termination`): OPTIMAL ->
optimal; FEASIBLE -> time_limit (stopped with an incumbent); INFEASIBLE -> infeasible;
UNKNOWN -> time_limit (stopped before any solution); MODEL_INVALID and anything else ->
error.
"""

from __future__ import annotations

import time
from typing import Any

from placement.backends.base import BackendParams
from placement.result import RawSolution, Termination, status_of


def version() -> str:
    """The OR-Tools version (raises ``ImportError`` without ortools)."""
    import ortools

    return str(ortools.__version__)


def solve(model: Any, params: BackendParams, *, workers: int = 2) -> tuple[RawSolution, Any]:
    """Solve a ``cp_model.CpModel``.

    Parameters
    ----------
    model
        The model (hints, if any, already added).
    params
        Time limit, threads (CP-SAT workers; default ``workers``), seed, log.

    Returns
    -------
    (RawSolution, solver)
        ``solution`` is ``True`` when the solver holds one (read values through the
        returned ``CpSolver``); ``objective`` / ``bound`` in the model's integer units.
    """
    from ortools.sat.python import cp_model

    table = {
        cp_model.OPTIMAL: Termination.OPTIMAL,
        cp_model.FEASIBLE: Termination.TIME_LIMIT,
        cp_model.INFEASIBLE: Termination.INFEASIBLE,
        cp_model.UNKNOWN: Termination.TIME_LIMIT,
    }
    sol = cp_model.CpSolver()
    sol.parameters.num_workers = params.threads or workers
    sol.parameters.random_seed = params.solver_seed
    sol.parameters.log_search_progress = bool(params.verbose)
    if params.time_limit is not None:
        sol.parameters.max_time_in_seconds = float(params.time_limit)
    t0 = time.perf_counter()
    st = sol.Solve(model)
    dt = time.perf_counter() - t0
    term = table.get(st, Termination.ERROR)
    has = st in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    out = RawSolution(
        status=status_of(term, has),
        termination=term,
        statistics={"cpsat_status": sol.StatusName(st), "solve_time_s": dt},
    )
    if has:
        out.solution = True
        out.objective = float(sol.ObjectiveValue())
        out.bound = float(sol.BestObjectiveBound())
    return out, sol
