"""map_jobs runs the same jobs on every backend and keeps the input order."""

from __future__ import annotations

import operator

import pytest

from placement import InputError
from placement.executors import map_jobs

# a stdlib function: picklable by reference and importable in every worker process
_power = operator.pow


@pytest.mark.parametrize("backend", ["serial", "thread", "process"])
def test_backends_agree_and_keep_order(backend):
    """Every backend returns func(*job) in input order."""
    jobs = [(k, 2) for k in range(7)]
    assert map_jobs(_power, jobs, backend=backend, workers=2) == [k * k for k in range(7)]


def test_dask_backend_when_installed():
    """The dask backend gives the same results on a local cluster (skipped without dask)."""
    pytest.importorskip("dask.distributed")
    assert map_jobs(_power, [(3, 3), (2, 5)], backend="dask", workers=1) == [27, 32]


@pytest.mark.parametrize("backend", ["serial", "thread", "threads", "process", "processes", "dask"])
def test_single_job_gets_the_shared_object_on_every_backend(backend):
    """One job runs in the calling process with ``shared`` as its first argument, whatever the
    backend (a single-point Dask sweep used to lose it)."""
    assert map_jobs(_power, [(3,)], backend=backend, shared=2) == [8]


@pytest.mark.parametrize(
    ("kw", "field"), [({"backend": "mpi"}, "backend"), ({"workers": 0}, "workers")]
)
def test_bad_parameters(kw, field):
    """Unknown backends and workers < 1 are rejected with the parameter named."""
    with pytest.raises(InputError) as info:
        map_jobs(_power, [(1, 1)], **kw)
    assert info.value.field == field


def test_session_keeps_a_given_address_and_starts_nothing_for_pools():
    """``session`` yields the given Dask address unchanged, and ``None`` for local pools."""
    from placement.executors import session

    with session("dask", address="tcp://scheduler:8786") as addr:
        assert addr == "tcp://scheduler:8786"
    with session("threads") as addr:
        assert addr is None


def test_session_local_cluster_serves_several_calls():
    """Without an address ``session`` starts one local Dask cluster for several map_jobs calls."""
    pytest.importorskip("dask.distributed")
    from placement.executors import session

    with session("dask", workers=1) as addr:
        assert addr.startswith("tcp://")
        for k in (2, 3):
            assert map_jobs(_power, [(k, 2), (k, 3)], backend="dask", address=addr) == [k**2, k**3]
