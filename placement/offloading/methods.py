"""Exact offloading methods: the MILP (HiGHS direct or any Pyomo solver), CP-SAT and the
LP-relaxation bound.

Every backend starts from the same pre-filtered data
(:func:`placement.models.offloading.data.prefilter`):

* ``solver="highs"`` (default): the model's matrix emitted with numpy
  (:func:`~placement.models.offloading.matrix.build_matrix`) and solved by
  :class:`~placement.backends.highs.HighsModel`;
* ``solver="highs-pyomo"`` (alias ``appsi_highs``) and any other Pyomo solver name
  (``cbc``, ``glpk``, ``gurobi``, ...): the Pyomo model
  (:func:`~placement.models.offloading.pyomo.build_offloading_model`) through
  :mod:`placement.backends.pyomo`;
* :func:`solve_cpsat`: the integer-scaled model of
  :mod:`placement.models.offloading.cpsat` through :mod:`placement.backends.cpsat`.

The objective ``edge`` is lexicographic: a first solve maximises the number of edge
devices, a second minimises total latency with at least that many. ``RawSolution.bound``
bounds the optimised objective (latency in ms, energy in mJ, or the edge count from
above); a time-limited latency solve without a solver bound gets the trivial bound
(every device at its best option on an empty node).

MIP start: ``warm_start=True`` (default) starts from Nimbus (else the ``cloud``
baseline), repaired onto the model's options (:mod:`placement.offloading.starts`); for
the unconstrained energy objective the greedy least-energy start is used when better.

Time limits are wall-clock limits of the whole solve (:class:`placement.stop.Deadline`):
the warm start, the pre-filter and the model build spend from the budget and the
solver gets what is left (minus a small reserve for reading the solution back). A
solve never returns worse than its warm start (:func:`keep_best`): when the solver
stops without a better assignment — time limit, Ctrl-C, or the budget spent before it
started — the (feasible) start is the result with the bound known so far.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

import numpy as np

from placement.backends import cpsat as cpsat_backend
from placement.backends import pyomo as pyomo_backend
from placement.backends.base import BackendParams
from placement.backends.highs import HighsModel
from placement.models.offloading.cpsat import SCALE as CPSAT_SCALE
from placement.models.offloading.cpsat import build_cpsat_model
from placement.models.offloading.data import (
    OffloadingData,
    latency_lower_bound,
    prefilter,
    trivial_bound,
)
from placement.models.offloading.extract import (
    assignment_from_values,
    completion,
    start_by_var,
    start_vector,
    xy_from_model,
)
from placement.models.offloading.matrix import build_matrix
from placement.models.offloading.pyomo import add_edge_floor, build_offloading_model
from placement.offloading.evaluate import Assignment, evaluate
from placement.offloading.instance import OffloadingInstance
from placement.offloading.params import CPSATParams, LPBoundParams, MILPParams
from placement.offloading.starts import (
    greedy_energy_start,
    heuristic_start,
    repair_start,
    resolve_start,
)
from placement.result import RawSolution, Status, Termination, status_of
from placement.stop import Deadline, OutOfTime, interrupted, time_guard

logger = logging.getLogger(__name__)


def objective_key(
    instance: OffloadingInstance, objective: str, epsilon: float | None, a: Assignment | None
) -> tuple[float, ...] | None:
    """Sort key of an assignment for ``objective`` (smaller is better), or ``None`` when
    it violates a constraint or the ε-constraint (energy; latency for ``energy``)."""
    if a is None:
        return None
    ev = evaluate(instance, a)
    if ev.violations:
        return None
    if epsilon is not None:
        other = ev.objective if objective == "energy" else ev.total_energy_mj
        if other > epsilon * (1 + 1e-9) + 1e-6:
            return None
    if objective == "latency":
        return (ev.objective,)
    if objective == "energy":
        return (ev.total_energy_mj,)
    return (-ev.objectives["edge"], ev.objective)


def keep_best(
    instance: OffloadingInstance,
    objective: str,
    epsilon: float | None,
    raw: RawSolution,
    start: Assignment | None,
    start_name: str,
) -> RawSolution:
    """Never return worse than the start: when the solver's assignment is missing or
    worse than the (feasible) warm start, the start is the result (status ``feasible``
    unless the solver proved more, statistics ``incumbent = "warm start"``)."""
    s_start = objective_key(instance, objective, epsilon, start)
    if s_start is None or raw.status == Status.INFEASIBLE:
        return raw
    s_raw = objective_key(instance, objective, epsilon, raw.solution)
    if s_raw is not None and s_raw <= s_start:
        return raw
    raw.solution = start
    raw.objective = None  # the solver's value belonged to the other assignment
    raw.statistics["incumbent"] = f"warm start ({start_name})"
    if raw.status not in (Status.OPTIMAL, Status.FEASIBLE):
        raw.status = Status.FEASIBLE
    return raw


def _stopped(exc: BaseException) -> Termination:
    return Termination.INTERRUPTED if isinstance(exc, KeyboardInterrupt) else Termination.TIME_LIMIT


# ------------------------------------------------------------------ one exact solve
def solve_data(
    data: OffloadingData,
    objective: str,
    epsilon: float | None,
    bp: BackendParams,
    *,
    solver: str = "highs",
    start: Assignment | None = None,
) -> tuple[RawSolution, np.ndarray | None, np.ndarray | None]:
    """Solve the model of ``data`` once (both stages for ``edge``).

    Returns
    -------
    (raw, x, y)
        ``raw.objective`` / ``raw.bound`` in the optimised objective's natural units
        and sign (the edge count, not its negation); ``x``, ``y`` the 0/1 values of the
        pair and cloud columns (``None`` without a solution).
    """
    if solver == "highs":
        return _solve_highs(data, objective, epsilon, bp, start)
    return _solve_pyomo(data, objective, epsilon, bp, solver, start)


def _second_stage(bp: BackendParams, t0: float) -> BackendParams:
    """Options of the second stage of a lexicographic solve: what is left of the
    deadline (or of ``bp.time_limit`` since ``t0``)."""
    if bp.deadline is not None and bp.deadline.limited:
        tl2 = bp.deadline.for_solver()
    elif bp.time_limit is not None:
        tl2 = max(bp.time_limit - (time.perf_counter() - t0), 0.05)
    else:
        tl2 = None
    return BackendParams(
        tl2, bp.mip_gap, None, bp.threads, bp.seed, bp.verbose, bp.options, bp.deadline
    )


def _merge_stages(first: RawSolution, second: RawSolution) -> RawSolution:
    """Status of a lexicographic solve: the second stage's unless the first was not
    proven (then the whole is not), and the edge count's bound from the first."""
    out = second if second.solution is not None else first
    if first.status != Status.OPTIMAL:
        out.status, out.termination = first.status, first.termination
    out.statistics["edge_stage"] = dict(first.statistics)
    return out


