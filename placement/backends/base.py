"""What every solver backend shares: the options of one run and the matrix form.

A backend takes a model (a :class:`MatrixModel` for HiGHS, a Pyomo ``ConcreteModel``, a
CP-SAT ``CpModel``) and :class:`BackendParams`, runs its solver, maps the solver's own
status through *its* status table onto :class:`~placement.result.Termination`, and
returns a :class:`~placement.result.RawSolution`; :func:`~placement.result.status_of`
turns termination plus "has a solution" into the :class:`~placement.result.Status`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class BackendParams:
    """Options of one solver run.

    Attributes
    ----------
    time_limit
        Seconds the solver may use (``None``: no limit).
    mip_gap, abs_gap
        Relative / absolute gap at which a MILP solver stops (``None``: its default).
    threads
        Solver threads (``None``: its default).
    seed
        The solver's random seed.
    verbose
        Solver log on the console.
    options
        Solver-specific options passed through unchanged.
    deadline
        The :class:`placement.stop.Deadline` of the whole solve, if any: backends run
        their Python phases (loading a Pyomo model into the solver) under
        :func:`placement.stop.time_guard` so that they end when it passes.
    """

    time_limit: float | None = None
    mip_gap: float | None = None
    abs_gap: float | None = None
    threads: int | None = None
    seed: int = 0
    verbose: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    deadline: Any = None

    def time_left(self) -> float | None:
        """The time limit to give the solver now: ``time_limit``, shortened to what the
        :attr:`deadline` leaves (minus its reserve) when there is one — so a model built
        or loaded after the options were made does not overrun the budget."""
        tl = self.time_limit
        dl = self.deadline
        if dl is not None and getattr(dl, "limited", False):
            left = dl.for_solver()
            tl = left if tl is None else min(tl, left)
        return tl

    @property
    def solver_seed(self) -> int:
        """The seed folded into the 31-bit range solvers take."""
        return int(self.seed) % (2**31 - 1)


@dataclass(eq=False)
class MatrixModel:
    """A (mixed-)integer linear program in row-wise sparse form, minimised.

    ``row_lower <= A x <= row_upper``, ``0 <= x <= col_upper``; every column is
    integer unless :attr:`integer` is ``False`` (the LP relaxation).

    Attributes
    ----------
    cost, offset
        Objective ``cost · x + offset``.
    row_lower, row_upper
        Row bounds (``±inf`` allowed).
    start, index, value
        CSR matrix: row ``r`` holds ``value[start[r]:start[r+1]]`` at columns
        ``index[start[r]:start[r+1]]``.
    col_names, row_names
        Optional names (for tests and debugging).
    col_upper
        Column upper bounds (``None``: all 1, binaries).
    """

    cost: np.ndarray
    offset: float
    row_lower: np.ndarray
    row_upper: np.ndarray
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    col_names: list[str] = field(default_factory=list)
    row_names: list[str] = field(default_factory=list)
    col_upper: np.ndarray | None = None

    @property
    def n_cols(self) -> int:
        """Number of columns."""
        return int(self.cost.shape[0])

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return int(self.row_lower.shape[0])

    def rows(self) -> dict[str, tuple[float, float, dict[str, float]]]:
        """``row name -> (lower, upper, {column name: coefficient})`` (for tests)."""
        out = {}
        for r, name in enumerate(self.row_names):
            s, e = self.start[r], self.start[r + 1]
            out[name] = (
                float(self.row_lower[r]),
                float(self.row_upper[r]),
                {self.col_names[c]: float(v) for c, v in zip(self.index[s:e], self.value[s:e])},
            )
        return out
