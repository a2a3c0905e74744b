"""MT and 2PMT for pipelines: the substrate split into regions, one thread per region.

:func:`regions` partitions the nodes into ``k`` connected-ish regions (``split``):
``community`` — networkx greedy modularity communities, merged largest-first into the
``k`` lightest regions; ``bfs`` — ``k`` far-apart seeds (farthest-first by hop
distance) grown by multi-source BFS; ``geo`` — node coordinates cut into ``k``
longitude slabs of equal size (BFS for a graph without coordinates). A request belongs
to the region holding most of its pinned nodes (ties: the lowest region; a request
without pinned nodes is dealt round-robin); it can run in its region when every pinned
step keeps a node there.

Each region is a sub-instance (its nodes, the links inside it, its requests with the
pinned nodes cut to the region) solved by the greedy and the local search
(:func:`placement.heuristics.pipeline.ls.optimise`) in its own thread (region 0 in the
calling thread; the Numba kernels release the GIL); region ``s`` draws from child
``s`` of ``SeedSequence(seed).spawn(k)``. The region placements are then laid on one
state of the whole instance (hosts kept, every constraint checked again, routes on
the whole graph). **MT** stops there; **2PMT** adds a central pass: every request the
regions did not place (or that belonged to no region) is placed by the greedy with
repair on the whole substrate.

Statistics: ``threads``, ``split``, ``region_nodes``, ``region_requests``,
``region_times_s`` (wall time of each region, measured in its thread),
``region_cpu_s``, ``partition_s``, ``phase1_s`` (the parallel phase), ``merge_s``,
``phase2_s`` (2PMT), ``jit_compile_s``.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import networkx as nx
import numpy as np
from placement.heuristics.pipeline.greedy import (
    construct,
    ensure_compiled,
    objective_of,
    request_order,
)
from placement.heuristics.pipeline.ls import optimise
from placement.heuristics.pipeline.state import PipelineState, arrays_of

from placement.pipeline.instance import PipelineInstance
from placement.pipeline.params import PipelineMTParams
from placement.pipeline.solution import Placement
from placement.result import RawSolution, Status, Termination

logger = logging.getLogger(__name__)

_PARTS: dict[tuple[int, str, int], tuple[Any, list[list[str]]]] = {}


def _balanced_merge(groups: list[list[str]], k: int) -> list[list[str]]:
    out: list[list[str]] = [[] for _ in range(k)]
    for g in sorted(groups, key=len, reverse=True):
        min(out, key=len).extend(g)
    return [sorted(r) for r in out]


def _bfs_regions(g: nx.Graph, k: int) -> list[list[str]]:
    nodes = sorted(g.nodes)
    seeds = [nodes[0]]
    dist = {n: float("inf") for n in nodes}
    while len(seeds) < k:
        d = nx.single_source_shortest_path_length(g, seeds[-1])
        for n in nodes:
            dist[n] = min(dist[n], d.get(n, float("inf")))
        far = max(nodes, key=lambda n: (dist[n] if dist[n] < float("inf") else 1e18, n))
        if far in seeds:
            break
        seeds.append(far)
    owner: dict[str, int] = {}
    frontier = [(s, i) for i, s in enumerate(seeds)]
    for s, i in frontier:
        owner[s] = i
    while frontier:
        nxt = []
        for u, i in frontier:
            for w in sorted(g[u]):
                if w not in owner:
                    owner[w] = i
                    nxt.append((w, i))
        frontier = nxt
    rest = [n for n in nodes if n not in owner]
    for j, n in enumerate(rest):
        owner[n] = j % len(seeds)
    out: list[list[str]] = [[] for _ in range(len(seeds))]
    for n, i in owner.items():
        out[i].append(n)
    return [sorted(r) for r in out if r]


def regions(instance: PipelineInstance, k: int, split: str = "community") -> list[list[str]]:
    """The ``k`` regions (node names) of the substrate (cached per instance)."""
    key = (id(instance), split, k)
    got = _PARTS.get(key)
    if got is not None and got[0] is instance:
        return got[1]
    g = instance.graph
    if k <= 1:
        parts = [sorted(g.nodes)]
    elif split == "community":
        comms = [sorted(c) for c in nx.community.greedy_modularity_communities(g)]
        parts = _balanced_merge(comms, k) if len(comms) >= k else _bfs_regions(g, k)
    elif split == "geo" and all(n.coords is not None for n in instance.nodes):
        order = sorted(instance.nodes, key=lambda n: (n.coords[1], n.coords[0], n.name))
        parts = [sorted(n.name for n in part) for part in np.array_split(order, k)]
    else:
        parts = _bfs_regions(g, k)
    parts = [p for p in parts if p]
    if len(_PARTS) > 8:
        _PARTS.clear()
    _PARTS[key] = (instance, parts)
    return parts


def assign_requests(instance: PipelineInstance, parts: list[list[str]]) -> list[list[int]]:
    """Request indices per region (see the module docstring); a request that cannot run
    inside its region is left out of every region."""
    owner = {n: i for i, p in enumerate(parts) for n in p}
    out: list[list[int]] = [[] for _ in parts]
    rr = 0
    for q, r in enumerate(instance.requests):
        votes = Counter(owner[v] for s in r.steps for v in (s.nodes or ()))
        if votes:
            best = max(votes.values())
            reg = min(i for i, c in votes.items() if c == best)
        else:
            reg = rr % len(parts)
            rr += 1
        inside = set(parts[reg])
        ok = all(s.nodes is None or len(set(s.nodes) & inside) >= s.replicas for s in r.steps)
        if ok:
            out[reg].append(q)
    return out


def sub_instance(instance: PipelineInstance, nodes: list[str], reqs: list[int]) -> PipelineInstance:
    """The region instance: its nodes, the links inside, its requests (pinned nodes cut
    to the region), the functions' node overrides cut to the region."""
    keep = set(nodes)
    funcs = []
    for f in instance.functions:
        if f.overrides and not set(f.overrides) <= keep:
            f = dataclasses.replace(
                f, overrides={v: o for v, o in f.overrides.items() if v in keep}
            )
        funcs.append(f)
    rs = []
    for q in reqs:
        r = instance.requests[q]
        steps = tuple(
            s
            if s.nodes is None or set(s.nodes) <= keep
            else dataclasses.replace(s, nodes=tuple(v for v in s.nodes if v in keep))
            for s in r.steps
        )
        rs.append(r if steps == r.steps else dataclasses.replace(r, steps=steps))
    return PipelineInstance(
        name=f"{instance.name}[region]",
        nodes=tuple(n for n in instance.nodes if n.name in keep),
        links=tuple(lk for lk in instance.links if lk.u in keep and lk.v in keep),
        functions=tuple(funcs),
        requests=tuple(rs),
        previous={r.name: instance.previous[r.name] for r in rs if r.name in instance.previous},
        meta=dict(instance.meta),
    )


