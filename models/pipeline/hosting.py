r"""Builder block: function instances, admission, slot placement and node limits.

.. math::

   &y_{vt} \in \{0..U_{vt}\},\quad x_{qsv} \in \{0..n_q\},\quad
    \alpha_q \in \{0..n_q\}\ (\alpha_q = n_q \text{ if automatic})\\
   &\textstyle\sum_{v \in C_{qs}} x_{qsv} = \alpha_q
      && \text{every slot placed once per admitted unit}\\
   &\textstyle\sum_{(q,s): t(s)=t} \ell_{qs}\, x_{qsv} \le \kappa_t\, y_{vt},\quad
    x_{qsv} \le n_q\, y_{vt}
      && \text{instance capacity, instance presence}\\
   &\textstyle\sum_t d_{tvr}\, y_{vt} \le R_{vr}
      && \text{node resources}\\
   &\textstyle\sum_{t: c \in \mathrm{req}(t)} y_{vt} \le 1\ \ (c \in \mathrm{excl}(v)),\quad
    \sum_v y_{vt} \le M_t
      && \text{exclusivity, max instances}\\
   &\textstyle\sum_i x_{q,s\#i,v} \le \alpha_q
      && \text{replicas anti-affine}

:math:`C_{qs}` are the candidate hosts of slot :math:`s` (pinned nodes, or nodes
offering the capabilities where one instance fits); :math:`U_{vt}` is the number of
instances that fit on :math:`v`, capped by what the traffic that could come needs.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import pyomo.environ as pyo
from placement.models.pipeline.prep import _EPS, Prep


def add_hosting(m: Any, prep: Prep) -> tuple[list[tuple[str, str]], dict[tuple[str, str], int]]:
    """Add instances ``y``, admission ``adm``, placement ``x`` and their rows to ``m``.

    Returns
    -------
    (yidx, ub)
        The ``(node, function)`` index of ``y`` and each one's upper bound.
    """
    inst = prep.instance
    C = prep.commodities
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

    return yidx, ub
