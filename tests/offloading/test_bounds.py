"""Bounds (flow, Lagrangian, LP) never on the wrong side of the MILP optimum; --bound on heuristics."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

try:  # tests/ on sys.path (pytest's default rootdir-less layout)
    from bruteforce import random_tiny
except ModuleNotFoundError:  # tests/ collected as a package
    from tests.bruteforce import random_tiny

from placement.heuristics.offloading._bound_kernels import lagrangian_value
from placement.heuristics.offloading.bounds import Bound, _lr_arrays, lower_bound
from placement.heuristics.offloading.flow import relaxation_data

import placement
from placement.cli.main import main
from placement.errors import InputError
from placement.result import Status

#: Slack (ms / mJ) a bound may exceed the optimum by: the MILP's own 1e-9 gap and
#: the evaluator's sums; far below any real gap.
SLACK = 1e-6
SEEDS = list(range(200, 252))
METHODS = ("auto", "flow", "lagrangian", "lp")


def _milp(inst, objective="latency", epsilon=None):
    res = placement.solve(
        inst, method="milp", objective=objective, epsilon=epsilon, warm_start=False
    )
    assert res.status == Status.OPTIMAL
    return res


@pytest.fixture(scope="module")
def cases():
    """52 random small instances (≤ 8 devices, binding caps) with their MILP optima for
    every objective and two ε-constraints."""
    out = []
    for s in SEEDS:
        inst = random_tiny(s, max_devices=8)
        lat = _milp(inst)
        en = _milp(inst, "energy")
        edge = _milp(inst, "edge")
        e_eps = 0.5 * (lat.evaluation.total_energy_mj + en.objective)
        l_eps = 0.5 * (lat.objective + en.evaluation.objective)
        opts = {
            ("latency", None): lat.objective,
            ("energy", None): en.objective,
            ("edge", None): edge.objective,
            ("latency", e_eps): _milp(inst, "latency", e_eps).objective,
            ("energy", l_eps): _milp(inst, "energy", l_eps).objective,
        }
        out.append((s, inst, opts))
    return out


def test_bounds_are_never_on_the_wrong_side_of_the_milp_optimum(cases):
    """Every method, every objective, with and without ε: lower ≤ optimum (upper ≥ for
    edge) on ≥ 50 instances; the Lagrangian is exact on most of them."""
    exact = 0
    for s, inst, opts in cases:
        for (objective, eps), opt in opts.items():
            for m in METHODS:
                b = lower_bound(inst, objective, epsilon=eps, method=m)
                assert isinstance(b, Bound)
                if objective == "edge":
                    assert b.sense == -1 and b.value >= opt, (s, objective, m, b)
                    assert b.value == math.floor(b.value)
                else:
                    assert b.sense == 1 and b.value <= opt + SLACK, (s, objective, eps, m, b)
                if m == "lagrangian" and abs(b.value - opt) <= 1e-4 * max(1.0, abs(opt)):
                    exact += 1
    assert len(cases) >= 50
    assert exact >= 0.7 * 5 * len(cases)


def test_lagrangian_closes_gaps_the_flow_leaves(cases):
    """Where caps bind, the assignment Lagrangian is strictly above the flow relaxation."""
    better = 0
    for _, inst, _ in cases:
        f = lower_bound(inst, "latency", method="flow").value
        lr = lower_bound(inst, "latency", method="lagrangian").value
        assert lr >= f - 1e-6
        better += lr > f + 1e-3
    assert better >= 3


def test_auto_is_the_tightest_it_computed(cases):
    """auto reports the best of the values it computed, under the method that gave it."""
    for _, inst, _ in cases[:10]:
        b = lower_bound(inst, "energy")
        assert b.value == max(b.details["values"].values())
        assert b.details["values"][b.method] == b.value


def test_infeasible_epsilon_gives_an_infinite_bound(cases):
    """ε below the least energy: the MILP says infeasible and the bound is +inf."""
    _, inst, opts = cases[0]
    eps = 0.5 * opts[("energy", None)]
    res = placement.solve(inst, method="milp", epsilon=eps, warm_start=False)
    assert res.status == Status.INFEASIBLE
    assert lower_bound(inst, "latency", epsilon=eps).value == math.inf


def test_bad_arguments_are_rejected(tiny):
    """Unknown objective or method, negative ε and ε with edge raise InputError."""
    with pytest.raises(InputError, match="objective"):
        lower_bound(tiny, "cores")
    with pytest.raises(InputError, match="bound"):
        lower_bound(tiny, "latency", method="simplex")
    with pytest.raises(InputError, match="epsilon"):
        lower_bound(tiny, "latency", epsilon=-1.0)
    with pytest.raises(InputError, match="epsilon"):
        lower_bound(tiny, "edge", epsilon=10.0)


def test_a_stopped_bound_is_still_valid(small_c):
    """A time limit too short for the subgradient still returns a valid (weaker) bound."""
    opt = _milp(small_c, "energy").objective
    b = lower_bound(small_c, "energy", method="lagrangian", time_limit=1e-6)
    assert b.value <= opt + SLACK
    assert b.method == "flow" and "lagrangian" not in b.details["values"]
    full = lower_bound(small_c, "energy", method="lagrangian")
    assert b.value < full.value <= opt + SLACK


def test_solve_with_bound_fills_bound_and_gap(small_c):
    """solve(nimbus, bound=...) carries a bound ≤ the MILP optimum ≤ its objective and
    a gap; without bound it stays a bare heuristic."""
    opt = _milp(small_c).objective
    for m in ("nimbus", "greedy", "mt", "2pmt"):
        res = placement.solve(small_c, method=m, bound="lagrangian")
        assert res.bound is not None and res.bound <= opt + SLACK
        assert res.gap == pytest.approx((res.objective - res.bound) / res.objective)
        assert res.status == Status.FEASIBLE
        assert res.statistics["bound_method"] in ("flow", "lagrangian")
    bare = placement.solve(small_c, method="nimbus")
    assert bare.bound is None and bare.status == Status.HEURISTIC
    with pytest.raises(InputError, match="bound"):
        placement.solve(small_c, method="nimbus", bound="exact")


def test_cli_bound_lagrangian_on_nimbus(tmp_path, small_c, capsys):
    """`placement solve --method nimbus --bound lagrangian`: the summary line shows a bound
    ≤ the objective and the gap; the solution file records the bound."""
    path = tmp_path / "c.json"
    placement.write_instance(small_c, path)
    out = tmp_path / "s.json"
    argv = ["solve", str(path), "--method", "nimbus", "--bound", "lagrangian", "-o", str(out)]
    assert main(argv) == 0
    line = capsys.readouterr().out.splitlines()[0]
    assert "status=feasible" in line and "bound=" in line and "gap=" in line
    assert "gap=-" not in line
    sol = json.loads(out.read_text())
    assert sol["bound"] is not None and sol["bound"] <= sol["objective"]
    assert sol["params"]["bound"] == "lagrangian"


def _reference_lagrangian(lam, a):
    """Plain numpy L(λ): per node, each level's n smallest admitted reduced costs."""
    total = float(lam.sum()) + float(np.minimum(0.0, a.alt - lam).sum())
    for j in range(a.node_start.shape[0] - 1):
        lo, hi = a.node_start[j], a.node_start[j + 1]
        rc = a.pair_cost[lo:hi] - lam[a.pair_dev[lo:hi]]
        cap = a.pair_cap[lo:hi]
        l0, nbar = a.level_start[j], a.level_start[j + 1] - a.level_start[j] - 1
        best = a.level_cost[l0]
        for n in range(1, nbar + 1):
            e = np.sort(rc[cap >= n])
            if e.shape[0] < n:
                break
            best = min(best, a.level_cost[l0 + n] + e[:n].sum())
        total += best
    return total


