"""MT and 2PMT Nimbus: partitions, MT(k=1) = ST, invariants, determinism, CLI (issue 3)."""

from __future__ import annotations

import numpy as np
import pytest

try:  # tests/ on sys.path (rootdir conftest, no package)
    import reference_nimbus as ref
except ImportError:  # tests/ as a package
    from tests import reference_nimbus as ref
from placement.heuristics.offloading import mt, nimbus

import placement
from placement.errors import InputError
from placement.offloading.instance import KIND_EDGE
from placement.offloading.params import MTParams, NimbusParams
from placement.offloading.partition import partition_aps, partition_nodes
from placement.testing import assert_metrics_match, assert_offloading_feasible


def solve_nimbus(inst, seed=0, **kw):
    """Nimbus ST with keyword parameters."""
    return nimbus.solve_nimbus(inst, NimbusParams(**kw), seed=seed)


def solve_mt(inst, seed=0, **kw):
    """MT with keyword parameters."""
    return mt.solve_mt(inst, MTParams(**kw), seed=seed)


def solve_2pmt(inst, seed=0, **kw):
    """2PMT with keyword parameters."""
    return mt.solve_2pmt(inst, MTParams(**kw), seed=seed)


@pytest.fixture(scope="module")
def inst_d() -> placement.OffloadingInstance:
    """Config D, 1000 devices × 152 nodes, seed 21."""
    return placement.generate("D", devices=1000, seed=21)


def _same(a, b) -> bool:
    return np.array_equal(a.assignment.kind, b.assignment.kind) and np.array_equal(
        a.assignment.target, b.assignment.target
    )


def test_mt_params_validate():
    """threads >= 1 and split in the one split vocabulary, each side of the boundary."""
    assert MTParams(threads=1).threads == 1
    with pytest.raises(InputError) as exc:
        MTParams(threads=0)
    assert exc.value.field == "threads"
    with pytest.raises(InputError) as exc:
        MTParams(split="random")
    assert exc.value.field == "split"
    assert MTParams(split="affinity").split == "affinity"


def test_nodes_are_dealt_round_robin_per_tier(inst_d):
    """10 slices and 2 T3 nodes: slices 0–1 get one T3 each; every node in exactly one slice."""
    slices = partition_nodes(inst_d, 10)
    tiers = np.asarray(inst_d.node_tier)
    t3 = [int((tiers[s] == "T3").sum()) for s in slices]
    assert t3 == [1, 1] + [0] * 8
    t1 = [int((tiers[s] == "T1").sum()) for s in slices]
    assert t1 == [10] * 10
    allnodes = np.sort(np.concatenate(slices))
    assert np.array_equal(allnodes, np.arange(inst_d.n_nodes))
    assert all(np.all(np.diff(s) > 0) for s in slices)


def test_contiguous_split_cuts_the_ap_range_into_blocks(inst_d):
    """The contiguous split gives k nondecreasing, nearly equal AP blocks."""
    out = partition_aps(inst_d, 4, "contiguous", partition_nodes(inst_d, 4))
    assert np.all(np.diff(out) >= 0)
    counts = np.bincount(out, minlength=4)
    assert counts.max() - counts.min() <= 1


def test_affinity_split_respects_the_balance_cap(inst_d):
    """The affinity split keeps every slice within ceil(1.25·N/k) devices and mostly prefers the best slice."""
    k = 4
    nodes = partition_nodes(inst_d, k)
    out = partition_aps(inst_d, k, "affinity", nodes)
    per_slice = np.bincount(out[inst_d.device_ap], minlength=k)
    assert per_slice.max() <= int(np.ceil(1.25 * inst_d.n_devices / k))
    best = np.stack([inst_d.rtt_ms[:, s].min(axis=1) for s in nodes], axis=1)
    ap_used = np.unique(inst_d.device_ap)
    pref = np.argmin(best[ap_used], axis=1)
    assert (out[ap_used] == pref).mean() > 0.5


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"kappa": 3, "order": "random"},
        {"kappa": 10, "lookahead": "paper"},
        {"order": "random", "lookahead": "paper", "alpha": 0.5, "beta": 0.5},
    ],
)
@pytest.mark.parametrize("split", ["contiguous", "affinity"])
def test_mt_with_one_thread_equals_st(inst_d, kw, split):
    """MT with k = 1 reproduces Nimbus ST exactly; 2PMT with k = 1 keeps ST's edge placements."""
    st = solve_nimbus(inst_d, seed=6, **kw)
    assert _same(solve_mt(inst_d, seed=6, threads=1, split=split, **kw), st)
    two = solve_2pmt(inst_d, seed=6, threads=1, split=split, **kw)
    on_edge = st.assignment.kind == KIND_EDGE
    assert np.array_equal(two.assignment.target[on_edge], st.assignment.target[on_edge])
    assert two.statistics["edge_phase1"] == int(on_edge.sum())


