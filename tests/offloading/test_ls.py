"""The local search ``ls``: feasible, optimal on tiny instances, deterministic, never worse
than its start, within ε, with a valid bound; its front, slices and online hook."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

try:  # tests/ on sys.path (pytest's default rootdir-less layout)
    from bruteforce import brute_force, random_tiny
except ModuleNotFoundError:  # tests/ collected as a package
    from tests.bruteforce import brute_force, random_tiny

from placement.heuristics.offloading.ls import improve, local_search

import placement
from placement.errors import InputError
from placement.offloading.evaluate import evaluate
from placement.offloading.params import LSParams
from placement.testing import check_offloading, total_latency

TOL = 1e-6
TINY = list(range(30))


def _value(inst, a, objective):
    ev = evaluate(inst, a)
    if objective == "edge":
        return (-ev.objectives["edge"], ev.objective)
    return (ev.total_energy_mj,) if objective == "energy" else (ev.objective,)


@pytest.fixture(scope="module")
def crowded():
    """120 devices on 8 APs and 6 edge nodes (queues and look-ahead bind)."""
    return placement.generate("C", devices=120, seed=5, aps=8, t1=3, t2=2, t3=1)


@pytest.mark.parametrize("objective", ["latency", "energy", "edge"])
def test_reaches_the_brute_force_optimum_on_tiny_instances(objective):
    """From all-local, ls reaches the enumerated optimum of every objective on 30 tiny
    instances (caps, queue tables, unreachable pairs, 1-2 clouds)."""
    for s in TINY:
        inst = random_tiny(s)
        bf = brute_force(inst, objective=objective)
        r = placement.solve(inst, method="ls", objective=objective, start="local", kicks=50)
        assert check_offloading(inst, r.solution) == [], s
        got = _value(inst, r.solution, objective)
        if objective == "edge":
            assert got[0] == -bf.n_edge, s
            assert got[1] <= bf.latency + TOL, s
        else:
            ref = bf.latency if objective == "latency" else bf.energy
            assert got[0] == pytest.approx(ref, abs=TOL), s


@pytest.mark.parametrize("objective", ["latency", "energy"])
def test_epsilon_constraint_is_kept_and_optimal_on_tiny_instances(objective):
    """With ε at 90 % of the other quantity at the unconstrained optimum, ls stays within
    ε and reaches the enumerated ε-constrained optimum."""
    for s in TINY[:20]:
        inst = random_tiny(s)
        b0 = brute_force(inst, objective=objective)
        eps = 0.9 * (b0.energy if objective == "latency" else b0.latency)
        bf = brute_force(inst, objective=objective, epsilon=eps)
        r = placement.solve(
            inst, method="ls", objective=objective, epsilon=eps, start="local", kicks=50
        )
        if bf.assignment is None:
            continue
        assert r.solution is not None, s
        ev = evaluate(inst, r.solution)
        assert check_offloading(inst, r.solution) == [], s
        other = ev.total_energy_mj if objective == "latency" else ev.objective
        assert other <= eps * (1 + 1e-9) + TOL, s
        val = ev.objective if objective == "latency" else ev.total_energy_mj
        assert val == pytest.approx(bf.latency if objective == "latency" else bf.energy, abs=TOL)


def test_latency_bound_is_valid_on_tiny_instances():
    """The bound ls reports never exceeds the enumerated latency optimum."""
    for s in TINY:
        inst = random_tiny(s)
        r = placement.solve(inst, method="ls")
        assert r.bound is not None
        assert r.bound <= brute_force(inst).latency + 1e-6, s
        assert r.bound <= r.objective + 1e-6


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    devices=st.integers(5, 80),
    aps=st.integers(1, 6),
    t1=st.integers(0, 3),
    t2=st.integers(0, 2),
    objective=st.sampled_from(["latency", "energy", "edge"]),
    start=st.sampled_from(["nimbus", "greedy", "cloud", "local"]),
)
def test_feasible_and_never_worse_than_its_start(seed, devices, aps, t1, t2, objective, start):
    """On random instances every result passes the independent checker and is no worse
    than its (repaired) start in the objective optimised."""
    inst = placement.generate(
        "C", devices=devices, seed=seed, aps=aps, t1=min(t1, aps), t2=t2, t3=1
    )
    a0 = placement.solve(inst, method=start).solution
    r = placement.solve(inst, method="ls", objective=objective, start=a0, kicks=5, seed=seed)
    assert check_offloading(inst, r.solution) == []
    if evaluate(inst, a0).violations == 0:
        assert _value(inst, r.solution, objective) <= _value(inst, a0, objective)


def test_same_seed_same_assignment(crowded):
    """Two runs with the same seed give the same assignment (kicks and orders seeded)."""
    a = placement.solve(crowded, method="ls", start="nimbus", seed=7, kicks=30).solution
    b = placement.solve(crowded, method="ls", start="nimbus", seed=7, kicks=30).solution
    assert np.array_equal(a.kind, b.kind) and np.array_equal(a.target, b.target)


def test_time_limit_returns_a_feasible_result_with_its_bound(crowded):
    """A 0.1 s limit (kernels compiled) still returns a checker-feasible assignment
    with a bound no larger than its objective."""
    placement.solve(crowded, method="ls", kicks=1)
    r = placement.solve(crowded, method="ls", time_limit=0.1)
    assert check_offloading(crowded, r.solution) == []
    assert r.bound is not None and r.bound <= r.objective + TOL
    assert r.gap is not None and r.gap >= 0


def test_improves_nimbus_and_beats_relocation(crowded):
    """From Nimbus, ls lowers total latency and ends no worse than the relocation
    improver from the same start."""
    from placement.heuristics.offloading.relocate import improve as relocate

    a0 = placement.solve(crowded, method="nimbus").solution
    r = placement.solve(crowded, method="ls", start=a0, kicks=30)
    reloc, _ = relocate(crowded, a0)
    assert r.objective < total_latency(crowded, a0)
    assert r.objective <= total_latency(crowded, reloc) + TOL


def test_slices_in_parallel_then_a_central_pass(crowded):
    """threads=3 (slices in threads, then the central search) is feasible and no worse
    than its start."""
    a0 = placement.solve(crowded, method="nimbus").solution
    r = placement.solve(crowded, method="ls", start=a0, threads=3, kicks=5)
    assert check_offloading(crowded, r.solution) == []
    assert r.objective <= total_latency(crowded, a0) + TOL
    assert len(r.statistics["slice_times_s"]) == 3


def test_improver_hook_respects_the_move_budget(crowded):
    """improve() moves at most max_moves devices, never raises latency, stays feasible;
    the online controller takes improver='ls'."""
    a0 = placement.solve(crowded, method="nimbus").solution
    for k in (1, 3, 10):
        out, moves = improve(crowded, a0, LSParams(), max_moves=k)
        changed = np.sum((out.kind != a0.kind) | (out.target != a0.target))
        assert changed <= k and moves <= k
        assert check_offloading(crowded, out) == []
        assert total_latency(crowded, out) <= total_latency(crowded, a0) + TOL
    ctl = placement.Controller(crowded, improver="ls", active="all")
    lat0 = total_latency(crowded, ctl.assignment)
    ch = ctl.reoptimize(max_moves=4)
    assert len(ch.moved) <= 4
    assert total_latency(crowded, ctl.assignment) <= lat0 + TOL
    with pytest.raises(InputError):
        placement.Controller(crowded, improver="nope")


def test_infeasible_epsilon_gives_no_solution():
    """ε below the least possible energy: no assignment (proven infeasible by the bound,
    or none found)."""
    inst = random_tiny(3)
    e_min = brute_force(inst, objective="energy").energy
    r = placement.solve(inst, method="ls", epsilon=0.5 * e_min, start="local")
    assert r.solution is None
    assert str(r.status) in ("infeasible", "no_solution")


def test_local_search_without_kicks_is_a_local_optimum(crowded):
    """kicks=0: one descent; a second descent from its result moves nothing."""
    a0 = placement.solve(crowded, method="nimbus").solution
    a1, _ = local_search(crowded, a0, kicks=0)
    a2, tr = local_search(crowded, a1, kicks=0)
    assert tr.moves == 0
    assert np.array_equal(a1.kind, a2.kind) and np.array_equal(a1.target, a2.target)


def test_heuristic_front_is_nondominated_and_within_epsilon():
    """``pareto --method ls``: every point feasible, ε-points within their ε, the front
    nondominated, the least-latency point with its bound."""
    inst = placement.generate("C", devices=60, seed=2, aps=6, t1=3, t2=2, t3=1)
    f = placement.pareto(inst, method="ls", points=5, workers=1, kicks=10)
    assert len(f.points) >= 2
    for p in f.points:
        a = p.result.solution
        assert check_offloading(inst, a) == []
        if p.epsilon is not None and p.result.objective_name == "latency":
            assert evaluate(inst, a).total_energy_mj <= p.epsilon * (1 + 1e-9) + TOL
    xs = [(p.values["energy"], p.values["latency"]) for p in f.points]
    for i, (e, lat) in enumerate(xs):
        for j, (e2, l2) in enumerate(xs):
            assert i == j or not (e2 <= e and l2 <= lat and (e2 < e or l2 < lat))
    low = min(f.points, key=lambda p: p.values["latency"])
    assert low.bound is not None and low.bound <= low.values["latency"] + TOL


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"objective": "edge", "epsilon": 5.0}, "epsilon"),
        ({"time_limit": -1.0}, "time_limit"),
        ({"neighbours": 0}, "neighbours"),
        ({"threads": 0}, "threads"),
        ({"start": 3}, "start"),
        ({"objective": "speed"}, "objective"),
    ],
)
def test_params_reject_nonsense(kw, field):
    """LSParams names the offending field."""
    with pytest.raises(InputError) as e:
        LSParams.build(kw, method="ls")
    assert e.value.field == field


def test_unknown_start_method_is_an_input_error(crowded):
    """start='ls' (itself) and an unknown name are input errors."""
    with pytest.raises(InputError):
        placement.solve(crowded, method="ls", start="ls")
    with pytest.raises(InputError):
        placement.solve(crowded, method="ls", start="nope")


@pytest.mark.parametrize("method", ["flow", "lagrangian", "lp"])
def test_bound_method_is_honoured_and_valid(crowded, method):
    """``bound=`` picks the bound ``ls`` reports (with and without ε); every one stays
    below the MILP optimum of the same problem."""
    milp = placement.solve(crowded, method="milp")
    res = placement.solve(crowded, method="ls", bound=method)
    assert res.statistics["bound_method"] == method
    assert res.bound <= milp.objective + TOL
    eps = 1.02 * evaluate(crowded, milp.solution).total_energy_mj
    milp_e = placement.solve(crowded, method="milp", epsilon=eps)
    res_e = placement.solve(crowded, method="ls", epsilon=eps, bound=method)
    assert res_e.bound <= milp_e.objective + TOL
    assert check_offloading(crowded, res_e.solution) == []


def test_gap_stops_the_search_once_certified(crowded):
    """A loose ``gap`` stops the kicks as soon as the result is certified within it; the
    default searches on (and is never worse)."""
    loose = placement.solve(crowded, method="ls", gap=0.5)
    tight = placement.solve(crowded, method="ls")
    assert loose.gap <= 0.5
    assert loose.statistics["kicks"] == 0
    assert tight.objective <= loose.objective + TOL


def test_ls_rejects_bound_none(crowded):
    with pytest.raises(InputError) as e:
        placement.solve(crowded, method="ls", bound="none")
    assert e.value.field == "bound"
