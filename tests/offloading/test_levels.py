"""The level search: exact at fixed levels, feasible, never worse than its input."""

from __future__ import annotations

import numpy as np
import pytest

try:  # tests/ on sys.path (pytest's default rootdir-less layout)
    from bruteforce import brute_force, random_tiny
except ModuleNotFoundError:  # tests/ collected as a package
    from tests.bruteforce import brute_force, random_tiny

from placement.heuristics.offloading.flow import relaxation_data
from placement.heuristics.offloading.levels import LevelFlow, level_search

import placement
from placement.offloading.evaluate import Assignment, evaluate
from placement.testing import check_offloading

TOL = 1e-6


def _energy_data(inst):
    return relaxation_data(inst, latency_weight=0.0, energy_weight=1.0)


@pytest.mark.parametrize("seed", range(700, 740))
def test_flow_at_the_optimums_levels_is_optimal(seed):
    """At the node loads of the brute-force energy optimum the level flow is feasible and
    reaches that optimum (the optimum is one of its flows, and every flow is feasible)."""
    inst = random_tiny(seed, max_devices=6)
    opt = brute_force(inst, "energy")
    if opt.assignment is None or inst.n_nodes == 0:
        pytest.skip("no feasible assignment or no node")
    lf = LevelFlow(_energy_data(inst))
    _, a = lf.solve(opt.assignment.loads(inst.n_nodes).astype(np.int64))
    assert check_offloading(inst, a) == []
    assert evaluate(inst, a).total_energy_mj == pytest.approx(opt.energy, abs=TOL)


@pytest.mark.parametrize("seed", range(740, 760))
def test_any_levels_give_a_feasible_assignment(seed):
    """Random levels (within each node's capacity) always give a feasible assignment."""
    inst = random_tiny(seed, max_devices=6)
    if inst.n_nodes == 0:
        pytest.skip("no node")
    rng = np.random.default_rng(seed)
    lf = LevelFlow(_energy_data(inst))
    for _ in range(5):
        lv = rng.integers(0, inst.n_devices + 2, size=inst.n_nodes)
        lv = np.minimum(lv, np.asarray(inst.node_capacity)).astype(np.int64)
        _, a = lf.solve(lv)
        assert check_offloading(inst, a) == []
        assert np.all(a.loads(inst.n_nodes) <= lv)


@pytest.fixture(scope="module")
def crowded():
    """120 devices on 8 APs and 6 edge nodes (caps bind)."""
    return placement.generate("C", devices=120, seed=5, aps=8, t1=3, t2=2, t3=1)


@pytest.mark.parametrize("start", ["local", "nimbus", "greedy"])
def test_search_is_feasible_and_never_worse(crowded, start):
    """From any start (greedy's breaks deadlines here) the result passes the checker;
    from a feasible one it uses no more energy, from all-local strictly less."""
    a0 = placement.solve(crowded, method=start).solution
    ev0 = evaluate(crowded, a0)
    a, stats = level_search(crowded, a0, _energy_data(crowded), max_sweeps=3)
    assert check_offloading(crowded, a) == []
    e, e0 = evaluate(crowded, a).total_energy_mj, ev0.total_energy_mj
    assert start != "greedy" or ev0.violations > 0
    if ev0.violations == 0:
        assert e <= e0 + TOL
    assert stats["solves"] >= 1
    if start == "local":
        assert e < e0 - 1.0


def test_ls_energy_polishes_with_levels(crowded):
    """``ls`` with the energy objective runs the level search (statistics), is feasible,
    is at least as good as without it and keeps a valid bound."""
    on = placement.solve(crowded, method="ls", objective="energy")
    off = placement.solve(crowded, method="ls", objective="energy", level_sweeps=0)
    assert on.statistics["levels"]["sweeps"] >= 1
    assert "levels" not in off.statistics
    assert check_offloading(crowded, on.solution) == []
    assert on.objective <= off.objective + TOL
    assert on.bound <= on.objective + TOL


def test_all_local_levels_zero_is_the_outside_optimum(crowded):
    """Levels 0 everywhere: every device on its cheapest cloud/local option."""
    lf = LevelFlow(_energy_data(crowded))
    _, a = lf.solve(np.zeros(crowded.n_nodes, dtype=np.int64))
    assert not np.any(a.kind == 1)
    assert evaluate(crowded, a).total_energy_mj == pytest.approx(float(lf.out.sum()), rel=1e-12)
    assert isinstance(a, Assignment)
