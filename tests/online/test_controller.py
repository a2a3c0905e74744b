"""The online controller on offloading instances: the invariants after every event, what
each event moves, re-optimisation within its budget, and its errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import placement
from placement.errors import InputError
from placement.offloading.evaluate import Assignment
from placement.online import Controller
from placement.online._offloading import restrict
from placement.testing import check_offloading, total_latency

OPS = ("arrive", "depart", "fail", "recover", "reoptimize")
PIPELINE = Path(__file__).resolve().parents[2] / "instances/pipeline/ecco-mixed-grid-n30-r8-s1.json"


def assert_invariants(ctl: Controller, active: set[int], failed: set[int]) -> None:
    """Every invariant of the online state, judged by the independent checker."""
    inst, a = ctl.instance, ctl.assignment
    assert check_offloading(inst, a) == []
    assert set(ctl.active) == active
    assert set(ctl.failed) == failed == set(a.failed_nodes)
    act = np.zeros(inst.n_devices, bool)
    act[list(active)] = True
    assert np.all(np.isin(a.kind[act], (0, 1, 2)))  # exactly one target each
    assert np.all(a.kind[~act] == 3)
    on_edge = a.kind == 1
    assert not np.isin(a.target[on_edge], list(failed)).any()
    ctl._b.state.check_bounds()


def run_ops(ctl: Controller, ops: list[tuple[str, int]]) -> None:
    """Apply ``ops`` (an index into the eligible ids) and check everything after each."""
    inst = ctl.instance
    active: set[int] = set()
    failed: set[int] = set()
    for op, x in ops:
        before = ctl.assignment
        if op == "arrive":
            pool = sorted(set(range(inst.n_devices)) - active)
            if not pool:
                continue
            i = pool[x % len(pool)]
            ch = ctl.arrive(i)
            active.add(i)
            assert [p[0] for p in ch.placed] == [i]
            ap = inst.device_ap[i]
            for m in ch.moved:  # only devices sharing the newcomer's AP are pushed out
                assert inst.device_ap[m.id] == ap and m.id in active and m.id != i
        elif op == "depart":
            if not active:
                continue
            i = sorted(active)[x % len(active)]
            ch = ctl.depart(i)
            active.discard(i)
            assert ch.moved == () and ch.removed == (i,)
            after = ctl.assignment
            keep = np.array(sorted(active), dtype=int)
            assert np.array_equal(after.kind[keep], before.kind[keep])
            assert np.array_equal(after.target[keep], before.target[keep])
        elif op == "fail":
            up = sorted(set(range(inst.n_nodes)) - failed)
            if not up:
                continue
            j = up[x % len(up)]
            on_j = set(np.flatnonzero((before.kind == 1) & (before.target == j)).tolist())
            ch = ctl.fail(j)
            failed.add(j)
            assert {m.id for m in ch.moved} == on_j
            after = ctl.assignment
            others = np.array(sorted(active - on_j), dtype=int)
            assert np.array_equal(after.kind[others], before.kind[others])
            assert np.array_equal(after.target[others], before.target[others])
        elif op == "recover":
            if not failed:
                continue
            j = sorted(failed)[x % len(failed)]
            ch = ctl.recover(j)
            failed.discard(j)
            assert ch.moved == ()
        else:
            k = x % 4
            lat0 = total_latency(inst, before)
            ch = ctl.reoptimize(max_moves=k)
            assert len(ch.moved) <= k
            assert total_latency(inst, ctl.assignment) <= lat0 + 1e-6
        assert_invariants(ctl, active, failed)


#: Arrivals weighted up so APs and nodes fill.
WEIGHTED = ("arrive",) * 5 + OPS[1:]
EVENTS = st.lists(st.tuples(st.sampled_from(WEIGHTED), st.integers(0, 10_000)), max_size=80)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=EVENTS, seed=st.integers(0, 3), kappa=st.sampled_from([0, 2]))
def test_invariants_hold_after_every_event(narrow, ops, seed, kappa):
    """Random arrivals, departures, failures, recoveries and re-optimisations on crowded
    APs and nodes keep every device feasible at the current loads after every event."""
    run_ops(Controller(narrow, seed=seed, kappa=kappa), ops)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(st.tuples(st.sampled_from(WEIGHTED), st.integers(0, 10_000)), max_size=150))
def test_invariants_hold_on_config_c(config_c_small, ops):
    """The same on config C (300 devices, 152 nodes, wide APs)."""
    run_ops(Controller(config_c_small), ops)


def test_arrival_re_places_devices_it_pushes_past_their_deadline(narrow):
    """An arrival that slows its AP's devices past their deadline or budget re-places
    exactly those, and reports them as moved."""
    ctl = Controller(narrow)
    moved = 0
    for i in range(narrow.n_devices):
        before = ctl.assignment
        ch = ctl.arrive(i)
        for m in ch.moved:
            moved += 1
            assert narrow.device_ap[m.id] == narrow.device_ap[i]
            assert str(m.source) != str(m.target)
            # at the users after the arrival the old target is infeasible
            k = {"edge": 1, "cloud": 2}[m.source.kind]
            kind, target = before.kind.copy(), before.target.copy()
            kind[i], target[i] = 0, -1
            kind[m.id], target[m.id] = k, m.source.index
            bad = check_offloading(narrow, Assignment.from_arrays(kind, target))
            assert any(msg.startswith(f"device {m.id}:") for msg in bad)
        assert check_offloading(narrow, ctl.assignment) == []
    assert moved > 0


def test_failure_moves_exactly_the_devices_of_the_node(config_c_small):
    """A failed node's devices, and only they, are re-placed, on working nodes."""
    ctl = Controller(config_c_small, active="all")
    a = ctl.assignment
    loads = np.bincount(a.target[a.kind == 1], minlength=config_c_small.n_nodes)
    j = int(loads.argmax())
    ch = ctl.fail(j)
    assert (
        sorted(m.id for m in ch.moved) == np.flatnonzero((a.kind == 1) & (a.target == j)).tolist()
    )
    assert all(m.target != ("edge", j) for m in ch.moved)
    assert ctl.failed == (j,)
    assert check_offloading(config_c_small, ctl.assignment) == []


