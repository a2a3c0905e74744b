"""The per-AP Lagrangian latency bound (instances too large for the flow relaxation)."""

from __future__ import annotations

import pytest

try:  # tests/ on sys.path (pytest's default rootdir-less layout)
    from bruteforce import brute_force, random_tiny
except ModuleNotFoundError:  # tests/ collected as a package
    from tests.bruteforce import brute_force, random_tiny

from placement.heuristics.offloading import ls as ls_mod
from placement.heuristics.offloading.bound_large import aggregated_bound
from placement.models.offloading.data import latency_lower_bound

import placement
from placement.result import Status
from placement.testing import check_offloading

#: Float slack of the sums (ms).
SLACK = 1e-6


@pytest.mark.parametrize("seed", range(300, 340))
def test_never_above_the_brute_force_optimum(seed):
    """On 40 random tiny instances (binding caps, tables, unreachable pairs) the bound is
    at most the enumerated least total latency, for any Polyak target."""
    inst = random_tiny(seed, max_devices=6)
    opt = brute_force(inst).latency
    for upper in (None, opt, 2 * opt):
        b, _ = aggregated_bound(inst, upper=upper, max_iterations=200)
        assert b <= opt + SLACK


def test_close_to_the_milp_optimum_on_config_c(small_c):
    """On config C with 200 devices the bound ends within 0.1 % of the MILP optimum and
    above the trivial bound (caps bind little there, so the relaxation is nearly tight)."""
    milp = placement.solve(small_c, method="milp")
    assert milp.status == Status.OPTIMAL
    b, det = aggregated_bound(small_c, upper=milp.objective, max_iterations=400, time_limit=60)
    assert b <= milp.objective + SLACK
    assert b >= 0.999 * milp.objective
    assert b > latency_lower_bound(small_c)
    assert det["iterations"] > 0


def test_ls_uses_it_above_the_pair_limit(small_c, monkeypatch):
    """Above ``MAX_RELAX_PAIRS`` ls reports the aggregated bound and a certified gap."""
    monkeypatch.setattr(ls_mod, "MAX_RELAX_PAIRS", 100)
    res = placement.solve(small_c, method="ls", start="nimbus", time_limit=5)
    assert res.statistics["bound_method"] == "aggregated"
    assert res.bound is not None and res.bound <= res.objective + SLACK
    milp = placement.solve(small_c, method="milp")
    assert res.bound <= milp.objective + SLACK
    assert check_offloading(small_c, res.solution) == []


def test_bound_auto_and_heuristics_use_it_above_the_pair_limit(small_c, monkeypatch):
    """``--bound auto`` on a heuristic switches to the per-AP bound above the pair limit
    (no pair-by-pair pre-filter), still below the MILP optimum."""
    from placement.heuristics.offloading import bounds as bounds_mod

    monkeypatch.setattr(bounds_mod, "MAX_PAIRS", 100)
    b = bounds_mod.lower_bound(small_c, "latency")
    assert b.method == "aggregated"
    res = placement.solve(small_c, method="nimbus", bound="auto")
    milp = placement.solve(small_c, method="milp")
    assert res.bound == pytest.approx(b.value, rel=1e-6)
    assert b.value <= milp.objective + SLACK <= res.objective + SLACK
