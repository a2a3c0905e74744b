r"""Level search: the best assignment for fixed node levels, and moves between levels.

A node :math:`j` holding :math:`n` devices needs every one of them to meet its deadline at
load :math:`n`, i.e. :math:`n \le \mathit{cap}_{ij}` for each (the pre-filter's caps,
:func:`placement.models.offloading.data.prefilter`). Fix a *level* :math:`L_j` per node:
the devices allowed on :math:`j` are those with :math:`\mathit{cap}_{ij} \ge L_j`, at most
:math:`L_j` of them. For fixed levels the least-cost assignment is a min-cost flow
(a b-matching): one unit per device, an arc device → node per allowed pair, an arc
device → outside for its least-energy cloud/local option, node → sink with capacity
:math:`L_j` (energy has no queue term). Every such flow is feasible — loads stay at most
:math:`L_j`, at most every cap on the node — and the flow at the levels of a feasible
assignment's loads costs at most that assignment (it is one of the flows).

The search starts from the loads of a feasible assignment and sweeps over the nodes,
first improvement: raise a full node's level (more room, fewer devices allowed; a node
with room gains nothing from a raise) or lower it (more devices allowed, less room) by
one (a cut that allows no new device only takes room away), keeping a change when the
flow's optimum drops and the evaluated energy improves. The local search's moves change one or two devices at a time; a level change re-places every
device at once, which is what the energy objective needs (on config C it takes ``ls``
from +3.6 % to below the MILP's 120-s incumbent, ``benchmarks/results/offloading/ls.md``).
"""

from __future__ import annotations

import time

import numpy as np
from placement.heuristics.offloading.flow import _alternatives, relaxation_data
from placement.models.offloading.data import OffloadingData

from placement.offloading.evaluate import Assignment, evaluate
from placement.offloading.instance import KIND_EDGE, OffloadingInstance

#: Cost scale of the integer flow (1e-6 mJ per unit).
SCALE = 1e6
#: Level changes tried per node, in this order.
STEPS = (1, -1)


def _better(v: float, best: float) -> bool:
    return not np.isfinite(best) or v < best - 1e-9 * abs(best)


class LevelFlow:
    """The min-cost flow of fixed levels over one instance's pre-filtered energy options."""

    def __init__(self, data: OffloadingData) -> None:
        inst = data.instance
        self.inst = inst
        N, J = inst.n_devices, inst.n_nodes
        self.N, self.J = N, J
        self.pd, self.pn, self.pc = data.pair_dev, data.pair_node, data.pair_cap
        self.pcost = np.asarray(data.pair_energy, dtype=float)
        self.out, self.out_kind, self.out_target, _, _ = _alternatives(data, 0.0, 1.0)
        self.cap = np.asarray(inst.node_capacity, dtype=np.int64)
        self.solves = 0
        order = np.argsort(self.pn, kind="stable")
        self._caps_by_node = np.split(
            self.pc[order], np.searchsorted(self.pn[order], np.arange(1, J))
        )

    def admits_more(self, j: int, old: int, new: int) -> bool:
        """Whether level ``new < old`` at node ``j`` allows a device ``old`` did not
        (otherwise the cut only takes room away)."""
        c = self._caps_by_node[j]
        return bool(np.any((c >= new) & (c < old)))

    def solve(self, lv: np.ndarray) -> tuple[float, Assignment]:
        """The flow's optimum (scaled cost units) and its assignment at levels ``lv``
        (every device on an allowed pair or its cheapest outside option)."""
        from ortools.graph.python import min_cost_flow

        N, J = self.N, self.J
        ok = np.flatnonzero((lv[self.pn] >= 1) & (self.pc >= lv[self.pn]))
        jn = np.flatnonzero(lv > 0)
        OUT, SINK = N + J, N + J + 1
        tails = np.concatenate([self.pd[ok], np.arange(N), N + jn, [OUT]])
        heads = np.concatenate(
            [N + self.pn[ok], np.full(N, OUT), np.full(jn.shape[0], SINK), [SINK]]
        )
        caps = np.concatenate([np.ones(ok.shape[0] + N, dtype=np.int64), lv[jn], [N]])
        cost = np.concatenate([self.pcost[ok], self.out, np.zeros(jn.shape[0] + 1)])
        m = min_cost_flow.SimpleMinCostFlow()
        m.add_arcs_with_capacity_and_unit_cost(
            tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64),
            np.round(cost * SCALE).astype(np.int64),
        )  # fmt: skip
        supply = np.zeros(N + J + 2, dtype=np.int64)
        supply[:N] = 1
        supply[SINK] = -N
        m.set_nodes_supplies(np.arange(N + J + 2, dtype=np.int32), supply)
        self.solves += 1
        if m.solve() != m.OPTIMAL:  # pragma: no cover - every device has its outside arc
            raise RuntimeError("level flow not optimal")
        used = ok[m.flows(np.arange(ok.shape[0])) > 0]
        kind, target = self.out_kind.copy(), self.out_target.copy()
        kind[self.pd[used]] = KIND_EDGE
        target[self.pd[used]] = self.pn[used]
        return float(m.optimal_cost()), Assignment.from_arrays(
            kind, target, np.zeros(N, dtype=bool)
        )


