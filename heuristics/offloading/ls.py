"""Local search ``ls``: near-optimal offloading with a bound, at any scale.

1. **Start** (``start=``): ``auto`` keeps the best of Nimbus, the min-cost-flow
   relaxation repaired to feasibility (:mod:`placement.heuristics.offloading.flow`; for
   ``edge`` with a bonus per edge device) and, with ε, the flow with the constraint priced
   by the bound's multiplier μ; ``flow``, any registered method by name, or a given
   ``Assignment`` / ``Result``. Devices a start leaves past a deadline, budget or cap
   move to their cloud option, else local (that only shortens the others' queues).
2. **Improve** with the kernels of :mod:`._ls_kernels`: relocations (edge↔edge,
   edge↔cloud, edge/cloud↔local), swaps and ejection chains through full nodes, exact
   O(1) deltas and the per-node minimum slack; every move keeps every device within
   deadline, budget and cap (``energy``: then the level search of
   :mod:`.levels`, which re-places every device at once by a min-cost flow at fixed node
   levels). A descent visits the devices in a seeded random order until
   a pass moves nothing; then ruin-and-recreate kicks (:func:`_ruin`: empty a few
   neighbouring nodes, descend again; record-to-record acceptance within
   :data:`ACCEPT_RTOL`) until ``kicks`` kicks, ``no_improvement`` kicks without
   improvement, the time limit, or a certified gap ≤ ``gap``. Same seed, same
   assignment.
3. **Objectives** as the MILP has them: ``latency``, ``energy``, ``edge`` (the edge count
   weighted above any latency change) and the ε-constraint as a hard constraint of every
   move. A start past ε is first driven below it; then the objective is improved with the
   constraint priced by a schedule of multipliers around μ, each followed by λ = 0.
4. **Scale** (``threads = k > 1``, no ε): the slices of
   :func:`placement.offloading.partition.partition` (disjoint devices and nodes) are
   improved in parallel threads (the kernels release the GIL), then the central search
   runs. Above :data:`FULL_SCAN_NODES` nodes a relocation looks at the nearest nodes only.
5. **Bound**: :func:`placement.heuristics.offloading.bounds.lower_bound` (latency: the
   flow value the start already has; ε: computed first, a bound of +inf proves ε
   infeasible); above :data:`MAX_RELAX_PAIRS` pairs the per-AP Lagrangian latency
   bound of :mod:`placement.heuristics.offloading.bound_large` (no device × node array).

:func:`improve` is the improver hook of online re-optimisation
(``improve(instance, assignment, params, *, max_moves) -> (assignment, moves)``).
"""

from __future__ import annotations

import logging
import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from placement.heuristics.offloading import _ls_kernels as lk
from placement.heuristics.offloading import _relocate_kernels as rk
from placement.heuristics.offloading.bound_large import MAX_PAIRS, aggregated_bound
from placement.heuristics.offloading.levels import polish
from placement.heuristics.offloading.ls_start import choose_start
from placement.heuristics.offloading.ls_start import key as _key
from placement.heuristics.offloading.nimbus import KernelData, ensure_compiled

from placement.errors import InputError
from placement.offloading.evaluate import Assignment, evaluate
from placement.offloading.instance import KIND_CLOUD, KIND_EDGE, KIND_LOCAL, OffloadingInstance
from placement.offloading.params import LSParams, RelocateParams
from placement.result import RawSolution, Status, Termination
from placement.stop import MaxIterations, MultipleCriteria, NoImprovement

logger = logging.getLogger(__name__)

