"""Replay and the event generator: deterministic logs with zero violations, the outputs of
``placement replay`` read back by ``placement evaluate``, and realistic churn."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

import placement
from placement.cli import main
from placement.errors import InputError
from placement.online import generate_events, read_events, replay, rules_for, write_events
from placement.online.events import check_events
from placement.testing import check_offloading


def _rows_without_time(log):
    return [{k: v for k, v in r.items() if k != "runtime_us"} for r in log.rows]


@pytest.fixture(scope="module")
def day(config_c_small):
    """Three hours of churn on config C with parked cars as T1 nodes."""
    return generate_events(
        config_c_small, hours=3, seed=5, node_classes={"T1": "parked_car"}, session_min=15
    )


def test_generated_events_obey_every_rule(config_c_small, day):
    """The generator's output passes every rule of the event format."""
    log = check_events(day, rules_for(config_c_small))
    assert len(log.events) == len(day) and log.skipped == []
    types = {e.type for e in day}
    assert {"start", "arrive", "depart", "fail", "recover"} <= types
    assert day[0].type == "start" and all(a.t <= b.t for a, b in zip(day, day[1:]))


def test_generator_is_seeded(config_c_small):
    """The same seed gives the same events; another seed gives others."""
    a = generate_events(config_c_small, hours=1, seed=3)
    b = generate_events(config_c_small, hours=1, seed=3)
    c = generate_events(config_c_small, hours=1, seed=4)
    assert a == b and a != c


def test_generator_follows_load_and_availability(config_c_small):
    """Activity follows the load (Little's law); nodes fail as often as their class says."""
    ev = generate_events(config_c_small, hours=24, seed=1, load=0.4, diurnal=0.0)
    active = set(ev[0].active)
    counts = []
    for e in ev[1:]:
        if e.type == "arrive":
            active.add(e.id)
        elif e.type == "depart":
            active.discard(e.id)
        counts.append(len(active))
    assert abs(np.mean(counts) / config_c_small.n_devices - 0.4) < 0.06
    # Wi-Fi APs (months), private / ISP MEC (weeks / years): about 2 failures a day
    assert sum(e.type == "fail" for e in ev) <= 8
    cars = generate_events(config_c_small, hours=24, seed=1, node_classes={"T1": "moving_car"})
    t1 = [j for j, t in enumerate(config_c_small.node_tier) if t == "T1"]
    per_node = np.bincount([e.node for e in cars if e.type == "fail"], minlength=152)
    assert per_node[t1].min() >= 2  # a moving car stays 1-5 min, then ~30 min away


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"hours": 0}, "hours"),
        ({"load": 1.5}, "load"),
        ({"diurnal": 1.0}, "diurnal"),
        ({"node_classes": {"T1": "spaceship"}}, "node_classes"),
        ({"node_classes": {"T9": "parked_car"}}, "node_classes"),
    ],
)
def test_generator_refuses_bad_parameters(config_c_small, kwargs, field):
    """Out-of-range generator parameters are InputErrors naming the parameter."""
    with pytest.raises(InputError) as exc:
        generate_events(config_c_small, **kwargs)
    assert exc.value.field == field


def test_pipeline_generator_uses_request_names():
    """For pipeline instances the generator names requests and nodes."""
    from pathlib import Path

    inst = placement.read_any(
        Path(__file__).resolve().parents[2] / "instances/pipeline/ecco-mixed-grid-n30-r8-s1.json"
    )
    ev = generate_events(inst, hours=2, seed=0)
    names = {r.name for r in inst.requests}
    assert {e.id for e in ev if e.type in ("arrive", "depart")} <= names
    assert check_events(ev, rules_for(inst)).skipped == []


def test_replay_has_no_violation_and_is_deterministic(config_c_small, day):
    """Replaying the same events twice gives the same log, with zero violations after
    every event (checked with the independent checker too)."""
    seen = []

    def check(ctl, change):
        if len(seen) % 25 == 0:
            assert check_offloading(ctl.instance, ctl.assignment) == []
        seen.append(change.event)

    a = replay(config_c_small, day, reoptimize_every=100, max_moves=10, on_event=check)
    b = replay(config_c_small, day, reoptimize_every=100, max_moves=10)
    assert _rows_without_time(a) == _rows_without_time(b)
    assert all(r["violations"] == 0 for r in a.rows)
    reopt = [r for r in a.rows if r["type"] == "reoptimize"]
    assert len(reopt) == (len(day) - 1) // 100 and all(r["moved"] <= 10 for r in reopt)
    assert a.summary()["max_violations"] == 0
    assert len(seen) == len(a.rows)


