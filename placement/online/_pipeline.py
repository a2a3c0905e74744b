"""The pipeline backend of :class:`~placement.online.controller.Controller`.

Ids are request names, nodes are node names, a link is ``(u, v)``. The state is one
:class:`~placement.heuristics.pipeline.state.PipelineState` over arrays built once per
instance; every event changes it incrementally (no re-solve):

* **arrive** — the request is placed by the greedy rule of
  :meth:`~placement.heuristics.pipeline.state.PipelineState.place` on the current state
  (shared instances first, shortest feasible routes); when no placement exists it stays
  active, unplaced, and is reported rejected with the reason (*pending*);
* **depart** — its instances shrink, its bandwidth returns; nothing moves;
* **fail** (node or link) — exactly the requests hosted on the node or routed over it
  are taken out and placed again, each step preferring its old host (so only what
  stood on the failed node moves, unless a delay bound or capacity forces more); a
  request that cannot be placed again is reported rejected and stays pending;
* **recover** — the node (link) works again, empty; the pending requests it can help
  are tried again (placements, not moves; all of them at the next ``reoptimize``);
* **reoptimize** — the moves of the pipeline local search from the current state with
  at most ``max_moves`` moved step replicas, strictly improving moves only, no running
  request evicted (:func:`~placement.heuristics.pipeline.online.improve_bounded`).

A moved step replica is a :class:`~placement.online.controller.Move` with id
``(request, step)`` and node names; its cost follows the flavour of the function
instance serving it on the new node: ``stateless`` — destroyed and redeployed, the
flavour's ``boot_ms`` (as migration time and as downtime); ``stateful`` — the flavour's
``migration_ms`` and ``downtime_ms``. A replica moved off a failed node is always a
redeployment (its state died with the node). A function without a flavour costs 0 ms.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from placement.errors import InputError
from placement.heuristics.pipeline.greedy import (
    construct,
    ensure_compiled,
    objective_of,
    request_order,
)
from placement.heuristics.pipeline.online import improve_bounded, replica_moves
from placement.heuristics.pipeline.state import PipelineState, arrays_of
from placement.online.controller import EventRules, Move, Parts, Rejection
from placement.pipeline.instance import PipelineInstance
from placement.pipeline.params import GreedyParams
from placement.pipeline.solution import Placement

logger = logging.getLogger(__name__)

COLUMNS = ("cores", "hops", "delay", "energy", "priority")
#: Words of a rejection reason that a recovered link or node may lift anywhere.
_ROUTING = ("max_delay_ms", "bandwidth", "ε-bound")
_NOTHING: Parts = ((), (), (), (), "")


class PipelineBackend:
    """Online pipeline placement (see the module docstring)."""

    problem = "pipeline"
    id_key = "request"

    def __init__(
        self,
        instance: PipelineInstance,
        method: str | None,
        params: dict[str, Any],
        *,
        seed: int,
        migration: str,
        improver: Callable[..., Any] | None,
        improver_params: Callable[[float | None], Any] | None = None,
    ) -> None:
        self.method = method or "greedy"
        if self.method != "greedy":
            raise InputError(
                f"unknown online method {self.method!r} for pipeline instances (known: greedy)",
                field="method",
            )
        if improver is not None or improver_params is not None:
            raise InputError(
                "pipeline re-optimisation uses the pipeline local search (no improver)",
                field="improver",
            )
        p = GreedyParams.build(dict(params), method="greedy")
        self._params = p
        self._seed = seed
        self._migration = migration
        self.inst = instance
        ensure_compiled()
        self.A = arrays_of(instance)
        self.objective = objective_of(instance, p)
        self.st = self._new_state()
        self._active: set[str] = set()
        self._pending: dict[str, str] = {}
        self._down_nodes: set[str] = set()
        self._down_links: set[frozenset[str]] = set()
        self._reopts = 0
        self._order = {n: k for k, n in enumerate(request_order(instance))}

    def _new_state(self) -> PipelineState:
        p = self._params
        return PipelineState(self.A, self.objective, p.bounds, alpha=p.alpha, beta=p.beta)

    # ------------------------------------------------------------------ ids
    def norm_id(self, x: Any) -> str:
        """A request name of the instance."""
        if not isinstance(x, str):
            raise InputError(f"request must be a name, got {x!r}", field="request")
        if x not in self.A.req_index:
            raise InputError(f"unknown request {x!r}", field="request")
        return x

    def norm_node(self, x: Any) -> str:
        """A node name of the instance."""
        if not isinstance(x, str):
            raise InputError(f"node must be a name, got {x!r}", field="node")
        if x not in self.A.nidx:
            raise InputError(f"unknown node {x!r}", field="node")
        return x

    def norm_link(self, x: Any) -> tuple[str, frozenset[str]]:
        """``("link", frozenset({u, v}))`` of an existing link ``(u, v)``."""
        if isinstance(x, str) or not isinstance(x, (tuple, list)) or len(x) != 2:
            raise InputError(f"link must be a pair (u, v), got {x!r}", field="link")
        u, v = (self.norm_node(y) for y in x)
        if (self.A.nidx[u], self.A.nidx[v]) not in self.A.link_of:
            raise InputError(f"unknown link {u!r}-{v!r}", field="link")
        return ("link", frozenset((u, v)))

    def is_active(self, name: str) -> bool:
        """Whether request ``name`` is active (placed or pending)."""
        return name in self._active

    def is_failed(self, key: Any) -> bool:
        """Whether a node or ``("link", {u, v})`` has failed."""
        if isinstance(key, tuple):
            return key[1] in self._down_links
        return key in self._down_nodes

    def add(self, spec: Mapping[str, Any]) -> str:
        """New requests cannot be added online (the instance is the universe)."""
        raise InputError(
            "pipeline requests cannot be added by an arrival; list them in the instance",
            field="request",
        )

    # --------------------------------------------------------------- helpers
    def _key(self, name: str) -> tuple[int, str]:
        return (self._order[name], name)

    def _hosts(self, name: str) -> dict[str, tuple[str, ...]]:
        return self.st.hosts(name)

    def _cost(self, q: int, i: int, node: int, redeploy: bool) -> tuple[float, float]:
        """Migration (or redeployment) time and downtime of moving replica of step ``i``
        of request ``q`` onto ``node`` (the flavour of the instance serving it there)."""
        A = self.A
        s = A.plan(q).steps[i]
        if s.t < 0:
            return 0.0, 0.0
        f = A.funcs[s.t]
        v0 = int(A.var_ptr[s.t])
        fl = None
        for k in range(v0, v0 + s.jpref):
            if self.st.inst_cnt[node, k] > 0:
                fl = A.var_flavour[k]
                break
        if fl is None:
            fl = f.flavour
        if fl is None or fl not in f.flavours:
            return 0.0, 0.0
        spec = f.flavours[fl]
        if redeploy or self._migration == "stateless":
            return float(spec.boot_ms), float(spec.boot_ms)
        return float(spec.migration_ms), float(spec.downtime_ms)

    def _moves(self, q: int, old: list[list[int]], dead: int | None = None) -> tuple[Move, ...]:
        """The moves of request ``q`` from hosts ``old`` to its current hosts."""
        rec = self.st.recs.get(q)
        if rec is None:
            return ()
        A = self.A
        p = A.plan(q)
        nn = A.node_names
        out = []
        for i, u, w in replica_moves(old, rec.hosts):
            mig, down = self._cost(q, i, w, redeploy=u == dead)
            out.append(Move((p.name, p.steps[i].sid), nn[u], nn[w], mig, down))
        return tuple(out)

    def _replace(self, hit: list[str], before: dict[int, Any], dead: int | None) -> Parts:
        """Place again the requests ``hit`` (taken out), each step preferring its old
        host; the ones that do not fit become pending."""
        A, st = self.A, self.st
        nn = A.node_names
        moved: list[Move] = []
        rejected: list[Rejection] = []
        for name in sorted(hit, key=self._key):
            q = A.req_index[name]
            old = [list(h) for h in before[q].hosts]
            plan = A.plan(q)
            prefer = {
                s.sid: tuple(nn[v] for v in old[i] if v != dead) for i, s in enumerate(plan.steps)
            }
            out = st.place(name, prefer=prefer)
            if not out.placed:
                out = st.place(name)
            if out.placed:
                moved += self._moves(q, old, dead)
            else:
                reason = out.reason or "no room"
                self._pending[name] = reason
                rejected.append(Rejection(name, reason))
        return (), tuple(moved), tuple(rejected), (), ""

    def _may_use(self, name: str, v: int) -> bool:
        """Whether a step of request ``name`` may be hosted on node ``v``."""
        for s in self.A.plan(self.A.req_index[name]).steps:
            j = int(np.searchsorted(s.cands, v))
            if j < s.cands.size and s.cands[j] == v:
                return True
        return False

    def _retry_pending(
        self, node: int | None = None, link: bool = False
    ) -> tuple[tuple[tuple[str, Any], ...], tuple[Rejection, ...]]:
        """Try the pending requests again: all of them, or after the recovery of
        ``node`` (``link``) the ones it can help — a request that found no host only
        when the node may host one of its steps, one that found no route within its
        delay bound or bandwidth always."""
        placed = []
        for name in sorted(self._pending, key=self._key):
            if node is not None or link:
                routing = any(w in self._pending[name] for w in _ROUTING)
                if not routing and (link or not self._may_use(name, node)):
                    continue
            out = self.st.place(name)
            if out.placed:
                del self._pending[name]
                placed.append((name, out.hosts))
        return tuple(placed), ()

    # --------------------------------------------------------------- events
    def start(self, ids: list[str]) -> Parts:
        """Activate ``ids`` at once, placed by the greedy from scratch (with its repair)."""
        names = sorted(ids, key=self._key)
        self._active.update(names)
        rej = construct(self.st, names, self._seed)
        placed = tuple((n, self._hosts(n)) for n in names if n not in rej)
        self._pending.update(rej)
        rejected = tuple(Rejection(n, rej[n]) for n in names if n in rej)
        return placed, (), rejected, (), ""

    def arrive(self, name: str) -> Parts:
        """Place ``name`` greedily on the current state (pending when it does not fit)."""
        self._active.add(name)
        out = self.st.place(name)
        if out.placed:
            return ((name, out.hosts),), (), (), (), ""
        reason = out.reason or "no room"
        self._pending[name] = reason
        return (), (), (Rejection(name, reason),), (), ""

    def depart(self, name: str) -> Parts:
        """Free ``name``; nothing moves."""
        self._active.discard(name)
        self._pending.pop(name, None)
        self.st.remove(name)
        return (), (), (), (name,), ""

    def fail(self, key: Any) -> Parts:
        """A node (or link) fails: exactly the requests using it are placed again."""
        before = dict(self.st.recs)
        if isinstance(key, tuple):
            u, v = sorted(key[1])
            hit = self.st.fail_link(u, v)
            self._down_links.add(key[1])
            return self._replace(hit, before, None)
        hit = self.st.fail(key)
        self._down_nodes.add(key)
        return self._replace(hit, before, self.A.nidx[key])

    def recover(self, key: Any) -> Parts:
        """A node (or link) works again, empty; pending requests are tried again."""
        if isinstance(key, tuple):
            u, v = sorted(key[1])
            self.st.recover_link(u, v)
            self._down_links.discard(key[1])
            placed, _ = self._retry_pending(link=True)
        else:
            self.st.recover(key)
            self._down_nodes.discard(key)
            placed, _ = self._retry_pending(self.A.nidx[key])
        return placed, (), (), (), ""

    def reoptimize(self, max_moves: int | None, time_limit: float | None) -> Parts:
        """The local search's moves within ``max_moves`` moved replicas (module docstring)."""
        A, st = self.A, self.st
        placed, _ = self._retry_pending()
        before = dict(st.recs)
        pending = [A.req_index[n] for n in self._pending]
        self._reopts += 1
        stats = improve_bounded(
            st,
            pending,
            max_moves=max_moves,
            time_limit=time_limit,
            seed=self._seed * 1_000_003 + self._reopts,
        )
        moved: list[Move] = []
        for q, rec in sorted(st.recs.items()):
            b = before.get(q)
            if b is not None and b is not rec:
                moved += self._moves(q, [list(h) for h in b.hosts])
        newly = []
        for name in sorted(self._pending, key=self._key):
            if st.is_placed(name):
                del self._pending[name]
                newly.append((name, self._hosts(name)))
        note = (
            f"{stats['accepted']} improving moves of {stats['tries']} tried; "
            f"{self.objective} {stats['key_start'][2]:g} -> {stats['key_end'][2]:g}"
        )
        logger.info("reoptimize: %s; %d replicas moved", note, len(moved))
        return placed + tuple(newly), tuple(moved), (), (), note

    # ---------------------------------------------------------------- views
    def active_ids(self) -> tuple[str, ...]:
        """Active request names, sorted."""
        return tuple(sorted(self._active))

    def all_ids(self) -> tuple[str, ...]:
        """Every request name (instance order)."""
        return tuple(r.name for r in self.inst.requests)

    def failed_keys(self) -> tuple[Any, ...]:
        """Failed nodes (sorted), then failed links ``("link", {u, v})`` (sorted)."""
        links = sorted(self._down_links, key=lambda s: sorted(s))
        return tuple(sorted(self._down_nodes)) + tuple(("link", lk) for lk in links)

    def pending(self) -> dict[str, str]:
        """Active requests left unplaced -> the reason."""
        return dict(self._pending)

    def universe(self) -> PipelineInstance:
        """The instance."""
        return self.inst

    def solution(self) -> Placement:
        """The current placement, with the inactive requests, the pending ones (as
        ``rejected``) and what is down."""
        pl = self.st.placement()
        pl.inactive = frozenset(r.name for r in self.inst.requests if r.name not in self._active)
        pl.rejected = dict(sorted(self._pending.items()))
        pl.failed_nodes = tuple(sorted(self._down_nodes))
        pl.failed_links = tuple(
            tuple(sorted(lk)) for lk in sorted(self._down_links, key=lambda s: sorted(s))
        )
        return pl

    def params(self) -> dict[str, Any]:
        """The placement parameters."""
        p = self._params
        return {
            "objective": self.objective,
            "bounds": dict(p.bounds or {}),
            "alpha": p.alpha,
            "beta": p.beta,
            "migration": self._migration,
        }

    def fresh(self) -> tuple[Placement, float, dict[str, str]]:
        """The greedy from scratch on the current active set and working nodes and links
        (the reference of the benchmarks): its placement, its seconds (arrays excluded:
        built once per instance) and the requests it leaves out."""
        t0 = time.perf_counter()
        st = self._new_state()
        for v in sorted(self._down_nodes):
            st.fail(v)
        for lk in sorted(self._down_links, key=lambda s: sorted(s)):
            st.fail_link(*sorted(lk))
        rej = construct(st, sorted(self._active, key=self._key), self._seed)
        dt = time.perf_counter() - t0
        return st.placement(), dt, rej

    # ------------------------------------------------------------ event files
    @staticmethod
    def rules(instance: PipelineInstance) -> EventRules:
        """Ids: request names; nodes: node names; links: the substrate's links."""
        return EventRules(
            problem="pipeline",
            id_key="request",
            id_type=str,
            ids=frozenset(r.name for r in instance.requests),
            nodes=frozenset(n.name for n in instance.nodes),
            node_type=str,
            links=frozenset(frozenset((lk.u, lk.v)) for lk in instance.links),
            new_id=None,
        )

    def event_rules(self) -> EventRules:
        """The rules of the instance."""
        return self.rules(self.inst)

    # ------------------------------------------------------------------ log
    @staticmethod
    def log_columns() -> tuple[str, ...]:
        """Pipeline columns of the replay log (the problem's objectives)."""
        return COLUMNS

    @staticmethod
    def log_values(evaluation: Any) -> dict[str, Any]:
        """The pipeline columns from the evaluator's verdict."""
        obj: Mapping[str, float] = evaluation.objectives
        return {k: obj.get(k) for k in COLUMNS}
