"""The online controller on pipeline instances: invariants after every event (checked by
the independent checker), failures that move only what used the failed node or link,
re-optimisation within its move budget, deterministic replay, the command line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from placement.cli import main
from placement.errors import InputError
from placement.online import Controller, generate_events, replay
from placement.pipeline import read_pipeline
from placement.pipeline.evaluate import evaluate_pipeline
from placement.pipeline.generate import generate_pipeline
from placement.pipeline.solution import Placement, Route
from placement.testing import check_pipeline_solution

ECCO = Path(__file__).resolve().parents[2] / "instances/pipeline/ecco-mixed-grid-n30-r8-s1.json"


@pytest.fixture(scope="module")
def ecco():
    """The bundled ECCO grid: 31 nodes, 8 requests (2 automatic car-crash chains)."""
    return read_pipeline(ECCO)


@pytest.fixture(scope="module")
def busy():
    """A generated ECCO grid with 14 requests on 21 nodes (53 steps)."""
    return generate_pipeline("mixed", nodes=20, requests=14, seed=2)


def users_of(pl: Placement, node: str) -> set[str]:
    """Requests hosted on ``node`` or routed through it."""
    out = {r for r, d in pl.steps.items() if any(node in ns for ns in d.values())}
    out |= {r for r, rts in pl.routes.items() if any(node in rt.path for rt in rts)}
    return out


def check_state(ctl: Controller, inst) -> None:
    """Every invariant of spec 04 §1 on the current state, by the independent checker
    and by direct inspection."""
    pl = ctl.assignment
    assert check_pipeline_solution(inst, pl) == []
    assert evaluate_pipeline(inst, pl).violations == []
    active = set(ctl.active)
    placed, pending = set(pl.steps), set(pl.rejected)
    assert placed | pending == active and not placed & pending
    assert pl.inactive == {r.name for r in inst.requests} - active
    assert all(pl.rejected[r] for r in pending)  # a reason for each
    down = set(pl.failed_nodes)
    for r, d in pl.steps.items():
        assert not any(v in down for ns in d.values() for v in ns), r
    assert ctl.result().metrics["violations"] == 0


def host_map(pl: Placement) -> dict[tuple[str, str], tuple[str, ...]]:
    return {(r, s): ns for r, d in pl.steps.items() for s, ns in d.items()}


OPS = ("arrive", "arrive", "arrive", "depart", "fail", "recover", "link", "reoptimize")


def run_ops(ctl: Controller, inst, ops) -> None:
    """Apply ``ops`` (op, int) as valid events and check the invariants after each."""
    names = [r.name for r in inst.requests]
    nodes = [n.name for n in inst.nodes]
    links = [(lk.u, lk.v) for lk in inst.links]
    for op, k in ops:
        before = ctl.assignment
        active = set(ctl.active)
        if op == "arrive":
            idle = [n for n in names if n not in active]
            if not idle:
                continue
            ch = ctl.arrive(idle[k % len(idle)])
            assert ch.moved == ()
            assert len(ch.placed) + len(ch.rejected) == 1
        elif op == "depart":
            if not active:
                continue
            r = sorted(active)[k % len(active)]
            ch = ctl.depart(r)
            assert ch.moved == () and ch.placed == () and ch.removed == (r,)
            h0 = host_map(before)
            assert all(h0[key] == v for key, v in host_map(ctl.assignment).items())
        elif op == "fail":
            up = [v for v in nodes if v not in set(ctl.failed)]
            v = up[k % len(up)]
            hit = users_of(before, v)
            ch = ctl.fail(v)
            assert {m.id[0] for m in ch.moved} <= hit
            assert {x.id for x in ch.rejected} <= hit
            h0, h1 = host_map(before), host_map(ctl.assignment)
            for key, ns in h1.items():  # requests that did not use the node stay put
                if key[0] not in hit:
                    assert h0[key] == ns
        elif op == "recover":
            down = [x for x in ctl.failed]
            if not down:
                continue
            x = down[k % len(down)]
            ch = ctl.recover(link=sorted(x[1])) if isinstance(x, tuple) else ctl.recover(x)
            assert ch.moved == ()
        elif op == "link":
            down = {x[1] for x in ctl.failed if isinstance(x, tuple)}
            u, v = links[k % len(links)]
            if frozenset((u, v)) in down:
                continue
            ch = ctl.fail(link=(u, v))
            hit = {r for r, rts in before.routes.items() for rt in rts
                   if any({a, b} == {u, v} for a, b in zip(rt.path, rt.path[1:]))}  # fmt: skip
            assert {m.id[0] for m in ch.moved} | {x.id for x in ch.rejected} <= hit
        else:
            mm = (0, 1, 3, None)[k % 4]
            ch = ctl.reoptimize(max_moves=mm)
            assert mm is None or len(ch.moved) <= mm
            assert not ch.rejected
        check_state(ctl, inst)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ops=st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 1000)), max_size=40),
    which=st.sampled_from(["ecco", "busy"]),
    objective=st.sampled_from(["cores", "hops"]),
)
def test_invariants_hold_after_every_event(ecco, busy, ops, which, objective):
    """Random arrivals, departures, node and link failures, recoveries and bounded
    re-optimisations keep the placement valid after every event; departures move
    nothing and failures move only requests that used the node or link."""
    inst = ecco if which == "ecco" else busy
    run_ops(Controller(inst, objective=objective), inst, ops)


def test_failing_a_node_moves_exactly_what_stood_on_it(ecco):
    """Failing the MEC server of the crash workers moves exactly those workers (to
    another GPU node), redeployed at the flavour's boot time; nothing else changes."""
    ctl = Controller(ecco, active="all")
    before = host_map(ctl.assignment)
    on = {key for key, ns in before.items() if "mec2" in ns}
    assert on == {("crash1", "worker"), ("crash5", "worker")}
    ch = ctl.fail("mec2")
    assert {m.id for m in ch.moved} == on and ch.rejected == ()
    assert all(m.source == "mec2" and m.target != "mec2" for m in ch.moved)
    assert [m.migration_ms for m in ch.moved] == [35.0, 35.0]  # edge-function boot
    after = host_map(ctl.assignment)
    assert {k for k in before if before[k] != after.get(k)} == on
    check_state(ctl, ecco)
    assert ctl.assignment.failed_nodes == ("mec2",)


