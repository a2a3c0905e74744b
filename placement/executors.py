"""Where independent jobs run: serially, in threads, in processes, or on a Dask cluster.

The one fan-out of the package: Pareto sweeps, partitioned MILPs and benchmark sweeps
hand a picklable function and its arguments to :func:`map_jobs`; the backend is a
parameter, so the same sweep runs on a laptop, on all cores of one machine, or on a
Dask cluster ("when one machine is not enough") without changing the caller. A large
object every job needs (the instance) is passed once per worker as ``shared``, not
once per job. Results come back in input order; a progress bar shows on long runs.

Threads suit solver jobs (HiGHS and CP-SAT release the GIL). Process workers are
*spawned* (never forked from a process whose solver threads may hold locks) without
re-running the calling script, so a plain script without an ``if __name__ ==
"__main__"`` guard works (unless the job function itself lives in that script).
Ctrl-C or SIGTERM (:mod:`placement.stop`): jobs not started are cancelled, running
solver jobs stop, process workers are ended, and ``KeyboardInterrupt`` is raised.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from contextlib import contextmanager
from typing import Any, TypeVar

from placement import console
from placement.errors import InputError
from placement.stop import cooperative, install_worker_handlers, interrupted

logger = logging.getLogger(__name__)

T = TypeVar("T")
BACKENDS = ("serial", "thread", "process", "dask")
#: Plural spellings accepted everywhere a backend is named (``--executor threads``).
ALIASES = {"threads": "thread", "processes": "process"}
#: Every accepted backend name, canonical names first.
BACKEND_NAMES = BACKENDS + tuple(ALIASES)


def normalize_backend(backend: str) -> str:
    """The canonical name of ``backend`` (``threads`` → ``thread``, ``processes`` →
    ``process``; others unchanged)."""
    return ALIASES.get(backend, backend)


def default_workers() -> int:
    """Cores available to this process (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


def map_jobs(
    func: Callable[..., T],
    jobs: Sequence[tuple[Any, ...]] | Iterable[tuple[Any, ...]],
    *,
    backend: str = "process",
    workers: int | None = None,
    address: str | None = None,
    progress: str | None = None,
    shared: Any = None,
) -> list[T]:
    """Run ``func(*job)`` (``func(shared, *job)`` with ``shared``) for every job and
    return the results in input order.

    Parameters
    ----------
    func
        A module-level (picklable) function.
    jobs
        Argument tuples.
    backend
        ``serial``, ``thread``, ``process`` (default) or ``dask`` (needs the ``dask``
        extra; ``address`` names the scheduler, else a local cluster is started and
        shut down when the jobs are done); ``threads`` / ``processes`` are accepted.
    workers
        Parallel workers (default: the cores available; ignored by ``serial``).
    address
        Dask scheduler address (``tcp://host:8786``), or ``$PLACEMENT_DASK_ADDRESS``.
    progress
        Description of a progress bar (shown when stderr is a terminal), or ``None``.
    shared
        An object passed as the first argument of every call, sent to each worker
        once (process pool initializer, Dask scatter) instead of with every job.

    Raises
    ------
    InputError
        For an unknown backend, ``workers < 1``, or ``dask`` when it is not installed.
    """
    backend = normalize_backend(backend)
    if backend not in BACKENDS:
        raise InputError(
            f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}", field="backend"
        )
    if workers is not None and workers < 1:
        raise InputError(f"Expected workers >= 1, got {workers}.", field="workers")
    jobs = list(jobs)
    n = len(jobs)
    in_process = backend == "serial" or n <= 1 or (workers == 1 and backend != "dask")
    user_func = func
    if shared is not None:
        if backend == "process" and not in_process:
            jobs = [(func, *job) for job in jobs]
            func = _call_with_shared  # type: ignore[assignment]
        elif backend != "dask" or in_process:
            jobs = [(shared, *job) for job in jobs]
    bar = None
    if progress and n > 1:
        bar = console.progress(total=n, desc=progress, leave=False)
    try:
        if in_process:
            out = []
            for job in jobs:
                if interrupted():
                    raise KeyboardInterrupt
                out.append(func(*job))
                if bar is not None:
                    bar.update(1)
            return out
        if backend == "dask":
            return _map_dask(func, jobs, workers, address, bar, shared)
        w = min(workers or default_workers(), n)
        if backend == "thread":
            pool: Executor = ThreadPoolExecutor(w, thread_name_prefix="placement-job")
        else:
            pool = ProcessPoolExecutor(
                w,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(shared,),
            )
        return _run_pool(pool, func, jobs, bar, keep_main=user_func.__module__ == "__main__")
    finally:
        if bar is not None:
            bar.close()


