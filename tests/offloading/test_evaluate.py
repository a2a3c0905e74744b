"""The evaluator pins the cost model of spec §2 on hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

import placement
from placement import Assignment, evaluate
from placement.testing import assert_metrics_match, check_offloading, device_costs

# Hand computation for tests/data/tiny.json (spec §2):
#   users: AP0 = 0 + 3 devices = 3; AP1 = 1 background + 2 devices = 3
#   Wi-Fi upload: AP0 share 300/3 = 100 Mbps -> 8*30/100 = 2.4 ms (devices 0, 1, 2)
#                 AP1 share 100/3 Mbps -> device 3: 8*50/(100/3) = 12 ms; device 4: 8*25/(100/3) = 6 ms
#   LTE upload: 8*30/6 = 40, 8*30/5 = 48, 8*30/4 = 60, 8*50/8 = 50, 8*25/10 = 20 ms
#   queues: T1 q(n) = max(0, 10n - 3): 7, 17, 27; T2 q(n) = 2n; T3 table [0, 1, 3], at most 3 devices
#   deadlines 1000/fps: 50, 100, 40, 100, 50 ms
EDGE, CLOUD, LOCAL = 1, 2, 0


def assign(kind, target, lte=None):
    return Assignment.from_arrays(kind, target, lte)


def test_upload_and_users_per_ap(tiny):
    """Wi-Fi bandwidth is shared by background users plus the instance's devices."""
    assert tiny.ap_users.tolist() == [3, 3]
    np.testing.assert_allclose(tiny.wifi_upload_ms, [2.4, 2.4, 2.4, 12.0, 6.0])
    np.testing.assert_allclose(tiny.lte_upload_ms, [40, 48, 60, 50, 20])
    np.testing.assert_allclose(tiny.deadline_ms, [50, 100, 40, 100, 50])


def test_mixed_assignment_values(tiny):
    """Per-device latency, energy and feasibility of a mixed assignment, written out."""
    a = assign([EDGE, EDGE, EDGE, CLOUD, LOCAL], [0, 0, 1, 0, -1])
    ev = evaluate(tiny, a)
    # d0, d1 on T1 with 2 devices: net 2.4 + 1 = 3.4; 3.4 + 20 + 17 = 40.4
    # d2 on T2 alone: net 2.4 + 10 = 12.4; 12.4 + 8 + 2 = 22.4
    # d3 cloud over Wi-Fi from AP1: net 12 + 40 = 52; 52 + 5 = 57
    # d4 local: 100 ms, 100 mJ
    np.testing.assert_allclose(ev.latency_ms, [40.4, 40.4, 22.4, 57.0, 100.0])
    np.testing.assert_allclose(
        ev.energy_mj, [1.21 * 3.4, 1.21 * 3.4, 1.21 * 12.4, 1.21 * 52, 100.0]
    )
    np.testing.assert_allclose(ev.queue_ms, [17, 17, 2, 0, 0])
    assert ev.feasible.tolist() == [True] * 5
    assert ev.objective == pytest.approx(40.4 + 40.4 + 22.4 + 57 + 100)
    m = ev.metrics
    assert (m["edge"], m["cloud"], m["local"]) == (3, 1, 1)
    assert m["edge_by_tier"] == {"T1": 2, "T2": 1, "T3": 0}
    assert m["violations"] == 0
    assert m["latency_ms"]["median"] == pytest.approx(40.4)
    local_total = 200 + 300 + 250 + 180 + 100
    spent = 1.21 * (3.4 + 3.4 + 12.4 + 52) + 100
    assert m["energy_saving_pct"] == pytest.approx(100 * (local_total - spent) / local_total)
    assert ev.tier.tolist() == ["T1", "T1", "T2", "cloud", "local"]
    np.testing.assert_allclose(
        ev.saving_mj_per_s, (tiny.device_local_mj - ev.energy_mj) * tiny.device_fps
    )


def test_domino_effect(tiny):
    """A newcomer that meets its own deadline pushes an earlier device past its deadline."""
    before = evaluate(tiny, assign([EDGE, EDGE, LOCAL, LOCAL, LOCAL], [0, 0, -1, -1, -1]))
    assert before.feasible.all()
    assert before.latency_ms[0] == pytest.approx(40.4)
    # d3 joins T1 from AP1: net 12 + 15 = 27; 27 + 20 + q(3) = 27 + 20 + 27 = 74 <= 100
    after = evaluate(tiny, assign([EDGE, EDGE, LOCAL, EDGE, LOCAL], [0, 0, -1, 0, -1]))
    np.testing.assert_allclose(after.latency_ms[[0, 1, 3]], [50.4, 50.4, 74.0])
    assert after.feasible.tolist() == [False, True, True, True, True]  # d0: 50.4 > 50
    assert after.violations == 1
    assert after.metrics["deadline_violations"] == 1