#: Multipliers λ of the ε-constraint's pricing (each run followed by λ = 0), relative to
#: the ratio of the two objectives' totals at the start.
LAMBDA_SCHEDULE = (1.0, 0.25, 4.0, 0.0625, 16.0)
#: Every this many kicks the descent after the ruin visits every device (else only the
#: devices of the ruined region).
FULL_EVERY = 10
#: Above this many edge nodes a relocation looks at the RELOCATE_NEAREST nodes nearest
#: to the device's AP (by RTT) instead of every node.
FULL_SCAN_NODES = 2000
RELOCATE_NEAREST = 64
#: Above this many devices the first descent runs without ejection chains first.
LARGE = 20_000
#: Ejection-chain candidates per device (``neighbours=None``) up to LARGE devices and above
#: (100k × 10k, 36 s from 2PMT: 8 → 6.857e6 ms, 24 → 6.837e6, 40 → 6.833e6, 64 → 6.831e6).
NEIGHBOURS, NEIGHBOURS_LARGE = 8, 64
#: A kick whose result is at most this much (relative) worse than the best is kept as
#: the next kick's starting point (record-to-record travel); else the best is restored.
ACCEPT_RTOL = 1e-3
#: Above this many device × node pairs ``ls`` neither builds the flow relaxation (start,
#: bound) nor calls the bounds module: their pre-filter holds arrays of that size
#: (100k × 10k needs more than 14 GB). Such instances start from 2PMT and get the
#: per-AP Lagrangian latency bound (:mod:`~placement.heuristics.offloading.bound_large`).
MAX_RELAX_PAIRS = MAX_PAIRS
#: Devices per kernel call: the time limit is checked between calls.
CHUNK = 4096


# ------------------------------------------------------------------ weights
@dataclass(frozen=True)
class Weights:
    """``wl·ΣL + we·ΣE + wx·edge`` minimised subject to ``cl·ΣL + ce·ΣE <= limit``."""

    wl: float = 1.0
    we: float = 0.0
    wx: float = 0.0
    cl: float = 0.0
    ce: float = 0.0
    limit: float = math.inf

    def value(self, lat: float, en: float, edge: int) -> float:
        """The weighted objective of totals ``lat``, ``en`` and ``edge`` devices."""
        return self.wl * lat + self.we * en + self.wx * edge

    def constrained(self, lat: float, en: float) -> float:
        """The constrained quantity of totals ``lat`` and ``en``."""
        return self.cl * lat + self.ce * en


def objective_weights(
    objective: str, epsilon: float | None, lam: float, edge_weight: float
) -> Weights:
    """The :class:`Weights` of ``objective`` with ε-constraint ``epsilon`` priced by ``lam``."""
    if objective == "edge":
        return Weights(wl=1.0, wx=-edge_weight)
    if objective == "energy":
        if epsilon is None:
            return Weights(wl=0.0, we=1.0)
        return Weights(wl=lam, we=1.0, cl=1.0, limit=float(epsilon))
    if epsilon is None:
        return Weights()
    return Weights(we=lam, ce=1.0, limit=float(epsilon))


