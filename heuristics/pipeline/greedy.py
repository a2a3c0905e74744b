"""The pipeline greedy: requests in priority order, steps in topological order.

``solve_greedy`` (registered as ``greedy`` for pipeline instances) places automatic
requests before on-demand ones, each class by decreasing priority (instance order
among equals), with :meth:`~placement.heuristics.pipeline.state.PipelineState.place`
(the Numba score kernel over arrays built once per instance: the feasible node with
the least ``Δobjective + ω (α · delay / bound + β · load / capacity)``, existing
instances shared first, shortest-delay routes with residual bandwidth). An automatic
request that finds no room gets a *repair*: placed requests using its candidate nodes
are taken out one at a time (on-demand ones first), the request is placed, and the
one taken out is placed again — kept only when nothing is lost. What stays unplaced is
reported with its reason in ``statistics["rejected"]``.

Instances made only of independent one-step requests (OR-Library GAP files) are
built by the regret rule of :mod:`placement.heuristics.pipeline.gap` instead.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
from placement.heuristics.pipeline.state import PipelineState, arrays_of

from placement.pipeline.instance import PipelineInstance
from placement.pipeline.params import GreedyParams
from placement.result import RawSolution, Status, Termination

logger = logging.getLogger(__name__)

#: Requests taken out (one at a time) to make room for one automatic request.
REPAIR_KICKS = 12

_JIT_DONE = False


def ensure_compiled() -> float:
    """Compile (or load from Numba's cache) the kernels once per process; returns the
    seconds spent now."""
    global _JIT_DONE
    if _JIT_DONE:
        return 0.0
    t0 = time.perf_counter()
    from placement.heuristics.pipeline import gap as gapmod

    from placement.pipeline.instance import Edge, Function, Link, Node, Request, Step

    inst = PipelineInstance(
        "jit",
        (Node("a", {"cores": 2.0}), Node("b", {"cores": 2.0})),
        (Link("a", "b", 10.0, 1.0),),
        (Function("f", {"cores": 1.0}, proc_ms=1.0, capacity=5.0),),
        (
            Request(
                "r",
                (Step("s", nodes=("a",)), Step("x", "f"), Step("d", nodes=("b",))),
                (Edge("s", "x", 1.0), Edge("x", "d", 1.0)),
                max_delay_ms=10.0,
            ),
        ),
    )
    for obj in ("cores", "hops"):
        st = PipelineState(inst, obj)
        st.place("r")
        st.remove("r")
    gapmod.warm_up()
    from placement.heuristics.pipeline import chains

    chains.warm_up()
    _JIT_DONE = True
    return time.perf_counter() - t0


def request_order(instance: PipelineInstance) -> list[str]:
    """Automatic requests first, then on-demand; by decreasing priority; stable."""
    idx = sorted(
        range(len(instance.requests)),
        key=lambda q: (
            instance.requests[q].execution != "automatic",
            -instance.requests[q].priority,
            q,
        ),
    )
    return [instance.requests[q].name for q in idx]


def _blockers(st: PipelineState, name: str) -> list[str]:
    """Placed requests that use a candidate node of ``name``'s function steps."""
    A = st.A
    p = A.plan(A.req_index[name])
    nodes: set[int] = set()
    for s in p.steps:
        if s.t >= 0 and s.cands.size <= 4 * A.N:
            nodes.update(s.cands.tolist())
    out = []
    for q, rec in st.recs.items():
        if any(v in nodes for h in rec.hosts for v in h):
            out.append((A.plan(q).automatic, A.plan(q).priority, q))
    out.sort()
    return [st.inst.requests[q].name for _, _, q in out]


def repair(
    st: PipelineState, name: str, rng: np.random.Generator, kicks: int = REPAIR_KICKS
) -> bool:
    """Make room for request ``name`` by taking out one placed request at a time
    (lower priority and on-demand first) and placing both again; a try is undone
    unless both end up placed."""
    cands = _blockers(st, name)
    if len(cands) > kicks:
        head = cands[: kicks // 2]
        rest = cands[kicks // 2 :]
        pick = rng.choice(len(rest), size=kicks - len(head), replace=False)
        cands = head + [rest[i] for i in sorted(pick)]
    for other in cands:
        snap = st.snapshot()
        st.remove(other)
        if st.place(name).placed and st.place(other).placed:
            return True
        st.restore(snap)
    return False


def construct(
    st: PipelineState, names: list[str], seed: int = 0, *, repair_automatic: bool = True
) -> dict[str, str]:
    """Place ``names`` in order on ``st``; repair automatic requests that do not fit.

    Returns
    -------
    dict
        Request name -> reason, for the requests left unplaced.
    """
    rng = np.random.default_rng(seed)
    rejected: dict[str, str] = {}
    A = st.A
    for name in names:
        if st.is_placed(name):
            continue
        out = st.place(name)
        if out.placed:
            continue
        if repair_automatic and out.automatic and repair(st, name, rng):
            continue
        rejected[name] = out.reason or "no room"
    # a repair may have made room for requests rejected before
    for name in [n for n in names if n in rejected and A.plan(A.req_index[n]).automatic]:
        if st.place(name).placed:
            del rejected[name]
    return rejected


def objective_of(instance: PipelineInstance, params: Any) -> str:
    """The objective a run follows: the parameter, else the instance's default, else cores."""
    return params.objective or instance.meta.get("default_objective", "cores")


def solve_greedy(instance: PipelineInstance, params: GreedyParams, *, seed: int = 0) -> RawSolution:
    """Place every request greedily (see the module docstring).

    Returns
    -------
    RawSolution
        The :class:`~placement.pipeline.instance.Placement` (status ``heuristic``, no
        bound); ``statistics``: ``rejected`` (name -> reason), ``automatic_rejected``,
        ``jit_compile_s``, ``build_s`` (arrays), ``place_s``.
    """
    jit = ensure_compiled()
    objective = objective_of(instance, params)
    t0 = time.perf_counter()
    A = arrays_of(instance)
    t1 = time.perf_counter()
    from placement.heuristics.pipeline import gap as gapmod

    if gapmod.applies(A, objective, params.bounds):
        pl, stats = gapmod.construct(A, objective)
        stats.update({"jit_compile_s": jit, "build_s": t1 - t0})
        return RawSolution(
            pl,
            status=Status.HEURISTIC,
            termination=Termination.COMPLETED,
            runtime=time.perf_counter() - t0,
            statistics=stats,
            objective_name=objective,
        )
    st = PipelineState(A, objective, params.bounds, alpha=params.alpha, beta=params.beta)
    rejected = construct(st, request_order(instance), seed)
    t2 = time.perf_counter()
    auto = [n for n in rejected if A.plan(A.req_index[n]).automatic]
    stats = {
        "rejected": rejected,
        "automatic_rejected": auto,
        "admitted": len(st.recs),
        "jit_compile_s": jit,
        "build_s": t1 - t0,
        "place_s": t2 - t1,
    }
    return RawSolution(
        st.placement(),
        status=Status.HEURISTIC,
        termination=Termination.COMPLETED,
        runtime=t2 - t0,
        statistics=stats,
        objective_name=objective,
    )
