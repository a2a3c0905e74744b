"""Chain requests (VNFCP benchmark structure): search over instance configurations.

When every request is a chain (ingress, functions, egress; one replica each) and the
objective is ``hops`` or ``delay`` (with optional ε-bounds on ``cores`` / ``cost``), a
placement is decided by *where the instances are*: given the instance counts
``cnt[v, t]``, every request takes its best walk through the layered graph of the
nodes hosting its functions (shortest-path distances between layers), in request order,
on the instances that still have capacity for its traffic. :func:`evaluate` does this
in one Numba kernel (the cost of a configuration plus the traffic it cannot serve);
:func:`search` runs a seeded iterated local search over configurations — move an
instance to another node, change its function, add one, remove one, exchange the
functions of two nodes — each judged by ``cost + λ · unserved`` within node resources,
``max_instances`` and the ε budget on cores / cost. The best configuration is then
placed for real on a :class:`~placement.heuristics.pipeline.state.PipelineState` (every
constraint checked, routes with residual bandwidth); the caller falls back to the
general search when a request does not fit.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
from placement.heuristics._numba import njit

logger = logging.getLogger(__name__)

INF = np.inf
#: Non-improving proposals before the search kicks its best configuration.
RESTART = 3000


def applies(A: Any, objective: str, bounds: dict | None) -> bool:
    """Whether every request is a one-replica chain without flavour choice or boot
    limit, the objective is ``hops`` or ``delay`` and the bounds are on ``cores`` /
    ``cost`` only."""
    if objective not in ("hops", "delay"):
        return False
    if any(k not in ("cores", "cost") for k in (bounds or {})):
        return False
    if A.N > 3000 or np.any(A.node_excl != 0):
        return False
    inst = A.inst
    if not inst.requests or inst.previous:
        return False
    for r in inst.requests:
        if r.execution != "automatic" or not r.is_chain:
            return False
        for s in r.steps:
            if s.function is not None:
                f = inst.function_map[s.function]
                if len(f.variants()) != 1 or s.nodes is not None:
                    return False
                if r.boot_limit(s.id) < f.boot_ms():
                    return False
    return True


@njit(nogil=True, cache=True)
def _assign(cnt, req_ptr, req_layer, lay_t, lay_ptr, lay_nodes, load, cap_t, Dm, proc, order):
    """Cost of configuration ``cnt``: requests in ``order``, each on its least-cost walk
    (exact layered DP) over the instances with room for its load, which it then
    uses. Returns ``(cost, unserved load)``."""
    N, T = cnt.shape
    Q = req_ptr.shape[0] - 1
    Lmax = 1
    for q in range(Q):
        if req_ptr[q + 1] - req_ptr[q] > Lmax:
            Lmax = req_ptr[q + 1] - req_ptr[q]
    used = np.zeros((N, T))
    cand = np.empty((Lmax, N), dtype=np.int64)
    nc = np.zeros(Lmax, dtype=np.int64)
    dp = np.empty((Lmax, N))
    arg = np.empty((Lmax, N), dtype=np.int64)
    total = 0.0
    unserved = 0.0
    for oi in range(order.shape[0]):
        q = order[oi]
        a0 = req_ptr[q]
        L = req_ptr[q + 1] - a0
        ld = load[q]
        ok = True
        for li in range(L):
            lay = req_layer[a0 + li]
            t = lay_t[lay]
            m = 0
            if t < 0:
                for i in range(lay_ptr[lay], lay_ptr[lay + 1]):
                    cand[li, m] = lay_nodes[i]
                    m += 1
            else:
                for v in range(N):
                    if cnt[v, t] > 0 and used[v, t] + ld <= cap_t[t] * cnt[v, t] + 1e-9:
                        cand[li, m] = v
                        m += 1
            nc[li] = m
            if m == 0:
                ok = False
                break
            for j in range(m):
                w = cand[li, j]
                if li == 0:
                    dp[li, j] = 0.0
                    arg[li, j] = -1
                    continue
                best = INF
                bi = -1
                for i in range(nc[li - 1]):
                    c = dp[li - 1, i] + Dm[cand[li - 1, i], w]
                    if c < best:
                        best = c
                        bi = i
                if t >= 0:
                    best += proc[t, w]
                dp[li, j] = best
                arg[li, j] = bi
        if not ok:
            unserved += ld
            continue
        bj = -1
        best = INF
        for j in range(nc[L - 1]):
            if dp[L - 1, j] < best:
                best = dp[L - 1, j]
                bj = j
        if bj < 0 or best >= 1e11:
            unserved += ld
            continue
        total += best
        j = bj
        for li in range(L - 1, -1, -1):
            t = lay_t[req_layer[a0 + li]]
            if t >= 0:
                used[cand[li, j], t] += ld
            j = arg[li, j]
    return total, unserved


def _dp_walks(cnt: np.ndarray, data: dict[str, Any], Dm: np.ndarray) -> list[list[int]]:
    """The walks (node per step) of every request under ``cnt`` (Python, exact DP with
    backtracking, capacities charged in request order)."""
    N, T = cnt.shape
    hosts = {t: [v for v in range(N) if cnt[v, t] > 0] for t in range(T)}
    used = np.zeros((N, T))
    walks: list[list[int]] = [[] for _ in data["plans"]]
    for q in data["order"].tolist():
        p = data["plans"][q]
        ld = data["load"][q]
        layers = []
        for s in p.steps:
            if s.t < 0:
                layers.append(s.cands.tolist())
            else:
                layers.append(
                    [
                        v
                        for v in hosts[s.t]
                        if used[v, s.t] + ld <= data["cap_t"][s.t] * cnt[v, s.t] + 1e-9
                    ]
                )
        if any(not lay for lay in layers):
            continue
        prev = {v: (0.0, None) for v in layers[0]}
        back = [prev]
        for li in range(1, len(layers)):
            t = p.steps[li].t
            cur = {}
            for w in layers[li]:
                best, bu = INF, None
                for u, (c, _) in prev.items():
                    x = c + Dm[u, w]
                    if x < best:
                        best, bu = x, u
                if t >= 0:
                    best += data["proc"][t, w]
                cur[w] = (best, bu)
            back.append(cur)
            prev = cur
        w = min(prev, key=lambda v: prev[v][0])
        if prev[w][0] == INF:
            continue
        walk = [w]
        for li in range(len(layers) - 1, 0, -1):
            w = back[li][w][1]
            walk.append(w)
        walk.reverse()
        for li, s in enumerate(p.steps):
            if s.t >= 0:
                used[walk[li], s.t] += ld
        walks[q] = walk
    return walks


@njit(nogil=True, cache=True)
def _shift(cnt, ninst, used, dem, cores, costs, v, t, sign):
    """Add (``sign`` 1) or remove (-1) one instance of function ``t`` on node ``v``
    (nothing when ``v < 0``); returns the change of the total cores and cost."""
    if v < 0:
        return 0.0, 0.0
    cnt[v, t] += sign
    ninst[t] += sign
    for r in range(used.shape[1]):
        used[v, r] += sign * dem[v, t, r]
    return sign * cores[v, t], sign * costs[v, t]


@njit(nogil=True, cache=True)
def _search(
    cnt,
    allowed,
    dem,
    capn,
    cores,
    costs,
    maxinst,
    budget_cores,
    budget_cost,
    req_ptr,
    req_layer,
    lay_t,
    lay_ptr,
    lay_nodes,
    load,
    cap_t,
    Dm,
    proc,
    order,
    iters,
    seed,
    lam,
    out,
):
    """Iterated local search over instance configurations (see the module docstring).
    ``cnt`` is replaced by the best configuration; ``out = [cost, unserved]``."""
    np.random.seed(seed)
    N, T = cnt.shape
    R = capn.shape[1]
    used = np.zeros((N, R))
    ninst = np.zeros(T, dtype=np.int64)
    tc = 0.0
    tcost = 0.0
    for v in range(N):
        for t in range(T):
            if cnt[v, t] > 0:
                ninst[t] += cnt[v, t]
                tc += cnt[v, t] * cores[v, t]
                tcost += cnt[v, t] * costs[v, t]
                for r in range(R):
                    used[v, r] += cnt[v, t] * dem[v, t, r]
    c0, u0 = _assign(
        cnt, req_ptr, req_layer, lay_t, lay_ptr, lay_nodes, load, cap_t, Dm, proc, order
    )
    cur = c0 + lam * u0
    best = cur
    best_cnt = cnt.copy()
    bc, bu = c0, u0
    since = 0
    tmp = np.zeros(T, dtype=np.int64)
    for _it in range(iters):
        kind = np.random.randint(11)
        kind = kind // 2 if kind < 10 else 5
        if kind == 5:
            # exchange everything two nodes host
            v = np.random.randint(N)
            w = np.random.randint(N)
            if v == w:
                continue
            fits = True
            for t in range(T):
                if (cnt[v, t] > 0 and not allowed[w, t]) or (cnt[w, t] > 0 and not allowed[v, t]):
                    fits = False
            if not fits:
                continue
            d_cores = 0.0
            d_cost = 0.0
            for t in range(T):
                d_cores += (cnt[v, t] - cnt[w, t]) * (cores[w, t] - cores[v, t])
                d_cost += (cnt[v, t] - cnt[w, t]) * (costs[w, t] - costs[v, t])
            if tc + d_cores > budget_cores + 1e-9 or tcost + d_cost > budget_cost + 1e-9:
                continue
            for r in range(R):
                uv = 0.0
                uw = 0.0
                for t in range(T):
                    uv += cnt[w, t] * dem[v, t, r]
                    uw += cnt[v, t] * dem[w, t, r]
                if uv > capn[v, r] + 1e-9 or uw > capn[w, r] + 1e-9:
                    fits = False
            if not fits:
                continue
            for t in range(T):
                tmp[t] = cnt[v, t]
                cnt[v, t] = cnt[w, t]
                cnt[w, t] = tmp[t]
            c1, u1 = _assign(
                cnt, req_ptr, req_layer, lay_t, lay_ptr, lay_nodes, load, cap_t, Dm, proc, order
            )
            new = c1 + lam * u1
            if new <= cur + 1e-9:
                since = 0 if new < cur - 1e-9 else since + 1
                cur = new
                tc += d_cores
                tcost += d_cost
                for r in range(R):
                    uv = 0.0
                    uw = 0.0
                    for t in range(T):
                        uv += cnt[v, t] * dem[v, t, r]
                        uw += cnt[w, t] * dem[w, t, r]
                    used[v, r] = uv
                    used[w, r] = uw
                if new < best - 1e-9:
                    best = new
                    bc, bu = c1, u1
                    for a in range(N):
                        for b in range(T):
                            best_cnt[a, b] = cnt[a, b]
            else:
                since += 1
                for t in range(T):
                    tmp[t] = cnt[v, t]
                    cnt[v, t] = cnt[w, t]
                    cnt[w, t] = tmp[t]
            continue
        v = np.random.randint(N)
        t = np.random.randint(T)
        w = np.random.randint(N)
        t2 = np.random.randint(T)
        # proposal: list of (node, type, delta)
        pv0 = -1
        pt0 = -1
        pv1 = -1
        pt1 = -1
        pv2 = -1
        pt2 = -1
        pv3 = -1
        pt3 = -1
        if kind == 0:  # move one instance of (v, t) to w
            if cnt[v, t] == 0 or not allowed[w, t] or w == v:
                continue
            pv0, pt0, pv1, pt1 = v, t, w, t
        elif kind == 1:  # change the function of one instance on v
            if cnt[v, t] == 0 or not allowed[v, t2] or t2 == t:
                continue
            pv0, pt0, pv1, pt1 = v, t, v, t2
        elif kind == 2:  # add
            if not allowed[w, t2]:
                continue
            pv1, pt1 = w, t2
        elif kind == 3:  # remove
            if cnt[v, t] == 0:
                continue
            pv0, pt0 = v, t
        else:  # exchange the functions of one instance on v and one on w
            if cnt[v, t] == 0 or cnt[w, t2] == 0 or v == w or t == t2:
                continue
            if not allowed[w, t] or not allowed[v, t2]:
                continue
            pv0, pt0, pv1, pt1 = v, t, w, t
            pv2, pt2, pv3, pt3 = w, t2, v, t2
        # apply tentatively (removals pv0/pv2, additions pv1/pv3)
        ok = True
        dc, dk = _shift(cnt, ninst, used, dem, cores, costs, pv0, pt0, -1)
        dc2, dk2 = _shift(cnt, ninst, used, dem, cores, costs, pv2, pt2, -1)
        tc += dc + dc2
        tcost += dk + dk2
        for k in range(2):
            av = pv1 if k == 0 else pv3
            at = pt1 if k == 0 else pt3
            if av >= 0:
                dc, dk = _shift(cnt, ninst, used, dem, cores, costs, av, at, 1)
                tc += dc
                tcost += dk
                for r in range(R):
                    if used[av, r] > capn[av, r] + 1e-9:
                        ok = False
                if maxinst[at] >= 0 and ninst[at] > maxinst[at]:
                    ok = False
        if tc > budget_cores + 1e-9 or tcost > budget_cost + 1e-9:
            ok = False
        new = INF
        if ok:
            c1, u1 = _assign(
                cnt, req_ptr, req_layer, lay_t, lay_ptr, lay_nodes, load, cap_t, Dm, proc, order
            )
            new = c1 + lam * u1
        if ok and new <= cur + 1e-9:
            if new < cur - 1e-9:
                since = 0
            else:
                since += 1
            cur = new
            if new < best - 1e-9:
                best = new
                bc, bu = c1, u1
                for a in range(N):
                    for b in range(T):
                        best_cnt[a, b] = cnt[a, b]
        else:
            since += 1
            # undo: the additions, then the removals
            for av, at, sg in ((pv1, pt1, -1), (pv3, pt3, -1), (pv0, pt0, 1), (pv2, pt2, 1)):
                dc, dk = _shift(cnt, ninst, used, dem, cores, costs, av, at, sg)
                tc += dc
                tcost += dk
        if since > RESTART:
            # restart from the best configuration
            for a in range(N):
                for b in range(T):
                    cnt[a, b] = best_cnt[a, b]
            for r in range(R):
                for a in range(N):
                    used[a, r] = 0.0
            for b in range(T):
                ninst[b] = 0
            tc = 0.0
            tcost = 0.0
            for a in range(N):
                for b in range(T):
                    if cnt[a, b] > 0:
                        ninst[b] += cnt[a, b]
                        tc += cnt[a, b] * cores[a, b]
                        tcost += cnt[a, b] * costs[a, b]
                        for r in range(R):
                            used[a, r] += cnt[a, b] * dem[a, b, r]
            # kick: a few random feasible relocations of the best configuration
            nk = 1 + np.random.randint(3)
            for _k in range(50):
                if nk == 0:
                    break
                v = np.random.randint(N)
                t = np.random.randint(T)
                w = np.random.randint(N)
                if cnt[v, t] == 0 or not allowed[w, t] or w == v:
                    continue
                fits = True
                for r in range(R):
                    if used[w, r] + dem[w, t, r] > capn[w, r] + 1e-9:
                        fits = False
                if not fits or tc - cores[v, t] + cores[w, t] > budget_cores + 1e-9:
                    continue
                if tcost - costs[v, t] + costs[w, t] > budget_cost + 1e-9:
                    continue
                cnt[v, t] -= 1
                cnt[w, t] += 1
                tc += cores[w, t] - cores[v, t]
                tcost += costs[w, t] - costs[v, t]
                for r in range(R):
                    used[v, r] -= dem[v, t, r]
                    used[w, r] += dem[w, t, r]
                nk -= 1
            c1, u1 = _assign(
                cnt, req_ptr, req_layer, lay_t, lay_ptr, lay_nodes, load, cap_t, Dm, proc, order
            )
            cur = c1 + lam * u1
            since = 0
    for a in range(N):
        for b in range(T):
            cnt[a, b] = best_cnt[a, b]
    out[0] = bc
    out[1] = bu
    return best


def compile_data(st: Any, metric: str) -> dict[str, Any]:
    """The arrays of the chain view of ``st``'s instance."""
    A = st.A
    plans = [A.plan(q) for q in range(len(A.inst.requests))]
    lay_t: list[int] = []
    lay_ptr = [0]
    lay_nodes: list[int] = []
    req_ptr = [0]
    req_layer: list[int] = []
    for p in plans:
        for s in p.steps:
            req_layer.append(len(lay_t))
            lay_t.append(s.t)
            nodes = s.cands.tolist() if s.t < 0 else []
            lay_nodes += nodes
            lay_ptr.append(len(lay_nodes))
        req_ptr.append(len(req_layer))
    mode = "h" if metric == "hops" else "d"
    srcs = np.arange(A.N, dtype=np.int64)
    d, h = st.block(srcs, mode)
    Dm = h if metric == "hops" else d
    proc = A.proc if metric == "delay" else np.zeros_like(A.proc)
    load = np.array([p.steps[0].load if p.steps else 0.0 for p in plans])
    load = np.array([max((s.load for s in p.steps), default=0.0) for p in plans])
    order = np.argsort(-load, kind="stable").astype(np.int64)
    T = A.T
    N = A.N
    allowed = np.zeros((N, T), dtype=np.bool_)
    dem = np.zeros((N, T, max(A.R, 1)))
    cores = np.zeros((N, T))
    costs = np.zeros((N, T))
    for t in range(T):
        allowed[:, t] = A.fit_static(t, int(A.var_ptr[t + 1] - A.var_ptr[t]))
        k = int(A.var_ptr[t])
        if A.R:
            dem[:, t, : A.R] = A.var_dem[k]
        if A.cores_r >= 0:
            cores[:, t] = A.var_dem[k, :, A.cores_r]
        costs[:, t] = A.cost[t]
    capn = np.zeros((N, max(A.R, 1))) + 1e18
    if A.R:
        capn[:, : A.R] = np.where(np.isfinite(A.capn), A.capn, 1e18)
    return {
        "plans": plans,
        "req_ptr": np.array(req_ptr, dtype=np.int64),
        "req_layer": np.array(req_layer, dtype=np.int64),
        "lay_t": np.array(lay_t, dtype=np.int64),
        "lay_ptr": np.array(lay_ptr, dtype=np.int64),
        "lay_nodes": np.array(lay_nodes or [0], dtype=np.int64),
        "load": load,
        "cap_t": np.where(np.isfinite(A.cap_t), A.cap_t, 1e18),
        "Dm": np.ascontiguousarray(np.where(np.isfinite(Dm), Dm, 1e12)),
        "proc": np.ascontiguousarray(proc),
        "order": order,
        "allowed": allowed,
        "dem": dem,
        "cores": cores,
        "costs": costs,
        "capn": capn,
        "maxinst": A.maxinst.copy(),
    }


