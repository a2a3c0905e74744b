"""MT and 2PMT Nimbus: the partitioned, multi-threaded variants of Nimbus.

The slices (edge nodes dealt round-robin per tier, devices following their AP under
``split``) come from :func:`placement.offloading.partition.partition`, the one
decomposition every partitioned method shares.

Each slice runs the Nimbus ST kernel on its own devices and nodes, in its own
thread (slice 0 in the calling thread, the others in a persistent
``ThreadPoolExecutor(k - 1)`` created once and reused; the kernels release the
GIL, so slices run in parallel, and ``k`` larger than the core count still
works). The partition depends only on the instance and is built once and
cached with it (:func:`partition`; its one-off cost is part of the runtime of
the solve that builds it and reported as ``partition_s``). Nodes are renumbered
slice by slice so that every slice is a contiguous node range (contiguous RTT
memory per slice); results are mapped back to the original numbering. Slices share the state arrays but write disjoint entries.
Slice ``s`` draws from child ``s`` of ``SeedSequence(seed).spawn(k)`` (κ
sampling and ``order="random"``), so MT with one slice is exactly Nimbus ST.

**2PMT** then runs one central pass over every device not on the edge (local and
cloud), in instance order (``order="random"``: a permutation drawn from child
``k`` of ``SeedSequence(seed).spawn(k + 1)``), on all nodes, starting from the
loads and minimum slacks phase 1 left, with the same feasibility rules; devices
that still find no node fail over again (cloud, else local). With the exact
look-ahead neither variant leaves a device past its deadline or budget.

Statistics: ``threads``, ``split``, ``slice_times_s`` (wall time of each slice's
kernel, measured in its thread), ``slice_cpu_s`` (CPU time of the same: without
the waits of an oversubscribed machine), ``slice_devices``, ``slice_nodes``, ``slice_edge``,
``phase1_s`` (wall time of the parallel phase), ``phase2_s`` (2PMT), ``prepare_s``,
``partition_s``, ``jit_compile_s``; ``runtime`` is the allocation time without JIT compilation.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from placement.heuristics.offloading.nimbus import (
    KernelData,
    KernelState,
    _param_stats,
    draw_slice,
    ensure_compiled,
    run_nimbus,
)

from placement.offloading.instance import KIND_EDGE, OffloadingInstance
from placement.offloading.params import MTParams
from placement.offloading.partition import partition as split_instance
from placement.result import RawSolution

logger = logging.getLogger(__name__)

#: Partitions kept per instance (each may hold a renumbered copy of the RTT matrix).
PARTITION_CACHE_SIZE = 2


@dataclass(frozen=True, eq=False)
class Partition:
    """The decomposition of one instance into ``k`` slices, nodes renumbered slice by slice.

    Attributes
    ----------
    node_slices, dev_slices
        Original node / device indices of each slice (ascending).
    perm
        ``(J,)`` original index of renumbered node ``l``; slice ``s`` holds the
        renumbered nodes ``bounds[s] .. bounds[s+1]-1`` (a contiguous range, in
        ascending original order, so candidate order and results are unchanged).
    inv_perm
        ``(J,)`` renumbered index of each original node.
    data
        The kernel arrays in the renumbered node order (the instance's own
        :class:`~placement.heuristics.offloading.nimbus.KernelData` when ``perm`` is the identity).
    build_s
        Seconds it took to build (reported once, by the solve that built it).
    """

    node_slices: list[np.ndarray]
    dev_slices: list[np.ndarray]
    perm: np.ndarray
    inv_perm: np.ndarray
    bounds: np.ndarray
    data: KernelData
    identity: bool
    build_s: float


_PARTITIONS: weakref.WeakKeyDictionary[OffloadingInstance, dict[tuple[int, str], Partition]] = (
    weakref.WeakKeyDictionary()
)
_PARTITIONS_LOCK = threading.Lock()


def partition(inst: OffloadingInstance, k: int, split: str) -> tuple[Partition, bool]:
    """The :class:`Partition` of ``inst`` into ``k`` slices and whether it was built now.

    The decomposition depends on the instance only (infrastructure and device APs),
    not on any load, so it is built once per ``(instance, k, split)`` — like the
    paper's one-off slicing of the infrastructure — and cached with the (immutable)
    instance; at most :data:`PARTITION_CACHE_SIZE` partitions are kept per instance.
    Renumbering the nodes so that every slice is a contiguous range lets each
    slice's kernel read contiguous memory (an RTT row of a slice is one block
    instead of every k-th column).
    """
    key = (k, split)
    with _PARTITIONS_LOCK:
        per_inst = _PARTITIONS.setdefault(inst, {})
        if key in per_inst:
            return per_inst[key], False
    t0 = time.perf_counter()
    dev_slices, node_slices = split_instance(inst, k, split)
    perm = np.concatenate(node_slices).astype(np.int64) if node_slices else np.zeros(0, np.int64)
    inv_perm = np.empty_like(perm)
    inv_perm[perm] = np.arange(perm.shape[0], dtype=np.int64)
    bounds = np.concatenate([[0], np.cumsum([s.shape[0] for s in node_slices])]).astype(np.int64)
    identity = bool(np.array_equal(perm, np.arange(perm.shape[0])))
    base = KernelData.from_instance(inst)
    data = base if identity else base.permuted(perm)
    part = Partition(
        node_slices, dev_slices, perm, inv_perm, bounds, data, identity, time.perf_counter() - t0
    )
    with _PARTITIONS_LOCK:
        per_inst = _PARTITIONS.setdefault(inst, {})
        per_inst[key] = part
        while len(per_inst) > PARTITION_CACHE_SIZE:
            per_inst.pop(next(iter(per_inst)))
    return part, True


_POOLS: dict[int, ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def _pool(k: int) -> ThreadPoolExecutor:
    """A persistent pool of ``k`` worker threads (thread start-up is not allocation work).

    One pool per ``k``, created on first use and reused by later calls; the idle
    threads are joined at interpreter exit by ``concurrent.futures``.
    """
    with _POOLS_LOCK:
        pool = _POOLS.get(k)
        if pool is None:
            pool = ThreadPoolExecutor(max_workers=k, thread_name_prefix=f"nimbus-mt{k}")
            _POOLS[k] = pool
        return pool


def _run_slice(args: tuple[Any, ...]) -> tuple[int, float, float]:
    """Run one slice; return (edge placements, wall seconds, CPU seconds of this thread)."""
    data, state, order, nodes, params, prng_seed = args
    t0 = time.perf_counter()
    c0 = time.thread_time()
    placed = run_nimbus(data, state, order, nodes, params, prng_seed)
    return placed, time.perf_counter() - t0, time.thread_time() - c0


def _mt(inst: OffloadingInstance, seed: int, params: MTParams, two_phase: bool) -> RawSolution:
    jit = ensure_compiled()
    k = params.threads
    t0 = time.perf_counter()
    part, built = partition(inst, k, params.split)
    data = part.data
    state = KernelState.empty(data.n_devices, data.n_nodes)
    needed = params.kappa > 0 or params.order == "random"
    children = np.random.SeedSequence(seed).spawn(k + 1) if needed else [None] * (k + 1)
    jobs = []
    for s in range(k):
        prng_seed, order = draw_slice(children[s], part.dev_slices[s], params.order, needed)
        nodes = np.arange(part.bounds[s], part.bounds[s + 1], dtype=np.int64)
        jobs.append((data, state, order, nodes, params, prng_seed))
    t1 = time.perf_counter()
    if k == 1:
        results = [_run_slice(jobs[0])]
    else:  # slices 1..k-1 go to the pool, slice 0 runs in the calling thread
        futures = [_pool(k - 1).submit(_run_slice, job) for job in jobs[1:]]
        first = _run_slice(jobs[0])
        results = [first] + [f.result() for f in futures]
    t2 = time.perf_counter()
    stats: dict[str, Any] = {
        "jit_compile_s": jit,
        "prepare_s": t1 - t0,
        "partition_s": part.build_s if built else 0.0,
        "phase1_s": t2 - t1,
        "threads": k,
        "split": params.split,
        "slice_times_s": [r[1] for r in results],
        "slice_cpu_s": [r[2] for r in results],
        "slice_devices": [int(j[2].shape[0]) for j in jobs],
        "slice_nodes": [int(j[3].shape[0]) for j in jobs],
        "slice_edge": [r[0] for r in results],
        "edge_phase1": int(sum(r[0] for r in results)),
        **_param_stats(params),
    }
    if two_phase:
        t3 = time.perf_counter()
        rest = np.flatnonzero(state.kind != KIND_EDGE)
        prng_seed, order = draw_slice(children[k], rest, params.order, needed)
        # all nodes in ascending original order (renumbered indices)
        placed2 = run_nimbus(data, state, order, part.inv_perm, params, prng_seed)
        stats["phase2_s"] = time.perf_counter() - t3
        stats["phase2_devices"] = int(rest.shape[0])
        stats["edge_phase2"] = placed2
    if not part.identity:  # back to the original node numbering
        edge = state.kind == KIND_EDGE
        state.target[edge] = part.perm[state.target[edge]]
    assignment = state.assignment()
    runtime = time.perf_counter() - t0
    return RawSolution(assignment, runtime=runtime, statistics=stats)


def solve_mt(instance: OffloadingInstance, params: MTParams, *, seed: int = 0) -> RawSolution:
    """MT Nimbus: ``params.threads`` independent slices solved in parallel.

    Parameters
    ----------
    instance
        The offloading instance.
    params
        Per-slice Nimbus parameters plus ``threads`` and ``split``.
    seed
        Root seed of the per-slice streams.

    Returns
    -------
    RawSolution
        Wi-Fi assignment with per-slice statistics.
    """
    return _mt(instance, seed, params, False)


def solve_2pmt(instance: OffloadingInstance, params: MTParams, *, seed: int = 0) -> RawSolution:
    """2PMT Nimbus: MT, then a central pass over every device not on the edge.

    Parameters and return value as :func:`solve_mt`; statistics add ``phase2_s``,
    ``phase2_devices`` and ``edge_phase2``.
    """
    return _mt(instance, seed, params, True)


__all__ = ["Partition", "partition", "solve_2pmt", "solve_mt"]
