"""Flavours as a decision: model, evaluator, checker, MILP against brute force, heuristics."""

from __future__ import annotations

import itertools
import math

import pytest

import placement
from placement.pipeline import (
    Edge,
    Flavour,
    Function,
    Link,
    Node,
    PipelineInstance,
    Placement,
    Request,
    Route,
    Step,
    check_pipeline_solution,
    evaluate_pipeline,
)
from placement.pipeline.io import instance_from_dict, instance_to_dict

FLAVOURS = {
    "container": Flavour(demands={"ram_mb": 15.0}, boot_ms=900.0),
    "unikernel": Flavour(demands={"ram_mb": 18.0}, boot_ms=50.0),
    "vm": Flavour(demands={"ram_mb": 110.0, "cores": 0.5}, boot_ms=7500.0),
}


def tiny(n_req: int = 4, ram: float = 33.0, flavour: str | None = None) -> PipelineInstance:
    """Two nodes, one function with three flavours, on-demand requests (odd ones need a
    boot within 100 ms)."""
    return PipelineInstance(
        "flavours",
        (Node("a", {"cores": 4.0, "ram_mb": ram}), Node("b", {"cores": 4.0, "ram_mb": ram})),
        (Link("a", "b", 100.0, 1.0),),
        (
            Function(
                "f",
                {"cores": 1.0, "ram_mb": 10.0},
                capacity=10.0,
                flavours=FLAVOURS,
                flavour=flavour,
            ),
        ),
        tuple(
            Request(
                f"r{i}",
                (Step("s", nodes=("a",)), Step("x", "f")),
                (Edge("s", "x", 6.0),),
                priority=1.0 + i,
                execution="on_demand",
                max_boot_ms=100.0 if i % 2 else math.inf,
            )
            for i in range(n_req)
        ),
    )


def brute_force_priority(inst: PipelineInstance) -> float:
    """Best admitted priority over every host choice per request and every flavour mix
    of one or two instances per node (capacity 10 per instance, loads of 6)."""
    names = sorted(FLAVOURS) if inst.functions[0].flavour is None else [inst.functions[0].flavour]
    mixes = [()] + [(a,) for a in names] + list(itertools.combinations_with_replacement(names, 2))
    best = 0.0
    for hosts in itertools.product((None, "a", "b"), repeat=len(inst.requests)):
        for ma, mb in itertools.product(mixes, repeat=2):
            pl = Placement()
            for v, mix in (("a", ma), ("b", mb)):
                if mix:
                    pl.instances[(v, "f")] = len(mix)
                    if inst.functions[0].flavour is None:
                        pl.flavours[(v, "f")] = {k: mix.count(k) for k in set(mix)}
            for r, h in zip(inst.requests, hosts):
                if h is None:
                    continue
                pl.steps[r.name] = {"s": ("a",), "x": (h,)}
                pl.routes[r.name] = [Route(0, "a", h, ("a",) if h == "a" else ("a", "b"))]
            ev = evaluate_pipeline(inst, pl)
            if ev.feasible:
                best = max(best, ev.objectives["priority"])
    return best


@pytest.mark.parametrize("ram", [33.0, 60.0])
def test_milp_flavour_choice_matches_brute_force(ram):
    """The MILP's best admitted priority with flavour choice equals brute force."""
    inst = tiny(n_req=3, ram=ram)
    res = placement.solve(inst, objective="priority")
    assert res.status == "optimal"
    assert res.objective == pytest.approx(brute_force_priority(inst))
    assert check_pipeline_solution(inst, res.solution) == []
    for (v, t), n in res.solution.instances.items():
        assert sum(res.solution.flavours[(v, t)].values()) == n


def test_choosing_admits_more_than_any_fixed_flavour():
    """With tight memory, choosing flavours admits more than any one fixed flavour."""
    chosen = placement.solve(tiny(), objective="priority").objective
    fixed = [placement.solve(tiny(flavour=f), objective="priority").objective for f in FLAVOURS]
    assert chosen > max(fixed)
    ls = placement.solve(tiny(), method="ls", objective="priority", time_limit=1.0)
    assert check_pipeline_solution(tiny(), ls.solution) == []
    assert ls.objective > max(fixed) - 1e-9


def test_checker_and_evaluator_reject_missing_or_slow_flavours():
    """An instance without a flavour, or a slow flavour serving a bounded step, is a
    violation for both judges."""
    inst = tiny(n_req=2)
    pl = Placement(
        instances={("a", "f"): 1},
        steps={"r1": {"s": ("a",), "x": ("a",)}},
        routes={"r1": [Route(0, "a", "a", ("a",))]},
    )
    assert evaluate_pipeline(inst, pl).violations and check_pipeline_solution(inst, pl)
    pl.flavours[("a", "f")] = {"container": 1}  # boots in 900 ms > 100 ms
    ev = evaluate_pipeline(inst, pl)
    assert any("max_boot_ms" in v for v in ev.violations)
    assert any(v.startswith("boot:") for v in check_pipeline_solution(inst, pl))
    pl.flavours[("a", "f")] = {"unikernel": 1}
    assert evaluate_pipeline(inst, pl).feasible and check_pipeline_solution(inst, pl) == []


def test_one_flavour_behaves_as_without_flavours():
    """A function listing one flavour (and none fixed) uses its own demands, as before."""
    base = tiny(n_req=3)
    one = PipelineInstance(
        "one",
        base.nodes,
        base.links,
        (
            Function(
                "f", {"cores": 1.0, "ram_mb": 10.0}, capacity=10.0, flavours={"vm": FLAVOURS["vm"]}
            ),
        ),
        tuple(
            Request(r.name, r.steps, r.edges, priority=r.priority, execution=r.execution)
            for r in base.requests
        ),
    )
    assert one.functions[0].choices == ()
    assert one.functions[0].demand("ram_mb", "a") == 10.0
    res = placement.solve(one, objective="priority")
    assert res.solution.flavours == {}
    assert res.objective == pytest.approx(sum(r.priority for r in one.requests))


def test_flavour_rows_round_trip_through_json():
    """Solution rows carry the flavour; instance files keep max_boot_ms."""
    inst = tiny()
    res = placement.solve(inst, objective="priority")
    d = res.solution.to_dict()
    assert all("flavour" in row for row in d["instances"])
    back = Placement.from_dict(d)
    assert back.flavours == res.solution.flavours and back.instances == res.solution.instances
    again = instance_from_dict(instance_to_dict(inst))
    assert [r.max_boot_ms for r in again.requests] == [r.max_boot_ms for r in inst.requests]
