"""Latency–energy Pareto fronts of offloading instances (ε-constraint sweep).

:func:`pareto_offloading` (reached through :func:`placement.pareto`):

1. the least-latency solution (its LP relaxation is nearly integral: fast);
2. in parallel, the least-energy solution (a packing problem with a weak LP
   relaxation: started from the least-latency assignment, it is the slow end of the
   front and may stop at the time limit) and ``lexmin(latency, energy)`` (least energy
   at the least latency);
3. in parallel, ``lexmin(energy, latency)`` and ``points - 2`` ε-constraint solves
   ``min latency s.t. total energy ≤ ε`` with ε evenly spaced strictly between the
   two extremes' energies, all started from the least-energy assignment (feasible for
   every larger ε; a worker chains its points in increasing ε) — ``method="ls"``, a
   heuristic with an ε-constraint of its own, sweeps the same way: least latency and
   least energy, then the ε levels in increasing order, each warm-started from the
   point before it, every point with ``ls``'s bound;
4. the nondominated filter and the hypervolume of :class:`placement.front.ParetoFront`
   against ``reference`` (default: 1.1 × the nadir, see ``ParetoFront.from_points``;
   the value used is in ``front.reference``).

Points are solved in parallel through :func:`placement.executors.map_jobs` (``workers``
at once, one solver thread each; threads by default). With ``method="milp"`` (HiGHS)
each worker builds the model once per objective and changes only the ε row's
right-hand side between its points (no rebuild); other exact methods (``cpsat``,
``milp`` with another ``solver``) run the registered method per point. Heuristic methods (``nimbus``, ``mt``, ``2pmt``, ...) have no ε-control:
their front is the nondominated subset of runs over a grid of their score weights
(``alpha`` from 0 to 1, ``beta = 1 - alpha``) where the method takes them, else the
single run.
"""

from __future__ import annotations

import logging
import math
import os
import time
from typing import Any

import numpy as np

from placement import console
from placement.backends.base import BackendParams
from placement.backends.highs import HighsModel
from placement.errors import InputError
from placement.executors import map_jobs, normalize_backend, session
from placement.front import ParetoFront, ParetoPoint
from placement.models.offloading.data import prefilter, trivial_bound
from placement.models.offloading.extract import assignment_from_values, start_values
from placement.models.offloading.matrix import build_matrix
from placement.offloading.evaluate import evaluate
from placement.offloading.instance import OffloadingInstance
from placement.offloading.params import EXECUTORS
from placement.offloading.starts import greedy_energy_start, repair_start
from placement.registry import PROBLEMS
from placement.registry import method as lookup_method
from placement.result import RawSolution, Result, Status, Termination
from placement.stop import interrupted

logger = logging.getLogger(__name__)

OBJECTIVES = ("latency", "energy")
EXACT = ("milp", "cpsat")
#: Heuristics with an ε-constraint of their own: swept like the exact methods.
EPS_HEURISTICS = ("ls",)
#: Default relative MIP gap of a front point (HiGHS' own default): ε-constrained solves
#: of config C close the last 0.01 % slowly; pass ``mip_gap`` for tighter points.
DEFAULT_PARETO_GAP = 1e-4
#: Default time limit (s) of one exact front point: the least-energy end is a packing
#: problem HiGHS may not prove for a long time (config C); pass ``math.inf`` for none.
DEFAULT_POINT_LIMIT = 60.0
#: Relative slack of the lexicographic second stage (``f1 ≤ f1* · (1 + LEX_RTOL) + 1e-6``).
LEX_RTOL = 1e-9


def _values(inst: OffloadingInstance, a: Any) -> dict[str, float]:
    ev = evaluate(inst, a)
    return {"latency": ev.objective, "energy": ev.total_energy_mj}


