r"""Numba kernel of the Lagrangian relaxation of the assignment constraints.

Relaxing :math:`\sum_j x_{ij} + y_i + z_i = 1` with multipliers :math:`\lambda_i` splits
the exact model into one subproblem per edge node and one per device:

.. math::

    L(\lambda) = \sum_i \lambda_i
        + \sum_j \min_{n \le \bar N_j} \Big( G_j(n) + \min_{S \subseteq C_j(n),\,|S| = n}
            \sum_{i \in S} (c_{ij} - \lambda_i) \Big)
        + \sum_i \min\big(0,\ a_i - \lambda_i\big)

with :math:`C_j(n) = \{i : \mathit{cap}_{ij} \ge n\}` the candidates that tolerate load
:math:`n`, :math:`G_j(n)` the (exact, not enveloped) level cost and :math:`a_i` the
device's cheapest cloud/local option (at most one of them in any solution). A node's
subproblem is a sorting problem: for each level, the :math:`n` smallest reduced costs
among the candidates whose cap admits it. Every :math:`\lambda` gives a valid lower
bound because every feasible assignment is feasible for each subproblem and its
relaxed rows hold with equality.
"""

from __future__ import annotations

import numpy as np
from placement.heuristics._numba import njit


@njit(cache=True, nogil=True)
def lagrangian_value(
    lam: np.ndarray,
    alt: np.ndarray,
    node_start: np.ndarray,
    pair_dev: np.ndarray,
    pair_cost: np.ndarray,
    pair_cap: np.ndarray,
    cap_order: np.ndarray,
    level_start: np.ndarray,
    level_cost: np.ndarray,
    chosen: np.ndarray,
    alt_chosen: np.ndarray,
) -> float:
    """:math:`L(\\lambda)`; fills ``chosen`` (pairs of each node's best set) and
    ``alt_chosen`` (devices whose cloud/local option is taken).

    ``cap_order`` lists each node's pairs (global indices) by cap, largest first. A
    node's levels run from the largest down; candidates join as their cap admits the
    level, into two Fenwick trees over their rank by reduced cost (counts, sums), so
    the sum of the ``n`` smallest admitted reduced costs is one descent:
    ``O(k log k)`` per node instead of ``O(n̄ k)``.
    """
    total = 0.0
    n_dev = lam.shape[0]
    for i in range(n_dev):
        total += lam[i]
        r = alt[i] - lam[i]
        if r < 0.0:
            total += r
            alt_chosen[i] = 1
        else:
            alt_chosen[i] = 0
    n_nodes = node_start.shape[0] - 1
    for j in range(n_nodes):
        lo = node_start[j]
        hi = node_start[j + 1]
        k = hi - lo
        for p in range(lo, hi):
            chosen[p] = 0
        if k == 0:
            continue
        rc = np.empty(k)
        for t in range(k):
            rc[t] = pair_cost[lo + t] - lam[pair_dev[lo + t]]
        order = np.argsort(rc)
        rank = np.empty(k, dtype=np.int64)
        for t in range(k):
            rank[order[t]] = t + 1  # 1-based Fenwick position
        cnt = np.zeros(k + 1, dtype=np.int64)
        sm = np.zeros(k + 1)
        top = 1
        while top * 2 <= k:
            top *= 2
        l0 = level_start[j]
        nbar = level_start[j + 1] - l0 - 1
        best = level_cost[l0]  # level 0
        best_n = 0
        ptr = lo  # next pair of cap_order[lo:hi] to admit
        admitted = 0
        for n in range(nbar, 0, -1):
            while ptr < hi and pair_cap[cap_order[ptr]] >= n:
                q = cap_order[ptr] - lo
                x = rank[q]
                v = rc[q]
                while x <= k:
                    cnt[x] += 1
                    sm[x] += v
                    x += x & (-x)
                ptr += 1
                admitted += 1
            if admitted < n:
                continue
            # descend: the largest position whose prefix count is < n, summing as we go
            pos = 0
            need = n
            s = 0.0
            step = top
            while step > 0:
                nxt = pos + step
                if nxt <= k and cnt[nxt] < need:
                    pos = nxt
                    need -= cnt[nxt]
                    s += sm[nxt]
                step //= 2
            s += rc[order[pos]]  # position pos + 1 holds the n-th admitted candidate
            v = level_cost[l0 + n] + s
            if v < best or (v == best and n < best_n):
                best = v
                best_n = n
        total += best
        got = 0
        for t in range(k):
            if got == best_n:
                break
            q = order[t]
            if pair_cap[lo + q] >= best_n:
                chosen[lo + q] = 1
                got += 1
    return total


