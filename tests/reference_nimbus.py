"""Plain-Python reference of Nimbus ST and Greedy (tests and benchmarks only).

Written from the spec (§2, §4) with lists and dicts, independently of the Numba
kernels, to pin them: on the same instance, seed and parameters the kernels must
produce the very same assignment. Floating-point expressions are written in the
same order as the kernels so that ties and boundaries resolve identically; the
shared *definitions* (documented in ``placement.heuristics.kernels``) are:

* candidate order: ascending node index; ties of the score go to the first;
* κ subset: SplitMix64 seeded with the first ``integers(0, 2**63)`` draw of the
  slice Generator, partial Fisher–Yates over the candidate list;
* ``maxload(j, b)``: closed form ``floor((b - inf_j - intercept_j) / slope_j)``
  clamped to ``[0, cap_j]`` for linear nodes, largest fitting table entry else;
* device order ``random``: ``permutation`` drawn after the PRNG seed.

LookAheadLoad is checked literally, against every device already on the node
(the kernels keep an O(1) per-node minimum slack instead), so the parity tests
also pin the kernels' bookkeeping.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

MASK64 = (1 << 64) - 1


class SplitMix64:
    """SplitMix64 on Python integers."""

    def __init__(self, seed: int):
        self.state = seed & MASK64

    def next(self) -> int:
        """Next 64-bit output."""
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)


class RefInstance:
    """The instance as plain Python lists (built once; not part of the timed allocation)."""

    def __init__(self, inst: Any):
        self.n_dev = len(inst.device_ap)
        self.n_nodes = len(inst.node_tier)
        self.ap = [int(a) for a in inst.device_ap]
        users: dict[int, int] = {}
        for a in self.ap:
            users[a] = users.get(a, 0) + 1
        self.upload = []
        for i in range(self.n_dev):
            a = self.ap[i]
            u = int(inst.ap_background_users[a]) + users[a]
            share = float(inst.ap_bandwidth_mbps[a]) / u
            self.upload.append(8.0 * float(inst.device_frame_kb[i]) / share)
        self.deadline = [1000.0 / float(f) for f in inst.device_fps]
        self.budget = [float(x) for x in inst.device_local_mj]
        self.w_wifi = float(inst.w_wifi)
        self.rtt = [[float(x) for x in row] for row in inst.rtt_ms]
        self.inf = [float(x) for x in inst.node_inference_ms]
        self.slope = [float(x) for x in inst.node_queue_slope_ms]
        self.icpt = [float(x) for x in inst.node_queue_intercept_ms]
        tables = inst.node_queue_table_ms
        self.table = [
            None if tables is None or tables[j] is None else [float(x) for x in tables[j]]
            for j in range(self.n_nodes)
        ]
        self.cap = []
        for j in range(self.n_nodes):
            c = self.n_dev
            md = int(inst.node_max_devices[j])
            if md >= 0:
                c = min(c, md)
            if self.table[j] is not None:
                c = min(c, len(self.table[j]))
            self.cap.append(c)
        # nearest feasible cloud over Wi-Fi (ties: lowest index), -1 if none
        self.cloud = []
        n_clouds = len(inst.cloud_inference_ms)
        for i in range(self.n_dev):
            best, best_r = -1, math.inf
            for k in range(n_clouds):
                r = float(inst.cloud_rtt_wifi_ms[self.ap[i]][k])
                net = self.upload[i] + r
                lat = net + float(inst.cloud_inference_ms[k])
                if (
                    math.isfinite(net)
                    and lat <= self.deadline[i]
                    and self.w_wifi * net <= self.budget[i]
                ):
                    if r < best_r:
                        best, best_r = k, r
            self.cloud.append(best)

    def queue(self, j: int, n: int) -> float:
        """``q_j(n)``."""
        if n <= 0:
            return 0.0
        t = self.table[j]
        if t is not None:
            return t[min(n, len(t)) - 1]
        v = self.slope[j] * n + self.icpt[j]
        return v if v > 0.0 else 0.0

    def maxload(self, j: int, budget_ms: float) -> int:
        """Largest ``n <= cap_j`` with ``inf_j + q_j(n) <= budget_ms``."""
        b = budget_ms - self.inf[j]
        c = self.cap[j]
        if b < 0.0:
            return 0
        t = self.table[j]
        if t is not None:
            best = 0
            for n in range(1, min(len(t), c) + 1):
                if t[n - 1] <= b:
                    best = n
            return best
        s = self.slope[j]
        if s <= 0.0:
            return c if self.icpt[j] <= b else 0
        x = (b - self.icpt[j]) / s
        if x >= c:
            return c
        if x < 0.0:
            return 0
        return math.floor(x)


def streams(seed: int, order: str, n_dev: int) -> tuple[int, list[int]]:
    """PRNG seed and device order of the single ST stream."""
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    prng_seed = int(rng.integers(0, 2**63))
    devices = list(range(n_dev))
    if order == "random":
        devices = [int(x) for x in rng.permutation(np.arange(n_dev))]
    return prng_seed, devices


def nimbus(
    ref: RefInstance,
    *,
    seed: int = 0,
    kappa: int = 0,
    alpha: float = 0.7,
    beta: float = 0.3,
    order: str = "instance",
    lookahead: str = "exact",
) -> tuple[list[int], list[int]]:
    """Nimbus ST; returns ``(kind, target)`` lists (0 local, 1 edge, 2 cloud)."""
    prng_seed, devices = streams(seed, order, ref.n_dev)
    return nimbus_alloc(ref, devices, prng_seed, kappa, alpha, beta, lookahead)


def nimbus_alloc(
    ref: RefInstance,
    devices: list[int],
    prng_seed: int,
    kappa: int,
    alpha: float,
    beta: float,
    lookahead: str,
    literal: bool = True,
) -> tuple[list[int], list[int]]:
    """The allocation loop of Nimbus ST (the part timed against the kernel).

    ``literal=True`` (the default, the test oracle) judges LookAheadLoad as the
    paper's Algorithm 2 is written: by looking at every device already on the node
    (exact: each one's deadline still holds with one more device; paper: the worst
    network time among them), O(n) per test and independent of the kernel's O(1)
    bookkeeping. ``literal=False`` keeps the kernel's per-node minimum slack and
    worst network time instead (same result; for the speed comparison only).
    """
    prng = SplitMix64(prng_seed)
    load = [0] * ref.n_nodes
    on_node: list[list[tuple[float, float]]] = [[] for _ in range(ref.n_nodes)]  # (net, deadline)
    min_slack = [math.inf] * ref.n_nodes  # min over devices on j of deadline - (net + inf_j)
    max_net = [0.0] * ref.n_nodes  # worst network time on j (paper look-ahead)
    kind = [0] * ref.n_dev
    target = [-1] * ref.n_dev
    for i in devices:
        a, eps, up = ref.ap[i], ref.deadline[i], ref.upload[i]
        row = ref.rtt[a]
        cands = []
        for j in range(ref.n_nodes):  # FilterAndMinimize + LookAheadLoad
            net = up + row[j]
            if not net < eps:
                continue
            n = load[j]
            if not ref.queue(j, n) < eps:
                continue
            if lookahead == "exact":
                if n + 1 > ref.cap[j]:
                    continue
                q_next = ref.queue(j, n + 1)
                if literal:
                    inf_j = ref.inf[j]
                    if any(q_next > d_eps - (d_net + inf_j) for d_net, d_eps in on_node[j]):
                        continue
                elif q_next > min_slack[j]:
                    continue
            elif n > 0:
                mnl = max(d_net for d_net, _ in on_node[j]) if literal else max_net[j]
                if n >= ref.maxload(j, eps - mnl):
                    continue
            cands.append(j)
        if 0 < kappa < len(cands):
            m = len(cands)
            for t in range(kappa):
                s = t + prng.next() % (m - t)
                cands[t], cands[s] = cands[s], cands[t]
            cands = cands[:kappa]
        best, best_score, best_net = -1, math.inf, 0.0
        for j in cands:  # Core
            n = load[j]
            if n + 1 > ref.cap[j]:
                continue
            net = up + row[j]
            lat = net + ref.inf[j] + ref.queue(j, n + 1)
            if lat > eps or ref.w_wifi * net > ref.budget[i]:
                continue
            ml = ref.maxload(j, eps)
            score = alpha * lat / eps + beta * n / (ml if ml > 0 else 1)
            if score < best_score:
                best, best_score, best_net = j, score, net
        if best >= 0:
            kind[i], target[i] = 1, best
            load[best] += 1
            on_node[best].append((best_net, eps))
            min_slack[best] = min(min_slack[best], eps - (best_net + ref.inf[best]))
            max_net[best] = max(max_net[best], best_net)
        elif ref.cloud[i] >= 0:
            kind[i], target[i] = 2, ref.cloud[i]
    return kind, target


def greedy(
    ref: RefInstance, *, seed: int = 0, kappa: int = 5, order: str = "instance"
) -> tuple[list[int], list[int]]:
    """Greedy Nimbus; returns ``(kind, target)``."""
    _, devices = streams(seed, order, ref.n_dev)
    return greedy_alloc(ref, devices, kappa)


def greedy_alloc(ref: RefInstance, devices: list[int], kappa: int) -> tuple[list[int], list[int]]:
    """The allocation loop of Greedy."""
    load = [0] * ref.n_nodes
    kind = [0] * ref.n_dev
    target = [-1] * ref.n_dev
    nearest: dict[int, list[int]] = {}
    for i in devices:
        a, eps, up = ref.ap[i], ref.deadline[i], ref.upload[i]
        row = ref.rtt[a]
        if a not in nearest:
            reach = [j for j in range(ref.n_nodes) if math.isfinite(row[j])]
            if kappa > 0:
                reach = sorted(reach, key=lambda j: (row[j], j))[:kappa]
            nearest[a] = reach
        best, best_score = -1, math.inf
        for j in nearest[a]:
            n = load[j]
            if n + 1 > ref.cap[j]:
                continue
            net = up + row[j]
            lat = net + ref.inf[j] + ref.queue(j, n + 1)
            if lat > eps or ref.w_wifi * net > ref.budget[i]:
                continue
            if lat / eps < best_score:
                best, best_score = j, lat / eps
        if best >= 0:
            kind[i], target[i] = 1, best
            load[best] += 1
        elif ref.cloud[i] >= 0:
            kind[i], target[i] = 2, ref.cloud[i]
    return kind, target


def random_instance(seed: int, *, n_devices: int | None = None) -> Any:
    """A small random :class:`~placement.instance.OffloadingInstance` with contention.

    2–5 APs, 3–10 nodes of the three paper tiers (some with an explicit queue
    table, some with ``max_devices``), 0–2 clouds, 5–60 devices; some RTTs are
    ``inf`` (unreachable), bandwidths and budgets vary so that the energy budget
    binds now and then.
    """
    from placement.offloading.instance import OffloadingInstance

    rng = np.random.default_rng(10_000 + seed)
    A = int(rng.integers(2, 6))
    J = int(rng.integers(3, 11))
    K = int(rng.integers(0, 3))
    N = int(n_devices if n_devices is not None else rng.integers(5, 61))
    tier_par = {
        "T1": (22.554, 23.3144, -41.4949),
        "T2": (7.192, 7.0860, -11.6454),
        "T3": (5.165, 0.65565, -11.88),
    }
    tiers = [str(t) for t in rng.choice(["T1", "T2", "T3"], size=J, p=[0.5, 0.35, 0.15])]
    inf_ms = np.array([tier_par[t][0] for t in tiers]) * rng.uniform(0.8, 1.5, J)
    slope = np.array([tier_par[t][1] for t in tiers]) * rng.uniform(1.0, 4.0, J)
    icpt = np.array([tier_par[t][2] for t in tiers])
    tables: list[Any] = [None] * J
    for j in range(J):
        if rng.random() < 0.3:
            tables[j] = np.sort(rng.uniform(0, 60, int(rng.integers(1, 9))))
    maxd = np.where(rng.random(J) < 0.25, rng.integers(0, 5, J), -1)
    rtt = rng.uniform(1, 70, (A, J))
    rtt[rng.random((A, J)) < 0.15] = np.inf
    ap = rng.integers(0, A, N)
    return OffloadingInstance(
        name=f"rand-{seed}",
        ap_bandwidth_mbps=rng.uniform(20, 300, A),
        ap_background_users=rng.integers(0, 5, A),
        node_tier=tuple(tiers),
        node_ap=np.full(J, -1),
        node_inference_ms=inf_ms,
        node_queue_slope_ms=slope,
        node_queue_intercept_ms=icpt,
        node_max_devices=maxd,
        node_queue_table_ms=tuple(tables) if any(t is not None for t in tables) else None,
        cloud_inference_ms=np.full(K, 5.0),
        cloud_rtt_wifi_ms=np.where(rng.random((A, K)) < 0.2, np.inf, rng.uniform(20, 120, (A, K))),
        cloud_rtt_lte_ms=rng.uniform(30, 150, (A, K)),
        device_ap=ap,
        device_fps=rng.uniform(8, 25, N),
        device_frame_kb=np.full(N, 33.0),
        device_local_ms=rng.choice([154.0, 116.0, 190.0], N),
        device_local_mj=rng.uniform(60, 320, N),
        device_lte_mbps=rng.uniform(3, 8, N),
        device_class=tuple("A" for _ in range(N)),
        rtt_ms=rtt,
    )
