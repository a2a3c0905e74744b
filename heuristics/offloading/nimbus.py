"""Nimbus ST and Greedy: the heuristics of the Nimbus paper on the corrected cost model.

The classes here validate parameters and allocate arrays; the hot loops run in
the Numba kernels of :mod:`placement.heuristics.offloading._kernels`.

* :class:`NimbusParams` / :func:`solve_nimbus` — Algorithm 1 on the corrected model:
  FilterAndMinimize, LookAheadLoad (``"exact"``: per-node minimum slack, O(1) per
  test, so nobody already on a node is pushed past its deadline; ``"paper"``: the
  paper's weaker worst-network-latency test against the newcomer's deadline), a
  seeded random subset of κ candidates (κ = 0: all), the ``α·L/ε + β·load/maxload``
  score, failover to the nearest feasible cloud over Wi-Fi, else local.
* :class:`GreedyParams` / :func:`solve_greedy` — κ nearest nodes by RTT (default 5),
  no look-ahead, α = 1, β = 0; it checks only the newcomer, so the evaluator
  reports the devices it breaks.

Seeding: every random stream derives from ``np.random.SeedSequence(seed).spawn(k)``
(``k = 1`` for ST, so MT with one slice draws exactly what ST draws). From a
stream's child sequence a ``numpy`` ``Generator`` is made; its first draw
``integers(0, 2**63)`` seeds the kernel's SplitMix64 (κ sampling), and with
``order="random"`` a following ``permutation`` gives the device order. With κ = 0
and ``order="instance"`` nothing random is used and no stream is created.

Runtime: :attr:`RawSolution.runtime` is the allocation time (array preparation,
kernel, assignment) and excludes JIT compilation, which is done (or loaded from
Numba's cache) once per process by :func:`ensure_compiled` and reported apart as
``statistics["jit_compile_s"]``. The read-only kernel arrays of an instance
(:class:`KernelData`, including the nearest feasible Wi-Fi cloud per device) are
built on the first solve of that instance object and cached with it, so only
that first solve pays the O(N·K + J) preparation.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from placement.heuristics.offloading import _kernels as kernels

from placement.offloading.baselines import nearest_feasible_cloud
from placement.offloading.evaluate import Assignment
from placement.offloading.instance import OffloadingInstance
from placement.offloading.params import LOOKAHEADS, GreedyParams, NimbusParams
from placement.result import RawSolution

logger = logging.getLogger(__name__)

_LOOKAHEAD_CODE = {"exact": kernels.LOOKAHEAD_EXACT, "paper": kernels.LOOKAHEAD_PAPER}


def lookahead_code(params: NimbusParams) -> int:
    """Kernel code of ``params.lookahead``."""
    return _LOOKAHEAD_CODE[params.lookahead]


# ------------------------------------------------------------ kernel arrays
def _ro(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    if a.flags.writeable:
        a = a.view()
        a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class KernelData:
    """The read-only arrays every kernel reads, taken from one instance.

    All arrays are C-contiguous and read-only (so the kernels compile once for
    one set of types). Nothing of size devices × nodes is built.
    """

    device_ap: np.ndarray
    upload: np.ndarray
    deadline: np.ndarray
    budget: np.ndarray
    cloud_choice: np.ndarray
    w_wifi: float
    rtt: np.ndarray
    node_inf: np.ndarray
    slope: np.ndarray
    intercept: np.ndarray
    table: np.ndarray
    tlen: np.ndarray
    cap: np.ndarray

    @cached_property
    def model(self) -> tuple:
        """The model arrays in the order the allocation kernels take them (``device_ap``
        to ``cap``)."""
        return (
            self.device_ap,
            self.upload,
            self.deadline,
            self.budget,
            self.cloud_choice,
            self.w_wifi,
            self.rtt,
            self.node_inf,
            self.slope,
            self.intercept,
            self.table,
            self.tlen,
            self.cap,
        )

    @cached_property
    def all_devices(self) -> np.ndarray:
        """``0..N-1`` (read-only int64): the instance device order."""
        return _ro(np.arange(self.n_devices, dtype=np.int64))

    @cached_property
    def all_nodes(self) -> np.ndarray:
        """``0..J-1`` (read-only int64): every edge node."""
        return _ro(np.arange(self.n_nodes, dtype=np.int64))

    @cached_property
    def _nearest(self) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        return {}

    def nearest(self, kappa: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Greedy's κ nearest reachable nodes per AP (:func:`kernels.nearest_nodes`),
        computed on the first call for a κ and cached with these arrays."""
        kk = kappa if 0 < kappa < self.n_nodes else self.n_nodes
        got = self._nearest.get(kk)
        if got is None:
            near, near_rtt, cnt = kernels.nearest_nodes(
                self.rtt, self.all_nodes, np.int64(max(kk, 1))
            )
            got = self._nearest[kk] = (_ro(near), _ro(near_rtt), _ro(cnt))
        return got

    @classmethod
    def from_instance(cls, inst: OffloadingInstance) -> KernelData:
        """The arrays of ``inst`` (Wi-Fi failover: nearest feasible cloud).

        Instances are immutable, so the result is cached per instance object (weakly:
        it goes with the instance) and repeated solves skip this O(N·K + J) step.
        """
        data = _DATA_CACHE.get(inst)
        if data is None:
            data = cls._build(inst)
            _DATA_CACHE[inst] = data
        return data

    @classmethod
    def _build(cls, inst: OffloadingInstance) -> KernelData:
        table, tlen = inst.queue_table_padded
        return cls(
            device_ap=_ro(inst.device_ap.astype(np.int64, copy=False)),
            upload=_ro(inst.wifi_upload_ms),
            deadline=_ro(inst.deadline_ms),
            budget=_ro(inst.energy_budget_mj),
            cloud_choice=_ro(nearest_feasible_cloud(inst, lte=False)),
            w_wifi=float(inst.w_wifi),
            rtt=_ro(inst.rtt_ms),
            node_inf=_ro(inst.node_inference_ms),
            slope=_ro(inst.node_queue_slope_ms),
            intercept=_ro(inst.node_queue_intercept_ms),
            table=_ro(np.asarray(table, dtype=np.float64)),
            tlen=_ro(np.asarray(tlen, dtype=np.int64)),
            cap=_ro(inst.node_capacity.astype(np.int64, copy=False)),
        )

    def permuted(self, perm: np.ndarray) -> KernelData:
        """A copy with the edge nodes renumbered: new node ``l`` is old node ``perm[l]``.

        Copies the RTT matrix (its columns reordered); device arrays are shared.
        """
        perm = np.asarray(perm, dtype=np.int64)
        return KernelData(
            device_ap=self.device_ap,
            upload=self.upload,
            deadline=self.deadline,
            budget=self.budget,
            cloud_choice=self.cloud_choice,
            w_wifi=self.w_wifi,
            rtt=_ro(kernels.gather_columns(self.rtt, _ro(perm))),
            node_inf=_ro(self.node_inf[perm]),
            slope=_ro(self.slope[perm]),
            intercept=_ro(self.intercept[perm]),
            table=_ro(np.ascontiguousarray(self.table[perm])),
            tlen=_ro(self.tlen[perm]),
            cap=_ro(self.cap[perm]),
        )

    @property
    def n_devices(self) -> int:
        """Number of devices."""
        return int(self.device_ap.shape[0])

    @property
    def n_nodes(self) -> int:
        """Number of edge nodes."""
        return int(self.node_inf.shape[0])


