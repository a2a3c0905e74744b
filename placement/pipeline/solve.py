"""Solving pipeline instances: the exact MILP through Pyomo's HiGHS interface.

:func:`solve_pipeline` is what ``placement.solve(instance, method="milp", ...)``
calls for pipeline instances. The model is built by
:func:`placement.models.pipeline.build_pipeline_model`; this module sets the
solver options, branches on the termination condition (time-limited runs return
the incumbent with its bound, infeasible runs no solution), extracts the
placement, re-evaluates it with :func:`~placement.pipeline.evaluate.evaluate_pipeline`
and reports whether the layered formulation's assumptions held.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from fractions import Fraction
from functools import reduce
from typing import Any

from placement.errors import InputError, SolverUnavailableError
from placement.result import Result, Status, Termination

from .evaluate import evaluate_pipeline
from .instance import PipelineInstance

logger = logging.getLogger(__name__)

METHODS = ("milp",)
SOLVERS = ("highs",)


@dataclass
class SolveOutcome:
    """Raw outcome of one HiGHS run on a built model."""

    termination: Termination
    has_solution: bool
    incumbent: float | None
    bound: float | None
    runtime: float


def make_solver(name: str = "highs") -> Any:
    """A persistent ``pyomo.contrib.solver`` HiGHS interface.

    Raises
    ------
    SolverUnavailableError
        When HiGHS (highspy) is not installed.
    """
    if name not in SOLVERS:
        raise InputError(f"unknown solver {name!r} (known: {list(SOLVERS)})", field="solver")
    from pyomo.contrib.solver.common.factory import SolverFactory

    opt = SolverFactory(name)
    if not opt.available():
        raise SolverUnavailableError(f"solver {name!r} is not available (install highspy)")
    return opt


def run_highs(
    opt: Any,
    model: Any,
    *,
    time_limit: float | None = None,
    mip_gap: float | None = None,
    abs_gap: float | None = None,
    threads: int | None = None,
    seed: int = 0,
    options: dict[str, Any] | None = None,
) -> SolveOutcome:
    """Solve ``model`` with ``opt`` and load the incumbent (if any) into the model;
    ``options`` are extra HiGHS options."""
    from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition

    kw: dict[str, Any] = {
        "load_solutions": False,
        "raise_exception_on_nonoptimal_result": False,
        "solver_options": {
            "random_seed": int(seed) % (2**31 - 1),
            "output_flag": False,
            **(options or {}),
        },
    }
    if time_limit is not None:
        kw["time_limit"] = float(time_limit)
    if mip_gap is not None:
        kw["rel_gap"] = float(mip_gap)
    if abs_gap is not None:
        kw["abs_gap"] = float(abs_gap)
    if threads is not None:
        kw["threads"] = int(threads)
    t0 = time.perf_counter()
    res = opt.solve(model, **kw)
    runtime = time.perf_counter() - t0
    tc = res.termination_condition
    mapping = {
        TerminationCondition.convergenceCriteriaSatisfied: Termination.OPTIMAL,
        TerminationCondition.maxTimeLimit: Termination.TIME_LIMIT,
        TerminationCondition.iterationLimit: Termination.ITERATION_LIMIT,
        TerminationCondition.provenInfeasible: Termination.INFEASIBLE,
        TerminationCondition.locallyInfeasible: Termination.INFEASIBLE,
        TerminationCondition.infeasibleOrUnbounded: Termination.INFEASIBLE,
        TerminationCondition.unbounded: Termination.UNBOUNDED,
    }
    term = mapping.get(tc, Termination.ERROR)
    has = res.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)
    if has:
        res.solution_loader.load_vars()
    return SolveOutcome(term, has, res.incumbent_objective, res.objective_bound, runtime)


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


def _status(out: SolveOutcome) -> Status:
    if out.has_solution:
        return Status.OPTIMAL if out.termination == Termination.OPTIMAL else Status.FEASIBLE
    if out.termination == Termination.INFEASIBLE:
        return Status.INFEASIBLE
    if out.termination == Termination.TIME_LIMIT:
        return Status.NO_SOLUTION
    return Status.ERROR


def _uniform_delays(instance: PipelineInstance) -> bool:
    ds = {lk.delay_ms for lk in instance.links}
    return len(ds) <= 1


class PipelineSolver:
    """A built model plus a persistent HiGHS interface, re-solved with new weights
    and ε right-hand sides (used by :func:`solve_pipeline` and the Pareto sweep)."""

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
        from placement.models.pipeline import build_pipeline_model

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

    def run(self, **kw: Any) -> SolveOutcome:
        """Solve once (keyword arguments go to :func:`run_highs`)."""
        return run_highs(self.opt, self.model, **kw)

    def result(
        self,
        out: SolveOutcome,
        *,
        method: str = "milp",
        seed: int = 0,
        params: dict[str, Any] | None = None,
        bound_value: float | None = None,
        objective: str | None = None,
    ) -> Result:
        """Turn a :class:`SolveOutcome` into a :class:`~placement.result.Result`."""
        from placement.models.pipeline import OBJECTIVES, extract_placement

        objective = objective or self.objective
        m = self.model
        status = _status(out)
        placement = evaluation = None
        metrics: dict[str, Any] = {}
        obj_value = None
        if out.has_solution:
            placement = extract_placement(m)
            evaluation = evaluate_pipeline(self.instance, placement)
            obj_value = evaluation.objectives[objective]
            metrics = {
                "objectives": dict(evaluation.objectives),
                "violations": len(evaluation.violations),
                "admitted": len(evaluation.admitted),
            }
            if evaluation.violations:
                logger.warning(
                    "solution violates %d constraints, first: %s",
                    len(evaluation.violations),
                    evaluation.violations[0],
                )
        prep = m.prep
        bw_ok = None
        if evaluation is not None:
            bw_ok = not any(v.startswith("link ") for v in evaluation.violations)
        stats = {
            "formulation": self.formulation,
            "build_time": self.build_time,
            "solve_time": out.runtime,
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
        bound = bound_value
        if bound is None and out.bound is not None and math.isfinite(out.bound):
            w = float(m.weight[objective].value)
            if w != 0 and all(float(m.weight[k].value) == 0 for k in OBJECTIVES if k != objective):
                bound = out.bound / w if w > 0 else out.bound / w
        if status == Status.OPTIMAL and obj_value is not None and bound is None:
            bound = obj_value
        return Result(
            method=method,
            status=status,
            termination=out.termination,
            objective=obj_value,
            bound=bound,
            runtime=out.runtime + self.build_time,
            solution=placement,
            metrics=metrics,
            statistics=stats,
            params=dict(params or {}),
            seed=seed,
            evaluation=evaluation,
        )


def _parse_bounds(bounds: Any) -> dict[str, float]:
    if bounds is None:
        return {}
    if isinstance(bounds, dict):
        return {str(k): float(v) for k, v in bounds.items()}
    out: dict[str, float] = {}
    for b in bounds:
        k, v = parse_bound(b)
        out[k] = v
    return out


def parse_bound(text: str) -> tuple[str, float]:
    """Parse ``"cores<=12"`` / ``"priority>=3"`` into ``(name, value)``."""
    from placement.models.pipeline import OBJECTIVES

    for op in ("<=", ">="):
        if op in text:
            k, v = text.split(op, 1)
            k = k.strip()
            if k not in OBJECTIVES:
                raise InputError(
                    f"unknown objective {k!r} (known: {sorted(OBJECTIVES)})", field="bound"
                )
            want = "<=" if OBJECTIVES[k] > 0 else ">="
            if op != want:
                raise InputError(
                    f"{k} is {'minimised' if want == '<=' else 'maximised'}: write {k}{want}VALUE",
                    field="bound",
                )
            try:
                return k, float(v)
            except ValueError:
                raise InputError(
                    f"bound value must be a number, got {v!r}", field="bound"
                ) from None
    raise InputError(f"a bound reads OBJ<=VALUE (or priority>=VALUE), got {text!r}", field="bound")


def solve_pipeline(
    instance: PipelineInstance, method: str = "milp", seed: int = 0, **params: Any
) -> Result:
    """Solve a pipeline instance exactly.

    Parameters
    ----------
    instance
        The pipeline instance.
    method
        ``"milp"`` (the only method for pipelines so far).
    seed
        HiGHS random seed.
    **params
        ``objective`` (default: the instance's ``meta.default_objective`` or
        ``cores``), ``bounds`` (dict or ``["cores<=12", ...]``: ε-constraints),
        ``formulation`` (``layered`` / ``arc``), ``time_limit`` (s), ``mip_gap``,
        ``threads``, ``solver`` (``highs``), ``tiebreak`` (an objective minimised
        second, lexicographically; default: the first bounded objective when both
        are integral), ``aggregate`` (``"egress"`` default, ``True``, ``False``: see
        :func:`~placement.models.pipeline.build_pipeline_model`).

    Returns
    -------
    Result
        ``solution`` is a :class:`~placement.pipeline.instance.Placement`,
        ``metrics["objectives"]`` holds every objective's value.
    """
    from placement.models.pipeline import OBJECTIVES, objective_coefficients, objective_upper_bound

    if method not in METHODS:
        raise InputError(
            f"unknown method {method!r} for pipeline instances (known: {list(METHODS)})",
            field="method",
        )
    known = {
        "objective",
        "bounds",
        "formulation",
        "time_limit",
        "mip_gap",
        "threads",
        "solver",
        "tiebreak",
        "aggregate",
    }
    unknown = set(params) - known
    if unknown:
        raise InputError(
            f"unknown parameters {sorted(unknown)} (known: {sorted(known)})", field="params"
        )
    objective = params.get("objective") or instance.meta.get("default_objective", "cores")
    bounds = _parse_bounds(params.get("bounds"))
    formulation = params.get("formulation") or "layered"
    tiebreak = params.get("tiebreak", next(iter(bounds), None))
    if tiebreak == objective:
        tiebreak = None
    if tiebreak is not None and tiebreak not in OBJECTIVES:
        raise InputError(f"unknown objective {tiebreak!r}", field="tiebreak")
    time_limit = params.get("time_limit")
    if time_limit is not None and not (float(time_limit) > 0):
        raise InputError(f"must be > 0, got {time_limit!r}", field="time_limit")
    mip_gap = params.get("mip_gap")
    if mip_gap is not None and not (0 <= float(mip_gap) < 1):
        raise InputError(f"must be in [0, 1), got {mip_gap!r}", field="mip_gap")
    ps = PipelineSolver(
        instance,
        objective,
        formulation=formulation,
        bounds=bounds,
        solver=params.get("solver") or "highs",
        aggregate=params.get("aggregate", "egress"),
    )
    m = ps.model
    sense = OBJECTIVES[objective]
    weights = {objective: float(sense)}
    abs_gap = None
    scale = None
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
    rel = 0.0 if mip_gap is None and abs_gap is not None else mip_gap
    out = ps.run(
        time_limit=time_limit,
        mip_gap=rel,
        abs_gap=abs_gap,
        threads=params.get("threads"),
        seed=seed,
    )
    bound_value = None
    if out.bound is not None and math.isfinite(out.bound):
        if scale is not None:
            # scaled objective k/sy * y + x/sx with 0 <= x/sx < k
            ubx = objective_upper_bound(m, tiebreak) or 0.0
            bound_value = sense * (out.bound - (ubx / sx if sx else 0.0)) / scale
        else:
            bound_value = sense * out.bound
    res = ps.result(
        out,
        seed=seed,
        params={
            "objective": objective,
            "bounds": bounds,
            "formulation": formulation,
            **{k: v for k, v in params.items() if k not in ("objective", "bounds", "formulation")},
        },
        bound_value=bound_value,
    )
    if res.status == Status.OPTIMAL and res.objective is not None:
        res.bound = res.objective
    elif res.bound is not None and res.objective is not None and sense > 0:
        res.bound = min(res.bound, res.objective)
    return res
