"""Dask as an executor: the same seed gives the same front and the same partitioned solve
on a Dask cluster as in threads (one local cluster for the module)."""

from __future__ import annotations

import pytest

import placement

distributed = pytest.importorskip("dask.distributed")

GAP = 1e-9


@pytest.fixture(scope="module")
def address():
    """A local two-worker Dask cluster for this module, shut down at its end."""
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


@pytest.fixture(scope="module")
def c30():
    """Config C with 30 devices."""
    return placement.generate("C", devices=30, seed=3)


def _same_front(a, b):
    assert [p.values for p in a.points] == [p.values for p in b.points]
    for p, q in zip(a.points, b.points):
        assert p.result.assignment.to_dict() == q.result.assignment.to_dict()


def test_dask_milp_front_equals_threaded_front(c30, address):
    """A 4-point exact front on Dask equals the threaded one, point for point."""
    kw = {"points": 4, "workers": 2, "progress": False, "seed": 5, "mip_gap": GAP}
    threads = placement.pareto(c30, executor="threads", **kw)
    dask = placement.pareto(c30, executor="dask", address=address, **kw)
    _same_front(threads, dask)
    assert dask.statistics["executor"] == "dask" and threads.statistics["executor"] == "thread"


def test_dask_heuristic_sweep_equals_threaded_sweep(c30, address):
    """The α/β sweep of Nimbus with κ = 3 (seeded random subsets) is the same on Dask."""
    kw = {"method": "nimbus", "points": 6, "workers": 2, "progress": False, "seed": 9, "kappa": 3}
    _same_front(
        placement.pareto(c30, executor="thread", **kw),
        placement.pareto(c30, executor="dask", address=address, **kw),
    )


def test_dask_partitioned_milp_equals_threads(address):
    """``2pmt-milp`` with its slices on Dask gives the threaded assignment."""
    inst = placement.generate("C", devices=60, seed=4)
    kw = {"method": "2pmt-milp", "threads": 2, "seed": 1}
    a = placement.solve(inst, executor="threads", **kw)
    b = placement.solve(inst, executor="dask", address=address, **kw)
    assert a.assignment.to_dict() == b.assignment.to_dict()
    assert a.objective == b.objective and b.params["executor"] == "dask"
