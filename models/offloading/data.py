r"""Pre-filtered data of the exact offloading model, shared by every exact backend.

:func:`prefilter` turns an instance into the arrays the Pyomo model
(:mod:`placement.models.offloading.pyomo`), the direct HiGHS matrix
(:mod:`placement.models.offloading.matrix`) and the CP-SAT model
(:mod:`placement.models.offloading.cpsat`) are all built from.

Pre-filter
----------
A pair :math:`(i,j)` is kept iff the AP of :math:`i` reaches :math:`j`,
:math:`\mathit{up}_i + \mathit{rtt}_{a_i j} + \mathit{inf}_j + q_j(1) \le \varepsilon_{t,i}`,
:math:`w_{wifi}\,\mathit{net}_{ij} \le \varepsilon_{b,i}` and the node takes at least one
device. :math:`\mathit{cap}_{ij} = \max\{n : \mathit{net}_{ij} + \mathit{inf}_j + q_j(n) \le
\varepsilon_{t,i}\}`; the load levels of a node run :math:`n = 0..\bar N_j` with
:math:`\bar N_j = \min(\mathit{capacity}_j, |\{i : j \in J_i\}|, \max_i \mathit{cap}_{ij})`.
Feasibility comparisons use the evaluator's tolerance
(:data:`placement.tolerances.FEAS_TOL`) and its floating-point expression order, so the
model and :func:`placement.offloading.evaluate.evaluate` agree on every boundary case.

Clouds
------
Devices reach clouds over Wi-Fi only (the access technology is part of the method;
``cloud4g`` is a baseline, not an option of the exact model). For each device the
feasible Wi-Fi clouds that are not dominated in (latency, energy) by another cloud of
the device are kept; with the pure latency objective only the least-latency feasible
cloud is kept. (Baselines pick the *nearest cloud by RTT*; with several clouds of
different inference times the least-latency one can differ.)

Dominance reduction (``prune``)
-------------------------------
An edge pair whose latency at load 1 is no better than some always-available
alternative of the same device (its local execution or a kept cloud option) that is
also no worse in energy can be dropped without losing optimality: moving the device
to the alternative never raises its latency or energy and only shortens the queue of
the node it leaves (queues are nondecreasing in the load). ``prune="auto"`` applies it
with the criterion the objective allows (latency only for the unconstrained latency
objective, latency *and* energy when an ε-constraint or the energy objective is
involved, never for ``edge``).

Partial models
--------------
``devices``/``nodes`` restrict the model to a slice (MT decomposition) and ``fixed``
pre-places devices on edge nodes (the 2PMT second phase): a fixed node's levels start
at its fixed load, its :math:`\bar N_j` is capped by the tightest fixed device, and the
fixed devices' latency / energy (queue included) enter the objective, so the model's
objective is the total over free and fixed devices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from placement.errors import InputError
from placement.offloading.evaluate import Assignment
from placement.offloading.instance import KIND_EDGE, OffloadingInstance
from placement.tolerances import FEAS_TOL

OBJECTIVES = ("latency", "energy", "edge")
PRUNE_MODES = ("auto", "none", "latency", "both")


@dataclass(frozen=True, eq=False)
class OffloadingData:
    """Pre-filtered arrays of the exact model (shared by every exact backend).

    Device indices are global (into the instance); ``devices`` lists the free ones.

    Attributes
    ----------
    instance, objective, prune
        What the data was built from.
    devices
        ``(n,)`` free devices (decision variables).
    pair_dev, pair_node
        ``(P,)`` pre-filtered edge pairs ``(i, j)``.
    pair_latency, pair_energy
        ``(P,)`` ``net + inference`` (ms, queue excluded) and ``w_wifi·net`` (mJ).
    pair_cap
        ``(P,)`` largest total load of ``j`` at which ``i`` meets its deadline.
    cloud_dev, cloud_id
        ``(C,)`` kept Wi-Fi cloud options.
    cloud_latency, cloud_energy
        ``(C,)`` their latency (ms) and energy (mJ).
    level_node, level_n, level_cost
        ``(U,)`` load levels ``(j, n)`` and their queue term ``n·q_j(n)``.
    node_ids, node_base, node_nbar
        Nodes with levels, their fixed load and largest level.
    fixed_latency, fixed_energy
        Constant latency (queue excluded) and energy of fixed devices.
    """

    instance: OffloadingInstance
    objective: str
    prune: str
    devices: np.ndarray
    pair_dev: np.ndarray
    pair_node: np.ndarray
    pair_latency: np.ndarray
    pair_energy: np.ndarray
    pair_cap: np.ndarray
    cloud_dev: np.ndarray
    cloud_id: np.ndarray
    cloud_latency: np.ndarray
    cloud_energy: np.ndarray
    level_node: np.ndarray
    level_n: np.ndarray
    level_cost: np.ndarray
    node_ids: np.ndarray
    node_base: np.ndarray
    node_nbar: np.ndarray
    fixed_latency: float = 0.0
    fixed_energy: float = 0.0
    fixed: Assignment | None = None

    @property
    def n_pairs(self) -> int:
        """Number of edge pairs ``x_ij``."""
        return int(self.pair_dev.shape[0])

    @property
    def n_levels(self) -> int:
        """Number of load-level binaries ``u_jn``."""
        return int(self.level_node.shape[0])

    @property
    def n_variables(self) -> int:
        """Number of binary variables of the model."""
        return (
            self.n_pairs + int(self.cloud_dev.shape[0]) + int(self.devices.shape[0]) + self.n_levels
        )

    def cap_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pairs that need a ``cap`` row: ``(pair index, first level index, last+1)`` —
        the row is ``x_p + Σ u[first:last] ≤ 1`` over the levels above ``cap``."""
        pos = np.searchsorted(self.node_ids, self.pair_node)
        nbar = self.node_nbar[pos]
        need = np.flatnonzero(self.pair_cap < nbar)
        start = self._level_start[pos[need]]
        base = self.node_base[pos[need]]
        first = start + (self.pair_cap[need] - base + 1)
        last = start + (nbar[need] - base + 1)
        return need, first, last

    @property
    def _level_start(self) -> np.ndarray:
        counts = self.node_nbar - self.node_base + 1
        return np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InputError(f"Expected {name} in {{{', '.join(allowed)}}}, got {value!r}.", field=name)


