"""Seeded ECCO generators."""

from __future__ import annotations

import pytest

from placement.errors import InputError
from placement.pipeline import generate_pipeline
from placement.pipeline.io import instance_to_dict


def test_same_seed_same_instance():
    """The same seed and arguments give the same instance; another seed differs."""
    a = generate_pipeline("mixed", 30, 8, seed=3)
    b = generate_pipeline("mixed", 30, 8, seed=3)
    c = generate_pipeline("mixed", 30, 8, seed=4)
    assert instance_to_dict(a) == instance_to_dict(b)
    assert instance_to_dict(a) != instance_to_dict(c)


def test_recipe_and_node_classes():
    """The recipe is stored and V-Edge node classes with availability windows are present."""
    inst = generate_pipeline("car-crash", 40, 5, seed=1)
    assert inst.meta["recipe"] == {
        "generator": "placement.pipeline.generate",
        "version": 1,
        "use_case": "car-crash",
        "nodes": 40,
        "requests": 5,
        "substrate": "grid",
        "seed": 1,
    }
    classes = {n.node_class for n in inst.nodes}
    assert {"roadside_unit", "private_mec", "cloud"} <= classes
    assert all(n.availability_h for n in inst.nodes)
    crash = inst.requests[0]
    assert crash.execution == "automatic" and crash.priority == 10.0
    assert crash.step("detect").replicas == 2


def test_use_case_templates():
    """Black-ice fuses two detectors on demand; smart parking is lowest priority."""
    ice = generate_pipeline("black-ice", 30, 2, seed=2).requests[0]
    assert ice.execution == "on_demand" and len(ice.paths()) == 2
    park = generate_pipeline("smart-parking", 30, 2, seed=2).requests[0]
    assert park.priority == 1.0 and park.is_chain


def test_zoo_substrate():
    """A Topology-Zoo substrate turns its nodes into MEC sites with roadside units."""
    inst = generate_pipeline("mixed", 30, 4, substrate="zoo:Abilene", seed=1)
    assert sum(1 for n in inst.nodes if n.name.startswith("mec:")) == 11
    assert any(n.name == "cloud" for n in inst.nodes)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"use_case": "fire"}, "use_case"),
        ({"nodes": 3}, "nodes"),
        ({"requests": 0}, "requests"),
        ({"substrate": "ring"}, "substrate"),
    ],
)
def test_generator_rejects_nonsense(kw, field):
    """Unknown use cases / substrates and too-small sizes raise InputError."""
    args = {"use_case": "mixed", "nodes": 20, "requests": 3, **kw}
    with pytest.raises(InputError) as ei:
        generate_pipeline(args.pop("use_case"), args.pop("nodes"), args.pop("requests"), **args)
    assert ei.value.field == field


@pytest.mark.parametrize("graph", ["Abilene", "Nsfnet"])
@pytest.mark.parametrize("use_case", ["car-crash", "black-ice", "smart-parking", "mixed"])
def test_zoo_substrate_hosts_every_use_case(graph, use_case):
    """Every use case finds its sensors on a Topology-Zoo substrate (RSUs of a site within 2 hops)."""
    inst = generate_pipeline(use_case, 30, 8, substrate=f"zoo:{graph}", seed=2)
    assert len(inst.requests) == 8
