"""Pyomo solvers: ``pyomo.contrib.solver`` interfaces (HiGHS in process, and any other
solver the new factory knows) and, as a fallback, the classic
``pyomo.environ.SolverFactory`` plugins (cbc, glpk, cplex, ...).

Every run uses ``load_solutions=False`` and ``raise_exception_on_nonoptimal_result=False``
and branches on the status, so time-limited and infeasible runs never raise by surprise;
when a solution exists its values are loaded into the model's variables.

Wall clock and Ctrl-C: loading a model into HiGHS (pure Python, the slow part on large
models) runs under :func:`placement.stop.time_guard` with the solve's deadline; the
solve runs through :func:`placement.stop.run_blocking`, stopped by interrupt callbacks
on Ctrl-C or once past its time limit, and abandoned (no solution; the console, which
Pyomo captures during a solve, restored) if it does not return.

Status tables -> :class:`~placement.result.Termination`:

* ``pyomo.contrib.solver`` ``TerminationCondition``: convergenceCriteriaSatisfied ->
  optimal; maxTimeLimit -> time_limit; iterationLimit, objectiveLimit ->
  iteration_limit; interrupted -> interrupted; provenInfeasible, locallyInfeasible,
  infeasibleOrUnbounded -> infeasible; unbounded -> unbounded; else error.
* classic ``SolverFactory``: optimal -> optimal; maxTimeLimit, maxIterations,
  maxEvaluations -> time_limit; infeasible, infeasibleOrUnbounded -> infeasible;
  else error.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
import time
from dataclasses import replace
from typing import Any

from placement.backends.base import BackendParams
from placement.errors import InputError, SolverUnavailableError
from placement.result import RawSolution, Termination, status_of
from placement.stop import run_blocking, time_guard

logger = logging.getLogger(__name__)


def _not_a_stop(record: logging.LogRecord) -> bool:
    """Drop what Pyomo logs when a stop is on purpose — "Constructing component ...
    failed" for a time guard or Ctrl-C stopping a build, "unhandled status kInterrupt"
    for a solver stopped by Ctrl-C or the time limit (the CLI prints one line)."""
    args = record.args if isinstance(record.args, tuple) else ()
    if any(a in ("OutOfTime", "KeyboardInterrupt") for a in args):
        return False
    return "kInterrupt" not in str(record.msg) and "kInterrupt" not in " ".join(map(str, args))


for _name in ("pyomo.core", "pyomo.contrib.solver.solvers.highs"):
    logging.getLogger(_name).addFilter(_not_a_stop)

#: Names under which the in-process HiGHS interface is asked for.
HIGHS_NAMES = ("highs-pyomo", "appsi_highs", "highs")
#: Pyomo MILP solvers probed by :func:`placement.backends.available_backends`.
PROBE = ("cbc", "glpk", "gurobi", "cplex", "scip")

_CONTRIB = {
    "convergenceCriteriaSatisfied": Termination.OPTIMAL,
    "maxTimeLimit": Termination.TIME_LIMIT,
    "iterationLimit": Termination.ITERATION_LIMIT,
    "objectiveLimit": Termination.ITERATION_LIMIT,
    "interrupted": Termination.INTERRUPTED,
    "provenInfeasible": Termination.INFEASIBLE,
    "locallyInfeasible": Termination.INFEASIBLE,
    "infeasibleOrUnbounded": Termination.INFEASIBLE,
    "unbounded": Termination.UNBOUNDED,
}
_LEGACY = {
    "optimal": Termination.OPTIMAL,
    "maxTimeLimit": Termination.TIME_LIMIT,
    "maxIterations": Termination.TIME_LIMIT,
    "maxEvaluations": Termination.TIME_LIMIT,
    "infeasible": Termination.INFEASIBLE,
    "infeasibleOrUnbounded": Termination.INFEASIBLE,
}
#: Option names (time limit, relative gap, threads) of the classic plugins.
_LEGACY_OPTIONS = {
    "cbc": ("seconds", "ratioGap", "threads"),
    "glpk": ("tmlim", "mipgap", None),
    "gurobi": ("TimeLimit", "MIPGap", "Threads"),
    "cplex": ("timelimit", "mipgap", "threads"),
    "scip": ("limits/time", "limits/gap", None),
    "appsi_highs": ("time_limit", "mip_rel_gap", "threads"),
}


class SolverNotFoundError(InputError, SolverUnavailableError):
    """The requested solver is not installed: a user-input problem (``InputError``, CLI
    exit code 2) that is also a :class:`~placement.errors.SolverUnavailableError`."""

    def __init__(self, solver: str, detail: str) -> None:
        InputError.__init__(
            self, f"solver {solver!r} is {detail}; see `placement check`", field="solver"
        )


def contrib_factory(name: str) -> Any:
    """A ``pyomo.contrib.solver`` interface for ``name`` (``None`` if the factory does not
    know it). ``highs-pyomo`` and ``appsi_highs`` name the in-process HiGHS interface."""
    import pyomo.environ  # noqa: F401  (loads the solver plugins into the factory)
    from pyomo.contrib.solver.common.factory import SolverFactory

    key = "highs" if name in HIGHS_NAMES else name
    for cand in (key, f"{key}_direct", f"{key}_persistent"):
        if cand in SolverFactory:
            return SolverFactory(cand)
    return None


def is_highs(opt: Any) -> bool:
    """Whether a contrib interface is the in-process HiGHS one."""
    return "highs" in type(opt).__name__.lower()


def solve(
    model: Any,
    solver: str,
    params: BackendParams,
    *,
    opt: Any = None,
    before_solve: Any = None,
) -> RawSolution:
    """Solve a Pyomo model with ``solver`` and load its solution (if any) into it.

    Parameters
    ----------
    model
        A ``ConcreteModel`` with one active objective.
    solver
        A solver name (:func:`contrib_factory` first, then the classic factory).
    params
        Time limit, gaps, threads, seed, log.
    opt
        An already made (persistent) interface to reuse instead of ``solver``.
    before_solve
        ``before_solve(opt, model) -> bool`` called with a contrib interface before it
        solves (e.g. to pass a MIP start); its result is ``statistics["start_accepted"]``.

    Returns
    -------
    RawSolution
        ``solution`` is ``True`` when values were loaded; ``objective`` / ``bound`` as
        the solver reports them.

    Raises
    ------
    SolverNotFoundError
        When no interface for ``solver`` is available.
    """
    if opt is None:
        opt = contrib_factory(solver)
        if opt is not None and not opt.available():
            opt = None  # e.g. no gurobipy: the classic plugin may still find a binary
    if opt is not None:
        return _solve_contrib(opt, model, params, before_solve)
    return _solve_legacy(model, solver, params)


def _save_stdio() -> tuple[Any, ...]:
    try:
        return (sys.stdout, sys.stderr, os.dup(1), os.dup(2))
    except OSError:
        return (sys.stdout, sys.stderr, None, None)


def _restore_stdio(saved: tuple[Any, ...], restore: bool) -> None:
    """Close the saved descriptors; with ``restore`` first put them (and the Python
    streams) back: an abandoned Pyomo solve keeps the console captured otherwise."""
    out, err, fd1, fd2 = saved
    if restore:
        sys.stdout, sys.stderr = out, err
        for fd, target in ((fd1, 1), (fd2, 2)):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.dup2(fd, target)
    for fd in (fd1, fd2):
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)


def _watch_highs(opt: Any) -> dict[str, bool] | None:
    """A stop flag read by interrupt callbacks on the HiGHS object behind a Pyomo HiGHS
    interface (added once per HiGHS object), or ``None`` when there is none."""
    h = getattr(opt, "_solver_model", None)
    if h is None or not hasattr(h, "cbMipInterrupt"):
        return None
    flag = getattr(h, "_placement_stop", None)
    if flag is None:
        flag = {"stop": False}

        def check(e: Any) -> None:
            if flag["stop"]:
                e.interrupt()

        with contextlib.suppress(Exception):
            h.cbMipInterrupt += check
            h.cbSimplexInterrupt += check
            h.cbIpmInterrupt += check
            h._placement_stop = flag
    flag["stop"] = False
    return flag


def _stopped_term(res_term: Termination, stopped: str | None) -> Termination:
    if stopped == "time_limit" and res_term in (Termination.INTERRUPTED, Termination.ERROR):
        return Termination.TIME_LIMIT
    if stopped == "interrupted" and res_term in (Termination.TIME_LIMIT, Termination.ERROR):
        return Termination.INTERRUPTED
    return res_term


def _abandoned(stats: dict[str, Any], stopped: str | None, dt: float) -> RawSolution:
    term = Termination.TIME_LIMIT if stopped == "time_limit" else Termination.INTERRUPTED
    stats.update(solve_time_s=dt, termination_condition="abandoned", abandoned=True)
    return RawSolution(status=status_of(term, False), termination=term, statistics=stats)


def _solve_contrib(opt: Any, model: Any, params: BackendParams, before_solve: Any) -> RawSolution:
    stats: dict[str, Any] = {"interface": "pyomo.contrib.solver"}
    if is_highs(opt) and getattr(opt, "_model", None) is not model:
        t0 = time.perf_counter()
        with time_guard(params.deadline):
            opt.set_instance(model)  # the slow Python part: loading the model into HiGHS
        stats["load_time_s"] = time.perf_counter() - t0
    if before_solve is not None:
        stats["start_accepted"] = bool(before_solve(opt, model))
    kw: dict[str, Any] = {
        "load_solutions": False,
        "raise_exception_on_nonoptimal_result": False,
        "tee": bool(params.verbose),
    }
    tl = params.time_left()  # after the load: what the deadline leaves now
    if tl is not None:
        kw["time_limit"] = float(tl)
    if params.threads is not None:
        kw["threads"] = int(params.threads)
    if params.mip_gap is not None:
        kw["rel_gap"] = float(params.mip_gap)
    if params.abs_gap is not None:
        kw["abs_gap"] = float(params.abs_gap)
    opts = dict(params.options)
    if is_highs(opt):
        opts.setdefault("random_seed", params.solver_seed)
        opts.setdefault("output_flag", bool(params.verbose))
    if opts:
        kw["solver_options"] = opts
    flag = _watch_highs(opt)
    saved = _save_stdio()
    t0 = time.perf_counter()
    outcome = run_blocking(
        lambda: opt.solve(model, **kw),
        cancel=None if flag is None else lambda: flag.__setitem__("stop", True),
        time_limit=tl,
    )
    dt = time.perf_counter() - t0
    _restore_stdio(saved, restore=not outcome.finished)
    if not outcome.finished:
        return _abandoned(stats, outcome.stopped, dt)
    res = outcome.value
    stats["solve_time_s"] = dt
    name = res.termination_condition.name
    stats["termination_condition"] = name
    term = _stopped_term(_CONTRIB.get(name, Termination.ERROR), outcome.stopped)
    has = res.solution_status.name in ("feasible", "optimal")
    out = RawSolution(status=status_of(term, has), termination=term, statistics=stats)
    if has:
        res.solution_loader.load_vars()
        out.solution = True
        out.objective = res.incumbent_objective
    if res.objective_bound is not None and math.isfinite(res.objective_bound):
        out.bound = float(res.objective_bound)
    return out


def legacy_options(solver: str, params: BackendParams) -> dict[str, Any]:
    """Time limit, gap and threads spelled the way a classic plugin wants them."""
    names = _LEGACY_OPTIONS.get(solver, (None, None, None))
    opts: dict[str, Any] = {}
    tl = params.time_limit
    if tl is not None and names[0]:
        opts[names[0]] = int(math.ceil(tl)) if solver == "glpk" else tl
    if params.mip_gap is not None and names[1]:
        opts[names[1]] = params.mip_gap
    if params.threads is not None and names[2]:
        opts[names[2]] = params.threads
    return opts


def _solve_legacy(model: Any, solver: str, params: BackendParams) -> RawSolution:
    import pyomo.environ as pyo

    pyomo_log = logging.getLogger("pyomo")
    old = pyomo_log.level
    pyomo_log.setLevel(logging.CRITICAL)  # an unknown name makes Pyomo log a traceback
    try:
        legacy = pyo.SolverFactory(solver)
        ok = legacy is not None and legacy.available(exception_flag=False)
    except Exception:  # noqa: BLE001 - Pyomo raises many kinds for unknown names
        ok = False
    finally:
        pyomo_log.setLevel(old)
    if not ok:
        raise SolverNotFoundError(solver, "not available to Pyomo")
    stats: dict[str, Any] = {"interface": "pyomo.environ.SolverFactory"}
    params = replace(params, time_limit=params.time_left())
    t0 = time.perf_counter()
    outcome = run_blocking(
        lambda: legacy.solve(
            model,
            load_solutions=False,
            tee=bool(params.verbose),
            options=legacy_options(solver, params),
        ),
        time_limit=params.time_limit,
    )
    dt = time.perf_counter() - t0
    if not outcome.finished:
        return _abandoned(stats, outcome.stopped, dt)
    res = outcome.value
    stats["solve_time_s"] = dt
    tc = str(res.solver.termination_condition)
    stats["termination_condition"] = tc
    term = _stopped_term(_LEGACY.get(tc, Termination.ERROR), outcome.stopped)
    has = len(res.solution) > 0
    out = RawSolution(status=status_of(term, has), termination=term, statistics=stats)
    if has:
        model.solutions.load_from(res)
        out.solution = True
        obj = next(model.component_data_objects(pyo.Objective, active=True))
        out.objective = float(pyo.value(obj))
        lb = getattr(res.problem, "lower_bound", None)
        if lb is not None and math.isfinite(float(lb)):
            out.bound = float(lb)
    return out


def highs_set_start(opt: Any, model: Any, values: dict[int, float]) -> bool:
    """Pass a MIP start to Pyomo's persistent HiGHS interface.

    ``values`` maps ``id(var)`` to the start value of every variable of ``model``.
    Uses the interface's private ``_solver_model``; on any failure there is simply no
    start (returns ``False``).
    """
    try:
        import highspy
        import numpy as np

        if getattr(opt, "_model", None) is not model:
            opt.set_instance(model)
        vmap = opt._pyomo_var_to_solver_var_map
        h = opt._solver_model
        vals = np.zeros(h.getNumCol())
        for vid, v in values.items():
            vals[vmap[vid]] = v
        sol = highspy.HighsSolution()
        sol.col_value = vals
        sol.value_valid = True
        h.setSolution(sol)
        return True
    except Exception as exc:  # noqa: BLE001 - private API: degrade to no start
        logger.info("no MIP start through Pyomo's HiGHS interface: %s", exc)
        return False


def version(name: str) -> str | None:
    """Version of solver ``name`` through Pyomo, ``None`` if unavailable. Never raises."""
    pyomo_log = logging.getLogger("pyomo")
    old = pyomo_log.level
    pyomo_log.setLevel(logging.CRITICAL)
    try:
        opt = contrib_factory(name)
        if opt is not None and opt.available():
            return ".".join(map(str, opt.version() or ())) or "?"
        import pyomo.environ as pyo

        leg = pyo.SolverFactory(name)
        if leg is not None and leg.available(exception_flag=False):
            v = leg.version()
            return ".".join(map(str, v)) if v else "?"
    except Exception:  # noqa: BLE001
        return None
    finally:
        pyomo_log.setLevel(old)
    return None
