"""Warm starts of the exact offloading methods.

A start is any assignment (a heuristic's, a given one, a previous front point's);
:func:`repair_start` maps it onto the options a pre-filtered model has, and
:func:`greedy_energy_start` builds a low-energy start for the least-energy problem,
whose weak LP relaxation leaves HiGHS' own heuristics with poor incumbents.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np

from placement.errors import InputError
from placement.models.offloading.data import OffloadingData
from placement.models.offloading.extract import start_values
from placement.offloading.evaluate import Assignment, evaluate
from placement.offloading.instance import KIND_CLOUD, KIND_EDGE, KIND_LOCAL, OffloadingInstance
from placement.registry import method as lookup_method

logger = logging.getLogger(__name__)


def run_method(instance: OffloadingInstance, name: str, seed: int) -> Any:
    """Run the registered offloading method ``name`` with default parameters and
    return its assignment (``None`` without one)."""
    spec = lookup_method("offloading", name)
    raw = spec.load()(instance, spec.params_type()(), seed=seed)
    return raw.solution


def heuristic_start(instance: OffloadingInstance, seed: int) -> tuple[Assignment | None, str]:
    """Nimbus's assignment if it violates nothing, else the ``cloud`` baseline's."""
    for name in ("nimbus", "cloud"):
        try:
            a = run_method(instance, name, seed)
        except ImportError:
            continue
        except Exception as exc:  # noqa: BLE001 - a broken heuristic must not stop the exact solve
            logger.warning("warm start %s failed: %s", name, exc)
            continue
        if a is not None and evaluate(instance, a).violations == 0:
            return a, name
    return None, "none"


def resolve_start(
    instance: OffloadingInstance, warm_start: Any, seed: int
) -> tuple[Assignment | None, str]:
    """The start a ``warm_start`` parameter asks for, and its name.

    ``True``: :func:`heuristic_start`; ``False`` / ``None``: none; a method name: that
    method's assignment; an :class:`Assignment` or a ``Result``: its assignment.
    """
    if warm_start is None or warm_start is False:
        return None, "none"
    if warm_start is True:
        return heuristic_start(instance, seed)
    if isinstance(warm_start, str):
        return run_method(instance, warm_start, seed), warm_start
    if isinstance(warm_start, Assignment):
        return warm_start, "given"
    sol = getattr(warm_start, "solution", None)
    if isinstance(sol, Assignment):
        return sol, "given"
    raise InputError(
        "Expected warm_start to be a bool, a method name, an Assignment or a Result, "
        f"got {type(warm_start).__name__}.",
        field="warm_start",
    )


def repair_start(data: OffloadingData, assignment: Assignment) -> Assignment | None:
    """Map ``assignment`` onto the model's options: a device on an option the model
    does not have (a pruned edge pair, a dominated cloud, LTE) moves to the model
    option (a kept cloud or local) with the least latency among those no worse in
    latency and energy than what it had. Returns ``None`` if a device cannot move
    or a node's final load breaks a cap (the assignment was infeasible)."""
    inst = data.instance
    ev = evaluate(inst, assignment)
    kind = assignment.kind.copy()
    target = assignment.target.copy()
    pair_keys = set(zip(data.pair_dev.tolist(), data.pair_node.tolist()))
    cloud_keys = set(zip(data.cloud_dev.tolist(), data.cloud_id.tolist()))
    by_dev: dict[int, list[int]] = {}
    for c, i in enumerate(data.cloud_dev.tolist()):
        by_dev.setdefault(i, []).append(c)
    in_model = np.zeros(inst.n_devices, dtype=bool)
    in_model[data.devices] = True
    for i in np.flatnonzero(in_model & (kind != KIND_LOCAL)).tolist():
        t = int(target[i])
        if kind[i] == KIND_EDGE and (i, t) in pair_keys:
            continue
        if kind[i] == KIND_CLOUD and not assignment.lte[i] and (i, t) in cloud_keys:
            continue
        # latency at load 1 for an edge option is a lower bound of its latency
        lt = (
            float(ev.latency_ms[i])
            if kind[i] != KIND_EDGE
            else float(ev.net_ms[i] + ev.inference_ms[i] + inst.queue_ms(t, 1))
        )
        e = float(ev.energy_mj[i])
        best, best_lat = (KIND_LOCAL, -1), float(inst.device_local_ms[i])
        if not (best_lat <= lt + 1e-9 and float(inst.device_local_mj[i]) <= e + 1e-9):
            best, best_lat = None, math.inf
        for c in by_dev.get(i, []):
            cl, ce = float(data.cloud_latency[c]), float(data.cloud_energy[c])
            if cl <= lt + 1e-9 and ce <= e + 1e-9 and cl < best_lat:
                best, best_lat = (KIND_CLOUD, int(data.cloud_id[c])), cl
        if best is None:
            if data.prune == "latency":
                best = (KIND_LOCAL, -1)
            else:
                return None
        kind[i], target[i] = best
    fixed = Assignment.from_arrays(kind, target)
    if start_values(data, fixed) is None:
        return None
    return fixed


