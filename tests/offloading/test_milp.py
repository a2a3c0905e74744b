"""Exactness of the MILP (spec §3): brute force, backends, matrix = Pyomo model, statuses."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

try:  # tests/ on sys.path (pytest's default rootdir-less layout)
    from bruteforce import brute_force, random_tiny
except ModuleNotFoundError:  # tests/ collected as a package
    from tests.bruteforce import brute_force, random_tiny

import placement
from placement import testing
from placement.errors import InputError, NumericalWarning
from placement.offloading.evaluate import Assignment
from placement.registry import methods_of
from placement.result import Status, Termination

METHODS = methods_of("offloading")

#: Absolute tolerance (ms / mJ) between two optima of the same tiny instance.
OPT_ATOL = 1e-6
#: Relative tolerance between two optima.
OPT_RTOL = 1e-9
TINY_SEEDS = list(range(32))


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=OPT_RTOL, abs_tol=OPT_ATOL)


def _solve(inst, method="milp", **kw):
    """Solve with warnings as errors: a solver/evaluator objective mismatch fails."""
    kw.setdefault("warm_start", False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericalWarning)
        return placement.solve(inst, method=method, **kw)


@pytest.fixture(scope="module")
def tiny_cases():
    """The random tiny instances with their brute-force optimum (computed once)."""
    return [(s, random_tiny(s), brute_force(random_tiny(s))) for s in TINY_SEEDS]


# ------------------------------------------------------------------ brute force
def test_random_tiny_instances_are_tiny_and_varied(tiny_cases):
    """The tiny set has ≤ 6 devices, ≤ 3 nodes, 1–2 clouds and optima using the edge."""
    for _, inst, _ in tiny_cases:
        assert inst.n_devices <= 6 and inst.n_nodes <= 3 and 1 <= inst.n_clouds <= 2
    assert sum(bf.n_edge > 0 for _, _, bf in tiny_cases) >= 15
    assert sum(bf.n_edge >= 2 for _, _, bf in tiny_cases) >= 5


def test_milp_equals_brute_force(tiny_cases):
    """HiGHS optimum = brute-force optimum on ≥ 30 tiny instances; feasible; solver = evaluator."""
    for seed, inst, bf in tiny_cases:
        res = _solve(inst)
        assert res.status == Status.OPTIMAL, seed
        testing.assert_offloading_feasible(inst, res.solution)
        assert _close(res.objective, bf.latency), (seed, res.objective, bf.latency)
        assert _close(testing.total_latency(inst, res.solution), res.objective)
        assert "solver_objective" not in res.statistics  # no mismatch recorded
        assert res.bound is not None and res.bound <= res.objective + OPT_ATOL


def test_cpsat_agrees_with_highs(tiny_cases):
    """CP-SAT (integer-scaled) reaches the HiGHS / brute-force optimum on every tiny instance."""
    for seed, inst, bf in tiny_cases:
        res = _solve(inst, method="cpsat")
        assert res.status == Status.OPTIMAL, seed
        testing.assert_offloading_feasible(inst, res.solution)
        assert _close(res.objective, bf.latency), (seed, res.objective, bf.latency)


def test_pyomo_highs_path_equals_brute_force(tiny_cases):
    """The Pyomo in-process HiGHS interface reaches the brute-force optimum (with a MIP start)."""
    for seed, inst, bf in tiny_cases[:12]:
        res = _solve(inst, solver="highs-pyomo", warm_start="cloud")
        assert res.status == Status.OPTIMAL, seed
        testing.assert_offloading_feasible(inst, res.solution)
        assert _close(res.objective, bf.latency), (seed, res.objective, bf.latency)


@pytest.mark.parametrize("method", ["milp", "cpsat"])
def test_epsilon_constraint_equals_brute_force(tiny_cases, method):
    """min latency s.t. energy ≤ ε (ε between the extremes) and min energy s.t. latency ≤ ε match brute force."""
    for seed, inst, lo in tiny_cases[:16]:
        en = brute_force(inst, objective="energy")
        eps = 0.5 * (lo.energy + en.energy)
        bf = brute_force(inst, epsilon=eps)
        res = _solve(inst, method=method, epsilon=eps)
        assert _close(res.objective, bf.latency), (seed, res.objective, bf.latency)
        assert res.evaluation.total_energy_mj <= eps + 1e-5
        testing.assert_offloading_feasible(inst, res.solution)
        eps_l = 0.5 * (lo.latency + en.latency)
        bf2 = brute_force(inst, objective="energy", epsilon=eps_l)
        res2 = _solve(inst, method=method, objective="energy", epsilon=eps_l)
        assert _close(res2.evaluation.total_energy_mj, bf2.energy), seed
        assert res2.objective_name == "energy" and _close(res2.objective, bf2.energy)
        assert res2.evaluation.objective <= eps_l + 1e-5


@pytest.mark.parametrize("method", ["milp", "cpsat"])
def test_energy_and_edge_objectives_equal_brute_force(tiny_cases, method):
    """Least total energy, and most edge devices then least latency, match brute force."""
    for seed, inst, _ in tiny_cases[:16]:
        en = brute_force(inst, objective="energy")
        res = _solve(inst, method=method, objective="energy")
        assert _close(res.evaluation.total_energy_mj, en.energy), seed
        assert _close(res.objective, en.energy), seed  # the objective is the one optimised
        ed = brute_force(inst, objective="edge")
        res = _solve(inst, method=method, objective="edge")
        testing.assert_offloading_feasible(inst, res.solution)
        assert res.metrics["edge"] == ed.n_edge == res.objective, seed
        lat = res.evaluation.objective
        assert _close(lat, ed.latency), (seed, lat, ed.latency)


def test_boundary_epsilon_is_feasible_on_both_backends(tiny_cases):
    """ε equal to the least total energy is feasible for HiGHS and CP-SAT (rounding slack)."""
    for seed, inst, _ in tiny_cases[:10]:
        en = brute_force(inst, objective="energy")
        bf = brute_force(inst, epsilon=en.energy)
        for method in ("milp", "cpsat"):
            res = _solve(inst, method=method, epsilon=en.energy)
            assert res.status == Status.OPTIMAL, (seed, method)
            assert _close(res.objective, bf.latency), (seed, method)


def test_dominance_pruning_keeps_the_optimum(tiny_cases):
    """Pruning dominated pairs changes no optimum (latency, ε-latency) versus the unpruned model."""
    from placement.models.offloading import prefilter

    from placement.backends.base import BackendParams
    from placement.offloading.methods import solve_data

    for seed, inst, bf in tiny_cases:
        for prune in ("none", "latency", "both"):
            data = prefilter(inst, prune=prune)
            out, _, _ = solve_data(data, "latency", None, BackendParams(mip_gap=1e-9))
            assert out.status == Status.OPTIMAL
            assert _close(out.objective, bf.latency), (seed, prune)


def test_infeasible_epsilon_is_reported():
    """An energy cap below the least possible energy gives status infeasible and no solution."""
    inst = random_tiny(3)
    for method in ("milp", "cpsat"):
        res = _solve(inst, method=method, epsilon=1.0)
        assert res.status == Status.INFEASIBLE
        assert res.termination == Termination.INFEASIBLE
        assert res.solution is None and res.objective is None


# --------------------------------------------------------------- model content
def test_model_has_variables_only_for_prefiltered_pairs():
    """Every x_ij passes the spec §3 pre-filter; every filtered pair that is not dominated has one."""
    from placement.models.offloading import build_offloading_model

    inst = random_tiny(5)
    m = build_offloading_model(inst, prune="none")
    pairs = set(m.x.keys())
    users = inst.ap_users
    for i in range(inst.n_devices):
        a = inst.device_ap[i]
        up = 8 * inst.device_frame_kb[i] / (inst.ap_bandwidth_mbps[a] / users[a])
        for j in range(inst.n_nodes):
            net = up + inst.rtt_ms[a, j]
            ok = (
                math.isfinite(net)
                and net + inst.node_inference_ms[j] + inst.queue_ms(j, 1)
                <= 1000 / inst.device_fps[i] + 1e-9
                and inst.w_wifi * net <= inst.device_local_mj[i] + 1e-9
                and inst.node_capacity[j] >= 1
            )
            assert ((i, j) in pairs) == ok, (i, j)
    # one level binary per load 0..N̄_j and z for every device
    assert len(m.z) == inst.n_devices
    for j in m.J:
        levels = sorted(n for (jj, n) in m.u.keys() if jj == j)
        assert levels == list(range(levels[-1] + 1))


def test_extract_assignment_round_trips_a_start(tiny_cases):
    """set_start + extract_assignment reproduce the brute-force optimum's assignment."""
    from placement.models.offloading import build_offloading_model, extract_assignment, set_start

    for _, inst, bf in tiny_cases[:10]:
        m = build_offloading_model(inst, prune="none")
        assert set_start(m, bf.assignment)
        a = extract_assignment(m)
        assert np.array_equal(a.kind, bf.assignment.kind)
        assert np.array_equal(a.target, bf.assignment.target)
        import pyomo.environ as pyo

        assert _close(pyo.value(m.total_latency), bf.latency)
        assert _close(pyo.value(m.total_energy), bf.energy)


