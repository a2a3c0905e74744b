"""Stopping criteria of iterative methods (local searches, sweeps): tiny callables.

A criterion is called once per iteration with the best objective found so far and
returns ``True`` when the method should stop. Criteria keep their own state (start
time, counters), so make a fresh one per run; combine them with
:class:`MultipleCriteria` (stops when any says stop).

>>> stop = MultipleCriteria([MaxIterations(1000), MaxRuntime(2.0)])
>>> stop(123.4)
False
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Protocol

from placement.params import check_int, check_number


class StoppingCriterion(Protocol):
    """Called once per iteration with the best objective so far; ``True`` = stop."""

    def __call__(self, best: float) -> bool: ...


class MaxRuntime:
    """Stop once ``seconds`` of wall-clock time have passed since the first call
    (or since ``start``, a ``time.perf_counter()`` value)."""

    def __init__(self, seconds: float, start: float | None = None) -> None:
        self.seconds = check_number("time_limit", seconds, lo=0.0)
        self.start = start

    def __call__(self, best: float) -> bool:
        now = time.perf_counter()
        if self.start is None:
            self.start = now
        return now - self.start >= self.seconds

    def remaining(self) -> float:
        """Seconds left (the full budget before the first call)."""
        if self.start is None:
            return self.seconds
        return max(0.0, self.seconds - (time.perf_counter() - self.start))


class MaxIterations:
    """Stop after ``iterations`` calls."""

    def __init__(self, iterations: int) -> None:
        self.iterations = check_int("iterations", iterations, 0)
        self.count = 0

    def __call__(self, best: float) -> bool:
        self.count += 1
        return self.count > self.iterations


class NoImprovement:
    """Stop after ``iterations`` consecutive calls without a relative improvement of
    more than ``rtol`` of the best objective (minimisation)."""

    def __init__(self, iterations: int, rtol: float = 0.0) -> None:
        self.iterations = check_int("no_improvement", iterations, 1)
        self.rtol = check_number("rtol", rtol, lo=0.0)
        self.best = math.inf
        self.since = 0

    def __call__(self, best: float) -> bool:
        if best < self.best - self.rtol * abs(self.best if math.isfinite(self.best) else 0.0):
            self.best = best
            self.since = 0
        else:
            self.since += 1
        return self.since >= self.iterations


class MultipleCriteria:
    """Stop when any of ``criteria`` says stop (each is called every time)."""

    def __init__(self, criteria: Sequence[StoppingCriterion]) -> None:
        self.criteria = list(criteria)

    def __call__(self, best: float) -> bool:
        return any([c(best) for c in self.criteria])
