"""The offloading backend of :class:`~placement.online.controller.Controller`.

Ids are device indices of the universe (the instance, plus devices added with
``arrive(device={...})``), nodes are edge-node indices. The state lives in the arrays of
:class:`~placement.heuristics.offloading.online.OnlineState`; an arrival, departure,
failure or recovery is one Numba kernel call (no re-solve). ``start`` and the reference
solve are a from-scratch Nimbus over the active devices; ``reoptimize`` runs the
improver on the instance restricted to the active devices (failed nodes capped at 0
devices) and loads its result when it is feasible and within the move budget.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np

from placement.errors import InputError
from placement.heuristics.offloading.online import OnlineState, fresh_nimbus
from placement.offloading.evaluate import Assignment, Evaluation, evaluate
from placement.offloading.instance import (
    KIND_CLOUD,
    KIND_EDGE,
    KIND_INACTIVE,
    KIND_LOCAL,
    OffloadingInstance,
)
from placement.offloading.params import LSParams, NimbusParams, RelocateParams
from placement.online.controller import EventRules, Move, Parts

logger = logging.getLogger(__name__)

_KIND_NAMES = ("local", "edge", "cloud", "inactive")
#: Keys of a new device (``arrive(device={...})``): required, then optional.
DEVICE_KEYS = ("ap", "fps", "frame_kb", "local_ms", "local_mj", "lte_mbps")
DEVICE_OPTIONAL = ("class",)


class Target(NamedTuple):
    """Where a device runs: ``kind`` (``edge``, ``cloud``, ``local``) and ``index``
    (node or cloud index; -1 for local)."""

    kind: str
    index: int

    def __str__(self) -> str:
        return self.kind if self.index < 0 else f"{self.kind}:{self.index}"


_TARGETS: dict[tuple[int, int], Target] = {}


def target_of(kind: int, index: int) -> Target:
    """The :class:`Target` of kind code ``kind`` and ``index`` (cached)."""
    key = (kind, index)
    t = _TARGETS.get(key)
    if t is None:
        t = _TARGETS[key] = Target(_KIND_NAMES[kind], index if kind in (1, 2) else -1)
    return t


def _index(x: Any, n: int, what: str, field: str) -> int:
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
        raise InputError(f"{what} must be an integer index, got {x!r}", field=field)
    if not 0 <= x < n:
        raise InputError(f"unknown {what} {x} (the {what}s are 0..{n - 1})", field=field)
    return int(x)


def check_device(spec: Any, n_aps: int) -> dict[str, Any]:
    """Validate a new device (keys :data:`DEVICE_KEYS`, optional ``class``).

    Raises
    ------
    InputError
        Naming the key and the rule.
    """
    if not isinstance(spec, Mapping):
        raise InputError(f"a new device must be an object, got {spec!r}", field="device")
    for k in spec:
        if k not in DEVICE_KEYS + DEVICE_OPTIONAL:
            allowed = ", ".join(DEVICE_KEYS + DEVICE_OPTIONAL)
            raise InputError(f"unknown key (allowed: {allowed})", field=f"device.{k}")
    out: dict[str, Any] = {}
    for k in DEVICE_KEYS:
        if k not in spec:
            raise InputError("missing required key", field=f"device.{k}")
        v = spec[k]
        if k == "ap":
            out[k] = _index(v, n_aps, "access point", "device.ap")
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise InputError(f"must be a finite number, got {v!r}", field=f"device.{k}")
        if v <= 0:
            raise InputError(f"must be > 0, got {v!r}", field=f"device.{k}")
        out[k] = float(v)
    cls = spec.get("class", "?")
    if not isinstance(cls, str):
        raise InputError(f"must be a string, got {cls!r}", field="device.class")
    out["class"] = cls
    return out


def restrict(
    instance: OffloadingInstance, devices: np.ndarray, failed: np.ndarray
) -> OffloadingInstance:
    """``instance`` with only ``devices`` (in that order) and every ``failed`` node capped
    at 0 devices — an ordinary instance whose solutions are the online state's."""
    d = np.asarray(devices, dtype=np.int64)
    maxd = instance.node_max_devices.copy()
    maxd[np.asarray(failed, dtype=np.int64)] = 0
    return instance.replace(
        device_ap=instance.device_ap[d],
        device_fps=instance.device_fps[d],
        device_frame_kb=instance.device_frame_kb[d],
        device_local_ms=instance.device_local_ms[d],
        device_local_mj=instance.device_local_mj[d],
        device_lte_mbps=instance.device_lte_mbps[d],
        device_class=tuple(instance.device_class[i] for i in d.tolist()),
        node_max_devices=maxd,
        name=f"{instance.name}-active",
    )