def test_epsilon_is_a_mutable_param_resolved_without_rebuild():
    """Changing model.epsilon and re-solving with the same persistent HiGHS object follows the front."""
    from placement.models.offloading import build_offloading_model, extract_assignment
    from pyomo.contrib.solver.common.factory import SolverFactory

    inst = random_tiny(7)
    lo, en = brute_force(inst), brute_force(inst, objective="energy")
    m = build_offloading_model(inst, objective="latency", epsilon=lo.energy)
    assert m.epsilon.mutable
    opt = SolverFactory("highs")
    for eps in (lo.energy, 0.5 * (lo.energy + en.energy), en.energy):
        m.epsilon.set_value(eps)
        res = opt.solve(m, load_solutions=False, raise_exception_on_nonoptimal_result=False)
        assert res.termination_condition.name == "convergenceCriteriaSatisfied"
        res.solution_loader.load_vars()
        a = extract_assignment(m)
        assert _close(placement.evaluate(inst, a).objective, brute_force(inst, epsilon=eps).latency)


def _pyomo_rows(m):
    import pyomo.environ as pyo
    from pyomo.repn import generate_standard_repn

    rows = {}
    for con in m.component_data_objects(pyo.Constraint, active=True):
        repn = generate_standard_repn(con.body)
        const = float(repn.constant)
        lo = -math.inf if con.lower is None else float(pyo.value(con.lower)) - const
        up = math.inf if con.upper is None else float(pyo.value(con.upper)) - const
        coefs: dict[str, float] = {}
        for v, c in zip(repn.linear_vars, repn.linear_coefs):
            coefs[v.name] = coefs.get(v.name, 0.0) + float(c)
        rows[con.name] = (lo, up, {k: c for k, c in coefs.items() if c != 0})
    return rows


