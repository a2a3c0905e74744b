"""The evaluator of the offloading cost model: the single source of truth.

Vectorised with numpy; every solver's assignment is judged here. The rules:

* device ``i`` has deadline ``1000 / fps_i`` ms and energy budget ``local_mj_i`` per frame;
* Wi-Fi upload ``8·frame_kb_i / (bandwidth_a / users_a)`` ms, where ``users_a`` counts the
  AP's background users plus the instance's devices on it; LTE upload
  ``8·frame_kb_i / lte_mbps_i``;
* on edge node ``j``: ``net = upload + rtt[a, j]``, latency ``net + inference_j +
  q_j(n_j)`` with ``n_j`` the *final* number of devices on ``j`` (the domino effect: a
  device that joined early sees the queue of everybody who came after it), energy
  ``w_wifi · net``;
* in cloud ``k``: ``net = upload + rtt_cloud``, latency ``net + inference_k``, energy
  ``w · net`` with the access technology's ``w``;
* locally: ``local_ms_i`` and ``local_mj_i``, always allowed;
* an offloaded device is feasible when its latency meets the deadline, its energy the
  budget and its node's load the node's cap (``FEAS_TOL`` slack);
* online states: a device of kind ``inactive`` is not there — it loads no AP (``users_a``
  counts the *active* devices only) and no node, and has no cost; it is left out of
  every aggregate. A failed node (``Assignment.failed_nodes``) has capacity 0, so a
  device on it is a capacity violation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from placement.errors import InputError
from placement.offloading.instance import (
    KIND_CLOUD,
    KIND_EDGE,
    KIND_INACTIVE,
    KIND_LOCAL,
    KIND_NAMES,
    OffloadingInstance,
)
from placement.tolerances import FEAS_TOL


@dataclass(frozen=True, eq=False)
class Assignment:
    """Where each device runs.

    Attributes
    ----------
    kind
        ``(N,)`` int8: 0 local, 1 edge, 2 cloud, 3 inactive (online states: the device
        is not active now).
    target
        ``(N,)`` int64: edge-node index for edge, cloud index for cloud, -1 for local
        and inactive.
    lte
        ``(N,)`` bool: the cloud is reached over LTE instead of Wi-Fi (``cloud4g``).
    failed_nodes
        Edge nodes that are down (online states): sorted, distinct; capacity 0.
    """

    kind: np.ndarray
    target: np.ndarray
    lte: np.ndarray
    failed_nodes: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        k = np.ascontiguousarray(self.kind, dtype=np.int8)
        t = np.ascontiguousarray(self.target, dtype=np.int64)
        lte = np.ascontiguousarray(self.lte, dtype=bool)
        if not (k.ndim == t.ndim == lte.ndim == 1 and k.shape == t.shape == lte.shape):
            raise InputError(
                "kind, target and access must be 1-D of equal length", field="assignment"
            )
        for a in (k, t, lte):
            a.setflags(write=False)
        failed = []
        for v in self.failed_nodes:
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise InputError(f"entries must be node indices, got {v!r}", field="failed_nodes")
            failed.append(int(v))
        object.__setattr__(self, "failed_nodes", tuple(sorted(set(failed))))
        object.__setattr__(self, "kind", k)
        object.__setattr__(self, "target", t)
        object.__setattr__(self, "lte", lte)

    @classmethod
    def from_arrays(
        cls, kind: Any, target: Any, lte: Any = None, failed_nodes: Any = ()
    ) -> Assignment:
        """Build from arrays (``lte`` defaults to all Wi-Fi, ``failed_nodes`` to none)."""
        kind = np.asarray(kind, dtype=np.int8)
        if lte is None:
            lte = np.zeros(kind.shape[0], dtype=bool)
        return cls(
            kind,
            np.asarray(target, dtype=np.int64),
            np.asarray(lte, dtype=bool),
            tuple(failed_nodes),
        )

    @classmethod
    def all_local(cls, n: int) -> Assignment:
        """Every device computes locally."""
        return cls.from_arrays(np.zeros(n, np.int8), np.full(n, -1, np.int64))

    @property
    def n_devices(self) -> int:
        """Number of devices (active or not)."""
        return int(self.kind.shape[0])

    @property
    def active(self) -> np.ndarray:
        """``(N,)`` bool: the device is active (its kind is not ``inactive``)."""
        return self.kind != KIND_INACTIVE

    def loads(self, n_nodes: int) -> np.ndarray:
        """``(J,)`` number of devices on each edge node."""
        edge = self.kind == KIND_EDGE
        return np.bincount(self.target[edge], minlength=n_nodes).astype(np.int64)

    def with_devices(self, n: int) -> Assignment:
        """This assignment extended by ``n`` new devices computing locally (a warm start
        for :meth:`~placement.offloading.instance.OffloadingInstance.with_devices`)."""
        return Assignment.from_arrays(
            np.concatenate((self.kind, np.zeros(n, np.int8))),
            np.concatenate((self.target, np.full(n, -1, np.int64))),
            np.concatenate((self.lte, np.zeros(n, bool))),
        )

    def without_devices(self, devices: Any) -> Assignment:
        """This assignment without ``devices`` (a warm start for
        :meth:`~placement.offloading.instance.OffloadingInstance.without_devices`)."""
        keep = np.ones(self.n_devices, dtype=bool)
        keep[np.atleast_1d(np.asarray(devices, dtype=np.int64))] = False
        return Assignment.from_arrays(self.kind[keep], self.target[keep], self.lte[keep])

    def with_node_down(self, node: int) -> Assignment:
        """This assignment with the devices of edge node ``node`` computing locally (a
        feasible warm start for
        :meth:`~placement.offloading.instance.OffloadingInstance.with_node_down`: the
        other nodes only lose load)."""
        on = (self.kind == KIND_EDGE) & (self.target == int(node))
        return Assignment.from_arrays(
            np.where(on, KIND_LOCAL, self.kind), np.where(on, -1, self.target), self.lte & ~on
        )

    def kind_names(self) -> list[str]:
        """Per-device kind as strings (``local``/``edge``/``cloud``/``inactive``)."""
        names = np.array(KIND_NAMES)
        return names[self.kind].tolist()

    def to_dict(self) -> dict[str, Any]:
        """The ``assignment`` object of the solution file."""
        off = (self.kind == KIND_EDGE) | (self.kind == KIND_CLOUD)
        access = np.where(off, np.where(self.lte, "lte", "wifi"), None)
        return {
            "kind": self.kind_names(),
            "target": self.target.tolist(),
            "access": access.tolist(),
        }

    @classmethod
    def from_dict(
        cls, d: Any, *, method: str | None = None, failed_nodes: Any = None
    ) -> Assignment:
        """Parse the ``assignment`` object of a solution file.

        Without an ``access`` list, clouds are reached over LTE iff ``method`` is
        ``cloud4g`` (the access technology is part of the method). ``failed_nodes``
        is the solution file's top-level list of failed edge nodes (online states).
        """
        if not isinstance(d, dict):
            raise InputError("must be an object", field="assignment")
        for key in ("kind", "target"):
            if key not in d:
                raise InputError("missing required key", field=f"assignment.{key}")
        unknown = set(d) - {"kind", "target", "access"}
        if unknown:
            raise InputError(
                "unknown key (allowed: access, kind, target)",
                field=f"assignment.{sorted(unknown)[0]}",
            )
        kinds, targets = d["kind"], d["target"]
        if not isinstance(kinds, list) or not isinstance(targets, list):
            raise InputError("kind and target must be lists", field="assignment")
        if len(kinds) != len(targets):
            raise InputError(
                f"must have the length of assignment.kind ({len(kinds)}), got {len(targets)}",
                field="assignment.target",
            )
        code = {n: c for c, n in enumerate(KIND_NAMES)}
        k = np.empty(len(kinds), np.int8)
        for i, v in enumerate(kinds):
            if not isinstance(v, str) or v not in code:
                raise InputError(
                    f"entry {i} must be one of local, edge, cloud, inactive; got {v!r}",
                    field="assignment.kind",
                )
            k[i] = code[v]
        t = np.empty(len(targets), np.int64)
        for i, v in enumerate(targets):
            if isinstance(v, bool) or not isinstance(v, int) or abs(v) >= 2**62:
                raise InputError(
                    f"entry {i} must be an integer, got {v!r}", field="assignment.target"
                )
            t[i] = v
        if "access" in d and d["access"] is not None:
            acc = d["access"]
            if not isinstance(acc, list) or len(acc) != len(kinds):
                raise InputError(
                    f"must be a list of length {len(kinds)}", field="assignment.access"
                )
            lte = np.zeros(len(kinds), bool)
            for i, v in enumerate(acc):
                if not (v is None or (isinstance(v, str) and v in ("wifi", "lte"))):
                    raise InputError(
                        f"entry {i} must be 'wifi', 'lte' or null, got {v!r}",
                        field="assignment.access",
                    )
                if v == "lte" and k[i] != KIND_CLOUD:
                    raise InputError(
                        f"entry {i}: only a cloud target can be reached over LTE",
                        field="assignment.access",
                    )
                lte[i] = v == "lte"
        else:
            lte = (k == KIND_CLOUD) & (method == "cloud4g")
        failed: list[int] = []
        if failed_nodes is not None:
            if not isinstance(failed_nodes, list):
                raise InputError("must be a list of edge-node indices", field="failed_nodes")
            for i, v in enumerate(failed_nodes):
                if isinstance(v, bool) or not isinstance(v, int):
                    raise InputError(
                        f"entry {i} must be an edge-node index, got {v!r}", field="failed_nodes"
                    )
                if v in failed:
                    raise InputError(f"entry {i}: node {v} is listed twice", field="failed_nodes")
                failed.append(v)
        return cls(k, t, lte, tuple(failed))


def validate_assignment(inst: OffloadingInstance, a: Assignment) -> None:
    """Check that ``a`` fits ``inst`` (length, kinds, target ranges, reachability).

    Raises
    ------
    InputError
        Naming the offending device.
    """
    N = inst.n_devices
    if a.n_devices != N:
        raise InputError(
            f"must have one entry per device ({N}), got {a.n_devices}", field="assignment.kind"
        )
    bad = (a.kind < 0) | (a.kind > KIND_INACTIVE)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"device {i}: unknown kind code {a.kind[i]}", field="assignment.kind")
    for code, n, what in (
        (KIND_EDGE, inst.n_nodes, "edge node"),
        (KIND_CLOUD, inst.n_clouds, "cloud"),
    ):
        m = a.kind == code
        t = a.target[m]
        out = (t < 0) | (t >= n)
        if out.any():
            i = int(np.flatnonzero(m)[np.flatnonzero(out)[0]])
            raise InputError(
                f"device {i}: {what} index {a.target[i]} out of range 0..{n - 1}",
                field="assignment.target",
            )
    for code, what in ((KIND_LOCAL, "a local"), (KIND_INACTIVE, "an inactive")):
        loc = a.kind == code
        if np.any(a.target[loc] != -1):
            i = int(np.flatnonzero(loc & (a.target != -1))[0])
            raise InputError(
                f"device {i}: {what} device must have target -1",
                field="assignment.target",
            )
    for v in a.failed_nodes:
        if not 0 <= v < inst.n_nodes:
            raise InputError(f"node {v} out of range 0..{inst.n_nodes - 1}", field="failed_nodes")
    if np.any(a.lte & (a.kind != KIND_CLOUD)):
        i = int(np.flatnonzero(a.lte & (a.kind != KIND_CLOUD))[0])
        raise InputError(
            f"device {i}: only a cloud target can be reached over LTE", field="assignment.access"
        )
    edge = np.flatnonzero(a.kind == KIND_EDGE)
    if edge.size:
        r = inst.rtt_ms[inst.device_ap[edge], a.target[edge]]
        if np.isinf(r).any():
            i = int(edge[np.flatnonzero(np.isinf(r))[0]])
            raise InputError(
                f"device {i}: edge node {a.target[i]} is unreachable from AP {inst.device_ap[i]}",
                field="assignment.target",
            )
    cl = np.flatnonzero(a.kind == KIND_CLOUD)
    if cl.size:
        mat = np.where(
            a.lte[cl],
            inst.cloud_rtt_lte_ms[inst.device_ap[cl], a.target[cl]],
            inst.cloud_rtt_wifi_ms[inst.device_ap[cl], a.target[cl]],
        )
        if np.isinf(mat).any():
            i = int(cl[np.flatnonzero(np.isinf(mat))[0]])
            raise InputError(
                f"device {i}: cloud {a.target[i]} is unreachable", field="assignment.target"
            )


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Per-device costs and aggregates of one assignment.

    Per-device arrays (``(N,)``): ``kind``, ``target``, ``tier`` (tier label, ``cloud``
    or ``local``), ``upload_ms``, ``rtt_ms``, ``inference_ms``, ``queue_ms``, ``net_ms``,
    ``latency_ms``, ``energy_mj``, ``saving_mj`` (vs local, per frame), ``saving_mj_per_s``
    (at its fps), ``deadline_ok``, ``energy_ok``, ``capacity_ok``, ``feasible``.
    """

    instance: OffloadingInstance
    assignment: Assignment
    upload_ms: np.ndarray
    rtt_ms: np.ndarray
    inference_ms: np.ndarray
    queue_ms: np.ndarray
    latency_ms: np.ndarray
    energy_mj: np.ndarray
    deadline_ok: np.ndarray
    energy_ok: np.ndarray
    capacity_ok: np.ndarray
    loads: np.ndarray

    @property
    def kind(self) -> np.ndarray:
        """``(N,)`` kind codes."""
        return self.assignment.kind

    @property
    def target(self) -> np.ndarray:
        """``(N,)`` target indices."""
        return self.assignment.target

    @property
    def net_ms(self) -> np.ndarray:
        """``(N,)`` network time (upload + RTT); 0 for local devices."""
        return self.upload_ms + self.rtt_ms

    @cached_property
    def tier(self) -> np.ndarray:
        """``(N,)`` tier label of the edge node, ``cloud`` or ``local``."""
        t = np.array(self.instance.node_tier + ("cloud", "local", "inactive"), dtype=object)
        J = self.instance.n_nodes
        rest = np.where(self.kind == KIND_INACTIVE, J + 2, J + 1)
        idx = np.where(
            self.kind == KIND_EDGE, self.target, np.where(self.kind == KIND_CLOUD, J, rest)
        )
        return t[idx]

    @property
    def saving_mj(self) -> np.ndarray:
        """``(N,)`` energy saved per frame versus local execution (0 when inactive)."""
        return np.where(self.assignment.active, self.instance.device_local_mj - self.energy_mj, 0.0)

    @property
    def saving_mj_per_s(self) -> np.ndarray:
        """``(N,)`` energy saved per second at the device's fps."""
        return self.saving_mj * self.instance.device_fps

    @cached_property
    def feasible(self) -> np.ndarray:
        """``(N,)`` device meets deadline, energy budget and node cap (local and
        inactive: always)."""
        off = (self.kind == KIND_EDGE) | (self.kind == KIND_CLOUD)
        ok = self.deadline_ok & self.energy_ok & self.capacity_ok
        return np.where(off, ok, True)

    @property
    def violations(self) -> int:
        """Number of devices whose placement violates a constraint."""
        return int((~self.feasible).sum())

    @property
    def is_feasible(self) -> bool:
        """No device violates a constraint."""
        return self.violations == 0

    @property
    def objective(self) -> float:
        """Total latency in ms over all active devices (local devices count their local
        time)."""
        return float(self.latency_ms.sum())

    @property
    def total_energy_mj(self) -> float:
        """Total per-frame energy over all devices."""
        return float(self.energy_mj.sum())

    @property
    def objectives(self) -> dict[str, float]:
        """Value of every objective a method may optimise: ``latency`` (total ms),
        ``energy`` (total mJ per frame) and ``edge`` (devices served at the edge)."""
        return {
            "latency": self.objective,
            "energy": self.total_energy_mj,
            "edge": float(np.count_nonzero(self.kind == KIND_EDGE)),
        }

    def rows(self) -> list[dict[str, Any]]:
        """One row per device: where it runs, its cost terms and whether it is feasible."""
        inst = self.instance
        kinds = self.assignment.kind_names()
        cols = {
            "kind": kinds,
            "target": self.target.tolist(),
            "tier": list(self.tier),
            "upload_ms": self.upload_ms.tolist(),
            "rtt_ms": self.rtt_ms.tolist(),
            "inference_ms": self.inference_ms.tolist(),
            "queue_ms": self.queue_ms.tolist(),
            "latency_ms": self.latency_ms.tolist(),
            "deadline_ms": inst.deadline_ms.tolist(),
            "energy_mj": self.energy_mj.tolist(),
            "budget_mj": inst.device_local_mj.tolist(),
            "saving_mj_per_s": self.saving_mj_per_s.tolist(),
            "feasible": self.feasible.tolist(),
        }
        return [{"device": i, **{k: v[i] for k, v in cols.items()}} for i in range(inst.n_devices)]

    @cached_property
    def metrics(self) -> dict[str, Any]:
        """Aggregates over the active devices, written to solution files (JSON-ready)."""
        inst = self.instance
        kind = self.kind
        act = kind != KIND_INACTIVE
        N = int(act.sum())
        edge = kind == KIND_EDGE
        cloud = kind == KIND_CLOUD
        local = kind == KIND_LOCAL
        off = edge | cloud
        tiers = inst.metric_tiers
        per_tier = np.bincount(inst.node_tier_code[self.target[edge]], minlength=len(tiers))
        by_tier = {t: int(c) for t, c in zip(tiers, per_tier.tolist(), strict=True)}
        by_cloud = (
            np.bincount(self.target[cloud], minlength=inst.n_clouds).tolist()
            if inst.n_clouds
            else []
        )
        lat = self.latency_ms[act] if N < inst.n_devices else self.latency_ms
        if lat.size == 0:
            lat = np.zeros(1)
        local_total = float(inst.device_local_mj[act].sum())
        e_total = float(self.energy_mj.sum())
        n = max(N, 1)
        return {
            "devices": N,
            "inactive": inst.n_devices - N,
            "failed_nodes": len(self.assignment.failed_nodes),
            "edge": int(edge.sum()),
            "cloud": int(cloud.sum()),
            "cloud_lte": int((cloud & self.assignment.lte).sum()),
            "local": int(local.sum()),
            "edge_by_tier": by_tier,
            "cloud_by_id": by_cloud,
            "edge_ratio": float(edge.sum() / n),
            "cloud_ratio": float(cloud.sum() / n),
            "local_ratio": float(local.sum() / n),
            "violations": self.violations,
            "deadline_violations": int((~self.deadline_ok & off).sum()),
            "energy_violations": int((~self.energy_ok & off).sum()),
            "capacity_violations": int((~self.capacity_ok & off).sum()),
            "latency_ms": {
                "mean": float(lat.mean()),
                "median": float(np.median(lat)),
                "p95": float(np.percentile(lat, 95)),
                "max": float(lat.max()),
            },
            "total_energy_mj": e_total,
            "energy_saving_pct": (
                100.0 * (local_total - e_total) / local_total if local_total > 0 else 0.0
            ),
            "objective": self.objective,
        }


