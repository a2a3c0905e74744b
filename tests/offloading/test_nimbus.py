"""Nimbus ST and Greedy: parameters, kernel/reference parity, invariants (issue 3)."""

from __future__ import annotations

import numpy as np
import pytest

try:  # tests/ on sys.path (rootdir conftest, no package)
    import reference_nimbus as ref
except ImportError:  # tests/ as a package
    from tests import reference_nimbus as ref
from placement.heuristics.offloading import _kernels as kernels
from placement.heuristics.offloading import nimbus

import placement
from placement.errors import InputError
from placement.offloading.evaluate import evaluate
from placement.offloading.instance import OffloadingInstance
from placement.offloading.params import GreedyParams, NimbusParams
from placement.testing import assert_metrics_match, assert_offloading_feasible, check_offloading

N_PARITY = 60
KAPPAS = (0, 1, 2, 3, 5, 8)


def solve_nimbus(inst, seed=0, **kw):
    """Nimbus ST with keyword parameters (the method function takes a NimbusParams)."""
    return nimbus.solve_nimbus(inst, NimbusParams(**kw), seed=seed)


def solve_greedy(inst, seed=0, **kw):
    """Greedy Nimbus with keyword parameters."""
    return nimbus.solve_greedy(inst, GreedyParams(**kw), seed=seed)


def _same(raw, kind, target) -> bool:
    return np.array_equal(raw.assignment.kind, kind) and np.array_equal(
        raw.assignment.target, target
    )


@pytest.fixture(scope="module")
def inst_c() -> OffloadingInstance:
    """Config C, 1000 devices × 152 nodes, seed 11."""
    return placement.generate("C", devices=1000, seed=11)


def _two_device_instance(max_devices: int = -1) -> OffloadingInstance:
    """One AP, one node with queue table [0, 35]: device 0 (ε 50 ms, net 10 ms) first,
    then device 1 (ε 100 ms, net 20 ms); putting both on the node breaks device 0."""
    return OffloadingInstance(
        name="domino",
        ap_bandwidth_mbps=np.array([16.0]),
        ap_background_users=np.array([0]),
        node_tier=("T1",),
        node_ap=np.array([0]),
        node_inference_ms=np.array([10.0]),
        node_queue_slope_ms=np.array([0.0]),
        node_queue_intercept_ms=np.array([0.0]),
        node_max_devices=np.array([max_devices]),
        node_queue_table_ms=(np.array([0.0, 35.0]),),
        cloud_inference_ms=np.array([5.0]),
        cloud_rtt_wifi_ms=np.array([[500.0]]),
        cloud_rtt_lte_ms=np.array([[500.0]]),
        device_ap=np.array([0, 0]),
        device_fps=np.array([20.0, 10.0]),
        device_frame_kb=np.array([5.0, 15.0]),
        device_local_ms=np.array([200.0, 200.0]),
        device_local_mj=np.array([1000.0, 1000.0]),
        device_lte_mbps=np.array([5.0, 5.0]),
        device_class=("A", "A"),
        rtt_ms=np.array([[5.0]]),
    )


# ------------------------------------------------------------------ parameters
@pytest.mark.parametrize(
    ("field", "bad", "good"),
    [
        ("kappa", -1, 0),
        ("kappa", 1.5, 7),
        ("kappa", True, 1),
        ("alpha", -0.01, 0.0),
        ("alpha", 1.01, 1.0),
        ("alpha", float("nan"), 0.5),
        ("beta", -0.01, 0.0),
        ("beta", 1.01, 1.0),
        ("order", "sorted", "random"),
        ("lookahead", "none", "paper"),
    ],
)
def test_nimbus_params_reject_each_side_of_the_boundary(field, bad, good):
    """NimbusParams rejects the bad value naming its field and accepts the good one."""
    with pytest.raises(InputError) as exc:
        NimbusParams(**{field: bad})
    assert exc.value.field == field
    assert getattr(NimbusParams(**{field: good}), field) == good


def test_negative_kappa_message():
    """The message idiom is 'Expected kappa >= 0.'."""
    with pytest.raises(InputError, match=r"Expected kappa >= 0, got -3\."):
        NimbusParams(kappa=-3)


def test_greedy_params_validate():
    """GreedyParams defaults to κ = 5 and rejects negative κ and unknown orders."""
    assert GreedyParams().kappa == 5
    with pytest.raises(InputError):
        GreedyParams(kappa=-1)
    with pytest.raises(InputError):
        GreedyParams(order="x")


def test_solve_rejects_bad_parameter_through_the_registry(inst_c):
    """placement.solve forwards parameter values and the method rejects them."""
    with pytest.raises(InputError) as exc:
        placement.solve(inst_c, method="nimbus", kappa=-2)
    assert exc.value.field == "kappa"


