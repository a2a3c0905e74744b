r"""Builder block: the objectives, their weights and their ε-constraints.

``cores`` :math:`= \sum y_{vt} d_{tv,\mathrm{cores}}`, ``hops``, ``delay`` (Σ over
units of the worst path delay), ``energy``
:math:`= \sum_v \mathrm{idle}_v o_v + \mathrm{percore}_v \sum_t d y` with
:math:`y_{vt} \le U_{vt} o_v`, ``priority`` :math:`= \sum_q p_q \alpha_q` (maximised),
``migrations`` (slots moved from the previous placement), ``cost``
:math:`= \sum y_{vt} c_{tv}`. The model minimises :math:`\sum_k w_k f_k` with the
mutable ``weight[k]`` (the primary objective's weight is its sense, every other 0) and
bounds any objective by the mutable ``eps[k]`` (``<=`` for minimised, ``>=`` for
maximised objectives).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyomo.environ as pyo
from placement.models.pipeline.prep import Commodity, Prep

from placement.pipeline.params import OBJECTIVES


def add_objectives(
    m: Any,
    prep: Prep,
    yidx: list[tuple[str, str]],
    ub: dict[tuple[str, str], int],
    seg_hops: dict[tuple[int, int], Any],
    path_expr: Callable[[Commodity, list[str]], Any],
    multi: list[int],
    *,
    objective: str,
    bounds: dict[str, float],
    epsilon: tuple[str, ...],
) -> None:
    """Add ``exprs``, ``weight``, the objective ``obj`` and ``eps_con`` to ``m``."""
    inst = prep.instance
    C = prep.commodities
    exprs: dict[str, Any] = {}
    exprs["cores"] = sum(d * var for v, t in yidx for d, var in m.demand_terms(v, t, "cores"))
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
        inst.node_map[v].per_core_w * d * var
        for v, t in yidx
        if inst.node_map[v].per_core_w > 0
        for d, var in m.demand_terms(v, t, "cores")
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