# ------------------------------------------------------------------ state
class Search:
    """The mutable arrays of one local search over one instance (module docstring)."""

    def __init__(
        self,
        instance: OffloadingInstance,
        assignment: Assignment,
        neighbours: int,
        objective: str = "latency",
    ):
        self.instance = instance
        d = self.data = KernelData.from_instance(instance)
        N, J = d.n_devices, d.n_nodes
        self.local_ms = np.ascontiguousarray(instance.device_local_ms, dtype=np.float64)
        self.local_mj = np.ascontiguousarray(instance.device_local_mj, dtype=np.float64)
        self.cl_k, self.cl_lat, self.cl_e = _clouds(instance, d, objective)
        if J:
            self.near, _, self.cnt = d.nearest(neighbours)
        else:
            self.near = np.zeros((max(instance.n_aps, 1), 1), dtype=np.int64)
            self.cnt = np.zeros(max(instance.n_aps, 1), dtype=np.int64)
        if J > FULL_SCAN_NODES:  # relocations to the nearest nodes only
            self.near2, _, self.cnt2 = d.nearest(RELOCATE_NEAREST)
            self.use_near2 = True
        else:
            self.near2, self.cnt2, self.use_near2 = self.near, self.cnt, False
        self.no_slice = np.zeros(max(J, 1), dtype=np.int64)
        self.kind, self.target = _repair(self, assignment)
        self.head = np.empty(J, dtype=np.int64)
        self.nxt = np.empty(N, dtype=np.int64)
        self.prv = np.empty(N, dtype=np.int64)
        self.load = np.empty(J, dtype=np.int64)
        self.min_slack = np.empty(J)
        self.base = np.empty(J)
        self.dq = np.empty(J)
        self.tot = np.zeros(1)
        rk.reloc_init(
            self.kind, self.target, d.device_ap, d.upload, d.deadline, d.rtt, d.node_inf,
            d.slope, d.intercept, d.table, d.tlen, d.cap, self.head, self.nxt, self.prv,
            self.load, self.min_slack, self.base, self.dq,
        )  # fmt: skip

    def totals(self) -> tuple[float, float, int]:
        """Total latency, total energy and edge devices of the current assignment."""
        ev = evaluate(self.instance, self.assignment())
        return ev.objective, ev.total_energy_mj, int(np.sum(self.kind == KIND_EDGE))

    def assignment(self) -> Assignment:
        """A copy of the current assignment."""
        target = self.target.copy()
        target[(self.kind != KIND_EDGE) & (self.kind != KIND_CLOUD)] = -1
        return Assignment.from_arrays(self.kind.copy(), target)

    def load_assignment(self, a: Assignment) -> None:
        """Reset the state to assignment ``a`` (feasible)."""
        self.kind[:] = a.kind
        self.target[:] = a.target
        d = self.data
        rk.reloc_init(
            self.kind, self.target, d.device_ap, d.upload, d.deadline, d.rtt, d.node_inf,
            d.slope, d.intercept, d.table, d.tlen, d.cap, self.head, self.nxt, self.prv,
            self.load, self.min_slack, self.base, self.dq,
        )  # fmt: skip

    def run(
        self,
        order: np.ndarray,
        w: Weights,
        *,
        eject: bool = True,
        max_moves: int = -1,
        node_slice: np.ndarray | None = None,
        sl: int = -1,
        key: np.ndarray | None = None,
    ) -> tuple[int, float]:
        """One kernel pass over ``order`` with weights ``w`` (only the nodes labelled
        ``sl`` in ``node_slice`` when ``sl >= 0``); returns (devices moved, gain)."""
        d = self.data
        if key is None:
            key = np.empty(max(d.n_nodes, 1))
        if node_slice is None:
            node_slice = self.no_slice
        k, g = lk.ls_pass(
            np.ascontiguousarray(order, dtype=np.int64), self.kind, self.target, d.device_ap,
            d.upload, d.deadline, d.budget, self.local_ms, self.local_mj, self.cl_k,
            self.cl_lat, self.cl_e, d.w_wifi, d.rtt, d.node_inf, d.slope, d.intercept,
            d.table, d.tlen, d.cap, self.head, self.nxt, self.prv, self.load,
            self.min_slack, self.base, self.dq, key, self.near, self.cnt, float(w.wl),
            float(w.we), float(w.wx), float(w.cl), float(w.ce), float(w.limit), self.tot,
            bool(eject), np.int64(max_moves), node_slice, np.int64(sl), self.near2, self.cnt2,
            bool(self.use_near2),
        )  # fmt: skip
        return int(k), float(g)