def _solve_highs(
    data: OffloadingData,
    objective: str,
    epsilon: float | None,
    bp: BackendParams,
    start: Assignment | None,
) -> tuple[RawSolution, np.ndarray | None, np.ndarray | None]:
    t0 = time.perf_counter()
    mm = build_matrix(data, objective, epsilon)
    hm = HighsModel(mm, verbose=bp.verbose)
    build = time.perf_counter() - t0
    sv = start_vector(data, start)
    raw = hm.solve(bp, start=sv)
    raw.statistics["build_time_s"] = build
    raw.statistics["start_accepted"] = sv is not None
    if raw.solution is None:
        if objective == "edge" and raw.bound is not None:
            raw.bound = -raw.bound
        return raw, None, None
    x, y = mm.xy(raw.solution)
    if objective != "edge":
        return raw, x, y
    floor = int(round(float(np.sum(x))))
    edge_bound = None if raw.bound is None else -raw.bound
    hm2 = HighsModel(build_matrix(data, "latency", None, edge_floor=floor), verbose=bp.verbose)
    second = hm2.solve(_second_stage(bp, t0), start=completion(data, x, y))
    out = _merge_stages(raw, second)
    if second.solution is not None:
        x, y = hm2.mm.xy(second.solution)
    out.objective = float(np.sum(np.round(x)))
    out.bound = edge_bound
    out.statistics["edge_stage"]["edge"] = floor
    return out, x, y


