"""Numba kernels of the pipeline heuristics (array-only, ``nogil=True``, ``cache=True``).

* :func:`dijkstra` — lexicographic shortest paths (primary, secondary link weights) from
  one node over the links whose residual bandwidth covers a demand; the primary metric
  is the delay (ties by hops) or the hop count (ties by delay).
* :func:`score_candidates` — the greedy's choice of a host for one step replica: for
  every candidate node the exact feasibility (capabilities, exclusive capabilities,
  pinning and anti-affinity masks, instance capacity with the nested boot-time limits,
  node resources, ``max_instances``, ε budgets, the end-to-end delay bound through the
  lower bound of the rest of the request) and the score
  ``Δobjective + ω (α · delay / bound + β · load / capacity)``.
* :func:`gap_search` — the local search of independent one-step requests (the GAP
  structure): shift and swap moves with exact O(R) deltas on per-node resource arrays,
  capacity excess penalised with an adaptive weight, a tabu list, seeded.

Every kernel takes only arrays and scalars; the callers in
:mod:`placement.heuristics.pipeline.state` build the arrays once per instance.
"""

from __future__ import annotations

import numpy as np
from placement.heuristics._numba import njit

INF = np.inf

#: Growth of the capacity-excess penalty per infeasible sweep of :func:`gap_search`.
LAM_UP = 1.1

#: Objective codes shared with :mod:`placement.heuristics.pipeline.state`.
OBJ_CORES, OBJ_HOPS, OBJ_DELAY, OBJ_ENERGY, OBJ_PRIORITY, OBJ_MIGRATIONS, OBJ_COST = range(7)


@njit(nogil=True, cache=True)
def _heap_push(hk1, hk2, hn, size, k1, k2, n):
    i = size
    hk1[i] = k1
    hk2[i] = k2
    hn[i] = n
    while i > 0:
        p = (i - 1) // 2
        if hk1[p] < hk1[i] or (hk1[p] == hk1[i] and hk2[p] <= hk2[i]):
            break
        hk1[p], hk1[i] = hk1[i], hk1[p]
        hk2[p], hk2[i] = hk2[i], hk2[p]
        hn[p], hn[i] = hn[i], hn[p]
        i = p
    return size + 1


@njit(nogil=True, cache=True)
def _heap_pop(hk1, hk2, hn, size):
    k1, k2, n = hk1[0], hk2[0], hn[0]
    size -= 1
    hk1[0], hk2[0], hn[0] = hk1[size], hk2[size], hn[size]
    i = 0
    while True:
        a = 2 * i + 1
        b = a + 1
        m = i
        if a < size and (hk1[a] < hk1[m] or (hk1[a] == hk1[m] and hk2[a] < hk2[m])):
            m = a
        if b < size and (hk1[b] < hk1[m] or (hk1[b] == hk1[m] and hk2[b] < hk2[m])):
            m = b
        if m == i:
            break
        hk1[m], hk1[i] = hk1[i], hk1[m]
        hk2[m], hk2[i] = hk2[i], hk2[m]
        hn[m], hn[i] = hn[i], hn[m]
        i = m
    return k1, k2, n, size


@njit(nogil=True, cache=True)
def dijkstra(src, adj_ptr, adj_nbr, adj_link, w1, w2, link_res, need, d1, d2, pred):
    """Lexicographic shortest paths from ``src``.

    Parameters
    ----------
    src
        Source node.
    adj_ptr, adj_nbr, adj_link
        CSR adjacency: the neighbours of ``u`` are ``adj_nbr[adj_ptr[u]:adj_ptr[u+1]]``
        over the links ``adj_link[...]``.
    w1, w2
        Primary and secondary weight of every link.
    link_res
        Residual bandwidth of every link (negative: the link is down).
    need
        Bandwidth the path must carry: links with ``link_res < need`` are skipped.
    d1, d2, pred
        Outputs: primary and secondary distance (``inf`` when unreachable) and the link
        into each node on its path (-1 at ``src`` and unreachable nodes).
    """
    n = d1.shape[0]
    for i in range(n):
        d1[i] = INF
        d2[i] = INF
        pred[i] = -1
    cap = adj_nbr.shape[0] + n + 1
    hk1 = np.empty(cap)
    hk2 = np.empty(cap)
    hn = np.empty(cap, dtype=np.int64)
    done = np.zeros(n, dtype=np.uint8)
    d1[src] = 0.0
    d2[src] = 0.0
    size = _heap_push(hk1, hk2, hn, 0, 0.0, 0.0, src)
    while size > 0:
        k1, k2, u, size = _heap_pop(hk1, hk2, hn, size)
        if done[u]:
            continue
        done[u] = 1
        for j in range(adj_ptr[u], adj_ptr[u + 1]):
            lk = adj_link[j]
            if link_res[lk] < need or link_res[lk] < 0.0:
                continue
            w = adj_nbr[j]
            if done[w]:
                continue
            a = k1 + w1[lk]
            b = k2 + w2[lk]
            if a < d1[w] or (a == d1[w] and b < d2[w]):
                d1[w] = a
                d2[w] = b
                pred[w] = lk
                if size < cap:
                    size = _heap_push(hk1, hk2, hn, size, a, b, w)