def test_lte_versus_wifi_cloud(tiny):
    """LTE uses the device's uplink, the LTE RTT and w_lte; Wi-Fi the shared AP and w_wifi."""
    wifi = evaluate(tiny, assign([LOCAL, LOCAL, LOCAL, CLOUD, CLOUD], [-1, -1, -1, 0, 0]))
    lte = evaluate(
        tiny, assign([LOCAL, LOCAL, LOCAL, CLOUD, CLOUD], [-1, -1, -1, 0, 0], [0, 0, 0, 1, 1])
    )
    # Wi-Fi: d3 net 12 + 40 = 52 -> 57 ms, 62.92 mJ; d4 net 6 + 40 = 46 -> 51 ms > 50
    np.testing.assert_allclose(wifi.latency_ms[3:], [57.0, 51.0])
    np.testing.assert_allclose(wifi.energy_mj[3:], [1.21 * 52, 1.21 * 46])
    assert wifi.feasible[3:].tolist() == [True, False]
    # LTE: d3 net 50 + 35 = 85 -> 90 ms, 212.5 mJ > 180 mJ budget; d4 net 20 + 35 = 55 -> 60 ms
    np.testing.assert_allclose(lte.latency_ms[3:], [90.0, 60.0])
    np.testing.assert_allclose(lte.energy_mj[3:], [212.5, 137.5])
    assert lte.feasible[3:].tolist() == [False, False]
    assert lte.metrics["energy_violations"] == 2
    assert lte.metrics["cloud_lte"] == 2


def test_ap_bandwidth_sharing(tiny):
    """More users on an AP lengthen every device's upload there (and only there)."""
    busier = tiny.replace(ap_background_users=np.array([3, 1]))
    np.testing.assert_allclose(busier.wifi_upload_ms[:3], 8 * 30 / (300 / 6))
    np.testing.assert_allclose(busier.wifi_upload_ms[3:], tiny.wifi_upload_ms[3:])
    a = assign([EDGE, LOCAL, LOCAL, LOCAL, LOCAL], [0, -1, -1, -1, -1])
    assert evaluate(busier, a).latency_ms[0] == pytest.approx(4.8 + 1 + 20 + 7)


def test_queue_table_and_capacity(tiny):
    """A table node reads q(n) from its table and caps the load at the table length."""
    a = assign([EDGE, EDGE, LOCAL, LOCAL, LOCAL], [2, 2, -1, -1, -1])
    ev = evaluate(tiny, a)
    # net 2.4 + 40 = 42.4; 42.4 + 5 + table[1] = 48.4 for both
    np.testing.assert_allclose(ev.latency_ms[:2], [48.4, 48.4])
    assert ev.feasible.all()
    over = evaluate(tiny, assign([EDGE, EDGE, LOCAL, EDGE, EDGE], [2, 2, -1, 2, 2]))
    assert not over.capacity_ok[[0, 1, 3, 4]].any()
    assert over.metrics["capacity_violations"] == 4


def test_evaluator_matches_independent_checker():
    """Vectorised evaluator and the plain-loop checker agree on random assignments."""
    inst = placement.generate("C", devices=300, seed=5, clouds=2)
    rng = np.random.default_rng(3)
    for _ in range(5):
        kind = rng.integers(0, 3, inst.n_devices)
        target = np.where(
            kind == EDGE,
            rng.integers(0, inst.n_nodes, inst.n_devices),
            np.where(kind == CLOUD, rng.integers(0, 2, inst.n_devices), -1),
        )
        lte = (kind == CLOUD) & (rng.random(inst.n_devices) < 0.5)
        a = assign(kind, target, lte)
        ev = evaluate(inst, a)
        costs = device_costs(inst, a)
        np.testing.assert_allclose(ev.latency_ms, [c["latency_ms"] for c in costs], rtol=1e-12)
        np.testing.assert_allclose(ev.energy_mj, [c["energy_mj"] for c in costs], rtol=1e-12)
        assert ev.feasible.tolist() == [c["ok"] for c in costs]
        assert_metrics_match(inst, a, ev.metrics)
        assert ev.violations == len(check_offloading(inst, a))


@pytest.mark.parametrize(
    ("kind", "target", "lte", "fragment"),
    [
        ([1, 0, 0, 0, 0], [3, -1, -1, -1, -1], None, "edge node index 3 out of range"),
        ([2, 0, 0, 0, 0], [1, -1, -1, -1, -1], None, "cloud index 1 out of range"),
        ([0, 0, 0, 0, 0], [0, -1, -1, -1, -1], None, "local device must have target -1"),
        ([1, 0, 0, 0, 0], [0, -1, -1, -1, -1], [1, 0, 0, 0, 0], "only a cloud target"),
        ([0, 0, 0, 0], [-1, -1, -1, -1], None, "one entry per device"),
    ],
)
def test_invalid_assignment_raises(tiny, kind, target, lte, fragment):
    """An assignment that does not fit the instance raises InputError naming the problem."""
    with pytest.raises(placement.InputError, match=fragment):
        evaluate(tiny, assign(kind, target, lte))


def test_unreachable_node_raises(tiny):
    """Assigning a device to a node its AP cannot reach is an input error."""
    rtt = np.array(tiny.rtt_ms)
    rtt[0, 1] = np.inf
    inst = tiny.replace(rtt_ms=rtt)
    with pytest.raises(placement.InputError, match="unreachable"):
        evaluate(inst, assign([1, 0, 0, 0, 0], [1, -1, -1, -1, -1]))


def test_large_instance_evaluates_fast():
    """100 000 devices evaluate (with metrics) in well under a second."""
    import time

    inst = placement.generate("A-C0", devices=100_000, seed=2, t1=400, t2=400, t3=20, aps=6000)
    rng = np.random.default_rng(0)
    kind = rng.integers(0, 3, inst.n_devices)
    target = np.where(
        kind == EDGE, rng.integers(0, inst.n_nodes, inst.n_devices), np.where(kind == CLOUD, 0, -1)
    )
    a = assign(kind, target)
    _ = evaluate(inst, a).metrics  # warm caches of the instance
    t0 = time.perf_counter()
    m = evaluate(inst, a).metrics
    elapsed = time.perf_counter() - t0
    assert m["devices"] == 100_000
    assert elapsed < 1.0, elapsed
