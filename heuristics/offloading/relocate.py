"""Relocation local search: the default improver of online re-optimisation.

From a feasible assignment, moves single devices (to another edge node, to their
nearest feasible cloud over Wi-Fi, or to local) while each move strictly lowers the
total latency and keeps every device within its deadline, budget and node cap; the
most valuable moves first, never more than ``max_moves``. The kernels (exact O(1) move
gains, exact look-ahead with per-node minimum slack) are in
:mod:`placement.heuristics.offloading._relocate_kernels`.

:func:`improve` has the signature every offloading improver shares:
``improve(instance, assignment, params, *, max_moves) -> (assignment, moves)``.
"""

from __future__ import annotations

import time

import numpy as np
from placement.heuristics.offloading import _relocate_kernels as rk
from placement.heuristics.offloading.nimbus import KernelData, ensure_compiled

from placement.errors import InputError
from placement.offloading.evaluate import Assignment
from placement.offloading.instance import KIND_CLOUD, KIND_EDGE, OffloadingInstance
from placement.offloading.params import RelocateParams


def improve(
    instance: OffloadingInstance,
    assignment: Assignment,
    params: RelocateParams | None = None,
    *,
    max_moves: int | None = None,
) -> tuple[Assignment, int]:
    """Improve a feasible Wi-Fi ``assignment`` of every device of ``instance`` by
    relocations (module docstring).

    Parameters
    ----------
    instance
        The instance (every device active).
    assignment
        A feasible assignment (no LTE, no inactive device).
    params
        Time limit and round limit (:class:`~placement.offloading.params.RelocateParams`).
    max_moves
        Moves allowed at most (``None``: no limit).

    Returns
    -------
    tuple
        The improved assignment and the number of moves applied (a device moved twice
        counts twice, so at most ``max_moves`` devices end elsewhere).

    Raises
    ------
    InputError
        For an assignment with inactive devices or LTE access.
    """
    p = params or RelocateParams()
    ensure_compiled()
    t_end = None if p.time_limit is None else time.perf_counter() + p.time_limit
    if assignment.n_devices != instance.n_devices:
        raise InputError("must have one entry per device", field="assignment")
    if np.any(~assignment.active) or assignment.lte.any():
        raise InputError("relocation takes Wi-Fi assignments of active devices", field="assignment")
    data = KernelData.from_instance(instance)
    N, J = data.n_devices, data.n_nodes
    kind = assignment.kind.copy()
    target = assignment.target.copy()
    ck = data.cloud_choice
    ap = data.device_ap
    cloud_lat = np.full(N, np.inf)
    has = ck >= 0
    if has.any():
        crtt = instance.cloud_rtt_wifi_ms[ap[has], ck[has]]
        cloud_lat[has] = data.upload[has] + crtt + instance.cloud_inference_ms[ck[has]]
    head = np.empty(J, dtype=np.int64)
    nxt = np.empty(N, dtype=np.int64)
    prv = np.empty(N, dtype=np.int64)
    load = np.empty(J, dtype=np.int64)
    min_slack = np.empty(J)
    base = np.empty(J)
    dq = np.empty(J)
    key = np.empty(max(J, 1))
    rk.reloc_init(
        kind, target, ap, data.upload, data.deadline, data.rtt, data.node_inf, data.slope,
        data.intercept, data.table, data.tlen, data.cap, head, nxt, prv, load, min_slack,
        base, dq,
    )  # fmt: skip
    local_ms = np.ascontiguousarray(instance.device_local_ms)
    crtt_all = np.ascontiguousarray(instance.cloud_rtt_wifi_ms)
    cinf = np.ascontiguousarray(instance.cloud_inference_ms)
    moves = 0
    for _ in range(p.max_rounds):
        left = -1 if max_moves is None else max_moves - moves
        if left == 0:
            break
        k, _gain = rk.reloc_round(
            kind, target, ap, data.upload, data.deadline, data.budget, local_ms, ck,
            cloud_lat, data.w_wifi, data.rtt, data.node_inf, data.slope, data.intercept,
            data.table, data.tlen, data.cap, crtt_all, cinf, head, nxt, prv, load,
            min_slack, base, dq, key, np.int64(left),
        )  # fmt: skip
        moves += int(k)
        if k == 0 or (t_end is not None and time.perf_counter() >= t_end):
            break
    target[(kind != KIND_EDGE) & (kind != KIND_CLOUD)] = -1
    return Assignment.from_arrays(kind, target), moves