def test_failing_a_pinned_node_rejects_its_request_with_the_reason(ecco):
    """A request pinned to the failed node cannot be placed again: it is reported
    rejected with the reason and stays active (pending) until the node recovers."""
    ctl = Controller(ecco, active="all")
    ch = ctl.fail("rsu1_5")  # crash1's broadcaster bcast0 is pinned there
    assert [r.id for r in ch.rejected] == ["crash1"] and ch.rejected[0].reason
    assert "crash1" in ctl.active and "crash1" in ctl.assignment.rejected
    check_state(ctl, ecco)
    ch = ctl.recover("rsu1_5")
    assert [p[0] for p in ch.placed] == ["crash1"] and ch.moved == ()
    check_state(ctl, ecco)


def test_recover_then_reoptimize_uses_the_node_again(ecco):
    """After a failure and the recovery, re-optimisation moves the worker back onto
    the recovered node (fewer hops), reporting the move."""
    ctl = Controller(ecco, active="all", objective="hops")
    assert ctl.assignment.steps["crash1"]["worker"] == ("mec2",)
    hops0 = ctl.evaluate().objectives["hops"]
    ctl.fail("mec2")
    hops1 = ctl.evaluate().objectives["hops"]
    assert hops1 > hops0
    assert ctl.recover("mec2").moved == ()
    assert not any("mec2" in ns for ns in host_map(ctl.assignment).values())
    ch = ctl.reoptimize()
    assert ctl.assignment.steps["crash1"]["worker"] == ("mec2",)
    assert any(m.id == ("crash1", "worker") and m.target == "mec2" for m in ch.moved)
    assert ctl.evaluate().objectives["hops"] <= hops0
    check_state(ctl, ecco)


def test_reoptimize_keeps_its_move_budget(ecco):
    """``max_moves`` bounds the replicas moved (0: none) and the objective never gets
    worse; a larger budget is never worse than a smaller one."""
    got = []
    for k in (0, 1, 2, None):
        ctl = Controller(ecco, active="all", objective="hops", seed=3)
        ctl.fail("mec2")
        ctl.recover("mec2")
        h = ctl.evaluate().objectives["hops"]
        ch = ctl.reoptimize(max_moves=k)
        assert k is None or len(ch.moved) <= k
        got.append(ctl.evaluate().objectives["hops"])
        assert got[-1] <= h
        check_state(ctl, ecco)
    assert got[0] == 22.0 and got[1] < got[0] and got[3] <= got[1]


