"""Exact pipeline method: the MILP through Pyomo's in-process HiGHS interface.

:func:`solve_milp` is what ``placement.solve(instance, method="milp", ...)`` runs for
pipeline instances. The model is built by
:func:`placement.models.pipeline.build.build_pipeline_model`; :class:`PipelineSolver`
keeps it with a persistent HiGHS interface so a sweep re-solves it with new weights
and ε right-hand sides. Time-limited runs return the incumbent with its bound,
infeasible runs no solution; the placement is extracted and the run's statistics say
whether the layered formulation's assumptions held (bandwidth never bound, segment
paths shortest for both hops and delay).

The time limit is a wall-clock limit of the whole solve (:class:`placement.stop.Deadline`):
the model build and its load into HiGHS (pure Python, the slow part on large instances)
spend from it and the solver gets what is left; a budget spent before the solver
starts ends the solve with status ``no_solution``, termination ``time_limit``.

Lexicographic tie-break: with ``tiebreak`` (default: the first bounded objective when
both objectives have integral steps), the objective ``y`` and the tie-break ``x`` are
blended into ``k/s_y · y + x/s_x`` with ``k`` beyond the range of ``x/s_x``, so the
optimum of the blend is the optimum of ``y`` with the least ``x``.
"""

from __future__ import annotations

import logging
import math
import time
from fractions import Fraction
from functools import reduce
from typing import Any

from placement.backends import pyomo as pyomo_backend
from placement.backends.base import BackendParams
from placement.errors import InputError, SolverUnavailableError
from placement.models.pipeline.build import (
    build_pipeline_model,
    objective_coefficients,
    objective_upper_bound,
)
from placement.models.pipeline.extract import extract_placement
from placement.pipeline.evaluate import evaluate_pipeline
from placement.pipeline.instance import PipelineInstance
from placement.pipeline.params import OBJECTIVES, MILPParams
from placement.pipeline.solution import Placement
from placement.result import RawSolution, Status, Termination
from placement.stop import Deadline, OutOfTime, time_guard

logger = logging.getLogger(__name__)


def make_solver(name: str = "highs") -> Any:
    """A persistent ``pyomo.contrib.solver`` HiGHS interface.

    Raises
    ------
    SolverUnavailableError
        When HiGHS (highspy) is not installed.
    """
    opt = pyomo_backend.contrib_factory(name)
    if opt is None or not opt.available():
        raise SolverUnavailableError(f"solver {name!r} is not available (install highspy)")
    return opt


def integral_step(coefs: list[float]) -> float | None:
    """The largest step every integer combination of ``coefs`` is a multiple of
    (their gcd for rationals with denominator <= 1000), or ``None``."""
    fr = []
    for c in coefs:
        if c == 0:
            continue
        f = Fraction(c).limit_denominator(1000)
        if abs(float(f) - c) > 1e-9 * max(1.0, abs(c)):
            return None
        fr.append(abs(f))
    if not fr:
        return 1.0
    den = reduce(math.lcm, (f.denominator for f in fr), 1)
    g = reduce(math.gcd, (int(f * den) for f in fr))
    return g / den


def _uniform_delays(instance: PipelineInstance) -> bool:
    return len({lk.delay_ms for lk in instance.links}) <= 1


