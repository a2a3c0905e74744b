"""The pipeline local search: improvement over any start, for any objective, with the
other objectives as ε-bounds.

``solve_ls`` (registered as ``ls``) starts from the greedy (or a given placement) and
repeats seeded random moves on a :class:`~placement.heuristics.pipeline.state.PipelineState`,
each undone exactly (array snapshot) unless the placement is no worse under the
lexicographic key *(automatic requests unplaced, ε-bound excess, objective)*:

* **step move** — take one request out and place it again with every step but one
  kept where it was (the freed step goes to its best feasible host, its routes redone);
* **request move** — take one request out and place it again from scratch (re-routes
  every edge);
* **close** — close the instances of one function on one node and move every step
  they served elsewhere (merging instances; a step that needs a new instance opens it
  at its best node: the instance moves);
* **swap** — two requests exchange the hosts of one step of the same function;
* **admit / drop** — place a request that is out (on-demand, or an automatic one that
  did not fit), or take an on-demand one out.

Feasibility is exact after every move (the state checks every constraint). The search
stops on :class:`~placement.stop.MaxRuntime` (``time_limit``, default 10 s) or
:class:`~placement.stop.NoImprovement` (``iterations`` moves without a strict
improvement). Instances of independent one-step requests (OR-Library GAP files) go to
the GAP search of :mod:`placement.heuristics.pipeline.gap` (LP rounding, tabu shift and
swap, LP bound).

:func:`pareto_ls` sweeps a front over two objectives with the same search: minimise
``y``, then repeatedly require ``x <= x* − step`` and search again from the last point.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

import numpy as np
from placement.heuristics.pipeline import chains
from placement.heuristics.pipeline import gap as gapmod
from placement.heuristics.pipeline.greedy import (
    construct,
    ensure_compiled,
    objective_of,
    repair,
    request_order,
)
from placement.heuristics.pipeline.state import PipelineState, arrays_of

from placement.pipeline.instance import PipelineInstance
from placement.pipeline.params import OBJECTIVES, LSParams
from placement.pipeline.solution import Placement
from placement.result import RawSolution, Status, Termination
from placement.stop import MaxRuntime, MultipleCriteria, NoImprovement

logger = logging.getLogger(__name__)

#: Default seconds of improvement.
DEFAULT_TIME = 10.0
#: Relative weights of the moves.
MOVES = {
    "step": 5,
    "request": 2,
    "close": 2,
    "relocate": 3,
    "exchange": 2,
    "swap": 2,
    "admit": 1,
    "drop": 1,
}


def key(st: PipelineState) -> tuple[int, float, float]:
    """The lexicographic key the search minimises."""
    A = st.A
    unplaced = sum(
        1 for q in range(len(st.inst.requests)) if q not in st.recs and A.plan(q).automatic
    )
    return (unplaced, round(st.bound_excess(), 9), st.value())


def _better(a: tuple, b: tuple, strict: bool) -> bool:
    """Whether key ``a`` is better than (``strict``) or as good as ``b``."""
    if a[0] != b[0]:
        return a[0] < b[0]
    if abs(a[1] - b[1]) > 1e-9:
        return a[1] < b[1]
    tol = 1e-9 * max(1.0, abs(b[2]))
    return a[2] < b[2] - tol if strict else a[2] <= b[2] + tol


class Search:
    """The move loop over one state (see the module docstring)."""

    def __init__(self, st: PipelineState, seed: int) -> None:
        self.st = st
        self.rng = np.random.default_rng(seed)
        self.names = [r.name for r in st.inst.requests]
        self.stats = {m: [0, 0] for m in MOVES}  # tried, accepted
        w = np.array(list(MOVES.values()), dtype=float)
        self.moves = list(MOVES)
        self.p = w / w.sum()
        #: moves without improvement before a kick (a perturbation of the best)
        self.kick_after = max(30, 2 * len(self.names))

    # ------------------------------------------------------------------ moves
    def _placed(self) -> list[int]:
        return list(self.st.recs)

    def _func_steps(self, q: int) -> list[int]:
        p = self.st.A.plan(q)
        return [i for i, s in enumerate(p.steps) if s.t >= 0 and s.cands.size > 1]

    def move_step(self) -> bool:
        st = self.st
        placed = self._placed()
        if not placed:
            return False
        q = placed[int(self.rng.integers(len(placed)))]
        steps = self._func_steps(q)
        if not steps:
            return False
        i = steps[int(self.rng.integers(len(steps)))]
        name = st.inst.requests[q].name
        p = st.A.plan(q)
        hosts = st.hosts(name)
        prefer = {s.sid: hosts[s.sid] for k, s in enumerate(p.steps) if k != i}
        st.remove(name)
        return st.place(name, prefer=prefer).placed

    def move_request(self) -> bool:
        st = self.st
        placed = self._placed()
        if not placed:
            return False
        q = placed[int(self.rng.integers(len(placed)))]
        name = st.inst.requests[q].name
        st.remove(name)
        return st.place(name).placed

    def move_close(self) -> bool:
        st = self.st
        nz = np.nonzero(st.tload > 0)
        if nz[0].size == 0:
            return False
        k = int(self.rng.integers(nz[0].size))
        v, t = int(nz[0][k]), int(nz[1][k])
        users = self._users(v, t)
        return self._replace(users, {q: st.hosts(st.inst.requests[q].name) for q in users}, v, t)

    def _replace(self, users: list[int], prefer: dict, v: int, t: int) -> bool:
        """Remove ``users`` and place them again (automatic and high priority first)
        with function ``t`` banned from node ``v``, preferring the hosts ``prefer``;
        ``False`` when an automatic request could not be placed again."""
        st, A = self.st, self.st.A
        for q in users:
            st.remove(st.inst.requests[q].name)
        st.ban.add((v, t))
        try:
            order = sorted(users, key=lambda q: (not A.plan(q).automatic, -A.plan(q).priority))
            for q in order:
                name = st.inst.requests[q].name
                if not st.place(name, prefer=prefer[q]).placed and A.plan(q).automatic:
                    return False
        finally:
            st.ban.discard((v, t))
        return True

    def move_relocate(self) -> bool:
        st = self.st
        A = st.A
        nz = np.nonzero(st.tload > 0)
        if nz[0].size == 0:
            return False
        k = int(self.rng.integers(nz[0].size))
        v, t = int(nz[0][k]), int(nz[1][k])
        targets = np.nonzero(A.fit_static(t, int(A.var_ptr[t + 1] - A.var_ptr[t])))[0]
        targets = targets[(targets != v) & st.node_up[targets]]
        if targets.size == 0:
            return False
        w = A.node_names[int(targets[int(self.rng.integers(targets.size))])]
        vn = A.node_names[v]
        users = self._users(v, t)
        prefer = {}
        for q in users:
            h = st.hosts(st.inst.requests[q].name)
            p = A.plan(q)
            for s in p.steps:
                if s.t == t and vn in h[s.sid]:
                    h[s.sid] = tuple(w if x == vn else x for x in h[s.sid])
            prefer[q] = h
        return self._replace(users, prefer, v, t)

    def _users(self, v: int, t: int) -> list[int]:
        return [
            q for q, rec in self.st.recs.items() if any(s[0] == v and s[1] == t for s in rec.slots)
        ]

    def move_exchange(self) -> bool:
        """Two nodes hosting instances of different functions exchange them."""
        st = self.st
        A = st.A
        nz = np.nonzero(st.tload > 0)
        if nz[0].size < 2:
            return False
        i, j = self.rng.choice(nz[0].size, size=2, replace=False)
        v1, t1 = int(nz[0][i]), int(nz[1][i])
        v2, t2 = int(nz[0][j]), int(nz[1][j])
        if v1 == v2 or t1 == t2:
            return False
        n1, n2 = A.node_names[v1], A.node_names[v2]
        moves = {(v1, t1): n2, (v2, t2): n1}
        users = sorted(set(self._users(v1, t1)) | set(self._users(v2, t2)))
        prefer = {}
        for q in users:
            h = st.hosts(st.inst.requests[q].name)
            for s in A.plan(q).steps:
                if s.t < 0:
                    continue
                h[s.sid] = tuple(moves.get((A.nidx[x], s.t), x) for x in h[s.sid])
            prefer[q] = h
        for q in users:
            st.remove(st.inst.requests[q].name)
        st.ban.update({(v1, t1), (v2, t2)})
        try:
            order = sorted(users, key=lambda q: (not A.plan(q).automatic, -A.plan(q).priority))
            for q in order:
                if not st.place(st.inst.requests[q].name, prefer=prefer[q]).placed:
                    if A.plan(q).automatic:
                        return False
        finally:
            st.ban.difference_update({(v1, t1), (v2, t2)})
        return True

    def move_swap(self) -> bool:
        st = self.st
        placed = self._placed()
        if len(placed) < 2:
            return False
        q1 = placed[int(self.rng.integers(len(placed)))]
        steps = self._func_steps(q1)
        if not steps:
            return False
        i1 = steps[int(self.rng.integers(len(steps)))]
        A = st.A
        t = A.plan(q1).steps[i1].t
        v1 = st.recs[q1].hosts[i1]
        others = [
            (q, i)
            for q in placed
            if q != q1
            for i, s in enumerate(A.plan(q).steps)
            if s.t == t
            and st.recs[q].hosts[i] != v1
            and s.replicas == A.plan(q1).steps[i1].replicas
        ]
        if not others:
            return False
        q2, i2 = others[int(self.rng.integers(len(others)))]
        n1, n2 = st.inst.requests[q1].name, st.inst.requests[q2].name
        h1, h2 = st.hosts(n1), st.hosts(n2)
        s1, s2 = A.plan(q1).steps[i1].sid, A.plan(q2).steps[i2].sid
        p1 = dict(h1)
        p2 = dict(h2)
        p1[s1], p2[s2] = h2[s2], h1[s1]
        st.remove(n1)
        st.remove(n2)
        a = st.place(n1, prefer=p1).placed
        b = st.place(n2, prefer=p2).placed
        return a and b

    def move_admit(self) -> bool:
        st = self.st
        out = [q for q in range(len(self.names)) if q not in st.recs]
        if not out:
            return False
        q = out[int(self.rng.integers(len(out)))]
        name = self.names[q]
        if st.place(name).placed:
            return True
        if st.A.plan(q).automatic:
            return repair(st, name, self.rng)
        return False

    def move_drop(self) -> bool:
        st = self.st
        cand = [q for q in st.recs if not st.A.plan(q).automatic]
        if not cand:
            return False
        q = cand[int(self.rng.integers(len(cand)))]
        return st.remove(self.names[q])

    # ------------------------------------------------------------------ loop
    def run(self, stop: Any, deadline: float | None = None) -> dict[str, Any]:
        """Move until ``stop(best)`` says stop; returns the statistics."""
        st = self.st
        cur = key(st)
        best = cur
        best_snap = st.snapshot()
        it = 0
        kicks = 0
        since = 0
        t0 = time.perf_counter()
        while True:
            if stop(best[0] * 1e12 + best[1] * 1e6 + best[2]):
                break
            if deadline is not None and time.perf_counter() >= deadline:
                break
            it += 1
            if since >= self.kick_after:
                # iterated local search: perturb the best placement by a random
                # relocation, accepted whatever it costs
                st.restore(best_snap)
                snap = st.snapshot()
                if not (self.move_relocate() and key(st)[:2] == best[:2]):
                    st.restore(snap)
                cur = key(st)
                kicks += 1
                since = 0
                continue
            m = self.moves[int(self.rng.choice(len(self.moves), p=self.p))]
            snap = st.snapshot()
            done = getattr(self, f"move_{m}")()
            self.stats[m][0] += 1
            new = key(st)
            if _better(new, cur, strict=False) and (done or _better(new, cur, strict=True)):
                self.stats[m][1] += 1
                since = 0 if _better(new, cur, strict=True) else since + 1
                cur = new
                if _better(cur, best, strict=True):
                    best = cur
                    best_snap = st.snapshot()
            else:
                st.restore(snap)
                since += 1
        if _better(best, key(st), strict=True):
            st.restore(best_snap)
        return {
            "moves": it,
            "kicks": kicks,
            "moves_by_kind": {k: {"tried": a, "accepted": b} for k, (a, b) in self.stats.items()},
            "improve_s": time.perf_counter() - t0,
        }


def improve(
    st: PipelineState,
    *,
    time_limit: float | None = None,
    iterations: int | None = None,
    seed: int = 0,
    deadline: float | None = None,
) -> dict[str, Any]:
    """Run the local search on ``st`` in place (see the module docstring)."""
    q = len(st.inst.requests)
    patience = iterations or max(200, 4 * q)
    stop = MultipleCriteria(
        [MaxRuntime(DEFAULT_TIME if time_limit is None else time_limit), NoImprovement(patience)]
    )
    return Search(st, seed).run(stop, deadline)


def optimise(
    st: PipelineState,
    *,
    time_limit: float | None = None,
    iterations: int | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Improve ``st`` in place: on chain instances first the configuration search of
    :mod:`placement.heuristics.pipeline.chains` (kept when no worse), then the moves."""
    tl = DEFAULT_TIME if time_limit is None else time_limit
    t0 = time.perf_counter()
    stats: dict[str, Any] = {}
    if chains.applies(st.A, st.objective, st.bounds):
        snap = st.snapshot()
        k0 = key(st)
        cnt, cs = chains.search(st, st.objective, 0.7 * tl, seed)
        walks = cs.pop("walks")
        chains.realize(st, cnt, walks)
        stats.update(cs)
        stats["chain_kept"] = _better(key(st), k0, strict=False)
        if not stats["chain_kept"]:
            st.restore(snap)
    left = max(0.0, tl - (time.perf_counter() - t0))
    stats.update(improve(st, time_limit=left, iterations=iterations, seed=seed))
    return stats


