"""``placement.solve()``: the one entry point, and the offloading solution file.

``solve(instance, method=..., seed=0, **params) -> Result`` looks the method up in
:data:`placement.methods.METHODS`, runs it, judges its assignment with the one
evaluator and returns a :class:`~placement.result.Result`. Pipeline instances are
handed to :func:`placement.pipeline.solve_pipeline` with the same vocabulary.
"""

from __future__ import annotations

import logging
import math
import os
import time
import warnings
from typing import Any

import numpy as np

from ._io import dump_json, load_json
from .errors import InputError, NumericalWarning
from .evaluate import Assignment, Evaluation, evaluate
from .instance import OffloadingInstance
from .methods import METHODS, RawSolution
from .result import Result, Status, Termination

logger = logging.getLogger(__name__)

SOLUTION_FORMAT = "placement/offloading-solution"
SOLUTION_VERSION = 1
#: Relative tolerance between a solver's own objective and the evaluator's.
OBJECTIVE_RTOL = 1e-6


def solve(instance: Any, method: str = "nimbus", seed: int = 0, **params: Any) -> Result:
    """Solve ``instance`` with ``method``.

    Parameters
    ----------
    instance
        An :class:`~placement.instance.OffloadingInstance` (or a pipeline instance).
    method
        A name of :data:`placement.methods.METHODS` (``local``, ``cloud``, ``cloud4g``,
        ``nimbus``, ``greedy``, ``mt``, ``2pmt``, ``milp``, ``cpsat``, ``lp-bound``,
        ``mt-milp``, ``2pmt-milp``).
    seed
        Integer seed; every random stream is derived from it.
    **params
        Method parameters (``kappa``, ``alpha``, ``beta``, ``threads``, ``time_limit``, ...);
        ``None`` values are ignored.

    Returns
    -------
    Result
        Status, objective (total latency, recomputed by the evaluator), bound, gap,
        runtime, assignment, metrics and statistics.

    Raises
    ------
    InputError
        Unknown method or parameter, or a parameter value the method rejects.
    """
    if not isinstance(instance, OffloadingInstance):
        from . import pipeline

        return pipeline.solve_pipeline(instance, method=method, seed=seed, **params)
    if method not in METHODS:
        raise InputError(
            f"unknown method {method!r}; choose one of {', '.join(METHODS)}", field="method"
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"must be a non-negative integer, got {seed!r}", field="seed")
    spec = METHODS[method]
    params = {k: v for k, v in params.items() if v is not None}
    for k in params:
        if k not in spec.params:
            allowed = ", ".join(spec.params) or "none"
            raise InputError(
                f"method {method!r} does not take this parameter (allowed: {allowed})", field=k
            )
    try:
        func = spec.load()
    except ImportError as exc:
        raise InputError(
            f"method {method!r} is not available here ({exc})", field="method"
        ) from None
    t0 = time.perf_counter()
    raw: RawSolution = func(instance, seed=int(seed), **params)
    wall = time.perf_counter() - t0
    runtime = raw.runtime if raw.runtime is not None else wall
    stats = dict(raw.statistics)
    stats.setdefault("wall_time_s", wall)
    if raw.assignment is None:
        return Result(
            method=method,
            status=raw.status,
            termination=raw.termination,
            objective=None,
            bound=raw.bound,
            runtime=runtime,
            solution=None,
            statistics=stats,
            params=params,
            seed=int(seed),
        )
    ev = evaluate(instance, raw.assignment)
    obj = ev.objective
    if raw.solver_objective is not None and not math.isclose(
        raw.solver_objective, obj, rel_tol=OBJECTIVE_RTOL, abs_tol=1e-6
    ):
        warnings.warn(
            f"{method}: solver objective {raw.solver_objective:.9g} differs from the evaluator's {obj:.9g}",
            NumericalWarning,
            stacklevel=2,
        )
        stats["solver_objective"] = raw.solver_objective
    bound = raw.bound
    if bound is not None and bound > obj:  # numerical noise of the solver
        bound = min(bound, obj)
    return Result(
        method=method,
        status=raw.status,
        termination=raw.termination,
        objective=obj,
        bound=bound,
        runtime=runtime,
        solution=raw.assignment,
        metrics=ev.metrics,
        statistics=stats,
        params=params,
        seed=int(seed),
        evaluation=ev,
    )


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return _jsonable(v.tolist())
    if isinstance(v, np.generic):
        return _jsonable(v.item())
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, (Status, Termination)):
        return v.value
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return str(v)


def solution_to_dict(instance: OffloadingInstance, result: Result) -> dict[str, Any]:
    """The solution-file object of spec §7 for ``result``."""
    return {
        "format": SOLUTION_FORMAT,
        "version": SOLUTION_VERSION,
        "instance": instance.name,
        "method": result.method,
        "params": _jsonable(result.params),
        "seed": result.seed,
        "status": result.status.value,
        "termination": result.termination.value,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "runtime_s": result.runtime,
        "assignment": result.solution.to_dict() if result.solution is not None else None,
        "metrics": _jsonable(result.metrics),
        "statistics": _jsonable(result.statistics),
    }


def write_solution(
    instance: OffloadingInstance, result: Result, path: str | os.PathLike[str]
) -> None:
    """Write the solution file of ``result`` atomically."""
    dump_json(path, solution_to_dict(instance, result), indent=None)


def read_solution(
    path: str | os.PathLike[str], instance: OffloadingInstance | None = None
) -> tuple[Assignment, dict[str, Any]]:
    """Read a solution file; return its assignment and the whole parsed object.

    Raises
    ------
    InputError
        Naming the file and field for a malformed file, or when the assignment
        does not fit ``instance``.
    """
    d = load_json(path)
    try:
        if not isinstance(d, dict):
            raise InputError("top level must be a JSON object")
        if d.get("format") != SOLUTION_FORMAT:
            raise InputError(
                f"unknown format {d.get('format')!r}, expected {SOLUTION_FORMAT!r}", field="format"
            )
        if d.get("version") != SOLUTION_VERSION:
            raise InputError(f"unsupported version {d.get('version')!r}", field="version")
        if d.get("assignment") is None:
            raise InputError("missing (the solution holds no assignment)", field="assignment")
        a = Assignment.from_dict(d["assignment"], method=d.get("method"))
        if instance is not None:
            from .evaluate import validate_assignment

            validate_assignment(instance, a)
    except InputError as exc:
        raise exc.with_path(str(path)) from None
    return a, d


def evaluate_solution_file(
    instance: OffloadingInstance, path: str | os.PathLike[str]
) -> Evaluation:
    """Evaluate the assignment stored in a solution file on ``instance``."""
    a, _ = read_solution(path, instance)
    return evaluate(instance, a)
