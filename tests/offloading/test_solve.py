"""solve(): the registry, the baselines end to end, the Result and the solution file."""

from __future__ import annotations

import json

import numpy as np
import pytest

import placement
from placement.offloading.baselines import nearest_feasible_cloud
from placement.offloading.io import read_solution
from placement.registry import methods_of
from placement.testing import assert_metrics_match, assert_offloading_feasible, total_latency

METHODS = methods_of("offloading")


def test_local_baseline(tiny):
    """`local` keeps every device local; objective = sum of local times."""
    res = placement.solve(tiny, method="local")
    assert res.metrics["local"] == 5 and res.metrics["violations"] == 0
    assert res.objective == pytest.approx(150 + 120 + 190 + 150 + 100)
    assert res.status == placement.Status.HEURISTIC and res.bound is None and res.gap is None


def test_cloud_baseline_tiny(tiny):
    """`cloud` picks the Wi-Fi cloud where feasible (devices 0, 1, 3), else local."""
    # Wi-Fi cloud: d0 2.4+30+5 = 37.4 <= 50; d1 37.4 <= 100; d2 37.4 <= 40;
    # d3 12+40+5 = 57 <= 100; d4 6+40+5 = 51 > 50 -> local
    res = placement.solve(tiny, method="cloud")
    a = res.assignment
    assert a.kind.tolist() == [2, 2, 2, 2, 0]
    assert not a.lte.any()
    assert res.objective == pytest.approx(37.4 * 3 + 57 + 100)
    assert_offloading_feasible(tiny, a)


def test_cloud4g_baseline_tiny(tiny):
    """`cloud4g` uses LTE: only device 1 fits (48+25+5 = 78 ms, 182.5 mJ <= 300)."""
    res = placement.solve(tiny, method="cloud4g")
    assert res.assignment.kind.tolist() == [0, 2, 0, 0, 0]
    assert res.assignment.lte.tolist() == [False, True, False, False, False]
    assert res.evaluation.latency_ms[1] == pytest.approx(78.0)
    assert res.evaluation.energy_mj[1] == pytest.approx(182.5)


def test_nearest_feasible_cloud_prefers_lowest_rtt():
    """With several clouds the nearest feasible one (by RTT) is chosen."""
    inst = placement.generate("C", devices=200, seed=8, clouds=3)
    best = nearest_feasible_cloud(inst, lte=False)
    rtt = inst.cloud_rtt_wifi_ms[inst.device_ap]
    lat = inst.wifi_upload_ms[:, None] + rtt + 5.0
    ok = (lat <= inst.deadline_ms[:, None]) & (1.21 * (lat - 5.0) <= inst.device_local_mj[:, None])
    for i in range(inst.n_devices):
        if ok[i].any():
            assert best[i] == int(np.argmin(np.where(ok[i], rtt[i], np.inf)))
        else:
            assert best[i] == -1


@pytest.mark.parametrize("method", ["local", "cloud", "cloud4g"])
def test_baselines_feasible_on_generated(small_c, method):
    """Baselines never violate a constraint; metrics match the independent recomputation."""
    res = placement.solve(small_c, method=method)
    assert_offloading_feasible(small_c, res.assignment)
    assert_metrics_match(small_c, res.assignment, res.metrics)
    assert res.objective == pytest.approx(total_latency(small_c, res.assignment))


def test_cloud4g_mostly_local_at_15_fps():
    """At 15 fps (config A) LTE offloading rarely fits: most devices stay local."""
    inst = placement.generate("A-C0", devices=1000, seed=21)
    res = placement.solve(inst, method="cloud4g")
    assert res.metrics["local"] > 0.6 * inst.n_devices


def test_solution_file_round_trip(tmp_path, small_c):
    """The solution file holds spec §7's keys and reads back to the same assignment."""
    res = placement.solve(small_c, method="cloud4g")
    path = tmp_path / "s.json"
    placement.write_solution(small_c, res, path)
    d = json.loads(path.read_text())
    for key in (
        "format",
        "version",
        "instance",
        "method",
        "params",
        "seed",
        "status",
        "objective",
        "bound",
        "runtime_s",
        "assignment",
        "metrics",
    ):
        assert key in d
    assert d["format"] == "placement/offloading-solution" and d["instance"] == small_c.name
    assert d["metrics"]["objective"] == pytest.approx(res.objective)
    a, _ = read_solution(path, small_c)
    np.testing.assert_array_equal(a.kind, res.assignment.kind)
    np.testing.assert_array_equal(a.target, res.assignment.target)
    np.testing.assert_array_equal(a.lte, res.assignment.lte)
    # without the access list, cloud4g solutions are read as LTE
    del d["assignment"]["access"]
    path.write_text(json.dumps(d))
    a2, _ = read_solution(path, small_c)
    np.testing.assert_array_equal(a2.lte, res.assignment.lte)


def test_unknown_method_and_parameter(tiny):
    """Unknown methods and parameters are input errors naming the field."""
    with pytest.raises(placement.InputError) as info:
        placement.solve(tiny, method="magic")
    assert info.value.field == "method"
    with pytest.raises(placement.InputError) as info:
        placement.solve(tiny, method="cloud", kappa=3)
    assert info.value.field == "kappa"


def test_registry_declares_all_methods():
    """The registry lists every method name of the CLI with a kind."""
    assert set(METHODS) >= {
        "local",
        "cloud",
        "cloud4g",
        "greedy",
        "nimbus",
        "mt",
        "2pmt",
        "milp",
        "cpsat",
    }
    assert {m.kind for m in METHODS.values()} <= {"baseline", "heuristic", "exact", "bound"}


def test_energy_objective_is_reported_as_energy(tmp_path, data_dir):
    """`--objective energy` reports total energy as the objective (it reported total latency)."""
    inst = placement.generate("C", devices=120, seed=1)
    res = placement.solve(inst, method="milp", objective="energy")
    assert res.objective_name == "energy" and res.unit == "mJ"
    assert res.objective == pytest.approx(res.evaluation.total_energy_mj, rel=1e-12)
    assert res.objective != pytest.approx(res.evaluation.objective)
    assert res.bound is not None and res.bound <= res.objective + 1e-6
    f = tmp_path / "c.json"
    placement.write_instance(inst, f)
    out = tmp_path / "s.json"
    from placement.cli import main

    argv = ["solve", str(f), "--method", "milp", "--objective", "energy", "-o", str(out)]
    assert main([*argv, "--quiet"]) == 0
    sol = json.loads(out.read_text())
    assert sol["objective_name"] == "energy"
    assert sol["objective"] == pytest.approx(sol["metrics"]["total_energy_mj"], rel=1e-12)


def test_edge_objective_is_the_edge_count():
    """`objective="edge"` reports the number of edge devices, bounded from above."""
    inst = placement.generate("C", devices=60, seed=2)
    res = placement.solve(inst, method="milp", objective="edge")
    assert res.sense == -1 and res.objective == res.metrics["edge"]
    assert res.bound is not None and res.bound >= res.objective
