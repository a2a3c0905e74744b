r"""Bounds on the optimum of every objective of the exact offloading model.

:func:`lower_bound` bounds the optimum of the MILP of
:mod:`placement.offloading.methods` for the same ``objective`` / ``epsilon`` (``edge``
is maximised: its bound is an **upper** bound, ``Bound.sense == -1``). Methods:

``flow``
    The min-cost-flow relaxation (:mod:`placement.heuristics.offloading.flow`):
    ``latency`` directly; ``energy`` (no queue cost: every device on its least-energy
    option); with an ε-constraint, :math:`\max_{\mu \ge 0} V(\mu) - \mu\varepsilon`
    where :math:`V` is the flow relaxation with the other objective priced by
    :math:`\mu` (weights ``(1, μ)`` for ``latency`` s.t. energy ≤ ε, ``(μ, 1)`` for
    ``energy`` s.t. latency ≤ ε) — concave and piecewise linear in :math:`\mu`, maximised
    by cutting planes: bracket the sign change of its subgradient (the priced total of the
    relaxed assignment minus ε), then evaluate where the two supporting lines meet.
``lagrangian``
    The flow value above, and the Lagrangian relaxation of the assignment rows
    (:mod:`._bound_kernels`: per-node subproblems over candidates sorted by reduced
    cost whose caps admit the level — the deadline caps are kept, the queue terms
    exact) at the μ of that search, maximised by subgradient steps (Polyak, toward
    the weighted cost of a repaired relaxation; warm start from the flow's prices);
    the larger of the two. For ``edge``: cost −1 per edge pair, floored, capped by
    the devices that have an edge option (``flow`` means the same for ``edge``).
``lp``
    The LP relaxation of the exact model (HiGHS), lowered by :data:`LP_SAFETY`
    (relative) against solver tolerances.
``auto``
    ``latency``: the flow, and — only when the relaxed assignment, repaired, is more
    than :data:`AUTO_CERTIFIED_GAP` above it — the Lagrangian; other objectives:
    ``lagrangian``; plus (in both cases) the LP when the model has at most
    :data:`LP_AUTO_VARIABLES` variables. Without a time limit the subgradient
    gets ``max(AUTO_LR_MIN_S, AUTO_LR_FACTOR × flow time)``.

Every value is valid at every iterate (weak duality), so stopping early
(``time_limit``) only weakens it; the best value computed is returned. An ε-constraint
that a relaxation proves infeasible gives ``+inf`` (the optimum of an infeasible
minimisation).

:func:`attach_bound` fills ``RawSolution.bound`` of a heuristic (``--bound``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from placement.heuristics.offloading import _bound_kernels as bk
from placement.heuristics.offloading.bound_large import MAX_PAIRS, aggregated_bound
from placement.heuristics.offloading.flow import (
    _level_marginals,
    relax,
    relaxation_data,
    repair,
)
from placement.models.offloading.data import OffloadingData, prefilter
from placement.models.offloading.matrix import build_matrix

from placement.backends.base import BackendParams
from placement.backends.highs import HighsModel
from placement.errors import InputError
from placement.offloading.evaluate import evaluate
from placement.offloading.instance import OffloadingInstance
from placement.result import RawSolution, Status

OBJECTIVES = ("latency", "energy", "edge")
BOUND_METHODS = ("auto", "flow", "lagrangian", "lp")
#: ``auto`` adds the LP relaxation when the model has at most this many variables.
LP_AUTO_VARIABLES = 30_000
#: The subgradient stops after this many iterations without a relative gain above
#: GAIN_RTOL (on the fronts of config C it otherwise ran 100-300 iterations for gains
#: below 1e-6 over the flow bound).
GAIN_WINDOW = 60
GAIN_RTOL = 1e-6
#: Relative safety margin taken off an LP optimum (HiGHS' feasibility tolerances).
LP_SAFETY = 1e-7
#: ``auto`` without a time limit gives the subgradient ``max(AUTO_LR_MIN_S,
#: AUTO_LR_FACTOR × the flow's time)`` seconds.
AUTO_LR_MIN_S = 1.0
AUTO_LR_FACTOR = 10.0
#: ``auto`` (latency) stops at the flow when a feasible solution is this close to it.
AUTO_CERTIFIED_GAP = 1e-3
#: Subgradient iterations of the assignment relaxation at most.
MAX_ITERATIONS = 400
#: Bisection steps on μ at most.
MAX_BISECTIONS = 30
#: Largest multiplier μ tried (ms per mJ or mJ per ms); beyond it the scaled flow costs
#: lose the precision the bound needs.
MAX_MU = 1e4
#: Bonus (ms) of an edge option in the ``edge`` objective's heuristic target.
EDGE_BONUS = 1e4
#: Relative tolerance under which the ε-constraint counts as met by a relaxed assignment.
EPS_RTOL = 1e-9


@dataclass(frozen=True)
class Bound:
    """A bound on the optimum of one objective.

    Attributes
    ----------
    value
        The bound: a lower bound for ``latency`` and ``energy`` (minimised), an upper
        bound for ``edge`` (maximised); ``+inf`` when a relaxation proves the
        ε-constraint infeasible.
    method
        The method that gave ``value`` (``flow``, ``lagrangian``, ``lp``).
    runtime_s
        Seconds of the whole call.
    details
        Every method's value and time, μ, iterations, the heuristic target.
    sense
        +1: ``value`` ≤ optimum (minimisation); -1: ``value`` ≥ optimum (``edge``).
    """

    value: float
    method: str
    runtime_s: float
    details: dict[str, Any] = field(default_factory=dict)
    sense: int = 1


def _check(objective: str, epsilon: float | None, method: str) -> None:
    if objective not in OBJECTIVES:
        raise InputError(
            f"Expected objective in {{{', '.join(OBJECTIVES)}}}, got {objective!r}.",
            field="objective",
        )
    if method not in BOUND_METHODS:
        raise InputError(
            f"Expected bound in {{{', '.join(BOUND_METHODS)}}}, got {method!r}.", field="bound"
        )
    if epsilon is not None:
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float, np.number)):
            raise InputError(f"Expected epsilon to be a number, got {epsilon!r}.", field="epsilon")
        if not math.isfinite(float(epsilon)) or epsilon < 0:
            raise InputError(f"Expected epsilon >= 0, got {epsilon!r}.", field="epsilon")
        if objective == "edge":
            raise InputError("Expected no epsilon with objective 'edge'.", field="epsilon")


class _Clock:
    def __init__(self, time_limit: float | None) -> None:
        self.t0 = time.perf_counter()
        self.limit = time_limit

    def left(self) -> float:
        if self.limit is None:
            return math.inf
        return self.limit - (time.perf_counter() - self.t0)

    def out(self) -> bool:
        return self.left() <= 0


# ------------------------------------------------------------------ LP relaxation
def lp_bound(
    data: OffloadingData, objective: str, epsilon: float | None, time_limit: float | None = None
) -> float | None:
    """The LP relaxation of the exact model (``None`` if not solved to optimality);
    ``+inf`` when the LP is infeasible. For ``edge``: an upper bound on the count."""
    mm = build_matrix(data, objective, epsilon)
    raw = HighsModel(mm, relax=True).solve(BackendParams(time_limit=time_limit))
    if raw.status == Status.INFEASIBLE:
        return math.inf if objective != "edge" else -math.inf
    if raw.status != Status.OPTIMAL or raw.objective is None:
        return None
    v = float(raw.objective)
    v -= LP_SAFETY * max(abs(v), 1.0)
    if objective == "edge":
        return float(math.floor(-v + 1e-6))
    return v


# ------------------------------------------------------------------ assignment relaxation
@dataclass(frozen=True, eq=False)
class _LRArrays:
    """The kernel's arrays for one cost vector (pairs grouped by node)."""

    order: np.ndarray  # pair index (into data) of each kernel pair
    node_start: np.ndarray
    pair_dev: np.ndarray  # device position (into data.devices)
    pair_cost: np.ndarray
    pair_cap: np.ndarray
    cap_order: np.ndarray  # per node block, kernel pair indices by cap, largest first
    level_start: np.ndarray
    level_cost: np.ndarray
    alt: np.ndarray
    alt_lat: np.ndarray
    alt_en: np.ndarray