@pytest.mark.parametrize("case", range(12))
def test_mt_on_small_instances_never_violates(case):
    """MT and 2PMT (exact look-ahead) leave nobody past deadline or budget on random instances."""
    inst = ref.random_instance(case)
    for threads in (2, 3):
        for fn in (solve_mt, solve_2pmt):
            raw = fn(
                inst,
                seed=case,
                threads=threads,
                kappa=case % 3,
                split=("contiguous", "affinity")[case % 2],
            )
            assert_offloading_feasible(inst, raw.assignment)


@pytest.mark.parametrize("threads", [2, 4, 8])
@pytest.mark.parametrize("method", ["mt", "2pmt"])
def test_mt_and_2pmt_feasible_on_config_d(inst_d, method, threads):
    """MT/2PMT solutions on config D have zero violations, re-checked independently."""
    res = placement.solve(inst_d, method=method, seed=1, threads=threads)
    assert res.metrics["violations"] == 0
    assert_offloading_feasible(inst_d, res.solution)
    assert_metrics_match(inst_d, res.solution, res.metrics)


def test_2pmt_keeps_phase_one_and_offloads_at_least_as_many(inst_d):
    """2PMT keeps every phase-1 edge placement and offloads at least as many devices as MT."""
    for split in ("contiguous", "affinity"):
        mt = solve_mt(inst_d, seed=3, threads=4, split=split)
        two = solve_2pmt(inst_d, seed=3, threads=4, split=split)
        on_edge = mt.assignment.kind == KIND_EDGE
        assert np.array_equal(two.assignment.target[on_edge], mt.assignment.target[on_edge])
        assert int((two.assignment.kind == KIND_EDGE).sum()) >= int(on_edge.sum())
        assert two.statistics["edge_phase1"] == int(on_edge.sum())


def test_mt_is_deterministic(inst_d):
    """Same seed → same MT / 2PMT assignment with 4 threads, κ sampling and random order."""
    for fn in (solve_mt, solve_2pmt):
        a = fn(inst_d, seed=8, threads=4, kappa=5, order="random")
        b = fn(inst_d, seed=8, threads=4, kappa=5, order="random")
        assert _same(a, b)


def test_mt_statistics(inst_d):
    """Statistics carry per-slice times, phase times and the thread count."""
    raw = solve_2pmt(inst_d, seed=0, threads=4)
    s = raw.statistics
    assert s["threads"] == 4
    assert len(s["slice_times_s"]) == 4 and all(t >= 0 for t in s["slice_times_s"])
    assert sum(s["slice_devices"]) == inst_d.n_devices
    assert sum(s["slice_nodes"]) == inst_d.n_nodes
    assert s["phase1_s"] > 0 and s["phase2_s"] >= 0
    assert s["edge_phase1"] + s["edge_phase2"] == int((raw.assignment.kind == KIND_EDGE).sum())
    assert raw.runtime >= s["phase1_s"] + s["phase2_s"]


@pytest.mark.parametrize(
    ("method", "extra"),
    [
        (
            "nimbus",
            [
                "--kappa",
                "5",
                "--alpha",
                "0.6",
                "--beta",
                "0.4",
                "--order",
                "random",
                "--lookahead",
                "exact",
            ],
        ),
        ("greedy", ["--kappa", "5"]),
        ("mt", ["--threads", "2", "--kappa", "0"]),
        ("2pmt", ["--threads", "4", "--lookahead", "exact"]),
    ],
)
def test_cli_solve_writes_a_valid_solution(tmp_path, inst_d, method, extra):
    """`placement solve --method ...` writes a solution file that reads back feasible (not greedy)."""
    cli = pytest.importorskip("placement.cli")
    inst_file = tmp_path / "d.json"
    placement.write_instance(inst_d, inst_file)
    sol = tmp_path / "sol.json"
    code = cli.main(
        ["solve", str(inst_file), "--method", method, "--seed", "3", *extra, "-o", str(sol)]
    )
    assert code in (0, None)
    from placement.offloading.io import read_solution

    assignment, d = read_solution(sol, inst_d)
    assert d["method"] == method
    res = placement.evaluate(inst_d, assignment)
    assert res.metrics["edge"] > 0
    if method != "greedy":
        assert_offloading_feasible(inst_d, assignment)
        assert res.violations == 0


def test_more_threads_than_nodes():
    """With more slices than nodes some slices have no node; MT/2PMT still run and stay feasible."""
    inst = ref.random_instance(5, n_devices=30)
    assert inst.n_nodes < 16
    for fn in (solve_mt, solve_2pmt):
        raw = fn(inst, seed=0, threads=16)
        assert len(raw.statistics["slice_times_s"]) == 16
        assert min(raw.statistics["slice_nodes"]) == 0
        assert_offloading_feasible(inst, raw.assignment)
    st = solve_nimbus(inst, seed=0)
    two = solve_2pmt(inst, seed=0, threads=16)
    assert int((two.assignment.kind == KIND_EDGE).sum()) > 0
    assert int((st.assignment.kind == KIND_EDGE).sum()) > 0
