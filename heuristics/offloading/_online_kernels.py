"""Numba kernels of online offloading: one arrival, departure, failure or recovery at a
time over state arrays, with no re-solve (array-only, ``nogil``, cached).

The state (allocated and owned by :class:`placement.heuristics.offloading.online.OnlineState`)
------------------------------------------------------------------------------------------
* per device ``i``: ``kind`` (0 local, 1 edge, 2 cloud, 3 inactive) and ``target``;
* per AP ``a``: ``ap_users`` = background users + *active* devices (a device shares the
  medium whether it offloads or not), the list of its active devices (``ap_head`` and
  rows 0/1 of ``links``: next/previous) and ``ap_min``, a lower bound of the *room* of
  its offloaded devices (below);
* per edge node ``j``: ``load``, the list of its devices (``node_head`` and rows 2/3 of
  ``links``), ``min_slack`` — exactly the minimum of ``deadline - (net + inference_j)``
  over its devices (recomputed whenever a slack may have risen) — ``failed``, and two
  caches refreshed with them: ``qnext = q_j(n_j + 1)`` and ``thr = q_j(n_j)`` when the
  node is up and passes the exact look-ahead (``n_j + 1 <= cap_j`` and
  ``q_j(n_j + 1) <= min_slack_j``), else ``+inf``.

Wi-Fi upload of device ``i`` at AP ``a``: ``up_i = 8·frame_kb_i / (bandwidth_a /
users_a)`` (the evaluator's expression), so one more user at ``a`` adds exactly
``c_i = 8·frame_kb_i / bandwidth_a`` to the upload, the latency and the network time of
every active device there. The *room* of an offloaded device (edge or cloud over Wi-Fi)
is ``min(deadline - latency, budget / w_wifi - net) / c_i``: the number of users its AP
may still gain before it breaks its deadline or its budget. An arrival at ``a`` then
breaks nobody when ``ap_min[a] >= 1`` — an O(1) test; otherwise the AP's devices are
checked exactly, the ones that break are taken off their target and re-placed, and
``ap_min[a]`` is recomputed. ``ap_min`` stays a lower bound because every event that
lowers a room lowers it too (a device joining node ``j`` raises the queue of every
device on ``j``: their rooms are refreshed), and events that raise rooms leave it low.

Placement of one device (:func:`_place`) is the Nimbus rule on the current loads:
candidates are the working nodes with ``net < deadline``, current queue below the
deadline and the exact look-ahead (``thr < deadline``); κ > 0 keeps a seeded random
subset of κ candidates (the SplitMix64 / partial Fisher–Yates procedure of
:mod:`placement.heuristics.offloading._kernels`, its state kept across calls in ``rng``);
among the candidates where the device itself meets its deadline and budget, a minimum of
``α·L/ε + β·n_j/maxload(j, ε)``; failover: the nearest cloud over Wi-Fi that meets
deadline and budget at the current upload, else local. With κ = 0 the filter and the
score run as one branch-free pass over the nodes (vectorised; nodes with a queue table or
a zero slope are scored again exactly).

Every kernel records the devices it took off a target in ``out`` (row 0 device, row 1
old kind, row 2 old target) and returns how many; the caller reads the new targets from
``kind`` / ``target``.
"""

from __future__ import annotations

import numpy as np
from placement.heuristics._numba import njit
from placement.heuristics.offloading._kernels import _argmin4, _queue, _splitmix_next, maxload

KIND_LOCAL = 0
KIND_EDGE = 1
KIND_CLOUD = 2
KIND_INACTIVE = 3

OP_ARRIVE = 0
OP_DEPART = 1
OP_FAIL = 2
OP_RECOVER = 3

#: Rows of ``links`` (rows 2..5 of the packed device integers).
AP_NEXT, AP_PREV, NODE_NEXT, NODE_PREV = 0, 1, 2, 3

