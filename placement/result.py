"""Solver status vocabulary, :class:`RawSolution` and the :class:`Result` every
``solve()`` returns, for both problems.

The vocabulary follows linopy's ``constants.py`` / ``pyomo.contrib.solver``: a
*termination condition* (why the solver stopped) and a *solution status* (what
the returned solution is worth). ``Result.status`` is the short string written
to solution files.

A solver backend and a method function both return a :class:`RawSolution`; the
problem's evaluator then judges the solution and :meth:`Result.from_raw` builds the
:class:`Result`, whose ``objective`` is the evaluator's value of the objective the
method optimised and whose ``bound`` bounds that same objective.
"""

from __future__ import annotations

import enum
import math
import warnings
from dataclasses import dataclass, field
from typing import Any

from placement.errors import NumericalWarning
from placement.tolerances import OBJECTIVE_ATOL, OBJECTIVE_RTOL


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
    INTERRUPTED = "interrupted"
    """Stopped by the user (Ctrl-C / SIGTERM); the incumbent, if any, is returned."""
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


def status_of(termination: Termination, has_solution: bool) -> Status:
    """The :class:`Status` of a solver run from why it stopped and whether it holds a
    solution (the one rule every backend's status table feeds)."""
    if termination == Termination.OPTIMAL:
        return Status.OPTIMAL if has_solution else Status.ERROR
    if termination == Termination.INFEASIBLE:
        return Status.INFEASIBLE
    if termination in (
        Termination.TIME_LIMIT,
        Termination.ITERATION_LIMIT,
        Termination.GAP_LIMIT,
        Termination.INTERRUPTED,
    ):
        return Status.FEASIBLE if has_solution else Status.NO_SOLUTION
    if termination == Termination.COMPLETED:
        return Status.HEURISTIC if has_solution else Status.NO_SOLUTION
    return Status.FEASIBLE if has_solution else Status.ERROR


@dataclass
class RawSolution:
    """What a solver backend or a method function returns, before evaluation.

    Attributes
    ----------
    solution
        Methods: the problem's solution object (an offloading ``Assignment``, a
        pipeline ``Placement``) or ``None``. Matrix backends: the column values;
        Pyomo backends: ``True`` once the values are loaded into the model.
    status, termination
        The status vocabulary of this module.
    objective
        The objective as the solver computed it (cross-checked against the evaluator).
    bound
        Proven bound on the optimised objective (lower for minimisation, upper for
        maximisation), ``None`` without one.
    runtime
        Seconds of the method's own work if it measured them (e.g. without JIT
        compilation), else ``None`` and the caller's wall time is used.
    statistics
        Method- or solver-specific details.
    objective_name
        The objective the method optimised, when its parameters do not say (e.g. an
        instance's default objective).
    """

    solution: Any = None
    status: Status = Status.HEURISTIC
    termination: Termination = Termination.COMPLETED
    objective: float | None = None
    bound: float | None = None
    runtime: float | None = None
    statistics: dict[str, Any] = field(default_factory=dict)
    objective_name: str | None = None

    @property
    def assignment(self) -> Any:
        """Alias of :attr:`solution` (offloading)."""
        return self.solution


