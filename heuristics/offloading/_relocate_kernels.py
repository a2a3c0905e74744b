"""Numba kernels of the relocation local search (array-only, ``nogil``, cached).

A *relocation* moves one device to another edge node, to its cloud option or to local.
Its effect on the objective (total latency) is exact and O(1): leaving node ``j`` with
load ``n`` saves the device's own latency and ``(n - 1)·(q_j(n) - q_j(n - 1))`` of the
others' queue time; joining node ``j'`` with load ``n'`` costs the device's new latency
``net + inference_j' + q_j'(n' + 1)`` and ``n'·(q_j'(n' + 1) - q_j'(n'))`` of the others'.
A relocation is admissible when the device meets its deadline and budget at the new
target and, on an edge node, the node's cap and the exact look-ahead ``q_j'(n' + 1) <=
min_slack_j'`` hold (nobody already there is pushed past the deadline); leaving a node
only helps the devices left there. So every applied move keeps the assignment feasible
and strictly lowers the total latency.

Per node two caches make the scan over the nodes one branch-free (vectorised) pass:
``base[j] = inference_j + q_j(n_j + 1)`` when ``j`` can take one more device (cap and
look-ahead), else ``+inf``, and ``dq[j] = n_j·(q_j(n_j + 1) - q_j(n_j))``; they are
refreshed for the two nodes a move touches (the minimum slack of the node left is
recomputed exactly).

A round scores every device's best relocation, then applies moves best first (lazy
greedy: a device taken from the heap is scored again; it moves when its fresh gain is
still at least the best stale gain left, else it goes back with its fresh gain) until
the heap is empty or the move budget is spent.
"""

from __future__ import annotations

import heapq

import numpy as np
from placement.heuristics._numba import njit
from placement.heuristics.offloading._kernels import _argmin4, _queue

KIND_LOCAL = 0
KIND_EDGE = 1
KIND_CLOUD = 2

#: A relocation is applied only when it lowers the total latency by more than this (ms).
GAIN_TOL = 1e-7


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _leave(i, kind, target, head, nxt, prv, load):
    """Take device ``i`` out of its edge node's list and load (nothing if not at the edge)."""
    if kind[i] == KIND_EDGE:
        old = target[i]
        p = prv[i]
        q = nxt[i]
        if p >= 0:
            nxt[p] = q
        else:
            head[old] = q
        if q >= 0:
            prv[q] = p
        load[old] -= 1


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _join(i, k, t, kind, target, head, nxt, prv, load):
    """Give device ``i`` kind ``k`` and target ``t`` (at the edge: into node ``t``'s list)."""
    if k == KIND_EDGE:
        f = head[t]
        nxt[i] = f
        prv[i] = -1
        if f >= 0:
            prv[f] = i
        head[t] = i
        load[t] += 1
    kind[i] = k
    target[i] = t


@njit(nogil=True, cache=True, error_model="numpy")
def _node(j, head, nxt, device_ap, upload, deadline, rtt, node_inf, slope, intercept, table,
          tlen, cap, load, min_slack, base, dq):  # fmt: skip
    """Exact minimum slack of node ``j`` and its caches ``base``, ``dq``."""
    m = np.inf
    d = head[j]
    while d >= 0:
        s = deadline[d] - (upload[d] + rtt[device_ap[d], j] + node_inf[j])
        if s < m:
            m = s
        d = nxt[d]
    min_slack[j] = m
    n = load[j]
    qn = _queue(j, n, slope, intercept, table, tlen)
    qn1 = _queue(j, n + 1, slope, intercept, table, tlen)
    base[j] = node_inf[j] + qn1 if (n + 1 <= cap[j] and qn1 <= m) else np.inf
    dq[j] = n * (qn1 - qn)


@njit(nogil=True, cache=True, error_model="numpy")
def reloc_init(kind, target, device_ap, upload, deadline, rtt, node_inf, slope, intercept,
               table, tlen, cap, head, nxt, prv, load, min_slack, base, dq):  # fmt: skip
    """Loads, node lists, exact minimum slacks and caches of ``kind`` / ``target``."""
    head[:] = -1
    load[:] = 0
    for i in range(kind.shape[0]):
        nxt[i] = -1
        prv[i] = -1
        if kind[i] == KIND_EDGE:
            j = target[i]
            f = head[j]
            nxt[i] = f
            if f >= 0:
                prv[f] = i
            head[j] = i
            load[j] += 1
    for j in range(node_inf.shape[0]):
        _node(j, head, nxt, device_ap, upload, deadline, rtt, node_inf, slope, intercept,
              table, tlen, cap, load, min_slack, base, dq)  # fmt: skip