def test_recover_then_reoptimize_uses_the_node_again(config_c_small):
    """After a node comes back, re-optimisation moves devices onto it again."""
    ctl = Controller(config_c_small, active="all")
    a = ctl.assignment
    j = int(np.bincount(a.target[a.kind == 1], minlength=config_c_small.n_nodes).argmax())
    ctl.fail(j)
    ch = ctl.recover(j)
    assert ch.moved == () and ctl.failed == ()
    assert not np.any((ctl.assignment.kind == 1) & (ctl.assignment.target == j))
    ch = ctl.reoptimize()
    assert any(m.target == ("edge", j) for m in ch.moved)
    assert np.any((ctl.assignment.kind == 1) & (ctl.assignment.target == j))
    assert check_offloading(config_c_small, ctl.assignment) == []


@pytest.mark.parametrize("k", [0, 1, 5, 40])
def test_reoptimize_moves_at_most_max_moves_and_never_worsens(config_c_small, k):
    """Re-optimisation moves at most ``max_moves`` devices and lowers total latency."""
    ctl = Controller(config_c_small, active="all")
    rng = np.random.default_rng(0)
    for i in rng.choice(config_c_small.n_devices, 120, replace=False).tolist():
        ctl.depart(i)
    lat0 = total_latency(config_c_small, ctl.assignment)
    ch = ctl.reoptimize(max_moves=k)
    lat1 = total_latency(config_c_small, ctl.assignment)
    assert len(ch.moved) <= k
    assert lat1 <= lat0 + 1e-9
    if k:
        assert len(ch.moved) == k and lat1 < lat0 - 1.0
    assert check_offloading(config_c_small, ctl.assignment) == []


def test_start_all_is_the_from_scratch_nimbus_solve(config_c_small):
    """``active="all"`` places every device exactly as Nimbus does from scratch."""
    ctl = Controller(config_c_small, active="all")
    ref = placement.solve(config_c_small, method="nimbus").solution
    assert np.array_equal(ctl.assignment.kind, ref.kind)
    assert np.array_equal(ctl.assignment.target, ref.target)
    assert ctl.active == tuple(range(config_c_small.n_devices))


def test_start_with_a_list_solves_the_restricted_instance(config_c_small):
    """A start list is placed as Nimbus places the instance restricted to those devices."""
    ids = list(range(0, config_c_small.n_devices, 3))
    ctl = Controller(config_c_small, active=ids)
    sub = restrict(config_c_small, np.array(ids), np.array([], dtype=int))
    ref = placement.solve(sub, method="nimbus").solution
    assert np.array_equal(ctl.assignment.kind[ids], ref.kind)
    assert np.array_equal(ctl.assignment.target[ids], ref.target)


