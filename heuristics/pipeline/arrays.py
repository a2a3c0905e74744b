"""Arrays of a pipeline instance, built once: capacities, capability masks, variants
(a function with one of its flavours, sorted by boot time) with per-node demands,
processing delays, CSR adjacency, link delays and bandwidths, and per-request plans
(steps in topological order, candidate nodes, edges) — the input of the kernels of
:mod:`placement.heuristics.pipeline._kernels` and of
:class:`~placement.heuristics.pipeline.state.PipelineState`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from placement.errors import InputError
from placement.pipeline.instance import PipelineInstance

logger = logging.getLogger(__name__)


@dataclass
class StepPlan:
    """One step of a compiled request."""

    sid: str
    t: int  # function index, -1 for a pinned endpoint
    replicas: int
    load: float
    jpref: int  # allowed variants: var_ptr[t] .. var_ptr[t] + jpref - 1
    cands: np.ndarray  # candidate nodes
    boot_limit: float
    preds: list[int] = field(default_factory=list)  # edge indices into the step
    succs: list[int] = field(default_factory=list)  # edge indices out of the step


@dataclass
class RequestPlan:
    """A compiled request: steps (topological order), edges, bound, admission."""

    name: str
    q: int
    steps: list[StepPlan]
    edges: list[tuple[int, int, float]]  # (src step, dst step, bandwidth)
    topo: list[int]
    bound: float
    priority: float
    automatic: bool
    prev: list[set[int] | None]
    infeasible: str | None = None  # why no placement can exist (static)


def _ro(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


class PipelineArrays:
    """The arrays of one instance, built once (see the module docstring).

    Attributes
    ----------
    N, R, T, L
        Nodes, resources, functions, links.
    var_ptr, var_flavour, var_boot, var_dem
        Variants (function, flavour) of function ``t``: ``var_ptr[t] .. var_ptr[t+1]-1``
        sorted by boot time; their flavour names, boot times and per-node demands
        ``(K, N, R)``.
    """

    def __init__(self, inst: PipelineInstance) -> None:
        self.inst = inst
        self.node_names = [n.name for n in inst.nodes]
        self.nidx = {n: i for i, n in enumerate(self.node_names)}
        N = self.N = len(self.node_names)
        self.res_names = tuple(inst.resource_names)
        R = self.R = len(self.res_names)
        self.cores_r = self.res_names.index("cores") if "cores" in self.res_names else -1
        capn = np.zeros((N, max(R, 1)))
        for i, n in enumerate(inst.nodes):
            for r, name in enumerate(self.res_names):
                capn[i, r] = n.capacity(name)
        self.capn = _ro(capn[:, :R] if R else np.zeros((N, 0)))
        caps = sorted(
            {c for n in inst.nodes for c in n.capabilities}
            | {c for f in inst.functions for c in f.requires}
        )
        if len(caps) > 62:
            raise InputError(
                f"the heuristics support at most 62 capabilities, got {len(caps)}",
                field="capabilities",
            )
        self.cap_bit = {c: 1 << i for i, c in enumerate(caps)}
        self.node_caps = _ro(
            np.array(
                [sum(self.cap_bit[c] for c in n.capabilities) for n in inst.nodes], dtype=np.int64
            )
        )
        self.node_excl = _ro(
            np.array([sum(self.cap_bit[c] for c in n.exclusive) for n in inst.nodes], np.int64)
        )
        self.idle = _ro(np.array([n.idle_w for n in inst.nodes], dtype=np.float64))
        self.per_core = _ro(np.array([n.per_core_w for n in inst.nodes], dtype=np.float64))
        # functions and variants
        self.funcs = list(inst.functions)
        self.fidx = {f.name: t for t, f in enumerate(self.funcs)}
        T = self.T = len(self.funcs)
        var_ptr = [0]
        var_fl: list[str | None] = []
        var_func: list[int] = []
        for t, f in enumerate(self.funcs):
            vs = sorted(f.variants(), key=lambda fl: (f.boot_ms(fl), fl or ""))
            var_fl += vs
            var_func += [t] * len(vs)
            var_ptr.append(len(var_fl))
        self.var_ptr = _ro(np.array(var_ptr, dtype=np.int64))
        self.var_flavour = var_fl
        self.var_func = _ro(np.array(var_func, dtype=np.int64))
        Kn = len(var_fl)
        self.var_boot = _ro(
            np.array([self.funcs[var_func[k]].boot_ms(var_fl[k]) for k in range(Kn)], np.float64)
        )
        self.Vmax = int(max((var_ptr[t + 1] - var_ptr[t] for t in range(T)), default=1))
        dem = np.zeros((Kn, N, R))
        proc = np.zeros((max(T, 1), N))
        cost = np.zeros((max(T, 1), N))
        for t, f in enumerate(self.funcs):
            base = np.array([f.demand(r) for r in self.res_names]) if R else np.zeros(0)
            for k in range(var_ptr[t], var_ptr[t + 1]):
                fl = var_fl[k]
                row = np.array([f.demand(r, None, fl) for r in self.res_names]) if R else base
                dem[k, :, :] = row
            proc[t, :] = f.proc_ms
            cost[t, :] = f.cost
            for node, o in f.overrides.items():
                v = self.nidx[node]
                for k in range(var_ptr[t], var_ptr[t + 1]):
                    for r, name in enumerate(self.res_names):
                        if name in o.demands:
                            dem[k, v, r] = float(o.demands[name])
                if o.proc_ms is not None:
                    proc[t, v] = float(o.proc_ms)
                if o.cost is not None:
                    cost[t, v] = float(o.cost)
        self.var_dem = _ro(dem)
        self.proc = _ro(proc)
        self.cost = _ro(cost)
        self.cap_t = _ro(np.array([f.capacity for f in self.funcs] or [0.0], dtype=np.float64))
        self.maxinst = _ro(np.array([f.max_instances for f in self.funcs] or [-1], np.int64))
        self.req_mask = _ro(
            np.array(
                [sum(self.cap_bit[c] for c in f.requires) for f in self.funcs] or [0], np.int64
            )
        )
        # links
        L = self.L = len(inst.links)
        self.link_u = _ro(np.array([self.nidx[lk.u] for lk in inst.links], dtype=np.int64))
        self.link_v = _ro(np.array([self.nidx[lk.v] for lk in inst.links], dtype=np.int64))
        self.link_delay = _ro(np.array([lk.delay_ms for lk in inst.links], dtype=np.float64))
        self.link_bw = _ro(np.array([lk.bandwidth_mbps for lk in inst.links], dtype=np.float64))
        self.link_of = {}
        for i, lk in enumerate(inst.links):
            self.link_of[(self.nidx[lk.u], self.nidx[lk.v])] = i
            self.link_of[(self.nidx[lk.v], self.nidx[lk.u])] = i
        deg = np.zeros(N + 1, dtype=np.int64)
        for i in range(L):
            deg[self.link_u[i] + 1] += 1
            deg[self.link_v[i] + 1] += 1
        ptr = np.cumsum(deg)
        nbr = np.zeros(2 * L, dtype=np.int64)
        lnk = np.zeros(2 * L, dtype=np.int64)
        fill = ptr[:-1].copy()
        for i in range(L):
            for a, b in ((self.link_u[i], self.link_v[i]), (self.link_v[i], self.link_u[i])):
                nbr[fill[a]] = b
                lnk[fill[a]] = i
                fill[a] += 1
        self.adj_ptr, self.adj_nbr, self.adj_link = _ro(ptr), _ro(nbr), _ro(lnk)
        self.ones = _ro(np.ones(L))
        self.total_bw = 0.0
        self.req_index = {r.name: q for q, r in enumerate(inst.requests)}
        self._plans: dict[int, RequestPlan] = {}
        self._fit: dict[tuple[int, int], np.ndarray] = {}
        self.all_nodes = _ro(np.arange(N, dtype=np.int64))
        total = 0.0
        for r in inst.requests:
            total += (
                sum(e.bandwidth_mbps for e in r.edges)
                * max((s.replicas for s in r.steps), default=1) ** 2
            )
        finite = self.link_bw[np.isfinite(self.link_bw)] if L else np.zeros(0)
        #: whether some link may run out of bandwidth (else routes skip the check)
        self.bandwidth_may_bind = bool(finite.size and float(finite.min()) < total)

    # ------------------------------------------------------------------ plans
    def fit_static(self, t: int, jpref: int) -> np.ndarray:
        """Nodes offering the capabilities of ``t`` where one instance of an allowed
        variant fits the empty node."""
        key = (t, jpref)
        got = self._fit.get(key)
        if got is None:
            rm = self.req_mask[t]
            ok = (self.node_caps & rm) == rm
            v0 = int(self.var_ptr[t])
            any_fit = np.zeros(self.N, dtype=bool)
            for k in range(v0, v0 + jpref):
                if self.R:
                    any_fit |= np.all(self.var_dem[k] <= self.capn + 1e-9, axis=1)
                else:
                    any_fit[:] = True
            got = ok & any_fit
            if self.maxinst[t] == 0:
                got[:] = False
            self._fit[key] = got
        return got

    def plan(self, q: int) -> RequestPlan:
        """The compiled plan of request ``q`` (cached)."""
        p = self._plans.get(q)
        if p is not None:
            return p
        inst = self.inst
        r = inst.requests[q]
        sidx = {s.id: i for i, s in enumerate(r.steps)}
        steps: list[StepPlan] = []
        why = None
        prev = inst.previous.get(r.name, {})
        prevs: list[set[int] | None] = []
        for s in r.steps:
            lim = r.boot_limit(s.id)
            if s.function is None:
                t, jpref = -1, 0
                cands = np.array(sorted({self.nidx[v] for v in s.nodes or ()}), dtype=np.int64)
            else:
                t = self.fidx[s.function]
                v0, v1 = int(self.var_ptr[t]), int(self.var_ptr[t + 1])
                jpref = int(sum(1 for k in range(v0, v1) if self.var_boot[k] <= lim + 1e-9))
                mask = self.fit_static(t, jpref) if jpref else np.zeros(self.N, dtype=bool)
                if s.nodes is not None:
                    sel = np.zeros(self.N, dtype=bool)
                    sel[[self.nidx[v] for v in s.nodes]] = True
                    mask = mask & sel
                cands = np.nonzero(mask)[0].astype(np.int64)
            if cands.size < s.replicas and why is None:
                why = (
                    f"step {s.id!r} has {cands.size} candidate node(s) for {s.replicas} replica(s)"
                )
            steps.append(StepPlan(s.id, t, s.replicas, r.load(s.id), jpref, cands, lim))
            pv = prev.get(s.id)
            prevs.append(None if pv is None else {self.nidx[v] for v in pv})
        edges = []
        for k, e in enumerate(r.edges):
            a, b = sidx[e.src], sidx[e.dst]
            edges.append((a, b, float(e.bandwidth_mbps)))
            steps[a].succs.append(k)
            steps[b].preds.append(k)
        indeg = [len(s.preds) for s in steps]
        topo = [i for i in range(len(steps)) if indeg[i] == 0]
        i = 0
        while i < len(topo):
            for k in steps[topo[i]].succs:
                b = edges[k][1]
                indeg[b] -= 1
                if indeg[b] == 0:
                    topo.append(b)
            i += 1
        p = RequestPlan(
            r.name,
            q,
            steps,
            edges,
            topo,
            float(r.max_delay_ms),
            float(r.priority),
            r.execution == "automatic",
            prevs,
            why,
        )
        self._plans[q] = p
        return p


_ARRAYS: dict[int, tuple[Any, PipelineArrays]] = {}


def arrays_of(inst: PipelineInstance) -> PipelineArrays:
    """The (cached) :class:`PipelineArrays` of ``inst`` (the last few instances are kept)."""
    got = _ARRAYS.get(id(inst))
    if got is not None and got[0] is inst:
        return got[1]
    arr = PipelineArrays(inst)
    if len(_ARRAYS) >= 4:
        _ARRAYS.pop(next(iter(_ARRAYS)))
    _ARRAYS[id(inst)] = (inst, arr)
    return arr