# Packed arrays of the entry points (few arguments: a call's dispatch cost grows with
# them). Rows of each:
#: ``dev_i`` (int64, 6 × N): target, AP, then the four link rows.
D_TARGET, D_AP, D_LINKS = 0, 1, 2
#: ``dev_f`` (float64, 3 × N): 8·frame_kb, deadline, budget.
D_UKB, D_EPS, D_BUD = 0, 1, 2
#: ``ap_i`` (int64, 3 × A): list head, users, background users.
A_HEAD, A_USERS, A_BG = 0, 1, 2
#: ``ap_f`` (float64, 2 × A): room bound, bandwidth.
A_MIN, A_BW = 0, 1
#: ``node_i`` (int64, 5 × J): list head, load, failed, queue-table length, cap.
N_HEAD, N_LOAD, N_FAILED, N_TLEN, N_CAP = 0, 1, 2, 3, 4
#: ``node_f`` (float64, 7 × J): min slack, qnext, thr, inference, slope, intercept, cap.
N_SLACK, N_QNEXT, N_THR, N_INF, N_SLOPE, N_ICPT, N_CAPF = 0, 1, 2, 3, 4, 5, 6
#: ``prm`` (float64, 4): w_wifi, α, β, κ.
P_W, P_ALPHA, P_BETA, P_KAPPA = 0, 1, 2, 3

#: An arrival takes the O(1) path only when the AP's room bound exceeds one user by this
#: margin (absorbs the rounding of the incremental ``ap_min`` updates).
ROOM_TOL = 1e-9


@njit(nogil=True, cache=True, error_model="numpy")
def _push(head, links, rn, rp, h, i):
    """Put ``i`` at the front of list ``h``."""
    f = head[h]
    links[rn, i] = f
    links[rp, i] = -1
    if f >= 0:
        links[rp, f] = i
    head[h] = i


@njit(nogil=True, cache=True, error_model="numpy")
def _unlink(head, links, rn, rp, h, i):
    """Take ``i`` out of list ``h``."""
    p = links[rp, i]
    n = links[rn, i]
    if p >= 0:
        links[rn, p] = n
    else:
        head[h] = n
    if n >= 0:
        links[rp, n] = p
    links[rn, i] = -1
    links[rp, i] = -1


@njit(nogil=True, cache=True, error_model="numpy")
def _upload(i, dev_ap, dev_ukb, ap_bw, ap_users):
    """Wi-Fi upload time of device ``i`` at the current users of its AP."""
    a = dev_ap[i]
    return dev_ukb[i] / (ap_bw[a] / ap_users[a])


@njit(nogil=True, cache=True, error_model="numpy")
def _room(
    i, kind, target, dev_ap, dev_ukb, dev_eps, dev_bud, ap_bw, ap_users, w,
    rtt, node_inf, slope, intercept, table, tlen, load, crtt, cinf,
):  # fmt: skip
    """Users the AP of offloaded device ``i`` may still gain before ``i`` breaks."""
    a = dev_ap[i]
    up = _upload(i, dev_ap, dev_ukb, ap_bw, ap_users)
    t = target[i]
    if kind[i] == KIND_EDGE:
        net = up + rtt[a, t]
        lat = net + node_inf[t] + _queue(t, load[t], slope, intercept, table, tlen)
    else:
        net = up + crtt[a, t]
        lat = net + cinf[t]
    r = dev_eps[i] - lat
    re = dev_bud[i] / w - net
    if re < r:
        r = re
    return r / (dev_ukb[i] / ap_bw[a])


@njit(nogil=True, cache=True, error_model="numpy")
def _refresh(j, load, min_slack, failed, qnext, thr, slope, intercept, table, tlen, cap):
    """Recompute the look-ahead caches ``qnext[j]`` and ``thr[j]``."""
    n = load[j]
    qn = _queue(j, n + 1, slope, intercept, table, tlen)
    qnext[j] = qn
    if failed[j] == 0 and n + 1 <= cap[j] and qn <= min_slack[j]:
        thr[j] = _queue(j, n, slope, intercept, table, tlen)
    else:
        thr[j] = np.inf


