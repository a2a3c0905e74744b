"""Seeded, deterministic generator of offloading instances (the Nimbus paper's Table 4).

Every configuration of Table 4 is available (``A-C0`` … ``A-C3``, ``B``, ``C``, ``D``)
with four RTT modes: ``gmm-seattle`` / ``gmm-planetlab`` (i.i.d. draws of the
3-component mixtures the Nimbus authors fitted, ``|x|`` ≤ 250 ms) and ``seattle`` /
``planetlab`` (empirical draws from the real RTT matrices, bundled as a faithful
subsample). The recipe (config, seed, counts, modes, data files) is recorded in
the instance's ``generator`` object, so a file says how to rebuild it.

Only bundled data (``placement.instances/data``) is read; nothing outside the package.
"""

from __future__ import annotations

import csv
import json
import logging
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from placement import console
from placement.errors import InputError
from placement.offloading.instance import OffloadingInstance

logger = logging.getLogger(__name__)

RTT_MODES = ("gmm-seattle", "gmm-planetlab", "seattle", "planetlab")
#: Number of APs of the LRZ pool the A/C/D configurations draw from (paper Table 4).
AP_POOL = 4371


@dataclass(frozen=True)
class Config:
    """One row of the paper's Table 4."""

    name: str
    aps: int
    t1: int
    t2: int
    t3: int
    devices: int
    fps_mean: float
    description: str


CONFIGS: dict[str, Config] = {
    "A-C0": Config(
        "A-C0", AP_POOL, 350, 200, 10, 1000, 15.0, "(A) scalability, largest infrastructure"
    ),
    "A-C1": Config("A-C1", AP_POOL, 250, 100, 5, 1000, 15.0, "(A) scalability"),
    "A-C2": Config("A-C2", AP_POOL, 150, 50, 2, 1000, 15.0, "(A) scalability"),
    "A-C3": Config(
        "A-C3", AP_POOL, 100, 25, 0, 1000, 15.0, "(A) scalability, smallest infrastructure"
    ),
    "B": Config(
        "B", 182, 182, 30, 3, 0, 15.0, "(B) LRZ five most-populated buildings, one 15-min slice"
    ),
    "C": Config("C", AP_POOL, 100, 50, 2, 1000, 10.0, "(C) Nimbus baseline comparison"),
    "D": Config("D", AP_POOL, 100, 50, 2, 1000, 10.0, "(D) Nimbus variants (ST/MT/2PMT)"),
}


def _data(name: str) -> Any:
    return resources.files("placement.instances").joinpath("data", name)


@cache
def offloading_params() -> dict[str, Any]:
    """Tier, device-class, radio and RTT-mixture parameters (bundled JSON)."""
    with _data("offloading_params.json").open("r", encoding="utf-8") as fh:
        return json.load(fh)


@cache
def cloud_rtt_samples() -> np.ndarray:
    """The 1000 Europe-DE cloud RTT samples in ms (may be negative; callers take ``|x|``)."""
    with _data("cloud_rtt_europe_de_ms.csv").open("r", encoding="utf-8") as fh:
        vals = [float(line) for line in fh if line.strip() and not line.startswith("#")]
    return np.asarray(vals)


@cache
def empirical_rtt_samples(dataset: str) -> np.ndarray:
    """Subsample (ms, ≤ 250) of the real Seattle / PlanetLab RTT matrices."""
    with _data(f"rtt_{dataset}_ms.npy").open("rb") as fh:
        return np.load(fh).astype(np.float64)