# -------------------------------------------------------------------- kernels
def test_maxload_matches_brute_force():
    """kernels.maxload equals the largest load whose queue fits, for linear and table nodes."""
    inst = ref.random_instance(3, n_devices=40)
    table, tlen = inst.queue_table_padded
    cap = inst.node_capacity
    for j in range(inst.n_nodes):
        for budget in (0.0, 5.0, 25.0, 60.0, 120.0, 400.0):
            loads = np.arange(0, int(cap[j]) + 1)
            fits = (
                inst.node_inference_ms[j] + inst.queue_ms(np.full(loads.shape, j), loads) <= budget
            )
            expect = int(loads[fits].max()) if fits.any() else 0
            if budget < inst.node_inference_ms[j]:
                expect = 0
            got = kernels.maxload(
                j,
                budget,
                inst.node_inference_ms,
                inst.node_queue_slope_ms,
                inst.node_queue_intercept_ms,
                table,
                tlen,
                cap,
            )
            assert got == expect, (j, budget)


def test_bucket_bounds_are_lower_bounds_of_the_load_term():
    """inv_ml[b, j] never exceeds 1 / max(maxload(j, e), 1) for a budget e up to the bucket edge."""
    for case in range(12):
        inst = ref.random_instance(case, n_devices=30)
        table, tlen = inst.queue_table_padded
        cap = inst.node_capacity.astype(np.int64)
        slope = inst.node_queue_slope_ms.copy()
        slope[::4] = 0.0  # constant-queue nodes take the exact branch
        nodes = np.arange(inst.n_nodes, dtype=np.int64)
        edges = np.array([30.0, 45.0, 70.0, 120.0, 400.0])
        inv = np.empty((edges.shape[0], inst.n_nodes))
        args = (inst.node_inference_ms, slope, inst.node_queue_intercept_ms, table, tlen, cap)
        kernels._bucket_bounds(nodes, edges, *args, inv)
        for b, top in enumerate(edges):
            for e in np.linspace(0.0, top, 41):
                for j in range(inst.n_nodes):
                    m = kernels.maxload(j, e, *args)
                    assert inv[b, j] <= 1.0 / max(m, 1) * (1 + 1e-15), (case, b, e, j)
                    assert inv[b, j] > 0.0