_DATA_CACHE: weakref.WeakKeyDictionary[OffloadingInstance, KernelData] = weakref.WeakKeyDictionary()


@dataclass(eq=False)
class KernelState:
    """The mutable arrays the kernels update: loads, min slacks, worst network
    times per node; kind and target per device (initially all local)."""

    load: np.ndarray
    min_slack: np.ndarray
    max_net: np.ndarray
    kind: np.ndarray
    target: np.ndarray

    @classmethod
    def empty(cls, n_devices: int, n_nodes: int) -> KernelState:
        """A state with empty nodes and every device local."""
        min_slack = np.empty(n_nodes)
        min_slack.fill(np.inf)
        target = np.empty(n_devices, dtype=np.int64)
        target.fill(-1)
        return cls(
            load=np.zeros(n_nodes, dtype=np.int64),
            min_slack=min_slack,
            max_net=np.zeros(n_nodes),
            kind=np.zeros(n_devices, dtype=np.int8),
            target=target,
        )

    def assignment(self, *, copy: bool = True) -> Assignment:
        """The Wi-Fi :class:`~placement.offloading.evaluate.Assignment` of the current state.

        ``copy=False`` hands the state's own ``kind`` / ``target`` arrays over (they
        become read-only): for a state that is discarded afterwards.
        """
        if copy:
            return Assignment.from_arrays(self.kind.copy(), self.target.copy())
        return Assignment.from_arrays(self.kind, self.target)


