"""External proofs: the msgp2 Pareto front point by point and GAP optima."""

from __future__ import annotations

from pathlib import Path

import pytest

import placement
from placement.pipeline import (
    assert_pipeline_feasible,
    pareto_pipeline,
    read_pipeline,
)
from placement.result import Status

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "instances" / "pipeline"
#: Published msgp2 front (cores, hops).
MSGP2_FRONT = [(3.0, 352.0), (6.0, 327.0), (9.0, 316.0), (12.0, 313.0)]


@pytest.mark.parametrize(
    ("cores", "hops"), [(12.0, 313.0), (9.0, 316.0), (6.0, 327.0), (3.0, 352.0)]
)
def test_msgp2_front_point(msgp2, cores, hops):
    """Each published msgp2 point is reproduced: min hops + w*cores with cores <= c."""
    res = placement.solve(msgp2, objective="hops", bounds={"cores": cores})
    assert res.status == Status.OPTIMAL
    assert res.metrics["objectives"]["cores"] == cores
    assert res.objective == hops
    assert res.bound == hops
    assert res.statistics["layered_exact"] is True
    assert_pipeline_feasible(msgp2, res.solution)


@pytest.mark.slow
def test_msgp2_full_sweep(msgp2):
    """The exact ε sweep reproduces the whole published msgp2 front and nothing else."""
    front = pareto_pipeline(msgp2, x="cores", y="hops")
    assert [(p.values["cores"], p.values["hops"]) for p in front.points] == MSGP2_FRONT


@pytest.mark.slow
def test_msgp3_full_sweep():
    """The exact ε sweep reproduces the published msgp3 front (18,295) (12,300) (6,316)."""
    inst = read_pipeline(BUNDLE / "msgp3")
    front = pareto_pipeline(inst, x="cores", y="hops")
    assert [(p.values["cores"], p.values["hops"]) for p in front.points] == [
        (6.0, 316.0),
        (12.0, 300.0),
        (18.0, 295.0),
    ]


def test_eval_topo_full_sweep(eval_topo):
    """The ε sweep on eval-topo gives exactly its published front (12,70) (8,74) (4,94)."""
    front = pareto_pipeline(eval_topo, x="cores", y="hops", keep_results=True)
    assert [(p.values["cores"], p.values["hops"]) for p in front.points] == [
        (4.0, 94.0),
        (8.0, 74.0),
        (12.0, 70.0),
    ]
    assert all(s.get("proven", True) for s in front.statistics["points"])
    for p in front.points:
        assert_pipeline_feasible(eval_topo, p.result.solution)


def test_eval_topo_vnflib2_front(tmp_path, bundle):
    """With vnfLib2 (smaller capacities) the published front is (8,74) (12,70)."""
    d = tmp_path / "et2"
    d.mkdir()
    for f in ("topology", "requests"):
        (d / f).write_text((bundle / "eval-topo" / f).read_text())
    (d / "vnfLib").write_text((bundle / "eval-topo" / "vnfLib2").read_text())
    front = pareto_pipeline(read_pipeline(d), x="cores", y="hops")
    assert [(p.values["cores"], p.values["hops"]) for p in front.points] == [
        (8.0, 74.0),
        (12.0, 70.0),
    ]


@pytest.mark.parametrize("name", ["gap1-0", "gap5-0", "gap8-0", "gap12-0"])
def test_gap_optimum(name, gap_optima):
    """Bundled OR-Library GAP instances solve to their known minimum cost."""
    inst = read_pipeline(BUNDLE / "gap" / name)
    res = placement.solve(inst, objective="cost")
    assert res.status == Status.OPTIMAL
    assert res.objective == gap_optima[name]
    assert_pipeline_feasible(inst, res.solution)
    assert len(res.solution.steps) == len(inst.requests)  # every job assigned once


def test_pareto_any_two_objectives(tiny):
    """Fronts work for other pairs, e.g. (energy, delay), with nondominated points."""
    front = pareto_pipeline(tiny, x="energy", y="delay")
    assert front.points
    xs = [p.values["energy"] for p in front.points]
    ys = [p.values["delay"] for p in front.points]
    assert xs == sorted(xs) and ys == sorted(ys, reverse=True)


def test_pareto_csv_and_plot(eval_topo, tmp_path):
    """The front's CSV has one row per point and a column per objective; the PNG exists."""
    front = pareto_pipeline(eval_topo, x="cores", y="hops", points=2)
    csv_text = front.to_csv(tmp_path / "f.csv")
    rows = csv_text.strip().splitlines()
    assert rows[0].split(",")[:2] == ["cores", "hops"]
    assert len(rows) == 1 + len(front.points) == 3
    front.plot(str(tmp_path / "f.png"))
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"