@njit(nogil=True, cache=True)
def path_fits(pred, link_u, link_v, src, dst, link_res, need):
    """Whether the path to ``dst`` in the ``pred`` tree of ``src`` exists and every link
    on it keeps at least ``need`` residual bandwidth."""
    if dst == src:
        return True
    v = dst
    steps = 0
    n = pred.shape[0]
    while v != src:
        lk = pred[v]
        if lk < 0 or steps > n:
            return False
        if link_res[lk] < need or link_res[lk] < 0.0:
            return False
        v = link_u[lk] if link_v[lk] == v else link_v[lk]
        steps += 1
    return True


@njit(nogil=True, cache=True)
def _node_ratio(w, used, cap, dem, kvar, nopen):
    """Bottleneck resource utilisation of node ``w`` after opening ``nopen`` instances of
    variant ``kvar`` (``kvar`` < 0: none)."""
    best = 0.0
    R = used.shape[1]
    for r in range(R):
        c = cap[w, r]
        if c <= 0.0 or c == INF:
            continue
        u = used[w, r]
        if kvar >= 0:
            u += nopen * dem[kvar, w, r]
        x = u / c
        if x > best:
            best = x
    return best


@njit(nogil=True, cache=True)
def score_candidates(
    cands,
    t,
    load,
    jpref,
    var_ptr,
    var_dem,
    cap_t,
    maxinst,
    ninst,
    node_caps,
    node_excl,
    req_mask,
    excl_used,
    inst_cnt,
    bootload,
    used,
    capn,
    forbid,
    pdelay,
    pmetric,
    parr,
    proc,
    taild,
    tailm,
    bound,
    objective,
    cores_r,
    cost,
    idle,
    per_core,
    n_at,
    prev_mask,
    budgets,
    alpha,
    beta,
    omega,
    out,
):
    """Choose a host for one replica of a step.

    For every node ``w`` of ``cands`` (skipping ``forbid[w] != 0``) test: capabilities
    (``node_caps[w] ⊇ req_mask[t]``), the capacity of the instances of ``t`` on ``w``
    for ``load`` more traffic under the nested boot limits (the step may use the
    variants ``var_ptr[t] .. var_ptr[t] + jpref - 1``, sorted by boot time), else the
    opening of enough instances of the allowed variant with the smallest footprint
    that fits the residual resources, the exclusive capabilities, ``max_instances``
    and the ε budgets (``budgets``: cores, cost, energy still allowed); the arrival
    time ``proc[t, w] + max_p (parr[p] + pdelay[p, w])`` plus the lower bound
    ``taild[w]`` of the rest of the request within ``bound``. ``t < 0`` is a pinned
    endpoint (no instance, no resources).

    The score is ``Δobjective + ω (α (arrival + taild) / bound + β · utilisation)``
    (with ``bound = inf`` the delay term is ``x / (1 + x)``).

    Returns
    -------
    int
        The best node (-1 when none is feasible); ``out`` receives
        ``[variant opened (-1: shared), instances opened, score, arrival]``.
    """
    best = -1
    best_score = INF
    out[0] = -1.0
    out[1] = 0.0
    out[2] = INF
    out[3] = INF
    P = pdelay.shape[0]
    for ci in range(cands.shape[0]):
        w = cands[ci]
        if forbid[w] != 0:
            continue
        # ---- delay
        arr = 0.0
        metric = 0.0
        ok = True
        for p in range(P):
            d = pdelay[p, w]
            if d == INF:
                ok = False
                break
            a = parr[p] + d
            if a > arr:
                arr = a
            metric += pmetric[p, w]
        if not ok:
            continue
        if t >= 0:
            arr += proc[t, w]
        if arr + taild[w] > bound * (1.0 + 1e-9) + 1e-12:
            continue
        kopen = -1
        nopen = 0
        if t >= 0:
            rm = req_mask[t]
            if (node_caps[w] & rm) != rm:
                continue
            v0 = var_ptr[t]
            V = var_ptr[t + 1] - v0
            cp = cap_t[t]
            # instances that must be opened (of the allowed variants) for the load
            need_open = 0
            have_all = 0
            for k in range(V):
                have_all += inst_cnt[w, v0 + k]
            if cp == INF:
                have = 0
                for k in range(jpref):
                    have += inst_cnt[w, v0 + k]
                if have == 0:
                    need_open = 1
            else:
                cum = 0.0
                have = 0
                for j in range(1, V + 1):
                    cum += bootload[w, t, j]
                    have += inst_cnt[w, v0 + j - 1]
                    if j >= jpref:
                        tot = cum + load
                        lack = tot - cp * have - 1e-9 * max(1.0, tot)
                        if lack > 0.0:
                            m = int(np.ceil(lack / cp - 1e-12))
                            if m > need_open:
                                need_open = m
            if need_open > 0:
                if maxinst[t] >= 0 and ninst[t] + need_open > maxinst[t]:
                    continue
                ex = rm & node_excl[w]
                if ex != 0 and (need_open + have_all > 1 or (excl_used[w] & ex) != 0):
                    continue
                # the allowed variant with the smallest footprint that fits
                bk = -1
                bfoot = INF
                R = used.shape[1]
                for k in range(jpref):
                    kv = v0 + k
                    fits = True
                    foot = 0.0
                    for r in range(R):
                        dd = var_dem[kv, w, r] * need_open
                        c = capn[w, r]
                        if dd > 0.0 and used[w, r] + dd > c + 1e-9 * max(1.0, c):
                            fits = False
                            break
                        if c > 0.0 and c != INF:
                            foot += dd / c
                        if objective == OBJ_CORES and r == cores_r:
                            foot += 1e6 * dd
                    if not fits:
                        continue
                    if cores_r >= 0 and var_dem[kv, w, cores_r] * need_open > budgets[0] + 1e-9:
                        continue
                    if foot < bfoot:
                        bfoot = foot
                        bk = kv
                if bk < 0:
                    continue
                if need_open * cost[t, w] > budgets[1] + 1e-9:
                    continue
                de = 0.0
                if cores_r >= 0:
                    de = per_core[w] * var_dem[bk, w, cores_r] * need_open
                if n_at[w] == 0:
                    de += idle[w]
                if de > budgets[2] + 1e-9:
                    continue
                kopen = bk
                nopen = need_open
        # ---- objective increment
        dobj = 0.0
        if objective == OBJ_CORES:
            if kopen >= 0 and cores_r >= 0:
                dobj = var_dem[kopen, w, cores_r] * nopen
        elif objective == OBJ_HOPS:
            dobj = metric + tailm[w]
        elif objective == OBJ_DELAY:
            dobj = arr + taild[w]
        elif objective == OBJ_ENERGY:
            if kopen >= 0:
                if cores_r >= 0:
                    dobj = per_core[w] * var_dem[kopen, w, cores_r] * nopen
                if n_at[w] == 0:
                    dobj += idle[w]
        elif objective == OBJ_MIGRATIONS:
            if prev_mask[w] == 0:
                dobj = 1.0
        elif objective == OBJ_COST:
            if kopen >= 0:
                dobj = cost[t, w] * nopen
        x = arr + taild[w]
        if bound < INF and bound > 0.0:
            dterm = x / bound
        else:
            dterm = x / (1.0 + x)
        if t >= 0:
            lterm = _node_ratio(w, used, capn, var_dem, kopen, nopen)
        else:
            lterm = 0.0
        sc = dobj + omega * (alpha * dterm + beta * lterm)
        if sc < best_score:
            best_score = sc
            best = w
            out[0] = kopen
            out[1] = nopen
            out[2] = sc
            out[3] = arr
    return best


