"""pytest-benchmark micro benchmarks of the Nimbus heuristics (fixed seeds).

Not collected by the default test run (``testpaths = tests``). Run with
``pytest benchmarks/micro/test_bench_nimbus.py --benchmark-only``. The kernels are
compiled (or loaded from Numba's cache) before timing; each round is one full
``solve()`` of the method, so the figures include the evaluator.
"""

from __future__ import annotations

import pytest
from placement.heuristics.offloading.nimbus import ensure_compiled

import placement


@pytest.fixture(scope="module")
def inst_c() -> placement.OffloadingInstance:
    """Config C, 1000 devices × 152 nodes, generator seed 1."""
    ensure_compiled()
    return placement.generate("C", devices=1000, seed=1)


@pytest.fixture(scope="module")
def inst_a4000() -> placement.OffloadingInstance:
    """A-C0 with 4000 devices × 560 nodes, generator seed 1."""
    ensure_compiled()
    return placement.generate("A-C0", devices=4000, seed=1)


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("nimbus", {}),
        ("nimbus", {"kappa": 10}),
        ("nimbus", {"lookahead": "paper"}),
        ("greedy", {}),
        ("mt", {"threads": 2}),
        ("2pmt", {"threads": 2}),
    ],
)
def test_bench_config_c(benchmark, inst_c, method, params):
    """Solve config C with each heuristic (seed 0); the exact variants leave no violation."""
    res = benchmark(placement.solve, inst_c, method=method, seed=0, **params)
    assert res.metrics["edge"] > 0
    if method != "greedy" and params.get("lookahead") != "paper":
        assert res.metrics["violations"] == 0


@pytest.mark.parametrize(("method", "threads"), [("nimbus", 1), ("mt", 4), ("2pmt", 4)])
def test_bench_a_c0_4000(benchmark, inst_a4000, method, threads):
    """Solve A-C0 × 4000 (seed 0) with Nimbus ST, MT-4 and 2PMT-4."""
    params = {} if method == "nimbus" else {"threads": threads}
    res = benchmark(placement.solve, inst_a4000, method=method, seed=0, **params)
    assert res.metrics["violations"] == 0