def greedy_energy_start(data: OffloadingData) -> Assignment:
    """A feasible low-energy assignment for a MIP start (the least-energy problem is a
    packing problem whose LP relaxation is weak, so HiGHS' own heuristics find poor
    incumbents): devices in several orders each take their least-energy option that
    keeps every device on the node within its ``cap`` (per-node minimum cap tracked);
    the best of the orders is returned. Only options of the model are used."""
    inst = data.instance
    devs = data.devices.tolist()
    N = inst.n_devices
    opts: dict[int, list[tuple[float, int, int, int]]] = {i: [] for i in devs}
    for p, (i, j) in enumerate(zip(data.pair_dev.tolist(), data.pair_node.tolist())):
        opts[i].append((float(data.pair_energy[p]), KIND_EDGE, j, int(data.pair_cap[p])))
    for c, (i, k) in enumerate(zip(data.cloud_dev.tolist(), data.cloud_id.tolist())):
        opts[i].append((float(data.cloud_energy[c]), KIND_CLOUD, k, 0))
    for i in devs:
        opts[i].append((float(inst.device_local_mj[i]), KIND_LOCAL, -1, 0))
        opts[i].sort()
    nbar = dict(zip(data.node_ids.tolist(), data.node_nbar.tolist()))
    base = dict(zip(data.node_ids.tolist(), data.node_base.tolist()))
    best_edge = {i: min((o[3] for o in opts[i] if o[1] == KIND_EDGE), default=0) for i in devs}
    orders = [
        sorted(devs, key=lambda i: opts[i][0][0]),  # cheapest devices first
        sorted(devs, key=lambda i: -best_edge[i]),  # most tolerant devices first
        sorted(
            devs, key=lambda i: opts[i][0][0] - opts[i][1][0] if len(opts[i]) > 1 else 0.0
        ),  # regret
    ]
    best: tuple[float, Assignment] | None = None
    for order in orders:
        load = dict(base)
        mincap = {j: nbar[j] for j in nbar}
        kind = np.zeros(N, dtype=np.int8)
        target = np.full(N, -1, dtype=np.int64)
        if data.fixed is not None:
            fe = data.fixed.kind == KIND_EDGE
            kind[fe], target[fe] = KIND_EDGE, data.fixed.target[fe]
        total = 0.0
        for i in order:
            for e, kd, t, cap in opts[i]:
                if kd == KIND_EDGE:
                    n = load[t] + 1
                    if n > cap or n > mincap[t]:
                        continue
                    load[t] = n
                    mincap[t] = min(mincap[t], cap)
                kind[i], target[i] = kd, t
                total += e
                break
        a = Assignment.from_arrays(kind, target)
        if best is None or total < best[0]:
            best = (total, a)
    assert best is not None
    return best[1]
