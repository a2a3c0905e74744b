r"""A latency lower bound for instances too large to pre-filter device by device.

The flow relaxation (:mod:`placement.heuristics.offloading.flow`) builds one arc per
feasible device × node pair: 10⁹ pairs at 100 000 devices × 10 000 nodes. This bound
keeps one arc per access point and node instead. Every Wi-Fi option of device :math:`i`
at AP :math:`a` costs its upload :math:`u_i` plus a part that depends only on the AP:

.. math::

    \mathit{lat}_{ij} = u_i + c_{aj} + q_j(n_j), \qquad c_{aj} = \mathit{rtt}_{aj} + \mathit{inf}_j,

and its best outside option (the fastest Wi-Fi cloud meeting its deadline and budget, or
local) costs :math:`u_i + v_i`. Relax (1) the deadline caps beyond load 1: device
:math:`i` may use node :math:`j` when it meets its deadline there at load 1,
:math:`t_{aj} = \mathit{rtt}_{aj} + \mathit{inf}_j + q_j(1) \le d_i - u_i` (the energy
budget with the AP's largest slack), (2) every node's load to :math:`\bar N_j` = the
largest load at which some device can still meet its deadline there (and the node's
cap), and (3) the link :math:`n_j = \sum_i x_{ij}` by a multiplier :math:`\lambda_j`. For
every :math:`\lambda` the Lagrangian

.. math::

    L(\lambda) = \sum_i u_i + \sum_i \min\bigl(v_i,\ \min_{j:\,t_{aj} \le d_i - u_i}
    (c_{aj} + \lambda_j)\bigr) + \sum_j \min_{0 \le n \le \bar N_j} \bigl(n\,q_j(n) -
    \lambda_j n\bigr)

is at most the least total latency of any feasible assignment (each relaxation only
widens the choices, and weak duality), so the largest value seen is a valid bound. The
nodes a device may use are nested by its slack, so with an AP's arcs sorted by
:math:`t_{aj}` and its devices by slack one merge walk gives every device its cheapest
node: :math:`O(A \cdot J' + N)` per evaluation for the :math:`J'` arcs kept per AP —
no device × node array. Arcs that cannot beat the AP's best outside option even at the
cheapest queue increment are dropped (a device on one is never worse off outside, so
the relaxation's optimum is unchanged). :math:`\lambda` follows Polyak subgradient steps
towards a known upper bound (a heuristic's total latency), halving the step after 20
steps without progress; the subgradient is the devices each node attracts minus the
load its own subproblem chooses.

On 100 000 devices × 10 000 nodes (``benchmarks/results/offloading/ls_scale.md``) the
per-device access raises the relaxation's optimum from 6.636 · 10⁶ ms (every device of
an AP allowed the AP's nodes) to 6.7999 · 10⁶ ms (both solved once exactly by min-cost
flow), and the subgradient reaches the second within 0.02 % in about 25 s (25 ms a step).
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


def _levels(
    inst: OffloadingInstance, nbar: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(level_start, level_cost, qmin)``: node ``j``'s ``F_j(n) = n q_j(n)`` for
    ``n = 0..nbar_j`` at ``level_cost[level_start[j] + n]`` and its least increment."""
    J = inst.n_nodes
    level_start = np.zeros(J + 1, dtype=np.int64)
    level_start[1:] = np.cumsum(nbar + 1)
    level_cost = np.zeros(int(level_start[-1]))
    qmin = np.full(J, np.inf)
    prev = np.zeros(J)
    for n in range(1, int(nbar.max(initial=0)) + 1):
        live = np.flatnonzero(nbar >= n)
        F = n * inst.queue_ms(live, n)
        level_cost[level_start[live] + n] = F
        qmin[live] = np.minimum(qmin[live], F - prev[live])
        prev[live] = F
    return level_start, level_cost, qmin


def aggregated_bound(
    inst: OffloadingInstance,
    *,
    upper: float | None = None,
    time_limit: float = 10.0,
    max_iterations: int = 2000,
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
        Stopping criteria of the subgradient steps (the value at :math:`\\lambda = 0`
        is always computed).

    Returns
    -------
    tuple
        ``(bound, details)`` with ``iterations``, ``runtime_s``, ``arcs`` (AP × node pairs
        kept), ``start`` (the value at :math:`\\lambda = 0`), ``max_load`` and
        ``prepare_s``.
    """
    from placement.heuristics.offloading._bound_kernels import ap_arcs, ap_lagrangian_value

    t0 = time.perf_counter()
    a, up = inst.device_ap, inst.wifi_upload_ms
    A, J = inst.n_aps, inst.n_nodes
    v = _outside(inst) - up
    base = float(up.sum())
    if J == 0:
        return base + float(v.sum()), {"iterations": 0, "runtime_s": time.perf_counter() - t0}
    slack = inst.deadline_ms - up
    slack_d = np.full(A, -np.inf)
    np.maximum.at(slack_d, a, slack)
    slack_e = np.full(A, -np.inf)
    np.maximum.at(slack_e, a, inst.energy_budget_mj / inst.w_wifi - up)
    vmax = np.full(A, -np.inf)
    np.maximum.at(vmax, a, v)
    rtt = np.ascontiguousarray(inst.rtt_ms, dtype=float)
    reach = np.max(slack_d[:, None] - rtt, axis=0)
    fin = np.isfinite(reach)
    reach[fin] += _TOL * np.abs(reach[fin])
    nbar = _node_loads(inst, reach)
    level_start, level_cost, qmin = _levels(inst, nbar)
    inf_j = np.ascontiguousarray(inst.node_inference_ms, dtype=float)
    first = inf_j + inst.queue_ms(np.arange(J), 1)
    first[nbar < 1] = np.inf
    qmin[~np.isfinite(qmin)] = 0.0
    arc_start, arc_node, arc_cost, arc_thr = ap_arcs(
        rtt, inf_j, first, qmin, slack_d, slack_e, vmax, _TOL
    )
    order = np.lexsort((slack, a))
    dev_start = np.searchsorted(a[order], np.arange(A + 1))
    key = slack[order]
    key = key + _TOL * np.abs(key) + _TOL
    dev_v = np.ascontiguousarray(v[order])
    count = np.zeros(J, dtype=np.int64)
    nstar = np.zeros(J, dtype=np.int64)
    args = (arc_start, arc_node, arc_cost, arc_thr, dev_start, key, dev_v, level_start,
            level_cost, count, nstar)  # fmt: skip
    t_prep = time.perf_counter() - t0
    lam = np.zeros(J)
    best, best_lam, start = -np.inf, lam.copy(), None
    theta, stall, it = 2.0, 0, 0
    while it == 0 or (it < max_iterations and time.perf_counter() - t0 < time_limit):
        val = base + ap_lagrangian_value(lam, *args)
        if start is None:
            start = val
        if val > best + 1e-9 * abs(best if np.isfinite(best) else 1.0):
            best, best_lam, stall = val, lam.copy(), 0
        else:
            stall += 1
            if stall >= 20:
                theta, stall = theta / 2, 0
                lam = best_lam.copy()
        g = (count - nstar).astype(float)
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
        "prepare_s": t_prep,
        "arcs": int(arc_start[-1]),
        "start": start,
        "max_load": int(nbar.max()),
    }
