"""A placement as a MIP start of the pipeline model: the value of every variable.

:func:`start_values` maps a :class:`~placement.pipeline.instance.Placement` onto the
variables of a model built by :func:`~placement.models.pipeline.build.build_pipeline_model`
(instances and their flavours, admissions, slot hosts and segment routes counted per
commodity, the node-on indicators, the per-function instance counts, the worst path
delay of multi-path commodities). It returns ``None`` when the placement uses
something the model does not have (a host or host pair it pruned, more instances than
a variable's bound): there is then no start.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyomo.environ as pyo

from placement.pipeline.solution import Placement


def start_values(model: Any, placement: Placement) -> dict[int, float] | None:
    """``{id(var): value}`` for every variable of ``model`` under ``placement``, or
    ``None`` when the placement does not fit the model (see the module docstring)."""
    m = model
    prep = m.prep
    vals: dict[int, float] = {}

    def put(var: Any, x: float) -> bool:
        lb, ub = var.bounds
        if (lb is not None and x < lb - 1e-9) or (ub is not None and x > ub + 1e-9):
            return False
        vals[id(var)] = float(x)
        return True

    for key, n in placement.instances.items():
        if n and key not in m.Y:
            return None
    for v, t in m.Y:
        if not put(m.y[v, t], placement.instances.get((v, t), 0)):
            return None
    for v, t, fl in m.YF:
        if not put(m.yf[v, t, fl], (placement.flavours.get((v, t)) or {}).get(fl, 0)):
            return None
    for t in m.N:
        vals[id(m.N[t])] = float(
            sum(placement.instances.get((v, tt), 0) for v, tt in m.Y if tt == t)
        )
    for v in m.node_on:
        on = any(placement.instances.get((v, t), 0) > 0 for vv, t in m.Y if vv == v)
        vals[id(m.node_on[v])] = 1.0 if on else 0.0
    arcs = m.formulation == "arc"
    for c in prep.commodities:
        q = c.key
        adm = 0
        xc: dict[tuple[str, str], int] = defaultdict(int)
        zc: dict[tuple[int, str, str], int] = defaultdict(int)
        fc: dict[tuple[int, str, str], int] = defaultdict(int)
        for r in c.requests:
            h = placement.steps.get(r.name)
            if h is None:
                continue
            adm += 1
            host: dict[str, str] = {}
            for sid, step_id, i in c.slots:
                nodes = h.get(step_id, ())
                if i >= len(nodes) or nodes[i] not in c.cand[sid]:
                    return None
                host[sid] = nodes[i]
                xc[(sid, nodes[i])] += 1
            routes = {(rt.edge, rt.src, rt.dst): rt.path for rt in placement.routes.get(r.name, [])}
            for k, (eidx, a, b, _bw) in enumerate(c.segments):
                u, w = host[a], host[b]
                if arcs:
                    path = routes.get((eidx, u, w))
                    if path is None:
                        return None
                    for x, y in zip(path[:-1], path[1:]):
                        fc[(k, x, y)] += 1
                else:
                    if (u, w) not in set(c.pairs[k]):
                        return None
                    zc[(k, u, w)] += 1
        if not put(m.adm[q], adm):
            return None
        for sid, _step_id, _i in c.slots:
            for v in c.cand[sid]:
                if not put(m.x[q, sid, v], xc.get((sid, v), 0)):
                    return None
        for k in range(len(c.segments)):
            if arcs:
                for lk in prep.instance.links:
                    for x, y in ((lk.u, lk.v), (lk.v, lk.u)):
                        if not put(m.f[q, k, x, y], fc.get((k, x, y), 0)):
                            return None
            else:
                for u, w in c.pairs[k]:
                    if not put(m.z[q, k, u, w], zc.get((k, u, w), 0)):
                        return None
    # the worst path delay of multi-path commodities: the largest right-hand side
    if len(m.D):
        saved = {}
        for var in m.component_data_objects(pyo.Var, descend_into=True):
            saved[id(var)] = var.value
            var.set_value(vals.get(id(var), 0.0), skip_validation=True)
        try:
            worst: dict[Any, float] = defaultdict(float)
            for (q, _i), con in m.D_def.items():
                worst[q] = max(worst[q], float(pyo.value(con.expr.args[0])))
            for q in m.D:
                vals[id(m.D[q])] = worst[q]
        finally:
            for var in m.component_data_objects(pyo.Var, descend_into=True):
                var.set_value(saved[id(var)], skip_validation=True)
    return vals