@dataclass
class Result:
    """Outcome of one ``solve()`` call, the same for both problems.

    Attributes
    ----------
    method
        Registry name of the method that produced it.
    status
        What the solution is worth (:class:`Status`).
    termination
        Why the solver stopped (:class:`Termination`).
    objective
        The evaluator's value of the objective the method optimised
        (:attr:`objective_name`), ``None`` without a solution.
    bound
        Proven bound on that objective (lower for minimisation, upper for
        maximisation) or ``None`` (heuristics report none unless they compute one).
    runtime
        Wall-clock seconds of the solve (allocation only, excluding I/O).
    solution
        The problem-specific solution object (an offloading ``Assignment`` or a
        pipeline ``Placement``), or ``None``.
    metrics
        Problem-specific aggregate metrics from the evaluator.
    statistics
        Solver details (per-slice times, threads, node counts, ...).
    params
        The parameters the method ran with.
    seed
        The integer seed.
    evaluation
        The evaluator's full verdict on :attr:`solution`.
    problem
        ``"offloading"`` or ``"pipeline"``.
    objective_name
        Which objective :attr:`objective` is (``latency``, ``energy``, ``edge``,
        ``cores``, ``hops``, ...).
    sense
        +1 when the objective is minimised, -1 when maximised.
    unit
        Unit of :attr:`objective` (``ms``, ``mJ``, ``devices``, ...).
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
    problem: str = "offloading"
    objective_name: str = "latency"
    sense: int = 1
    unit: str = ""

    @classmethod
    def from_raw(
        cls,
        raw: RawSolution,
        evaluation: Any,
        *,
        method: str,
        problem: str,
        objective_name: str,
        sense: int,
        unit: str,
        params: dict[str, Any],
        seed: int,
        wall: float,
    ) -> Result:
        """Build the result of ``raw`` given the evaluator's verdict on its solution.

        ``evaluation`` (``None`` without a solution) has ``objectives`` (name ->
        value) and ``metrics``. The objective is the evaluator's, never the
        solver's: a difference beyond :data:`~placement.tolerances.OBJECTIVE_RTOL`
        raises a :class:`~placement.errors.NumericalWarning` and is kept in
        ``statistics["solver_objective"]``. A bound on the wrong side of the
        objective (solver round-off) is clamped to it; a proven optimum without a
        bound gets the objective as its bound.
        """
        runtime = raw.runtime if raw.runtime is not None else wall
        stats = dict(raw.statistics)
        stats.setdefault("wall_time_s", wall)
        obj = None
        metrics: dict[str, Any] = {}
        bound = raw.bound
        if evaluation is not None and raw.solution is not None:
            obj = float(evaluation.objectives[objective_name])
            metrics = evaluation.metrics
            if raw.objective is not None and not math.isclose(
                raw.objective, obj, rel_tol=OBJECTIVE_RTOL, abs_tol=OBJECTIVE_ATOL
            ):
                warnings.warn(
                    f"{method}: solver objective {raw.objective:.9g} differs from the "
                    f"evaluator's {obj:.9g}",
                    NumericalWarning,
                    stacklevel=3,
                )
                stats["solver_objective"] = raw.objective
            if bound is not None and sense * (bound - obj) > 0:
                bound = obj
            if bound is None and raw.status == Status.OPTIMAL:
                bound = obj
        return cls(
            method=method,
            status=raw.status,
            termination=raw.termination,
            objective=obj,
            bound=bound,
            runtime=runtime,
            solution=raw.solution if evaluation is not None else None,
            metrics=metrics,
            statistics=stats,
            params=params,
            seed=seed,
            evaluation=evaluation,
            problem=problem,
            objective_name=objective_name,
            sense=sense,
            unit=unit,
        )

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

    def to_frame(self) -> Any:
        """A ``pandas.DataFrame`` with one row per device (offloading) or request
        (pipeline), from the evaluator (needs the optional ``pandas`` extra).

        Raises
        ------
        ImportError
            Without pandas (``pip install 'placement[frame]'``).
        """
        try:
            import pandas as pd
        except ImportError:
            raise ImportError(
                "Result.to_frame needs pandas: pip install 'placement[frame]'"
            ) from None
        return pd.DataFrame(self.evaluation.rows() if self.evaluation is not None else [])

    def summary(self) -> str:
        """One-line human summary: the optimised objective with its unit, bound and gap."""
        unit = f" {self.unit}" if self.unit else ""
        obj = "-" if self.objective is None else f"{self.objective:.6g}{unit}"
        bnd = "-" if self.bound is None else f"{self.bound:.6g}{unit}"
        gap = self.gap
        g = "-" if gap is None else f"{100 * gap:.3f}%"
        rt = f"{1000 * self.runtime:.3g} ms" if self.runtime < 1 else f"{self.runtime:.3f} s"
        return (
            f"{self.problem} {self.method}: status={self.status} {self.objective_name}={obj} "
            f"bound={bnd} gap={g} runtime={rt}"
        )