def _solve_tasks(
    inst: OffloadingInstance,
    tasks: list[tuple[str, Any, Any]],
    method: str,
    params: dict[str, Any],
) -> list[dict[str, Any]]:
    """Solve ``(objective, epsilon, start)`` tasks in one worker; one model per
    objective (HiGHS direct path) re-solved with a new ε right-hand side. ``start`` is
    an assignment known to satisfy the task's ε (a MIP start) or ``None``."""
    if method == "milp" and params.get("solver", "highs") == "highs":
        return _solve_tasks_highs(inst, tasks, params)
    spec = lookup_method("offloading", method)
    out = []
    for obj, eps, given in tasks:
        if interrupted():
            raise KeyboardInterrupt
        t0 = time.perf_counter()
        kw = dict(params)
        seed = kw.pop("seed", 0)
        if method in EPS_HEURISTICS:  # ε-control of its own; warm start from the neighbour
            names = spec.params_type().field_names()
            kw = {k: v for k, v in kw.items() if k in names}
            kw.update(objective=obj, epsilon=eps)
            if given is not None:
                kw["start"] = given
        elif method in EXACT:
            kw.update(objective=obj, epsilon=eps)
            kw.setdefault("threads", 1)
            kw.setdefault("warm_start", given if given is not None else False)
            if method == "milp":
                kw.setdefault("mip_gap", DEFAULT_PARETO_GAP)
        else:  # heuristics: eps is a parameter dict; limits of exact solvers do not apply
            names = spec.params_type().field_names()
            kw = {k: v for k, v in kw.items() if k in names}
            kw.update(eps or {})
        p = spec.params_type().build(kw, method=method)
        raw = spec.load()(inst, p, seed=seed)
        rec = {
            "objective": obj,
            "epsilon": eps,
            "status": raw.status,
            "time_s": time.perf_counter() - t0,
        }
        if raw.solution is not None:
            rec["assignment"] = raw.solution
            rec["values"] = _values(inst, raw.solution)
            rec["bound"] = raw.bound if obj == "latency" or method not in EXACT else None
            rec["termination"] = raw.termination
        out.append(rec)
    return out


def _solve_tasks_highs(
    inst: OffloadingInstance, tasks: list[tuple[str, Any, Any]], params: dict[str, Any]
) -> list[dict[str, Any]]:
    models: dict[str, tuple[Any, Any]] = {}
    last: dict[str, Any] = {}
    # ascending ε: the previous point stays feasible and is the next MIP start
    order = sorted(
        range(len(tasks)),
        key=lambda t: (tasks[t][0], math.inf if tasks[t][1] is None else tasks[t][1]),
    )
    done: dict[int, dict[str, Any]] = {}
    for ti in order:
        if interrupted():
            raise KeyboardInterrupt
        obj, eps, given = tasks[ti]
        t0 = time.perf_counter()
        if obj not in models:
            data = prefilter(inst, objective=obj, epsilon=0.0)
            models[obj] = (data, HighsModel(build_matrix(data, obj, 0.0 if eps is None else eps)))
        data, hm = models[obj]
        const = data.fixed_energy if obj == "latency" else data.fixed_latency
        hm.set_row_upper(hm.mm.eps_row, (math.inf if eps is None else eps) - const)
        start = last.get(obj)  # the previous (smaller-ε) point of this worker
        cands = [] if given is None else [given]
        if obj == "energy" and eps is None:
            cands.append(greedy_energy_start(data))
        if cands and start is None:
            best_e = math.inf
            for cand in cands:
                fixed = repair_start(data, cand)
                vals = None if fixed is None else start_values(data, fixed)
                if vals is not None and evaluate(inst, fixed).total_energy_mj < best_e:
                    best_e = evaluate(inst, fixed).total_energy_mj
                    start = np.concatenate(vals)
        o = hm.solve(
            BackendParams(
                time_limit=params.get("time_limit"),
                mip_gap=params.get("mip_gap", DEFAULT_PARETO_GAP),
                threads=1,
                seed=params.get("seed", 0),
            ),
            start=start,
        )
        if hm.abandoned:  # the solver kept running past its stop request: a fresh model
            models.pop(obj)
        if o.solution is not None:
            last[obj] = o.solution
        rec: dict[str, Any] = {"objective": obj, "epsilon": eps, "status": o.status, "time_s": 0.0}
        if o.solution is not None:
            x, y = hm.mm.xy(o.solution)
            a = assignment_from_values(data, x, y)
            rec["assignment"] = a
            rec["values"] = _values(inst, a)
            bound = o.bound if obj == "latency" else None
            if obj == "latency" and o.status != Status.OPTIMAL:
                bound = max(bound if bound is not None else -math.inf, trivial_bound(data))
            rec["bound"] = bound
            rec["termination"] = o.termination
        rec["time_s"] = time.perf_counter() - t0
        done[ti] = rec
    return [done[t] for t in range(len(tasks))]


