"""Stopping criteria: each stops exactly at its limit; combinations stop on the first."""

from __future__ import annotations

import time

import pytest

from placement.errors import InputError
from placement.stop import MaxIterations, MaxRuntime, MultipleCriteria, NoImprovement


def test_max_iterations_stops_after_n_calls():
    """MaxIterations(3) lets three iterations run and stops the fourth."""
    stop = MaxIterations(3)
    assert [stop(0.0) for _ in range(5)] == [False, False, False, True, True]


def test_no_improvement_counts_calls_without_progress():
    """NoImprovement(2) stops after two calls that do not beat the best value."""
    stop = NoImprovement(2)
    assert [stop(v) for v in (10.0, 9.0, 9.0, 8.0, 8.0, 8.0)] == [
        False,
        False,
        False,
        False,
        False,
        True,
    ]


def test_max_runtime_measures_from_first_call():
    """MaxRuntime stops once its budget has passed since the first call."""
    stop = MaxRuntime(0.05)
    assert stop(1.0) is False
    time.sleep(0.06)
    assert stop(1.0) is True and stop.remaining() == 0.0


def test_multiple_criteria_stop_on_any():
    """MultipleCriteria stops as soon as one criterion does."""
    stop = MultipleCriteria([MaxIterations(2), MaxRuntime(60)])
    assert [stop(0.0) for _ in range(3)] == [False, False, True]


@pytest.mark.parametrize(
    "make", [lambda: MaxIterations(-1), lambda: MaxRuntime(-1.0), lambda: NoImprovement(0)]
)
def test_nonsense_limits_are_rejected(make):
    """Negative limits and a zero patience are input errors."""
    with pytest.raises(InputError):
        make()


# ------------------------------------------------------------------ deadlines and stops
def test_deadline_budget_and_reserve():
    """A Deadline spends from one budget; the solver gets what is left minus the reserve."""
    from placement.stop import RESERVE_FRACTION, RESERVE_S, Deadline

    dl = Deadline(10.0, start=time.perf_counter() - 4.0)
    assert 5.9 < dl.remaining() <= 6.0
    assert dl.for_solver() == pytest.approx(
        dl.remaining() - (RESERVE_FRACTION * 10 + RESERVE_S), abs=0.01
    )
    assert not dl.expired() and dl.solver_has_time()
    over = Deadline(1.0, start=time.perf_counter() - 2.0)
    assert over.expired() and not over.solver_has_time() and over.for_solver() == 0.05
    free = Deadline(None)
    assert free.for_solver() is None and free.remaining() == float("inf") and free.solver_has_time()


def test_solve_clock_starts_the_budget():
    """Budgets created under solve_clock count from its start (loading included)."""
    from placement.stop import Deadline, solve_clock

    with solve_clock(time.perf_counter() - 3.0):
        assert Deadline(5.0).remaining() < 2.01
    assert Deadline(5.0).remaining() > 4.9


def test_run_blocking_abandons_a_solver_that_ignores_its_limit():
    """A call past its time limit is asked to stop, then abandoned after the grace period."""
    from placement.stop import CANCEL_GRACE, TIME_GRACE, run_blocking

    asked = []
    t = time.perf_counter()
    out = run_blocking(lambda: time.sleep(5), cancel=lambda: asked.append(1), time_limit=0.2)
    dt = time.perf_counter() - t
    assert not out.finished and out.stopped == "time_limit" and asked == [1]
    assert 0.2 + TIME_GRACE + CANCEL_GRACE - 0.05 < dt < 0.2 + TIME_GRACE + CANCEL_GRACE + 1.0


def test_run_blocking_returns_a_cooperative_solver_and_its_errors():
    """A solver that stops when asked returns its value; its exceptions propagate."""
    import threading

    from placement.stop import run_blocking

    ev = threading.Event()
    out = run_blocking(lambda: ev.wait(10) and "stopped", cancel=ev.set, time_limit=0.1)
    assert out.finished and out.value == "stopped" and out.stopped == "time_limit"

    def boom():
        raise ValueError("solver failed")

    with pytest.raises(ValueError, match="solver failed"):
        run_blocking(boom)


def test_request_stop_interrupts_run_blocking():
    """A stop request (as Ctrl-C makes) stops a running solver: outcome 'interrupted'."""
    import threading

    from placement.stop import clear_stop, interrupted, request_stop, run_blocking

    ev = threading.Event()
    threading.Timer(0.2, request_stop).start()
    try:
        t = time.perf_counter()
        out = run_blocking(lambda: ev.wait(10), cancel=ev.set)
        assert out.finished and out.stopped == "interrupted" and interrupted()
        assert time.perf_counter() - t < 2
    finally:
        clear_stop()


def test_time_guard_stops_python_code_not_solver_waits():
    """time_guard raises OutOfTime into a Python loop at the deadline, never inside a
    run_blocking wait, and a nested guard is a no-op."""
    from placement.stop import Deadline, OutOfTime, run_blocking, time_guard

    t = time.perf_counter()
    with pytest.raises(OutOfTime):
        with time_guard(Deadline(0.3)):
            with time_guard(Deadline(0.05)):  # nested: the outer one rules
                while True:
                    sum(range(1000))
    assert 0.25 < time.perf_counter() - t < 2.0
    with time_guard(Deadline(0.1)):
        out = run_blocking(lambda: time.sleep(0.4))
    assert out.finished
    with time_guard(Deadline(5.0)):
        x = sum(range(10))
    time.sleep(0.1)  # nothing pending after a block that ended in time
    assert x == 45
