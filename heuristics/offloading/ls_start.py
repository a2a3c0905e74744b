"""Starts of the local search ``ls`` (:mod:`placement.heuristics.offloading.ls`): Nimbus,
the repaired min-cost-flow relaxation (with ε: priced by the bound's multiplier), any
registered method or a given assignment, and the order that picks the best of them."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from placement.errors import InputError
from placement.offloading.evaluate import Assignment, evaluate
from placement.offloading.instance import KIND_EDGE, OffloadingInstance
from placement.registry import method as lookup_method

#: Seconds per device × node pair of the flow start (``auto`` skips it when that would
#: take more than half the time limit).
FLOW_S_PER_PAIR = 3e-7


def key(objective: str, lat: float, en: float, edge: int) -> tuple[float, ...]:
    """Sort key of a result for ``objective`` (smaller is better; ``edge``: most edge
    devices, then least latency)."""
    if objective == "edge":
        return (-edge, lat)
    return (en,) if objective == "energy" else (lat,)


def flow_start(
    instance: OffloadingInstance, objective: str, mu: float | None
) -> tuple[Assignment, float | None]:
    """The min-cost-flow relaxation for ``objective`` (with ε: the other quantity priced
    by ``mu``; ``edge``: a bonus per edge device) repaired to feasibility, and the
    relaxation's value when it bounds the objective (no ε)."""
    from placement.heuristics.offloading import flow
    from placement.heuristics.offloading.bounds import EDGE_BONUS

    bonus = EDGE_BONUS if objective == "edge" else 0.0
    wl, we = (0.0, 1.0) if objective == "energy" else (1.0, 0.0)
    if mu is not None:
        wl, we = (mu, 1.0) if objective == "energy" else (1.0, mu)
    data = flow.relaxation_data(instance, latency_weight=wl, energy_weight=we)
    kw = dict(latency_weight=wl, energy_weight=we, edge_bonus=bonus, data=data)
    rel = flow.relax(instance, **kw)
    fixed = flow.repair(instance, rel.assignment, **kw)
    return fixed, (rel.value if objective != "edge" and mu is None else None)


def score(instance: OffloadingInstance, objective: str, epsilon: float | None, a: Any) -> Any:
    ev = evaluate(instance, a)
    lat, en = ev.objective, ev.total_energy_mj
    over = 0.0
    if epsilon is not None:
        over = max(0.0, (en if objective == "latency" else lat) - epsilon)
    return (ev.violations > 0, over, key(objective, lat, en, int(np.sum(a.kind == KIND_EDGE))))


def choose_start(
    instance: OffloadingInstance,
    start: Any,
    objective: str,
    epsilon: float | None,
    seed: int,
    mu: float | None = None,
    time_limit: float | None = None,
    *,
    too_big: bool = False,
) -> tuple[Assignment, str, dict[str, Any]]:
    """The start assignment ``start`` asks for, its name and facts about it.

    ``auto`` tries Nimbus, the repaired flow relaxation and (ε with a multiplier
    ``mu > 0``) the repaired flow relaxation with the constraint priced by ``mu``, and
    keeps the best (fewest violations, least excess over ε, best objective); ``too_big``
    (the pair-by-pair pre-filter would not fit in memory) starts from 2PMT instead."""
    info: dict[str, Any] = {}
    if isinstance(start, Assignment):
        return start, "given", info
    sol = getattr(start, "solution", None)
    if not isinstance(start, str):
        if isinstance(sol, Assignment):
            return sol, "given", info
        raise InputError("Expected start to be a method name, an Assignment or a Result.")
    names = [start]
    if start == "auto":
        names = ["nimbus", "flow"] + (["flow-mu"] if mu else [])
        if too_big:
            names = ["2pmt"]
        elif time_limit is not None and flow_estimate(instance) > 0.5 * time_limit:
            names = ["nimbus"]  # the relaxation would spend most of the time limit
    cands = []
    for name in names:
        t0 = time.perf_counter()
        if name in ("flow", "flow-mu"):
            a, val = flow_start(instance, objective, mu if name == "flow-mu" else None)
            if val is not None and epsilon is None:
                info["flow_bound"] = val
        else:
            if name == "ls":
                raise InputError("Expected start to be another method than ls.", field="start")
            spec = lookup_method("offloading", name)
            a = spec.load()(instance, spec.params_type()(), seed=seed).solution
            if a is None:
                continue
        info[f"start_{name}_s"] = time.perf_counter() - t0
        cands.append((score(instance, objective, epsilon, a), name, a))
    if not cands:
        raise InputError(f"start {start!r} gave no assignment", field="start")
    cands.sort(key=lambda c: c[0])
    _, name, a = cands[0]
    return a, name, info


def flow_estimate(instance: OffloadingInstance) -> float:
    """Rough seconds of the flow start (pre-filter, relaxation, repair): measured about
    0.6 s for A-C0 × 4000 (2.2 million pairs) on a shared 2-core machine."""
    return FLOW_S_PER_PAIR * instance.n_devices * max(instance.n_nodes, 1)


__all__ = ["choose_start", "flow_start", "key", "score"]