@cache
def lrz_aps() -> list[dict[str, str]]:
    """The LRZ AP list (ap, building, lat, lon), in source order."""
    with _data("lrz_aps.csv").open("r", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@cache
def lrz_top5_buildings() -> list[str]:
    """The five LRZ buildings with the most APs (config B)."""
    with _data("lrz_top5_buildings.json").open("r", encoding="utf-8") as fh:
        d = json.load(fh)
    if isinstance(d, dict) and "buildings" in d:
        d = d["buildings"]
    out = []
    for item in d:
        out.append(item["standort"] if isinstance(item, dict) else item)
    return out


def _draw_rtt(rng: np.random.Generator, mode: str, size: int | tuple[int, ...]) -> np.ndarray:
    """Draw RTTs in ms for ``mode`` (mixture: ``|x|`` redrawn while > 250 ms)."""
    if mode.startswith("gmm-"):
        g = offloading_params()["rtt_gmm"][mode[4:]]
        w = np.asarray(g["weights"], dtype=float)
        mu = np.asarray(g["means_ms"], dtype=float)
        sd = np.asarray(g["stds_ms"], dtype=float)
        thr = float(offloading_params().get("rtt_threshold_ms", 250.0))
        n = int(np.prod(size))
        comp = rng.choice(len(w), size=n, p=w / w.sum())
        out = np.abs(rng.normal(mu[comp], sd[comp]))
        bad = out > thr
        while bad.any():
            comp = rng.choice(len(w), size=int(bad.sum()), p=w / w.sum())
            out[bad] = np.abs(rng.normal(mu[comp], sd[comp]))
            bad = out > thr
        return out.reshape(size)
    samples = empirical_rtt_samples(mode)
    return rng.choice(samples, size=size, replace=True)


#: Entries of the AP x node RTT matrix drawn per chunk (fixed, so the stream does not
#: depend on whether a progress bar is shown).
RTT_CHUNK = 1 << 22


def _draw_rtt_matrix(rng: np.random.Generator, mode: str, rows: int, cols: int) -> np.ndarray:
    """Draw the ``rows x cols`` RTT matrix in fixed-size row chunks, with a progress bar
    when it is large (tens of millions of entries take seconds)."""
    out = np.empty((rows, cols))
    if cols == 0 or rows == 0:
        return out
    per = max(1, RTT_CHUNK // cols)
    starts = range(0, rows, per)
    if rows * cols > 4 * RTT_CHUNK:
        starts = console.progress(starts, desc="drawing RTT matrix", unit="chunk", leave=False)
    for r0 in starts:
        r1 = min(rows, r0 + per)
        out[r0:r1] = _draw_rtt(rng, mode, (r1 - r0, cols))
    return out


def semester_profile(slot: int) -> float:
    """Synthetic LRZ client density in [0.05, 1] for 15-min slot ``slot`` (0 = Monday 00:00
    of a lecture week): a day curve (09–17 h peak), weekends at 15 %, and a semester
    factor (lecture period 1.0, break 0.4; 26-week cycle, 14 lecture weeks).

    The real per-AP client-count series are not public (see ``instances/README.md``);
    this profile only shapes the number of devices of config B over time.
    """
    hour = (slot % 96) / 4.0
    day = (slot // 96) % 7
    week = (slot // (96 * 7)) % 26
    daily = 0.05 + 0.95 * math.exp(-0.5 * ((hour - 13.0) / 3.2) ** 2)
    weekly = 1.0 if day < 5 else 0.15
    semester = 1.0 if week < 14 else 0.4
    return max(0.05, daily * weekly * semester)


def generate(
    config: str = "C",
    *,
    devices: int | None = None,
    seed: int = 0,
    rtt: str = "gmm-seattle",
    clouds: int = 1,
    slot: int | None = None,
    t1: int | None = None,
    t2: int | None = None,
    t3: int | None = None,
    aps: int | None = None,
    name: str | None = None,
) -> OffloadingInstance:
    """Generate an offloading instance of a Table-4 configuration.

    Parameters
    ----------
    config
        ``A-C0`` … ``A-C3``, ``B``, ``C`` or ``D``.
    devices
        Number of devices (default: the configuration's, 1000; for ``B`` the synthetic
        density profile at ``slot``, at least 30).
    seed
        Integer seed; the same arguments give the same instance, bit for bit.
    rtt
        ``gmm-seattle``, ``gmm-planetlab``, ``seattle`` or ``planetlab``.
    clouds
        Number of cloud datacentres (independent RTT draws per AP and cloud).
    slot
        15-min slot of the synthetic density profile (config ``B`` only; default 52 =
        Monday 13:00 of a lecture week).
    t1, t2, t3, aps
        Override the tier counts and the AP pool size (scaled experiments).
    name
        Instance name (default ``<config>-<devices>-s<seed>``).

    Raises
    ------
    InputError
        For an unknown configuration or RTT mode, or impossible counts.
    """
    if config not in CONFIGS:
        raise InputError(
            f"unknown configuration {config!r}; choose one of {', '.join(CONFIGS)}", field="config"
        )
    if rtt not in RTT_MODES:
        raise InputError(
            f"unknown RTT mode {rtt!r}; choose one of {', '.join(RTT_MODES)}", field="rtt"
        )
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise InputError(f"must be a non-negative integer, got {seed!r}", field="seed")
    if clouds < 0:
        raise InputError(f"must be >= 0, got {clouds}", field="clouds")
    cfg = CONFIGS[config]
    n_t1 = cfg.t1 if t1 is None else t1
    n_t2 = cfg.t2 if t2 is None else t2
    n_t3 = cfg.t3 if t3 is None else t3
    n_pool = cfg.aps if aps is None else aps
    for f, v in (("t1", n_t1), ("t2", n_t2), ("t3", n_t3)):
        if v < 0:
            raise InputError(f"must be >= 0, got {v}", field=f)
    if n_pool < 1:
        raise InputError(f"must be >= 1, got {n_pool}", field="aps")
    if n_t1 > n_pool:
        raise InputError(f"{n_t1} T1 nodes need as many APs, the pool has {n_pool}", field="t1")

    params = offloading_params()
    rng = np.random.default_rng(np.random.SeedSequence(int(seed)))
    recipe: dict[str, Any] = {
        "config": config,
        "seed": int(seed),
        "rtt": rtt,
        "clouds": int(clouds),
        "t1": int(n_t1),
        "t2": int(n_t2),
        "t3": int(n_t3),
        "ap_pool": int(n_pool),
        "generator": "placement.generate v1",
    }

    lrz = lrz_aps()
    if config == "B":
        top = set(lrz_top5_buildings())
        pool_idx = np.array([k for k, r in enumerate(lrz) if r["building"] in top])
        if n_pool > len(pool_idx):
            raise InputError(
                f"config B has {len(pool_idx)} APs in its five buildings, asked for {n_pool}",
                field="aps",
            )
        pool_idx = np.sort(rng.choice(pool_idx, size=n_pool, replace=False))
        slot = 52 if slot is None else int(slot)
        dens = semester_profile(slot)
        if devices is None:
            devices = max(30, int(round(dens * 3.0 * n_pool)))
        recipe.update({"slot": slot, "density": dens, "density_profile": "semester_profile v1"})
        weights = rng.lognormal(0.0, 0.8, size=n_pool)
    else:
        pool_idx = np.arange(n_pool) % max(len(lrz), 1)
        if devices is None:
            devices = cfg.devices
        weights = rng.lognormal(0.0, 1.0, size=n_pool)
    if devices < 1:
        raise InputError(f"must be >= 1, got {devices}", field="devices")
    recipe["devices"] = int(devices)
    recipe["ap_weights"] = "lognormal(0, 0.8)" if config == "B" else "lognormal(0, 1)"

    # devices on APs of the pool (popularity-weighted), T1 nodes on device-hosting APs
    dev_pool_ap = rng.choice(n_pool, size=devices, p=weights / weights.sum())
    hosting = np.unique(dev_pool_ap)
    if config == "B":
        t1_pool_ap = rng.permutation(n_pool)[:n_t1]
    elif n_t1 <= hosting.size:
        t1_pool_ap = rng.choice(hosting, size=n_t1, replace=False)
    else:  # more T1 nodes than device-hosting APs: the rest on other APs of the pool
        others = np.setdiff1d(np.arange(n_pool), hosting)
        extra = rng.choice(others, size=n_t1 - hosting.size, replace=False)
        t1_pool_ap = np.concatenate([rng.permutation(hosting), extra])
    kept = np.union1d(hosting, t1_pool_ap)  # only APs hosting a device or a T1 node
    remap = np.full(n_pool, -1, dtype=np.int64)
    remap[kept] = np.arange(kept.size)
    A = kept.size
    dev_ap = remap[dev_pool_ap]
    t1_ap = remap[t1_pool_ap]

    tiers = params["tiers"]
    node_tier = ["T1"] * n_t1 + ["T2"] * n_t2 + ["T3"] * n_t3
    J = len(node_tier)
    node_ap = np.concatenate([t1_ap, np.full(n_t2 + n_t3, -1, dtype=np.int64)]).astype(np.int64)
    inf_ms = np.array([tiers[t]["inference_ms"] for t in node_tier], dtype=float)
    slope = np.array([tiers[t]["queue_slope_ms"] for t in node_tier], dtype=float)
    icpt = np.array([tiers[t]["queue_intercept_ms"] for t in node_tier], dtype=float)

    rtt_ms = _draw_rtt_matrix(rng, rtt, A, J)
    if n_t1:
        rtt_ms[t1_ap, np.arange(n_t1)] = 1.0  # co-located T1 node: 1 ms

    cs = np.abs(cloud_rtt_samples())
    factor = float(params.get("cloud_wifi_rtt_factor", 1.2))
    rtt_wifi = factor * rng.choice(cs, size=(A, clouds))
    rtt_lte = rng.choice(cs, size=(A, clouds))

    classes = np.array(sorted(params["device_classes"]))
    cls = classes[rng.integers(0, classes.size, size=devices)]
    local_ms = np.array([params["device_classes"][c]["local_ms"] for c in cls], dtype=float)
    local_mj = np.array([params["device_classes"][c]["local_mj"] for c in cls], dtype=float)
    fps = np.abs(rng.normal(cfg.fps_mean, 2.0, size=devices))
    fps = np.maximum(fps, 1.0)  # |N(mu, 2)| is never near 0 in practice; guard the deadline
    lte_cfg = params["lte_mbps"]
    lte = np.maximum(np.abs(rng.normal(lte_cfg["mean"], lte_cfg["std"], size=devices)), 0.1)
    frame_kb = np.full(devices, float(params["frame_kb"]))

    radio = params["radio"]
    recipe["data"] = {
        "tiers": "offloading_params.json",
        "rtt": f"offloading_params.json rtt_gmm.{rtt[4:]}"
        if rtt.startswith("gmm-")
        else f"rtt_{rtt}_ms.npy",
        "cloud_rtt": "cloud_rtt_europe_de_ms.csv",
        "aps": "lrz_aps.csv",
    }
    inst = OffloadingInstance(
        name=name or f"{config}-{devices}-s{seed}",
        ap_bandwidth_mbps=np.full(A, float(params["ap_bandwidth_mbps"])),
        ap_background_users=np.zeros(A, dtype=np.int64),
        node_tier=tuple(node_tier),
        node_ap=node_ap,
        node_inference_ms=inf_ms,
        node_queue_slope_ms=slope,
        node_queue_intercept_ms=icpt,
        node_max_devices=np.full(J, -1, dtype=np.int64),
        cloud_inference_ms=np.full(clouds, float(params["cloud_inference_ms"])),
        cloud_rtt_wifi_ms=rtt_wifi,
        cloud_rtt_lte_ms=rtt_lte,
        device_ap=dev_ap,
        device_fps=fps,
        device_frame_kb=frame_kb,
        device_local_ms=local_ms,
        device_local_mj=local_mj,
        device_lte_mbps=lte,
        device_class=tuple(str(c) for c in cls),
        rtt_ms=rtt_ms,
        w_wifi=float(radio["w_wifi_mj_per_ms"]),
        w_lte=float(radio["w_lte_mj_per_ms"]),
        generator=recipe,
    )
    logger.info("generated %r", inst)
    return inst
