"""The online state of an offloading instance: arrays the kernels of
:mod:`placement.heuristics.offloading._online_kernels` update one event at a time.

:class:`OnlineState` allocates every array once (device arrays grow by doubling when
devices are added), keeps the argument tuple of the kernels ready so an event costs one
kernel call, and turns the state into an :class:`~placement.offloading.evaluate.Assignment`
over the devices of the universe (kind ``inactive`` for the devices that are not
active). It knows nothing of ids, events or records: that is
:mod:`placement.online`'s job.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time

import numpy as np
from placement.heuristics.offloading import _online_kernels as ok
from placement.heuristics.offloading.nimbus import (
    KernelData,
    KernelState,
    draw_slice,
    ensure_compiled,
    run_nimbus,
    slice_streams,
)

from placement.offloading.evaluate import Assignment
from placement.offloading.instance import KIND_INACTIVE, OffloadingInstance
from placement.offloading.params import NimbusParams

logger = logging.getLogger(__name__)


class OnlineState:
    """Loads, users, lists and slack bounds of one offloading universe.

    The arrays are packed by dtype and role (rows named by the ``D_*``, ``A_*``, ``N_*``
    constants of :mod:`~placement.heuristics.offloading._online_kernels`) so a kernel
    call takes few arguments; the attributes ``kind``, ``target``, ``load``,
    ``min_slack``, ``ap_users``, ``ap_min``, ... are views of their rows.

    Parameters
    ----------
    instance
        The universe: every device that may become active, the APs, nodes and clouds.
    params
        κ, α, β of the placement rule (look-ahead: always exact).
    seed
        Seed of the κ sampling stream (unused with κ = 0).

    Attributes
    ----------
    n
        Devices in the universe (grows with :meth:`add_device`).
    out
        ``(3, capacity)``: the devices the last event took off a target, their old
        kind and old target (first ``k`` columns, ``k`` returned by the event).
    """

    def __init__(self, instance: OffloadingInstance, params: NimbusParams, seed: int = 0):
        ensure_compiled_online()
        inst = instance
        self.params = params
        n = self.n = inst.n_devices
        A, J = inst.n_aps, inst.n_nodes
        table, tlen = inst.queue_table_padded
        self.kind = np.full(n, KIND_INACTIVE, dtype=np.int8)
        self.dev_i = np.full((6, n), -1, dtype=np.int64)
        self.dev_i[ok.D_AP] = inst.device_ap
        self.dev_f = np.empty((3, n))
        self.dev_f[ok.D_UKB] = 8.0 * inst.device_frame_kb
        self.dev_f[ok.D_EPS] = inst.deadline_ms
        self.dev_f[ok.D_BUD] = inst.device_local_mj
        self.out = np.zeros((3, n), dtype=np.int64)
        self.ap_i = np.zeros((3, A), dtype=np.int64)
        self.ap_i[ok.A_BG] = inst.ap_background_users
        self.ap_f = np.empty((2, A))
        self.ap_f[ok.A_BW] = inst.ap_bandwidth_mbps
        self.node_i = np.zeros((5, J), dtype=np.int64)
        self.node_i[ok.N_TLEN] = tlen
        self.node_i[ok.N_CAP] = inst.node_capacity
        self.node_f = np.zeros((7, J))
        self.node_f[ok.N_INF] = inst.node_inference_ms
        self.node_f[ok.N_SLOPE] = inst.node_queue_slope_ms
        self.node_f[ok.N_ICPT] = inst.node_queue_intercept_ms
        self.node_f[ok.N_CAPF] = inst.node_capacity
        self.table = np.ascontiguousarray(table, dtype=np.float64)
        self.rtt = np.ascontiguousarray(inst.rtt_ms)
        self.crtt = np.ascontiguousarray(inst.cloud_rtt_wifi_ms)
        self.cinf = np.ascontiguousarray(inst.cloud_inference_ms)
        # nodes the closed-form maxload of the vectorised scan does not fit
        slope = inst.node_queue_slope_ms
        self.special = np.flatnonzero((np.asarray(tlen) > 0) | ~(slope > 0)).astype(np.int64)
        self.cand = np.empty(max(J, 1), dtype=np.int64)
        self.key = np.empty(max(J, 1))
        self.rng = np.random.SeedSequence(seed).generate_state(1, dtype=np.uint64)
        self.prm = np.array([inst.w_wifi, params.alpha, params.beta, params.kappa], dtype=float)
        self._views()
        self.load_assignment(self.kind, self.target)

    def _views(self) -> None:
        self.target = self.dev_i[ok.D_TARGET]
        self.links = self.dev_i[ok.D_LINKS :]
        self.ap_users = self.ap_i[ok.A_USERS]
        self.ap_min = self.ap_f[ok.A_MIN]
        self.load = self.node_i[ok.N_LOAD]
        self.failed_flag = self.node_i[ok.N_FAILED]
        self.min_slack = self.node_f[ok.N_SLACK]
        self.thr = self.node_f[ok.N_THR]
        self._step_args = (
            self.kind, self.dev_i, self.dev_f, self.ap_i, self.ap_f, self.node_i, self.node_f,
            self.table, self.rtt, self.crtt, self.cinf, self.special, self.cand, self.key,
            self.out, self.rng, self.prm,
        )  # fmt: skip

    # ------------------------------------------------------------------ events
    def arrive(self, i: int) -> int:
        """Device ``i`` becomes active and is placed; returns the devices it moved."""
        return ok.online_step(ok.OP_ARRIVE, i, *self._step_args)

    def depart(self, i: int) -> int:
        """Device ``i`` leaves (moves nothing)."""
        return ok.online_step(ok.OP_DEPART, i, *self._step_args)

    def fail(self, j: int) -> int:
        """Edge node ``j`` goes down; returns the devices re-placed (all it held)."""
        return ok.online_step(ok.OP_FAIL, j, *self._step_args)

    def recover(self, j: int) -> int:
        """Edge node ``j`` comes back, empty."""
        return ok.online_step(ok.OP_RECOVER, j, *self._step_args)

    def load_assignment(self, kind: np.ndarray, target: np.ndarray) -> None:
        """Replace the whole state by ``kind`` / ``target`` over the universe (kind 3 =
        inactive) and derive loads, users, lists and bounds (failure flags are kept).

        The caller guarantees the assignment is feasible at its own users and uses no
        failed node.
        """
        self.kind[: self.n] = kind
        self.target[: self.n] = target
        ok.online_rebuild(
            np.int64(self.n), self.kind, self.dev_i, self.dev_f, self.ap_i, self.ap_f,
            self.node_i, self.node_f, self.table, self.rtt, self.crtt, self.cinf, self.prm,
        )  # fmt: skip

    # --------------------------------------------------------------- universe
    def add_device(self, ap: int, frame_kb: float, deadline_ms: float, budget_mj: float) -> int:
        """Append an inactive device to the universe; returns its index."""
        i = self.n
        if i == self.kind.shape[0]:
            self._grow(max(2 * i, 16))
        self.dev_i[:, i] = -1
        self.dev_i[ok.D_AP, i] = ap
        self.dev_f[ok.D_UKB, i] = 8.0 * frame_kb
        self.dev_f[ok.D_EPS, i] = deadline_ms
        self.dev_f[ok.D_BUD, i] = budget_mj
        self.kind[i] = KIND_INACTIVE
        self.n = i + 1
        return i

    def _grow(self, size: int) -> None:
        for name, fill in (("kind", KIND_INACTIVE), ("dev_i", -1), ("dev_f", 0.0), ("out", 0)):
            old = getattr(self, name)
            new = np.full(old.shape[:-1] + (size,), fill, dtype=old.dtype)
            new[..., : old.shape[-1]] = old
            setattr(self, name, new)
        self._views()

    # ------------------------------------------------------------------ views
    @property
    def failed(self) -> np.ndarray:
        """``(J,)`` bool: the node is down."""
        return self.failed_flag != 0

    def assignment(self) -> Assignment:
        """The current state as an assignment over the universe (failed nodes listed)."""
        return Assignment.from_arrays(
            self.kind[: self.n].copy(),
            self.target[: self.n].copy(),
            None,
            np.flatnonzero(self.failed).tolist(),
        )

    def check_bounds(self) -> None:
        """Assert that the node slacks and caches are exact, the AP room bounds are lower
        bounds, and loads, users and lists agree with ``kind`` / ``target`` (tests)."""
        exact = OnlineState.__new__(OnlineState)
        exact.__dict__.update(
            {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in vars(self).items()}
        )
        exact._views()
        exact.load_assignment(self.kind[: self.n], self.target[: self.n])
        np.testing.assert_array_equal(exact.load, self.load)
        np.testing.assert_array_equal(exact.ap_users, self.ap_users)
        tol = 1e-7
        np.testing.assert_allclose(self.min_slack, exact.min_slack, rtol=0, atol=tol)
        np.testing.assert_array_equal(np.isinf(self.thr), np.isinf(exact.thr))
        assert np.all(self.ap_min <= exact.ap_min + tol), "AP room bound too high"
        for j in range(self.load.shape[0]):
            members, d = [], self.node_i[ok.N_HEAD, j]
            while d >= 0:
                members.append(int(d))
                d = self.links[ok.NODE_NEXT, d]
            expect = np.flatnonzero((self.kind[: self.n] == 1) & (self.target[: self.n] == j))
            assert sorted(members) == expect.tolist(), f"node {j} list"


def fresh_nimbus(
    instance: OffloadingInstance,
    active: np.ndarray,
    failed: np.ndarray,
    params: NimbusParams,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Nimbus from scratch over the ``active`` devices of ``instance`` on the nodes not
    ``failed`` — the solve an online state is compared with.

    The users of an AP are its background users plus its active devices; the Wi-Fi
    failover is the nearest cloud that meets deadline and budget at that upload. The
    result is what :func:`~placement.heuristics.offloading.nimbus.solve_nimbus` returns on
    the instance restricted to the active devices (same order, same seed stream, node
    caps at the active count as that instance has them).

    Returns
    -------
    tuple
        ``kind`` (inactive devices: 3) and ``target`` over the universe, and the
        seconds of the solve (arrays and kernel; JIT excluded).
    """
    ensure_compiled()
    t0 = time.perf_counter()
    data = KernelData.from_instance(instance)
    inst = instance
    ap = data.device_ap
    act = np.asarray(active, dtype=bool)
    users = inst.ap_background_users + np.bincount(ap[act], minlength=inst.n_aps)
    upload = np.zeros(data.n_devices)
    share = inst.ap_bandwidth_mbps[ap[act]] / users[ap[act]]
    upload[act] = 8.0 * inst.device_frame_kb[act] / share
    cloud = np.full(data.n_devices, -1, dtype=np.int64)
    if inst.n_clouds and act.any():
        idx = np.flatnonzero(act)
        crtt = inst.cloud_rtt_wifi_ms[ap[idx]]
        net = upload[idx, None] + crtt
        ok_ = (
            (net + inst.cloud_inference_ms[None, :] <= data.deadline[idx, None])
            & (inst.w_wifi * net <= data.budget[idx, None])
            & np.isfinite(net)
        )
        best = np.argmin(np.where(ok_, crtt, np.inf), axis=1)
        cloud[idx] = np.where(ok_[np.arange(idx.size), best], best, -1)
    # the restricted instance caps a node without max_devices at its device count
    cap = np.minimum(data.cap, int(act.sum()))
    d2 = dataclasses.replace(data, upload=_ro(upload), cloud_choice=_ro(cloud), cap=_ro(cap))
    state = KernelState.empty(data.n_devices, data.n_nodes)
    order = np.flatnonzero(act).astype(np.int64)
    nodes = np.flatnonzero(~np.asarray(failed, dtype=bool)).astype(np.int64)
    needed = params.kappa > 0 or params.order == "random"
    seq = slice_streams(seed, 1)[0] if needed else None
    prng_seed, order = draw_slice(seq, order, params.order, needed)
    if nodes.size:
        run_nimbus(d2, state, order, nodes, params, prng_seed)
    else:
        state.kind[order] = np.where(cloud[order] >= 0, 2, 0)
        state.target[order] = cloud[order]
    kind = state.kind
    kind[~act] = KIND_INACTIVE
    state.target[~act] = -1
    return kind, state.target, time.perf_counter() - t0


