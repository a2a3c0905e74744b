r"""The min-cost-flow relaxation of offloading, and a repair of its assignment.

With the per-device deadline caps set aside, minimising a weighted sum of latency and
energy over the exact model's options is a convex-cost assignment, i.e. a min-cost
flow (``../shared/STYLE.md``, "Local search and bounds"):

.. math::

    \min \sum_i c_{i,o(i)} + w_L \sum_j \breve F_j(n_j), \qquad
    c_{i,o} = w_L\,\mathit{lat}_{i,o} + w_E\,\mathit{en}_{i,o}

where :math:`o(i)` is device :math:`i`'s option (an edge pair of the pre-filter
:func:`~placement.models.offloading.data.prefilter`, a kept Wi-Fi cloud option or local),
:math:`\mathit{lat}` excludes the queue, :math:`n_j \le \bar N_j` is the load of node
:math:`j` and :math:`\breve F_j` the lower convex envelope of :math:`F_j(n) = n\,q_j(n)`
over :math:`n = 0..\bar N_j` (equal to :math:`F_j` for the linear queue fits, which are
convex; smaller for a non-convex queue table). The network: each device supplies one
unit; an arc device → node per edge pair, an arc device → sink for its cheapest
cloud/local option (uncapacitated options), and per node :math:`\bar N_j` unit arcs
node → sink whose costs are the marginals :math:`\breve F_j(n) - \breve F_j(n-1)`
(nondecreasing, so a min-cost flow fills them in order). OR-Tools'
``SimpleMinCostFlow`` solves it exactly.

Why the value is a lower bound. Every assignment of the exact model is a flow of this
network and costs it at least as much here (caps dropped, :math:`\breve F_j \le F_j`),
so the flow optimum is below the model's optimum of the same weighted objective.
``SimpleMinCostFlow`` takes integer costs: each cost is scaled by ``S`` and rounded
*down*, so every flow costs at most its true cost and the integer optimum divided by
``S`` is still a lower bound (it loses at most ``2·n/S``, recorded as
``rounding``). The dominance pruning of the pre-filter keeps the model's optimum
(``latency`` pruning when the energy weight is 0, ``both`` otherwise).

:func:`repair` makes an assignment (the relaxation's, or any) feasible: devices past
their deadline or budget leave the nodes whose queue they break — tightest device
first — and take their best option that keeps every device feasible (local always is).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from placement.models.offloading.data import OffloadingData, _caps, prefilter

from placement.errors import InputError
from placement.offloading.evaluate import Assignment, evaluate
from placement.offloading.instance import (
    KIND_CLOUD,
    KIND_EDGE,
    KIND_LOCAL,
    OffloadingInstance,
)

#: Largest cost scale: 1e-6 ms (or mJ) resolution per arc.
MAX_SCALE = 1e6
#: Headroom of the integer costs: ``max cost · S · (nodes + 1)`` stays below this.
_INT_BUDGET = 2.0**60


@dataclass(frozen=True)
class FlowRelaxation:
    """Optimum of the min-cost-flow relaxation.

    Attributes
    ----------
    value
        Optimum of the relaxation (ms, mJ or their weighted sum): a valid lower bound of
        the weighted objective over every feasible assignment.
    assignment
        The relaxation's assignment: every device placed; deadlines may be broken.
    runtime_s
        Seconds of the whole call (pre-filter included unless ``data`` was given).
    latency_ms, energy_mj
        The relaxation's own totals of its assignment (latency with the enveloped
        queue terms), i.e. the subgradients of ``value`` in the two weights.
    statistics
        ``scale``, ``rounding`` (largest loss of the integer rounding), arcs, nodes.
    """

    value: float
    assignment: Assignment
    runtime_s: float
    latency_ms: float = 0.0
    energy_mj: float = 0.0
    statistics: dict[str, Any] = field(default_factory=dict)


def _check_weights(latency_weight: float, energy_weight: float) -> tuple[float, float]:
    out = []
    for name, w in (("latency_weight", latency_weight), ("energy_weight", energy_weight)):
        if isinstance(w, bool) or not isinstance(w, (int, float, np.floating, np.integer)):
            raise InputError(f"Expected {name} to be a number, got {w!r}.", field=name)
        if not math.isfinite(float(w)) or w < 0:
            raise InputError(f"Expected {name} >= 0 and finite, got {w!r}.", field=name)
        out.append(float(w))
    if out[0] == 0 and out[1] == 0:
        raise InputError("Expected latency_weight or energy_weight > 0.", field="latency_weight")
    return out[0], out[1]


def relaxation_data(
    instance: OffloadingInstance, *, latency_weight: float = 1.0, energy_weight: float = 0.0
) -> OffloadingData:
    """The pre-filtered data :func:`relax` uses for these weights (reusable across calls
    with weights of the same kind: energy weight zero or not)."""
    if energy_weight == 0:
        return prefilter(instance, objective="latency")
    return prefilter(instance, objective="energy", prune="both")


def envelope(values: np.ndarray) -> np.ndarray:
    """Lower convex envelope of ``values[0..m]`` at the integers ``0..m``."""
    v = np.asarray(values, dtype=np.float64)
    m = v.shape[0]
    if m <= 2 or np.all(np.diff(v, 2) >= 0):
        return v.copy()
    hull: list[int] = []
    for k in range(m):
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            # drop b when it lies on or above the segment a -> k
            if (v[b] - v[a]) * (k - a) >= (v[k] - v[a]) * (b - a):
                hull.pop()
            else:
                break
        hull.append(k)
    return np.interp(np.arange(m), np.asarray(hull), v[hull])


def _level_marginals(data: OffloadingData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per level ``n >= base + 1`` of every node: (position of the node in ``node_ids``,
    marginal of the enveloped queue term, enveloped ``F(n)``); ``base`` is 0 here.

    All nodes at once; only a node whose marginals decrease somewhere (a non-convex
    queue table) goes through :func:`envelope`."""
    counts = (data.node_nbar - data.node_base + 1).astype(np.int64)
    if counts.size == 0:
        z = np.zeros(0)
        return np.zeros(0, np.int64), z, z
    starts = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    lc = np.asarray(data.level_cost, dtype=np.float64)
    seg = np.repeat(np.arange(counts.shape[0], dtype=np.int64), counts)
    first = np.zeros(lc.shape[0], dtype=bool)
    first[starts] = True
    idx = np.flatnonzero(~first)
    node_pos, marg, env_val = seg[idx], lc[idx] - lc[idx - 1], lc[idx].copy()
    same = node_pos[1:] == node_pos[:-1]
    for p in np.unique(node_pos[1:][same & (np.diff(marg) < 0)]).tolist():
        s, c = int(starts[p]), int(counts[p])
        f = envelope(lc[s : s + c])
        sel = np.flatnonzero(node_pos == p)
        marg[sel], env_val[sel] = np.diff(f), f[1:]
    return node_pos, marg, env_val