class PipelineSolver:
    """A built model plus a persistent HiGHS interface, re-solved with new weights
    and ε right-hand sides (used by :func:`solve_milp` and the Pareto sweep)."""

    def __init__(
        self,
        instance: PipelineInstance,
        objective: str,
        *,
        formulation: str = "layered",
        bounds: dict[str, float] | None = None,
        epsilon: tuple[str, ...] = (),
        solver: str = "highs",
        aggregate: bool | str = "egress",
    ):
        self.instance = instance
        self.objective = objective
        self.formulation = formulation
        t0 = time.perf_counter()
        self.model = build_pipeline_model(
            instance,
            objective=objective,
            formulation=formulation,
            bounds=bounds,
            epsilon=epsilon,
            aggregate=aggregate,
        )
        self.build_time = time.perf_counter() - t0
        self.opt = make_solver(solver)
        self.abandoned = False
        logger.info(
            "built %s model of %s in %.2fs (%d commodities)",
            formulation,
            instance.name,
            self.build_time,
            len(self.model.prep.commodities),
        )

    def set_eps(self, name: str, value: float | None) -> None:
        """Set (``None``: deactivate) the ε-constraint of objective ``name``."""
        m = self.model
        if name not in m.EPSK:
            raise InputError(f"objective {name!r} has no ε-constraint in this model", field="bound")
        if value is None:
            m.eps_con[name].deactivate()
        else:
            m.eps[name] = float(value)
            m.eps_con[name].activate()

    def set_weights(self, weights: dict[str, float]) -> None:
        """Objective weights (every other weight is set to 0)."""
        for k in self.model.OBJ:
            self.model.weight[k] = float(weights.get(k, 0.0))

    def run(self, params: BackendParams, before_solve: Any = None) -> RawSolution:
        """Solve once; the incumbent (if any) is loaded into the model.

        Raises
        ------
        RuntimeError
            When an earlier run was abandoned (its solver may still hold the model).
        """
        if self.abandoned:
            raise RuntimeError("this model was abandoned by an earlier run")
        out = pyomo_backend.solve(
            self.model, "highs", params, opt=self.opt, before_solve=before_solve
        )
        if out.statistics.get("abandoned"):
            self.abandoned = True
        return out

    def raw(self, out: RawSolution, objective: str, bound: float | None = None) -> RawSolution:
        """The method's :class:`RawSolution` of a run: the extracted placement, the bound
        on ``objective`` (the solver's, when only that objective is weighted) and the
        statistics of the formulation."""
        m = self.model
        placement = extract_placement(m) if out.solution is not None else None
        bw_ok = None
        if placement is not None:
            violations = evaluate_pipeline(self.instance, placement).violations
            bw_ok = not any(v.startswith("link ") for v in violations)
        prep = m.prep
        stats = {
            **out.statistics,
            "formulation": self.formulation,
            "build_time": self.build_time,
            "solve_time": out.statistics.get("solve_time_s"),
            "commodities": len(prep.commodities),
            "requests": len(self.instance.requests),
            "disaggregated": prep.disaggregated,
            "variables": m.nvariables(),
            "constraints": m.nconstraints(),
            "bandwidth_constraints": bool(m.bandwidth_may_bind),
            "bandwidth_ok": bw_ok,
            "delay_binds": any(c.delay_binds for c in prep.commodities),
            "solver": "highs",
        }
        if self.formulation == "layered":
            # exact for walks when bandwidth never forced a detour and segment paths are
            # shortest for both hops and delay (uniform delays or the bound never binds)
            stats["layered_exact"] = bool(
                not m.bandwidth_may_bind
                and (_uniform_delays(self.instance) or not stats["delay_binds"])
            )
        if bound is None and out.bound is not None and math.isfinite(out.bound):
            w = float(m.weight[objective].value)
            if w != 0 and all(float(m.weight[k].value) == 0 for k in OBJECTIVES if k != objective):
                bound = out.bound / w
        return RawSolution(
            placement,
            status=out.status,
            termination=out.termination,
            bound=bound,
            runtime=(out.statistics.get("solve_time_s") or 0.0) + self.build_time,
            statistics=stats,
            objective_name=objective,
        )


def solve_milp(instance: PipelineInstance, params: MILPParams, *, seed: int = 0) -> RawSolution:
    """Solve a pipeline instance exactly.

    Parameters
    ----------
    instance
        The pipeline instance.
    params
        Objective (default: the instance's ``meta.default_objective``, else ``cores``),
        ε-constraints, formulation, limits (:class:`~placement.pipeline.params.MILPParams`).
    seed
        HiGHS random seed.

    Returns
    -------
    RawSolution
        ``solution`` is a :class:`~placement.pipeline.instance.Placement`;
        ``objective_name`` the objective optimised; ``statistics["layered_exact"]``
        whether the layered formulation was exact for this instance.
    """
    dl = Deadline(params.time_limit)
    objective = params.objective or instance.meta.get("default_objective", "cores")
    # the MIP start (the pipeline greedy): an incumbent even if the build runs out of time
    start = _heuristic_start(instance, params, objective, dict(params.bounds), seed)
    try:
        with time_guard(dl):
            built = _solve_milp(instance, params, objective, dl, seed, start)
    except OutOfTime:
        # the budget ran out in the model build or load, before the solver started
        raw = RawSolution(
            None,
            status=Status.NO_SOLUTION,
            termination=Termination.TIME_LIMIT,
            statistics={"formulation": params.formulation, "out_of_time": "before the solver"},
            objective_name=objective,
        )
        return _not_worse_than_start(raw, start, instance, objective)
    if isinstance(built, RawSolution):
        return built
    ps, out, bound_value = built
    raw = ps.raw(out, objective, bound=bound_value)  # reading back: outside the guard
    if raw.status == Status.OPTIMAL:
        raw.bound = None  # the result's bound is then its (proven) objective
    return _not_worse_than_start(raw, start, instance, objective)


