"""The min-cost-flow relaxation (a valid, exact-where-caps-do-not-bind bound) and its repair."""

from __future__ import annotations

import numpy as np
import pytest

try:  # tests/ on sys.path (pytest's default rootdir-less layout)
    from bruteforce import brute_force, feasible_objectives, random_tiny
except ModuleNotFoundError:  # tests/ collected as a package
    from tests.bruteforce import brute_force, feasible_objectives, random_tiny

from placement.heuristics.offloading.flow import envelope, relax, repair

import placement
from placement import testing
from placement.errors import InputError

#: Absolute slack (ms) for comparing the relaxation to an optimum (rounding ≤ 2n/S).
ATOL = 1e-4
SEEDS = list(range(60, 140))


@pytest.fixture(scope="module")
def cases():
    """Tiny random instances with their brute-force latency optimum and relaxation."""
    out = []
    for s in SEEDS:
        inst = random_tiny(s)
        out.append((s, inst, brute_force(inst), relax(inst)))
    return out


def test_relaxation_is_a_lower_bound_and_exact_when_caps_do_not_bind(cases):
    """value ≤ brute-force optimum always; equal (and its assignment optimal) when its
    assignment breaks no cap; strictly below on some instances where caps bind."""
    exact = strict = 0
    for s, inst, bf, r in cases:
        assert r.value <= bf.latency + 1e-9, s
        assert r.statistics["rounding"] < ATOL
        ev = placement.evaluate(inst, r.assignment)
        if ev.violations == 0:
            assert r.value == pytest.approx(bf.latency, abs=ATOL), s
            assert ev.objective == pytest.approx(bf.latency, abs=ATOL), s
            exact += 1
        elif r.value < bf.latency - 1e-3:
            strict += 1
    assert exact >= 60
    assert strict >= 2


def test_relaxation_totals_match_its_assignment(cases):
    """latency_ms is the evaluator's latency of the relaxation's assignment (convex queues),
    and the weighted value equals its total cost."""
    for s, inst, _, r in cases[:20]:
        if inst.node_queue_table_ms is not None:
            continue
        ev = placement.evaluate(inst, r.assignment)
        assert r.latency_ms == pytest.approx(ev.objective, abs=1e-6), s
        assert r.energy_mj == pytest.approx(ev.total_energy_mj, abs=1e-6), s
        assert r.value == pytest.approx(ev.objective, abs=ATOL), s


@pytest.mark.parametrize("mu", [0.0, 0.3, 1.0, 4.0])
def test_weighted_relaxation_bounds_every_feasible_assignment(cases, mu):
    """latency + μ·energy: the relaxation is below the weighted cost of every feasible
    assignment (enumerated)."""
    for s, inst, _, _ in cases[:25]:
        L, E = feasible_objectives(inst)
        r = relax(inst, latency_weight=1.0, energy_weight=mu)
        assert r.value <= float(np.min(L + mu * E)) + 1e-9, (s, mu)


def test_energy_only_relaxation_is_the_least_energy_option_sum(cases):
    """w_L = 0: no queue cost, each device on its least-energy option; ≤ least energy."""
    for s, inst, _, _ in cases[:25]:
        r = relax(inst, latency_weight=0.0, energy_weight=1.0)
        bf = brute_force(inst, objective="energy")
        assert r.value <= bf.energy + 1e-9, s
        assert r.energy_mj == pytest.approx(r.value, abs=ATOL)


def test_envelope_of_a_non_convex_table():
    """The lower convex envelope lies below the values and is convex."""
    v = np.array([0.0, 10.0, 11.0, 30.0])
    np.testing.assert_allclose(envelope(v), [0.0, 5.5, 11.0, 30.0])
    w = np.array([0.0, 1.0, 4.0, 9.0])  # already convex: unchanged
    np.testing.assert_allclose(envelope(w), w)


def test_repair_output_passes_the_checker(cases):
    """The repaired relaxation is feasible (independent checker) and no better than the optimum."""
    for s, inst, bf, r in cases:
        a = repair(inst, r.assignment)
        testing.assert_offloading_feasible(inst, a)
        assert placement.evaluate(inst, a).objective >= bf.latency - 1e-6, s


def test_repair_fixes_greedy_violations(config_c, small_c):
    """Greedy breaks devices on config C (1000 devices); repair leaves none; the repaired
    relaxation of C-200 is feasible and within 2 % of the relaxation."""
    res = placement.solve(config_c, method="greedy")
    assert res.evaluation.violations > 0
    fixed = repair(config_c, res.assignment)
    testing.assert_offloading_feasible(config_c, fixed)
    # the relaxation of a realistic instance repaired: feasible, within a few percent
    r = relax(small_c)
    rep = repair(small_c, r.assignment)
    testing.assert_offloading_feasible(small_c, rep)
    assert placement.evaluate(small_c, rep).objective <= 1.02 * r.value


def test_bad_weights_are_rejected(tiny):
    """Negative, non-finite or all-zero weights raise InputError naming the field."""
    for kw in ({"latency_weight": -1.0}, {"energy_weight": float("nan")}):
        with pytest.raises(InputError):
            relax(tiny, **kw)
    with pytest.raises(InputError, match="latency_weight"):
        relax(tiny, latency_weight=0.0, energy_weight=0.0)


@pytest.mark.parametrize("seed", range(500, 540))
def test_pair_caps_match_a_load_by_load_scan(seed):
    """The pre-filter's caps (closed form for linear fits, table search otherwise) equal
    the largest load each device × node pair meets its deadline at, scanned level by
    level in the evaluator's order, on random tiny instances (tables, binding caps)."""
    from placement.models.offloading.data import _caps

    from placement.tolerances import FEAS_TOL

    inst = random_tiny(seed, max_devices=6)
    N, J = inst.n_devices, inst.n_nodes
    if J == 0:
        pytest.skip("no edge node")
    dev, node = np.repeat(np.arange(N), J), np.tile(np.arange(J), N)
    net = inst.wifi_upload_ms[dev] + inst.rtt_ms[inst.device_ap[dev], node]
    got = _caps(inst, dev, node, net)
    dl = inst.deadline_ms + FEAS_TOL
    for p in range(dev.size):
        i, j = int(dev[p]), int(node[p])
        pre = net[p] + inst.node_inference_ms[j]
        cap_j = int(inst.node_capacity[j])
        limit = min(cap_j, 4 * N + 50)
        ok = [n for n in range(1, limit + 1) if pre + float(inst.queue_ms(j, n)) <= dl[i]]
        want = max(ok, default=0)
        if want == limit:  # feasible up to the scanned limit: the cap lies beyond it
            assert want <= got[p] <= cap_j, (p, got[p], want)
        else:
            assert got[p] == want, (p, got[p], want)
