"""Trace-driven instances: EUA Melbourne, LRZ geography, background users, kept APs and
config B over a day."""

from __future__ import annotations

import json

import numpy as np
import pytest

import placement
from placement.cli import main
from placement.offloading.checker import check_offloading
from placement.offloading.day import generate_day
from placement.offloading.generate import CONFIGS, generate
from placement.offloading.io import instance_to_dict
from placement.offloading.traces import (
    SPEED_KM_PER_MS,
    eua_sites,
    eua_users,
    haversine_km,
    semester_profile,
)
from placement.testing import assert_offloading_feasible


def _same_arrays(a, b, *, skip=()):
    da, db = instance_to_dict(a), instance_to_dict(b)
    for k in ("generator", "name", *skip):
        da.pop(k, None)
        db.pop(k, None)
    return da == db


# ----------------------------------------------------------------- EUA
def test_eua_users_sit_on_their_nearest_site():
    """EUA: 125 sites are the APs, the 816 users the devices, each on its nearest site."""
    inst = generate("EUA", seed=1)
    assert inst.n_devices == 816 and inst.n_aps == 125
    tiers = list(inst.node_tier)
    assert (tiers.count("T1"), tiers.count("T2"), tiers.count("T3")) == (125, 13, 2)
    sites, users = eua_sites(), eua_users()
    d = haversine_km(users.lat[:, None], users.lon[:, None], sites.lat[None], sites.lon[None])
    # all sites are kept (a T1 node on each), in site order
    np.testing.assert_array_equal(inst.device_ap, d.argmin(axis=1))
    assert inst.generator["config"] == "EUA" and inst.generator["rtt"] == "distance"


def test_eua_rtt_follows_the_distance_model():
    """Every EUA RTT is hops + 2·d/v with 1 hop on the node's own site and 3 elsewhere."""
    inst = generate("EUA", devices=100, seed=2)
    sites = eua_sites()
    kept = np.arange(125)  # T1 on every site keeps them all
    node_site = inst.node_ap
    assert np.all(node_site >= 0)
    d = haversine_km(
        sites.lat[kept][:, None],
        sites.lon[kept][:, None],
        sites.lat[node_site][None],
        sites.lon[node_site][None],
    )
    hops = np.where(kept[:, None] == node_site[None, :], 1, 3)
    expected = hops + np.where(hops == 1, 0.0, 2 * d / SPEED_KM_PER_MS)
    np.testing.assert_allclose(inst.rtt_ms, expected, rtol=1e-12)
    assert inst.rtt_ms.max() < 3.1  # the CBD is ~2 km across


def test_eua_devices_sample_users():
    """``devices`` below 816 samples distinct users; above, users repeat."""
    small = generate("EUA", devices=50, seed=3)
    assert small.n_devices == 50 and "without replacement" in small.generator["users"]
    big = generate("EUA", devices=1000, seed=3)
    assert big.n_devices == 1000 and "with replacement" in big.generator["users"]
    with pytest.raises(placement.InputError) as info:
        generate("EUA", aps=10)
    assert info.value.field == "aps"


@pytest.mark.parametrize("method", ["nimbus", "cloud", "2pmt"])
def test_eua_heuristics_leave_no_violation(method):
    """Nimbus, 2PMT and Cloud place EUA Melbourne with zero violations (checker); Nimbus and
    2PMT serve most devices at the edge."""
    inst = generate("EUA", seed=1)
    res = placement.solve(inst, method=method, seed=1)
    assert res.metrics["violations"] == 0
    assert_offloading_feasible(inst, res.assignment)
    if method != "cloud":
        assert res.metrics["edge"] > 0.8 * inst.n_devices


def test_eua_greedy_violations_are_what_the_checker_finds():
    """Greedy ignores the domino effect on EUA too; the independent checker finds exactly the
    devices the evaluator reports."""
    inst = generate("EUA", seed=1)
    res = placement.solve(inst, method="greedy", seed=1)
    assert res.metrics["violations"] == len(check_offloading(inst, res.assignment)) > 0


def test_eua_and_lrz_geography_milp_optimal_without_violations():
    """The exact MILP solves small EUA and LRZ-geography instances with zero violations."""
    for inst in (
        generate("EUA", devices=80, seed=4),
        generate("C", devices=80, seed=4, rtt="distance", background="profile"),
    ):
        res = placement.solve(inst, method="milp", time_limit=60)
        assert res.status.value == "optimal"
        assert res.metrics["violations"] == 0
        assert_offloading_feasible(inst, res.assignment)
        nim = placement.solve(inst, method="nimbus")
        assert res.objective <= nim.objective + 1e-6


# ----------------------------------------------------------------- LRZ geography
def test_lrz_distance_places_nodes_by_geography():
    """LRZ with geography: T1 at 1 ms on its AP, T3 all in the LRZ computing centre (equal
    columns), RTTs between 1 ms and 3 ms + the propagation across Bavaria."""
    inst = generate("B", seed=1, rtt="distance")
    t = np.array(inst.node_tier)
    t1 = np.flatnonzero(t == "T1")
    np.testing.assert_array_equal(inst.rtt_ms[inst.node_ap[t1], t1], 1.0)
    t3 = inst.rtt_ms[:, t == "T3"]
    assert t3.shape[1] == 3 and np.all(t3 == t3[:, :1])
    assert inst.rtt_ms.min() == 1.0 and inst.rtt_ms.max() < 3.0 + 2 * 300 / SPEED_KM_PER_MS
    assert inst.generator["distance_model"]["per_hop_ms"] == 1.0
    c = generate("C", devices=500, seed=1, rtt="distance")
    res = placement.solve(c, method="nimbus")
    assert res.metrics["violations"] == 0
    assert_offloading_feasible(c, res.assignment)