def prefilter(
    instance: OffloadingInstance,
    *,
    objective: str = "latency",
    epsilon: float | None = None,
    prune: str = "auto",
    devices: np.ndarray | None = None,
    nodes: np.ndarray | None = None,
    fixed: Assignment | None = None,
) -> OffloadingData:
    """Compute the pre-filtered pairs, cloud options, caps and load levels.

    Parameters
    ----------
    instance
        The offloading instance.
    objective
        ``latency``, ``energy`` or ``edge`` (decides the dominance reduction).
    epsilon
        Whether an ε-constraint will be added (its value is not used here).
    prune
        ``auto``, ``none``, ``latency`` (drop edge pairs no faster than an
        alternative) or ``both`` (no faster and no cheaper in energy).
    devices, nodes
        Restrict the model to these devices / edge nodes (default: all).
    fixed
        Devices with ``kind == edge`` here are pre-placed on their node (not free).

    Returns
    -------
    OffloadingData
    """
    _check_choice("objective", objective, OBJECTIVES)
    _check_choice("prune", prune, PRUNE_MODES)
    inst = instance
    if prune == "auto":
        if objective == "edge":
            prune = "none"
        elif objective == "latency" and epsilon is None:
            prune = "latency"
        else:
            prune = "both"
    N, J = inst.n_devices, inst.n_nodes
    dev = np.arange(N, dtype=np.int64) if devices is None else np.asarray(devices, dtype=np.int64)
    node_mask = np.ones(J, dtype=bool)
    if nodes is not None:
        node_mask[:] = False
        node_mask[np.asarray(nodes, dtype=np.int64)] = True

    # ---- fixed devices (2PMT phase 2)
    base = np.zeros(J, dtype=np.int64)
    base_cap = np.full(J, np.iinfo(np.int64).max, dtype=np.int64)
    fixed_lat = fixed_en = 0.0
    if fixed is not None:
        fe = np.flatnonzero(fixed.kind == KIND_EDGE)
        dev = np.setdiff1d(dev, fe)
        if fe.size:
            fj = fixed.target[fe]
            fnet = inst.wifi_upload_ms[fe] + inst.rtt_ms[inst.device_ap[fe], fj]
            fcap = _caps(inst, fe, fj, fnet)
            base = np.bincount(fj, minlength=J).astype(np.int64)
            np.minimum.at(base_cap, fj, fcap)
            fixed_lat = float(np.sum(fnet + inst.node_inference_ms[fj]))
            fixed_en = float(np.sum(inst.w_wifi * fnet))
            node_mask |= base > 0

    # ---- cloud options (Wi-Fi), nondominated per device
    ap = inst.device_ap[dev]
    K = inst.n_clouds
    cd, ck, cl, ce = [], [], [], []
    if K:
        cnet = inst.wifi_upload_ms[dev][:, None] + inst.cloud_rtt_wifi_ms[ap]
        clat = cnet + inst.cloud_inference_ms[None, :]
        cen = inst.w_wifi * cnet
        ok = (
            np.isfinite(cnet)
            & (clat <= inst.deadline_ms[dev][:, None] + FEAS_TOL)
            & (cen <= inst.device_local_mj[dev][:, None] + FEAS_TOL)
        )
        rows = np.flatnonzero(ok.any(axis=1))
        if (objective == "latency" and epsilon is None) or K == 1:
            # one option kept per device: the fastest, then the cheapest, then the first
            inf = np.inf
            best = np.lexsort((np.where(ok, cen, inf), np.where(ok, clat, inf)), axis=-1)[:, 0]
            kb = best[rows]
            cd, ck = dev[rows].tolist(), kb.tolist()
            cl, ce = clat[rows, kb].tolist(), cen[rows, kb].tolist()
            rows = rows[:0]
        for r in rows:
            ks = np.flatnonzero(ok[r])
            if objective == "latency" and epsilon is None:
                order = np.lexsort((cen[r, ks], clat[r, ks]))
                keep = ks[order[:1]]
            else:
                keep = [
                    k
                    for k in ks
                    if not any(
                        (clat[r, o] <= clat[r, k] and cen[r, o] <= cen[r, k])
                        and (clat[r, o] < clat[r, k] or cen[r, o] < cen[r, k] or o < k)
                        for o in ks
                        if o != k
                    )
                ]
            for k in keep:
                cd.append(dev[r])
                ck.append(k)
                cl.append(clat[r, k])
                ce.append(cen[r, k])
    cloud_dev = np.asarray(cd, dtype=np.int64)
    cloud_id = np.asarray(ck, dtype=np.int64)
    cloud_lat = np.asarray(cl, dtype=np.float64)
    cloud_en = np.asarray(ce, dtype=np.float64)

    # ---- edge pairs
    cand_nodes = np.flatnonzero(node_mask & (inst.node_capacity >= 1) & (base_cap >= base + 1))
    net = inst.wifi_upload_ms[dev][:, None] + inst.rtt_ms[ap][:, cand_nodes]
    q1 = inst.queue_ms(cand_nodes, base[cand_nodes] + 1)
    lat1 = net + inst.node_inference_ms[cand_nodes][None, :] + q1[None, :]
    en = inst.w_wifi * net
    ok = (
        np.isfinite(net)
        & (lat1 <= inst.deadline_ms[dev][:, None] + FEAS_TOL)
        & (en <= inst.device_local_mj[dev][:, None] + FEAS_TOL)
    )
    if prune != "none":
        # best alternative per device: local, or a kept cloud option
        alt_lat = inst.device_local_ms[dev].astype(np.float64).copy()
        alt_en = inst.device_local_mj[dev].astype(np.float64).copy()
        pos = np.searchsorted(dev, cloud_dev) if cloud_dev.size else cloud_dev
        if prune == "latency":
            dominated = lat1 >= alt_lat[:, None]
            if cloud_dev.size:
                best = np.full(dev.shape[0], np.inf)
                np.minimum.at(best, pos, cloud_lat)
                dominated |= lat1 >= best[:, None]
        else:
            dominated = (lat1 >= alt_lat[:, None]) & (en >= alt_en[:, None])
            for p, lt, e in zip(pos, cloud_lat, cloud_en):
                dominated[p] |= (lat1[p] >= lt) & (en[p] >= e)
        ok &= ~dominated
    r, c = np.nonzero(ok)
    pair_dev = dev[r]
    pair_node = cand_nodes[c]
    pair_net = net[r, c]
    pair_lat = pair_net + inst.node_inference_ms[pair_node]
    pair_en = inst.w_wifi * pair_net
    pair_cap = _caps(inst, pair_dev, pair_node, pair_net)
    order = np.lexsort((pair_node, pair_dev))
    pair_dev, pair_node, pair_lat, pair_en, pair_cap = (
        a[order] for a in (pair_dev, pair_node, pair_lat, pair_en, pair_cap)
    )

    # ---- load levels
    used = np.unique(np.concatenate((pair_node, np.flatnonzero(base > 0))))
    ncand = np.bincount(pair_node, minlength=J)
    maxcap = np.zeros(J, dtype=np.int64)
    if pair_node.size:
        np.maximum.at(maxcap, pair_node, pair_cap)
    nbar = np.minimum.reduce(
        [
            inst.node_capacity[used],
            base[used] + ncand[used],
            np.maximum(maxcap[used], base[used]),
            base_cap[used],
        ]
    ).astype(np.int64)
    nbar = np.maximum(nbar, base[used])
    # levels base..nbar of every used node, node by node
    cnt = (nbar - base[used] + 1).astype(np.int64)
    level_node = np.repeat(used.astype(np.int64), cnt)
    offset = np.repeat(np.cumsum(cnt) - cnt, cnt)
    level_n = (np.arange(level_node.shape[0], dtype=np.int64) - offset) + np.repeat(
        base[used].astype(np.int64), cnt
    )
    level_cost = level_n * inst.queue_ms(level_node, level_n)
    # a pair's cap never needs to exceed nbar
    pos = np.searchsorted(used, pair_node)
    pair_cap = np.minimum(pair_cap, nbar[pos]) if pair_node.size else pair_cap
    return OffloadingData(
        instance=inst,
        objective=objective,
        prune=prune,
        devices=np.sort(dev),
        pair_dev=pair_dev,
        pair_node=pair_node,
        pair_latency=pair_lat,
        pair_energy=pair_en,
        pair_cap=pair_cap,
        cloud_dev=cloud_dev,
        cloud_id=cloud_id,
        cloud_latency=cloud_lat,
        cloud_energy=cloud_en,
        level_node=level_node,
        level_n=level_n,
        level_cost=level_cost,
        node_ids=used.astype(np.int64),
        node_base=base[used],
        node_nbar=nbar,
        fixed_latency=fixed_lat,
        fixed_energy=fixed_en,
        fixed=fixed,
    )


