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

Where the flavour of a function :math:`t` is a decision (several flavours listed, none
fixed), :math:`y_{vt} = \sum_\phi y_{vt\phi}` splits the instances by flavour; the
resources count :math:`\sum_\phi d_{t\phi vr} y_{vt\phi}`, and the steps bounded by a
boot time :math:`B` are served by the flavours :math:`\Phi_B` booting within it
(nested over the bounds :math:`B` present at :math:`(v, t)`):

.. math::

   \textstyle\sum_{(q,s): B_{qs} \le B} \ell_{qs} x_{qsv} \le
   \kappa_t \sum_{\phi \in \Phi_B} y_{vt\phi},\quad
   x_{qsv} \le n_q \sum_{\phi \in \Phi_{B_{qs}}} y_{vt\phi}

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
    # ---- flavour choice: instances split by flavour where the flavour is a decision
    fidx = [
        (v, t, fl)
        for v, t in yidx
        for fl in inst.function_map[t].choices
        if inst.max_fit(t, v, fl) > 0
    ]
    m.YF = pyo.Set(initialize=fidx, dimen=3)
    m.yf = pyo.Var(
        m.YF,
        domain=pyo.NonNegativeIntegers,
        bounds=lambda _, v, t, fl: (0, min(ub[(v, t)], inst.max_fit(t, v, fl))),
    )
    flav: dict[tuple[str, str], list[str]] = defaultdict(list)
    for v, t, fl in fidx:
        flav[(v, t)].append(fl)
    m.flavours_of = dict(flav)
    m.yf_split = pyo.Constraint(
        sorted(flav), rule=lambda _, v, t: m.y[v, t] == sum(m.yf[v, t, fl] for fl in flav[(v, t)])
    )

    def demand_terms(v: str, t: str, r: str) -> list[tuple[float, Any]]:
        """``(coefficient, variable)`` pairs of the demand of ``r`` by the instances of
        ``t`` on ``v`` (per flavour where the flavour is a decision)."""
        f = inst.function_map[t]
        if f.choices:
            return [(f.demand(r, v, fl), m.yf[v, t, fl]) for fl in flav.get((v, t), [])]
        return [(f.demand(r, v), m.y[v, t])]

    m.demand_terms = demand_terms

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
            terms = [(d, var) for t in ts for d, var in demand_terms(v, t, r) if d > 0]
            if not terms or sum(d * var.ub for d, var in terms) <= capv + _EPS:
                continue
            res_rows.append((v, r, terms, capv))
    m.resources = pyo.Constraint(
        range(len(res_rows)),
        rule=lambda _, k: sum(d * var for d, var in res_rows[k][2]) <= res_rows[k][3],
    )
    # ---- boot limits of the steps served by a function whose flavour is a decision
    boot_rows = []
    boot_pres = []
    for (v, t), fls in sorted(flav.items()):
        f = inst.function_map[t]
        lims: dict[float, list[tuple[int, str]]] = defaultdict(list)
        for q, s in slots_at[(v, t)]:
            lims[prep.slot_boot_limit(C[q], s)].append((q, s))
        for lim in sorted(lims):
            ok = [fl for fl in fls if f.boot_ms(fl) <= lim + _EPS]
            if len(ok) == len(fls):
                continue
            for q, s in lims[lim]:
                boot_pres.append((q, s, v, t, ok))
            if math.isfinite(f.capacity):
                served = [(q, s) for b, lst in lims.items() if b <= lim for q, s in lst]
                boot_rows.append((v, t, served, ok))
    m.boot_capacity = pyo.Constraint(
        range(len(boot_rows)),
        rule=lambda _, k: (
            sum(prep.slot_load(C[q], s) * m.x[q, s, boot_rows[k][0]] for q, s in boot_rows[k][2])
            <= inst.function_map[boot_rows[k][1]].capacity
            * sum(m.yf[boot_rows[k][0], boot_rows[k][1], fl] for fl in boot_rows[k][3])
        ),
    )
    m.boot_presence = pyo.Constraint(
        range(len(boot_pres)),
        rule=lambda _, k: (
            m.x[boot_pres[k][0], boot_pres[k][1], boot_pres[k][2]]
            <= C[boot_pres[k][0]].n
            * sum(m.yf[boot_pres[k][2], boot_pres[k][3], fl] for fl in boot_pres[k][4])
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