# ----------------------------------------------------------------- background users
def test_background_profile_follows_occupancy_and_changes_nothing_else():
    """Background users are drawn last: the rest of the instance is unchanged; the busy
    noon slot has more background users than the night."""
    plain = generate("C", devices=400, seed=5)
    assert np.all(plain.ap_background_users == 0)
    noon = generate("C", devices=400, seed=5, background="profile", slot=52)
    night = generate("C", devices=400, seed=5, background="profile", slot=8)
    assert _same_arrays(plain, noon, skip=("access_points",))
    assert noon.ap_background_users.sum() > 5 * night.ap_background_users.sum()
    bg = noon.generator["background"]
    assert (
        bg["mode"] == "profile" and bg["slot"] == 52 and sum(bg["ap_types"].values()) == noon.n_aps
    )
    # more users on an AP means a slower Wi-Fi upload for its devices
    assert noon.wifi_upload_ms.mean() > plain.wifi_upload_ms.mean()
    with pytest.raises(placement.InputError) as info:
        generate("C", devices=10, background="trace")
    assert info.value.field == "background"


# ----------------------------------------------------------------- kept APs
def test_kept_aps_are_reported_and_keep_all_aps_keeps_the_pool():
    """Config C keeps 786 of the 4371 APs (those with devices or a T1 node) and says so;
    ``keep_all_aps`` keeps all 4371 and places devices on the same pool APs."""
    inst = generate("C", seed=1)
    k = inst.generator["aps_kept"]
    assert (k["pool"], k["kept"], k["dropped"]) == (4371, 786, 3585)
    assert k["with_devices"] + k["with_nodes_only"] == k["kept"] == inst.n_aps
    full = generate("C", seed=1, keep_all_aps=True)
    assert full.n_aps == 4371 and full.generator["aps_kept"]["keep_all_aps"]
    kept_pool = np.union1d(np.unique(full.device_ap), full.node_ap[full.node_ap >= 0])
    assert kept_pool.size == 786  # the same APs host devices and T1 nodes
    assert np.bincount(full.device_ap, minlength=4371)[kept_pool].sum() == 1000


# ----------------------------------------------------------------- determinism
@pytest.mark.parametrize(
    "args",
    [
        ["--config", "EUA", "--devices", "300"],
        ["--config", "C", "--devices", "300", "--rtt", "distance", "--background", "profile"],
        ["--config", "B", "--keep-all-aps", "--rtt", "seattle"],
    ],
)
def test_same_seed_same_file_bytes(tmp_path, args):
    """The same seed writes the same bytes; another seed writes other bytes."""
    files = []
    for k, seed in enumerate((7, 7, 8)):
        out = tmp_path / f"i{k}.json"
        assert main(["generate", "offloading", *args, "--seed", str(seed), "-o", str(out)]) == 0
        files.append(out.read_bytes())
    assert files[0] == files[1] != files[2]


# ----------------------------------------------------------------- config B over a day
def test_day_events_follow_the_profile():
    """Each slot ends with the profile's number of active devices; every device arrives
    once, leaves at most once and only after it arrived; times never go back."""
    inst, events = generate_day(seed=3)
    assert events[0] == {"t": 0, "type": "start", "active": "none"}
    assert all(e["type"] in ("arrive", "depart") for e in events[1:])
    times = [e["t"] for e in events]
    assert times == sorted(times) and times[-1] < 96 * 900
    arrived: dict[int, float] = {}
    left: dict[int, float] = {}
    active_at_slot_end = []
    active = 0
    k = 1
    for s in range(96):
        while k < len(events) and events[k]["t"] < 900 * (s + 1):
            e = events[k]
            if e["type"] == "arrive":
                assert e["device"] not in arrived
                arrived[e["device"]] = e["t"]
                active += 1
            else:
                assert e["device"] in arrived and e["device"] not in left
                assert e["t"] > arrived[e["device"]]
                left[e["device"]] = e["t"]
                active -= 1
            k += 1
        active_at_slot_end.append(active)
    targets = [max(30, round(3 * 182 * semester_profile(s))) for s in range(96)]
    assert active_at_slot_end == targets == inst.generator["day"]["targets"]
    assert sorted(arrived) == list(range(inst.n_devices))
    assert inst.n_aps == 182 and inst.generator["day"]["peak_active"] == 546


def test_day_cli_writes_instance_and_events_with_same_bytes(tmp_path):
    """``generate offloading --config B --day`` writes instance.json and events.jsonl,
    the same bytes for the same seed; other configurations are refused."""
    outs = []
    for k in range(2):
        d = tmp_path / f"day{k}"
        assert (
            main(["generate", "offloading", "--config", "B", "--day", "--seed", "2", "-o", str(d)])
            == 0
        )
        outs.append(((d / "instance.json").read_bytes(), (d / "events.jsonl").read_bytes()))
    assert outs[0] == outs[1]
    inst = placement.read_instance(tmp_path / "day0" / "instance.json")
    lines = (tmp_path / "day0" / "events.jsonl").read_text().splitlines()
    assert json.loads(lines[0])["type"] == "start"
    assert max(json.loads(x).get("device", -1) for x in lines) == inst.n_devices - 1
    assert (
        main(["generate", "offloading", "--config", "C", "--day", "-o", str(tmp_path / "x")]) == 2
    )


def test_new_configurations_listed():
    """EUA joins the Table-4 configurations."""
    assert "EUA" in CONFIGS and CONFIGS["EUA"].aps == 125