class _Runner:
    """Runs task lists through :func:`placement.executors.map_jobs`, one chunk per job."""

    def __init__(
        self,
        instance: OffloadingInstance,
        method: str,
        params: dict[str, Any],
        workers: int,
        progress: Any,
        executor: str = "thread",
        address: str | None = None,
    ):
        self.instance = instance
        self.method = method
        self.params = params
        self.workers = workers
        self.bar = progress
        self.executor = executor
        self.address = address

    def run(
        self, tasks: list[tuple[str, Any, Any]], chunks: list[list[int]] | None = None
    ) -> list[dict[str, Any]]:
        if not tasks:
            return []
        if chunks is None:
            k = max(1, min(self.workers, len(tasks)))
            chunks = [list(c) for c in np.array_split(np.arange(len(tasks)), k) if len(c)]
        out = map_jobs(
            _solve_tasks,
            [([tasks[i] for i in ch], self.method, self.params) for ch in chunks],
            backend=self.executor,
            workers=self.workers,
            address=self.address,
            shared=self.instance,
        )
        results: list[dict[str, Any] | None] = [None] * len(tasks)
        for ch, recs in zip(chunks, out):
            for idx, rec in zip(ch, recs):
                results[idx] = rec
        if self.bar is not None:
            self.bar.update(len(tasks))
        return [r for r in results if r is not None]

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _check(instance: Any, x: Any, y: Any, points: Any, workers: Any, time_limit: Any) -> None:
    if not isinstance(instance, OffloadingInstance):
        raise InputError("Expected an OffloadingInstance.", field="instance")
    for name, v in (("x", x), ("y", y)):
        if v not in OBJECTIVES:
            raise InputError(
                f"Expected {name} in {{{', '.join(OBJECTIVES)}}}, got {v!r}.", field=name
            )
    if x == y:
        raise InputError(f"Expected two different objectives, got x = y = {x!r}.", field="y")
    if isinstance(points, bool) or not isinstance(points, int) or points < 2:
        raise InputError(f"Expected points to be an integer >= 2, got {points!r}.", field="points")
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise InputError(
            f"Expected workers to be an integer >= 1, got {workers!r}.", field="workers"
        )
    if time_limit is not None and (
        isinstance(time_limit, bool)
        or not isinstance(time_limit, (int, float))
        or not time_limit > 0
    ):
        raise InputError(f"Expected time_limit > 0, got {time_limit!r}.", field="time_limit")


def _point(inst: OffloadingInstance, rec: dict[str, Any], method: str) -> ParetoPoint:
    ev = evaluate(inst, rec["assignment"])
    obj = rec["objective"]
    spec = PROBLEMS["offloading"].objectives[obj]
    raw = RawSolution(
        rec["assignment"],
        status=rec["status"],
        termination=rec.get("termination", Termination.COMPLETED),
        bound=rec.get("bound"),
        runtime=rec["time_s"],
        statistics={"objective": obj, "epsilon": rec["epsilon"]},
    )
    res = Result.from_raw(
        raw,
        ev,
        method=method,
        problem="offloading",
        objective_name=obj,
        sense=spec.sense,
        unit=spec.unit,
        params={},
        seed=0,
        wall=rec["time_s"],
    )
    eps = rec["epsilon"] if isinstance(rec["epsilon"], (int, float)) else None
    return ParetoPoint(
        values=rec["values"],
        epsilon=eps,
        result=res,
        status=str(res.status),
        proven=res.status == Status.OPTIMAL if method in EXACT else None,
        bound=res.bound,
    )