@njit(nogil=True, cache=True, error_model="numpy")
def _recompute_node(
    j, node_head, links, dev_ap, dev_ukb, dev_eps, ap_bw, ap_users, rtt, node_inf,
    load, min_slack, failed, qnext, thr, slope, intercept, table, tlen, cap,
):  # fmt: skip
    """Exact ``min_slack[j]`` (after a slack may have risen) and the caches of ``j``."""
    m = np.inf
    d = node_head[j]
    while d >= 0:
        a = dev_ap[d]
        s = dev_eps[d] - (_upload(d, dev_ap, dev_ukb, ap_bw, ap_users) + rtt[a, j] + node_inf[j])
        if s < m:
            m = s
        d = links[NODE_NEXT, d]
    min_slack[j] = m
    _refresh(j, load, min_slack, failed, qnext, thr, slope, intercept, table, tlen, cap)


@njit(nogil=True, cache=True, error_model="numpy")
def _cloud_choice(i, dev_ap, dev_ukb, dev_eps, dev_bud, ap_bw, ap_users, w, crtt, cinf):
    """Nearest cloud by Wi-Fi RTT that meets deadline and budget now, else -1."""
    a = dev_ap[i]
    up = _upload(i, dev_ap, dev_ukb, ap_bw, ap_users)
    best = -1
    best_r = np.inf
    for k in range(cinf.shape[0]):
        r = crtt[a, k]
        if r < best_r:
            net = up + r
            if net + cinf[k] <= dev_eps[i] and w * net <= dev_bud[i]:
                best = k
                best_r = r
    return best


@njit(nogil=True, cache=True, error_model="numpy")
def _scan(a, up, eps, bud, w, rtt, node_inf, slope, intercept, capf, load, qnext, thr,
          alpha, beta, key):  # fmt: skip
    """Branch-free κ = 0 pass: ``key[j]`` = the score of node ``j`` if it passes the
    filter, the look-ahead and the newcomer's own checks, else ``+inf`` (linear nodes'
    ``maxload`` in closed form; others are fixed by the caller)."""
    for j in range(node_inf.shape[0]):
        net = up + rtt[a, j]
        lat = net + node_inf[j] + qnext[j]
        ok = (net < eps) & (thr[j] < eps) & (lat <= eps) & (w * net <= bud)
        x = ((eps - node_inf[j]) - intercept[j]) / slope[j]
        x = x if x < capf[j] else capf[j]
        x = x if x > 1.0 else 1.0
        score = alpha * lat / eps + beta * load[j] / np.floor(x)
        key[j] = score if ok else np.inf


@njit(nogil=True, cache=True, error_model="numpy")
def _add_edge(
    i, j, kind, target, links, node_head, load, min_slack, failed, qnext, thr, ap_min,
    dev_ap, dev_ukb, dev_eps, dev_bud, ap_bw, ap_users, w, rtt, node_inf, slope, intercept,
    table, tlen, cap, crtt, cinf,
):  # fmt: skip
    """Put active device ``i`` on node ``j`` and refresh what it lowers."""
    kind[i] = KIND_EDGE
    target[i] = j
    load[j] += 1
    _push(node_head, links, NODE_NEXT, NODE_PREV, j, i)
    a = dev_ap[i]
    s = dev_eps[i] - (_upload(i, dev_ap, dev_ukb, ap_bw, ap_users) + rtt[a, j] + node_inf[j])
    if s < min_slack[j]:
        min_slack[j] = s
    _refresh(j, load, min_slack, failed, qnext, thr, slope, intercept, table, tlen, cap)
    # the queue of j grew: every device on j (i included) lost room
    d = node_head[j]
    while d >= 0:
        r = _room(
            d, kind, target, dev_ap, dev_ukb, dev_eps, dev_bud, ap_bw, ap_users, w,
            rtt, node_inf, slope, intercept, table, tlen, load, crtt, cinf,
        )  # fmt: skip
        b = dev_ap[d]
        if r < ap_min[b]:
            ap_min[b] = r
        d = links[NODE_NEXT, d]