def _lr_arrays(data: OffloadingData, wl: float, we: float, edge: bool = False) -> _LRArrays:
    """Costs ``wl·latency + we·energy`` (queue ``wl·n·q(n)`` per level), or, with
    ``edge``, −1 per edge pair and 0 elsewhere."""
    inst = data.instance
    devs = data.devices
    order = np.argsort(data.pair_node, kind="stable")
    node_pos = np.searchsorted(data.node_ids, data.pair_node[order])
    node_start = np.searchsorted(node_pos, np.arange(data.node_ids.shape[0] + 1)).astype(np.int64)
    counts = data.node_nbar - data.node_base + 1
    level_start = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    alt_lat = inst.device_local_ms[devs].astype(np.float64)
    alt_en = inst.device_local_mj[devs].astype(np.float64)
    if edge:
        pair_cost = -np.ones(order.shape[0])
        level_cost = np.zeros(data.n_levels)
        alt = np.zeros(devs.shape[0])
    else:
        pair_cost = (wl * data.pair_latency + we * data.pair_energy)[order]
        level_cost = wl * data.level_cost
        alt = wl * alt_lat + we * alt_en
        if data.cloud_dev.size:
            pos = np.searchsorted(devs, data.cloud_dev)
            cc = wl * data.cloud_latency + we * data.cloud_energy
            for c in range(cc.shape[0]):
                if cc[c] < alt[pos[c]]:
                    alt[pos[c]] = cc[c]
                    alt_lat[pos[c]], alt_en[pos[c]] = data.cloud_latency[c], data.cloud_energy[c]
    cap_k = np.ascontiguousarray(data.pair_cap[order], dtype=np.int64)
    cap_order = np.lexsort((-cap_k, node_pos)).astype(np.int64)
    return _LRArrays(
        order=order,
        node_start=node_start,
        pair_dev=np.searchsorted(devs, data.pair_dev[order]).astype(np.int64),
        pair_cost=np.ascontiguousarray(pair_cost, dtype=np.float64),
        pair_cap=cap_k,
        cap_order=cap_order,
        level_start=level_start,
        level_cost=np.ascontiguousarray(level_cost, dtype=np.float64),
        alt=np.ascontiguousarray(alt, dtype=np.float64),
        alt_lat=alt_lat,
        alt_en=alt_en,
    )


