"""Latency–energy Pareto fronts of offloading instances (ε-constraint sweep, CSV, PNG)."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

try:  # tests/ on sys.path (pytest's default rootdir-less layout)
    from bruteforce import brute_force, feasible_objectives, random_tiny
except ModuleNotFoundError:  # tests/ collected as a package
    from tests.bruteforce import brute_force, feasible_objectives, random_tiny

import placement
from placement import testing
from placement.errors import InputError
from placement.front import hypervolume_2d
from placement.registry import methods_of

METHODS = methods_of("offloading")

#: Relative tolerance between a front point's objective and an independent optimum.
RTOL = 1e-7
#: MIP gap of the exactness tests (the sweep's default is 1e-4).
EXACT_GAP = 1e-9


@pytest.fixture(scope="module")
def c40():
    """Config C with 40 devices (fast ε-constraint solves)."""
    return placement.generate("C", devices=40, seed=1)


@pytest.fixture(scope="module")
def front_c40(c40):
    """The 7-point exact front of ``c40`` solved in-process."""
    return placement.pareto(
        c40, x="energy", y="latency", points=7, workers=1, progress=False, mip_gap=EXACT_GAP
    )


def test_front_has_requested_monotone_nondominated_points(front_c40):
    """points=7 gives ≥ 5 (here 7) nondominated points: energy strictly up, latency strictly down."""
    pts = front_c40.points
    assert len(pts) >= 5
    e = [p.values["energy"] for p in pts]
    lat = [p.values["latency"] for p in pts]
    assert all(a < b for a, b in zip(e, e[1:]))
    assert all(a > b for a, b in zip(lat, lat[1:]))


def test_front_extremes_are_the_lexicographic_optima(c40, front_c40):
    """The first point has the least energy, the last the least latency (independent MILP solves)."""
    min_lat = placement.solve(c40, method="milp", warm_start=False)
    min_en = placement.solve(c40, method="milp", objective="energy", warm_start=False)
    assert math.isclose(front_c40.points[-1].values["latency"], min_lat.objective, rel_tol=RTOL)
    assert math.isclose(
        front_c40.points[0].values["energy"], min_en.evaluation.total_energy_mj, rel_tol=RTOL
    )


def test_front_points_are_feasible_and_evaluated(c40, front_c40):
    """Every point's assignment passes the independent checker and its values are the evaluator's."""
    for p in front_c40.points:
        a = p.result.solution
        testing.assert_offloading_feasible(c40, a)
        assert math.isclose(p.values["latency"], testing.total_latency(c40, a), rel_tol=1e-9)
        ev = placement.evaluate(c40, a)
        assert math.isclose(p.values["energy"], ev.total_energy_mj, rel_tol=1e-12)
        if p.epsilon is not None:
            assert p.values["energy"] <= p.epsilon + 1e-6


@pytest.mark.parametrize("seed", [0, 12, 21, 30])
def test_tiny_front_is_exact_against_enumeration(seed):
    """On tiny instances every front point is nondominated among all feasible assignments,
    and the front's extremes are the brute-force optima."""
    inst = random_tiny(seed)
    front = placement.pareto(inst, points=6, workers=1, progress=False, mip_gap=EXACT_GAP)
    L, E = feasible_objectives(inst)
    for p in front.points:
        lat, en = p.values["latency"], p.values["energy"]
        dominated = (L <= lat - 1e-7) & (E <= en + 1e-7) | (L <= lat + 1e-7) & (E <= en - 1e-7)
        assert not dominated.any(), (seed, lat, en)
    assert math.isclose(front.points[-1].values["latency"], brute_force(inst).latency, rel_tol=RTOL)
    assert math.isclose(
        front.points[0].values["energy"], brute_force(inst, objective="energy").energy, rel_tol=RTOL
    )
    # every nondominated (E, L) pair of the enumeration between the extremes is found
    order = np.lexsort((L, E))
    best = math.inf
    nd = []
    for k in order:
        if L[k] < best - 1e-7:
            nd.append((E[k], L[k]))
            best = L[k]
    if len(nd) <= 6:
        assert len(front.points) == len(nd), (seed, nd, [p.values for p in front.points])


