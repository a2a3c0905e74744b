"""Numba kernels of the offloading local search ``ls`` (array-only, ``nogil``, cached).

They extend the relocation kernels (:mod:`._relocate_kernels`: node lists, exact
per-node minimum slack, the caches ``base`` / ``dq``) from total latency to any
weighted objective and an ε-constraint, and add ejection chains.

Every device option has a latency ``L`` and an energy ``E``; the search minimises

    wl · Σ L  +  we · Σ E  +  wx · (number of edge devices)

(``latency``: wl = 1; ``energy``: we = 1; ``edge``: wl = 1, wx = -M with M larger than
any latency change; ε-constraint: the other quantity priced with a multiplier λ) and
keeps ``cl · Σ L + ce · Σ E <= G`` (the ε-constraint; ``G = +inf`` without one) as a
hard constraint: a move is applied only when it keeps it.

Moves (each keeps every device within deadline, budget and node cap; deltas exact, O(1)
per option):

* **relocate** a device to another edge node (one branch-free pass over every node),
  its cloud option or local — as in :mod:`._relocate_kernels`;
* **eject** (an ejection chain of length two): device ``i`` takes the place of device
  ``d`` on node ``j`` — a node ``i`` could not join because it is full (cap or
  look-ahead) or too slow at one more device — and ``d`` moves on to ``i``'s old node
  (a *swap*: both loads unchanged), to one of its ``K`` nearest nodes with room, to its
  cloud option or local. ``j`` keeps its load, so only the two movers' deadlines and
  the look-ahead of ``d``'s new node are checked. Candidate nodes are the ``K`` nearest
  by RTT of the device's AP.

A pass visits the devices in the given order and applies each one's best improving move
at once (first improvement over devices, best over its moves).
"""

from __future__ import annotations

import numpy as np
from placement.heuristics._numba import njit
from placement.heuristics.offloading._kernels import _argmin4, _queue
from placement.heuristics.offloading._relocate_kernels import _join, _leave, _move, _node

KIND_LOCAL = 0
KIND_EDGE = 1
KIND_CLOUD = 2

#: A move is applied only when it lowers the weighted objective by more than this.
GAIN_TOL = 1e-7


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _out(i, kind, target, device_ap, upload, rtt, node_inf, slope, intercept, table, tlen,
         load, local_ms, local_mj, cl_lat, cl_e, w):  # fmt: skip
    """``(L_out, E_out, lat_i)``: total latency and energy removed when device ``i``
    leaves its option (its own latency plus the queue relief of the others on its
    node), and its own latency."""
    k0 = kind[i]
    if k0 == KIND_EDGE:
        t0 = target[i]
        n = load[t0]
        q0 = _queue(t0, n, slope, intercept, table, tlen)
        net = upload[i] + rtt[device_ap[i], t0]
        lat = net + node_inf[t0] + q0
        rel = (n - 1) * (q0 - _queue(t0, n - 1, slope, intercept, table, tlen))
        return lat + rel, w * net, lat
    if k0 == KIND_CLOUD:
        return cl_lat[i], cl_e[i], cl_lat[i]
    return local_ms[i], local_mj[i], local_ms[i]


@njit(nogil=True, cache=True, error_model="numpy")
def _best_reloc(i, kind, target, device_ap, upload, deadline, budget, local_ms, local_mj,
                cl_k, cl_lat, cl_e, w, rtt, node_inf, slope, intercept, table, tlen, load,
                base, dq, key, wl, we, wx, cl, ce, g_rem, node_slice, sl, near2, cnt2,
                use_near2):  # fmt: skip
    """``(gain, dg, kind, target)`` of device ``i``'s best admissible relocation
    (``gain`` the change of the weighted objective, ``dg`` of the constrained
    quantity; ``kind = -1``: none better than ``-GAIN_TOL``). ``g_rem`` is the
    slack of the ε-constraint. Candidate nodes: every node (``use_near2`` false) or the
    ``near2`` list of the device's AP; with ``sl >= 0`` only nodes of slice ``sl``."""
    a = device_ap[i]
    up = upload[i]
    eps = deadline[i]
    bud = budget[i]
    k0 = kind[i]
    t0 = target[i]
    lo, eo, _ = _out(i, kind, target, device_ap, upload, rtt, node_inf, slope, intercept,
                     table, tlen, load, local_ms, local_mj, cl_lat, cl_e, w)  # fmt: skip
    x0 = wx if k0 == KIND_EDGE else 0.0
    out = -(wl * lo + we * eo + x0)
    gout = -(cl * lo + ce * eo)
    lim = g_rem - gout  # the new option's constrained quantity must stay below
    te = t0 if k0 == KIND_EDGE else -1
    if use_near2:
        n_nodes = cnt2[a]
    else:
        n_nodes = node_inf.shape[0]
    for jj in range(n_nodes):  # branch-free over every node: vectorises
        j = near2[a, jj] if use_near2 else jj
        net = up + rtt[a, j]
        lat = net + base[j]
        en = w * net
        lq = lat + dq[j]
        ok = (lat <= eps) & (en <= bud) & (cl * lq + ce * en <= lim) & (j != te)
        if sl >= 0:
            ok = ok & (node_slice[j] == sl)
        key[jj] = wl * lq + we * en if ok else np.inf
    best = -GAIN_TOL
    bdg = 0.0
    bk = -1
    bt = -1
    jj = _argmin4(key, n_nodes)
    j = -1
    if jj >= 0:
        j = near2[a, jj] if use_near2 else jj
    if jj >= 0 and out + key[jj] + wx < best:
        best = out + key[jj] + wx
        bk = KIND_EDGE
        bt = j
        net = up + rtt[a, j]
        bdg = gout + cl * (net + base[j] + dq[j]) + ce * w * net
    c = cl_k[i]
    if c >= 0 and k0 != KIND_CLOUD:
        gc = cl * cl_lat[i] + ce * cl_e[i]
        if gc <= lim:
            g = out + wl * cl_lat[i] + we * cl_e[i]
            if g < best:
                best = g
                bk = KIND_CLOUD
                bt = c
                bdg = gout + gc
    if k0 != KIND_LOCAL:
        gc = cl * local_ms[i] + ce * local_mj[i]
        if gc <= lim:
            g = out + wl * local_ms[i] + we * local_mj[i]
            if g < best:
                best = g
                bk = KIND_LOCAL
                bt = -1
                bdg = gout + gc
    return best, bdg, bk, bt