@pytest.mark.parametrize("case", ["tiny", "tiny-eps", "tiny-energy", "c200", "fixed"])
def test_direct_matrix_equals_pyomo_model(case, small_c):
    """The direct highspy matrix has exactly the Pyomo model's rows, bounds, coefficients and costs."""
    import pyomo.environ as pyo
    from placement.models.offloading import build_matrix, build_offloading_model, prefilter
    from pyomo.repn import generate_standard_repn

    objective, eps, fixed = "latency", None, None
    inst = random_tiny(11)
    if case == "tiny-eps":
        eps = brute_force(inst).energy
    elif case == "tiny-energy":
        objective, eps = "energy", 1e4
    elif case in ("c200", "fixed"):
        inst = small_c
    if case == "fixed":
        nodes = np.arange(inst.n_devices) % inst.n_nodes
        kind = np.where(np.arange(inst.n_devices) < 3, 1, 0)
        fixed = Assignment.from_arrays(kind, np.where(kind == 1, nodes, -1))
    data = prefilter(inst, objective=objective, epsilon=eps, fixed=fixed)
    m = build_offloading_model(data, objective=objective, epsilon=eps)
    mm = build_matrix(data, objective, eps, names=True)
    assert _pyomo_rows(m) == mm.rows()
    repn = generate_standard_repn(m.objective.expr)
    cost = dict(zip(mm.col_names, mm.cost.tolist()))
    pyo_cost = {v.name: float(c) for v, c in zip(repn.linear_vars, repn.linear_coefs)}
    assert pyo_cost == {k: c for k, c in cost.items() if c != 0}
    assert math.isclose(float(repn.constant), mm.offset)
    assert sorted(v.name for v in m.component_data_objects(pyo.Var)) == sorted(mm.col_names)


def test_direct_and_pyomo_paths_reach_the_same_optimum(small_c):
    """Both HiGHS build paths give the same optimum on config C with 200 devices."""
    a = _solve(small_c, solver="highs")
    b = _solve(small_c, solver="highs-pyomo")
    assert a.status == b.status == Status.OPTIMAL
    assert math.isclose(a.objective, b.objective, rel_tol=1e-9)
    testing.assert_offloading_feasible(small_c, a.solution)


# ----------------------------------------------------------- heuristics, limits
HEURISTICS = ["local", "cloud", "cloud4g", "nimbus", "greedy", "mt", "2pmt"]


@pytest.mark.parametrize("method", HEURISTICS)
def test_milp_is_no_worse_than_any_feasible_heuristic(method, small_c, tiny):
    """The MILP optimum ≤ every heuristic's feasible objective (tiny file + config C, 200 devices)."""
    spec = METHODS[method]
    if not spec.is_available():
        pytest.skip(f"method {method!r} is not available yet ({spec.target})")
    for inst in (tiny, small_c, random_tiny(1), random_tiny(2)):
        opt = _solve(inst)
        h = placement.solve(inst, method=method)
        if h.metrics["violations"] == 0:
            assert opt.objective <= h.objective + OPT_ATOL, (method, inst.name)
        else:  # a lower infeasible objective is no counterexample: the checker must see it
            assert testing.check_offloading(inst, h.solution)