@njit(nogil=True, cache=True, error_model="numpy")
def _remove(
    i, kind, target, links, node_head, load, min_slack, failed, qnext, thr, dev_ap, dev_ukb,
    dev_eps, ap_bw, ap_users, rtt, node_inf, slope, intercept, table, tlen, cap,
):  # fmt: skip
    """Take active device ``i`` off its target (it is left local)."""
    if kind[i] == KIND_EDGE:
        j = target[i]
        _unlink(node_head, links, NODE_NEXT, NODE_PREV, j, i)
        load[j] -= 1
        _recompute_node(
            j, node_head, links, dev_ap, dev_ukb, dev_eps, ap_bw, ap_users, rtt, node_inf,
            load, min_slack, failed, qnext, thr, slope, intercept, table, tlen, cap,
        )  # fmt: skip
    kind[i] = KIND_LOCAL
    target[i] = -1


@njit(nogil=True, cache=True, error_model="numpy")
def _place(
    i, kind, target, links, node_head, load, min_slack, failed, qnext, thr, ap_min,
    ap_users, dev_ap, dev_ukb, dev_eps, dev_bud, ap_bw, w, rtt, node_inf, slope, intercept,
    table, tlen, cap, capf, special, crtt, cinf, cand, key, rng, kappa, alpha, beta,
):  # fmt: skip
    """Place active, unplaced device ``i`` by the Nimbus rule (module docstring)."""
    a = dev_ap[i]
    eps = dev_eps[i]
    bud = dev_bud[i]
    up = _upload(i, dev_ap, dev_ukb, ap_bw, ap_users)
    best = -1
    if kappa == 0:
        _scan(a, up, eps, bud, w, rtt, node_inf, slope, intercept, capf, load, qnext, thr,
              alpha, beta, key)  # fmt: skip
        for c in range(special.shape[0]):
            j = special[c]
            net = up + rtt[a, j]
            lat = net + node_inf[j] + qnext[j]
            key[j] = np.inf
            if net < eps and thr[j] < eps and lat <= eps and w * net <= bud:
                ml = maxload(j, eps, node_inf, slope, intercept, table, tlen, cap)
                key[j] = alpha * lat / eps + beta * load[j] / (ml if ml > 0 else 1)
        best = _argmin4(key, node_inf.shape[0])
    else:
        m = 0
        for j in range(node_inf.shape[0]):
            ok = (up + rtt[a, j] < eps) & (thr[j] < eps)  # inf < eps is False
            cand[m] = j
            m += ok
        if m > kappa:
            state = rng[0]
            for t in range(kappa):
                state, rnd = _splitmix_next(state)
                s = t + np.int64(rnd % np.uint64(m - t))
                tmp = cand[t]
                cand[t] = cand[s]
                cand[s] = tmp
            rng[0] = state
            m = kappa
        best_score = np.inf
        for c in range(m):
            j = cand[c]
            net = up + rtt[a, j]
            lat = net + node_inf[j] + qnext[j]
            if lat <= eps and w * net <= bud:
                ml = maxload(j, eps, node_inf, slope, intercept, table, tlen, cap)
                score = alpha * lat / eps + beta * load[j] / (ml if ml > 0 else 1)
                if score < best_score:
                    best_score = score
                    best = j
    if best >= 0:
        _add_edge(
            i, best, kind, target, links, node_head, load, min_slack, failed, qnext, thr,
            ap_min, dev_ap, dev_ukb, dev_eps, dev_bud, ap_bw, ap_users, w, rtt, node_inf,
            slope, intercept, table, tlen, cap, crtt, cinf,
        )  # fmt: skip
        return
    k = _cloud_choice(i, dev_ap, dev_ukb, dev_eps, dev_bud, ap_bw, ap_users, w, crtt, cinf)
    if k >= 0:
        kind[i] = KIND_CLOUD
        target[i] = k
        r = _room(
            i, kind, target, dev_ap, dev_ukb, dev_eps, dev_bud, ap_bw, ap_users, w,
            rtt, node_inf, slope, intercept, table, tlen, load, crtt, cinf,
        )  # fmt: skip
        if r < ap_min[a]:
            ap_min[a] = r
    else:
        kind[i] = KIND_LOCAL
        target[i] = -1