# --------------------------------------------------------------------- parity
@pytest.mark.parametrize("case", range(N_PARITY))
def test_nimbus_kernel_equals_python_reference(case):
    """The Nimbus kernel and the plain-Python reference give identical assignments."""
    inst = ref.random_instance(case)
    kw = {
        "kappa": KAPPAS[case % len(KAPPAS)],
        "lookahead": ("exact", "paper")[case % 2],
        "order": ("instance", "random")[(case // 2) % 2],
    }
    if case % 5 == 4:
        kw.update(alpha=0.2, beta=0.8)
    raw = solve_nimbus(inst, seed=case, **kw)
    kind, target = ref.nimbus(ref.RefInstance(inst), seed=case, **kw)
    assert _same(raw, kind, target)


@pytest.mark.parametrize("case", range(N_PARITY))
def test_greedy_kernel_equals_python_reference(case):
    """The Greedy kernel and the plain-Python reference give identical assignments."""
    inst = ref.random_instance(case)
    kw = {"kappa": KAPPAS[case % len(KAPPAS)], "order": ("instance", "random")[case % 2]}
    raw = solve_greedy(inst, seed=case, **kw)
    kind, target = ref.greedy(ref.RefInstance(inst), seed=case, **kw)
    assert _same(raw, kind, target)


@pytest.mark.parametrize(
    ("kappa", "lookahead"), [(0, "exact"), (10, "exact"), (0, "paper"), (25, "paper")]
)
def test_parity_on_config_c(inst_c, kappa, lookahead):
    """On config C the kernel and the reference agree for κ and both look-ahead modes."""
    raw = solve_nimbus(inst_c, seed=4, kappa=kappa, lookahead=lookahead, order="random")
    kind, target = ref.nimbus(
        ref.RefInstance(inst_c), seed=4, kappa=kappa, lookahead=lookahead, order="random"
    )
    assert _same(raw, kind, target)


def test_parity_with_more_than_256_nodes():
    """On A-C0 (560 nodes: the packed index of the scan needs 10 bits) kernel and reference agree."""
    inst = placement.generate("A-C0", devices=300, seed=5)
    r = ref.RefInstance(inst)
    for kw in ({}, {"kappa": 10, "lookahead": "paper", "order": "random"}):
        raw = solve_nimbus(inst, seed=2, **kw)
        kind, target = ref.nimbus(r, seed=2, **kw)
        assert _same(raw, kind, target)
        assert raw.statistics["edge_placed"] == int((raw.assignment.kind == 1).sum()) > 100


def test_parity_when_every_deadline_is_equal():
    """With one deadline for all devices (a single deadline bucket) kernel and reference agree."""
    for case in range(8):
        base = ref.random_instance(case)
        inst = base.replace(device_fps=np.full(base.n_devices, 12.5))
        raw = solve_nimbus(inst, seed=case)
        kind, target = ref.nimbus(ref.RefInstance(inst), seed=case)
        assert _same(raw, kind, target)


# ----------------------------------------------------------------- invariants
@pytest.mark.parametrize("case", range(0, 40))
def test_exact_lookahead_never_violates(case):
    """Nimbus with the exact look-ahead leaves nobody past deadline, budget or cap."""
    inst = ref.random_instance(case)
    raw = solve_nimbus(inst, seed=case, kappa=case % 4, order=("instance", "random")[case % 2])
    assert_offloading_feasible(inst, raw.assignment)


def test_exact_lookahead_feasible_on_config_c(inst_c):
    """On config C Nimbus (κ = 0 and κ = 10) has zero violations and checked metrics."""
    for kappa in (0, 10):
        res = placement.solve(inst_c, method="nimbus", seed=2, kappa=kappa)
        assert res.metrics["violations"] == 0
        assert_offloading_feasible(inst_c, res.solution)
        assert_metrics_match(inst_c, res.solution, res.metrics)


def test_paper_lookahead_breaks_the_tight_device():
    """The paper's test admits device 1 and pushes device 0 past its deadline; exact does not."""
    inst = _two_device_instance()
    paper = solve_nimbus(inst, lookahead="paper")
    assert paper.assignment.kind.tolist() == [1, 1]
    assert evaluate(inst, paper.assignment).violations == 1
    assert len(check_offloading(inst, paper.assignment)) == 1
    exact = solve_nimbus(inst, lookahead="exact")
    assert exact.assignment.kind.tolist() == [1, 0]
    assert_offloading_feasible(inst, exact.assignment)


def test_greedy_reports_the_devices_it_breaks():
    """Greedy checks only the newcomer: the evaluator and the checker count the broken device."""
    inst = _two_device_instance()
    raw = solve_greedy(inst)
    assert raw.assignment.kind.tolist() == [1, 1]
    res = placement.solve(inst, method="greedy")
    assert res.metrics["violations"] == 1
    assert_metrics_match(inst, res.solution, res.metrics)


def test_node_cap_is_respected():
    """max_devices = 1 keeps the second device off the node in both look-ahead modes."""
    inst = _two_device_instance(max_devices=1)
    for la in ("exact", "paper"):
        raw = solve_nimbus(inst, lookahead=la)
        assert int((raw.assignment.kind == 1).sum()) == 1
        assert_offloading_feasible(inst, raw.assignment)


def test_failover_goes_to_the_nearest_feasible_cloud():
    """With no reachable node every device goes to the nearest feasible Wi-Fi cloud, else local."""
    inst = ref.random_instance(7, n_devices=30)
    inst = inst.replace(rtt_ms=np.full(inst.rtt_ms.shape, np.inf))
    raw = solve_nimbus(inst)
    from placement.offloading.baselines import nearest_feasible_cloud

    best = nearest_feasible_cloud(inst, lte=False)
    assert np.array_equal(raw.assignment.kind, np.where(best >= 0, 2, 0))
    assert np.array_equal(raw.assignment.target, best)


def test_same_seed_same_assignment(inst_c):
    """Same seed → same assignment (κ sampling and random order); another seed differs."""
    a = solve_nimbus(inst_c, seed=9, kappa=5, order="random")
    b = solve_nimbus(inst_c, seed=9, kappa=5, order="random")
    c = solve_nimbus(inst_c, seed=10, kappa=5, order="random")
    assert np.array_equal(a.assignment.target, b.assignment.target)
    assert not np.array_equal(a.assignment.target, c.assignment.target)
    g1 = solve_greedy(inst_c, seed=3, order="random")
    g2 = solve_greedy(inst_c, seed=3, order="random")
    assert np.array_equal(g1.assignment.target, g2.assignment.target)


def test_nimbus_offloads_at_least_as_many_as_greedy_on_config_c(inst_c):
    """Nimbus (κ = 0) puts at least as many devices on the edge as Greedy (κ = 5) on config C."""
    for seed in (0, 1):
        n = placement.solve(inst_c, method="nimbus", seed=seed)
        g = placement.solve(inst_c, method="greedy", seed=seed)
        assert n.metrics["edge"] >= g.metrics["edge"]
        assert n.metrics["violations"] == 0


def test_runtime_excludes_jit_and_statistics_are_reported(inst_c):
    """RawSolution.runtime is set, and JIT compile time is reported apart."""
    raw = solve_nimbus(inst_c)
    assert raw.runtime is not None and 0 < raw.runtime < 5.0
    assert raw.statistics["jit_compile_s"] >= 0.0
    assert raw.statistics["kernel_s"] <= raw.runtime
    assert raw.statistics["edge_placed"] == int((raw.assignment.kind == 1).sum())


def test_instance_without_edge_nodes():
    """An instance with no edge node sends everybody to the cloud failover or local."""
    inst = ref.random_instance(2, n_devices=12)
    inst = inst.replace(
        node_tier=(),
        node_ap=np.zeros(0, np.int64),
        node_inference_ms=np.zeros(0),
        node_queue_slope_ms=np.zeros(0),
        node_queue_intercept_ms=np.zeros(0),
        node_max_devices=np.zeros(0, np.int64),
        node_queue_table_ms=None,
        rtt_ms=np.zeros((inst.n_aps, 0)),
    )
    for raw in (solve_nimbus(inst), solve_greedy(inst), solve_nimbus(inst, lookahead="paper")):
        assert not np.any(raw.assignment.kind == 1)
        assert_offloading_feasible(inst, raw.assignment)