def level_search(
    instance: OffloadingInstance,
    assignment: Assignment,
    data: OffloadingData,
    *,
    time_limit: float | None = None,
    max_sweeps: int = 10,
) -> tuple[Assignment, dict[str, float]]:
    """Improve a feasible ``assignment`` by the level search of the module docstring.

    Parameters
    ----------
    instance, assignment
        The instance and an assignment of all its devices (one past a deadline, budget
        or cap is replaced by the flow at its loads, which is feasible).
    data
        The pre-filtered energy options of every device (:func:`~placement.heuristics.
        offloading.flow.relaxation_data` with energy weight 1; no fixed devices).
    time_limit, max_sweeps
        Stopping criteria (a sweep visits every node once).

    Returns
    -------
    tuple
        The best assignment found (``assignment`` itself when it is feasible and nothing
        improved) and statistics: ``sweeps``, ``solves``, ``runtime_s``.
    """
    t0 = time.perf_counter()
    stats = {"sweeps": 0, "solves": 0, "runtime_s": 0.0}
    if data.devices.shape[0] != instance.n_devices or instance.n_nodes == 0:
        return assignment, stats
    lf = LevelFlow(data)
    J = instance.n_nodes

    def value(a: Assignment) -> tuple[bool, float]:
        ev = evaluate(instance, a)
        return ev.violations == 0, ev.total_energy_mj

    def out_of_time() -> bool:
        return time_limit is not None and time.perf_counter() - t0 >= time_limit

    best = assignment
    feasible, best_v = value(best)
    if not feasible:  # any feasible flow is better
        best_v = np.inf
    lv = best.loads(J).astype(np.int64)
    flow_v, cand = lf.solve(lv)
    ok, v = value(cand)
    if ok and _better(v, best_v):
        best, best_v = cand, v
    cap = lf.cap
    load = best.loads(J)
    for _ in range(max_sweeps):
        if out_of_time():
            break
        stats["sweeps"] += 1
        improved = 0
        for j in range(J):
            if out_of_time():
                break
            full = int(load[j]) >= lv[j]
            for step in STEPS:
                new = int(lv[j]) + step
                # a raise of a node with room only removes allowed devices
                if new < 0 or new > cap[j] or (step > 0 and not full):
                    continue
                if step < 0 and not lf.admits_more(j, int(lv[j]), new):
                    continue  # same devices allowed, less room
                trial = lv.copy()
                trial[j] = new
                fv, cand = lf.solve(trial)
                if fv >= flow_v - 0.5:
                    continue
                ok, v = value(cand)
                if ok and _better(v, best_v):
                    best, best_v, lv, flow_v = cand, v, trial, fv
                    load = best.loads(J)
                    improved += 1
                    break
        if improved == 0:
            break
    stats["solves"] = lf.solves
    stats["runtime_s"] = time.perf_counter() - t0
    return best, stats


def polish(
    instance: OffloadingInstance,
    assignment: Assignment,
    time_limit: float | None,
    sweeps: int,
) -> tuple[Assignment, dict[str, float]]:
    """:func:`level_search` over the pre-filtered energy options (``ls``'s last phase for
    ``energy``); returns the assignment and the search's statistics."""
    data = relaxation_data(instance, latency_weight=0.0, energy_weight=1.0)
    return level_search(instance, assignment, data, time_limit=time_limit, max_sweeps=sweeps)


__all__ = ["LevelFlow", "level_search", "polish"]