def _caps(
    inst: OffloadingInstance, devs: np.ndarray, nodes: np.ndarray, net: np.ndarray
) -> np.ndarray:
    """``cap_ij`` = largest load ``n <= capacity_j`` with ``net + inf + q_j(n) <= deadline``
    (0 if none), evaluated in the evaluator's expression order.

    Linear fits in closed form for all pairs at once (``q`` is nondecreasing: slope >= 0),
    then corrected step by step in the evaluator's order; table nodes by a search of
    their table."""
    out = np.zeros(devs.shape[0], dtype=np.int64)
    if devs.size == 0:
        return out
    dl = inst.deadline_ms[devs] + FEAS_TOL
    pre = net + inst.node_inference_ms[nodes]
    capn = np.asarray(inst.node_capacity, dtype=np.int64)[nodes]
    tab, ln = inst.queue_table_padded
    lin = np.flatnonzero(ln[nodes] == 0)
    if lin.size:
        nn, room, cap = nodes[lin], dl[lin] - pre[lin], capn[lin]
        s = inst.node_queue_slope_ms[nn]
        b = inst.node_queue_intercept_ms[nn]
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(
                s > 0, np.floor((room - b) / s), np.where(np.maximum(0.0, b) <= room, cap, 0)
            )
        c = np.where(room >= 0, c, 0)
        c = np.clip(np.where(np.isnan(c), 0.0, c), 0, cap).astype(np.int64)
        for _ in range(3):  # exact in the evaluator's order ((net + inf) + q <= dl)
            up = (c < cap) & (pre[lin] + inst.queue_ms(nn, c + 1) <= dl[lin])
            c = c + up
            down = (c > 0) & ~(pre[lin] + inst.queue_ms(nn, c) <= dl[lin])
            c = c - down
        out[lin] = c
    for j in np.unique(nodes[ln[nodes] > 0]):
        sel = np.flatnonzero(nodes == j)
        n_hi = max(int(inst.node_capacity[j]), 1)
        levels = np.arange(1, n_hi + 1, dtype=np.int64)
        q = inst.queue_ms(np.full(n_hi, j), levels)
        c = np.searchsorted(q, dl[sel] - pre[sel], side="right")
        for _ in range(2):
            up = (c < n_hi) & (pre[sel] + q[np.minimum(c, n_hi - 1)] <= dl[sel])
            c = np.where(up, c + 1, c)
            down = (c > 0) & ~(pre[sel] + q[np.maximum(c - 1, 0)] <= dl[sel])
            c = np.where(down, c - 1, c)
        out[sel] = np.minimum(c, int(inst.node_capacity[j]))
    return out