def evaluate(instance: OffloadingInstance, assignment: Assignment) -> Evaluation:
    """Evaluate ``assignment`` on ``instance`` (vectorised).

    Raises
    ------
    InputError
        If the assignment does not fit the instance (length, ranges, reachability).
    """
    validate_assignment(instance, assignment)
    inst = instance
    kind, target, lte = assignment.kind, assignment.target, assignment.lte
    N = inst.n_devices
    ap = inst.device_ap
    edge = kind == KIND_EDGE
    cloud = kind == KIND_CLOUD
    inactive = kind == KIND_INACTIVE
    cw = cloud & ~lte
    cl = cloud & lte

    upload = np.zeros(N)
    wifi = edge | cw
    if inactive.any():  # users of an AP: background + active devices
        users = inst.ap_background_users + np.bincount(ap[~inactive], minlength=inst.n_aps)
        share = inst.ap_bandwidth_mbps[ap[wifi]] / users[ap[wifi]]
        upload[wifi] = 8.0 * inst.device_frame_kb[wifi] / share
    else:
        upload[wifi] = inst.wifi_upload_ms[wifi]
    upload[cl] = inst.lte_upload_ms[cl]

    rtt = np.zeros(N)
    tgt_e = target[edge]
    rtt[edge] = inst.rtt_ms[ap[edge], tgt_e]
    rtt[cw] = inst.cloud_rtt_wifi_ms[ap[cw], target[cw]]
    rtt[cl] = inst.cloud_rtt_lte_ms[ap[cl], target[cl]]

    infer = np.zeros(N)
    infer[edge] = inst.node_inference_ms[tgt_e]
    infer[cloud] = inst.cloud_inference_ms[target[cloud]]

    loads = assignment.loads(inst.n_nodes)
    queue = np.zeros(N)
    queue[edge] = inst.queue_ms(tgt_e, loads[tgt_e])

    net = upload + rtt
    latency = np.where(kind == KIND_LOCAL, inst.device_local_ms, net + infer + queue)
    w = np.where(cl, inst.w_lte, inst.w_wifi)
    energy = np.where(kind == KIND_LOCAL, inst.device_local_mj, w * net)
    latency[inactive] = 0.0
    energy[inactive] = 0.0

    cap = inst.node_capacity
    if assignment.failed_nodes:  # a failed node takes no device
        cap = cap.copy()
        cap[list(assignment.failed_nodes)] = 0
    cap_ok = np.ones(N, dtype=bool)
    cap_ok[edge] = loads[tgt_e] <= cap[tgt_e]
    return Evaluation(
        instance=inst,
        assignment=assignment,
        upload_ms=upload,
        rtt_ms=rtt,
        inference_ms=infer,
        queue_ms=queue,
        latency_ms=latency,
        energy_mj=energy,
        deadline_ok=latency <= inst.deadline_ms + FEAS_TOL,
        energy_ok=energy <= inst.device_local_mj + FEAS_TOL,
        capacity_ok=cap_ok,
        loads=loads,
    )
