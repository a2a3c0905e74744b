"""Reading a solved pipeline model back into a :class:`~placement.pipeline.instance.Placement`."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyomo.environ as pyo
from placement.models.pipeline.prep import Prep

from placement.pipeline.instance import Request
from placement.pipeline.solution import Placement, Route


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
    for v, t, fl in model.YF:
        n = _val(model.yf[v, t, fl])
        if n:
            pl.flavours.setdefault((v, t), {})[fl] = n
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
