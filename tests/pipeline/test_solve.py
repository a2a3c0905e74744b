"""The exact MILP: builder, solve(), ε-constraints, both formulations, checker."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import pyomo.environ as pyo
import pytest
from placement.models.pipeline import build_pipeline_model, extract_placement

import placement
from placement.errors import InputError
from placement.pipeline import (
    Edge,
    Function,
    Link,
    Node,
    PipelineInstance,
    Placement,
    Request,
    Route,
    Step,
    assert_pipeline_feasible,
    check_pipeline_solution,
    evaluate_pipeline,
    generate_pipeline,
)
from placement.result import Status

#: Absolute tolerance on objective values.
ABS = 1e-6


def brute_force(inst: PipelineInstance, objective: str) -> float:
    """Best objective over every host choice with one instance per used (node, function)
    and hop-shortest routes (exact when bandwidth and capacity do not bind)."""
    best = math.inf
    g = inst.graph
    slots = [(r, s) for r in inst.requests for s in r.steps]
    choices = [inst.candidates(r, s) for r, s in slots]
    for combo in itertools.product(*choices):
        pl = Placement()
        for (r, s), v in zip(slots, combo):
            pl.steps.setdefault(r.name, {})[s.id] = (v,)
            if s.function:
                pl.instances[(v, s.function)] = 1
        for r in inst.requests:
            pl.routes[r.name] = []
            for k, e in enumerate(r.edges):
                a, b = pl.steps[r.name][e.src][0], pl.steps[r.name][e.dst][0]
                path = nx.shortest_path(g, a, b)
                pl.routes[r.name].append(Route(k, a, b, tuple(path)))
        ev = evaluate_pipeline(inst, pl)
        if ev.feasible:
            best = min(best, ev.objectives[objective])
    return best


def test_builder_only_builds(tiny):
    """The builder returns a ConcreteModel with mutable weights and ε right-hand sides."""
    m = build_pipeline_model(tiny, objective="hops", bounds={"cores": 3.0}, epsilon=("energy",))
    assert isinstance(m, pyo.ConcreteModel)
    assert m.eps.mutable and pyo.value(m.eps["cores"]) == 3.0
    assert m.eps_con["cores"].active and not m.eps_con["energy"].active
    assert pyo.value(m.weight["hops"]) == 1.0 and pyo.value(m.weight["cores"]) == 0.0
    import placement.models.pipeline.hosting as hosting
    import placement.models.pipeline.routing as routing

    assert ".. math::" in hosting.__doc__ and ".. math::" in routing.__doc__


def test_builder_rejects_unknown_objective(tiny):
    """Unknown objectives and formulations raise InputError naming the field."""
    with pytest.raises(InputError, match="unknown objective"):
        build_pipeline_model(tiny, objective="latency")
    with pytest.raises(InputError, match="unknown formulation"):
        build_pipeline_model(tiny, formulation="paths")


@pytest.mark.parametrize("objective", ["cores", "hops", "delay", "energy", "cost"])
@pytest.mark.parametrize("formulation", ["layered", "arc"])
def test_tiny_matches_brute_force(tiny, objective, formulation):
    """On the tiny instance every objective's optimum equals brute-force enumeration."""
    res = placement.solve(tiny, objective=objective, formulation=formulation)
    assert res.status == Status.OPTIMAL
    assert res.objective == pytest.approx(brute_force(tiny, objective), abs=ABS)
    assert_pipeline_feasible(tiny, res.solution)


def test_tiny_known_values(tiny):
    """Tiny: min cores is 2.5 (det@a, work@b with its override, bc@c), min hops 2."""
    r = placement.solve(tiny, objective="cores")
    assert r.objective == pytest.approx(2.5)
    assert r.solution.steps["r1"] == {"d": ("a",), "w": ("b",), "o": ("c",)}
    assert placement.solve(tiny, objective="hops").objective == 2.0
    assert placement.solve(tiny, objective="cost").objective == 3.0


def test_top_level_solve_dispatch(tiny):
    """placement.solve dispatches pipeline instances to solve_pipeline (when wired)."""
    if not hasattr(placement, "solve"):
        pytest.skip("top-level solve not available")
    try:
        res = placement.solve(tiny, method="milp", objective="hops")
    except (TypeError, AttributeError, InputError) as exc:  # lead's dispatcher not wired yet
        pytest.skip(f"dispatch not wired: {exc}")
    assert res.objective == 2.0


