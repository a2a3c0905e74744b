"""Numba kernels of the Nimbus heuristics (array-only, ``nogil``, cached).

The Python classes of :mod:`placement.heuristics.offloading.nimbus` and
:mod:`placement.heuristics.offloading.mt` validate the parameters and allocate every array;
the kernels here carry the hot loops and touch nothing but numpy arrays and
scalars. They release the GIL, so MT slices run truly in parallel in threads.

Conventions shared by every kernel
----------------------------------
* Kind codes: 0 local, 1 edge, 2 cloud (as :mod:`placement.offloading.instance`).
* ``order`` lists the devices to place, in placement order; ``nodes`` lists the
  edge nodes the kernel may use, in ascending index order. Only the entries of
  the state arrays (``load``, ``min_slack``, ``max_net``) that belong to
  ``nodes`` and the entries of ``kind`` / ``target`` that belong to ``order``
  are written, so kernels on disjoint slices can share those arrays.
* The network time ``net = upload[i] + rtt[ap_i, j]`` is computed on the fly;
  no devices × nodes matrix is ever built.
* Queue time ``q_j(n)``: 0 for ``n <= 0``; table nodes (``tlen[j] > 0``) read
  ``table[j, min(n, T) - 1]`` of the padded table; linear nodes use
  ``max(0, slope_j·n + intercept_j)`` — the semantics of
  :meth:`placement.offloading.instance.OffloadingInstance.queue_ms`.
* ``maxload(j, b)`` is the largest ``n`` in ``[0, cap_j]`` with
  ``inference_j + q_j(n) <= b``: closed form ``floor((b - inference_j -
  intercept_j) / slope_j)`` for linear nodes (exact because ``b - inference_j
  >= 0`` makes the ``max(0, ·)`` irrelevant), binary search for tables.

Random subset of κ candidates (the sampling procedure, reproduced exactly by the
test reference ``tests/reference_nimbus.py``): a SplitMix64 generator, seeded
once per kernel call with a 64-bit integer; when a device has ``m > κ``
candidates, a partial Fisher–Yates shuffle runs over the candidate list (kept in
ascending node order): for ``t = 0 .. κ-1`` draw ``r``, let ``s = t + r mod
(m - t)`` and swap entries ``t`` and ``s``; the first κ entries, in that order,
are the subset. With ``m <= κ`` (or κ = 0) no number is drawn and every
candidate is kept.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic
from placement.heuristics._numba import njit

KIND_LOCAL = 0
KIND_EDGE = 1
KIND_CLOUD = 2

#: Relative slack of the key-based pruning: a key may be rounded differently from the
#: exact score (it multiplies by alpha/eps where the score divides), so candidates
#: within this margin of the incumbent are scored exactly.
KEY_RTOL = 1e-12

#: Deadline buckets of the load-term lower bound: the devices of a call are split by
#: deadline into this many equal-width ranges, each with its own bound (a tighter
#: bound leaves fewer candidates to score exactly).
LBL_BUCKETS = 16

#: Bit pattern of +inf (keys are >= +0, so their int64 bits order like their values).
INF_BITS = np.int64(0x7FF0000000000000)

#: Look-ahead codes of :func:`nimbus_kernel`.
LOOKAHEAD_EXACT = 0
LOOKAHEAD_PAPER = 1

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)


#: Elements of the next device's RTT row prefetched ahead (the hardware prefetcher
#: follows the sequential scan after that).
PREFETCH_ELEMS = 256


@intrinsic
def _prefetch2d(typingctx, arr, i, j):
    """Hint the CPU to load the cache line of ``arr[i, j]`` (``llvm.prefetch``; no-op
    semantics, never faults)."""
    if not isinstance(arr, types.Array) or arr.ndim != 2:
        return None
    sig = types.void(arr, i, j)

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        idx = [
            context.cast(builder, args[1], signature.args[1], types.intp),
            context.cast(builder, args[2], signature.args[2], types.intp),
        ]
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, idx, wraparound=False)
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return sig, codegen


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _splitmix_next(state: np.uint64) -> tuple[np.uint64, np.uint64]:
    """One SplitMix64 step: ``(new_state, output)``."""
    s = state + _GOLDEN
    z = s
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return s, z ^ (z >> _S31)


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _queue(j, n, slope, intercept, table, tlen):
    """Queue time of node ``j`` holding ``n`` devices."""
    if n <= 0:
        return 0.0
    if tlen[j] > 0:
        idx = n - 1
        last = table.shape[1] - 1
        if idx > last:
            idx = last
        return table[j, idx]
    v = slope[j] * n + intercept[j]
    if v > 0.0:
        return v
    return 0.0


@njit(nogil=True, cache=True, error_model="numpy")
def maxload(j, budget_ms, node_inf, slope, intercept, table, tlen, cap):
    """Largest ``n`` in ``[0, cap_j]`` with ``inference_j + q_j(n) <= budget_ms``."""
    b = budget_ms - node_inf[j]
    c = cap[j]
    if b < 0.0:
        return 0
    if tlen[j] > 0:
        hi = tlen[j]
        if c < hi:
            hi = c
        lo = 0  # table[j, lo - 1] <= b holds for lo (q(0) = 0)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if table[j, mid - 1] <= b:
                lo = mid
            else:
                hi = mid - 1
        return lo
    s = slope[j]
    if s <= 0.0:
        if intercept[j] <= b:
            return c
        return 0
    x = (b - intercept[j]) / s
    if x >= c:
        return c
    if x < 0.0:
        return 0
    return np.int64(np.floor(x))


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _refresh(j, load, min_slack, slope, intercept, table, tlen, cap, qnext, thr):
    """Recompute the look-ahead caches ``qnext[j]`` and ``thr[j]`` of node ``j``."""
    n = load[j]
    qn = _queue(j, n + 1, slope, intercept, table, tlen)
    qnext[j] = qn
    if n + 1 <= cap[j] and qn <= min_slack[j]:
        thr[j] = _queue(j, n, slope, intercept, table, tlen)
    else:
        thr[j] = np.inf


@njit(nogil=True, cache=True, error_model="numpy")
def _bucket_bounds(nodes, edges, node_inf, slope, intercept, table, tlen, cap, inv_ml):
    """``inv_ml[b, j] <= 1 / max(maxload(j, e), 1)`` for every budget ``e <= edges[b]``.

    Linear nodes (slope > 0, no table): ``maxload(j, e) <= min(cap_j, x)`` with
    ``x = (edges[b] - inference_j - intercept_j) / slope_j`` (the floor and the
    clamp only lower it), so ``1 / max(min(cap_j, x), 1)`` bounds it from below —
    a branch-free loop that vectorises. Other nodes take the exact ``maxload`` at
    the bucket edge (``maxload`` grows with the budget).
    """
    for b in range(edges.shape[0]):
        e = edges[b]
        for k in range(nodes.shape[0]):
            j = nodes[k]
            x = (e - node_inf[j] - intercept[j]) / slope[j]
            c = np.float64(cap[j])
            x = c if x > c else x
            x = 1.0 if x < 1.0 else x
            inv_ml[b, j] = 1.0 / x
        for k in range(nodes.shape[0]):
            j = nodes[k]
            if tlen[j] > 0 or not slope[j] > 0.0:
                m = maxload(j, e, node_inf, slope, intercept, table, tlen, cap)
                inv_ml[b, j] = 1.0 / (m if m > 0 else 1)


@njit(nogil=True, cache=True, error_model="numpy")
def _scan_packed(
    row, inf_s, qnext_s, thr_s, load_s, inv_s, key, up, eps, bud, w, ae, beta, n, shift
):
    """The fused filter of the contiguous κ = 0 path, one vectorised pass.

    ``key[k]`` = ``ae·L + beta·n_k·inv_s[k]`` where node ``k`` passes the filter,
    the exact look-ahead and the newcomer's own checks, else ``+inf``. Returns the minimum of
    the keys' bit patterns (keys are >= +0, so their int64 bits order like the
    values) with the low ``shift`` bits replaced by the index: ``>= INF_BITS`` when
    no node passes, else the low bits name a node of (nearly) smallest key.
    """
    m = INF_BITS
    low = (np.int64(1) << shift) - 1
    for k in range(n):
        net = up + row[k]
        lat = net + inf_s[k] + qnext_s[k]
        ok = (net < eps) & (thr_s[k] < eps) & (lat <= eps) & (w * net <= bud)
        kc = ae * lat + beta * load_s[k] * inv_s[k]
        v = kc if ok else np.inf
        key[k] = v
        p = (np.float64(v).view(np.int64) & ~low) | k
        m = p if p < m else m
    return m


@njit(nogil=True, cache=True, error_model="numpy")
def _count_le(key, n, s):
    """Number of ``key[:n] <= s`` (vectorised)."""
    c = 0
    for k in range(n):
        c += key[k] <= s
    return c


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _argmin4(key, n):
    """Index of a minimum of ``key[:n]`` (any one; -1 if all are +inf), with four
    independent lanes so the loop is not one long dependency chain."""
    m0 = m1 = m2 = m3 = np.inf
    i0 = i1 = i2 = i3 = -1
    n4 = n - n % 4
    for k in range(0, n4, 4):
        if key[k] < m0:
            m0 = key[k]
            i0 = k
        if key[k + 1] < m1:
            m1 = key[k + 1]
            i1 = k + 1
        if key[k + 2] < m2:
            m2 = key[k + 2]
            i2 = k + 2
        if key[k + 3] < m3:
            m3 = key[k + 3]
            i3 = k + 3
    for k in range(n4, n):
        if key[k] < m0:
            m0 = key[k]
            i0 = k
    if m1 < m0:
        m0 = m1
        i0 = i1
    if m2 < m0:
        m0 = m2
        i0 = i2
    if m3 < m0:
        i0 = i3
    return i0


@njit(nogil=True, cache=True, error_model="numpy")
def nimbus_kernel(
    order,
    nodes,
    device_ap,
    upload,
    deadline,
    budget,
    cloud_choice,
    w_wifi,
    rtt,
    node_inf,
    slope,
    intercept,
    table,
    tlen,
    cap,
    load,
    min_slack,
    max_net,
    kind,
    target,
    kappa,
    alpha,
    beta,
    lookahead,
    prng_seed,
):
    """Nimbus ST (the paper's Algorithm 1 on the corrected cost model) over ``order``.

    Per device ``i`` (AP ``a``, deadline ``ε``, upload ``up``):

    1. *FilterAndMinimize*: node ``j`` of ``nodes`` is a candidate if reachable,
       ``net = up + rtt[a, j] < ε`` and the current queue ``q_j(n_j) < ε``.
    2. *LookAheadLoad*: exact (``lookahead = 0``): keep ``j`` iff ``n_j + 1 <=
       cap_j`` and ``q_j(n_j + 1) <= min_slack_j`` where ``min_slack_j`` is the
       minimum over devices already on ``j`` of ``deadline - (net + inference_j)``
       — so nobody already on ``j`` is pushed past its deadline (O(1) per test).
       Paper (``lookahead = 1``): keep an empty ``j``; else keep ``j`` iff
       ``n_j < maxload(j, ε - max_net_j)`` with ``max_net_j`` the worst network
       time of the devices on ``j`` (judged against the newcomer's ε only).
    3. κ > 0: keep a random subset of κ candidates (module docstring).
    4. *Core*: drop candidates where the newcomer itself fails (``n_j + 1 >
       cap_j``, ``net + inference_j + q_j(n_j + 1) > ε`` or ``w_wifi·net >
       budget``); pick the first minimum of ``α·L/ε + β·n_j/maxload(j, ε)``.
    5. *Failover*: ``cloud_choice[i]`` (nearest feasible cloud over Wi-Fi) if
       ``>= 0``, else local.

    Implementation (same result as the literal steps above, which the test
    reference follows): per node, ``qnext = q(n+1)`` and ``thr = q(n)`` (``+inf``
    if the exact look-ahead fails) are cached and refreshed only for the node that
    receives a device, so the exact filter is two comparisons. With κ = 0 and the
    exact look-ahead the filter and the newcomer's checks run as one branch-free
    pass (vectorised when ``nodes`` is a contiguous range), which also returns a
    candidate of (nearly) smallest key. The score's minimum is found with a lower
    bound ``key = α·L/ε + β·n_j·inv_ml[b, j] <= score``, where ``inv_ml[b, j] <=
    1/max(maxload(j, ε), 1)`` for every deadline ``ε`` of bucket ``b`` (the devices'
    deadline range split into :data:`LBL_BUCKETS` equal parts): only candidates
    whose key does not exceed the exact score of that candidate are scored exactly
    — usually none but itself, which a vectorised count establishes. Nodes failing
    the exact look-ahead never pass it
    again (loads grow, slacks shrink); on slices they leave the scan list. A
    ``maxload`` of 0 in the score (possible only by rounding at a boundary) counts
    as 1.

    Returns the number of devices placed on the edge.
    """
    n_nodes = nodes.shape[0]
    n_all = node_inf.shape[0]
    cand = np.empty(n_nodes, dtype=np.int64)
    # Per-node caches, refreshed whenever a node's load changes (only the chosen node):
    # qnext[j] = q_j(n_j + 1); thr[j] = q_j(n_j) if the node passes the exact
    # look-ahead (n_j + 1 <= cap_j and q_j(n_j + 1) <= min_slack_j), else +inf.
    # With them the exact filter is two comparisons per node.
    qnext = np.empty(n_all, dtype=np.float64)
    thr = np.empty(n_all, dtype=np.float64)
    # beta·n_j·inv_ml[b, j] <= beta·n_j / max(maxload(j, ε), 1) for every device of
    # deadline bucket b (ε <= edges[b]; maxload grows with the budget): a lower bound
    # of the load term, used to skip nodes that cannot beat the incumbent without
    # computing their score.
    eps_min = np.inf
    eps_max = 0.0
    for oi in range(order.shape[0]):
        e = deadline[order[oi]]
        if e > eps_max:
            eps_max = e
        if e < eps_min:
            eps_min = e
    n_b = LBL_BUCKETS
    edges = np.full(n_b, eps_max)
    width = (eps_max - eps_min) / n_b if eps_max > eps_min else 0.0
    inv_width = 1.0 / width if width > 0.0 else 0.0
    for b in range(n_b - 1):
        if width > 0.0:
            edges[b] = eps_min + (b + 1) * width
    inv_ml = np.empty((n_b, n_all), dtype=np.float64)
    _bucket_bounds(nodes, edges, node_inf, slope, intercept, table, tlen, cap, inv_ml)
    for k in range(n_nodes):
        _refresh(nodes[k], load, min_slack, slope, intercept, table, tlen, cap, qnext, thr)
    feas = np.empty(n_nodes, dtype=np.int64)
    key = np.empty(n_nodes, dtype=np.float64)
    # κ = 0 with the exact look-ahead: no sampling, so the newcomer's own checks can
    # join the filter (one pass; candidate order = node order either way).
    fused = lookahead == LOOKAHEAD_EXACT and kappa == 0
    # Exact look-ahead: a node with thr = +inf (cap reached, or one more device would
    # break somebody) stays so for good — loads only grow, slacks only shrink — so
    # it may leave the scan list ``alive`` (kept in ascending node order).
    # When ``nodes`` is a contiguous range base..base+n-1 (ST: 0..J-1; MT slices after
    # the node renumbering of :mod:`placement.heuristics.offloading.mt`) the list is not shrunk:
    # the contiguous, vectorised scan (dead nodes have thr = +inf and drop out by
    # themselves) is faster than a gather.
    base = nodes[0] if n_nodes > 0 else 0
    contiguous = True
    for k in range(n_nodes):
        if nodes[k] != base + k:
            contiguous = False
    prune = lookahead == LOOKAHEAD_EXACT and not contiguous
    # views of the node range (indices from 0, so the scan needs no offset arithmetic)
    inf_s = node_inf[base : base + n_nodes]
    qnext_s = qnext[base : base + n_nodes]
    thr_s = thr[base : base + n_nodes]
    load_s = load[base : base + n_nodes]
    # index bits of the packed minimum of :func:`_scan_packed`
    shift = 1
    while (np.int64(1) << shift) < n_nodes:
        shift += 1
    alive = np.empty(n_nodes, dtype=np.int64)
    n_alive = 0
    for k in range(n_nodes):
        j = nodes[k]
        if not prune or thr[j] < np.inf:
            alive[n_alive] = j
            n_alive += 1
    state = np.uint64(prng_seed)
    placed = 0
    n_pf = n_nodes if n_nodes < PREFETCH_ELEMS else PREFETCH_ELEMS
    n_order = order.shape[0]
    for oi in range(n_order):
        i = order[oi]
        a = device_ap[i]
        eps = deadline[i]
        up = upload[i]
        bud = budget[i]
        b = np.int64((eps - eps_min) * inv_width)
        if b > n_b - 1:
            b = n_b - 1
        while b < n_b - 1 and edges[b] < eps:  # rounding guard: eps <= edges[b]
            b += 1
        if oi + 1 < n_order:  # start loading the next device's RTT row
            a_next = device_ap[order[oi + 1]]
            for c in range(0, n_pf, 8):
                _prefetch2d(rtt, a_next, base + c)
        m = 0
        f = 0
        if fused:
            # Branch-free pass: key of every live node, +inf where the filter, the
            # look-ahead or the newcomer's own checks fail. With a contiguous ``nodes``
            # range the loop reads contiguous arrays and vectorises.
            if contiguous:
                # multiply by alpha/eps instead of dividing per node: the key only
                # prunes (KEY_RTOL below absorbs the different rounding)
                pm = _scan_packed(
                    rtt[a, base : base + n_nodes],
                    inf_s,
                    qnext_s,
                    thr_s,
                    load_s,
                    inv_ml[b, base : base + n_nodes],
                    key,
                    up,
                    eps,
                    bud,
                    w_wifi,
                    alpha / eps,
                    beta,
                    n_alive,
                    shift,
                )
                c0 = -1 if pm >= INF_BITS else np.int64(pm & ((np.int64(1) << shift) - 1))
            else:
                for k in range(n_alive):
                    j = alive[k]
                    net = up + rtt[a, j]
                    lat = net + node_inf[j] + qnext[j]
                    ok = (net < eps) & (thr[j] < eps) & (lat <= eps) & (w_wifi * net <= bud)
                    kc = alpha * lat / eps + beta * load[j] * inv_ml[b, j]
                    key[k] = kc if ok else np.inf
                c0 = _argmin4(key, n_alive)
            if c0 >= 0:
                f = n_alive  # key[k] = +inf marks the infeasible nodes
        else:
            if lookahead == LOOKAHEAD_EXACT:
                for k in range(n_alive):
                    j = alive[k]
                    ok = (up + rtt[a, j] < eps) & (thr[j] < eps)  # inf < eps is False
                    cand[m] = j
                    m += ok
            else:
                for k in range(n_nodes):
                    j = nodes[k]
                    net = up + rtt[a, j]
                    if not (net < eps):  # also drops inf (unreachable)
                        continue
                    n = load[j]
                    if not (_queue(j, n, slope, intercept, table, tlen) < eps):
                        continue
                    if n > 0:
                        if n >= maxload(
                            j, eps - max_net[j], node_inf, slope, intercept, table, tlen, cap
                        ):
                            continue
                    cand[m] = j
                    m += 1
            if kappa > 0 and m > kappa:
                for t in range(kappa):
                    state, rnd = _splitmix_next(state)
                    s = t + np.int64(rnd % np.uint64(m - t))
                    tmp = cand[t]
                    cand[t] = cand[s]
                    cand[s] = tmp
                m = kappa
            # Core, part 1: drop candidates where the newcomer itself fails.
            for c in range(m):
                j = cand[c]
                net = up + rtt[a, j]
                lat = net + node_inf[j] + qnext[j]
                ok = (load[j] + 1 <= cap[j]) & (lat <= eps) & (w_wifi * net <= bud)
                feas[f] = j
                f += ok
        # Core, part 2: first minimum of score = α·L/ε + β·n/maxload(j, ε).
        # key = α·L/ε + β·n_j·inv_ml[b, j] <= score (an addend <= the load term; the
        # rounding differences are absorbed by KEY_RTOL), so with S0 the exact score
        # of a candidate of (nearly) smallest key, only candidates with key <= S0 can
        # reach the minimum (or tie it earlier): those are scored exactly, in
        # candidate order. Any candidate would do as the one of S0 (correctness does
        # not depend on it; a small key keeps the others few).
        best = -1
        best_net = 0.0
        if f > 0:
            if not fused:
                kmin = np.inf
                c0 = 0
                for c in range(f):
                    j = feas[c]
                    lat = up + rtt[a, j] + node_inf[j] + qnext[j]
                    kc = alpha * lat / eps + beta * load[j] * inv_ml[b, j]
                    key[c] = kc
                    if kc < kmin:
                        kmin = kc
                        c0 = c
            j = alive[c0] if fused else feas[c0]
            lat = up + rtt[a, j] + node_inf[j] + qnext[j]
            ml = maxload(j, eps, node_inf, slope, intercept, table, tlen, cap)
            s0 = alpha * lat / eps + beta * load[j] / (ml if ml > 0 else 1)
            best_score = np.inf
            s0 = s0 + KEY_RTOL * abs(s0)
            # Usually c0 is the only candidate with key <= s0 (a vectorised count
            # says so); otherwise score those, in order, and stop after the last.
            todo = _count_le(key, f, s0)
            if todo == 1:
                best = j
                best_net = up + rtt[a, j]
            else:
                for c in range(f):
                    if key[c] <= s0:
                        j = alive[c] if fused else feas[c]
                        net = up + rtt[a, j]
                        lat = net + node_inf[j] + qnext[j]
                        ml = maxload(j, eps, node_inf, slope, intercept, table, tlen, cap)
                        score = alpha * lat / eps + beta * load[j] / (ml if ml > 0 else 1)
                        if score < best_score:
                            best_score = score
                            best = j
                            best_net = net
                        todo -= 1
                        if todo == 0:
                            break
        if best >= 0:
            kind[i] = KIND_EDGE
            target[i] = best
            load[best] += 1
            slack = eps - (best_net + node_inf[best])
            if slack < min_slack[best]:
                min_slack[best] = slack
            if best_net > max_net[best]:
                max_net[best] = best_net
            _refresh(best, load, min_slack, slope, intercept, table, tlen, cap, qnext, thr)
            if prune and thr[best] == np.inf:
                p = 0
                while alive[p] != best:
                    p += 1
                for q in range(p, n_alive - 1):
                    alive[q] = alive[q + 1]
                n_alive -= 1
            placed += 1
        elif cloud_choice[i] >= 0:
            kind[i] = KIND_CLOUD
            target[i] = cloud_choice[i]
        else:
            kind[i] = KIND_LOCAL
            target[i] = -1
    return placed


@njit(nogil=True, cache=True, error_model="numpy")
def nearest_nodes(rtt, nodes, kk):
    """The ``kk`` reachable nodes of ``nodes`` with the smallest RTT, per AP.

    Returns ``(near, near_rtt, cnt)``: ``near[a, :cnt[a]]`` in ascending RTT (ties:
    lower node index first, as the row is scanned in index order and the test is
    strict) and their RTTs ``near_rtt[a, c] = rtt[a, near[a, c]]`` (read in row order
    by Greedy, instead of scattered over the RTT matrix). Depends on the instance
    only, so Greedy computes it once per instance.
    """
    n_aps = rtt.shape[0]
    near = np.empty((n_aps, kk), dtype=np.int64)
    near_rtt = np.empty((n_aps, kk), dtype=np.float64)
    cnt = np.zeros(n_aps, dtype=np.int64)
    buf_r = np.empty(kk + 1, dtype=np.float64)
    for a in range(n_aps):
        for p in range(kk):
            buf_r[p] = np.inf
        for k in range(nodes.shape[0]):
            j = nodes[k]
            r = rtt[a, j]
            if r < buf_r[kk - 1]:  # inf never enters
                p = kk - 1
                while p > 0 and buf_r[p - 1] > r:
                    buf_r[p] = buf_r[p - 1]
                    near[a, p] = near[a, p - 1]
                    p -= 1
                buf_r[p] = r
                near[a, p] = j
        c = 0
        while c < kk and buf_r[c] < np.inf:
            near_rtt[a, c] = buf_r[c]
            c += 1
        cnt[a] = c
    return near, near_rtt, cnt


@njit(nogil=True, cache=True, error_model="numpy")
def greedy_kernel(
    order,
    nodes,
    device_ap,
    upload,
    deadline,
    budget,
    cloud_choice,
    w_wifi,
    rtt,
    node_inf,
    slope,
    intercept,
    table,
    tlen,
    cap,
    load,
    kind,
    target,
    kappa,
    near,
    near_rtt,
    near_cnt,
):
    """Greedy Nimbus (the paper's baseline): κ nearest nodes, no look-ahead, α = 1, β = 0.

    Per device: the κ reachable nodes of ``nodes`` with the smallest RTT from its AP
    (``near[a, :near_cnt[a]]`` with their RTTs ``near_rtt`` from
    :func:`nearest_nodes`; κ = 0: every reachable node, in index order, and the
    ``near`` tables are not read); among those where the newcomer
    itself is feasible at load ``n_j + 1`` (cap, deadline, energy), the first with
    the smallest latency. Devices already on the node are not checked, so they may
    end past their deadline. Failover as :func:`nimbus_kernel`. Returns the number
    of devices placed on the edge.
    """
    n_nodes = nodes.shape[0]
    cand = np.empty(n_nodes, dtype=np.int64)
    cand_r = np.empty(n_nodes, dtype=np.float64)
    placed = 0
    for oi in range(order.shape[0]):
        i = order[oi]
        a = device_ap[i]
        eps = deadline[i]
        up = upload[i]
        m = 0
        if kappa > 0:
            m = near_cnt[a]
            for c in range(m):
                cand[c] = near[a, c]
                cand_r[c] = near_rtt[a, c]
        else:
            for k in range(n_nodes):
                j = nodes[k]
                r = rtt[a, j]
                cand[m] = j
                cand_r[m] = r
                m += r < np.inf
        best = -1
        best_score = np.inf
        bud = budget[i]
        for c in range(m):
            j = cand[c]
            n = load[j]
            if n + 1 > cap[j]:
                continue
            net = up + cand_r[c]
            lat = net + node_inf[j] + _queue(j, n + 1, slope, intercept, table, tlen)
            if lat > eps:
                continue
            if w_wifi * net > bud:
                continue
            score = lat / eps
            if score < best_score:
                best_score = score
                best = j
        if best >= 0:
            kind[i] = KIND_EDGE
            target[i] = best
            load[best] += 1
            placed += 1
        elif cloud_choice[i] >= 0:
            kind[i] = KIND_CLOUD
            target[i] = cloud_choice[i]
        else:
            kind[i] = KIND_LOCAL
            target[i] = -1
    return placed


@njit(nogil=True, cache=True, error_model="numpy")
def gather_columns(mat, cols):
    """``mat[:, cols]`` as a new C-contiguous array (row by row: each row stays in cache)."""
    rows = mat.shape[0]
    n = cols.shape[0]
    out = np.empty((rows, n), dtype=mat.dtype)
    for r in range(rows):
        for c in range(n):
            out[r, c] = mat[r, cols[c]]
    return out
