"""pytest-benchmark micro benchmarks of the online controller (fixed seeds).

Not collected by the default test run. Run with
``pytest benchmarks/micro/test_bench_online.py --benchmark-only``. Each round is one
departure and one arrival of the same device (the state returns to where it was), or
one re-optimisation of a churned state.
"""

from __future__ import annotations

import numpy as np
import pytest

import placement
from placement.online import Controller


@pytest.fixture(scope="module")
def ctl_a4000() -> Controller:
    """A-C0 with 4000 devices, every device active (Nimbus from scratch)."""
    return Controller(placement.generate("A-C0", devices=4000, seed=1), active="all")


def test_depart_then_arrive_a4000(benchmark, ctl_a4000):
    """One departure and one arrival of the same device on A-C0 x 4000."""
    ids = iter(np.random.default_rng(0).integers(0, 4000, 10**6).tolist())

    def step():
        i = next(ids)
        ctl_a4000.depart(i)
        ctl_a4000.arrive(i)

    benchmark(step)
    assert ctl_a4000.evaluate().violations == 0


def test_reoptimize_100_moves_config_c(benchmark):
    """``reoptimize(max_moves=100)`` on config C after a third of the devices left."""
    inst = placement.generate("C", devices=1000, seed=1)

    def setup():
        ctl = Controller(inst, active="all")
        for i in range(0, 1000, 3):
            ctl.depart(i)
        return (ctl,), {}

    ch = benchmark.pedantic(lambda ctl: ctl.reoptimize(max_moves=100), setup=setup, rounds=5)
    assert len(ch.moved) == 100