def _two_path_instance(bw_direct: float) -> PipelineInstance:
    nodes = (Node("a"), Node("b"), Node("c"))
    links = (Link("a", "c", bw_direct, 1.0), Link("a", "b", 100.0, 1.0), Link("b", "c", 100.0, 1.0))
    req = Request("r", (Step("s", nodes=("a",)), Step("t", nodes=("c",))), (Edge("s", "t", 2.0),))
    return PipelineInstance("two-path", nodes, links, (), (req,))


def test_arc_routes_around_a_binding_link():
    """When link bandwidth binds, arc flow detours (2 hops) and stays feasible."""
    inst = _two_path_instance(1.0)
    res = placement.solve(inst, objective="hops", formulation="arc")
    assert res.status == Status.OPTIMAL and res.objective == 2.0
    assert res.solution.routes["r"][0].path == ("a", "b", "c")
    assert check_pipeline_solution(inst, res.solution) == []


def test_layered_reports_binding_bandwidth():
    """The layered formulation enforces bandwidth on its fixed paths and says so."""
    loose = placement.solve(_two_path_instance(10.0), objective="hops")
    assert loose.objective == 1.0 and loose.statistics["layered_exact"] is True
    assert loose.statistics["bandwidth_ok"] is True
    tight = placement.solve(_two_path_instance(1.0), objective="hops")
    assert tight.statistics.get("bandwidth_constraints", True) is True
    assert tight.status == Status.INFEASIBLE  # its only a->c path is the full link


def test_epsilon_bound_respected(tiny):
    """An ε-constraint bounds the other objective: min hops with cores <= 2.5."""
    res = placement.solve(tiny, objective="hops", bounds=["cores<=2.5"])
    assert res.metrics["objectives"]["cores"] <= 2.5 + ABS
    assert res.objective == 2.0
    res = placement.solve(tiny, objective="hops", bounds={"cores": 2.0})
    assert res.status == Status.INFEASIBLE and res.solution is None


@pytest.mark.parametrize("text", ["cores<12", "cores>=3", "latency<=3", "cores<=x"])
def test_bad_bounds_rejected(tiny, text):
    """Malformed bounds raise InputError naming the 'bound' field."""
    with pytest.raises(InputError) as ei:
        placement.solve(tiny, objective="hops", bounds=[text])
    assert ei.value.field == "bound"


def test_unknown_parameter_rejected(tiny):
    """solve_pipeline rejects unknown parameters and bad limits."""
    with pytest.raises(InputError, match="does not take this parameter"):
        placement.solve(tiny, objectve="hops")
    with pytest.raises(InputError, match="time_limit"):
        placement.solve(tiny, time_limit=0)


def test_eval_topo_points_both_formulations(eval_topo):
    """eval-topo front points (12,70) (8,74) (4,94): layered and arc agree point by point."""
    for cores, hops in [(12, 70), (8, 74), (4, 94)]:
        for form in ("layered", "arc"):
            res = placement.solve(
                eval_topo, objective="hops", bounds={"cores": cores}, formulation=form
            )
            assert res.status == Status.OPTIMAL
            assert (res.metrics["objectives"]["cores"], res.objective) == (cores, hops)
            assert_pipeline_feasible(eval_topo, res.solution)


def test_mutable_epsilon_resolve(eval_topo):
    """Changing the mutable ε Param and re-solving moves along the front without rebuilding."""
    from placement.backends.base import BackendParams
    from placement.pipeline.evaluate import evaluate_pipeline
    from placement.pipeline.methods import PipelineSolver

    ps = PipelineSolver(eval_topo, "hops", epsilon=("cores",))
    values = []
    for eps in (None, 8.0, 4.0):
        ps.set_eps("cores", eps)
        raw = ps.raw(ps.run(BackendParams()), "hops")
        values.append(evaluate_pipeline(eval_topo, raw.solution).objectives["hops"])
    assert values == [70.0, 74.0, 94.0]
    assert extract_placement(ps.model).instances


def test_generated_ecco_solutions_pass_checker():
    """Generated ECCO instances solve to placements the independent checker accepts."""
    for uc, seed in [("car-crash", 1), ("black-ice", 2), ("smart-parking", 3), ("mixed", 4)]:
        inst = generate_pipeline(uc, 20, 4, seed=seed)
        for obj in ("cores", "priority", "hops"):
            res = placement.solve(inst, objective=obj, time_limit=30)
            assert res.status == Status.OPTIMAL, (uc, obj)
            assert check_pipeline_solution(inst, res.solution) == []
            assert res.metrics["violations"] == 0