def config_of(st: Any) -> np.ndarray:
    """The instance counts ``(N, T)`` of a state."""
    A = st.A
    cnt = np.zeros((A.N, A.T), dtype=np.int64)
    for t in range(A.T):
        cnt[:, t] = st.inst_cnt[:, int(A.var_ptr[t]) : int(A.var_ptr[t + 1])].sum(axis=1)
    return cnt


def search(
    st: Any, metric: str, time_limit: float, seed: int, start: np.ndarray | None = None
) -> tuple[np.ndarray, dict[str, Any]]:
    """Search configurations for ``time_limit`` seconds from ``start`` (default: the
    state's); returns the best counts and statistics."""
    data = compile_data(st, metric)
    cnt = (config_of(st) if start is None else start).astype(np.int64).copy()
    bud = st._budgets()
    b_cores = float(bud[0] + st.tot["cores"]) if np.isfinite(bud[0]) else 1e300
    b_cost = float(bud[1] + st.tot["cost"]) if np.isfinite(bud[1]) else 1e300
    out = np.zeros(2)
    rng = np.random.default_rng(seed)
    lam = (
        float(data["Dm"][data["Dm"] < 1e11].max(initial=1.0))
        * 10.0
        / max(float(data["load"].min(initial=1.0)), 1e-9)
    )
    t0 = time.perf_counter()
    chunk = 100
    done = 0
    best = np.inf
    best_cnt = cnt.copy()
    best_out = (np.inf, np.inf)
    while True:
        val = _search(
            cnt,
            data["allowed"],
            data["dem"],
            data["capn"],
            data["cores"],
            data["costs"],
            data["maxinst"],
            b_cores,
            b_cost,
            data["req_ptr"],
            data["req_layer"],
            data["lay_t"],
            data["lay_ptr"],
            data["lay_nodes"],
            data["load"],
            data["cap_t"],
            data["Dm"],
            data["proc"],
            data["order"],
            chunk,
            int(rng.integers(2**31 - 1)),
            lam,
            out,
        )
        done += chunk
        if val < best - 1e-9:
            best = val
            best_cnt = cnt.copy()
            best_out = (float(out[0]), float(out[1]))
        el = time.perf_counter() - t0
        if time_limit - el <= 0:
            break
        # a fixed schedule (not sized from the clock): the same seed explores the same
        # configurations in the same order, only where the time limit cuts it varies
        chunk = min(2 * chunk, 200000)
    return best_cnt, {
        "chain_iterations": done,
        "chain_cost": best_out[0],
        "chain_unserved": best_out[1],
        "chain_s": time.perf_counter() - t0,
        "walks": _dp_walks(best_cnt, data, data["Dm"]),
    }