def _clouds(
    inst: OffloadingInstance, d: KernelData, objective: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per device its Wi-Fi cloud option (-1: none within deadline and budget) — the
    least energy for ``energy``, else the least latency — with its latency and energy."""
    N = d.n_devices
    k = np.full(N, -1, dtype=np.int64)
    lat = np.full(N, np.inf)
    en = np.full(N, np.inf)
    if inst.n_clouds == 0 or N == 0:
        return k, lat, en
    net = d.upload[:, None] + inst.cloud_rtt_wifi_ms[d.device_ap]
    L = net + inst.cloud_inference_ms[None, :]
    E = d.w_wifi * net
    ok = (L <= d.deadline[:, None]) & (E <= d.budget[:, None])
    key = np.where(ok, E if objective == "energy" else L, np.inf)
    best = np.argmin(key, axis=1)
    rows = np.arange(N)
    has = np.isfinite(key[rows, best])
    k[has] = best[has]
    lat[has] = L[rows, best][has]
    en[has] = E[rows, best][has]
    return k, lat, en


def _repair(s: Search, a: Assignment) -> tuple[np.ndarray, np.ndarray]:
    """Kind / target arrays of ``a`` with every violated device (deadline, budget, cap)
    moved to its cloud option, else local: the rest only gets faster."""
    inst = s.instance
    if a.n_devices != inst.n_devices:
        raise InputError("must have one entry per device", field="start")
    if np.any(~a.active):
        raise InputError("ls takes assignments of active devices", field="start")
    kind = np.ascontiguousarray(a.kind, dtype=np.int8).copy()
    target = np.ascontiguousarray(a.target, dtype=np.int64).copy()
    ev = evaluate(inst, a)
    bad = ~np.asarray(ev.feasible, dtype=bool) | a.lte
    if a.lte.any():  # LTE is no option of ls: those devices take their Wi-Fi cloud
        bad |= a.lte
    idx = np.flatnonzero(bad)
    if idx.size:
        ck = s.cl_k[idx]
        kind[idx] = np.where(ck >= 0, KIND_CLOUD, KIND_LOCAL).astype(np.int8)
        target[idx] = np.where(ck >= 0, ck, -1)
    target[kind == KIND_LOCAL] = -1
    return kind, target


# ------------------------------------------------------------------ the search loop
@dataclass
class Trace:
    """Progress of a search: ``(seconds, weighted objective)`` after every pass."""

    t0: float = field(default_factory=time.perf_counter)
    points: list[tuple[float, float]] = field(default_factory=list)
    passes: int = 0
    moves: int = 0
    kicks: int = 0
    slice_times: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.points.append((time.perf_counter() - self.t0, value))


def _climb(
    s: Search,
    w: Weights,
    rng: np.random.Generator,
    *,
    t_end: float | None,
    eject: bool,
    trace: Trace,
    max_moves: int | None = None,
    until: float | None = None,
    first: np.ndarray | None = None,
    max_passes: int = 1000,
    only: bool = False,
) -> bool:
    """Passes with weights ``w`` (devices ``first`` first, then all in a random order)
    until a local optimum (a pass without a move), ``max_passes``, the time limit,
    ``max_moves`` or (``until``) the constrained quantity at most ``until``. Returns
    whether the time limit stopped it."""
    lat, en, _ = s.totals()
    s.tot[0] = w.constrained(lat, en)
    N = s.data.n_devices
    for p in range(max_passes):
        if until is not None and s.tot[0] <= until:
            break
        if only and first is not None:
            order = rng.permutation(first)
        else:
            order = rng.permutation(N)
            if first is not None and p == 0:
                order = np.concatenate([first, order])
        moved = 0
        for c0 in range(0, max(order.shape[0], 1), CHUNK):
            if t_end is not None and time.perf_counter() >= t_end:
                return True
            left = -1 if max_moves is None else max_moves - trace.moves
            if left == 0:
                return False
            k, _ = s.run(order[c0 : c0 + CHUNK], w, eject=eject, max_moves=left)
            moved += k
            trace.moves += k
        trace.passes += 1
        if moved == 0:
            break
    return False


def _ruin(s: Search, rng: np.random.Generator) -> np.ndarray:
    """Move every device off a few neighbouring edge nodes (the nearest nodes of a
    random device's AP) to its cloud option, else local; return those devices."""
    N = s.data.n_devices
    i = int(rng.integers(N))
    a = int(s.data.device_ap[i])
    c = int(s.cnt[a])
    if c == 0:
        return np.zeros(0, dtype=np.int64)
    r = int(rng.integers(1, min(c, 4) + 1))
    nodes = s.near[a, :r]
    near_aps = np.isin(
        s.data.device_ap, s.data.device_ap[(s.kind == KIND_EDGE) & np.isin(s.target, nodes)]
    )
    devs = np.flatnonzero((s.kind == KIND_EDGE) & np.isin(s.target, nodes))
    region = np.flatnonzero(near_aps | (s.data.device_ap == a))
    ck = s.cl_k[devs]
    s.kind[devs] = np.where(ck >= 0, KIND_CLOUD, KIND_LOCAL).astype(np.int8)
    s.target[devs] = np.where(ck >= 0, ck, -1)
    s.load_assignment(Assignment.from_arrays(s.kind.copy(), s.target.copy()))
    return np.union1d(region, devs).astype(np.int64)


def local_search(
    instance: OffloadingInstance,
    start: Assignment,
    objective: str = "latency",
    epsilon: float | None = None,
    *,
    seed: int = 0,
    time_limit: float | None = None,
    kicks: int = 200,
    no_improvement: int = 30,
    eject: bool = True,
    neighbours: int | None = None,
    threads: int = 1,
    max_moves: int | None = None,
    trace: Trace | None = None,
    mu: float | None = None,
    target: float | None = None,
) -> tuple[Assignment | None, Trace]:
    """Improve ``start`` (module docstring); returns the best feasible assignment
    (``None`` when no assignment within ``epsilon`` was found) and the trace.

    After the first descent (and, with ε, the multiplier schedule) up to
    ``kicks`` ruin-and-recreate kicks follow (:func:`_ruin`, then a descent; the
    result is kept when better, else the best is restored), ending after
    ``no_improvement`` kicks in a row without a relative improvement > 1e-9, or once the
    objective is at most ``target`` (a bound times ``1 + gap``)."""
    ensure_compiled()
    _ensure_ls_compiled()
    trace = trace or Trace()
    t_end = None if time_limit is None else trace.t0 + time_limit
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    if neighbours is None:
        neighbours = NEIGHBOURS_LARGE if instance.n_devices > LARGE else NEIGHBOURS
    s = Search(instance, start, neighbours, objective)
    M = float(np.sum(s.data.deadline) + np.sum(s.local_ms) + 1.0)
    kw: dict[str, Any] = dict(t_end=t_end, eject=eject, trace=trace, max_moves=max_moves)
    w0 = objective_weights(objective, epsilon, 0.0, M)
    if threads > 1 and epsilon is None and max_moves is None:  # half the time at most
        t_sl = None if t_end is None else time.perf_counter() + 0.5 * (t_end - time.perf_counter())
        trace.slice_times = _slices(s, w0, threads, seed, t_sl, eject)
    lat, en, edge = s.totals()
    trace.add(_key(objective, lat, en, edge)[-1] if objective != "edge" else -edge)
    if epsilon is not None and w0.constrained(lat, en) > epsilon:
        # ---- first within ε: the constrained quantity minimised alone
        phase1 = Weights(wl=w0.cl, we=w0.ce, cl=w0.cl, ce=w0.ce)
        _climb(s, phase1, rng, until=epsilon, **kw)
        lat, en, edge = s.totals()
        if w0.constrained(lat, en) > epsilon * (1 + 1e-12) + 1e-9:
            return None, trace

    def feasible(lat: float, en: float) -> bool:
        return epsilon is None or w0.constrained(lat, en) <= epsilon * (1 + 1e-12) + 1e-9

    best = s.assignment()
    best_key = _key(objective, lat, en, edge)
    if target is not None and objective != "edge" and feasible(lat, en) and best_key[-1] <= target:
        return best, trace  # the start is certified already
    if s.data.n_devices > LARGE:  # cheap relocations first, then with ejection chains
        out = _climb(s, w0, rng, **{**kw, "eject": False})
    out = _climb(s, w0, rng, **kw)
    schedule: tuple[float, ...] = ()
    if epsilon is not None:  # the constraint priced: λ around the bound's μ, else the ratio
        ratio = (lat / en if objective == "latency" else en / lat) if min(lat, en) > 0 else 1.0
        scale = mu if mu else ratio
        schedule = tuple(m * scale for m in LAMBDA_SCHEDULE)
    done = 0
    stop = MultipleCriteria([MaxIterations(kicks), NoImprovement(no_improvement, 1e-9)])
    best_w = w0.value(lat, en, edge)
    while True:
        lat, en, edge = s.totals()
        k = _key(objective, lat, en, edge)
        if feasible(lat, en) and k < best_key:
            best, best_key, best_w = s.assignment(), k, w0.value(lat, en, edge)
        elif done:
            # record-to-record travel: go on from a slightly worse feasible result
            close = feasible(lat, en) and k[:-1] == best_key[:-1]
            close = close and k[-1] <= best_key[-1] + ACCEPT_RTOL * abs(best_key[-1])
            if not close:
                s.load_assignment(best)
        trace.add(best_key[-1] if objective != "edge" else best_key[0])
        if out or (max_moves is not None and trace.moves >= max_moves):
            break
        if target is not None and objective != "edge" and best_key[-1] <= target:
            break  # certified: within gap of the bound
        if done >= len(schedule) and stop(best_w):  # iterations / no improvement
            break
        if done < len(schedule):  # a priced descent, then the objective again
            _climb(s, objective_weights(objective, epsilon, schedule[done], M), rng, **kw)
            out = _climb(s, w0, rng, **kw)
        else:
            first = _ruin(s, rng)
            # the ruined region first, on its own; every FULL_EVERY kicks all devices
            full = (done + 1) % FULL_EVERY == 0
            out = _climb(s, w0, rng, first=first, only=not full, **kw)
        done += 1
    trace.kicks = done
    return best, trace


def _slices(
    s: Search, w: Weights, k: int, seed: int, t_end: float | None, eject: bool
) -> list[float]:
    """Improve the MT slices of the instance (:func:`placement.offloading.partition.
    partition`: disjoint devices and nodes) in parallel threads — the shared arrays are
    written at disjoint entries, the kernels release the GIL; returns each slice's
    wall seconds."""
    from placement.offloading.partition import partition

    dev_slices, node_slices = partition(s.instance, k, "colocated")
    label = np.zeros(max(s.data.n_nodes, 1), dtype=np.int64)
    for j, nodes in enumerate(node_slices):
        label[nodes] = j
    children = np.random.SeedSequence(seed).spawn(len(dev_slices))

    def job(j: int) -> float:
        t0 = time.perf_counter()
        rng = np.random.default_rng(children[j])
        key = np.empty(max(s.data.n_nodes, 1))
        for _ in range(50):
            moved = 0
            order = rng.permutation(dev_slices[j])
            for c0 in range(0, max(order.shape[0], 1), CHUNK):
                if t_end is not None and time.perf_counter() >= t_end:
                    return time.perf_counter() - t0
                m, _ = s.run(
                    order[c0 : c0 + CHUNK], w, eject=eject, node_slice=label, sl=j, key=key
                )
                moved += m
            if moved == 0:
                break
        return time.perf_counter() - t0

    with ThreadPoolExecutor(max_workers=len(dev_slices), thread_name_prefix="ls-slice") as pool:
        return list(pool.map(job, range(len(dev_slices))))


# ------------------------------------------------------------------ bounds
def _too_big(instance: OffloadingInstance) -> bool:
    """Whether devices × nodes exceeds :data:`MAX_RELAX_PAIRS`."""
    return instance.n_devices * max(instance.n_nodes, 1) > MAX_RELAX_PAIRS


def _bound(
    instance: OffloadingInstance,
    objective: str,
    epsilon: float | None,
    t_left: float | None,
    upper: float | None = None,
    method: str = "auto",
) -> tuple[float | None, str | None, dict[str, Any]]:
    if _too_big(instance):  # latency: the per-AP Lagrangian, no device x node array
        if objective == "latency" and epsilon is None:
            from placement.models.offloading.data import latency_lower_bound

            trivial = float(latency_lower_bound(instance))
            agg, det = aggregated_bound(
                instance, upper=upper, time_limit=10.0 if t_left is None else t_left
            )
            return (agg, "aggregated", det) if agg > trivial else (trivial, "trivial", {})
        return None, None, {}
    from placement.heuristics.offloading.bounds import lower_bound

    b = lower_bound(instance, objective, epsilon=epsilon, method=method, time_limit=t_left)
    return (None if b.value is None else float(b.value)), b.method, b.details


# ------------------------------------------------------------------ method
def solve_ls(instance: OffloadingInstance, params: LSParams, *, seed: int = 0) -> RawSolution:
    """The method ``ls`` (module docstring).

    With ε the bound comes first (its multiplier μ prices the constraint in a flow start
    and in the search; a bound of +inf proves ε infeasible); otherwise after the search
    (latency: the flow relaxation the start already solved).

    Parameters
    ----------
    instance
        The offloading instance.
    params
        Objective, ε, start, stopping criteria, ejection chains, threads
        (:class:`~placement.offloading.params.LSParams`).
    seed
        Seed of the device orders (and of a seeded start).

    Returns
    -------
    RawSolution
        The best feasible assignment found, with the bound on the optimised objective;
        statistics: start, its objective, passes, moves, kicks, trace, bound method.
    """
    jit = ensure_compiled() + _ensure_ls_compiled()
    t0 = time.perf_counter()
    tl = params.time_limit
    objective, eps = params.objective, params.epsilon
    bound = bmethod = mu = None
    t_bound = 0.0
    if eps is not None:
        t_b = None if tl is None else 0.3 * tl
        bound, bmethod, det = _bound(instance, objective, eps, t_b, method=params.bound)
        mu = det.get("mu")
        t_bound = time.perf_counter() - t0
        if bound is not None and math.isinf(bound):  # ε below what any assignment reaches
            return RawSolution(
                None, status=Status.INFEASIBLE, termination=Termination.INFEASIBLE, bound=bound,
                runtime=t_bound,
                statistics={"bound_method": bmethod, "epsilon": eps, "bound_s": t_bound},
                objective_name=objective,
            )  # fmt: skip
    start, start_name, info = choose_start(
        instance, params.start, objective, eps, seed, mu, None if tl is None else tl - t_bound,
        too_big=_too_big(instance),
    )  # fmt: skip
    t_start = time.perf_counter() - t0 - t_bound
    known = info.get("flow_bound") if objective == "latency" and eps is None else bound
    target = None if known is None else known + params.gap * abs(known)
    ls_limit = None
    if tl is not None:
        share = 0.85 if (objective == "latency" and eps is None) or eps is not None else 0.45
        if _too_big(instance) and objective == "latency" and eps is None:
            share = 0.6  # the per-AP Lagrangian bound needs the rest
        ls_limit = max(0.0, share * tl - (time.perf_counter() - t0))
    trace = Trace()
    best, trace = local_search(
        instance,
        start,
        objective,
        eps,
        seed=seed,
        time_limit=ls_limit,
        kicks=params.kicks,
        no_improvement=params.no_improvement,
        eject=params.eject,
        neighbours=params.neighbours,
        threads=params.threads,
        trace=trace,
        mu=mu,
        target=target,
    )
    polish_ok = objective == "energy" and eps is None and not _too_big(instance)
    if best is not None and polish_ok and params.level_sweeps:
        t_lv = None if tl is None else max(0.0, 0.75 * tl - (time.perf_counter() - t0))
        best, info["levels"] = polish(instance, best, t_lv, params.level_sweeps)
    t_ls = time.perf_counter() - t0 - t_start - t_bound
    left = None if tl is None else max(0.05, 0.98 * tl - (time.perf_counter() - t0))  # 2 %: wrap-up
    if (
        info.get("flow_bound") is not None
        and objective == "latency"
        and params.bound in ("auto", "flow")
    ):
        bound, bmethod = info["flow_bound"], "flow"
    elif eps is None:
        t1 = time.perf_counter()
        upper = None if best is None else _totals(instance, best)[0]
        bound, bmethod, _ = _bound(instance, objective, eps, left, upper, params.bound)
        t_bound = time.perf_counter() - t1
    stats: dict[str, Any] = {
        "jit_compile_s": jit,
        "start": start_name,
        "start_objective": _key(objective, *_totals(instance, start))[0],
        "start_s": t_start,
        "search_s": t_ls,
        "bound_s": t_bound,
        "passes": trace.passes,
        "kicks": trace.kicks,
        **({"slice_times_s": trace.slice_times} if trace.slice_times else {}),
        "moves": trace.moves,
        "trace": trace.points,
        "bound_method": bmethod,
        "epsilon": eps,
        "mu": mu,
        **info,
    }
    runtime = time.perf_counter() - t0
    out_of_time = ls_limit is not None and t_ls >= ls_limit
    term = Termination.TIME_LIMIT if out_of_time else Termination.COMPLETED
    if best is None:
        return RawSolution(
            None, status=Status.NO_SOLUTION, termination=term, bound=bound, runtime=runtime,
            statistics=stats, objective_name=objective,
        )  # fmt: skip
    st = Status.FEASIBLE if bound is not None else Status.HEURISTIC
    return RawSolution(
        best, status=st, termination=term, bound=bound, runtime=runtime, statistics=stats,
        objective_name=objective,
    )  # fmt: skip


def _totals(instance: OffloadingInstance, a: Assignment) -> tuple[float, float, int]:
    ev = evaluate(instance, a)
    return ev.objective, ev.total_energy_mj, int(np.sum(a.kind == KIND_EDGE))


# ------------------------------------------------------------------ online improver
def improve(
    instance: OffloadingInstance,
    assignment: Assignment,
    params: LSParams | RelocateParams | None = None,
    *,
    max_moves: int | None = None,
) -> tuple[Assignment, int]:
    """Improve a feasible Wi-Fi ``assignment`` of every device with ``ls``'s moves (the
    online controller's improver hook; total latency, at most ``max_moves`` devices
    moved: with a move budget no ruin-and-recreate kicks, whose moves are not counted).

    Returns
    -------
    tuple
        The improved assignment and the number of moves applied.
    """
    if assignment.n_devices != instance.n_devices:
        raise InputError("must have one entry per device", field="assignment")
    if np.any(~assignment.active) or assignment.lte.any():
        raise InputError("ls takes Wi-Fi assignments of active devices", field="assignment")
    tl = getattr(params, "time_limit", None)
    lp = params if isinstance(params, LSParams) else LSParams()
    a, tr = local_search(
        instance,
        assignment,
        "latency",
        None,
        time_limit=tl,
        kicks=lp.kicks if max_moves is None else 0,  # kicks move many devices
        no_improvement=lp.no_improvement,
        eject=lp.eject,
        neighbours=lp.neighbours,
        max_moves=max_moves,
    )
    assert a is not None
    return a, tr.moves


# ------------------------------------------------------------------ JIT warm-up
_ls_compiled = False


def _ensure_ls_compiled() -> float:
    """Compile (or load from Numba's cache) the ``ls`` kernels once per process."""
    global _ls_compiled
    if _ls_compiled:
        return 0.0
    t0 = time.perf_counter()
    from placement.offloading.generate import generate

    inst = generate("C", devices=6, seed=0)
    _ls_compiled = True  # before the run: local_search calls back here
    s = Search(inst, Assignment.all_local(inst.n_devices), 2)
    s.run(np.arange(inst.n_devices), Weights())
    return time.perf_counter() - t0


__all__ = ["Search", "Trace", "Weights", "improve", "local_search", "solve_ls"]
