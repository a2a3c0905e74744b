"""Exact ε-constraint sweep of a pipeline Pareto front over any two objectives.

Start with ε = ∞ on ``x``; at each step minimise ``y`` subject to
``x <= ε`` (stage 1), then minimise ``x`` subject to ``y <= y*`` (stage 2, the
lexicographic tie-break), record the point ``(x*, y*)`` and set
``ε = x* − step`` where ``step`` is the largest value every achievable ``x`` is a
multiple of (the gcd of its coefficients, e.g. the cores of the VNFs); stop when
infeasible. The model is built once; only the mutable ε right-hand sides and
weights change between solves (persistent HiGHS interface). A maximised objective
(``priority``) is swept with ``>=`` and stepped upwards.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from placement import console
from placement.backends.base import BackendParams
from placement.errors import InputError
from placement.front import ParetoFront, ParetoPoint
from placement.models.pipeline.build import objective_coefficients
from placement.pipeline.evaluate import evaluate_pipeline
from placement.pipeline.instance import PipelineInstance
from placement.pipeline.methods import PipelineSolver, integral_step
from placement.pipeline.params import OBJECTIVES
from placement.registry import PROBLEMS
from placement.result import RawSolution, Result, Status, Termination
from placement.stop import interrupted

logger = logging.getLogger(__name__)


def _result(ps: PipelineSolver, out: RawSolution, objective: str, seed: int) -> Result:
    """The :class:`Result` of one stage of a point, judged by the evaluator."""
    raw = ps.raw(out, objective)
    ev = evaluate_pipeline(ps.instance, raw.solution)
    spec = PROBLEMS["pipeline"].objectives[objective]
    return Result.from_raw(
        raw,
        ev,
        method="milp",
        problem="pipeline",
        objective_name=objective,
        sense=spec.sense,
        unit=spec.unit,
        params={},
        seed=seed,
        wall=raw.runtime or 0.0,
    )


def pareto_pipeline(
    instance: PipelineInstance,
    x: str = "cores",
    y: str = "hops",
    *,
    points: int | None = None,
    time_limit: float | None = None,
    formulation: str = "layered",
    threads: int | None = None,
    seed: int = 0,
    bounds: dict[str, float] | None = None,
    progress: bool | None = None,
    keep_results: bool = False,
    aggregate: bool | str = "egress",
    method: str = "milp",
    **kwargs: Any,
) -> ParetoFront:
    """Sweep the exact front of ``instance`` over objectives ``x`` (ε-constrained) and
    ``y`` (minimised).

    Parameters
    ----------
    instance
        The pipeline instance.
    x, y
        Objective names (see :data:`placement.pipeline.params.OBJECTIVES`).
    points
        Stop after this many points (default: the whole front).
    time_limit
        Seconds per solve (each stage); a point whose solve stopped on the limit
        is kept and flagged ``proven = False`` in ``statistics["points"]``.
    formulation
        ``layered`` or ``arc``.
    threads, seed
        HiGHS threads and random seed.
    bounds
        Further fixed ε-constraints on other objectives.
    progress
        Show a progress bar (default: only on a terminal).
    keep_results
        Keep each point's :class:`~placement.result.Result` in ``ParetoPoint.result``.
    aggregate
        Commodity aggregation (``"egress"``, ``True`` or ``False``; see
        :func:`~placement.models.pipeline.build_pipeline_model`).
    method
        ``milp`` (the exact sweep) or ``ls`` (the same ε-sweep with the local search,
        :func:`placement.heuristics.pipeline.ls.pareto_ls`; ``time_limit`` per point).

    Returns
    -------
    ParetoFront
        Nondominated points with every objective's value, ``epsilon`` = the ε used.
    """
    if kwargs:
        raise InputError(f"unknown parameters {sorted(kwargs)}", field="params")
    if method not in ("milp", "ls"):
        raise InputError(
            f"unknown method {method!r} for pipeline fronts (known: milp, ls)", field="method"
        )
    if method == "ls":
        from placement.heuristics.pipeline.ls import pareto_ls

        for name, fld in ((x, "x"), (y, "y")):
            if name not in OBJECTIVES:
                raise InputError(
                    f"unknown objective {name!r} (known: {sorted(OBJECTIVES)})", field=fld
                )
        if x == y:
            raise InputError("x and y must be different objectives", field="y")
        return pareto_ls(
            instance,
            x,
            y,
            points=points,
            time_limit=time_limit,
            seed=seed,
            bounds=bounds,
            progress=progress,
        )
    for name, fld in ((x, "x"), (y, "y")):
        if name not in OBJECTIVES:
            raise InputError(f"unknown objective {name!r} (known: {sorted(OBJECTIVES)})", field=fld)
    if x == y:
        raise InputError("x and y must be different objectives", field="y")
    if points is not None and points < 1:
        raise InputError(f"must be >= 1, got {points}", field="points")
    bounds = dict(bounds or {})
    t_start = time.perf_counter()
    ps = PipelineSolver(
        instance, y, formulation=formulation, bounds=bounds, epsilon=(x, y), aggregate=aggregate
    )
    sx, sy = OBJECTIVES[x], OBJECTIVES[y]
    step = integral_step(objective_coefficients(ps.model, x))
    exact_step = step is not None
    found: list[ParetoPoint] = []
    stats_points: list[dict[str, Any]] = []
    eps: float | None = None
    bar = console.progress(
        total=points, desc=f"front {instance.name} ({x}, {y})", enabled=progress, unit="point"
    )
    try:
        while points is None or len(found) < points:
            t0 = time.perf_counter()
            # a hair of slack so that x* - step itself stays feasible numerically
            slack = 1e-6 * (step if exact_step else 1.0)
            ps.set_eps(x, None if eps is None else (eps + slack if sx > 0 else eps - slack))
            ps.set_eps(y, None)
            ps.set_weights({y: float(sy)})
            # below the first point the work is the proof, not the search: light heuristics
            opts = {"mip_heuristic_effort": 0.01 if eps is not None else 0.05}
            out1 = ps.run(BackendParams(time_limit, 0.0, None, threads, seed, False, opts))
            if interrupted():
                raise KeyboardInterrupt  # a front cut short is not a front
            if out1.solution is None or ps.abandoned:
                logger.info("sweep ends at eps=%s: %s", eps, out1.termination)
                stats_points.append(
                    {
                        "epsilon": eps,
                        "termination": str(out1.termination),
                        "time": out1.statistics.get("solve_time_s"),
                    }
                )
                break
            r1 = _result(ps, out1, y, seed)
            yv = r1.metrics["objectives"][y]
            tol = 1e-6 * max(1.0, abs(yv))
            ps.set_eps(y, yv + tol if sy > 0 else yv - tol)
            ps.set_weights({x: float(sx)})
            out2 = ps.run(
                BackendParams(
                    time_limit, 0.0, None, threads, seed, False, {"mip_heuristic_effort": 0.05}
                )
            )
            if interrupted():
                raise KeyboardInterrupt
            res = _result(ps, out2, x, seed) if out2.solution is not None else r1
            vals = dict(res.metrics["objectives"])
            proven = (
                out1.termination == Termination.OPTIMAL and out2.termination == Termination.OPTIMAL
            )
            if not proven:
                res.status = Status.FEASIBLE
            dt = time.perf_counter() - t0
            found.append(
                ParetoPoint(
                    values=vals,
                    epsilon=eps,
                    result=res if keep_results else None,
                    status=str(res.status),
                    proven=proven,
                    bound=res.bound,
                )
            )
            stats_points.append(
                {
                    "epsilon": eps,
                    x: vals[x],
                    y: vals[y],
                    "time": dt,
                    "stage1_time": out1.statistics.get("solve_time_s"),
                    "stage2_time": out2.statistics.get("solve_time_s"),
                    "proven": proven,
                    "violations": res.metrics["violations"],
                }
            )
            logger.info(
                "point %d: %s=%g %s=%g (eps=%s, %.2fs)", len(found), x, vals[x], y, vals[y], eps, dt
            )
            if bar is not None:
                bar.update(1)
                bar.set_postfix({x: vals[x], y: vals[y]})
            if ps.abandoned:  # the solver ignored its time limit: no further solves
                break
            xv = vals[x]
            d = step if exact_step else 1e-6 * max(1.0, abs(xv))
            eps = xv - d if sx > 0 else xv + d
    finally:
        if bar is not None:
            bar.close()
    stats = {
        "method": "milp-epsilon",
        "formulation": formulation,
        "step": step,
        "exact_step": exact_step,
        "points": stats_points,
        "build_time": ps.build_time,
        "runtime": time.perf_counter() - t_start,
        "instance": instance.name,
    }
    units = {k: o.unit for k, o in PROBLEMS["pipeline"].objectives.items()}
    return ParetoFront.from_points(found, x, y, senses=(sx, sy), statistics=stats, units=units)