def test_same_seed_same_states(narrow):
    """With κ > 0 the same seed and the same calls give the same assignments."""
    out = []
    for _ in range(2):
        ctl = Controller(narrow, seed=7, kappa=2)
        for i in range(40):
            ctl.arrive(i)
        ctl.fail(1)
        out.append(ctl.assignment)
    assert np.array_equal(out[0].kind, out[1].kind)
    assert np.array_equal(out[0].target, out[1].target)


def test_new_device_joins_the_universe(crowded):
    """``arrive(device={...})`` appends a device, places it and keeps it in every view."""
    ctl = Controller(crowded)
    ctl.arrive(0)
    spec = {"ap": 0, "fps": 12.0, "frame_kb": 33.0, "local_ms": 150.0, "local_mj": 250.0,
            "lte_mbps": 5.0, "class": "A"}  # fmt: skip
    ch = ctl.arrive(device=spec)
    n = crowded.n_devices
    assert ch.subject == n and ctl.active == (0, n)
    assert ctl.instance.n_devices == n + 1
    assert check_offloading(ctl.instance, ctl.assignment) == []
    assert ctl.result().metrics["devices"] == 2
    ctl.depart(n)
    assert ctl.active == (0,)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.arrive(0), "is active already"),
        (lambda c: c.depart(1), "is not active"),
        (lambda c: c.arrive(10_000), "unknown device"),
        (lambda c: c.arrive(True), "integer index"),
        (lambda c: c.fail(99), "unknown edge node"),
        (lambda c: c.fail(link=(1, 2)), "no links"),
        (lambda c: c.recover(0), "has not failed"),
        (lambda c: c.reoptimize(max_moves=-1), "max_moves"),
        (lambda c: c.reoptimize(time_limit=0), "time_limit"),
        (lambda c: c.arrive(device={"ap": 0}), "missing required key"),
        (lambda c: c.arrive(request={"name": "x"}), "add a device"),
        (lambda c: c.start("all"), "active already"),
    ],
)
def test_refused_calls(crowded, call, message):
    """Calls that break a rule raise an InputError naming it and change nothing."""
    ctl = Controller(crowded)
    ctl.arrive(0)
    before = ctl.assignment
    with pytest.raises(InputError, match=message):
        call(ctl)
    assert np.array_equal(ctl.assignment.kind, before.kind)


def test_failing_a_failed_node_is_refused(crowded):
    """A node cannot fail twice."""
    ctl = Controller(crowded)
    ctl.fail(2)
    with pytest.raises(InputError, match="failed already"):
        ctl.fail(2)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"method": "greedy"}, "method"),
        ({"lookahead": "paper"}, "lookahead"),
        ({"kappa": -1}, "kappa"),
        ({"migration": "teleport"}, "migration"),
        ({"seed": -1}, "seed"),
        ({"active": "some"}, "active"),
    ],
)
def test_bad_controller_options(crowded, kwargs, field):
    """Unknown methods, parameters and options are refused, naming the field."""
    with pytest.raises(InputError) as exc:
        Controller(crowded, **kwargs)
    assert exc.value.field == field


def test_result_covers_the_active_devices(crowded):
    """``result()`` evaluates the active set: counts, zero violations, online method."""
    ctl = Controller(crowded)
    for i in range(0, 30, 3):
        ctl.arrive(i)
    res = ctl.result()
    m = res.metrics
    assert m["devices"] == 10 and m["inactive"] == crowded.n_devices - 10
    assert m["edge"] + m["cloud"] + m["local"] == 10 and m["violations"] == 0
    assert res.method == "online-nimbus"
    assert res.objective == pytest.approx(total_latency(crowded, ctl.assignment))


def test_an_improvement_that_breaks_the_rules_is_discarded(config_c_small):
    """A plugged-in improver whose result is infeasible or over budget changes nothing."""

    def cheat(instance, assignment, params, *, max_moves):  # everything to node 0
        kind = np.ones(instance.n_devices, np.int8)
        return Assignment.from_arrays(kind, np.zeros(instance.n_devices, np.int64)), 1

    ctl = Controller(config_c_small, active=list(range(50)), improver=cheat)
    before = ctl.assignment
    ch = ctl.reoptimize(max_moves=100)
    assert ch.moved == () and "discarded" in ch.note
    assert np.array_equal(ctl.assignment.target, before.target)
    ch = ctl.reoptimize(max_moves=3)
    assert ch.moved == () and "max_moves" in ch.note