@njit(nogil=True, cache=True, error_model="numpy")
def _sort_out(out, cnt):
    """Sort the first ``cnt`` columns of ``out`` by device index (insertion sort)."""
    for p in range(1, cnt):
        d, k, t = out[0, p], out[1, p], out[2, p]
        q = p - 1
        while q >= 0 and out[0, q] > d:
            out[0, q + 1] = out[0, q]
            out[1, q + 1] = out[1, q]
            out[2, q + 1] = out[2, q]
            q -= 1
        out[0, q + 1] = d
        out[1, q + 1] = k
        out[2, q + 1] = t


@njit(nogil=True, cache=True, error_model="numpy")
def _step(
    op, x, kind, target, links, ap_head, ap_users, ap_min, node_head, load, min_slack,
    failed, qnext, thr, dev_ap, dev_ukb, dev_eps, dev_bud, ap_bw, w, rtt, node_inf, slope,
    intercept, table, tlen, cap, capf, special, crtt, cinf, cand, key, out, rng, kappa,
    alpha, beta,
):  # fmt: skip
    """The body of :func:`online_step` over the unpacked arrays."""
    cnt = 0
    if op == OP_ARRIVE:
        i = x
        a = dev_ap[i]
        kind[i] = KIND_LOCAL
        target[i] = -1
        fast = ap_min[a] >= 1.0 + ROOM_TOL
        ap_users[a] += 1
        m = np.inf
        d = ap_head[a]
        while d >= 0:
            nxt = links[AP_NEXT, d]
            kd = kind[d]
            if kd == KIND_EDGE or (kd == KIND_CLOUD and not fast):
                t = target[d]
                up = _upload(d, dev_ap, dev_ukb, ap_bw, ap_users)
                if kd == KIND_EDGE:
                    net = up + rtt[a, t]
                    ok = True
                    if not fast:
                        lat = net + node_inf[t] + _queue(t, load[t], slope, intercept, table, tlen)
                        ok = lat <= dev_eps[d] and w * net <= dev_bud[d]
                    if ok:  # it stays: its node's slack shrank
                        s = dev_eps[d] - (net + node_inf[t])
                        if s < min_slack[t]:
                            min_slack[t] = s
                            _refresh(t, load, min_slack, failed, qnext, thr, slope, intercept,
                                     table, tlen, cap)  # fmt: skip
                else:
                    net = up + crtt[a, t]
                    ok = net + cinf[t] <= dev_eps[d] and w * net <= dev_bud[d]
                if not fast:
                    if ok:
                        r = _room(
                            d, kind, target, dev_ap, dev_ukb, dev_eps, dev_bud, ap_bw,
                            ap_users, w, rtt, node_inf, slope, intercept, table, tlen, load,
                            crtt, cinf,
                        )  # fmt: skip
                        if r < m:
                            m = r
                    else:
                        out[0, cnt] = d
                        out[1, cnt] = kd
                        out[2, cnt] = t
                        cnt += 1
                        _remove(
                            d, kind, target, links, node_head, load, min_slack, failed,
                            qnext, thr, dev_ap, dev_ukb, dev_eps, ap_bw, ap_users, rtt,
                            node_inf, slope, intercept, table, tlen, cap,
                        )  # fmt: skip
            d = nxt
        if fast:
            # nobody at a breaks: one more user takes exactly one unit of everyone's room
            ap_min[a] -= 1.0
        else:
            ap_min[a] = m
            _sort_out(out, cnt)
            for c in range(cnt):
                _place(
                    out[0, c], kind, target, links, node_head, load, min_slack, failed,
                    qnext, thr, ap_min, ap_users, dev_ap, dev_ukb, dev_eps, dev_bud, ap_bw,
                    w, rtt, node_inf, slope, intercept, table, tlen, cap, capf, special,
                    crtt, cinf, cand, key, rng, kappa, alpha, beta,
                )  # fmt: skip
        _push(ap_head, links, AP_NEXT, AP_PREV, a, i)
        _place(
            i, kind, target, links, node_head, load, min_slack, failed, qnext, thr, ap_min,
            ap_users, dev_ap, dev_ukb, dev_eps, dev_bud, ap_bw, w, rtt, node_inf, slope,
            intercept, table, tlen, cap, capf, special, crtt, cinf, cand, key, rng, kappa,
            alpha, beta,
        )  # fmt: skip
    elif op == OP_DEPART:
        i = x
        a = dev_ap[i]
        _remove(
            i, kind, target, links, node_head, load, min_slack, failed, qnext, thr, dev_ap,
            dev_ukb, dev_eps, ap_bw, ap_users, rtt, node_inf, slope, intercept, table, tlen,
            cap,
        )  # fmt: skip
        _unlink(ap_head, links, AP_NEXT, AP_PREV, a, i)
        kind[i] = KIND_INACTIVE
        target[i] = -1
        ap_users[a] -= 1
        # one user less gives exactly one unit of room back to every device at a
        ap_min[a] += 1.0
        d = ap_head[a]
        while d >= 0:
            if kind[d] == KIND_EDGE:  # its slack rose
                _recompute_node(
                    target[d], node_head, links, dev_ap, dev_ukb, dev_eps, ap_bw, ap_users,
                    rtt, node_inf, load, min_slack, failed, qnext, thr, slope, intercept,
                    table, tlen, cap,
                )  # fmt: skip
            d = links[AP_NEXT, d]
    elif op == OP_FAIL:
        j = x
        failed[j] = 1
        d = node_head[j]
        while d >= 0:
            out[0, cnt] = d
            out[1, cnt] = KIND_EDGE
            out[2, cnt] = j
            cnt += 1
            d = links[NODE_NEXT, d]
        _sort_out(out, cnt)
        for c in range(cnt):
            _remove(
                out[0, c], kind, target, links, node_head, load, min_slack, failed, qnext,
                thr, dev_ap, dev_ukb, dev_eps, ap_bw, ap_users, rtt, node_inf, slope,
                intercept, table, tlen, cap,
            )  # fmt: skip
        _refresh(j, load, min_slack, failed, qnext, thr, slope, intercept, table, tlen, cap)
        for c in range(cnt):
            _place(
                out[0, c], kind, target, links, node_head, load, min_slack, failed, qnext,
                thr, ap_min, ap_users, dev_ap, dev_ukb, dev_eps, dev_bud, ap_bw, w, rtt,
                node_inf, slope, intercept, table, tlen, cap, capf, special, crtt, cinf,
                cand, key, rng, kappa, alpha, beta,
            )  # fmt: skip
    elif op == OP_RECOVER:
        j = x
        failed[j] = 0
        _refresh(j, load, min_slack, failed, qnext, thr, slope, intercept, table, tlen, cap)
    return cnt