def _solve_milp(
    instance: PipelineInstance,
    params: MILPParams,
    objective: str,
    dl: Deadline,
    seed: int,
    start: tuple[Any, float] | None,
) -> tuple[PipelineSolver, RawSolution, float | None] | RawSolution:
    """Build, weigh and solve (under the caller's time guard): the solver, its raw
    outcome and the bound on ``objective`` (or the result itself when nothing can be
    admitted)."""
    bounds = dict(params.bounds)
    tiebreak = params.tiebreak if params.tiebreak is not None else next(iter(bounds), None)
    if tiebreak == objective:
        tiebreak = None
    ps = PipelineSolver(
        instance,
        objective,
        formulation=params.formulation,
        bounds=bounds,
        solver=params.solver,
        aggregate=params.aggregate,
    )
    m = ps.model
    if not m.prep.commodities:
        # nothing can be admitted (every request is on-demand and no node can host it)
        return RawSolution(
            Placement(),
            status=Status.OPTIMAL,
            termination=Termination.OPTIMAL,
            runtime=ps.build_time,
            statistics={"commodities": 0, "formulation": params.formulation},
            objective_name=objective,
        )
    sense = OBJECTIVES[objective]
    weights = {objective: float(sense)}
    abs_gap = None
    scale = None
    sx = ubx = None
    if tiebreak is not None:
        sy = integral_step(objective_coefficients(m, objective))
        sx = integral_step(objective_coefficients(m, tiebreak))
        ubx = objective_upper_bound(m, tiebreak)
        if sy and sx and ubx is not None:
            k = math.floor(ubx / sx + 1e-9) + 1
            weights = {objective: sense * k / sy, tiebreak: OBJECTIVES[tiebreak] / sx}
            scale = k / sy
            abs_gap = 0.5
    ps.set_weights(weights)
    rel = 0.0 if params.mip_gap is None and abs_gap is not None else params.mip_gap
    if not dl.solver_has_time():
        raise OutOfTime
    out = ps.run(
        BackendParams(
            time_limit=dl.for_solver(),
            mip_gap=rel,
            abs_gap=abs_gap,
            threads=params.threads,
            seed=seed,
            verbose=bool(params.verbose),
            deadline=dl,
        ),
        before_solve=None if start is None else _start_hook(start[0]),
    )
    bound_value = None
    if out.bound is not None and math.isfinite(out.bound):
        if scale is not None:
            # scaled objective k/sy * y + x/sx with 0 <= x/sx < k
            bound_value = sense * (out.bound - ((ubx or 0.0) / sx if sx else 0.0)) / scale
        else:
            bound_value = sense * out.bound
    return ps, out, bound_value


def _heuristic_start(
    instance: PipelineInstance, params: MILPParams, objective: str, bounds: dict, seed: int
) -> tuple[Any, float] | None:
    """The MIP start: the pipeline greedy under the same objective and ε-bounds (or
    ``params.warm_start`` when it is a placement / result), with its objective value;
    ``None`` without one or when it violates a constraint or a bound."""
    ws = params.warm_start
    if ws is False or ws is None:
        return None
    try:
        if ws is True or ws in ("greedy", "ls"):
            import placement.heuristics.pipeline.greedy as greedy_mod
            import placement.heuristics.pipeline.ls as ls_mod
            from placement.pipeline.params import GreedyParams, LSParams

            if ws == "ls":
                raw = ls_mod.solve_ls(
                    instance, LSParams(objective=objective, bounds=bounds), seed=seed
                )
            else:
                raw = greedy_mod.solve_greedy(
                    instance, GreedyParams(objective=objective, bounds=bounds), seed=seed
                )
            pl = raw.solution
        else:
            pl = getattr(ws, "solution", ws)
    except (InputError, ImportError) as exc:
        logger.info("no heuristic start: %s", exc)
        return None
    if pl is None:
        return None
    ev = evaluate_pipeline(instance, pl)
    if ev.violations:
        return None
    for k, b in bounds.items():
        if OBJECTIVES[k] * (ev.objectives[k] - b) > 1e-6 * max(1.0, abs(b)):
            return None
    return pl, ev.objectives[objective]


def _start_hook(placement: Any) -> Any:
    from placement.models.pipeline.start import start_values

    def hook(opt: Any, model: Any) -> bool:
        vals = start_values(model, placement)
        return bool(vals) and pyomo_backend.highs_set_start(opt, model, vals)

    return hook


def _not_worse_than_start(
    raw: RawSolution, start: tuple[Any, float] | None, instance: PipelineInstance, objective: str
) -> RawSolution:
    """A run stopped by a limit returns the start when the solver found nothing better."""
    raw.statistics["heuristic_start"] = None if start is None else start[1]
    if start is None or raw.status in (Status.OPTIMAL, Status.INFEASIBLE, Status.ERROR):
        return raw  # a proof (optimal / the formulation is infeasible) stands
    pl, val = start
    sense = OBJECTIVES[objective]
    got = None
    if raw.solution is not None:
        got = evaluate_pipeline(instance, raw.solution).objectives[objective]
    if got is None or sense * got > sense * val + 1e-9 * max(1.0, abs(val)):
        raw.solution = pl
        raw.status = Status.FEASIBLE
        raw.statistics["returned_start"] = True
        if raw.bound is None:
            raw.bound = _trivial_bound(instance, objective)
    return raw


def _trivial_bound(instance: PipelineInstance, objective: str) -> float | None:
    """A bound that always holds when the solver gave none: 0 for the nonnegative
    minimised objectives, the total priority for ``priority``."""
    if objective == "priority":
        return float(sum(r.priority for r in instance.requests))
    if objective == "cost" and any(
        f.cost < 0 or any((o.cost or 0) < 0 for o in f.overrides.values())
        for f in instance.functions
    ):
        return None
    return 0.0
