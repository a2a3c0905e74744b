"""The relocation local search: feasible, never worse, within its move budget, and a local
optimum of single-device relocations when unbounded."""

from __future__ import annotations

import numpy as np
import pytest
from placement.heuristics.offloading.relocate import improve

import placement
from placement.errors import InputError
from placement.offloading.evaluate import Assignment, evaluate
from placement.offloading.params import RelocateParams
from placement.testing import check_offloading, total_latency


@pytest.fixture(scope="module")
def crowded6():
    """60 devices on 6 APs and 6 edge nodes (queues bind)."""
    return placement.generate("C", devices=60, seed=3, aps=6, t1=3, t2=2, t3=1)


@pytest.mark.parametrize("method", ["nimbus", "cloud", "local"])
def test_unbounded_search_ends_in_a_relocation_optimum(crowded6, method):
    """From any feasible start, no single feasible relocation lowers the latency of the
    result (checked by brute force with the evaluator)."""
    start = placement.solve(crowded6, method=method).solution
    out, moves = improve(crowded6, start)
    assert check_offloading(crowded6, out) == []
    base = evaluate(crowded6, out).objective
    assert base <= evaluate(crowded6, start).objective
    cloud = placement.solve(crowded6, method="cloud").solution
    for i in range(crowded6.n_devices):
        options = [(1, j) for j in range(crowded6.n_nodes)] + [(0, -1)]
        if cloud.kind[i] == 2:
            options.append((2, int(cloud.target[i])))
        for k, t in options:
            kind, target = out.kind.copy(), out.target.copy()
            kind[i], target[i] = k, t
            ev = evaluate(crowded6, Assignment.from_arrays(kind, target))
            if ev.violations == 0:
                assert ev.objective >= base - 1e-6, (i, k, t)


@pytest.mark.parametrize("k", [0, 1, 3, 10])
def test_move_budget(crowded6, k):
    """At most ``max_moves`` moves, each lowering the total latency."""
    start = placement.solve(crowded6, method="local").solution
    out, moves = improve(crowded6, start, max_moves=k)
    changed = int(np.sum((out.kind != start.kind) | (out.target != start.target)))
    assert moves == k and changed <= k
    assert check_offloading(crowded6, out) == []
    if k:
        assert total_latency(crowded6, out) < total_latency(crowded6, start) - 1.0


def test_more_moves_never_hurt(config_c):
    """The latency reached falls as the budget grows (the best moves go first)."""
    start = placement.solve(config_c, method="nimbus").solution
    lat = [evaluate(config_c, improve(config_c, start, max_moves=k)[0]).objective
           for k in (0, 10, 100, 1000)]  # fmt: skip
    assert lat == sorted(lat, reverse=True) and lat[-1] < lat[0]


def test_time_limit_is_a_parameter():
    """The time limit is validated like every other parameter."""
    with pytest.raises(InputError, match="time_limit"):
        RelocateParams(time_limit=0)
    assert RelocateParams(time_limit=0.5).time_limit == 0.5


def test_refuses_inactive_or_lte(crowded6):
    """Only Wi-Fi assignments of active devices are improved."""
    n = crowded6.n_devices
    with pytest.raises(InputError, match="Wi-Fi"):
        improve(crowded6, Assignment.from_arrays(np.full(n, 3), np.full(n, -1)))
    lte = placement.solve(crowded6, method="cloud4g").solution
    if lte.lte.any():
        with pytest.raises(InputError, match="Wi-Fi"):
            improve(crowded6, lte)
