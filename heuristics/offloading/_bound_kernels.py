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
    level_start: np.ndarray,
    level_cost: np.ndarray,
    chosen: np.ndarray,
    alt_chosen: np.ndarray,
) -> float:
    """:math:`L(\\lambda)`; fills ``chosen`` (pairs of each node's best set) and
    ``alt_chosen`` (devices whose cloud/local option is taken)."""
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
        l0 = level_start[j]
        nbar = level_start[j + 1] - l0 - 1
        best = level_cost[l0]  # level 0
        best_n = 0
        for n in range(1, nbar + 1):
            s = 0.0
            got = 0
            for t in range(k):
                q = order[t]
                if pair_cap[lo + q] >= n:
                    s += rc[q]
                    got += 1
                    if got == n:
                        break
            if got < n:
                break  # fewer candidates tolerate n; more never will
            v = level_cost[l0 + n] + s
            if v < best:
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