def _solve_region(sub: PipelineInstance, params: PipelineMTParams, objective: str, seed: int):
    t0 = time.perf_counter()
    c0 = time.thread_time()
    st = PipelineState(sub, objective, params.bounds, alpha=params.alpha, beta=params.beta)
    construct(st, request_order(sub), seed)
    if sub.requests:
        optimise(st, time_limit=params.time_limit, iterations=params.iterations, seed=seed)
    pl = st.placement()
    return pl, time.perf_counter() - t0, time.thread_time() - c0


def _run(
    instance: PipelineInstance, params: PipelineMTParams, seed: int, central: bool
) -> RawSolution:
    jit = ensure_compiled()
    objective = objective_of(instance, params)
    t0 = time.perf_counter()
    k = params.threads
    parts = regions(instance, k, params.split)
    t1 = time.perf_counter()
    per = assign_requests(instance, parts)
    subs = [sub_instance(instance, p, r) for p, r in zip(parts, per)]
    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(len(subs))]
    t2 = time.perf_counter()
    if len(subs) > 1:
        with ThreadPoolExecutor(max_workers=len(subs) - 1) as pool:
            futs = [
                pool.submit(_solve_region, subs[i], params, objective, seeds[i])
                for i in range(1, len(subs))
            ]
            first = _solve_region(subs[0], params, objective, seeds[0])
            outs = [first] + [f.result() for f in futs]
    else:
        outs = [_solve_region(subs[0], params, objective, seeds[0])]
    t3 = time.perf_counter()
    st = PipelineState(
        arrays_of(instance), objective, params.bounds, alpha=params.alpha, beta=params.beta
    )
    merged: dict[str, dict[str, tuple[str, ...]]] = {}
    for pl, _, _ in outs:
        merged.update(pl.steps)
    prio = request_order(instance)
    lost = []
    for name in prio:
        h = merged.get(name)
        if h is not None and not st.place_fixed(name, h):
            lost.append(name)
    t4 = time.perf_counter()
    A = st.A
    rejected: dict[str, str] = {}
    if central:
        # what no region held, what the merge lost, and automatic requests still out
        in_region = {instance.requests[q].name for r in per for q in r}
        todo = [
            n
            for n in prio
            if not st.is_placed(n)
            and (n not in in_region or n in lost or A.plan(A.req_index[n]).automatic)
        ]
        rejected = construct(st, todo, seed)
        rejected.update(
            {n: "dropped in its region" for n in prio if not st.is_placed(n) and n not in rejected}
        )
    else:
        rejected = {n: "not placed in its region" for n in prio if not st.is_placed(n)}
    t5 = time.perf_counter()
    stats = {
        "threads": k,
        "split": params.split,
        "regions": len(parts),
        "region_nodes": [len(p) for p in parts],
        "region_requests": [len(r) for r in per],
        "region_times_s": [o[1] for o in outs],
        "region_cpu_s": [o[2] for o in outs],
        "partition_s": t1 - t0,
        "subinstances_s": t2 - t1,
        "phase1_s": t3 - t2,
        "merge_s": t4 - t3,
        "merge_lost": lost,
        "phase2_s": t5 - t4 if central else 0.0,
        "rejected": rejected,
        "automatic_rejected": [n for n in rejected if A.plan(A.req_index[n]).automatic],
        "admitted": len(st.recs),
        "jit_compile_s": jit,
    }
    return RawSolution(
        st.placement() if st.recs or not instance.requests else Placement(),
        status=Status.HEURISTIC,
        termination=Termination.COMPLETED,
        runtime=t5 - t0,
        statistics=stats,
        objective_name=objective,
    )


def solve_mt(instance: PipelineInstance, params: PipelineMTParams, *, seed: int = 0) -> RawSolution:
    """MT: regions solved in parallel threads, placements merged (module docstring)."""
    return _run(instance, params, seed, central=False)


def solve_2pmt(
    instance: PipelineInstance, params: PipelineMTParams, *, seed: int = 0
) -> RawSolution:
    """2PMT: MT, then a central greedy pass for what the regions did not place."""
    return _run(instance, params, seed, central=True)