def start_state(
    instance: PipelineInstance, params: LSParams, objective: str, seed: int
) -> tuple[PipelineState, dict[str, Any]]:
    """The state the search starts from: the greedy, or ``params.start`` loaded."""
    A = arrays_of(instance)
    st = PipelineState(A, objective, params.bounds, alpha=params.alpha, beta=params.beta)
    start = params.start
    if start == "greedy":
        rejected = construct(st, request_order(instance), seed)
        return st, {"start": "greedy", "start_rejected": len(rejected)}
    pl = start.solution if type(start).__name__ == "Result" else start
    failed = st.load_placement(pl)
    construct(st, request_order(instance), seed)
    return st, {"start": "given", "start_not_loaded": failed}


def solve_ls(instance: PipelineInstance, params: LSParams, *, seed: int = 0) -> RawSolution:
    """Greedy (or a given start), then the local search (see the module docstring).

    Returns
    -------
    RawSolution
        The best placement (status ``heuristic``); ``bound`` on GAP-structured
        instances (the LP bound); ``statistics``: ``start_objective``, ``moves``,
        ``moves_by_kind``, ``rejected`` (name -> reason of what stays out),
        ``jit_compile_s``.
    """
    jit = ensure_compiled()
    objective = objective_of(instance, params)
    t0 = time.perf_counter()
    A = arrays_of(instance)
    tl = DEFAULT_TIME if params.time_limit is None else params.time_limit
    if params.start == "greedy" and gapmod.applies(A, objective, params.bounds):
        pl, stats = gapmod.search(A, objective, tl, seed)
        bound = stats.pop("bound")
        stats["jit_compile_s"] = jit
        return RawSolution(
            pl,
            status=Status.HEURISTIC,
            termination=Termination.COMPLETED,
            bound=bound if bound is not None and math.isfinite(bound) else None,
            runtime=time.perf_counter() - t0,
            statistics=stats,
            objective_name=objective,
        )
    st, stats = start_state(instance, params, objective, seed)
    stats["start_objective"] = st.objectives()[objective]
    stats.update(optimise(st, time_limit=tl, iterations=params.iterations, seed=seed))
    rejected = {
        instance.requests[q].name: "not admitted"
        for q in range(len(instance.requests))
        if q not in st.recs
    }
    stats.update({"rejected": rejected, "jit_compile_s": jit, "admitted": len(st.recs)})
    return RawSolution(
        st.placement(),
        status=Status.HEURISTIC,
        termination=Termination.COMPLETED,
        runtime=time.perf_counter() - t0,
        statistics=stats,
        objective_name=objective,
    )