@njit(nogil=True, cache=True, error_model="numpy")
def _best_eject(i, kind, target, device_ap, upload, deadline, budget, local_ms, local_mj,
                cl_k, cl_lat, cl_e, w, rtt, node_inf, slope, intercept, table, tlen, head,
                nxt, load, base, dq, near, cnt, wl, we, wx, cl, ce, g_rem, node_slice, sl):  # fmt: skip
    """Best ejection chain of device ``i`` (module docstring):
    ``(gain, dg, j, d, d_kind, d_target)`` — ``i`` joins node ``j`` in place of
    device ``d``, which moves to ``(d_kind, d_target)``; ``j = -1``: none better than
    ``-GAIN_TOL``."""
    a = device_ap[i]
    up = upload[i]
    k0 = kind[i]
    j0 = target[i] if k0 == KIND_EDGE else -1
    lat_i0 = 0.0
    e_i0 = 0.0
    rel0 = 0.0  # queue relief at j0 when i leaves it for good
    if k0 == KIND_EDGE:
        n0 = load[j0]
        q0 = _queue(j0, n0, slope, intercept, table, tlen)
        net0 = up + rtt[a, j0]
        lat_i0 = net0 + node_inf[j0] + q0
        e_i0 = w * net0
        rel0 = (n0 - 1) * (q0 - _queue(j0, n0 - 1, slope, intercept, table, tlen))
    elif k0 == KIND_CLOUD:
        lat_i0 = cl_lat[i]
        e_i0 = cl_e[i]
    else:
        lat_i0 = local_ms[i]
        e_i0 = local_mj[i]
    x_i0 = wx if k0 == KIND_EDGE else 0.0
    best = -GAIN_TOL
    bdg = 0.0
    bj = -1
    bd = -1
    bdk = -1
    bdt = -1
    for r in range(cnt[a]):
        j = near[a, r]
        if j == j0 or load[j] == 0 or (sl >= 0 and node_slice[j] != sl):
            continue
        nj = load[j]
        qj = _queue(j, nj, slope, intercept, table, tlen)
        net_i = up + rtt[a, j]
        lat_i = net_i + node_inf[j] + qj
        e_i = w * net_i
        if lat_i > deadline[i] or e_i > budget[i]:
            continue
        # i's part (j keeps its load): new option minus old, without the relief at j0
        dl_i = lat_i - lat_i0
        de_i = e_i - e_i0
        dx_i = wx - x_i0
        d = head[j]
        while d >= 0:
            ad = device_ap[d]
            net_d = upload[d] + rtt[ad, j]
            lat_d0 = net_d + node_inf[j] + qj
            e_d0 = w * net_d
            eps_d = deadline[d]
            bud_d = budget[d]
            # d's destinations: (dl, de, dx, relief applies, kind, target)
            # 1. swap onto j0 (its load unchanged: no relief)
            if j0 >= 0:
                net = upload[d] + rtt[ad, j0]
                lat = net + node_inf[j0] + _queue(j0, load[j0], slope, intercept, table, tlen)
                en = w * net
                if lat <= eps_d and en <= bud_d:
                    dl = dl_i + lat - lat_d0
                    de = de_i + en - e_d0
                    g = wl * dl + we * de + dx_i
                    dg = cl * dl + ce * de
                    if g < best and dg <= g_rem:
                        best, bdg, bj, bd, bdk, bdt = g, dg, j, d, KIND_EDGE, j0
            # i leaves j0 for good below: its queue relief counts
            dl_r = dl_i - rel0
            # 2. cloud, 3. local
            c = cl_k[d]
            if c >= 0:
                dl = dl_r + cl_lat[d] - lat_d0
                de = de_i + cl_e[d] - e_d0
                g = wl * dl + we * de + dx_i - wx
                dg = cl * dl + ce * de
                if g < best and dg <= g_rem:
                    best, bdg, bj, bd, bdk, bdt = g, dg, j, d, KIND_CLOUD, c
            dl = dl_r + local_ms[d] - lat_d0
            de = de_i + local_mj[d] - e_d0
            g = wl * dl + we * de + dx_i - wx
            dg = cl * dl + ce * de
            if g < best and dg <= g_rem:
                best, bdg, bj, bd, bdk, bdt = g, dg, j, d, KIND_LOCAL, -1
            # 4. one of d's nearest nodes with room (not j, not j0)
            for s in range(cnt[ad]):
                t = near[ad, s]
                if t == j or t == j0 or (sl >= 0 and node_slice[t] != sl):
                    continue
                bt_ = base[t]
                if bt_ == np.inf:
                    continue
                net = upload[d] + rtt[ad, t]
                lat = net + bt_
                en = w * net
                if lat <= eps_d and en <= bud_d:
                    dl = dl_r + lat + dq[t] - lat_d0
                    de = de_i + en - e_d0
                    g = wl * dl + we * de + dx_i
                    dg = cl * dl + ce * de
                    if g < best and dg <= g_rem:
                        best, bdg, bj, bd, bdk, bdt = g, dg, j, d, KIND_EDGE, t
            d = nxt[d]
    return best, bdg, bj, bd, bdk, bdt