def _solve_pyomo(
    data: OffloadingData,
    objective: str,
    epsilon: float | None,
    bp: BackendParams,
    solver: str,
    start: Assignment | None,
) -> tuple[RawSolution, np.ndarray | None, np.ndarray | None]:
    t0 = time.perf_counter()
    m = build_offloading_model(data, objective=objective, epsilon=epsilon)
    build = time.perf_counter() - t0

    def before(opt: Any, model: Any) -> bool:
        if start is None or not pyomo_backend.is_highs(opt):
            return False
        vals = start_by_var(model, start)
        return vals is not None and pyomo_backend.highs_set_start(opt, model, vals)

    raw = pyomo_backend.solve(m, solver, bp, before_solve=before)
    raw.statistics["build_time_s"] = build
    if raw.solution is None:
        return raw, None, None
    x, y = xy_from_model(m)
    if objective != "edge":
        return raw, x, y
    floor = int(round(float(np.sum(x))))
    edge_bound = raw.bound
    add_edge_floor(m, floor)
    second = pyomo_backend.solve(m, solver, _second_stage(bp, t0))
    out = _merge_stages(raw, second)
    if second.solution is not None:
        x, y = xy_from_model(m)
    out.objective = float(np.sum(np.round(x)))
    out.bound = edge_bound
    return out, x, y


def _finish(
    data: OffloadingData,
    raw: RawSolution,
    x: np.ndarray | None,
    y: np.ndarray | None,
    objective: str,
    extra: dict[str, Any],
) -> RawSolution:
    """The method's :class:`RawSolution`: the assignment of ``x``/``y``, the bound on the
    optimised objective (a trivial one where a latency solve has none) and statistics."""
    raw.statistics.update(extra)
    raw.statistics.update(
        objective_sense=objective,
        pairs=data.n_pairs,
        levels=data.n_levels,
        variables=data.n_variables,
        prune=data.prune,
    )
    raw.solution = None if x is None else assignment_from_values(data, x, y)
    if objective == "latency" and raw.status in (Status.FEASIBLE, Status.NO_SOLUTION):
        tb = trivial_bound(data)
        raw.statistics["trivial_bound"] = tb
        raw.bound = tb if raw.bound is None else max(raw.bound, tb)
    return raw


# ------------------------------------------------------------------ methods
def solve_milp(instance: OffloadingInstance, params: MILPParams, *, seed: int = 0) -> RawSolution:
    """Solve the exact model with a MILP solver.

    Parameters
    ----------
    instance
        The offloading instance.
    params
        Solver, time limit, gap, threads, objective, ε, warm start
        (:class:`~placement.offloading.params.MILPParams`).
    seed
        The solver's random seed.

    Returns
    -------
    RawSolution
        The assignment, the solver's status, its objective and the bound on the
        optimised objective.
    """
    dl = Deadline(params.time_limit)
    objective, eps = params.objective, params.epsilon
    start, start_name = resolve_start(instance, params.warm_start, seed)
    start_obj = None if start is None else evaluate(instance, start).objective
    data = None
    extra: dict[str, Any] = {
        "solver": params.solver,
        "epsilon": eps,
        "warm_start": start_name,
        "warm_start_objective": start_obj,
    }
    try:
        with time_guard(dl):
            t0 = time.perf_counter()
            data = prefilter(instance, objective=objective, epsilon=eps)
            extra["prefilter_time_s"] = time.perf_counter() - t0
            repaired = None if start is None else repair_start(data, start)
            if objective == "energy" and params.warm_start is True and eps is None:
                # the least-energy problem is a packing problem: a greedy start beats Nimbus's
                g = greedy_energy_start(data)
                e_start = math.inf if start is None else evaluate(instance, start).total_energy_mj
                if evaluate(instance, g).total_energy_mj < e_start:
                    start, repaired, start_name = g, g, "greedy-energy"
            extra.update(warm_start=start_name, warm_start_objective=start_obj)
            if not dl.solver_has_time():
                raise OutOfTime
            bp = BackendParams(
                time_limit=dl.for_solver(),
                mip_gap=params.gap,
                threads=params.threads,
                seed=seed,
                verbose=bool(params.verbose),
                deadline=dl,
            )
            raw, x, y = solve_data(data, objective, eps, bp, solver=params.solver, start=repaired)
    except (OutOfTime, KeyboardInterrupt) as exc:
        if (
            isinstance(exc, KeyboardInterrupt)
            and objective_key(instance, objective, eps, start) is None
        ):
            raise  # nothing in hand: the interrupt goes on
        return _out_of_time(instance, data, objective, eps, start, start_name, _stopped(exc), extra)
    out = _finish(data, raw, x, y, objective, extra)
    return keep_best(instance, objective, eps, out, start, start_name)


