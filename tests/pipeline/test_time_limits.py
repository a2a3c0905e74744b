"""The pipeline MILP's time limit is a wall-clock limit of the whole solve: model build
and load into HiGHS included (asserted with slack; measured exactly in
``benchmarks/results/offloading/time_limits.md``)."""

from __future__ import annotations

import time

import pytest

import placement
from placement.pipeline.generate import generate_pipeline
from placement.result import Status

#: Extra seconds allowed over the 10 % + 1 s rule on a loaded test machine (a run beside
#: three benchmark jobs on 2 cores once needed more than 3 s); the exact overruns are
#: measured in benchmarks/results/offloading/time_limits.md.
SLACK = 5.0


@pytest.fixture(scope="module")
def big():
    """A generated instance whose layered model takes longer to build and load than 3 s."""
    return generate_pipeline("mixed", 120, 60, seed=3)


def test_pipeline_milp_within_limit(big):
    """The whole pipeline solve ends within 10 % + 1 s (+ slack) of its limit."""
    t = time.perf_counter()
    res = placement.solve(big, method="milp", time_limit=3.0)
    wall = time.perf_counter() - t
    assert wall < 1.1 * 3.0 + 1.0 + SLACK
    assert res.termination in ("time_limit", "optimal")
    if res.status == Status.NO_SOLUTION:
        assert res.solution is None and res.objective is None
