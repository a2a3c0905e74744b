"""Pipeline placement instances: substrate, function catalogue, requests, placements.

Frozen, validated dataclasses of the substrate (nodes with resources and capabilities,
links), the function catalogue and the requests. Every check raises
:class:`~placement.errors.InputError` naming the field by its JSON path (e.g.
``requests[3].steps[1].function``) and the rule; readers add the file name.
Unbounded quantities (capacity, bandwidth, delay bound) are ``math.inf``.

Units: resources in the unit of their name (``cores``, ``ram_mb``, ...), link
bandwidth and request traffic in Mbps, delays in ms, power in W.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any

import networkx as nx

from placement.errors import InputError
from placement.pipeline.dag import is_dag, weakly_connected
from placement.pipeline.solution import Placement, Route  # noqa: F401  (public re-export)

logger = logging.getLogger(__name__)

EXECUTION_MODES = ("automatic", "on_demand")

#: V-Edge node classes (Table I) with their availability window in hours.
NODE_CLASSES: Mapping[str, tuple[float, float]] = MappingProxyType(
    {
        "isp_mec": (24.0 * 365, 24.0 * 365 * 5),
        "private_mec": (24.0 * 7, 24.0 * 7 * 8),
        "wifi_ap": (24.0 * 30, 24.0 * 30 * 12),
        "parked_car": (0.5, 24.0),
        "moving_car": (1.0 / 60, 5.0 / 60),
        "shuttle": (1.0 / 60, 30.0 / 60),
        "smartphone": (5.0 / 60, 15.0 / 60),
        "roadside_unit": (24.0 * 365, 24.0 * 365 * 10),
        "cloud": (24.0 * 365 * 10, 24.0 * 365 * 10),
    }
)

#: Default virtualisation flavour figures (VM ~5–10 s boot, ~1000 MB image; container ~1 s,
#: ~50 MB; unikernel < 50 ms, < 5 MB; stateful migration as measured for each).
DEFAULT_FLAVOURS: Mapping[str, Mapping[str, float]] = MappingProxyType(
    {
        "vm": {"boot_ms": 7500.0, "image_mb": 1000.0, "memory_mb": 100.0, "migration_ms": 10000.0},
        "container": {
            "boot_ms": 900.0,
            "image_mb": 50.0,
            "memory_mb": 5.0,
            "migration_ms": 1960.0,
            "downtime_ms": 1800.0,
        },
        "unikernel": {
            "boot_ms": 50.0,
            "image_mb": 5.0,
            "memory_mb": 8.0,
            "migration_ms": 3540.0,
            "downtime_ms": 330.0,
        },
        "edge_function": {
            "boot_ms": 35.0,
            "image_mb": 5.0,
            "memory_mb": 15.0,
            "migration_ms": 3540.0,
            "downtime_ms": 330.0,
        },
    }
)


def _ro_map(m: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(m or {}))


def _check_number(
    value: Any, fld: str, *, lo: float = 0.0, strict: bool = False, allow_inf: bool = False
) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"must be a number, got {value!r}", field=fld)
    v = float(value)
    if math.isnan(v) or (math.isinf(v) and not allow_inf):
        raise InputError(f"must be finite, got {value!r}", field=fld)
    if (strict and v <= lo) or v < lo:
        raise InputError(f"must be {'>' if strict else '>='} {lo:g}, got {value!r}", field=fld)
    return v


def _check_name(value: Any, fld: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"must be a non-empty string, got {value!r}", field=fld)
    return value


@dataclass(frozen=True)
class Node:
    """A substrate node.

    Attributes
    ----------
    name
        Unique node name.
    resources
        Resource name -> capacity (``math.inf`` = unbounded); missing = 0.
    capabilities
        Capabilities the node offers (``camera``, ``gpu``, ...).
    exclusive
        Capabilities (subset of ``capabilities``) at most one function instance may use.
    idle_w, per_core_w
        Power model: an active node draws ``idle_w`` plus ``per_core_w`` per core used.
    node_class
        V-Edge node class (see :data:`NODE_CLASSES`) or ``None``.
    availability_h
        Availability window ``(min, max)`` in hours, or ``None``.
    coords
        ``(latitude, longitude)`` in degrees, or ``None``.
    """

    name: str
    resources: Mapping[str, float] = field(default_factory=dict)
    capabilities: frozenset[str] = frozenset()
    exclusive: frozenset[str] = frozenset()
    idle_w: float = 0.0
    per_core_w: float = 0.0
    node_class: str | None = None
    availability_h: tuple[float, float] | None = None
    coords: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        _check_name(self.name, "name")
        object.__setattr__(self, "resources", _ro_map(self.resources))
        for k, v in self.resources.items():
            _check_number(v, f"resources.{k}", allow_inf=True)
        object.__setattr__(self, "capabilities", frozenset(self.capabilities))
        object.__setattr__(self, "exclusive", frozenset(self.exclusive))
        if not self.exclusive <= self.capabilities:
            extra = sorted(self.exclusive - self.capabilities)
            raise InputError(
                f"exclusive capabilities {extra} are not in capabilities", field="exclusive"
            )
        _check_number(self.idle_w, "idle_w")
        _check_number(self.per_core_w, "per_core_w")
        if self.availability_h is not None:
            lo, hi = self.availability_h
            _check_number(lo, "availability_h[0]")
            _check_number(hi, "availability_h[1]", allow_inf=True)
            if hi < lo:
                raise InputError("must satisfy min <= max", field="availability_h")
            object.__setattr__(self, "availability_h", (float(lo), float(hi)))
        if self.coords is not None:
            if not isinstance(self.coords, tuple | list) or len(self.coords) != 2:
                raise InputError("must be a pair (latitude, longitude)", field="coords")
            c = (
                _check_number(self.coords[0], "coords[0]", lo=-math.inf),
                _check_number(self.coords[1], "coords[1]", lo=-math.inf),
            )
            object.__setattr__(self, "coords", c)
        if self.node_class is not None and not isinstance(self.node_class, str):
            raise InputError(f"must be a string, got {self.node_class!r}", field="class")

    def capacity(self, resource: str) -> float:
        """Capacity of ``resource`` (0 when the node does not declare it)."""
        return float(self.resources.get(resource, 0.0))


@dataclass(frozen=True)
class Link:
    """An undirected substrate link (one bandwidth shared by both directions)."""

    u: str
    v: str
    bandwidth_mbps: float = math.inf
    delay_ms: float = 0.0

    def __post_init__(self) -> None:
        _check_name(self.u, "u")
        _check_name(self.v, "v")
        if self.u == self.v:
            raise InputError(f"self-loop on node {self.u!r} is not allowed", field="v")
        _check_number(self.bandwidth_mbps, "bandwidth_mbps", allow_inf=True)
        _check_number(self.delay_ms, "delay_ms")


@dataclass(frozen=True)
class Override:
    """Node-dependent figures of a function (heterogeneous hardware).

    ``demands`` replaces the named demands on that node; ``proc_ms`` and ``cost``
    replace the function's processing delay and per-instance placement cost.
    """

    demands: Mapping[str, float] = field(default_factory=dict)
    proc_ms: float | None = None
    cost: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "demands", _ro_map(self.demands))
        for k, v in self.demands.items():
            _check_number(v, f"demands.{k}")
        if self.proc_ms is not None:
            _check_number(self.proc_ms, "proc_ms")
        if self.cost is not None:
            _check_number(self.cost, "cost", lo=-math.inf)


@dataclass(frozen=True)
class Flavour:
    """A virtualisation flavour (container / unikernel / microVM / VM) of a function."""

    demands: Mapping[str, float] = field(default_factory=dict)
    boot_ms: float = 0.0
    image_mb: float = 0.0
    memory_mb: float = 0.0
    migration_ms: float = 0.0
    downtime_ms: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "demands", _ro_map(self.demands))
        for k, v in self.demands.items():
            _check_number(v, f"demands.{k}")
        for k in ("boot_ms", "image_mb", "memory_mb", "migration_ms", "downtime_ms"):
            _check_number(getattr(self, k), k)


@dataclass(frozen=True)
class Function:
    """A function type of the catalogue.

    Attributes
    ----------
    name
        Unique name (matched case-sensitively; readers of case-insensitive
        formats normalise).
    demands
        Per-instance demands (resource name -> amount).
    proc_ms
        Processing delay added to every path through a step of this type.
    capacity
        Traffic (Mbps) one instance serves; instances are shared by all steps
        mapped to them on a node; ``math.inf`` = unbounded.
    max_instances
        Instances over the whole substrate, -1 = unlimited.
    requires
        Capabilities a hosting node must offer.
    overrides
        Node name -> :class:`Override`.
    cost
        Per-instance placement cost (objective ``cost``), overridable per node.
    flavours
        Flavour name -> :class:`Flavour`.
    flavour
        The flavour deployed (its demands replace ``demands`` for the named
        resources), or ``None``. With ``None`` and two or more ``flavours`` the
        flavour is a decision: every instance gets one of them (:attr:`choices`),
        chosen by the method; with ``None`` and at most one flavour listed the
        function's own ``demands`` hold, as when no flavour is listed.
    """

    name: str
    demands: Mapping[str, float] = field(default_factory=dict)
    proc_ms: float = 0.0
    capacity: float = math.inf
    max_instances: int = -1
    requires: frozenset[str] = frozenset()
    overrides: Mapping[str, Override] = field(default_factory=dict)
    cost: float = 0.0
    flavours: Mapping[str, Flavour] = field(default_factory=dict)
    flavour: str | None = None

    def __post_init__(self) -> None:
        _check_name(self.name, "name")
        object.__setattr__(self, "demands", _ro_map(self.demands))
        for k, v in self.demands.items():
            _check_number(v, f"demands.{k}")
        _check_number(self.proc_ms, "proc_ms")
        _check_number(self.capacity, "capacity", strict=True, allow_inf=True)
        if (
            isinstance(self.max_instances, bool)
            or not isinstance(self.max_instances, int)
            or (self.max_instances < -1)
        ):
            raise InputError(
                f"must be an integer >= -1, got {self.max_instances!r}", field="max_instances"
            )
        object.__setattr__(self, "requires", frozenset(self.requires))
        object.__setattr__(self, "overrides", _ro_map(self.overrides))
        _check_number(self.cost, "cost", lo=-math.inf)
        object.__setattr__(self, "flavours", _ro_map(self.flavours))
        if self.flavour is not None and not isinstance(self.flavour, str):
            raise InputError(f"must be a string, got {self.flavour!r}", field="flavour")
        for k, c in enumerate(sorted(self.requires, key=str)):
            if not isinstance(c, str):
                raise InputError(f"entry {k} must be a string, got {c!r}", field="requires")
        if self.flavour is not None and self.flavour not in self.flavours:
            known = sorted(self.flavours)
            raise InputError(f"unknown flavour {self.flavour!r} (known: {known})", field="flavour")

    @property
    def choices(self) -> tuple[str, ...]:
        """The flavours to choose from (sorted); ``()`` when the flavour is fixed."""
        if self.flavour is None and len(self.flavours) >= 2:
            return tuple(sorted(self.flavours))
        return ()

    def variants(self) -> tuple[str | None, ...]:
        """The flavours an instance may have: :attr:`choices`, else ``(flavour,)``."""
        return self.choices or (self.flavour,)

    def boot_ms(self, flavour: str | None = None) -> float:
        """Boot time of ``flavour`` (default: the fixed flavour; 0 without)."""
        fl = flavour if flavour is not None else self.flavour
        return float(self.flavours[fl].boot_ms) if fl is not None else 0.0

    def demand(self, resource: str, node: str | None = None, flavour: str | None = None) -> float:
        """Per-instance demand on ``node`` with ``flavour`` (default: the fixed one); a node
        override wins, then the flavour's demand, then the function's own."""
        if node is not None and node in self.overrides and resource in self.overrides[node].demands:
            return float(self.overrides[node].demands[resource])
        fl = flavour if flavour is not None else self.flavour
        if fl is not None and resource in self.flavours[fl].demands:
            return float(self.flavours[fl].demands[resource])
        return float(self.demands.get(resource, 0.0))

    def resource_names(self) -> set[str]:
        """Every resource this function may demand anywhere (with any flavour it may have)."""
        names = set(self.demands)
        for o in self.overrides.values():
            names |= set(o.demands)
        for fl in self.variants():
            if fl is not None:
                names |= set(self.flavours[fl].demands)
        return names

    def proc(self, node: str) -> float:
        """Processing delay on ``node``."""
        o = self.overrides.get(node)
        if o is not None and o.proc_ms is not None:
            return float(o.proc_ms)
        return float(self.proc_ms)

    def cost_on(self, node: str) -> float:
        """Per-instance placement cost on ``node``."""
        o = self.overrides.get(node)
        if o is not None and o.cost is not None:
            return float(o.cost)
        return float(self.cost)


@dataclass(frozen=True)
class Step:
    """One step of a request: a function, or a pinned endpoint.

    ``function`` ``None`` makes the step a pinned endpoint (ingress / source /
    egress / sink) that uses no resources and must sit on one of ``nodes``. With a
    function, ``nodes`` (optional) restricts where it may run. ``replicas`` k
    places k copies on k distinct nodes (anti-affine); every copy receives the
    step's traffic. ``load`` overrides the traffic the step processes (default:
    the bandwidth of its incoming edges, or of its outgoing ones for a source).
    ``max_boot_ms`` (optional) bounds the boot time of the flavour of every instance
    serving the step (tighter than the request's own bound, if any).
    """

    id: str
    function: str | None = None
    nodes: tuple[str, ...] | None = None
    replicas: int = 1
    load: float | None = None
    max_boot_ms: float | None = None

    def __post_init__(self) -> None:
        _check_name(self.id, "id")
        if self.function is not None:
            _check_name(self.function, "function")
        if self.nodes is not None:
            if isinstance(self.nodes, str):
                raise InputError("must be a list of node names", field="nodes")
            object.__setattr__(self, "nodes", tuple(self.nodes))
            if not self.nodes:
                raise InputError("must list at least one node", field="nodes")
            for k, n in enumerate(self.nodes):
                _check_name(n, f"nodes[{k}]")
        if self.function is None and self.nodes is None:
            raise InputError("a step needs a 'function' or pinned 'nodes'", field="function")
        if (
            isinstance(self.replicas, bool)
            or not isinstance(self.replicas, int)
            or self.replicas < 1
        ):
            raise InputError(f"must be an integer >= 1, got {self.replicas!r}", field="replicas")
        if self.load is not None:
            _check_number(self.load, "load")
        if self.max_boot_ms is not None:
            _check_number(self.max_boot_ms, "max_boot_ms", allow_inf=True)

    @property
    def pinned(self) -> bool:
        """Whether the step is an endpoint without a function."""
        return self.function is None


@dataclass(frozen=True)
class Edge:
    """A directed request edge between two steps with its traffic (Mbps)."""

    src: str
    dst: str
    bandwidth_mbps: float = 0.0

    def __post_init__(self) -> None:
        _check_name(self.src, "from")
        _check_name(self.dst, "to")
        if self.src == self.dst:
            raise InputError("an edge must join two different steps", field="to")
        _check_number(self.bandwidth_mbps, "bandwidth_mbps")


@dataclass(frozen=True)
class Request:
    """A pipeline request: a DAG of steps joined by edges.

    ``max_delay_ms`` bounds every source -> sink path (link delays + ``proc_ms``);
    ``priority`` weighs admission; ``execution`` is ``automatic`` (must be placed)
    or ``on_demand`` (placed only if admitted); ``lifetime_s`` is informative;
    ``max_boot_ms`` bounds the boot time of the flavour of every instance serving
    one of its steps (``math.inf``: no bound).
    """

    name: str
    steps: tuple[Step, ...]
    edges: tuple[Edge, ...] = ()
    max_delay_ms: float = math.inf
    priority: float = 1.0
    execution: str = "automatic"
    lifetime_s: float | None = None
    max_boot_ms: float = math.inf

    def __post_init__(self) -> None:
        _check_name(self.name, "name")
        object.__setattr__(self, "steps", tuple(self.steps))
        object.__setattr__(self, "edges", tuple(self.edges))
        if not self.steps:
            raise InputError("a request needs at least one step", field="steps")
        ids = [s.id for s in self.steps]
        seen: set[str] = set()
        for k, i in enumerate(ids):
            if i in seen:
                raise InputError(f"duplicate step id {i!r}", field=f"steps[{k}].id")
            seen.add(i)
        for k, e in enumerate(self.edges):
            if e.src not in seen:
                raise InputError(f"unknown step {e.src!r}", field=f"edges[{k}].from")
            if e.dst not in seen:
                raise InputError(f"unknown step {e.dst!r}", field=f"edges[{k}].to")
        pairs = [(e.src, e.dst) for e in self.edges]
        if len(set(pairs)) != len(pairs):
            raise InputError("duplicate edge", field="edges")
        if not is_dag(ids, pairs):
            raise InputError("the steps must form a DAG (cycle found)", field="edges")
        if len(ids) > 1 and not weakly_connected(ids, pairs):
            raise InputError("the steps must be connected by edges", field="edges")
        _check_number(self.max_delay_ms, "max_delay_ms", allow_inf=True)
        _check_number(self.priority, "priority")
        if not isinstance(self.execution, str) or self.execution not in EXECUTION_MODES:
            raise InputError(
                f"must be one of {list(EXECUTION_MODES)}, got {self.execution!r}", field="execution"
            )
        if self.lifetime_s is not None:
            _check_number(self.lifetime_s, "lifetime_s", allow_inf=True)
        _check_number(self.max_boot_ms, "max_boot_ms", allow_inf=True)

    def step(self, sid: str) -> Step:
        """The step with id ``sid``."""
        for s in self.steps:
            if s.id == sid:
                return s
        raise KeyError(sid)

    def boot_limit(self, sid: str) -> float:
        """Bound on the boot time (ms) of the instances serving step ``sid``."""
        s = self.step(sid)
        return float(min(self.max_boot_ms, math.inf if s.max_boot_ms is None else s.max_boot_ms))

    def load(self, sid: str) -> float:
        """Traffic (Mbps) a step processes."""
        s = self.step(sid)
        if s.load is not None:
            return float(s.load)
        inc = sum(e.bandwidth_mbps for e in self.edges if e.dst == sid)
        if any(e.dst == sid for e in self.edges):
            return float(inc)
        return float(sum(e.bandwidth_mbps for e in self.edges if e.src == sid))

    def paths(self) -> list[list[str]]:
        """Every source -> sink path of step ids."""
        succ: dict[str, list[str]] = {s.id: [] for s in self.steps}
        indeg = {s.id: 0 for s in self.steps}
        for e in self.edges:
            succ[e.src].append(e.dst)
            indeg[e.dst] += 1
        out: list[list[str]] = []

        def walk(p: list[str]) -> None:
            nxt = succ[p[-1]]
            if not nxt:
                out.append(p)
            for n in nxt:
                walk(p + [n])

        for s in self.steps:
            if indeg[s.id] == 0:
                walk([s.id])
        return out

    @property
    def is_chain(self) -> bool:
        """Whether the steps form a single path without replicas."""
        if any(s.replicas != 1 for s in self.steps):
            return False
        return len(self.paths()) == 1 and len(self.edges) == len(self.steps) - 1

    def signature(self) -> tuple:
        """Hashable content key (everything but the name): identical requests aggregate."""
        r = self
        return (r.steps, r.edges, r.max_delay_ms, r.priority, r.execution, r.max_boot_ms)


@dataclass(frozen=True)
class PipelineInstance:
    """A pipeline-placement instance: substrate, function catalogue and requests.

    Attributes
    ----------
    name
        Instance name.
    nodes, links
        The substrate.
    functions
        The function catalogue.
    requests
        The requests to place.
    previous
        Optional previous placement (request -> step -> nodes) for the
        ``migrations`` objective.
    meta
        Free-form metadata (source format, recipe of generated instances, ...).
    """

    name: str
    nodes: tuple[Node, ...]
    links: tuple[Link, ...]
    functions: tuple[Function, ...]
    requests: tuple[Request, ...]
    previous: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for attr in ("nodes", "links", "functions", "requests"):
            object.__setattr__(self, attr, tuple(getattr(self, attr)))
        object.__setattr__(self, "meta", _ro_map(self.meta))
        object.__setattr__(
            self,
            "previous",
            MappingProxyType(
                {
                    r: MappingProxyType({s: tuple(n) for s, n in d.items()})
                    for r, d in (self.previous or {}).items()
                }
            ),
        )
        if not self.nodes:
            raise InputError("the substrate needs at least one node", field="nodes")
        names: dict[str, int] = {}
        for k, n in enumerate(self.nodes):
            if n.name in names:
                raise InputError(f"duplicate node name {n.name!r}", field=f"nodes[{k}].name")
            names[n.name] = k
        seen: set[frozenset[str]] = set()
        for k, lk in enumerate(self.links):
            for end, fld in ((lk.u, "u"), (lk.v, "v")):
                if end not in names:
                    raise InputError(f"unknown node {end!r}", field=f"links[{k}].{fld}")
            key = frozenset((lk.u, lk.v))
            if key in seen:
                raise InputError(f"duplicate link {lk.u!r}-{lk.v!r}", field=f"links[{k}]")
            seen.add(key)
        fnames: dict[str, int] = {}
        for k, f in enumerate(self.functions):
            if f.name in fnames:
                raise InputError(
                    f"duplicate function name {f.name!r}", field=f"functions[{k}].name"
                )
            fnames[f.name] = k
            for node in f.overrides:
                if node not in names:
                    raise InputError(
                        f"override for unknown node {node!r}",
                        field=f"functions[{k}].overrides.{node}",
                    )
        rnames: set[str] = set()
        for k, r in enumerate(self.requests):
            if r.name in rnames:
                raise InputError(f"duplicate request name {r.name!r}", field=f"requests[{k}].name")
            rnames.add(r.name)
            for j, s in enumerate(r.steps):
                if s.function is not None and s.function not in fnames:
                    raise InputError(
                        f"unknown function {s.function!r}",
                        field=f"requests[{k}].steps[{j}].function",
                    )
                for node in s.nodes or ():
                    if node not in names:
                        raise InputError(
                            f"unknown node {node!r}", field=f"requests[{k}].steps[{j}].nodes"
                        )
                if s.pinned and s.replicas > len(set(s.nodes or ())):
                    raise InputError(
                        f"{s.replicas} replicas need as many distinct pinned nodes",
                        field=f"requests[{k}].steps[{j}].replicas",
                    )
        for r, d in self.previous.items():
            if r not in rnames:
                raise InputError(f"unknown request {r!r}", field=f"previous.{r}")
            for s, nodes in d.items():
                for node in nodes:
                    if node not in names:
                        raise InputError(f"unknown node {node!r}", field=f"previous.{r}.{s}")

    # ------------------------------------------------------------------ helpers
    @cached_property
    def node_index(self) -> dict[str, int]:
        """Node name -> position."""
        return {n.name: k for k, n in enumerate(self.nodes)}

    @cached_property
    def function_map(self) -> dict[str, Function]:
        """Function name -> :class:`Function`."""
        return {f.name: f for f in self.functions}

    @cached_property
    def node_map(self) -> dict[str, Node]:
        """Node name -> :class:`Node`."""
        return {n.name: n for n in self.nodes}

    @cached_property
    def request_map(self) -> dict[str, Request]:
        """Request name -> :class:`Request`."""
        return {r.name: r for r in self.requests}

    @cached_property
    def graph(self) -> nx.Graph:
        """The substrate as an undirected networkx graph (link data on the edges)."""
        g = nx.Graph()
        for n in self.nodes:
            g.add_node(n.name)
        for lk in self.links:
            g.add_edge(lk.u, lk.v, bandwidth_mbps=lk.bandwidth_mbps, delay_ms=lk.delay_ms)
        return g

    @cached_property
    def resource_names(self) -> tuple[str, ...]:
        """Every resource name any node or function mentions, sorted."""
        names: set[str] = set()
        for n in self.nodes:
            names |= set(n.resources)
        for f in self.functions:
            names |= f.resource_names()
        return tuple(sorted(names))

    def allowed_flavours(self, function: str, boot_limit: float = math.inf) -> tuple:
        """The flavours of ``function`` booting within ``boot_limit``."""
        f = self.function_map[function]
        return tuple(fl for fl in f.variants() if f.boot_ms(fl) <= boot_limit + 1e-9)

    def fits(self, function: str, node: str, flavour: Any = ...) -> bool:
        """Whether one instance (of ``flavour``, default any) fits the empty ``node``."""
        return self.max_fit(function, node, flavour) > 0

    def max_fit(self, function: str, node: str, flavour: Any = ...) -> int:
        """Instances of ``function`` (``flavour``: default the best) fitting ``node`` (<= 10**6)."""
        f = self.function_map[function]
        n = self.node_map[node]
        if not f.requires <= n.capabilities:
            return 0
        fls = f.variants() if flavour is ... else (flavour,)
        best = 0
        for fl in fls:
            k = 10**6
            for r in f.resource_names():
                d = f.demand(r, node, fl)
                capr = n.capacity(r)
                if d > capr + 1e-9:
                    k = 0
                    break
                if d > 0 and math.isfinite(capr):
                    k = min(k, int(math.floor(capr / d + 1e-9)))
            best = max(best, k)
        if best and f.requires & n.exclusive:
            best = min(best, 1)
        if f.max_instances >= 0:
            best = min(best, f.max_instances)
        return best

    def candidates(self, request: Request, step: Step) -> list[str]:
        """Nodes that may host ``step`` of ``request`` (capabilities, pinning, boot limit)."""
        allowed = list(step.nodes) if step.nodes is not None else [n.name for n in self.nodes]
        if step.function is None:
            return list(dict.fromkeys(allowed))
        fls = self.allowed_flavours(step.function, request.boot_limit(step.id))
        fit = self.max_fit
        return [v for v in dict.fromkeys(allowed) if any(fit(step.function, v, fl) for fl in fls)]

    def summary(self) -> dict[str, Any]:
        """Counts for ``placement info``."""
        return {
            "name": self.name,
            "nodes": len(self.nodes),
            "links": len(self.links),
            "functions": len(self.functions),
            "requests": len(self.requests),
            "steps": sum(len(r.steps) for r in self.requests),
            "source": self.meta.get("source", "-"),
        }
