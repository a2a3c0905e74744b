r"""Builder block: routing of every segment, in one of two formulations.

**Layered** (``formulation="layered"``): for a segment :math:`e = (a, b)`,
:math:`z_{qeuw} \in \{0..n_q\}` units go from host :math:`u` of :math:`a` to host
:math:`w` of :math:`b` along a fixed shortest path :math:`P_{uw}` (hop-shortest, ties
by delay; delay-shortest for the ``delay`` objective) with :math:`h_{uw}` hops and delay
:math:`\delta_{uw}`:

.. math::

   \textstyle\sum_w z_{qeuw} = x_{qau},\quad \sum_u z_{qeuw} = x_{qbw},\quad
   \sum_{(q,e,u,w): l \in P_{uw}} \beta_e z_{qeuw} \le B_l,\quad
   \mathrm{hops} = \textstyle\sum h_{uw} z_{qeuw}

Exact whenever link bandwidth does not bind (the bandwidth rows are built only for
links whose capacity is below the total traffic).

**Arc flow** (``formulation="arc"``): :math:`f_{qea} \in \{0..n_q\}` on both
directions :math:`a` of every link,

.. math::

   \textstyle\sum_{a \in \delta^+(v)} f_{qea} - \sum_{a \in \delta^-(v)} f_{qea}
     = x_{qav} - x_{qbv},\quad
   \sum_{q,e} \beta_e (f_{q,e,(u,w)} + f_{q,e,(w,u)}) \le B_{uw},\quad
   \mathrm{hops} = \textstyle\sum f_{qea}
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyomo.environ as pyo
from placement.models.pipeline.prep import _EPS, Prep


def add_routing(
    m: Any, prep: Prep, formulation: str
) -> tuple[dict[tuple[int, int], Any], dict[tuple[int, int], Any]]:
    """Add the routing variables and rows of ``formulation`` to ``m``.

    Returns
    -------
    (seg_hops, seg_delay)
        Per ``(commodity, segment)`` the expressions of its hop count and its delay.
    """
    inst = prep.instance
    C = prep.commodities
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

    return seg_hops, seg_delay