def pareto_offloading(
    instance: OffloadingInstance,
    x: str = "energy",
    y: str = "latency",
    *,
    points: int = 7,
    method: str = "milp",
    time_limit: float | None = None,
    workers: int | None = None,
    reference: tuple[float, float] | None = None,
    seed: int = 0,
    progress: bool | None = None,
    executor: str = "thread",
    address: str | None = None,
    **params: Any,
) -> ParetoFront:
    """ε-constraint sweep of the latency–energy front (module docstring).

    Parameters
    ----------
    instance
        The offloading instance.
    x, y
        Axes: ``energy`` and ``latency`` (either order).
    points
        Number of ε-levels (≥ 2): the two extremes plus ``points - 2`` levels evenly
        spaced between their energies. Levels that give the same point are counted
        in ``statistics["duplicates"]``, so the front has at most ``points`` points.
    method
        ``milp`` (default), ``cpsat``, or a heuristic name (``nimbus``, ``greedy``,
        ``mt``, ``2pmt``, ``cloud``, ``local``, ...).
    time_limit
        Seconds per point (exact methods; heuristics ignore it). ``None``:
        :data:`DEFAULT_POINT_LIMIT` (60 s); ``math.inf``: no limit. A point that hits
        the limit is the solver's incumbent (its status is in ``statistics``).
    workers
        Points solved at once (default: ``min(points, os.cpu_count())``); 1 = serially.
    reference
        Hypervolume reference ``(x, y)`` in natural units; default 1.1 × nadir.
    seed
        Passed to every solve.
    progress
        Show a tqdm bar (default: only on a terminal).
    executor
        Where points run (:func:`placement.executors.map_jobs`): ``thread`` (default;
        HiGHS and CP-SAT release the GIL), ``process``, ``serial`` or ``dask``
        (``threads`` / ``processes`` accepted). Every point is solved with its own
        seed-determined solver run, so the front is the same on every executor.
    address
        Dask scheduler address (``executor="dask"``; none: a local cluster).
    **params
        More method parameters (``solver``, ``mip_gap``, ``kappa``, ...).

    Returns
    -------
    ParetoFront
        Nondominated points sorted by ``x``; every solved point in ``all_points``;
        ``statistics`` with method, ε values, per-point runtimes and workers.
    """
    _check(instance, x, y, points, workers, time_limit)
    if executor not in EXECUTORS:
        raise InputError(
            f"Expected executor in {{{', '.join(EXECUTORS)}}}, got {executor!r}.", field="executor"
        )
    executor = normalize_backend(executor)
    spec = lookup_method("offloading", method)
    nw = workers if workers is not None else max(1, min(points, os.cpu_count() or 1))
    p = {k: v for k, v in params.items() if v is not None}
    p["seed"] = int(seed)
    tl = DEFAULT_POINT_LIMIT if time_limit is None else float(time_limit)
    if math.isfinite(tl):
        p["time_limit"] = tl
    solves = points + 2 if method in EXACT else points
    bar = console.progress(total=solves, desc=f"pareto[{method}]", enabled=progress, unit="solve")
    t0 = time.perf_counter()
    recs: list[dict[str, Any]] = []
    with session(executor, nw, address) as addr:  # one Dask cluster for the whole sweep
        runner = _Runner(instance, method, p, nw, bar, executor, addr)
        recs = _sweep(runner, method, spec, points)
    pts = [_point(instance, r, method) for r in recs if "values" in r]
    for p in pts:  # a point's bound is reported on the y axis only
        if p.result.objective_name != y:
            p.bound = None
    statuses = [str(r["status"]) for r in recs]
    units = {k: o.unit for k, o in PROBLEMS["offloading"].objectives.items()}
    front = ParetoFront.from_points(
        pts,
        x,
        y,
        reference=reference,
        units=units,
        statistics={
            "method": method,
            "solves": len(recs),
            "statuses": statuses,
            "epsilons": [r["epsilon"] for r in recs],
            "point_times_s": [r["time_s"] for r in recs],
            "workers": nw,
            "executor": executor,
            "wall_time_s": time.perf_counter() - t0,
        },
    )
    if reference is None:
        front.statistics["reference"] = "1.1 x nadir of the front"
    levels = {round(p.values[x], 9) for p in front.points}
    front.statistics["levels"] = points
    front.statistics["duplicates"] = max(0, points - len(levels))
    return front


