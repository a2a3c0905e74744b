"""Independent feasibility checker for pipeline placements.

Written apart from :mod:`placement.pipeline.evaluate` on purpose (plain loops over
the raw instance fields, its own delay recursion by path enumeration, its own
link accounting), so that a bug in one is caught by the other. Re-exported by
:mod:`placement.testing`.
"""

from __future__ import annotations

import logging
import math

from placement.pipeline.instance import PipelineInstance
from placement.pipeline.solution import Placement
from placement.tolerances import PIPELINE_TOL as RTOL

logger = logging.getLogger(__name__)

#: Relative tolerance of every comparison.


def _exceeds(used: float, cap: float) -> bool:
    if cap == math.inf:
        return False
    return used - cap > RTOL * max(1.0, abs(cap))


def check_pipeline_solution(instance: PipelineInstance, placement: Placement) -> list[str]:
    """Re-check every constraint for ``placement``: resources, instance capacities,
    bandwidths, delay bounds, capabilities, pinning, replicas, exclusivity, max instances;
    for online states also that inactive requests are not placed, rejected ones are
    not placed, and nothing stands on or is routed over a failed node or link.

    Returns
    -------
    list of str
        One message per violation; empty when the placement is feasible.
    """
    out: list[str] = []
    nodes = {n.name: n for n in instance.nodes}
    funcs = {f.name: f for f in instance.functions}
    adj: dict[str, dict[str, tuple[float, float]]] = {n: {} for n in nodes}
    for lk in instance.links:
        adj[lk.u][lk.v] = (lk.bandwidth_mbps, lk.delay_ms)
        adj[lk.v][lk.u] = (lk.bandwidth_mbps, lk.delay_ms)

    # flavours: one recorded per instance where the flavour is a decision
    kinds: dict[tuple[str, str], list[tuple[str | None, int]]] = {}
    for (v, t), c in placement.instances.items():
        if c <= 0 or t not in funcs:
            continue
        f = funcs[t]
        rec = placement.flavours.get((v, t)) or {}
        if f.flavour is None and len(f.flavours) >= 2:
            total = 0
            kinds[(v, t)] = []
            for k, n in rec.items():
                if n <= 0:
                    continue
                if k not in f.flavours:
                    out.append(f"flavour: unknown flavour {k} of {t} on {v}")
                    continue
                total += n
                kinds[(v, t)].append((k, n))
            if total != c:
                out.append(f"flavour: {t} on {v} has {c} instances, {total} with a flavour")
        else:
            if any(n > 0 and k != f.flavour for k, n in rec.items()):
                out.append(f"flavour: {t} on {v} changes its fixed flavour")
            kinds[(v, t)] = [(f.flavour, c)]

    # node resources, capabilities, exclusivity, max instances
    for vname, node in nodes.items():
        here = [(t, c) for (v, t), c in placement.instances.items() if v == vname and c > 0]
        names = set(node.resources)
        for t, _ in here:
            names |= funcs[t].resource_names() if t in funcs else set()
        for res in sorted(names):
            used = 0.0
            for t, _c in here:
                if t in funcs:
                    for k, n in kinds.get((vname, t), []):
                        used += n * funcs[t].demand(res, vname, k)
            if _exceeds(used, node.resources.get(res, 0.0)):
                out.append(f"resources: node {vname} {res} {used} > {node.resources.get(res, 0.0)}")
        for t, _ in here:
            if t not in funcs:
                out.append(f"instances: unknown function {t} on {vname}")
            elif not set(funcs[t].requires).issubset(node.capabilities):
                out.append(f"capabilities: {t} on {vname}")
        for cap in node.exclusive:
            k = sum(c for t, c in here if t in funcs and cap in funcs[t].requires)
            if k > 1:
                out.append(f"exclusive: {cap} on {vname} used by {k} instances")
    for t, f in funcs.items():
        total = sum(c for (v, tt), c in placement.instances.items() if tt == t and c > 0)
        if f.max_instances != -1 and total > f.max_instances:
            out.append(f"max_instances: {t} has {total} > {f.max_instances}")
    for v, _t in placement.instances:
        if v not in nodes:
            out.append(f"instances: unknown node {v}")

    # online states: what is down carries nothing; inactive / rejected are not placed
    down = set(placement.failed_nodes)
    down_links = {frozenset(lk) for lk in placement.failed_links}
    for v in sorted(down):
        if v not in nodes:
            out.append(f"online: failed node {v} does not exist")
        k = sum(c for (u, _t), c in placement.instances.items() if u == v and c > 0)
        if k:
            out.append(f"online: failed node {v} hosts {k} instances")
    for lk in down_links:
        a, b = sorted(lk)
        if b not in adj.get(a, {}):
            out.append(f"online: failed link {a}-{b} does not exist")
    for name in sorted(placement.inactive):
        if name in placement.steps:
            out.append(f"online: inactive request {name} is placed")
    for name in sorted(placement.rejected):
        if name in placement.steps:
            out.append(f"online: rejected request {name} is placed")
    known = {r.name for r in instance.requests}
    for name in sorted((set(placement.inactive) | set(placement.rejected)) - known):
        out.append(f"online: unknown request {name}")
    for name, rts in placement.routes.items():
        for rt in rts:
            p = list(rt.path)
            if any(x in down for x in p):
                out.append(f"online: {name} edge {rt.edge} routed through a failed node")
            for i in range(len(p) - 1):
                if frozenset((p[i], p[i + 1])) in down_links:
                    out.append(f"online: {name} edge {rt.edge} uses failed link {p[i]}-{p[i + 1]}")

    served: dict[tuple[str, str], float] = {}
    bounded: dict[tuple[str, str], list[tuple[float, float]]] = {}
    carried: dict[frozenset[str], float] = {}
    for req in instance.requests:
        hosts = placement.steps.get(req.name)
        if hosts is None:
            excused = req.name in placement.inactive or req.name in placement.rejected
            if req.execution == "automatic" and not excused:
                out.append(f"admission: automatic request {req.name} missing")
            continue
        bad = False
        for st in req.steps:
            where = list(hosts.get(st.id, []))
            if len(where) != st.replicas:
                out.append(
                    f"replicas: {req.name}.{st.id} has {len(where)} hosts, wants {st.replicas}"
                )
                bad = True
                continue
            if len(set(where)) < len(where):
                out.append(f"anti-affinity: {req.name}.{st.id} replicas share a node")
            for v in where:
                if v not in nodes:
                    out.append(f"pinning: {req.name}.{st.id} on unknown node {v}")
                    bad = True
                    continue
                if st.nodes is not None and v not in st.nodes:
                    out.append(f"pinning: {req.name}.{st.id} on {v}")
                if st.function is not None:
                    if placement.instances.get((v, st.function), 0) < 1:
                        out.append(f"instance: {req.name}.{st.id} on {v} has no {st.function}")
                    # traffic processed by the step
                    if st.load is not None:
                        ld = st.load
                    else:
                        ins = [e.bandwidth_mbps for e in req.edges if e.dst == st.id]
                        outs = [e.bandwidth_mbps for e in req.edges if e.src == st.id]
                        ld = sum(ins) if ins else sum(outs)
                    served[(v, st.function)] = served.get((v, st.function), 0.0) + ld
                    lim = req.max_boot_ms
                    if st.max_boot_ms is not None and st.max_boot_ms < lim:
                        lim = st.max_boot_ms
                    if lim != math.inf:
                        bounded.setdefault((v, st.function), []).append((lim, ld))
        if bad:
            continue
        # routes: one per edge and replica pair, continuous, over existing links
        seg: dict[tuple[int, str, str], float] = {}
        given: dict[tuple[int, str, str], int] = {}
        for rt in placement.routes.get(req.name, []):
            given[(rt.edge, rt.src, rt.dst)] = given.get((rt.edge, rt.src, rt.dst), 0) + 1
            if rt.edge < 0 or rt.edge >= len(req.edges):
                out.append(f"routing: {req.name} route for unknown edge {rt.edge}")
                continue
            bw = req.edges[rt.edge].bandwidth_mbps
            p = list(rt.path)
            if not p or p[0] != rt.src or p[-1] != rt.dst:
                out.append(f"routing: {req.name} edge {rt.edge} path does not join its ends")
            d = 0.0
            for i in range(len(p) - 1):
                a, b = p[i], p[i + 1]
                if b not in adj.get(a, {}):
                    out.append(f"routing: {req.name} edge {rt.edge} uses missing link {a}-{b}")
                    d = math.inf
                    continue
                d += adj[a][b][1]
                key = frozenset((a, b))
                carried[key] = carried.get(key, 0.0) + bw
            seg[(rt.edge, rt.src, rt.dst)] = d
        for i, e in enumerate(req.edges):
            for a in hosts[e.src]:
                for b in hosts[e.dst]:
                    if given.get((i, a, b), 0) != 1:
                        out.append(
                            f"routing: {req.name} edge {i} {a}->{b} has "
                            f"{given.get((i, a, b), 0)} routes"
                        )
        # delay on every source -> sink path, enumerated explicitly with replicas
        if math.isfinite(req.max_delay_ms):
            starts = [s.id for s in req.steps if all(e.dst != s.id for e in req.edges)]
            stack = [
                (s, v, (funcs[req.step(s).function].proc(v) if req.step(s).function else 0.0))
                for s in starts
                for v in hosts[s]
            ]
            while stack:
                sid, v, d = stack.pop()
                nxt = [(i, e) for i, e in enumerate(req.edges) if e.src == sid]
                if not nxt:
                    if _exceeds(d, req.max_delay_ms):
                        out.append(
                            f"delay: {req.name} path ending at {sid}@{v} takes {d} > "
                            f"{req.max_delay_ms}"
                        )
                    continue
                for i, e in nxt:
                    for w in hosts[e.dst]:
                        st = req.step(e.dst)
                        pr = funcs[st.function].proc(w) if st.function else 0.0
                        stack.append((e.dst, w, d + seg.get((i, v, w), math.inf) + pr))
    for (v, t), load in served.items():
        c = placement.instances.get((v, t), 0)
        if c > 0 and _exceeds(load, c * funcs[t].capacity):
            out.append(f"capacity: {t} on {v} serves {load} > {c} x {funcs[t].capacity}")
    for (v, t), lst in bounded.items():
        f = funcs[t]
        for lim, _ in lst:
            need = sum(ld for b2, ld in lst if b2 <= lim)
            ok = 0
            for k, n in kinds.get((v, t), []):
                boot = f.flavours[k].boot_ms if k is not None else 0.0
                if boot <= lim * (1 + RTOL) + RTOL:
                    ok += n
            if ok < 1 or _exceeds(need, ok * f.capacity):
                out.append(f"boot: {t} on {v} has {ok} instances within {lim} ms for {need}")
    for key, load in carried.items():
        a, b = sorted(key)
        if _exceeds(load, adj[a][b][0]):
            out.append(f"bandwidth: link {a}-{b} carries {load} > {adj[a][b][0]}")
    return out


def assert_pipeline_feasible(instance: PipelineInstance, placement: Placement) -> None:
    """Raise ``AssertionError`` listing the violations when ``placement`` is infeasible."""
    v = check_pipeline_solution(instance, placement)
    if v:
        raise AssertionError(f"{len(v)} violations, first: " + "; ".join(v[:5]))
