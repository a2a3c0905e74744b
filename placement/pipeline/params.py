"""Parameters of the pipeline methods, one frozen dataclass each (validated when built).

The command line builds its flags from these fields (:mod:`placement.params`); the
same field name means the same thing for every method and both problems.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from placement.errors import InputError
from placement.params import Params, check_choice, check_int, check_number, param

#: Objective name -> sense (+1 minimised, -1 maximised).
OBJECTIVES: dict[str, int] = {
    "cores": 1,
    "hops": 1,
    "delay": 1,
    "energy": 1,
    "priority": -1,
    "migrations": 1,
    "cost": 1,
}
FORMULATIONS = ("layered", "arc")
SOLVERS = ("highs",)


def parse_bound(text: str) -> tuple[str, float]:
    """Parse ``"cores<=12"`` / ``"priority>=3"`` into ``(name, value)``."""
    if not isinstance(text, str):
        raise InputError(f"a bound reads OBJ<=VALUE, got {text!r}", field="bound")
    for op in ("<=", ">="):
        if op in text:
            k, v = text.split(op, 1)
            k = k.strip()
            if k not in OBJECTIVES:
                raise InputError(
                    f"unknown objective {k!r} (known: {sorted(OBJECTIVES)})", field="bound"
                )
            want = "<=" if OBJECTIVES[k] > 0 else ">="
            if op != want:
                raise InputError(
                    f"{k} is {'minimised' if want == '<=' else 'maximised'}: write {k}{want}VALUE",
                    field="bound",
                )
            try:
                value = float(v)
            except ValueError:
                raise InputError(
                    f"bound value must be a number, got {v!r}", field="bound"
                ) from None
            return k, check_number("bound", value)
    raise InputError(f"a bound reads OBJ<=VALUE (or priority>=VALUE), got {text!r}", field="bound")


def parse_bounds(bounds: Any) -> dict[str, float]:
    """ε-constraints from a dict ``{objective: value}`` or a list of ``"OBJ<=VALUE"``."""
    if bounds is None:
        return {}
    if isinstance(bounds, dict):
        out = {}
        for k, v in bounds.items():
            if k not in OBJECTIVES:
                raise InputError(
                    f"unknown objective {k!r} (known: {sorted(OBJECTIVES)})", field="bound"
                )
            out[str(k)] = check_number("bound", v)
        return out
    if isinstance(bounds, str):
        bounds = [bounds]
    return dict(parse_bound(b) for b in bounds)


@dataclass(frozen=True)
class MILPParams(Params):
    """Parameters of the exact pipeline MILP.

    Attributes
    ----------
    objective
        Objective to optimise (default: the instance's ``meta.default_objective``, else
        ``cores``).
    bounds
        ε-constraints: a dict or ``["cores<=12", ...]`` (normalised to a dict).
    formulation
        ``layered`` (shortest-path segments) or ``arc`` (arc flow).
    time_limit, mip_gap, threads, solver
        As for the offloading MILP (``solver``: ``highs``).
    tiebreak
        An objective minimised second, lexicographically (default: the first bounded
        objective when both are integral).
    aggregate
        Commodity aggregation: ``"egress"`` (default), ``True`` or ``False``.
    """

    objective: str | None = param(
        None, "objective to optimise (default latency / the instance's)", choices=tuple(OBJECTIVES)
    )
    bounds: Any = param(
        None,
        "ε-constraint OBJ<=VALUE (priority>=VALUE), repeatable",
        cli="append",
        metavar="OBJ<=VALUE",
        flag="--bound",
    )
    formulation: str = param(
        "layered", "routing formulation of the pipeline MILP", choices=FORMULATIONS
    )
    time_limit: float | None = param(None, "seconds; returns the incumbent and its bound")
    mip_gap: float | None = param(None, "relative MIP gap at which to stop")
    threads: int | None = param(
        None, "slices / threads (MT, 2PMT, partitioned MILP) or solver threads"
    )
    solver: str = param("highs", "MILP backend (highs default; any Pyomo solver by name)")
    tiebreak: str | None = param(None, "objective minimised second, lexicographically", cli=False)
    aggregate: Any = param("egress", "commodity aggregation: egress, True or False", cli=False)
    verbose: bool = param(False, "solver log on the console", cli=False)

    def __post_init__(self) -> None:
        if self.objective is not None and self.objective not in OBJECTIVES:
            raise InputError(
                f"unknown objective {self.objective!r} (known: {sorted(OBJECTIVES)})",
                field="objective",
            )
        self._set("bounds", parse_bounds(self.bounds))
        check_choice("formulation", self.formulation, FORMULATIONS)
        if self.time_limit is not None:
            self._set(
                "time_limit", check_number("time_limit", self.time_limit, lo=0.0, lo_open=True)
            )
        if self.mip_gap is not None:
            self._set(
                "mip_gap", check_number("mip_gap", self.mip_gap, lo=0.0, hi=1.0, hi_open=True)
            )
        if self.threads is not None:
            self._set("threads", check_int("threads", self.threads, 1))
        if self.solver not in SOLVERS:
            raise InputError(
                f"unknown solver {self.solver!r} (known: {list(SOLVERS)})", field="solver"
            )
        if self.tiebreak is not None and self.tiebreak not in OBJECTIVES:
            raise InputError(f"unknown objective {self.tiebreak!r}", field="tiebreak")
        if self.aggregate not in ("egress", True, False):
            raise InputError(
                f"Expected aggregate in {{egress, True, False}}, got {self.aggregate!r}.",
                field="aggregate",
            )