def _sweep(runner: _Runner, method: str, spec: Any, points: int) -> list[dict[str, Any]]:
    """Every solve of the sweep (exact ε-constraint points, or a heuristic's α grid)."""
    try:
        if method in EXACT:
            return _exact_sweep(runner, points)
        if method in EPS_HEURISTICS:
            return _heuristic_eps_sweep(runner, points)
        names = spec.params_type().field_names()
        if "alpha" in names and "beta" in names:
            grid = [
                {"alpha": float(a), "beta": float(1 - a)} for a in np.linspace(0.0, 1.0, points)
            ]
        else:
            grid = [{}]
        return runner.run([("latency", g, None) for g in grid])
    finally:
        runner.close()


def _exact_sweep(runner: _Runner, points: int) -> list[dict[str, Any]]:
    # 1. least latency (the easy extreme: its LP relaxation is nearly integral)
    first = runner.run([("latency", None, None)])
    if "values" not in first[0]:
        return first
    a_lat = first[0]["assignment"]
    L_star = first[0]["values"]["latency"]
    # 2. least energy (a packing problem with a weak LP: started from the least-latency
    #    assignment) and lexmin(latency, energy), in parallel
    second = runner.run(
        [("energy", None, a_lat), ("energy", L_star * (1 + LEX_RTOL) + 1e-6, a_lat)],
        chunks=[[0], [1]],
    )
    recs = first + second
    if "values" not in second[0]:
        return recs
    E_star = second[0]["values"]["energy"]
    hi = second[1] if "values" in second[1] else first[0]
    e_hi = hi["values"]["energy"]  # energy of lexmin(latency, energy)
    # 3. lexmin(energy, latency) and the interior ε values, all started from the
    #    least-energy assignment (feasible for every ε >= E*)
    start = second[0]["assignment"]
    inner = np.linspace(E_star, e_hi, points)[1:-1].tolist() if e_hi > E_star else []
    third = runner.run(
        [("latency", E_star * (1 + LEX_RTOL) + 1e-6, start)]
        + [("latency", float(e), start) for e in inner]
    )
    recs += third
    return recs


def _heuristic_eps_sweep(runner: _Runner, points: int) -> list[dict[str, Any]]:
    """The ε-sweep of a heuristic with an ε-constraint (``ls``): least latency and least
    energy in parallel, then ``points - 2`` levels ``min latency s.t. energy ≤ ε``
    evenly spaced between their energies, in increasing ε, each started from the point
    before it (feasible for the next, larger ε)."""
    first = runner.run([("latency", None, None), ("energy", None, None)], chunks=[[0], [1]])
    if len(first) < 2 or any("values" not in r for r in first):
        return first
    e_star = first[1]["values"]["energy"]
    e_hi = first[0]["values"]["energy"]
    inner = np.linspace(e_star, e_hi, points)[1:-1].tolist() if e_hi > e_star else []
    recs = list(first)
    prev = first[1]["assignment"]
    for e in inner:
        if interrupted():
            break
        rec = runner.run([("latency", float(e), prev)])[0]
        recs.append(rec)
        if "values" in rec:
            prev = rec["assignment"]
    return recs
