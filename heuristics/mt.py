"""MT and 2PMT Nimbus: the partitioned, multi-threaded variants (spec §4; paper §7 (D)).

Partition into ``k`` slices (``k`` = ``threads``):

* **Edge nodes** — within each tier (standard tiers first, node-index order inside
  a tier) the nodes are dealt round-robin to slices ``0, 1, …, k-1``, restarting at
  slice 0 for each tier (10 slices and 3 T3 nodes → slices 0–2 get one each, as
  the paper says). Inside a slice the nodes are kept in ascending index order.
* **Devices** follow their AP. ``split="contiguous"`` (the paper's): the AP index
  range ``0..A-1`` is cut into ``k`` contiguous blocks (``numpy.array_split``).
  ``split="affinity"``: each AP goes to the slice holding its lowest-RTT node,
  with a balance cap of ``ceil(1.25·N/k)`` devices per slice — APs are taken in
  ascending order of their best RTT (ties by index) and go to the best slice by
  RTT that still has room for all their devices, else to the slice with the
  fewest devices.

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
import math
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from placement.heuristics.nimbus import (
    KernelData,
    KernelState,
    NimbusParams,
    _check_choice,
    _check_instance,
    _check_int,
    _param_stats,
    draw_slice,
    ensure_compiled,
    run_nimbus,
)

from placement.instance import KIND_EDGE, OffloadingInstance
from placement.methods import RawSolution

logger = logging.getLogger(__name__)

SPLITS = ("contiguous", "affinity")
#: Balance cap of the affinity split: at most this factor times the mean devices per slice.
AFFINITY_BALANCE = 1.25


@dataclass(frozen=True)
class MTParams:
    """Parameters of MT / 2PMT.

    Attributes
    ----------
    nimbus
        The per-slice :class:`~placement.heuristics.nimbus.NimbusParams`.
    threads
        Number of slices and threads ``k >= 1``.
    split
        ``"contiguous"`` or ``"affinity"`` (module docstring).
    """

    nimbus: NimbusParams
    threads: int = 2
    split: str = "contiguous"

    def __post_init__(self) -> None:
        object.__setattr__(self, "threads", _check_int("threads", self.threads, 1))
        _check_choice("split", self.split, SPLITS)


def partition_nodes(inst: OffloadingInstance, k: int) -> list[np.ndarray]:
    """Edge nodes dealt round-robin per tier into ``k`` slices (ascending index inside)."""
    tiers = np.asarray(inst.node_tier, dtype=object)
    slices: list[list[int]] = [[] for _ in range(k)]
    for tier in inst.tiers:
        for t, j in enumerate(np.flatnonzero(tiers == tier)):
            slices[t % k].append(int(j))
    return [np.sort(np.asarray(s, dtype=np.int64)) for s in slices]


def partition_aps(
    inst: OffloadingInstance, k: int, split: str, node_slices: list[np.ndarray]
) -> np.ndarray:
    """``(A,)`` slice of each AP (module docstring)."""
    A = inst.n_aps
    if split == "contiguous":
        out = np.empty(A, dtype=np.int64)
        for s, block in enumerate(np.array_split(np.arange(A), k)):
            out[block] = s
        return out
    best = np.full((A, k), np.inf)
    for s, nodes in enumerate(node_slices):
        if nodes.size:
            best[:, s] = inst.rtt_ms[:, nodes].min(axis=1)
    per_ap = np.bincount(inst.device_ap, minlength=A)
    room = math.ceil(AFFINITY_BALANCE * inst.n_devices / k)
    filled = np.zeros(k, dtype=np.int64)
    out = np.argmin(best, axis=1).astype(np.int64)  # APs without devices: preferred slice
    for a in np.lexsort((np.arange(A), best.min(axis=1))):
        if per_ap[a] == 0:
            continue
        choice = -1
        for s in np.argsort(best[a], kind="stable"):
            if filled[s] + per_ap[a] <= room:
                choice = int(s)
                break
        if choice < 0:
            choice = int(np.argmin(filled))
        out[a] = choice
        filled[choice] += per_ap[a]
    return out


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
        :class:`~placement.heuristics.nimbus.KernelData` when ``perm`` is the identity).
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
    node_slices = partition_nodes(inst, k)
    dev_slice = partition_aps(inst, k, split, node_slices)[inst.device_ap]
    order = np.argsort(dev_slice, kind="stable")
    dbounds = np.searchsorted(dev_slice[order], np.arange(k + 1))
    dev_slices = [order[dbounds[s] : dbounds[s + 1]].astype(np.int64) for s in range(k)]
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


def _mt(instance: Any, seed: int, params: MTParams, two_phase: bool) -> RawSolution:
    inst = _check_instance(instance)
    jit = ensure_compiled()
    k = params.threads
    t0 = time.perf_counter()
    part, built = partition(inst, k, params.split)
    data = part.data
    state = KernelState.empty(data.n_devices, data.n_nodes)
    needed = params.nimbus.kappa > 0 or params.nimbus.order == "random"
    children = np.random.SeedSequence(seed).spawn(k + 1) if needed else [None] * (k + 1)
    jobs = []
    for s in range(k):
        prng_seed, order = draw_slice(children[s], part.dev_slices[s], params.nimbus.order, needed)
        nodes = np.arange(part.bounds[s], part.bounds[s + 1], dtype=np.int64)
        jobs.append((data, state, order, nodes, params.nimbus, prng_seed))
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
        **_param_stats(params.nimbus),
    }
    if two_phase:
        t3 = time.perf_counter()
        rest = np.flatnonzero(state.kind != KIND_EDGE)
        prng_seed, order = draw_slice(children[k], rest, params.nimbus.order, needed)
        # all nodes in ascending original order (renumbered indices)
        placed2 = run_nimbus(data, state, order, part.inv_perm, params.nimbus, prng_seed)
        stats["phase2_s"] = time.perf_counter() - t3
        stats["phase2_devices"] = int(rest.shape[0])
        stats["edge_phase2"] = placed2
    if not part.identity:  # back to the original node numbering
        edge = state.kind == KIND_EDGE
        state.target[edge] = part.perm[state.target[edge]]
    assignment = state.assignment()
    runtime = time.perf_counter() - t0
    return RawSolution(assignment, runtime=runtime, statistics=stats)


def _params(
    kappa: int, alpha: float, beta: float, order: str, lookahead: str, threads: int, split: str
) -> MTParams:
    return MTParams(
        NimbusParams(kappa=kappa, alpha=alpha, beta=beta, order=order, lookahead=lookahead),
        threads=threads,
        split=split,
    )


def solve_mt(
    instance: OffloadingInstance,
    *,
    seed: int = 0,
    kappa: int = 0,
    alpha: float = 0.7,
    beta: float = 0.3,
    order: str = "instance",
    lookahead: str = "exact",
    threads: int = 2,
    split: str = "contiguous",
) -> RawSolution:
    """MT Nimbus: ``threads`` independent slices solved in parallel.

    Parameters
    ----------
    instance
        The offloading instance.
    seed
        Root seed of the per-slice streams.
    kappa, alpha, beta, order, lookahead
        Per-slice Nimbus parameters (:class:`~placement.heuristics.nimbus.NimbusParams`).
    threads, split
        See :class:`MTParams`.

    Returns
    -------
    RawSolution
        Wi-Fi assignment with per-slice statistics.

    Raises
    ------
    InputError
        For an invalid parameter value.
    """
    return _mt(instance, seed, _params(kappa, alpha, beta, order, lookahead, threads, split), False)


def solve_2pmt(
    instance: OffloadingInstance,
    *,
    seed: int = 0,
    kappa: int = 0,
    alpha: float = 0.7,
    beta: float = 0.3,
    order: str = "instance",
    lookahead: str = "exact",
    threads: int = 2,
    split: str = "contiguous",
) -> RawSolution:
    """2PMT Nimbus: MT, then a central pass over every device not on the edge.

    Parameters and return value as :func:`solve_mt`; statistics add ``phase2_s``,
    ``phase2_devices`` and ``edge_phase2``.

    Raises
    ------
    InputError
        For an invalid parameter value.
    """
    return _mt(instance, seed, _params(kappa, alpha, beta, order, lookahead, threads, split), True)


__all__ = [
    "MTParams",
    "Partition",
    "partition",
    "partition_aps",
    "partition_nodes",
    "solve_2pmt",
    "solve_mt",
]
