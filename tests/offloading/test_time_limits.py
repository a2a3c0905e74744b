"""Time limits are wall-clock limits of the whole solve (warm start, model build,
solver): the overrun stays within 10 % + 1 s (asserted with slack; measured exactly in
``benchmarks/results/offloading/time_limits.md``), and a time-limited exact method
never returns worse than its warm start, with a bound."""

from __future__ import annotations

import time

import pytest

import placement
from placement import testing
from placement.result import Status

#: Extra seconds allowed over the 10 % + 1 s rule on a loaded test machine (a run beside
#: three benchmark jobs on 2 cores once needed more than 3 s); the exact overruns are
#: measured in benchmarks/results/offloading/time_limits.md.
SLACK = 5.0


@pytest.fixture(scope="module")
def ac0():
    """A-C0 with 2000 devices: building and solving its model takes longer than the limits below."""
    return placement.generate("A-C0", devices=2000, seed=5)


@pytest.mark.parametrize(("method", "limit"), [("milp", 2.0), ("cpsat", 2.0), ("lp-bound", 1.0)])
def test_whole_solve_within_limit(ac0, method, limit):
    """solve() with a time limit returns within 10 % + 1 s (+ slack), never worse than its start."""
    placement.solve(ac0, method="nimbus")  # compile the warm start's kernels outside the clock
    t = time.perf_counter()
    res = placement.solve(ac0, method=method, time_limit=limit)
    wall = time.perf_counter() - t
    assert wall < 1.1 * limit + 1.0 + SLACK
    assert res.solution is not None
    testing.assert_offloading_feasible(ac0, res.solution)
    nimbus = placement.solve(ac0, method="nimbus").objective
    assert res.objective <= nimbus + 1e-6
    assert res.bound is not None and res.bound <= res.objective + 1e-6
    if method != "lp-bound":
        assert res.status in (Status.FEASIBLE, Status.OPTIMAL)


def test_limit_shorter_than_preparation_returns_start_with_bound(ac0):
    """A budget spent before the solver starts returns the warm start and a latency bound."""
    res = placement.solve(ac0, method="milp", time_limit=0.05)
    assert res.status == Status.FEASIBLE and res.termination == "time_limit"
    assert res.statistics["incumbent"].startswith("warm start")
    assert res.bound is not None and 0 < res.bound <= res.objective


def test_given_start_is_never_worsened(ac0):
    """A start passed in is returned when the solver finds nothing better within the limit."""
    start = placement.solve(ac0, method="nimbus")
    res = placement.solve(ac0, method="milp", time_limit=0.5, warm_start=start)
    assert res.objective <= start.objective + 1e-6