def assignment_lagrangian(
    data: OffloadingData,
    arrays: _LRArrays,
    *,
    target: float | None,
    lam0: np.ndarray | None = None,
    clock: _Clock | None = None,
    max_iterations: int = MAX_ITERATIONS,
) -> tuple[float, np.ndarray, dict[str, Any]]:
    """Maximise :math:`L(\\lambda)` by subgradient steps.

    Polyak steps ``θ·(target − L)/‖g‖²`` (``θ`` halved after 15 iterations without
    improvement); without a ``target`` (an upper bound on the optimum), ``L + 5 %``.
    Stops when ``θ`` is tiny, at the target, on the clock, or after
    :data:`GAIN_WINDOW` iterations without a relative gain of :data:`GAIN_RTOL`.
    Returns the best value (a valid lower bound), its multipliers and statistics.
    """
    n = int(data.devices.shape[0])
    lam = arrays.alt.copy() if lam0 is None else lam0.astype(np.float64).copy()
    chosen = np.zeros(arrays.pair_cost.shape[0], dtype=np.int8)
    alt_chosen = np.zeros(n, dtype=np.int8)
    args = (
        arrays.alt,
        arrays.node_start,
        arrays.pair_dev,
        arrays.pair_cost,
        arrays.pair_cap,
        arrays.cap_order,
        arrays.level_start,
        arrays.level_cost,
        chosen,
        alt_chosen,
    )
    best, best_lam = -math.inf, lam.copy()
    theta, stall, it = 2.0, 0, 0
    ref, ref_it = -math.inf, 0  # last gain of more than GAIN_RTOL
    while it < max_iterations:
        it += 1
        val = bk.lagrangian_value(lam, *args)
        if val > ref + GAIN_RTOL * max(1.0, abs(val)):
            ref, ref_it = val, it
        elif it - ref_it >= GAIN_WINDOW:
            break  # no real progress for a while: the steps only shrink from here
        if val > best + 1e-12 * max(1.0, abs(val)):
            best, best_lam, stall = val, lam.copy(), 0
        else:
            stall += 1
            if stall >= 15:
                theta, stall = theta / 2.0, 0
        g = 1.0 - alt_chosen.astype(np.float64)
        np.subtract.at(g, arrays.pair_dev, chosen.astype(np.float64))
        gg = float(g @ g)
        if gg == 0.0:  # the relaxed solution is an assignment: optimal for the relaxation
            break
        tgt = target if target is not None and target > best else best + 0.05 * abs(best) + 1e-3
        lam += theta * (tgt - val) / gg * g
        if theta < 1e-4 or (clock is not None and clock.out()):
            break
        if target is not None and target - best <= 1e-9 * max(1.0, abs(target)):
            break
    return best, best_lam, {"iterations": it, "theta": theta}


