"""The online controller: one class for both problems, a valid placement after every event.

A scheduler does not solve one batch: devices (offloading) or requests (pipelines)
arrive and depart, nodes (and, for pipelines, links) fail and recover. The
:class:`Controller` keeps a placement of the *active* ids that satisfies every
constraint after every call, changes as little as the event needs, and improves it
only when asked (:meth:`Controller.reoptimize`, at most ``max_moves`` moves).

Invariants after every call:

* every active device has exactly one target (edge, cloud or local; local is always
  possible); every active automatic request is placed and routed, or reported rejected
  with its reason;
* no active device or request uses a failed node or link;
* every active device served at the edge or in the cloud meets its deadline and budget
  at the *current* loads — the users of an AP are its background users plus its active
  devices, so an arrival slows every device at its AP, and the ones it would push past
  their deadline or budget are re-placed as part of that arrival (reported as moved);
* resources, instance capacities and link bandwidths hold; nothing is lost or duplicated.

A departure frees load and moves nothing; a failure re-places exactly what stood on the
failed node (or link). Each call returns a :class:`Change`.

The problems plug in through a *backend* (:class:`Backend`): the controller checks the
ids and the state rules (no arrival of an active id, no departure of an inactive one, no
failure of a failed node, ...), times the call and builds the :class:`Change`; the
backend owns the state and does the placing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Container, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from placement.errors import InputError
from placement.registry import PROBLEMS, load, problem_of
from placement.result import RawSolution, Result

#: Where each problem's backend lives (``"module:Class"``, imported on first use).
BACKENDS = {
    "offloading": "placement.online._offloading:OffloadingBackend",
    "pipeline": "placement.online._pipeline:PipelineBackend",
}

MIGRATIONS = ("stateless", "stateful")
START_MODES = ("none", "all")


class Move(NamedTuple):
    """One id moved from ``source`` to ``target``.

    Offloading: ``id`` is a device index, ``source`` / ``target`` are
    :class:`~placement.online._offloading.Target` values (``edge:12``, ``cloud:0``,
    ``local``). Pipelines: ``id`` is ``(request, step)`` and the targets are node
    names. ``migration_ms`` / ``downtime_ms``: the cost of the move (a function instance
    moving: the flavour's boot time when stateless, its migration time and downtime when
    stateful; a device moving costs one model load, counted as a move, 0 ms).
    """

    id: Any
    source: Any
    target: Any
    migration_ms: float = 0.0
    downtime_ms: float = 0.0


class Rejection(NamedTuple):
    """An active id left unplaced, with the reason (pipelines: on-demand requests not
    admitted, automatic requests no feasible placement exists for)."""

    id: Any
    reason: str


class Change(NamedTuple):
    """What one controller call did.

    Attributes
    ----------
    event
        ``start``, ``arrive``, ``depart``, ``fail``, ``recover`` or ``reoptimize``.
    subject
        The id, node or link of the event (``None`` for ``start`` / ``reoptimize``).
    placed
        ``(id, target)`` of every id placed that was not placed before (the newcomer).
    moved
        :class:`Move` of every id already placed that changed target.
    rejected
        :class:`Rejection` of every id left unplaced.
    removed
        Ids that left (a departure).
    runtime_s
        Seconds the call took (the controller's own work, no logging).
    note
        Anything the caller should know (e.g. an improvement discarded).
    """

    event: str
    subject: Any = None
    placed: tuple[tuple[Any, Any], ...] = ()
    moved: tuple[Move, ...] = ()
    rejected: tuple[Rejection, ...] = ()
    removed: tuple[Any, ...] = ()
    runtime_s: float = 0.0
    note: str = ""

    @property
    def migration_ms(self) -> float:
        """Total migration (or redeployment) time of the moves."""
        return float(sum(m.migration_ms for m in self.moved))

    @property
    def downtime_ms(self) -> float:
        """Total downtime of the moves (stateful migration)."""
        return float(sum(m.downtime_ms for m in self.moved))

    def __str__(self) -> str:
        subj = "" if self.subject is None else f" {self.subject}"
        return (
            f"{self.event}{subj}: placed {len(self.placed)}, moved {len(self.moved)}, "
            f"rejected {len(self.rejected)} in {1e6 * self.runtime_s:.0f} us"
        )


#: What a backend returns for one event: placed, moved, rejected, removed, note.
Parts = tuple[
    tuple[tuple[Any, Any], ...], tuple[Move, ...], tuple[Rejection, ...], tuple[Any, ...], str
]


@dataclass(frozen=True)
class EventRules:
    """What an event file of one instance may name (built by the backend).

    Attributes
    ----------
    problem
        ``offloading`` or ``pipeline``.
    id_key
        The key naming the subject of ``arrive`` / ``depart``: ``device`` or ``request``.
    id_type, node_type
        ``int`` (offloading: indices) or ``str`` (pipelines: names).
    ids, nodes
        The ids and node keys that exist (ranges or sets).
    links
        ``frozenset({u, v})`` of every link that may fail (empty: none).
    new_id
        ``new_id(spec, n_added)`` validates a new entry of an arrival and returns its id
        (raises ``InputError``); ``None``: new entries are not accepted.
    """

    problem: str
    id_key: str
    id_type: type
    ids: Container[Any]
    nodes: Container[Any]
    node_type: type
    links: frozenset[frozenset[Any]] = field(default_factory=frozenset)
    new_id: Callable[[Mapping[str, Any], int], Hashable] | None = None


class Backend(Protocol):
    """The interface a problem implements to be driven by :class:`Controller`.

    The controller has already checked the rules of the event (the id exists and is
    inactive for an arrival, active for a departure; the node exists and is up for a
    failure, down for a recovery) when it calls ``arrive`` / ``depart`` / ``fail`` /
    ``recover``; each returns :data:`Parts`. Node keys: offloading edge-node indices;
    pipelines node names, or ``("link", frozenset({u, v}))`` for a link.
    """

    problem: str
    id_key: str
    method: str

    def norm_id(self, x: Any) -> Hashable: ...
    def norm_node(self, x: Any) -> Hashable: ...
    def norm_link(self, x: Any) -> Hashable: ...
    def add(self, spec: Mapping[str, Any]) -> Hashable: ...
    def is_active(self, key: Hashable) -> bool: ...
    def is_failed(self, key: Hashable) -> bool: ...
    def start(self, ids: list[Hashable]) -> Parts: ...
    def arrive(self, key: Hashable) -> Parts: ...
    def depart(self, key: Hashable) -> Parts: ...
    def fail(self, key: Hashable) -> Parts: ...
    def recover(self, key: Hashable) -> Parts: ...
    def reoptimize(self, max_moves: int | None, time_limit: float | None) -> Parts: ...
    def active_ids(self) -> tuple[Hashable, ...]: ...
    def all_ids(self) -> tuple[Hashable, ...]: ...
    def failed_keys(self) -> tuple[Hashable, ...]: ...
    def universe(self) -> Any: ...
    def solution(self) -> Any: ...
    def params(self) -> dict[str, Any]: ...
    def event_rules(self) -> EventRules: ...
    def log_columns(self) -> tuple[str, ...]: ...
    def log_values(self, evaluation: Any) -> dict[str, Any]: ...


def _backend_class(problem: str) -> Any:
    return load(BACKENDS[problem])


def rules_for(instance: Any) -> EventRules:
    """What an event file of ``instance`` may name (no controller needed)."""
    return _backend_class(problem_of(instance)).rules(instance)


class Controller:
    """Online placement of one instance (offloading or pipelines).

    Parameters
    ----------
    instance
        The universe: every device / request that may become active.
    method
        The placement rule (offloading: ``nimbus``; pipelines: ``greedy``; the defaults).
    seed
        Seed of every random choice (κ sampling); the same seed and the same calls
        give the same states.
    active
        ``None`` / ``"none"``: nothing active; ``"all"``: every id, placed by one
        from-scratch solve; or a list of ids.
    migration
        ``stateless`` (a moved function instance is destroyed and redeployed: the
        flavour's boot time) or ``stateful`` (migration time and downtime); pipelines.
    improver
        Offloading only (pipelines re-optimise with the moves of the pipeline local
        search, :mod:`placement.heuristics.pipeline.online`): the local search of
        :meth:`reoptimize`, a callable
        ``improve(instance, assignment, params, *, max_moves) -> (assignment, moves)``
        run on the instance restricted to the active devices (default:
        :func:`placement.heuristics.offloading.relocate.improve`), or a name:
        ``"relocate"`` (that default) or ``"ls"``
        (:func:`placement.heuristics.offloading.ls.improve`: relocations, swaps and
        ejection chains, with ``LSParams(time_limit=...)``).
    improver_params
        ``improver_params(time_limit) -> params`` builds the improver's parameters for
        one call (default: ``RelocateParams(time_limit=time_limit)``).
    **params
        Parameters of ``method`` (offloading: ``kappa``, ``alpha``, ``beta``;
        pipelines: ``objective``, ``bounds``, ``alpha``, ``beta``).

    Raises
    ------
    InputError
        For an unknown method or parameter, a bad ``active`` or ``migration``.

    Examples
    --------
    >>> import placement
    >>> inst = placement.generate("C", devices=50, seed=1)
    >>> ctl = placement.Controller(inst)
    >>> ch = ctl.arrive(3)
    >>> ctl.active, ctl.result().metrics["violations"]
    ((3,), 0)
    """

    def __init__(
        self,
        instance: Any,
        method: str | None = None,
        *,
        seed: int = 0,
        active: Any = None,
        migration: str = "stateless",
        improver: Callable[..., Any] | str | None = None,
        improver_params: Callable[[float | None], Any] | None = None,
        **params: Any,
    ) -> None:
        self.problem = problem_of(instance)
        if migration not in MIGRATIONS:
            raise InputError(
                f"Expected migration in {{{', '.join(MIGRATIONS)}}}, got {migration!r}.",
                field="migration",
            )
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise InputError(f"Expected seed >= 0, got {seed!r}.", field="seed")
        self.seed = seed
        self.migration = migration
        cls = _backend_class(self.problem)
        self._b: Backend = cls(
            instance,
            method,
            params,
            seed=seed,
            migration=migration,
            improver=improver,
            improver_params=improver_params,
        )
        self.method = self._b.method
        self.events = 0
        self.runtime_s = 0.0
        self.moves = 0
        if active is not None and active != "none":
            self.start(active)

    # ------------------------------------------------------------------ state
    @property
    def instance(self) -> Any:
        """The universe (with the devices / requests added since the start)."""
        return self._b.universe()

    @property
    def active(self) -> tuple[Any, ...]:
        """Ids active now, sorted."""
        return self._b.active_ids()

    @property
    def failed(self) -> tuple[Any, ...]:
        """Failed nodes (and links, pipelines) now, sorted."""
        return self._b.failed_keys()

    @property
    def assignment(self) -> Any:
        """The current placement over the universe, evaluable by the problem's evaluator
        (offloading: an ``Assignment`` with inactive devices and failed nodes)."""
        return self._b.solution()

    def evaluate(self) -> Any:
        """The evaluator's verdict on :attr:`assignment`."""
        spec = PROBLEMS[self.problem]
        return load(spec.evaluate)(self._b.universe(), self._b.solution())

    def result(self) -> Result:
        """A :class:`~placement.result.Result` over the active set (metrics, violations
        — 0 by the invariants); ``runtime`` is the controller's total time so far."""
        spec = PROBLEMS[self.problem]
        sol = self._b.solution()
        ev = load(spec.evaluate)(self._b.universe(), sol)
        obj = getattr(self._b, "objective", None) or spec.default_objective
        raw = RawSolution(
            sol,
            runtime=self.runtime_s,
            statistics={"events": self.events, "moves": self.moves, "online": True},
        )
        return Result.from_raw(
            raw,
            ev,
            method=f"online-{self.method}",
            problem=self.problem,
            objective_name=obj,
            sense=spec.objectives[obj].sense,
            unit=spec.objectives[obj].unit,
            params=self._b.params(),
            seed=self.seed,
            wall=self.runtime_s,
        )

    @property
    def id_key(self) -> str:
        """``device`` (offloading) or ``request`` (pipelines)."""
        return self._b.id_key

    def log_columns(self) -> tuple[str, ...]:
        """The problem's columns of a replay log."""
        return tuple(self._b.log_columns())

    def log_values(self, evaluation: Any) -> dict[str, Any]:
        """The problem's log columns of an evaluation of :attr:`assignment`."""
        return self._b.log_values(evaluation)

    def event_rules(self) -> EventRules:
        """What an event file of this instance may name (for :mod:`placement.online.events`)."""
        return self._b.event_rules()

    # ------------------------------------------------------------------ events
    def _done(self, event: str, subject: Any, parts: Parts, t0: float) -> Change:
        placed, moved, rejected, removed, note = parts
        dt = time.perf_counter() - t0
        self.events += 1
        self.runtime_s += dt
        self.moves += len(moved)
        return Change(event, subject, placed, moved, rejected, removed, dt, note)

    def start(self, active: Any) -> Change:
        """Make ``active`` (``"all"`` or a list of ids) active at once, placed by one
        from-scratch solve; only while nothing is active.

        Raises
        ------
        InputError
            When something is active already, or for an unknown or repeated id.
        """
        t0 = time.perf_counter()
        b = self._b
        if b.active_ids():
            raise InputError("start: ids are active already", field="active")
        if active is None or active == "none":
            ids: list[Any] = []
        elif active == "all":
            ids = list(b.all_ids())
        elif isinstance(active, str) or not isinstance(active, Iterable):
            raise InputError(
                f'must be "none", "all" or a list of ids, got {active!r}', field="active"
            )
        else:
            ids = [b.norm_id(x) for x in active]
            if len(set(ids)) != len(ids):
                raise InputError("lists an id twice", field="active")
        return self._done("start", None, b.start(ids), t0)

    def arrive(
        self,
        id: Any = None,
        *,
        device: Mapping[str, Any] | None = None,
        request: Mapping[str, Any] | None = None,
    ) -> Change:
        """Id ``id`` becomes active and is placed; ``device={...}`` / ``request={...}``
        adds a new one to the universe first (offloading keys: ``ap``, ``fps``,
        ``frame_kb``, ``local_ms``, ``local_mj``, ``lte_mbps``, optional ``class``).

        Raises
        ------
        InputError
            For an unknown id, an id that is active already, or a bad new entry.
        """
        t0 = time.perf_counter()
        b = self._b
        spec = device if device is not None else request
        if spec is not None:
            given = "device" if device is not None else "request"
            if id is not None or (device is not None and request is not None):
                raise InputError("give one of an id, device={...} or request={...}")
            if given != b.id_key:
                raise InputError(
                    f"{self.problem} instances add a {b.id_key}, not a {given}", field=given
                )
            key = b.add(spec)
        else:
            key = b.norm_id(id)
            if b.is_active(key):
                raise InputError(f"{b.id_key} {key!r} is active already", field=b.id_key)
        return self._done("arrive", key, b.arrive(key), t0)

    def depart(self, id: Any) -> Change:
        """Id ``id`` leaves; its load is freed and nothing moves.

        Raises
        ------
        InputError
            For an unknown or inactive id.
        """
        t0 = time.perf_counter()
        b = self._b
        key = b.norm_id(id)
        if not b.is_active(key):
            raise InputError(f"{b.id_key} {key!r} is not active", field=b.id_key)
        return self._done("depart", key, b.depart(key), t0)

    def _node_key(self, node: Any, link: Any) -> Any:
        b = self._b
        if (node is None) == (link is None):
            raise InputError("give one of node or link")
        return b.norm_node(node) if link is None else b.norm_link(link)

    def fail(self, node: Any = None, *, link: Any = None) -> Change:
        """Node ``node`` (or, pipelines, ``link=(u, v)``) fails; exactly what stood on it
        is re-placed (offloading: Nimbus-style on the working nodes, else cloud, else
        local).

        Raises
        ------
        InputError
            For an unknown node or link, or one that has failed already.
        """
        t0 = time.perf_counter()
        key = self._node_key(node, link)
        if self._b.is_failed(key):
            raise InputError(f"{_what(key)} has failed already", field="node")
        return self._done("fail", key, self._b.fail(key), t0)

    def recover(self, node: Any = None, *, link: Any = None) -> Change:
        """Node ``node`` (or link) works again, empty; nothing moves until
        :meth:`reoptimize` (or a later arrival) uses it.

        Raises
        ------
        InputError
            For an unknown node or link, or one that has not failed.
        """
        t0 = time.perf_counter()
        key = self._node_key(node, link)
        if not self._b.is_failed(key):
            raise InputError(f"{_what(key)} has not failed", field="node")
        return self._done("recover", key, self._b.recover(key), t0)

    def reoptimize(self, max_moves: int | None = None, time_limit: float | None = None) -> Change:
        """Improve the current state by the problem's local search, moving at most
        ``max_moves`` ids (``None``: no limit), within about ``time_limit`` seconds.

        Raises
        ------
        InputError
            For a negative ``max_moves`` or a non-positive ``time_limit``.
        """
        t0 = time.perf_counter()
        if max_moves is not None and (
            isinstance(max_moves, bool) or not isinstance(max_moves, int) or max_moves < 0
        ):
            raise InputError(f"Expected max_moves >= 0, got {max_moves!r}.", field="max_moves")
        if time_limit is not None and (
            isinstance(time_limit, bool)
            or not isinstance(time_limit, (int, float))
            or not time_limit > 0
        ):
            raise InputError(f"Expected time_limit > 0, got {time_limit!r}.", field="time_limit")
        parts = self._b.reoptimize(max_moves, time_limit)
        return self._done("reoptimize", None, parts, t0)

    def __repr__(self) -> str:
        return (
            f"Controller({self.problem}, method={self.method!r}, active={len(self.active)}, "
            f"failed={len(self.failed)}, events={self.events})"
        )


def _what(key: Any) -> str:
    if isinstance(key, tuple) and len(key) == 2 and key[0] == "link":
        u, v = sorted(key[1])
        return f"link {u}-{v}"
    return f"node {key!r}"
