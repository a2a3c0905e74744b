"""Trace and geography data behind the offloading generators, and the models built on it.

Only the bundled files of ``placement.instances/data`` are read (derived from the
public datasets by ``instances/tools/derive_data.py``; provenance and licences in
``instances/README.md``):

* the Nimbus model parameters and the Europe-DE cloud RTT samples;
* subsamples of the Seattle / PlanetLab RTT matrices;
* the LRZ access points with their building and coordinates;
* the EUA Melbourne CBD base-station sites and user positions.

**Distance RTT model.** The RTT between a place ``a`` and an edge node ``j`` is

.. math::

    \\mathrm{rtt}(a, j) = h(a, j) \\cdot t_{hop} + 2\\, d(a, j) / v

with ``d`` the great-circle distance (haversine, Earth radius 6371 km), ``v`` the
signal speed in optical fibre, 2/3 of the speed of light in vacuum
(:data:`SPEED_KM_PER_MS` ≈ 199.86 km/ms; ITU-T G.114 (05/2003) plans 5 µs/km for
optical fibre systems, i.e. 2/3 c), and ``h`` the number of IP hops of the path,
each charged :data:`PER_HOP_MS` = 1 ms: the RTT the Nimbus authors use for a device
and an edge node on the same access point (their ping data ``sim/data/ping_exp/data.csv``,
constant third column; the generator's co-located T1 RTT). Hop counts follow the
place of the node: 1 when it sits on the device's AP / site, 2 in the same building
(a building router between them), 3 otherwise (access, backbone, destination
router). The great circle is a lower bound of the fibre route; at campus and metro
scale the propagation term stays below a few ms, so the hops dominate. This model is
an assumption: the Seattle / PlanetLab traces are anonymised (no coordinates), so no
distance relation can be calibrated on them.

**Occupancy profile.** The LRZ per-AP client-count series are not public. The
number of background Wi-Fi users of an AP at a 15-minute slot is drawn from a
synthetic profile :func:`occupancy` with a day, a week and a semester shape per
building type (:data:`BUILDING_TYPES`; the type of an LRZ building is read from its
name by :func:`building_type`). Slot 0 is Monday 00:00 of the first lecture week;
the semester cycle is 26 weeks, of which 14 are lectures.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

#: Signal speed in optical fibre, 2/3 c, in km per ms.
SPEED_KM_PER_MS = 299_792.458 * 2.0 / 3.0 / 1000.0
#: RTT charged per IP hop of a path (ms): the authors' co-located edge-node RTT.
PER_HOP_MS = 1.0
#: Mean Earth radius (km) of the haversine distance.
EARTH_RADIUS_KM = 6371.0
#: Hop counts of the distance model: same AP / site, same building, elsewhere.
HOPS_SAME_AP, HOPS_SAME_BUILDING, HOPS_OTHER = 1, 2, 3
#: Slots per day (15 minutes each).
SLOTS_PER_DAY = 96


def _data(name: str) -> Any:
    return resources.files("placement.instances").joinpath("data", name)


# ----------------------------------------------------------------- bundled files
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
    return [item["standort"] if isinstance(item, dict) else item for item in d]


@dataclass(frozen=True)
class Places:
    """Points on the map: coordinates in degrees, a building index per point (``-1``:
    none) and the building names."""

    lat: np.ndarray
    lon: np.ndarray
    building: np.ndarray
    buildings: tuple[str, ...] = ()

    def take(self, idx: Any) -> Places:
        """The places at positions ``idx`` (buildings kept as they are)."""
        idx = np.asarray(idx, dtype=np.int64)
        return Places(self.lat[idx], self.lon[idx], self.building[idx], self.buildings)

    def __len__(self) -> int:
        return int(self.lat.shape[0])


@cache
def lrz_places() -> Places:
    """The LRZ APs as :class:`Places` (source order; building = index of ``Standort``)."""
    rows = lrz_aps()
    names: dict[str, int] = {}
    b = np.empty(len(rows), dtype=np.int64)
    for k, r in enumerate(rows):
        b[k] = names.setdefault(r["building"], len(names))
    lat = np.array([float(r["lat"]) for r in rows])
    lon = np.array([float(r["lon"]) for r in rows])
    return Places(lat, lon, b, tuple(names))


@cache
def eua_sites() -> Places:
    """The 125 Optus base-station sites of the Melbourne CBD (EUA dataset), in file order;
    each site is its own building."""
    with _data("eua_melbourne_sites.csv").open("r", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    lat = np.array([float(r["lat"]) for r in rows])
    lon = np.array([float(r["lon"]) for r in rows])
    return Places(lat, lon, np.arange(len(rows), dtype=np.int64), tuple(r["SiteID"] for r in rows))


@cache
def eua_users() -> Places:
    """The 816 user positions of the EUA Melbourne CBD dataset, in file order."""
    with _data("eua_melbourne_users.csv").open("r", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    lat = np.array([float(r["lat"]) for r in rows])
    lon = np.array([float(r["lon"]) for r in rows])
    return Places(lat, lon, np.full(len(rows), -1, dtype=np.int64))


# ----------------------------------------------------------------- distance model
def haversine_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> np.ndarray:
    """Great-circle distance in km between points given in degrees (broadcasting)."""
    la1, lo1, la2, lo2 = (np.radians(np.asarray(x, dtype=float)) for x in (lat1, lon1, lat2, lon2))
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def distance_rtt_ms(distance_km: Any, hops: Any) -> np.ndarray:
    """RTT of the distance model: ``hops · PER_HOP_MS + 2 · distance / SPEED_KM_PER_MS``."""
    return (
        np.asarray(hops, dtype=float) * PER_HOP_MS
        + 2.0 * np.asarray(distance_km, dtype=float) / SPEED_KM_PER_MS
    )


def rtt_matrix(
    aps: Places, nodes: Places, node_ap: Sequence[int] | np.ndarray, *, progress: bool = False
) -> np.ndarray:
    """The ``A × J`` RTT matrix of the distance model.

    ``node_ap[j]`` is the AP (row of ``aps``) node ``j`` sits on, or ``-1``. Hops: 1
    from that AP, 2 from other APs of the node's building, 3 otherwise.
    """
    node_ap = np.asarray(node_ap, dtype=np.int64)
    n_a, n_j = len(aps), len(nodes)
    out = np.empty((n_a, n_j))
    step = max(1, (1 << 21) // max(n_j, 1))
    starts: Any = range(0, n_a, step)
    if progress and n_a * n_j > (1 << 23):
        from tqdm.auto import tqdm

        starts = tqdm(starts, desc="distance RTT matrix", unit="chunk", leave=False)
    for r0 in starts:
        r1 = min(n_a, r0 + step)
        d = haversine_km(
            aps.lat[r0:r1, None], aps.lon[r0:r1, None], nodes.lat[None, :], nodes.lon[None, :]
        )
        same_b = (aps.building[r0:r1, None] == nodes.building[None, :]) & (
            nodes.building[None, :] >= 0
        )
        hops = np.where(same_b, HOPS_SAME_BUILDING, HOPS_OTHER)
        on_ap = node_ap[None, :] == np.arange(r0, r1)[:, None]
        hops = np.where(on_ap, HOPS_SAME_AP, hops)
        d = np.where(on_ap, 0.0, d)
        out[r0:r1] = distance_rtt_ms(d, hops)
    return out


def nearest(points: Places, sites: Places) -> np.ndarray:
    """Index of the nearest site (great circle) of every point; ties: the lower index."""
    out = np.empty(len(points), dtype=np.int64)
    step = 4096
    for r0 in range(0, len(points), step):
        r1 = min(len(points), r0 + step)
        d = haversine_km(
            points.lat[r0:r1, None], points.lon[r0:r1, None], sites.lat[None, :], sites.lon[None, :]
        )
        out[r0:r1] = np.argmin(d, axis=1)
    return out


# ----------------------------------------------------------------- occupancy profile
#: Building types of the occupancy profile, with the keywords (regular expressions,
#: case-insensitive, tried in this order) that give a building its type; a building
#: matching none is ``teaching`` (lecture halls, labs, institutes: 91 % of the APs).
BUILDING_TYPES: dict[str, str] = {
    "canteen": r"mensa|bistro|cafeteria|stucafe|caf[eé]\b",
    "library": r"bibliothek|library|lesesaal|\bUB\b",
    "residence": r"wohnheim|studentenstadt|wohnanlage",
    "office": r"verwaltung|^LRZ\b|rechenzentrum",
    "teaching": r"",
}

#: Shape parameters per building type: daily peaks as (hour, width h, weight), the
#: night floor, the weekend factor and the semester-break factor. ``teaching`` is the
#: curve config B has always used (:func:`semester_profile`).
PROFILE_SHAPES: dict[str, dict[str, Any]] = {
    "teaching": {"peaks": ((13.0, 3.2, 1.0),), "floor": 0.05, "weekend": 0.15, "break": 0.4},
    "library": {"peaks": ((15.0, 4.0, 1.0),), "floor": 0.03, "weekend": 0.6, "break": 0.7},
    "canteen": {
        "peaks": ((12.5, 0.9, 1.0), (18.0, 1.0, 0.3)),
        "floor": 0.02,
        "weekend": 0.1,
        "break": 0.5,
    },
    "residence": {
        "peaks": ((21.0, 3.0, 0.65), (-3.0, 3.0, 0.65)),
        "floor": 0.35,
        "weekend": 1.0,
        "break": 0.6,
    },
    "office": {"peaks": ((11.5, 3.0, 1.0),), "floor": 0.03, "weekend": 0.05, "break": 0.9},
}
#: Weeks of the semester cycle and the lecture weeks at its start.
SEMESTER_WEEKS, LECTURE_WEEKS = 26, 14


def building_type(name: str) -> str:
    """The occupancy type of a building from its name (:data:`BUILDING_TYPES`)."""
    for t, pattern in BUILDING_TYPES.items():
        if pattern and re.search(pattern, name, re.IGNORECASE):
            return t
    return "teaching"


def occupancy(slot: int, kind: str = "teaching") -> float:
    """Synthetic occupancy in ``[floor, 1]`` of a building of type ``kind`` at 15-minute
    slot ``slot`` (0 = Monday 00:00 of the first lecture week).

    The value is ``max(floor, day(hour) · week(day) · semester(week))``: ``day`` is the
    floor plus ``(1 - floor)`` times a sum of Gaussian bumps over the hour of the day,
    capped at 1 (an evening bump that spills past midnight is repeated at ``hour - 24``); ``week`` is 1 on weekdays and the type's weekend factor on
    Saturday and Sunday; ``semester`` is 1 in the 14 lecture weeks of a 26-week cycle
    and the type's break factor otherwise.
    """
    shape = PROFILE_SHAPES[kind]
    hour = (slot % SLOTS_PER_DAY) / 4.0
    day = (slot // SLOTS_PER_DAY) % 7
    week = (slot // (SLOTS_PER_DAY * 7)) % SEMESTER_WEEKS
    bumps = 0.0
    for mu, sd, w in shape["peaks"]:
        bumps += w * math.exp(-0.5 * ((hour - mu) / sd) ** 2)
    floor = shape["floor"]
    daily = floor + (1.0 - floor) * min(1.0, bumps)
    weekly = 1.0 if day < 5 else shape["weekend"]
    semester = 1.0 if week < LECTURE_WEEKS else shape["break"]
    return max(floor, daily * weekly * semester)


def semester_profile(slot: int) -> float:
    """Synthetic LRZ client density in [0.05, 1] for 15-min slot ``slot`` (0 = Monday 00:00
    of a lecture week): a day curve (09–17 h peak), weekends at 15 %, and a semester
    factor (lecture period 1.0, break 0.4; 26-week cycle, 14 lecture weeks).

    This is the ``teaching`` shape of :func:`occupancy`; it shapes the number of
    devices of config B over time.
    """
    return occupancy(slot, "teaching")