def flow_multipliers(
    data: OffloadingData, arrays: _LRArrays, assignment: Any, wl: float
) -> np.ndarray:
    """Multipliers from a flow relaxation's assignment (its dual prices): node ``j``'s
    price is its enveloped marginal queue cost at its relaxed load (at load 1 when
    empty), ``λ_i = min(a_i, min_j c_ij + p_j)`` — a warm start of the subgradient."""
    lvl_pos, marg, _ = _level_marginals(data)
    Jn = data.node_ids.shape[0]
    first = np.searchsorted(lvl_pos, np.arange(Jn))
    load = np.bincount(
        np.searchsorted(data.node_ids, assignment.target[assignment.kind == 1]), minlength=Jn
    )[:Jn]
    idx = first + np.maximum(load, 1) - 1
    nlev = np.bincount(lvl_pos, minlength=Jn)
    price = np.where(nlev > 0, wl * marg[np.minimum(idx, marg.shape[0] - 1)], 0.0)
    lam = arrays.alt.copy()
    node_of_pair = np.repeat(np.arange(Jn), np.diff(arrays.node_start))
    np.minimum.at(lam, arrays.pair_dev, arrays.pair_cost + price[node_of_pair])
    return lam


# ------------------------------------------------------------------ μ by cutting planes
def _mu_search(
    instance: OffloadingInstance,
    data: OffloadingData,
    primary: str,
    epsilon: float,
    clock: _Clock,
) -> tuple[float, float, dict[str, Any]]:
    """``max_μ V(μ) − μ·ε`` over the flow relaxation: ``primary`` ``latency`` prices
    energy (weights ``(1, μ)``), ``energy`` prices latency (weights ``(μ, 1)``).
    Returns (best value, its μ, statistics)."""

    tol = EPS_RTOL * max(1.0, abs(epsilon))

    def V(mu: float) -> tuple[float, float]:
        """``V(μ) − μ·ε`` and its subgradient (the priced quantity minus ε)."""
        if primary == "latency":
            r = relax(instance, latency_weight=1.0, energy_weight=mu, data=data)
            g = r.energy_mj - epsilon
        else:
            r = relax(instance, latency_weight=mu, energy_weight=1.0, data=data)
            g = r.latency_ms - epsilon
        return r.value - mu * epsilon, g

    lo = (0.0, *V(0.0))
    best, best_mu = lo[1], 0.0
    evals = 1
    if lo[2] <= tol:
        return best, 0.0, {"mu": 0.0, "flow_evaluations": evals}
    hi = lo
    m = 1.0
    while True:  # bracket: the subgradient turns <= 0
        hi = (m, *V(m))
        evals += 1
        if hi[1] > best:
            best, best_mu = hi[1], m
        if hi[2] <= tol or clock.out() or m >= MAX_MU:
            break
        lo, m = hi, min(2.0 * m, MAX_MU)
    # cutting planes: the two supporting lines meet above the maximum; evaluate there
    for _ in range(MAX_BISECTIONS):
        if clock.out() or hi[2] > tol or hi[0] - lo[0] <= 1e-12 * max(1.0, hi[0]):
            break
        (m0, v0, g0), (m1, v1, g1) = lo, hi
        x = (v1 - v0 + g0 * m0 - g1 * m1) / (g0 - g1) if g0 > g1 else 0.5 * (m0 + m1)
        if not (m0 < x < m1):
            x = 0.5 * (m0 + m1)
        roof = min(v0 + g0 * (x - m0), v1 + g1 * (x - m1))
        vx, gx = V(x)
        evals += 1
        if vx > best:
            best, best_mu = vx, x
        if roof - best <= 1e-9 * max(1.0, abs(best)):
            break  # the maximum is within float noise of the roof: found
        if gx > tol:
            lo = (x, vx, gx)
        else:
            hi = (x, vx, gx)
    return best, best_mu, {"mu": best_mu, "flow_evaluations": evals}