def test_generated_arc_equals_layered():
    """On a generated instance where bandwidth does not bind, arc and layered agree."""
    inst = generate_pipeline("mixed", 16, 4, seed=7)
    for obj in ("hops", "cores"):
        a = placement.solve(inst, objective=obj, formulation="arc", time_limit=60)
        b = placement.solve(inst, objective=obj, formulation="layered", time_limit=60)
        assert a.objective == pytest.approx(b.objective, abs=ABS)
        assert_pipeline_feasible(inst, a.solution)


def test_replicas_are_anti_affine():
    """A step with 2 replicas lands on two distinct nodes and both feed the next step."""
    nodes = (Node("a", {"cores": 1}), Node("b", {"cores": 1}), Node("c", {"cores": 4}))
    links = (Link("a", "c", delay_ms=1), Link("b", "c", delay_ms=1))
    f = (Function("det", {"cores": 1}), Function("w", {"cores": 1}))
    req = Request(
        "r",
        (Step("d", function="det", replicas=2), Step("x", function="w", nodes=("c",))),
        (Edge("d", "x", 1.0),),
    )
    inst = PipelineInstance("rep", nodes, links, f, (req,))
    res = placement.solve(inst, objective="cores")
    hosts = res.solution.steps["r"]["d"]
    assert len(set(hosts)) == 2
    assert res.metrics["objectives"]["hops"] == sum(1 for h in hosts if h != "c")
    assert_pipeline_feasible(inst, res.solution)


def test_exclusive_capability_hosts_one_function():
    """Two functions needing an exclusive camera cannot share its node."""
    nodes = (
        Node("a", {"cores": 4}, frozenset({"camera"}), frozenset({"camera"})),
        Node("b", {"cores": 4}, frozenset({"camera"})),
    )
    links = (Link("a", "b", delay_ms=1),)
    f = (
        Function("d1", {"cores": 1}, requires=frozenset({"camera"})),
        Function("d2", {"cores": 1}, requires=frozenset({"camera"})),
    )
    reqs = (Request("r1", (Step("s", function="d1"),)), Request("r2", (Step("s", function="d2"),)))
    inst = PipelineInstance("excl", nodes, links, f, reqs)
    res = placement.solve(inst, objective="hops")
    used = {v for (v, _t) in res.solution.instances}
    assert (
        res.solution.instances.get(("a", "d1"), 0) + res.solution.instances.get(("a", "d2"), 0) <= 1
    )
    assert used <= {"a", "b"}
    assert_pipeline_feasible(inst, res.solution)


def test_on_demand_admission_maximises_priority():
    """With room for one of two on-demand requests, priority admits the heavier one."""
    nodes = (Node("a", {"cores": 1}),)
    f = (Function("x", {"cores": 1}, capacity=1.0),)
    reqs = (
        Request("lo", (Step("s", function="x", load=1.0),), priority=1.0, execution="on_demand"),
        Request("hi", (Step("s", function="x", load=1.0),), priority=5.0, execution="on_demand"),
    )
    # distinct single-step requests share one instance up to its capacity (1.0 < 2 loads)
    inst = PipelineInstance("adm", nodes, (), f, reqs)
    res = placement.solve(inst, objective="priority")
    assert res.objective == 5.0
    assert list(res.solution.steps) == ["hi"]
    assert res.bound == pytest.approx(5.0)


def test_migrations_objective():
    """Minimising migrations keeps a step on its previous node."""
    nodes = (Node("a", {"cores": 2}), Node("b", {"cores": 2}))
    f = (Function("x", {"cores": 1}),)
    req = Request("r", (Step("s", function="x"),))
    inst = PipelineInstance(
        "mig", nodes, (Link("a", "b"),), f, (req,), previous={"r": {"s": ("b",)}}
    )
    res = placement.solve(inst, objective="migrations")
    assert res.objective == 0.0 and res.solution.steps["r"]["s"] == ("b",)


def test_checker_catches_violations(tiny):
    """The independent checker reports overuse, a missing route and a broken delay bound."""
    res = placement.solve(tiny, objective="cores")
    pl = res.solution
    assert check_pipeline_solution(tiny, pl) == []
    bad = Placement(
        dict(pl.instances),
        {k: dict(v) for k, v in pl.steps.items()},
        {k: list(v) for k, v in pl.routes.items()},
    )
    bad.instances[("a", "work")] = 1  # a: 1 + 2 cores > 2
    bad.routes["r1"] = bad.routes["r1"][:1]
    msgs = check_pipeline_solution(tiny, bad)
    assert any(m.startswith("resources: node a") for m in msgs)
    assert any(m.startswith("routing:") for m in msgs)
    slow = Placement(
        dict(pl.instances),
        {k: dict(v) for k, v in pl.steps.items()},
        {"r1": [Route(0, "a", "b", ("a", "c", "a", "c", "b")), pl.routes["r1"][1]]},
    )
    tight = PipelineInstance(
        tiny.name,
        tiny.nodes,
        tiny.links,
        tiny.functions,
        (Request("r1", tiny.requests[0].steps, tiny.requests[0].edges, max_delay_ms=20.0),),
    )
    assert any(m.startswith("delay:") for m in check_pipeline_solution(tight, slow))
    assert not evaluate_pipeline(tight, slow).feasible