@njit(nogil=True, cache=True, error_model="numpy")
def ls_pass(order, kind, target, device_ap, upload, deadline, budget, local_ms, local_mj,
            cl_k, cl_lat, cl_e, w, rtt, node_inf, slope, intercept, table, tlen, cap, head,
            nxt, prv, load, min_slack, base, dq, key, near, cnt, wl, we, wx, cl, ce, g_lim,
            tot, use_eject, max_moves, node_slice, sl, near2, cnt2, use_near2):  # fmt: skip
    """One pass over ``order`` (module docstring); at most ``max_moves`` moves (< 0: no
    limit). ``tot[0]`` is the constrained quantity's total (kept up to date). With
    ``sl >= 0`` only the edge nodes of slice ``sl`` (``node_slice``) are used and a device
    on a node of another slice stays (so slices over disjoint nodes and devices run in
    parallel threads).

    Returns ``(moves, gain)``: devices moved (an ejection chain moves two) and the
    weighted objective removed.
    """
    moves = 0
    total = 0.0
    for r in range(order.shape[0]):
        if max_moves >= 0 and moves >= max_moves:
            break
        i = order[r]
        if sl >= 0 and kind[i] == KIND_EDGE and node_slice[target[i]] != sl:
            continue
        g_rem = g_lim - tot[0]
        g, dg, bk, bt = _best_reloc(
            i, kind, target, device_ap, upload, deadline, budget, local_ms, local_mj, cl_k,
            cl_lat, cl_e, w, rtt, node_inf, slope, intercept, table, tlen, load, base, dq,
            key, wl, we, wx, cl, ce, g_rem, node_slice, sl, near2, cnt2, use_near2,
        )  # fmt: skip
        ej = -1
        if use_eject and (max_moves < 0 or moves + 2 <= max_moves):
            g2, dg2, ej, ed, edk, edt = _best_eject(
                i, kind, target, device_ap, upload, deadline, budget, local_ms, local_mj,
                cl_k, cl_lat, cl_e, w, rtt, node_inf, slope, intercept, table, tlen, head,
                nxt, load, base, dq, near, cnt, wl, we, wx, cl, ce, g_rem, node_slice, sl,
            )  # fmt: skip
            if ej >= 0 and (bk < 0 or g2 < g):
                g = g2
                dg = dg2
            else:
                ej = -1
        if ej >= 0:
            old = target[i] if kind[i] == KIND_EDGE else -1
            _leave(i, kind, target, head, nxt, prv, load)
            _leave(ed, kind, target, head, nxt, prv, load)
            _join(i, KIND_EDGE, ej, kind, target, head, nxt, prv, load)
            _join(ed, edk, edt, kind, target, head, nxt, prv, load)
            _node(ej, head, nxt, device_ap, upload, deadline, rtt, node_inf, slope,
                  intercept, table, tlen, cap, load, min_slack, base, dq)  # fmt: skip
            if old >= 0:
                _node(old, head, nxt, device_ap, upload, deadline, rtt, node_inf, slope,
                      intercept, table, tlen, cap, load, min_slack, base, dq)  # fmt: skip
            if edk == KIND_EDGE and edt != old:
                _node(edt, head, nxt, device_ap, upload, deadline, rtt, node_inf, slope,
                      intercept, table, tlen, cap, load, min_slack, base, dq)  # fmt: skip
        elif bk >= 0:
            _move(i, bk, bt, kind, target, head, nxt, prv, device_ap, upload, deadline, rtt,
                  node_inf, slope, intercept, table, tlen, cap, load, min_slack, base, dq)  # fmt: skip
        else:
            continue
        tot[0] += dg
        moves += 2 if ej >= 0 else 1  # devices moved
        total -= g
    return moves, total
