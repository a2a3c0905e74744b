r"""Exact Pyomo MILP of pipeline / VNF-chain placement (spec 02 §2–§4, spec 03 §3).

Builders only build: :func:`build_pipeline_model` returns a ``ConcreteModel``;
:func:`extract_placement` turns a solved model into a
:class:`~placement.pipeline.instance.Placement`. Solving lives in
:mod:`placement.pipeline.solve`.

Formulation
-----------
Identical chain requests (same steps, edges, bound, priority, mode) are aggregated
into one integer commodity :math:`q` with multiplicity :math:`n_q`; with
``aggregate="egress"`` (default) automatic chains that differ only in their single
pinned ingress are merged too, with fixed supplies :math:`x_{q,\mathrm{in},v}` = the
number of its requests entering at :math:`v` (exact: every unit of the flow ends at
the same egress, so any decomposition pairs each ingress with a valid walk). A
commodity whose delay bound may bind is split back into single requests. Every other
request is a commodity with :math:`n_q = 1`. A step with :math:`k` replicas is
expanded into :math:`k` *slots* :math:`s\#1..s\#k`; each request edge
:math:`(a, b)` becomes the segments between every slot of :math:`a` and every
slot of :math:`b`. :math:`C_{qs}` are the candidate hosts of slot :math:`s`
(pinned nodes, or nodes offering the capabilities where one instance fits).

.. math::

   &y_{vt} \in \{0..U_{vt}\},\quad x_{qsv} \in \{0..n_q\},\quad
    \alpha_q \in \{0..n_q\}\ (\alpha_q = n_q \text{ if automatic})\\
   &\textstyle\sum_{v \in C_{qs}} x_{qsv} = \alpha_q
      && \text{every slot placed once per admitted unit}\\
   &\textstyle\sum_{(q,s): t(s)=t} \ell_{qs}\, x_{qsv} \le \kappa_t\, y_{vt},\quad
    x_{qsv} \le n_q\, y_{vt}\ (\ell_{qs} = 0 \text{ or } \kappa_t = \infty)
      && \text{instance capacity, instance presence}\\
   &\textstyle\sum_t d_{tvr}\, y_{vt} \le R_{vr}
      && \text{node resources}\\
   &\textstyle\sum_{t: c \in \mathrm{req}(t)} y_{vt} \le 1\ \ (c \in \mathrm{excl}(v)),\quad
    \sum_v y_{vt} \le M_t
      && \text{exclusivity, max instances}\\
   &\textstyle\sum_i x_{q,s\#i,v} \le \alpha_q
      && \text{replicas anti-affine}

**Layered routing** (``formulation="layered"``): for a segment :math:`e = (a, b)`,
:math:`z_{qeuw} \in \{0..n_q\}` units go from host :math:`u` of :math:`a` to host
:math:`w` of :math:`b` along a fixed shortest path :math:`P_{uw}` (hop-shortest,
ties by delay; delay-shortest for the ``delay`` objective) with :math:`h_{uw}`
hops and delay :math:`\delta_{uw}`:

.. math::

   \textstyle\sum_w z_{qeuw} = x_{qau},\quad \sum_u z_{qeuw} = x_{qbw},\quad
   \sum_{(q,e,u,w): l \in P_{uw}} \beta_e z_{qeuw} \le B_l,\quad
   \mathrm{hops} = \textstyle\sum h_{uw} z_{qeuw}

**Arc flow** (``formulation="arc"``): :math:`f_{qea} \in \{0..n_q\}` on both
directions :math:`a` of every link,

.. math::

   \textstyle\sum_{a \in \delta^+(v)} f_{qea} - \sum_{a \in \delta^-(v)} f_{qea}
     = x_{qav} - x_{qbv},\quad
   \sum_{q,e} \beta_e (f_{q,e,(u,w)} + f_{q,e,(w,u)}) \le B_{uw},\quad
   \mathrm{hops} = \textstyle\sum f_{qea}

**Delay**: for every source→sink path :math:`p` of a commodity with
:math:`n_q = 1` (and of aggregated commodities whose delay may bind — they are
disaggregated first, so the bound holds per unit):
:math:`\sum_{e \in p} \mathrm{delay}_e + \sum_{s \in p}\sum_v \pi_{tv} x_{qsv}
\le D_q`. Pairs :math:`(u, w)` that cannot meet the bound are not built.

**Objectives** (spec 02 §3), any of them weighted by the mutable
``weight[k]`` and bounded by the mutable ε right-hand side ``eps[k]``:
``cores`` :math:`= \sum y_{vt} d_{t v,\mathrm{cores}}`, ``hops``, ``delay``
(Σ over units of the worst path delay), ``energy``
:math:`= \sum_v \mathrm{idle}_v o_v + \mathrm{percore}_v \sum_t d y`
with :math:`y_{vt} \le U_{vt} o_v`, ``priority`` :math:`= \sum_q p_q \alpha_q`
(maximised), ``migrations`` (slots moved from the previous placement),
``cost`` :math:`= \sum y_{vt} c_{tv}`.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pyomo.environ as pyo

from placement.errors import InputError
from placement.pipeline.instance import PipelineInstance, Placement, Request, Route

logger = logging.getLogger(__name__)

#: Objective name -> sense (+1 minimise, -1 maximise).
OBJECTIVES: dict[str, int] = {
    "cores": 1,
    "hops": 1,
    "delay": 1,
    "energy": 1,
    "priority": -1,
    "migrations": 1,
    "cost": 1,
}

FORMULATIONS = ("layered", "arc")

_EPS = 1e-9


@dataclass
class Commodity:
    """Identical requests aggregated into one integer commodity."""

    key: int
    requests: list[Request]
    slots: list[tuple[str, str, int]]  # (slot id, step id, replica index)
    segments: list[tuple[int, str, str, float]]  # (edge index, slot a, slot b, bandwidth)
    paths: list[list[str]]  # source->sink paths of slot ids
    cand: dict[str, list[str]] = field(default_factory=dict)
    supply: dict[str, dict[str, int]] = field(default_factory=dict)  # fixed source counts

    @property
    def n(self) -> int:
        return len(self.requests)

    @property
    def request(self) -> Request:
        return self.requests[0]


def _lex_paths(g, source: str, primary: str) -> dict[str, tuple[float, float, tuple[str, ...]]]:
    """Shortest paths from ``source``: target -> (hops, delay, path).

    ``primary="hops"``: fewest hops, ties broken by delay; ``"delay"``: least delay,
    ties by hops.
    """
    import heapq

    best: dict[str, tuple[float, float]] = {source: (0.0, 0.0)}
    pred: dict[str, str | None] = {source: None}
    heap: list[tuple[tuple[float, float], str]] = [((0.0, 0.0), source)]
    done: set[str] = set()
    while heap:
        key, u = heapq.heappop(heap)
        if u in done:
            continue
        done.add(u)
        h, d = key if primary == "hops" else (key[1], key[0])
        for w, data in g[u].items():
            nh, nd = h + 1, d + data["delay_ms"]
            nk = (nh, nd) if primary == "hops" else (nd, nh)
            if w not in best or nk < (best[w] if primary == "hops" else (best[w][1], best[w][0])):
                best[w] = (nh, nd)
                pred[w] = u
                heapq.heappush(heap, (nk, w))
    out = {}
    for t, (h, d) in best.items():
        path = [t]
        while pred[path[-1]] is not None:
            path.append(pred[path[-1]])
        out[t] = (h, d, tuple(reversed(path)))
    return out


class Prep:
    """Preprocessed data shared by the builder and the extractor."""

    def __init__(
        self,
        instance: PipelineInstance,
        objective: str,
        formulation: str,
        aggregate: bool | str = "egress",
    ):
        self.instance = instance
        self.formulation = formulation
        primary = "delay" if objective == "delay" else "hops"
        self.path_primary = primary
        g = instance.graph
        self.graph = g
        # commodities
        groups: dict[Any, list[Request]] = {}
        order: list[Any] = []
        self.by_egress = aggregate == "egress"
        for r in instance.requests:
            if not aggregate or not r.is_chain or r.name in instance.previous:
                key: Any = ("single", r.name)
            elif self.by_egress and _egress_aggregable(r):
                # chains differing only in their single pinned ingress share one flow
                # towards their egress (exact: every unit reaches the same egress)
                key = ("egress", r.steps[1:], r.edges, r.max_delay_ms, r.priority)
            else:
                key = r.signature()
            if key not in groups:
                groups[key] = []
                order.append(key)
            groups[key].append(r)
        self.commodities: list[Commodity] = []
        for key in order:
            self._add_commodities(groups[key])
        # shortest paths between every pair of candidates
        sources = sorted({v for c in self.commodities for lst in c.cand.values() for v in lst})
        self.sp: dict[str, dict[str, tuple[float, float, tuple[str, ...]]]] = {
            s: _lex_paths(g, s, primary) for s in sources
        }
        self.disaggregated = 0
        self._prune_and_split()

    # ------------------------------------------------------------------
    def _make_commodity(self, reqs: list[Request]) -> Commodity:
        r = reqs[0]
        slots: list[tuple[str, str, int]] = []
        slots_of: dict[str, list[str]] = {}
        for s in r.steps:
            ids = [s.id] if s.replicas == 1 else [f"{s.id}#{i + 1}" for i in range(s.replicas)]
            slots_of[s.id] = ids
            slots += [(sid, s.id, i) for i, sid in enumerate(ids)]
        segments = []
        for k, e in enumerate(r.edges):
            for a in slots_of[e.src]:
                for b in slots_of[e.dst]:
                    segments.append((k, a, b, float(e.bandwidth_mbps)))
        # paths over slots
        succ: dict[str, list[str]] = defaultdict(list)
        indeg: dict[str, int] = defaultdict(int)
        for _, a, b, _ in segments:
            succ[a].append(b)
            indeg[b] += 1
        paths: list[list[str]] = []

        def walk(p: list[str]) -> None:
            if not succ[p[-1]]:
                paths.append(p)
            for nb in succ[p[-1]]:
                walk(p + [nb])

        for sid, _, _ in slots:
            if indeg[sid] == 0:
                walk([sid])
        c = Commodity(len(self.commodities), list(reqs), slots, segments, paths)
        c.supply = {}
        if len(reqs) > 1 and any(q.steps[0] != r.steps[0] for q in reqs):
            first = r.steps[0].id
            sup: dict[str, int] = {}
            for q in reqs:
                v = q.steps[0].nodes[0]
                sup[v] = sup.get(v, 0) + 1
            c.supply = {first: sup}
        for sid, step_id, _ in slots:
            if sid in c.supply:
                c.cand[sid] = list(c.supply[sid])
                continue
            c.cand[sid] = self.instance.candidates(r, r.step(step_id))
            if not c.cand[sid]:
                raise InputError(
                    f"step {step_id!r} has no node that can host it (capabilities, resources "
                    "or pinning)",
                    field=f"requests.{r.name}.steps.{step_id}",
                )
        return c

    def _add_commodities(self, reqs: list[Request]) -> None:
        c = self._make_commodity(reqs)
        c.key = len(self.commodities)
        self.commodities.append(c)

    def proc(self, c: Commodity, sid: str, v: str) -> float:
        step = c.request.step(c.slots[[s[0] for s in c.slots].index(sid)][1])
        if step.function is None:
            return 0.0
        return self.instance.function_map[step.function].proc(v)

    def pair(self, u: str, w: str) -> tuple[float, float, tuple[str, ...]] | None:
        return self.sp.get(u, {}).get(w)

    def _prune_and_split(self) -> None:
        """Drop hosts and host pairs that cannot meet the delay bound (necessary
        condition on every path) and disaggregate commodities whose delay may bind."""
        new: list[Commodity] = []
        for c in self.commodities:
            bound = c.request.max_delay_ms
            c.pairs = {}  # type: ignore[attr-defined]
            for k, (_, a, b, _) in enumerate(c.segments):
                c.pairs[k] = [
                    (u, w) for u in c.cand[a] for w in c.cand[b] if self.pair(u, w) is not None
                ]
            slot_pos = {s[0]: i for i, s in enumerate(c.slots)}
            if math.isfinite(bound):
                # earliest (min delay from any source) and tail (min delay to a sink)
                segs_in: dict[str, list[int]] = defaultdict(list)
                segs_out: dict[str, list[int]] = defaultdict(list)
                for k, (_, a, b, _) in enumerate(c.segments):
                    segs_out[a].append(k)
                    segs_in[b].append(k)
                order = self._topo(c)
                early: dict[str, dict[str, float]] = {}
                for s in order:
                    early[s] = {}
                    for v in c.cand[s]:
                        val = self.proc(c, s, v)
                        worst = 0.0
                        for k in segs_in[s]:
                            a = c.segments[k][1]
                            m = min(
                                (
                                    early[a][u] + self.pair(u, v)[1]
                                    for u in c.cand[a]
                                    if u in early[a] and self.pair(u, v) is not None
                                ),
                                default=math.inf,
                            )
                            worst = max(worst, m)
                        early[s][v] = val + worst
                tail: dict[str, dict[str, float]] = {}
                for s in reversed(order):
                    tail[s] = {}
                    for v in c.cand[s]:
                        worst = 0.0
                        for k in segs_out[s]:
                            b = c.segments[k][2]
                            m = min(
                                (
                                    self.pair(v, w)[1] + self.proc(c, b, w) + tail[b][w]
                                    for w in c.cand[b]
                                    if self.pair(v, w) is not None
                                ),
                                default=math.inf,
                            )
                            worst = max(worst, m)
                        tail[s][v] = worst
                for s in order:
                    c.cand[s] = [v for v in c.cand[s] if early[s][v] + tail[s][v] <= bound + _EPS]
                    if not c.cand[s]:
                        raise InputError(
                            f"no host for slot {s!r} meets max_delay_ms={bound:g}",
                            field=f"requests.{c.request.name}.max_delay_ms",
                        )
                for k, (_, a, b, _) in enumerate(c.segments):
                    ca, cb = set(c.cand[a]), set(c.cand[b])
                    c.pairs[k] = [
                        (u, w)
                        for (u, w) in c.pairs[k]
                        if u in ca
                        and w in cb
                        and early[a][u] + self.pair(u, w)[1] + self.proc(c, b, w) + tail[b][w]
                        <= bound + _EPS
                    ]
                # may the delay bind? longest path over the kept pairs
                late: dict[str, dict[str, float]] = {}
                for s in order:
                    late[s] = {}
                    for v in c.cand[s]:
                        worst = 0.0
                        for k in segs_in[s]:
                            a = c.segments[k][1]
                            worst = max(
                                [worst]
                                + [
                                    late[a][u] + self.pair(u, v)[1]
                                    for (u, w) in c.pairs[k]
                                    if w == v
                                ]
                            )
                        late[s][v] = self.proc(c, s, v) + worst
                longest = max((late[s][v] for s in order for v in c.cand[s]), default=0.0)
                c.delay_binds = longest > bound + _EPS  # type: ignore[attr-defined]
            else:
                c.delay_binds = False  # type: ignore[attr-defined]
            del slot_pos
            if c.n > 1 and (c.delay_binds or self.formulation == "arc" and math.isfinite(bound)):
                # the per-unit bound is not linear in aggregated counts: split
                self.disaggregated += 1
                for r in c.requests:
                    cand = dict(c.cand)
                    for sid in c.supply:
                        cand[sid] = [r.steps[0].nodes[0]]
                    u = Commodity(0, [r], c.slots, c.segments, c.paths, cand)
                    u.pairs = {  # type: ignore[attr-defined]
                        k: [
                            (a, b)
                            for (a, b) in lst
                            if a in set(cand[c.segments[k][1]]) and b in set(cand[c.segments[k][2]])
                        ]
                        for k, lst in c.pairs.items()
                    }
                    u.delay_binds = c.delay_binds  # type: ignore[attr-defined]
                    new.append(u)
            else:
                new.append(c)
        for k, c in enumerate(new):
            c.key = k
        self.commodities = new

    @staticmethod
    def _topo(c: Commodity) -> list[str]:
        indeg = {s[0]: 0 for s in c.slots}
        succ: dict[str, list[str]] = defaultdict(list)
        for _, a, b, _ in c.segments:
            succ[a].append(b)
            indeg[b] += 1
        ready = [s for s, d in indeg.items() if d == 0]
        out = []
        while ready:
            s = ready.pop(0)
            out.append(s)
            for b in succ[s]:
                indeg[b] -= 1
                if indeg[b] == 0:
                    ready.append(b)
        return out

    def slot_function(self, c: Commodity, sid: str) -> str | None:
        step_id = next(s[1] for s in c.slots if s[0] == sid)
        return c.request.step(step_id).function

    def slot_load(self, c: Commodity, sid: str) -> float:
        step_id = next(s[1] for s in c.slots if s[0] == sid)
        return c.request.load(step_id)


def _egress_aggregable(r: Request) -> bool:
    s0 = r.steps[0]
    return (
        s0.function is None
        and s0.nodes is not None
        and len(s0.nodes) == 1
        and r.execution == "automatic"
    )


def build_pipeline_model(
    instance: PipelineInstance,
    objective: str = "cores",
    formulation: str = "layered",
    *,
    bounds: dict[str, float] | None = None,
    epsilon: tuple[str, ...] = (),
    aggregate: bool | str = "egress",
) -> pyo.ConcreteModel:
    """Build the exact MILP of ``instance``.

    Parameters
    ----------
    instance
        The pipeline instance.
    objective
        Primary objective (a key of :data:`OBJECTIVES`); its ``weight`` is set to
        its sense, every other weight to 0 (change ``model.weight[k]`` to blend).
    formulation
        ``"layered"`` (shortest-path segments) or ``"arc"`` (arc flow).
    bounds
        ε-constraints ``objective -> value`` (``<=`` for minimised objectives,
        ``>=`` for ``priority``); the right-hand sides are the mutable
        ``model.eps[k]``.
    epsilon
        Further objectives that get a (deactivated) ε-constraint, for sweeps.
    aggregate
        ``True``: aggregate identical chain requests into integer commodities;
        ``"egress"``: also merge automatic chains that differ only in their single
        pinned ingress into one flow towards their egress (smaller model, exact for
        the same reason: every unit of the flow ends at the same egress);
        ``False``: one commodity per request.

    Returns
    -------
    pyomo.environ.ConcreteModel
        With ``model.prep`` (the preprocessed data) for :func:`extract_placement`.

    Raises
    ------
    InputError
        For an unknown objective / formulation or a step no node can host.
    """
    if objective not in OBJECTIVES:
        raise InputError(
            f"unknown objective {objective!r} (known: {sorted(OBJECTIVES)})", field="objective"
        )
    if formulation not in FORMULATIONS:
        raise InputError(
            f"unknown formulation {formulation!r} (known: {list(FORMULATIONS)})",
            field="formulation",
        )
    bounds = dict(bounds or {})
    for k in list(bounds) + list(epsilon):
        if k not in OBJECTIVES:
            raise InputError(
                f"unknown objective {k!r} (known: {sorted(OBJECTIVES)})", field="bound"
            )
    inst = instance
    prep = Prep(inst, objective, formulation, aggregate=aggregate)
    m = pyo.ConcreteModel(name=f"pipeline[{inst.name}]")
    m.prep = prep
    m.formulation = formulation
    C = prep.commodities

    # ---- instances y[v,t]
    load_at: dict[tuple[str, str], float] = defaultdict(float)
    slots_at: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for c in C:
        for sid, _, _ in c.slots:
            t = prep.slot_function(c, sid)
            if t is None:
                continue
            for v in c.cand[sid]:
                load_at[(v, t)] += c.n * prep.slot_load(c, sid)
                slots_at[(v, t)].append((c.key, sid))
    yidx = sorted(slots_at)
    ub: dict[tuple[str, str], int] = {}
    for v, t in yidx:
        f = inst.function_map[t]
        u = inst.max_fit(t, v)
        if math.isfinite(f.capacity):
            need = max(1, math.ceil(load_at[(v, t)] / f.capacity - 1e-9))
        else:
            need = 1
        ub[(v, t)] = max(0, min(u, need))
    m.Y = pyo.Set(initialize=yidx, dimen=2)
    m.y = pyo.Var(m.Y, domain=pyo.NonNegativeIntegers, bounds=lambda _, v, t: (0, ub[(v, t)]))

    # ---- admission and slot placement
    m.Q = pyo.Set(initialize=[c.key for c in C])
    auto = {c.key: c.request.execution == "automatic" for c in C}
    m.adm = pyo.Var(
        m.Q, domain=pyo.NonNegativeIntegers, bounds=lambda _, q: (C[q].n if auto[q] else 0, C[q].n)
    )
    xidx = [(c.key, sid, v) for c in C for sid, _, _ in c.slots for v in c.cand[sid]]
    m.X = pyo.Set(initialize=xidx, dimen=3)

    def xbounds(_, q, s, v):
        sup = C[q].supply.get(s)
        if sup is not None:
            return (sup[v], sup[v])
        return (0, C[q].n)

    m.x = pyo.Var(m.X, domain=pyo.NonNegativeIntegers, bounds=xbounds)
    m.place = pyo.Constraint(
        [(c.key, sid) for c in C for sid, _, _ in c.slots],
        rule=lambda _, q, s: sum(m.x[q, s, v] for v in C[q].cand[s]) == m.adm[q],
    )

    # ---- instance capacity / presence
    def cap_rule(_, v, t):
        f = inst.function_map[t]
        if not math.isfinite(f.capacity):
            return pyo.Constraint.Skip
        lhs = sum(prep.slot_load(C[q], s) * m.x[q, s, v] for q, s in slots_at[(v, t)])
        if isinstance(lhs, int | float):
            return pyo.Constraint.Skip
        return lhs <= f.capacity * m.y[v, t]

    m.capacity = pyo.Constraint(m.Y, rule=cap_rule)
    pres = []
    for v, t in yidx:
        f = inst.function_map[t]
        for q, s in slots_at[(v, t)]:
            # always: valid, and it makes the LP far tighter than capacity alone
            pres.append((q, s, v, t))
    m.presence = pyo.Constraint(
        range(len(pres)),
        rule=lambda _, k: (
            m.x[pres[k][0], pres[k][1], pres[k][2]] <= C[pres[k][0]].n * m.y[pres[k][2], pres[k][3]]
        ),
    )

    # ---- node resources, exclusivity, max instances
    ys_at_node: dict[str, list[str]] = defaultdict(list)
    for v, t in yidx:
        ys_at_node[v].append(t)
    res_rows = []
    for v, ts in ys_at_node.items():
        node = inst.node_map[v]
        for r in inst.resource_names:
            capv = node.capacity(r)
            if not math.isfinite(capv):
                continue
            terms = [(t, inst.function_map[t].demand(r, v)) for t in ts]
            terms = [(t, d) for t, d in terms if d > 0]
            if not terms or sum(d * ub[(v, t)] for t, d in terms) <= capv + _EPS:
                continue
            res_rows.append((v, r, terms, capv))
    m.resources = pyo.Constraint(
        range(len(res_rows)),
        rule=lambda _, k: (
            sum(d * m.y[res_rows[k][0], t] for t, d in res_rows[k][2]) <= res_rows[k][3]
        ),
    )
    excl_rows = []
    for v, ts in ys_at_node.items():
        for cap in inst.node_map[v].exclusive:
            users = [t for t in ts if cap in inst.function_map[t].requires]
            if len(users) > 1 or any(ub[(v, t)] > 1 for t in users):
                excl_rows.append((v, users))
    m.exclusive = pyo.Constraint(
        range(len(excl_rows)),
        rule=lambda _, k: sum(m.y[excl_rows[k][0], t] for t in excl_rows[k][1]) <= 1,
    )
    # instance count per function type: a branching handle that splits the ε-sweep's
    # "nothing lies between two points" proofs into near-integral subproblems
    types = sorted({t for _, t in yidx})
    m.N = pyo.Var(types, domain=pyo.NonNegativeIntegers)
    m.N_def = pyo.Constraint(
        types, rule=lambda _, t: m.N[t] == sum(m.y[v, tt] for v, tt in yidx if tt == t)
    )
    maxi = [f.name for f in inst.functions if f.max_instances >= 0]
    m.max_instances = pyo.Constraint(
        maxi,
        rule=lambda _, t: (
            (sum(m.y[v, tt] for v, tt in yidx if tt == t) <= inst.function_map[t].max_instances)
            if any(tt == t for _, tt in yidx)
            else pyo.Constraint.Skip
        ),
    )

    # ---- replicas anti-affine
    anti = []
    for c in C:
        groups: dict[str, list[str]] = defaultdict(list)
        for sid, step_id, _ in c.slots:
            groups[step_id].append(sid)
        for _step_id, sids in groups.items():
            if len(sids) > 1:
                nodes = sorted({v for s in sids for v in c.cand[s]})
                for v in nodes:
                    anti.append((c.key, [s for s in sids if v in c.cand[s]], v))
    m.anti_affinity = pyo.Constraint(
        range(len(anti)),
        rule=lambda _, k: (
            sum(m.x[anti[k][0], s, anti[k][2]] for s in anti[k][1]) <= m.adm[anti[k][0]]
        ),
    )

    # ---- routing
    seg_delay: dict[tuple[int, int], Any] = {}
    seg_hops: dict[tuple[int, int], Any] = {}
    if formulation == "layered":
        zidx = [
            (c.key, k, u, w) for c in C for k in range(len(c.segments)) for (u, w) in c.pairs[k]
        ]
        m.Z = pyo.Set(initialize=zidx, dimen=4)
        m.z = pyo.Var(m.Z, domain=pyo.NonNegativeIntegers, bounds=lambda _, q, k, u, w: (0, C[q].n))
        out_of: dict[tuple[int, int, str], list[str]] = defaultdict(list)
        into: dict[tuple[int, int, str], list[str]] = defaultdict(list)
        for q, k, u, w in zidx:
            out_of[(q, k, u)].append(w)
            into[(q, k, w)].append(u)
        rows_a = [
            (c.key, k, u) for c in C for k, (_, a, _, _) in enumerate(c.segments) for u in c.cand[a]
        ]
        rows_b = [
            (c.key, k, w) for c in C for k, (_, _, b, _) in enumerate(c.segments) for w in c.cand[b]
        ]
        m.seg_out = pyo.Constraint(
            rows_a,
            rule=lambda _, q, k, u: (
                sum(m.z[q, k, u, w] for w in out_of[(q, k, u)]) == m.x[q, C[q].segments[k][1], u]
            ),
        )
        m.seg_in = pyo.Constraint(
            rows_b,
            rule=lambda _, q, k, w: (
                sum(m.z[q, k, u, w] for u in into[(q, k, w)]) == m.x[q, C[q].segments[k][2], w]
            ),
        )
        for c in C:
            for k in range(len(c.segments)):
                seg_hops[(c.key, k)] = sum(
                    prep.pair(u, w)[0] * m.z[c.key, k, u, w] for (u, w) in c.pairs[k]
                )
                seg_delay[(c.key, k)] = sum(
                    prep.pair(u, w)[1] * m.z[c.key, k, u, w] for (u, w) in c.pairs[k]
                )
        # link bandwidth along the fixed paths (only where it could bind)
        total = sum(c.n * bw for c in C for (_, _, _, bw) in c.segments)
        use: dict[tuple[str, str], list[tuple[float, tuple]]] = defaultdict(list)
        tight = {
            frozenset((lk.u, lk.v)): lk.bandwidth_mbps
            for lk in inst.links
            if lk.bandwidth_mbps < total - _EPS
        }
        if tight:
            for q, k, u, w in zidx:
                bw = C[q].segments[k][3]
                if bw <= 0:
                    continue
                p = prep.pair(u, w)[2]
                for a, b in zip(p[:-1], p[1:]):
                    key = frozenset((a, b))
                    if key in tight:
                        use[tuple(sorted(key))].append((bw, (q, k, u, w)))
        brows = sorted(use)
        m.bandwidth = pyo.Constraint(
            range(len(brows)),
            rule=lambda _, i: (
                sum(bw * m.z[idx] for bw, idx in use[brows[i]]) <= tight[frozenset(brows[i])]
            ),
        )
        m.bandwidth_may_bind = bool(brows)
    else:
        arcs = [(lk.u, lk.v) for lk in inst.links] + [(lk.v, lk.u) for lk in inst.links]
        delay_of = {(lk.u, lk.v): lk.delay_ms for lk in inst.links}
        delay_of.update({(lk.v, lk.u): lk.delay_ms for lk in inst.links})
        fidx = [(c.key, k, a, b) for c in C for k in range(len(c.segments)) for (a, b) in arcs]
        m.F = pyo.Set(initialize=fidx, dimen=4)
        m.f = pyo.Var(m.F, domain=pyo.NonNegativeIntegers, bounds=lambda _, q, k, a, b: (0, C[q].n))
        outs: dict[str, list[tuple[str, str]]] = defaultdict(list)
        ins: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for a, b in arcs:
            outs[a].append((a, b))
            ins[b].append((a, b))
        rows = [(c.key, k, v) for c in C for k in range(len(c.segments)) for v in inst.node_index]

        def flow_rule(_, q, k, v):
            c = C[q]
            _, sa, sb, _ = c.segments[k]
            rhs = 0
            if v in c.cand[sa]:
                rhs = rhs + m.x[q, sa, v]
            if v in c.cand[sb]:
                rhs = rhs - m.x[q, sb, v]
            lhs = sum(m.f[q, k, a, b] for a, b in outs[v]) - sum(m.f[q, k, a, b] for a, b in ins[v])
            if isinstance(lhs, int) and isinstance(rhs, int):
                return pyo.Constraint.Skip
            return lhs == rhs

        m.flow = pyo.Constraint(rows, rule=flow_rule)
        for c in C:
            for k in range(len(c.segments)):
                seg_hops[(c.key, k)] = sum(m.f[c.key, k, a, b] for a, b in arcs)
                seg_delay[(c.key, k)] = sum(delay_of[(a, b)] * m.f[c.key, k, a, b] for a, b in arcs)
        total = sum(c.n * bw for c in C for (_, _, _, bw) in c.segments)
        blinks = [lk for lk in inst.links if lk.bandwidth_mbps < total - _EPS]
        m.bandwidth = pyo.Constraint(
            range(len(blinks)),
            rule=lambda _, i: (
                sum(
                    c.segments[k][3]
                    * (
                        m.f[c.key, k, blinks[i].u, blinks[i].v]
                        + m.f[c.key, k, blinks[i].v, blinks[i].u]
                    )
                    for c in C
                    for k in range(len(c.segments))
                    if c.segments[k][3] > 0
                )
                <= blinks[i].bandwidth_mbps
                if any(c.segments for c in C)
                else pyo.Constraint.Skip
            ),
        )
        m.bandwidth_may_bind = bool(blinks)

    # ---- delay per path
    def path_expr(c: Commodity, p: list[str]):
        segk = {(a, b): k for k, (_, a, b, _) in enumerate(c.segments)}
        e = sum(seg_delay[(c.key, segk[(a, b)])] for a, b in zip(p[:-1], p[1:]))
        e = e + sum(
            prep.proc(c, s, v) * m.x[c.key, s, v]
            for s in p
            for v in c.cand[s]
            if prep.proc(c, s, v) > 0
        )
        return e

    drows = []
    for c in C:
        bound = c.request.max_delay_ms
        if not math.isfinite(bound):
            continue
        if c.delay_binds or formulation == "arc":
            for p in c.paths:
                drows.append((c, p, bound))
    m.delay_bound = pyo.Constraint(
        range(len(drows)),
        rule=lambda _, i: path_expr(drows[i][0], drows[i][1]) <= drows[i][2] * drows[i][0].n,
    )
    # worst path delay per commodity (for the delay objective)
    multi = [c.key for c in C if len(c.paths) > 1]
    m.D = pyo.Var(multi, domain=pyo.NonNegativeReals)
    m.D_def = pyo.Constraint(
        [(q, i) for q in multi for i in range(len(C[q].paths))],
        rule=lambda _, q, i: m.D[q] >= path_expr(C[q], C[q].paths[i]),
    )

    # ---- objectives
    exprs: dict[str, Any] = {}
    exprs["cores"] = sum(inst.function_map[t].demand("cores", v) * m.y[v, t] for v, t in yidx)
    exprs["cost"] = sum(inst.function_map[t].cost_on(v) * m.y[v, t] for v, t in yidx)
    exprs["hops"] = sum(seg_hops.values())
    exprs["delay"] = sum(
        m.D[c.key] if c.key in multi else (path_expr(c, c.paths[0]) if c.paths else 0) for c in C
    )
    powered = sorted({v for v, _ in yidx if inst.node_map[v].idle_w > 0})
    m.node_on = pyo.Var(powered, domain=pyo.Binary)
    m.node_on_def = pyo.Constraint(
        [(v, t) for v, t in yidx if v in powered],
        rule=lambda _, v, t: m.y[v, t] <= max(1, ub[(v, t)]) * m.node_on[v],
    )
    exprs["energy"] = sum(inst.node_map[v].idle_w * m.node_on[v] for v in powered) + sum(
        inst.node_map[v].per_core_w * inst.function_map[t].demand("cores", v) * m.y[v, t]
        for v, t in yidx
        if inst.node_map[v].per_core_w > 0
    )
    exprs["priority"] = sum(c.request.priority * m.adm[c.key] for c in C)
    mig = 0
    for c in C:
        r = c.request
        prev = inst.previous.get(r.name) if c.n == 1 else None
        if not prev:
            continue
        for sid, step_id, _ in c.slots:
            if step_id in prev:
                mig = (
                    mig
                    + m.adm[c.key]
                    - sum(m.x[c.key, sid, v] for v in prev[step_id] if v in c.cand[sid])
                )
    exprs["migrations"] = mig
    m.exprs = exprs
    m.objective_name = objective
    m.OBJ = pyo.Set(initialize=list(OBJECTIVES))
    m.weight = pyo.Param(m.OBJ, mutable=True, initialize=lambda _, k: 0.0)
    m.weight[objective] = float(OBJECTIVES[objective])
    m.obj = pyo.Objective(
        expr=sum(
            m.weight[k] * exprs[k] for k in OBJECTIVES if not isinstance(exprs[k], int | float)
        ),
        sense=pyo.minimize,
    )
    epsk = list(dict.fromkeys(list(bounds) + list(epsilon)))
    m.EPSK = pyo.Set(initialize=epsk)
    m.eps = pyo.Param(m.EPSK, mutable=True, initialize=lambda _, k: float(bounds.get(k, 0.0)))

    def eps_rule(_, k):
        e = exprs[k]
        if isinstance(e, int | float):
            e = e + 0 * m.adm[C[0].key] if C else e
        return e <= m.eps[k] if OBJECTIVES[k] > 0 else e >= m.eps[k]

    m.eps_con = pyo.Constraint(m.EPSK, rule=eps_rule)
    for k in epsk:
        if k not in bounds:
            m.eps_con[k].deactivate()
    return m


def objective_upper_bound(model: pyo.ConcreteModel, name: str) -> float | None:
    """A finite upper bound of a nonnegative objective expression over the box of its
    integer variables (``None`` when unknown)."""
    e = model.exprs[name]
    if isinstance(e, int | float):
        return float(e)
    from pyomo.repn import generate_standard_repn

    repn = generate_standard_repn(e)
    if repn.nonlinear_vars or repn.quadratic_vars:
        return None
    total = float(repn.constant)
    for coef, var in zip(repn.linear_coefs, repn.linear_vars):
        lb, ubv = var.bounds
        if coef >= 0:
            if ubv is None:
                return None
            total += coef * ubv
        else:
            if lb is None:
                return None
            total += coef * lb
    return total


def objective_coefficients(model: pyo.ConcreteModel, name: str) -> list[float]:
    """The coefficients of objective ``name`` (for step / integrality checks)."""
    e = model.exprs[name]
    if isinstance(e, int | float):
        return []
    from pyomo.repn import generate_standard_repn

    repn = generate_standard_repn(e)
    return [float(c) for c in repn.linear_coefs]


def _val(v) -> int:
    x = v.value
    return 0 if x is None else int(round(x))


def _decompose(
    flows: dict[tuple[str, str], int], supply: dict[str, int], demand: dict[str, int]
) -> list[tuple[str, str, tuple[str, ...]]]:
    """Decompose an integer flow from ``supply`` to ``demand`` nodes into unit walks
    (cycles are dropped)."""
    flows = {a: f for a, f in flows.items() if f > 0}
    supply = dict(supply)
    demand = dict(demand)
    out: list[tuple[str, str, tuple[str, ...]]] = []
    succ: dict[str, list[str]] = defaultdict(list)
    for a, b in flows:
        succ[a].append(b)
    for s in sorted(supply):
        while supply.get(s, 0) > 0:
            path = [s]
            while demand.get(path[-1], 0) <= 0:
                u = path[-1]
                nxt = next((b for b in succ[u] if flows.get((u, b), 0) > 0), None)
                if nxt is None:
                    raise RuntimeError("flow decomposition failed (conservation violated)")
                if nxt in path:  # cycle: cancel it and continue from nxt
                    i = path.index(nxt)
                    cyc = path[i:] + [nxt]
                    for a, b in zip(cyc[:-1], cyc[1:]):
                        flows[(a, b)] -= 1
                    path = path[: i + 1]
                    continue
                path.append(nxt)
            for a, b in zip(path[:-1], path[1:]):
                flows[(a, b)] -= 1
            supply[s] -= 1
            demand[path[-1]] -= 1
            out.append((s, path[-1], tuple(path)))
    return out


def extract_placement(model: pyo.ConcreteModel) -> Placement:
    """Read the loaded variable values of a solved model into a :class:`Placement`.

    Aggregated commodities are split back into their requests; arc flows are
    decomposed into unit walks (cycles dropped).
    """
    prep: Prep = model.prep
    inst = prep.instance
    pl = Placement()
    for v, t in model.Y:
        n = _val(model.y[v, t])
        if n:
            pl.instances[(v, t)] = n
    for c in prep.commodities:
        q = c.key
        adm = _val(model.adm[q])
        if adm == 0:
            continue
        # per segment: multiset of (u, w, path)
        seg_paths: list[list[tuple[str, str, tuple[str, ...]]]] = []
        for k, (_, a, b, _) in enumerate(c.segments):
            lst: list[tuple[str, str, tuple[str, ...]]] = []
            if model.formulation == "layered":
                for u, w in c.pairs[k]:
                    n = _val(model.z[q, k, u, w])
                    lst += [(u, w, prep.pair(u, w)[2])] * n
            else:
                flows = {}
                for lk in inst.links:
                    for a2, b2 in ((lk.u, lk.v), (lk.v, lk.u)):
                        flows[(a2, b2)] = _val(model.f[q, k, a2, b2])
                supply = {v: _val(model.x[q, a, v]) for v in c.cand[a]}
                demand = {v: _val(model.x[q, b, v]) for v in c.cand[b]}
                # zero-length segments (same host) first
                same = []
                for v in list(supply):
                    kk = min(supply[v], demand.get(v, 0))
                    if kk > 0 and not any(flows.get((v, w), 0) for w in prep.graph[v]):
                        same += [(v, v, (v,))] * kk
                        supply[v] -= kk
                        demand[v] -= kk
                lst = same + _decompose(flows, supply, demand)
            seg_paths.append(lst)
        # units: assign slot hosts following segments in topological order
        order = Prep._topo(c)
        units: list[dict[str, str]] = [dict() for _ in range(adm)]
        # sources
        for s in order:
            has_in = any(b == s for _, _, b, _ in c.segments)
            if not has_in:
                hosts = [v for v in c.cand[s] for _ in range(_val(model.x[q, s, v]))]
                for i, u in enumerate(units):
                    u[s] = hosts[i]
        unit_routes: list[list[Route]] = [[] for _ in range(adm)]
        pending = {k: list(seg_paths[k]) for k in range(len(c.segments))}
        for s in order:
            for k, (eidx, a, b, _) in enumerate(c.segments):
                if a != s:
                    continue
                for i, u in enumerate(units):
                    src = u[a]
                    want = u.get(b)
                    pick = None
                    for j, (pu, pw, _) in enumerate(pending[k]):
                        if pu == src and (want is None or pw == want):
                            pick = j
                            break
                    if pick is None:
                        raise RuntimeError(f"cannot chain segment {a}->{b} of commodity {q}")
                    pu, pw, path = pending[k].pop(pick)
                    u[b] = pw
                    unit_routes[i].append(Route(eidx, pu, pw, path))
        queues: dict[Any, list[Request]] = defaultdict(list)
        for r in c.requests:
            queues[tuple(r.steps[0].nodes or ()) if c.supply else None].append(r)
        for i in range(adm):
            if c.supply:
                first = next(iter(c.supply))
                r = queues[(units[i][first],)].pop(0)
            else:
                r = queues[None].pop(0)
            steps: dict[str, list[str]] = defaultdict(list)
            for sid, step_id, _ in c.slots:
                steps[step_id].append(units[i][sid])
            pl.steps[r.name] = {s: tuple(n) for s, n in steps.items()}
            pl.routes[r.name] = unit_routes[i]
    return pl


def estimate_variables(instance: PipelineInstance, formulation: str = "layered") -> int:
    """Upper estimate of the routing variables of the model (before delay pruning and
    aggregation), to decide whether building it is reasonable."""
    total = 0
    arcs = 2 * len(instance.links)
    for r in instance.requests:
        cand = {s.id: len(instance.candidates(r, s)) * s.replicas for s in r.steps}
        for e in r.edges:
            if formulation == "layered":
                total += cand[e.src] * cand[e.dst]
            else:
                total += arcs * r.step(e.src).replicas * r.step(e.dst).replicas
        total += sum(cand.values())
    return total
