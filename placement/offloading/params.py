"""Parameters of the offloading methods, one frozen dataclass each (validated when built).

The command line builds its flags from these fields (:mod:`placement.params`); the
same field name means the same thing for every method and both problems.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from placement.errors import InputError
from placement.executors import BACKEND_NAMES, normalize_backend
from placement.params import Params, check_choice, check_int, check_number, param

ORDERS = ("instance", "random")
LOOKAHEADS = ("exact", "paper")
OBJECTIVES = ("latency", "energy", "edge")
#: How a partitioned method splits the instance into slices (placement.offloading.partition).
SPLITS = ("contiguous", "balanced", "affinity", "colocated")
#: Earlier names of the splits of the partitioned MILP, still accepted by the Python API.
SPLIT_ALIASES = {"devices": "balanced", "aps": "contiguous"}
EXECUTORS = BACKEND_NAMES
#: Bounds a heuristic's result can carry (``--bound``; placement.heuristics.offloading.bounds).
BOUNDS = ("none", "auto", "flow", "lagrangian", "lp")
#: Default relative MIP gap of the exact methods: effectively exact (HiGHS' own is 1e-4).
DEFAULT_MIP_GAP = 1e-9

_KAPPA_HELP = (
    "κ, candidates per device (nimbus: a random subset after the look-ahead, default 0; "
    "greedy: the nearest by RTT, default 5; 0 = all)"
)
_BOUND_HELP = "bound on the optimum to report with the result (gap); none by default, ls: auto"
_OBJECTIVE_HELP = "objective to optimise (default latency / the instance's)"
_EPSILON_HELP = (
    "ε-constraint right-hand side: total energy (mJ), or total latency (ms) for --objective energy"
)


def _bound_field() -> Any:
    return param(None, _BOUND_HELP, choices=BOUNDS, flag="--bound")


def _check_bound(p: Any) -> None:
    if p.bound is not None:
        check_choice("bound", p.bound, BOUNDS)
        if p.bound == "none":
            p._set("bound", None)


@dataclass(frozen=True)
class BaselineParams(Params):
    """Parameters of the baselines.

    Attributes
    ----------
    bound
        Bound on the latency optimum to compute for the result
        (:func:`placement.heuristics.offloading.bounds.lower_bound`): ``auto``,
        ``flow``, ``lagrangian``, ``lp`` or ``None``/``"none"``.
    """

    fixed_objective: ClassVar[str | None] = "latency"

    bound: str | None = _bound_field()

    def __post_init__(self) -> None:
        _check_bound(self)


@dataclass(frozen=True)
class NimbusParams(Params):
    """Parameters of Nimbus ST (also used by MT / 2PMT for each slice).

    Attributes
    ----------
    kappa
        Exploration coefficient κ >= 0: number of candidates kept at random after
        the look-ahead (0: all candidates).
    alpha, beta
        Weights in [0, 1] of the latency term ``L/ε`` and the load term
        ``load/maxload`` of the score.
    order
        ``"instance"`` (device order of the instance) or ``"random"`` (seeded shuffle).
    lookahead
        ``"exact"`` (per-node minimum slack, no violations) or ``"paper"`` (the
        paper's weaker test).
    bound
        As :class:`BaselineParams`.

    Raises
    ------
    InputError
        Naming the offending field, e.g. "Expected kappa >= 0, got -1.".
    """

    fixed_objective: ClassVar[str | None] = "latency"

    kappa: int = param(0, _KAPPA_HELP)
    alpha: float = param(0.7, "latency weight of the score, in [0, 1]")
    beta: float = param(0.3, "load weight of the score, in [0, 1]")
    order: str = param("instance", "device order", choices=ORDERS)
    lookahead: str = param("exact", "LookAheadLoad test", choices=LOOKAHEADS)
    bound: str | None = _bound_field()

    def __post_init__(self) -> None:
        _check_bound(self)
        self._set("kappa", check_int("kappa", self.kappa, 0))
        self._set("alpha", check_number("alpha", self.alpha, lo=0.0, hi=1.0))
        self._set("beta", check_number("beta", self.beta, lo=0.0, hi=1.0))
        check_choice("order", self.order, ORDERS)
        check_choice("lookahead", self.lookahead, LOOKAHEADS)


@dataclass(frozen=True)
class GreedyParams(Params):
    """Parameters of greedy Nimbus.

    Attributes
    ----------
    kappa
        Number of nearest nodes by RTT considered (>= 0; 0: every reachable node).
    order
        ``"instance"`` or ``"random"``.
    bound
        As :class:`BaselineParams`.
    """

    fixed_objective: ClassVar[str | None] = "latency"

    kappa: int = param(5, _KAPPA_HELP)
    order: str = param("instance", "device order", choices=ORDERS)
    bound: str | None = _bound_field()

    def __post_init__(self) -> None:
        _check_bound(self)
        self._set("kappa", check_int("kappa", self.kappa, 0))
        check_choice("order", self.order, ORDERS)


def _check_split(value: Any) -> str:
    value = SPLIT_ALIASES.get(value, value) if isinstance(value, str) else value
    return check_choice("split", value, SPLITS)


@dataclass(frozen=True)
class MTParams(NimbusParams):
    """Parameters of MT / 2PMT: the per-slice Nimbus parameters plus the partition.

    Attributes
    ----------
    threads
        Number of slices and threads ``k >= 1``.
    split
        How APs (and their devices) are split into slices
        (:func:`placement.offloading.partition.partition`).
    """

    threads: int = param(2, "slices / threads (MT, 2PMT, partitioned MILP) or solver threads")
    split: str = param(
        "contiguous",
        "how the instance is split into slices (APs; pipelines: substrate regions)",
        choices=SPLITS,
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        self._set("threads", check_int("threads", self.threads, 1))
        self._set("split", _check_split(self.split))


def _check_exact_common(p: Any) -> None:
    if p.time_limit is not None:
        p._set("time_limit", check_number("time_limit", p.time_limit, lo=0.0, lo_open=True))
    if p.threads is not None:
        p._set("threads", check_int("threads", p.threads, 1))
    check_choice("objective", p.objective, OBJECTIVES)
    if p.epsilon is not None:
        p._set("epsilon", check_number("epsilon", p.epsilon, lo=0.0))
        if p.objective == "edge":
            raise InputError("Expected no epsilon with objective 'edge'.", field="epsilon")


def _check_warm_start(value: Any) -> None:
    if value is None or isinstance(value, (bool, str)):
        return
    if type(value).__name__ in ("Assignment", "Result"):
        return
    raise InputError(
        "Expected warm_start to be a bool, a method name, an Assignment or a Result, "
        f"got {type(value).__name__}.",
        field="warm_start",
    )


@dataclass(frozen=True)
class MILPParams(Params):
    """Parameters of the exact MILP.

    Attributes
    ----------
    solver
        ``highs`` (direct matrix, default), ``highs-pyomo`` (Pyomo's in-process HiGHS
        interface) or any MILP solver name Pyomo knows.
    time_limit
        Seconds of the whole solve (``None``: none).
    mip_gap
        Relative gap at which the solver stops (default :data:`DEFAULT_MIP_GAP`).
    threads
        Solver threads.
    objective
        ``latency`` (default), ``energy`` or ``edge`` (lexicographic: most edge
        devices, then least latency).
    epsilon
        ε-constraint: total energy ≤ ε (latency objective) or total latency ≤ ε
        (energy objective).
    warm_start
        ``True``: Nimbus (or the ``cloud`` baseline) as MIP start; ``False``: none;
        or a method name, an ``Assignment`` or a ``Result``.
    verbose
        Solver log to the console.
    """

    solver: str = param("highs", "MILP backend (highs default; any Pyomo solver by name)")
    time_limit: float | None = param(None, "seconds; returns the incumbent and its bound")
    mip_gap: float | None = param(None, "relative MIP gap at which to stop")
    threads: int | None = param(
        None, "slices / threads (MT, 2PMT, partitioned MILP) or solver threads"
    )
    objective: str = param("latency", _OBJECTIVE_HELP, choices=OBJECTIVES)
    epsilon: float | None = param(None, _EPSILON_HELP)
    warm_start: Any = param(True, "MIP start: True, False, a method name or a solution", cli=False)
    verbose: bool = param(False, "solver log on the console", cli=False)

    def __post_init__(self) -> None:
        if not isinstance(self.solver, str) or not self.solver:
            raise InputError(f"Expected solver to be a name, got {self.solver!r}.", field="solver")
        _check_exact_common(self)
        if self.mip_gap is not None:
            self._set(
                "mip_gap", check_number("mip_gap", self.mip_gap, lo=0.0, hi=1.0, hi_open=True)
            )
        _check_warm_start(self.warm_start)

    @property
    def gap(self) -> float:
        """The MIP gap to use."""
        return DEFAULT_MIP_GAP if self.mip_gap is None else float(self.mip_gap)


@dataclass(frozen=True)
class CPSATParams(Params):
    """Parameters of the CP-SAT backend (as :class:`MILPParams`; ``threads`` = CP-SAT
    workers, default 2)."""

    time_limit: float | None = param(None, "seconds; returns the incumbent and its bound")
    threads: int | None = param(
        None, "slices / threads (MT, 2PMT, partitioned MILP) or solver threads"
    )
    objective: str = param("latency", _OBJECTIVE_HELP, choices=OBJECTIVES)
    epsilon: float | None = param(None, _EPSILON_HELP)
    warm_start: Any = param(
        True, "solution hint: True, False, a method name or a solution", cli=False
    )
    verbose: bool = param(False, "solver log on the console", cli=False)

    def __post_init__(self) -> None:
        _check_exact_common(self)
        _check_warm_start(self.warm_start)


@dataclass(frozen=True)
class LPBoundParams(Params):
    """Parameters of the LP-relaxation bound."""

    solver: str = param("highs", "MILP backend (highs default; any Pyomo solver by name)")
    time_limit: float | None = param(None, "seconds; returns the incumbent and its bound")
    threads: int | None = param(
        None, "slices / threads (MT, 2PMT, partitioned MILP) or solver threads"
    )
    objective: str = param("latency", _OBJECTIVE_HELP, choices=OBJECTIVES)
    epsilon: float | None = param(None, _EPSILON_HELP)

    def __post_init__(self) -> None:
        if self.solver not in ("highs", "highs-pyomo", "appsi_highs"):
            raise InputError(
                f"Expected solver in {{highs, highs-pyomo}}, got {self.solver!r}.", field="solver"
            )
        _check_exact_common(self)


@dataclass(frozen=True)
class PartitionedMILPParams(MILPParams):
    """Parameters of MT-MILP / 2PMT-MILP: the MILP's plus the partition and where the
    slices run.

    Attributes
    ----------
    split
        How APs are split into slices (default ``balanced``: equal device counts).
    workers
        Slices solved at once (default: ``min(threads, cores)``).
    executor
        Where slices run: ``thread`` (default; HiGHS releases the GIL), ``process``,
        ``serial`` or ``dask``.
    address
        Dask scheduler address (``--executor dask``; none: a local cluster).
    """

    split: str = param(
        "balanced",
        "how the instance is split into slices (APs; pipelines: substrate regions)",
        choices=SPLITS,
    )
    workers: int | None = param(None, "jobs run at once (default: the cores available)")
    executor: str = param("thread", "where independent jobs run", choices=EXECUTORS)
    address: str | None = param(None, "Dask scheduler address HOST:PORT (--executor dask)")

    def __post_init__(self) -> None:
        super().__post_init__()
        self._set("split", _check_split(self.split))
        if self.workers is not None:
            self._set("workers", check_int("workers", self.workers, 1))
        check_choice("executor", self.executor, EXECUTORS)
        self._set("executor", normalize_backend(self.executor))
        if self.objective != "latency" or self.epsilon is not None:
            raise InputError(
                "Expected objective 'latency' without epsilon for the partitioned MILP.",
                field="objective",
            )
        if self.solver != "highs":
            raise InputError(
                f"Expected solver 'highs' for the partitioned MILP, got {self.solver!r}.",
                field="solver",
            )


@dataclass(frozen=True)
class RelocateParams(Params):
    """Parameters of the relocation local search (the default improver of online
    re-optimisation, :mod:`placement.heuristics.offloading.relocate`).

    Attributes
    ----------
    time_limit
        Seconds (``None``: none); checked between rounds.
    max_rounds
        Rounds of the search at most (each round scores every device once).
    """

    time_limit: float | None = param(None, "seconds; returns the incumbent and its bound")
    max_rounds: int = param(50, "rounds of the relocation search at most", cli=False)

    def __post_init__(self) -> None:
        if self.time_limit is not None:
            self._set(
                "time_limit", check_number("time_limit", self.time_limit, lo=0.0, lo_open=True)
            )
        self._set("max_rounds", check_int("max_rounds", self.max_rounds, 1))


#: Starts of ``ls`` that are no registered method: ``auto`` (the best of the
#: candidates for the objective) and ``flow`` (the min-cost-flow relaxation repaired).
LS_STARTS = ("auto", "flow")


@dataclass(frozen=True)
class LSParams(Params):
    """Parameters of the local search ``ls``
    (:mod:`placement.heuristics.offloading.ls`).

    Attributes
    ----------
    objective, epsilon
        As the MILP's: ``latency`` (default), ``energy`` or ``edge``; ε-constraint on
        total energy (latency objective) or total latency (energy objective).
    start
        ``auto`` (default: the best start for the objective), ``flow`` (min-cost-flow
        relaxation repaired to feasibility), any registered offloading method name, or
        (API) an ``Assignment`` / ``Result``.
    time_limit
        Seconds of the whole solve (``None``: none).
    kicks
        Ruin-and-recreate kicks after the first descent, at most.
    no_improvement
        Stop after this many kicks in a row without a relative improvement > 1e-9.
    eject
        Ejection chains (and swaps) besides relocations.
    neighbours
        Candidate nodes per device of the ejection chains (nearest by RTT; default 8, 64
        above 20 000 devices, where wider chains pay).
    threads
        Slices improved in parallel before a central pass (1: one central search).
    level_sweeps
        ``energy``: sweeps of the level search after the local search
        (:mod:`placement.heuristics.offloading.levels`; 0: none).
    bound
        The bound computed with the result (:func:`placement.heuristics.offloading.bounds.
        lower_bound`): ``auto`` (default: the flow relaxation, refined by the Lagrangian
        and the LP where they are cheap), ``flow`` (the flow relaxation alone; with ε its
        dual in the multiplier — the cheap choice for fronts), ``lagrangian`` or ``lp``.
    gap
        Stop once the result is certified within this relative gap of a bound known
        during the search (default 1e-4: HiGHS's default relative MIP gap; the exact
        ``milp`` here asks for :data:`DEFAULT_MIP_GAP`).
    """

    objective: str = param("latency", _OBJECTIVE_HELP, choices=OBJECTIVES)
    epsilon: float | None = param(None, _EPSILON_HELP)
    start: Any = param("auto", "start: auto, flow, or a registered offloading method")
    time_limit: float | None = param(None, "seconds; returns the incumbent and its bound")
    kicks: int = param(200, "local search: ruin-and-recreate kicks at most")
    no_improvement: int = param(30, "stop after this many kicks without improvement")
    eject: bool = param(True, "ejection chains and swaps besides relocations", cli=False)
    neighbours: int | None = param(
        None, "candidate nodes per device of an ejection chain (default 8; 64 above 20 000 devices)"
    )
    threads: int = param(1, "slices / threads (MT, 2PMT, partitioned MILP) or solver threads")
    level_sweeps: int = param(1, "energy: sweeps of the level search after ls (0: none)")
    gap: float = param(1e-4, "stop once certified within this relative gap of the bound")
    bound: str = param("auto", _BOUND_HELP, choices=BOUNDS, flag="--bound")

    def __post_init__(self) -> None:
        check_choice("objective", self.objective, OBJECTIVES)
        if self.epsilon is not None:
            self._set("epsilon", check_number("epsilon", self.epsilon, lo=0.0))
            if self.objective == "edge":
                raise InputError("Expected no epsilon with objective 'edge'.", field="epsilon")
        if self.time_limit is not None:
            self._set("time_limit", check_number("time_limit", self.time_limit, lo=0.0))
        self._set("kicks", check_int("kicks", self.kicks, 0))
        self._set("no_improvement", check_int("no_improvement", self.no_improvement, 1))
        if self.neighbours is not None:
            self._set("neighbours", check_int("neighbours", self.neighbours, 1))
        self._set("threads", check_int("threads", self.threads, 1))
        self._set("level_sweeps", check_int("level_sweeps", self.level_sweeps, 0))
        self._set("gap", check_number("gap", self.gap, lo=0.0))
        check_choice("bound", self.bound, BOUNDS)
        if self.bound == "none":
            raise InputError("Expected bound auto, flow, lagrangian or lp for ls.", field="bound")
        s = self.start
        if not isinstance(s, str) and type(s).__name__ not in ("Assignment", "Result"):
            raise InputError(
                "Expected start to be a method name, an Assignment or a Result, "
                f"got {type(s).__name__}.",
                field="start",
            )