def _index_array(a: np.ndarray) -> np.ndarray:
    """``a`` as a read-only C-contiguous int64 array (no copy when it is one already)."""
    if a.dtype == np.int64 and not a.flags.writeable and a.flags.c_contiguous:
        return a
    return _ro(a.astype(np.int64, copy=False))


def run_nimbus(
    data: KernelData,
    state: KernelState,
    order: np.ndarray,
    nodes: np.ndarray,
    params: NimbusParams,
    prng_seed: int,
) -> int:
    """Run :func:`kernels.nimbus_kernel` on ``order`` × ``nodes``; return edge placements."""
    return int(
        kernels.nimbus_kernel(
            _index_array(order),
            _index_array(nodes),
            *data.model,
            state.load,
            state.min_slack,
            state.max_net,
            state.kind,
            state.target,
            np.int64(params.kappa),
            float(params.alpha),
            float(params.beta),
            np.int64(lookahead_code(params)),
            np.uint64(prng_seed),
        )
    )


def run_greedy(
    data: KernelData, state: KernelState, order: np.ndarray, nodes: np.ndarray, kappa: int
) -> int:
    """Run :func:`kernels.greedy_kernel`; return edge placements."""
    if kappa > 0:
        if nodes is data.all_nodes:
            near, near_rtt, cnt = data.nearest(kappa)
        else:
            kk = kappa if kappa < nodes.shape[0] else nodes.shape[0]
            near, near_rtt, cnt = kernels.nearest_nodes(
                data.rtt, _index_array(nodes), np.int64(max(kk, 1))
            )
    else:
        near, near_rtt, cnt = _NO_NEAR
    return int(
        kernels.greedy_kernel(
            _index_array(order),
            _index_array(nodes),
            *data.model,
            state.load,
            state.kind,
            state.target,
            np.int64(kappa),
            near,
            near_rtt,
            cnt,
        )
    )


_NO_NEAR = (
    _ro(np.zeros((1, 1), dtype=np.int64)),
    _ro(np.zeros((1, 1), dtype=np.float64)),
    _ro(np.zeros(1, dtype=np.int64)),
)


# ------------------------------------------------------------------ JIT warm-up
_compile_lock = threading.Lock()
_compiled = False


def _tiny_data() -> KernelData:
    ro = _ro
    return KernelData(
        device_ap=ro(np.zeros(2, np.int64)),
        upload=ro(np.ones(2)),
        deadline=ro(np.full(2, 100.0)),
        budget=ro(np.full(2, 200.0)),
        cloud_choice=ro(np.full(2, -1, np.int64)),
        w_wifi=1.21,
        rtt=ro(np.array([[1.0, 2.0, np.inf]])),
        node_inf=ro(np.array([5.0, 5.0, 5.0])),
        slope=ro(np.array([1.0, 1.0, 1.0])),
        intercept=ro(np.array([-1.0, -1.0, -1.0])),
        table=ro(np.array([[0.0, 1.0], [0.0, 0.0], [0.0, 0.0]])),
        tlen=ro(np.array([2, 0, 0], np.int64)),
        cap=ro(np.array([2, 2, 2], np.int64)),
    )


def ensure_compiled() -> float:
    """Compile (or load from Numba's cache) every kernel once per process.

    Returns
    -------
    float
        Seconds spent now (0.0 when the kernels were ready already).
    """
    global _compiled
    if _compiled:
        return 0.0
    with _compile_lock:
        if _compiled:
            return 0.0
        t0 = time.perf_counter()
        d = _tiny_data()
        order = np.arange(2, dtype=np.int64)
        nodes = np.arange(3, dtype=np.int64)
        for la in LOOKAHEADS:
            run_nimbus(
                d, KernelState.empty(2, 3), order, nodes, NimbusParams(kappa=1, lookahead=la), 1
            )
        run_greedy(d, KernelState.empty(2, 3), order, nodes, 1)
        run_greedy(d, KernelState.empty(2, 3), order, d.all_nodes, 1)
        d.permuted(np.array([2, 0, 1], dtype=np.int64))  # kernels.gather_columns
        _compiled = True
        dt = time.perf_counter() - t0
        logger.debug("Nimbus kernels ready in %.3f s", dt)
        return dt


# --------------------------------------------------------------------- seeding
def slice_streams(seed: int, k: int) -> list[np.random.SeedSequence]:
    """One child sequence per slice: ``SeedSequence(seed).spawn(k)``."""
    return np.random.SeedSequence(seed).spawn(k)


