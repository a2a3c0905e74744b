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
    warm_start
        MIP start: ``True`` (default: the pipeline greedy under the same objective and
        bounds), ``False``, ``"greedy"`` / ``"ls"``, or a ``Placement`` / ``Result``.
        A time-limited run never returns worse than the start.
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
    warm_start: Any = param(True, "MIP start: True, False, a method name or a solution", cli=False)

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


#: How MT / 2PMT split the substrate into regions.
REGION_SPLITS = ("community", "bfs", "geo")
_OBJECTIVE_HELP = "objective to optimise (default latency / the instance's)"
_BOUND_HELP = "ε-constraint OBJ<=VALUE (priority>=VALUE), repeatable"
_THREADS_HELP = "slices / threads (MT, 2PMT, partitioned MILP) or solver threads"


def _check_objective(value: Any) -> None:
    if value is not None and value not in OBJECTIVES:
        raise InputError(
            f"unknown objective {value!r} (known: {sorted(OBJECTIVES)})", field="objective"
        )


@dataclass(frozen=True)
class GreedyParams(Params):
    """Parameters of the pipeline greedy (Numba kernels).

    Attributes
    ----------
    objective
        Objective whose increment leads the score (default: the instance's
        ``meta.default_objective``, else ``cores``).
    bounds
        ε-constraints kept while placing (``priority>=`` is reported, not enforced).
    alpha, beta
        Weights in [0, 1] of the delay term ``delay / bound`` and the load term
        ``load / capacity`` of the score (they order the hosts the objective ties).
    """

    objective: str | None = param(None, _OBJECTIVE_HELP, choices=tuple(OBJECTIVES))
    bounds: Any = param(None, _BOUND_HELP, cli="append", metavar="OBJ<=VALUE", flag="--bound")
    alpha: float = param(0.7, "latency weight of the score, in [0, 1]")
    beta: float = param(0.3, "load weight of the score, in [0, 1]")

    def __post_init__(self) -> None:
        _check_objective(self.objective)
        self._set("bounds", parse_bounds(self.bounds))
        for k in ("alpha", "beta"):
            self._set(k, check_number(k, getattr(self, k), lo=0.0, hi=1.0))


@dataclass(frozen=True)
class LSParams(GreedyParams):
    """Parameters of the pipeline local search (greedy start, then improvement).

    Attributes
    ----------
    time_limit
        Seconds of improvement (default 10; the search also stops after
        ``iterations`` moves without improvement).
    iterations
        Moves without improvement before stopping (default: 4 per request, at least 200).
    start
        Start placement: ``"greedy"`` (default), a
        :class:`~placement.pipeline.instance.Placement` or a ``Result``.
    """

    time_limit: float | None = param(None, "seconds; returns the incumbent and its bound")
    iterations: int | None = param(
        None, "local search: moves without improvement before stopping (default 4 per request)"
    )
    start: Any = param("greedy", "start placement: greedy, a Placement or a Result", cli=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.time_limit is not None:
            self._set("time_limit", check_number("time_limit", self.time_limit, lo=0.0))
        if self.iterations is not None:
            self._set("iterations", check_int("iterations", self.iterations, 1))
        ok = self.start == "greedy" or type(self.start).__name__ in ("Placement", "Result")
        if not ok:
            raise InputError(
                f"Expected start to be 'greedy', a Placement or a Result, got {self.start!r}.",
                field="start",
            )


@dataclass(frozen=True)
class PipelineMTParams(LSParams):
    """Parameters of MT / 2PMT for pipelines: the local search of each region plus the
    partition of the substrate.

    Attributes
    ----------
    threads
        Regions and threads ``k >= 1``.
    split
        ``community`` (greedy modularity communities merged to ``k`` balanced regions),
        ``bfs`` (breadth-first growth from ``k`` far-apart seeds) or ``geo`` (node
        coordinates cut into ``k`` slabs; BFS where coordinates are missing).
    """

    threads: int = param(2, _THREADS_HELP)
    split: str = param(
        "community",
        "how the instance is split into slices (APs; pipelines: substrate regions)",
        choices=REGION_SPLITS,
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        self._set("threads", check_int("threads", self.threads, 1))
        check_choice("split", self.split, REGION_SPLITS)
