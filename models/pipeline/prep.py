"""Preprocessing of the pipeline model: commodities, slots, segments, candidate hosts
and shortest segment paths, shared by the builder blocks and the extractor.

Identical chain requests (same steps, edges, bound, priority, mode) are aggregated into
one integer commodity with multiplicity :math:`n_q`; with ``aggregate="egress"``
automatic chains that differ only in their single pinned ingress are merged too, with
fixed supplies. A commodity whose delay bound may bind is split back into single
requests. A step with :math:`k` replicas becomes :math:`k` slots; each request edge
becomes the segments between every slot of its two steps.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from placement.errors import InputError
from placement.pipeline.instance import PipelineInstance, Request

logger = logging.getLogger(__name__)

_EPS = 1e-9


@dataclass
class Commodity:
    """Identical requests aggregated into one integer commodity."""

    key: int
    requests: list[Request]
    slots: list[tuple[str, str, int]]  # (slot id, step id, replica index)
    segments: list[tuple[int, str, str, float]]  # (edge index, slot a, slot b, bandwidth)
    paths: list[list[str]]  # source->sink paths of slot ids
    cand: dict[str, list[str]] = field(default_factory=dict)
    supply: dict[str, dict[str, int]] = field(default_factory=dict)  # fixed source counts

    @property
    def n(self) -> int:
        return len(self.requests)

    @property
    def request(self) -> Request:
        return self.requests[0]


def _lex_paths(g, source: str, primary: str) -> dict[str, tuple[float, float, tuple[str, ...]]]:
    """Shortest paths from ``source``: target -> (hops, delay, path).

    ``primary="hops"``: fewest hops, ties broken by delay; ``"delay"``: least delay,
    ties by hops.
    """
    import heapq

    best: dict[str, tuple[float, float]] = {source: (0.0, 0.0)}
    pred: dict[str, str | None] = {source: None}
    heap: list[tuple[tuple[float, float], str]] = [((0.0, 0.0), source)]
    done: set[str] = set()
    while heap:
        key, u = heapq.heappop(heap)
        if u in done:
            continue
        done.add(u)
        h, d = key if primary == "hops" else (key[1], key[0])
        for w, data in g[u].items():
            nh, nd = h + 1, d + data["delay_ms"]
            nk = (nh, nd) if primary == "hops" else (nd, nh)
            if w not in best or nk < (best[w] if primary == "hops" else (best[w][1], best[w][0])):
                best[w] = (nh, nd)
                pred[w] = u
                heapq.heappush(heap, (nk, w))
    out = {}
    for t, (h, d) in best.items():
        path = [t]
        while pred[path[-1]] is not None:
            path.append(pred[path[-1]])
        out[t] = (h, d, tuple(reversed(path)))
    return out


class Prep:
    """Preprocessed data shared by the builder and the extractor."""

    def __init__(
        self,
        instance: PipelineInstance,
        objective: str,
        formulation: str,
        aggregate: bool | str = "egress",
    ):
        self.instance = instance
        self.formulation = formulation
        primary = "delay" if objective == "delay" else "hops"
        self.path_primary = primary
        g = instance.graph
        self.graph = g
        # commodities
        groups: dict[Any, list[Request]] = {}
        order: list[Any] = []
        self.by_egress = aggregate == "egress"
        for r in instance.requests:
            if not aggregate or not r.is_chain or r.name in instance.previous:
                key: Any = ("single", r.name)
            elif self.by_egress and _egress_aggregable(r):
                # chains differing only in their single pinned ingress share one flow
                # towards their egress (exact: every unit reaches the same egress)
                key = (
                    "egress",
                    r.steps[1:],
                    r.edges,
                    r.max_delay_ms,
                    r.priority,
                    r.max_boot_ms,
                )
            else:
                key = r.signature()
            if key not in groups:
                groups[key] = []
                order.append(key)
            groups[key].append(r)
        self.commodities: list[Commodity] = []
        for key in order:
            self._add_commodities(groups[key])
        # shortest paths between every pair of candidates
        sources = sorted({v for c in self.commodities for lst in c.cand.values() for v in lst})
        self.sp: dict[str, dict[str, tuple[float, float, tuple[str, ...]]]] = {
            s: _lex_paths(g, s, primary) for s in sources
        }
        self.disaggregated = 0
        self._prune_and_split()

    # ------------------------------------------------------------------
    def _make_commodity(self, reqs: list[Request]) -> Commodity:
        r = reqs[0]
        slots: list[tuple[str, str, int]] = []
        slots_of: dict[str, list[str]] = {}
        for s in r.steps:
            ids = [s.id] if s.replicas == 1 else [f"{s.id}#{i + 1}" for i in range(s.replicas)]
            slots_of[s.id] = ids
            slots += [(sid, s.id, i) for i, sid in enumerate(ids)]
        segments = []
        for k, e in enumerate(r.edges):
            for a in slots_of[e.src]:
                for b in slots_of[e.dst]:
                    segments.append((k, a, b, float(e.bandwidth_mbps)))
        # paths over slots
        succ: dict[str, list[str]] = defaultdict(list)
        indeg: dict[str, int] = defaultdict(int)
        for _, a, b, _ in segments:
            succ[a].append(b)
            indeg[b] += 1
        paths: list[list[str]] = []

        def walk(p: list[str]) -> None:
            if not succ[p[-1]]:
                paths.append(p)
            for nb in succ[p[-1]]:
                walk(p + [nb])

        for sid, _, _ in slots:
            if indeg[sid] == 0:
                walk([sid])
        c = Commodity(len(self.commodities), list(reqs), slots, segments, paths)
        c.supply = {}
        if len(reqs) > 1 and any(q.steps[0] != r.steps[0] for q in reqs):
            first = r.steps[0].id
            sup: dict[str, int] = {}
            for q in reqs:
                v = q.steps[0].nodes[0]
                sup[v] = sup.get(v, 0) + 1
            c.supply = {first: sup}
        for sid, step_id, _ in slots:
            if sid in c.supply:
                c.cand[sid] = list(c.supply[sid])
                continue
            c.cand[sid] = self.instance.candidates(r, r.step(step_id))
            if not c.cand[sid]:
                raise InputError(
                    f"step {step_id!r} has no node that can host it (capabilities, resources "
                    "or pinning)",
                    field=f"requests.{r.name}.steps.{step_id}",
                )
        return c

    def _add_commodities(self, reqs: list[Request]) -> None:
        try:
            c = self._make_commodity(reqs)
        except InputError:
            if reqs[0].execution == "automatic":
                raise
            # an on-demand request no node can host is simply never admitted
            logger.info("on-demand request %s cannot be hosted: left out", reqs[0].name)
            return
        c.key = len(self.commodities)
        self.commodities.append(c)

    def proc(self, c: Commodity, sid: str, v: str) -> float:
        step = c.request.step(c.slots[[s[0] for s in c.slots].index(sid)][1])
        if step.function is None:
            return 0.0
        return self.instance.function_map[step.function].proc(v)

    def pair(self, u: str, w: str) -> tuple[float, float, tuple[str, ...]] | None:
        return self.sp.get(u, {}).get(w)

    def _prune_and_split(self) -> None:
        """Drop hosts and host pairs that cannot meet the delay bound (necessary
        condition on every path) and disaggregate commodities whose delay may bind."""
        new: list[Commodity] = []
        for c in self.commodities:
            bound = c.request.max_delay_ms
            c.pairs = {}  # type: ignore[attr-defined]
            for k, (_, a, b, _) in enumerate(c.segments):
                c.pairs[k] = [
                    (u, w) for u in c.cand[a] for w in c.cand[b] if self.pair(u, w) is not None
                ]
            slot_pos = {s[0]: i for i, s in enumerate(c.slots)}
            if math.isfinite(bound):
                # earliest (min delay from any source) and tail (min delay to a sink)
                segs_in: dict[str, list[int]] = defaultdict(list)
                segs_out: dict[str, list[int]] = defaultdict(list)
                for k, (_, a, b, _) in enumerate(c.segments):
                    segs_out[a].append(k)
                    segs_in[b].append(k)
                order = self._topo(c)
                early: dict[str, dict[str, float]] = {}
                for s in order:
                    early[s] = {}
                    for v in c.cand[s]:
                        val = self.proc(c, s, v)
                        worst = 0.0
                        for k in segs_in[s]:
                            a = c.segments[k][1]
                            m = min(
                                (
                                    early[a][u] + self.pair(u, v)[1]
                                    for u in c.cand[a]
                                    if u in early[a] and self.pair(u, v) is not None
                                ),
                                default=math.inf,
                            )
                            worst = max(worst, m)
                        early[s][v] = val + worst
                tail: dict[str, dict[str, float]] = {}
                for s in reversed(order):
                    tail[s] = {}
                    for v in c.cand[s]:
                        worst = 0.0
                        for k in segs_out[s]:
                            b = c.segments[k][2]
                            m = min(
                                (
                                    self.pair(v, w)[1] + self.proc(c, b, w) + tail[b][w]
                                    for w in c.cand[b]
                                    if self.pair(v, w) is not None
                                ),
                                default=math.inf,
                            )
                            worst = max(worst, m)
                        tail[s][v] = worst
                for s in order:
                    c.cand[s] = [v for v in c.cand[s] if early[s][v] + tail[s][v] <= bound + _EPS]
                    if not c.cand[s]:
                        raise InputError(
                            f"no host for slot {s!r} meets max_delay_ms={bound:g}",
                            field=f"requests.{c.request.name}.max_delay_ms",
                        )
                for k, (_, a, b, _) in enumerate(c.segments):
                    ca, cb = set(c.cand[a]), set(c.cand[b])
                    c.pairs[k] = [
                        (u, w)
                        for (u, w) in c.pairs[k]
                        if u in ca
                        and w in cb
                        and early[a][u] + self.pair(u, w)[1] + self.proc(c, b, w) + tail[b][w]
                        <= bound + _EPS
                    ]
                # may the delay bind? longest path over the kept pairs
                late: dict[str, dict[str, float]] = {}
                for s in order:
                    late[s] = {}
                    for v in c.cand[s]:
                        worst = 0.0
                        for k in segs_in[s]:
                            a = c.segments[k][1]
                            worst = max(
                                [worst]
                                + [
                                    late[a][u] + self.pair(u, v)[1]
                                    for (u, w) in c.pairs[k]
                                    if w == v
                                ]
                            )
                        late[s][v] = self.proc(c, s, v) + worst
                longest = max((late[s][v] for s in order for v in c.cand[s]), default=0.0)
                c.delay_binds = longest > bound + _EPS  # type: ignore[attr-defined]
            else:
                c.delay_binds = False  # type: ignore[attr-defined]
            del slot_pos
            if c.n > 1 and (c.delay_binds or self.formulation == "arc" and math.isfinite(bound)):
                # the per-unit bound is not linear in aggregated counts: split
                self.disaggregated += 1
                for r in c.requests:
                    cand = dict(c.cand)
                    for sid in c.supply:
                        cand[sid] = [r.steps[0].nodes[0]]
                    u = Commodity(0, [r], c.slots, c.segments, c.paths, cand)
                    u.pairs = {  # type: ignore[attr-defined]
                        k: [
                            (a, b)
                            for (a, b) in lst
                            if a in set(cand[c.segments[k][1]]) and b in set(cand[c.segments[k][2]])
                        ]
                        for k, lst in c.pairs.items()
                    }
                    u.delay_binds = c.delay_binds  # type: ignore[attr-defined]
                    new.append(u)
            else:
                new.append(c)
        for k, c in enumerate(new):
            c.key = k
        self.commodities = new

    @staticmethod
    def _topo(c: Commodity) -> list[str]:
        indeg = {s[0]: 0 for s in c.slots}
        succ: dict[str, list[str]] = defaultdict(list)
        for _, a, b, _ in c.segments:
            succ[a].append(b)
            indeg[b] += 1
        ready = [s for s, d in indeg.items() if d == 0]
        out = []
        while ready:
            s = ready.pop(0)
            out.append(s)
            for b in succ[s]:
                indeg[b] -= 1
                if indeg[b] == 0:
                    ready.append(b)
        return out

    def slot_function(self, c: Commodity, sid: str) -> str | None:
        step_id = next(s[1] for s in c.slots if s[0] == sid)
        return c.request.step(step_id).function

    def slot_boot_limit(self, c: Commodity, sid: str) -> float:
        step_id = next(s[1] for s in c.slots if s[0] == sid)
        return c.request.boot_limit(step_id)

    def slot_load(self, c: Commodity, sid: str) -> float:
        step_id = next(s[1] for s in c.slots if s[0] == sid)
        return c.request.load(step_id)


def _egress_aggregable(r: Request) -> bool:
    s0 = r.steps[0]
    return (
        s0.function is None
        and s0.nodes is not None
        and len(s0.nodes) == 1
        and r.execution == "automatic"
    )
