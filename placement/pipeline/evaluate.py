"""The one evaluator of pipeline placements: every constraint and every objective.

:func:`evaluate_pipeline` recomputes every objective of a
:class:`~placement.pipeline.instance.Placement` and lists every violated
constraint (resources, instance capacity, link bandwidth, per-path delay,
capabilities, pinning, replicas, exclusivity, max instances, admission of
automatic requests, route continuity). Solvers report the objective values it
returns, never their own.

Online states (:attr:`Placement.online`): requests listed ``inactive`` are not there
(placing one is a violation); an automatic request listed ``rejected`` (with the
controller's reason) is not a missing request; nothing may stand on a failed node
nor be routed through a failed node or link.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from placement.pipeline.instance import PipelineInstance
from placement.pipeline.solution import Placement
from placement.tolerances import PIPELINE_TOL as TOL

logger = logging.getLogger(__name__)

#: Relative tolerance of every capacity / bound comparison.


def _over(value: float, cap: float) -> bool:
    return math.isfinite(cap) and value > cap + TOL * max(1.0, abs(cap))


@dataclass
class PipelineEvaluation:
    """Objectives and violations of one placement.

    Attributes
    ----------
    objectives
        Objective name -> value (cores, hops, delay, energy, priority, migrations, cost).
    violations
        Human-readable violated constraints (empty = feasible).
    link_load
        ``(u, v)`` (sorted) -> Mbps routed over the link (both directions).
    node_load
        Node -> resource -> amount used.
    request_delay
        Admitted request -> worst source→sink delay (ms).
    admitted
        Names of the admitted requests.
    """

    objectives: dict[str, float]
    violations: list[str] = field(default_factory=list)
    link_load: dict[tuple[str, str], float] = field(default_factory=dict)
    node_load: dict[str, dict[str, float]] = field(default_factory=dict)
    request_delay: dict[str, float] = field(default_factory=dict)
    admitted: list[str] = field(default_factory=list)
    instance: Any = None
    placement: Any = None

    def rows(self) -> list[dict[str, Any]]:
        """One row per request: admitted, priority, worst delay and its bound, hosts."""
        out = []
        for r in self.instance.requests if self.instance is not None else ():
            hosts = self.placement.steps.get(r.name, {}) if self.placement is not None else {}
            out.append(
                {
                    "request": r.name,
                    "execution": r.execution,
                    "priority": r.priority,
                    "admitted": r.name in self.admitted,
                    "delay_ms": self.request_delay.get(r.name),
                    "max_delay_ms": r.max_delay_ms,
                    "hosts": "; ".join(f"{s}@{','.join(n)}" for s, n in hosts.items()),
                }
            )
        return out

    @property
    def feasible(self) -> bool:
        """Whether no constraint is violated."""
        return not self.violations

    @property
    def metrics(self) -> dict[str, Any]:
        """Aggregates for a :class:`~placement.result.Result`: every objective's value,
        the number of violations and of admitted requests."""
        out = {
            "objectives": dict(self.objectives),
            "violations": len(self.violations),
            "admitted": len(self.admitted),
        }
        if self.placement is not None and self.placement.online:
            out["rejected"] = len(self.placement.rejected)
            out["inactive"] = len(self.placement.inactive)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "objectives": dict(self.objectives),
            "feasible": self.feasible,
            "violations": list(self.violations),
            "admitted": len(self.admitted),
        }


def flavour_counts(
    instance: PipelineInstance, placement: Placement, node: str, function: str, n: int
) -> tuple[list[tuple[str | None, int]], list[str]]:
    """The ``(flavour, count)`` pairs of the ``n`` instances of ``function`` on ``node``
    and the violations of the flavour rules: a function whose flavour is a decision
    needs a recorded flavour for every instance; a fixed flavour cannot be changed."""
    f = instance.function_map[function]
    rec = {k: int(c) for k, c in (placement.flavours.get((node, function)) or {}).items() if c}
    viol: list[str] = []
    if f.choices:
        unknown = sorted(k for k in rec if k not in f.flavours)
        if unknown:
            viol.append(f"node {node}: unknown flavours {unknown} of {function}")
        if sum(rec.values()) != n:
            viol.append(
                f"node {node}: {n} instances of {function} need one flavour each, "
                f"{sum(rec.values())} recorded"
            )
        return [(k, c) for k, c in sorted(rec.items()) if k in f.flavours], viol
    if rec and set(rec) != {f.flavour}:
        viol.append(f"node {node}: the flavour of {function} is fixed to {f.flavour!r}")
    return [(f.flavour, n)], viol


def _online_violations(
    inst: PipelineInstance, placement: Placement, down_links: set[tuple[str, ...]]
) -> list[str]:
    """Names in the online fields of ``placement`` that the instance does not have."""
    out = []
    reqs, nodes = inst.request_map, inst.node_map
    for r in sorted(set(placement.inactive) | set(placement.rejected)):
        if r not in reqs:
            out.append(f"unknown request {r!r} listed as inactive or rejected")
    for r in sorted(set(placement.inactive) & set(placement.rejected)):
        out.append(f"request {r}: listed both inactive and rejected")
    for v in placement.failed_nodes:
        if v not in nodes:
            out.append(f"unknown failed node {v!r}")
    for u, w in sorted(down_links):
        if not inst.graph.has_edge(u, w):
            out.append(f"unknown failed link {u}-{w}")
    return out


def evaluate_pipeline(instance: PipelineInstance, placement: Placement) -> PipelineEvaluation:
    """Evaluate ``placement`` on ``instance``.

    Parameters
    ----------
    instance
        The pipeline instance.
    placement
        Instances, step hosts and routes.

    Returns
    -------
    PipelineEvaluation
        Every objective and every violation.
    """
    inst = instance
    viol: list[str] = []
    fmap, nmap = inst.function_map, inst.node_map
    g = inst.graph

    # ---- instances and node resources
    node_load: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    per_function: dict[str, int] = defaultdict(int)
    cores = cost = energy = 0.0
    cores_at: dict[str, float] = defaultdict(float)
    for (v, t), n in placement.instances.items():
        if v not in nmap or t not in fmap:
            viol.append(f"instance of unknown node/function ({v!r}, {t!r})")
            continue
        if n < 0:
            viol.append(f"negative instance count at ({v}, {t})")
            continue
        if n == 0:
            continue
        f, node = fmap[t], nmap[v]
        per_function[t] += n
        counts, fviol = flavour_counts(inst, placement, v, t, n)
        viol += fviol
        for fl, c in counts:
            for r in f.resource_names():
                node_load[v][r] += c * f.demand(r, v, fl)
            cores += c * f.demand("cores", v, fl)
            cores_at[v] += c * f.demand("cores", v, fl)
        if not f.requires <= node.capabilities:
            viol.append(
                f"node {v} lacks capabilities {sorted(f.requires - node.capabilities)} "
                f"required by {t}"
            )
        cost += n * f.cost_on(v)
    at_node: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for (vv, t), n in placement.instances.items():
        at_node[vv].append((t, n))
    for v, loads in node_load.items():
        for r, used in loads.items():
            if _over(used, nmap[v].capacity(r)):
                viol.append(f"node {v}: {r} used {used:g} > capacity {nmap[v].capacity(r):g}")
        for c in nmap[v].exclusive:
            users = sum(n for t, n in at_node[v] if t in fmap and c in fmap[t].requires)
            if users > 1:
                viol.append(f"node {v}: exclusive capability {c!r} used by {users} instances")
    for t, n in per_function.items():
        mx = fmap[t].max_instances
        if mx >= 0 and n > mx:
            viol.append(f"function {t}: {n} instances > max_instances {mx}")
    for (v, t), n in placement.instances.items():
        if n > 0 and v in placement.failed_nodes:
            viol.append(f"node {v}: failed, yet hosts {n} instance(s) of {t}")
    for v in cores_at:
        node = nmap[v]
        energy += node.idle_w + node.per_core_w * cores_at[v]

    # ---- requests
    traffic: dict[tuple[str, str], float] = defaultdict(float)
    boot_loads: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    link_load: dict[tuple[str, str], float] = defaultdict(float)
    hops = 0
    total_delay = 0.0
    priority = 0.0
    migrations = 0
    req_delay: dict[str, float] = {}
    admitted: list[str] = []
    inactive, rejected = placement.inactive, placement.rejected
    down_nodes = set(placement.failed_nodes)
    down_links = {tuple(sorted(lk)) for lk in placement.failed_links}
    if placement.online:
        viol += _online_violations(inst, placement, down_links)
    for r in inst.requests:
        hosts = placement.steps.get(r.name)
        if hosts is None:
            if r.execution == "automatic" and r.name not in inactive and r.name not in rejected:
                viol.append(f"request {r.name}: automatic request not placed")
            continue
        if r.name in inactive:
            viol.append(f"request {r.name}: inactive but placed")
        if r.name in rejected:
            viol.append(f"request {r.name}: reported rejected but placed")
        admitted.append(r.name)
        priority += r.priority
        ok = True
        for s in r.steps:
            nodes = tuple(hosts.get(s.id, ()))
            if len(nodes) != s.replicas or len(set(nodes)) != len(nodes):
                viol.append(
                    f"request {r.name}: step {s.id} needs {s.replicas} distinct hosts, "
                    f"got {list(nodes)}"
                )
                ok = False
                continue
            for v in nodes:
                if v not in nmap:
                    viol.append(f"request {r.name}: step {s.id} on unknown node {v!r}")
                    ok = False
                    continue
                if s.nodes is not None and v not in s.nodes:
                    viol.append(f"request {r.name}: step {s.id} on {v} outside its pinned nodes")
                if s.function is not None:
                    if placement.instances.get((v, s.function), 0) <= 0:
                        viol.append(
                            f"request {r.name}: step {s.id} on {v} without an instance "
                            f"of {s.function}"
                        )
                    traffic[(v, s.function)] += r.load(s.id)
                    lim = r.boot_limit(s.id)
                    if math.isfinite(lim):
                        boot_loads[(v, s.function)].append((lim, r.load(s.id)))
            prev = inst.previous.get(r.name, {}).get(s.id)
            if prev is not None:
                migrations += len(set(nodes) - set(prev))
        if not ok:
            continue
        # routes
        routes_by: dict[tuple[int, str, str], list] = defaultdict(list)
        for rt in placement.routes.get(r.name, []):
            routes_by[(rt.edge, rt.src, rt.dst)].append(rt)
        seg_delay: dict[tuple[int, str, str], float] = {}
        for k, e in enumerate(r.edges):
            for a in hosts[e.src]:
                for b in hosts[e.dst]:
                    lst = routes_by.get((k, a, b), [])
                    if len(lst) != 1:
                        viol.append(
                            f"request {r.name}: edge {k} ({e.src}->{e.dst}) needs one "
                            f"route {a}->{b}, got {len(lst)}"
                        )
                        seg_delay[(k, a, b)] = math.inf
                        continue
                    path = lst[0].path
                    if not path or path[0] != a or path[-1] != b:
                        viol.append(
                            f"request {r.name}: route of edge {k} does not join {a} and {b}"
                        )
                    d = 0.0
                    if down_nodes and any(x in down_nodes for x in path):
                        viol.append(f"request {r.name}: route of edge {k} crosses a failed node")
                    for u, w in zip(path[:-1], path[1:]):
                        if down_links and tuple(sorted((u, w))) in down_links:
                            viol.append(
                                f"request {r.name}: route of edge {k} uses failed link {u}-{w}"
                            )
                        if not g.has_edge(u, w):
                            viol.append(
                                f"request {r.name}: route of edge {k} uses missing link {u}-{w}"
                            )
                            d = math.inf
                            break
                        d += g[u][w]["delay_ms"]
                        link_load[tuple(sorted((u, w)))] += e.bandwidth_mbps
                    hops += max(0, len(path) - 1)
                    seg_delay[(k, a, b)] = d
        # worst source->sink delay (max over every path and replica combination)
        worst: dict[tuple[str, str], float] = {}
        indeg = {s.id: 0 for s in r.steps}
        for e in r.edges:
            indeg[e.dst] += 1
        order = [s.id for s in r.steps if indeg[s.id] == 0]
        rem = dict(indeg)
        i = 0
        while i < len(order):
            sid = order[i]
            i += 1
            for e in r.edges:
                if e.src == sid:
                    rem[e.dst] -= 1
                    if rem[e.dst] == 0:
                        order.append(e.dst)
        for sid in order:
            step = r.step(sid)
            for b in hosts[sid]:
                proc = fmap[step.function].proc(b) if step.function else 0.0
                best = 0.0
                for k, e in enumerate(r.edges):
                    if e.dst != sid:
                        continue
                    for a in hosts[e.src]:
                        best = max(best, worst[(e.src, a)] + seg_delay.get((k, a, b), math.inf))
                worst[(sid, b)] = proc + best
        sinks = [s.id for s in r.steps if not any(e.src == s.id for e in r.edges)]
        d = max(worst[(s, b)] for s in sinks for b in hosts[s])
        req_delay[r.name] = d
        total_delay += d
        if _over(d, r.max_delay_ms):
            viol.append(f"request {r.name}: delay {d:g} ms > max_delay_ms {r.max_delay_ms:g}")
    for (v, t), load in traffic.items():
        n = placement.instances.get((v, t), 0)
        capt = fmap[t].capacity * n if n > 0 else 0.0
        if n > 0 and _over(load, capt):
            viol.append(
                f"node {v}: function {t} serves {load:g} > {n} x capacity {fmap[t].capacity:g}"
            )
    # boot limits: the steps bounded by B are served by instances booting within B
    for (v, t), lst in boot_loads.items():
        n = placement.instances.get((v, t), 0)
        if n <= 0:
            continue
        f = fmap[t]
        counts, _ = flavour_counts(inst, placement, v, t, n)
        for lim in sorted({b for b, _ in lst}):
            need = sum(ld for b, ld in lst if b <= lim)
            have = sum(c for fl, c in counts if f.boot_ms(fl) <= lim + TOL)
            if have <= 0 or _over(need, f.capacity * have):
                viol.append(
                    f"node {v}: function {t} serves {need:g} Mbps of steps with "
                    f"max_boot_ms {lim:g} on {have} instance(s) booting within it"
                )
    for key, load in link_load.items():
        bw = g[key[0]][key[1]]["bandwidth_mbps"]
        if _over(load, bw):
            viol.append(f"link {key[0]}-{key[1]}: {load:g} Mbps > bandwidth {bw:g}")
    objectives = {
        "cores": cores,
        "hops": float(hops),
        "delay": total_delay,
        "energy": energy,
        "priority": priority,
        "migrations": float(migrations),
        "cost": cost,
    }
    return PipelineEvaluation(
        objectives=objectives,
        violations=viol,
        link_load=dict(link_load),
        node_load={v: dict(d) for v, d in node_load.items()},
        request_delay=req_delay,
        admitted=admitted,
        instance=instance,
        placement=placement,
    )