def realize(st: Any, cnt: np.ndarray, walks: list[list[int]]) -> list[str]:
    """Place every request on its walk (hosts fixed) on the emptied state ``st``; the
    requests whose walk does not fit are placed greedily. Returns those still out."""
    A = st.A
    for q in list(st.recs):
        st.remove(A.inst.requests[q].name)
    failed = []
    banned = {(v, t) for v in range(A.N) for t in range(A.T) if cnt[v, t] == 0}
    st.ban |= banned
    try:
        for q, walk in enumerate(walks):
            name = A.inst.requests[q].name
            p = A.plan(q)
            if walk and len(walk) == len(p.steps):
                fixed = {s.sid: (A.node_names[walk[i]],) for i, s in enumerate(p.steps)}
                if st.place(name, fixed=fixed).placed:
                    continue
            if not st.place(name).placed:
                failed.append(name)
    finally:
        st.ban -= banned
    still = []
    for name in failed:
        if not st.place(name).placed:
            still.append(name)
    return still


def warm_up() -> None:
    """Compile the kernels on a tiny configuration."""
    cnt = np.ones((2, 1), dtype=np.int64)
    z = np.zeros(1, dtype=np.int64)
    Dm = np.zeros((2, 2))
    _assign(
        cnt,
        np.array([0, 2], dtype=np.int64),
        np.array([0, 1], dtype=np.int64),
        np.array([-1, 0], dtype=np.int64),
        np.array([0, 1, 1], dtype=np.int64),
        z,
        np.ones(1),
        np.ones(1) * 10,
        Dm,
        np.zeros((1, 2)),
        z,
    )