def draw_slice(
    seq: np.random.SeedSequence, devices: np.ndarray, order: str, needed: bool = True
) -> tuple[int, np.ndarray]:
    """The kernel PRNG seed and the device order of one slice, drawn from ``seq``.

    From ``rng = default_rng(seq)`` the first draw is the SplitMix64 seed
    (``integers(0, 2**63)``); with ``order="random"`` a ``permutation`` of
    ``devices`` follows. ``needed=False`` (κ = 0 and instance order: nothing random
    is used) skips the Generator and returns seed 0.
    """
    if not needed:
        return 0, devices
    rng = np.random.default_rng(seq)
    prng_seed = int(rng.integers(0, 2**63))
    if order == "random":
        devices = rng.permutation(devices)
    return prng_seed, np.ascontiguousarray(devices, dtype=np.int64)


# ------------------------------------------------------------------- solvers
def solve_nimbus(
    instance: OffloadingInstance, params: NimbusParams, *, seed: int = 0
) -> RawSolution:
    """Nimbus ST: devices in order, each on the feasible node of least score.

    Parameters
    ----------
    instance
        The offloading instance.
    params
        κ, α, β, order and look-ahead (:class:`~placement.offloading.params.NimbusParams`).
    seed
        Seed of the κ sampling and of ``order="random"``.

    Returns
    -------
    RawSolution
        Wi-Fi assignment; ``runtime`` = allocation time without JIT compilation;
        statistics ``jit_compile_s``, ``prepare_s``, ``kernel_s``, ``edge_placed``.
    """
    inst = instance
    jit = ensure_compiled()
    t0 = time.perf_counter()
    data = KernelData.from_instance(inst)
    state = KernelState.empty(data.n_devices, data.n_nodes)
    needed = params.kappa > 0 or params.order == "random"
    seq = slice_streams(seed, 1)[0] if needed else None
    prng_seed, dev_order = draw_slice(seq, data.all_devices, params.order, needed)
    t1 = time.perf_counter()
    placed = run_nimbus(data, state, dev_order, data.all_nodes, params, prng_seed)
    t2 = time.perf_counter()
    assignment = state.assignment(copy=False)
    runtime = time.perf_counter() - t0
    return RawSolution(
        assignment,
        runtime=runtime,
        statistics={
            "jit_compile_s": jit,
            "prepare_s": t1 - t0,
            "kernel_s": t2 - t1,
            "edge_placed": placed,
            "threads": 1,
            **_param_stats(params),
        },
    )


def solve_greedy(
    instance: OffloadingInstance, params: GreedyParams, *, seed: int = 0
) -> RawSolution:
    """Greedy Nimbus (κ nearest nodes by RTT, no look-ahead, α = 1, β = 0).

    Parameters
    ----------
    instance
        The offloading instance.
    params
        κ and order (:class:`~placement.offloading.params.GreedyParams`).
    seed
        Seed of ``order="random"``.

    Returns
    -------
    RawSolution
        Wi-Fi assignment (may leave earlier devices past their deadline; the
        evaluator counts them); ``runtime`` without JIT compilation. The κ nearest
        nodes of every AP depend on the instance only: the first solve of an
        instance with a given κ computes them (``statistics["nearest_s"]``), later
        solves reuse them.
    """
    inst = instance
    jit = ensure_compiled()
    t0 = time.perf_counter()
    data = KernelData.from_instance(inst)
    state = KernelState.empty(data.n_devices, data.n_nodes)
    needed = params.order == "random"
    seq = slice_streams(seed, 1)[0] if needed else None
    _, dev_order = draw_slice(seq, data.all_devices, params.order, needed)
    tn = time.perf_counter()
    if params.kappa > 0:
        data.nearest(params.kappa)  # the κ nearest nodes per AP: first solve only
    t1 = time.perf_counter()
    placed = run_greedy(data, state, dev_order, data.all_nodes, params.kappa)
    t2 = time.perf_counter()
    assignment = state.assignment(copy=False)
    runtime = time.perf_counter() - t0
    return RawSolution(
        assignment,
        runtime=runtime,
        statistics={
            "jit_compile_s": jit,
            "prepare_s": t1 - t0,
            "nearest_s": t1 - tn,
            "kernel_s": t2 - t1,
            "edge_placed": placed,
            "threads": 1,
            "kappa": params.kappa,
            "order": params.order,
        },
    )


def _param_stats(p: NimbusParams) -> dict[str, Any]:
    return {
        "kappa": p.kappa,
        "alpha": p.alpha,
        "beta": p.beta,
        "order": p.order,
        "lookahead": p.lookahead,
    }