@njit(nogil=True, cache=True, error_model="numpy")
def _best(i, kind, target, device_ap, upload, deadline, budget, local_ms, cloud_k, cloud_lat,
          w, rtt, node_inf, slope, intercept, table, tlen, crtt, cinf, load, base, dq, key):  # fmt: skip
    """``(gain, kind, target)`` of device ``i``'s best admissible relocation (gain < 0
    lowers the total latency; ``kind = -1``: none better than ``-GAIN_TOL``)."""
    a = device_ap[i]
    up = upload[i]
    eps = deadline[i]
    bud = budget[i]
    k0 = kind[i]
    t0 = target[i]
    if k0 == KIND_EDGE:
        n = load[t0]
        q0 = _queue(t0, n, slope, intercept, table, tlen)
        lat = up + rtt[a, t0] + node_inf[t0] + q0
        out = -lat - (n - 1) * (q0 - _queue(t0, n - 1, slope, intercept, table, tlen))
    elif k0 == KIND_CLOUD:
        out = -(up + crtt[a, t0] + cinf[t0])
    else:
        out = -local_ms[i]
    n_nodes = node_inf.shape[0]
    for j in range(n_nodes):  # branch-free: vectorises
        net = up + rtt[a, j]
        lat = net + base[j]
        ok = (lat <= eps) & (w * net <= bud)
        key[j] = lat + dq[j] if ok else np.inf
    if k0 == KIND_EDGE:
        key[t0] = np.inf
    best = -GAIN_TOL
    bk = -1
    bt = -1
    j = _argmin4(key, n_nodes)
    if j >= 0 and out + key[j] < best:
        best = out + key[j]
        bk = KIND_EDGE
        bt = j
    c = cloud_k[i]
    if c >= 0 and not (k0 == KIND_CLOUD and t0 == c):
        g = out + cloud_lat[i]
        if g < best:
            best = g
            bk = KIND_CLOUD
            bt = c
    if k0 != KIND_LOCAL:
        g = out + local_ms[i]
        if g < best:
            best = g
            bk = KIND_LOCAL
            bt = -1
    return best, bk, bt


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _move(i, k, t, kind, target, head, nxt, prv, device_ap, upload, deadline, rtt, node_inf,
          slope, intercept, table, tlen, cap, load, min_slack, base, dq):  # fmt: skip
    """Move device ``i`` to kind ``k`` / target ``t`` and refresh the minimum slack of the
    node it left and of the node it joined."""
    old = target[i] if kind[i] == KIND_EDGE else -1
    _leave(i, kind, target, head, nxt, prv, load)
    _join(i, k, t, kind, target, head, nxt, prv, load)
    if old >= 0:
        _node(old, head, nxt, device_ap, upload, deadline, rtt, node_inf, slope,
              intercept, table, tlen, cap, load, min_slack, base, dq)  # fmt: skip
    if k == KIND_EDGE:
        _node(t, head, nxt, device_ap, upload, deadline, rtt, node_inf, slope,
              intercept, table, tlen, cap, load, min_slack, base, dq)  # fmt: skip


@njit(nogil=True, cache=True, error_model="numpy")
def reloc_round(kind, target, device_ap, upload, deadline, budget, local_ms, cloud_k,
                cloud_lat, w, rtt, node_inf, slope, intercept, table, tlen, cap, crtt, cinf,
                head, nxt, prv, load, min_slack, base, dq, key, max_moves):  # fmt: skip
    """One round (module docstring); at most ``max_moves`` moves (< 0: no limit).

    Returns ``(moves, gain)``: moves applied and the total latency they removed (ms).
    """
    n_dev = kind.shape[0]
    h = [(0.0, np.int64(0))]
    h.pop()
    for i in range(n_dev):
        g, bk, bt = _best(
            i, kind, target, device_ap, upload, deadline, budget, local_ms, cloud_k,
            cloud_lat, w, rtt, node_inf, slope, intercept, table, tlen, crtt, cinf, load,
            base, dq, key,
        )  # fmt: skip
        if bk >= 0:
            h.append((g, np.int64(i)))
    heapq.heapify(h)
    moves = 0
    total = 0.0
    while len(h) > 0 and (max_moves < 0 or moves < max_moves):
        _, i = heapq.heappop(h)
        g, bk, bt = _best(
            i, kind, target, device_ap, upload, deadline, budget, local_ms, cloud_k,
            cloud_lat, w, rtt, node_inf, slope, intercept, table, tlen, crtt, cinf, load,
            base, dq, key,
        )  # fmt: skip
        if bk < 0:
            continue
        if len(h) > 0 and g > h[0][0]:
            heapq.heappush(h, (g, i))
            continue
        _move(i, bk, bt, kind, target, head, nxt, prv, device_ap, upload, deadline, rtt,
              node_inf, slope, intercept, table, tlen, cap, load, min_slack, base, dq)  # fmt: skip
        moves += 1
        total -= g
    return moves, total
