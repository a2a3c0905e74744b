"""The generator: Table-4 counts, determinism, RTT modes and the recorded recipe."""

from __future__ import annotations

import numpy as np
import pytest

import placement
from placement.offloading.generate import CONFIGS, RTT_MODES, semester_profile
from placement.offloading.io import instance_to_dict

TABLE4 = {  # config: (T1, T2, T3, devices, fps mean)
    "A-C0": (350, 200, 10, 1000, 15),
    "A-C1": (250, 100, 5, 1000, 15),
    "A-C2": (150, 50, 2, 1000, 15),
    "A-C3": (100, 25, 0, 1000, 15),
    "C": (100, 50, 2, 1000, 10),
    "D": (100, 50, 2, 1000, 10),
}


@pytest.mark.parametrize("config", sorted(TABLE4))
def test_table4_counts(config):
    """Node counts per tier, device count and FPS level follow Table 4."""
    t1, t2, t3, n, fps = TABLE4[config]
    inst = placement.generate(config, seed=4)
    tiers = list(inst.node_tier)
    assert (tiers.count("T1"), tiers.count("T2"), tiers.count("T3")) == (t1, t2, t3)
    assert inst.n_devices == n
    assert abs(inst.device_fps.mean() - fps) < 0.5
    # only APs that host a device or a T1 node are kept
    hosting = set(inst.device_ap.tolist()) | set(inst.node_ap[inst.node_ap >= 0].tolist())
    assert hosting == set(range(inst.n_aps))
    # T1 nodes sit on device-hosting APs at 1 ms, T2/T3 are not co-located
    t1_idx = np.flatnonzero(np.array(tiers) == "T1")
    assert set(inst.node_ap[t1_idx].tolist()) <= set(inst.device_ap.tolist())
    assert np.all(inst.rtt_ms[inst.node_ap[t1_idx], t1_idx] == 1.0)
    assert np.all(inst.node_ap[np.array(tiers) != "T1"] == -1)
    assert np.all(inst.rtt_ms <= 250.0)
    np.testing.assert_allclose(inst.node_inference_ms[t1_idx], 22.553923055459737)


@pytest.mark.parametrize("devices", [500, 1000, 2000, 4000])
def test_config_a_device_counts(devices):
    """Configuration A comes with 500, 1000, 2000 and 4000 devices."""
    inst = placement.generate("A-C1", devices=devices, seed=1)
    assert inst.n_devices == devices
    assert inst.generator["devices"] == devices


def test_config_b_one_slice():
    """Config B: 182 APs of the five LRZ buildings, each hosting a T1 node, >= 30 devices."""
    inst = placement.generate("B", seed=2)
    assert inst.n_aps == 182
    tiers = list(inst.node_tier)
    assert (tiers.count("T1"), tiers.count("T2"), tiers.count("T3")) == (182, 30, 3)
    assert inst.n_devices >= 30
    night = placement.generate("B", seed=2, slot=8)  # Monday 02:00: density floor
    assert night.n_devices == 30
    assert 0.05 <= semester_profile(8) < semester_profile(52) <= 1.0


def test_same_seed_same_instance():
    """The same arguments give the same instance, bit for bit; another seed differs."""
    a = instance_to_dict(placement.generate("C", devices=300, seed=9))
    b = instance_to_dict(placement.generate("C", devices=300, seed=9))
    c = instance_to_dict(placement.generate("C", devices=300, seed=10))
    assert a == b
    assert a["rtt_ms"] != c["rtt_ms"]


@pytest.mark.parametrize("mode", [m for m in RTT_MODES if m != "distance"])
def test_rtt_modes(mode):
    """Every trace-drawn RTT mode draws positive RTTs <= 250 ms with a plausible median."""
    inst = placement.generate("C", devices=200, seed=1, rtt=mode)
    off = inst.rtt_ms[inst.rtt_ms != 1.0]
    assert off.min() >= 0 and off.max() <= 250
    assert 60 < np.median(off) < 180
    assert inst.generator["rtt"] == mode


def test_recipe_recorded():
    """The generator object records config, seed, counts and the data files used."""
    g = placement.generate("A-C2", devices=500, seed=3, clouds=2).generator
    assert g["config"] == "A-C2" and g["seed"] == 3 and g["devices"] == 500 and g["clouds"] == 2
    assert (g["t1"], g["t2"], g["t3"]) == (150, 50, 2)
    assert g["data"]["cloud_rtt"] == "cloud_rtt_europe_de_ms.csv"


def test_device_parameters():
    """Classes are uniform over A/B/C with Table-2 local costs; LTE and cloud draws are sane."""
    inst = placement.generate("C", seed=6)
    cls = np.array(inst.device_class)
    for c, (ms, mj) in {"A": (154, 182), "B": (116, 318), "C": (190, 268)}.items():
        assert 250 < (cls == c).sum() < 420
        assert np.all(inst.device_local_ms[cls == c] == ms)
        assert np.all(inst.device_local_mj[cls == c] == mj)
    assert abs(inst.device_lte_mbps.mean() - 5.64) < 0.2
    assert np.all(inst.device_frame_kb == 33)
    assert np.all(inst.cloud_inference_ms == 5.0)
    assert inst.cloud_rtt_wifi_ms.min() >= 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"config": "Z"}, "config"),
        ({"rtt": "ping"}, "rtt"),
        ({"devices": 0}, "devices"),
        ({"seed": -1}, "seed"),
    ],
)
def test_generator_rejects_nonsense(kwargs, field):
    """Unknown configurations, RTT modes and impossible counts are input errors."""
    kw = {"config": "C", "devices": 10} | kwargs
    with pytest.raises(placement.InputError) as info:
        placement.generate(**kw)
    assert info.value.field == field


def test_configs_listed():
    """All configurations of Table 4 are available, and EUA Melbourne."""
    assert set(CONFIGS) == {"A-C0", "A-C1", "A-C2", "A-C3", "B", "C", "D", "EUA"}
