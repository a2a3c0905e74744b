"""The evaluator, the checker and solution files on online states: inactive devices load
no AP and no node, failed nodes take no device."""

from __future__ import annotations

import json

import numpy as np
import pytest

import placement
from placement.errors import InputError
from placement.offloading.evaluate import Assignment, evaluate
from placement.offloading.io import read_solution
from placement.online._offloading import restrict
from placement.testing import assert_metrics_match, check_offloading, device_costs


@pytest.fixture(scope="module")
def inst():
    """Config C with 120 devices."""
    return placement.generate("C", devices=120, seed=4)


def _half(inst):
    ids = np.arange(0, inst.n_devices, 2)
    sub = restrict(inst, ids, np.array([], dtype=int))
    res = placement.solve(sub, method="nimbus").solution
    kind = np.full(inst.n_devices, 3, np.int8)
    target = np.full(inst.n_devices, -1)
    kind[ids], target[ids] = res.kind, res.target
    return ids, sub, res, Assignment.from_arrays(kind, target)


def test_inactive_devices_are_not_there(inst):
    """Evaluating a state with inactive devices equals evaluating the instance restricted
    to the active ones: same costs, same aggregates."""
    ids, sub, res, a = _half(inst)
    ev, ref = evaluate(inst, a), evaluate(sub, res)
    np.testing.assert_allclose(ev.latency_ms[ids], ref.latency_ms, rtol=1e-12)
    np.testing.assert_allclose(ev.upload_ms[ids], ref.upload_ms, rtol=1e-12)
    assert ev.objective == pytest.approx(ref.objective, rel=1e-12)
    for k in ("devices", "edge", "cloud", "local", "violations", "edge_ratio"):
        assert ev.metrics[k] == ref.metrics[k]
    assert ev.metrics["latency_ms"] == pytest.approx(ref.metrics["latency_ms"])
    assert ev.metrics["energy_saving_pct"] == pytest.approx(ref.metrics["energy_saving_pct"])
    assert ev.metrics["inactive"] == inst.n_devices - ids.size
    inactive = np.setdiff1d(np.arange(inst.n_devices), ids)
    assert np.all(ev.latency_ms[inactive] == 0) and np.all(ev.saving_mj[inactive] == 0)
    assert set(ev.tier[inactive]) == {"inactive"}


def test_checker_agrees_on_inactive_devices(inst):
    """The independent checker counts only active devices as AP users."""
    ids, sub, res, a = _half(inst)
    costs = device_costs(inst, a)
    ref = device_costs(sub, res)
    for k, i in enumerate(ids):
        assert costs[i]["latency_ms"] == pytest.approx(ref[k]["latency_ms"], rel=1e-12)
    assert check_offloading(inst, a) == []
    assert_metrics_match(inst, a, evaluate(inst, a).metrics)


def test_failed_node_takes_no_device(inst):
    """A device on a failed node is a capacity violation for evaluator and checker."""
    ids, sub, res, a = _half(inst)
    j = int(a.target[a.kind == 1][0])
    on_j = int(np.sum((a.kind == 1) & (a.target == j)))
    down = Assignment.from_arrays(a.kind, a.target, None, [j])
    ev = evaluate(inst, down)
    assert ev.violations == on_j and ev.metrics["capacity_violations"] == on_j
    assert ev.metrics["failed_nodes"] == 1
    assert len(check_offloading(inst, down)) == on_j


def test_solution_file_keeps_inactive_devices_and_failed_nodes(inst, tmp_path):
    """A solution with inactive devices and failed nodes round-trips through the file."""
    ids, sub, res, a = _half(inst)
    free = int(np.setdiff1d(np.arange(inst.n_nodes), a.target[a.kind == 1])[0])
    a = Assignment.from_arrays(a.kind, a.target, None, [free])
    raw = placement.RawSolution(a)
    result = placement.Result.from_raw(
        raw, evaluate(inst, a), method="online-nimbus", problem="offloading",
        objective_name="latency", sense=1, unit="ms", params={}, seed=0, wall=0.0,
    )  # fmt: skip
    path = tmp_path / "s.json"
    placement.write_solution(inst, result, path)
    d = json.loads(path.read_text())
    assert d["failed_nodes"] == [free] and d["assignment"]["kind"].count("inactive") == 60
    back, _ = read_solution(path, inst)
    assert np.array_equal(back.kind, a.kind) and back.failed_nodes == (free,)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(failed_nodes=[1, 1]), "listed twice"),
        (lambda d: d.update(failed_nodes=["a"]), "edge-node index"),
        (lambda d: d.update(failed_nodes=[10_000]), "out of range"),
        (lambda d: d.update(failed_nodes=3), "must be a list"),
        (lambda d: d["assignment"]["target"].__setitem__(1, 5), "inactive device must have"),
    ],
)
def test_bad_online_solution_files(inst, tmp_path, change, message):
    """Broken failed-node lists and inactive devices with a target are InputErrors."""
    ids, sub, res, a = _half(inst)
    d = {
        "format": "placement/offloading-solution",
        "version": 1,
        "method": "online-nimbus",
        "assignment": a.to_dict(),
    }
    change(d)
    path = tmp_path / "s.json"
    path.write_text(json.dumps(d))
    with pytest.raises(InputError, match=message):
        read_solution(path, inst)


def test_all_inactive_state(inst):
    """A state with no active device evaluates to zeros, not to an error."""
    a = Assignment.from_arrays(np.full(inst.n_devices, 3), np.full(inst.n_devices, -1))
    m = evaluate(inst, a).metrics
    assert m["devices"] == 0 and m["objective"] == 0 and m["energy_saving_pct"] == 0.0
