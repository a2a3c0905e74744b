"""The registry: every problem and every method of both problems, in one place.

``PROBLEMS`` names the problem kinds with their instance type, evaluator, readers,
objectives and defaults; ``METHODS`` lists every method with its problem, its kind
(``baseline`` / ``heuristic`` / ``exact`` / ``bound``), its parameter dataclass and
the ``"module:function"`` that runs it. Targets are strings imported on first use,
so this module imports no problem package, no solver and no Numba; ``solve()``, the
CLI, ``placement check`` and ``placement methods`` are all built from these tables.

A method function has the signature ``func(instance, params, *, seed) -> RawSolution``
where ``params`` is an instance of the method's :class:`~placement.params.Params`
class, already validated. Adding a method is one module plus one line below.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from placement.errors import InputError


def load(target: str) -> Any:
    """Import ``"module:attribute"`` and return the attribute."""
    mod, _, attr = target.partition(":")
    return getattr(importlib.import_module(mod), attr)


@dataclass(frozen=True)
class Objective:
    """An objective of a problem: +1 minimised / -1 maximised, and its unit."""

    sense: int
    unit: str
    description: str


@dataclass(frozen=True)
class ProblemSpec:
    """A problem kind.

    Attributes
    ----------
    name
        ``offloading`` or ``pipeline``.
    instance_type
        ``"module:Class"`` of its instances (compared by name: nothing is imported).
    evaluate
        ``"module:function"``: ``evaluate(instance, solution)`` -> an evaluation with
        ``objectives`` (name -> value) and ``metrics``.
    read, write_solution, read_solution, detect
        Readers and writers (``"module:function"``); ``detect(path)`` returns a format
        name of the problem or ``None`` and never raises.
    formats
        The file formats its reader understands (``--format`` values).
    objectives
        Objective name -> :class:`Objective`.
    default_objective
        What a method without an ``objective`` parameter is judged by.
    summary
        ``"module:function"``: ``summary(instance) -> dict`` for ``placement info``.
    pareto
        ``"module:function"`` of its front sweep.
    front_axes
        Default ``(x, y)`` objectives of a front.
    cli
        Module of the problem's command-line hooks (``add_generate``, ``print_info``,
        ``print_result``, ``run_evaluate``, ``print_front``, ``plot_front``,
        ``run_read``, ``PARETO_OPTIONS``).
    default_method
        The method ``placement solve`` runs without ``--method``.
    attach_bound
        ``"module:function"``: ``attach_bound(instance, raw, params) -> RawSolution``
        fills the bound of a method whose parameters ask for one (a ``bound`` field
        not ``None``); empty when the problem has none.
    """

    name: str
    instance_type: str
    evaluate: str
    read: str
    write_solution: str
    read_solution: str
    detect: str
    formats: tuple[str, ...]
    objectives: dict[str, Objective]
    default_objective: str
    summary: str
    pareto: str
    front_axes: tuple[str, str]
    cli: str
    default_method: str
    attach_bound: str = ""

    def is_instance(self, obj: Any) -> bool:
        """Whether ``obj`` is an instance of this problem (by class name, no import)."""
        return any(
            f"{c.__module__}:{c.__qualname__}" == self.instance_type for c in type(obj).__mro__
        )


PROBLEMS: dict[str, ProblemSpec] = {
    "offloading": ProblemSpec(
        name="offloading",
        instance_type="placement.offloading.instance:OffloadingInstance",
        evaluate="placement.offloading.evaluate:evaluate",
        read="placement.offloading.io:read_instance",
        write_solution="placement.offloading.io:write_solution",
        read_solution="placement.offloading.io:read_solution",
        detect="placement.offloading.io:detect_format",
        formats=("offloading",),
        objectives={
            "latency": Objective(
                1, "ms", "total latency over all devices (local time for local ones)"
            ),
            "energy": Objective(1, "mJ", "total energy per frame over all devices"),
            "edge": Objective(-1, "devices", "devices served at the edge (then least latency)"),
        },
        default_objective="latency",
        summary="placement.offloading.io:instance_summary",
        pareto="placement.offloading.pareto:pareto_offloading",
        front_axes=("energy", "latency"),
        cli="placement.offloading.cli",
        default_method="nimbus",
        attach_bound="placement.heuristics.offloading.bounds:attach_bound",
    ),
    "pipeline": ProblemSpec(
        name="pipeline",
        instance_type="placement.pipeline.instance:PipelineInstance",
        evaluate="placement.pipeline.evaluate:evaluate_pipeline",
        read="placement.pipeline.io:read_pipeline",
        write_solution="placement.pipeline.io:write_solution",
        read_solution="placement.pipeline.io:read_solution",
        detect="placement.pipeline.io:detect_format",
        formats=("pipeline", "vnfcp", "gap", "graphml", "gml", "bjointsp"),
        objectives={
            "cores": Objective(1, "cores", "cores of all function instances"),
            "hops": Objective(1, "hops", "links traversed by every routed edge"),
            "delay": Objective(1, "ms", "end-to-end delay summed over requests"),
            "energy": Objective(1, "W", "idle + per-core power of active nodes"),
            "priority": Objective(-1, "", "admitted priority (maximised)"),
            "migrations": Objective(1, "moves", "steps moved from the previous placement"),
            "cost": Objective(1, "", "placement cost of all function instances"),
        },
        default_objective="cores",
        summary="placement.pipeline.io:instance_summary",
        pareto="placement.pipeline.pareto:pareto_pipeline",
        front_axes=("cores", "hops"),
        cli="placement.pipeline.cli",
        default_method="milp",
    ),
}


@dataclass(frozen=True)
class MethodSpec:
    """A registered method.

    Attributes
    ----------
    name
        Registry name (``nimbus``, ``milp``, ...), unique per problem.
    problem
        Key of :data:`PROBLEMS`.
    kind
        ``baseline``, ``heuristic``, ``exact`` or ``bound``.
    target
        ``"module:function"`` implementing it.
    params
        ``"module:Class"`` of its :class:`~placement.params.Params` dataclass.
    description
        One line for ``placement methods`` and ``placement check``.
    speed
        Typical speed, from the committed benchmarks (for ``placement methods``).
    """

    name: str
    problem: str
    kind: str
    target: str
    params: str
    description: str
    speed: str = ""

    def load(self) -> Callable[..., Any]:
        """Import and return the method function."""
        return load(self.target)

    def params_type(self) -> type:
        """Import and return the parameter dataclass."""
        return load(self.params)

    def is_available(self) -> bool:
        """Whether the implementing module imports here."""
        try:
            self.load()
        except (ImportError, AttributeError):
            return False
        return True


_OFF_P = "placement.offloading.params"
_PIPE_P = "placement.pipeline.params"

METHODS: tuple[MethodSpec, ...] = (
    # ---------------------------------------------------------------- offloading
    MethodSpec(
        "local",
        "offloading",
        "baseline",
        "placement.offloading.baselines:solve_local",
        f"{_OFF_P}:BaselineParams",
        "every device computes locally",
        "< 1 ms",
    ),
    MethodSpec(
        "cloud",
        "offloading",
        "baseline",
        "placement.offloading.baselines:solve_cloud",
        f"{_OFF_P}:BaselineParams",
        "nearest feasible cloud over Wi-Fi, else local",
        "< 1 ms",
    ),
    MethodSpec(
        "cloud4g",
        "offloading",
        "baseline",
        "placement.offloading.baselines:solve_cloud4g",
        f"{_OFF_P}:BaselineParams",
        "nearest feasible cloud over LTE, else local",
        "< 1 ms",
    ),
    MethodSpec(
        "nimbus",
        "offloading",
        "heuristic",
        "placement.heuristics.offloading.nimbus:solve_nimbus",
        f"{_OFF_P}:NimbusParams",
        "Nimbus ST (Numba kernel)",
        "0.4 ms on config C",
    ),
    MethodSpec(
        "greedy",
        "offloading",
        "heuristic",
        "placement.heuristics.offloading.nimbus:solve_greedy",
        f"{_OFF_P}:GreedyParams",
        "greedy Nimbus (κ nearest, no look-ahead)",
        "0.2 ms on config C",
    ),
    MethodSpec(
        "mt",
        "offloading",
        "heuristic",
        "placement.heuristics.offloading.mt:solve_mt",
        f"{_OFF_P}:MTParams",
        "multi-threaded partitioned Nimbus",
        "0.1 s on 100k x 10k",
    ),
    MethodSpec(
        "2pmt",
        "offloading",
        "heuristic",
        "placement.heuristics.offloading.mt:solve_2pmt",
        f"{_OFF_P}:MTParams",
        "two-phase MT Nimbus (central second pass)",
        "like MT plus one pass",
    ),
    MethodSpec(
        "ls",
        "offloading",
        "heuristic",
        "placement.heuristics.offloading.ls:solve_ls",
        f"{_OFF_P}:LSParams",
        "local search (relocate, swap, ejection chains) from the best start, with a bound",
        "0.1 s on config C (latency, certified)",
    ),
    MethodSpec(
        "milp",
        "offloading",
        "exact",
        "placement.offloading.methods:solve_milp",
        f"{_OFF_P}:MILPParams",
        "exact MILP (HiGHS default; any Pyomo solver by name)",
        "1-2 s on config C",
    ),
    MethodSpec(
        "cpsat",
        "offloading",
        "exact",
        "placement.offloading.methods:solve_cpsat",
        f"{_OFF_P}:CPSATParams",
        "exact model on OR-Tools CP-SAT (integer-scaled costs)",
        "15 s on config C",
    ),
    MethodSpec(
        "lp-bound",
        "offloading",
        "bound",
        "placement.offloading.methods:solve_lp_bound",
        f"{_OFF_P}:LPBoundParams",
        "LP relaxation bound with the Nimbus incumbent",
        "1 s on config C",
    ),
    MethodSpec(
        "mt-milp",
        "offloading",
        "exact",
        "placement.offloading.partitioned:solve_mt_milp",
        f"{_OFF_P}:PartitionedMILPParams",
        "MT decomposition, each slice solved exactly (bound: LP of the whole)",
        "1.4 s on config C",
    ),
    MethodSpec(
        "2pmt-milp",
        "offloading",
        "exact",
        "placement.offloading.partitioned:solve_2pmt_milp",
        f"{_OFF_P}:PartitionedMILPParams",
        "MT-MILP then a central MILP over the leftover devices",
        "17 s on A-C0 x 4000",
    ),
    # ---------------------------------------------------------------- pipeline
    MethodSpec(
        "milp",
        "pipeline",
        "exact",
        "placement.pipeline.methods:solve_milp",
        f"{_PIPE_P}:MILPParams",
        "exact MILP (layered or arc-flow routing, HiGHS)",
        "2-30 s per msgp2 front point",
    ),
    MethodSpec(
        "greedy",
        "pipeline",
        "heuristic",
        "placement.heuristics.pipeline.greedy:solve_greedy",
        f"{_PIPE_P}:GreedyParams",
        "greedy in priority and topological order (Numba kernels)",
        "1.9 s on ECCO 1000x1000, 0.06 s on UsCarrier",
    ),
    MethodSpec(
        "ls",
        "pipeline",
        "heuristic",
        "placement.heuristics.pipeline.ls:solve_ls",
        f"{_PIPE_P}:LSParams",
        "greedy then local search (any objective, ε-bounds)",
        "time limit (10 s default); fronts 11-39 s",
    ),
    MethodSpec(
        "mt",
        "pipeline",
        "heuristic",
        "placement.heuristics.pipeline.mt:solve_mt",
        f"{_PIPE_P}:PipelineMTParams",
        "substrate regions in threads (greedy + local search each)",
        "see benchmarks/results/pipeline/heuristics_mt.md",
    ),
    MethodSpec(
        "2pmt",
        "pipeline",
        "heuristic",
        "placement.heuristics.pipeline.mt:solve_2pmt",
        f"{_PIPE_P}:PipelineMTParams",
        "MT then a central pass for what the regions could not place",
        "1.5x ST ls on ECCO 1000x1000 (2 threads)",
    ),
)


def problem_of(instance: Any) -> str:
    """The problem name of ``instance``.

    Raises
    ------
    InputError
        When ``instance`` is not an instance of a known problem.
    """
    for name, spec in PROBLEMS.items():
        if spec.is_instance(instance):
            return name
    raise InputError(
        f"Expected an instance of a known problem ({', '.join(PROBLEMS)}), got "
        f"{type(instance).__name__}.",
        field="instance",
    )


def methods_of(problem: str) -> dict[str, MethodSpec]:
    """Method name -> spec for one problem (registry order)."""
    return {m.name: m for m in METHODS if m.problem == problem}


def method(problem: str, name: str) -> MethodSpec:
    """The spec of method ``name`` of ``problem``.

    Raises
    ------
    InputError
        Naming the problem and its methods when ``name`` is not one of them.
    """
    ms = methods_of(problem)
    if name in ms:
        return ms[name]
    others = [m.problem for m in METHODS if m.name == name]
    hint = f" ({name!r} is a method of {', '.join(others)} instances)" if others else ""
    raise InputError(
        f"unknown method {name!r} for {problem} instances{hint}; its methods are {', '.join(ms)}",
        field="method",
    )


def detect(path: Any, format: str | None = None) -> str:
    """The problem whose reader understands ``path`` (``format`` decides when given).

    Raises
    ------
    InputError
        For an unknown ``format``, or a path no reader recognises.
    """
    if format is not None:
        for name, spec in PROBLEMS.items():
            if format in spec.formats:
                return name
        known = sorted({f for s in PROBLEMS.values() for f in s.formats})
        raise InputError(f"unknown format {format!r} (known: {', '.join(known)})", field="format")
    for name, spec in PROBLEMS.items():
        if name == "offloading":
            continue
        if load(spec.detect)(path) is not None:
            return name
    return "offloading"


def read(path: Any, format: str | None = None) -> Any:
    """Read an instance of any problem from ``path`` (format detected or given)."""
    problem = detect(path, format)
    reader = load(PROBLEMS[problem].read)
    if problem == "offloading":
        return reader(path)
    return reader(path, format=format)