def _alternatives(
    data: OffloadingData, wl: float, we: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per free device its cheapest non-edge option: (cost, kind, target, latency, energy)."""
    inst = data.instance
    devs = data.devices
    lat = inst.device_local_ms[devs].astype(np.float64)
    en = inst.device_local_mj[devs].astype(np.float64)
    cost = wl * lat + we * en
    kind = np.full(devs.shape[0], KIND_LOCAL, dtype=np.int8)
    target = np.full(devs.shape[0], -1, dtype=np.int64)
    lat, en = lat.copy(), en.copy()
    if data.cloud_dev.size:
        pos = np.searchsorted(devs, data.cloud_dev)
        cc = wl * data.cloud_latency + we * data.cloud_energy
        # per device its cheapest option (the first on ties), taken when cheaper than local
        order = np.lexsort((np.arange(cc.shape[0]), cc, pos))
        first = order[np.r_[True, pos[order][1:] != pos[order][:-1]]]
        c = first[cc[first] < cost[pos[first]]]
        r = pos[c]
        cost[r], kind[r], target[r] = cc[c], KIND_CLOUD, data.cloud_id[c]
        lat[r], en[r] = data.cloud_latency[c], data.cloud_energy[c]
    return cost, kind, target, lat, en


def relax(
    instance: OffloadingInstance,
    *,
    latency_weight: float = 1.0,
    energy_weight: float = 0.0,
    data: OffloadingData | None = None,
    edge_bonus: float = 0.0,
) -> FlowRelaxation:
    """Solve the min-cost-flow relaxation (deadline caps set aside).

    Parameters
    ----------
    instance
        The offloading instance.
    latency_weight, energy_weight
        Weights ``w_L, w_E >= 0`` of the per-device cost ``w_L·latency + w_E·energy``
        (the queue term counts with ``w_L``).
    data
        Pre-filtered data to reuse (:func:`relaxation_data`; its pruning must suit
        the weights: ``latency`` pruning only with ``energy_weight == 0``).
    edge_bonus
        Subtracted from the cost of every edge option (``> 0`` favours edge
        devices: the ``edge`` objective's heuristic; then pass data without
        dominance pruning). ``value`` then bounds the cost minus the bonus.

    Returns
    -------
    FlowRelaxation
        The optimum (a valid lower bound, ms / mJ / weighted) and its assignment.

    Raises
    ------
    InputError
        For negative, non-finite or all-zero weights, or data pruned for latency
        alone with an energy weight.
    """
    from ortools.graph.python import min_cost_flow

    t0 = time.perf_counter()
    wl, we = _check_weights(latency_weight, energy_weight)
    if data is None:
        data = relaxation_data(instance, latency_weight=wl, energy_weight=we)
    elif we > 0 and data.prune == "latency":
        raise InputError(
            "Expected data pruned for energy too (prune 'both' or 'none') with energy_weight > 0.",
            field="data",
        )
    inst = data.instance
    devs = data.devices
    n = int(devs.shape[0])
    Jn = int(data.node_ids.shape[0])
    alt_cost, alt_kind, alt_target, alt_lat, alt_en = _alternatives(data, wl, we)
    pdev = np.searchsorted(devs, data.pair_dev)
    pcost = wl * data.pair_latency + we * data.pair_energy - float(edge_bonus)
    # a pair no cheaper than the device's alternative never helps (marginals >= 0)
    useful = np.flatnonzero(pcost < alt_cost[pdev])
    lvl_pos, lvl_raw, _ = _level_marginals(data)
    lvl_marg = wl * lvl_raw
    # only the first (number of useful candidates) levels of a node can carry flow
    ncand = np.bincount(np.searchsorted(data.node_ids, data.pair_node[useful]), minlength=Jn)
    rank = np.arange(lvl_pos.shape[0]) - np.searchsorted(lvl_pos, lvl_pos)
    lvl_keep = np.flatnonzero(rank < ncand[lvl_pos])

    sink = n + Jn
    tails = np.concatenate(
        (np.arange(n), pdev[useful], n + lvl_pos[lvl_keep]),
    ).astype(np.int64)
    heads = np.concatenate(
        (
            np.full(n, sink),
            n + np.searchsorted(data.node_ids, data.pair_node[useful]),
            np.full(lvl_keep.shape[0], sink),
        )
    ).astype(np.int64)
    costs = np.concatenate((alt_cost, pcost[useful], lvl_marg[lvl_keep]))
    cmax = float(np.max(np.abs(costs))) if costs.size else 0.0
    scale = MAX_SCALE
    if cmax > 0:
        scale = min(MAX_SCALE, _INT_BUDGET / (cmax * (sink + 2)))
    icost = np.floor(costs * scale).astype(np.int64)
    caps = np.ones(tails.shape[0], dtype=np.int64)
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, icost)
    supplies = np.concatenate((np.ones(n), np.zeros(Jn), [-n])).astype(np.int64)
    smcf.set_nodes_supplies(np.arange(sink + 1, dtype=np.int64), supplies)
    status = smcf.solve()
    if status != smcf.OPTIMAL:  # cannot happen: local absorbs every device
        raise RuntimeError(f"min-cost flow relaxation failed with status {status}")
    flows = smcf.flows(np.arange(tails.shape[0], dtype=np.int64))
    # fixed devices (2PMT data): their own costs and the queue term at the base load
    counts = data.node_nbar - data.node_base + 1
    firsts = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    base_queue = float(data.level_cost[firsts].sum()) if counts.size else 0.0
    value = smcf.optimal_cost() / scale + wl * (data.fixed_latency + base_queue)
    value += we * data.fixed_energy

    # ---- the relaxation's assignment and its own totals
    N = inst.n_devices
    kind = np.zeros(N, dtype=np.int8)
    target = np.full(N, -1, dtype=np.int64)
    if data.fixed is not None:
        fe = data.fixed.kind == KIND_EDGE
        kind[fe], target[fe] = KIND_EDGE, data.fixed.target[fe]
    kind[devs], target[devs] = alt_kind, alt_target
    lat_tot = float(alt_lat[flows[:n] > 0].sum())
    en_tot = float(alt_en[flows[:n] > 0].sum())
    used = useful[flows[n : n + useful.shape[0]] > 0]
    kind[data.pair_dev[used]] = KIND_EDGE
    target[data.pair_dev[used]] = data.pair_node[used]
    lat_tot += float(data.pair_latency[used].sum())
    en_tot += float(data.pair_energy[used].sum())
    lflow = flows[n + useful.shape[0] :] > 0
    lat_tot += float(lvl_raw[lvl_keep][lflow].sum())
    return FlowRelaxation(
        value=float(value),
        assignment=Assignment.from_arrays(kind, target),
        runtime_s=time.perf_counter() - t0,
        latency_ms=lat_tot + data.fixed_latency + base_queue,
        energy_mj=en_tot + data.fixed_energy,
        statistics={
            "scale": scale,
            "rounding": 2.0 * n / scale,
            "arcs": int(tails.shape[0]),
            "nodes": int(sink + 1),
            "pairs": int(useful.shape[0]),
            "latency_weight": wl,
            "energy_weight": we,
        },
    )


# ------------------------------------------------------------------ repair
class _Placer:
    """Loads, per-node minimum caps and the options of every device, to move devices
    onto their cheapest option that keeps every device feasible."""

    def __init__(
        self, data: OffloadingData, wl: float, we: float, load: np.ndarray, bonus: float
    ) -> None:
        inst = data.instance
        self.data, self.inst, self.wl, self.we, self.bonus = data, inst, wl, we, bonus
        N = inst.n_devices
        self.pstart = np.searchsorted(data.pair_dev, np.arange(N + 1))
        self.cstart = np.searchsorted(data.cloud_dev, np.arange(N + 1))
        self.load = load
        self.mincap = np.full(inst.n_nodes, np.iinfo(np.int64).max, dtype=np.int64)
        self.cap = np.asarray(inst.node_capacity, dtype=np.int64)

    def _F(self, j: int, n: int) -> float:
        return 0.0 if n <= 0 else n * float(self.inst.queue_ms(j, n))

    def best(self, i: int, exclude: int = -1) -> tuple[float, int, int, int]:
        """Cheapest feasible option of device ``i``: (cost, kind, target, pair index)."""
        inst, d, wl, we = self.inst, self.data, self.wl, self.we
        best = (
            wl * float(inst.device_local_ms[i]) + we * float(inst.device_local_mj[i]),
            KIND_LOCAL,
            -1,
            -1,
        )
        for c in range(int(self.cstart[i]), int(self.cstart[i + 1])):
            cc = wl * float(d.cloud_latency[c]) + we * float(d.cloud_energy[c])
            if cc < best[0]:
                best = (cc, KIND_CLOUD, int(d.cloud_id[c]), -1)
        for p in range(int(self.pstart[i]), int(self.pstart[i + 1])):
            j = int(d.pair_node[p])
            nn = int(self.load[j]) + 1
            if j == exclude or nn > min(int(d.pair_cap[p]), int(self.mincap[j]), int(self.cap[j])):
                continue
            dq = self._F(j, nn) - self._F(j, nn - 1)
            cc = wl * (float(d.pair_latency[p]) + dq) + we * float(d.pair_energy[p])
            cc -= self.bonus
            if cc < best[0]:
                best = (cc, KIND_EDGE, j, p)
        return best

    def place(self, i: int, kind: np.ndarray, target: np.ndarray, exclude: int = -1) -> None:
        """Move device ``i`` (already off any node) to its cheapest feasible option."""
        _, k, t, p = self.best(i, exclude)
        kind[i], target[i] = k, t
        if k == KIND_EDGE:
            self.load[t] += 1
            self.mincap[t] = min(int(self.mincap[t]), int(self.data.pair_cap[p]))


def repair(
    instance: OffloadingInstance,
    assignment: Assignment,
    *,
    latency_weight: float = 1.0,
    energy_weight: float = 0.0,
    data: OffloadingData | None = None,
    edge_bonus: float = 0.0,
) -> Assignment:
    """Make ``assignment`` feasible (every device within deadline, budget and cap).

    Devices on a cloud or local option they cannot use go local. A node whose load
    breaks the cap of a device on it keeps a set whose load fits all its caps: with
    its devices sorted by cap, it drops the ``k`` tightest and then the ``m`` cheapest
    to move of the others, ``k`` chosen for the least estimated cost (the moved
    devices' best alternatives minus what they cost here, minus the queue saved; a
    device past its budget always leaves). Each device that leaves takes its cheapest
    option (``w_L·latency + w_E·energy``, queue growth included) among the edge nodes
    that keep every device there feasible, its cloud options and local (always
    possible). A last check sends any device still infeasible home.

    Parameters
    ----------
    instance, assignment
        The instance and an assignment of all its devices.
    latency_weight, energy_weight
        Weights of the cost that chooses which devices move and where.
    data
        Pre-filtered data whose options moved devices may take (default: the
        :func:`relaxation_data` of the weights).
    edge_bonus
        Subtracted from the cost of every edge option (as in :func:`relax`).

    Returns
    -------
    Assignment
        A feasible assignment (the independent checker agrees).
    """
    wl, we = _check_weights(latency_weight, energy_weight)
    inst = instance
    if data is None:
        data = relaxation_data(inst, latency_weight=wl, energy_weight=we)
    N, J = inst.n_devices, inst.n_nodes
    ev = evaluate(inst, assignment)
    kind = assignment.kind.copy()
    target = assignment.target.copy()
    lte = assignment.lte.copy()
    off = (kind == KIND_CLOUD) & ~ev.feasible
    kind[off], target[off], lte[off] = KIND_LOCAL, -1, False

    # ---- caps of the devices on edge nodes (0 when the budget is broken)
    edge = np.flatnonzero(kind == KIND_EDGE)
    net = inst.wifi_upload_ms[edge] + inst.rtt_ms[inst.device_ap[edge], target[edge]]
    cap = _caps(inst, edge, target[edge], net)
    cap[~(inst.w_wifi * net <= inst.device_local_mj[edge] + 1e-9)] = 0
    cap[~np.isfinite(net)] = 0
    here = wl * (net + inst.node_inference_ms[target[edge]]) + we * inst.w_wifi * net
    here = here - float(edge_bonus)
    order = np.lexsort((edge, cap, target[edge]))  # by node, then cap ascending
    edge, cap, here = edge[order], cap[order], here[order]
    nodes = target[edge]
    bounds = np.searchsorted(nodes, np.arange(J + 1))
    load = np.bincount(nodes, minlength=J).astype(np.int64)
    pl = _Placer(data, wl, we, load, float(edge_bonus))
    capj = pl.cap
    for j in np.flatnonzero(load).tolist():
        pl.mincap[j] = min(int(cap[bounds[j]]), int(capj[j]))
    for j in np.flatnonzero(load > pl.mincap).tolist():
        lo, hi = int(bounds[j]), int(bounds[j + 1])
        devs, caps_j, cost_j = edge[lo:hi], cap[lo:hi], here[lo:hi]
        L = hi - lo
        alt = np.array([pl.best(int(i), exclude=j)[0] for i in devs.tolist()])
        delta = alt - cost_j
        best_plan: tuple[float, list[int]] | None = None
        for k in range(L + 1):
            if k < L and int(caps_j[k]) == 0:
                continue  # a device that cannot stay is never kept
            keep_cap = min(int(caps_j[k]), int(capj[j])) if k < L else 0
            m = max(0, L - k - keep_cap)
            rest = np.argsort(delta[k:], kind="stable")[:m] + k
            moved = list(range(k)) + rest.tolist()
            left = L - len(moved)
            est = float(delta[moved].sum()) + wl * (pl._F(j, left) - pl._F(j, L))
            if best_plan is None or est < best_plan[0] - 1e-12:
                best_plan = (est, moved)
        assert best_plan is not None
        moved_devs = devs[best_plan[1]].tolist()
        stay = np.setdiff1d(np.arange(L), best_plan[1])
        load[j] = stay.shape[0]
        pl.mincap[j] = (
            min(int(caps_j[stay].min()), int(capj[j])) if stay.size else np.iinfo(np.int64).max
        )
        for i in moved_devs:
            kind[i], target[i] = KIND_LOCAL, -1
        for i in sorted(moved_devs):
            pl.place(i, kind, target, exclude=j)

    # ---- last resort: whatever is still infeasible goes home (only shortens queues)
    out = Assignment.from_arrays(kind, target, lte)
    for _ in range(N + 1):
        bad = ~evaluate(inst, out).feasible
        if not bad.any():
            return out
        kind[bad], target[bad], lte[bad] = KIND_LOCAL, -1, False
        out = Assignment.from_arrays(kind, target, lte)
    return out