def test_stateful_moves_cost_migration_and_downtime(ecco):
    """Stateful re-optimisation moves cost the flavour's migration time and downtime
    (edge functions: 3540 / 330 ms); a move off a failed node is a redeployment."""
    ctl = Controller(ecco, active="all", objective="hops", migration="stateful")
    ch = ctl.fail("mec2")
    assert {(m.migration_ms, m.downtime_ms) for m in ch.moved} == {(35.0, 35.0)}
    ctl.recover("mec2")
    ch = ctl.reoptimize()
    assert ch.moved and all((m.migration_ms, m.downtime_ms) == (3540.0, 330.0) for m in ch.moved)
    assert ch.migration_ms == 3540.0 * len(ch.moved)
    assert ch.downtime_ms == 330.0 * len(ch.moved)


def test_failing_a_link_re_places_only_its_requests(ecco):
    """A failed link moves only the requests routed over it, which are re-routed; the
    evaluator rejects a placement routed over a failed link."""
    ctl = Controller(ecco, active="all")
    pl = ctl.assignment
    u, v = next((rt.path[0], rt.path[1]) for rts in pl.routes.values() for rt in rts
                if len(rt.path) > 1)  # fmt: skip
    hit = {r for r, rts in pl.routes.items() for rt in rts
           if any({a, b} == {u, v} for a, b in zip(rt.path, rt.path[1:]))}  # fmt: skip
    ch = ctl.fail(link=(u, v))
    assert {m.id[0] for m in ch.moved} | {x.id for x in ch.rejected} <= hit
    check_state(ctl, ecco)
    assert ctl.assignment.failed_links == (tuple(sorted((u, v))),)
    bad = Placement(pl.instances, pl.steps, pl.routes, pl.flavours,
                    failed_links=((u, v),))  # fmt: skip
    assert any("failed link" in m for m in evaluate_pipeline(ecco, bad).violations)
    assert any("failed link" in m for m in check_pipeline_solution(ecco, bad))
    with pytest.raises(InputError, match="failed already"):
        ctl.fail(link=(v, u))
    ctl.recover(link=(u, v))
    check_state(ctl, ecco)


def test_online_fields_are_judged_and_round_trip(ecco):
    """Inactive or rejected requests that are placed, and instances on a failed node,
    are violations for both the evaluator and the checker; the fields survive JSON."""
    ctl = Controller(ecco, active="all")
    pl = ctl.assignment
    r = next(iter(pl.steps))
    node = next(iter(pl.instances))[0]
    for bad in (
        Placement(pl.instances, pl.steps, pl.routes, pl.flavours, inactive=frozenset({r})),
        Placement(pl.instances, pl.steps, pl.routes, pl.flavours, rejected={r: "x"}),
        Placement(pl.instances, pl.steps, pl.routes, pl.flavours, failed_nodes=(node,)),
    ):
        assert evaluate_pipeline(ecco, bad).violations
        assert check_pipeline_solution(ecco, bad)
    # a missing automatic request is excused only when listed inactive or rejected
    steps = {k: v for k, v in pl.steps.items() if k != "crash1"}
    routes = {k: v for k, v in pl.routes.items() if k != "crash1"}
    missing = Placement({}, steps, routes)
    assert any("crash1" in m for m in check_pipeline_solution(ecco, missing))
    back = Placement.from_dict(json.loads(json.dumps(pl.to_dict())))
    assert back.rejected == pl.rejected and back.inactive == pl.inactive
    with pytest.raises(InputError, match="failed_links"):
        Placement.from_dict({"failed_links": [["a"]]})
    assert Route(0, "a", "b", ["a", "b"]).path == ("a", "b")


def test_pipeline_controller_refuses_what_it_cannot_do(ecco):
    """Unknown methods, ids, nodes and links, new requests and plugged-in improvers are
    InputErrors naming the field."""
    with pytest.raises(InputError, match="greedy"):
        Controller(ecco, method="nimbus")
    with pytest.raises(InputError, match="improver"):
        Controller(ecco, improver=lambda *a, **k: None)
    ctl = Controller(ecco)
    for call, match in (
        (lambda: ctl.arrive("nope"), "unknown request"),
        (lambda: ctl.arrive(3), "name"),
        (lambda: ctl.fail("nope"), "unknown node"),
        (lambda: ctl.fail(link=("rsu0_0", "cloud")), "unknown link"),
        (lambda: ctl.arrive(request={"steps": []}), "cannot be added"),
        (lambda: ctl.depart("crash1"), "not active"),
    ):
        with pytest.raises(InputError, match=match):
            call()


def _rows(log):
    return [{k: v for k, v in r.items() if k != "runtime_us"} for r in log.rows]


