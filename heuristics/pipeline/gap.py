"""Independent one-step requests: the generalised-assignment structure, solved fast.

When every request is one automatic step of its own function (no edges, one replica,
one flavour, no exclusive capability, one instance carrying the load) and the
objective is ``cost`` or ``cores`` without ε-bounds, a placement is an assignment of
jobs to nodes: job ``j`` on node ``v`` costs ``c[j, v]`` (the per-instance cost or
cores there) and uses ``d[j, v, r]`` of the node's capacity ``b[v, r]`` — a
(multi-resource) GAP, as the OR-Library files read by
:func:`placement.pipeline.formats.gap.read_gap` are. For it:

* **construction** (:func:`construct`): the regret rule — repeatedly the unassigned
  job whose best and second-best feasible nodes differ most in cost goes to its best
  node (a job with no feasible node goes where the capacity excess is least; the
  search then repairs it);
* **improvement** (:func:`search`): the tabu shift / swap kernel
  :func:`~placement.heuristics.pipeline._kernels.gap_search` with an adaptive penalty
  on capacity excess, in slices until the time limit;
* **bound** (:func:`lagrangian_bound`): the Lagrangian relaxation of the capacity
  constraints, ``L(λ) = Σ_j min_v (c[j, v] + Σ_r λ[v, r] d[j, v, r]) − Σ λ[v, r]
  b[v, r]`` maximised by subgradient steps — a valid lower bound (it equals the LP
  bound at the optimal multipliers).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
from placement.heuristics._numba import njit
from placement.heuristics.pipeline import _kernels as K

from placement.pipeline.solution import Placement

logger = logging.getLogger(__name__)

#: Stand-in for an unbounded capacity in the kernels.
BIG = 1e18
#: Tabu tenure (sweeps) and swap partner nodes per job of the search.
TABU = 1
NEAR = 80


def applies(A: Any, objective: str, bounds: dict | None) -> bool:
    """Whether the instance of arrays ``A`` has the independent one-step structure."""
    if objective not in ("cost", "cores") or bounds:
        return False
    if objective == "cores" and A.cores_r < 0:
        return False
    inst = A.inst
    if not inst.requests or inst.previous:
        return False
    if np.any(A.node_excl != 0):
        return False
    used: set[str] = set()
    for r in inst.requests:
        if r.edges or len(r.steps) != 1 or r.execution != "automatic":
            return False
        s = r.steps[0]
        if s.function is None or s.replicas != 1 or s.function in used:
            return False
        used.add(s.function)
        f = inst.function_map[s.function]
        if len(f.variants()) != 1 or f.max_instances == 0:
            return False
        if r.load(s.id) > f.capacity:
            return False
        if r.boot_limit(s.id) < f.boot_ms():
            return False
    return True


def matrices(A: Any, objective: str) -> tuple[np.ndarray, ...]:
    """``(cost[J, N], dem[J, N, R], cap[N, R], allowed[J, N], jobs)`` of the GAP view."""
    inst = A.inst
    J, N, R = len(inst.requests), A.N, A.R
    cost = np.zeros((J, N))
    dem = np.zeros((J, N, max(R, 1)))
    allowed = np.zeros((J, N), dtype=np.bool_)
    for j in range(J):
        p = A.plan(j)
        s = p.steps[0]
        k = int(A.var_ptr[s.t])
        if objective == "cost":
            cost[j] = A.cost[s.t]
        else:
            cost[j] = A.var_dem[k, :, A.cores_r]
        if R:
            dem[j, :, :R] = A.var_dem[k]
        allowed[j, s.cands] = True
    cap = np.full((N, max(R, 1)), BIG)
    if R:
        cap[:, :R] = np.where(np.isfinite(A.capn), A.capn, BIG)
    return cost, dem, cap, allowed


@njit(nogil=True, cache=True)
def _regret(cost, dem, cap, allowed, assign):
    J, N = cost.shape
    R = cap.shape[1]
    res = cap.copy()
    done = np.zeros(J, dtype=np.bool_)
    for _step in range(J):
        bj = -1
        bv = -1
        breg = -np.inf
        for j in range(J):
            if done[j]:
                continue
            b1 = np.inf
            b2 = np.inf
            v1 = -1
            for v in range(N):
                if not allowed[j, v]:
                    continue
                ok = True
                for r in range(R):
                    if dem[j, v, r] > res[v, r] + 1e-9:
                        ok = False
                        break
                if not ok:
                    continue
                c = cost[j, v]
                if c < b1:
                    b2 = b1
                    b1 = c
                    v1 = v
                elif c < b2:
                    b2 = c
            if v1 < 0:
                reg = np.inf  # no feasible node: place it now, where the excess is least
            else:
                reg = b2 - b1 if b2 < np.inf else 1e300
            if reg > breg:
                breg = reg
                bj = j
                bv = v1
        if bv < 0:
            best = np.inf
            for v in range(N):
                if not allowed[bj, v]:
                    continue
                e = 0.0
                for r in range(R):
                    x = dem[bj, v, r] - res[v, r]
                    if x > 0:
                        e += x / max(cap[v, r], 1.0)
                if e < best:
                    best = e
                    bv = v
        assign[bj] = bv
        done[bj] = True
        for r in range(R):
            res[bv, r] -= dem[bj, bv, r]


@njit(nogil=True, cache=True)
def _lagrangian(cost, dem, cap, allowed, iters, ub, lam):
    J, N = cost.shape
    R = cap.shape[1]
    best = -np.inf
    theta = 2.0
    since = 0
    g = np.zeros((N, R))
    for _it in range(iters):
        val = 0.0
        for v in range(N):
            for r in range(R):
                g[v, r] = -cap[v, r] if cap[v, r] < 1e17 else 0.0
                if cap[v, r] < 1e17:
                    val -= lam[v, r] * cap[v, r]
        for j in range(J):
            bc = np.inf
            bv = -1
            for v in range(N):
                if not allowed[j, v]:
                    continue
                c = cost[j, v]
                for r in range(R):
                    c += lam[v, r] * dem[j, v, r]
                if c < bc:
                    bc = c
                    bv = v
            if bv < 0:
                return -np.inf
            val += bc
            for r in range(R):
                if cap[bv, r] < 1e17:
                    g[bv, r] += dem[j, bv, r]
        if val > best + 1e-9:
            best = val
            since = 0
        else:
            since += 1
            if since >= 20:
                theta *= 0.5
                since = 0
        norm = 0.0
        for v in range(N):
            for r in range(R):
                norm += g[v, r] * g[v, r]
        if norm <= 1e-12 or theta < 1e-6:
            break
        step = theta * (ub - val) / norm
        if step <= 0:
            step = theta * 1e-3 * max(abs(val), 1.0) / norm
        for v in range(N):
            for r in range(R):
                x = lam[v, r] + step * g[v, r]
                lam[v, r] = x if x > 0 else 0.0
    return best


def near_nodes(cost: np.ndarray, allowed: np.ndarray, c: int = 10) -> np.ndarray:
    """``(J, c)`` the ``c`` cheapest allowed nodes of every job (-1 pads)."""
    J, N = cost.shape
    c = min(c, N)
    key = np.where(allowed, cost, np.inf)
    idx = np.argsort(key, axis=1, kind="stable")[:, :c]
    ok = np.take_along_axis(allowed, idx, axis=1)
    return np.where(ok, idx, -1).astype(np.int64)


def warm_up() -> None:
    """Compile the kernels of this module (and the search kernel) on a tiny GAP."""
    cost = np.array([[1.0, 2.0], [2.0, 1.0]])
    dem = np.ones((2, 2, 1))
    cap = np.ones((2, 1))
    allowed = np.ones((2, 2), dtype=np.bool_)
    a = np.zeros(2, dtype=np.int64)
    _regret(cost, dem, cap, allowed, a)
    K.gap_search(a, cost, dem, cap, allowed, 2, near_nodes(cost, allowed, 2), 0, 3, np.zeros(1))
    _lagrangian(cost, dem, cap, allowed, 3, 3.0, np.zeros((2, 1)))


def to_placement(A: Any, assign: np.ndarray) -> Placement:
    """The placement of a job -> node assignment."""
    inst = A.inst
    pl = Placement()
    for j, r in enumerate(inst.requests):
        v = A.node_names[int(assign[j])]
        s = r.steps[0]
        pl.instances[(v, s.function)] = pl.instances.get((v, s.function), 0) + 1
        pl.steps[r.name] = {s.id: (v,)}
        pl.routes[r.name] = []
    return pl


def feasible(A: Any, assign: np.ndarray, dem: np.ndarray, cap: np.ndarray) -> bool:
    """Whether the assignment keeps every node within its capacities."""
    used = np.zeros_like(cap)
    for j, v in enumerate(assign):
        used[v] += dem[j, v]
    return bool(np.all(used <= cap + 1e-9 * np.maximum(1.0, np.abs(cap))))


def construct(A: Any, objective: str) -> tuple[Placement, dict[str, Any]]:
    """The regret construction; returns the placement and its statistics."""
    cost, dem, cap, allowed = matrices(A, objective)
    assign = np.zeros(cost.shape[0], dtype=np.int64)
    _regret(cost, dem, cap, allowed, assign)
    ok = feasible(A, assign, dem, cap)
    return to_placement(A, assign), {"structure": "gap", "construction_feasible": ok}


def lp_model(cost: np.ndarray, dem: np.ndarray, cap: np.ndarray, allowed: np.ndarray):
    """The assignment LP (or MILP) as a :class:`~placement.backends.base.MatrixModel`:
    ``Σ_v x[j, v] = 1`` per job, ``Σ_j d[j, v, r] x[j, v] <= b[v, r]`` per finite
    capacity; returns the model and the ``(job, node)`` of every column."""
    from placement.backends.base import MatrixModel

    J, N = cost.shape
    R = cap.shape[1]
    jj, vv = np.nonzero(allowed)
    ncol = jj.size
    starts = [0]
    idx: list[np.ndarray] = []
    val: list[np.ndarray] = []
    lo: list[float] = []
    hi: list[float] = []
    order = np.argsort(jj, kind="stable")
    bounds_j = np.searchsorted(jj[order], np.arange(J + 1))
    for j in range(J):
        cols = order[bounds_j[j] : bounds_j[j + 1]]
        idx.append(cols)
        val.append(np.ones(cols.size))
        starts.append(starts[-1] + cols.size)
        lo.append(1.0)
        hi.append(1.0)
    order_v = np.argsort(vv, kind="stable")
    bounds_v = np.searchsorted(vv[order_v], np.arange(N + 1))
    for v in range(N):
        cols = order_v[bounds_v[v] : bounds_v[v + 1]]
        for r in range(R):
            if cap[v, r] >= BIG / 10:
                continue
            d = dem[jj[cols], v, r]
            nz = d != 0
            idx.append(cols[nz])
            val.append(d[nz])
            starts.append(starts[-1] + int(nz.sum()))
            lo.append(-np.inf)
            hi.append(float(cap[v, r]))
    mm = MatrixModel(
        cost=cost[jj, vv].astype(np.float64),
        offset=0.0,
        row_lower=np.array(lo),
        row_upper=np.array(hi),
        start=np.array(starts, dtype=np.int64),
        index=np.concatenate(idx).astype(np.int64) if idx else np.zeros(0, np.int64),
        value=np.concatenate(val) if val else np.zeros(0),
        col_upper=np.ones(ncol),
    )
    return mm, jj, vv


def lp_start(
    cost: np.ndarray, dem: np.ndarray, cap: np.ndarray, allowed: np.ndarray, time_limit: float
) -> tuple[np.ndarray | None, float | None]:
    """LP relaxation (HiGHS) rounded into an assignment, and the LP bound.

    Jobs the LP assigns integrally keep their node; the few fractional ones (at most
    one per capacity row in a basic solution) go, by the regret rule, where they still
    fit. Returns ``(None, None)`` when HiGHS is missing or does not finish in time.
    """
    try:
        from placement.backends.base import BackendParams
        from placement.backends.highs import HighsModel
    except ImportError:  # pragma: no cover - highspy is a dependency
        return None, None
    mm, jj, vv = lp_model(cost, dem, cap, allowed)
    try:
        hm = HighsModel(mm, relax=True)
        out = hm.solve(BackendParams(time_limit=max(time_limit, 0.1), threads=1))
    except Exception as exc:  # noqa: BLE001 - no LP: fall back to the regret start
        logger.info("GAP LP failed: %s", exc)
        return None, None
    if out.solution is None or out.bound is None:
        return None, None
    x = np.asarray(out.solution)
    J = cost.shape[0]
    assign = np.full(J, -1, dtype=np.int64)
    one = x > 1 - 1e-6
    assign[jj[one]] = vv[one]
    rest = np.nonzero(assign < 0)[0]
    if rest.size:
        res_cap = cap.copy()
        for j in np.nonzero(assign >= 0)[0]:
            res_cap[assign[j]] -= dem[j, assign[j]]
        sub = np.zeros(rest.size, dtype=np.int64)
        _regret(cost[rest], dem[rest], res_cap, allowed[rest], sub)
        assign[rest] = sub
    return assign, float(out.bound)


def lagrangian_bound(
    cost: np.ndarray, dem: np.ndarray, cap: np.ndarray, allowed: np.ndarray, ub: float
) -> float:
    """A lower bound on the least cost (subgradient optimisation, 300 steps)."""
    lam = np.zeros(cap.shape)
    if not np.isfinite(ub):
        ub = float(np.where(allowed, cost, 0).max(axis=1).sum())
    return float(_lagrangian(cost, dem, cap, allowed, 300, ub, lam))


def search(
    A: Any, objective: str, time_limit: float, seed: int, start: np.ndarray | None = None
) -> tuple[Placement, dict[str, Any]]:
    """Regret start (or ``start``), then the tabu search until ``time_limit``; the
    best feasible assignment (the start when none was found) with a Lagrangian bound."""
    t0 = time.perf_counter()
    cost, dem, cap, allowed = matrices(A, objective)
    J = cost.shape[0]
    assign = np.zeros(J, dtype=np.int64)
    lp_bound = None
    if start is None:
        got, lp_bound = lp_start(cost, dem, cap, allowed, time_limit / 2)
        if got is not None:
            assign[:] = got
        else:
            _regret(cost, dem, cap, allowed, assign)
    else:
        assign[:] = start
    start_ok = feasible(A, assign, dem, cap)
    start_cost = float(cost[np.arange(J), assign].sum())
    best = assign.copy()
    best_cost = start_cost if start_ok else np.inf
    out = np.zeros(1)
    tabu = TABU
    near = near_nodes(cost, allowed, NEAR)
    it_done = 0
    rng = np.random.default_rng(seed)
    # calibrate, then run in slices (a fresh penalty and tabu memory per slice, from the
    # best assignment found so far, perturbed when the last slice found nothing better)
    chunk = 5
    slices = 0
    while True:
        left = time_limit - (time.perf_counter() - t0)
        if left <= 0 and slices > 0:
            break
        cur = best.copy() if np.isfinite(best_cost) else assign.copy()
        if slices > 0 and np.isfinite(best_cost):
            # kick: move a few random jobs to random allowed nodes
            for j in rng.choice(J, size=max(1, J // 50), replace=False):
                opts = np.nonzero(allowed[j])[0]
                cur[j] = int(opts[rng.integers(opts.size)])
        t1 = time.perf_counter()
        n = K.gap_search(
            cur, cost, dem, cap, allowed, chunk, near, int(rng.integers(2**31 - 1)), tabu, out
        )
        it_done += n
        dt = max(time.perf_counter() - t1, 1e-6)
        slices += 1
        if out[0] < best_cost - 1e-9:
            best_cost = float(out[0])
            best = cur.copy()
        left = time_limit - (time.perf_counter() - t0)
        per = dt / max(n, 1)
        chunk = int(max(1, min(0.5 * left / per, 5000)) if left > 0 else 0)
        if left <= 0:
            break
    if not np.isfinite(best_cost):
        best = assign
    pl = to_placement(A, best)
    ub = best_cost if np.isfinite(best_cost) else np.inf
    t2 = time.perf_counter()
    bound = lp_bound if lp_bound is not None else lagrangian_bound(cost, dem, cap, allowed, ub)
    stats = {
        "structure": "gap",
        "start_cost": start_cost,
        "start_feasible": start_ok,
        "iterations": it_done,
        "slices": slices,
        "search_s": t2 - t0,
        "bound_s": time.perf_counter() - t2,
        "feasible": bool(np.isfinite(best_cost)),
    }
    return pl, {**stats, "bound": bound}
