"""Solver status vocabulary and the :class:`Result` every ``solve()`` returns.

The vocabulary follows linopy's ``constants.py`` / ``pyomo.contrib.solver``: a
*termination condition* (why the solver stopped) and a *solution status* (what
the returned solution is worth). ``Result.status`` is the short string written
to solution files.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from typing import Any


class Status(enum.StrEnum):
    """What a returned solution is worth (written to solution files)."""

    OPTIMAL = "optimal"
    """Proven optimal (within the requested gap)."""
    FEASIBLE = "feasible"
    """A feasible solution; optimality not proven (time limit, gap limit)."""
    HEURISTIC = "heuristic"
    """Produced by a heuristic: no bound, no proof."""
    INFEASIBLE = "infeasible"
    """The model has no feasible solution (proven)."""
    NO_SOLUTION = "no_solution"
    """The solver stopped (time limit) before it found any feasible solution."""
    ERROR = "error"
    """The solver failed."""

    def __str__(self) -> str:
        return self.value


class Termination(enum.StrEnum):
    """Why a solver stopped."""

    OPTIMAL = "optimal"
    TIME_LIMIT = "time_limit"
    ITERATION_LIMIT = "iteration_limit"
    GAP_LIMIT = "gap_limit"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    COMPLETED = "completed"
    """A heuristic ran to its end."""
    ERROR = "error"

    def __str__(self) -> str:
        return self.value


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """Relative gap ``|objective - bound| / max(|objective|, 1e-10)``, or ``None``."""
    if objective is None or bound is None:
        return None
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return None
    return abs(objective - bound) / max(abs(objective), 1e-10)


@dataclass
class Result:
    """Outcome of one ``solve()`` call.

    Attributes
    ----------
    method
        Registry name of the method that produced it.
    status
        What the solution is worth (:class:`Status`).
    termination
        Why the solver stopped (:class:`Termination`).
    objective
        Objective of the returned solution as recomputed by the evaluator
        (``None`` without a solution).
    bound
        Proven lower bound (minimisation) or ``None`` (heuristics report none).
    runtime
        Wall-clock seconds of the solve (allocation only, excluding I/O).
    solution
        The problem-specific solution object (an offloading ``Assignment`` or a
        pipeline placement), or ``None``.
    metrics
        Problem-specific aggregate metrics from the evaluator.
    statistics
        Solver details (per-slice times, threads, node counts, ...).
    params
        The parameters the method ran with.
    seed
        The integer seed.
    """

    method: str
    status: Status
    termination: Termination
    objective: float | None
    bound: float | None
    runtime: float
    solution: Any = None
    metrics: dict[str, Any] = field(default_factory=dict)
    statistics: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    evaluation: Any = None

    @property
    def gap(self) -> float | None:
        """Relative gap between objective and bound, ``None`` without a bound."""
        return relative_gap(self.objective, self.bound)

    @property
    def assignment(self) -> Any:
        """Alias of :attr:`solution` for offloading results."""
        return self.solution

    @property
    def feasible(self) -> bool:
        """Whether a solution is present (not whether it violates nothing)."""
        return self.solution is not None and self.status in (
            Status.OPTIMAL,
            Status.FEASIBLE,
            Status.HEURISTIC,
        )

    def summary(self) -> str:
        """One-line human summary."""
        obj = "-" if self.objective is None else f"{self.objective:.6g}"
        bnd = "-" if self.bound is None else f"{self.bound:.6g}"
        gap = self.gap
        g = "-" if gap is None else f"{100 * gap:.3f}%"
        rt = f"{1000 * self.runtime:.3g} ms" if self.runtime < 1 else f"{self.runtime:.3f} s"
        return f"{self.method}: status={self.status} objective={obj} bound={bnd} gap={g} runtime={rt}"
