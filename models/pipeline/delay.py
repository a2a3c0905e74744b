r"""Builder block: end-to-end delay bounds and the worst path delay.

For every source→sink path :math:`p` of a commodity with :math:`n_q = 1` (and of
aggregated commodities whose delay may bind — they are disaggregated first, so the
bound holds per unit):
:math:`\sum_{e \in p} \mathrm{delay}_e + \sum_{s \in p}\sum_v \pi_{tv} x_{qsv}
\le D_q`. Pairs :math:`(u, w)` that cannot meet the bound are not built. Under the
layered formulation a bound that cannot bind gets no row. ``D[q]`` is the worst path
delay of a commodity with several paths (for the ``delay`` objective).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pyomo.environ as pyo
from placement.models.pipeline.prep import Commodity, Prep


def add_delay(
    m: Any, prep: Prep, seg_delay: dict[tuple[int, int], Any], formulation: str
) -> tuple[Callable[[Commodity, list[str]], Any], list[int]]:
    """Add the delay-bound rows and ``D`` to ``m``.

    Returns
    -------
    (path_expr, multi)
        ``path_expr(commodity, path)`` -> delay expression of a path; the commodities
        with several paths (those with a ``D`` variable).
    """
    C = prep.commodities

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

    return path_expr, multi