class OffloadingBackend:
    """Online offloading (see the module docstring)."""

    problem = "offloading"
    id_key = "device"

    def __init__(
        self,
        instance: OffloadingInstance,
        method: str | None,
        params: dict[str, Any],
        *,
        seed: int,
        migration: str,
        improver: Callable[..., Any] | str | None,
        improver_params: Callable[[float | None], Any] | None = None,
    ) -> None:
        self.method = method or "nimbus"
        if self.method != "nimbus":
            raise InputError(
                f"unknown online method {self.method!r} for offloading instances (known: nimbus)",
                field="method",
            )
        p = NimbusParams.build(dict(params), method="nimbus")
        if p.lookahead != "exact" or p.order != "instance":
            raise InputError(
                "the online controller places devices one at a time with the exact "
                "look-ahead (no lookahead or order parameter)",
                field="lookahead" if p.lookahead != "exact" else "order",
            )
        self._params = p
        self._seed = seed
        self._base = instance
        self._added: list[dict[str, Any]] = []
        self._universe: OffloadingInstance = instance
        params_type: type = RelocateParams
        if improver == "ls":  # the local search of method ls (relocate, swap, ejection chains)
            from placement.heuristics.offloading.ls import improve as improver

            params_type = LSParams
        elif improver is None or improver == "relocate":
            from placement.heuristics.offloading.relocate import improve as improver
        elif not callable(improver):
            raise InputError(
                f"Expected improver 'relocate', 'ls' or a callable, got {improver!r}.",
                field="improver",
            )
        self._improver = improver
        self._improver_params = improver_params or (lambda tl: params_type(time_limit=tl))
        self.state = OnlineState(instance, p, seed)

    # ------------------------------------------------------------------ ids
    def norm_id(self, x: Any) -> int:
        """A device index of the universe."""
        return _index(x, self.state.n, "device", "device")

    def norm_node(self, x: Any) -> int:
        """An edge-node index."""
        return _index(x, self.state.load.shape[0], "edge node", "node")

    def norm_link(self, x: Any) -> Any:
        """Offloading has no links to fail."""
        raise InputError("offloading instances have no links to fail", field="link")

    def is_active(self, i: int) -> bool:
        """Whether device ``i`` is active."""
        return self.state.kind.item(i) != KIND_INACTIVE

    def is_failed(self, j: int) -> bool:
        """Whether node ``j`` is down."""
        return self.state.failed_flag.item(j) != 0

    def add(self, spec: Mapping[str, Any]) -> int:
        """Append a new (inactive) device to the universe; returns its index."""
        d = check_device(spec, self._base.n_aps)
        self._added.append(d)
        self._universe = None  # type: ignore[assignment]
        return self.state.add_device(d["ap"], d["frame_kb"], 1000.0 / d["fps"], d["local_mj"])

    # --------------------------------------------------------------- events
    def _targets(self, ids: Any) -> tuple[tuple[int, Target], ...]:
        kind, target = self.state.kind, self.state.target
        return tuple((i, target_of(kind.item(i), target.item(i))) for i in ids)

    def _moves(self, k: int) -> tuple[Move, ...]:
        if k == 0:
            return ()
        out = self.state.out
        kind, target = self.state.kind, self.state.target
        moves = []
        for c in range(k):
            d = out.item(0, c)
            src = target_of(out.item(1, c), out.item(2, c))
            dst = target_of(kind.item(d), target.item(d))
            if src != dst:
                moves.append(Move(d, src, dst))
        return tuple(moves)

    def start(self, ids: list[int]) -> Parts:
        """Activate ``ids`` at once, placed by Nimbus from scratch."""
        st = self.state
        active = np.zeros(st.n, dtype=bool)
        active[ids] = True
        kind, target, _ = fresh_nimbus(self.universe(), active, st.failed, self._params, self._seed)
        st.load_assignment(kind, target)
        return self._targets(sorted(int(i) for i in ids)), (), (), (), ""

    def arrive(self, i: int) -> Parts:
        """Device ``i`` arrives (the kernel re-places the devices its AP pushes out)."""
        k = self.state.arrive(i)
        return self._targets((i,)), self._moves(k), (), (), ""

    def depart(self, i: int) -> Parts:
        """Device ``i`` departs; nothing moves."""
        self.state.depart(i)
        return (), (), (), (i,), ""

    def fail(self, j: int) -> Parts:
        """Node ``j`` fails; exactly its devices are re-placed."""
        k = self.state.fail(j)
        return (), self._moves(k), (), (), ""

    def recover(self, j: int) -> Parts:
        """Node ``j`` recovers, empty."""
        self.state.recover(j)
        return (), (), (), (), ""

    def reoptimize(self, max_moves: int | None, time_limit: float | None) -> Parts:
        """Run the improver on the active devices; load its result if it is feasible,
        Wi-Fi only and within ``max_moves``, else keep the state (with a note)."""
        st = self.state
        act = np.flatnonzero(st.kind[: st.n] != KIND_INACTIVE)
        if act.size == 0 or max_moves == 0:
            return (), (), (), (), ""
        sub = restrict(self.universe(), act, np.flatnonzero(st.failed))
        before = Assignment.from_arrays(st.kind[act], st.target[act])
        params = self._improver_params(time_limit)
        after, _ = self._improver(sub, before, params, max_moves=max_moves)
        changed = np.flatnonzero((after.kind != before.kind) | (after.target != before.target))
        note = ""
        if after.lte.any() or np.any(~after.active):
            note = "improvement discarded: it uses LTE or inactive devices"
        elif max_moves is not None and changed.size > max_moves:
            note = f"improvement discarded: {changed.size} moves > max_moves {max_moves}"
        else:
            ev = evaluate(sub, after)
            if ev.violations:
                note = f"improvement discarded: {ev.violations} violated devices"
        if note:
            logger.warning(note)
            return (), (), (), (), note
        old = [(int(before.kind[c]), int(before.target[c])) for c in changed]
        kind = st.kind[: st.n].copy()
        target = st.target[: st.n].copy()
        kind[act] = after.kind
        target[act] = after.target
        st.load_assignment(kind, target)
        moves = tuple(
            Move(int(act[c]), target_of(*o), target_of(int(after.kind[c]), int(after.target[c])))
            for c, o in zip(changed.tolist(), old, strict=True)
        )
        return (), moves, (), (), ""

    # ---------------------------------------------------------------- views
    def active_ids(self) -> tuple[int, ...]:
        """Active device indices, ascending."""
        st = self.state
        return tuple(np.flatnonzero(st.kind[: st.n] != KIND_INACTIVE).tolist())

    def all_ids(self) -> tuple[int, ...]:
        """Every device index of the universe."""
        return tuple(range(self.state.n))

    def failed_keys(self) -> tuple[int, ...]:
        """Failed edge nodes, ascending."""
        return tuple(np.flatnonzero(self.state.failed).tolist())

    def universe(self) -> OffloadingInstance:
        """The instance with the added devices appended."""
        if self._universe is None:
            b, add = self._base, self._added

            def cat(attr: str, key: str) -> np.ndarray:
                return np.concatenate([getattr(b, attr), [d[key] for d in add]])

            self._universe = b.replace(
                device_ap=cat("device_ap", "ap").astype(np.int64),
                device_fps=cat("device_fps", "fps"),
                device_frame_kb=cat("device_frame_kb", "frame_kb"),
                device_local_ms=cat("device_local_ms", "local_ms"),
                device_local_mj=cat("device_local_mj", "local_mj"),
                device_lte_mbps=cat("device_lte_mbps", "lte_mbps"),
                device_class=b.device_class + tuple(d["class"] for d in add),
            )
        return self._universe

    def solution(self) -> Assignment:
        """The current assignment over the universe."""
        return self.state.assignment()

    def params(self) -> dict[str, Any]:
        """The placement parameters."""
        return {"kappa": self._params.kappa, "alpha": self._params.alpha, "beta": self._params.beta}

    def fresh(self) -> tuple[Assignment, float]:
        """Nimbus from scratch on the current active set and working nodes (the
        reference of the benchmarks): its assignment over the universe and its seconds."""
        st = self.state
        active = st.kind[: st.n] != KIND_INACTIVE
        kind, target, dt = fresh_nimbus(
            self.universe(), active, st.failed, self._params, self._seed
        )
        fails = np.flatnonzero(st.failed).tolist()
        return Assignment.from_arrays(kind, target, None, fails), dt

    # ------------------------------------------------------------ event files
    @staticmethod
    def rules(instance: OffloadingInstance) -> EventRules:
        """Ids: device indices (new devices appended); nodes: edge-node indices."""
        n0, n_aps = instance.n_devices, instance.n_aps

        def new_id(spec: Mapping[str, Any], n_added: int) -> int:
            check_device(spec, n_aps)
            return n0 + n_added

        return EventRules(
            problem="offloading",
            id_key="device",
            id_type=int,
            ids=range(n0),
            nodes=range(instance.n_nodes),
            node_type=int,
            links=frozenset(),
            new_id=new_id,
        )

    def event_rules(self) -> EventRules:
        """The rules over the current universe."""
        return self.rules(self.universe())

    # ------------------------------------------------------------------ log
    def log_columns(self) -> tuple[str, ...]:
        """Offloading columns of the replay log."""
        return ("edge", "cloud", "local", "latency_mean_ms", "energy_saving_pct")

    def log_values(self, ev: Evaluation) -> dict[str, Any]:
        """The offloading columns from the evaluator's verdict."""
        kind = ev.kind
        counts = np.bincount(kind, minlength=4)
        n = int(counts[KIND_LOCAL] + counts[KIND_EDGE] + counts[KIND_CLOUD])
        act = kind != KIND_INACTIVE
        local_total = float(ev.instance.device_local_mj[act].sum())
        e_total = float(ev.energy_mj.sum())
        return {
            "edge": int(counts[KIND_EDGE]),
            "cloud": int(counts[KIND_CLOUD]),
            "local": int(counts[KIND_LOCAL]),
            "latency_mean_ms": float(ev.latency_ms.sum() / n) if n else 0.0,
            "energy_saving_pct": (
                100.0 * (local_total - e_total) / local_total if local_total > 0 else 0.0
            ),
        }
