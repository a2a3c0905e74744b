"""The offloading instance: a frozen, validated container over read-only numpy arrays.

Follows PyVRP's ``ProblemData``: every array is checked once in ``__post_init__``
(shape, dtype, sign, finiteness) and made read-only; changes go through
:func:`dataclasses.replace`, which validates again. Units are explicit in the
field names (ms, KB = 1000 B, Mbps, mJ). The cost model is stated in :mod:`placement.offloading.evaluate`, the file format in
``instances/README.md``.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from placement.errors import InputError

KIND_LOCAL = 0
KIND_EDGE = 1
KIND_CLOUD = 2
#: A device of the instance that is not active now (online placement): it loads no AP
#: and no node and has no cost.
KIND_INACTIVE = 3
KIND_NAMES = ("local", "edge", "cloud", "inactive")

#: Tier labels the paper uses; any other label is accepted as well.
STANDARD_TIERS = ("T1", "T2", "T3")


def _ro(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


def _check_1d(name: str, a: Any, n: int | None, dtype: Any) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim != 1:
        raise InputError(f"must be a 1-D array, got shape {arr.shape}", field=name)
    if n is not None and arr.shape[0] != n:
        raise InputError(f"must have length {n}, got {arr.shape[0]}", field=name)
    try:
        out = arr.astype(dtype, casting="same_kind" if dtype is np.float64 else "safe")
    except TypeError:
        if dtype is np.int64 and arr.dtype.kind == "f" and np.all(arr == np.round(arr)):
            out = arr.astype(np.int64)
        else:
            raise InputError(f"must be of type {np.dtype(dtype).name}", field=name) from None
    return out


def _finite(name: str, a: np.ndarray) -> None:
    if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
        k = int(np.flatnonzero(~np.isfinite(a.ravel()))[0])
        raise InputError(f"must be finite (entry {k} is {a.ravel()[k]})", field=name)


#: Smallest value a positive quantity may take: anything closer to 0 is not a
#: measurement and overflows the derived times (``8 · frame_kb / rate``).
MIN_POSITIVE = 1e-12


def _positive(name: str, a: np.ndarray) -> None:
    _finite(name, a)
    if np.any(a <= 0):
        k = int(np.flatnonzero(a.ravel() <= 0)[0])
        raise InputError(f"must be > 0 (entry {k} is {a.ravel()[k]})", field=name)
    if np.any(a < MIN_POSITIVE):
        k = int(np.flatnonzero(a.ravel() < MIN_POSITIVE)[0])
        raise InputError(f"must be >= {MIN_POSITIVE:g} (entry {k} is {a.ravel()[k]})", field=name)


def _nonneg(name: str, a: np.ndarray) -> None:
    _finite(name, a)
    if np.any(a < 0):
        k = int(np.flatnonzero(a.ravel() < 0)[0])
        raise InputError(f"must be >= 0 (entry {k} is {a.ravel()[k]})", field=name)


def _index(name: str, a: np.ndarray, n: int, allow_none: bool) -> None:
    lo = -1 if allow_none else 0
    bad = (a < lo) | (a >= n)
    if np.any(bad):
        k = int(np.flatnonzero(bad)[0])
        rng = f"-1 (none) or 0..{n - 1}" if allow_none else f"0..{n - 1}"
        raise InputError(f"index out of range: entry {k} is {a[k]}, allowed {rng}", field=name)


@dataclass(frozen=True, eq=False)
class OffloadingInstance:
    """One batch of the latency–energy offloading problem: access points, edge nodes,
    clouds, devices and the RTTs between them.

    ``A`` access points, ``J`` edge nodes, ``K`` clouds, ``N`` devices.

    Attributes
    ----------
    name
        Instance name.
    ap_bandwidth_mbps
        ``(A,)`` shared Wi-Fi bandwidth of each AP, > 0.
    ap_background_users
        ``(A,)`` clients sharing the medium that are not devices of the instance, >= 0.
    node_tier
        ``(J,)`` tier label of each edge node (``T1``/``T2``/``T3`` or any label).
    node_ap
        ``(J,)`` co-located AP or -1.
    node_inference_ms
        ``(J,)`` inference time, > 0.
    node_queue_slope_ms, node_queue_intercept_ms
        ``(J,)`` linear queue fit ``q(n) = max(0, slope·n + intercept)``; slope >= 0.
    node_max_devices
        ``(J,)`` device cap or -1 (none).
    node_queue_table_ms
        ``None`` or a ``J``-tuple of ``None`` / nondecreasing 1-D arrays; entry ``n-1`` of
        a table is the queue time with ``n`` devices and the table length caps the load.
    cloud_inference_ms
        ``(K,)`` cloud inference time, > 0.
    cloud_rtt_wifi_ms, cloud_rtt_lte_ms
        ``(A, K)`` RTT to each cloud over Wi-Fi and over LTE (``inf`` = unreachable).
    device_ap
        ``(N,)`` AP of each device.
    device_fps, device_frame_kb, device_local_ms, device_local_mj, device_lte_mbps
        ``(N,)`` per-device parameters, > 0.
    device_class
        ``(N,)`` class label.
    rtt_ms
        ``(A, J)`` RTT AP → edge node, >= 0; ``inf`` = unreachable.
    w_wifi, w_lte
        Radio energy in mJ per ms of activity.
    generator
        The recipe that produced the instance (free-form, recorded in the file).
    """

    name: str
    ap_bandwidth_mbps: np.ndarray
    ap_background_users: np.ndarray
    node_tier: tuple[str, ...]
    node_ap: np.ndarray
    node_inference_ms: np.ndarray
    node_queue_slope_ms: np.ndarray
    node_queue_intercept_ms: np.ndarray
    node_max_devices: np.ndarray
    cloud_inference_ms: np.ndarray
    cloud_rtt_wifi_ms: np.ndarray
    cloud_rtt_lte_ms: np.ndarray
    device_ap: np.ndarray
    device_fps: np.ndarray
    device_frame_kb: np.ndarray
    device_local_ms: np.ndarray
    device_local_mj: np.ndarray
    device_lte_mbps: np.ndarray
    device_class: tuple[str, ...]
    rtt_ms: np.ndarray
    w_wifi: float = 1.21
    w_lte: float = 2.5
    node_queue_table_ms: tuple[np.ndarray | None, ...] | None = None
    generator: dict[str, Any] | None = field(default=None)

    def __post_init__(self) -> None:
        s = object.__setattr__
        if not isinstance(self.name, str):
            raise InputError("must be a string", field="name")
        for fname, w in (
            ("radio.w_wifi_mj_per_ms", self.w_wifi),
            ("radio.w_lte_mj_per_ms", self.w_lte),
        ):
            try:
                ok = (
                    not isinstance(w, bool)
                    and isinstance(w, (int, float))
                    and 0 < float(w) < float("inf")
                )
            except OverflowError:
                ok = False
            if not ok:
                raise InputError(f"must be a finite number > 0, got {w!r}", field=fname)
        s(self, "w_wifi", float(self.w_wifi))
        s(self, "w_lte", float(self.w_lte))

        bw = _check_1d("access_points.bandwidth_mbps", self.ap_bandwidth_mbps, None, np.float64)
        A = bw.shape[0]
        if A == 0:
            raise InputError(
                "must list at least one access point", field="access_points.bandwidth_mbps"
            )
        _positive("access_points.bandwidth_mbps", bw)
        bg = _check_1d("access_points.background_users", self.ap_background_users, A, np.int64)
        _nonneg("access_points.background_users", bg)

        tiers = tuple(self.node_tier)
        J = len(tiers)
        for k, t in enumerate(tiers):
            if not isinstance(t, str) or not t:
                raise InputError(f"entry {k} must be a non-empty string", field="edge_nodes.tier")
        nap = _check_1d("edge_nodes.ap", self.node_ap, J, np.int64)
        _index("edge_nodes.ap", nap, A, allow_none=True)
        ninf = _check_1d("edge_nodes.inference_ms", self.node_inference_ms, J, np.float64)
        _positive("edge_nodes.inference_ms", ninf)
        slope = _check_1d("edge_nodes.queue_slope_ms", self.node_queue_slope_ms, J, np.float64)
        _nonneg("edge_nodes.queue_slope_ms", slope)
        icpt = _check_1d(
            "edge_nodes.queue_intercept_ms", self.node_queue_intercept_ms, J, np.float64
        )
        _finite("edge_nodes.queue_intercept_ms", icpt)
        maxd = _check_1d("edge_nodes.max_devices", self.node_max_devices, J, np.int64)
        if np.any(maxd < -1):
            k = int(np.flatnonzero(maxd < -1)[0])
            raise InputError(
                f"must be -1 (no cap) or >= 0 (entry {k} is {maxd[k]})",
                field="edge_nodes.max_devices",
            )

        tables: tuple[np.ndarray | None, ...] | None = None
        if self.node_queue_table_ms is not None:
            raw = list(self.node_queue_table_ms)
            if len(raw) != J:
                raise InputError(
                    f"must have length {J}, got {len(raw)}", field="edge_nodes.queue_table_ms"
                )
            out: list[np.ndarray | None] = []
            for k, t in enumerate(raw):
                if t is None:
                    out.append(None)
                    continue
                fname = f"edge_nodes.queue_table_ms[{k}]"
                arr = _check_1d(fname, t, None, np.float64)
                if arr.shape[0] == 0:
                    raise InputError("must have at least one entry (or be null)", field=fname)
                _nonneg(fname, arr)
                if np.any(np.diff(arr) < 0):
                    p = int(np.flatnonzero(np.diff(arr) < 0)[0])
                    raise InputError(
                        f"must be nondecreasing (entry {p + 1} = {arr[p + 1]} < entry {p} = {arr[p]})",
                        field=fname,
                    )
                out.append(_ro(arr))
            tables = tuple(out)

        cinf = _check_1d("clouds.inference_ms", self.cloud_inference_ms, None, np.float64)
        K = cinf.shape[0]
        _positive("clouds.inference_ms", cinf)
        crw = self._check_matrix("clouds.rtt_wifi_ms", self.cloud_rtt_wifi_ms, A, K)
        crl = self._check_matrix("clouds.rtt_lte_ms", self.cloud_rtt_lte_ms, A, K)

        dap = _check_1d("devices.ap", self.device_ap, None, np.int64)
        N = dap.shape[0]
        if N == 0:
            raise InputError("must list at least one device", field="devices.ap")
        _index("devices.ap", dap, A, allow_none=False)
        arrays = {}
        for fname, attr in (
            ("devices.fps", "device_fps"),
            ("devices.frame_kb", "device_frame_kb"),
            ("devices.local_ms", "device_local_ms"),
            ("devices.local_mj", "device_local_mj"),
            ("devices.lte_mbps", "device_lte_mbps"),
        ):
            a = _check_1d(fname, getattr(self, attr), N, np.float64)
            _positive(fname, a)
            arrays[attr] = a
        classes = tuple(self.device_class)
        if len(classes) != N:
            raise InputError(f"must have length {N}, got {len(classes)}", field="devices.class")
        for k, c in enumerate(classes):
            if not isinstance(c, str):
                raise InputError(f"entry {k} must be a string", field="devices.class")
        rtt = self._check_matrix("rtt_ms", self.rtt_ms, A, J)

        s(self, "ap_bandwidth_mbps", _ro(bw))
        s(self, "ap_background_users", _ro(bg))
        s(self, "node_tier", tiers)
        s(self, "node_ap", _ro(nap))
        s(self, "node_inference_ms", _ro(ninf))
        s(self, "node_queue_slope_ms", _ro(slope))
        s(self, "node_queue_intercept_ms", _ro(icpt))
        s(self, "node_max_devices", _ro(maxd))
        s(self, "node_queue_table_ms", tables)
        s(self, "cloud_inference_ms", _ro(cinf))
        s(self, "cloud_rtt_wifi_ms", crw)
        s(self, "cloud_rtt_lte_ms", crl)
        s(self, "device_ap", _ro(dap))
        for attr, a in arrays.items():
            s(self, attr, _ro(a))
        s(self, "device_class", classes)
        s(self, "rtt_ms", rtt)
        if self.generator is not None and not isinstance(self.generator, dict):
            raise InputError("must be an object", field="generator")

    @staticmethod
    def _check_matrix(name: str, a: Any, rows: int, cols: int) -> np.ndarray:
        arr = np.asarray(a, dtype=np.float64) if not isinstance(a, np.ndarray) else a
        if arr.size == 0 and rows * cols == 0:
            arr = np.zeros((rows, cols), dtype=np.float64)
        if arr.ndim != 2 or arr.shape != (rows, cols):
            raise InputError(f"must have shape ({rows}, {cols}), got {arr.shape}", field=name)
        arr = arr.astype(np.float64, copy=False)
        if np.any(np.isnan(arr)):
            raise InputError("must not contain NaN", field=name)
        if np.any(arr < 0):
            r, c = (int(v[0]) for v in np.nonzero(arr < 0))
            raise InputError(f"must be >= 0 (entry [{r}][{c}] is {arr[r, c]})", field=name)
        if np.any(np.isneginf(arr)):
            raise InputError("must not contain -inf", field=name)
        return _ro(arr)

    # ----------------------------------------------------------------- sizes
    @property
    def n_aps(self) -> int:
        """Number of access points ``A``."""
        return int(self.ap_bandwidth_mbps.shape[0])

    @property
    def n_nodes(self) -> int:
        """Number of edge nodes ``J``."""
        return len(self.node_tier)

    @property
    def n_clouds(self) -> int:
        """Number of clouds ``K``."""
        return int(self.cloud_inference_ms.shape[0])

    @property
    def n_devices(self) -> int:
        """Number of devices ``N``."""
        return int(self.device_ap.shape[0])

    # --------------------------------------------------------- derived data
    @cached_property
    def ap_users(self) -> np.ndarray:
        """``(A,)`` clients sharing each AP: background users + devices of the instance."""
        cnt = np.bincount(self.device_ap, minlength=self.n_aps)
        return _ro(self.ap_background_users + cnt)

    @cached_property
    def deadline_ms(self) -> np.ndarray:
        """``(N,)`` per-frame deadline ``1000 / fps``."""
        return _ro(1000.0 / self.device_fps)

    @property
    def energy_budget_mj(self) -> np.ndarray:
        """``(N,)`` per-frame energy budget = local energy."""
        return self.device_local_mj

    @cached_property
    def wifi_upload_ms(self) -> np.ndarray:
        """``(N,)`` Wi-Fi upload time ``8·frame_kb / (bandwidth / users)`` of each device."""
        share = self.ap_bandwidth_mbps[self.device_ap] / self.ap_users[self.device_ap]
        return _ro(8.0 * self.device_frame_kb / share)

    @cached_property
    def lte_upload_ms(self) -> np.ndarray:
        """``(N,)`` LTE upload time ``8·frame_kb / lte_mbps``."""
        return _ro(8.0 * self.device_frame_kb / self.device_lte_mbps)

    @cached_property
    def node_capacity(self) -> np.ndarray:
        """``(J,)`` hard cap on devices per node (``max_devices``, table length), else ``N``."""
        cap = np.full(self.n_nodes, self.n_devices, dtype=np.int64)
        md = self.node_max_devices
        cap = np.where(md >= 0, np.minimum(cap, md), cap)
        if self.node_queue_table_ms is not None:
            for j, t in enumerate(self.node_queue_table_ms):
                if t is not None:
                    cap[j] = min(cap[j], t.shape[0])
        return _ro(cap)

    @cached_property
    def queue_table_padded(self) -> tuple[np.ndarray, np.ndarray]:
        """``(table (J, T), length (J,))``: explicit queue tables padded with their last
        entry; length 0 marks a node that uses the linear fit (for array kernels)."""
        J = self.n_nodes
        if self.node_queue_table_ms is None:
            return _ro(np.zeros((J, 1))), _ro(np.zeros(J, dtype=np.int64))
        T = max([t.shape[0] for t in self.node_queue_table_ms if t is not None] + [1])
        tab = np.zeros((J, T))
        ln = np.zeros(J, dtype=np.int64)
        for j, t in enumerate(self.node_queue_table_ms):
            if t is not None:
                tab[j, : t.shape[0]] = t
                tab[j, t.shape[0] :] = t[-1]
                ln[j] = t.shape[0]
        return _ro(tab), _ro(ln)

    def queue_ms(self, nodes: np.ndarray | int, loads: np.ndarray | int) -> np.ndarray:
        """Queue time of ``nodes`` holding ``loads`` devices (vectorised).

        ``q(0) = 0``; linear nodes: ``max(0, slope·n + intercept)``; table nodes:
        ``table[n-1]`` (loads beyond the table repeat its last entry; the load is
        then infeasible through :attr:`node_capacity`).
        """
        nodes = np.asarray(nodes, dtype=np.int64)
        loads = np.asarray(loads, dtype=np.int64)
        q = np.maximum(
            0.0, self.node_queue_slope_ms[nodes] * loads + self.node_queue_intercept_ms[nodes]
        )
        tab, ln = self.queue_table_padded
        if ln.any():
            has = ln[nodes] > 0
            if np.any(has):
                idx = np.clip(loads - 1, 0, tab.shape[1] - 1)
                q = np.where(has, tab[nodes, idx], q)
        return np.where(loads > 0, q, 0.0)

    @cached_property
    def tiers(self) -> tuple[str, ...]:
        """Tier labels present, standard ones first."""
        present = set(self.node_tier)
        std = [t for t in STANDARD_TIERS if t in present]
        return tuple(std + sorted(present - set(STANDARD_TIERS)))

    @cached_property
    def metric_tiers(self) -> tuple[str, ...]:
        """Tiers reported in metrics: the standard ones always, then any other present."""
        return tuple(dict.fromkeys(STANDARD_TIERS + self.tiers))

    @cached_property
    def node_tier_code(self) -> np.ndarray:
        """``(J,)`` index of each node's tier in :attr:`metric_tiers` (read-only)."""
        pos = {t: k for k, t in enumerate(self.metric_tiers)}
        code = np.array([pos[t] for t in self.node_tier], dtype=np.int64)
        code.setflags(write=False)
        return code

    def replace(self, **changes: Any) -> OffloadingInstance:
        """Return a validated copy with ``changes`` applied (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------ what-if copies
    def with_devices(
        self,
        *,
        ap: Any,
        fps: Any,
        frame_kb: Any = 33.0,
        local_ms: Any,
        local_mj: Any,
        lte_mbps: Any = 5.64,
        device_class: Any = "",
    ) -> OffloadingInstance:
        """A validated copy with new devices appended (indices ``N, N+1, ...``).

        Every argument is a scalar (one device) or a sequence (one entry per new
        device); scalars are broadcast to the length of ``ap``. Existing device indices
        are unchanged, so an assignment of this instance extends with
        :meth:`~placement.offloading.evaluate.Assignment.with_devices`.
        """
        ap = np.atleast_1d(np.asarray(ap))
        n = ap.shape[0]

        def col(v: Any, name: str) -> np.ndarray:
            a = np.atleast_1d(np.asarray(v, dtype=np.float64))
            if a.shape[0] == 1 and n != 1:
                a = np.repeat(a, n)
            if a.shape[0] != n:
                raise InputError(f"must have one entry per new device ({n})", field=name)
            return a

        classes = (device_class,) * n if isinstance(device_class, str) else tuple(device_class)
        return self.replace(
            device_ap=np.concatenate((self.device_ap, ap)),
            device_fps=np.concatenate((self.device_fps, col(fps, "devices.fps"))),
            device_frame_kb=np.concatenate(
                (self.device_frame_kb, col(frame_kb, "devices.frame_kb"))
            ),
            device_local_ms=np.concatenate(
                (self.device_local_ms, col(local_ms, "devices.local_ms"))
            ),
            device_local_mj=np.concatenate(
                (self.device_local_mj, col(local_mj, "devices.local_mj"))
            ),
            device_lte_mbps=np.concatenate(
                (self.device_lte_mbps, col(lte_mbps, "devices.lte_mbps"))
            ),
            device_class=self.device_class + classes,
        )

    def without_devices(self, devices: Any) -> OffloadingInstance:
        """A validated copy without ``devices`` (indices); the others keep their order
        and are renumbered ``0..N'-1`` (see
        :meth:`~placement.offloading.evaluate.Assignment.without_devices`)."""
        drop = np.zeros(self.n_devices, dtype=bool)
        idx = np.atleast_1d(np.asarray(devices, dtype=np.int64))
        if idx.size and (idx.min() < 0 or idx.max() >= self.n_devices):
            raise InputError(f"device index out of range 0..{self.n_devices - 1}", field="devices")
        drop[idx] = True
        keep = np.flatnonzero(~drop)
        return self.replace(
            device_ap=self.device_ap[keep],
            device_fps=self.device_fps[keep],
            device_frame_kb=self.device_frame_kb[keep],
            device_local_ms=self.device_local_ms[keep],
            device_local_mj=self.device_local_mj[keep],
            device_lte_mbps=self.device_lte_mbps[keep],
            device_class=tuple(self.device_class[i] for i in keep.tolist()),
        )

    def with_node_down(self, node: int) -> OffloadingInstance:
        """A validated copy in which edge node ``node`` takes no device (its cap is 0);
        node indices are unchanged (see
        :meth:`~placement.offloading.evaluate.Assignment.with_node_down`)."""
        if isinstance(node, bool) or not 0 <= int(node) < self.n_nodes:
            raise InputError(f"node index out of range 0..{self.n_nodes - 1}", field="node")
        cap = np.array(self.node_max_devices)
        cap[int(node)] = 0
        return self.replace(node_max_devices=cap)

    @cached_property
    def content_hash(self) -> str:
        """``sha256:<hex>`` of everything the cost model reads (not the name or recipe):
        two instances with the same hash give every assignment the same costs."""
        h = hashlib.sha256()
        for a in (
            self.ap_bandwidth_mbps, self.ap_background_users, self.node_ap,
            self.node_inference_ms, self.node_queue_slope_ms, self.node_queue_intercept_ms,
            self.node_max_devices, self.cloud_inference_ms, self.cloud_rtt_wifi_ms,
            self.cloud_rtt_lte_ms, self.device_ap, self.device_fps, self.device_frame_kb,
            self.device_local_ms, self.device_local_mj, self.device_lte_mbps, self.rtt_ms,
        ):  # fmt: skip
            h.update(str(a.shape).encode())
            h.update(np.ascontiguousarray(a).tobytes())
        h.update("\x1f".join(self.node_tier).encode())
        h.update(repr((self.w_wifi, self.w_lte)).encode())
        for t in self.node_queue_table_ms or ():
            h.update(b"-" if t is None else t.tobytes())
        return "sha256:" + h.hexdigest()

    def __repr__(self) -> str:
        return (
            f"OffloadingInstance(name={self.name!r}, aps={self.n_aps}, nodes={self.n_nodes}, "
            f"clouds={self.n_clouds}, devices={self.n_devices})"
        )