def test_csv_and_png_outputs(tmp_path, front_c40):
    """The CSV has one row per point with columns named energy and latency; the PNG is a PNG."""
    path = tmp_path / "front.csv"
    front_c40.to_csv(str(path))
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(front_c40.points)
    assert {"energy", "latency"} <= set(rows[0])
    assert [float(r["latency"]) for r in rows] == [p.values["latency"] for p in front_c40.points]
    png = tmp_path / "front.png"
    front_c40.plot(str(png), others={"cloud": (1.0, 2.0)})
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_hypervolume_uses_the_stated_reference(c40):
    """With an explicit reference the hypervolume is the area dominated up to it."""
    ref = (5000.0, 12000.0)
    front = placement.pareto(c40, points=4, workers=1, progress=False, reference=ref)
    assert front.reference == ref
    assert math.isclose(front.hypervolume, hypervolume_2d(front.points, "energy", "latency", ref))
    assert front.hypervolume > 0


def test_parallel_sweep_equals_serial(c40, front_c40):
    """Points solved in 2 worker processes give the same front as in-process solving."""
    par = placement.pareto(c40, points=7, workers=2, progress=False, mip_gap=EXACT_GAP)
    assert len(par.points) == len(front_c40.points)
    for a, b in zip(par.points, front_c40.points):
        assert math.isclose(a.values["latency"], b.values["latency"], rel_tol=RTOL)
        assert math.isclose(a.values["energy"], b.values["energy"], rel_tol=RTOL)
    assert par.statistics["workers"] == 2


def test_swapped_axes_give_the_same_front(c40, front_c40):
    """x=latency, y=energy yields the same nondominated set, sorted by latency."""
    sw = placement.pareto(
        c40, x="latency", y="energy", points=7, workers=1, progress=False, mip_gap=EXACT_GAP
    )
    got = sorted((p.values["energy"], p.values["latency"]) for p in sw.points)
    exp = sorted((p.values["energy"], p.values["latency"]) for p in front_c40.points)
    assert len(got) == len(exp)
    for (e1, l1), (e2, l2) in zip(got, exp):
        assert math.isclose(e1, e2, rel_tol=RTOL) and math.isclose(l1, l2, rel_tol=RTOL)


def test_cpsat_front_matches_milp_front(c40, front_c40):
    """The CP-SAT sweep finds the same extremes as the HiGHS sweep."""
    f = placement.pareto(c40, points=3, method="cpsat", workers=1, progress=False)
    assert math.isclose(
        f.points[-1].values["latency"], front_c40.points[-1].values["latency"], rel_tol=1e-6
    )
    assert math.isclose(
        f.points[0].values["energy"], front_c40.points[0].values["energy"], rel_tol=1e-6
    )


def test_heuristic_front_is_feasible_and_dominated_by_exact(c40, front_c40):
    """A Nimbus weight sweep (time_limit ignored) gives feasible points none of which dominates the exact front."""
    if not METHODS["nimbus"].is_available():
        pytest.skip("method 'nimbus' is not available yet")
    f = placement.pareto(c40, points=4, method="nimbus", workers=1, progress=False, time_limit=5)
    assert len(f.points) >= 1
    for p in f.points:
        testing.assert_offloading_feasible(c40, p.result.solution)
        for q in front_c40.points:
            assert not (
                p.values["latency"] < q.values["latency"] - 1e-6
                and p.values["energy"] < q.values["energy"] - 1e-6
            )


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"x": "energy", "y": "energy"}, "y"),
        ({"x": "cost"}, "x"),
        ({"points": 1}, "points"),
        ({"workers": 0}, "workers"),
        ({"time_limit": 0}, "time_limit"),
        ({"method": "nope"}, "method"),
    ],
)
def test_invalid_arguments_name_the_field(kw, field, c40):
    """Bad axes, point counts, workers, limits and methods raise InputError naming the argument."""
    with pytest.raises(InputError) as exc:
        placement.pareto(c40, **{"progress": False, **kw})
    assert exc.value.field == field


def test_cli_pareto_writes_five_monotone_points_csv_and_png(tmp_path, c40):
    """`placement pareto FILE --points 6 --csv F --plot F.png` writes ≥ 5 monotone points, the CSV and the PNG."""
    from placement.cli import main

    inst_path = tmp_path / "c40.json"
    placement.write_instance(c40, str(inst_path))
    csv_path, png_path = tmp_path / "front.csv", tmp_path / "front.png"
    code = main(
        [
            "pareto",
            str(inst_path),
            "--x",
            "energy",
            "--y",
            "latency",
            "--points",
            "6",
            "--csv",
            str(csv_path),
            "--plot",
            str(png_path),
            "--workers",
            "1",
        ]
    )
    assert code == 0
    with open(csv_path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 5
    e = [float(r["energy"]) for r in rows]
    lat = [float(r["latency"]) for r in rows]
    assert all(a < b for a, b in zip(e, e[1:])) and all(a > b for a, b in zip(lat, lat[1:]))
    assert png_path.read_bytes()[:4] == b"\x89PNG"
