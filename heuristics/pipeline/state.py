"""Incremental pipeline placement state over arrays built once per instance.

:class:`PipelineArrays` compiles a :class:`~placement.pipeline.instance.PipelineInstance`
into flat arrays (node capacities, capability bit masks, per-variant demands where a
*variant* is a function with one of its flavours, processing delays, CSR adjacency,
link delays and bandwidths) and per-request plans (steps in topological order,
candidate nodes, edges). :class:`PipelineState` keeps a placement over them and changes
it one request at a time; every operation keeps every constraint exact:

========================================  =============================================
``st = PipelineState(instance, ...)``     empty state (``objective``, ε ``bounds``,
                                          score weights ``alpha`` / ``beta``)
``st.place(name, prefer=None)``           place one request greedily; returns a
                                          :class:`PlaceOutcome` (``placed``, ``reason``,
                                          ``hosts``); ``prefer`` maps step ids to hosts
                                          tried first (kept where still feasible)
``st.place_fixed(name, hosts, routes)``   place a request on given hosts (and routes,
                                          re-routed on shortest paths when missing or
                                          not feasible); ``False`` if infeasible
``st.remove(name)``                       free a request (instances shrink, bandwidth
                                          and resources return)
``st.fail(node)`` / ``st.recover(node)``  take a node down (returns the requests that
                                          stood on it or were routed through it, already
                                          removed) / bring it back
``st.fail_link(u, v)`` / ``recover_link``  the same for one link
``st.admitted``                           names of the placed requests
``st.hosts(name)``                        step id -> host nodes of a placed request
``st.instance_flavours(node, function)``  flavour -> instance count on the node
``st.objectives()``                       every objective's value (as the evaluator)
``st.placement()``                        the :class:`~placement.pipeline.instance.Placement`
``st.load_placement(placement)``          replace the state by a given placement
``st.residual(node)``                     resource name -> what is still free
========================================  =============================================

Greedy insertion of one request (the rule of ``place``): its steps in topological
order, each replica on the feasible node with the least score
``Δobjective + ω (α · delay / bound + β · load / capacity)``
(:func:`~placement.heuristics.pipeline._kernels.score_candidates`): sharing an
existing instance adds no cores, so instances are shared first under the ``cores``,
``cost`` and ``energy`` objectives; the delay term is the arrival time at the node
plus a lower bound of the rest of the request (shortest delays to the successors'
candidate nodes), which must stay within ``max_delay_ms``. Edges are routed on
shortest paths (delay first, hops second; hops first under the ``hops`` objective);
a path without the residual bandwidth is replaced by the shortest path over the links
that still have it, and a node whose routes break the bound is skipped. A request
that cannot be placed is rolled back and reported with the reason.

Stability for an online controller: ``remove`` moves nothing else; ``fail`` removes
exactly the requests using the node; ``place(name, prefer=hosts)`` keeps the steps
whose preferred host is still feasible where they were.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from placement.heuristics.pipeline import _kernels as K
from placement.heuristics.pipeline.arrays import (
    PipelineArrays,
    RequestPlan,
    StepPlan,
    arrays_of,
)
from placement.heuristics.pipeline.churn import Churn
from placement.heuristics.pipeline.paths import PathCache

from placement.errors import InputError
from placement.pipeline.instance import PipelineInstance
from placement.pipeline.params import OBJECTIVES
from placement.pipeline.solution import Placement, Route

logger = logging.getLogger(__name__)

OBJ_CODE = {
    "cores": K.OBJ_CORES,
    "hops": K.OBJ_HOPS,
    "delay": K.OBJ_DELAY,
    "energy": K.OBJ_ENERGY,
    "priority": K.OBJ_PRIORITY,
    "migrations": K.OBJ_MIGRATIONS,
    "cost": K.OBJ_COST,
}
#: Largest number of candidate nodes of a successor for which the tail bound uses its
#: exact distances (beyond: the successor is assumed to sit anywhere, distance 0).
TAIL_EXACT = 48
#: Hosts tried (skipped one by one) before a step falls back to bandwidth-aware rows.
RETRIES = 12


@dataclass
class PlaceOutcome:
    """What :meth:`PipelineState.place` did.

    Attributes
    ----------
    name
        Request name.
    placed
        Whether the request is now placed.
    reason
        Why not (``None`` when placed).
    hosts
        Step id -> host node names (empty when not placed).
    automatic
        Whether the request is automatic (must be placed).
    """

    name: str
    placed: bool
    reason: str | None = None
    hosts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    automatic: bool = False


@dataclass
class _Rec:
    hosts: list[list[int]]
    slots: list[tuple[int, int, float, int]]  # (node, function, load, jpref)
    segs: list[tuple[int, int, int, np.ndarray, float]]  # (edge, a, b, links, bw)
    delay: float
    hops: int
    migrations: int
    counted: bool = False  # request-level totals (delay, priority, migrations) added
    touched: tuple[frozenset[int], frozenset[int]] | None = None  # nodes, links (churn)


class PipelineState(PathCache, Churn):
    """A placement under construction or repair (see the module docstring).

    Parameters
    ----------
    instance
        The pipeline instance (or its :class:`PipelineArrays`).
    objective
        The objective the insertion score follows.
    bounds
        ε-constraints ``{objective: value}`` kept by every operation (``priority``
        is a lower bound: not enforced by insertion, reported by :meth:`bounds_ok`).
    alpha, beta
        Weights of the delay and load terms of the score.
    """

    def __init__(
        self,
        instance: PipelineInstance | PipelineArrays,
        objective: str = "cores",
        bounds: Mapping[str, float] | None = None,
        *,
        alpha: float = 0.7,
        beta: float = 0.3,
    ) -> None:
        A = instance if isinstance(instance, PipelineArrays) else arrays_of(instance)
        self.A = A
        self.inst = A.inst
        if objective not in OBJECTIVES:
            raise InputError(f"unknown objective {objective!r}", field="objective")
        self.objective = objective
        self.code = OBJ_CODE[objective]
        self.bounds = dict(bounds or {})
        self.alpha, self.beta = float(alpha), float(beta)
        self.mode = "h" if objective == "hops" else "d"
        N, R, T = A.N, A.R, A.T
        Kn = len(A.var_flavour)
        self.inst_cnt = np.zeros((N, Kn), dtype=np.int64)
        self.bootload = np.zeros((N, max(T, 1), A.Vmax + 1))
        self.tload = np.zeros((N, max(T, 1)))
        self.used = np.zeros((N, R))
        self.ninst = np.zeros(max(T, 1), dtype=np.int64)
        self.n_at = np.zeros(N, dtype=np.int64)
        self.cores_at = np.zeros(N)
        self.excl_used = np.zeros(N, dtype=np.int64)
        self.link_res = A.link_bw.copy()
        self.node_up = np.ones(N, dtype=bool)
        self.link_up = np.ones(A.L, dtype=bool)
        self.recs: dict[int, _Rec] = {}
        self.tot = {k: 0.0 for k in OBJECTIVES}
        self.ban: set[tuple[int, int]] = set()  # (node, function) pairs closed to new load
        self._rows: dict[tuple[str, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._mat: dict[str, list[np.ndarray]] = {}
        self._static_res = np.where(self.link_up, np.inf, -1.0)
        self._omega = 0.01 * self._unit()
        self._out = np.zeros(4)
        self._prev_mask_none = np.ones(N, dtype=np.uint8)
        self._down_links: set[int] = set()

    # ------------------------------------------------------------------ helpers
    def _unit(self) -> float:
        A = self.A
        o = self.objective
        if o == "cores" and A.cores_r >= 0:
            d = A.var_dem[:, :, A.cores_r]
            d = d[d > 0]
            return float(d.min()) if d.size else 1.0
        if o == "cost":
            c = np.abs(A.cost[A.cost != 0])
            return float(c.min()) if c.size else 1.0
        if o == "energy":
            vals = np.concatenate([A.idle[A.idle > 0], A.per_core[A.per_core > 0]])
            return float(vals.min()) if vals.size else 1.0
        if o == "delay":
            d = A.link_delay[A.link_delay > 0]
            return float(d.min()) if d.size else 1.0
        return 1.0

    def _nested_ok(self, v: int, t: int) -> bool:
        A = self.A
        v0, v1 = int(A.var_ptr[t]), int(A.var_ptr[t + 1])
        cp = A.cap_t[t]
        cum = 0.0
        have = 0
        for j in range(1, v1 - v0 + 1):
            cum += self.bootload[v, t, j]
            have += int(self.inst_cnt[v, v0 + j - 1])
            if cum > 1e-12:
                if have == 0:
                    return False
                if math.isfinite(cp) and cum > cp * have + 1e-9 * max(1.0, cum):
                    return False
        return True

    def _open(self, v: int, k: int, m: int) -> None:
        A = self.A
        t = int(A.var_func[k])
        self.inst_cnt[v, k] += m
        self.ninst[t] += m
        was = self.n_at[v]
        self.n_at[v] += m
        if A.R:
            self.used[v] += m * A.var_dem[k, v]
        c = m * A.var_dem[k, v, A.cores_r] if A.cores_r >= 0 else 0.0
        self.cores_at[v] += c
        self.tot["cores"] += c
        self.tot["cost"] += m * A.cost[t, v]
        self.tot["energy"] += A.per_core[v] * c + (A.idle[v] if was == 0 and m > 0 else 0.0)
        self.excl_used[v] |= int(A.req_mask[t]) & int(A.node_excl[v])

    def _close(self, v: int, k: int, m: int) -> None:
        A = self.A
        t = int(A.var_func[k])
        self.inst_cnt[v, k] -= m
        self.ninst[t] -= m
        self.n_at[v] -= m
        if A.R:
            self.used[v] -= m * A.var_dem[k, v]
            self.used[v][np.abs(self.used[v]) < 1e-9] = 0.0
        c = m * A.var_dem[k, v, A.cores_r] if A.cores_r >= 0 else 0.0
        self.cores_at[v] -= c
        self.tot["cores"] -= c
        self.tot["cost"] -= m * A.cost[t, v]
        self.tot["energy"] -= A.per_core[v] * c + (A.idle[v] if self.n_at[v] == 0 else 0.0)
        v0, v1 = int(A.var_ptr[t]), int(A.var_ptr[t + 1])
        if self.inst_cnt[v, v0:v1].sum() == 0:
            self.excl_used[v] &= ~(int(A.req_mask[t]) & int(A.node_excl[v]))

    def _shrink(self, v: int, t: int) -> None:
        """Close the instances of ``t`` on ``v`` the load no longer needs (largest
        footprint first)."""
        A = self.A
        v0, v1 = int(A.var_ptr[t]), int(A.var_ptr[t + 1])
        if self.tload[v, t] <= 1e-12 and self.bootload[v, t].sum() <= 1e-12:
            for k in range(v0, v1):
                if self.inst_cnt[v, k]:
                    self._close(v, k, int(self.inst_cnt[v, k]))
            self.tload[v, t] = 0.0
            self.bootload[v, t] = 0.0
            return
        order = sorted(
            range(v0, v1),
            key=lambda k: -(A.var_dem[k, v].sum() if A.R else 0.0),
        )
        changed = True
        while changed:
            changed = False
            for k in order:
                if self.inst_cnt[v, k] <= 0:
                    continue
                self.inst_cnt[v, k] -= 1
                ok = self._nested_ok(v, t)
                self.inst_cnt[v, k] += 1
                if ok:
                    self._close(v, k, 1)
                    changed = True
                    break

    # ------------------------------------------------------------------ totals
    def objectives(self) -> dict[str, float]:
        """Every objective's value of the current placement (as the evaluator)."""
        out = dict(self.tot)
        for k in ("cores", "cost", "energy"):
            if abs(out[k]) < 1e-9:
                out[k] = 0.0
        return out

    def value(self, name: str | None = None) -> float:
        """The (minimised: sense applied) value of objective ``name``."""
        name = name or self.objective
        return OBJECTIVES[name] * self.objectives()[name]

    def bounds_ok(self, tol: float = 1e-6) -> bool:
        """Whether every ε-constraint holds."""
        obj = self.objectives()
        for k, b in self.bounds.items():
            if OBJECTIVES[k] > 0 and obj[k] > b + tol * max(1.0, abs(b)):
                return False
            if OBJECTIVES[k] < 0 and obj[k] < b - tol * max(1.0, abs(b)):
                return False
        return True

    def bound_excess(self) -> float:
        """Σ of the relative violations of the ε-constraints (0 when all hold)."""
        obj = self.objectives()
        e = 0.0
        for k, b in self.bounds.items():
            x = OBJECTIVES[k] * (obj[k] - b)
            if x > 1e-6 * max(1.0, abs(b)):
                e += x / max(1.0, abs(b))
        return e

    def _budgets(self) -> np.ndarray:
        b = np.full(3, np.inf)
        for i, k in enumerate(("cores", "cost", "energy")):
            if k in self.bounds:
                b[i] = self.bounds[k] - self.tot[k]
        return b

    @property
    def admitted(self) -> list[str]:
        """Names of the placed requests (instance order)."""
        return [self.inst.requests[q].name for q in sorted(self.recs)]

    def is_placed(self, name: str) -> bool:
        """Whether request ``name`` is placed."""
        return self.A.req_index[name] in self.recs

    def hosts(self, name: str) -> dict[str, tuple[str, ...]]:
        """Step id -> host names of a placed request (empty when not placed)."""
        q = self.A.req_index[name]
        rec = self.recs.get(q)
        if rec is None:
            return {}
        p = self.A.plan(q)
        nn = self.A.node_names
        return {s.sid: tuple(nn[v] for v in rec.hosts[i]) for i, s in enumerate(p.steps)}

    def instance_flavours(self, node: str, function: str) -> dict[str | None, int]:
        """Flavour -> number of instances of ``function`` on ``node``."""
        A = self.A
        v, t = A.nidx[node], A.fidx[function]
        return {
            A.var_flavour[k]: int(self.inst_cnt[v, k])
            for k in range(int(A.var_ptr[t]), int(A.var_ptr[t + 1]))
            if self.inst_cnt[v, k]
        }

    def residual(self, node: str) -> dict[str, float]:
        """Resource name -> capacity still free on ``node``."""
        v = self.A.nidx[node]
        return {
            r: float(self.A.capn[v, i] - self.used[v, i]) for i, r in enumerate(self.A.res_names)
        }

    # ------------------------------------------------------------------ tails
    def _tails(
        self, p: RequestPlan, fixed: dict[int, list[int]], delay: bool = True
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Lower bounds of the delay (max over branches) and of the hops (sum over
        segments, hops objective only) from each step's host to the sinks."""
        A = self.A
        N = A.N
        taild: list[np.ndarray] = [np.zeros(N) for _ in p.steps]
        tailm: list[np.ndarray] = [np.zeros(N) for _ in p.steps]
        need_d = delay and (math.isfinite(p.bound) or self.code == K.OBJ_DELAY)
        need_m = self.code == K.OBJ_HOPS
        if not (need_d or need_m):
            return taild, tailm
        for i in reversed(p.topo):
            s = p.steps[i]
            for k in s.succs:
                b = p.edges[k][1]
                s2 = p.steps[b]
                if b in fixed:
                    c2 = np.array(fixed[b], dtype=np.int64)
                elif s2.cands.size > 4 * TAIL_EXACT:
                    c2 = s2.cands  # a constant bound follows anyway: no need to sift
                else:
                    c2 = self._open_cands(s2)
                if c2.size == 0:
                    continue
                pr = A.proc[s2.t, c2] if s2.t >= 0 else np.zeros(c2.size)
                vd = pr + taild[b][c2]
                vm = tailm[b][c2]
                if c2.size <= TAIL_EXACT:
                    if need_d:
                        bd, _bh = self.block(c2, "d")
                        np.maximum(taild[i], (bd + vd[:, None]).min(axis=0), out=taild[i])
                    if need_m:
                        _bd, bh = self.block(c2, "h")
                        tailm[i] += (bh + vm[:, None]).min(axis=0) * s2.replicas
                else:
                    if need_d:
                        np.maximum(taild[i], float(vd.min()), out=taild[i])
                    if need_m:
                        tailm[i] += float(vm.min()) * s2.replicas
        return taild, tailm

    def _open_cands(self, s: StepPlan) -> np.ndarray:
        """The candidates of step ``s`` that can take it now: an instance with room, or
        room (resources, budgets, ``max_instances``) to open one."""
        if s.t < 0 or s.cands.size <= 1:
            return s.cands
        A = self.A
        t = s.t
        c = s.cands
        v0, v1 = int(A.var_ptr[t]), int(A.var_ptr[t] + s.jpref)
        have = self.inst_cnt[c, v0:v1].sum(axis=1)
        cp = A.cap_t[t]
        if math.isfinite(cp):
            share = have * cp - self.tload[c, t] >= s.load - 1e-9
        else:
            share = have > 0
        room = np.zeros(c.size, dtype=bool)
        if A.maxinst[t] < 0 or self.ninst[t] < A.maxinst[t]:
            bud = self._budgets()
            for k in range(v0, v1):
                d = A.var_dem[k][c]
                ok = (
                    np.all(self.used[c] + d <= A.capn[c] + 1e-9, axis=1)
                    if A.R
                    else np.ones(c.size, dtype=bool)
                )
                if A.cores_r >= 0 and math.isfinite(bud[0]):
                    ok &= d[:, A.cores_r] <= bud[0] + 1e-9
                room |= ok
        ok = (share | room) & self.node_up[c]
        got = c[ok]
        return got if got.size else c

    # ------------------------------------------------------------------ place
    def place(
        self,
        name: str,
        prefer: Mapping[str, tuple[str, ...]] | None = None,
        *,
        fixed: Mapping[str, tuple[str, ...]] | None = None,
    ) -> PlaceOutcome:
        """Place request ``name`` greedily (see the module docstring).

        Parameters
        ----------
        name
            Request name (must not be placed already).
        prefer
            Step id -> host names tried first for its replicas (kept where feasible).
        fixed
            Step id -> host names that must be used (the request fails otherwise).
        """
        A = self.A
        q = A.req_index[name]
        p = A.plan(q)
        if q in self.recs:
            raise InputError(f"request {name!r} is placed already", field="request")
        if p.infeasible:
            return PlaceOutcome(name, False, p.infeasible, automatic=p.automatic)
        sidx = {s.sid: i for i, s in enumerate(p.steps)}
        pref: dict[int, list[int]] = {}
        for d in (prefer or {}, fixed or {}):
            for sid, nodes in d.items():
                if sid in sidx:
                    pref[sidx[sid]] = [A.nidx[v] for v in nodes]
        must = {sidx[s] for s in (fixed or {}) if s in sidx}
        taild, tailm = self._tails(p, {i: v for i, v in pref.items() if i in must})
        if self.code == K.OBJ_HOPS and len(pref) > len(must):
            # the hop estimate follows the preferred hosts (guidance only: the delay
            # bound keeps its valid lower bound)
            tailm = self._tails(p, pref, delay=False)[1]
        rec = _Rec([[] for _ in p.steps], [], [], 0.0, 0, 0)
        arr: dict[tuple[int, int], float] = {}
        budgets = self._budgets()
        self.recs[q] = rec  # so that a rollback can use remove()
        for i in p.topo:
            s = p.steps[i]
            for rep in range(s.replicas):
                w = self._place_replica(p, i, rep, s, rec, arr, pref, must, taild, tailm, budgets)
                if w < 0:
                    reason = self._why(p, i, rep, s, rec, arr, taild, tailm)
                    self.remove(name)
                    return PlaceOutcome(name, False, reason, automatic=p.automatic)
                budgets = self._budgets()
        # request-level objectives and bounds
        sinks = [i for i, s in enumerate(p.steps) if not s.succs]
        rec.delay = max(arr[(i, v)] for i in sinks for v in rec.hosts[i])
        self.tot["delay"] += rec.delay
        self.tot["priority"] += p.priority
        mig = 0
        for i, pv in enumerate(p.prev):
            if pv is not None:
                mig += len(set(rec.hosts[i]) - pv)
        rec.migrations = mig
        self.tot["migrations"] += mig
        rec.counted = True
        if rec.delay > p.bound * (1 + 1e-9) + 1e-12:
            self.remove(name)
            return PlaceOutcome(name, False, "max_delay_ms cannot be met", automatic=p.automatic)
        for k in ("hops", "delay", "migrations"):
            if k in self.bounds and self.tot[k] > self.bounds[k] + 1e-6 * max(1, self.bounds[k]):
                self.remove(name)
                return PlaceOutcome(name, False, f"ε-bound on {k}", automatic=p.automatic)
        return PlaceOutcome(name, True, None, self.hosts(name), p.automatic)

    def _pred_rows(self, p: RequestPlan, i: int, rec: _Rec, arr):
        s = p.steps[i]
        src, parr, hosts = [], [], []
        for k in s.preds:
            a_step = p.edges[k][0]
            for a in rec.hosts[a_step]:
                hosts.append(a)
                parr.append(arr[(a_step, a)])
                src.append((k, a))
        rows_d, rows_m = self.block(np.array(hosts, dtype=np.int64), self.mode)
        return rows_d, rows_m, parr, src

    def _kernel(self, p, s, cands, forbid, rows_d, rows_m, parr, taild, tailm, budgets, bound):
        A = self.A
        N = A.N
        pdelay = rows_d if isinstance(rows_d, np.ndarray) else np.vstack(rows_d)
        pmetric = rows_m if isinstance(rows_m, np.ndarray) else np.vstack(rows_m)
        if pdelay.shape[0] == 0:
            pdelay = pmetric = np.zeros((0, N))
        prev_mask = self._prev_mask_none
        return K.score_candidates(
            cands,
            s.t,
            s.load,
            s.jpref,
            A.var_ptr,
            A.var_dem,
            A.cap_t,
            A.maxinst,
            self.ninst,
            A.node_caps,
            A.node_excl,
            A.req_mask,
            self.excl_used,
            self.inst_cnt,
            self.bootload,
            self.used,
            A.capn,
            forbid,
            pdelay,
            pmetric,
            np.array(parr, dtype=np.float64),
            A.proc,
            taild,
            tailm,
            bound,
            self.code,
            A.cores_r,
            A.cost,
            A.idle,
            A.per_core,
            self.n_at,
            prev_mask,
            budgets,
            self.alpha,
            self.beta,
            self._omega,
            self._out,
        )

    def _forbid(self, p: RequestPlan, i: int, rec: _Rec) -> np.ndarray:
        s = p.steps[i]
        forbid = (~self.node_up).astype(np.uint8)
        for v in rec.hosts[i]:
            forbid[v] = 1
        if s.t >= 0 and self.ban:
            for v, t in self.ban:
                if t == s.t:
                    forbid[v] = 1
        return forbid

    def _place_replica(self, p, i, rep, s, rec, arr, pref, must, taild, tailm, budgets) -> int:
        A = self.A
        rows_d, rows_m, parr, src = self._pred_rows(p, i, rec, arr)
        forbid = self._forbid(p, i, rec)
        prev_mask = self._prev_mask_none
        if p.prev[i] is not None and self.code == K.OBJ_MIGRATIONS:
            prev_mask = np.zeros(A.N, dtype=np.uint8)
            prev_mask[list(p.prev[i])] = 1
        self._prev_mask_none, saved = prev_mask, self._prev_mask_none
        try:
            tries = []
            if i in pref and rep < len(pref[i]):
                v = pref[i][rep]
                j = int(np.searchsorted(s.cands, v))
                if j < s.cands.size and s.cands[j] == v:
                    tries.append(np.array([v], dtype=np.int64))
                elif i in must:
                    return -1
                if i in must:
                    tries = tries[:1]
            if i not in must:
                tries.append(s.cands)
            for cands in tries:
                dyn = False
                for _attempt in range(RETRIES + 2):
                    w = self._kernel(
                        p,
                        s,
                        cands,
                        forbid,
                        rows_d,
                        rows_m,
                        parr,
                        taild[i],
                        tailm[i],
                        budgets,
                        p.bound,
                    )
                    if w < 0:
                        if not dyn and A.bandwidth_may_bind and src and _attempt > 0:
                            # bandwidth-aware rows from every predecessor host
                            dyn = True
                            rows_d, rows_m = [], []
                            for k, a in src:
                                d, h, _ = self._dijkstra(a, self.mode, self.link_res, p.edges[k][2])
                                rows_d.append(d)
                                rows_m.append(h)
                            forbid = self._forbid(p, i, rec)
                            continue
                        break
                    kopen, nopen = int(self._out[0]), int(self._out[1])
                    routes = []
                    a_max = 0.0
                    ok = True
                    for k, a in src:
                        bw = p.edges[k][2]
                        rt = self._route(a, w, bw)
                        if rt is None:
                            ok = False
                            break
                        routes.append((k, a, rt[0], bw))
                        a_max = max(a_max, arr[(p.edges[k][0], a)] + rt[1])
                        if bw > 0 and rt[0].size:
                            self.link_res[rt[0]] -= bw  # tentatively, for the next segments
                    for _k, _a, lk, bw in routes:
                        if bw > 0 and lk.size:
                            self.link_res[lk] += bw
                    if ok:
                        arrival = a_max + (A.proc[s.t, w] if s.t >= 0 else 0.0)
                        if arrival + taild[i][w] > p.bound * (1 + 1e-9) + 1e-12:
                            ok = False
                    if not ok:
                        forbid[w] = 1
                        continue
                    self._commit(p, i, s, w, kopen, nopen, routes, rec, arr, arrival)
                    return w
            return -1
        finally:
            self._prev_mask_none = saved

    def _commit(self, p, i, s, w, kopen, nopen, routes, rec, arr, arrival) -> None:
        A = self.A
        if s.t >= 0:
            if kopen >= 0 and nopen > 0:
                self._open(w, kopen, nopen)
            self.bootload[w, s.t, s.jpref] += s.load
            self.tload[w, s.t] += s.load
            rec.slots.append((w, s.t, s.load, s.jpref))
        for k, a, lk, bw in routes:
            if bw > 0 and lk.size:
                self.link_res[lk] -= bw
            rec.segs.append((k, a, w, lk, bw))
            rec.hops += int(lk.size)
            self.tot["hops"] += int(lk.size)
        rec.hosts[i].append(w)
        arr[(i, w)] = arrival
        del A

    def _why(self, p, i, rep, s, rec, arr, taild, tailm) -> str:
        """Why no node could host replica ``rep`` of step ``i`` (diagnosis)."""
        rows_d, rows_m, parr, _src = self._pred_rows(p, i, rec, arr)
        forbid = self._forbid(p, i, rec)
        inf3 = np.full(3, np.inf)
        zero = np.zeros(self.A.N)
        w = self._kernel(p, s, s.cands, forbid, rows_d, rows_m, parr, zero, zero, inf3, np.inf)
        what = f"step {s.sid!r}" + (f" (replica {rep + 1})" if s.replicas > 1 else "")
        if w < 0:
            return f"{what}: no node with the capabilities, resources and instance capacity"
        w = self._kernel(
            p, s, s.cands, forbid, rows_d, rows_m, parr, zero, zero, self._budgets(), np.inf
        )
        if w < 0:
            return f"{what}: the ε-bounds leave no room"
        return f"{what}: no node within max_delay_ms={p.bound:g} ms with bandwidth on the way"

    # ------------------------------------------------------------------ undo
    _ARRAYS = (
        "inst_cnt",
        "bootload",
        "tload",
        "used",
        "ninst",
        "n_at",
        "cores_at",
        "excl_used",
        "link_res",
    )

    def snapshot(self) -> dict[str, Any]:
        """A copy of the mutable state (for :meth:`restore`; exact undo of any change)."""
        snap = {k: getattr(self, k).copy() for k in self._ARRAYS}
        snap["recs"] = dict(self.recs)
        snap["tot"] = dict(self.tot)
        return snap

    def restore(self, snap: dict[str, Any]) -> None:
        """Return to a :meth:`snapshot` (the snapshot stays usable)."""
        for k in self._ARRAYS:
            getattr(self, k)[...] = snap[k]
        self.recs = dict(snap["recs"])
        self.tot = dict(snap["tot"])

    # ------------------------------------------------------------------ remove
    def remove(self, name: str) -> bool:
        """Free request ``name`` (its instances shrink to what the rest needs, its
        bandwidth returns); returns whether it was placed."""
        A = self.A
        q = A.req_index[name]
        rec = self.recs.pop(q, None)
        if rec is None:
            return False
        for _k, _a, _b, lk, bw in rec.segs:
            if bw > 0 and lk.size:
                self.link_res[lk] += bw
        self.tot["hops"] -= rec.hops
        touched = set()
        for v, t, load, j in rec.slots:
            self.bootload[v, t, j] -= load
            self.tload[v, t] -= load
            if abs(self.bootload[v, t, j]) < 1e-9:
                self.bootload[v, t, j] = 0.0
            if abs(self.tload[v, t]) < 1e-9:
                self.tload[v, t] = 0.0
            touched.add((v, t))
        for v, t in sorted(touched):
            self._shrink(v, t)
        if rec.counted:
            p = A.plan(q)
            self.tot["delay"] -= rec.delay
            self.tot["priority"] -= p.priority
            self.tot["migrations"] -= rec.migrations
        return True

    # ------------------------------------------------------------------ output
    def placement(self) -> Placement:
        """The current placement (instances with their flavours, hosts, routes)."""
        A = self.A
        nn = A.node_names
        pl = Placement()
        nz = np.nonzero(self.inst_cnt)
        for v, k in zip(nz[0].tolist(), nz[1].tolist()):
            t = int(A.var_func[k])
            f = A.funcs[t]
            key = (nn[v], f.name)
            c = int(self.inst_cnt[v, k])
            pl.instances[key] = pl.instances.get(key, 0) + c
            if f.choices:
                pl.flavours.setdefault(key, {})[A.var_flavour[k]] = c
        for q in sorted(self.recs):
            rec = self.recs[q]
            p = A.plan(q)
            r = self.inst.requests[q]
            pl.steps[r.name] = {
                s.sid: tuple(nn[v] for v in rec.hosts[i]) for i, s in enumerate(p.steps)
            }
            routes = []
            for k, a, b, lk, _bw in rec.segs:
                path = [a]
                cur = a
                for x in lk.tolist():
                    cur = int(A.link_v[x] if A.link_u[x] == cur else A.link_u[x])
                    path.append(cur)
                routes.append(Route(k, nn[a], nn[b], tuple(nn[x] for x in path)))
            pl.routes[r.name] = routes
        return pl