def trivial_bound(data: OffloadingData) -> float:
    """A lower bound on total latency without solving: every free device at its best
    option with the node at its smallest possible load (queues are nondecreasing),
    fixed devices at their fixed cost. Used when a time-limited solver has no bound."""
    inst = data.instance
    devs = data.devices
    best = inst.device_local_ms[devs].astype(np.float64).copy()
    if data.cloud_dev.size:
        np.minimum.at(best, np.searchsorted(devs, data.cloud_dev), data.cloud_latency)
    if data.n_pairs:
        base = data.node_base[np.searchsorted(data.node_ids, data.pair_node)]
        lat1 = data.pair_latency + inst.queue_ms(data.pair_node, base + 1)
        np.minimum.at(best, np.searchsorted(devs, data.pair_dev), lat1)
    return float(data.fixed_latency + best.sum())


def latency_lower_bound(instance: OffloadingInstance) -> float:
    """A lower bound on total latency straight from the instance (no pre-filter): every
    device at the fastest of its local time, its fastest cloud over Wi-Fi or LTE and
    its fastest edge node holding one device, ignoring deadlines, energy budgets and
    caps. Costs ``O(A·(J + K) + N)``; the bound of a solve stopped before its model
    was built."""
    inst = instance
    node = inst.node_inference_ms + inst.queue_ms(np.arange(inst.n_nodes), 1)
    ap_edge = (
        (inst.rtt_ms + node[None, :]).min(axis=1) if inst.n_nodes else np.full(inst.n_aps, np.inf)
    )
    if inst.n_clouds:
        ap_wifi = (inst.cloud_rtt_wifi_ms + inst.cloud_inference_ms[None, :]).min(axis=1)
        ap_lte = (inst.cloud_rtt_lte_ms + inst.cloud_inference_ms[None, :]).min(axis=1)
    else:
        ap_wifi = ap_lte = np.full(inst.n_aps, np.inf)
    a = inst.device_ap
    best = np.minimum(inst.device_local_ms, inst.wifi_upload_ms + np.minimum(ap_edge, ap_wifi)[a])
    best = np.minimum(best, inst.lte_upload_ms + ap_lte[a])
    return float(best.sum())