# ------------------------------------------------------------------ the entry point
def _heuristic_target(
    instance: OffloadingInstance, data: OffloadingData, objective: str, wl: float, we: float
) -> tuple[float, Any]:
    """An upper bound (a repaired relaxation's objective) for the Polyak steps."""
    if objective == "edge":  # edge devices first (a large bonus), then latency
        r = relax(instance, data=data, edge_bonus=EDGE_BONUS)
        a = repair(instance, r.assignment, data=data, edge_bonus=EDGE_BONUS)
        return -float(evaluate(instance, a).objectives["edge"]), a
    lw = wl if wl > 0 else 1e-6
    r = relax(instance, latency_weight=lw, energy_weight=we, data=data)
    a = repair(instance, r.assignment, latency_weight=wl, energy_weight=we, data=data)
    ev = evaluate(instance, a)
    return wl * ev.objective + we * ev.total_energy_mj, a


def lower_bound(
    instance: OffloadingInstance,
    objective: str = "latency",
    *,
    epsilon: float | None = None,
    method: str = "auto",
    time_limit: float | None = None,
) -> Bound:
    """A bound on the optimum of the exact model for ``objective`` (and ``epsilon``).

    Parameters
    ----------
    instance
        The offloading instance.
    objective
        ``latency``, ``energy`` or ``edge`` (maximised: the bound is an *upper* bound).
    epsilon
        ε-constraint as the MILP has it: total energy ≤ ε for ``latency``, total
        latency ≤ ε for ``energy``.
    method
        ``auto``, ``flow``, ``lagrangian`` or ``lp`` (see the module docstring).
    time_limit
        Seconds for the iterative parts (the bound stays valid when they stop early).

    Returns
    -------
    Bound

    Raises
    ------
    InputError
        Unknown objective or method, a negative ε, or ε with ``edge``.
    """
    _check(objective, epsilon, method)
    clock = _Clock(time_limit)
    details: dict[str, Any] = {"objective": objective, "epsilon": epsilon}
    sense = -1 if objective == "edge" else 1
    if (
        method == "auto"
        and objective == "latency"
        and epsilon is None
        and instance.n_devices * max(instance.n_nodes, 1) > MAX_PAIRS
    ):  # too large to pre-filter pair by pair: the per-AP Lagrangian
        value, det = aggregated_bound(
            instance, time_limit=10.0 if time_limit is None else time_limit
        )
        return Bound(value, "aggregated", time.perf_counter() - clock.t0, {**details, **det}, 1)
    found: dict[str, float] = {}
    if objective == "edge":
        data = prefilter(instance, objective="edge")
    elif objective == "latency" and epsilon is None:
        data = relaxation_data(instance)
    else:
        data = relaxation_data(instance, latency_weight=0.0, energy_weight=1.0)
    details["variables"] = data.n_variables

    # ---- infeasible ε detected by the cheapest relaxation of the other objective
    if epsilon is not None:
        other = (
            relax(instance, latency_weight=0.0, energy_weight=1.0, data=data).value
            if objective == "latency"
            else relax(instance, latency_weight=1.0, energy_weight=0.0, data=data).value
        )
        details["epsilon_floor"] = other
        if other > float(epsilon) * (1 + 1e-12) + 1e-9:
            details["infeasible"] = True
            return Bound(math.inf, "flow", time.perf_counter() - clock.t0, details, sense)

    want_flow = method in ("auto", "flow", "lagrangian") and objective != "edge"
    want_lr = method == "lagrangian" or (method in ("auto", "flow") and objective == "edge")
    want_lr = want_lr or (method == "auto" and (objective != "latency" or epsilon is not None))
    want_lp = method == "lp" or (method == "auto" and data.n_variables <= LP_AUTO_VARIABLES)
    mu, relaxed = 0.0, None
    if want_flow:
        t = time.perf_counter()
        wl, we = (1.0, 0.0) if objective == "latency" else (0.0, 1.0)
        if epsilon is None:
            r = relax(instance, latency_weight=wl, energy_weight=we, data=data)
            found["flow"], relaxed = r.value, r.assignment
        else:
            found["flow"], mu, st = _mu_search(instance, data, objective, float(epsilon), clock)
            details.update(st)
        details["flow_time_s"] = time.perf_counter() - t
        if method == "auto" and objective == "latency" and epsilon is None:
            # the flow is within AUTO_CERTIFIED_GAP of a feasible solution (the relaxed
            # assignment, or it repaired): no other bound can gain more than that
            ev = evaluate(instance, relaxed)
            ub = ev.objective
            if ev.violations:
                ub = evaluate(instance, repair(instance, relaxed, data=data)).objective
            details["flow_certified_gap"] = (ub - found["flow"]) / max(abs(ub), 1e-9)
            done = details["flow_certified_gap"] <= AUTO_CERTIFIED_GAP
            want_lr = not done
            want_lp = want_lp and not done
    if want_lr and not clock.out():
        t = time.perf_counter()
        lam0 = None
        if objective == "edge":
            arrays = _lr_arrays(data, 0.0, 0.0, edge=True)
            tgt, _ = _heuristic_target(instance, data, "edge", 0.0, 0.0)
        else:
            wl, we = (1.0, mu) if objective == "latency" else (mu, 1.0)
            arrays = _lr_arrays(data, wl, we)
            # any cap-feasible assignment's weighted cost bounds max_λ L(λ) at this μ
            tgt = _heuristic_target(instance, data, objective, wl, we)[0]
            if wl > 0:
                if relaxed is None:
                    relaxed = relax(instance, latency_weight=wl, energy_weight=we, data=data)
                    relaxed = relaxed.assignment
                lam0 = flow_multipliers(data, arrays, relaxed, wl)
        lr_clock = clock
        if method == "auto" and time_limit is None:  # auto stays cheap next to the flow
            lr_clock = _Clock(max(AUTO_LR_MIN_S, AUTO_LR_FACTOR * details.get("flow_time_s", 0)))
        val, _, st = assignment_lagrangian(data, arrays, target=tgt, lam0=lam0, clock=lr_clock)
        if epsilon is not None:
            val -= mu * float(epsilon)
        if objective == "edge":  # integral, and never above the devices that can offload
            val = float(min(math.floor(-val + 1e-6), np.unique(data.pair_dev).shape[0]))
        found["lagrangian"] = val
        details.update(lagrangian_iterations=st["iterations"], target=tgt)
        details["lagrangian_time_s"] = time.perf_counter() - t
    if want_lp and not clock.out():
        t = time.perf_counter()
        left = clock.left()
        v = lp_bound(data, objective, epsilon, None if math.isinf(left) else max(left, 0.01))
        if v is not None:
            found["lp"] = v
        details["lp_time_s"] = time.perf_counter() - t
    details["values"] = dict(found)
    if not found:  # nothing finished: the trivial bound
        if objective == "edge":
            found["trivial"] = float(np.unique(data.pair_dev).shape[0])
        else:
            w = (1.0, 0.0) if objective == "latency" else (0.0, 1.0)
            found["trivial"] = relax(instance, latency_weight=w[0], energy_weight=w[1]).value
    best = min(found, key=lambda k: sense * -found[k])
    return Bound(found[best], best, time.perf_counter() - clock.t0, details, sense)


