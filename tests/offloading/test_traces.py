"""Trace data and the models built on it: distances, the distance RTT model, occupancy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placement.offloading import traces
from placement.offloading.traces import (
    PROFILE_SHAPES,
    Places,
    building_type,
    distance_rtt_ms,
    haversine_km,
    nearest,
    occupancy,
    rtt_matrix,
    semester_profile,
)

V = 299_792.458 * 2 / 3 / 1000  # km per ms


def test_fibre_speed_is_two_thirds_of_c():
    """The propagation speed is 2/3 c = 199.861638... km/ms (5.003 µs per km one way)."""
    assert traces.SPEED_KM_PER_MS == pytest.approx(199.86163866666667, rel=1e-15)
    assert 1000.0 / traces.SPEED_KM_PER_MS == pytest.approx(5.0034, abs=1e-4)  # µs per km


def test_haversine_against_hand_computed_pairs():
    """One degree of the equator is 2π·6371/360 km; TUM to the LRZ is 14.54 km (flat-earth
    hand check: 12.484 km north, 7.451 km east)."""
    assert haversine_km(0, 0, 0, 1) == pytest.approx(2 * math.pi * 6371 / 360, rel=1e-12)
    assert haversine_km(0, 0, 90, 0) == pytest.approx(math.pi * 6371 / 2, rel=1e-12)
    assert haversine_km(48.1, 11.5, 48.1, 11.5) == 0.0
    # TUM main campus (48.14966, 11.56786) to the LRZ, Garching (48.26193, 11.66840)
    assert haversine_km(48.14966, 11.56786, 48.26193, 11.66840) == pytest.approx(14.54, abs=0.01)


@pytest.mark.parametrize(
    ("km", "hops", "expected"),
    [
        (0.0, 1, 1.0),  # co-located: the authors' 1 ms
        (100.0, 3, 3.0 + 200.0 / 199.86163866666667),  # 4.000692 ms
        (1000.0, 2, 2.0 + 2000.0 / 199.86163866666667),  # 12.006923 ms
        (2 * math.pi * 6371 / 360, 3, 3.0 + 1.1127191),  # one equatorial degree
    ],
)
def test_distance_rtt_against_hand_computed_values(km, hops, expected):
    """RTT = hops · 1 ms + 2 · distance / (2/3 c)."""
    assert float(distance_rtt_ms(km, hops)) == pytest.approx(expected, rel=1e-7)


def test_rtt_matrix_hops_follow_the_place_of_the_node():
    """1 hop from the node's own AP, 2 from its building, 3 from elsewhere, plus propagation."""
    aps = Places(
        lat=np.array([0.0, 0.0, 0.0]),
        lon=np.array([0.0, 0.0, 1.0]),
        building=np.array([0, 0, 1]),
    )
    nodes = Places(
        lat=np.array([0.0, 0.0, 0.0]),
        lon=np.array([0.0, 0.0, 1.0]),
        building=np.array([0, 0, -1]),
    )
    m = rtt_matrix(aps, nodes, node_ap=[0, -1, -1])
    deg = 2 * 2 * math.pi * 6371 / 360 / V  # RTT over one equatorial degree
    expected = np.array(
        [
            [1.0, 2.0, 3.0 + deg],  # AP 0: own node, building node, far node
            [2.0, 2.0, 3.0 + deg],  # AP 1: same building as nodes 0 and 1
            [3.0 + deg, 3.0 + deg, 3.0],  # AP 2: other building, same spot as node 2
        ]
    )
    np.testing.assert_allclose(m, expected, rtol=1e-12)


def test_nearest_site_by_brute_force():
    """Every point goes to the site with the smallest great-circle distance."""
    rng = np.random.default_rng(3)
    sites = Places(rng.uniform(-38, -37, 9), rng.uniform(144, 145, 9), np.arange(9))
    pts = Places(rng.uniform(-38, -37, 50), rng.uniform(144, 145, 50), np.full(50, -1))
    got = nearest(pts, sites)
    for i in range(50):
        d = [
            float(haversine_km(pts.lat[i], pts.lon[i], sites.lat[s], sites.lon[s]))
            for s in range(9)
        ]
        assert got[i] == int(np.argmin(d))


def test_bundled_geography_sizes():
    """The bundled LRZ list has 4418 APs in 345 buildings; EUA 125 sites and 816 users."""
    lrz = traces.lrz_places()
    assert len(lrz) == 4418 and len(lrz.buildings) == 345
    assert np.all(np.isfinite(lrz.lat)) and np.all((lrz.lat > 47) & (lrz.lat < 50))
    assert len(traces.eua_sites()) == 125 and len(traces.eua_users()) == 816


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Mensa GarchingLichtenbergstrasse 285748 Garching", "canteen"),
        ("Studentenbistro MartinsriedGrosshaderner Strasse 9a82152 Planegg-Martinsried", "canteen"),
        ("LRZ, RechnerwürfelBoltzmannstrasse 185748 Garching", "office"),
        ("TUM, Geb. 0510 (Stammgelände), TU-VerwaltungArcisstrasse 2180333 München", "office"),
        ("Studentenwohnheim HaidparkAdmiralbogen 37-4780939 München", "residence"),
        ("TUM, Geb. 5101, PhysikgebäudeJames-Franck-Strasse 185748 Garching", "teaching"),
        ("TUM/LMU, Maier-Leibniz-LaboratoriumAm Coulombwall 685748 Garching", "teaching"),
        ("LMU, Universitätsbibliothek, Geschwister-Scholl-Platz 1", "library"),
    ],
)
def test_building_type_from_name(name, kind):
    """Building names map to occupancy types by keyword; unknown names are teaching."""
    assert building_type(name) == kind


def test_teaching_profile_is_config_b_density():
    """``semester_profile`` (config B's device density) is the teaching shape: 13:00 peak,
    weekends at 15 %, semester break at 40 %, floor 5 %."""
    assert semester_profile(52) == pytest.approx(1.0)  # Monday 13:00
    assert semester_profile(8) == pytest.approx(0.05 + 0.95 * math.exp(-0.5 * (11 / 3.2) ** 2))
    assert semester_profile(5 * 96 + 52) == pytest.approx(0.15)  # Saturday 13:00
    assert semester_profile(15 * 7 * 96 + 52) == pytest.approx(0.4)  # week 15: break
    assert occupancy(52) == semester_profile(52)


def test_profiles_differ_by_building_type():
    """Canteens peak at lunch, residences at night, offices keep working in the break."""
    noon, night = 50, 4 * 23  # Monday 12:30, 23:00
    assert occupancy(noon, "canteen") > 0.9 > 0.1 > occupancy(4 * 9, "canteen")
    assert occupancy(night, "residence") > occupancy(noon, "residence")
    brk = 15 * 7 * 96
    assert occupancy(brk + 46, "office") > 2 * occupancy(brk + 46, "teaching")
    assert occupancy(5 * 96 + 60, "library") > 3 * occupancy(5 * 96 + 60, "teaching")


@settings(max_examples=200, deadline=None)
@given(slot=st.integers(0, 96 * 7 * 52), kind=st.sampled_from(sorted(PROFILE_SHAPES)))
def test_occupancy_stays_between_floor_and_one(slot, kind):
    """Every profile value lies in [floor, 1] and repeats every 26 weeks."""
    v = occupancy(slot, kind)
    assert PROFILE_SHAPES[kind]["floor"] <= v <= 1.0
    assert occupancy(slot + 26 * 7 * 96, kind) == v