def test_replay_reoptimizes_after_failures(config_c_small, day):
    """``reoptimize_on="fail"`` adds one re-optimisation right after every failure."""
    log = replay(config_c_small, day, reoptimize_on="fail")
    types = [r["type"] for r in log.rows]
    fails = [k for k, t in enumerate(types) if t == "fail"]
    assert fails and all(types[k + 1] == "reoptimize" for k in fails)


def test_replay_options_are_checked(config_c_small, day):
    """Contradicting or out-of-range replay options are InputErrors."""
    with pytest.raises(InputError, match="one of"):
        replay(config_c_small, day, reoptimize_every=5, reoptimize_on="fail")
    with pytest.raises(InputError, match="reoptimize_every"):
        replay(config_c_small, day, reoptimize_every=0)


def test_cli_replay_outputs_read_back(config_c_small, day, tmp_path, capsys):
    """``placement replay`` writes a log, a plot and a final solution that ``placement
    evaluate`` reads (inactive devices, failed nodes) with the same metrics."""
    inst_path = tmp_path / "c.json"
    placement.write_instance(config_c_small, inst_path)
    ev_path = tmp_path / "day.jsonl"
    write_events(ev_path, day)
    log, png, sol = tmp_path / "log.csv", tmp_path / "log.png", tmp_path / "final.json"
    args = ["replay", inst_path, ev_path, "--log", log, "--plot", png, "-o", sol, "--no-progress"]
    assert main([str(a) for a in args] + ["--reoptimize-every", "200", "--kappa", "0"]) == 0
    out = capsys.readouterr().out
    assert "max violations 0" in out
    with open(log) as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= len(day)
    assert set(rows[0]) >= {"t", "type", "id", "placed", "moved", "rejected", "active",
                            "violations", "migration_ms", "runtime_us", "edge", "cloud",
                            "local", "latency_mean_ms", "energy_saving_pct"}  # fmt: skip
    assert {r["violations"] for r in rows} == {"0"}
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    d = json.loads(sol.read_text())
    kinds = d["assignment"]["kind"]
    assert "inactive" in kinds and d["metrics"]["devices"] == int(rows[-1]["active"])
    a, _ = placement.read_solution(sol, config_c_small)
    assert set(a.failed_nodes) == set(d.get("failed_nodes", []))
    assert check_offloading(config_c_small, a) == []
    assert main(["evaluate", str(inst_path), str(sol), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["violations"] == 0 and metrics["inactive"] == kinds.count("inactive")
    assert metrics["devices"] == d["metrics"]["devices"]


def test_cli_generate_events(config_c_small, tmp_path, capsys):
    """``placement generate events`` writes an event file ``replay`` accepts."""
    inst_path = tmp_path / "c.json"
    placement.write_instance(config_c_small, inst_path)
    out = tmp_path / "ev.jsonl"
    code = main(["generate", "events", str(inst_path), "--hours", "1", "--seed", "2", "-o",
                 str(out), "--node-class", "T1=parked_car", "--reoptimize-every-s", "900",
                 "--max-moves", "5"])  # fmt: skip
    assert code == 0 and "wrote" in capsys.readouterr().out
    log = read_events(out, rules_for(config_c_small))
    assert sum(e.type == "reoptimize" for e in log.events) == 4
    assert main(["generate", "events", str(inst_path), "-o", str(out),
                 "--node-class", "T1"]) == 2  # fmt: skip


def test_config_b_day_replays_without_violations():
    """The config-B day (instance + events from the generator) replays through the
    controller with zero violations after every event."""
    from placement.offloading.day import generate_day
    from placement.online import Controller

    inst, events = generate_day(seed=1, slots=8)
    ctl = Controller(inst, method="nimbus", seed=1)
    for ev in events[1:]:
        (ctl.arrive if ev["type"] == "arrive" else ctl.depart)(ev["device"])
        assert ctl.result().metrics["violations"] == 0
    assert len(ctl.active) == len({e["device"] for e in events[1:]}) - sum(
        e["type"] == "depart" for e in events[1:]
    )