@pytest.mark.parametrize("aggregate", ["egress", True, False])
def test_aggregation_modes_agree(eval_topo, aggregate):
    """Egress, identical-request and no aggregation agree and keep every request's ingress."""
    res = placement.solve(eval_topo, objective="hops", bounds={"cores": 8}, aggregate=aggregate)
    assert (res.metrics["objectives"]["cores"], res.objective) == (8.0, 74.0)
    assert_pipeline_feasible(eval_topo, res.solution)


def test_egress_aggregation_shrinks_msgp2(msgp2):
    """On msgp2 egress aggregation builds 9 commodities (one per egress) instead of 49."""
    small = build_pipeline_model(msgp2, objective="hops", aggregate="egress")
    large = build_pipeline_model(msgp2, objective="hops", aggregate=True)
    assert len(small.prep.commodities) == 9 and len(large.prep.commodities) == 49
    assert small.nvariables() < large.nvariables() / 3


def test_time_limited_solve_returns_incumbent_and_bound(msgp2):
    """A time-limited solve does not raise: it returns the incumbent with a valid bound."""
    res = placement.solve(
        msgp2, objective="hops", bounds={"cores": 5}, time_limit=1.0, aggregate=False
    )
    assert res.status in (Status.OPTIMAL, Status.FEASIBLE, Status.NO_SOLUTION)
    if res.solution is not None:
        assert res.bound is not None and res.bound <= res.objective + ABS
        assert res.objective >= 352.0 - ABS  # the true optimum under cores <= 5
        assert_pipeline_feasible(msgp2, res.solution)
    else:
        assert res.objective is None


def test_egress_aggregation_with_binding_delay():
    """Chains merged by egress keep every unit within its own delay bound and ingress."""
    nodes = (
        Node("s1"),
        Node("s2"),
        Node("a", {"cores": 1}),
        Node("b", {"cores": 1}),
        Node("c", {"cores": 1}),
        Node("t"),
    )
    links = (
        Link("s1", "a", delay_ms=1),
        Link("a", "b", delay_ms=1),
        Link("b", "c", delay_ms=1),
        Link("c", "t", delay_ms=1),
        Link("s2", "c", delay_ms=1),
    )
    f = (Function("f", {"cores": 1}, capacity=10.0),)

    def req(name, ing):
        steps = (
            Step("ingress", nodes=(ing,)),
            Step("f1", function="f"),
            Step("egress", nodes=("t",)),
        )
        return Request(
            name, steps, (Edge("ingress", "f1", 1.0), Edge("f1", "egress", 1.0)), max_delay_ms=4.0
        )

    inst = PipelineInstance("agg-delay", nodes, links, f, (req("r1", "s1"), req("r2", "s2")))
    results = {}
    for agg in ("egress", False):
        res = placement.solve(inst, objective="cores", aggregate=agg)
        assert res.status == Status.OPTIMAL
        assert_pipeline_feasible(inst, res.solution)
        results[agg] = res.objective
    # one shared instance on b or c serves both; on a, r2 would take 6 ms > 4
    assert results["egress"] == results[False] == 1.0
    res = placement.solve(inst, objective="hops", aggregate="egress")
    assert res.objective == 6.0  # r1: 4 hops, r2: 2 hops (f on c)
    assert res.solution.steps["r2"]["ingress"] == ("s2",)
    assert_pipeline_feasible(inst, res.solution)


def test_split_commodities_only_route_from_their_own_ingress(msgp2):
    """Commodities split back to single requests keep only host pairs from their own ingress."""
    from placement.models.pipeline.prep import Prep

    prep = Prep(msgp2, "hops", "arc", aggregate="egress")
    assert prep.disaggregated > 0 and len(prep.commodities) == len(msgp2.requests)
    for c in prep.commodities:
        ing = c.request.steps[0].nodes[0]
        assert c.cand["ingress"] == [ing]
        assert all(u == ing for (u, _w) in c.pairs[0])