@pytest.mark.parametrize("weights", [(1.0, 0.0), (0.0, 1.0), (1.0, 0.7)])
def test_lagrangian_kernel_equals_the_python_reference(small_c, weights):
    """The Fenwick-tree Numba kernel gives the reference L(λ) for random multipliers, and
    its chosen sets reproduce its value."""
    wl, we = weights
    data = relaxation_data(small_c, latency_weight=wl, energy_weight=we)
    a = _lr_arrays(data, wl, we)
    rng = np.random.default_rng(7)
    for _ in range(4):
        lam = a.alt + rng.normal(0.0, 20.0, size=a.alt.shape)
        chosen = np.zeros(a.pair_cost.shape[0], np.int8)
        alt_chosen = np.zeros(lam.shape[0], np.int8)
        v = lagrangian_value(
            lam, a.alt, a.node_start, a.pair_dev, a.pair_cost, a.pair_cap, a.cap_order,
            a.level_start, a.level_cost, chosen, alt_chosen,
        )  # fmt: skip
        assert v == pytest.approx(_reference_lagrangian(lam, a), rel=1e-12, abs=1e-9)
        # the value is the cost of the chosen sets: Σλ + Σ chosen reduced costs + levels
        loads = np.add.reduceat(chosen.astype(np.int64), a.node_start[:-1])
        levels = a.level_cost[a.level_start[:-1] + loads].sum()
        own = (a.pair_cost - lam[a.pair_dev])[chosen == 1].sum()
        alts = (a.alt - lam)[alt_chosen == 1].sum()
        assert v == pytest.approx(lam.sum() + own + levels + alts, rel=1e-12, abs=1e-9)
