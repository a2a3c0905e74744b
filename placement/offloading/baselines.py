"""The baselines: ``local``, ``cloud`` (Wi-Fi) and ``cloud4g`` (LTE).

A cloud baseline sends each device to the *nearest* cloud by RTT over its access
technology if that option meets the device's deadline and energy budget, else
to the nearest *feasible* cloud, else it computes locally. Clouds have no queue,
so devices never affect each other and the choice is exact per device.
"""

from __future__ import annotations

import numpy as np

from placement.offloading.evaluate import Assignment
from placement.offloading.instance import KIND_CLOUD, KIND_LOCAL, OffloadingInstance
from placement.offloading.params import BaselineParams
from placement.result import RawSolution


def cloud_options(
    inst: OffloadingInstance, *, lte: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per device and cloud: latency, energy and feasibility ``(N, K)`` over one access."""
    ap = inst.device_ap
    if lte:
        net = inst.lte_upload_ms[:, None] + inst.cloud_rtt_lte_ms[ap]
        w = inst.w_lte
    else:
        net = inst.wifi_upload_ms[:, None] + inst.cloud_rtt_wifi_ms[ap]
        w = inst.w_wifi
    lat = net + inst.cloud_inference_ms[None, :]
    energy = w * net
    ok = (
        (lat <= inst.deadline_ms[:, None])
        & (energy <= inst.device_local_mj[:, None])
        & np.isfinite(net)
    )
    return lat, energy, ok


def nearest_feasible_cloud(inst: OffloadingInstance, *, lte: bool) -> np.ndarray:
    """``(N,)`` index of the nearest feasible cloud by RTT, -1 where none is feasible."""
    N, K = inst.n_devices, inst.n_clouds
    if K == 0:
        return np.full(N, -1, dtype=np.int64)
    rtt = (inst.cloud_rtt_lte_ms if lte else inst.cloud_rtt_wifi_ms)[inst.device_ap]
    _, _, ok = cloud_options(inst, lte=lte)
    masked = np.where(ok, rtt, np.inf)
    best = np.argmin(masked, axis=1)
    return np.where(ok[np.arange(N), best], best, -1).astype(np.int64)


def _cloud(inst: OffloadingInstance, lte: bool) -> RawSolution:
    best = nearest_feasible_cloud(inst, lte=lte)
    kind = np.where(best >= 0, KIND_CLOUD, KIND_LOCAL).astype(np.int8)
    return RawSolution(Assignment.from_arrays(kind, best, (best >= 0) & lte))


def solve_local(inst: OffloadingInstance, params: BaselineParams, *, seed: int = 0) -> RawSolution:
    """Every device computes locally."""
    return RawSolution(Assignment.all_local(inst.n_devices))


def solve_cloud(inst: OffloadingInstance, params: BaselineParams, *, seed: int = 0) -> RawSolution:
    """Nearest feasible cloud over Wi-Fi, else local."""
    return _cloud(inst, lte=False)


def solve_cloud4g(
    inst: OffloadingInstance, params: BaselineParams, *, seed: int = 0
) -> RawSolution:
    """Nearest feasible cloud over LTE, else local."""
    return _cloud(inst, lte=True)