# ---------------------------------------------------------------------- fronts
def _step(st: PipelineState, name: str) -> float:
    """The smallest change objective ``name`` can make (gcd of its per-instance terms)."""
    from fractions import Fraction
    from functools import reduce

    A = st.A
    if name == "cores" and A.cores_r >= 0:
        vals = A.var_dem[:, :, A.cores_r].ravel()
    elif name == "cost":
        vals = A.cost.ravel()
    elif name in ("hops", "migrations", "priority"):
        vals = (
            np.array([r.priority for r in st.inst.requests]) if name == "priority" else np.ones(1)
        )
    else:
        return 0.0
    fr = []
    for c in set(np.abs(vals[vals != 0]).tolist()):
        f = Fraction(c).limit_denominator(1000)
        if abs(float(f) - c) > 1e-9 * max(1.0, c):
            return 0.0
        fr.append(f)
    if not fr:
        return 1.0
    den = reduce(math.lcm, (f.denominator for f in fr), 1)
    g = reduce(math.gcd, (int(f * den) for f in fr))
    return g / den


def pareto_ls(
    instance: PipelineInstance,
    x: str = "cores",
    y: str = "hops",
    *,
    points: int | None = None,
    time_limit: float | None = None,
    seed: int = 0,
    bounds: dict[str, float] | None = None,
    progress: bool = False,
    upward: bool = False,
    **_: Any,
) -> Any:
    """A heuristic front over ``x`` (ε-constrained) and ``y`` with the local search.

    Point 1 minimises ``y`` (then ``x`` with ``y`` bounded); each next point requires
    ``x <= x* − step`` (the smallest change ``x`` can make; ``>=`` for ``priority``)
    and searches again from the previous point's placement, until the search cannot
    meet the bound. With ``upward`` the sweep then goes back up from the least ``x``,
    one step at a time, each search starting from the previous placement (instances
    added rather than moved); the nondominated points of both passes form the front.
    ``time_limit`` is per point and stage (default 5 s).

    Returns
    -------
    placement.front.ParetoFront
        Nondominated points; ``statistics["points"]`` with each point's times.
    """
    from placement.front import ParetoFront, ParetoPoint
    from placement.pipeline.evaluate import evaluate_pipeline

    ensure_compiled()
    tl = 5.0 if time_limit is None else time_limit
    t_start = time.perf_counter()
    A = arrays_of(instance)
    sx, sy = OBJECTIVES[x], OBJECTIVES[y]
    base = dict(bounds or {})
    found: list[Any] = []
    stats_points: list[dict[str, Any]] = []
    eps: float | None = None
    prev: Placement | None = None
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(desc=f"ls front {instance.name} ({x}, {y})", unit="point", total=points)
    step = None

    seen_x: list[float] = []  # x of every stage-1 solution (the upward pass goes that far)

    def point(eps: float | None, prev: Placement | None) -> tuple[Any, dict] | None:
        """Stage 1 (least y with x <= eps) then stage 2 (least x with y kept)."""
        b1 = dict(base)
        if eps is not None:
            b1[x] = eps
        st = PipelineState(A, y, b1)
        if prev is not None:
            st.load_placement(prev)
        construct(st, request_order(instance), seed)
        optimise(st, time_limit=tl, seed=seed)
        if key(st)[0] > 0 or not st.bounds_ok():
            return None
        seen_x.append(st.objectives()[x])
        b2 = dict(base)
        b2[y] = st.objectives()[y]
        if eps is not None:
            b2[x] = eps
        st2 = PipelineState(A, x, b2)
        st2.load_placement(st.placement())
        construct(st2, request_order(instance), seed)
        improve(st2, time_limit=tl / 2, seed=seed)
        fin = st2 if key(st2)[0] == 0 and st2.bounds_ok() else st
        pl = fin.placement()
        return pl, dict(evaluate_pipeline(instance, pl).objectives)

    def record(eps: float | None, vals: dict, t0: float) -> None:
        found.append(ParetoPoint(values=vals, epsilon=eps))
        stats_points.append(
            {"epsilon": eps, x: vals[x], y: vals[y], "time": time.perf_counter() - t0}
        )
        if bar is not None:
            bar.update(1)
            bar.set_postfix({x: vals[x], y: vals[y]})

    try:
        # downwards: from the least y, require x below the last point's
        while points is None or len(found) < points:
            t0 = time.perf_counter()
            got = point(eps, prev)
            if got is None:
                stats_points.append({"epsilon": eps, "feasible": False})
                break
            prev, vals = got
            record(eps, vals, t0)
            if step is None:
                step = _step(PipelineState(A, x), x)
            d = step if step else 1e-6 * max(1.0, abs(vals[x]))
            eps = vals[x] - d if sx > 0 else vals[x] + d
        # upwards: from the last (least x) point, allow one step more at a time, each
        # search starting from the previous placement (instances are added, not moved)
        if upward and step and found and (points is None or len(found) < points):
            xs = [p.values[x] for p in found] + seen_x
            lo, hi = (min(xs), max(xs)) if sx > 0 else (max(xs), min(xs))
            eps = lo + step if sx > 0 else lo - step
            while (eps < hi - 1e-9 if sx > 0 else eps > hi + 1e-9) and (
                points is None or len(found) < points
            ):
                t0 = time.perf_counter()
                got = point(eps, prev)
                if got is None:
                    break
                prev, vals = got
                record(eps, vals, t0)
                eps = (max(eps, vals[x]) + step) if sx > 0 else (min(eps, vals[x]) - step)
    finally:
        if bar is not None:
            bar.close()
    stats = {
        "method": "ls-epsilon",
        "points": stats_points,
        "runtime": time.perf_counter() - t_start,
        "instance": instance.name,
        "step": step,
    }
    return ParetoFront.from_points(found, x, y, senses=(sx, sy), statistics=stats)