@njit(nogil=True, cache=True)
def _exc_after(used, cap, dem, j, v, sign, R):
    """Relative capacity excess of node ``v`` after adding (``sign=1``) or removing
    (``sign=-1``) job ``j``."""
    e = 0.0
    for r in range(R):
        x = used[v, r] + sign * dem[j, v, r] - cap[v, r]
        if x > 0.0:
            e += x
    return e


@njit(nogil=True, cache=True)
def _exc(used, cap, v, R):
    e = 0.0
    for r in range(R):
        x = used[v, r] - cap[v, r]
        if x > 0.0:
            e += x
    return e


@njit(nogil=True, cache=True)
def gap_search(assign, cost, dem, cap, allowed, sweeps, near, seed, tabu_len, out_best):
    """Local search of independent one-step requests (a multi-resource GAP).

    Job ``j`` on node ``v`` costs ``cost[j, v]`` and uses ``dem[j, v, :]`` of the node's
    ``cap[v, :]``; ``allowed[j, v]`` says whether ``v`` may host ``j``. A sweep visits the
    jobs in a random order (seeded) and applies to each the best of its *shift* moves
    (to any allowed node) and *swap* moves (with a job on one of its ``near`` cheapest
    nodes), judged by ``cost + λ · excess`` (relative capacity excess over nodes and
    resources, exact O(R) deltas on the per-node usage), when it improves; a move back
    to a (job, node) pair left within ``tabu_len`` sweeps is tabu unless it yields a new
    best feasible cost. After each sweep ``λ`` grows if the assignment is infeasible
    and shrinks if it is feasible (strategic oscillation); a sweep without an
    improving move perturbs the best assignment (a few random shifts).

    Parameters
    ----------
    assign
        Start (every job on an allowed node); on return the best feasible assignment
        found (the start when none was feasible).
    sweeps
        Sweeps of this call.
    near
        ``(J, C)`` the ``C`` cheapest allowed nodes of every job (swap partners).
    seed
        Seed of the kernel's RNG.
    tabu_len
        Tabu tenure (sweeps).
    out_best
        ``out_best[0]`` receives the best feasible cost (``inf`` if none was feasible).

    Returns
    -------
    int
        Sweeps done.
    """
    np.random.seed(seed)
    J, N = cost.shape
    R = cap.shape[1]
    C = near.shape[1]
    used = np.zeros((N, R))
    for j in range(J):
        v = assign[j]
        for r in range(R):
            used[v, r] += dem[j, v, r]
    cur = 0.0
    for j in range(J):
        cur += cost[j, assign[j]]
    exc = 0.0
    for v in range(N):
        exc += _exc(used, cap, v, R)
    best_assign = assign.copy()
    best = INF
    if exc <= 1e-12:
        best = cur
    tabu = np.zeros((J, N), dtype=np.int64) - tabu_len - 1
    # λ starts at the mean cost per unit of demand over the allowed pairs
    sc = 0.0
    sd = 0.0
    for j in range(J):
        for v in range(N):
            if allowed[j, v]:
                sc += abs(cost[j, v])
                for r in range(R):
                    sd += dem[j, v, r]
    lam = sc / sd if sd > 0 else 1.0
    lam = max(lam, 1e-6)
    perm = np.arange(J)
    start = np.zeros(N + 1, dtype=np.int64)
    bucket = np.zeros(J, dtype=np.int64)
    sw = 0
    for sw in range(sweeps):
        # jobs per node at the start of the sweep (checked against assign when used)
        for v in range(N + 1):
            start[v] = 0
        for j in range(J):
            start[assign[j] + 1] += 1
        for v in range(N):
            start[v + 1] += start[v]
        fill = start[:N].copy()
        for j in range(J):
            v = assign[j]
            bucket[fill[v]] = j
            fill[v] += 1
        np.random.shuffle(perm)
        moved = False
        for jj in range(J):
            j = perm[jj]
            a = assign[j]
            ea = _exc(used, cap, a, R)
            ea2 = _exc_after(used, cap, dem, j, a, -1, R)
            bdelta = -1e-9
            bv = -1
            bj2 = -1
            for v in range(N):
                if v == a or not allowed[j, v]:
                    continue
                dc = cost[j, v] - cost[j, a]
                de = (ea2 - ea) + (_exc_after(used, cap, dem, j, v, 1, R) - _exc(used, cap, v, R))
                delta = dc + lam * de
                if delta >= bdelta:
                    continue
                if tabu[j, v] >= sw - tabu_len and not (
                    exc + de <= 1e-12 and cur + dc < best - 1e-9
                ):
                    continue
                bdelta = delta
                bv = v
                bj2 = -1
            for c in range(C):
                b = near[j, c]
                if b < 0 or b == a:
                    continue
                eb = _exc(used, cap, b, R)
                for x in range(start[b], start[b + 1]):
                    j2 = bucket[x]
                    if assign[j2] != b or not allowed[j2, a]:
                        continue
                    dc = cost[j, b] + cost[j2, a] - cost[j, a] - cost[j2, b]
                    ea_s = 0.0
                    eb_s = 0.0
                    for r in range(R):
                        y = used[a, r] - dem[j, a, r] + dem[j2, a, r] - cap[a, r]
                        if y > 0.0:
                            ea_s += y
                        y = used[b, r] - dem[j2, b, r] + dem[j, b, r] - cap[b, r]
                        if y > 0.0:
                            eb_s += y
                    de = (ea_s - ea) + (eb_s - eb)
                    delta = dc + lam * de
                    if delta >= bdelta:
                        continue
                    if (tabu[j, b] >= sw - tabu_len or tabu[j2, a] >= sw - tabu_len) and not (
                        exc + de <= 1e-12 and cur + dc < best - 1e-9
                    ):
                        continue
                    bdelta = delta
                    bv = b
                    bj2 = j2
            if bv < 0:
                continue
            moved = True
            e0 = _exc(used, cap, a, R) + _exc(used, cap, bv, R)
            if bj2 < 0:
                for r in range(R):
                    used[a, r] -= dem[j, a, r]
                    used[bv, r] += dem[j, bv, r]
                cur += cost[j, bv] - cost[j, a]
            else:
                for r in range(R):
                    used[a, r] += dem[bj2, a, r] - dem[j, a, r]
                    used[bv, r] += dem[j, bv, r] - dem[bj2, bv, r]
                cur += cost[j, bv] + cost[bj2, a] - cost[j, a] - cost[bj2, bv]
                assign[bj2] = a
                tabu[bj2, bv] = sw
            exc += _exc(used, cap, a, R) + _exc(used, cap, bv, R) - e0
            tabu[j, a] = sw
            assign[j] = bv
            if exc < 1e-12:
                exc = 0.0
                if cur < best - 1e-9:
                    best = cur
                    for i in range(J):
                        best_assign[i] = assign[i]
        if exc > 1e-12:
            lam *= LAM_UP
        else:
            lam = max(lam / LAM_UP, 1e-9)
        if not moved:
            # perturb the best assignment: a few random shifts
            if best < INF:
                for i in range(J):
                    if assign[i] != best_assign[i]:
                        v = assign[i]
                        for r in range(R):
                            used[v, r] -= dem[i, v, r]
                        v = best_assign[i]
                        for r in range(R):
                            used[v, r] += dem[i, v, r]
                        assign[i] = v
                cur = best
            k = max(2, J // 100)
            for _k in range(k):
                j = np.random.randint(J)
                v = np.random.randint(N)
                if not allowed[j, v] or v == assign[j]:
                    continue
                a = assign[j]
                for r in range(R):
                    used[a, r] -= dem[j, a, r]
                    used[v, r] += dem[j, v, r]
                cur += cost[j, v] - cost[j, a]
                tabu[j, a] = sw
                assign[j] = v
            exc = 0.0
            for v in range(N):
                exc += _exc(used, cap, v, R)
    for j in range(J):
        assign[j] = best_assign[j]
    out_best[0] = best
    return sw + 1
