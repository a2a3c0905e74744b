"""Seeded, deterministic generator of offloading instances (the Nimbus paper's Table 4).

Every configuration of Table 4 is available (``A-C0`` … ``A-C3``, ``B``, ``C``, ``D``)
with five RTT modes: ``gmm-seattle`` / ``gmm-planetlab`` (i.i.d. draws of the
3-component mixtures the Nimbus authors fitted, ``|x|`` ≤ 250 ms), ``seattle`` /
``planetlab`` (empirical draws from the real RTT matrices, bundled as a faithful
subsample) and ``distance`` (the geography of the LRZ APs: propagation plus a
per-hop constant, :mod:`placement.offloading.traces`). ``EUA`` places the Melbourne
CBD users of the EUA dataset on their nearest base-station site. Background Wi-Fi
users come from a synthetic occupancy profile per building type (``background=
"profile"``). :func:`generate_day` turns config B into a day of arrivals and
departures. The recipe (config, seed, counts, modes, data files, the APs kept) is
recorded in the instance's ``generator`` object, so a file says how to rebuild it.

Only bundled data (``placement.instances/data``) is read; nothing outside the package.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from placement import console
from placement.errors import InputError
from placement.offloading.instance import OffloadingInstance
from placement.offloading.traces import (
    HOPS_OTHER,
    HOPS_SAME_AP,
    HOPS_SAME_BUILDING,
    PER_HOP_MS,
    SPEED_KM_PER_MS,
    Places,
    building_type,
    cloud_rtt_samples,
    empirical_rtt_samples,
    eua_sites,
    eua_users,
    haversine_km,
    lrz_aps,
    lrz_places,
    lrz_top5_buildings,
    nearest,
    occupancy,
    offloading_params,
    rtt_matrix,
    semester_profile,
)

logger = logging.getLogger(__name__)

RTT_MODES = ("gmm-seattle", "gmm-planetlab", "seattle", "planetlab", "distance")
#: Number of APs of the LRZ pool the A/C/D configurations draw from (paper Table 4).
AP_POOL = 4371
#: Background-user modes: none, or the synthetic occupancy profile of the AP's building.
BACKGROUND_MODES = ("none", "profile")
#: Mean background users of an AP of average popularity at occupancy 1.
BACKGROUND_PEAK = 4.0
#: The building of the LRZ computing centre (Garching), where ``distance`` puts T3 nodes.
LRZ_DATACENTRE = "LRZ, Rechnerwürfel"
#: Why APs are dropped, recorded in the recipe and printed by the CLI.
KEEP_RULE = (
    "APs hosting a device or an edge node are kept; an AP without either changes no cost "
    "(its Wi-Fi share, background users and RTTs only matter to devices on it); "
    "keep_all_aps keeps every AP of the pool"
)


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
    "EUA": Config(
        "EUA", 125, 125, 13, 2, 816, 10.0, "Melbourne CBD base stations and users (EUA dataset)"
    ),
}


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


def _check_common(
    config: str, rtt: str, seed: Any, clouds: int, background: str, background_peak: float
) -> None:
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
    if background not in BACKGROUND_MODES:
        raise InputError(
            f"unknown background mode {background!r}; choose one of {', '.join(BACKGROUND_MODES)}",
            field="background",
        )
    if not np.isfinite(background_peak) or background_peak < 0:
        raise InputError(f"must be >= 0, got {background_peak}", field="background_peak")


def generate(
    config: str = "C",
    *,
    devices: int | None = None,
    seed: int = 0,
    rtt: str | None = None,
    clouds: int = 1,
    slot: int | None = None,
    t1: int | None = None,
    t2: int | None = None,
    t3: int | None = None,
    aps: int | None = None,
    name: str | None = None,
    background: str = "none",
    background_peak: float = BACKGROUND_PEAK,
    keep_all_aps: bool = False,
) -> OffloadingInstance:
    """Generate an offloading instance of a Table-4 configuration or of ``EUA``.

    Parameters
    ----------
    config
        ``A-C0`` … ``A-C3``, ``B``, ``C``, ``D`` (LRZ access points) or ``EUA``
        (Melbourne CBD base-station sites and users).
    devices
        Number of devices (default: the configuration's, 1000; for ``B`` the synthetic
        density profile at ``slot``, at least 30; for ``EUA`` all 816 users, a smaller
        number samples users without replacement, a larger one with replacement).
    seed
        Integer seed; the same arguments give the same instance, bit for bit.
    rtt
        ``gmm-seattle`` (default), ``gmm-planetlab``, ``seattle``, ``planetlab`` or
        ``distance`` (default for ``EUA``): RTT from the places of APs and nodes
        (:func:`placement.offloading.traces.rtt_matrix`). With ``distance``, T1 nodes
        sit on their AP, T2 nodes in the building of a random AP of the pool and T3
        nodes in the LRZ computing centre (Garching); for ``EUA`` every node sits on a
        base-station site (T3 on the sites nearest the users' centroid).
    clouds
        Number of cloud datacentres (independent RTT draws per AP and cloud from the
        Europe-DE samples, ``|x|``, ×1.2 over Wi-Fi).
    slot
        15-minute slot (0 = Monday 00:00 of a lecture week) of the density profile of
        config ``B`` and of the background occupancy (default 52 = Monday 13:00).
    t1, t2, t3, aps
        Override the tier counts and the AP pool size (scaled experiments).
    name
        Instance name (default ``<config>-<devices>-s<seed>``).
    background
        ``none`` (default: no background users, as in the paper) or ``profile``: the
        background users of each kept AP are a Poisson draw with mean
        ``background_peak × popularity × occupancy(slot, type)``, ``popularity`` the
        AP's device weight over its mean and ``type`` its building's occupancy type
        (EUA sites: ``office``).
    background_peak
        Mean background users of an AP of average popularity at full occupancy.
    keep_all_aps
        Keep every AP of the pool; by default only APs hosting a device or an edge node
        are kept (the recipe's ``aps_kept`` says how many and why).

    Raises
    ------
    InputError
        For an unknown configuration, RTT mode or background mode, or impossible counts.
    """
    rtt = rtt or ("distance" if config == "EUA" else "gmm-seattle")
    _check_common(config, rtt, seed, clouds, background, background_peak)
    if config == "EUA":
        if aps is not None:
            raise InputError("config EUA has its 125 base-station sites as APs", field="aps")
        return _generate_eua(
            devices=devices,
            seed=int(seed),
            rtt=rtt,
            clouds=clouds,
            slot=slot,
            counts=(t1, t2, t3),
            name=name,
            background=background,
            background_peak=background_peak,
            keep_all_aps=keep_all_aps,
        )
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
    kept = np.arange(n_pool) if keep_all_aps else np.union1d(hosting, t1_pool_ap)
    recipe["aps_kept"] = _kept_report(n_pool, kept, hosting, t1_pool_ap, keep_all_aps)
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

    places = lrz_places().take(pool_idx)
    if rtt == "distance":
        ap_places = places.take(kept)
        t2_pool = rng.choice(n_pool, size=n_t2, replace=n_t2 > n_pool)
        node_places = _concat_places(
            [
                ap_places.take(t1_ap),
                places.take(t2_pool),
                _lrz_datacentre(n_t3),
            ]
        )
        rtt_ms = rtt_matrix(ap_places, node_places, node_ap, progress=True)
        recipe["distance_model"] = _distance_recipe(
            "T1 on its AP, T2 in the building of a random AP of the pool, "
            f"T3 in the LRZ computing centre ({LRZ_DATACENTRE}, Garching)"
        )
    else:
        rtt_ms = _draw_rtt_matrix(rng, rtt, A, J)
        if n_t1:
            rtt_ms[t1_ap, np.arange(n_t1)] = 1.0  # co-located T1 node: 1 ms

    rtt_wifi, rtt_lte = _cloud_rtts(rng, A, clouds)
    dev = _draw_devices(rng, devices, cfg.fps_mean)
    recipe["data"] = _data_recipe(rtt, "lrz_aps.csv")
    background_users = np.zeros(A, dtype=np.int64)
    if background == "profile":
        slot_b = 52 if slot is None else int(slot)
        names = places.buildings
        kinds = [building_type(names[b]) for b in places.building[kept]]
        popularity = weights[kept] / weights.mean()
        background_users = _background(rng, popularity, kinds, slot_b, background_peak)
        recipe["background"] = _background_recipe(slot_b, background_peak, kinds)
    return _assemble(
        params,
        name or f"{config}-{devices}-s{seed}",
        background_users,
        node_tier,
        node_ap,
        (inf_ms, slope, icpt),
        (rtt_wifi, rtt_lte),
        dev_ap,
        rtt_ms,
        dev,
        recipe,
    )


# ------------------------------------------------------------------ shared pieces
#: The per-tier node fields, in the order :func:`_assemble` takes them.
TIER_FIELDS = ("inference_ms", "queue_slope_ms", "queue_intercept_ms")


def _assemble(
    params: dict[str, Any],
    name: str,
    background_users: np.ndarray,
    node_tier: Any,
    node_ap: np.ndarray,
    node_cols: tuple[np.ndarray, np.ndarray, np.ndarray],
    cloud_rtts: tuple[np.ndarray, np.ndarray],
    device_ap: np.ndarray,
    rtt_ms: np.ndarray,
    dev: dict[str, Any],
    recipe: dict[str, Any],
) -> OffloadingInstance:
    """The instance of a generator's drawn pieces (model parameters from ``params``:
    AP bandwidth, cloud inference, radio); logs what the generator kept."""
    radio = params["radio"]
    A, J = len(background_users), len(node_ap)
    inf_ms, slope, icpt = node_cols
    inst = OffloadingInstance(
        name=name,
        ap_bandwidth_mbps=np.full(A, float(params["ap_bandwidth_mbps"])),
        ap_background_users=background_users,
        node_tier=tuple(node_tier),
        node_ap=node_ap,
        node_inference_ms=inf_ms,
        node_queue_slope_ms=slope,
        node_queue_intercept_ms=icpt,
        node_max_devices=np.full(J, -1, dtype=np.int64),
        cloud_inference_ms=np.full(cloud_rtts[0].shape[1], float(params["cloud_inference_ms"])),
        cloud_rtt_wifi_ms=cloud_rtts[0],
        cloud_rtt_lte_ms=cloud_rtts[1],
        device_ap=device_ap,
        w_wifi=float(radio["w_wifi_mj_per_ms"]),
        w_lte=float(radio["w_lte_mj_per_ms"]),
        generator=recipe,
        rtt_ms=rtt_ms,
        **dev,
    )
    logger.info("generated %r; %s", inst, kept_summary(recipe))
    return inst


def _kept_report(
    n_pool: int, kept: np.ndarray, hosting: np.ndarray, node_aps: np.ndarray, keep_all: bool
) -> dict[str, Any]:
    nodes_only = np.setdiff1d(np.unique(node_aps), hosting)
    return {
        "pool": int(n_pool),
        "kept": int(kept.size),
        "with_devices": int(hosting.size),
        "with_nodes_only": int(nodes_only.size),
        "dropped": int(n_pool - kept.size),
        "keep_all_aps": bool(keep_all),
        "rule": KEEP_RULE,
    }


def kept_summary(recipe: dict[str, Any]) -> str:
    """One line on the APs a generated instance kept, from its recipe."""
    k = recipe.get("aps_kept")
    if not k:
        return "all APs kept"
    if k["keep_all_aps"]:
        return f"kept all {k['kept']} APs of the pool ({k['with_devices']} with devices)"
    return (
        f"kept {k['kept']} of {k['pool']} APs ({k['with_devices']} with devices, "
        f"{k['with_nodes_only']} with edge nodes only); dropped {k['dropped']} with neither "
        "(they change no cost; --keep-all-aps keeps them)"
    )


def _concat_places(parts: list[Places]) -> Places:
    return Places(
        np.concatenate([p.lat for p in parts]),
        np.concatenate([p.lon for p in parts]),
        np.concatenate([p.building for p in parts]),
        parts[0].buildings if parts else (),
    )


def _lrz_datacentre(n: int) -> Places:
    """``n`` nodes in the LRZ computing centre (the first AP of its building)."""
    lrz = lrz_places()
    k = next(
        (i for i, b in enumerate(lrz.building) if lrz.buildings[b].startswith(LRZ_DATACENTRE)),
        0,
    )
    return lrz.take(np.full(n, k, dtype=np.int64))


def _distance_recipe(placement_rule: str) -> dict[str, Any]:
    return {
        "rtt_ms": "hops * per_hop_ms + 2 * great_circle_km / speed_km_per_ms",
        "speed_km_per_ms": SPEED_KM_PER_MS,
        "per_hop_ms": PER_HOP_MS,
        "hops": {
            "same_ap": HOPS_SAME_AP,
            "same_building": HOPS_SAME_BUILDING,
            "other": HOPS_OTHER,
        },
        "nodes": placement_rule,
    }


def _data_recipe(rtt: str, places: str) -> dict[str, str]:
    if rtt.startswith("gmm-"):
        r = f"offloading_params.json rtt_gmm.{rtt[4:]}"
    elif rtt == "distance":
        r = f"{places} (coordinates)"
    else:
        r = f"rtt_{rtt}_ms.npy"
    return {
        "tiers": "offloading_params.json",
        "rtt": r,
        "cloud_rtt": "cloud_rtt_europe_de_ms.csv",
        "aps": places,
    }


def _cloud_rtts(rng: np.random.Generator, A: int, clouds: int) -> tuple[np.ndarray, np.ndarray]:
    params = offloading_params()
    cs = np.abs(cloud_rtt_samples())
    factor = float(params.get("cloud_wifi_rtt_factor", 1.2))
    rtt_wifi = factor * rng.choice(cs, size=(A, clouds))
    rtt_lte = rng.choice(cs, size=(A, clouds))
    return rtt_wifi, rtt_lte


def _draw_devices(rng: np.random.Generator, n: int, fps_mean: float) -> dict[str, Any]:
    """Classes (uniform), FPS ``|N(fps_mean, 2)|``, LTE ``|N(5.64, 1)|`` Mbps, 33 KB frames."""
    params = offloading_params()
    classes = np.array(sorted(params["device_classes"]))
    cls = classes[rng.integers(0, classes.size, size=n)]
    local_ms = np.array([params["device_classes"][c]["local_ms"] for c in cls], dtype=float)
    local_mj = np.array([params["device_classes"][c]["local_mj"] for c in cls], dtype=float)
    fps = np.abs(rng.normal(fps_mean, 2.0, size=n))
    fps = np.maximum(fps, 1.0)  # |N(mu, 2)| is never near 0 in practice; guard the deadline
    lte_cfg = params["lte_mbps"]
    lte = np.maximum(np.abs(rng.normal(lte_cfg["mean"], lte_cfg["std"], size=n)), 0.1)
    return {
        "device_fps": fps,
        "device_frame_kb": np.full(n, float(params["frame_kb"])),
        "device_local_ms": local_ms,
        "device_local_mj": local_mj,
        "device_lte_mbps": lte,
        "device_class": tuple(str(c) for c in cls),
    }


def _background(
    rng: np.random.Generator, popularity: np.ndarray, kinds: list[str], slot: int, peak: float
) -> np.ndarray:
    occ = np.array([occupancy(slot, k) for k in kinds], dtype=float)
    return rng.poisson(peak * popularity * occ).astype(np.int64)


def _background_recipe(slot: int, peak: float, kinds: list[str]) -> dict[str, Any]:
    types: dict[str, int] = {}
    for k in kinds:
        types[k] = types.get(k, 0) + 1
    return {
        "mode": "profile",
        "slot": int(slot),
        "peak": float(peak),
        "rule": "Poisson(peak * popularity / mean popularity * occupancy(slot, building type))",
        "profile": "placement.offloading.traces.occupancy v1",
        "ap_types": dict(sorted(types.items())),
    }


# ------------------------------------------------------------------ EUA Melbourne
def _generate_eua(
    *,
    devices: int | None,
    seed: int,
    rtt: str,
    clouds: int,
    slot: int | None,
    counts: tuple[int | None, int | None, int | None],
    name: str | None,
    background: str,
    background_peak: float,
    keep_all_aps: bool,
) -> OffloadingInstance:
    """Melbourne CBD: the 125 Optus base-station sites are the APs, the 816 users the
    devices (each on its nearest site); every edge node sits on a site."""
    cfg = CONFIGS["EUA"]
    n_t1, n_t2, n_t3 = (d if c is None else c for c, d in zip(counts, (cfg.t1, cfg.t2, cfg.t3)))
    for f, v in (("t1", n_t1), ("t2", n_t2), ("t3", n_t3)):
        if v < 0:
            raise InputError(f"must be >= 0, got {v}", field=f)
    sites, users = eua_sites(), eua_users()
    n_sites, n_users = len(sites), len(users)
    if n_t1 > n_sites:
        raise InputError(f"{n_t1} T1 nodes need as many sites, EUA has {n_sites}", field="t1")
    devices = n_users if devices is None else devices
    if devices < 1:
        raise InputError(f"must be >= 1, got {devices}", field="devices")
    params = offloading_params()
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    if devices <= n_users:
        pick = np.sort(rng.choice(n_users, size=devices, replace=False))
    else:
        pick = rng.integers(0, n_users, size=devices)
    dev_site = nearest(users.take(pick), sites)
    hosting = np.unique(dev_site)
    if n_t1 <= hosting.size:
        t1_site = np.sort(rng.choice(hosting, size=n_t1, replace=False))
    else:
        others = np.setdiff1d(np.arange(n_sites), hosting)
        t1_site = np.concatenate(
            [hosting, np.sort(rng.choice(others, size=n_t1 - hosting.size, replace=False))]
        )
    t2_site = rng.choice(n_sites, size=n_t2, replace=n_t2 > n_sites)
    lat0, lon0 = users.lat.mean(), users.lon.mean()
    central = np.argsort(haversine_km(sites.lat, sites.lon, lat0, lon0), kind="stable")
    t3_site = central[np.arange(n_t3) % n_sites]
    node_site = np.concatenate([t1_site, t2_site, t3_site]).astype(np.int64)
    kept = np.arange(n_sites) if keep_all_aps else np.union1d(hosting, node_site)
    remap = np.full(n_sites, -1, dtype=np.int64)
    remap[kept] = np.arange(kept.size)
    A = kept.size
    node_tier = ["T1"] * n_t1 + ["T2"] * n_t2 + ["T3"] * n_t3
    J = len(node_tier)
    node_ap = remap[node_site]
    tiers = params["tiers"]
    recipe: dict[str, Any] = {
        "config": "EUA",
        "seed": seed,
        "rtt": rtt,
        "clouds": int(clouds),
        "t1": int(n_t1),
        "t2": int(n_t2),
        "t3": int(n_t3),
        "ap_pool": int(n_sites),
        "generator": "placement.generate v1",
        "devices": int(devices),
        "users": "sampled without replacement"
        if devices <= n_users
        else "sampled with replacement (more devices than the 816 users)",
        "device_ap": "nearest base-station site (great circle)",
        "nodes": "T1 on sites with users first, T2 on random sites, T3 on the sites nearest "
        "the users' centroid",
        "aps_kept": _kept_report(n_sites, kept, hosting, node_site, keep_all_aps),
    }
    if rtt == "distance":
        rtt_ms = rtt_matrix(sites.take(kept), sites.take(node_site), node_ap, progress=True)
        recipe["distance_model"] = _distance_recipe("every node on a base-station site")
    else:
        rtt_ms = _draw_rtt_matrix(rng, rtt, A, J)
        rtt_ms[node_ap, np.arange(J)] = 1.0
    rtt_wifi, rtt_lte = _cloud_rtts(rng, A, clouds)
    dev = _draw_devices(rng, devices, cfg.fps_mean)
    recipe["data"] = _data_recipe(rtt, "eua_melbourne_sites.csv, eua_melbourne_users.csv")
    background_users = np.zeros(A, dtype=np.int64)
    if background == "profile":
        slot_b = 52 if slot is None else int(slot)
        counts_per_site = np.bincount(dev_site, minlength=n_sites)[kept].astype(float)
        popularity = (counts_per_site + 1.0) / (counts_per_site + 1.0).mean()
        kinds = ["office"] * A
        background_users = _background(rng, popularity, kinds, slot_b, background_peak)
        recipe["background"] = _background_recipe(slot_b, background_peak, kinds)
    tier_col = [[tiers[t][k] for t in node_tier] for k in TIER_FIELDS]
    return _assemble(
        params,
        name or f"EUA-{devices}-s{seed}",
        background_users,
        node_tier,
        node_ap,
        tuple(np.array(c, dtype=float) for c in tier_col),
        (rtt_wifi, rtt_lte),
        remap[dev_site],
        rtt_ms,
        dev,
        recipe,
    )
