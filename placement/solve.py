"""``placement.solve()``: the one entry point of both problems.

Look the method up in the registry for the instance's problem, build (and so validate)
its parameter object, run it, judge its solution with the problem's evaluator and
return a :class:`~placement.result.Result` whose ``objective`` is the evaluator's
value of the objective the method optimised.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from placement.errors import InputError
from placement.registry import PROBLEMS, load, problem_of
from placement.registry import method as lookup_method
from placement.result import Result
from placement.stop import handle_interrupts, solve_clock


def check_seed(seed: Any) -> int:
    """``seed`` as a non-negative ``int``."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"must be a non-negative integer, got {seed!r}", field="seed")
    return int(seed)


def solve(instance: Any, method: str | None = None, seed: int = 0, **params: Any) -> Result:
    """Solve ``instance`` with ``method``.

    Parameters
    ----------
    instance
        An offloading or a pipeline instance.
    method
        A method of the instance's problem (default: ``nimbus`` for offloading,
        ``milp`` for pipelines; ``placement methods`` lists them:
        offloading ``local``, ``cloud``, ``cloud4g``, ``nimbus``, ``greedy``, ``mt``,
        ``2pmt``, ``milp``, ``cpsat``, ``lp-bound``, ``mt-milp``, ``2pmt-milp``;
        pipeline ``milp``).
    seed
        Integer seed; every random stream is derived from it.
    **params
        The method's parameters (fields of its parameter dataclass); ``None`` values
        mean "default".

    Returns
    -------
    Result
        Status, the optimised objective (recomputed by the evaluator) with its bound
        and gap, runtime, solution, metrics and statistics.

    Notes
    -----
    ``time_limit`` is a wall-clock limit of the whole call (loading the solver
    packages, warm start, model build, solver). Ctrl-C during the call stops the
    solver: a solve holding an incumbent returns it (status ``feasible``, termination
    ``interrupted``), else ``KeyboardInterrupt`` propagates.

    Raises
    ------
    InputError
        Unknown method or parameter, or a parameter value the method rejects.
    """
    t0 = time.perf_counter()
    problem = problem_of(instance)
    spec = lookup_method(problem, method or PROBLEMS[problem].default_method)
    seed = check_seed(seed)
    p = spec.params_type().build(params, method=spec.name)
    with handle_interrupts(), solve_clock(t0):
        try:
            func = spec.load()
        except ImportError as exc:
            raise InputError(
                f"method {spec.name!r} is not available here ({exc})", field="method"
            ) from None
        t1 = time.perf_counter()
        raw = func(instance, p, seed=seed)
        if getattr(p, "bound", None) is not None and PROBLEMS[problem].attach_bound:
            # the bound the user asked for; its time counts in the runtime
            t2 = time.perf_counter()
            own = raw.runtime if raw.runtime is not None else t2 - t1
            raw = load(PROBLEMS[problem].attach_bound)(instance, raw, p)
            raw.runtime = own + (time.perf_counter() - t2)
    wall = time.perf_counter() - t1
    return finish(
        instance, raw, problem=problem, method_name=spec.name, params=p, seed=seed, wall=wall
    )


def finish(
    instance: Any,
    raw: Any,
    *,
    problem: str,
    method_name: str,
    params: Any,
    seed: int,
    wall: float,
) -> Result:
    """Evaluate a method's :class:`~placement.result.RawSolution` and build its Result."""
    pspec = PROBLEMS[problem]
    objective = raw.objective_name or params.objective_name or pspec.default_objective
    obj = pspec.objectives[objective]
    ev = None if raw.solution is None else load(pspec.evaluate)(instance, raw.solution)
    return Result.from_raw(
        raw,
        ev,
        method=method_name,
        problem=problem,
        objective_name=objective,
        sense=obj.sense,
        unit=obj.unit,
        params=params.to_dict(),
        seed=seed,
        wall=wall,
    )