def _out_of_time(
    instance: OffloadingInstance,
    data: OffloadingData | None,
    objective: str,
    eps: float | None,
    start: Assignment | None,
    start_name: str,
    term: Termination,
    extra: dict[str, Any],
) -> RawSolution:
    """The result of a solve stopped before its solver returned: the warm start (if it
    is feasible) with a latency bound that needs no solver (the pre-filter's trivial
    bound, else one straight from the instance)."""
    ok = objective_key(instance, objective, eps, start) is not None
    raw = RawSolution(
        start if ok else None,
        status=status_of(term, ok),
        termination=term,
        statistics={**extra, "incumbent": f"warm start ({start_name})" if ok else None},
    )
    if objective == "latency":
        raw.bound = trivial_bound(data) if data is not None else latency_lower_bound(instance)
        raw.statistics["trivial_bound"] = raw.bound
    return raw


def solve_cpsat(instance: OffloadingInstance, params: CPSATParams, *, seed: int = 0) -> RawSolution:
    """Solve the exact model with OR-Tools CP-SAT (integer-scaled costs).

    Parameters are those of :func:`solve_milp` (``threads`` = CP-SAT workers, default
    2). The solver's scaled objective stays in ``statistics``; the evaluator's is the
    result's.
    """
    dl = Deadline(params.time_limit)
    objective, eps = params.objective, params.epsilon
    start, start_name = resolve_start(instance, params.warm_start, seed)
    data = None
    try:
        with time_guard(dl):
            t0 = time.perf_counter()
            data = prefilter(instance, objective=objective, epsilon=eps)
            repaired = None if start is None else repair_start(data, start)
            sv = start_vector(data, repaired)
            cm = build_cpsat_model(data, objective, eps, hint=sv)
            build = time.perf_counter() - t0
            if not dl.solver_has_time():
                raise OutOfTime
            bp = BackendParams(
                time_limit=dl.for_solver(),
                threads=params.threads,
                seed=seed,
                verbose=bool(params.verbose),
                deadline=dl,
            )
            raw, sol = cpsat_backend.solve(cm.model, bp)
    except (OutOfTime, KeyboardInterrupt) as exc:
        if (
            isinstance(exc, KeyboardInterrupt)
            and objective_key(instance, objective, eps, start) is None
        ):
            raise
        extra = {"solver": "cpsat", "warm_start": start_name, "epsilon": eps}
        return _out_of_time(instance, data, objective, eps, start, start_name, _stopped(exc), extra)
    raw.statistics.update(
        solver="cpsat",
        build_time_s=build,
        scale=CPSAT_SCALE,
        warm_start=start_name,
        start_accepted=sv is not None,
    )
    raw.statistics["solver_objective_scaled"] = raw.objective
    x = y = None
    scaled_bound = raw.bound
    raw.objective = None  # the evaluator's objective is the reference
    raw.bound = None
    if raw.solution is not None:
        x = np.array([sol.Value(v) for v in cm.x], dtype=np.float64)
        y = np.array([sol.Value(v) for v in cm.y], dtype=np.float64)
        if objective == "latency" and scaled_bound is not None:
            raw.bound = scaled_bound / CPSAT_SCALE + data.fixed_latency - cm.rounding
        elif objective == "energy" and scaled_bound is not None:
            raw.bound = scaled_bound / CPSAT_SCALE + data.fixed_energy - cm.rounding
    out = _finish(data, raw, x, y, objective, {"epsilon": eps})
    return keep_best(instance, objective, eps, out, start, start_name)