@njit(cache=True, nogil=True)
def ap_arcs(
    rtt: np.ndarray,
    cost_j: np.ndarray,
    first_j: np.ndarray,
    qmin_j: np.ndarray,
    slack_d: np.ndarray,
    slack_e: np.ndarray,
    vmax: np.ndarray,
    tol: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The AP × node arcs of the per-AP Lagrangian, each AP's sorted by threshold.

    Arc ``(a, j)`` is kept when node ``j`` can serve at load 1 some device of AP ``a``
    (``rtt + first_j`` within the AP's largest deadline slack ``slack_d[a]``, ``rtt``
    within its largest energy slack ``slack_e[a]``) and could beat that AP's best
    outside option (``rtt + cost_j + qmin_j < vmax[a]``: otherwise moving the device
    off it never costs more). Returns ``(start, node, cost, threshold)``: AP ``a``'s arcs
    are ``start[a]:start[a+1]``, by ``threshold = rtt + first_j`` ascending.
    """
    A, J = rtt.shape
    start = np.zeros(A + 1, dtype=np.int64)
    for a in range(A):
        k = 0
        sd = slack_d[a] + tol * abs(slack_d[a]) + tol
        se = slack_e[a] + tol * abs(slack_e[a]) + tol
        for j in range(J):
            r = rtt[a, j]
            if r + first_j[j] <= sd and r <= se and r + cost_j[j] + qmin_j[j] < vmax[a]:
                k += 1
        start[a + 1] = start[a] + k
    m = start[A]
    node = np.empty(m, dtype=np.int64)
    cost = np.empty(m)
    thr = np.empty(m)
    for a in range(A):
        p = start[a]
        sd = slack_d[a] + tol * abs(slack_d[a]) + tol
        se = slack_e[a] + tol * abs(slack_e[a]) + tol
        for j in range(J):
            r = rtt[a, j]
            if r + first_j[j] <= sd and r <= se and r + cost_j[j] + qmin_j[j] < vmax[a]:
                node[p] = j
                cost[p] = r + cost_j[j]
                thr[p] = r + first_j[j]
                p += 1
        lo, hi = start[a], start[a + 1]
        if hi - lo > 1:
            o = np.argsort(thr[lo:hi], kind="mergesort") + lo
            node[lo:hi] = node[o]
            cost[lo:hi] = cost[o]
            thr[lo:hi] = thr[o]
    return start, node, cost, thr


@njit(cache=True, nogil=True)
def ap_lagrangian_value(
    lam: np.ndarray,
    arc_start: np.ndarray,
    arc_node: np.ndarray,
    arc_cost: np.ndarray,
    arc_thr: np.ndarray,
    dev_start: np.ndarray,
    dev_key: np.ndarray,
    dev_v: np.ndarray,
    level_start: np.ndarray,
    level_cost: np.ndarray,
    count: np.ndarray,
    nstar: np.ndarray,
) -> float:
    """:math:`L(\\lambda)` of :mod:`~placement.heuristics.offloading.bound_large` without
    the uploads; fills ``count`` (devices each node attracts) and ``nstar`` (each node
    subproblem's load).

    AP ``a``'s devices ``dev_start[a]:dev_start[a+1]`` come by deadline slack
    ``dev_key`` ascending and its arcs by threshold ascending, so one merge walk keeps
    the cheapest arc every device may use: ``O(arcs + devices + levels)``.
    """
    total = 0.0
    n_nodes = lam.shape[0]
    for j in range(n_nodes):
        count[j] = 0
    for a in range(arc_start.shape[0] - 1):
        p = arc_start[a]
        hi = arc_start[a + 1]
        best = np.inf
        bj = -1
        for d in range(dev_start[a], dev_start[a + 1]):
            s = dev_key[d]
            while p < hi and arc_thr[p] <= s:
                x = arc_cost[p] + lam[arc_node[p]]
                if x < best:
                    best = x
                    bj = arc_node[p]
                p += 1
            if best < dev_v[d]:
                total += best
                count[bj] += 1
            else:
                total += dev_v[d]
    for j in range(n_nodes):
        l0 = level_start[j]
        b = 0.0
        bn = 0
        for n in range(1, level_start[j + 1] - l0):
            x = level_cost[l0 + n] - lam[j] * n
            if x < b:
                b = x
                bn = n
        total += b
        nstar[j] = bn
    return total