@njit(nogil=True, cache=True, error_model="numpy")
def _rebuild(
    n, kind, target, links, ap_head, ap_users, ap_min, ap_bg, node_head, load, min_slack,
    failed, qnext, thr, dev_ap, dev_ukb, dev_eps, dev_bud, ap_bw, w, rtt, node_inf, slope,
    intercept, table, tlen, cap, crtt, cinf,
):  # fmt: skip
    """The body of :func:`online_rebuild` over the unpacked arrays."""
    ap_head[:] = -1
    node_head[:] = -1
    load[:] = 0
    ap_users[:] = ap_bg
    for i in range(n):
        if kind[i] == KIND_INACTIVE:
            continue
        a = dev_ap[i]
        ap_users[a] += 1
        _push(ap_head, links, AP_NEXT, AP_PREV, a, i)
        if kind[i] == KIND_EDGE:
            load[target[i]] += 1
            _push(node_head, links, NODE_NEXT, NODE_PREV, target[i], i)
    for j in range(node_inf.shape[0]):
        _recompute_node(
            j, node_head, links, dev_ap, dev_ukb, dev_eps, ap_bw, ap_users, rtt, node_inf,
            load, min_slack, failed, qnext, thr, slope, intercept, table, tlen, cap,
        )  # fmt: skip
    ap_min[:] = np.inf
    for i in range(n):
        if kind[i] == KIND_EDGE or kind[i] == KIND_CLOUD:
            r = _room(
                i, kind, target, dev_ap, dev_ukb, dev_eps, dev_bud, ap_bw, ap_users, w,
                rtt, node_inf, slope, intercept, table, tlen, load, crtt, cinf,
            )  # fmt: skip
            a = dev_ap[i]
            if r < ap_min[a]:
                ap_min[a] = r


