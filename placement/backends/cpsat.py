"""OR-Tools CP-SAT.

Status table (``cp_model`` status -> :class:`~placement.result.Termination`): OPTIMAL ->
optimal; FEASIBLE -> time_limit (stopped with an incumbent); INFEASIBLE -> infeasible;
UNKNOWN -> time_limit (stopped before any solution); MODEL_INVALID and anything else ->
error. A search stopped by Ctrl-C / SIGTERM (``StopSearch`` through
:func:`placement.stop.run_blocking`) ends ``interrupted``.
"""

from __future__ import annotations

import time
from typing import Any

from placement.backends.base import BackendParams
from placement.result import RawSolution, Termination, status_of
from placement.stop import run_blocking


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
    tl = params.time_left()
    if tl is not None:
        sol.parameters.max_time_in_seconds = float(tl)
    sol.parameters.catch_sigint_signal = False  # Ctrl-C is handled by placement.stop
    t0 = time.perf_counter()
    outcome = run_blocking(lambda: sol.Solve(model), cancel=sol.StopSearch, time_limit=tl)
    dt = time.perf_counter() - t0
    if not outcome.finished:
        term = (
            Termination.TIME_LIMIT if outcome.stopped == "time_limit" else Termination.INTERRUPTED
        )
        out = RawSolution(
            status=status_of(term, False),
            termination=term,
            statistics={"cpsat_status": "abandoned", "solve_time_s": dt, "abandoned": True},
        )
        return out, sol
    st = outcome.value
    term = table.get(st, Termination.ERROR)
    if outcome.stopped == "interrupted" and term == Termination.TIME_LIMIT:
        term = Termination.INTERRUPTED
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
