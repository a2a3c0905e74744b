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