def test_nimbus_warm_start_is_accepted(small_c):
    """With warm_start=True the Nimbus (or cloud) solution is passed as a MIP start and the result stays optimal."""
    res = placement.solve(small_c, method="milp")
    assert res.status == Status.OPTIMAL
    expected = "nimbus" if METHODS["nimbus"].is_available() else "cloud"
    assert res.statistics["warm_start"] == expected
    assert res.statistics["start_accepted"] is True
    assert res.objective <= res.statistics["warm_start_objective"] + OPT_ATOL


def test_time_limited_solve_returns_incumbent_and_bound():
    """A time-limited solve of a large instance returns a feasible incumbent with bound ≤ objective."""
    inst = placement.generate("A-C0", devices=2000, seed=3)
    res = placement.solve(inst, method="milp", time_limit=1.0, warm_start="cloud", threads=1)
    assert res.status == Status.FEASIBLE
    assert res.termination == Termination.TIME_LIMIT
    testing.assert_offloading_feasible(inst, res.solution)
    assert res.bound is not None and res.bound <= res.objective
    assert res.gap is not None and 0 <= res.gap < 1


def test_cpsat_time_limit_returns_incumbent():
    """CP-SAT with a short limit and a MIP start returns a feasible incumbent and a bound ≤ objective."""
    inst = placement.generate("C", devices=300, seed=2)
    res = placement.solve(inst, method="cpsat", time_limit=2.0, warm_start="cloud")
    assert res.status in (Status.FEASIBLE, Status.OPTIMAL)
    testing.assert_offloading_feasible(inst, res.solution)
    assert res.bound is not None and res.bound <= res.objective + 1e-6


def test_lp_bound_is_below_the_optimum(small_c):
    """The LP relaxation bounds the MILP optimum from below and comes with a feasible incumbent."""
    opt = _solve(small_c)
    lp = placement.solve(small_c, method="lp-bound")
    assert lp.bound is not None and lp.bound <= opt.objective + 1e-6
    assert lp.status == Status.FEASIBLE
    testing.assert_offloading_feasible(small_c, lp.solution)
    assert lp.objective >= opt.objective - 1e-6


# ------------------------------------------------------------ partitioned MILP
def test_mt_milp_with_one_slice_is_the_milp(small_c):
    """MT-MILP with one slice solves the whole instance: optimum = MILP, bound = LP bound."""
    opt = _solve(small_c)
    res = placement.solve(small_c, method="mt-milp", threads=1)
    testing.assert_offloading_feasible(small_c, res.solution)
    assert math.isclose(res.objective, opt.objective, rel_tol=1e-9)
    assert res.bound is not None and res.bound <= opt.objective + 1e-6


def test_2pmt_milp_improves_mt_milp_and_reports_gap(small_c):
    """2PMT-MILP (2 slices in worker processes) is feasible, ≤ MT-MILP, ≥ the MILP, with a gap to the LP bound."""
    opt = _solve(small_c)
    mt = placement.solve(small_c, method="mt-milp", threads=2, workers=2)
    two = placement.solve(small_c, method="2pmt-milp", threads=2, workers=1)
    for r in (mt, two):
        testing.assert_offloading_feasible(small_c, r.solution)
        assert r.objective >= opt.objective - 1e-6
        assert r.gap is not None and r.gap >= 0
        assert len(r.statistics["slices"]) == 2
    assert two.objective <= mt.objective + 1e-6
    assert "phase2" in two.statistics


def test_partition_deals_nodes_round_robin_per_tier(small_c):
    """Slices partition devices and nodes; each tier is dealt round-robin from slice 0."""
    from placement.offloading.partition import partition

    dev_slices, node_slices = partition(small_c, 3, "balanced")
    parts = list(zip(dev_slices, node_slices))
    devs = np.concatenate(dev_slices)
    nodes = np.concatenate(node_slices)
    assert sorted(devs.tolist()) == list(range(small_c.n_devices))
    assert sorted(nodes.tolist()) == list(range(small_c.n_nodes))
    t3 = [j for j, t in enumerate(small_c.node_tier) if t == "T3"]
    for s, j in enumerate(t3):
        assert j in parts[s % 3][1]
    # colocated: a node on an AP is in the slice of that AP's devices
    col = zip(*partition(small_c, 3, "colocated"))
    for devs, nodes in col:
        aps = set(small_c.device_ap[devs].tolist())
        for j in nodes:
            if small_c.node_ap[j] >= 0 and np.any(small_c.device_ap == small_c.node_ap[j]):
                assert small_c.node_ap[j] in aps