def _run_pool(
    pool: Executor, func: Callable[..., T], jobs: list[tuple[Any, ...]], bar: Any, keep_main: bool
) -> list[T]:
    """Submit every job and collect the results in order; on Ctrl-C / SIGTERM (or a
    failing job) cancel what has not started, end process workers and re-raise."""
    results: list[Any] = [None] * len(jobs)
    try:
        with _spawn_without_main(isinstance(pool, ProcessPoolExecutor) and not keep_main):
            futures = {pool.submit(func, *job): k for k, job in enumerate(jobs)}
        pending = set(futures)
        with cooperative():
            while pending:
                done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                for fut in done:
                    results[futures[fut]] = fut.result()
                    if bar is not None:
                        bar.update(1)
                if interrupted():
                    raise KeyboardInterrupt
    except BaseException:
        _abort(pool)
        raise
    pool.shutdown(wait=True)
    return results


def _abort(pool: Executor) -> None:
    """Cancel the jobs not started; stop process workers (SIGTERM, then SIGKILL)."""
    by_pid = getattr(pool, "_processes", None)  # private, but stable since Python 3.2
    procs = list(by_pid.values()) if isinstance(by_pid, dict) else []
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        with contextlib.suppress(Exception):
            p.terminate()
    end = time.perf_counter() + 1.0
    for p in procs:
        with contextlib.suppress(Exception):
            p.join(max(0.0, end - time.perf_counter()))
            if p.is_alive():
                p.kill()
                p.join(1.0)


@contextlib.contextmanager
def _spawn_without_main(hide: bool) -> Iterator[None]:
    """Start spawned workers without the calling script: with ``hide``, the main
    module's ``__file__`` / ``__spec__`` are hidden while workers start, so a plain
    script without an ``if __name__ == "__main__"`` guard is not run again in every
    worker (the jobs' functions live in the package, not in the script)."""
    main = sys.modules.get("__main__")
    if not hide or main is None:
        yield
        return
    saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if k in main.__dict__}
    main.__dict__.pop("__file__", None)
    main.__dict__["__spec__"] = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


_SHARED: Any = None


def _init_worker(obj: Any) -> None:
    """Worker process start: Ctrl-C / SIGTERM stop its solve without a traceback (the
    parent decides), and the shared object is kept for every job."""
    install_worker_handlers()
    _set_shared(obj)


def _set_shared(obj: Any) -> None:
    global _SHARED
    _SHARED = obj


def _call_with_shared(func: Callable[..., T], *args: Any) -> T:
    return func(_SHARED, *args)


def _local_cluster(workers: int | None) -> Any:
    try:
        from dask.distributed import LocalCluster
    except ImportError:
        raise InputError(
            "the dask backend needs the optional dependency: pip install 'placement[dask]'",
            field="backend",
        ) from None
    return LocalCluster(
        n_workers=workers or default_workers(),
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",  # any free port: two commands never clash on 8787
        silence_logs=logging.WARNING,
    )


@contextmanager
def session(
    backend: str, workers: int | None = None, address: str | None = None
) -> Iterator[str | None]:
    """Keep one Dask cluster for several :func:`map_jobs` calls.

    Yields the scheduler address to pass as ``address``: the given one (or
    ``$PLACEMENT_DASK_ADDRESS``) when there is one, else that of a local cluster started
    here and shut down on exit. Other backends yield ``address`` unchanged.
    """
    backend = normalize_backend(backend)
    address = address or (os.environ.get("PLACEMENT_DASK_ADDRESS") if backend == "dask" else None)
    if backend != "dask" or address:
        yield address
        return
    cluster = _local_cluster(workers)
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def _map_dask(
    func: Callable[..., T],
    jobs: list[tuple[Any, ...]],
    workers: int | None,
    address: str | None,
    bar: Any,
    shared: Any = None,
) -> list[T]:
    address = address or os.environ.get("PLACEMENT_DASK_ADDRESS")
    cluster = None if address else _local_cluster(workers)
    try:
        from dask.distributed import Client
        from dask.distributed import as_completed as dask_completed
    except ImportError:  # pragma: no cover - _local_cluster raised already without an address
        raise InputError(
            "the dask backend needs the optional dependency: pip install 'placement[dask]'",
            field="backend",
        ) from None
    client = Client(address) if address else Client(cluster)
    try:
        if shared is not None:
            handle = client.scatter(shared, broadcast=True)
            jobs = [(handle, *job) for job in jobs]
        futures = [client.submit(func, *job, pure=False) for job in jobs]
        index = {f.key: k for k, f in enumerate(futures)}
        results: list[Any] = [None] * len(jobs)
        for fut in dask_completed(futures):
            results[index[fut.key]] = fut.result()
            if bar is not None:
                bar.update(1)
        return results
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
