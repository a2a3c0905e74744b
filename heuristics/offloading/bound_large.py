r"""A latency lower bound for instances too large to pre-filter device by device.

The flow relaxation (:mod:`placement.heuristics.offloading.flow`) builds one arc per
feasible device × node pair: 10⁹ pairs at 100 000 devices × 10 000 nodes. This bound
works per access point instead. Every Wi-Fi option of device :math:`i` at AP
:math:`a` costs its upload :math:`u_i` plus a part that depends only on the AP:

.. math::

    \mathit{lat}_{ij} = u_i + c_{aj} + q_j(n_j), \qquad c_{aj} = \mathit{rtt}_{aj} + \mathit{inf}_j,

and its best outside option (the fastest Wi-Fi cloud meeting its deadline and budget, or
local) costs :math:`u_i + v_i`. Relax (1) which nodes a device may use to the nodes some
device of its AP may use (deadline and budget with the AP's largest slack), (2) every
node's load to :math:`\bar N_j` = the largest load at which some device of some AP can
still meet its deadline there (and the node's cap), and (3) the link
:math:`n_j = \sum_i x_{ij}` by a multiplier :math:`\lambda_j`. For every
:math:`\lambda` the Lagrangian

.. math::

    L(\lambda) = \sum_i u_i + \sum_i \min\bigl(v_i,\ \min_{j \in J_a} (c_{aj} + \lambda_j)\bigr)
               + \sum_j \min_{0 \le n \le \bar N_j} \bigl(n\,q_j(n) - \lambda_j n\bigr)

is at most the least total latency of any feasible assignment (each relaxation only
widens the choices, and weak duality), so the largest value seen is a valid bound. It
costs :math:`O(A \cdot J)` per evaluation — no device × node array. :math:`\lambda`
follows Polyak subgradient steps towards a known upper bound (a heuristic's total
latency); the subgradient is the devices each node attracts minus the load its own
subproblem chooses.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from placement.offloading.instance import OffloadingInstance

#: Device × node pairs above which the pair-by-pair relaxations (flow, Lagrangian of the
#: assignment rows, LP) are not built: their pre-filter holds arrays of that size.
MAX_PAIRS = 50_000_000
#: Relative slack on the comparisons of the relaxed feasibility tests.
_TOL = 1e-9


def _outside(inst: OffloadingInstance) -> np.ndarray:
    """``(N,)`` each device's fastest option off the edge: a Wi-Fi cloud within its
    deadline and budget, else local."""
    up, a = inst.wifi_upload_ms, inst.device_ap
    best = np.array(inst.device_local_ms, dtype=float)
    for k in range(inst.n_clouds):
        rtt = inst.cloud_rtt_wifi_ms[a, k]
        lat = up + rtt + inst.cloud_inference_ms[k]
        ok = (lat <= inst.deadline_ms * (1 + _TOL)) & (
            inst.w_wifi * (up + rtt) <= inst.energy_budget_mj * (1 + _TOL)
        )
        best = np.where(ok & (lat < best), lat, best)
    return best


def _node_loads(inst: OffloadingInstance, reach: np.ndarray) -> np.ndarray:
    """``(J,)`` the largest load at which node ``j`` still meets the deadline of a device
    with network time ``reach[j]`` below its deadline (0 if none), within the cap."""
    J = inst.n_nodes
    nodes = np.arange(J)
    cap = inst.node_capacity
    nbar = np.zeros(J, dtype=np.int64)
    n = 1
    alive = (cap >= 1) & (inst.node_inference_ms + inst.queue_ms(nodes, 1) <= reach)
    while alive.any():
        nbar[alive] = n
        n += 1
        alive &= (cap >= n) & (inst.node_inference_ms + inst.queue_ms(nodes, n) <= reach)
    return nbar


def aggregated_bound(
    inst: OffloadingInstance,
    *,
    upper: float | None = None,
    time_limit: float = 10.0,
    max_iterations: int = 500,
) -> tuple[float, dict[str, Any]]:
    """The largest Lagrangian value of the module docstring found within ``time_limit``
    seconds or ``max_iterations`` subgradient steps; a valid lower bound on the total
    latency (ms) of every feasible assignment.

    Parameters
    ----------
    inst
        The offloading instance.
    upper
        Total latency of a feasible assignment (the Polyak target); without it the
        target is 5 % above the current value.
    time_limit, max_iterations
        Stopping criteria of the subgradient steps.

    Returns
    -------
    tuple
        ``(bound, details)`` with ``iterations``, ``runtime_s``, ``arcs`` (AP × node pairs
        kept) and ``start`` (the value at :math:`\\lambda = 0`).
    """
    t0 = time.perf_counter()
    a, up = inst.device_ap, inst.wifi_upload_ms
    A, J = inst.n_aps, inst.n_nodes
    v = _outside(inst) - up
    base = float(up.sum())
    if J == 0:
        return base + float(v.sum()), {"iterations": 0, "runtime_s": time.perf_counter() - t0}
    slack_d = np.full(A, -np.inf)
    np.maximum.at(slack_d, a, inst.deadline_ms - up)
    slack_e = np.full(A, -np.inf)
    np.maximum.at(slack_e, a, inst.energy_budget_mj / inst.w_wifi - up)
    rtt = np.asarray(inst.rtt_ms, dtype=float)
    reach = np.max(slack_d[:, None] - rtt, axis=0)
    fin = np.isfinite(reach)
    reach[fin] += _TOL * np.abs(reach[fin])
    nbar = _node_loads(inst, reach)
    inf_j = inst.node_inference_ms
    first = inf_j + inst.queue_ms(np.arange(J), 1)
    ok = (rtt + first[None, :] <= slack_d[:, None] * (1 + _TOL) + _TOL) & (
        rtt <= slack_e[:, None] * (1 + _TOL) + _TOL
    )
    ok &= (nbar >= 1)[None, :]
    cost = np.where(ok, rtt + inf_j[None, :], np.inf)
    del ok
    # F_j(n) = n q_j(n) for n = 0..nbar_j (inf beyond)
    L = int(nbar.max())
    ns = np.arange(L + 1)
    F = np.full((J, L + 1), np.inf)
    for n in ns:
        live = nbar >= n
        F[live, n] = n * inst.queue_ms(np.nonzero(live)[0], n)
    lam = np.zeros(J)
    best, best_lam, start = -np.inf, lam.copy(), None
    theta, stall, it = 2.0, 0, 0
    while it < max_iterations and time.perf_counter() - t0 < time_limit:
        m = cost + lam[None, :]
        jstar = np.argmin(m, axis=1)
        mval = m[np.arange(A), jstar]
        edge = mval[a] < v
        h = F - lam[:, None] * ns[None, :]
        nstar = np.argmin(h, axis=1)
        val = base + float(np.where(edge, mval[a], v).sum()) + float(h[np.arange(J), nstar].sum())
        if start is None:
            start = val
        if val > best + 1e-9 * abs(best if np.isfinite(best) else 1.0):
            best, best_lam, stall = val, lam.copy(), 0
        else:
            stall += 1
            if stall >= 10:
                theta, stall = theta / 2, 0
                lam = best_lam.copy()
        count = np.bincount(jstar[a[edge]], minlength=J).astype(float)
        g = count - nstar
        gg = float(g @ g)
        it += 1
        if gg == 0.0 or theta < 1e-6:
            break
        target = upper if upper is not None and upper > best else 1.05 * abs(best) + 1.0
        lam = lam + theta * (target - val) / gg * g
    value = best - 1e-9 * abs(best)  # float summation slack
    return value, {
        "iterations": it,
        "runtime_s": time.perf_counter() - t0,
        "arcs": int(np.isfinite(cost).sum()),
        "start": start,
        "max_load": L,
    }