# ------------------------------------------------------------------ parameters
@pytest.mark.parametrize(
    "params, field",
    [
        ({"time_limit": 0}, "time_limit"),
        ({"time_limit": -1.0}, "time_limit"),
        ({"mip_gap": -0.1}, "mip_gap"),
        ({"mip_gap": 1.0}, "mip_gap"),
        ({"threads": 0}, "threads"),
        ({"threads": 1.5}, "threads"),
        ({"objective": "cost"}, "objective"),
        ({"epsilon": -1.0}, "epsilon"),
        ({"objective": "edge", "epsilon": 5.0}, "epsilon"),
        ({"warm_start": 3.5}, "warm_start"),
    ],
)
def test_invalid_parameters_name_the_field(params, field, tiny):
    """Bad parameter values raise InputError naming the parameter."""
    with pytest.raises(InputError) as exc:
        placement.solve(tiny, method="milp", **params)
    assert exc.value.field == field


def test_boundary_parameter_values_are_accepted(tiny):
    """mip_gap = 0, threads = 1, a tiny time limit and epsilon = 0 (infeasible) are valid values."""
    assert placement.solve(tiny, method="milp", mip_gap=0.0, threads=1, time_limit=0.01).status in (
        Status.OPTIMAL,
        Status.FEASIBLE,
        Status.NO_SOLUTION,
    )
    assert placement.solve(tiny, method="milp", epsilon=0.0).status == Status.INFEASIBLE


def test_unknown_solver_is_a_clear_error(tiny):
    """A solver name Pyomo cannot run raises SolverUnavailableError."""
    from placement.errors import SolverUnavailableError

    with pytest.raises(SolverUnavailableError):
        placement.solve(tiny, method="milp", solver="no-such-solver", warm_start=False)


def test_available_backends_lists_highs_and_cpsat():
    """available_backends() reports highs, highs-pyomo and cpsat as available, and probes the others."""
    from placement.backends import available_backends
    from placement.backends.pyomo import PROBE as PYOMO_PROBE

    found = {b["name"]: b for b in available_backends()}
    for name in ("highs", "highs-pyomo", "cpsat") + PYOMO_PROBE:
        assert name in found
        assert set(found[name]) == {"name", "available", "version", "kind"}
    assert found["highs"]["available"] and found["highs"]["version"].startswith("1.14")
    assert found["cpsat"]["available"]


def test_config_c_is_solved_to_proven_optimality_within_60s(config_c):
    """Config C (1000 devices × 152 nodes) is proven optimal within the 60 s limit, feasible, gap 0."""
    res = placement.solve(config_c, method="milp", time_limit=60, threads=1, warm_start=False)
    assert res.status == Status.OPTIMAL
    assert res.runtime < 60
    testing.assert_offloading_feasible(config_c, res.solution)
    assert res.gap is not None and res.gap <= 1e-6
    cloud = placement.solve(config_c, method="cloud")
    assert res.objective <= cloud.objective


@pytest.mark.slow
def test_a_c0_4000_full_milp_and_partitioned_gap():
    """A-C0 with 4000 devices: the MILP is optimal within 300 s; 2PMT-MILP is feasible with a gap to the LP bound."""
    inst = placement.generate("A-C0", devices=4000, seed=1)
    res = placement.solve(inst, method="milp", time_limit=300, threads=1, warm_start=False)
    assert res.status == Status.OPTIMAL
    testing.assert_offloading_feasible(inst, res.solution)
    two = placement.solve(inst, method="2pmt-milp", threads=2, workers=2, time_limit=300)
    testing.assert_offloading_feasible(inst, two.solution)
    assert two.bound <= res.objective + 1e-6 <= two.objective + 1e-6
    assert two.gap < 0.05


def test_classic_pyomo_solver_plugin_path(monkeypatch, tiny_cases):
    """A solver name only pyomo.environ.SolverFactory knows is solved through the classic plugin path."""
    import placement.backends.pyomo as pm

    monkeypatch.setattr(pm, "contrib_factory", lambda name: None)
    for seed, inst, bf in tiny_cases[:5]:
        res = _solve(inst, solver="appsi_highs", time_limit=30)
        assert res.statistics["interface"] == "pyomo.environ.SolverFactory"
        assert res.status == Status.OPTIMAL
        assert _close(res.objective, bf.latency), seed