def attach_bound(instance: OffloadingInstance, raw: RawSolution, params: Any) -> RawSolution:
    """Fill ``raw.bound`` with :func:`lower_bound` for the objective (and ε) of
    ``params`` and the method ``params.bound`` (``None``: nothing). A heuristic
    result that violates nothing becomes ``feasible`` (a solution with a bound);
    ``statistics`` gain ``bound_method``, ``bound_time_s`` and ``bound_values``."""
    method = getattr(params, "bound", None)
    if method is None or method == "none":
        return raw
    if raw.bound is not None and raw.statistics.get("bound_method"):
        return raw  # the method bounded its own result (ls, with its ``bound`` option)
    objective = raw.objective_name or params.objective_name or "latency"
    b = lower_bound(
        instance,
        objective,
        epsilon=getattr(params, "epsilon", None),
        method=method,
        time_limit=getattr(params, "time_limit", None),
    )
    if raw.bound is None or b.sense * (b.value - raw.bound) > 0:
        raw.bound = b.value
    raw.statistics["bound_method"] = b.method
    raw.statistics["bound_time_s"] = b.runtime_s
    raw.statistics["bound_values"] = b.details.get("values", {})
    if raw.solution is not None and raw.status == Status.HEURISTIC:
        if evaluate(instance, raw.solution).violations == 0:
            raw.status = Status.FEASIBLE
    return raw