def _ro(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


# ------------------------------------------------------------------ JIT warm-up
_compile_lock = threading.Lock()
_compiled = False


def _tiny_instance() -> OffloadingInstance:
    """2 APs, 3 nodes (one with a queue table), 1 cloud, 4 devices."""
    return OffloadingInstance(
        name="warm-up",
        ap_bandwidth_mbps=np.array([300.0, 300.0]),
        ap_background_users=np.array([0, 1]),
        node_tier=("T1", "T2", "T3"),
        node_ap=np.array([0, -1, -1]),
        node_inference_ms=np.array([5.0, 5.0, 5.0]),
        node_queue_slope_ms=np.array([1.0, 0.0, 1.0]),
        node_queue_intercept_ms=np.array([-1.0, 0.0, -1.0]),
        node_max_devices=np.array([-1, 2, -1]),
        cloud_inference_ms=np.array([5.0]),
        cloud_rtt_wifi_ms=np.array([[20.0], [20.0]]),
        cloud_rtt_lte_ms=np.array([[30.0], [30.0]]),
        device_ap=np.array([0, 0, 1, 1]),
        device_fps=np.array([10.0, 10.0, 10.0, 10.0]),
        device_frame_kb=np.array([33.0, 33.0, 33.0, 33.0]),
        device_local_ms=np.array([150.0, 150.0, 150.0, 150.0]),
        device_local_mj=np.array([200.0, 200.0, 200.0, 200.0]),
        device_lte_mbps=np.array([5.0, 5.0, 5.0, 5.0]),
        device_class=("A", "A", "B", "B"),
        rtt_ms=np.array([[1.0, 2.0, 3.0], [2.0, 1.0, np.inf]]),
        node_queue_table_ms=(None, np.array([0.0, 1.0]), None),
    )


def ensure_compiled_online() -> float:
    """Compile (or load from Numba's cache) the online and relocation kernels once per
    process, so no event pays for it.

    Returns
    -------
    float
        Seconds spent now (0.0 when the kernels were ready already).
    """
    global _compiled
    if _compiled:
        return 0.0
    with _compile_lock:
        if _compiled:
            return 0.0
        t0 = time.perf_counter()
        ensure_compiled()
        _compiled = True  # the warm-up below builds OnlineStates itself
        from placement.heuristics.offloading.relocate import improve

        inst = _tiny_instance()
        for kappa in (0, 1):
            st = OnlineState(inst, NimbusParams(kappa=kappa), 0)
            for i in range(4):
                st.arrive(i)
            st.fail(0)
            st.recover(0)
            st.depart(0)
        full = Assignment.from_arrays(np.zeros(4, np.int8), np.full(4, -1))
        improve(inst, full, max_moves=2)
        dt = time.perf_counter() - t0
        logger.debug("online kernels ready in %.3f s", dt)
        return dt
