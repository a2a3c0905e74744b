"""Partitioned exact methods: MT-MILP and 2PMT-MILP.

The instance is split into ``threads`` slices (:func:`placement.offloading.partition.partition`,
default ``split="balanced"``); every slice is solved exactly (one HiGHS thread each)
through :func:`placement.executors.map_jobs`, in threads by default (``executor``;
HiGHS releases the GIL), while one more job solves the LP relaxation of the whole
instance, which is the bound of the result. 2PMT-MILP then solves one central MILP over
every device not on the edge, on the whole infrastructure, with the loads (and
deadlines) of the devices phase 1 placed on edge nodes. ``time_limit`` is a wall-clock
limit of the whole method: slices (and the bound's LP) get what is left after the
partition (60 % of it under 2PMT), the central phase what is left after them. The
result is never worse than the warm start (Nimbus by default, ``warm_start``): slices
stopped without a solution leave their devices local, which the start then beats.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from placement.backends.base import BackendParams
from placement.executors import map_jobs
from placement.models.offloading.data import latency_lower_bound, prefilter
from placement.models.offloading.extract import assignment_from_values
from placement.offloading.evaluate import Assignment, evaluate
from placement.offloading.instance import KIND_EDGE, KIND_LOCAL, OffloadingInstance
from placement.offloading.methods import keep_best, lp_relaxation, objective_key, solve_data
from placement.offloading.params import PartitionedMILPParams
from placement.offloading.partition import partition
from placement.offloading.starts import repair_start, resolve_start
from placement.result import RawSolution, Status, Termination
from placement.stop import Deadline


def _slice_job(
    inst: OffloadingInstance,
    devices: np.ndarray | None,
    nodes: np.ndarray | None,
    time_limit: float | None,
    gap: float,
    seed: int,
) -> tuple[Any, ...]:
    """Solve one slice exactly, or (``devices is None``) the LP relaxation of the whole
    instance; runs in a worker."""
    t0 = time.perf_counter()
    dl = Deadline(time_limit, start=t0)
    if devices is None:
        data = prefilter(inst)
        if not dl.solver_has_time():
            return None, "not solved (out of time)"
        return lp_relaxation(data, "latency", None, threads=1, deadline=dl)
    if devices.size == 0:
        return None, None, Status.OPTIMAL, 0.0, 0.0, 0.0
    data = prefilter(inst, devices=devices, nodes=nodes)
    bp = BackendParams(dl.for_solver(), gap, None, 1, seed, deadline=dl)
    raw, x, y = solve_data(data, "latency", None, bp)
    return x, y, raw.status, raw.objective, raw.bound, time.perf_counter() - t0


def _partitioned(
    instance: OffloadingInstance, params: PartitionedMILPParams, seed: int, two_phase: bool
) -> RawSolution:
    dl = Deadline(params.time_limit)
    start, start_name = resolve_start(instance, params.warm_start, seed)
    try:
        return _phases(instance, params, seed, two_phase, dl, start, start_name)
    except KeyboardInterrupt:  # Ctrl-C: the start is the incumbent in hand
        if objective_key(instance, "latency", None, start) is None:
            raise
        return RawSolution(
            start,
            status=Status.FEASIBLE,
            termination=Termination.INTERRUPTED,
            bound=latency_lower_bound(instance),
            statistics={"incumbent": f"warm start ({start_name})"},
        )


def _phases(
    instance: OffloadingInstance,
    params: PartitionedMILPParams,
    seed: int,
    two_phase: bool,
    dl: Deadline,
    start: Assignment | None,
    start_name: str,
) -> RawSolution:
    tl, gap = params.time_limit, params.gap
    k = params.threads or 2
    t0 = time.perf_counter()
    parts = partition(instance, k, params.split)
    left = dl.for_solver()
    tl1 = None if left is None else (0.6 * left if two_phase else left)
    jobs = [(d, n, tl1, gap, seed + s) for s, (d, n) in enumerate(zip(*parts))]
    jobs.append((None, None, left, gap, seed))  # the bound: LP relaxation of the whole
    nw = params.workers or len(jobs)
    *results, (lp_obj, lp_status) = map_jobs(
        _slice_job,
        jobs,
        backend=params.executor,
        workers=nw,
        address=params.address,
        shared=instance,
    )
    t_phase1 = time.perf_counter() - t0
    kind = np.zeros(instance.n_devices, dtype=np.int8)
    target = np.full(instance.n_devices, -1, dtype=np.int64)
    slice_stats = []
    for s, (d, n, r) in enumerate(zip(parts[0], parts[1], results)):
        x, y, st, obj, bnd, dt = r
        slice_stats.append(
            {
                "slice": s,
                "devices": int(d.size),
                "nodes": int(n.size),
                "status": str(st),
                "objective": obj,
                "bound": bnd,
                "time_s": dt,
            }
        )
        if x is None:
            continue
        a = assignment_from_values(prefilter(instance, devices=d, nodes=n), x, y)
        kind[d] = a.kind[d]
        target[d] = a.target[d]
    phase1 = Assignment.from_arrays(kind, target)
    stats: dict[str, Any] = {
        "slices": slice_stats,
        "threads": k,
        "workers": nw,
        "executor": params.executor,
        "split": params.split,
        "phase1_time_s": t_phase1,
        "lp_bound": lp_obj,
        "lp_status": lp_status,
        "phase1_objective": evaluate(instance, phase1).objective,
    }
    result_a = phase1
    if two_phase and not dl.solver_has_time():
        stats["phase2"] = {"status": "skipped (out of time)"}
    elif two_phase:
        t1 = time.perf_counter()
        edge = kind == KIND_EDGE
        fixed = Assignment.from_arrays(np.where(edge, kind, KIND_LOCAL), np.where(edge, target, -1))
        data2 = prefilter(instance, fixed=fixed)
        raw2, x2, y2 = solve_data(
            data2,
            "latency",
            None,
            BackendParams(
                dl.for_solver(),
                gap,
                None,
                params.threads and 1,
                seed,
                bool(params.verbose),
                deadline=dl,
            ),
            start=repair_start(data2, phase1),
        )
        stats["phase2"] = {
            **raw2.statistics,
            "devices": int(data2.devices.size),
            "status": str(raw2.status),
            "objective": raw2.objective,
            "time_s": time.perf_counter() - t1,
        }
        if x2 is not None:
            result_a = assignment_from_values(data2, x2, y2)
    obj = evaluate(instance, result_a).objective
    proven = lp_obj is not None and obj - lp_obj <= gap * abs(obj)
    stopped = any(r["status"] in ("no_solution", "feasible") for r in slice_stats)
    raw = RawSolution(
        result_a,
        status=Status.OPTIMAL if proven else Status.FEASIBLE,
        termination=Termination.TIME_LIMIT
        if (stopped and tl is not None and not proven)
        else Termination.COMPLETED,
        bound=lp_obj,
        statistics=stats,
    )
    if raw.bound is None:  # the LP did not finish: a bound that needs no solver
        raw.bound = latency_lower_bound(instance)
        stats["trivial_bound"] = raw.bound
    return keep_best(instance, "latency", None, raw, start, start_name)


def solve_mt_milp(
    instance: OffloadingInstance, params: PartitionedMILPParams, *, seed: int = 0
) -> RawSolution:
    """MT decomposition with every slice solved exactly; ``threads`` = number of slices
    (default 2). The bound is the LP relaxation of the whole instance, so
    ``Result.gap`` is the gap of the partitioned solution to it."""
    return _partitioned(instance, params, seed, two_phase=False)


def solve_2pmt_milp(
    instance: OffloadingInstance, params: PartitionedMILPParams, *, seed: int = 0
) -> RawSolution:
    """MT-MILP, then one central MILP over every device not on the edge, on the whole
    infrastructure with the loads (and deadlines) of the devices placed in phase 1."""
    return _partitioned(instance, params, seed, two_phase=True)
