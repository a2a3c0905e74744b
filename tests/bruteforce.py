"""Independent brute force for tiny offloading instances, and a random tiny-instance maker.

:func:`brute_force` enumerates every assignment (each device: local, any reachable edge
node, any reachable cloud over Wi-Fi), recomputes the cost model with its own numpy
code straight from the raw instance fields (it does not call the evaluator or the
MILP's pre-filter), keeps the feasible ones and returns the best; the winner is then
re-checked through :mod:`placement.testing` (plain loops) and the evaluator.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

import placement
from placement import testing
from placement.offloading.evaluate import Assignment
from placement.offloading.instance import OffloadingInstance

TOL = 1e-9


@dataclass
class BruteForceResult:
    """Best assignment of a brute-force enumeration."""

    assignment: Assignment | None
    latency: float
    energy: float
    n_edge: int
    enumerated: int


def _queue(inst: OffloadingInstance, j: int, n: np.ndarray) -> np.ndarray:
    n = np.asarray(n)
    tables = inst.node_queue_table_ms
    if tables is not None and tables[j] is not None:
        t = np.asarray(tables[j], dtype=float)
        q = t[np.clip(n - 1, 0, len(t) - 1)]
    else:
        q = np.maximum(0.0, inst.node_queue_slope_ms[j] * n + inst.node_queue_intercept_ms[j])
    return np.where(n > 0, q, 0.0)


def _cap(inst: OffloadingInstance, j: int) -> float:
    cap = math.inf
    if inst.node_max_devices[j] >= 0:
        cap = int(inst.node_max_devices[j])
    if inst.node_queue_table_ms is not None and inst.node_queue_table_ms[j] is not None:
        cap = min(cap, len(inst.node_queue_table_ms[j]))
    return cap


def options(inst: OffloadingInstance) -> list[list[tuple[int, int]]]:
    """Per device the options ``(kind, target)``: local, reachable nodes, reachable clouds."""
    out = []
    for i in range(inst.n_devices):
        a = int(inst.device_ap[i])
        opts = [(0, -1)]
        opts += [(1, j) for j in range(inst.n_nodes) if math.isfinite(inst.rtt_ms[a, j])]
        opts += [
            (2, k) for k in range(inst.n_clouds) if math.isfinite(inst.cloud_rtt_wifi_ms[a, k])
        ]
        out.append(opts)
    return out


def brute_force(
    inst: OffloadingInstance,
    objective: str = "latency",
    epsilon: float | None = None,
) -> BruteForceResult:
    """Best feasible assignment by enumeration.

    ``objective``: ``latency`` (optionally with total energy ≤ ``epsilon``), ``energy``
    (optionally with total latency ≤ ``epsilon``) or ``edge`` (most edge devices, then
    least latency).
    """
    N = inst.n_devices
    users = inst.ap_background_users.astype(float).copy()
    for a in inst.device_ap:
        users[a] += 1
    opts = options(inst)
    grid = np.array(list(itertools.product(*[range(len(o)) for o in opts])), dtype=np.int64)
    M = grid.shape[0]
    kind = np.zeros((M, N), dtype=np.int64)
    tgt = np.zeros((M, N), dtype=np.int64)
    for i in range(N):
        table = np.array(opts[i])
        kind[:, i] = table[grid[:, i], 0]
        tgt[:, i] = table[grid[:, i], 1]
    lat = np.zeros((M, N))
    en = np.zeros((M, N))
    ok = np.ones((M, N), dtype=bool)
    loads = np.zeros((M, inst.n_nodes), dtype=np.int64)
    for j in range(inst.n_nodes):
        loads[:, j] = ((kind == 1) & (tgt == j)).sum(axis=1)
    for i in range(N):
        a = int(inst.device_ap[i])
        up = 8.0 * inst.device_frame_kb[i] / (inst.ap_bandwidth_mbps[a] / users[a])
        deadline = 1000.0 / inst.device_fps[i]
        budget = inst.device_local_mj[i]
        k, t = kind[:, i], tgt[:, i]
        # local
        loc = k == 0
        lat[loc, i] = inst.device_local_ms[i]
        en[loc, i] = inst.device_local_mj[i]
        # edge
        for j in range(inst.n_nodes):
            sel = (k == 1) & (t == j)
            if not sel.any():
                continue
            net = up + inst.rtt_ms[a, j]
            n = loads[sel, j]
            lat[sel, i] = net + inst.node_inference_ms[j] + _queue(inst, j, n)
            en[sel, i] = inst.w_wifi * net
            ok[sel, i] = (
                (lat[sel, i] <= deadline + TOL)
                & (en[sel, i] <= budget + TOL)
                & (n <= _cap(inst, j))
            )
        # cloud over Wi-Fi
        for c in range(inst.n_clouds):
            sel = (k == 2) & (t == c)
            if not sel.any():
                continue
            net = up + inst.cloud_rtt_wifi_ms[a, c]
            lat[sel, i] = net + inst.cloud_inference_ms[c]
            en[sel, i] = inst.w_wifi * net
            ok[sel, i] = (lat[sel, i] <= deadline + TOL) & (en[sel, i] <= budget + TOL)
    feas = ok.all(axis=1)
    L = lat.sum(axis=1)
    E = en.sum(axis=1)
    nedge = (kind == 1).sum(axis=1)
    if epsilon is not None:
        feas &= (E <= epsilon + 1e-7) if objective == "latency" else (L <= epsilon + 1e-7)
    if not feas.any():
        return BruteForceResult(None, math.inf, math.inf, 0, M)
    idx = np.flatnonzero(feas)
    if objective == "latency":
        best = idx[np.argmin(L[idx])]
    elif objective == "energy":
        best = idx[np.argmin(E[idx])]
    else:
        top = idx[nedge[idx] == nedge[idx].max()]
        best = top[np.argmin(L[top])]
    a = Assignment.from_arrays(kind[best].astype(np.int8), np.where(kind[best] == 0, -1, tgt[best]))
    # the winner through the independent checker and the evaluator
    testing.assert_offloading_feasible(inst, a)
    ev = placement.evaluate(inst, a)
    assert math.isclose(ev.objective, testing.total_latency(inst, a), rel_tol=1e-9, abs_tol=1e-9)
    assert math.isclose(ev.objective, float(L[best]), rel_tol=1e-9, abs_tol=1e-9)
    return BruteForceResult(a, float(L[best]), float(E[best]), int(nedge[best]), M)


def random_tiny(seed: int, *, max_devices: int = 6, max_nodes: int = 3) -> OffloadingInstance:
    """A random tiny instance (≤ 6 devices, ≤ 3 nodes, 1–2 clouds, 1–3 APs) with tight
    deadlines, binding queues, caps, queue tables and unreachable pairs."""
    rng = np.random.default_rng(10_000 + seed)
    A = int(rng.integers(1, 4))
    J = int(rng.integers(1, max_nodes + 1))
    K = int(rng.integers(1, 3))
    N = int(rng.integers(3, max_devices + 1))
    tiers = {
        "T1": (22.554, 23.3144, -41.4949),
        "T2": (7.192, 7.0860, -11.6454),
        "T3": (5.165, 0.65565, -11.88),
    }
    tier = [str(rng.choice(list(tiers))) for _ in range(J)]
    inf_ms = [tiers[t][0] * rng.uniform(0.8, 1.5) for t in tier]
    slope = [tiers[t][1] * rng.uniform(1.0, 6.0) for t in tier]
    icpt = [tiers[t][2] * rng.uniform(0.0, 1.0) for t in tier]
    maxd = [int(rng.choice([-1, -1, 1, 2, 3])) for _ in range(J)]
    tables: list | None = None
    if rng.random() < 0.3:
        tables = []
        for _ in range(J):
            if rng.random() < 0.5:
                tables.append(np.cumsum(rng.uniform(0, 25, size=int(rng.integers(1, 5)))).tolist())
            else:
                tables.append(None)
    rtt = rng.uniform(0.5, 45.0, size=(A, J))
    rtt[rng.random((A, J)) < 0.15] = np.inf
    crw = rng.uniform(15.0, 90.0, size=(A, K))
    crw[rng.random((A, K)) < 0.15] = np.inf
    crl = crw / 1.2
    fps = rng.uniform(8.0, 22.0, size=N)
    return OffloadingInstance(
        name=f"tiny-{seed}",
        ap_bandwidth_mbps=rng.uniform(20.0, 300.0, size=A),
        ap_background_users=rng.integers(0, 6, size=A),
        node_tier=tuple(tier),
        node_ap=np.full(J, -1),
        node_inference_ms=np.array(inf_ms),
        node_queue_slope_ms=np.array(slope),
        node_queue_intercept_ms=np.array(icpt),
        node_max_devices=np.array(maxd),
        node_queue_table_ms=tables,
        cloud_inference_ms=rng.uniform(3.0, 12.0, size=K),
        cloud_rtt_wifi_ms=crw,
        cloud_rtt_lte_ms=crl,
        device_ap=rng.integers(0, A, size=N),
        device_fps=fps,
        device_frame_kb=rng.uniform(15.0, 60.0, size=N),
        device_local_ms=rng.uniform(60.0, 190.0, size=N),
        device_local_mj=rng.uniform(40.0, 318.0, size=N),
        device_lte_mbps=rng.uniform(4.0, 7.0, size=N),
        device_class=tuple("ABC"[int(c)] for c in rng.integers(0, 3, size=N)),
        rtt_ms=rtt,
    )


def feasible_objectives(inst: OffloadingInstance) -> tuple[np.ndarray, np.ndarray]:
    """Total latency and total energy of every feasible assignment (for front checks)."""
    return _enumerate(inst)


def _enumerate(inst: OffloadingInstance) -> tuple[np.ndarray, np.ndarray]:
    N = inst.n_devices
    users = inst.ap_background_users.astype(float).copy()
    for a in inst.device_ap:
        users[a] += 1
    opts = options(inst)
    grid = np.array(list(itertools.product(*[range(len(o)) for o in opts])), dtype=np.int64)
    M = grid.shape[0]
    kind = np.zeros((M, N), dtype=np.int64)
    tgt = np.zeros((M, N), dtype=np.int64)
    for i in range(N):
        table = np.array(opts[i])
        kind[:, i] = table[grid[:, i], 0]
        tgt[:, i] = table[grid[:, i], 1]
    loads = np.zeros((M, inst.n_nodes), dtype=np.int64)
    for j in range(inst.n_nodes):
        loads[:, j] = ((kind == 1) & (tgt == j)).sum(axis=1)
    lat = np.zeros((M, N))
    en = np.zeros((M, N))
    ok = np.ones((M, N), dtype=bool)
    for i in range(N):
        a = int(inst.device_ap[i])
        up = 8.0 * inst.device_frame_kb[i] / (inst.ap_bandwidth_mbps[a] / users[a])
        deadline = 1000.0 / inst.device_fps[i]
        budget = inst.device_local_mj[i]
        k, t = kind[:, i], tgt[:, i]
        loc = k == 0
        lat[loc, i] = inst.device_local_ms[i]
        en[loc, i] = inst.device_local_mj[i]
        for j in range(inst.n_nodes):
            sel = (k == 1) & (t == j)
            net = up + inst.rtt_ms[a, j]
            n = loads[sel, j]
            lat[sel, i] = net + inst.node_inference_ms[j] + _queue(inst, j, n)
            en[sel, i] = inst.w_wifi * net
            ok[sel, i] = (
                (lat[sel, i] <= deadline + TOL)
                & (en[sel, i] <= budget + TOL)
                & (n <= _cap(inst, j))
            )
        for c in range(inst.n_clouds):
            sel = (k == 2) & (t == c)
            net = up + inst.cloud_rtt_wifi_ms[a, c]
            lat[sel, i] = net + inst.cloud_inference_ms[c]
            en[sel, i] = inst.w_wifi * net
            ok[sel, i] = (lat[sel, i] <= deadline + TOL) & (en[sel, i] <= budget + TOL)
    feas = ok.all(axis=1)
    return lat.sum(axis=1)[feas], en.sum(axis=1)[feas]
