"""The method registry: every solver of the offloading problem, with what it accepts.

Entries point at ``module:function`` and are imported on first use, so ``import
placement`` stays light (no Numba, no Pyomo). A method function has the signature
``func(instance, *, seed: int, **params) -> RawSolution`` and validates its own
parameter values (raising :class:`~placement.errors.InputError` naming the
parameter); :func:`placement.solve` checks the parameter *names*, times the call,
evaluates the assignment and builds the :class:`~placement.result.Result`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .result import Status, Termination


@dataclass
class RawSolution:
    """What a method function returns before evaluation.

    Attributes
    ----------
    assignment
        The :class:`~placement.evaluate.Assignment`, or ``None`` (no solution).
    status, termination
        Status vocabulary of :mod:`placement.result`.
    bound
        Proven lower bound on total latency, ``None`` for heuristics.
    solver_objective
        The objective as the solver reported it (cross-checked against the evaluator).
    runtime
        Allocation time in seconds if the method measured it itself (e.g. excluding
        JIT compilation), else ``None`` and :func:`solve` uses wall time.
    statistics
        Method-specific details.
    """

    assignment: Any
    status: Status = Status.HEURISTIC
    termination: Termination = Termination.COMPLETED
    bound: float | None = None
    solver_objective: float | None = None
    runtime: float | None = None
    statistics: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MethodSpec:
    """A registry entry.

    Attributes
    ----------
    target
        ``"module:function"`` implementing the method.
    kind
        ``baseline``, ``heuristic``, ``exact`` or ``bound``.
    params
        Accepted parameter names (besides ``seed``).
    description
        One line for ``placement check`` and ``--help``.
    """

    target: str
    kind: str
    params: tuple[str, ...]
    description: str

    def load(self) -> Callable[..., RawSolution]:
        """Import and return the method function."""
        mod, fn = self.target.split(":")
        return getattr(importlib.import_module(mod), fn)

    def is_available(self) -> bool:
        """Whether the implementing module imports."""
        try:
            self.load()
        except (ImportError, AttributeError):
            return False
        return True


_H = ("kappa", "alpha", "beta", "order", "lookahead")
_MT = _H + ("threads", "split")
_MILP = (
    "solver",
    "time_limit",
    "mip_gap",
    "threads",
    "objective",
    "epsilon",
    "warm_start",
    "verbose",
)

METHODS: dict[str, MethodSpec] = {
    "local": MethodSpec(
        "placement.baselines:solve_local", "baseline", (), "every device computes locally"
    ),
    "cloud": MethodSpec(
        "placement.baselines:solve_cloud",
        "baseline",
        (),
        "nearest feasible cloud over Wi-Fi, else local",
    ),
    "cloud4g": MethodSpec(
        "placement.baselines:solve_cloud4g",
        "baseline",
        (),
        "nearest feasible cloud over LTE, else local",
    ),
    "nimbus": MethodSpec(
        "placement.heuristics.nimbus:solve_nimbus", "heuristic", _H, "Nimbus ST (Numba kernel)"
    ),
    "greedy": MethodSpec(
        "placement.heuristics.nimbus:solve_greedy",
        "heuristic",
        ("kappa", "order"),
        "greedy Nimbus (κ nearest, no look-ahead)",
    ),
    "mt": MethodSpec(
        "placement.heuristics.mt:solve_mt", "heuristic", _MT, "multi-threaded partitioned Nimbus"
    ),
    "2pmt": MethodSpec(
        "placement.heuristics.mt:solve_2pmt",
        "heuristic",
        _MT,
        "two-phase MT Nimbus (central second pass)",
    ),
    "milp": MethodSpec(
        "placement.milp:solve_milp", "exact", _MILP, "exact MILP (Pyomo; HiGHS default)"
    ),
    "cpsat": MethodSpec(
        "placement.milp:solve_cpsat",
        "exact",
        ("time_limit", "threads", "objective", "epsilon", "warm_start", "verbose"),
        "exact model on OR-Tools CP-SAT (integer-scaled costs)",
    ),
    "lp-bound": MethodSpec(
        "placement.milp:solve_lp_bound",
        "bound",
        ("solver", "time_limit", "threads", "objective", "epsilon"),
        "LP relaxation bound (+ Nimbus incumbent)",
    ),
    "mt-milp": MethodSpec(
        "placement.milp:solve_mt_milp",
        "exact",
        _MILP + ("split", "workers"),
        "MT decomposition, each slice solved exactly",
    ),
    "2pmt-milp": MethodSpec(
        "placement.milp:solve_2pmt_milp",
        "exact",
        _MILP + ("split", "workers"),
        "MT-MILP then a central MILP over the leftover devices",
    ),
}