@njit(nogil=True, cache=True, error_model="numpy")
def online_step(op, x, kind, dev_i, dev_f, ap_i, ap_f, node_i, node_f, table, rtt, crtt,
                cinf, special, cand, key, out, rng, prm):  # fmt: skip
    """One event on the packed state (rows: the ``D_*``, ``A_*``, ``N_*``, ``P_*``
    constants); returns the number of devices taken off a target (listed in ``out``).

    ``op`` = :data:`OP_ARRIVE` (device ``x`` becomes active: its AP gains a user, the
    devices there that would break are re-placed in index order, then ``x`` is placed),
    :data:`OP_DEPART` (device ``x`` leaves: loads and users drop, nothing moves),
    :data:`OP_FAIL` (node ``x`` goes down: its devices are re-placed in index order on
    the working nodes, else cloud, else local) or :data:`OP_RECOVER` (node ``x`` comes
    back empty).
    """
    return _step(
        op, x, kind, dev_i[D_TARGET], dev_i[D_LINKS:], ap_i[A_HEAD], ap_i[A_USERS],
        ap_f[A_MIN], node_i[N_HEAD], node_i[N_LOAD], node_f[N_SLACK], node_i[N_FAILED],
        node_f[N_QNEXT], node_f[N_THR], dev_i[D_AP], dev_f[D_UKB], dev_f[D_EPS],
        dev_f[D_BUD], ap_f[A_BW], prm[P_W], rtt, node_f[N_INF], node_f[N_SLOPE],
        node_f[N_ICPT], table, node_i[N_TLEN], node_i[N_CAP], node_f[N_CAPF], special, crtt,
        cinf, cand, key, out, rng, np.int64(prm[P_KAPPA]), prm[P_ALPHA], prm[P_BETA],
    )  # fmt: skip


@njit(nogil=True, cache=True, error_model="numpy")
def online_rebuild(n, kind, dev_i, dev_f, ap_i, ap_f, node_i, node_f, table, rtt, crtt,
                   cinf, prm):  # fmt: skip
    """Derive every list, count, bound and cache from ``kind`` / target of devices
    ``0..n-1`` (failure flags are kept). O(N + A + J)."""
    _rebuild(
        n, kind, dev_i[D_TARGET], dev_i[D_LINKS:], ap_i[A_HEAD], ap_i[A_USERS], ap_f[A_MIN],
        ap_i[A_BG], node_i[N_HEAD], node_i[N_LOAD], node_f[N_SLACK], node_i[N_FAILED],
        node_f[N_QNEXT], node_f[N_THR], dev_i[D_AP], dev_f[D_UKB], dev_f[D_EPS],
        dev_f[D_BUD], ap_f[A_BW], prm[P_W], rtt, node_f[N_INF], node_f[N_SLOPE],
        node_f[N_ICPT], table, node_i[N_TLEN], node_i[N_CAP], crtt, cinf,
    )  # fmt: skip