def lp_relaxation(
    data: OffloadingData,
    objective: str = "latency",
    epsilon: float | None = None,
    *,
    solver: str = "highs",
    time_limit: float | None = None,
    threads: int | None = None,
    deadline: Deadline | None = None,
) -> tuple[float | None, str]:
    """Optimal value of the LP relaxation (``None`` if not solved) and the status text;
    with a ``deadline`` the LP gets what it leaves once the model is built."""
    bp = BackendParams(time_limit=time_limit, threads=threads, deadline=deadline)
    if solver == "highs":
        raw = HighsModel(build_matrix(data, objective, epsilon), relax=True).solve(bp)
        ok = raw.status == Status.OPTIMAL
        return (raw.objective if ok else None), raw.statistics["highs_status"]
    import pyomo.environ as pyo

    m = build_offloading_model(data, objective=objective, epsilon=epsilon)
    pyo.TransformationFactory("core.relax_integer_vars").apply_to(m)
    raw = pyomo_backend.solve(m, "highs-pyomo", bp)
    ok = raw.status == Status.OPTIMAL
    return (float(raw.objective) if ok else None), raw.statistics["termination_condition"]


def solve_lp_bound(
    instance: OffloadingInstance, params: LPBoundParams, *, seed: int = 0
) -> RawSolution:
    """LP relaxation of the exact model: a lower bound for instances too large to solve,
    returned with the best heuristic incumbent (Nimbus, else ``cloud``).

    The bound bounds the optimised objective (latency or energy; none for ``edge``).
    The status is ``feasible`` (incumbent + bound), ``heuristic`` if the LP did not
    finish and no other bound is known (a latency LP stopped by the time limit falls
    back on the trivial bound), ``no_solution`` without an incumbent. The result's objective is the
    *incumbent's* value (the Nimbus assignment), not the LP value.
    """
    dl = Deadline(params.time_limit)
    objective, eps = params.objective, params.epsilon
    inc, inc_name = heuristic_start(instance, seed)
    t0 = time.perf_counter()
    lp_obj, lp_status = None, "not solved (out of time)"
    data = None
    try:
        with time_guard(dl):
            data = prefilter(instance, objective=objective, epsilon=eps)
            if dl.solver_has_time():
                lp_obj, lp_status = lp_relaxation(
                    data,
                    objective,
                    eps,
                    solver=params.solver,
                    threads=params.threads,
                    deadline=dl,
                )
    except (OutOfTime, KeyboardInterrupt) as exc:
        if isinstance(exc, KeyboardInterrupt) and inc is None:
            raise
        lp_status = "interrupted" if isinstance(exc, KeyboardInterrupt) else lp_status
    lp_time = time.perf_counter() - t0
    stats = {
        "solver": params.solver,
        "lp_status": lp_status,
        "lp_time_s": lp_time,
        "incumbent": inc_name,
        "lp_objective": lp_obj,
    }
    if objective == "edge" and lp_obj is not None:
        lp_obj = -lp_obj
    if lp_obj is None:
        stop = lp_status == "interrupted" or interrupted()
        term = Termination.INTERRUPTED if stop else Termination.TIME_LIMIT
        bound = None
        if objective == "latency":  # a bound that needs no solver
            bound = trivial_bound(data) if data is not None else latency_lower_bound(instance)
            stats["trivial_bound"] = bound
        st = Status.NO_SOLUTION if inc is None else Status.HEURISTIC
        if inc is not None and bound is not None:
            st = Status.FEASIBLE
        return RawSolution(inc, status=st, termination=term, bound=bound, statistics=stats)
    return RawSolution(
        inc,
        status=Status.FEASIBLE if inc is not None else Status.NO_SOLUTION,
        termination=Termination.COMPLETED,
        bound=lp_obj,
        statistics=stats,
    )