def test_replay_is_deterministic_with_zero_violations(busy):
    """A day of generated churn (with re-optimisation every 10 events) replays with zero
    violations after every event, and the same seed gives the same log and moves."""
    events = generate_events(busy, hours=12, seed=4, load=0.7, session_min=30)
    assert events == generate_events(busy, hours=12, seed=4, load=0.7, session_min=30)

    def run():
        return replay(busy, events, seed=1, reoptimize_every=10, max_moves=3,
                      keep_changes=True,
                      on_event=lambda ctl, ch: check_state(ctl, busy))  # fmt: skip

    a, b = run(), run()
    assert _rows(a) == _rows(b)
    assert [c.moved for c in a.changes] == [c.moved for c in b.changes]
    assert a.summary()["max_violations"] == 0
    assert sum(r["type"] == "reoptimize" for r in a.rows) >= 4
    assert {"arrive", "depart"} <= {r["type"] for r in a.rows}


def test_cli_generate_and_replay_on_the_bundled_instance(tmp_path, capsys):
    """``placement generate events`` then ``placement replay`` on the bundled ECCO
    instance: same seed, same event file; log, plot and final solution written; the
    solution (inactive requests listed) reads back through ``placement evaluate``."""
    ev1, ev2 = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for ev in (ev1, ev2):
        assert main(["generate", "events", str(ECCO), "--hours", "24", "--seed", "1",
                     "--reoptimize-every-s", "7200", "--max-moves", "2",
                     "-o", str(ev)]) == 0  # fmt: skip
    assert ev1.read_text() == ev2.read_text()
    assert '"request": "' in ev1.read_text()
    log, png, sol = tmp_path / "log.csv", tmp_path / "log.png", tmp_path / "final.json"
    args = ["replay", str(ECCO), str(ev1), "--log", str(log), "--plot", str(png),
            "-o", str(sol), "--migration", "stateful", "--objective", "hops"]  # fmt: skip
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "max violations 0" in out
    with open(log) as fh:
        rows = list(csv.DictReader(fh))
    assert {"cores", "hops", "delay", "energy", "priority", "migration_ms"} <= set(rows[0])
    assert all(r["violations"] == "0" for r in rows)
    assert png.stat().st_size > 0
    d = json.loads(sol.read_text())
    assert d["placement"]["inactive"] and d["params"]["migration"] == "stateful"
    assert d["objective_name"] == "hops" and d["feasible"] is True
    assert main(["evaluate", str(ECCO), str(sol)]) == 0
    assert "violations  0" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ('{"t": 1, "type": "arrive", "request": "nope"}', "unknown request"),
        ('{"t": 1, "type": "arrive", "device": 3}', "unknown key"),
        ('{"t": 1, "type": "arrive", "request": 3}', "must be a name"),
        ('{"t": 1, "type": "depart", "request": "crash1"}', "not active"),
        ('{"t": 1, "type": "fail", "node": "nope"}', "unknown node"),
        ('{"t": 1, "type": "fail", "link": ["rsu0_0", "cloud"]}', "unknown link"),
        ('{"t": 1, "type": "recover", "node": "mec0"}', "has not failed"),
        ('{"t": 1, "type": "arrive", "request": {"name": "x"}}', "cannot be added"),
        ('{"t": 1, "type": "explode"}', "unknown event type"),
    ],
)
def test_malformed_pipeline_event_files_exit_2_naming_the_line(tmp_path, capsys, line, rule):
    """Each broken rule in a pipeline event file exits 2 naming the file and line 2."""
    ev = tmp_path / "bad.jsonl"
    ev.write_text('{"t": 0, "type": "start", "active": "none"}\n' + line + "\n")
    assert main(["replay", str(ECCO), str(ev)]) == 2
    err = capsys.readouterr().err
    assert "line 2" in err and rule in err and "Traceback" not in err


def test_pending_request_is_placed_at_the_next_reoptimize(ecco):
    """An active request left pending (its pinned camera node held exclusively) is not
    placed by the departure that frees the camera (a departure changes nothing else),
    and is placed — not moved — by the next re-optimisation, even with no move budget."""
    ctl = Controller(ecco, active="all")
    assert set(ctl.assignment.rejected) == {"parking3"}
    assert "rsu3_2" in ctl.assignment.steps["crash1"]["detect"]
    ch = ctl.depart("crash1")
    assert ch.placed == () and "parking3" in ctl.assignment.rejected
    ch = ctl.reoptimize(max_moves=0)
    assert [p[0] for p in ch.placed] == ["parking3"] and ch.moved == ()
    assert ch.placed[0][1]["detect"] == ("rsu3_2",)
    assert ctl.assignment.rejected == {}
    check_state(ctl, ecco)
